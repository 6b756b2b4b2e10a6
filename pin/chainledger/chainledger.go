// Package chainledger is the pinning node's ledger.Ledger over the Planetary chain: pins,
// confirmations and heartbeats are txs the node signs with its own key, carrying the owner's
// bearer token where the owner acts; answers are proven queries through chain/client, and the
// node's allocations are its proven current set followed by the chain's pin_allocated events.
package chainledger

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"sort"
	"time"

	"github.com/freeflowuniverse/planetary/chain"
	"github.com/freeflowuniverse/planetary/chain/client"
	"github.com/freeflowuniverse/planetary/chain/token"
	"github.com/freeflowuniverse/planetary/pin/ledger"
)

// Errors besides ledger's that the chain's refusals map to.
var (
	ErrNotRegistered = errors.New("this node is not a registered pinning node") // register first
	ErrNoNodes       = errors.New("no live pinning node has room for the pin")
)

// TokenSkew is how far before a token's issue time the local clock may lie in Owner.
const TokenSkew = 2 * time.Minute

// DefaultLimit is how many pins List returns when the query sets no limit (the Pinning Service
// API's default), and MaxLimit the most it returns.
const (
	DefaultLimit = 10
	MaxLimit     = 1000
)

// Ledger is a ledger.Ledger on the chain for one pinning node.
type Ledger struct {
	c      *client.Client
	signer *client.Signer
	key    ledger.NodeKey
}

var _ ledger.Ledger = (*Ledger)(nil)

// New returns the ledger of the node whose key is nodeKey, over c.
func New(c *client.Client, nodeKey ed25519.PrivateKey) *Ledger {
	s := client.NewSigner(nodeKey)
	return &Ledger{c: c, signer: s, key: ledger.NodeKey(s.Account())}
}

// Key is this node's key, its identity on the chain.
func (l *Ledger) Key() ledger.NodeKey { return l.key }

// Audience is the audience tokens for this chain name.
func (l *Ledger) Audience() string { return chain.PinAudience(l.c.ChainID()) }

// Register registers this node (or updates its record) with n's PNIC, name, API URL, capacity and prices.
func (l *Ledger) Register(ctx context.Context, n ledger.Node) error {
	_, err := l.c.Submit(ctx, l.signer, &chain.RegisterPinNode{PNIC: n.PNIC, Name: n.Name, API: n.API,
		Capacity: n.Capacity, PriceStorage: n.PriceStorage, PriceServed: n.PriceServed})
	return mapErr("register pin node", err)
}

// mapErr turns the chain's refusals into the ledger's errors.
func mapErr(what string, err error) error {
	if err == nil {
		return nil
	}
	var re *client.RefusedError
	if !errors.As(err, &re) {
		return fmt.Errorf("%s: %w", what, err)
	}
	var kind error
	switch re.Code {
	case chain.CodePinFunds, chain.CodeFunds:
		kind = ledger.ErrInsufficientFunds
	case chain.CodePinToken:
		kind = ledger.ErrUnauthorized
	case chain.CodeNotFound:
		kind = ledger.ErrNotFound
	case chain.CodeInvalid, chain.CodeDecode:
		kind = ledger.ErrInvalid
	case chain.CodePinNode:
		kind = ErrNotRegistered
	case chain.CodePinNoNodes:
		kind = ErrNoNodes
	default:
		return fmt.Errorf("%s: %w", what, err)
	}
	return fmt.Errorf("%s: %w: %s", what, kind, re.Log)
}

// Owner checks a bearer token against its twin's key on the chain and returns the twin.
func (l *Ledger) Owner(ctx context.Context, tok string) (uint64, error) {
	t, err := token.Parse(tok)
	if err != nil {
		return 0, fmt.Errorf("%w: %v", ledger.ErrUnauthorized, err)
	}
	key, err := l.TwinKey(ctx, t.Twin)
	if errors.Is(err, ledger.ErrNotFound) {
		// The answer is read one block behind the newest this client has seen, which may itself
		// trail the chain: a twin registered a moment ago is looked up again after the next block.
		if err = l.c.WaitHeight(ctx, l.c.Height()+1); err == nil {
			l.c.Forget(t.Twin)
			key, err = l.TwinKey(ctx, t.Twin)
		}
	}
	if errors.Is(err, ledger.ErrNotFound) {
		return 0, fmt.Errorf("%w: unknown twin %d", ledger.ErrUnauthorized, t.Twin)
	}
	if err != nil {
		return 0, err
	}
	if err := t.Verify(key, l.Audience(), time.Now(), TokenSkew); err != nil {
		return 0, fmt.Errorf("%w: %v", ledger.ErrUnauthorized, err)
	}
	return t.Twin, nil
}

