package pin

import (
	"bytes"
	"cmp"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/freeflowuniverse/planetary/chain/token"
	"github.com/freeflowuniverse/planetary/pin/ledger"
)

// testNet is a set of pind nodes in one process sharing one in-memory ledger.
type testNet struct {
	t     *testing.T
	mem   *ledger.Memory
	nodes []*testNode
	mu    sync.Mutex
	keys  map[uint64]ed25519.PrivateKey
	// swarm gives every node started from now on a libp2p host on loopback (bitswap).
	swarm bool
	// fetchTimeout bounds each node's fetch of one pin (20 s when zero).
	fetchTimeout time.Duration
}

type testNode struct {
	name string
	node *Node
	srv  *httptest.Server
	dir  string
	key  ed25519.PrivateKey
	l    ledger.Ledger
}

func newTestNet(t *testing.T, count int, cfg ledger.MemoryConfig) *testNet {
	t.Helper()
	tn := &testNet{t: t, keys: map[uint64]ed25519.PrivateKey{}}
	cfg.TwinKey = func(twin uint64) (ed25519.PublicKey, error) {
		tn.mu.Lock()
		defer tn.mu.Unlock()
		k, ok := tn.keys[twin]
		if !ok {
			return nil, fmt.Errorf("twin %d: %w", twin, ledger.ErrNotFound)
		}
		return k.Public().(ed25519.PublicKey), nil
	}
	tn.mem = ledger.NewMemory(cfg)
	for i := range count {
		tn.start(string(rune('a'+i)), t.TempDir(), nil)
	}
	return tn
}

func testLog(t *testing.T) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo})).With("test", t.Name())
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// start runs a node named name on dir (a restart when dir was used before) and key (new if nil).
func (tn *testNet) start(name, dir string, key ed25519.PrivateKey) *testNode {
	t := tn.t
	t.Helper()
	if key == nil {
		_, key, _ = ed25519.GenerateKey(nil)
	}
	tnode := &testNode{name: name, dir: dir, key: key}
	var h http.Handler = http.NotFoundHandler()
	var hmu sync.RWMutex
	tnode.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hmu.RLock()
		defer hmu.RUnlock()
		h.ServeHTTP(w, r)
	}))
	var self ledger.NodeKey
	copy(self[:], key.Public().(ed25519.PublicKey))
	tnode.l = tn.mem.Join(ledger.Node{Key: self, Name: name, API: tnode.srv.URL})
	var swarm []string
	if tn.swarm {
		swarm = []string{"/ip4/127.0.0.1/tcp/0"}
	}
	n, err := New(Config{Dir: dir, Ledger: tnode.l, LedgerKind: "memory", Name: name, Self: self, Key: key, Swarm: swarm,
		FetchTimeout: cmp.Or(tn.fetchTimeout, 20*time.Second), Heartbeat: 200 * time.Millisecond, Log: testLog(t).With("node", name)})
	if err != nil {
		t.Fatal(err)
	}
	tnode.node = n
	hmu.Lock()
	h = n.Handler()
	hmu.Unlock()
	if err := n.Run(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tnode.stop() })
	tn.nodes = append(tn.nodes, tnode)
	return tnode
}

func (n *testNode) stop() {
	if n.srv != nil {
		n.srv.Close()
		n.node.Close()
		n.srv = nil
	}
}

// twin registers a twin with balance and returns a token for it.
func (tn *testNet) twin(id, balance uint64) string {
	tn.t.Helper()
	_, k, _ := ed25519.GenerateKey(nil)
	tn.mu.Lock()
	tn.keys[id] = k
	tn.mu.Unlock()
	if balance > 0 {
		tn.mem.Fund(id, balance)
	}
	tok, err := token.New(k, id, ledger.DefaultAudience, time.Now(), time.Hour)
	if err != nil {
		tn.t.Fatal(err)
	}
	return tok
}

func randBytes(seed uint64, n int) []byte {
	var s [32]byte
	s[0] = byte(seed)
	s[1] = byte(seed >> 8)
	b := make([]byte, n)
	rand.NewChaCha8(s).Read(b)
	return b
}

type resp struct {
	code int
	body []byte
}

func (r resp) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

func do(t *testing.T, method, url, tok string, body io.Reader, ctype string) resp {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp{res.StatusCode, b}
}

// addFile posts one file to /api/v0/add and returns Kubo's answer lines.
func addFile(t *testing.T, base, tok, query string, name string, data []byte) (resp, []AddResult) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(data)
	mw.Close()
	r := do(t, "POST", base+"/api/v0/add?"+query, tok, &buf, mw.FormDataContentType())
	var out []AddResult
	if r.code == 200 {
		dec := json.NewDecoder(bytes.NewReader(r.body))
		for dec.More() {
			var a AddResult
			if err := dec.Decode(&a); err != nil {
				t.Fatalf("add answer %s: %v", r.body, err)
			}
			out = append(out, a)
		}
	}
	return r, out
}

// waitStatus polls a pin until it reaches want (or failed), bounded in time.
func waitStatus(t *testing.T, base, tok, id, want string) PinStatus {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	var ps PinStatus
	for time.Now().Before(deadline) {
		r := do(t, "GET", base+"/pins/"+id, tok, nil, "")
		if r.code != 200 {
			t.Fatalf("GET /pins/%s: %d %s", id, r.code, r.body)
		}
		r.json(t, &ps)
		if ps.Status == want || ps.Status == Failed {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if ps.Status != want {
		t.Fatalf("pin %s: status %s (info %v), want %s", id, ps.Status, ps.Info, want)
	}
	return ps
}

func errReason(t *testing.T, r resp) string {
	t.Helper()
	var e struct {
		Error struct{ Reason, Details string } `json:"error"`
	}
	if err := json.Unmarshal(r.body, &e); err != nil || e.Error.Reason == "" {
		t.Fatalf("error body %q is not the spec's error JSON", r.body)
	}
	return e.Error.Reason
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}
