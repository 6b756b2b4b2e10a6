// Package chaintest runs a real single-validator dev chain in-process for tests.
package chaintest

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/freeflowuniverse/planetary/chain/node"
	"github.com/freeflowuniverse/planetary/internal/testnet"
)

// Dev is a running dev chain: its RPC address (http://127.0.0.1:PORT), the funded dev key and
// the node, which Restart replaces.
type Dev struct {
	RPC    string
	DevKey ed25519.PrivateKey
	Home   string
	Node   *node.Node

	log *slog.Logger
}

// startTries bounds how often StartDev picks new ports when another listener took one first.
const startTries = 3

// StartDev initialises a dev chain in a temporary home and runs it until the test ends; log may be nil.
func StartDev(t testing.TB) *Dev { return StartDevLog(t, nil) }

// StartDevLog is StartDev with the node logging to log.
func StartDevLog(t testing.TB, log *slog.Logger) *Dev {
	t.Helper()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	d := &Dev{Home: t.TempDir(), log: log}
	var cfg node.Config
	for try := 1; ; try++ {
		p := testnet.FreePorts(t, 2)
		cfg.RPC, cfg.P2P = fmt.Sprintf("127.0.0.1:%d", p[0]), fmt.Sprintf("127.0.0.1:%d", p[1])
		if d.DevKey == nil {
			key, err := node.InitDev(d.Home, cfg)
			if err != nil {
				t.Fatal(err)
			}
			d.DevKey = key
		} else {
			c, err := node.LoadConfig(d.Home)
			if err != nil {
				t.Fatal(err)
			}
			c.RPC, c.P2P = cfg.RPC, cfg.P2P
			if err := node.SaveConfig(d.Home, c); err != nil {
				t.Fatal(err)
			}
		}
		n, err := node.Start(context.Background(), d.Home, log)
		if err != nil && strings.Contains(err.Error(), "address already in use") && try < startTries {
			t.Logf("dev chain: %v; again on other ports", err)
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		d.Node = n
		break
	}
	d.RPC = "http://" + cfg.RPC
	t.Cleanup(func() {
		if d.Node != nil {
			if err := d.Node.Stop(); err != nil {
				t.Errorf("stop dev chain: %v", err)
			}
		}
	})
	return d
}

// Restart stops the node and starts it again on the same home and ports.
func (d *Dev) Restart(t testing.TB) {
	t.Helper()
	n := d.Node
	d.Node = nil
	if err := n.Stop(); err != nil {
		t.Fatalf("stop dev chain: %v", err)
	}
	n, err := node.Start(context.Background(), d.Home, d.log)
	if err != nil {
		t.Fatalf("restart dev chain: %v", err)
	}
	d.Node = n
}