// tokenTwin reads the twin a token names, without checking it (the chain does).
func tokenTwin(tok string) (uint64, error) {
	t, err := token.Parse(tok)
	if err != nil {
		return 0, fmt.Errorf("%w: %v", ledger.ErrUnauthorized, err)
	}
	return t.Twin, nil
}

// Pin records the pin on the chain and returns it with its allocations.
func (l *Ledger) Pin(ctx context.Context, r ledger.Request) (ledger.Pin, error) {
	owner, err := tokenTwin(r.Token)
	if err != nil {
		return ledger.Pin{}, err
	}
	if r.Replicas < 0 || r.Replicas > 255 {
		return ledger.Pin{}, fmt.Errorf("%w: replicas %d", ledger.ErrInvalid, r.Replicas)
	}
	_, err = l.c.Submit(ctx, l.signer, &chain.AddPin{Token: r.Token, CID: r.CID, Size: r.Size,
		Replicas: uint8(r.Replicas), Name: r.Name, Meta: r.Meta})
	if err := mapErr("pin "+r.CID, err); err != nil {
		return ledger.Pin{}, err
	}
	return l.Get(ctx, owner, r.CID)
}

// Unpin removes the owner's pin of cid on the chain.
func (l *Ledger) Unpin(ctx context.Context, tok, cid string) error {
	if _, err := tokenTwin(tok); err != nil {
		return err
	}
	_, err := l.c.Submit(ctx, l.signer, &chain.RemovePin{Token: tok, CID: cid})
	return mapErr("unpin "+cid, err)
}

func toPin(op client.OwnerPin) ledger.Pin {
	r := op.Record
	p := ledger.Pin{Owner: r.Owner, CID: r.CID, Name: r.Name, Meta: r.Meta, Size: r.Size, Replicas: int(r.Replicas),
		Created: time.Unix(0, r.Created).UTC(), RequestID: r.RequestID}
	for _, h := range op.Set.Holders {
		st := ledger.Allocated
		if h.State == chain.PinHeld {
			st = ledger.Held
		}
		p.Holders = append(p.Holders, ledger.Holder{Node: ledger.NodeKey(h.Node), State: st})
	}
	return p
}

// Get returns the owner's pin of cid.
func (l *Ledger) Get(ctx context.Context, owner uint64, cid string) (ledger.Pin, error) {
	op, err := l.c.Pin(ctx, owner, cid)
	if errors.Is(err, client.ErrNotFound) {
		return ledger.Pin{}, fmt.Errorf("pin %s of twin %d: %w", cid, owner, ledger.ErrNotFound)
	}
	if err != nil {
		return ledger.Pin{}, err
	}
	return toPin(op), nil
}

// GetByRequest returns the owner's pin whose request id is requestID (the Pinning Service API's
// /pins/{requestid}); it is not part of ledger.Ledger.
func (l *Ledger) GetByRequest(ctx context.Context, owner uint64, requestID string) (ledger.Pin, error) {
	op, err := l.c.PinByRequest(ctx, owner, requestID)
	if errors.Is(err, client.ErrNotFound) {
		return ledger.Pin{}, fmt.Errorf("pin request %s of twin %d: %w", requestID, owner, ledger.ErrNotFound)
	}
	if err != nil {
		return ledger.Pin{}, err
	}
	return toPin(op), nil
}

