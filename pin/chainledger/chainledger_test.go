package chainledger

import (
	"context"
	"crypto/ed25519"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/freeflowuniverse/planetary/chain"
	"github.com/freeflowuniverse/planetary/chain/chaintest"
	"github.com/freeflowuniverse/planetary/chain/client"
	"github.com/freeflowuniverse/planetary/chain/token"
	"github.com/freeflowuniverse/planetary/pin/ledger"
)

func seedKey(seed byte) ed25519.PrivateKey {
	s := make([]byte, 32)
	s[0] = seed
	return ed25519.NewKeyFromSeed(s)
}

func pub(k ed25519.PrivateKey) (p [32]byte) {
	copy(p[:], k.Public().(ed25519.PublicKey))
	return p
}

// registerTwin registers a twin with key owned by s and returns its id.
func registerTwin(ctx context.Context, t *testing.T, c *client.Client, s *client.Signer, key ed25519.PrivateKey) uint64 {
	t.Helper()
	res, err := c.Submit(ctx, s, &chain.RegisterTwin{Key: pub(key)})
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range res.Events {
		for _, a := range ev.Attributes {
			if ev.Type == "twin" && a.Key == "id" {
				id, err := strconv.ParseUint(a.Value, 10, 64)
				if err == nil {
					return id
				}
			}
		}
	}
	t.Fatal("no twin event")
	return 0
}

// next reads one allocation, bounded in time.
func next(t *testing.T, ch <-chan ledger.Allocation) ledger.Allocation {
	t.Helper()
	select {
	case a, ok := <-ch:
		if !ok {
			t.Fatal("allocations ended")
		}
		return a
	case <-time.After(60 * time.Second):
		t.Fatal("no allocation within 60 s")
	}
	return ledger.Allocation{}
}

