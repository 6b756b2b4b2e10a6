package client

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/freeflowuniverse/planetary/chain"
)

func refusedCode(err error) uint32 {
	var re *RefusedError
	if errors.As(err, &re) {
		return re.Code
	}
	return 0
}

// TestGovernanceOnNode: on a real node a proposal that turns the faucet off passes, is executed
// by the chain at the end of its period and the next Faucet tx is refused; one without votes
// fails its quorum; a second vote and a vote after the period are refused; every answer is proven.
func TestGovernanceOnNode(t *testing.T) {
	c, dev, _ := devChain(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	twin := register(ctx, t, c, dev, &chain.RegisterTwin{Key: [32]byte{61}})
	if _, err := c.Submit(ctx, dev, &chain.Faucet{Amount: 1}); err != nil {
		t.Fatalf("faucet before the vote: %v", err)
	}
	propose := func(title string, ch chain.Change) uint64 {
		res, err := c.Submit(ctx, dev, &chain.Propose{Twin: twin, Title: title, Change: ch})
		if err != nil {
			t.Fatal(err)
		}
		id, ok := ProposalID(res)
		if !ok {
			t.Fatalf("proposal %q: no proposal_created event", title)
		}
		return id
	}
	off := propose("turn the faucet off", chain.Change{Action: chain.ActionSetParam, Param: chain.ParamFaucetMax})
	ignored := propose("set a price nobody votes on", chain.Change{Action: chain.ActionSetParam, Param: "pin.price.storage", Value: 3})
	if _, err := c.Submit(ctx, dev, &chain.Vote{Proposal: off, Twin: twin, Choice: chain.VoteYes}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Submit(ctx, dev, &chain.Vote{Proposal: off, Twin: twin, Choice: chain.VoteNo}); refusedCode(err) != chain.CodeAlreadyVoted {
		t.Fatalf("second vote: %v, want code %d", err, chain.CodeAlreadyVoted)
	}
	if v, err := c.VoteOf(ctx, off, twin); err != nil || v != chain.VoteYes {
		t.Fatalf("vote of twin %d: %v %v", twin, v, err)
	}
	if v, err := c.VoteOf(ctx, ignored, twin); err != nil || v != 0 {
		t.Fatalf("no vote on %d: %v %v", ignored, v, err)
	}
	open, err := c.Proposal(ctx, off)
	if err != nil || open.Status != chain.ProposalOpen || open.Yes != 1 {
		t.Fatalf("open proposal %+v %v", open, err)
	}

	p, err := c.WaitDecided(ctx, off)
	if err != nil || p.Status != chain.ProposalExecuted || p.Decided != p.End {
		t.Fatalf("proposal %d decided %+v %v", off, p, err)
	}
	if _, err := c.Submit(ctx, dev, &chain.Faucet{Amount: 1}); refusedCode(err) != chain.CodeFaucetOff {
		t.Fatalf("faucet after the vote: %v, want code %d", err, chain.CodeFaucetOff)
	}
	q, err := c.WaitDecided(ctx, ignored)
	if err != nil || q.Status != chain.ProposalRejected || !strings.Contains(q.Result, "quorum") {
		t.Fatalf("unvoted proposal %+v %v", q, err)
	}
	if _, err := c.Submit(ctx, dev, &chain.Vote{Proposal: ignored, Twin: twin, Choice: chain.VoteYes}); refusedCode(err) != chain.CodeVotingClosed {
		t.Fatalf("vote after the period: %v, want code %d", err, chain.CodeVotingClosed)
	}
	params, err := c.Params(ctx)
	if err != nil || params[chain.ParamFaucetMax] != 0 || params[chain.ParamQuorum] != 1 {
		t.Fatalf("params %v %v", params, err)
	}
	if _, found, err := c.Param(ctx, "pin.price.storage"); err != nil || found {
		t.Fatalf("rejected parameter: found %v, %v", found, err)
	}
	list, err := c.Proposals(ctx, 0, 0)
	if err != nil || len(list) != 2 || list[0].ID != off {
		t.Fatalf("proposals %+v %v", list, err)
	}
	if page, err := c.Proposals(ctx, ignored, 1); err != nil || len(page) != 1 || page[0].ID != ignored {
		t.Fatalf("page from %d: %+v %v", ignored, page, err)
	}
}

// TestKYCOnNode: the dev account, a KYC provider on a dev chain, attests a twin; the attestation
// is proven in kyc/<twin> and shown in the DID document, expires by block time, is renewed and
// revoked, and each step is on the twin's proven audit log.
func TestKYCOnNode(t *testing.T) {
	c, dev, _ := devChain(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	owner, ownerPub := key(62)
	if _, err := c.Submit(ctx, dev, &chain.Transfer{To: ownerPub, Amount: 10}); err != nil {
		t.Fatal(err)
	}
	twin := register(ctx, t, c, NewSigner(owner), &chain.RegisterTwin{Key: [32]byte{62}})
	providers, err := c.KYCProviders(ctx)
	if err != nil || providers[dev.Account()] != "dev" {
		t.Fatalf("providers %v %v", providers, err)
	}
	expires := time.Now().Add(2 * time.Second).Unix()
	res, err := c.Submit(ctx, dev, &chain.AttestKYC{Twin: twin, Level: 2, Ref: "case-7", Expires: expires})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Submit(ctx, NewSigner(owner), &chain.AttestKYC{Twin: twin, Level: 3, Expires: expires}); refusedCode(err) != chain.CodeNotKYCProvider {
		t.Fatalf("attestation by a non-provider: %v", err)
	}
	k, err := c.KYCOf(ctx, twin)
	if err != nil || len(k) != 1 || k[0].Status != chain.KYCValid || k[0].Level != 2 || k[0].Ref != "case-7" || k[0].Height != res.Height {
		t.Fatalf("kyc of twin %d: %+v %v", twin, k, err)
	}
	doc, err := c.DID(ctx, twin)
	if err != nil || len(doc.KYC) != 1 || doc.KYC[0].CredentialStatus != "valid" || doc.KYC[0].Issuer != chain.ProviderDID(dev.Account()) {
		t.Fatalf("DID %+v %v", doc.KYC, err)
	}

	// Expiry goes by block time: watch block by block (bounded) until the chain marks it expired.
	for i := 0; ; i++ {
		k, err = c.KYCOf(ctx, twin)
		if err != nil {
			t.Fatal(err)
		}
		if k[0].Status == chain.KYCExpired {
			break
		}
		if i == 200 {
			t.Fatalf("attestation still %s after %d blocks", k[0].Status, i)
		}
		if err := c.waitHeight(ctx, c.Height()+1); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Submit(ctx, dev, &chain.AttestKYC{Twin: twin, Level: 3, Ref: "case-8", Expires: time.Now().Add(time.Hour).Unix()}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Submit(ctx, dev, &chain.RevokeKYC{Twin: twin, Reason: "fraud"}); err != nil {
		t.Fatal(err)
	}
	_, k, err = c.TwinWithKYC(ctx, twin)
	if err != nil || len(k) != 1 || k[0].Status != chain.KYCRevoked || k[0].Ref != "case-8" {
		t.Fatalf("after renewal and revocation %+v %v", k, err)
	}
	if doc, err := c.DID(ctx, twin); err != nil || doc.KYC[0].CredentialStatus != "revoked" {
		t.Fatalf("DID after revocation %+v %v", doc.KYC, err)
	}
	evs, err := c.AuditLog(ctx, twin, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, e := range evs {
		kinds = append(kinds, e.Kind)
	}
	if got := strings.Join(kinds, " "); got != "kyc_attested kyc_expired kyc_attested kyc_revoked" {
		t.Fatalf("audit log %q", got)
	}
	// Newest first, page by page.
	newest, err := c.AuditLogNewest(ctx, twin, 0, 3)
	if err != nil || len(newest) != 3 || newest[0].Kind != "kyc_revoked" || newest[2].Kind != "kyc_expired" {
		t.Fatalf("newest audit events %+v %v", newest, err)
	}
	older, err := c.AuditLogNewest(ctx, twin, newest[2].Seq, 3)
	if err != nil || len(older) != 1 || older[0].Kind != "kyc_attested" || older[0].Seq != 1 {
		t.Fatalf("older audit events %+v %v", older, err)
	}
	if none, err := c.AuditLogNewest(ctx, 9999, 0, 3); err != nil || len(none) != 0 {
		t.Fatalf("audit of a twin without events: %+v %v", none, err)
	}
}
