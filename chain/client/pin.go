package client

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	abci "github.com/cometbft/cometbft/abci/types"
	coretypes "github.com/cometbft/cometbft/rpc/core/types"

	"github.com/freeflowuniverse/planetary/chain"
)

// PinParams returns the chain's pinning parameters, proven; a chain whose genesis set none proves
// their absence and reads as the defaults.
func (c *Client) PinParams(ctx context.Context) (chain.PinParams, error) {
	a, err := c.query(ctx, "pinparams", 0)
	if errors.Is(err, ErrNotFound) {
		return chain.PinParams{}.WithDefaults(), nil
	}
	if err != nil {
		return chain.PinParams{}, fmt.Errorf("pin params: %w", err)
	}
	v, err := a.single(chain.PinParamsKey())
	if err != nil {
		return chain.PinParams{}, fmt.Errorf("pin params: %w", err)
	}
	p, err := chain.DecodePinParams(v)
	return p.WithDefaults(), err
}

// PinNodes returns the registered pinning nodes in key order, each proven.
func (c *Client) PinNodes(ctx context.Context) ([]chain.PinNode, error) {
	var out []chain.PinNode
	path := "pinnodes"
	var h int64
	for {
		var a answer
		var err error
		if h == 0 {
			a, err = c.query(ctx, path, 0)
			h = a.Height
		} else {
			a, err = c.queryAt(ctx, path, h)
		}
		if err != nil {
			return nil, fmt.Errorf("pin nodes: %w", err)
		}
		l, err := a.list(chain.PinNodeKey([32]byte{})[:1])
		if err != nil {
			return nil, fmt.Errorf("pin nodes: %w", err)
		}
		for _, e := range l {
			n, err := chain.DecodePinNode(e.Value)
			if err != nil {
				return nil, fmt.Errorf("pin nodes: %w", err)
			}
			if !bytes.Equal(e.Key, chain.PinNodeKey(n.Key)) || (len(out) > 0 && bytes.Compare(n.Key[:], out[len(out)-1].Key[:]) <= 0) {
				return nil, fmt.Errorf("pin node entry %x: %w", e.Key, ErrBadProof)
			}
			out = append(out, n)
		}
		if len(l) < pageSize {
			return out, nil
		}
		path = "pinnodes?after=" + chain.HexKey(out[len(out)-1].Key)
	}
}

// PinNode returns one registered pinning node, proven.
func (c *Client) PinNode(ctx context.Context, key [32]byte) (chain.PinNode, error) {
	a, err := c.query(ctx, "pinnode/"+chain.HexKey(key), 0)
	if err != nil {
		return chain.PinNode{}, fmt.Errorf("pin node %x: %w", key[:6], err)
	}
	v, err := a.single(chain.PinNodeKey(key))
	if err != nil {
		return chain.PinNode{}, fmt.Errorf("pin node %x: %w", key[:6], err)
	}
	return chain.DecodePinNode(v)
}

// PinSet returns the allocation set of a CID, proven.
func (c *Client) PinSet(ctx context.Context, cid string) (chain.PinSet, error) {
	a, err := c.query(ctx, "pin/"+url.PathEscape(cid), 0)
	if err != nil {
		return chain.PinSet{}, fmt.Errorf("pin set %s: %w", cid, err)
	}
	return a.pinSet(cid)
}

func (a answer) pinSet(cid string) (chain.PinSet, error) {
	v, err := a.single(chain.PinSetKey(cid))
	if err != nil {
		return chain.PinSet{}, fmt.Errorf("pin set %s: %w", cid, err)
	}
	s, err := chain.DecodePinSet(v)
	if err == nil && s.CID != cid {
		err = fmt.Errorf("pin set of %s names %s: %w", cid, s.CID, ErrBadProof)
	}
	return s, err
}

// OwnerPin is one owner's pin with the allocation set of its CID, proven at the same height.
type OwnerPin struct {
	Record chain.PinRecord
	Set    chain.PinSet
}

// Pin returns owner's pin of cid with its CID's allocation set, both proven at one height.
func (c *Client) Pin(ctx context.Context, owner uint64, cid string) (OwnerPin, error) {
	return c.pinAt(ctx, owner, cid, 0)
}

