package chain

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	ics23 "github.com/cosmos/ics23/go"
)

// t0 is the block time the governance tests start at.
var t0 = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

// blockAt runs one block at time at and commits it, returning the whole response.
func blockAt(t *testing.T, app *App, height int64, at time.Time, txs ...[]byte) *abci.FinalizeBlockResponse {
	t.Helper()
	ctx := context.Background()
	res, err := app.FinalizeBlock(ctx, &abci.FinalizeBlockRequest{Txs: txs, Height: height, Time: at})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := app.Commit(ctx, &abci.CommitRequest{}); err != nil {
		t.Fatal(err)
	}
	return res
}

// provenValue queries path with a proof and checks it against the committed root.
func provenValue(t *testing.T, app *App, path string) []byte {
	t.Helper()
	r, err := app.Query(context.Background(), &abci.QueryRequest{Path: path, Prove: true})
	if err != nil || r.Code != 0 {
		t.Fatalf("query %s: %v code %d %s", path, err, r.Code, r.Log)
	}
	var p ics23.CommitmentProof
	if err := p.Unmarshal(r.ProofOps.Ops[0].Data); err != nil {
		t.Fatal(err)
	}
	if !ics23.VerifyMembership(ics23.IavlSpec, app.Hash(), &p, r.Key, r.Value) {
		t.Fatalf("proof of %s does not verify", path)
	}
	return r.Value
}

// provenList queries a list with proofs and checks each entry against the committed root.
func provenList(t *testing.T, app *App, path string) List {
	t.Helper()
	r, err := app.Query(context.Background(), &abci.QueryRequest{Path: path, Prove: true})
	if err != nil || r.Code != 0 {
		t.Fatalf("query %s: %v code %d %s", path, err, r.Code, r.Log)
	}
	l, err := DecodeList(r.Value)
	if err != nil || len(l) != len(r.ProofOps.Ops) {
		t.Fatalf("query %s: %d entries, %d proofs, %v", path, len(l), len(r.ProofOps.Ops), err)
	}
	for i, e := range l {
		var p ics23.CommitmentProof
		if err := p.Unmarshal(r.ProofOps.Ops[i].Data); err != nil {
			t.Fatal(err)
		}
		if !ics23.VerifyMembership(ics23.IavlSpec, app.Hash(), &p, e.Key, e.Value) {
			t.Fatalf("proof of %s entry %d does not verify", path, i)
		}
	}
	return l
}

