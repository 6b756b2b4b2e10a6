package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/freeflowuniverse/planetary/chain/node"
	"github.com/freeflowuniverse/planetary/internal/testnet"
	"github.com/freeflowuniverse/planetary/pnic"
	"github.com/freeflowuniverse/planetary/rmb/schema"
	"github.com/freeflowuniverse/planetary/rmb/seal"
)

// TestChainRegistration: with --chain and no keys, each twind makes its keys and registers itself on
// a real dev chain, which assigns ids 1 and 2; the PNICs (also --chain) resolve them there; twin 1
// finds twin 2 with the chain's record and pings it.
func TestChainRegistration(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a chain, two pnicd and two twind")
	}
	home := t.TempDir()
	ccfg := node.Config{RPC: fmt.Sprintf("127.0.0.1:%d", freePort(t, "tcp")), P2P: fmt.Sprintf("127.0.0.1:%d", freePort(t, "tcp"))}
	if _, err := node.InitDev(home, ccfg); err != nil {
		t.Fatal(err)
	}
	cn, err := node.Start(context.Background(), home, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer cn.Stop()
	rpc := "http://" + ccfg.RPC
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	var nodes []*pnicNode
	prev := 0
	for i := range 2 {
		data := t.TempDir()
		priv, _, err := pnic.LoadOrCreateKey(filepath.Join(data, "pnic.key"))
		if err != nil {
			t.Fatal(err)
		}
		port := freePort(t, "udp")
		sock := filepath.Join(os.TempDir(), fmt.Sprintf("twind-ch-%d-%d.sock", i, time.Now().UnixNano()%1e9))
		t.Cleanup(func() { os.Remove(sock) })
		args := []string{"--data", data, "--socket", sock, "--chain", rpc, "--tun", "userspace", "--http", "off",
			"--listen", fmt.Sprintf("quic://127.0.0.1:%d", port), "--link-timeout", "600ms", "--redial-max", "1s"}
		if prev != 0 {
			args = append(args, "--peer", fmt.Sprintf("quic://127.0.0.1:%d", prev))
		}
		prev = port
		nd := &pnicNode{data: data, socket: sock, key: priv.Public().(ed25519.PublicKey), args: args}
		nd.start(t)
		nodes = append(nodes, nd)
	}
	twind := testnet.Build(t, module+"/cmd/twind")
	var twins []*twinProc
	for i, nd := range nodes {
		tp := &twinProc{id: uint64(i + 1), data: t.TempDir(), http: fmt.Sprintf("127.0.0.1:%d", freePort(t, "tcp"))}
		tp.proc = testnet.StartLocal(t, filepath.Join(tp.data, "twind.log"), twind, "--data", tp.data, "--pnic", nd.socket,
			"--http", tp.http, "--chain", rpc, "--location", "Ghent, BE", "--pnic-key", hex.EncodeToString(nd.key))
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("twind %d log:\n%s", tp.id, tp.proc.Output())
			}
		})
		waitFor(t, 60*time.Second, fmt.Sprintf("twind %d web server", tp.id), tp.proc, func() bool {
			resp, err := http.Get("http://" + tp.http + "/session")
			if err == nil {
				resp.Body.Close()
			}
			return err == nil
		})
		k, err := seal.ReadKeyFile(filepath.Join(tp.data, "twin.key"))
		if err != nil || k.ID != tp.id {
			t.Fatalf("twind %d: key file says id %d (%v), want the chain's %d", i+1, k.ID, err, tp.id)
		}
		if !strings.Contains(tp.proc.Output(), "registered the twin on the chain") {
			t.Fatalf("twind %d did not say it registered:\n%s", tp.id, tp.proc.Output())
		}
		tp.ws = tp.connect(t, ctx)
		twins = append(twins, tp)
	}
	r := twins[0].call(t, ctx, func(rq schema.WsRequest) error { rq.SetFindTwin(2); return nil })
	rec, err := r.Twin()
	if err != nil {
		t.Fatal(err)
	}
	if pk, _ := rec.Pnic(); !ed25519.PublicKey(pk).Equal(nodes[1].key) {
		t.Fatalf("twin 2's PNIC on the chain is %x, want %x", pk, nodes[1].key)
	}
	if loc, _ := rec.Location(); loc != "Ghent, BE" {
		t.Fatalf("twin 2's location %q", loc)
	}
	var last error
	for try := 0; try < 20; try++ {
		pctx, pcancel := context.WithTimeout(ctx, 5*time.Second)
		_, last = twins[0].ws.Call(pctx, func(rq schema.WsRequest) error { rq.SetPing(2); return nil })
		pcancel()
		if last == nil {
			break
		}
	}
	if last != nil {
		t.Fatalf("ping twin 2: %v", last)
	}

	// twind relocate (twin 2 stopped) moves it with one chain update; twin 1 sees the new PNIC.
	if err := twins[1].proc.Stop(10 * time.Second); err != nil {
		t.Fatalf("stop twind 2: %v", err)
	}
	newPNIC, _, _ := ed25519.GenerateKey(nil)
	var out bytes.Buffer
	if err := run([]string{"relocate", "--data", twins[1].data, "--chain", rpc, "--pnic-key", hex.EncodeToString(newPNIC)}, &out, &bytes.Buffer{}); err != nil {
		t.Fatalf("relocate: %v", err)
	}
	if !strings.Contains(out.String(), "twin 2 now lives on PNIC "+hex.EncodeToString(newPNIC)) {
		t.Fatalf("relocate said %q", out.String())
	}
	for {
		r := twins[0].call(t, ctx, func(rq schema.WsRequest) error { rq.SetFindTwin(2); return nil })
		rec, err := r.Twin()
		if err != nil {
			t.Fatal(err)
		}
		if pk, _ := rec.Pnic(); ed25519.PublicKey(pk).Equal(newPNIC) {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatal("twin 1 never saw twin 2 on its new PNIC")
		case <-time.After(100 * time.Millisecond):
		}
	}
	if err := run([]string{"relocate", "--data", twins[1].data}, &bytes.Buffer{}, &bytes.Buffer{}); err == nil {
		t.Fatal("relocate without a PNIC accepted")
	}
}