// pinAt is Pin reading the state after block h (0: the newest).
func (c *Client) pinAt(ctx context.Context, owner uint64, cid string, h int64) (OwnerPin, error) {
	path := fmt.Sprintf("pins/owner/%d/%s", owner, url.PathEscape(cid))
	var a answer
	var err error
	if h > 0 {
		a, err = c.queryAt(ctx, path, h)
	} else {
		a, err = c.query(ctx, path, 0)
	}
	if err != nil {
		return OwnerPin{}, fmt.Errorf("pin of twin %d: %w", owner, err)
	}
	v, err := a.single(chain.PinRecordKey(owner, cid))
	if err != nil {
		return OwnerPin{}, fmt.Errorf("pin of twin %d: %w", owner, err)
	}
	rec, err := chain.DecodePinRecord(v)
	if err != nil {
		return OwnerPin{}, err
	}
	if rec.Owner != owner || rec.CID != cid {
		return OwnerPin{}, fmt.Errorf("pin %d/%s names %d/%s: %w", owner, cid, rec.Owner, rec.CID, ErrBadProof)
	}
	sa, err := c.queryAt(ctx, "pin/"+url.PathEscape(cid), a.Height)
	if err != nil {
		return OwnerPin{}, fmt.Errorf("pin set %s: %w", cid, err)
	}
	set, err := sa.pinSet(cid)
	if err != nil {
		return OwnerPin{}, err
	}
	return OwnerPin{Record: rec, Set: set}, nil
}

// PinByRequest returns owner's pin whose request id is requestID, with its CID's allocation set,
// proven at one height.
func (c *Client) PinByRequest(ctx context.Context, owner uint64, requestID string) (OwnerPin, error) {
	a, err := c.query(ctx, fmt.Sprintf("pins/request/%d/%s", owner, url.PathEscape(requestID)), 0)
	if err != nil {
		return OwnerPin{}, fmt.Errorf("pin request %s of twin %d: %w", requestID, owner, err)
	}
	v, err := a.single(chain.PinRequestKey(owner, requestID))
	if err != nil {
		return OwnerPin{}, fmt.Errorf("pin request %s of twin %d: %w", requestID, owner, err)
	}
	op, err := c.pinAt(ctx, owner, string(v), a.Height)
	if err == nil && op.Record.RequestID != requestID {
		err = fmt.Errorf("pin request %s of twin %d names %s: %w", requestID, owner, op.Record.RequestID, ErrBadProof)
	}
	return op, err
}

// PinPage selects one page of an owner's pins, newest first: those created strictly between
// After and Before (unix ns; 0 leaves that end open), at most Limit (at most 500; 0 means 500).
type PinPage struct {
	Before, After int64
	Limit         int
}

// PinsOfOwner returns one page of owner's pins, newest first, each record and set proven, and
// the height they were read at. The proofs show each pin is there, not that none is missing.
func (c *Client) PinsOfOwner(ctx context.Context, owner uint64, p PinPage) ([]OwnerPin, int64, error) {
	return c.pinsOfOwner(ctx, owner, p, 0)
}

// PinsOfOwnerAt is PinsOfOwner reading the state after block height (0: the newest).
func (c *Client) PinsOfOwnerAt(ctx context.Context, owner uint64, p PinPage, height int64) ([]OwnerPin, int64, error) {
	return c.pinsOfOwner(ctx, owner, p, height)
}

