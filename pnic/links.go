package pnic

import (
	"context"
	"crypto/ed25519"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/quic-go/quic-go"
	"github.com/yggdrasil-network/yggdrasil-go/src/core"

	"github.com/freeflowuniverse/planetary/internal/nodecert"
)

// linkALPN names the link protocol: one QUIC connection per path, one stream carrying
// yggdrasil's peer protocol, opened by the dialer with a 4-byte preamble.
const linkALPN = "planetary-link/1"

var linkPreamble = [3]byte{'P', 'N', 1}

const (
	linkHandshakeTimeout = 3 * time.Second
	redialMin            = 250 * time.Millisecond
	// linkStableAfter is how long a link must stay up before its redial backoff resets.
	linkStableAfter = 10 * time.Second
)

// link is one path to a peer: an outbound URI we dial, or an inbound connection.
type link struct {
	uri      string
	inbound  bool
	priority uint8
	pinned   ed25519.PublicKey

	rx, tx atomic.Uint64

	mu      sync.Mutex
	key     ed25519.PublicKey
	sess    session
	up      bool
	since   time.Time
	lastErr string
	downs   uint64
}

// LinkStatus is one link as shown by /v1/status.
type LinkStatus struct {
	URI       string  `json:"uri"`
	Inbound   bool    `json:"inbound"`
	Up        bool    `json:"up"`
	Priority  uint8   `json:"priority"`
	LatencyMS float64 `json:"latency_ms"`
	RXBytes   uint64  `json:"rx_bytes"`
	TXBytes   uint64  `json:"tx_bytes"`
	LastError string  `json:"last_error"`
	Since     string  `json:"since,omitempty"`
	Downs     uint64  `json:"downs"`
	key       string
}

func (l *link) status() LinkStatus {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := LinkStatus{
		URI: l.uri, Inbound: l.inbound, Up: l.up, Priority: l.priority,
		RXBytes: l.rx.Load(), TXBytes: l.tx.Load(), LastError: l.lastErr, Downs: l.downs,
	}
	switch {
	case l.key != nil:
		s.key = hex.EncodeToString(l.key)
	case l.pinned != nil:
		s.key = hex.EncodeToString(l.pinned)
	}
	if !l.since.IsZero() {
		s.Since = l.since.UTC().Format(time.RFC3339)
	}
	if l.up && l.sess != nil {
		s.LatencyMS = float64(l.sess.rtt().Microseconds()) / 1000
	}
	return s
}

func (l *link) setUp(sess session, key ed25519.PublicKey) {
	l.mu.Lock()
	l.sess, l.key, l.up, l.since, l.lastErr = sess, key, true, time.Now(), ""
	l.mu.Unlock()
}

func (l *link) setDown(err error) (wasUp bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	wasUp = l.up
	if wasUp {
		l.downs++
		l.since = time.Now()
	}
	l.up, l.sess = false, nil
	if err != nil {
		l.lastErr = err.Error()
	}
	return wasUp
}

// session is a link's live connection: its round-trip time and a way to end it.
type session interface {
	rtt() time.Duration
	shutdown(reason string)
}

// quicSession is the session of a quic:// link.
type quicSession struct{ qc *quic.Conn }

func (s quicSession) rtt() time.Duration     { return s.qc.ConnectionStats().SmoothedRTT }
func (s quicSession) shutdown(reason string) { s.qc.CloseWithError(0, reason) }

// links dials and accepts the PNIC's own links (quic:// and ptls://) and hands each to the
// yggdrasil core. Liveness is the PNIC's: keepalives every timeout/4, and a link silent for
// the timeout is closed, which makes the core move traffic to the next link to that peer at once.
type links struct {
	log       *slog.Logger
	core      *core.Core
	key       ed25519.PrivateKey
	server    *tls.Config
	client    *tls.Config
	tlsServer *tls.Config
	tlsClient *tls.Config
	quic      *quic.Config
	timeout   time.Duration
	redialMax time.Duration

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu        sync.Mutex
	all       map[*link]struct{}
	listeners []io.Closer
	bound     []listenAddr
	ups       atomic.Int64
}

