// Package transport carries request/response exchanges between PNICs over QUIC.
//
// It runs quic-go on a net.PacketConn owned by the PNIC (the transport never closes it) and
// authenticates both ends with TLS 1.3 certificates made from the PNICs' ed25519 keys: a dialer
// accepts only the key it dialed, a listener learns the caller's key from its certificate. One
// connection is kept per remote PNIC and reused; on it one bidirectional stream carries pipelined,
// tagged frames, so many requests are in flight at once. Memory is bounded by a per-peer limit on
// requests in flight and by QUIC flow control, which blocks writers when the receiver falls behind.
//
// Frame: 4-byte big-endian length n, then n bytes: an 8-byte tag followed by the payload. The answer
// to a request carries the request's tag.
package transport

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/quic-go/quic-go"

	"github.com/freeflowuniverse/planetary/internal/batchwrite"
	"github.com/freeflowuniverse/planetary/internal/nodecert"
)

// ALPN is the TLS application protocol of the bus.
const ALPN = "planetary-rmb/1"

// Errors returned by Call.
var (
	ErrClosed       = errors.New("transport: closed")
	ErrTooLarge     = errors.New("transport: frame too large")
	ErrPeerGone     = errors.New("transport: connection to peer lost")
	errWrongPeerKey = errors.New("transport: peer certificate does not carry the dialed key")
)

// Handler answers one request from the PNIC with key from.
type Handler func(ctx context.Context, from ed25519.PublicKey, req []byte) []byte

// Config describes a Transport.
type Config struct {
	// Conn carries the QUIC packets; it stays owned by the caller and is never closed here.
	Conn net.PacketConn
	// Key is this PNIC's private key.
	Key ed25519.PrivateKey
	// Locate returns the address of the PNIC with the given key on Conn.
	Locate func(pnic ed25519.PublicKey) (net.Addr, error)
	// Handler answers requests from other PNICs.
	Handler Handler
	// Logger receives connection events; nil discards them.
	Logger *slog.Logger
	// MaxInFlight bounds outstanding requests per remote PNIC in each direction (default 1024).
	MaxInFlight int
	// MaxFrame bounds the size of one frame (default 1 MiB).
	MaxFrame int
	// DialTimeout bounds connection setup (default 10 s).
	DialTimeout time.Duration
}

// Transport sends requests to other PNICs and serves theirs.
type Transport struct {
	cfg   Config
	log   *slog.Logger
	tr    *quic.Transport
	ln    *quic.Listener
	tls   *tls.Certificate
	qconf *quic.Config

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu    sync.Mutex
	peers map[[32]byte]*peer
	conns map[*quic.Conn]struct{}
}

// noClose hides Close from quic-go so the PNIC's PacketConn survives the transport.
type noClose struct{ net.PacketConn }

func (noClose) Close() error { return nil }

