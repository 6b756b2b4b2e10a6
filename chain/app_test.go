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
		alice.tx(&SetName{Twin: 1, Name: "alice"}),
		bob.tx(&SetName{Twin: 2, Name: "alice"}), // taken
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
	l, _ := DecodeList(q("audit/1?from=2&limit=5").Value)
	if len(l) != 2 {
		t.Fatalf("audit from 2: %d events, want 2", len(l))
	}
	if ev, _ := DecodeAuditEvent(l[1].Value); ev.Kind != "permission_denied" {
		t.Errorf("last audit event %+v", ev)
	}
	if n, _ := DecodeNameEntry(q("name/alice").Value); n.Twin != 1 {
		t.Errorf("alice -> %d", n.Twin)
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
	skip := &Tx{Seq: 2, Msg: &Faucet{Amount: 1}}
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
		&SetName{Twin: 1, Name: "x"}, &ReportAudit{Twin: 1, Event: "e", Detail: "d"}, &SetMember{Role: RoleAdmin}} {
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
