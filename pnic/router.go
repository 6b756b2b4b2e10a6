package pnic

import (
	"crypto/ed25519"
	"errors"
	"log/slog"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"time"

	iwt "github.com/Arceliar/ironwood/types"
	"github.com/yggdrasil-network/yggdrasil-go/src/address"
	"github.com/yggdrasil-network/yggdrasil-go/src/core"
	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv6"

	"github.com/freeflowuniverse/planetary/tun"
)

// TagRMB is the first byte of every RMB datagram carried by the overlay; IPv6 packets start
// with the nibble 6, so the two never collide.
const TagRMB = 0x01

const (
	ipv6HeaderLen  = 40
	remoteIdle     = 2 * time.Minute
	pendingTimeout = 5 * time.Second
	sweepEvery     = 30 * time.Second
)

// remote is another node we exchange packets with.
type remote struct {
	key  iwt.Addr
	last atomic.Int64 // unix seconds of last use
}

type pendingPacket struct {
	data []byte
	at   time.Time
}

// router is the only reader of the yggdrasil core: IPv6 packets go to the device, RMB
// datagrams to the RMB conn. It also moves packets from the device into the core, finding
// the key behind each destination address.
type router struct {
	log    *slog.Logger
	core   *core.Core
	dev    tun.Device
	rmb    *PacketConn
	addr   address.Address
	subnet address.Subnet
	mtu    int

	mu      sync.RWMutex
	byAddr  map[address.Address]*remote
	bySub   map[address.Subnet]*remote
	pending map[[16]byte]pendingPacket // by destination address, or subnet in the first 8 bytes

	stats  routerStats
	pinger *pinger
	done   chan struct{}
	wg     sync.WaitGroup
}

// routerStats counts packets; read by the metrics collector.
type routerStats struct {
	toOverlay, fromOverlay, rmbIn, rmbDropped, lookupRetries                           atomic.Uint64
	dropNotIPv6, dropSource, dropDest, dropSpoof, dropTooBig, dropNoRoute, dropUnknown atomic.Uint64
}

func newRouter(log *slog.Logger, c *core.Core, dev tun.Device, rmb *PacketConn) *router {
	r := &router{
		log:     log,
		core:    c,
		dev:     dev,
		rmb:     rmb,
		addr:    *address.AddrForKey(c.PublicKey()),
		subnet:  *address.SubnetForKey(c.PublicKey()),
		mtu:     dev.MTU(),
		byAddr:  make(map[address.Address]*remote),
		bySub:   make(map[address.Subnet]*remote),
		pending: make(map[[16]byte]pendingPacket),
		pinger:  newPinger(),
		done:    make(chan struct{}),
	}
	c.SetPathNotify(r.learn)
	return r
}

func (r *router) start() {
	r.wg.Go(r.readCore)
	r.wg.Go(r.readDevice)
	r.wg.Go(r.sweep)
	r.wg.Go(r.keepPaths)
}

// keepPaths asks for a path to every session the core holds without one, after a second in
// which no packet crossed the overlay either way. ironwood answers a session init with an ack
// that needs a path back; if that first lookup is lost (a node whose routing state is still
// converging), it never retries on its own, since a repeated init is ignored, and the session
// stays half-open until a minute of silence. A fresh lookup lets the cached ack go out. The
// quiet second matters: ironwood's session listing reads counters that live traffic writes.
func (r *router) keepPaths() {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	var last uint64
	for {
		select {
		case <-r.done:
			return
		case <-t.C:
		}
		st := &r.stats
		now := st.toOverlay.Load() + st.fromOverlay.Load() + st.rmbIn.Load() + r.rmb.sent.Load()
		quiet := now == last
		last = now
		if !quiet {
			continue
		}
		sessions := r.core.GetSessions()
		if len(sessions) == 0 {
			continue
		}
		paths := make(map[[ed25519.PublicKeySize]byte]bool)
		for _, p := range r.core.GetPaths() {
			paths[[ed25519.PublicKeySize]byte(p.Key)] = true
		}
		for _, s := range sessions {
			if !paths[[ed25519.PublicKeySize]byte(s.Key)] {
				st.lookupRetries.Add(1)
				r.core.SendLookup(s.Key)
			}
		}
	}
}