// New starts a transport listening on cfg.Conn.
func New(cfg Config) (*Transport, error) {
	if cfg.Conn == nil || cfg.Locate == nil || cfg.Handler == nil || len(cfg.Key) != ed25519.PrivateKeySize {
		return nil, errors.New("transport: Conn, Key, Locate and Handler are required")
	}
	if cfg.MaxInFlight <= 0 {
		cfg.MaxInFlight = 1024
	}
	if cfg.MaxFrame <= 0 {
		cfg.MaxFrame = 1 << 20
	}
	if cfg.DialTimeout <= 0 {
		cfg.DialTimeout = 10 * time.Second
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cert, err := nodecert.Certificate(cfg.Key)
	if err != nil {
		return nil, fmt.Errorf("transport: %w", err)
	}
	t := &Transport{
		cfg: cfg, log: log, tls: &cert,
		tr:    &quic.Transport{Conn: noClose{cfg.Conn}, StatelessResetKey: resetKey(cfg.Key)},
		peers: make(map[[32]byte]*peer),
		conns: make(map[*quic.Conn]struct{}),
		qconf: &quic.Config{
			HandshakeIdleTimeout: cfg.DialTimeout,
			MaxIdleTimeout:       60 * time.Second,
			KeepAlivePeriod:      15 * time.Second,
			MaxIncomingStreams:   16,
		},
	}
	t.ctx, t.cancel = context.WithCancel(context.Background())
	t.ln, err = t.tr.Listen(t.serverTLS(), t.qconf)
	if err != nil {
		return nil, fmt.Errorf("transport: listen: %w", err)
	}
	t.wg.Add(1)
	go t.acceptLoop()
	return t, nil
}

// resetKey derives the stateless reset key from the PNIC key, so after a restart the PNIC resets
// connections peers still hold from before and they reconnect at once instead of timing out.
func resetKey(key ed25519.PrivateKey) *quic.StatelessResetKey {
	h := sha256.New()
	h.Write([]byte("planetary-rmb-stateless-reset-v1"))
	h.Write(key.Seed())
	var k quic.StatelessResetKey
	copy(k[:], h.Sum(nil))
	return &k
}

func (t *Transport) serverTLS() *tls.Config {
	return &tls.Config{
		Certificates: []tls.Certificate{*t.tls},
		ClientAuth:   tls.RequireAnyClientCert,
		MinVersion:   tls.VersionTLS13,
		NextProtos:   []string{ALPN},
		VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
			_, err := nodecert.PeerKey(raw)
			return err
		},
	}
}

func (t *Transport) clientTLS(want ed25519.PublicKey) *tls.Config {
	return &tls.Config{
		Certificates:       []tls.Certificate{*t.tls},
		InsecureSkipVerify: true, // replaced by the key check below
		MinVersion:         tls.VersionTLS13,
		NextProtos:         []string{ALPN},
		ServerName:         "planetary-pnic",
		VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
			k, err := nodecert.PeerKey(raw)
			if err != nil {
				return err
			}
			if !k.Equal(want) {
				return errWrongPeerKey
			}
			return nil
		},
	}
}

// Close stops the transport: calls in flight fail, the listener and all connections close. The
// PacketConn stays open.
func (t *Transport) Close() error {
	t.cancel()
	t.ln.Close()
	t.mu.Lock()
	for _, p := range t.peers {
		p.closeSession(ErrClosed)
	}
	for c := range t.conns {
		c.CloseWithError(0, "closing")
	}
	t.mu.Unlock()
	err := t.tr.Close()
	t.wg.Wait()
	if err != nil {
		return fmt.Errorf("transport: close: %w", err)
	}
	return nil
}

// Call sends req to the PNIC with key to and returns its answer.
func (t *Transport) Call(ctx context.Context, to ed25519.PublicKey, req []byte) ([]byte, error) {
	if len(req)+8 > t.cfg.MaxFrame {
		return nil, fmt.Errorf("%w: %d bytes", ErrTooLarge, len(req))
	}
	if len(to) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("transport: bad peer key length %d", len(to))
	}
	p := t.peer(to)
	select {
	case p.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-t.ctx.Done():
		return nil, ErrClosed
	}
	defer func() { <-p.sem }()
	s, err := p.session(ctx)
	if err != nil {
		return nil, err
	}
	return s.call(ctx, req)
}

func (t *Transport) peer(key ed25519.PublicKey) *peer {
	var k [32]byte
	copy(k[:], key)
	t.mu.Lock()
	defer t.mu.Unlock()
	p, ok := t.peers[k]
	if !ok {
		p = &peer{t: t, key: append(ed25519.PublicKey(nil), key...), sem: make(chan struct{}, t.cfg.MaxInFlight)}
		t.peers[k] = p
	}
	return p
}

type peer struct {
	t   *Transport
	key ed25519.PublicKey
	sem chan struct{}

	mu   sync.Mutex // serialises dialing
	sess *session
}

func (p *peer) closeSession(err error) {
	p.mu.Lock()
	s := p.sess
	p.sess = nil
	p.mu.Unlock()
	if s != nil {
		s.fail(err)
	}
}

