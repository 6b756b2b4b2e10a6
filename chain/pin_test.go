package chain

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	ics23 "github.com/cosmos/ics23/go"

	"github.com/freeflowuniverse/planetary/chain/token"
)

const (
	testGiB      = 1 << 30
	priceStorage = 3000 // per GiB-month: 100 units a day per GiB
	priceServed  = 50   // per GiB
)

type pinBlock struct {
	height int64
	time   time.Time
	txs    [][]byte
}

// pinEnv drives an App block by block at chosen block times and records the blocks, so they can
// be fed to a second App.
type pinEnv struct {
	t       *testing.T
	app     *App
	genesis string
	now     time.Time
	blocks  []pinBlock
	hashes  [][]byte
	bank    *account
	nodes   []*account
}

func newPinEnv(t *testing.T) *pinEnv {
	bank := newAccount(90)
	g := fmt.Sprintf(`{"accounts":[{"address":%q,"balance":1000000000}],"pin":{"grace_s":30,"min_prepaid_s":86400,"settle_s":60}}`, HexKey(bank.pub))
	e := &pinEnv{t: t, app: newApp(t, g), genesis: g, now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), bank: bank}
	for i := range 3 {
		e.nodes = append(e.nodes, newAccount(byte(100+i)))
	}
	return e
}

// block runs txs at now+step and commits.
func (e *pinEnv) block(step time.Duration, txs ...[]byte) *abci.FinalizeBlockResponse {
	e.t.Helper()
	e.now = e.now.Add(step)
	h := int64(len(e.blocks) + 1)
	ctx := context.Background()
	res, err := e.app.FinalizeBlock(ctx, &abci.FinalizeBlockRequest{Txs: txs, Height: h, Time: e.now})
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.app.Commit(ctx, &abci.CommitRequest{}); err != nil {
		e.t.Fatal(err)
	}
	e.blocks = append(e.blocks, pinBlock{h, e.now, txs})
	e.hashes = append(e.hashes, res.AppHash)
	return res
}

// ok runs a block whose txs must all succeed.
func (e *pinEnv) ok(step time.Duration, txs ...[]byte) *abci.FinalizeBlockResponse {
	e.t.Helper()
	res := e.block(step, txs...)
	for i, r := range res.TxResults {
		if r.Code != 0 {
			e.t.Fatalf("block %d tx %d: code %d: %s", len(e.blocks), i, r.Code, r.Log)
		}
	}
	return res
}

func (e *pinEnv) beats(except ...int) [][]byte {
	var txs [][]byte
	for i, n := range e.nodes {
		if !slices.Contains(except, i) {
			txs = append(txs, n.tx(&PinHeartbeat{}))
		}
	}
	return txs
}

func (e *pinEnv) register() {
	e.t.Helper()
	var txs [][]byte
	for i, n := range e.nodes {
		txs = append(txs, n.tx(&RegisterPinNode{PNIC: [32]byte{byte(i)}, Name: fmt.Sprintf("n%d", i), API: fmt.Sprintf("http://10.0.0.%d:9800", i),
			Capacity: 10 * testGiB, PriceStorage: priceStorage, PriceServed: priceServed}))
	}
	e.ok(time.Second, txs...)
}

// twin registers a twin owned by a fresh account funded with balance; it returns the twin's
// key account and the owner account.
func (e *pinEnv) twin(seed byte, id uint64, balance uint64) (key, owner *account) {
	e.t.Helper()
	key, owner = newAccount(seed), newAccount(seed+1)
	e.ok(time.Second, e.bank.tx(&Transfer{To: owner.pub, Amount: balance}), owner.tx(&RegisterTwin{Key: key.pub}))
	if tw := e.twinRecord(id); tw.Key != key.pub {
		e.t.Fatalf("twin %d has another key", id)
	}
	return key, owner
}

func (e *pinEnv) twinRecord(id uint64) Twin {
	e.t.Helper()
	tw, err := DecodeTwin(query(e.t, e.app, "twin/"+u(id)).Value)
	if err != nil {
		e.t.Fatal(err)
	}
	return tw
}

