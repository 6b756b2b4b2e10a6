package wsapi

import (
	"context"
	"errors"
	"fmt"

	"github.com/freeflowuniverse/planetary/chain"
	"github.com/freeflowuniverse/planetary/rmb/schema"
	"github.com/freeflowuniverse/planetary/twin/directory"
	"github.com/freeflowuniverse/planetary/twin/services"
)

// govRequest reports whether a request is one of governance, KYC or the audit log.
func govRequest(w schema.WsRequest_Which) bool {
	switch w {
	case schema.WsRequest_Which_proposals, schema.WsRequest_Which_propose, schema.WsRequest_Which_vote,
		schema.WsRequest_Which_kyc, schema.WsRequest_Which_audit:
		return true
	}
	return false
}

// decodeGov reads the fields of a governance, KYC or audit request into r.
func decodeGov(rq schema.WsRequest, r *Request) error {
	switch r.Which {
	case schema.WsRequest_Which_proposals:
		r.Proposal = rq.Proposals()
	case schema.WsRequest_Which_propose:
		d, err := rq.Propose()
		if err != nil {
			return fmt.Errorf("frame: propose: %w", err)
		}
		if r.Text, err = d.Title(); err != nil {
			return fmt.Errorf("frame: propose: title: %w", err)
		}
		r.Change = chain.Change{Action: chain.Action(d.Action()), Value: d.Value(), Twin: d.Target()}
		if r.Change.Param, err = d.Param(); err != nil {
			return fmt.Errorf("frame: propose: param: %w", err)
		}
		acct, err := d.Account()
		if err != nil || len(acct) != 0 && len(acct) != 32 {
			return errors.New("frame: propose: account must be empty or 32 bytes")
		}
		copy(r.Change.Account[:], acct)
	case schema.WsRequest_Which_vote:
		v, err := rq.Vote()
		if err != nil {
			return fmt.Errorf("frame: vote: %w", err)
		}
		r.Proposal, r.Choice = v.Proposal(), chain.VoteChoice(v.Choice())
	case schema.WsRequest_Which_kyc:
	case schema.WsRequest_Which_audit:
		a, err := rq.Audit()
		if err != nil {
			return fmt.Errorf("frame: audit: %w", err)
		}
		r.Before, r.Limit = a.Before(), a.Limit()
	}
	return nil
}

// handleGov answers a governance, KYC or audit request.
func handleGov(ctx context.Context, tw *services.Twin, r Request) ([]byte, error) {
	one := func(p directory.ProposalView, err error) ([]byte, error) {
		if err != nil {
			return nil, err
		}
		return response(r.ID, func(resp schema.WsResponse) error {
			out, err := resp.NewProposal()
			if err != nil {
				return err
			}
			return fillProposal(out, p)
		})
	}
	switch r.Which {
	case schema.WsRequest_Which_proposals:
		all, err := tw.Proposals(ctx, r.Proposal)
		if err != nil {
			return nil, err
		}
		return response(r.ID, func(resp schema.WsResponse) error {
			l, err := resp.NewProposals(int32(len(all)))
			if err != nil {
				return err
			}
			for i, p := range all {
				if err := fillProposal(l.At(i), p); err != nil {
					return err
				}
			}
			return nil
		})
	case schema.WsRequest_Which_propose:
		return one(tw.Propose(ctx, r.Text, r.Change))
	case schema.WsRequest_Which_vote:
		return one(tw.Vote(ctx, r.Proposal, r.Choice))
	case schema.WsRequest_Which_kyc:
		all, err := tw.KYC(ctx)
		if err != nil {
			return nil, err
		}
		return response(r.ID, func(resp schema.WsResponse) error {
			l, err := resp.NewKyc(int32(len(all)))
			if err != nil {
				return err
			}
			for i, k := range all {
				a := l.At(i)
				if err := a.SetProvider(k.Provider[:]); err != nil {
					return err
				}
				a.SetLevel(k.Level)
				a.SetIssued(k.Issued)
				a.SetExpires(k.Expires)
				if err := errors.Join(a.SetRef(k.Ref), a.SetStatus(k.Status.String()), a.SetNote(k.Note)); err != nil {
					return err
				}
			}
			return nil
		})
	case schema.WsRequest_Which_audit:
		limit := int(r.Limit)
		if limit <= 0 || limit > 100 {
			limit = 100
		}
		evs, err := tw.Audit(ctx, r.Before, limit)
		if err != nil {
			return nil, err
		}
		return response(r.ID, func(resp schema.WsResponse) error {
			l, err := resp.NewAudit(int32(len(evs)))
			if err != nil {
				return err
			}
			for i, e := range evs {
				a := l.At(i)
				a.SetSeq(e.Seq)
				a.SetHeight(e.Height)
				if err := errors.Join(a.SetKind(e.Kind), a.SetDetail(e.Detail)); err != nil {
					return err
				}
			}
			return nil
		})
	}
	return nil, fmt.Errorf("not a governance request: %v", r.Which)
}

func fillProposal(out schema.Proposal, p directory.ProposalView) error {
	out.SetId(p.ID)
	out.SetTwin(p.Twin)
	out.SetAction(uint8(p.Change.Action))
	out.SetValue(p.Change.Value)
	out.SetTarget(p.Change.Twin)
	out.SetEnd(p.End)
	out.SetYes(p.Yes)
	out.SetNo(p.No)
	out.SetAbstain(p.Abstain)
	out.SetQuorum(p.Quorum)
	out.SetThreshold(p.Threshold)
	out.SetMyVote(uint8(p.MyVote))
	var acct []byte
	if p.Change.Account != ([32]byte{}) {
		acct = p.Change.Account[:]
	}
	return errors.Join(out.SetTitle(p.Title), out.SetParam(p.Change.Param), out.SetAccount(acct),
		out.SetStatus(p.Status.String()), out.SetResult(p.Result))
}
