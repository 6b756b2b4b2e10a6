package pin

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ipfs/boxo/blockstore"
	"github.com/ipfs/go-cid"
	ds "github.com/ipfs/go-datastore"
	dssync "github.com/ipfs/go-datastore/sync"

	"github.com/freeflowuniverse/planetary/chain/token"
	"github.com/freeflowuniverse/planetary/pin/importer"
	"github.com/freeflowuniverse/planetary/pin/ledger"
)

// expectedCID imports data with the (Kubo-checked) importer into a throwaway store.
func expectedCID(t *testing.T, data []byte, version int) string {
	t.Helper()
	bs := blockstore.NewBlockstore(dssync.MutexWrap(ds.NewMapDatastore()))
	o, _ := importer.Kubo(version, nil)
	nd, err := importer.File(context.Background(), dagOf(bs), bytes.NewReader(data), o)
	if err != nil {
		t.Fatal(err)
	}
	return nd.Cid().String()
}

func TestAddServesKuboCIDsThroughTheGateway(t *testing.T) {
	tn := newTestNet(t, 1, ledger.MemoryConfig{})
	tok := tn.twin(7, 1_000_000)
	base := tn.nodes[0].srv.URL
	data := randBytes(1, 3<<20)
	for _, v := range []int{0, 1} {
		r, lines := addFile(t, base, tok, "cid-version="+string(rune('0'+v)), "big.bin", data)
		if r.code != 200 || len(lines) != 1 {
			t.Fatalf("add: %d %s", r.code, r.body)
		}
		if want := expectedCID(t, data, v); lines[0].Hash != want || lines[0].Name != "big.bin" {
			t.Fatalf("add v%d: %+v, want hash %s", v, lines[0], want)
		}
		if lines[0].Size == "" || lines[0].Size == "3145728" {
			t.Fatalf("Size %q: want the DAG's size as a string, above the file's", lines[0].Size)
		}
		g := do(t, "GET", base+"/ipfs/"+lines[0].Hash, "", nil, "")
		if g.code != 200 || !bytes.Equal(g.body, data) {
			t.Fatalf("gateway: %d, %d bytes, identical %v", g.code, len(g.body), bytes.Equal(g.body, data))
		}
		raw := do(t, "GET", base+"/ipfs/"+lines[0].Hash+"?format=raw", "", nil, "")
		c, _ := cid.Decode(lines[0].Hash)
		if sum, err := c.Prefix().Sum(raw.body); raw.code != 200 || err != nil || !sum.Equals(c) {
			t.Fatalf("format=raw: %d, block does not hash to %s", raw.code, c)
		}
		car := do(t, "GET", base+"/ipfs/"+lines[0].Hash+"?format=car", "", nil, "")
		bs := blockstore.NewBlockstore(dssync.MutexWrap(ds.NewMapDatastore()))
		roots, blocks, err := importer.CAR(context.Background(), bs, bytes.NewReader(car.body))
		if car.code != 200 || err != nil || len(roots) != 1 || !roots[0].Equals(c) || blocks < 13 {
			t.Fatalf("format=car: %d, roots %v, %d blocks, %v", car.code, roots, blocks, err)
		}
	}
	r := do(t, "GET", base+"/pins?status=pinned", tok, nil, "")
	var res PinResults
	r.json(t, &res)
	if r.code != 200 || res.Count != 2 {
		t.Fatalf("list: %d %s", r.code, r.body)
	}
	var acct Account
	do(t, "GET", base+"/v1/account", tok, nil, "").json(t, &acct)
	if acct.Twin != 7 || acct.StoredBytes < 2*(3<<20) || acct.PricePerGiBMonth == 0 || acct.State != "paid" || acct.UnpaidSince != nil {
		t.Fatalf("account %+v", acct)
	}
}

