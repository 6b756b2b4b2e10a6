package pnic

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"net/netip"
	"sync"
	"time"

	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv6"
)

// pinger sends ICMPv6 echo requests from the node address into the overlay and takes the
// replies off the overlay before they reach the device, so it works in every device mode.
type pinger struct {
	id      uint16
	mu      sync.Mutex
	seq     uint16
	waiters map[uint16]chan time.Time
}

func newPinger() *pinger {
	var b [2]byte
	rand.Read(b[:])
	return &pinger{id: binary.BigEndian.Uint16(b[:]), waiters: make(map[uint16]chan time.Time)}
}

// Ping sends one ICMPv6 echo request to an overlay address and waits for the reply.
func (n *Node) Ping(ctx context.Context, dst netip.Addr) (time.Duration, error) {
	if !dst.Is6() || !OverlayPrefix.Contains(dst) {
		return 0, fmt.Errorf("ping %s: not an overlay address (want 200::/7)", dst)
	}
	if n.Subnet().Contains(dst) || dst == n.Address() {
		return 0, fmt.Errorf("ping %s: that is this node's own address or subnet, not a remote one", dst)
	}
	r, p := n.router, n.router.pinger
	p.mu.Lock()
	p.seq++
	seq := p.seq
	ch := make(chan time.Time, 1)
	p.waiters[seq] = ch
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		delete(p.waiters, seq)
		p.mu.Unlock()
	}()
	src := r.addrNetip()
	msg := icmp.Message{Type: ipv6.ICMPTypeEchoRequest, Body: &icmp.Echo{ID: int(p.id), Seq: int(seq), Data: []byte("planetary")}}
	body, err := msg.Marshal(icmp.IPv6PseudoHeader(src.AsSlice(), dst.AsSlice()))
	if err != nil {
		return 0, fmt.Errorf("ping %s: %w", dst, err)
	}
	pkt := ipv6Packet(src, dst, 58, body)
	start := time.Now()
	r.toOverlay(pkt)
	select {
	case at := <-ch:
		return at.Sub(start), nil
	case <-ctx.Done():
		return 0, fmt.Errorf("ping %s: no reply: %w", dst, ctx.Err())
	}
}

// takeReply reports whether p is a reply to one of our echo requests, and wakes its waiter.
func (p *pinger) takeReply(pkt []byte) bool {
	if len(pkt) < ipv6HeaderLen+8 || pkt[6] != 58 || pkt[40] != byte(ipv6.ICMPTypeEchoReply) {
		return false
	}
	if binary.BigEndian.Uint16(pkt[44:46]) != p.id {
		return false
	}
	seq := binary.BigEndian.Uint16(pkt[46:48])
	p.mu.Lock()
	ch := p.waiters[seq]
	p.mu.Unlock()
	if ch == nil {
		return true
	}
	select {
	case ch <- time.Now():
	default:
	}
	return true
}

func ipv6Packet(src, dst netip.Addr, proto byte, body []byte) []byte {
	pkt := make([]byte, ipv6HeaderLen+len(body))
	pkt[0] = 0x60
	binary.BigEndian.PutUint16(pkt[4:6], uint16(len(body)))
	pkt[6] = proto
	pkt[7] = 64
	s, d := src.As16(), dst.As16()
	copy(pkt[8:24], s[:])
	copy(pkt[24:40], d[:])
	copy(pkt[40:], body)
	return pkt
}
