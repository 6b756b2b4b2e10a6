package client

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	cmtlog "github.com/cometbft/cometbft/libs/log"
	rpcclient "github.com/cometbft/cometbft/rpc/client"
	ics23 "github.com/cosmos/ics23/go"

	"github.com/freeflowuniverse/planetary/chain"
)

// ErrNotFound is returned, wrapped, when the chain proves that the asked-for record does not exist.
var ErrNotFound = errors.New("not found")

// ErrBadProof is returned, wrapped, when an answer does not match the light-verified app hash.
var ErrBadProof = errors.New("proof does not verify")

// ErrBadSignature is returned, wrapped, when a proven address-book entry is not signed by its twin's key.
var ErrBadSignature = errors.New("twin signature does not verify")

type nopLogger struct{}

func (nopLogger) Debug(string, ...any)        {}
func (nopLogger) Info(string, ...any)         {}
func (nopLogger) Error(string, ...any)        {}
func (n nopLogger) With(...any) cmtlog.Logger { return n }

// AppHash returns the app hash in the light-verified header at height h, which commits to the state after block h-1.
func (c *Client) AppHash(ctx context.Context, h int64) ([]byte, error) {
	c.mu.Lock()
	ah, ok := c.hashes[h]
	c.mu.Unlock()
	if ok {
		return ah, nil
	}
	c.lightMu.Lock() // the light client is not safe for concurrent use
	lb, err := c.light.VerifyLightBlockAtHeight(ctx, h, time.Now())
	c.lightMu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("verify header %d: %w", h, err)
	}
	ah = lb.AppHash
	c.mu.Lock()
	c.hashes[h] = ah
	for k := range c.hashes {
		if k < h-16 {
			delete(c.hashes, k)
		}
	}
	c.mu.Unlock()
	return ah, nil
}

// answer is a query's value with the height of the state it was read from.
type answer struct {
	Height int64
	Key    []byte
	Value  []byte
	ops    [][]byte
	hash   []byte
	keys   [][]byte
}

// query runs path at the newest height whose next header exists, so its proof can be checked at
// once, and never before this client's own writes nor before height atLeast.
func (c *Client) query(ctx context.Context, path string, atLeast int64) (answer, error) {
	c.mu.Lock()
	h := max(c.latest-1, c.written, atLeast, 1)
	c.mu.Unlock()
	return c.queryAt(ctx, path, h)
}

// queryAt runs path on the state after block h, waiting for header h+1, which proves it.
func (c *Client) queryAt(ctx context.Context, path string, h int64) (answer, error) {
	if err := c.waitHeight(ctx, h+1); err != nil {
		return answer{}, err
	}
	res, err := c.rpc.ABCIQueryWithOptions(ctx, path, nil, rpcclient.ABCIQueryOptions{Height: h, Prove: true})
	if err != nil {
		return answer{}, fmt.Errorf("query %s: %w", path, err)
	}
	r := res.Response
	a := answer{Height: r.Height, Key: r.Key, Value: r.Value}
	if r.ProofOps != nil {
		for _, op := range r.ProofOps.Ops {
			if op.Type != chain.ProofOpType {
				return a, fmt.Errorf("query %s: proof type %q: %w", path, op.Type, ErrBadProof)
			}
			a.ops = append(a.ops, op.Data)
			a.keys = append(a.keys, op.Key)
		}
	}
	if r.Height != h {
		return a, fmt.Errorf("query %s: answered at height %d, asked %d: %w", path, r.Height, h, ErrBadProof)
	}
	ah, err := c.AppHash(ctx, h+1)
	if err != nil {
		return a, err
	}
	if r.Code == chain.CodeNotFound && len(a.ops) == 1 {
		if err := VerifyAbsence(ah, a.keys[0], a.ops[0]); err != nil {
			return a, fmt.Errorf("query %s: %w", path, err)
		}
		return a, fmt.Errorf("query %s at height %d: %w", path, h, ErrNotFound)
	}
	if r.Code != chain.CodeOK {
		return a, fmt.Errorf("query %s: code %d: %s", path, r.Code, r.Log)
	}
	a.hash = ah
	return a, nil
}

// VerifyValue checks one ICS23 membership proof of key → value against an app hash.
func VerifyValue(appHash, key, value, proof []byte) error {
	var p ics23.CommitmentProof
	if err := p.Unmarshal(proof); err != nil {
		return fmt.Errorf("decode proof: %w", err)
	}
	if !ics23.VerifyMembership(ics23.IavlSpec, appHash, &p, key, value) {
		return fmt.Errorf("key %x: %w", key, ErrBadProof)
	}
	return nil
}