func TestDirectoryAddAndPaths(t *testing.T) {
	tn := newTestNet(t, 1, ledger.MemoryConfig{})
	tok := tn.twin(7, 1_000_000)
	base := tn.nodes[0].srv.URL
	var buf bytes.Buffer
	mw := newMultipartDir(&buf, map[string][]byte{"a.txt": []byte("hello"), "sub/b.txt": []byte("world")})
	r := do(t, "POST", base+"/api/v0/add?cid-version=1", tok, &buf, mw)
	if r.code != 200 {
		t.Fatalf("add dir: %d %s", r.code, r.body)
	}
	lines := strings.Split(strings.TrimSpace(string(r.body)), "\n")
	var root AddResult
	decodeLine(t, lines[len(lines)-1], &root)
	if root.Name != "d" {
		t.Fatalf("last line %+v, want the directory", root)
	}
	if g := do(t, "GET", base+"/ipfs/"+root.Hash+"/sub/b.txt", "", nil, ""); g.code != 200 || string(g.body) != "world" {
		t.Fatalf("path: %d %q", g.code, g.body)
	}
	if g := do(t, "GET", base+"/ipfs/"+root.Hash+"/nope", "", nil, ""); g.code != 404 {
		t.Fatalf("missing path: %d %q", g.code, g.body)
	}
	if g := do(t, "GET", base+"/ipfs/"+root.Hash+"/", "", nil, ""); g.code != 200 || !strings.Contains(string(g.body), "a.txt") {
		t.Fatalf("listing: %d %q", g.code, g.body)
	}
}

func TestPinningServiceAPI(t *testing.T) {
	tn := newTestNet(t, 2, ledger.MemoryConfig{})
	tok := tn.twin(7, 1_000_000)
	a, b := tn.nodes[0].srv.URL, tn.nodes[1].srv.URL
	data := randBytes(2, 600_000)
	// The blocks exist on a (added without a pin); a pin request on b finds them there.
	_, lines := addFile(t, a, tok, "pin=false", "f", data)
	c := lines[0].Hash

	r := do(t, "POST", b+"/pins", tok, strings.NewReader(`{"cid":"`+c+`","name":"Photo-One","meta":{"album":"x"}}`), "application/json")
	if r.code != 202 {
		t.Fatalf("add pin: %d %s", r.code, r.body)
	}
	var ps PinStatus
	r.json(t, &ps)
	if ps.Pin.CID != c || ps.RequestID == "" || ps.Delegates == nil {
		t.Fatalf("pin status %+v", ps)
	}
	ps = waitStatus(t, b, tok, ps.RequestID, Pinned)
	if ps.Info["allocations"] == "" || ps.Info["replicas"] != "2" {
		t.Fatalf("info %v: want allocations and replicas 2", ps.Info)
	}
	if g := do(t, "GET", b+"/ipfs/"+c+"?local=1", "", nil, ""); g.code != 200 || !bytes.Equal(g.body, data) {
		t.Fatalf("b does not hold the pin itself: %d", g.code)
	}

	// A second pin, then the filters.
	_, l2 := addFile(t, a, tok, "", "g", []byte("second"))
	c2 := l2[0].Hash
	list := func(q string) PinResults {
		t.Helper()
		r := do(t, "GET", b+"/pins?"+q, tok, nil, "")
		if r.code != 200 {
			t.Fatalf("list %s: %d %s", q, r.code, r.body)
		}
		var res PinResults
		r.json(t, &res)
		return res
	}
	for q, want := range map[string]int{
		"":                            1 + 1,
		"cid=" + c:                    1,
		"cid=" + c + "," + c2:         2,
		"name=Photo-One":              1,
		"name=photo-one":              0,
		"name=photo-one&match=iexact": 1,
		"name=oto&match=partial":      1,
		"name=OTO&match=partial":      0,
		"name=OTO&match=ipartial":     1,
		"status=queued,pinning":       0,
		"status=failed":               0,
		"meta=" + url.QueryEscape(`{"album":"x"}`): 1,
		"meta=" + url.QueryEscape(`{"album":"y"}`): 0,
		"limit=1": 2,
	} {
		if got := list(q); got.Count != want {
			t.Errorf("list %q: count %d, want %d", q, got.Count, want)
		}
	}
	all := list("")
	if len(all.Results) != 2 || !(all.Results[0].Created > all.Results[1].Created) {
		t.Fatalf("list: want newest first with distinct created: %+v", all.Results)
	}
	if got := list("before=" + url.QueryEscape(all.Results[0].Created)); got.Count != 1 || got.Results[0].Pin.CID != all.Results[1].Pin.CID {
		t.Fatalf("before: %+v", got)
	}
	if got := list("after=" + url.QueryEscape(all.Results[1].Created)); got.Count != 1 || got.Results[0].Pin.CID != all.Results[0].Pin.CID {
		t.Fatalf("after: %+v", got)
	}
	if got := list("limit=1"); len(got.Results) != 1 {
		t.Fatalf("limit=1 returned %d", len(got.Results))
	}

	// Replace the first pin by the second CID, then delete.
	r = do(t, "POST", b+"/pins/"+ps.RequestID, tok, strings.NewReader(`{"cid":"`+c2+`","name":"renamed"}`), "application/json")
	if r.code != 202 {
		t.Fatalf("replace: %d %s", r.code, r.body)
	}
	if got := list("name=renamed"); got.Count != 1 {
		t.Fatalf("after replace: %+v", got)
	}
	if got := list("cid=" + c); got.Count != 0 {
		t.Fatalf("the replaced CID is still pinned: %+v", got)
	}
	if r := do(t, "GET", b+"/pins/"+ps.RequestID, tok, nil, ""); r.code != 404 || errReason(t, r) != "NOT_FOUND" {
		t.Fatalf("get replaced: %d %s", r.code, r.body)
	}
	if r := do(t, "DELETE", b+"/pins/"+c2, tok, nil, ""); r.code != 202 {
		t.Fatalf("delete: %d %s", r.code, r.body)
	}
	if got := list(""); got.Count != 0 {
		t.Fatalf("after delete: %+v", got)
	}
	if r := do(t, "DELETE", b+"/pins/"+c2, tok, nil, ""); r.code != 404 {
		t.Fatalf("second delete: %d %s", r.code, r.body)
	}
}