func (c *Client) pinsOfOwner(ctx context.Context, owner uint64, p PinPage, height int64) ([]OwnerPin, int64, error) {
	q := url.Values{}
	if p.Before > 0 {
		q.Set("before", strconv.FormatInt(p.Before, 10))
	}
	if p.After > 0 {
		q.Set("after", strconv.FormatInt(p.After, 10))
	}
	if p.Limit > 0 {
		q.Set("limit", strconv.Itoa(p.Limit))
	}
	path := fmt.Sprintf("pins/owner/%d?%s", owner, q.Encode())
	var a answer
	var err error
	if height > 0 {
		a, err = c.queryAt(ctx, path, height)
	} else {
		a, err = c.query(ctx, path, 0)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("pins of twin %d: %w", owner, err)
	}
	l, err := a.list(nil)
	if err != nil {
		return nil, 0, fmt.Errorf("pins of twin %d: %w", owner, err)
	}
	if len(l)%2 != 0 {
		return nil, 0, fmt.Errorf("pins of twin %d: %d entries, want pairs: %w", owner, len(l), ErrBadProof)
	}
	out := make([]OwnerPin, 0, len(l)/2)
	for i := 0; i < len(l); i += 2 {
		rec, err := chain.DecodePinRecord(l[i].Value)
		if err != nil {
			return nil, 0, err
		}
		set, err := chain.DecodePinSet(l[i+1].Value)
		if err != nil {
			return nil, 0, err
		}
		bad := rec.Owner != owner || !bytes.Equal(l[i].Key, chain.PinRecordKey(owner, rec.CID)) ||
			!bytes.Equal(l[i+1].Key, chain.PinSetKey(rec.CID)) || set.CID != rec.CID ||
			(p.Before > 0 && rec.Created >= p.Before) || rec.Created <= p.After ||
			(len(out) > 0 && rec.Created >= out[len(out)-1].Record.Created)
		if bad {
			return nil, 0, fmt.Errorf("pins of twin %d: entry %s out of place: %w", owner, rec.CID, ErrBadProof)
		}
		out = append(out, OwnerPin{Record: rec, Set: set})
	}
	return out, a.Height, nil
}

// PinsOfNode returns every allocation set that names node a holder, in CID order, all read at one
// height, which it returns: events from the next height on continue from this state.
func (c *Client) PinsOfNode(ctx context.Context, node [32]byte) ([]chain.PinSet, int64, error) {
	var out []chain.PinSet
	base := "pins/node/" + chain.HexKey(node)
	path := base
	var h int64
	for {
		var a answer
		var err error
		if h == 0 {
			a, err = c.query(ctx, path, 0)
		} else {
			a, err = c.queryAt(ctx, path, h)
		}
		if err != nil {
			return nil, 0, fmt.Errorf("allocations of node %x: %w", node[:6], err)
		}
		h = a.Height
		l, err := a.list(chain.PinSetKey(""))
		if err != nil {
			return nil, 0, fmt.Errorf("allocations of node %x: %w", node[:6], err)
		}
		for _, e := range l {
			s, err := chain.DecodePinSet(e.Value)
			if err != nil {
				return nil, 0, err
			}
			held := false
			for _, hd := range s.Holders {
				held = held || hd.Node == node
			}
			if !held || !bytes.Equal(e.Key, chain.PinSetKey(s.CID)) || (len(out) > 0 && s.CID <= out[len(out)-1].CID) {
				return nil, 0, fmt.Errorf("allocation %s of node %x out of place: %w", s.CID, node[:6], ErrBadProof)
			}
			out = append(out, s)
		}
		if len(l) < pageSize {
			return out, h, nil
		}
		path = base + "?after=" + url.QueryEscape(out[len(out)-1].CID)
	}
}