func (e *pinEnv) token(key *account, twin uint64) string {
	e.t.Helper()
	tok, err := token.New(key.key, twin, PinAudience(testChain), e.now, time.Hour)
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

func (e *pinEnv) balance(a [32]byte) uint64 {
	e.t.Helper()
	r := query(e.t, e.app, "balance/"+HexKey(a))
	if r.Code == CodeNotFound {
		return 0
	}
	acct, err := DecodeAccount(r.Value)
	if err != nil {
		e.t.Fatal(err)
	}
	return acct.Balance
}

// confirms is a ConfirmPin tx for cid from each of its holders.
func (e *pinEnv) confirms(cid string) [][]byte {
	var txs [][]byte
	for _, h := range e.set(cid).Holders {
		txs = append(txs, e.nodes[e.nodeIndex(h.Node)].tx(&ConfirmPin{CID: cid}))
	}
	return txs
}

func (e *pinEnv) set(cid string) PinSet {
	e.t.Helper()
	r := query(e.t, e.app, "pin/"+cid)
	if r.Code != 0 {
		e.t.Fatalf("pin/%s: code %d %s", cid, r.Code, r.Log)
	}
	s, err := DecodePinSet(r.Value)
	if err != nil {
		e.t.Fatal(err)
	}
	return s
}

func (e *pinEnv) account(twin uint64) PinAccount {
	e.t.Helper()
	r := query(e.t, e.app, "pinaccount/"+u(twin))
	if r.Code != 0 {
		e.t.Fatalf("pinaccount/%d: code %d %s", twin, r.Code, r.Log)
	}
	a, err := DecodePinAccount(r.Value)
	if err != nil {
		e.t.Fatal(err)
	}
	return a
}

func (e *pinEnv) nodeIndex(k [32]byte) int {
	return slices.IndexFunc(e.nodes, func(n *account) bool { return n.pub == k })
}

// allocEvents lists the pin_allocated events of a block as "node index:hold:state:from indexes".
func (e *pinEnv) allocEvents(res *abci.FinalizeBlockResponse) []string {
	var out []string
	all := slices.Clone(res.Events)
	for _, r := range res.TxResults {
		all = append(all, r.Events...)
	}
	for _, ev := range all {
		if ev.Type != "pin_allocated" {
			continue
		}
		a := map[string]string{}
		for _, at := range ev.Attributes {
			a[at.Key] = at.Value
		}
		var from []string
		for _, f := range strings.Split(a["from"], ",") {
			if b, err := hex.DecodeString(f); err == nil && len(b) == 32 {
				from = append(from, fmt.Sprint(e.nodeIndex([32]byte(b))))
			}
		}
		b, _ := hex.DecodeString(a["node"])
		out = append(out, fmt.Sprintf("%d:%s:%s:%s", e.nodeIndex([32]byte(b)), a["hold"], a["state"], strings.Join(from, ",")))
	}
	return out
}

func hasEvent(res *abci.FinalizeBlockResponse, typ string) bool {
	for _, ev := range res.Events {
		if ev.Type == typ {
			return true
		}
	}
	for _, r := range res.TxResults {
		for _, ev := range r.Events {
			if ev.Type == typ {
				return true
			}
		}
	}
	return false
}

func holders(s PinSet) map[[32]byte]uint8 {
	m := map[[32]byte]uint8{}
	for _, h := range s.Holders {
		m[h.Node] = h.State
	}
	return m
}

const cidA = "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi"

// TestPinLifecycle: a pin through a node is allocated to the node and one more chosen by
// rendezvous; both confirm; two owners of one CID are billed each for their own; one's unpin
// keeps the allocation for the other; the billing falls with stored bytes over block time and
// with served bytes; a holder silent past the grace period is replaced by a live node told to
// fetch from the survivor; the replay of the same blocks on another app reaches the same hashes.
func TestPinLifecycle(t *testing.T) {
	e := newPinEnv(t)
	e.register()
	keyA, ownerA := e.twin(1, 1, 1_000_000)
	keyB, ownerB := e.twin(3, 2, 1_000_000)
	n0 := e.nodes[0]

	res := e.ok(time.Second, n0.tx(&AddPin{Token: e.token(keyA, 1), CID: cidA, Size: testGiB, Name: "photos", Meta: map[string]string{"k": "v"}}))
	ev := e.allocEvents(res)
	if len(ev) != 2 || !strings.HasPrefix(ev[0], "0:true:allocated:") || !strings.HasSuffix(ev[1], ":true:allocated:0") {
		t.Fatalf("allocation events %v: want node 0, then one more fetching from node 0", ev)
	}
	set := e.set(cidA)
	if len(set.Holders) != 2 || set.Holders[0].Node != n0.pub || set.Owners != 1 || set.Replicas != 2 {
		t.Fatalf("set %+v", set)
	}
	second := e.nodes[e.nodeIndex(set.Holders[1].Node)]
	spare := slices.IndexFunc(e.nodes, func(n *account) bool { return n != n0 && n != second })

	// Both confirm; the owner pays from then on.
	e.ok(time.Second, n0.tx(&ConfirmPin{CID: cidA}), second.tx(&ConfirmPin{CID: cidA}))
	for k, st := range holders(e.set(cidA)) {
		if st != PinHeld {
			t.Fatalf("holder %x state %d after confirm", k[:4], st)
		}
	}
	if a := e.account(1); a.StoredBytes != 2*testGiB || a.Pins != 1 {
		t.Fatalf("account of twin 1 %+v", a)
	}
	// The second owner pins the same CID: one set, two owners, each billed for its own.
	e.ok(0, second.tx(&AddPin{Token: e.token(keyB, 2), CID: cidA, Size: testGiB}))
	if s := e.set(cidA); s.Owners != 2 || len(s.Holders) != 2 {
		t.Fatalf("set after the second owner %+v", s)
	}
	balA, balB, bal0 := e.balance(ownerA.pub), e.balance(ownerB.pub), e.balance(n0.pub)

	// One day of block time later: 2 GiB held for each owner at 100 units per GiB-day.
	e.ok(24*time.Hour, e.beats()...)
	if got := balA - e.balance(ownerA.pub); got != 200 {
		t.Errorf("twin 1 paid %d for a day, want 200", got)
	}
	if got := balB - e.balance(ownerB.pub); got != 200 {
		t.Errorf("twin 2 paid %d for a day, want 200", got)
	}
	if got := e.balance(n0.pub) - bal0; got != 200 {
		t.Errorf("node 0 earned %d for a day of two owners' GiB, want 200", got)
	}

	// Served bytes: 2 GiB at 50 a GiB, paid to the node that served them.
	balA, bal0 = e.balance(ownerA.pub), e.balance(n0.pub)
	e.ok(time.Second, n0.tx(&PinHeartbeat{Served: []Served{{Owner: 1, Bytes: 2 * testGiB}}}))
	if got := balA - e.balance(ownerA.pub); got != 100 {
		t.Errorf("twin 1 paid %d for 2 GiB served, want 100", got)
	}
	if got := e.balance(n0.pub) - bal0; got != 100 {
		t.Errorf("node 0 earned %d for 2 GiB served, want 100", got)
	}
	if a := e.account(1); a.ServedBytes != 2*testGiB {
		t.Errorf("served bytes %d", a.ServedBytes)
	}

	// Twin 1 unpins: the set stays for twin 2, twin 1 pays nothing more.
	e.ok(time.Second, n0.tx(&RemovePin{Token: e.token(keyA, 1), CID: cidA}))
	if s := e.set(cidA); s.Owners != 1 || len(s.Holders) != 2 {
		t.Fatalf("set after one unpin %+v", s)
	}
	if r := query(t, e.app, "pins/owner/1/"+cidA); r.Code != CodeNotFound {
		t.Fatalf("twin 1's pin after unpin: code %d", r.Code)
	}
	balA = e.balance(ownerA.pub)
	e.ok(time.Hour, e.beats()...)
	if got := e.balance(ownerA.pub); got != balA {
		t.Errorf("twin 1 paid %d after its unpin", balA-got)
	}

	// The second holder falls silent past the grace period: the spare node takes its place and
	// fetches from node 0, the survivor.
	e.ok(20*time.Second, e.beats(e.nodeIndex(second.pub))...)
	res = e.ok(15*time.Second, e.beats(e.nodeIndex(second.pub))...)
	if !hasEvent(res, "pinnode_dead") {
		t.Fatal("no pinnode_dead event")
	}
	want := []string{fmt.Sprintf("%d:false:released:", e.nodeIndex(second.pub)), fmt.Sprintf("%d:true:allocated:0", spare)}
	if got := e.allocEvents(res); !slices.Equal(got, want) {
		t.Fatalf("allocation events at the death %v, want %v", got, want)
	}
	h := holders(e.set(cidA))
	if len(h) != 2 || h[n0.pub] != PinHeld || h[e.nodes[spare].pub] != PinAllocated {
		t.Fatalf("holders after the death %v", h)
	}
	if l, _ := DecodeList(query(t, e.app, "pins/node/"+HexKey(second.pub)).Value); len(l) != 0 {
		t.Errorf("dead node keeps %d allocations", len(l))
	}
	if l, _ := DecodeList(query(t, e.app, "pins/node/"+HexKey(e.nodes[spare].pub)).Value); len(l) != 1 {
		t.Errorf("spare node has %d allocations, want 1", len(l))
	}
	if a := e.account(2); a.StoredBytes != testGiB {
		t.Errorf("twin 2 billed for %d bytes after the death, want the survivor's GiB", a.StoredBytes)
	}
	// The last owner unpins: every holder is released.
	res = e.ok(time.Second, append(e.beats(1), e.nodes[spare].tx(&RemovePin{Token: e.token(keyB, 2), CID: cidA}))...)
	if got := e.allocEvents(res); len(got) != 2 || !strings.Contains(got[0]+got[1], ":false:released:") {
		t.Errorf("release events %v", got)
	}
	if r := query(t, e.app, "pin/"+cidA); r.Code != CodeNotFound {
		t.Errorf("set after the last unpin: code %d", r.Code)
	}

	// The same blocks on a second app reach the same app hash after every block.
	app2 := newApp(t, e.genesis)
	for i, b := range e.blocks {
		r, err := app2.FinalizeBlock(context.Background(), &abci.FinalizeBlockRequest{Txs: b.txs, Height: b.height, Time: b.time})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := app2.Commit(context.Background(), &abci.CommitRequest{}); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(r.AppHash, e.hashes[i]) {
			t.Fatalf("block %d: app hashes differ", b.height)
		}
	}
}

// TestPinRefusals: forged, expired, other-audience and unknown-twin tokens, a signer that is not
// a registered node, bad fields, a pin the balance cannot pay (then let through by a top-up),
// unpin and confirm of what is not there.
func TestPinRefusals(t *testing.T) {
	e := newPinEnv(t)
	e.register()
	key, owner := e.twin(1, 1, 150) // 1 GiB on two nodes costs 200 a day
	other := newAccount(50)
	n0 := e.nodes[0]
	tok := func(k *account, twin uint64, aud string, issued time.Time, ttl time.Duration) string {
		s, err := token.New(k.key, twin, aud, issued, ttl)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	aud := PinAudience(testChain)
	good := e.token(key, 1)
	pin := func(token string) *AddPin { return &AddPin{Token: token, CID: cidA, Size: testGiB} }
	res := e.block(time.Second,
		n0.tx(pin(tok(other, 1, aud, e.now, time.Hour))),                                // forged
		n0.tx(pin(tok(key, 1, aud, e.now.Add(-2*time.Hour), time.Hour))),                // expired
		n0.tx(pin(tok(key, 1, "pin:other-chain", e.now, time.Hour))),                    // other audience
		n0.tx(pin(tok(key, 1, aud, e.now.Add(time.Hour), time.Hour))),                   // not valid yet
		n0.tx(pin(tok(key, 7, aud, e.now, time.Hour))),                                  // unknown twin
		n0.tx(pin("pt1.garbage")),                                                       // malformed
		other.tx(pin(good)),                                                             // not a node
		n0.tx(&AddPin{Token: good, CID: "bafy/../x", Size: 1}),                          // bad cid
		n0.tx(&AddPin{Token: good, CID: cidA, Size: 1, Name: strings.Repeat("x", 256)}), // long name
		n0.tx(&AddPin{Token: good, CID: cidA, Size: 1, Meta: map[string]string{"k": strings.Repeat("v", 257)}}),
		n0.tx(&AddPin{Token: good, CID: cidA, Size: 1, Replicas: 17}),
		n0.tx(pin(good)), // 150 units cannot pay 200 a day
		n0.tx(&RemovePin{Token: good, CID: cidA}),
		n0.tx(&ConfirmPin{CID: cidA}),
		n0.tx(&RegisterPinNode{Name: "x", API: "ftp://x", Capacity: 1}),
	)
	wantCodes(t, res.TxResults, []uint32{CodePinToken, CodePinToken, CodePinToken, CodePinToken, CodePinToken, CodePinToken,
		CodePinNode, CodeInvalid, CodeInvalid, CodeInvalid, CodeInvalid, CodePinFunds, CodeNotFound, CodeNotFound, CodeInvalid})
	if r := query(t, e.app, "pin/"+cidA); r.Code != CodeNotFound {
		t.Fatalf("refused pin left a set: code %d", r.Code)
	}
	// A top-up lets it through.
	e.ok(time.Second, e.bank.tx(&Transfer{To: owner.pub, Amount: 100}))
	e.ok(time.Second, n0.tx(pin(e.token(key, 1))))
	if s := e.set(cidA); len(s.Holders) != 2 {
		t.Fatalf("set after top-up %+v", s)
	}
	// Audit log: the refusals left nothing, the pin did.
	l, err := DecodeList(query(t, e.app, "audit/1").Value)
	if err != nil || len(l) != 1 {
		t.Fatalf("audit log: %d entries, %v", len(l), err)
	}
	if ev, _ := DecodeAuditEvent(l[0].Value); ev.Kind != "pin_added" || ev.Detail != cidA {
		t.Errorf("audit %+v", ev)
	}
}

// TestPinListAndProofs: an owner's pins list newest first with unique Created even within one
// block, page by before, and every answer's proofs verify against the committed root.
func TestPinListAndProofs(t *testing.T) {
	e := newPinEnv(t)
	e.register()
	key, _ := e.twin(1, 1, 1_000_000)
	n0 := e.nodes[0]
	var txs [][]byte
	for i := range 5 {
		txs = append(txs, n0.tx(&AddPin{Token: e.token(key, 1), CID: fmt.Sprintf("bafy%d", i), Size: 1000, Replicas: 1}))
	}
	e.ok(time.Second, txs...)
	e.ok(time.Second, n0.tx(&AddPin{Token: e.token(key, 1), CID: "bafy9", Size: 1000, Replicas: 1}))
	root := e.app.tree.Hash()
	verify := func(r *abci.QueryResponse) List {
		t.Helper()
		l, err := DecodeList(r.Value)
		if err != nil || r.ProofOps == nil || len(r.ProofOps.Ops) != len(l) {
			t.Fatalf("list answer: %v, %d entries", err, len(l))
		}
		for i, en := range l {
			var p ics23.CommitmentProof
			if err := p.Unmarshal(r.ProofOps.Ops[i].Data); err != nil || !ics23.VerifyMembership(ics23.IavlSpec, root, &p, en.Key, en.Value) {
				t.Fatalf("entry %d does not verify", i)
			}
		}
		return l
	}
	prove := func(path string) *abci.QueryResponse {
		r, err := e.app.Query(context.Background(), &abci.QueryRequest{Path: path, Prove: true})
		if err != nil || r.Code != 0 {
			t.Fatalf("%s: %v %d %s", path, err, r.Code, r.Log)
		}
		return r
	}
	l := verify(prove("pins/owner/1"))
	if len(l) != 12 {
		t.Fatalf("%d entries, want 6 pins × (record, set)", len(l))
	}
	var created []int64
	var cids []string
	for i := 0; i < len(l); i += 2 {
		rec, err := DecodePinRecord(l[i].Value)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := DecodePinSet(l[i+1].Value); err != nil {
			t.Fatal(err)
		}
		created = append(created, rec.Created)
		cids = append(cids, rec.CID)
	}
	if cids[0] != "bafy9" || cids[5] != "bafy0" {
		t.Errorf("order %v, want newest first", cids)
	}
	for i := 1; i < len(created); i++ {
		if created[i] >= created[i-1] {
			t.Fatalf("created %v not strictly falling", created)
		}
	}
	page := verify(prove(fmt.Sprintf("pins/owner/1?before=%d&limit=2", created[1])))
	if len(page) != 4 {
		t.Fatalf("page before the second pin: %d entries", len(page))
	}
	if rec, _ := DecodePinRecord(page[0].Value); rec.CID != cids[2] {
		t.Errorf("page starts at %s, want %s", rec.CID, cids[2])
	}
	if l := verify(prove("pinnodes")); len(l) != 3 {
		t.Errorf("%d nodes", len(l))
	}
	if l := verify(prove("pins/node/" + HexKey(n0.pub))); len(l) != 6 {
		t.Errorf("node 0 has %d allocations, want 6", len(l))
	}
	rec1, _ := DecodePinRecord(query(t, e.app, "pins/owner/1/bafy1").Value)
	if r := query(t, e.app, "pins/request/1/"+rec1.RequestID); r.Code != 0 || string(r.Value) != "bafy1" {
		t.Errorf("request id %s names %q (code %d)", rec1.RequestID, r.Value, r.Code)
	}
	for _, p := range []string{"pin/bafy1", "pins/owner/1/bafy1", "pins/request/1/" + rec1.RequestID, "pinnode/" + HexKey(n0.pub), "pinaccount/1"} {
		r := prove(p)
		var pr ics23.CommitmentProof
		if err := pr.Unmarshal(r.ProofOps.Ops[0].Data); err != nil || !ics23.VerifyMembership(ics23.IavlSpec, root, &pr, r.Key, r.Value) {
			t.Errorf("%s does not verify", p)
		}
	}
	r, _ := e.app.Query(context.Background(), &abci.QueryRequest{Path: "pinparams", Prove: true})
	if p, err := DecodePinParams(r.Value); err != nil || p.GraceSeconds != 30 {
		t.Errorf("params %+v %v", p, err)
	}
}

// FuzzDecodePinState: the pinning service's stored records decode without a crash and those that
// decode re-encode to the same bytes.
func FuzzDecodePinState(f *testing.F) {
	f.Add(PinSet{CID: "bafy", Size: 3, Replicas: 2, Owners: 1, Wants: []PinWant{{1, 2}, {2, 1}}, Holders: []PinHolder{{Node: [32]byte{1}, State: PinHeld}}}.Encode())
	f.Add(PinRecord{Owner: 1, CID: "bafy", Meta: map[string]string{"a": "b", "c": ""}, Created: 5, RequestID: "r"}.Encode())
	f.Add(PinNode{Name: "a", API: "http://a"}.Encode())
	f.Add(PinAccount{Owner: 1}.Encode())
	f.Add(PinPair{Owner: 1}.Encode())
	f.Fuzz(func(t *testing.T, b []byte) {
		if v, err := DecodePinSet(b); err == nil && !bytes.Equal(v.Encode(), b) {
			t.Fatal("pin set does not round-trip")
		}
		if v, err := DecodePinRecord(b); err == nil && !bytes.Equal(v.Encode(), b) {
			t.Fatal("pin record does not round-trip")
		}
		if v, err := DecodePinNode(b); err == nil && !bytes.Equal(v.Encode(), b) {
			t.Fatal("pin node does not round-trip")
		}
		DecodePinAccount(b)
		DecodePinPair(b)
		DecodePinParams(b)
	})
}

// TestPinDeadNodeMovesBounded: replicas are capped at the live nodes; the allocations of a dead
// node move at most pinMovesPerBlock a block, the rest in the blocks after, until none is left.
func TestPinDeadNodeMovesBounded(t *testing.T) {
	e := newPinEnv(t)
	e.register()
	key, _ := e.twin(1, 1, 1_000_000_000)
	n0 := e.nodes[0]
	e.ok(0, n0.tx(&AddPin{Token: e.token(key, 1), CID: "bafymany", Size: 1, Replicas: 5}))
	if s := e.set("bafymany"); len(s.Holders) != 3 || s.Replicas != 5 {
		t.Fatalf("5 replicas on 3 nodes: %+v", s)
	}
	const pins = pinMovesPerBlock + 36
	var txs [][]byte
	for i := range pins {
		txs = append(txs, n0.tx(&AddPin{Token: e.token(key, 1), CID: fmt.Sprintf("bafy%03d", i), Size: 1, Replicas: 1}))
	}
	e.ok(time.Second, txs...)
	countOn := func(k [32]byte) int {
		l, err := DecodeList(query(t, e.app, "pins/node/"+HexKey(k)).Value)
		if err != nil {
			t.Fatal(err)
		}
		return len(l)
	}
	if n := countOn(n0.pub); n != pins+1 {
		t.Fatalf("node 0 holds %d, want %d", n, pins+1)
	}
	e.ok(20*time.Second, e.beats(0)...)
	var released []int
	for range 3 {
		res := e.ok(11*time.Second, e.beats(0)...)
		n := 0
		for _, ev := range e.allocEvents(res) {
			if strings.HasPrefix(ev, "0:false:released:") {
				n++
			}
		}
		released = append(released, n)
	}
	if !slices.Equal(released, []int{pinMovesPerBlock, pins + 1 - pinMovesPerBlock, 0}) {
		t.Fatalf("released per block %v", released)
	}
	if n := countOn(n0.pub); n != 0 {
		t.Errorf("dead node keeps %d allocations", n)
	}
	if n := countOn(e.nodes[1].pub) + countOn(e.nodes[2].pub); n != pins+2 {
		t.Errorf("live nodes hold %d allocations, want %d", n, pins+2)
	}
	if r := query(t, e.app, "pinnode/"+HexKey(n0.pub)); r.Code != 0 {
		t.Fatal(r.Log)
	} else if n, _ := DecodePinNode(r.Value); !n.Dead || n.Used != 0 {
		t.Errorf("dead node record %+v", n)
	}
	if r := query(t, e.app, "pin/bafymany"); len(holders(e.set("bafymany"))) != 2 || r.Code != 0 {
		t.Fatalf("bafymany after the death: %+v", e.set("bafymany"))
	}
	// It comes back: alive again, new pins go to it, and the set left short (5 replicas wanted,
	// 2 live nodes) takes it as a third holder, fetching from the two others.
	res := e.ok(time.Second, append(e.beats(), n0.tx(&AddPin{Token: e.token(key, 1), CID: "bafyback", Size: 1, Replicas: 1}))...)
	if !hasEvent(res, "pinnode_alive") || countOn(n0.pub) != 2 {
		t.Errorf("revived node: alive event %v, %d allocations, want bafyback and bafymany", hasEvent(res, "pinnode_alive"), countOn(n0.pub))
	}
	if h := holders(e.set("bafymany")); len(h) != 3 || h[n0.pub] != PinAllocated {
		t.Errorf("bafymany after the return: %v", h)
	}
	if got := e.allocEvents(res); !slices.Contains(got, "0:true:allocated:1,2") && !slices.Contains(got, "0:true:allocated:2,1") {
		t.Errorf("allocation events at the return %v, want node 0 fetching from nodes 1 and 2", got)
	}
}

// TestPinShortSetRepaired: with two nodes and two replicas, a holder's death leaves the set
// short; a node registering later takes the missing copy, fetching from the survivor.
func TestPinShortSetRepaired(t *testing.T) {
	e := newPinEnv(t)
	third := e.nodes[2]
	e.nodes = e.nodes[:2]
	e.register()
	key, _ := e.twin(1, 1, 1_000_000_000)
	n0, n1 := e.nodes[0], e.nodes[1]
	e.ok(0, n0.tx(&AddPin{Token: e.token(key, 1), CID: cidA, Size: 1}))
	e.ok(time.Second, n0.tx(&ConfirmPin{CID: cidA}), n1.tx(&ConfirmPin{CID: cidA}))
	e.ok(20*time.Second, n0.tx(&PinHeartbeat{}))
	e.ok(15*time.Second, n0.tx(&PinHeartbeat{}))
	if h := holders(e.set(cidA)); len(h) != 1 || h[n0.pub] != PinHeld {
		t.Fatalf("after the death %v, want node 0 alone", h)
	}
	if r := query(t, e.app, "pin/"+cidA); r.Code != 0 {
		t.Fatal(r.Log)
	}
	e.nodes = append(e.nodes, third)
	res := e.ok(time.Second, n0.tx(&PinHeartbeat{}), third.tx(&RegisterPinNode{Name: "n2", API: "http://n2", Capacity: testGiB, PriceStorage: 1}))
	if got := e.allocEvents(res); !slices.Equal(got, []string{"2:true:allocated:0"}) {
		t.Fatalf("allocation events when a node joins %v, want node 2 fetching from node 0", got)
	}
	if h := holders(e.set(cidA)); len(h) != 2 || h[third.pub] != PinAllocated {
		t.Fatalf("after the repair %v", h)
	}
}

// TestPinBillingFractions: charges settled often lose no fractions of a unit: 24 hourly
// settlements of 2 GiB at 100 a GiB-day come to 200, and two half GiBs served at 3 a GiB to 3.
func TestPinBillingFractions(t *testing.T) {
	e := newPinEnv(t)
	e.register()
	key, owner := e.twin(1, 1, 1_000_000)
	n0 := e.nodes[0]
	e.ok(0, n0.tx(&AddPin{Token: e.token(key, 1), CID: cidA, Size: testGiB}))
	e.ok(time.Second, e.confirms(cidA)...)
	bal := e.balance(owner.pub)
	for range 24 {
		e.ok(time.Hour, e.beats()...)
	}
	if got := bal - e.balance(owner.pub); got != 200 {
		t.Errorf("24 hourly settlements charged %d, want 200", got)
	}
	if a := e.account(1); a.Charged != 200 || a.Unpaid != 0 {
		t.Errorf("account %+v", a)
	}

	cheap := newAccount(120)
	e.nodes = append(e.nodes, cheap)
	e.ok(0, cheap.tx(&RegisterPinNode{Name: "cheap", API: "http://cheap", Capacity: 1, PriceServed: 3}))
	bal = e.balance(owner.pub)
	e.ok(0, cheap.tx(&PinHeartbeat{Served: []Served{{Owner: 1, Bytes: testGiB / 2}}}))
	first := bal - e.balance(owner.pub)
	e.ok(0, cheap.tx(&PinHeartbeat{Served: []Served{{Owner: 1, Bytes: testGiB / 2}}}))
	if got := bal - e.balance(owner.pub); first != 1 || got != 3 || e.balance(cheap.pub) != 3 {
		t.Errorf("half GiBs served at 3 a GiB: %d then %d in all (node got %d), want 1 then 3", first, got, e.balance(cheap.pub))
	}
}

// TestPinSubmitterWithoutRoom: a node with no room for a pin it received is not allocated it,
// and the nodes that are fetch from it.
func TestPinSubmitterWithoutRoom(t *testing.T) {
	e := newPinEnv(t)
	e.register()
	key, _ := e.twin(1, 1, 1_000_000_000)
	small := newAccount(130)
	e.nodes = append(e.nodes, small)
	e.ok(0, small.tx(&RegisterPinNode{Name: "small", API: "http://small", Capacity: 10}))
	res := e.ok(time.Second, small.tx(&AddPin{Token: e.token(key, 1), CID: cidA, Size: 11}))
	got := e.allocEvents(res)
	if len(got) != 2 || !strings.HasSuffix(got[0], ":true:allocated:3") || !strings.Contains(got[1], ":true:allocated:3,") {
		t.Fatalf("allocation events %v, want two nodes fetching from node 3 first", got)
	}
	if _, ok := holders(e.set(cidA))[small.pub]; ok {
		t.Fatal("a node without room was allocated")
	}
}

// TestPinReplicasFollowTheOwners: a CID keeps the most replicas any of its owners asks for; when
// that owner leaves, the surplus holders are released, those not confirmed first.
func TestPinReplicasFollowTheOwners(t *testing.T) {
	e := newPinEnv(t)
	e.register()
	keyA, _ := e.twin(1, 1, 1_000_000)
	keyB, _ := e.twin(3, 2, 1_000_000)
	n0 := e.nodes[0]
	e.ok(0, n0.tx(&AddPin{Token: e.token(keyB, 2), CID: cidA, Size: 1, Replicas: 1}))
	e.ok(0, n0.tx(&ConfirmPin{CID: cidA}))
	e.ok(time.Second, n0.tx(&AddPin{Token: e.token(keyA, 1), CID: cidA, Size: 1, Replicas: 3}))
	if s := e.set(cidA); len(s.Holders) != 3 || s.Replicas != 3 || !slices.Equal(s.Wants, []PinWant{{1, 1}, {3, 1}}) {
		t.Fatalf("set with owners wanting 1 and 3: %+v", s)
	}
	// Twin 1 lowers its own ask by pinning again, then leaves: one holder, the confirmed one, stays.
	e.ok(time.Second, n0.tx(&AddPin{Token: e.token(keyA, 1), CID: cidA, Size: 1, Replicas: 2}))
	if s := e.set(cidA); len(s.Holders) != 2 || s.Replicas != 2 || s.Owners != 2 {
		t.Fatalf("set after twin 1 asks for 2: %+v", s)
	}
	e.ok(time.Second, n0.tx(&RemovePin{Token: e.token(keyA, 1), CID: cidA}))
	s := e.set(cidA)
	if len(s.Holders) != 1 || s.Holders[0].Node != n0.pub || s.Holders[0].State != PinHeld || s.Replicas != 1 {
		t.Fatalf("set after twin 1 leaves: %+v", s)
	}
}

// TestPinUnpaidAndTopUp: an owner whose balance runs dry while its pins are stored is marked
// unpaid with an audit event, its pins stay, new pins are refused with CodePinFunds, and a
// top-up clears the state at the next settlement and lets a new pin through.
func TestPinUnpaidAndTopUp(t *testing.T) {
	e := newPinEnv(t)
	e.register()
	key, owner := e.twin(1, 1, 250) // 1 GiB on two nodes costs 200 a day
	n0 := e.nodes[0]
	e.ok(0, n0.tx(&AddPin{Token: e.token(key, 1), CID: cidA, Size: testGiB}))
	e.ok(time.Second, e.confirms(cidA)...)
	if a := e.account(1); a.UnpaidSince != 0 {
		t.Fatalf("funded account marked unpaid: %+v", a)
	}
	var dry *abci.FinalizeBlockResponse
	for i := 0; i < 48 && dry == nil; i++ {
		if res := e.ok(time.Hour, e.beats()...); hasEvent(res, "pin_unpaid") {
			dry = res
		}
	}
	if dry == nil {
		t.Fatalf("no pin_unpaid event in 48 h; account %+v, balance %d", e.account(1), e.balance(owner.pub))
	}
	a := e.account(1)
	if a.UnpaidSince != e.now.UnixNano() || a.Unpaid == 0 || e.balance(owner.pub) != 0 {
		t.Fatalf("after running dry: account %+v balance %d", a, e.balance(owner.pub))
	}
	if len(holders(e.set(cidA))) != 2 {
		t.Fatal("an unpaid owner's pin lost its holders at once")
	}
	// One more settlement short: no second event, the first time is kept.
	if res := e.ok(time.Hour, e.beats()...); hasEvent(res, "pin_unpaid") || e.account(1).UnpaidSince != a.UnpaidSince {
		t.Fatalf("unpaid state restarted: %+v", e.account(1))
	}
	const cidB = "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"
	res := e.block(0, n0.tx(&AddPin{Token: e.token(key, 1), CID: cidB, Size: 10}))
	wantCodes(t, res.TxResults, []uint32{CodePinFunds})

	// The decoded account survives the store with the new field.
	got, err := DecodePinAccount(a.Encode())
	if err != nil || got != a {
		t.Fatalf("round trip %+v: %+v, %v", a, got, err)
	}
	a.UnpaidSince = 0
	if b := a.Encode(); len(b) != 64 {
		t.Fatalf("a paid-up account encodes in %d bytes, want the 64 of before", len(b))
	}

	e.ok(0, e.bank.tx(&Transfer{To: owner.pub, Amount: 100_000}))
	var paid bool
	for i := 0; i < 3 && !paid; i++ {
		paid = hasEvent(e.ok(time.Hour, e.beats()...), "pin_paid")
	}
	if !paid || e.account(1).UnpaidSince != 0 {
		t.Fatalf("top-up did not clear the unpaid state: %+v", e.account(1))
	}
	e.ok(0, n0.tx(&AddPin{Token: e.token(key, 1), CID: cidB, Size: 10}))
}

// TestPinUnpaidPastGraceRemoved: pins of an owner whose balance stays short for longer than
// UnpaidGraceSeconds are removed with a pin_unpaid_removed audit event, their holders released,
// and the account is left paid up with nothing stored.
func TestPinUnpaidPastGraceRemoved(t *testing.T) {
	e := newPinEnv(t)
	e.register()
	key, _ := e.twin(1, 1, 250)
	n0 := e.nodes[0]
	e.ok(0, n0.tx(&AddPin{Token: e.token(key, 1), CID: cidA, Size: testGiB}))
	e.ok(time.Second, e.confirms(cidA)...)
	var since int64
	var removed bool
	for i := 0; i < 24*10 && !removed; i++ {
		res := e.ok(time.Hour, e.beats()...)
		if since == 0 {
			since = e.account(1).UnpaidSince
		}
		if removed = hasEvent(res, "pin_unpaid_removed"); removed && since == 0 {
			t.Fatal("pin removed before its owner was marked unpaid")
		}
		if !removed && since != 0 && e.now.UnixNano()-since > int64(defaultUnpaidGrace+3600)*1_000_000_000 {
			t.Fatalf("pin still there %s after its owner ran dry", time.Duration(e.now.UnixNano()-since))
		}
	}
	if !removed {
		t.Fatalf("no pin_unpaid_removed in 10 days: %+v", e.account(1))
	}
	if got := e.now.UnixNano() - since; got < int64(defaultUnpaidGrace)*1_000_000_000 {
		t.Fatalf("removed %s after running dry, before the grace period", time.Duration(got))
	}
	if r := query(t, e.app, "pin/"+cidA); r.Code != CodeNotFound {
		t.Fatalf("removed pin's set still there: code %d", r.Code)
	}
	e.ok(time.Hour, e.beats()...)
	if a := e.account(1); a.Pins != 0 || a.StoredBytes != 0 || a.UnpaidSince != 0 {
		t.Fatalf("account after removal: %+v", a)
	}
}
