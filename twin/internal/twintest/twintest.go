// Package twintest runs a PNIC's message bus and socket in-process for the twin packages' tests,
// with the directory file as its resolver and loopback TCP standing in for the overlay's streams.
package twintest

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/freeflowuniverse/planetary/rmb/bus"
	"github.com/freeflowuniverse/planetary/rmb/resolve"
	"github.com/freeflowuniverse/planetary/rmb/seal"
	"github.com/freeflowuniverse/planetary/rmb/socket"
	"github.com/freeflowuniverse/planetary/twin/directory"
	"github.com/yggdrasil-network/yggdrasil-go/src/address"
)

// PNIC is an in-process bus and socket.
type PNIC struct {
	Socket    string
	Directory *directory.File
	Key       ed25519.PublicKey
	// Overlay serves the socket's twin addresses and streams.
	Overlay *Overlay
}

// NewPNIC starts a bus and socket that live until the test ends.
func NewPNIC(t testing.TB) *PNIC {
	t.Helper()
	dir := t.TempDir()
	pub, priv, _ := ed25519.GenerateKey(nil)
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	p := &PNIC{Directory: directory.NewFile(filepath.Join(dir, "twins.json")), Key: pub, Overlay: &Overlay{}}
	p.Overlay.SetSource(netip.AddrFrom16(*address.AddrForKey(pub)))
	if err := os.WriteFile(p.Directory.Path(), []byte("[]"), 0o600); err != nil {
		t.Fatal(err)
	}
	res, err := resolve.NewFile(p.Directory.Path())
	if err != nil {
		t.Fatal(err)
	}
	b, err := bus.New(bus.Config{Conn: pc, Locate: func(ed25519.PublicKey) (net.Addr, error) { return pc.LocalAddr(), nil },
		Key: priv, Resolver: res, DataDir: filepath.Join(dir, "rmb")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	// The socket path must stay short (108 bytes).
	p.Socket = filepath.Join(os.TempDir(), fmt.Sprintf("twintest-%d.sock", time.Now().UnixNano()%1e12))
	srv, err := socket.Listen(socket.Config{Path: p.Socket, Bus: b, Overlay: p.Overlay})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close(); os.Remove(p.Socket) })
	return p
}

// AddTwin makes keys for twin id and registers it in the directory as hosted here.
func (p *PNIC) AddTwin(t testing.TB, id uint64) seal.TwinKeys {
	t.Helper()
	k, err := seal.GenerateTwinKeys(id)
	if err != nil {
		t.Fatal(err)
	}
	err = p.Directory.Register(context.Background(), directory.Record{ID: id, SigningKey: k.SigningPublic(),
		EncryptionKey: k.EncryptionPublic(), PNIC: p.Key, Location: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return k
}