func ns(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// List returns the owner's pins matching q, newest first, and how many match every filter,
// Before included (Kubo pages by before and stops when a page holds the whole count). Without
// filters the count is the chain's; with a name, a time range or CIDs it reads every matching
// pin, 500 a query.
func (l *Ledger) List(ctx context.Context, owner uint64, q ledger.Query) ([]ledger.Pin, int, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	limit = min(limit, MaxLimit)
	match := func(p ledger.Pin) bool {
		return (q.Name == "" || p.Name == q.Name) && (q.Before.IsZero() || p.Created.Before(q.Before)) &&
			(q.After.IsZero() || p.Created.After(q.After))
	}
	if len(q.CIDs) > 0 {
		var out []ledger.Pin
		for _, cid := range q.CIDs {
			p, err := l.Get(ctx, owner, cid)
			if errors.Is(err, ledger.ErrNotFound) {
				continue
			}
			if err != nil {
				return nil, 0, err
			}
			if match(p) && !slices.ContainsFunc(out, func(o ledger.Pin) bool { return o.CID == p.CID }) {
				out = append(out, p)
			}
		}
		sort.Slice(out, func(i, j int) bool { return out[i].Created.After(out[j].Created) })
		return out[:min(len(out), limit)], len(out), nil
	}
	page := client.PinPage{Before: ns(q.Before), After: ns(q.After)}
	if q.Name == "" && q.Before.IsZero() && q.After.IsZero() {
		page.Limit = min(limit, 500)
	}
	var out []ledger.Pin
	total := 0
	var height int64
	for {
		ops, h, err := l.c.PinsOfOwnerAt(ctx, owner, page, height)
		if err != nil {
			return nil, 0, err
		}
		height = h
		for _, op := range ops {
			p := toPin(op)
			if !match(p) {
				continue
			}
			total++
			if len(out) < limit {
				out = append(out, p)
			}
		}
		if page.Limit > 0 && len(out) >= limit || len(ops) == 0 {
			break
		}
		if page.Limit == 0 && len(ops) < 500 || page.Limit > 0 && len(ops) < page.Limit {
			break
		}
		page.Before = ops[len(ops)-1].Record.Created
	}
	if q.Name == "" && q.Before.IsZero() && q.After.IsZero() {
		acct, _, err := l.c.PinAccount(ctx, owner)
		if err != nil {
			return nil, 0, err
		}
		total = max(int(acct.Pins), len(out))
	}
	return out, total, nil
}

// Confirm tells the chain that this node stores every block of cid.
func (l *Ledger) Confirm(ctx context.Context, cid string) error {
	_, err := l.c.Submit(ctx, l.signer, &chain.ConfirmPin{CID: cid})
	return mapErr("confirm "+cid, err)
}

// sources are the holders of s other than self to fetch from: those confirmed, else all.
func sources(s chain.PinSet, self [32]byte) []ledger.NodeKey {
	var held, other []ledger.NodeKey
	for _, h := range s.Holders {
		switch {
		case h.Node == self:
		case h.State == chain.PinHeld:
			held = append(held, ledger.NodeKey(h.Node))
		default:
			other = append(other, ledger.NodeKey(h.Node))
		}
	}
	if len(held) > 0 {
		return held
	}
	return other
}

// Allocations streams what this node must hold: the set proven at one height, then every
// allocation change of the following blocks from the chain's events (which the client walks
// block by block, so a reconnect loses none). The channel closes when ctx ends or the client closes.
func (l *Ledger) Allocations(ctx context.Context) (<-chan ledger.Allocation, error) {
	sets, h, err := l.c.PinsOfNode(ctx, l.key)
	if err != nil {
		return nil, fmt.Errorf("allocations of this node: %w", err)
	}
	events := l.c.SubscribePins(ctx, h+1)
	out := make(chan ledger.Allocation, 64)
	go func() {
		defer close(out)
		send := func(a ledger.Allocation) bool {
			select {
			case out <- a:
				return true
			case <-ctx.Done():
				return false
			}
		}
		for _, s := range sets {
			if !send(ledger.Allocation{CID: s.CID, Size: s.Size, Hold: true, From: sources(s, l.key)}) {
				return
			}
		}
		for ev := range events {
			if ev.Type != "pin_allocated" || ev.Node != l.key || ev.State == "held" {
				continue
			}
			a := ledger.Allocation{CID: ev.CID, Size: ev.Size, Hold: ev.Hold}
			for _, f := range ev.From {
				a.From = append(a.From, ledger.NodeKey(f))
			}
			if !send(a) {
				return
			}
		}
	}()
	return out, nil
}

// Nodes lists the registered pinning nodes; Live follows the chain's grace period by the local clock.
func (l *Ledger) Nodes(ctx context.Context) ([]ledger.Node, error) {
	p, err := l.c.PinParams(ctx)
	if err != nil {
		return nil, err
	}
	list, err := l.c.PinNodes(ctx)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	out := make([]ledger.Node, 0, len(list))
	for _, n := range list {
		out = append(out, ledger.Node{Key: ledger.NodeKey(n.Key), PNIC: n.PNIC, Name: n.Name, API: n.API, Capacity: n.Capacity,
			PriceStorage: n.PriceStorage, PriceServed: n.PriceServed, LastSeen: time.Unix(0, n.LastSeen).UTC(),
			Live: n.Live(now, p.Grace())})
	}
	return out, nil
}

// HeartbeatInterval is how often a node should send heartbeats: a third of the chain's grace
// period, so one lost or slow heartbeat does not make it dead.
func (l *Ledger) HeartbeatInterval(ctx context.Context) (time.Duration, error) {
	p, err := l.c.PinParams(ctx)
	if err != nil {
		return 0, err
	}
	return max(p.Grace()/3, time.Second), nil
}

// maxServed is how many owners one heartbeat tx reports; more go in further txs.
const maxServed = 1000

// Heartbeat proves this node alive and reports the bytes it served per owner.
func (l *Ledger) Heartbeat(ctx context.Context, served map[uint64]uint64) error {
	list := make([]chain.Served, 0, len(served))
	for o, b := range served {
		if b > 0 {
			list = append(list, chain.Served{Owner: o, Bytes: b})
		}
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Owner < list[j].Owner })
	for first := true; first || len(list) > 0; first = false {
		n := min(len(list), maxServed)
		_, err := l.c.Submit(ctx, l.signer, &chain.PinHeartbeat{Served: list[:n]})
		if err := mapErr("heartbeat", err); err != nil {
			return err
		}
		list = list[n:]
	}
	return nil
}

