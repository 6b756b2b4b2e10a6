package chain

import (
	"context"
	"crypto/ed25519"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"
	ics23 "github.com/cosmos/ics23/go"
)

const testChain = "test-chain"

type account struct {
	key ed25519.PrivateKey
	pub [32]byte
	seq uint64
}

func newAccount(seed byte) *account {
	s := make([]byte, 32)
	s[0] = seed
	k := ed25519.NewKeyFromSeed(s)
	a := &account{key: k}
	copy(a.pub[:], k.Public().(ed25519.PublicKey))
	return a
}

func (a *account) tx(m Msg) []byte {
	tx := &Tx{Seq: a.seq, Msg: m}
	tx.Sign(testChain, a.key)
	a.seq++
	return tx.Encode()
}

// block runs one block of txs through the app and commits it.
func block(t *testing.T, app *App, height int64, txs ...[]byte) []*abci.ExecTxResult {
	t.Helper()
	ctx := context.Background()
	res, err := app.FinalizeBlock(ctx, &abci.FinalizeBlockRequest{Txs: txs, Height: height})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := app.Commit(ctx, &abci.CommitRequest{}); err != nil {
		t.Fatal(err)
	}
	return res.TxResults
}

func newApp(t *testing.T, g string) *App {
	t.Helper()
	app, err := New(Options{Dir: t.TempDir(), SnapshotInterval: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { app.Close() })
	if _, err := app.InitChain(context.Background(), &abci.InitChainRequest{ChainId: testChain, AppStateBytes: []byte(g), InitialHeight: 1}); err != nil {
		t.Fatal(err)
	}
	return app
}

func TestAppTwinCircleNameAudit(t *testing.T) {
	alice, bob := newAccount(1), newAccount(2)
	app := newApp(t, `{"faucet_max":1000,"accounts":[{"address":"`+HexKey(alice.pub)+`","balance":50}]}`)
	twinA, twinB := newAccount(11), newAccount(12)
	var pnic1, pnic2 [32]byte
	pnic1[0], pnic2[0] = 1, 2
	res := block(t, app, 1,
		alice.tx(&RegisterTwin{Key: twinA.pub, PNIC: pnic1, Loc: Location{Country: "BE", City: "Ghent", Lat: 51.05, Lon: 3.72}}),
		bob.tx(&RegisterTwin{Key: twinB.pub, PNIC: pnic1}),
		bob.tx(&Faucet{Amount: 10}),
		alice.tx(&Transfer{To: bob.pub, Amount: 100}), // overdraw
		alice.tx(&CreateCircle{Twin: 1, Name: "family"}),
		bob.tx(&SetMember{Circle: 1, Twin: 2, Member: 2, Role: RoleAdmin}), // not an admin
		alice.tx(&SetMember{Circle: 1, Twin: 1, Member: 2, Role: RoleMember}),
		alice.tx(&SetName{Twin: 1, Name: "alice", Sig: SignName(testChain, "alice", 1, twinA.key)}),
		bob.tx(&SetName{Twin: 2, Name: "alice", Sig: SignName(testChain, "alice", 2, twinB.key)}), // taken
		alice.tx(&UpdateTwin{ID: 1, PNIC: pnic2}),
		alice.tx(&RotateKey{ID: 1, Key: twinA.pub, X25519: [32]byte{9}}),
		twinA.tx(&ReportAudit{Twin: 1, Event: "permission_denied", Detail: "twin 2 read /files"}),
	)
	want := []uint32{0, 0, 0, CodeFunds, 0, CodeUnauthorized, 0, 0, CodeConflict, 0, 0, 0}
	for i, r := range res {
		if r.Code != want[i] {
			t.Errorf("tx %d: code %d (%s), want %d", i, r.Code, r.Log, want[i])
		}
	}
	q := func(path string) *abci.QueryResponse {
		r, err := app.Query(context.Background(), &abci.QueryRequest{Path: path, Prove: true})
		if err != nil {
			t.Fatal(err)
		}
		if r.Code != 0 {
			t.Fatalf("query %s: code %d %s", path, r.Code, r.Log)
		}
		return r
	}
	r := q("twin/1")
	tw, err := DecodeTwin(r.Value)
	if err != nil || tw.PNIC != pnic2 || tw.Loc.City != "" || tw.X25519 != [32]byte{9} {
		t.Fatalf("twin 1 = %+v, %v", tw, err)
	}
	var proof ics23.CommitmentProof
	if err := proof.Unmarshal(r.ProofOps.Ops[0].Data); err != nil {
		t.Fatal(err)
	}
	if !ics23.VerifyMembership(ics23.IavlSpec, app.tree.Hash(), &proof, r.Key, r.Value) {
		t.Fatal("proof of twin 1 does not verify")
	}
	if l, _ := DecodeList(q("twins/pnic/" + HexKey(pnic1)).Value); len(l) != 1 {
		t.Errorf("pnic1 hosts %d twins, want 1 (twin 2)", len(l))
	}
	if l, _ := DecodeList(q("circle/1/members").Value); len(l) != 2 {
		t.Errorf("circle 1 has %d members, want 2", len(l))
	}
	if l, _ := DecodeList(q("circle/1/members?from=2&limit=5").Value); len(l) != 1 || string(l[0].Key) != string(MemberKey(1, 2)) {
		t.Errorf("circle 1 members from twin 2: %d entries, want twin 2 alone", len(l))
	}
	if l, _ := DecodeList(q("circle/1/members?limit=1").Value); len(l) != 1 || string(l[0].Key) != string(MemberKey(1, 1)) {
		t.Errorf("circle 1 members, limit 1: %d entries, want twin 1 alone", len(l))
	}
	l, _ := DecodeList(q("audit/1?from=2&limit=5").Value)
	if len(l) != 2 {
		t.Fatalf("audit from 2: %d events, want 2", len(l))
	}
	if ev, _ := DecodeAuditEvent(l[1].Value); ev.Kind != "permission_denied" {
		t.Errorf("last audit event %+v", ev)
	}
	if n, _ := DecodeNameEntry(q("name/alice").Value); n.Twin != 1 || n.Verify(testChain, twinA.pub) != nil {
		t.Errorf("alice -> %+v: not twin 1's signed entry", n)
	}
	if l, _ := DecodeList(q("names/twin/1").Value); len(l) != 1 || string(l[0].Key) != string(NameKey("alice")) {
		t.Errorf("names of twin 1: %d entries, want alice's", len(l))
	}
	if a, _ := DecodeAccount(q("balance/" + HexKey(bob.pub)).Value); a.Balance != 10 || a.Seq != 4 {
		t.Errorf("bob = %+v", a)
	}

	// State sync: a fresh app restores the last snapshot and ends with the same hash.
	snaps, _ := app.ListSnapshots(context.Background(), nil)
	block(t, app, 2)
	snaps, _ = app.ListSnapshots(context.Background(), nil)
	if len(snaps.Snapshots) == 0 {
		t.Fatal("no snapshot at height 2")
	}
	s := snaps.Snapshots[len(snaps.Snapshots)-1]
	fresh, err := New(Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	offer, _ := fresh.OfferSnapshot(context.Background(), &abci.OfferSnapshotRequest{Snapshot: s, AppHash: app.tree.Hash()})
	if offer.Result != abci.OFFER_SNAPSHOT_RESULT_ACCEPT {
		t.Fatalf("offer: %v", offer.Result)
	}
	for i := range s.Chunks {
		c, _ := app.LoadSnapshotChunk(context.Background(), &abci.LoadSnapshotChunkRequest{Height: s.Height, Format: s.Format, Chunk: i})
		r, _ := fresh.ApplySnapshotChunk(context.Background(), &abci.ApplySnapshotChunkRequest{Index: i, Chunk: c.Chunk})
		if r.Result != abci.APPLY_SNAPSHOT_CHUNK_RESULT_ACCEPT {
			t.Fatalf("chunk %d: %v", i, r.Result)
		}
	}
	info, _ := fresh.Info(context.Background(), nil)
	if info.LastBlockHeight != 2 || string(info.LastBlockAppHash) != string(app.tree.Hash()) || fresh.chainID != testChain {
		t.Fatalf("restored info %+v chain %q", info, fresh.chainID)
	}
}

func TestCheckTxRefusals(t *testing.T) {
	alice := newAccount(1)
	app := newApp(t, "")
	ctx := context.Background()
	check := func(b []byte) uint32 {
		r, _ := app.CheckTx(ctx, &abci.CheckTxRequest{Tx: b})
		return r.Code
	}
	good := alice.tx(&Faucet{Amount: 1})
	bad := append([]byte(nil), good...)
	bad[len(bad)-1] ^= 1
	if c := check(bad); c != CodeSignature {
		t.Errorf("tampered signature: code %d", c)
	}
	if c := check(good[:20]); c != CodeDecode {
		t.Errorf("truncated: code %d", c)
	}
	if c := check(good); c != 0 {
		t.Errorf("good: code %d", c)
	}
	next := &Tx{Seq: 1, Msg: &Faucet{Amount: 1}}
	next.Sign(testChain, alice.key)
	again := &Tx{Seq: 0, Msg: &Faucet{Amount: 9}} // the committed sequence resubmitted
	again.Sign(testChain, alice.key)
	if c := check(again.Encode()); c != 0 {
		t.Errorf("committed sequence again: code %d", c)
	}
	if c := check(next.Encode()); c != 0 {
		t.Errorf("next sequence after a resubmission: code %d", c)
	}
	skip := &Tx{Seq: 3, Msg: &Faucet{Amount: 1}}
	skip.Sign(testChain, alice.key)
	if c := check(skip.Encode()); c != CodeSequence {
		t.Errorf("sequence gap: code %d", c)
	}
	if r := block(t, app, 1, good); r[0].Code != CodeFaucetOff {
		t.Errorf("faucet without genesis: code %d", r[0].Code)
	}
	if c := check(good); c != CodeSequence {
		t.Errorf("replay after commit: code %d", c)
	}
	if r := block(t, app, 2, good); r[0].Code != CodeSequence {
		t.Errorf("replay in a block: code %d", r[0].Code)
	}
}

func FuzzDecodeTx(f *testing.F) {
	a := newAccount(1)
	for _, m := range []Msg{&Transfer{Amount: 1}, &RegisterTwin{Loc: Location{Country: "BE", City: "Gent"}},
		&SetName{Twin: 1, Name: "x"}, &ReportAudit{Twin: 1, Event: "e", Detail: "d"}, &SetMember{Role: RoleAdmin}, &RelocateTwin{ID: 1, Epoch: 2}} {
		f.Add(a.tx(m))
	}
	f.Add([]byte{1, 10})
	f.Fuzz(func(t *testing.T, b []byte) {
		tx, err := DecodeTx(b)
		if err != nil {
			return
		}
		if again := tx.Encode(); string(again) != string(b) {
			t.Fatalf("decode/encode is not the identity:\n%x\n%x", b, again)
		}
	})
}

func FuzzDecodeList(f *testing.F) {
	f.Add(List{{Key: []byte{1}, Value: []byte{2, 3}}}.Encode())
	f.Add(Twin{ID: 1, Loc: Location{City: "x"}}.Encode())
	f.Fuzz(func(t *testing.T, b []byte) {
		if l, err := DecodeList(b); err == nil && string(l.Encode()) != string(b) {
			t.Fatal("list does not round-trip")
		}
		if tw, err := DecodeTwin(b); err == nil && string(tw.Encode()) != string(b) {
			t.Fatal("twin does not round-trip")
		}
		DecodeSnapshotNodes(b)
		DecodeAuditEvent(b)
		DecodeNameEntry(b)
	})
}

func TestPrepareProposalOrdersSequences(t *testing.T) {
	app := newApp(t, "")
	a, b := newAccount(1), newAccount(2)
	a0, a1, a2 := a.tx(&Faucet{Amount: 1}), a.tx(&Faucet{Amount: 2}), a.tx(&Faucet{Amount: 3})
	b0 := b.tx(&Faucet{Amount: 1})
	res, err := app.PrepareProposal(context.Background(), &abci.PrepareProposalRequest{
		Txs: [][]byte{a2, b0, a0, []byte("junk"), a1}, MaxTxBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	want := [][]byte{a0, b0, a1, []byte("junk"), a2}
	for i := range want {
		if string(res.Txs[i]) != string(want[i]) {
			t.Fatalf("slot %d holds the wrong tx", i)
		}
	}
}

func TestAllowanceAndDeletes(t *testing.T) {
	owner, service := newAccount(1), newAccount(2)
	app := newApp(t, `{"accounts":[{"address":"`+HexKey(owner.pub)+`","balance":100}]}`)
	twin := newAccount(3)
	res := block(t, app, 1,
		owner.tx(&Grant{Service: service.pub, Limit: 30}),
		service.tx(&Charge{Owner: owner.pub, Amount: 20}),
		service.tx(&Charge{Owner: owner.pub, Amount: 20}), // over the 10 left
		owner.tx(&TopUp{Service: service.pub, Amount: 15}),
		service.tx(&Charge{Owner: owner.pub, Amount: 25}),
		service.tx(&Charge{Owner: twin.pub, Amount: 1}), // no grant
		owner.tx(&RegisterTwin{Key: twin.pub}),
		owner.tx(&RegisterTwin{Key: twin.pub}), // key taken
		owner.tx(&SetName{Twin: 1, Name: "Bad Name"}),
		owner.tx(&SetName{Twin: 1, Name: "bob", Sig: SignName(testChain, "bob", 1, twin.key)}),
		owner.tx(&CreateCircle{Twin: 1, Name: "c"}),
		owner.tx(&RemoveMember{Circle: 1, Twin: 1, Member: 1}), // the owner stays
		owner.tx(&DeleteCircle{Circle: 1, Twin: 1}),
		owner.tx(&DeleteTwin{ID: 1}),
		owner.tx(&DeleteName{Name: "bob"}), // went with the twin
	)
	want := []uint32{0, 0, CodeFunds, 0, 0, CodeFunds, 0, CodeConflict, CodeInvalid, 0, 0, CodeUnauthorized, 0, 0, CodeNotFound}
	for i, r := range res {
		if r.Code != want[i] {
			t.Errorf("tx %d: code %d (%s), want %d", i, r.Code, r.Log, want[i])
		}
	}
	get := func(path string) *abci.QueryResponse {
		r, _ := app.Query(context.Background(), &abci.QueryRequest{Path: path})
		return r
	}
	if a, _ := DecodeAccount(get("balance/" + HexKey(service.pub)).Value); a.Balance != 45 {
		t.Errorf("service balance %d, want 45", a.Balance)
	}
	if r := get("allowance/" + HexKey(owner.pub) + "/" + HexKey(service.pub)); r.Code != CodeNotFound {
		t.Errorf("allowance after spending it all: code %d, want none left", r.Code)
	}
	for _, p := range []string{"twin/1", "circle/1", "name/bob"} {
		if r := get(p); r.Code != CodeNotFound {
			t.Errorf("%s after delete: code %d", p, r.Code)
		}
	}
	if l, _ := DecodeList(get("circle/1/members").Value); len(l) != 0 {
		t.Errorf("deleted circle keeps %d members", len(l))
	}
	if r := get("bogus/path"); r.Code != CodeInvalid {
		t.Errorf("unknown path: code %d", r.Code)
	}
}

// FuzzQuery: any query path, height and prove flag from the RPC gets an answer, never a panic.
func FuzzQuery(f *testing.F) {
	for _, p := range []string{"twin/1", "twins/pnic/" + HexKey([32]byte{1}) + "?from=1&limit=2", "audit/1?from=x",
		"circle/1/members?limit=0", "circles/twin/1?from=2&limit=1", "circles/twin/x", "name/a%zz", "did/18446744073709551615", "balance/zz", "/", ""} {
		f.Add(p, int64(0), true)
	}
	alice := newAccount(1)
	app, err := New(Options{})
	if err != nil {
		f.Fatal(err)
	}
	defer app.Close()
	ctx := context.Background()
	app.InitChain(ctx, &abci.InitChainRequest{ChainId: testChain, InitialHeight: 1})
	app.FinalizeBlock(ctx, &abci.FinalizeBlockRequest{Height: 1, Txs: [][]byte{alice.tx(&RegisterTwin{Key: alice.pub})}})
	app.Commit(ctx, &abci.CommitRequest{})
	f.Fuzz(func(t *testing.T, path string, height int64, prove bool) {
		res, err := app.Query(ctx, &abci.QueryRequest{Path: path, Height: height, Prove: prove})
		if err != nil || res == nil {
			t.Fatalf("query %q: %v", path, err)
		}
	})
}