// VerifyAbsence checks one ICS23 non-membership proof of key against an app hash.
func VerifyAbsence(appHash, key, proof []byte) error {
	var p ics23.CommitmentProof
	if err := p.Unmarshal(proof); err != nil {
		return fmt.Errorf("decode proof: %w", err)
	}
	if !ics23.VerifyNonMembership(ics23.IavlSpec, appHash, &p, key) {
		return fmt.Errorf("absence of key %x: %w", key, ErrBadProof)
	}
	return nil
}

// single checks that the answer is the value at exactly key, proven against the app hash.
func (a answer) single(key []byte) ([]byte, error) {
	if len(a.ops) != 1 || !bytes.Equal(a.keys[0], key) || !bytes.Equal(a.Key, key) {
		return nil, fmt.Errorf("answer is not for key %x: %w", key, ErrBadProof)
	}
	if err := VerifyValue(a.hash, key, a.Value, a.ops[0]); err != nil {
		return nil, err
	}
	return a.Value, nil
}

// list checks every entry of a list answer against its proof and that each key starts with prefix.
func (a answer) list(prefix []byte) (chain.List, error) {
	l, err := chain.DecodeList(a.Value)
	if err != nil {
		return nil, err
	}
	if len(l) != len(a.ops) {
		return nil, fmt.Errorf("%d entries, %d proofs: %w", len(l), len(a.ops), ErrBadProof)
	}
	for i, e := range l {
		if prefix != nil && !bytes.HasPrefix(e.Key, prefix) {
			return nil, fmt.Errorf("entry key %x outside %x: %w", e.Key, prefix, ErrBadProof)
		}
		if err := VerifyValue(a.hash, e.Key, e.Value, a.ops[i]); err != nil {
			return nil, err
		}
	}
	return l, nil
}

// FindTwinByID returns twin id, proven against a light-verified header. Answers are cached until
// the client sees an event for that twin or Forget drops it; an answer after a change the client
// has seen reads the state of that change's block or later.
func (c *Client) FindTwinByID(ctx context.Context, id uint64) (chain.Twin, error) {
	c.mu.Lock()
	t, ok := c.twins[id]
	c.mu.Unlock()
	if ok {
		return t, nil
	}
	return c.findTwin(ctx, id, true)
}

// FindTwinByIDUncached is FindTwinByID without the cache: every call is a fresh proven query.
func (c *Client) FindTwinByIDUncached(ctx context.Context, id uint64) (chain.Twin, error) {
	return c.findTwin(ctx, id, false)
}

// Forget drops the cached answer for twin id, and makes the next lookup read a state at least as
// new as the newest block the client has seen; use it when the answer proved stale (its PNIC
// says it no longer hosts the twin).
func (c *Client) Forget(id uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.twins, id)
	c.changed[id] = max(c.changed[id], c.latest)
}

// Cached reports whether FindTwinByID would answer twin id from memory.
func (c *Client) Cached(id uint64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.twins[id]
	return ok
}

func (c *Client) findTwin(ctx context.Context, id uint64, cache bool) (chain.Twin, error) {
	c.mu.Lock()
	changed := c.changed[id]
	c.mu.Unlock()
	a, err := c.query(ctx, fmt.Sprintf("twin/%d", id), changed)
	if err != nil {
		return chain.Twin{}, fmt.Errorf("twin %d: %w", id, err)
	}
	v, err := a.single(chain.TwinKey(id))
	if err != nil {
		return chain.Twin{}, fmt.Errorf("twin %d: %w", id, err)
	}
	t, err := chain.DecodeTwin(v)
	if err != nil {
		return t, err
	}
	c.mu.Lock()
	// Cache only an answer at least as new as the last change the client has seen to this twin.
	if cache && c.changed[id] <= a.Height && a.Height > c.last-changedWindow {
		if len(c.twins) >= maxCachedTwins {
			clear(c.twins)
		}
		c.twins[id] = t
	}
	c.mu.Unlock()
	return t, nil
}

// pageSize is the chain's largest list answer; a full page means there may be more.
const pageSize = 1000

// TwinsByPNIC returns the twins hosted by a PNIC in id order, each proven (page by page: the
// proofs show each twin is there, not that none is missing).
func (c *Client) TwinsByPNIC(ctx context.Context, pnic [32]byte) ([]chain.Twin, error) {
	var out []chain.Twin
	for from := uint64(0); ; {
		a, err := c.query(ctx, fmt.Sprintf("twins/pnic/%s?from=%d", chain.HexKey(pnic), from), 0)
		if err != nil {
			return nil, fmt.Errorf("twins of pnic %x: %w", pnic[:6], err)
		}
		l, err := a.list(chain.TwinKey(0)[:1])
		if err != nil {
			return nil, fmt.Errorf("twins of pnic %x: %w", pnic[:6], err)
		}
		for _, e := range l {
			t, err := chain.DecodeTwin(e.Value)
			if err != nil {
				return nil, err
			}
			if t.PNIC != pnic || t.ID < from {
				return nil, fmt.Errorf("twin %d is not on pnic %x: %w", t.ID, pnic[:6], ErrBadProof)
			}
			out = append(out, t)
		}
		if len(l) < pageSize {
			return out, nil
		}
		from = out[len(out)-1].ID + 1
	}
}