// PinAccount returns an owner's pin account and what each node holds for it, proven at one
// height; an owner that never pinned proves absent and reads as zero.
func (c *Client) PinAccount(ctx context.Context, owner uint64) (chain.PinAccount, []chain.PinPair, error) {
	a, err := c.query(ctx, fmt.Sprintf("pinaccount/%d", owner), 0)
	if errors.Is(err, ErrNotFound) {
		return chain.PinAccount{Owner: owner}, nil, nil
	}
	if err != nil {
		return chain.PinAccount{}, nil, fmt.Errorf("pin account of twin %d: %w", owner, err)
	}
	v, err := a.single(chain.PinAccountKey(owner))
	if err != nil {
		return chain.PinAccount{}, nil, fmt.Errorf("pin account of twin %d: %w", owner, err)
	}
	acct, err := chain.DecodePinAccount(v)
	if err != nil {
		return acct, nil, err
	}
	if acct.Owner != owner {
		return acct, nil, fmt.Errorf("pin account of twin %d names %d: %w", owner, acct.Owner, ErrBadProof)
	}
	pa, err := c.queryAt(ctx, fmt.Sprintf("pinaccount/%d/nodes", owner), a.Height)
	if err != nil {
		return acct, nil, fmt.Errorf("pin nodes of twin %d: %w", owner, err)
	}
	l, err := pa.list(chain.PinPairKey(owner, [32]byte{})[:9])
	if err != nil {
		return acct, nil, fmt.Errorf("pin nodes of twin %d: %w", owner, err)
	}
	pairs := make([]chain.PinPair, 0, len(l))
	for _, e := range l {
		p, err := chain.DecodePinPair(e.Value)
		if err != nil {
			return acct, nil, err
		}
		if !bytes.Equal(e.Key, chain.PinPairKey(owner, p.Node)) || p.Owner != owner {
			return acct, nil, fmt.Errorf("pin pair %x: %w", e.Key, ErrBadProof)
		}
		pairs = append(pairs, p)
	}
	return acct, pairs, nil
}

// PinEvent is one event of the pinning service: pin_added, pin_removed, pin_allocated,
// pin_charged, pinnode_registered, pinnode_alive or pinnode_dead. The typed fields are those the
// event carries; Attrs has them all as the chain wrote them.
type PinEvent struct {
	Height int64
	Type   string
	CID    string
	Node   [32]byte
	Owner  uint64
	Hold   bool       // pin_allocated: true to hold, false to drop
	State  string     // pin_allocated: allocated, held or released
	Size   uint64     // pin_allocated
	From   [][32]byte // pin_allocated: holders to fetch from
	Attrs  map[string]string
}

func isPinEvent(t string) bool {
	return strings.HasPrefix(t, "pin_") || strings.HasPrefix(t, "pinnode_")
}

func parsePinEvent(height int64, ev abci.Event) PinEvent {
	pe := PinEvent{Height: height, Type: ev.Type, Attrs: map[string]string{}}
	for _, a := range ev.Attributes {
		pe.Attrs[a.Key] = a.Value
		switch a.Key {
		case "cid":
			pe.CID = a.Value
		case "node":
			b, _ := hex.DecodeString(a.Value)
			copy(pe.Node[:], b)
		case "owner":
			pe.Owner, _ = strconv.ParseUint(a.Value, 10, 64)
		case "hold":
			pe.Hold = a.Value == "true"
		case "state":
			pe.State = a.Value
		case "size":
			pe.Size, _ = strconv.ParseUint(a.Value, 10, 64)
		case "from":
			for _, f := range strings.Split(a.Value, ",") {
				if b, err := hex.DecodeString(f); err == nil && len(b) == 32 {
					pe.From = append(pe.From, [32]byte(b))
				}
			}
		}
	}
	return pe
}

// PinEvents extracts the pinning events of one block's results, in order: each successful tx's,
// then the block's own (deaths and moves).
func PinEvents(height int64, txs []*abci.ExecTxResult, block []abci.Event) []PinEvent {
	var out []PinEvent
	for _, r := range txs {
		if r.Code != 0 {
			continue
		}
		for _, ev := range r.Events {
			if isPinEvent(ev.Type) {
				out = append(out, parsePinEvent(height, ev))
			}
		}
	}
	for _, ev := range block {
		if isPinEvent(ev.Type) {
			out = append(out, parsePinEvent(height, ev))
		}
	}
	return out
}

// SubscribePins streams pinning events from height from (0: the next block) in chain order until
// ctx ends or the client closes, walking block results height by height as SubscribeTwins does,
// so a reconnect or a slow reader loses nothing. Events are not proven: a consumer that must be
// sure reads the state they name with the proven queries.
func (c *Client) SubscribePins(ctx context.Context, from int64) <-chan PinEvent {
	return subscribe(c, ctx, from, "pin events", func(h int64, res *coretypes.ResultBlockResults) []PinEvent {
		return PinEvents(h, res.TxResults, res.FinalizeBlockEvents)
	})
}