func newLinks(log *slog.Logger, c *core.Core, key ed25519.PrivateKey, timeout, redialMax time.Duration) (*links, error) {
	cert, err := nodecert.Certificate(key)
	if err != nil {
		return nil, err
	}
	verify := func(raw [][]byte, _ [][]*x509.Certificate) error {
		_, err := nodecert.PeerKey(raw)
		return err
	}
	m := &links{
		log:       log,
		core:      c,
		key:       key,
		timeout:   timeout,
		redialMax: redialMax,
		all:       make(map[*link]struct{}),
		server: &tls.Config{
			MinVersion:            tls.VersionTLS13,
			Certificates:          []tls.Certificate{cert},
			ClientAuth:            tls.RequireAnyClientCert,
			VerifyPeerCertificate: verify,
			NextProtos:            []string{linkALPN},
		},
		client: &tls.Config{
			MinVersion:            tls.VersionTLS13,
			Certificates:          []tls.Certificate{cert},
			InsecureSkipVerify:    true, // the peer is checked by key in VerifyPeerCertificate and after the handshake
			VerifyPeerCertificate: verify,
			NextProtos:            []string{linkALPN},
		},
		quic: &quic.Config{
			HandshakeIdleTimeout:           linkHandshakeTimeout,
			MaxIdleTimeout:                 timeout,
			KeepAlivePeriod:                timeout / 4,
			InitialStreamReceiveWindow:     2 << 20,
			MaxStreamReceiveWindow:         32 << 20,
			InitialConnectionReceiveWindow: 3 << 20,
			MaxConnectionReceiveWindow:     48 << 20,
			MaxIncomingStreams:             1,
			MaxIncomingUniStreams:          -1,
		},
	}
	m.tlsServer, m.tlsClient = tlsLinkConfig(m.server), tlsLinkConfig(m.client)
	m.ctx, m.cancel = context.WithCancel(context.Background())
	return m, nil
}

// listenAddr is one bound listener: its scheme and address.
type listenAddr struct {
	scheme string
	addr   net.Addr
}

// ownsScheme reports whether the PNIC runs links of this scheme itself (the rest go to yggdrasil).
func ownsScheme(scheme string) bool { return scheme == "quic" || scheme == "ptls" }

// listen opens a listener for one of the PNIC's own link schemes.
func (m *links) listen(u LinkURI) error {
	if u.Scheme == "ptls" {
		return m.listenTLS(u)
	}
	return m.listenQUIC(u)
}

// dial keeps an outbound link of one of the PNIC's own schemes up.
func (m *links) dial(u LinkURI) {
	once := m.dialQUIC
	if u.Scheme == "ptls" {
		once = m.dialTLS
	}
	m.keepDialing(u, once)
}

// listenQUIC opens a QUIC listener on a quic:// URI.
func (m *links) listenQUIC(u LinkURI) error {
	addr, err := net.ResolveUDPAddr("udp", u.URL.Host)
	if err != nil {
		return fmt.Errorf("listen %s: %w", u.URL, err)
	}
	pc, err := net.ListenUDP("udp", addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", u.URL, err)
	}
	tr := &quic.Transport{Conn: pc}
	ln, err := tr.Listen(m.server, m.quic)
	if err != nil {
		pc.Close()
		return fmt.Errorf("listen %s: %w", u.URL, err)
	}
	m.mu.Lock()
	m.listeners = append(m.listeners, ln, tr, pc)
	m.bound = append(m.bound, listenAddr{"quic", pc.LocalAddr()})
	m.mu.Unlock()
	m.log.Info("listening for links", "uri", u.URL.String(), "addr", pc.LocalAddr().String())
	m.wg.Go(func() {
		for {
			qc, err := ln.Accept(m.ctx)
			if err != nil {
				return
			}
			m.wg.Go(func() { m.serveInbound(qc, u.Priority) })
		}
	})
	return nil
}

// listenAddrs returns the bound addresses of the listeners of one scheme.
func (m *links) listenAddrs(scheme string) []net.Addr {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []net.Addr
	for _, b := range m.bound {
		if b.scheme == scheme {
			out = append(out, b.addr)
		}
	}
	return out
}

// listenURIs returns every bound listener as a URI.
func (m *links) listenURIs() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]string, 0, len(m.bound))
	for _, b := range m.bound {
		out = append(out, b.scheme+"://"+b.addr.String())
	}
	return out
}

