package service

import (
	"context"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/freeflowuniverse/planetary/pnic"
	"github.com/freeflowuniverse/planetary/rmb/client"
	"github.com/freeflowuniverse/planetary/rmb/resolve"
	"github.com/freeflowuniverse/planetary/rmb/seal"
)

// TestTwoNodes: two PNIC nodes in-process (userspace netstack, a QUIC link on loopback), the bus
// on each, a twin on each: a message with its receipt, the twins' overlay addresses, and a TCP
// stream from one twin to the other through the sockets and the overlay.
func TestTwoNodes(t *testing.T) {
	resolver := filepath.Join(t.TempDir(), "twins.json")
	var nodes [2]*pnic.Node
	var socks, dirs [2]string
	for i := range nodes {
		dirs[i] = t.TempDir()
		cfg := pnic.Config{DataDir: dirs[i], Listen: []string{"quic://127.0.0.1:0"}, TUN: "userspace", HTTP: "off"}
		if i == 1 {
			cfg.Peers = []string{"quic://" + nodes[0].LinkAddrs()[0].String()}
		}
		n, err := pnic.New(cfg.WithDefaults(), nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { n.Close() })
		nodes[i] = n
		socks[i] = filepath.Join(os.TempDir(), fmt.Sprintf("svc-%d-%d.sock", i, time.Now().UnixNano()%1e9))
	}
	var keys [2]seal.TwinKeys
	var infos []resolve.TwinInfo
	for i := range keys {
		keys[i], _ = seal.GenerateTwinKeys(uint64(i + 1))
		infos = append(infos, resolve.TwinInfo{ID: keys[i].ID, SigningKey: keys[i].SigningPublic(),
			EncryptionKey: keys[i].EncryptionPublic(), PNIC: nodes[i].PublicKey()})
	}
	if err := resolve.WriteFile(resolver, infos); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var clients [2]*client.Client
	for i, n := range nodes {
		svc, err := Start(n, Config{Socket: socks[i], DataDir: dirs[i], ResolverFile: resolver}, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { svc.Close() })
		c, err := client.Dial(ctx, client.Config{Path: socks[i], Keys: keys[i]})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		clients[i] = c
	}

	if st := nodes[0].Status(); st.Bus == nil || st.Bus.Socket != socks[0] || len(st.Bus.Twins) != 1 || st.Bus.Twins[0] != 1 {
		t.Fatalf("bus status of node 0: %+v", st.Bus)
	}
	r, err := clients[0].SendWait(ctx, client.Outgoing{To: 2, Command: "hello", Body: []byte("hi")})
	if err != nil || !r.Delivered {
		t.Fatalf("send: %+v %v", r, err)
	}
	select {
	case m := <-clients[1].Messages():
		if m.From != 1 || string(m.Body) != "hi" {
			t.Fatalf("got %+v", m)
		}
		m.Ack()
	case <-ctx.Done():
		t.Fatal("message not delivered")
	}

	// Addresses: each twin's own lies in its PNIC's /64; twin 1 computes twin 2's the same way.
	a2, err := clients[1].Address(ctx, 0)
	if err != nil || a2 != nodes[1].TwinAddress(2) || !nodes[1].Subnet().Contains(a2) {
		t.Fatalf("twin 2 address %s (%v), want %s in %s", a2, err, nodes[1].TwinAddress(2), nodes[1].Subnet())
	}
	if a, err := clients[0].Address(ctx, 2); err != nil || a != a2 {
		t.Fatalf("twin 2 address seen by twin 1: %s %v, want %s", a, err, a2)
	}
	if _, err := clients[0].Address(ctx, 99); err == nil {
		t.Fatal("address of an unknown twin: no error")
	}

	// A stream from twin 1 to twin 2 over the overlay, without a TUN on either side.
	ln, err := clients[1].ListenStream(ctx, 7000)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		io.Copy(c, c)
	}()
	var conn io.ReadWriteCloser
	for conn == nil {
		c, err := clients[0].DialStream(ctx, netip.AddrPortFrom(a2, 7000))
		if err == nil {
			conn = c
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("dial twin 2 over the overlay: %v", err)
		case <-time.After(200 * time.Millisecond): // the first packets wait for a path lookup
		}
	}
	defer conn.Close()
	want := []byte("through the overlay and back")
	if _, err := conn.Write(want); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, len(want))
	if _, err := io.ReadFull(conn, got); err != nil || string(got) != string(want) {
		t.Fatalf("echo: %q %v", got, err)
	}
}