func proposalOf(t *testing.T, app *App, id uint64) Proposal {
	t.Helper()
	p, err := DecodeProposal(provenValue(t, app, "proposal/"+u(id)))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func eventTypes(evs []abci.Event) string {
	var s []string
	for _, e := range evs {
		s = append(s, e.Type)
	}
	return strings.Join(s, " ")
}

// TestProposalsPassFailAndTakeEffect: a passed proposal turns the faucet off and the next Faucet
// is refused; a spend pays out of the treasury; one without enough votes fails its quorum, one
// that overspends the treasury passes but fails; double votes, votes after the period, by twins
// registered after the proposal and by non-owners are refused with their codes.
func TestProposalsPassFailAndTakeEffect(t *testing.T) {
	alice, bob, carol, dave := newAccount(1), newAccount(2), newAccount(3), newAccount(4)
	app := newApp(t, `{"faucet_max":1000,"treasury":100,"params":{"dao.quorum":2,"dao.period":3},
		"accounts":[{"address":"`+HexKey(alice.pub)+`","balance":10}]}`)
	wantCodes(t, blockAt(t, app, 1, t0,
		alice.tx(&RegisterTwin{Key: [32]byte{1}}), // twin 1
		bob.tx(&RegisterTwin{Key: [32]byte{2}}),   // twin 2
		carol.tx(&RegisterTwin{Key: [32]byte{3}}), // twin 3
		alice.tx(&Faucet{Amount: 5}),
	).TxResults, []uint32{0, 0, 0, 0})

	res := blockAt(t, app, 2, t0,
		alice.tx(&Propose{Twin: 1, Title: "faucet off", Change: Change{Action: ActionSetParam, Param: ParamFaucetMax}}),
		bob.tx(&Propose{Twin: 2, Title: "pay dave", Change: Change{Action: ActionSpend, Account: dave.pub, Value: 60}}),
		carol.tx(&Propose{Twin: 3, Title: "nobody cares", Change: Change{Action: ActionSetParam, Param: "pin.price.storage", Value: 7}}),
		alice.tx(&Propose{Twin: 1, Title: "overspend", Change: Change{Action: ActionSpend, Account: dave.pub, Value: 1000}}),
		alice.tx(&Propose{Twin: 2, Title: "not my twin", Change: Change{Action: ActionSetParam, Param: "x"}}),
		alice.tx(&Propose{Twin: 1, Title: "", Change: Change{Action: ActionSetParam, Param: "x"}}),
		alice.tx(&Propose{Twin: 1, Title: "bad param", Change: Change{Action: ActionSetParam, Param: "Bad Name"}}),
		alice.tx(&Propose{Twin: 1, Title: "bad range", Change: Change{Action: ActionSetParam, Param: ParamThreshold, Value: 1000}}),
		alice.tx(&Propose{Twin: 1, Title: "extra field", Change: Change{Action: ActionSetParam, Param: "x", Twin: 3}}),
		alice.tx(&Propose{Twin: 1, Title: "no action", Change: Change{Action: 99}}),
	)
	wantCodes(t, res.TxResults, []uint32{0, 0, 0, 0, CodeUnauthorized, CodeInvalid, CodeInvalid, CodeInvalid, CodeInvalid, CodeInvalid})
	if p := proposalOf(t, app, 1); p.End != 5 || p.Quorum != 2 || p.Threshold != 500 || p.MaxTwin != 4 || p.Status != ProposalOpen {
		t.Fatalf("proposal 1 = %+v", p)
	}

	wantCodes(t, blockAt(t, app, 3, t0,
		alice.tx(&Vote{Proposal: 1, Twin: 1, Choice: VoteYes}),
		bob.tx(&Vote{Proposal: 1, Twin: 2, Choice: VoteYes}),
		bob.tx(&Vote{Proposal: 1, Twin: 2, Choice: VoteNo}),   // a second vote
		carol.tx(&Vote{Proposal: 1, Twin: 1, Choice: VoteNo}), // not carol's twin
		carol.tx(&Vote{Proposal: 1, Twin: 3, Choice: 9}),
		carol.tx(&Vote{Proposal: 9, Twin: 3, Choice: VoteNo}),
		alice.tx(&Vote{Proposal: 2, Twin: 1, Choice: VoteYes}),
		bob.tx(&Vote{Proposal: 2, Twin: 2, Choice: VoteYes}),
		alice.tx(&Vote{Proposal: 4, Twin: 1, Choice: VoteYes}),
		bob.tx(&Vote{Proposal: 4, Twin: 2, Choice: VoteAbstain}),
		carol.tx(&Vote{Proposal: 4, Twin: 3, Choice: VoteYes}),
		dave.tx(&RegisterTwin{Key: [32]byte{4}}), // twin 4, newer than every proposal
		dave.tx(&Vote{Proposal: 1, Twin: 4, Choice: VoteNo}),
	).TxResults, []uint32{0, 0, CodeAlreadyVoted, CodeUnauthorized, CodeInvalid, CodeNotFound, 0, 0, 0, 0, 0, 0, CodeNotEligible})
	blockAt(t, app, 4, t0)
	// The last block of the period still takes votes; its end decides.
	res = blockAt(t, app, 5, t0, carol.tx(&Vote{Proposal: 1, Twin: 3, Choice: VoteNo}))
	wantCodes(t, res.TxResults, []uint32{0})
	if got, want := eventTypes(res.Events), "proposal_passed param proposal_executed proposal_passed transfer proposal_executed "+
		"proposal_rejected proposal_passed proposal_failed"; got != want {
		t.Fatalf("end-of-block events %q, want %q", got, want)
	}
	wantCodes(t, blockAt(t, app, 6, t0,
		alice.tx(&Faucet{Amount: 5}),
		carol.tx(&Vote{Proposal: 2, Twin: 3, Choice: VoteNo}),
	).TxResults, []uint32{CodeFaucetOff, CodeVotingClosed})

	for id, want := range map[uint64]ProposalStatus{1: ProposalExecuted, 2: ProposalExecuted, 3: ProposalRejected, 4: ProposalFailed} {
		if p := proposalOf(t, app, id); p.Status != want || p.Decided != 5 {
			t.Errorf("proposal %d: %s at %d (%s), want %s at 5", id, p.Status, p.Decided, p.Result, want)
		}
	}
	if p := proposalOf(t, app, 1); p.Yes != 2 || p.No != 1 || p.Abstain != 0 {
		t.Errorf("proposal 1 tally %d/%d/%d, want 2 yes 1 no", p.Yes, p.No, p.Abstain)
	}
	if p := proposalOf(t, app, 3); !strings.Contains(p.Result, "quorum") {
		t.Errorf("proposal 3 result %q, want the quorum named", p.Result)
	}
	if p := proposalOf(t, app, 4); !strings.Contains(p.Result, "balance") {
		t.Errorf("proposal 4 result %q, want the treasury's balance named", p.Result)
	}
	if a, _ := DecodeAccount(provenValue(t, app, "balance/"+HexKey(dave.pub))); a.Balance != 60 {
		t.Errorf("dave has %d, want 60 from the treasury", a.Balance)
	}
	if a, _ := DecodeAccount(provenValue(t, app, "balance/"+HexKey(TreasuryAccount))); a.Balance != 40 {
		t.Errorf("treasury has %d, want 40", a.Balance)
	}
	if v := provenValue(t, app, "vote/1/3"); len(v) != 1 || VoteChoice(v[0]) != VoteNo {
		t.Errorf("carol's vote on 1: %v", v)
	}
	// The refused vote is absent, and proven so (index entries beside it never have empty values,
	// which ICS23 cannot prove).
	for _, path := range []string{"vote/1/4", "vote/2/3", "proposal/5", "param/zz"} {
		r, _ := app.Query(context.Background(), &abci.QueryRequest{Path: path, Prove: true})
		var p ics23.CommitmentProof
		if r.Code != CodeNotFound || p.Unmarshal(r.ProofOps.Ops[0].Data) != nil ||
			!ics23.VerifyNonMembership(ics23.IavlSpec, app.Hash(), &p, r.Key) {
			t.Errorf("%s: code %d, absence not proven", path, r.Code)
		}
	}
	if v, _ := decodeU64(provenValue(t, app, "param/"+ParamFaucetMax)); v != 0 {
		t.Errorf("faucet.max = %d, want 0", v)
	}
	if r := query(t, app, "param/pin.price.storage"); r.Code != CodeNotFound {
		t.Errorf("the rejected parameter was set")
	}
	params := provenList(t, app, "params")
	if len(params) != len(DefaultParams())+0 {
		t.Errorf("%d params, want the %d defaults", len(params), len(DefaultParams()))
	}
	all, _ := DecodeList(query(t, app, "proposals").Value)
	page, _ := DecodeList(query(t, app, "proposals?from=2&limit=2").Value)
	if len(all) != 4 || len(page) != 2 || string(page[0].Key) != string(ProposalKey(2)) {
		t.Errorf("proposals: %d, page from 2: %d", len(all), len(page))
	}
	votes, _ := DecodeList(query(t, app, "proposal/1/votes").Value)
	if len(votes) != 3 {
		t.Errorf("proposal 1 has %d votes listed, want 3", len(votes))
	}

	// The faucet setting survives a restart of the app: it is read back from the state.
	app.Close()
	again, err := New(Options{Dir: app.opts.Dir})
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if again.faucetMax != 0 {
		t.Errorf("after a restart faucet max is %d, want 0", again.faucetMax)
	}
}

// TestVotingNeedsKYC: with dao.vote_kyc_level set, only twins holding a valid attestation of that
// level from an allowed provider vote, and an attestation that expired no longer counts.
func TestVotingNeedsKYC(t *testing.T) {
	alice, bob, prov := newAccount(1), newAccount(2), newAccount(9)
	app := newApp(t, `{"params":{"dao.quorum":1,"dao.period":5,"dao.vote_kyc_level":2},
		"kyc_providers":[{"address":"`+HexKey(prov.pub)+`","label":"acme"}]}`)
	exp := t0.Add(time.Hour).Unix()
	wantCodes(t, blockAt(t, app, 1, t0,
		alice.tx(&RegisterTwin{Key: [32]byte{1}}),
		bob.tx(&RegisterTwin{Key: [32]byte{2}}),
		prov.tx(&AttestKYC{Twin: 1, Level: 2, Ref: "acme-123", Expires: exp}),
		prov.tx(&AttestKYC{Twin: 2, Level: 1, Ref: "acme-124", Expires: exp}),
		alice.tx(&Propose{Twin: 1, Title: "t", Change: Change{Action: ActionSetParam, Param: "a", Value: 1}}),
		alice.tx(&Propose{Twin: 1, Title: "t2", Change: Change{Action: ActionSetParam, Param: "b", Value: 1}}),
	).TxResults, []uint32{0, 0, 0, 0, 0, 0})
	wantCodes(t, blockAt(t, app, 2, t0.Add(time.Minute),
		alice.tx(&Vote{Proposal: 1, Twin: 1, Choice: VoteYes}),
		bob.tx(&Vote{Proposal: 1, Twin: 2, Choice: VoteYes}),
	).TxResults, []uint32{0, CodeNotEligible})
	// An hour later alice's attestation has expired: she may no longer vote.
	wantCodes(t, blockAt(t, app, 3, t0.Add(time.Hour),
		alice.tx(&Vote{Proposal: 2, Twin: 1, Choice: VoteYes}),
	).TxResults, []uint32{CodeNotEligible})
}

// TestGovernanceRefusesBadGenesis: a genesis with an out-of-range parameter is refused.
func TestGovernanceRefusesBadGenesis(t *testing.T) {
	for _, g := range []string{`{"params":{"dao.quorum":0}}`, `{"params":{"Bad":1}}`, `{"kyc_providers":[{"address":"zz"}]}`} {
		if _, err := ParseGenesis([]byte(g)); err == nil {
			t.Errorf("genesis %s accepted", g)
		}
	}
	g, err := ParseGenesis([]byte(`{"params":{"pin.price.storage":3}}`))
	if err != nil || g.Params["pin.price.storage"] != 3 {
		t.Fatalf("genesis with a pin price: %+v %v", g, err)
	}
	b, _ := json.Marshal(g)
	if !strings.Contains(string(b), "pin.price.storage") {
		t.Errorf("genesis JSON %s", b)
	}
}

// FuzzDecodeGov feeds arbitrary bytes to the decoders of stored proposals and attestations:
// none may panic, and what decodes encodes back to the same bytes.
func FuzzDecodeGov(f *testing.F) {
	f.Add(Proposal{ID: 1, Title: "x", Change: Change{Action: ActionSpend, Value: 3}, Status: ProposalOpen}.Encode())
	f.Add(KYC{Twin: 1, Level: 2, Ref: "r", Expires: 10, Status: KYCValid}.Encode())
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		if p, err := DecodeProposal(b); err == nil && string(p.Encode()) != string(b) {
			t.Fatal("proposal does not round-trip")
		}
		if k, err := DecodeKYC(b); err == nil && string(k.Encode()) != string(b) {
			t.Fatal("kyc attestation does not round-trip")
		}
	})
}
