package tun

import (
	"context"
	"io"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestParseMode(t *testing.T) {
	for _, m := range []string{"auto", "kernel", "userspace"} {
		if _, err := ParseMode(m); err != nil {
			t.Errorf("%s: %v", m, err)
		}
	}
	if _, err := ParseMode("tap"); err == nil || !strings.Contains(err.Error(), "auto, kernel or userspace") {
		t.Fatalf("tap: err = %v", err)
	}
}

// TestUserspaceLoopback: the netstack holds its addresses, answers TCP to a twin address it
// was given, and refuses it once the address is removed.
func TestUserspaceLoopback(t *testing.T) {
	node := netip.MustParseAddr("200::1")
	twin := netip.MustParseAddr("300::2a")
	u, err := OpenUserspace(Config{MTU: 16384, Address: node})
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	if u.Mode() != "userspace" || u.MTU() != 16384 || u.BatchSize() < 1 {
		t.Fatalf("mode %s mtu %d batch %d", u.Mode(), u.MTU(), u.BatchSize())
	}
	if err := u.AddAddress(twin); err != nil {
		t.Fatal(err)
	}
	ln, err := u.ListenTCP(netip.AddrPortFrom(twin, 80))
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		c, err := ln.Accept()
		if err == nil {
			c.Write([]byte("hello"))
			c.Close()
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := u.DialTCP(ctx, netip.AddrPortFrom(twin, 80))
	if err != nil {
		t.Fatalf("dial own twin address: %v", err)
	}
	got, _ := io.ReadAll(c)
	c.Close()
	ln.Close()
	if string(got) != "hello" {
		t.Fatalf("got %q", got)
	}
	if err := u.RemoveAddress(twin); err != nil {
		t.Fatal(err)
	}
	if _, err := u.ListenTCP(netip.AddrPortFrom(twin, 81)); err == nil {
		t.Fatal("listening on a removed address succeeded")
	}
}

// TestUserspaceReadWrite: a packet written into the netstack for an unbound UDP port comes
// back out as ICMPv6 port unreachable through Read.
func TestUserspaceReadWrite(t *testing.T) {
	node := netip.MustParseAddr("200::1")
	u, err := OpenUserspace(Config{MTU: 1500, Address: node})
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	src := netip.MustParseAddr("200::99").As16()
	dst := node.As16()
	pkt := make([]byte, Headroom+40+8+4)
	p := pkt[Headroom:]
	p[0] = 0x60
	p[5] = 12 // payload length
	p[6] = 17 // UDP
	p[7] = 64
	copy(p[8:24], src[:])
	copy(p[24:40], dst[:])
	p[40], p[41], p[42], p[43] = 0x30, 0x39, 0x1f, 0x90 // ports 12345 -> 8080
	p[45] = 12
	// Checksum left zero: IPv6 UDP requires one, so compute it.
	var sum uint32
	for i := 8; i < 40; i += 2 {
		sum += uint32(p[i])<<8 | uint32(p[i+1])
	}
	sum += 12 + 17
	for i := 40; i < len(p); i += 2 {
		sum += uint32(p[i])<<8 | uint32(p[i+1])
	}
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	cs := ^uint16(sum)
	p[46], p[47] = byte(cs>>8), byte(cs)
	if _, err := u.Write([][]byte{pkt}, Headroom); err != nil {
		t.Fatal(err)
	}
	bufs := [][]byte{make([]byte, Headroom+1500)}
	sizes := []int{0}
	done := make(chan error, 1)
	go func() {
		_, err := u.Read(bufs, sizes, Headroom)
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no ICMPv6 reply from the netstack")
	}
	out := bufs[0][Headroom : Headroom+sizes[0]]
	if len(out) < 48 || out[6] != 58 || out[40] != 1 {
		t.Fatalf("want ICMPv6 destination unreachable, got % x", out[:min(len(out), 48)])
	}
}