// TestLedgerOnDevChain runs two nodes' ledgers on a real dev chain: registration, token checks,
// a pin allocated to both (the receiving node first, the other told to fetch from it),
// confirmations, listing and its filters, the refusal of a pin the balance cannot pay and its
// success after a top-up, the account, an unpin releasing both holders, and allocations that
// keep coming across a cut link to the chain.
func TestLedgerOnDevChain(t *testing.T) {
	level := slog.LevelWarn
	if testing.Verbose() {
		level = slog.LevelInfo
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	dev := chaintest.StartDevLog(t, log)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	// The nodes' ledgers reach the chain through a proxy the test cuts; the test's own client does not.
	px := newProxy(t, strings.TrimPrefix(dev.RPC, "http://"))
	c, err := client.Dial(ctx, "http://"+px.addr, client.Options{Log: log, Poll: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	direct, err := client.Dial(ctx, dev.RPC, client.Options{Log: log})
	if err != nil {
		t.Fatal(err)
	}
	defer direct.Close()
	bank := client.NewSigner(dev.DevKey)

	l1, l2 := New(c, seedKey(1)), New(c, seedKey(2))
	if err := l1.Heartbeat(ctx, nil); !errors.Is(err, ErrNotRegistered) {
		t.Fatalf("heartbeat before registering: %v, want ErrNotRegistered", err)
	}
	const price = 1_000_000 // per GiB-month: 1 MiB on two nodes costs about 65 a day
	for i, l := range []*Ledger{l1, l2} {
		n := ledger.Node{PNIC: [32]byte{byte(i + 1)}, Name: "n" + strconv.Itoa(i+1), API: "http://127.0.0.1:980" + strconv.Itoa(i),
			Capacity: 1 << 30, PriceStorage: price, PriceServed: price}
		if err := l.Register(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	// Keep both nodes alive however slow the machine is.
	beatCtx, stopBeats := context.WithCancel(ctx)
	beats := make(chan struct{})
	go func() {
		defer close(beats)
		for beatCtx.Err() == nil {
			for _, l := range []*Ledger{l1, l2} {
				if err := l.Heartbeat(beatCtx, nil); err != nil && beatCtx.Err() == nil {
					t.Logf("heartbeat: %v", err) // fails while the proxy is down
				}
			}
			select {
			case <-beatCtx.Done():
			case <-time.After(5 * time.Second):
			}
		}
	}()
	defer func() { stopBeats(); <-beats }()

	if d, err := l1.HeartbeatInterval(ctx); err != nil || d != 10*time.Second {
		t.Errorf("heartbeat interval %s, %v; want a third of the dev chain's 30 s grace", d, err)
	}
	nodes, err := l1.Nodes(ctx)
	if err != nil || len(nodes) != 2 || !nodes[0].Live || !nodes[1].Live {
		t.Fatalf("nodes %+v, %v", nodes, err)
	}

	twinKey := seedKey(10)
	twin := registerTwin(ctx, t, c, bank, twinKey)
	aud := l1.Audience()
	tok, err := token.New(twinKey, twin, aud, time.Now(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := l1.Owner(ctx, tok); err != nil || got != twin {
		t.Fatalf("owner %d, %v; want twin %d", got, err, twin)
	}
	forged, _ := token.New(seedKey(11), twin, aud, time.Now(), time.Hour)
	expired, _ := token.New(twinKey, twin, aud, time.Now().Add(-2*time.Hour), time.Hour)
	foreign, _ := token.New(twinKey, twin, "pin:elsewhere", time.Now(), time.Hour)
	for name, bad := range map[string]string{"forged": forged, "expired": expired, "foreign": foreign, "garbage": "pt1.x"} {
		if _, err := l1.Owner(ctx, bad); !errors.Is(err, ledger.ErrUnauthorized) {
			t.Errorf("%s token: %v, want ErrUnauthorized", name, err)
		}
	}
	if _, err := l1.Pin(ctx, ledger.Request{Token: forged, CID: "bafyforged", Size: 1}); !errors.Is(err, ledger.ErrUnauthorized) {
		t.Errorf("pin with a forged token: %v, want ErrUnauthorized", err)
	}

	allocs1, err := l1.Allocations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	allocs2, err := l2.Allocations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p, err := l1.Pin(ctx, ledger.Request{Token: tok, CID: "bafyone", Name: "one", Size: 1 << 20, Meta: map[string]string{"k": "v"}})
	if err != nil {
		t.Fatal(err)
	}
	if p.Owner != twin || p.Replicas != 2 || len(p.Holders) != 2 || p.Holders[0].Node != l1.Key() || p.RequestID == "" || p.Meta["k"] != "v" {
		t.Fatalf("pin %+v", p)
	}
	if a := next(t, allocs1); a.CID != "bafyone" || !a.Hold {
		t.Fatalf("node 1 allocation %+v", a)
	}
	if a := next(t, allocs2); a.CID != "bafyone" || !a.Hold || len(a.From) != 1 || a.From[0] != l1.Key() || a.Size != 1<<20 {
		t.Fatalf("node 2 allocation %+v, want to fetch from node 1", a)
	}
	for _, l := range []*Ledger{l1, l2} {
		if err := l.Confirm(ctx, "bafyone"); err != nil {
			t.Fatal(err)
		}
	}
	if p, err = l1.Get(ctx, twin, "bafyone"); err != nil || p.Holders[0].State != ledger.Held || p.Holders[1].State != ledger.Held {
		t.Fatalf("after confirms %+v, %v", p, err)
	}
	if byReq, err := l2.GetByRequest(ctx, twin, p.RequestID); err != nil || byReq.CID != "bafyone" {
		t.Errorf("by request id: %+v, %v", byReq, err)
	}
	if _, err := l2.GetByRequest(ctx, twin, "0123"); !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("unknown request id: %v", err)
	}
	if err := l2.Confirm(ctx, "bafynone"); !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("confirm of an unknown CID: %v", err)
	}

	for _, cid := range []string{"bafytwo", "bafythree"} {
		if _, err := l2.Pin(ctx, ledger.Request{Token: tok, CID: cid, Name: cid, Size: 1000, Replicas: 1}); err != nil {
			t.Fatal(err)
		}
	}
	list, total, err := l1.List(ctx, twin, ledger.Query{Limit: 2})
	if err != nil || total != 3 || len(list) != 2 || list[0].CID != "bafythree" || list[1].CID != "bafytwo" {
		t.Fatalf("list: %d of %d, %v: %+v", len(list), total, err, list)
	}
	list, total, err = l1.List(ctx, twin, ledger.Query{Before: list[1].Created})
	if err != nil || total != 1 || len(list) != 1 || list[0].CID != "bafyone" {
		t.Fatalf("list before: %d of %d, %v", len(list), total, err)
	}
	list, total, err = l1.List(ctx, twin, ledger.Query{Name: "bafytwo"})
	if err != nil || total != 1 || list[0].CID != "bafytwo" {
		t.Fatalf("list by name: %d of %d, %v", len(list), total, err)
	}
	list, total, err = l1.List(ctx, twin, ledger.Query{CIDs: []string{"bafyone", "bafynone", "bafythree"}})
	if err != nil || total != 2 || list[0].CID != "bafythree" || list[1].CID != "bafyone" {
		t.Fatalf("list by cids: %d of %d, %v", len(list), total, err)
	}

	// A twin whose owner account cannot pay a day of its pin is refused until topped up.
	poorOwner, poorKey := seedKey(20), seedKey(21)
	poor := client.NewSigner(poorOwner)
	if _, err := c.Submit(ctx, bank, &chain.Transfer{To: poor.Account(), Amount: 10}); err != nil {
		t.Fatal(err)
	}
	poorTwin := registerTwin(ctx, t, c, poor, poorKey)
	poorTok, _ := token.New(poorKey, poorTwin, aud, time.Now(), time.Hour)
	req := ledger.Request{Token: poorTok, CID: "bafypoor", Size: 1 << 20}
	if _, err := l1.Pin(ctx, req); !errors.Is(err, ledger.ErrInsufficientFunds) {
		t.Fatalf("pin beyond the balance: %v, want ErrInsufficientFunds", err)
	}
	if _, err := c.Submit(ctx, bank, &chain.Transfer{To: poor.Account(), Amount: 1000}); err != nil {
		t.Fatal(err)
	}
	if _, err := l1.Pin(ctx, req); err != nil {
		t.Fatalf("pin after the top-up: %v", err)
	}
	for _, l := range []*Ledger{l1, l2} {
		if err := l.Confirm(ctx, "bafypoor"); err != nil {
			t.Fatal(err)
		}
	}
	acct, err := l1.Account(ctx, poorTwin)
	if err != nil || acct.StoredBytes != 2<<20 || acct.PriceStorage != price || acct.Balance > 1010 {
		t.Fatalf("account %+v, %v", acct, err)
	}
	if err := l1.Heartbeat(ctx, map[uint64]uint64{poorTwin: 1 << 30}); err != nil { // a GiB served: 1e6 units, more than it has
		t.Fatal(err)
	}
	if acct, err = l1.Account(ctx, poorTwin); err != nil || acct.ServedBytes != 1<<30 || acct.Balance != 0 ||
		acct.Unpaid == 0 || acct.UnpaidSince.IsZero() || !acct.RemovalAt.After(acct.UnpaidSince) {
		t.Fatalf("account after a GiB served %+v, %v", acct, err)
	}

	// Drain what the pins so far allocated, then restart the chain node under the streams.
	// bafytwo and bafythree (one replica each) went to node 2, which received them; bafypoor to both.
	if a := next(t, allocs1); a.CID != "bafypoor" {
		t.Fatalf("node 1: %+v, want bafypoor", a)
	}
	for _, want := range []string{"bafytwo", "bafythree", "bafypoor"} {
		if a := next(t, allocs2); a.CID != want {
			t.Fatalf("node 2: %+v, want %s", a, want)
		}
	}
	// Cut the nodes' link to the chain; a pin made meanwhile through a third node on another
	// client, on all three nodes, reaches both streams once the link is back.
	l3 := New(direct, seedKey(3))
	if err := l3.Register(ctx, ledger.Node{Name: "n3", API: "http://127.0.0.1:9803", Capacity: 1 << 30}); err != nil {
		t.Fatal(err)
	}
	px.down()
	if _, err := l3.Pin(ctx, ledger.Request{Token: tok, CID: "bafyafter", Size: 10, Replicas: 3}); err != nil {
		t.Fatalf("pin while the link is down: %v", err)
	}
	px.up()
	if a := next(t, allocs1); a.CID != "bafyafter" {
		t.Fatalf("node 1 after the outage: %+v", a)
	}
	if a := next(t, allocs2); a.CID != "bafyafter" {
		t.Fatalf("node 2 after the outage: %+v", a)
	}
	if err := l1.Unpin(ctx, tok, "bafyone"); err != nil {
		t.Fatal(err)
	}
	for _, ch := range []<-chan ledger.Allocation{allocs1, allocs2} {
		if a := next(t, ch); a.CID != "bafyone" || a.Hold {
			t.Fatalf("after unpin %+v, want bafyone released", a)
		}
	}
	if _, err := l1.Get(ctx, twin, "bafyone"); !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("get after unpin: %v", err)
	}
	if err := l1.Unpin(ctx, tok, "bafyone"); !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("second unpin: %v", err)
	}
	// A fresh stream starts from the current set.
	again, err := l2.Allocations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for range 4 {
		seen[next(t, again).CID] = true
	}
	if !seen["bafypoor"] || !seen["bafyafter"] || !seen["bafytwo"] || !seen["bafythree"] {
		t.Errorf("current set of node 2: %v", seen)
	}
}

// proxy forwards TCP to a target until down cuts every connection and refuses new ones; up lets
// them through again.
type proxy struct {
	addr   string
	target string
	mu     sync.Mutex
	isDown bool
	conns  map[net.Conn]struct{}
}

func newProxy(t *testing.T, target string) *proxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{addr: ln.Addr().String(), target: target, conns: map[net.Conn]struct{}{}}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); p.down(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			p.mu.Lock()
			down := p.isDown
			p.mu.Unlock()
			if down {
				in.Close()
				continue
			}
			out, err := net.Dial("tcp", target)
			if err != nil {
				in.Close()
				continue
			}
			p.mu.Lock()
			p.conns[in], p.conns[out] = struct{}{}, struct{}{}
			p.mu.Unlock()
			wg.Add(2)
			go func() { defer wg.Done(); io.Copy(out, in); out.Close(); in.Close() }()
			go func() { defer wg.Done(); io.Copy(in, out); in.Close(); out.Close() }()
		}
	}()
	return p
}

func (p *proxy) down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.isDown = true
	for c := range p.conns {
		c.Close()
		delete(p.conns, c)
	}
}

func (p *proxy) up() {
	p.mu.Lock()
	p.isDown = false
	p.mu.Unlock()
}
