package pnic

import (
	"context"
	"crypto/ed25519"
	"crypto/tls"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// tlsLinkALPN names the ptls:// link protocol: TLS 1.3 over TCP with node-key certificates,
// the dialer's 4-byte preamble, then frames in both directions (see tlsConn).
const tlsLinkALPN = "planetary-link-tls/1"

// Frame types on a ptls:// link. A frame is a 4-byte header (type, then a 24-bit big-endian
// length) and that many bytes: data for the core, or an 8-byte ping or pong token.
const (
	frameData = 0
	framePing = 1
	framePong = 2

	frameHeaderLen = 4
	maxFrameLen    = 1<<24 - 1
	pingLen        = 8
)

// errLinkTimeout says a link was closed because nothing arrived on it for the link timeout.
var errLinkTimeout = errors.New("link timeout: nothing received")

// tlsLinkConfig derives the TLS config of ptls:// links from the QUIC links' one.
func tlsLinkConfig(base *tls.Config) *tls.Config {
	c := base.Clone()
	c.NextProtos = []string{tlsLinkALPN}
	// Full-size records from the first byte: the link carries bulk traffic, not web pages.
	c.DynamicRecordSizingDisabled = true
	return c
}

// listenTLS opens a TCP listener on a ptls:// URI.
func (m *links) listenTLS(u LinkURI) error {
	ln, err := net.Listen("tcp", u.URL.Host)
	if err != nil {
		return fmt.Errorf("listen %s: %w", u.URL, err)
	}
	m.mu.Lock()
	m.listeners = append(m.listeners, ln)
	m.bound = append(m.bound, listenAddr{"ptls", ln.Addr()})
	m.mu.Unlock()
	m.log.Info("listening for links", "uri", u.URL.String(), "addr", ln.Addr().String())
	m.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				if m.ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
					return
				}
				// Out of descriptors or similar: wait a moment rather than spin.
				m.log.Warn("link accept", "uri", u.URL.String(), "err", err)
				select {
				case <-m.ctx.Done():
					return
				case <-time.After(100 * time.Millisecond):
				}
				continue
			}
			m.wg.Go(func() { m.serveInboundTLS(c, u.Priority) })
		}
	})
	return nil
}

func (m *links) serveInboundTLS(raw net.Conn, listenPrio uint8) {
	tuneTCP(raw, m.timeout)
	co := &coalescer{Conn: raw}
	tc := tls.Server(co, m.tlsServer)
	ctx, cancel := context.WithTimeout(m.ctx, linkHandshakeTimeout)
	defer cancel()
	stop := context.AfterFunc(ctx, func() { raw.Close() }) // a handshake stalled past the timeout
	key, err := tlsHandshake(ctx, tc)
	var pre [4]byte
	if err == nil {
		raw.SetReadDeadline(time.Now().Add(linkHandshakeTimeout))
		if _, err = io.ReadFull(tc, pre[:]); err == nil && [3]byte(pre[:3]) != linkPreamble {
			err = errors.New("bad preamble")
		}
	}
	if !stop() || err != nil {
		m.log.Debug("link refused", "remote", raw.RemoteAddr().String(), "err", err)
		raw.Close()
		return
	}
	raw.SetReadDeadline(time.Time{})
	l := &link{uri: "ptls://" + raw.RemoteAddr().String(), inbound: true, priority: max(listenPrio, pre[3])}
	m.add(l)
	defer m.remove(l)
	err = m.serveTLS(l, tc, co, key)
	l.setDown(err)
	m.log.Info("link down", "peer", shortKey(key), "uri", l.uri, "inbound", true, "err", err)
}

// dialTLS dials a ptls:// link once and serves it until it dies.
func (m *links) dialTLS(l *link, u LinkURI) error {
	ctx, cancel := context.WithTimeout(m.ctx, 2*linkHandshakeTimeout)
	defer cancel()
	d := net.Dialer{KeepAlive: -1} // liveness is the link's own pings
	raw, err := d.DialContext(ctx, "tcp", u.URL.Host)
	if err != nil {
		return fmt.Errorf("dial: %w", err)
	}
	tuneTCP(raw, m.timeout)
	stop := context.AfterFunc(ctx, func() { raw.Close() })
	co := &coalescer{Conn: raw}
	tc := tls.Client(co, m.tlsClient)
	key, err := tlsHandshake(ctx, tc)
	if err == nil && u.Key != nil && !u.Key.Equal(key) {
		err = fmt.Errorf("peer key %s, want %s", hex.EncodeToString(key), hex.EncodeToString(u.Key))
	}
	if err == nil {
		pre := [4]byte{linkPreamble[0], linkPreamble[1], linkPreamble[2], u.Priority}
		if _, err = tc.Write(pre[:]); err != nil {
			err = fmt.Errorf("write preamble: %w", err)
		}
	}
	if !stop() && err == nil {
		err = fmt.Errorf("dial: %w", ctx.Err())
	}
	if err != nil {
		raw.Close()
		return err
	}
	return m.serveTLS(l, tc, co, key)
}

