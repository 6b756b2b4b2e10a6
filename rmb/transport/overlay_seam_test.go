package transport_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"testing"
	"time"

	iwt "github.com/Arceliar/ironwood/types"

	"github.com/freeflowuniverse/planetary/pnic"
	"github.com/freeflowuniverse/planetary/rmb/transport"
)

func pnicNode(t *testing.T, peers ...string) *pnic.Node {
	t.Helper()
	n, err := pnic.New(pnic.Config{DataDir: t.TempDir(), Listen: []string{"quic://127.0.0.1:0"}, Peers: peers, TUN: "userspace", HTTP: "off"}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	return n
}

func locate(k ed25519.PublicKey) (net.Addr, error) { return iwt.Addr(k), nil }

// TestRMBTransportOverOverlay: RMB's QUIC transport runs on the PNIC's RMB conn (datagrams
// tagged 0x01 through the single overlay reader), between nodes two hops apart, with many
// requests in flight, while IPv6 traffic shares the same core.
func TestRMBTransportOverOverlay(t *testing.T) {
	b := pnicNode(t)
	uri := "quic://" + b.LinkAddrs()[0].String()
	a, c := pnicNode(t, uri), pnicNode(t, uri)
	echo := func(_ context.Context, from ed25519.PublicKey, req []byte) []byte {
		return append([]byte(fmt.Sprintf("%x:", from[:4])), req...)
	}
	ta, err := transport.New(transport.Config{Conn: a.RMBConn(), Key: a.PrivateKey(), Locate: locate, Handler: echo})
	if err != nil {
		t.Fatal(err)
	}
	defer ta.Close()
	tc, err := transport.New(transport.Config{Conn: c.RMBConn(), Key: c.PrivateKey(), Locate: locate, Handler: echo})
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	// The first datagrams to c wait for the path lookup through b; retry the first call.
	for {
		cctx, ccancel := context.WithTimeout(ctx, 3*time.Second)
		_, err := ta.Call(cctx, c.PublicKey(), []byte("hello"))
		ccancel()
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("first call a→c: %v", err)
		}
	}
	const n = 500
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Go(func() {
			req := bytes.Repeat([]byte{byte(i)}, 1+i*37%20000)
			resp, err := ta.Call(ctx, c.PublicKey(), req)
			if err != nil {
				errs <- err
				return
			}
			want := append([]byte(fmt.Sprintf("%x:", a.PublicKey()[:4])), req...)
			if !bytes.Equal(resp, want) {
				errs <- fmt.Errorf("call %d: wrong answer (%d bytes)", i, len(resp))
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	// And the other way round on the same connection.
	if resp, err := tc.Call(ctx, a.PublicKey(), []byte("back")); err != nil || !bytes.HasSuffix(resp, []byte("back")) {
		t.Fatalf("c→a: %q %v", resp, err)
	}
	// The overlay's IPv6 side still works beside RMB.
	if _, err := a.Ping(ctx, c.Address()); err != nil {
		t.Fatalf("ICMPv6 a→c beside RMB: %v", err)
	}
}
