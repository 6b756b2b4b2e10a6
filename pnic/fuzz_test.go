package pnic

import (
	"crypto/ed25519"
	"crypto/rand"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	iwt "github.com/Arceliar/ironwood/types"
	"github.com/yggdrasil-network/yggdrasil-go/src/core"

	"github.com/freeflowuniverse/planetary/internal/nodecert"
	"github.com/freeflowuniverse/planetary/tun"
)

// nullDevice accepts every write; the fuzz target checks the router, not a device.
type nullDevice struct{ writes int }

func (d *nullDevice) Read([][]byte, []int, int) (int, error) { select {} }
func (d *nullDevice) Write(b [][]byte, _ int) (int, error)   { d.writes += len(b); return len(b), nil }
func (d *nullDevice) BatchSize() int                         { return 1 }
func (d *nullDevice) MTU() int                               { return 1400 }
func (d *nullDevice) Name() string                           { return "null" }
func (d *nullDevice) Mode() string                           { return "userspace" }
func (d *nullDevice) AddAddress(netip.Addr) error            { return nil }
func (d *nullDevice) RemoveAddress(netip.Addr) error         { return nil }
func (d *nullDevice) Close() error                           { return nil }

var _ tun.Device = (*nullDevice)(nil)

// FuzzOverlayPacket feeds arbitrary bytes, as if from another node, to the router's checks:
// nothing panics, and only packets addressed to this node from the sender's own range pass.
func FuzzOverlayPacket(f *testing.F) {
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	cert, err := nodecert.Certificate(key)
	if err != nil {
		f.Fatal(err)
	}
	c, err := core.New(&cert, nil)
	if err != nil {
		f.Fatal(err)
	}
	defer c.Stop()
	r := newRouter(slog.New(slog.DiscardHandler), c, &nullDevice{}, newPacketConn(c))
	peerPub, _, _ := ed25519.GenerateKey(rand.Reader)
	seeds, _ := filepath.Glob("testdata/overlay/*")
	for _, s := range seeds {
		b, _ := os.ReadFile(s)
		f.Add(b)
	}
	src := addrForKey(peerPub)
	f.Add(ipv6Packet(src, r.addrNetip(), 58, []byte{129, 0, 0, 0, 0, 1, 0, 1}))
	f.Add(ipv6Packet(src, r.addrNetip(), 17, make([]byte, 2000)))
	f.Add([]byte{TagRMB, 1, 2, 3})
	f.Add([]byte{0x60})
	f.Fuzz(func(t *testing.T, p []byte) {
		ok := r.acceptFromOverlay(p, iwt.Addr(peerPub))
		if ok {
			r.pinger.takeReply(p)
			if len(p) < ipv6HeaderLen || len(p) > r.mtu {
				t.Fatalf("accepted a %d-byte packet", len(p))
			}
			if d, _ := netip.AddrFromSlice(p[24:40]); d != r.addrNetip() && !prefixOf(r).Contains(d) {
				t.Fatalf("accepted a packet for %s", d)
			}
		}
		r.toOverlay(p)
	})
}

func prefixOf(r *router) netip.Prefix {
	var a [16]byte
	copy(a[:], r.subnet[:])
	return netip.PrefixFrom(netip.AddrFrom16(a), 64)
}

// FuzzParseLinkURI: no input makes the URI parser panic.
func FuzzParseLinkURI(f *testing.F) {
	for _, s := range []string{"quic://10.0.0.1:9651", "ptls://[::1]:9651", "quic://[::1]:1?key=00&priority=9", "unix:///x", "tls://:1", "%", "quic://a:b:c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ParseLinkURI(s, true)
		ParseLinkURI(s, false)
	})
}