func (m *links) serveInbound(qc *quic.Conn, listenPrio uint8) {
	key, err := connKey(qc)
	if err != nil {
		qc.CloseWithError(1, "bad certificate")
		return
	}
	ctx, cancel := context.WithTimeout(m.ctx, linkHandshakeTimeout)
	st, err := qc.AcceptStream(ctx)
	cancel()
	if err != nil {
		qc.CloseWithError(1, "no link stream")
		return
	}
	var pre [4]byte
	st.SetReadDeadline(time.Now().Add(linkHandshakeTimeout))
	if _, err := io.ReadFull(st, pre[:]); err != nil || [3]byte(pre[:3]) != linkPreamble {
		m.log.Debug("link refused: bad preamble", "remote", qc.RemoteAddr().String())
		qc.CloseWithError(1, "bad preamble")
		return
	}
	st.SetReadDeadline(time.Time{})
	l := &link{uri: "quic://" + qc.RemoteAddr().String(), inbound: true, priority: max(listenPrio, pre[3])}
	m.add(l)
	defer m.remove(l)
	err = m.serveQUIC(l, qc, st, key)
	l.setDown(err)
	m.log.Info("link down", "peer", shortKey(key), "uri", l.uri, "inbound", true, "err", err)
}

// keepDialing keeps an outbound link up: it dials, serves until the link dies, and redials
// with a backoff from 250 ms doubling to redialMax.
func (m *links) keepDialing(u LinkURI, dialOnce func(*link, LinkURI) error) {
	l := &link{uri: u.URL.String(), priority: u.Priority, pinned: u.Key}
	m.add(l)
	m.wg.Go(func() {
		defer m.remove(l)
		backoff := redialMin
		var lastLogged string
		for m.ctx.Err() == nil {
			start := time.Now()
			err := dialOnce(l, u)
			if m.ctx.Err() != nil {
				return
			}
			wasUp := l.setDown(err)
			if wasUp {
				m.log.Warn("link down", "peer", shortKey(l.key), "uri", l.uri, "after", time.Since(start).Round(time.Millisecond), "err", err)
				lastLogged = ""
			} else if msg := fmt.Sprint(err); msg != lastLogged {
				m.log.Warn("link dial failed; retrying with backoff", "uri", l.uri, "err", err)
				lastLogged = msg
			}
			if time.Since(start) > linkStableAfter {
				backoff = redialMin
			}
			select {
			case <-m.ctx.Done():
				return
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, m.redialMax)
		}
	})
}

func (m *links) dialQUIC(l *link, u LinkURI) error {
	raddr, err := net.ResolveUDPAddr("udp", u.URL.Host)
	if err != nil {
		return fmt.Errorf("resolve %s: %w", u.URL.Host, err)
	}
	network := "udp6"
	if raddr.IP.To4() != nil {
		network = "udp4"
	}
	// Each outbound link has a socket of its own, so one path's errors never touch another.
	pc, err := net.ListenUDP(network, nil)
	if err != nil {
		return fmt.Errorf("open socket: %w", err)
	}
	tr := &quic.Transport{Conn: pc}
	defer pc.Close()
	defer tr.Close()
	ctx, cancel := context.WithTimeout(m.ctx, 2*linkHandshakeTimeout)
	defer cancel()
	qc, err := tr.Dial(ctx, raddr, m.client, m.quic)
	if err != nil {
		return fmt.Errorf("dial: %w", err)
	}
	key, err := connKey(qc)
	if err != nil {
		qc.CloseWithError(1, "bad certificate")
		return err
	}
	if u.Key != nil && !u.Key.Equal(key) {
		qc.CloseWithError(1, "unexpected key")
		return fmt.Errorf("peer key %s, want %s", hex.EncodeToString(key), hex.EncodeToString(u.Key))
	}
	st, err := qc.OpenStreamSync(ctx)
	if err != nil {
		qc.CloseWithError(1, "no stream")
		return fmt.Errorf("open link stream: %w", err)
	}
	pre := [4]byte{linkPreamble[0], linkPreamble[1], linkPreamble[2], u.Priority}
	if _, err := st.Write(pre[:]); err != nil {
		qc.CloseWithError(1, "preamble")
		return fmt.Errorf("write preamble: %w", err)
	}
	return m.serveQUIC(l, qc, st, key)
}

