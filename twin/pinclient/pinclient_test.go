package pinclient

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/freeflowuniverse/planetary/pin"
	"github.com/freeflowuniverse/planetary/pin/ledger"
)

// clock is a ledger clock the test moves forward.
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

// TestClientAgainstNode pins, lists, bills and unpins through a real pinning node on a memory
// ledger: a pin the balance cannot pay is refused with INSUFFICIENT_FUNDS, funding lets it through,
// storage over time lowers the balance.
func TestClientAgainstNode(t *testing.T) {
	const twin = 7
	_, key, _ := ed25519.GenerateKey(nil)
	clk := &clock{t: time.Now()}
	mem := ledger.NewMemory(ledger.MemoryConfig{
		TwinKey: func(id uint64) (ed25519.PublicKey, error) {
			if id != twin {
				return nil, fmt.Errorf("twin %d: %w", id, ledger.ErrNotFound)
			}
			return key.Public().(ed25519.PublicKey), nil
		},
		Now: clk.now, DefaultReplicas: 1, PriceStorage: 1 << 30, // one unit per byte-month
	})
	_, nodeKey, _ := ed25519.GenerateKey(nil)
	var self ledger.NodeKey
	copy(self[:], nodeKey.Public().(ed25519.PublicKey))
	var h pinHandler
	srv := httptest.NewServer(&h)
	defer srv.Close()
	n, err := pin.New(pin.Config{Dir: t.TempDir(), Ledger: mem.Join(ledger.Node{Key: self, Name: "a", API: srv.URL}),
		LedgerKind: "memory", Name: "a", Self: self, Key: nodeKey, Heartbeat: 50 * time.Millisecond,
		FetchTimeout: 20 * time.Second, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	h.set(n)
	if err := n.Run(); err != nil {
		t.Fatal(err)
	}
	defer n.Close()

	c, err := New(srv.URL+"/", "", twin, key)
	if err != nil {
		t.Fatal(err)
	}
	c.now = clk.now // tokens follow the ledger's clock
	ctx := context.Background()
	data := make([]byte, 300_000)
	for i := range data {
		data[i] = byte(i * 7)
	}
	if _, err := c.Add(ctx, "big.bin", data, 1); !InsufficientFunds(err) {
		t.Fatalf("pin with no balance: %v, want INSUFFICIENT_FUNDS", err)
	}
	if pins, err := c.List(ctx); err != nil || len(pins) != 0 {
		t.Fatalf("after a refusal: pins %v, %v; want none", pins, err)
	}
	if err := mem.Fund(twin, 10_000_000); err != nil {
		t.Fatal(err)
	}
	added, err := c.Add(ctx, "big.bin", data, 1)
	if err != nil {
		t.Fatal(err)
	}
	if added.CID == "" || added.Size < uint64(len(data)) {
		t.Fatalf("added %+v", added)
	}
	var p Pin
	for i := 0; i < 400 && p.Status != "pinned"; i++ {
		pins, err := c.List(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(pins) != 1 {
			t.Fatalf("pins %+v, want one", pins)
		}
		p = pins[0]
		if p.Status == "failed" {
			t.Fatalf("pin failed: %+v", p)
		}
		time.Sleep(25 * time.Millisecond) // polling the status the owner would see, bounded
	}
	if p.Status != "pinned" || p.CID != added.CID || p.Name != "big.bin" || p.Replicas != 1 || !slices.Equal(p.Allocations, []string{"a"}) {
		t.Fatalf("pin %+v", p)
	}
	a0, err := c.Account(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if a0.Twin != twin || a0.StoredBytes == 0 || a0.PricePerGiBMonth != 1<<30 {
		t.Fatalf("account %+v", a0)
	}
	clk.add(24 * time.Hour)
	a1 := a0
	for i := 0; i < 400 && a1.Balance >= a0.Balance; i++ {
		if a1, err = c.Account(ctx); err != nil {
			t.Fatal(err)
		}
		time.Sleep(25 * time.Millisecond)
	}
	if a1.Balance >= a0.Balance {
		t.Fatalf("balance %d a day later, was %d", a1.Balance, a0.Balance)
	}
	if err := c.Remove(ctx, added.CID); err != nil {
		t.Fatal(err)
	}
	if pins, err := c.List(ctx); err != nil || len(pins) != 0 {
		t.Fatalf("after unpin: %+v, %v", pins, err)
	}
	var e *Error
	if err := c.Remove(ctx, added.CID); !errors.As(err, &e) || e.Status != 404 {
		t.Fatalf("second unpin: %v, want 404", err)
	}
	if _, err := c.Add(ctx, "huge", make([]byte, MaxUpload+1), 0); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("huge upload: %v", err)
	}
}

func TestNewRefusesBadInput(t *testing.T) {
	_, key, _ := ed25519.GenerateKey(nil)
	for _, u := range []string{"", "ftp://x", "http://", "::"} {
		if _, err := New(u, "", 1, key); err == nil {
			t.Errorf("New(%q) accepted", u)
		}
	}
	if _, err := New("http://127.0.0.1:9800", "", 1, nil); err == nil {
		t.Error("New without a key accepted")
	}
	c, err := New("http://127.0.0.1:9800", string(make([]byte, 300)), 1, key)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Token(); err == nil {
		t.Error("signed a token for a 300-byte audience")
	}
}