// CircleMembers returns a circle's members and roles in twin id order, each proven (page by
// page, as TwinsByPNIC).
func (c *Client) CircleMembers(ctx context.Context, circle uint64) ([]chain.Member, error) {
	var out []chain.Member
	for from := uint64(0); ; {
		a, err := c.query(ctx, fmt.Sprintf("circle/%d/members?from=%d", circle, from), 0)
		if err != nil {
			return nil, fmt.Errorf("members of circle %d: %w", circle, err)
		}
		l, err := a.list(chain.MemberKey(circle, 0)[:9])
		if err != nil {
			return nil, fmt.Errorf("members of circle %d: %w", circle, err)
		}
		for _, e := range l {
			if len(e.Key) != 17 || len(e.Value) != 1 || be(e.Key[9:]) < from {
				return nil, fmt.Errorf("member entry %x: %w", e.Key, ErrBadProof)
			}
			out = append(out, chain.Member{Twin: be(e.Key[9:]), Role: chain.Role(e.Value[0])})
		}
		if len(l) < pageSize {
			return out, nil
		}
		from = out[len(out)-1].Twin + 1
	}
}

// CirclesOfTwin returns the circles a twin belongs to and its role in each, in circle id order,
// each proven (page by page, as TwinsByPNIC).
func (c *Client) CirclesOfTwin(ctx context.Context, twin uint64) ([]chain.Membership, error) {
	var out []chain.Membership
	for from := uint64(0); ; {
		a, err := c.query(ctx, fmt.Sprintf("circles/twin/%d?from=%d", twin, from), 0)
		if err != nil {
			return nil, fmt.Errorf("circles of twin %d: %w", twin, err)
		}
		l, err := a.circlesOf(twin, from)
		if err != nil {
			return nil, fmt.Errorf("circles of twin %d: %w", twin, err)
		}
		out = append(out, l...)
		if len(l) < pageSize {
			return out, nil
		}
		from = out[len(out)-1].Circle + 1
	}
}

// circlesOf checks a circles/twin answer: every entry proven, under the twin, from circle from on.
func (a answer) circlesOf(twin, from uint64) ([]chain.Membership, error) {
	l, err := a.list(chain.TwinCircleKey(twin, 0)[:9])
	if err != nil {
		return nil, err
	}
	out := make([]chain.Membership, 0, len(l))
	for _, e := range l {
		if len(e.Key) != 17 || len(e.Value) != 1 || be(e.Key[9:]) < from {
			return nil, fmt.Errorf("circle entry %x: %w", e.Key, ErrBadProof)
		}
		out = append(out, chain.Membership{Circle: be(e.Key[9:]), Role: chain.Role(e.Value[0])})
	}
	return out, nil
}

func be(b []byte) (v uint64) {
	for _, x := range b {
		v = v<<8 | uint64(x)
	}
	return v
}

// Circle returns a circle record, proven.
func (c *Client) Circle(ctx context.Context, id uint64) (chain.Circle, error) {
	a, err := c.query(ctx, fmt.Sprintf("circle/%d", id), 0)
	if err != nil {
		return chain.Circle{}, fmt.Errorf("circle %d: %w", id, err)
	}
	v, err := a.single(chain.CircleKey(id))
	if err != nil {
		return chain.Circle{}, fmt.Errorf("circle %d: %w", id, err)
	}
	return chain.DecodeCircle(v)
}

// Balance returns an account's balance and sequence, proven; an account never used proves absent and reads as zero.
func (c *Client) Balance(ctx context.Context, acct [32]byte) (chain.Account, error) {
	a, err := c.query(ctx, "balance/"+chain.HexKey(acct), 0)
	if errors.Is(err, ErrNotFound) {
		return chain.Account{}, nil
	}
	if err != nil {
		return chain.Account{}, fmt.Errorf("balance of %x: %w", acct[:6], err)
	}
	v, err := a.single(chain.AccountKey(acct))
	if err != nil {
		return chain.Account{}, fmt.Errorf("balance of %x: %w", acct[:6], err)
	}
	return chain.DecodeAccount(v)
}