// tlsHandshake runs the TLS handshake and returns the peer's node key.
func tlsHandshake(ctx context.Context, tc *tls.Conn) (ed25519.PublicKey, error) {
	if err := tc.HandshakeContext(ctx); err != nil {
		return nil, fmt.Errorf("tls handshake: %w", err)
	}
	st := tc.ConnectionState()
	if st.NegotiatedProtocol != tlsLinkALPN {
		return nil, fmt.Errorf("peer speaks %q, want %q", st.NegotiatedProtocol, tlsLinkALPN)
	}
	if len(st.PeerCertificates) == 0 {
		return nil, errors.New("peer sent no certificate")
	}
	key, ok := st.PeerCertificates[0].PublicKey.(ed25519.PublicKey)
	if !ok {
		return nil, fmt.Errorf("peer certificate key is %T, want ed25519", st.PeerCertificates[0].PublicKey)
	}
	return key, nil
}

// tuneTCP sets what a link socket needs: no Nagle delay, and the kernel giving up on data
// unacknowledged for the link timeout.
func tuneTCP(c net.Conn, timeout time.Duration) {
	tc, ok := c.(*net.TCPConn)
	if !ok {
		return
	}
	tc.SetNoDelay(true)
	if rc, err := tc.SyscallConn(); err == nil {
		rc.Control(func(fd uintptr) {
			unix.SetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_USER_TIMEOUT, int(timeout.Milliseconds()))
		})
	}
}

// serveTLS runs the frames and liveness of an authenticated ptls:// link and hands it to the core.
func (m *links) serveTLS(l *link, tc *tls.Conn, co *coalescer, key ed25519.PublicKey) error {
	c := newTLSConn(tc, co, l, m.timeout)
	var wg sync.WaitGroup
	wg.Go(c.keepalive)
	defer wg.Wait()
	return m.serve(l, c, c, key, c.cause)
}

// tlsConn is the net.Conn the core reads and writes for one ptls:// link, and its session.
// Writes become data frames; reads return the data of data frames and answer pings. A
// keepalive loop pings every timeout/4 and closes the link when nothing at all has arrived
// for the timeout. Only the keepalive loop writes pongs, so a reader never waits on a writer.
type tlsConn struct {
	r       io.Reader  // the TLS conn, read only by the core's reader
	w       io.Writer  // the TLS conn, written under wmu
	raw     net.Conn   // the TCP socket
	co      *coalescer // between the TLS conn and the socket; nil in tests
	l       *link
	timeout time.Duration
	start   time.Time

	wmu  sync.Mutex
	wbuf []byte

	rem    int // data bytes left in the frame being read; reader only
	hdr    [frameHeaderLen + pingLen]byte
	lastRx atomic.Int64 // nanoseconds after start
	srtt   atomic.Int64
	pongs  chan [pingLen]byte

	done     chan struct{}
	once     sync.Once
	causeMu  sync.Mutex
	causeErr error
}

func newTLSConn(tc *tls.Conn, co *coalescer, l *link, timeout time.Duration) *tlsConn {
	return &tlsConn{
		r: tc, w: tc, raw: co.Conn, co: co, l: l, timeout: timeout, start: time.Now(),
		wbuf:  make([]byte, 0, frameHeaderLen+copyBelow),
		pongs: make(chan [pingLen]byte, 1),
		done:  make(chan struct{}),
	}
}

func (c *tlsConn) now() int64 { return int64(time.Since(c.start)) }

// Read returns data from the link's data frames.
func (c *tlsConn) Read(p []byte) (int, error) {
	for c.rem == 0 {
		h := c.hdr[:frameHeaderLen]
		if _, err := io.ReadFull(c.r, h); err != nil {
			return 0, err
		}
		c.lastRx.Store(c.now())
		typ, n := h[0], int(h[1])<<16|int(h[2])<<8|int(h[3])
		switch typ {
		case frameData:
			c.rem = n
		case framePing, framePong:
			if n != pingLen {
				return 0, c.fail(fmt.Errorf("link frame: %d-byte ping, want %d", n, pingLen))
			}
			tok := c.hdr[frameHeaderLen:]
			if _, err := io.ReadFull(c.r, tok); err != nil {
				return 0, err
			}
			if typ == framePing {
				select {
				case c.pongs <- [pingLen]byte(tok):
				default: // a pong is already waiting; the peer's next ping gets one
				}
				continue
			}
			if sent := int64(binary.BigEndian.Uint64(tok)); sent > 0 && sent <= c.now() {
				sample, old := c.now()-sent, c.srtt.Load()
				if old != 0 {
					sample = old - old/8 + sample/8 // smoothed as TCP and QUIC do
				}
				c.srtt.Store(sample)
			}
		default:
			return 0, c.fail(fmt.Errorf("link frame: unknown type %d", typ))
		}
	}
	n, err := c.r.Read(p[:min(len(p), c.rem)])
	c.rem -= n
	c.lastRx.Store(c.now())
	c.l.rx.Add(uint64(n))
	return n, err
}

