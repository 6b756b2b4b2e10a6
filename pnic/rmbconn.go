package pnic

import (
	"crypto/ed25519"
	"fmt"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	iwt "github.com/Arceliar/ironwood/types"
	"github.com/yggdrasil-network/yggdrasil-go/src/core"
)

const rmbQueue = 4096

// PacketConn carries RMB datagrams between PNICs over the overlay. Addresses are iwt.Addr
// (the remote PNIC's ed25519 key). Like the overlay, WriteTo never blocks and may drop.
// Close closes only this view; the node owns the core.
type PacketConn struct {
	core   *core.Core
	in     chan rmbPacket
	pool   sync.Pool
	closed chan struct{}
	once   sync.Once
	dl     deadline
	mtu    int
	sent   atomic.Uint64
}

type rmbPacket struct {
	buf  *[]byte
	n    int
	from [ed25519.PublicKeySize]byte
}

func newPacketConn(c *core.Core) *PacketConn {
	mtu := int(c.MTU()) - 1
	pc := &PacketConn{core: c, in: make(chan rmbPacket, rmbQueue), closed: make(chan struct{}), mtu: mtu}
	pc.pool.New = func() any { b := make([]byte, mtu+1); return &b }
	pc.dl.init()
	return pc
}

// deliver queues a datagram from the reader; false when the queue is full or closed.
func (pc *PacketConn) deliver(p []byte, from iwt.Addr) bool {
	if len(p) > pc.mtu || len(from) != ed25519.PublicKeySize {
		return false
	}
	b := pc.pool.Get().(*[]byte)
	pkt := rmbPacket{buf: b, n: copy(*b, p)}
	copy(pkt.from[:], from)
	select {
	case <-pc.closed:
		pc.pool.Put(b)
		return false
	default:
	}
	select {
	case pc.in <- pkt:
		return true
	default:
		pc.pool.Put(b)
		return false
	}
}

// ReadFrom reads one datagram and the key of the PNIC that sent it.
func (pc *PacketConn) ReadFrom(p []byte) (int, net.Addr, error) {
	select {
	case pkt := <-pc.in:
		n := copy(p, (*pkt.buf)[:pkt.n])
		pc.pool.Put(pkt.buf)
		return n, iwt.Addr(append([]byte(nil), pkt.from[:]...)), nil
	case <-pc.closed:
		return 0, nil, net.ErrClosed
	case <-pc.dl.wait():
		return 0, nil, os.ErrDeadlineExceeded
	}
}

// WriteTo sends one datagram to the PNIC whose key is addr (an iwt.Addr).
func (pc *PacketConn) WriteTo(p []byte, addr net.Addr) (int, error) {
	key, ok := addr.(iwt.Addr)
	if !ok || len(key) != ed25519.PublicKeySize {
		return 0, fmt.Errorf("rmb write: address %v is not a PNIC key", addr)
	}
	if len(p) > pc.mtu {
		return 0, fmt.Errorf("rmb write: %d bytes exceed the overlay MTU %d", len(p), pc.mtu)
	}
	select {
	case <-pc.closed:
		return 0, net.ErrClosed
	default:
	}
	b := pc.pool.Get().(*[]byte)
	buf := (*b)[:len(p)+1]
	buf[0] = TagRMB
	copy(buf[1:], p)
	_, err := pc.core.WriteTo(buf, key)
	pc.pool.Put(b)
	pc.sent.Add(1)
	if err != nil {
		return 0, fmt.Errorf("rmb write: %w", err)
	}
	return len(p), nil
}

// MTU is the largest datagram WriteTo accepts.
func (pc *PacketConn) MTU() int { return pc.mtu }

// Close stops reads and writes on this conn; the core keeps running.
func (pc *PacketConn) Close() error {
	pc.once.Do(func() { close(pc.closed) })
	return nil
}

// LocalAddr is this PNIC's key.
func (pc *PacketConn) LocalAddr() net.Addr { return iwt.Addr(pc.core.PublicKey()) }

// SetDeadline sets the read deadline; writes never block.
func (pc *PacketConn) SetDeadline(t time.Time) error { return pc.SetReadDeadline(t) }

// SetReadDeadline makes a blocked or future ReadFrom return after t.
func (pc *PacketConn) SetReadDeadline(t time.Time) error { pc.dl.set(t); return nil }

// SetWriteDeadline is a no-op: writes never block.
func (pc *PacketConn) SetWriteDeadline(time.Time) error { return nil }

// deadline is a resettable read deadline whose channel closes when it passes.
type deadline struct {
	mu    sync.Mutex
	timer *time.Timer
	ch    chan struct{}
	fired atomic.Bool
}

func (d *deadline) init() { d.ch = make(chan struct{}) }

func (d *deadline) wait() <-chan struct{} {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.ch
}

func (d *deadline) set(t time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.timer != nil {
		d.timer.Stop()
		d.timer = nil
	}
	if d.fired.Load() {
		d.ch = make(chan struct{})
		d.fired.Store(false)
	}
	if t.IsZero() {
		return
	}
	ch := d.ch
	fire := func() {
		d.mu.Lock()
		defer d.mu.Unlock()
		if d.ch == ch && !d.fired.Load() {
			close(ch)
			d.fired.Store(true)
		}
	}
	if dur := time.Until(t); dur > 0 {
		d.timer = time.AfterFunc(dur, fire)
		return
	}
	close(ch)
	d.fired.Store(true)
}