func TestBadRequests(t *testing.T) {
	tn := newTestNet(t, 1, ledger.MemoryConfig{})
	tok := tn.twin(7, 1_000_000)
	base := tn.nodes[0].srv.URL
	good := `{"cid":"bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"}`
	for name, body := range map[string]string{
		"malformed cid":  `{"cid":"not-a-cid"}`,
		"no cid":         `{"name":"x"}`,
		"malformed json": `{"cid":`,
		"trailing":       good + `{}`,
		"unknown field":  `{"cid":"bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku","x":1}`,
		"huge name":      `{"cid":"bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku","name":"` + strings.Repeat("n", 256) + `"}`,
		"huge meta":      `{"cid":"bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku","meta":{"k":"` + strings.Repeat("v", MaxMetaBytes) + `"}}`,
		"bad replicas":   `{"cid":"bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku","meta":{"replicas":"two"}}`,
		"bad origin":     `{"cid":"bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku","origins":["nope"]}`,
		"huge body":      strings.Repeat(" ", MaxBody+1) + good,
	} {
		r := do(t, "POST", base+"/pins", tok, strings.NewReader(body), "application/json")
		if r.code != 400 || errReason(t, r) != "BAD_REQUEST" {
			t.Errorf("%s: %d %s", name, r.code, r.body)
		}
	}
	for _, q := range []string{"limit=0", "limit=1001", "status=done", "match=fuzzy&name=a", "before=yesterday", "cid=xyz", "meta=notjson"} {
		if r := do(t, "GET", base+"/pins?"+q, tok, nil, ""); r.code != 400 {
			t.Errorf("list %s: %d %s", q, r.code, r.body)
		}
	}
	// Multipart that is not.
	if r := do(t, "POST", base+"/api/v0/add", tok, strings.NewReader("hello"), "text/plain"); r.code != 400 {
		t.Errorf("add text/plain: %d", r.code)
	}
	if r := do(t, "POST", base+"/api/v0/add", tok, strings.NewReader("--x\r\nbroken"), "multipart/form-data; boundary=x"); r.code != 400 {
		t.Errorf("add broken multipart: %d %s", r.code, r.body)
	}
	if r := do(t, "GET", base+"/ipfs/not-a-cid", "", nil, ""); r.code != 400 {
		t.Errorf("gateway bad cid: %d", r.code)
	}
	// Tokens: none, forged, expired, other audience, unknown twin.
	_, other, _ := edKey()
	forged, _ := token.New(other, 7, ledger.DefaultAudience, time.Now(), time.Hour)
	tn.twin(8, 10)
	expired, _ := token.New(tn.keys[8], 8, ledger.DefaultAudience, time.Now().Add(-2*time.Hour), time.Hour)
	foreign, _ := token.New(tn.keys[8], 8, "another-service", time.Now(), time.Hour)
	unknown, _ := token.New(other, 99, ledger.DefaultAudience, time.Now(), time.Hour)
	for name, tk := range map[string]string{"none": "", "garbage": "xyz", "forged": forged, "expired": expired, "audience": foreign, "unknown twin": unknown} {
		for _, path := range []string{"/pins", "/v1/account"} {
			r := do(t, "GET", base+path, tk, nil, "")
			if r.code != 401 || errReason(t, r) != "UNAUTHORIZED" {
				t.Errorf("%s token on %s: %d %s", name, path, r.code, r.body)
			}
		}
	}
	if r := do(t, "GET", base+"/pins/nope", tok, nil, ""); r.code != 404 {
		t.Errorf("unknown request id: %d", r.code)
	}
}