func (p *peer) session(ctx context.Context) (*session, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.sess != nil && !p.sess.dead() {
		return p.sess, nil
	}
	if p.t.ctx.Err() != nil {
		return nil, ErrClosed
	}
	addr, err := p.t.cfg.Locate(p.key)
	if err != nil {
		return nil, fmt.Errorf("transport: locate peer %x: %w", p.key[:8], err)
	}
	dctx, cancel := context.WithTimeout(ctx, p.t.cfg.DialTimeout)
	defer cancel()
	conn, err := p.t.tr.Dial(dctx, addr, p.t.clientTLS(p.key), p.t.qconf)
	if err != nil {
		return nil, fmt.Errorf("transport: dial peer %x at %s: %w", p.key[:8], addr, err)
	}
	st, err := conn.OpenStreamSync(dctx)
	if err != nil {
		conn.CloseWithError(0, "no stream")
		return nil, fmt.Errorf("transport: open stream to %x: %w", p.key[:8], err)
	}
	s := newSession(p.t, conn, st)
	p.sess = s
	p.t.wg.Add(2)
	go s.readAnswers()
	go s.writeLoop()
	p.t.log.Debug("rmb transport connected", "peer", fmt.Sprintf("%x", p.key[:8]), "addr", addr.String())
	return s, nil
}

// session is one outgoing QUIC connection with its request stream.
type session struct {
	t    *Transport
	conn *quic.Conn
	st   *quic.Stream
	out  chan []byte
	done chan struct{}

	answers atomic.Uint64 // answers received, to tell a dead connection from a slow peer

	mu      sync.Mutex
	err     error
	nextTag uint64
	pending map[uint64]chan []byte
}

func newSession(t *Transport, conn *quic.Conn, st *quic.Stream) *session {
	return &session{t: t, conn: conn, st: st, out: make(chan []byte, 256), done: make(chan struct{}), pending: make(map[uint64]chan []byte)}
}

func (s *session) dead() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

func (s *session) fail(err error) {
	s.mu.Lock()
	if s.err != nil {
		s.mu.Unlock()
		return
	}
	s.err = err
	close(s.done)
	s.pending = nil
	s.mu.Unlock()
	s.conn.CloseWithError(0, "session ended")
}

func (s *session) call(ctx context.Context, req []byte) ([]byte, error) {
	ch := make(chan []byte, 1)
	answersBefore := s.answers.Load()
	s.mu.Lock()
	if s.err != nil {
		err := s.err
		s.mu.Unlock()
		return nil, err
	}
	s.nextTag++
	tag := s.nextTag
	s.pending[tag] = ch
	s.mu.Unlock()
	frame := make([]byte, 12+len(req))
	binary.BigEndian.PutUint32(frame, uint32(8+len(req)))
	binary.BigEndian.PutUint64(frame[4:], tag)
	copy(frame[12:], req)
	select {
	case s.out <- frame:
	case <-s.done:
		return nil, s.failure()
	case <-ctx.Done():
		s.forget(tag)
		return nil, ctx.Err()
	}
	select {
	case ans := <-ch:
		return ans, nil
	case <-s.done:
		return nil, s.failure()
	case <-ctx.Done():
		s.forget(tag)
		if s.answers.Load() == answersBefore {
			// Nothing came back on this connection while we waited: treat it as dead (e.g. the
			// peer restarted and our packets are too small to earn a stateless reset) and redial next time.
			s.fail(errors.New("no answer before the deadline"))
		}
		return nil, ctx.Err()
	}
}

func (s *session) failure() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return fmt.Errorf("%w: %v", ErrPeerGone, s.err)
}

func (s *session) forget(tag uint64) {
	s.mu.Lock()
	if s.pending != nil {
		delete(s.pending, tag)
	}
	s.mu.Unlock()
}

func (s *session) writeLoop() {
	defer s.t.wg.Done()
	if err := batchwrite.Pump(s.st, 64<<10, s.out, s.done); err != nil {
		s.fail(err)
	}
}

