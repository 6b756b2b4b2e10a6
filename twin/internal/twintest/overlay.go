package twintest

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
)

// Overlay stands in for a PNIC's overlay: every twin gets an address in 200::/64 with its id as
// interface identifier, and a stream to such an address and port is a loopback TCP connection to
// whoever listens there. It can refuse listeners or dials, and cut the next stream it dials.
type Overlay struct {
	// NoListen makes ListenTCP fail, as on a PNIC without an overlay for twins.
	NoListen atomic.Bool
	// NoDial makes DialTCP fail, as when the overlay has no path.
	NoDial atomic.Bool

	cut   atomic.Int64 // the next dialed stream ends after this many bytes towards the dialer; 0 never
	stall atomic.Int64 // the next dialed stream stops moving after this many bytes; 0 never

	mu     sync.Mutex
	listen map[netip.AddrPort]string // overlay address → loopback address
	source netip.Addr                // where accepted streams say they come from
}

// SetSource sets the overlay address accepted streams come from (NewPNIC: the PNIC's own).
func (o *Overlay) SetSource(a netip.Addr) {
	o.mu.Lock()
	o.source = a
	o.mu.Unlock()
}

// CutNextStream makes the next stream dialed end after n bytes have reached the dialer.
func (o *Overlay) CutNextStream(n int64) { o.cut.Store(n) }

// StallNextStream makes the next stream dialed stop moving towards the dialer after n bytes, as
// when a link goes down without either end seeing the stream end, until one end closes it.
func (o *Overlay) StallNextStream(n int64) { o.stall.Store(n) }

// TwinAddress returns the twin's stand-in overlay address.
func (o *Overlay) TwinAddress(twinID uint64) (netip.Addr, error) {
	var a [16]byte
	a[0] = 2
	binary.BigEndian.PutUint64(a[8:], twinID)
	return netip.AddrFrom16(a), nil
}

// DialTCP connects to whoever listens on ap.
func (o *Overlay) DialTCP(ctx context.Context, ap netip.AddrPort) (net.Conn, error) {
	if o.NoDial.Load() {
		return nil, fmt.Errorf("dial %s: no path (test overlay)", ap)
	}
	o.mu.Lock()
	real, ok := o.listen[ap]
	o.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("dial %s: connection refused", ap)
	}
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", real)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", ap, err)
	}
	if n := o.cut.Swap(0); n > 0 {
		return &cutConn{Conn: c, left: n, closed: make(chan struct{})}, nil
	}
	if n := o.stall.Swap(0); n > 0 {
		return &cutConn{Conn: c, left: n, stall: true, closed: make(chan struct{})}, nil
	}
	return c, nil
}

// ListenTCP listens on ap.
func (o *Overlay) ListenTCP(ap netip.AddrPort) (net.Listener, error) {
	if o.NoListen.Load() {
		return nil, fmt.Errorf("listen %s: no overlay (test overlay)", ap)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if _, ok := o.listen[ap]; ok {
		return nil, fmt.Errorf("listen %s: address in use", ap)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	if o.listen == nil {
		o.listen = make(map[netip.AddrPort]string)
	}
	o.listen[ap] = l.Addr().String()
	return &listener{Listener: l, o: o, ap: ap}, nil
}

type listener struct {
	net.Listener
	o    *Overlay
	ap   netip.AddrPort
	once sync.Once
}

// Accept takes the next stream, which reports the overlay source as its remote address.
func (l *listener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.o.mu.Lock()
	src := l.o.source
	l.o.mu.Unlock()
	return &sourceConn{Conn: c, remote: net.TCPAddrFromAddrPort(netip.AddrPortFrom(src, uint16(c.RemoteAddr().(*net.TCPAddr).Port)))}, nil
}

// sourceConn is an accepted stream that says it comes from an overlay address.
type sourceConn struct {
	net.Conn
	remote net.Addr
}

func (c *sourceConn) RemoteAddr() net.Addr { return c.remote }

func (l *listener) Close() error {
	l.once.Do(func() {
		l.o.mu.Lock()
		delete(l.o.listen, l.ap)
		l.o.mu.Unlock()
	})
	return l.Listener.Close()
}

// cutConn ends a stream, or stalls it, after left bytes were read from it.
type cutConn struct {
	net.Conn
	mu     sync.Mutex
	left   int64
	stall  bool
	once   sync.Once
	closed chan struct{}
}

func (c *cutConn) Close() error {
	c.once.Do(func() { close(c.closed) })
	return c.Conn.Close()
}

func (c *cutConn) Read(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.left <= 0 && c.stall {
		<-c.closed
		return 0, net.ErrClosed
	}
	if c.left <= 0 {
		c.Close()
		return 0, errors.Join(io.ErrUnexpectedEOF, errors.New("stream cut (test overlay)"))
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.Conn.Read(p)
	c.left -= int64(n)
	return n, err
}
