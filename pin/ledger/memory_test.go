package ledger

import (
	"context"
	"crypto/ed25519"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/freeflowuniverse/planetary/chain/token"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type fixture struct {
	mem   *Memory
	clk   *clock
	nodes []Ledger
	keys  []NodeKey
	twins map[uint64]ed25519.PrivateKey
}

func newFixture(t *testing.T, n int) *fixture {
	f := &fixture{clk: &clock{t: time.Unix(1_800_000_000, 0)}, twins: map[uint64]ed25519.PrivateKey{}}
	for _, id := range []uint64{1, 2} {
		_, k, _ := ed25519.GenerateKey(nil)
		f.twins[id] = k
	}
	f.mem = NewMemory(MemoryConfig{Now: f.clk.now, Grace: 10 * time.Second, TwinKey: func(id uint64) (ed25519.PublicKey, error) {
		k, ok := f.twins[id]
		if !ok {
			return nil, ErrNotFound
		}
		return k.Public().(ed25519.PublicKey), nil
	}})
	for i := range n {
		var k NodeKey
		k[0] = byte(i + 1)
		f.keys = append(f.keys, k)
		f.nodes = append(f.nodes, f.mem.Join(Node{Key: k, Name: string(rune('a' + i))}))
	}
	return f
}

func (f *fixture) token(t *testing.T, twin uint64) string {
	tok, err := token.New(f.twins[twin], twin, DefaultAudience, f.clk.now(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

const c1 = "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"

func TestMemoryPinsAllocatesAndReallocates(t *testing.T) {
	f := newFixture(t, 3)
	ctx := context.Background()
	f.mem.Fund(1, 1_000_000)
	tok := f.token(t, 1)
	p, err := f.nodes[0].Pin(ctx, Request{Token: tok, CID: c1, Size: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if p.Replicas != 2 || len(p.Holders) != 2 || p.Owner != 1 || p.RequestID == "" {
		t.Fatalf("pin %+v: want 2 holders by default", p)
	}
	if rank(c1, f.keys)[0] != p.Holders[0].Node {
		t.Fatal("allocation is not the rendezvous order")
	}
	// Created is unique per owner even within one instant.
	p2, _ := f.nodes[0].Pin(ctx, Request{Token: tok, CID: "bafkreibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4yeq"})
	if !p2.Created.After(p.Created) {
		t.Fatalf("created %s not after %s", p2.Created, p.Created)
	}
	// Replicas are capped at the node count.
	if p3, _ := f.nodes[0].Pin(ctx, Request{Token: tok, CID: c1, Replicas: 9}); p3.Replicas != 3 {
		t.Fatalf("replicas %d, want 3 (the node count)", p3.Replicas)
	}
	f.nodes[0].Pin(ctx, Request{Token: tok, CID: c1, Replicas: 2})

	// Subscribe every node, then the first holder confirms: the other holder is told to fetch from it.
	subs := make([]<-chan Allocation, 3)
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for i, l := range f.nodes {
		subs[i], _ = l.Allocations(sctx)
	}
	idx := map[NodeKey]int{}
	for i, k := range f.keys {
		idx[k] = i
	}
	h0, h1 := p.Holders[0].Node, p.Holders[1].Node
	if err := f.nodes[idx[h0]].Confirm(ctx, c1); err != nil {
		t.Fatal(err)
	}
	a := <-subs[idx[h1]]
	if !a.Hold || a.CID != c1 || len(a.From) != 1 || a.From[0] != h0 {
		t.Fatalf("allocation %+v: want hold from %x", a, h0[:1])
	}
	f.nodes[idx[h1]].Confirm(ctx, c1)

	// h1 dies: past the grace period the third node gets its allocation, from h0.
	var third NodeKey
	for _, k := range f.keys {
		if k != h0 && k != h1 {
			third = k
		}
	}
	f.clk.add(11 * time.Second)
	f.nodes[idx[h0]].Heartbeat(ctx, nil)
	f.nodes[idx[third]].Heartbeat(ctx, nil)
	var got Allocation
	for got.CID != c1 {
		select {
		case got = <-subs[idx[third]]:
		case <-time.After(5 * time.Second):
			t.Fatal("the third node got no allocation after a holder died")
		}
	}
	if !got.Hold || len(got.From) != 1 || got.From[0] != h0 {
		t.Fatalf("re-allocation %+v: want hold from the surviving holder", got)
	}
	gp, _ := f.nodes[0].Get(ctx, 1, c1)
	for _, h := range gp.Holders {
		if h.Node == h1 {
			t.Fatalf("dead holder still allocated: %+v", gp.Holders)
		}
	}
}

func TestMemoryOwnersBillingAndTokens(t *testing.T) {
	f := newFixture(t, 1)
	ctx := context.Background()
	l := f.nodes[0]
	if _, err := l.Pin(ctx, Request{Token: f.token(t, 2), CID: c1}); !errors.Is(err, ErrInsufficientFunds) {
		t.Fatalf("unfunded pin: %v", err)
	}
	f.mem.Fund(1, 1_000_000)
	f.mem.Fund(2, 1_000_000)
	if _, err := l.Pin(ctx, Request{Token: f.token(t, 1), CID: c1, Size: 2 << 40}); !errors.Is(err, ErrInsufficientFunds) {
		t.Fatalf("a month of 2 TiB within a balance of 1,000,000: %v", err)
	}
	for _, id := range []uint64{1, 2} {
		if _, err := l.Pin(ctx, Request{Token: f.token(t, id), CID: c1, Size: 10 << 20}); err != nil {
			t.Fatal(err)
		}
	}
	sub, _ := l.Allocations(ctx)
	if err := l.Unpin(ctx, f.token(t, 1), c1); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Get(ctx, 2, c1); err != nil {
		t.Fatal("owner 2's pin went with owner 1's unpin")
	}
	if err := l.Unpin(ctx, f.token(t, 2), c1); err != nil {
		t.Fatal(err)
	}
	if a := <-sub; a.Hold || a.CID != c1 {
		t.Fatalf("after the last unpin: %+v, want a drop", a)
	}
	// Storage is charged over time, serving per byte.
	f.mem.Fund(1, 0)
	l.Pin(ctx, Request{Token: f.token(t, 1), CID: c1, Size: 100 << 20})
	before, _ := l.Account(ctx, 1)
	f.clk.add(30 * 24 * time.Hour)
	l.Heartbeat(ctx, map[uint64]uint64{1: 1 << 30})
	after, _ := l.Account(ctx, 1)
	if after.Balance >= before.Balance || after.ServedBytes != 1<<30 || after.StoredBytes == 0 {
		t.Fatalf("account before %+v after %+v", before, after)
	}
	// Tokens: expired, other audience, unknown twin.
	expired, _ := token.New(f.twins[1], 1, DefaultAudience, f.clk.now().Add(-2*time.Hour), time.Hour)
	other, _ := token.New(f.twins[1], 1, "x", f.clk.now(), time.Hour)
	unknown, _ := token.New(f.twins[1], 3, DefaultAudience, f.clk.now(), time.Hour)
	for _, tk := range []string{"", "pt1.x", expired, other, unknown} {
		if _, err := l.Owner(ctx, tk); !errors.Is(err, ErrUnauthorized) {
			t.Errorf("token %q: %v", tk, err)
		}
	}
}

func TestOpenMemoryKeepsStateAcrossRestarts(t *testing.T) {
	f := newFixture(t, 0)
	path := t.TempDir() + "/ledger.json"
	cfg := f.mem.cfg
	cfg.Path = path
	open := func() (*Memory, Ledger) {
		m, err := OpenMemory(cfg)
		if err != nil {
			t.Fatal(err)
		}
		return m, m.Join(Node{Key: NodeKey{9}, Name: "solo"})
	}
	m, l := open()
	m.Fund(1, 1_000_000)
	ctx := context.Background()
	p, err := l.Pin(ctx, Request{Token: f.token(t, 1), CID: c1, Name: "kept", Size: 5000})
	if err != nil {
		t.Fatal(err)
	}
	l.Confirm(ctx, c1)
	m2, l2 := open()
	got, err := l2.Get(ctx, 1, c1)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "kept" || !got.Created.Equal(p.Created) || got.Size != 5000 || len(got.Holders) != 1 || got.Holders[0].State != Held {
		t.Fatalf("after reopening: %+v", got)
	}
	if m2.Balance(1) != m.Balance(1) {
		t.Fatalf("balance %d, was %d", m2.Balance(1), m.Balance(1))
	}
	if _, err := OpenMemory(MemoryConfig{Path: t.TempDir()}); err == nil {
		t.Fatal("a directory opened as a ledger file")
	}
}