func readFrame(r *bufio.Reader, max int, hdr []byte) (tag uint64, payload []byte, err error) {
	if _, err := io.ReadFull(r, hdr[:4]); err != nil {
		return 0, nil, err
	}
	n := int(binary.BigEndian.Uint32(hdr[:4]))
	if n < 8 || n > max {
		return 0, nil, fmt.Errorf("%w: %d bytes", ErrTooLarge, n)
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(r, buf); err != nil {
		return 0, nil, err
	}
	return binary.BigEndian.Uint64(buf), buf[8:], nil
}

func (s *session) readAnswers() {
	defer s.t.wg.Done()
	r := bufio.NewReaderSize(s.st, 64<<10)
	var hdr [4]byte
	for {
		tag, payload, err := readFrame(r, s.t.cfg.MaxFrame, hdr[:])
		if err != nil {
			s.fail(err)
			return
		}
		s.answers.Add(1)
		s.mu.Lock()
		ch, ok := s.pending[tag]
		if ok {
			delete(s.pending, tag)
		}
		s.mu.Unlock()
		if ok {
			ch <- payload
		}
	}
}

func (t *Transport) acceptLoop() {
	defer t.wg.Done()
	for {
		conn, err := t.ln.Accept(t.ctx)
		if err != nil {
			return
		}
		from, err := nodecert.PeerKey(rawCerts(conn))
		if err != nil {
			conn.CloseWithError(1, "bad certificate")
			continue
		}
		t.mu.Lock()
		if t.ctx.Err() != nil {
			t.mu.Unlock()
			conn.CloseWithError(0, "closing")
			return
		}
		t.conns[conn] = struct{}{}
		t.mu.Unlock()
		t.wg.Add(1)
		go t.serveConn(conn, from)
	}
}

func rawCerts(conn *quic.Conn) [][]byte {
	pcs := conn.ConnectionState().TLS.PeerCertificates
	raw := make([][]byte, len(pcs))
	for i, c := range pcs {
		raw[i] = c.Raw
	}
	return raw
}

func (t *Transport) serveConn(conn *quic.Conn, from ed25519.PublicKey) {
	defer t.wg.Done()
	defer func() {
		t.mu.Lock()
		delete(t.conns, conn)
		t.mu.Unlock()
	}()
	for {
		st, err := conn.AcceptStream(t.ctx)
		if err != nil {
			return
		}
		t.wg.Add(1)
		go t.serveStream(conn, st, from)
	}
}

func (t *Transport) serveStream(conn *quic.Conn, st *quic.Stream, from ed25519.PublicKey) {
	defer t.wg.Done()
	ctx, cancel := context.WithCancel(conn.Context())
	defer cancel()
	out := make(chan []byte, 256)
	done := make(chan struct{})
	var handlers sync.WaitGroup
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		if err := batchwrite.Pump(st, 64<<10, out, done); err != nil {
			cancel()
			st.CancelRead(0)
		}
	}()
	defer func() {
		handlers.Wait()
		close(done)
	}()
	sem := make(chan struct{}, t.cfg.MaxInFlight)
	r := bufio.NewReaderSize(st, 64<<10)
	var hdr [4]byte
	for {
		tag, payload, err := readFrame(r, t.cfg.MaxFrame, hdr[:])
		if err != nil {
			if !errors.Is(err, io.EOF) && ctx.Err() == nil {
				t.log.Debug("rmb transport stream ended", "err", err)
			}
			if errors.Is(err, ErrTooLarge) {
				conn.CloseWithError(2, "frame too large")
			}
			return
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			return
		}
		handlers.Add(1)
		go func() {
			defer handlers.Done()
			defer func() { <-sem }()
			ans := t.cfg.Handler(ctx, from, payload)
			frame := make([]byte, 12+len(ans))
			binary.BigEndian.PutUint32(frame, uint32(8+len(ans)))
			binary.BigEndian.PutUint64(frame[4:], tag)
			copy(frame[12:], ans)
			select {
			case out <- frame:
			case <-ctx.Done():
			}
		}()
	}
}
