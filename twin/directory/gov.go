package directory

import (
	"context"
	"errors"
	"fmt"

	"github.com/freeflowuniverse/planetary/chain"
	chainclient "github.com/freeflowuniverse/planetary/chain/client"
)

// ErrNoChain is returned by governance and KYC calls of a twin whose directory is not the chain.
var ErrNoChain = errors.New("directory: governance, KYC and the audit log live on the chain (run twind with --chain)")

// Governance is what a directory on the chain offers besides the Directory: the chain's proposals
// and votes, the twin's KYC attestations and its audit log, every answer proven.
type Governance interface {
	// Proposals lists the chain's proposals from id from on, with twin's vote on each.
	Proposals(ctx context.Context, twin, from uint64) ([]ProposalView, error)
	// Propose opens a proposal made by twin and returns it.
	Propose(ctx context.Context, twin uint64, title string, change chain.Change) (ProposalView, error)
	// Vote casts twin's vote on a proposal and returns the proposal with its new tally.
	Vote(ctx context.Context, twin, proposal uint64, choice chain.VoteChoice) (ProposalView, error)
	// KYC lists the twin's KYC attestations.
	KYC(ctx context.Context, twin uint64) ([]chain.KYC, error)
	// Audit returns up to limit of the twin's audit events before sequence before (0: the newest), newest first.
	Audit(ctx context.Context, twin, before uint64, limit int) ([]chain.AuditEvent, error)
}

// ProposalView is a proposal with the asking twin's vote (0: none).
type ProposalView struct {
	chain.Proposal
	MyVote chain.VoteChoice
}

var _ Governance = (*Chain)(nil)

func (d *Chain) view(ctx context.Context, twin uint64, p chain.Proposal) (ProposalView, error) {
	v, err := d.c.VoteOf(ctx, p.ID, twin)
	if err != nil {
		return ProposalView{}, fmt.Errorf("directory: %w", err)
	}
	return ProposalView{Proposal: p, MyVote: v}, nil
}

// Proposals lists the chain's proposals from id from on, with twin's vote on each.
func (d *Chain) Proposals(ctx context.Context, twin, from uint64) ([]ProposalView, error) {
	ps, err := d.c.Proposals(ctx, from, 0)
	if err != nil {
		return nil, fmt.Errorf("directory: %w", err)
	}
	out := make([]ProposalView, 0, len(ps))
	for _, p := range ps {
		v, err := d.view(ctx, twin, p)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// Propose opens a proposal made by twin, signed by the owner, and returns it.
func (d *Chain) Propose(ctx context.Context, twin uint64, title string, change chain.Change) (ProposalView, error) {
	res, err := d.send(ctx, &chain.Propose{Twin: twin, Title: title, Change: change})
	if err != nil {
		return ProposalView{}, fmt.Errorf("directory: propose: %w", err)
	}
	id, ok := chainclient.ProposalID(res)
	if !ok {
		return ProposalView{}, errors.New("directory: the chain's proposal named no id")
	}
	p, err := d.c.Proposal(ctx, id)
	if err != nil {
		return ProposalView{}, fmt.Errorf("directory: %w", err)
	}
	return ProposalView{Proposal: p}, nil
}

// Vote casts twin's vote, signed by the owner, and returns the proposal with its new tally.
func (d *Chain) Vote(ctx context.Context, twin, proposal uint64, choice chain.VoteChoice) (ProposalView, error) {
	if _, err := d.send(ctx, &chain.Vote{Proposal: proposal, Twin: twin, Choice: choice}); err != nil {
		return ProposalView{}, fmt.Errorf("directory: vote: %w", err)
	}
	p, err := d.c.Proposal(ctx, proposal)
	if err != nil {
		return ProposalView{}, fmt.Errorf("directory: %w", err)
	}
	return ProposalView{Proposal: p, MyVote: choice}, nil
}

// KYC lists the twin's KYC attestations.
func (d *Chain) KYC(ctx context.Context, twin uint64) ([]chain.KYC, error) {
	k, err := d.c.KYCOf(ctx, twin)
	if err != nil {
		return nil, fmt.Errorf("directory: %w", err)
	}
	return k, nil
}

// Audit returns the twin's audit events newest first, page by page.
func (d *Chain) Audit(ctx context.Context, twin, before uint64, limit int) ([]chain.AuditEvent, error) {
	evs, err := d.c.AuditLogNewest(ctx, twin, before, limit)
	if err != nil {
		return nil, fmt.Errorf("directory: %w", err)
	}
	return evs, nil
}
