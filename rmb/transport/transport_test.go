package transport

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"
)

type node struct {
	key ed25519.PrivateKey
	pc  net.PacketConn
	t   *Transport
}

func newNodes(t *testing.T, n int, handler Handler) []*node {
	t.Helper()
	nodes := make([]*node, n)
	addrs := map[string]net.Addr{}
	var mu sync.Mutex
	locate := func(k ed25519.PublicKey) (net.Addr, error) {
		mu.Lock()
		defer mu.Unlock()
		if a, ok := addrs[string(k)]; ok {
			return a, nil
		}
		return nil, errors.New("no such peer")
	}
	for i := range nodes {
		_, key, _ := ed25519.GenerateKey(nil)
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		addrs[string(key.Public().(ed25519.PublicKey))] = pc.LocalAddr()
		mu.Unlock()
		tr, err := New(Config{Conn: pc, Key: key, Locate: locate, Handler: handler})
		if err != nil {
			t.Fatal(err)
		}
		nodes[i] = &node{key: key, pc: pc, t: tr}
		t.Cleanup(func() { tr.Close(); pc.Close() })
	}
	return nodes
}

func echo(_ context.Context, from ed25519.PublicKey, req []byte) []byte {
	return append(append([]byte{}, from[:4]...), req...)
}

func TestManyConcurrentCalls(t *testing.T) {
	nodes := newNodes(t, 2, echo)
	a, b := nodes[0], nodes[1]
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for w := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				req := fmt.Appendf(nil, "req %d/%d", w, i)
				ans, err := a.t.Call(ctx, b.key.Public().(ed25519.PublicKey), req)
				if err != nil {
					t.Error(err)
					return
				}
				if !bytes.Equal(ans[:4], a.key.Public().(ed25519.PublicKey)[:4]) || !bytes.Equal(ans[4:], req) {
					t.Errorf("answer %q does not match request %q from the caller's key", ans, req)
					return
				}
			}
		}()
	}
	wg.Wait()
	a.t.mu.Lock()
	n := len(a.t.peers)
	a.t.mu.Unlock()
	if n != 1 {
		t.Fatalf("%d peer connections, want 1 reused", n)
	}
}

func TestDialedKeyChecked(t *testing.T) {
	nodes := newNodes(t, 2, echo)
	a, b := nodes[0], nodes[1]
	_, other, _ := ed25519.GenerateKey(nil)
	// Locate the impostor key at b's address: b's certificate does not carry it.
	a.t.cfg.Locate = func(ed25519.PublicKey) (net.Addr, error) { return b.pc.LocalAddr(), nil }
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := a.t.Call(ctx, other.Public().(ed25519.PublicKey), []byte("x")); err == nil {
		t.Fatal("call to a PNIC presenting another key succeeded")
	}
}

func TestCloseLeavesPacketConnOpen(t *testing.T) {
	nodes := newNodes(t, 2, echo)
	a, b := nodes[0], nodes[1]
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := a.t.Call(ctx, b.key.Public().(ed25519.PublicKey), []byte("x")); err != nil {
		t.Fatal(err)
	}
	if err := a.t.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := a.pc.WriteTo([]byte("still open"), b.pc.LocalAddr()); err != nil {
		t.Fatalf("PacketConn closed by the transport: %v", err)
	}
	if _, err := a.t.Call(ctx, b.key.Public().(ed25519.PublicKey), []byte("x")); !errors.Is(err, ErrClosed) && err == nil {
		t.Fatal("call after close succeeded")
	}
}

func TestPeerRestartReconnects(t *testing.T) {
	nodes := newNodes(t, 2, echo)
	a, b := nodes[0], nodes[1]
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	bk := b.key.Public().(ed25519.PublicKey)
	if _, err := a.t.Call(ctx, bk, []byte("1")); err != nil {
		t.Fatal(err)
	}
	b.t.Close()
	tr, err := New(Config{Conn: b.pc, Key: b.key, Locate: a.t.cfg.Locate, Handler: echo})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	// b's restarted transport answers the old connection with a stateless reset, so a reconnects.
	deadline := time.Now().Add(15 * time.Second)
	for {
		cctx, ccancel := context.WithTimeout(ctx, 2*time.Second)
		_, err := a.t.Call(cctx, bk, []byte("2"))
		ccancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no reconnect: %v", err)
		}
	}
}