// serveQUIC hands an authenticated QUIC link to the core and blocks while it lives.
func (m *links) serveQUIC(l *link, qc *quic.Conn, st *quic.Stream, key ed25519.PublicKey) error {
	conn := &linkConn{Stream: st, qc: qc, l: l}
	return m.serve(l, quicSession{qc}, conn, key, func() error { return context.Cause(qc.Context()) })
}

// serve hands an authenticated link to the core and blocks while it lives; the caller marks
// the link down afterwards. cause names why the connection ended, when it knows.
func (m *links) serve(l *link, sess session, conn net.Conn, key ed25519.PublicKey, cause func() error) error {
	if key.Equal(m.key.Public().(ed25519.PublicKey)) {
		sess.shutdown("link to self")
		return errors.New("link to self")
	}
	l.setUp(sess, key)
	m.ups.Add(1)
	defer m.ups.Add(-1)
	m.log.Info("link up", "peer", shortKey(key), "uri", l.uri, "inbound", l.inbound, "priority", l.priority)
	err := m.core.HandleConn(key, conn, l.priority)
	sess.shutdown("link closed")
	if c := cause(); c != nil && !errors.Is(c, context.Canceled) {
		err = c
	}
	if err == nil {
		err = io.EOF
	}
	return err
}

func (m *links) add(l *link) {
	m.mu.Lock()
	m.all[l] = struct{}{}
	m.mu.Unlock()
}

func (m *links) remove(l *link) {
	m.mu.Lock()
	delete(m.all, l)
	m.mu.Unlock()
}

// upCount is the number of links up now.
func (m *links) upCount() int { return int(m.ups.Load()) }

// snapshot returns every link's status.
func (m *links) snapshot() []LinkStatus {
	m.mu.Lock()
	all := make([]*link, 0, len(m.all))
	for l := range m.all {
		all = append(all, l)
	}
	m.mu.Unlock()
	out := make([]LinkStatus, 0, len(all))
	for _, l := range all {
		out = append(out, l.status())
	}
	return out
}

// close stops dialing and listening and closes every link.
func (m *links) close() {
	m.cancel()
	m.mu.Lock()
	for _, c := range m.listeners {
		c.Close()
	}
	for l := range m.all {
		l.mu.Lock()
		if l.sess != nil {
			l.sess.shutdown("shutting down")
		}
		l.mu.Unlock()
	}
	m.mu.Unlock()
	m.wg.Wait()
}

// linkConn is the net.Conn the core reads and writes for one link.
type linkConn struct {
	*quic.Stream
	qc *quic.Conn
	l  *link
}

func (c *linkConn) Read(p []byte) (int, error) {
	n, err := c.Stream.Read(p)
	c.l.rx.Add(uint64(n))
	return n, err
}

func (c *linkConn) Write(p []byte) (int, error) {
	n, err := c.Stream.Write(p)
	c.l.tx.Add(uint64(n))
	return n, err
}

func (c *linkConn) Close() error {
	return c.qc.CloseWithError(0, "link closed")
}

func (c *linkConn) LocalAddr() net.Addr  { return c.qc.LocalAddr() }
func (c *linkConn) RemoteAddr() net.Addr { return c.qc.RemoteAddr() }

func connKey(qc *quic.Conn) (ed25519.PublicKey, error) {
	certs := qc.ConnectionState().TLS.PeerCertificates
	if len(certs) == 0 {
		return nil, errors.New("peer sent no certificate")
	}
	key, ok := certs[0].PublicKey.(ed25519.PublicKey)
	if !ok {
		return nil, fmt.Errorf("peer certificate key is %T, want ed25519", certs[0].PublicKey)
	}
	return key, nil
}

func shortKey(k ed25519.PublicKey) string {
	if len(k) < 8 {
		return "?"
	}
	return hex.EncodeToString(k[:8])
}

// yggPeerURL adds the bounded redial cap to a URI handed to yggdrasil's own link code.
func yggPeerURL(u *url.URL, redialMax time.Duration) *url.URL {
	c := *u
	q := c.Query()
	if q.Get("maxbackoff") == "" {
		q.Set("maxbackoff", strconv.Itoa(int(max(redialMax, 5*time.Second)/time.Second))+"s")
	}
	c.RawQuery = q.Encode()
	return &c
}
