package client

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"

	"github.com/freeflowuniverse/planetary/chain"
)

// Proposals returns up to limit proposals from id from on, in id order, each proven.
func (c *Client) Proposals(ctx context.Context, from uint64, limit int) ([]chain.Proposal, error) {
	if limit <= 0 {
		limit = pageSize
	}
	a, err := c.query(ctx, fmt.Sprintf("proposals?from=%d&limit=%d", from, limit), 0)
	if err != nil {
		return nil, fmt.Errorf("proposals: %w", err)
	}
	l, err := a.list(chain.ProposalKey(0)[:1])
	if err != nil {
		return nil, fmt.Errorf("proposals: %w", err)
	}
	out := make([]chain.Proposal, 0, len(l))
	for _, e := range l {
		p, err := chain.DecodeProposal(e.Value)
		if err != nil {
			return nil, fmt.Errorf("proposals: %w", err)
		}
		if p.ID < from || !bytes.Equal(e.Key, chain.ProposalKey(p.ID)) {
			return nil, fmt.Errorf("proposal %d out of range: %w", p.ID, ErrBadProof)
		}
		out = append(out, p)
	}
	return out, nil
}

// Proposal returns a proposal with its rules, tally and status, proven.
func (c *Client) Proposal(ctx context.Context, id uint64) (chain.Proposal, error) {
	return c.proposalAt(ctx, id, 0)
}

func (c *Client) proposalAt(ctx context.Context, id uint64, atLeast int64) (chain.Proposal, error) {
	a, err := c.query(ctx, fmt.Sprintf("proposal/%d", id), atLeast)
	if err != nil {
		return chain.Proposal{}, fmt.Errorf("proposal %d: %w", id, err)
	}
	v, err := a.single(chain.ProposalKey(id))
	if err != nil {
		return chain.Proposal{}, fmt.Errorf("proposal %d: %w", id, err)
	}
	p, err := chain.DecodeProposal(v)
	if err != nil {
		return p, fmt.Errorf("proposal %d: %w", id, err)
	}
	if p.ID != id {
		return p, fmt.Errorf("proposal %d: record of %d: %w", id, p.ID, ErrBadProof)
	}
	return p, nil
}

// WaitDecided waits for the end of a proposal's period and returns it as decided, proven.
func (c *Client) WaitDecided(ctx context.Context, id uint64) (chain.Proposal, error) {
	p, err := c.Proposal(ctx, id)
	if err != nil || p.Status != chain.ProposalOpen {
		return p, err
	}
	return c.proposalAt(ctx, id, p.End)
}

// VoteOf returns twin's vote on a proposal, proven; 0 (with a proof of absence) means it has not voted.
func (c *Client) VoteOf(ctx context.Context, proposal, twin uint64) (chain.VoteChoice, error) {
	a, err := c.query(ctx, fmt.Sprintf("vote/%d/%d", proposal, twin), 0)
	if errors.Is(err, ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("vote of twin %d on %d: %w", twin, proposal, err)
	}
	v, err := a.single(chain.VoteKey(proposal, twin))
	if err != nil {
		return 0, fmt.Errorf("vote of twin %d on %d: %w", twin, proposal, err)
	}
	if len(v) != 1 {
		return 0, fmt.Errorf("vote of twin %d on %d: %d bytes: %w", twin, proposal, len(v), ErrBadProof)
	}
	return chain.VoteChoice(v[0]), nil
}

// KYCOf returns a twin's KYC attestations (valid, expired and revoked), each proven.
func (c *Client) KYCOf(ctx context.Context, twin uint64) ([]chain.KYC, error) {
	a, err := c.query(ctx, fmt.Sprintf("kyc/%d", twin), 0)
	if err != nil {
		return nil, fmt.Errorf("kyc of twin %d: %w", twin, err)
	}
	return a.kyc(twin)
}

// kyc checks a kyc/<twin> answer: every entry proven and about twin.
func (a answer) kyc(twin uint64) ([]chain.KYC, error) {
	l, err := a.list(chain.KYCKey(twin, [32]byte{})[:9])
	if err != nil {
		return nil, fmt.Errorf("kyc of twin %d: %w", twin, err)
	}
	out := make([]chain.KYC, 0, len(l))
	for _, e := range l {
		k, err := chain.DecodeKYC(e.Value)
		if err != nil {
			return nil, fmt.Errorf("kyc of twin %d: %w", twin, err)
		}
		if !bytes.Equal(e.Key, chain.KYCKey(twin, k.Provider)) || k.Twin != twin {
			return nil, fmt.Errorf("kyc of twin %d: entry %x: %w", twin, e.Key, ErrBadProof)
		}
		out = append(out, k)
	}
	return out, nil
}

