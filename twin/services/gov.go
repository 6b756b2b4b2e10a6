package services

import (
	"context"

	"github.com/freeflowuniverse/planetary/chain"
	"github.com/freeflowuniverse/planetary/twin/directory"
)

// gov is the twin's directory as a Governance, or ErrNoChain when it is not on the chain.
func (t *Twin) gov() (directory.Governance, error) {
	g, ok := t.cfg.Directory.(directory.Governance)
	if !ok {
		return nil, directory.ErrNoChain
	}
	return g, nil
}

// Proposals lists the chain's proposals from id from on, with this twin's vote on each.
func (t *Twin) Proposals(ctx context.Context, from uint64) ([]directory.ProposalView, error) {
	g, err := t.gov()
	if err != nil {
		return nil, err
	}
	return g.Proposals(ctx, t.cfg.Self, from)
}

// Propose opens a proposal in this twin's name.
func (t *Twin) Propose(ctx context.Context, title string, change chain.Change) (directory.ProposalView, error) {
	g, err := t.gov()
	if err != nil {
		return directory.ProposalView{}, err
	}
	return g.Propose(ctx, t.cfg.Self, title, change)
}

// Vote casts this twin's vote on a proposal.
func (t *Twin) Vote(ctx context.Context, proposal uint64, choice chain.VoteChoice) (directory.ProposalView, error) {
	g, err := t.gov()
	if err != nil {
		return directory.ProposalView{}, err
	}
	return g.Vote(ctx, t.cfg.Self, proposal, choice)
}

// KYC lists this twin's KYC attestations.
func (t *Twin) KYC(ctx context.Context) ([]chain.KYC, error) {
	g, err := t.gov()
	if err != nil {
		return nil, err
	}
	return g.KYC(ctx, t.cfg.Self)
}

// Audit returns this twin's audit log newest first, up to limit events before sequence before (0: the newest).
func (t *Twin) Audit(ctx context.Context, before uint64, limit int) ([]chain.AuditEvent, error) {
	g, err := t.gov()
	if err != nil {
		return nil, err
	}
	return g.Audit(ctx, t.cfg.Self, before, limit)
}