// gibMonthNS is the storage price's unit of byte-time.
var gibMonthNS = new(big.Int).Mul(big.NewInt(1<<30), big.NewInt(30*24*3600*1_000_000_000))

// Account returns an owner's balance and usage. Balance is the owner account's, less the storage
// charge accrued since the chain last settled it (by the local clock); the prices are the highest
// among the nodes holding its pins, or among the live nodes when it holds none.
func (l *Ledger) Account(ctx context.Context, owner uint64) (ledger.Account, error) {
	tw, err := l.c.FindTwinByID(ctx, owner)
	if errors.Is(err, client.ErrNotFound) {
		return ledger.Account{}, fmt.Errorf("twin %d: %w", owner, ledger.ErrNotFound)
	}
	if err != nil {
		return ledger.Account{}, err
	}
	bal, err := l.c.Balance(ctx, tw.Owner)
	if err != nil {
		return ledger.Account{}, err
	}
	acct, pairs, err := l.c.PinAccount(ctx, owner)
	if err != nil {
		return ledger.Account{}, err
	}
	p, err := l.c.PinParams(ctx)
	if err != nil {
		return ledger.Account{}, err
	}
	nodes, err := l.c.PinNodes(ctx)
	if err != nil {
		return ledger.Account{}, err
	}
	byKey := map[[32]byte]chain.PinNode{}
	for _, n := range nodes {
		byKey[n.Key] = n
	}
	out := ledger.Account{Balance: bal.Balance, StoredBytes: acct.StoredBytes, ServedBytes: acct.ServedBytes, Unpaid: acct.Unpaid}
	if acct.UnpaidSince != 0 {
		out.UnpaidSince = time.Unix(0, acct.UnpaidSince)
		out.RemovalAt = out.UnpaidSince.Add(time.Duration(p.UnpaidGraceSeconds) * time.Second)
	}
	accrued := new(big.Int)
	dt := time.Now().UnixNano() - acct.Settled
	for _, pp := range pairs {
		n, ok := byKey[pp.Node]
		if !ok || pp.Bytes == 0 {
			continue
		}
		out.PriceStorage, out.PriceServed = max(out.PriceStorage, n.PriceStorage), max(out.PriceServed, n.PriceServed)
		if dt > 0 {
			x := new(big.Int).Mul(new(big.Int).SetUint64(pp.Bytes), new(big.Int).SetUint64(n.PriceStorage))
			accrued.Add(accrued, x.Mul(x, big.NewInt(dt)))
		}
	}
	accrued.Quo(accrued, gibMonthNS)
	if accrued.IsUint64() {
		out.Balance -= min(out.Balance, accrued.Uint64())
	} else {
		out.Balance = 0
	}
	if out.StoredBytes == 0 {
		now := time.Now()
		for _, n := range nodes {
			if n.Live(now, p.Grace()) {
				out.PriceStorage, out.PriceServed = max(out.PriceStorage, n.PriceStorage), max(out.PriceServed, n.PriceServed)
			}
		}
	}
	return out, nil
}

// TwinKey returns a twin's current signing key, proven.
func (l *Ledger) TwinKey(ctx context.Context, twin uint64) (ed25519.PublicKey, error) {
	tw, err := l.c.FindTwinByID(ctx, twin)
	if errors.Is(err, client.ErrNotFound) {
		return nil, fmt.Errorf("twin %d: %w", twin, ledger.ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	return ed25519.PublicKey(slices.Clone(tw.Key[:])), nil
}