// TwinWithKYC returns a twin and its KYC attestations, both proven at the same height.
func (c *Client) TwinWithKYC(ctx context.Context, id uint64) (chain.Twin, []chain.KYC, error) {
	c.mu.Lock()
	changed := c.changed[id]
	c.mu.Unlock()
	a, err := c.query(ctx, fmt.Sprintf("kyc/%d", id), changed)
	if err != nil {
		return chain.Twin{}, nil, fmt.Errorf("kyc of twin %d: %w", id, err)
	}
	kyc, err := a.kyc(id)
	if err != nil {
		return chain.Twin{}, nil, err
	}
	ta, err := c.queryAt(ctx, fmt.Sprintf("twin/%d", id), a.Height)
	if err != nil {
		return chain.Twin{}, nil, fmt.Errorf("twin %d: %w", id, err)
	}
	v, err := ta.single(chain.TwinKey(id))
	if err != nil {
		return chain.Twin{}, nil, fmt.Errorf("twin %d: %w", id, err)
	}
	t, err := chain.DecodeTwin(v)
	if err != nil {
		return t, nil, err
	}
	return t, kyc, nil
}

// Params returns every governance parameter, each proven.
func (c *Client) Params(ctx context.Context) (map[string]uint64, error) {
	a, err := c.query(ctx, "params", 0)
	if err != nil {
		return nil, fmt.Errorf("params: %w", err)
	}
	l, err := a.list(chain.ParamKey(""))
	if err != nil {
		return nil, fmt.Errorf("params: %w", err)
	}
	out := make(map[string]uint64, len(l))
	for _, e := range l {
		if len(e.Value) != 8 {
			return nil, fmt.Errorf("param %q: %d bytes: %w", e.Key[1:], len(e.Value), ErrBadProof)
		}
		out[string(e.Key[1:])] = be(e.Value)
	}
	return out, nil
}

// Param returns one parameter, proven; a parameter never set proves absent and reads as its
// default (see chain.DefaultParams), with found false.
func (c *Client) Param(ctx context.Context, name string) (v uint64, found bool, err error) {
	a, err := c.query(ctx, "param/"+url.PathEscape(name), 0)
	if errors.Is(err, ErrNotFound) {
		return chain.DefaultParams()[name], false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("param %s: %w", name, err)
	}
	b, err := a.single(chain.ParamKey(name))
	if err != nil {
		return 0, false, fmt.Errorf("param %s: %w", name, err)
	}
	if len(b) != 8 {
		return 0, false, fmt.Errorf("param %s: %d bytes: %w", name, len(b), ErrBadProof)
	}
	return be(b), true, nil
}

// KYCProviders returns the accounts the governance allows to attest KYC, with their labels, each proven.
func (c *Client) KYCProviders(ctx context.Context) (map[[32]byte]string, error) {
	a, err := c.query(ctx, "kyc/providers", 0)
	if err != nil {
		return nil, fmt.Errorf("kyc providers: %w", err)
	}
	l, err := a.list(chain.KYCProviderKey([32]byte{})[:1])
	if err != nil {
		return nil, fmt.Errorf("kyc providers: %w", err)
	}
	out := make(map[[32]byte]string, len(l))
	for _, e := range l {
		if len(e.Key) != 33 || len(e.Value) < 1 {
			return nil, fmt.Errorf("kyc provider entry %x: %w", e.Key, ErrBadProof)
		}
		out[[32]byte(e.Key[1:])] = string(e.Value[1:])
	}
	return out, nil
}

// ProposalID is the id of the proposal a committed Propose tx opened, from its proposal_created event.
func ProposalID(r Result) (uint64, bool) {
	for _, ev := range r.Events {
		if ev.Type != "proposal_created" {
			continue
		}
		for _, a := range ev.Attributes {
			if a.Key == "id" {
				id, err := strconv.ParseUint(a.Value, 10, 64)
				return id, err == nil
			}
		}
	}
	return 0, false
}

// WaitHeight blocks until the client has seen height h committed; queries after it read state
// at least as new as h-1, so wait for h+1 to read what another client wrote at h.
func (c *Client) WaitHeight(ctx context.Context, h int64) error { return c.waitHeight(ctx, h) }

// AuditLogNewest returns up to limit audit events of a twin before sequence before (0: from the
// newest), newest first, each proven.
func (c *Client) AuditLogNewest(ctx context.Context, twin, before uint64, limit int) ([]chain.AuditEvent, error) {
	if limit <= 0 || limit > pageSize {
		limit = pageSize
	}
	key := chain.AuditNextKey(twin)
	a, err := c.query(ctx, fmt.Sprintf("audit/%d/next", twin), 0)
	if errors.Is(err, ErrNotFound) {
		return nil, nil // no event yet
	}
	if err != nil {
		return nil, fmt.Errorf("audit log of twin %d: %w", twin, err)
	}
	v, err := a.single(key)
	if err != nil || len(v) != 8 {
		return nil, fmt.Errorf("audit log of twin %d: next sequence: %v: %w", twin, err, ErrBadProof)
	}
	top := be(v) - 1 // the newest sequence
	if before > 0 && before-1 < top {
		top = before - 1
	}
	if top == 0 {
		return nil, nil
	}
	from := uint64(1)
	if top >= uint64(limit) {
		from = top - uint64(limit) + 1
	}
	evs, err := c.AuditLog(ctx, twin, from, int(top-from+1))
	if err != nil {
		return nil, err
	}
	slices.Reverse(evs)
	return evs, nil
}
