// Package chaintest runs a real single-validator dev chain in-process for tests.
package chaintest

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"log/slog"
	"net"
	"testing"

	"github.com/freeflowuniverse/planetary/chain/node"
)

// Dev is a running dev chain: its RPC address (http://127.0.0.1:PORT) and the funded dev key.
type Dev struct {
	RPC    string
	DevKey ed25519.PrivateKey
}

func port(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// StartDev initialises a dev chain in a temporary home and runs it until the test ends.
func StartDev(t testing.TB) Dev {
	t.Helper()
	home := t.TempDir()
	cfg := node.Config{RPC: fmt.Sprintf("127.0.0.1:%d", port(t)), P2P: fmt.Sprintf("127.0.0.1:%d", port(t))}
	key, err := node.InitDev(home, cfg)
	if err != nil {
		t.Fatal(err)
	}
	n, err := node.Start(context.Background(), home, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Stop() })
	return Dev{RPC: "http://" + cfg.RPC, DevKey: key}
}