func TestInsufficientFunds(t *testing.T) {
	tn := newTestNet(t, 1, ledger.MemoryConfig{PriceStorage: 1 << 30, PriceServed: 1 << 30}) // one unit per byte-month, per byte served
	poor := tn.twin(9, 0)
	base := tn.nodes[0].srv.URL
	body := `{"cid":"bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"}`
	r := do(t, "POST", base+"/pins", poor, strings.NewReader(body), "application/json")
	if r.code != 409 || errReason(t, r) != "INSUFFICIENT_FUNDS" {
		t.Fatalf("pin without balance: %d %s", r.code, r.body)
	}
	data := randBytes(3, 100_000)
	if r, _ := addFile(t, base, poor, "", "f", data); r.code != 409 || errReason(t, r) != "INSUFFICIENT_FUNDS" {
		t.Fatalf("add without balance: %d %s", r.code, r.body)
	}
	tn.mem.Fund(9, 50_000) // not enough for ~100 kB
	if r, _ := addFile(t, base, poor, "", "f", data); r.code != 409 {
		t.Fatalf("add with too little balance: %d %s", r.code, r.body)
	}
	tn.mem.Fund(9, 1_000_000) // top-up
	r, lines := addFile(t, base, poor, "", "f", data)
	if r.code != 200 {
		t.Fatalf("add after top-up: %d %s", r.code, r.body)
	}
	var acct Account
	do(t, "GET", base+"/v1/account", poor, nil, "").json(t, &acct)
	if acct.StoredBytes == 0 || acct.Balance > 1_050_000 {
		t.Fatalf("account after the pin: %+v", acct)
	}
	before := acct.Balance
	// Serving bytes is charged with the next heartbeat.
	for range 3 {
		do(t, "GET", base+"/ipfs/"+lines[0].Hash, "", nil, "")
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		do(t, "GET", base+"/v1/account", poor, nil, "").json(t, &acct)
		if acct.ServedBytes >= 3*uint64(len(data)) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if acct.ServedBytes < 3*uint64(len(data)) || acct.Balance >= before {
		t.Fatalf("account after serving: %+v (balance before %d)", acct, before)
	}
}

func TestReplicationToAllocatedNodes(t *testing.T) {
	tn := newTestNet(t, 3, ledger.MemoryConfig{})
	tok := tn.twin(7, 1_000_000)
	data := randBytes(4, 1<<20+5)
	_, lines := addFile(t, tn.nodes[0].srv.URL, tok, "cid-version=1", "f", data)
	c := lines[0].Hash
	// Wait for two live holders that confirmed.
	var p ledger.Pin
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		var err error
		if p, err = tn.nodes[0].l.Get(context.Background(), 7, c); err != nil {
			t.Fatal(err)
		}
		held := 0
		for _, h := range p.Holders {
			if h.State == ledger.Held {
				held++
			}
		}
		if held == 2 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	holders := map[ledger.NodeKey]bool{}
	for _, h := range p.Holders {
		if h.State == ledger.Held {
			holders[h.Node] = true
		}
	}
	if len(holders) != 2 {
		t.Fatalf("holders %+v, want 2 held", p.Holders)
	}
	// Every node serves identical bytes, the one that holds nothing by fetching from a holder.
	for _, n := range tn.nodes {
		g := do(t, "GET", n.srv.URL+"/ipfs/"+c, "", nil, "")
		if g.code != 200 || sha256.Sum256(g.body) != sha256.Sum256(data) {
			t.Fatalf("node %s: %d, %d bytes", n.name, g.code, len(g.body))
		}
	}
}

func TestRestartResumesAcceptedPins(t *testing.T) {
	tn := newTestNet(t, 2, ledger.MemoryConfig{})
	tok := tn.twin(7, 1_000_000)
	a, b := tn.nodes[0], tn.nodes[1]
	data := randBytes(5, 700_000)
	_, lines := addFile(t, a.srv.URL, tok, "pin=false", "f", data)
	c := lines[0].Hash
	// b takes the pin and stops before it can fetch anything (a is down).
	a.stop()
	r := do(t, "POST", b.srv.URL+"/pins", tok, strings.NewReader(`{"cid":"`+c+`"}`), "application/json")
	if r.code != 202 {
		t.Fatalf("pin: %d %s", r.code, r.body)
	}
	b.stop()
	// Both come back on their directories: b resumes the accepted pin and fetches it from a.
	tn.start("a", a.dir, a.key)
	b2 := tn.start("b", b.dir, b.key)
	ps := waitStatus(t, b2.srv.URL, tok, c, Pinned)
	if g := do(t, "GET", b2.srv.URL+"/ipfs/"+c+"?local=1", "", nil, ""); g.code != 200 || !bytes.Equal(g.body, data) {
		t.Fatalf("after restart b serves %d, %d bytes (%+v)", g.code, len(g.body), ps)
	}
}

// heldLive counts the holders of c that confirmed and are live.
func heldLive(t *testing.T, l ledger.Ledger, owner uint64, c string) (int, map[ledger.NodeKey]bool) {
	t.Helper()
	p, err := l.Get(context.Background(), owner, c)
	if err != nil {
		t.Fatal(err)
	}
	nodes, _ := l.Nodes(context.Background())
	live := map[ledger.NodeKey]bool{}
	for _, n := range nodes {
		live[n.Key] = n.Live
	}
	held := map[ledger.NodeKey]bool{}
	for _, h := range p.Holders {
		if h.State == ledger.Held && live[h.Node] {
			held[h.Node] = true
		}
	}
	return len(held), held
}

func TestHolderDeathReReplicates(t *testing.T) {
	tn := newTestNet(t, 3, ledger.MemoryConfig{Grace: time.Second})
	tok := tn.twin(7, 1_000_000)
	data := randBytes(6, 900_000)
	_, lines := addFile(t, tn.nodes[0].srv.URL, tok, "", "f", data)
	c := lines[0].Hash
	l := tn.nodes[0].l
	wait := func(want int, avoid ledger.NodeKey) map[ledger.NodeKey]bool {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for time.Now().Before(deadline) {
			if n, held := heldLive(t, l, 7, c); n == want && !held[avoid] {
				return held
			}
			time.Sleep(50 * time.Millisecond)
		}
		n, held := heldLive(t, l, 7, c)
		t.Fatalf("%d live holders %v, want %d", n, held, want)
		return nil
	}
	held := wait(2, ledger.NodeKey{})
	// Stop a holder that is not the node the requests go to.
	var victim *testNode
	for _, n := range tn.nodes[1:] {
		var k ledger.NodeKey
		copy(k[:], n.key.Public().(ed25519.PublicKey))
		if held[k] {
			victim = n
		}
	}
	if victim == nil {
		victim = tn.nodes[1]
	}
	var vk ledger.NodeKey
	copy(vk[:], victim.key.Public().(ed25519.PublicKey))
	victim.stop()
	wait(2, vk)
	for _, n := range tn.nodes {
		if n == victim {
			continue
		}
		if g := do(t, "GET", n.srv.URL+"/ipfs/"+c+"?local=1", "", nil, ""); g.code != 200 || !bytes.Equal(g.body, data) {
			t.Fatalf("node %s after the holder died: %d", n.name, g.code)
		}
	}
}
