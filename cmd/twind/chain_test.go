package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/freeflowuniverse/planetary/chain/chaintest"
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
	rpc := chaintest.StartDev(t).RPC
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	nodes := startPNICs(t, 3, "--chain", rpc) // the third is where twin 2 moves
	var twins []*twinProc
	for i, nd := range nodes[:2] {
		tp := &twinProc{id: uint64(i + 1), data: t.TempDir(), http: fmt.Sprintf("127.0.0.1:%d", freePort(t, "tcp"))}
		tp.args = []string{"--data", tp.data, "--pnic", nd.socket, "--http", tp.http, "--chain", rpc, "--location", "Ghent, BE",
			"--pnic-key", hex.EncodeToString(nd.key)}
		tp.start(t)
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

	// Twins 1 and 2 become contacts and chat.
	befriend(t, ctx, twins[0], twins[1], "")
	id := sendChat(t, ctx, twins[0], 2, "before the move")
	twins[0].await(t, ctx, "delivery receipt", chatEvent(id, schema.ChatState_delivered))

	// twind relocate (twin 2 stopped) moves it to PNIC 3 with one chain update; twin 1 writes while
	// twin 2 is moving and away, and sees the new PNIC.
	if err := twins[1].proc.Stop(10 * time.Second); err != nil {
		t.Fatalf("stop twind 2: %v", err)
	}
	during := sendChat(t, ctx, twins[0], 2, "while twin 2 moves")
	var out bytes.Buffer
	if err := run([]string{"relocate", "--data", twins[1].data, "--chain", rpc, "--pnic", nodes[2].socket,
		"--pnic-key", hex.EncodeToString(nodes[2].key)}, &out, &bytes.Buffer{}); err != nil {
		t.Fatalf("relocate: %v", err)
	}
	if !strings.Contains(out.String(), "twin 2 now lives on PNIC "+hex.EncodeToString(nodes[2].key)) {
		t.Fatalf("relocate said %q", out.String())
	}
	after := sendChat(t, ctx, twins[0], 2, "after the move")
	for {
		r := twins[0].call(t, ctx, func(rq schema.WsRequest) error { rq.SetFindTwin(2); return nil })
		rec, err := r.Twin()
		if err != nil {
			t.Fatal(err)
		}
		if pk, _ := rec.Pnic(); ed25519.PublicKey(pk).Equal(nodes[2].key) {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatal("twin 1 never saw twin 2 on its new PNIC")
		case <-time.After(100 * time.Millisecond):
		}
	}
	// Twin 2 comes back on PNIC 3 and gets both messages (the one PNIC 2 took is sent on to PNIC 3).
	moved := &twinProc{id: 2, data: twins[1].data, http: twins[1].http, starts: twins[1].starts,
		args: []string{"--data", twins[1].data, "--pnic", nodes[2].socket, "--http", twins[1].http, "--chain", rpc}}
	moved.start(t)
	moved.ws = moved.connect(t, ctx)
	// Either may arrive first (the one PNIC 2 took is forwarded when PNIC 2 sees the move).
	pending := map[string]bool{string(during): true, string(after): true}
	for len(pending) > 0 {
		twins[0].await(t, ctx, "delivery of the messages sent around the move", func(e schema.WsEvent) bool {
			for id := range pending {
				if chatEvent([]byte(id), schema.ChatState_delivered)(e) {
					delete(pending, id)
					return true
				}
			}
			return false
		})
	}
	if !strings.Contains(nodes[1].proc.Output(), "its waiting messages follow it") {
		t.Fatalf("PNIC 2 did not forward what it held for twin 2:\n%s", nodes[1].proc.Output())
	}
	r = moved.call(t, ctx, func(rq schema.WsRequest) error {
		h, err := rq.NewHistory()
		if err != nil {
			return err
		}
		h.SetTwin(1)
		h.SetLimit(10)
		return nil
	})
	h, err := r.History()
	if err != nil {
		t.Fatal(err)
	}
	texts := map[string]int{}
	for i := 0; i < h.Len(); i++ {
		text, _ := h.At(i).Text()
		texts[text]++
	}
	for _, want := range []string{"before the move", "while twin 2 moves", "after the move"} {
		if texts[want] != 1 {
			t.Fatalf("twin 2's history after the move: %v, want %q once", texts, want)
		}
	}
	if err := run([]string{"relocate", "--data", twins[1].data}, &bytes.Buffer{}, &bytes.Buffer{}); err == nil {
		t.Fatal("relocate without a PNIC accepted")
	}
}