// Write sends p as data frames.
func (c *tlsConn) Write(p []byte) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	sent := 0
	for sent < len(p) {
		chunk := p[sent:][:min(len(p)-sent, maxFrameLen)]
		if err := c.writeFrameLocked(frameData, chunk); err != nil {
			return sent, err
		}
		sent += len(chunk)
		c.l.tx.Add(uint64(len(chunk)))
	}
	return sent, nil
}

// writeFrameLocked writes one frame as one TLS write, its records in one socket write; the
// caller holds wmu.
func (c *tlsConn) writeFrameLocked(typ byte, body []byte) error {
	n := len(body)
	c.wbuf = append(c.wbuf[:0], typ, byte(n>>16), byte(n>>8), byte(n))
	if c.co == nil || n < copyBelow {
		c.wbuf = append(c.wbuf, body...)
		_, err := c.w.Write(c.wbuf)
		return err
	}
	// A large body goes as records of its own behind a 4-byte one, rather than copied
	// behind its header; the coalescer still hands all of them to the socket at once.
	c.co.hold()
	_, err := c.w.Write(c.wbuf)
	if err == nil {
		_, err = c.w.Write(body)
	}
	if ferr := c.co.flush(); err == nil {
		err = ferr
	}
	return err
}

// copyBelow is the body size under which a frame is copied behind its header into one TLS
// record: below it the copy costs less than a record of its own for the header.
const copyBelow = 4096

func (c *tlsConn) writeFrame(typ byte, body []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.writeFrameLocked(typ, body)
}

// keepalive pings every timeout/4, answers the peer's pings, and closes the link when
// nothing has arrived for the timeout. It runs until the link ends.
func (c *tlsConn) keepalive() {
	// Writes may block on a full socket; they run apart from the watchdog, which must not.
	pings := make(chan struct{}, 1)
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Go(func() {
		var tok [pingLen]byte
		for {
			select {
			case <-c.done:
				return
			case pong := <-c.pongs:
				if c.writeFrame(framePong, pong[:]) != nil {
					return
				}
			case <-pings:
				binary.BigEndian.PutUint64(tok[:], uint64(c.now()))
				if c.writeFrame(framePing, tok[:]) != nil {
					return
				}
			}
		}
	})
	tick := time.NewTicker(c.timeout / 8)
	defer tick.Stop()
	pings <- struct{}{} // a first RTT at once
	for i := 1; ; i++ {
		select {
		case <-c.done:
			return
		case <-tick.C:
		}
		if time.Duration(c.now()-c.lastRx.Load()) > c.timeout {
			c.fail(errLinkTimeout)
			return
		}
		if i%2 == 0 {
			select {
			case pings <- struct{}{}:
			default:
			}
		}
	}
}

// fail ends the link, remembering the first reason, and returns err.
func (c *tlsConn) fail(err error) error {
	c.once.Do(func() {
		c.causeMu.Lock()
		c.causeErr = err
		c.causeMu.Unlock()
		close(c.done)
		// The socket, not the TLS conn: a TLS close would wait for a writer stuck on a dead path.
		c.raw.Close()
	})
	return err
}

func (c *tlsConn) cause() error {
	c.causeMu.Lock()
	defer c.causeMu.Unlock()
	return c.causeErr
}

func (c *tlsConn) rtt() time.Duration { return time.Duration(c.srtt.Load()) }

func (c *tlsConn) shutdown(reason string) { c.fail(nil) }

// Close ends the link.
func (c *tlsConn) Close() error { c.fail(nil); return nil }

func (c *tlsConn) LocalAddr() net.Addr                { return c.raw.LocalAddr() }
func (c *tlsConn) RemoteAddr() net.Addr               { return c.raw.RemoteAddr() }
func (c *tlsConn) SetDeadline(t time.Time) error      { return c.raw.SetDeadline(t) }
func (c *tlsConn) SetReadDeadline(t time.Time) error  { return c.raw.SetReadDeadline(t) }
func (c *tlsConn) SetWriteDeadline(t time.Time) error { return c.raw.SetWriteDeadline(t) }

// coalescer sits between a TLS conn and its socket: between hold and flush it gathers the
// records of one frame (a 64 KiB frame is five records) into one socket write, so the kernel
// sends large segments and is entered once per frame. Outside hold it writes through.
type coalescer struct {
	net.Conn
	mu      sync.Mutex
	holding bool
	buf     []byte
}

func (c *coalescer) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.holding {
		c.buf = append(c.buf, p...)
		return len(p), nil
	}
	return c.Conn.Write(p)
}

func (c *coalescer) hold() {
	c.mu.Lock()
	c.holding = true
	c.mu.Unlock()
}

// flush writes what was gathered since hold and writes through again.
func (c *coalescer) flush() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.holding = false
	if len(c.buf) == 0 {
		return nil
	}
	_, err := c.Conn.Write(c.buf)
	c.buf = c.buf[:0]
	return err
}