// AuditLog returns up to limit audit events of a twin from sequence from (1 is the first), each proven.
func (c *Client) AuditLog(ctx context.Context, twin, from uint64, limit int) ([]chain.AuditEvent, error) {
	a, err := c.query(ctx, fmt.Sprintf("audit/%d?from=%d&limit=%d", twin, from, limit), 0)
	if err != nil {
		return nil, fmt.Errorf("audit log of twin %d: %w", twin, err)
	}
	l, err := a.list(chain.AuditKey(twin, 0)[:9])
	if err != nil {
		return nil, fmt.Errorf("audit log of twin %d: %w", twin, err)
	}
	out := make([]chain.AuditEvent, 0, len(l))
	for _, e := range l {
		ev, err := chain.DecodeAuditEvent(e.Value)
		if err != nil {
			return nil, err
		}
		if ev.Seq < from || ev.Twin != twin {
			return nil, fmt.Errorf("audit event %d of twin %d out of range: %w", ev.Seq, ev.Twin, ErrBadProof)
		}
		out = append(out, ev)
	}
	return out, nil
}

// DID resolves did:planetary:<id> from the twin record and its KYC attestations, proven at one height.
func (c *Client) DID(ctx context.Context, id uint64) (chain.DIDDocument, error) {
	t, kyc, err := c.TwinWithKYC(ctx, id)
	if err != nil {
		return chain.DIDDocument{}, err
	}
	return chain.DIDWithKYC(t, kyc), nil
}

// LookupName returns the address-book entry for name, proven, with its twin's signature checked
// against that twin's key proven at the same height.
func (c *Client) LookupName(ctx context.Context, name string) (chain.NameEntry, error) {
	a, err := c.query(ctx, "name/"+url.PathEscape(name), 0)
	if err != nil {
		return chain.NameEntry{}, fmt.Errorf("name %q: %w", name, err)
	}
	v, err := a.single(chain.NameKey(name))
	if err != nil {
		return chain.NameEntry{}, fmt.Errorf("name %q: %w", name, err)
	}
	e, err := chain.DecodeNameEntry(v)
	if err != nil {
		return chain.NameEntry{}, fmt.Errorf("name %q: %w", name, err)
	}
	if e.Name != name {
		return chain.NameEntry{}, fmt.Errorf("name %q: entry names %q: %w", name, e.Name, ErrBadProof)
	}
	if err := c.checkNames(ctx, a.Height, e.Twin, []chain.NameEntry{e}); err != nil {
		return chain.NameEntry{}, err
	}
	return e, nil
}

// NamesOfTwin returns the address-book entries pointing at a twin, each proven and its signature checked.
func (c *Client) NamesOfTwin(ctx context.Context, twin uint64) ([]chain.NameEntry, error) {
	a, err := c.query(ctx, fmt.Sprintf("names/twin/%d", twin), 0)
	if err != nil {
		return nil, fmt.Errorf("names of twin %d: %w", twin, err)
	}
	l, err := a.list(chain.NameKey(""))
	if err != nil {
		return nil, fmt.Errorf("names of twin %d: %w", twin, err)
	}
	out := make([]chain.NameEntry, 0, len(l))
	for _, le := range l {
		e, err := chain.DecodeNameEntry(le.Value)
		if err != nil {
			return nil, fmt.Errorf("names of twin %d: %w", twin, err)
		}
		if e.Twin != twin || !bytes.Equal(le.Key, chain.NameKey(e.Name)) {
			return nil, fmt.Errorf("names of twin %d: entry %q of twin %d: %w", twin, e.Name, e.Twin, ErrBadProof)
		}
		out = append(out, e)
	}
	if len(out) == 0 {
		return out, nil
	}
	if err := c.checkNames(ctx, a.Height, twin, out); err != nil {
		return nil, err
	}
	return out, nil
}

// checkNames verifies each entry's signature with the key of twin as proven at height h.
func (c *Client) checkNames(ctx context.Context, h int64, twin uint64, entries []chain.NameEntry) error {
	a, err := c.queryAt(ctx, fmt.Sprintf("twin/%d", twin), h)
	if err != nil {
		return fmt.Errorf("twin %d of a name: %w", twin, err)
	}
	v, err := a.single(chain.TwinKey(twin))
	if err != nil {
		return fmt.Errorf("twin %d of a name: %w", twin, err)
	}
	t, err := chain.DecodeTwin(v)
	if err != nil {
		return fmt.Errorf("twin %d of a name: %w", twin, err)
	}
	for _, e := range entries {
		if err := e.Verify(c.chainID, t.Key); err != nil {
			// A rotated twin key leaves entries signed by the old one until the owner publishes them again.
			return fmt.Errorf("name %q of twin %d at height %d: not signed by the twin's current key (republish it): %w",
				e.Name, twin, h, ErrBadSignature)
		}
	}
	return nil
}
