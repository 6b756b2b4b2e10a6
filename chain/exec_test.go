package chain

import (
	"context"
	"strings"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"
	ics23 "github.com/cosmos/ics23/go"
)

func wantCodes(t *testing.T, res []*abci.ExecTxResult, want []uint32) {
	t.Helper()
	if len(res) != len(want) {
		t.Fatalf("%d results, want %d", len(res), len(want))
	}
	for i, r := range res {
		if r.Code != want[i] {
			t.Errorf("tx %d: code %d (%s), want %d", i, r.Code, r.Log, want[i])
		}
	}
}

func query(t *testing.T, app *App, path string) *abci.QueryResponse {
	t.Helper()
	r, err := app.Query(context.Background(), &abci.QueryRequest{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func members(t *testing.T, app *App, circle uint64) map[uint64]Role {
	t.Helper()
	l, err := DecodeList(query(t, app, "circle/"+u(circle)+"/members").Value)
	if err != nil {
		t.Fatal(err)
	}
	m := map[uint64]Role{}
	for _, e := range l {
		m[be(e.Key[9:])] = Role(e.Value[0])
	}
	return m
}

func be(b []byte) (v uint64) {
	for _, x := range b {
		v = v<<8 | uint64(x)
	}
	return v
}

// TestCircleAdmin: an admin adds and removes members; it may not delete the circle, change or
// remove the owner; a plain member may not edit; only the owner deletes.
func TestCircleAdmin(t *testing.T) {
	owner, admin, member, other := newAccount(1), newAccount(2), newAccount(3), newAccount(4)
	app := newApp(t, "")
	wantCodes(t, block(t, app, 1,
		owner.tx(&RegisterTwin{Key: [32]byte{1}}),  // twin 1
		admin.tx(&RegisterTwin{Key: [32]byte{2}}),  // twin 2
		member.tx(&RegisterTwin{Key: [32]byte{3}}), // twin 3
		other.tx(&RegisterTwin{Key: [32]byte{4}}),  // twin 4
		owner.tx(&CreateCircle{Twin: 1, Name: "team"}),
		owner.tx(&SetMember{Circle: 1, Twin: 1, Member: 2, Role: RoleAdmin}),
	), []uint32{0, 0, 0, 0, 0, 0})

	wantCodes(t, block(t, app, 2,
		admin.tx(&SetMember{Circle: 1, Twin: 2, Member: 3, Role: RoleMember}),
		admin.tx(&SetMember{Circle: 1, Twin: 2, Member: 4, Role: RoleMember}),
		admin.tx(&RemoveMember{Circle: 1, Twin: 2, Member: 4}),
		admin.tx(&DeleteCircle{Circle: 1, Twin: 2}),                           // only the owner deletes
		admin.tx(&SetMember{Circle: 1, Twin: 2, Member: 1, Role: RoleMember}), // the owner's role is fixed
		admin.tx(&RemoveMember{Circle: 1, Twin: 2, Member: 1}),                // and the owner stays
		admin.tx(&SetMember{Circle: 1, Twin: 1, Member: 4, Role: RoleMember}), // acting as a twin it does not own
		admin.tx(&SetMember{Circle: 1, Twin: 2, Member: 4, Role: RoleOwner}),  // no second owner
		admin.tx(&SetMember{Circle: 1, Twin: 2, Member: 99, Role: RoleMember}),
		admin.tx(&RemoveMember{Circle: 1, Twin: 2, Member: 4}), // already gone
		member.tx(&SetMember{Circle: 1, Twin: 3, Member: 4, Role: RoleMember}),
		member.tx(&RemoveMember{Circle: 1, Twin: 3, Member: 2}),
	), []uint32{0, 0, 0, CodeUnauthorized, CodeUnauthorized, CodeUnauthorized, CodeUnauthorized,
		CodeInvalid, CodeNotFound, CodeNotFound, CodeUnauthorized, CodeUnauthorized})

	got := members(t, app, 1)
	want := map[uint64]Role{1: RoleOwner, 2: RoleAdmin, 3: RoleMember}
	if len(got) != len(want) {
		t.Fatalf("members %v, want %v", got, want)
	}
	for k, r := range want {
		if got[k] != r {
			t.Fatalf("members %v, want %v", got, want)
		}
	}
	if r := query(t, app, "circle/1"); r.Code != 0 {
		t.Fatalf("circle 1 after the admin's delete: code %d", r.Code)
	}
	wantCodes(t, block(t, app, 3, owner.tx(&DeleteCircle{Circle: 1, Twin: 1})), []uint32{0})
	if r := query(t, app, "circle/1"); r.Code != CodeNotFound {
		t.Fatalf("circle 1 after the owner's delete: code %d", r.Code)
	}
	if got := members(t, app, 1); len(got) != 0 {
		t.Fatalf("deleted circle keeps members %v", got)
	}
}

// TestKeyRotation: rotating a twin's ed25519 key moves the key index to the new key (the old one
// may register again, the new one may not), records a key_rotation audit entry naming both keys,
// and leaves the twin's address-book entries signed by the old key.
func TestKeyRotation(t *testing.T) {
	owner, other := newAccount(1), newAccount(2)
	oldKey, newKey := newAccount(11), newAccount(12)
	app := newApp(t, "")
	wantCodes(t, block(t, app, 1,
		owner.tx(&RegisterTwin{Key: oldKey.pub, X25519: [32]byte{1}}),
		owner.tx(&SetName{Twin: 1, Name: "carol", Sig: SignName(testChain, "carol", 1, oldKey.key)}),
		other.tx(&RotateKey{ID: 1, Key: newKey.pub}), // not the owner
		owner.tx(&RotateKey{ID: 1, Key: newKey.pub, X25519: [32]byte{2}}),
		other.tx(&RegisterTwin{Key: newKey.pub}),     // taken by twin 1 now
		other.tx(&RegisterTwin{Key: oldKey.pub}),     // free again: twin 2
		owner.tx(&RotateKey{ID: 1, Key: oldKey.pub}), // taken by twin 2
		owner.tx(&ReportAudit{Twin: 1, Event: "key_rotation", Detail: "forged"}),
		newKey.tx(&ReportAudit{Twin: 1, Event: "permission_denied"}), // the twin's new key reports
		oldKey.tx(&ReportAudit{Twin: 1, Event: "permission_denied"}), // its old key no longer may
	), []uint32{0, 0, CodeUnauthorized, 0, CodeConflict, 0, CodeConflict, CodeInvalid, 0, CodeUnauthorized})

	tw, err := DecodeTwin(query(t, app, "twin/1").Value)
	if err != nil || tw.Key != newKey.pub || tw.X25519 != [32]byte{2} {
		t.Fatalf("twin 1 = %+v, %v", tw, err)
	}
	imm := app.committed
	for k, want := range map[[32]byte]uint64{newKey.pub: 1, oldKey.pub: 2} {
		v, err := imm.Get(twinByKeyKey(k))
		if err != nil || len(v) != 8 || be(v) != want {
			t.Errorf("key index %x -> %x, %v; want twin %d", k[:4], v, err, want)
		}
	}
	l, err := DecodeList(query(t, app, "audit/1").Value)
	if err != nil || len(l) != 2 {
		t.Fatalf("audit log of twin 1: %d entries, %v; want the rotation and one report", len(l), err)
	}
	ev, _ := DecodeAuditEvent(l[0].Value)
	if ev.Kind != "key_rotation" || ev.Height != 1 || ev.Seq != 1 ||
		!strings.Contains(ev.Detail, HexKey(oldKey.pub)+" -> "+HexKey(newKey.pub)) {
		t.Fatalf("first audit entry %+v", ev)
	}
	n, err := DecodeNameEntry(query(t, app, "name/carol").Value)
	if err != nil || n.Verify(testChain, oldKey.pub) != nil || n.Verify(testChain, newKey.pub) == nil {
		t.Fatalf("name entry after rotation %+v, %v: want it still signed by the old key", n, err)
	}
}

// TestBadTxsInBlock: a proposer may put anything in a block (ProcessProposal accepts it), so
// junk, truncated, unknown-kind and badly signed txs reach FinalizeBlock: each is refused with
// its code and changes nothing, the good txs around them execute, and the next blocks commit.
func TestBadTxsInBlock(t *testing.T) {
	alice := newAccount(1)
	app := newApp(t, `{"faucet_max":100}`)
	good0 := alice.tx(&Faucet{Amount: 5})
	forged := &Tx{Seq: 1, Msg: &Faucet{Amount: 100}}
	forged.Sign(testChain, newAccount(2).key)
	forged.Signer = alice.pub // claims to be alice
	badSig := append([]byte(nil), alice.tx(&Faucet{Amount: 7})...)
	badSig[len(badSig)-1] ^= 1
	alice.seq-- // the tampered tx must not use up alice's sequence
	unknownKind := append([]byte(nil), good0...)
	unknownKind[1] = 99
	good1 := alice.tx(&Faucet{Amount: 6})
	before := app.Hash()
	res := block(t, app, 1, good0, []byte("junk"), forged.Encode(), badSig, good0[:40], unknownKind, nil, good1)
	wantCodes(t, res, []uint32{0, CodeDecode, CodeSignature, CodeSignature, CodeDecode, CodeDecode, CodeDecode, 0})
	for i, r := range res {
		if len(r.Events) == 0 || r.Events[len(r.Events)-1].Type != TxEvent {
			t.Errorf("tx %d: result does not name its tx", i)
		}
	}
	a, _ := DecodeAccount(query(t, app, "account/"+HexKey(alice.pub)).Value)
	if a.Balance != 11 || a.Seq != 2 {
		t.Fatalf("alice = %+v, want balance 11 seq 2", a)
	}
	if string(app.Hash()) == string(before) {
		t.Fatal("app hash did not move")
	}
	for h := int64(2); h <= 3; h++ {
		if r := block(t, app, h, []byte{0xff}, alice.tx(&Faucet{Amount: 1})); r[1].Code != 0 {
			t.Fatalf("block %d after the bad txs: %s", h, r[1].Log)
		}
	}
	if info, _ := app.Info(context.Background(), nil); info.LastBlockHeight != 3 {
		t.Fatalf("height %d, want 3", info.LastBlockHeight)
	}
}

// TestCallsAfterClose: a query or tx arriving after Close (the RPC server of a stopping node may
// still pass one on) gets an error instead of a read of the closed database.
func TestCallsAfterClose(t *testing.T) {
	alice := newAccount(1)
	app, err := New(Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := app.InitChain(ctx, &abci.InitChainRequest{ChainId: testChain, InitialHeight: 1}); err != nil {
		t.Fatal(err)
	}
	block(t, app, 1, alice.tx(&RegisterTwin{Key: alice.pub}))
	if err := app.Close(); err != nil {
		t.Fatal(err)
	}
	for _, prove := range []bool{false, true} {
		r, err := app.Query(ctx, &abci.QueryRequest{Path: "twin/1", Prove: prove})
		if err != nil || r.Code != CodeInternal || !strings.Contains(r.Log, "closed") {
			t.Errorf("query after Close: %+v, %v", r, err)
		}
	}
	if r, err := app.CheckTx(ctx, &abci.CheckTxRequest{Tx: alice.tx(&Faucet{Amount: 1})}); err != nil || r.Code != CodeInternal {
		t.Errorf("CheckTx after Close: %+v, %v", r, err)
	}
	if _, err := app.FinalizeBlock(ctx, &abci.FinalizeBlockRequest{Height: 2}); err == nil {
		t.Error("FinalizeBlock after Close succeeded")
	}
	if _, err := app.Commit(ctx, &abci.CommitRequest{}); err == nil {
		t.Error("Commit after Close succeeded")
	}
	if err := app.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// TestDeleteTwinWithCircles: a twin that owns a circle cannot be deleted (the error names the
// circle); once its circle is gone it can, and it leaves the circles it was a member of.
func TestDeleteTwinWithCircles(t *testing.T) {
	a, b := newAccount(1), newAccount(2)
	app := newApp(t, "")
	wantCodes(t, block(t, app, 1,
		a.tx(&RegisterTwin{Key: [32]byte{1}}),        // twin 1
		b.tx(&RegisterTwin{Key: [32]byte{2}}),        // twin 2
		a.tx(&CreateCircle{Twin: 1, Name: "mine"}),   // circle 1
		b.tx(&CreateCircle{Twin: 2, Name: "theirs"}), // circle 2
		b.tx(&SetMember{Circle: 2, Twin: 2, Member: 1, Role: RoleAdmin}),
	), []uint32{0, 0, 0, 0, 0})
	res := block(t, app, 2, a.tx(&DeleteTwin{ID: 1}))
	wantCodes(t, res, []uint32{CodeConflict})
	if !strings.Contains(res[0].Log, "owns circles 1") {
		t.Errorf("refusal %q does not name circle 1", res[0].Log)
	}
	if r := query(t, app, "twin/1"); r.Code != 0 {
		t.Fatalf("refused delete removed twin 1: code %d", r.Code)
	}
	wantCodes(t, block(t, app, 3, a.tx(&DeleteCircle{Circle: 1, Twin: 1}), a.tx(&DeleteTwin{ID: 1})), []uint32{0, 0})
	if r := query(t, app, "twin/1"); r.Code != CodeNotFound {
		t.Fatalf("twin 1 after delete: code %d", r.Code)
	}
	if got := members(t, app, 2); len(got) != 1 || got[2] != RoleOwner {
		t.Fatalf("circle 2 members after twin 1 went: %v, want the owner alone", got)
	}
	for _, k := range [][]byte{TwinCircleKey(1, 1), TwinCircleKey(1, 2), MemberKey(1, 1), MemberKey(2, 1)} {
		if v, _ := app.committed.Get(k); v != nil {
			t.Errorf("key %x left behind", k)
		}
	}
	if v, _ := app.committed.Get(TwinCircleKey(2, 2)); len(v) != 1 || Role(v[0]) != RoleOwner {
		t.Errorf("twin 2's own circle index: %x", v)
	}
}

// circlesOf reads circles/twin/<id> with proofs, checking each entry's proof against the committed root.
func circlesOf(t *testing.T, app *App, twin uint64, params string) map[uint64]Role {
	t.Helper()
	r, err := app.Query(context.Background(), &abci.QueryRequest{Path: "circles/twin/" + u(twin) + params, Prove: true})
	if err != nil || r.Code != 0 {
		t.Fatalf("circles of twin %d: %v, code %d %s", twin, err, r.Code, r.Log)
	}
	l, err := DecodeList(r.Value)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.ProofOps.Ops) != len(l) {
		t.Fatalf("%d entries, %d proofs", len(l), len(r.ProofOps.Ops))
	}
	m := map[uint64]Role{}
	for i, e := range l {
		var p ics23.CommitmentProof
		if err := p.Unmarshal(r.ProofOps.Ops[i].Data); err != nil {
			t.Fatal(err)
		}
		if !ics23.VerifyMembership(ics23.IavlSpec, app.tree.Hash(), &p, e.Key, e.Value) {
			t.Errorf("entry %x does not verify", e.Key)
		}
		if len(e.Key) != 17 || be(e.Key[1:9]) != twin || len(e.Value) != 1 {
			t.Fatalf("entry %x → %x is not a circle of twin %d", e.Key, e.Value, twin)
		}
		m[be(e.Key[9:])] = Role(e.Value[0])
	}
	return m
}

// TestCirclesOfTwin: circles/twin/<id> follows create, add, remove and delete.
func TestCirclesOfTwin(t *testing.T) {
	a, b := newAccount(1), newAccount(2)
	app := newApp(t, "")
	wantCodes(t, block(t, app, 1,
		a.tx(&RegisterTwin{Key: [32]byte{1}}),        // twin 1
		b.tx(&RegisterTwin{Key: [32]byte{2}}),        // twin 2
		a.tx(&CreateCircle{Twin: 1, Name: "one"}),    // circle 1
		a.tx(&CreateCircle{Twin: 1, Name: "two"}),    // circle 2
		b.tx(&CreateCircle{Twin: 2, Name: "theirs"}), // circle 3
		a.tx(&SetMember{Circle: 1, Twin: 1, Member: 2, Role: RoleMember}),
		a.tx(&SetMember{Circle: 2, Twin: 1, Member: 2, Role: RoleAdmin}),
	), []uint32{0, 0, 0, 0, 0, 0, 0})
	if got := circlesOf(t, app, 2, ""); len(got) != 3 || got[1] != RoleMember || got[2] != RoleAdmin || got[3] != RoleOwner {
		t.Fatalf("circles of twin 2: %v", got)
	}
	if got := circlesOf(t, app, 2, "?from=2&limit=1"); len(got) != 1 || got[2] != RoleAdmin {
		t.Fatalf("circles of twin 2 from 2, limit 1: %v", got)
	}
	if got := circlesOf(t, app, 1, ""); len(got) != 2 || got[1] != RoleOwner || got[2] != RoleOwner {
		t.Fatalf("circles of twin 1: %v", got)
	}
	wantCodes(t, block(t, app, 2, a.tx(&RemoveMember{Circle: 1, Twin: 1, Member: 2})), []uint32{0})
	if got := circlesOf(t, app, 2, ""); len(got) != 2 || got[2] != RoleAdmin || got[3] != RoleOwner {
		t.Fatalf("circles of twin 2 after leaving circle 1: %v", got)
	}
	wantCodes(t, block(t, app, 3, a.tx(&DeleteCircle{Circle: 2, Twin: 1})), []uint32{0})
	if got := circlesOf(t, app, 2, ""); len(got) != 1 || got[3] != RoleOwner {
		t.Fatalf("circles of twin 2 after circle 2 went: %v", got)
	}
	if got := circlesOf(t, app, 1, ""); len(got) != 1 || got[1] != RoleOwner {
		t.Fatalf("circles of twin 1 after circle 2 went: %v", got)
	}
	if got := circlesOf(t, app, 9, ""); len(got) != 0 {
		t.Fatalf("circles of an unknown twin: %v", got)
	}
}