// halt tells the loops that the errors they are about to see mean shutdown.
func (r *router) halt() { close(r.done) }

// wait returns once the loops have ended; the caller closes the core and the device first.
func (r *router) wait() { r.wg.Wait() }

// readCore is the single reader of the core.
func (r *router) readCore() {
	buf := make([]byte, tun.Headroom+int(r.core.MTU()))
	bufs := [][]byte{nil}
	for {
		n, from, err := r.core.ReadFrom(buf[tun.Headroom:])
		if err != nil {
			select {
			case <-r.done:
			default:
				r.log.Error("overlay reader stopped", "err", err)
			}
			return
		}
		if n == 0 {
			continue
		}
		p := buf[tun.Headroom : tun.Headroom+n]
		key, ok := from.(iwt.Addr)
		if !ok {
			continue
		}
		switch {
		case p[0]>>4 == 6:
			if r.acceptFromOverlay(p, key) && !r.pinger.takeReply(p) {
				bufs[0] = buf[:tun.Headroom+n]
				if _, err := r.dev.Write(bufs, tun.Headroom); err != nil && !errors.Is(err, os.ErrClosed) {
					r.log.Debug("device write", "err", err)
				}
			}
		case p[0] == TagRMB:
			if r.rmb.deliver(p[1:], key) {
				r.stats.rmbIn.Add(1)
			} else {
				r.stats.rmbDropped.Add(1)
			}
		default:
			r.stats.dropUnknown.Add(1)
		}
	}
}

// acceptFromOverlay checks an IPv6 packet from key: it must be for us and from the sender's
// own address or subnet.
func (r *router) acceptFromOverlay(p []byte, key iwt.Addr) bool {
	if len(p) < ipv6HeaderLen {
		r.stats.dropNotIPv6.Add(1)
		return false
	}
	var dst address.Address
	copy(dst[:], p[24:40])
	if dst != r.addr && address.Subnet(dst[:8]) != r.subnet {
		r.stats.dropDest.Add(1)
		return false
	}
	var src address.Address
	copy(src[:], p[8:24])
	if !r.sourceMatches(src, key) {
		r.stats.dropSpoof.Add(1)
		return false
	}
	if len(p) > r.mtu {
		r.stats.dropTooBig.Add(1)
		r.sendTooBig(p, key)
		return false
	}
	r.stats.fromOverlay.Add(1)
	return true
}

func (r *router) sourceMatches(src address.Address, key iwt.Addr) bool {
	r.mu.RLock()
	var rem *remote
	if src.IsValid() {
		rem = r.byAddr[src]
	} else {
		rem = r.bySub[address.Subnet(src[:8])]
	}
	r.mu.RUnlock()
	if rem != nil && ed25519.PublicKey(rem.key).Equal(ed25519.PublicKey(key)) {
		rem.last.Store(time.Now().Unix())
		return true
	}
	k := ed25519.PublicKey(key)
	if src.IsValid() && *address.AddrForKey(k) != src {
		return false
	}
	if !src.IsValid() && *address.SubnetForKey(k) != address.Subnet(src[:8]) {
		return false
	}
	r.learn(k)
	return true
}

// learn records a key whose path is now known and flushes packets waiting for it.
func (r *router) learn(key ed25519.PublicKey) {
	addr := *address.AddrForKey(key)
	sub := *address.SubnetForKey(key)
	rem := &remote{key: iwt.Addr(append(ed25519.PublicKey(nil), key...))}
	rem.last.Store(time.Now().Unix())
	var subKey [16]byte
	copy(subKey[:], sub[:])
	r.mu.Lock()
	if old := r.byAddr[addr]; old != nil && ed25519.PublicKey(old.key).Equal(key) {
		old.last.Store(rem.last.Load())
		rem = old
	} else {
		r.byAddr[addr] = rem
		r.bySub[sub] = rem
	}
	var flush [][]byte
	for _, k := range [2][16]byte{addr, subKey} {
		if p, ok := r.pending[k]; ok {
			flush = append(flush, p.data)
			delete(r.pending, k)
		}
	}
	r.mu.Unlock()
	for _, p := range flush {
		r.core.WriteTo(p, rem.key)
		r.stats.toOverlay.Add(1)
	}
}

// readDevice moves packets from the device into the overlay.
func (r *router) readDevice() {
	batch := r.dev.BatchSize()
	bufs := make([][]byte, batch)
	sizes := make([]int, batch)
	for i := range bufs {
		bufs[i] = make([]byte, tun.Headroom+r.mtu+ipv6HeaderLen)
	}
	for {
		n, err := r.dev.Read(bufs, sizes, tun.Headroom)
		for i := 0; i < n; i++ {
			r.toOverlay(bufs[i][tun.Headroom : tun.Headroom+sizes[i]])
		}
		if err != nil {
			select {
			case <-r.done:
				return
			default:
			}
			if errors.Is(err, os.ErrClosed) {
				return
			}
			r.log.Debug("device read", "err", err)
		}
	}
}

func (r *router) toOverlay(p []byte) {
	if len(p) < ipv6HeaderLen || p[0]>>4 != 6 {
		r.stats.dropNotIPv6.Add(1)
		return
	}
	var src, dst address.Address
	copy(src[:], p[8:24])
	copy(dst[:], p[24:40])
	if src != r.addr && address.Subnet(src[:8]) != r.subnet {
		r.stats.dropSource.Add(1) // link-local and other non-overlay sources
		return
	}
	var rem *remote
	var pendKey [16]byte
	var partial ed25519.PublicKey
	switch {
	case dst.IsValid():
		r.mu.RLock()
		rem = r.byAddr[dst]
		r.mu.RUnlock()
		pendKey = dst
		if rem == nil {
			partial = dst.GetKey()
		}
	case dst[0] == address.GetPrefix()[0]|0x01:
		sub := address.Subnet(dst[:8])
		r.mu.RLock()
		rem = r.bySub[sub]
		r.mu.RUnlock()
		copy(pendKey[:], sub[:])
		if rem == nil {
			partial = sub.GetKey()
		}
	default:
		r.stats.dropNoRoute.Add(1)
		return
	}
	if rem != nil {
		r.core.WriteTo(p, rem.key)
		r.stats.toOverlay.Add(1)
		return
	}
	// Unknown destination: keep the newest packet and ask the network for the key.
	r.mu.Lock()
	r.pending[pendKey] = pendingPacket{data: append([]byte(nil), p...), at: time.Now()}
	r.mu.Unlock()
	r.core.SendLookup(partial)
}

// sweep forgets idle remotes and stale pending packets.
func (r *router) sweep() {
	t := time.NewTicker(sweepEvery)
	defer t.Stop()
	for {
		select {
		case <-r.done:
			return
		case now := <-t.C:
			idle := now.Add(-remoteIdle).Unix()
			r.mu.Lock()
			for a, rem := range r.byAddr {
				if rem.last.Load() < idle {
					delete(r.byAddr, a)
					delete(r.bySub, *address.SubnetForKey(ed25519.PublicKey(rem.key)))
				}
			}
			for k, p := range r.pending {
				if now.Sub(p.at) > pendingTimeout {
					delete(r.pending, k)
				}
			}
			r.mu.Unlock()
		}
	}
}

// sendTooBig answers an oversized packet with ICMPv6 Packet Too Big, so the sender lowers its MTU.
func (r *router) sendTooBig(p []byte, key iwt.Addr) {
	quote := p[:min(len(p), 1280-ipv6HeaderLen-8)]
	msg := icmp.Message{Type: ipv6.ICMPTypePacketTooBig, Body: &icmp.PacketTooBig{MTU: r.mtu, Data: quote}}
	src, dst := p[24:40], p[8:24]
	body, err := msg.Marshal(icmp.IPv6PseudoHeader(src, dst))
	if err != nil {
		return
	}
	s, _ := netip.AddrFromSlice(src)
	d, _ := netip.AddrFromSlice(dst)
	r.core.WriteTo(ipv6Packet(s, d, 58, body), key)
}

func (r *router) addrNetip() netip.Addr { return netip.AddrFrom16(r.addr) }
