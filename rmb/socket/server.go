// Package socket serves the bus to local twins over a Unix socket.
//
// Protocol: every frame is a 4-byte big-endian length and a Cap'n Proto message whose root is
// schema.Frame. The server opens with a random challenge; the twin answers with auth (its twin id
// and an ed25519 signature of frame.AuthMessage by its registered signing key); a wrong or missing answer
// is refused, logged and the connection closed. Then the twin makes calls, each carrying a seq the
// server echoes on the answer: send (answer: sent once the envelope is durable), resolve, twinAddress,
// subscribe (then deliver and receipt frames arrive, each answered on its seq with ack, or with reject
// when the twin cannot take it, e.g. it does not open), dial and
// accept (the connection becomes a raw byte stream to the overlay after ok) and listen (the connection
// then carries incoming frames; accept their token on a new connection). A malformed frame closes that
// client's connection and nothing else.
package socket

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/freeflowuniverse/planetary/internal/batchwrite"
	"github.com/freeflowuniverse/planetary/rmb/bus"
	"github.com/freeflowuniverse/planetary/rmb/frame"
	"github.com/freeflowuniverse/planetary/rmb/resolve"
	"github.com/freeflowuniverse/planetary/rmb/schema"
	"github.com/freeflowuniverse/planetary/rmb/seal"
)

// Overlay is what the PNIC offers twins beyond messages: overlay addresses and TCP streams.
type Overlay interface {
	// TwinAddress returns the twin's overlay IPv6 address inside its PNIC's /64.
	TwinAddress(twinID uint64) (netip.Addr, error)
	// DialTCP opens a TCP stream over the overlay.
	DialTCP(ctx context.Context, ap netip.AddrPort) (net.Conn, error)
	// ListenTCP listens for TCP streams over the overlay on a local address and port.
	ListenTCP(ap netip.AddrPort) (net.Listener, error)
}

// Config describes a Server.
type Config struct {
	// Path of the Unix socket; a stale socket file there is replaced.
	Path string
	// Bus carries the twins' messages.
	Bus *bus.Bus
	// Overlay serves addresses and streams; nil answers those calls with "unavailable".
	Overlay Overlay
	// Logger receives connection events; nil discards them.
	Logger *slog.Logger
	// AuthTimeout bounds the login exchange (default 10 s).
	AuthTimeout time.Duration
}

// Server accepts twins on a Unix socket.
type Server struct {
	cfg Config
	log *slog.Logger
	ln  net.Listener

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	// refusals bounds the log lines of refused clients to one a second per reason.
	refusals *logLimiter

	mu      sync.Mutex
	conns   map[net.Conn]uint64 // the twin once logged in, 0 before
	pending map[uint64]pendingConn
}

type pendingConn struct {
	twin uint64
	conn net.Conn
}

// Listen creates the socket (mode 0600) and starts serving twins.
func Listen(cfg Config) (*Server, error) {
	if cfg.Bus == nil || cfg.Path == "" {
		return nil, errors.New("socket: Path and Bus are required")
	}
	if cfg.AuthTimeout <= 0 {
		cfg.AuthTimeout = 10 * time.Second
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if fi, err := os.Lstat(cfg.Path); err == nil && fi.Mode()&os.ModeSocket != 0 {
		os.Remove(cfg.Path)
	}
	ln, err := net.Listen("unix", cfg.Path)
	if err != nil {
		return nil, fmt.Errorf("socket: listen %s: %w", cfg.Path, err)
	}
	if err := os.Chmod(cfg.Path, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("socket: chmod %s: %w", cfg.Path, err)
	}
	s := &Server{cfg: cfg, log: log, ln: ln, conns: make(map[net.Conn]uint64), pending: make(map[uint64]pendingConn),
		refusals: newLogLimiter(time.Second, nil)}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.wg.Add(1)
	go s.acceptLoop()
	log.Info("rmb socket listening", "path", cfg.Path)
	return s, nil
}

// Close stops accepting, closes every client connection and removes the socket file.
func (s *Server) Close() error {
	s.cancel()
	err := s.ln.Close()
	s.mu.Lock()
	for c := range s.conns {
		c.Close()
	}
	for _, p := range s.pending {
		p.conn.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return err
}

func (s *Server) acceptLoop() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		if s.ctx.Err() != nil {
			s.mu.Unlock()
			c.Close()
			return
		}
		s.conns[c] = 0
		s.mu.Unlock()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.serve(c)
		}()
	}
}

// maxFrame is the largest frame a twin may send: the bus's largest envelope plus generous slack, so a
// somewhat oversized envelope reaches the bus and gets a clear "too large" answer; anything larger
// closes the connection.
func (s *Server) maxFrame() int { return s.cfg.Bus.Limits().MaxEnvelope + 1<<20 }

// Twins lists the twins logged in now, in increasing order.
func (s *Server) Twins() []uint64 {
	s.mu.Lock()
	var out []uint64
	for _, t := range s.conns {
		if t != 0 {
			out = append(out, t)
		}
	}
	s.mu.Unlock()
	slices.Sort(out)
	return slices.Compact(out)
}

func (s *Server) forget(c net.Conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

// client is one authenticated connection.
type client struct {
	s    *Server
	conn net.Conn
	r    *bufio.Reader
	twin uint64
	out  chan []byte
	ctx  context.Context
	stop context.CancelFunc
	mb   *bus.Mailbox
	wg   sync.WaitGroup
	// sends bounds the sends of one client in flight; the reader waits when it is full.
	sends chan struct{}
}

// maxSendsInFlight bounds concurrent groups of sends per client connection.
const maxSendsInFlight = 256

// Sends read from a client back to back are handed to the bus together, up to these bounds, so
// they share one store write and one fsync.
const (
	maxSendGroup      = 64
	maxSendGroupBytes = 128 << 10
)

// pendingSend is a send read from the twin and not yet handed to the bus.
type pendingSend struct {
	seq uint64
	bus.Sending
}

func (s *Server) serve(c net.Conn) {
	defer s.forget(c)
	raw := true // closed here unless handed over as a stream
	defer func() {
		if raw {
			c.Close()
		}
	}()
	r := bufio.NewReaderSize(c, 32<<10)
	twin, err := s.authenticate(c, r)
	if err != nil {
		reason := "other"
		var ae *authError
		if errors.As(err, &ae) {
			reason = ae.reason
		}
		if ok, held := s.refusals.allow(reason); ok {
			s.log.Warn("rmb socket client refused", "reason", reason, "err", err, "suppressed", held)
		}
		return
	}
	s.mu.Lock()
	if _, ok := s.conns[c]; ok {
		s.conns[c] = twin
	}
	s.mu.Unlock()
	ctx, stop := context.WithCancel(s.ctx)
	cl := &client{s: s, conn: c, r: r, twin: twin, out: make(chan []byte, 256), ctx: ctx, stop: stop,
		sends: make(chan struct{}, maxSendsInFlight)}
	defer stop()
	cl.wg.Add(1)
	go cl.writeLoop()
	handedOver, err := cl.loop()
	if err != nil && !errors.Is(err, io.EOF) && ctx.Err() == nil {
		s.log.Warn("rmb socket client closed", "twin", twin, "err", err)
	}
	stop()
	if cl.mb != nil {
		cl.mb.Close()
	}
	cl.wg.Wait()
	if handedOver {
		raw = false
	}
}

// authError is a refused login with a short, fixed reason that keys its log rate limit.
type authError struct {
	reason string
	err    error
}

func (e *authError) Error() string { return e.err.Error() }
func (e *authError) Unwrap() error { return e.err }

func (s *Server) authenticate(c net.Conn, r *bufio.Reader) (uint64, error) {
	// The whole login, the twin's lookup included, ends by the deadline: a resolver that does not
	// answer (its chain node gone) must not hold a login, nor Close, forever.
	deadline := time.Now().Add(s.cfg.AuthTimeout)
	ctx, cancel := context.WithDeadline(s.ctx, deadline)
	defer cancel()
	c.SetDeadline(deadline)
	defer c.SetDeadline(time.Time{})
	challenge := make([]byte, 32)
	if _, err := rand.Read(challenge); err != nil {
		return 0, &authError{"challenge", fmt.Errorf("challenge: %w", err)}
	}
	f, err := frame.NewFrame(0)
	if err != nil {
		return 0, &authError{"challenge", fmt.Errorf("challenge frame: %w", err)}
	}
	f.SetChallenge(challenge)
	if err := writeFrame(c, f); err != nil {
		return 0, &authError{"send challenge", fmt.Errorf("send challenge: %w", err)}
	}
	in, err := frame.ReadFrame(r, s.maxFrame())
	if err != nil {
		return 0, &authError{"read auth", fmt.Errorf("read auth: %w", err)}
	}
	if in.Which() != schema.Frame_Which_auth {
		s.refuse(c, in.Seq(), schema.ErrorCode_unauthenticated, "expected auth")
		return 0, &authError{"expected auth", fmt.Errorf("expected auth, got %v", in.Which())}
	}
	a, _ := in.Auth()
	sig, _ := a.Signature()
	twin := a.Twin()
	info, err := s.cfg.Bus.Resolver().Resolve(ctx, twin)
	if err != nil {
		code := schema.ErrorCode_unknownTwin
		reason := "unknown twin"
		if !errors.Is(err, resolve.ErrUnknownTwin) {
			code = ErrorCode(err) // the lookup failed: the twin may well be known
			reason = "twin lookup failed"
		}
		s.refuse(c, in.Seq(), code, fmt.Sprintf("twin %d: %v", twin, err))
		return 0, &authError{reason, fmt.Errorf("resolve twin %d: %w", twin, err)}
	}
	if !ed25519.Verify(info.SigningKey, frame.AuthMessage(challenge, twin), sig) {
		s.refuse(c, in.Seq(), schema.ErrorCode_unauthenticated, "signature does not match the twin's key")
		return 0, &authError{"wrong key", fmt.Errorf("twin %d: wrong key", twin)}
	}
	if !info.PNIC.Equal(s.cfg.Bus.PublicKey()) {
		s.refuse(c, in.Seq(), schema.ErrorCode_wrongDestination, "twin is not hosted by this PNIC")
		return 0, &authError{"not hosted here", fmt.Errorf("twin %d is not hosted here", twin)}
	}
	ok, _ := frame.NewFrame(in.Seq())
	ok.SetOk()
	if err := writeFrame(c, ok); err != nil {
		return 0, &authError{"send ok", fmt.Errorf("send ok: %w", err)}
	}
	s.log.Debug("rmb socket twin authenticated", "twin", twin)
	return twin, nil
}

func (s *Server) refuse(c net.Conn, seq uint64, code schema.ErrorCode, text string) {
	if f, err := errorFrame(seq, code, text); err == nil {
		writeFrame(c, f)
	}
}

func writeFrame(w io.Writer, f schema.Frame) error {
	b, err := frame.Encode(f)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

func errorFrame(seq uint64, code schema.ErrorCode, text string) (schema.Frame, error) {
	f, err := frame.NewFrame(seq)
	if err != nil {
		return f, err
	}
	e, err := f.NewError()
	if err != nil {
		return f, err
	}
	e.SetCode(code)
	return f, e.SetText(text)
}

// ErrorCode maps a bus error to the code sent to the twin.
func ErrorCode(err error) schema.ErrorCode {
	switch {
	case errors.Is(err, bus.ErrTooLarge):
		return schema.ErrorCode_tooLarge
	case errors.Is(err, bus.ErrExpired):
		return schema.ErrorCode_expired
	case errors.Is(err, bus.ErrUnknownTwin), errors.Is(err, resolve.ErrUnknownTwin):
		return schema.ErrorCode_unknownTwin
	case errors.Is(err, bus.ErrOverQuota):
		return schema.ErrorCode_overQuota
	case errors.Is(err, bus.ErrRateLimited):
		return schema.ErrorCode_rateLimited
	case errors.Is(err, bus.ErrNotLocal):
		return schema.ErrorCode_wrongDestination
	case errors.Is(err, bus.ErrClosed):
		return schema.ErrorCode_unavailable
	case errors.Is(err, bus.ErrTTLTooLong), errors.Is(err, seal.ErrMalformed):
		return schema.ErrorCode_badRequest
	case errors.Is(err, context.DeadlineExceeded):
		return schema.ErrorCode_timeout
	default:
		return schema.ErrorCode_internal
	}
}

func (cl *client) send(f schema.Frame) {
	b, err := frame.Encode(f)
	if err != nil {
		cl.s.log.Error("rmb socket: encode frame", "err", err)
		return
	}
	select {
	case cl.out <- b:
	case <-cl.ctx.Done():
	}
}

func (cl *client) fail(seq uint64, code schema.ErrorCode, text string) {
	if f, err := errorFrame(seq, code, text); err == nil {
		cl.send(f)
	}
}

func (cl *client) ok(seq uint64) {
	if f, err := frame.NewFrame(seq); err == nil {
		f.SetOk()
		cl.send(f)
	}
}

func (cl *client) writeLoop() {
	defer cl.wg.Done()
	if err := batchwrite.Pump(cl.conn, 32<<10, cl.out, cl.ctx.Done()); err != nil {
		cl.stop()
	}
}

// loop serves calls until the client leaves, misbehaves, or the connection becomes a stream.
func (cl *client) loop() (handedOver bool, err error) {
	cl.wg.Add(1)
	go func() {
		defer cl.wg.Done()
		<-cl.ctx.Done()
		cl.conn.SetReadDeadline(time.Now()) // unblock the reader
	}()
	var sends []pendingSend
	sendBytes := 0
	for {
		// Sends are gathered while more frames are already buffered, and handed over before the
		// reader would wait for the twin.
		if len(sends) > 0 && (cl.r.Buffered() == 0 || len(sends) >= maxSendGroup || sendBytes >= maxSendGroupBytes) {
			cl.startSends(sends)
			sends, sendBytes = nil, 0
		}
		f, err := frame.ReadFrame(cl.r, cl.s.maxFrame())
		if err != nil {
			return false, err
		}
		seq := f.Seq()
		switch f.Which() {
		case schema.Frame_Which_send:
			raw, _ := f.Send()
			if p, ok := cl.checkSend(seq, raw); ok {
				sends = append(sends, p)
				sendBytes += len(raw)
			}
		case schema.Frame_Which_resolve:
			cl.handleResolve(seq, f.Resolve())
		case schema.Frame_Which_twinAddress:
			cl.handleAddress(seq, f.TwinAddress())
		case schema.Frame_Which_subscribe:
			if err := cl.subscribe(seq); err != nil {
				return false, err
			}
		case schema.Frame_Which_ack:
			if cl.mb == nil {
				return false, errors.New("ack before subscribe")
			}
			if err := cl.mb.Ack(cl.ctx, seq); err != nil {
				return false, err
			}
		case schema.Frame_Which_reject:
			if cl.mb == nil {
				return false, errors.New("reject before subscribe")
			}
			e, _ := f.Reject()
			text, _ := e.Text()
			if err := cl.mb.Reject(cl.ctx, seq, e.Code(), text); err != nil {
				return false, err
			}
		case schema.Frame_Which_dial:
			target, _ := f.Dial()
			return cl.handleDial(seq, target)
		case schema.Frame_Which_accept:
			return cl.handleAccept(seq, f.Accept())
		case schema.Frame_Which_listen:
			return false, cl.handleListen(seq, f.Listen())
		default:
			return false, fmt.Errorf("%w: unexpected %v from a twin", frame.ErrFrame, f.Which())
		}
	}
}

// checkSend decodes a send and checks it comes from the connected twin; a bad one is answered here.
func (cl *client) checkSend(seq uint64, raw []byte) (pendingSend, bool) {
	e, err := seal.Decode(raw)
	if err != nil {
		cl.fail(seq, schema.ErrorCode_badRequest, err.Error())
		return pendingSend{}, false
	}
	if e.Src != cl.twin {
		cl.fail(seq, schema.ErrorCode_badRequest, fmt.Sprintf("envelope source %d is not the connected twin %d", e.Src, cl.twin))
		return pendingSend{}, false
	}
	return pendingSend{seq: seq, Sending: bus.Sending{Envelope: e, Raw: raw}}, true
}

// startSends hands a group of sends to the bus and answers each once it is durable (or refused).
// Groups run concurrently so one slow fsync does not stall the connection.
func (cl *client) startSends(sends []pendingSend) {
	select {
	case cl.sends <- struct{}{}:
	case <-cl.ctx.Done():
		return
	}
	cl.wg.Add(1)
	go func() {
		defer cl.wg.Done()
		defer func() { <-cl.sends }()
		group := make([]bus.Sending, len(sends))
		for i := range sends {
			group[i] = sends[i].Sending
		}
		cl.s.cfg.Bus.SendEnvelopes(cl.ctx, group)
		for i, s := range group {
			if s.Err != nil {
				cl.fail(sends[i].seq, ErrorCode(s.Err), s.Err.Error())
				continue
			}
			f, err := frame.NewFrame(sends[i].seq)
			if err == nil {
				err = f.SetSent(s.ID[:])
			}
			if err == nil {
				cl.send(f)
			}
		}
	}()
}

func (cl *client) handleResolve(seq, twin uint64) {
	info, err := cl.s.cfg.Bus.Resolver().Resolve(cl.ctx, twin)
	if err != nil {
		cl.fail(seq, ErrorCode(err), err.Error())
		return
	}
	f, err := frame.NewFrame(seq)
	if err != nil {
		return
	}
	t, err := f.NewTwin()
	if err != nil {
		return
	}
	t.SetId(info.ID)
	t.SetSigningKey(info.SigningKey)
	t.SetEncryptionKey(info.EncryptionKey[:])
	t.SetPnic(info.PNIC)
	cl.send(f)
}

func (cl *client) handleAddress(seq, twin uint64) {
	if twin == 0 {
		twin = cl.twin
	}
	if cl.s.cfg.Overlay == nil {
		cl.fail(seq, schema.ErrorCode_unavailable, "this PNIC has no overlay")
		return
	}
	a, err := cl.s.cfg.Overlay.TwinAddress(twin)
	if err != nil {
		cl.fail(seq, schema.ErrorCode_unknownTwin, err.Error())
		return
	}
	f, err := frame.NewFrame(seq)
	if err == nil && f.SetAddress(a.String()) == nil {
		cl.send(f)
	}
}

func (cl *client) subscribe(seq uint64) error {
	if cl.mb != nil {
		cl.fail(seq, schema.ErrorCode_badRequest, "already subscribed")
		return nil
	}
	mb, err := cl.s.cfg.Bus.Attach(cl.ctx, cl.twin)
	if err != nil {
		cl.fail(seq, ErrorCode(err), err.Error())
		return nil
	}
	cl.mb = mb
	cl.ok(seq)
	cl.wg.Add(1)
	go func() {
		defer cl.wg.Done()
		for d := range mb.Deliveries() {
			f, err := frame.NewFrame(d.Seq)
			if err != nil {
				continue
			}
			if d.Envelope != nil {
				err = f.SetDeliver(d.Envelope)
			} else {
				var r schema.Receipt
				if r, err = f.NewReceipt(); err == nil {
					r.SetId(d.Receipt.ID[:])
					r.SetDelivered(d.Receipt.Delivered)
					r.SetCode(d.Receipt.Code)
					err = r.SetReason(d.Receipt.Reason)
				}
			}
			if err == nil {
				cl.send(f)
			}
		}
		// Another connection of the same twin took over: this one is done.
		cl.stop()
	}()
	return nil
}

// handOver turns the connection into a byte stream joined to other. Dial and accept are meant to be
// the first call on a fresh connection: answers still queued for earlier calls are dropped.
func (cl *client) handOver(seq uint64, other net.Conn) (bool, error) {
	if cl.mb != nil {
		cl.mb.Close()
	}
	cl.stop()
	cl.wg.Wait()
	cl.conn.SetReadDeadline(time.Time{})
	f, err := frame.NewFrame(seq)
	if err != nil {
		other.Close()
		return false, err
	}
	f.SetOk()
	if err := writeFrame(cl.conn, f); err != nil {
		other.Close()
		return false, err
	}
	// Anything the twin wrote after its call is already buffered in cl.r.
	go pipe(cl.conn, cl.r, other)
	return true, nil
}

func pipe(a net.Conn, ar io.Reader, b net.Conn) {
	done := make(chan struct{}, 2)
	go func() { io.Copy(b, ar); closeWrite(b); done <- struct{}{} }()
	go func() { io.Copy(a, b); closeWrite(a); done <- struct{}{} }()
	<-done
	<-done
	a.Close()
	b.Close()
}

func closeWrite(c net.Conn) {
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	} else {
		c.Close()
	}
}

func (cl *client) handleDial(seq uint64, target string) (bool, error) {
	if cl.s.cfg.Overlay == nil {
		cl.fail(seq, schema.ErrorCode_unavailable, "this PNIC has no overlay")
		return false, nil
	}
	ap, err := netip.ParseAddrPort(target)
	if err != nil {
		cl.fail(seq, schema.ErrorCode_badRequest, err.Error())
		return false, nil
	}
	ctx, cancel := context.WithTimeout(cl.ctx, 30*time.Second)
	defer cancel()
	c, err := cl.s.cfg.Overlay.DialTCP(ctx, ap)
	if err != nil {
		cl.fail(seq, schema.ErrorCode_unavailable, err.Error())
		return false, nil
	}
	return cl.handOver(seq, c)
}

func (cl *client) handleAccept(seq, token uint64) (bool, error) {
	cl.s.mu.Lock()
	p, ok := cl.s.pending[token]
	if ok && p.twin == cl.twin {
		delete(cl.s.pending, token)
	}
	cl.s.mu.Unlock()
	if !ok || p.twin != cl.twin {
		cl.fail(seq, schema.ErrorCode_badRequest, "no such incoming connection")
		return false, nil
	}
	return cl.handOver(seq, p.conn)
}

func (cl *client) handleListen(seq uint64, port uint16) error {
	if cl.s.cfg.Overlay == nil {
		cl.fail(seq, schema.ErrorCode_unavailable, "this PNIC has no overlay")
		return nil
	}
	addr, err := cl.s.cfg.Overlay.TwinAddress(cl.twin)
	if err != nil {
		cl.fail(seq, schema.ErrorCode_unavailable, err.Error())
		return nil
	}
	ln, err := cl.s.cfg.Overlay.ListenTCP(netip.AddrPortFrom(addr, port))
	if err != nil {
		cl.fail(seq, schema.ErrorCode_unavailable, err.Error())
		return nil
	}
	defer ln.Close()
	go func() {
		<-cl.ctx.Done()
		ln.Close()
	}()
	// The listening connection carries only incoming frames; the twin closing it stops the listener.
	go func() {
		io.Copy(io.Discard, cl.r)
		cl.stop()
	}()
	cl.ok(seq)
	for {
		c, err := ln.Accept()
		if err != nil {
			if cl.ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("overlay accept: %w", err)
		}
		var tok [8]byte
		rand.Read(tok[:])
		token := uint64(tok[0])<<56 | uint64(tok[1])<<48 | uint64(tok[2])<<40 | uint64(tok[3])<<32 |
			uint64(tok[4])<<24 | uint64(tok[5])<<16 | uint64(tok[6])<<8 | uint64(tok[7])
		cl.s.mu.Lock()
		cl.s.pending[token] = pendingConn{twin: cl.twin, conn: c}
		cl.s.mu.Unlock()
		time.AfterFunc(30*time.Second, func() { // not taken in time
			cl.s.mu.Lock()
			p, ok := cl.s.pending[token]
			delete(cl.s.pending, token)
			cl.s.mu.Unlock()
			if ok {
				p.conn.Close()
			}
		})
		f, err := frame.NewFrame(0)
		if err != nil {
			continue
		}
		in, err := f.NewIncoming()
		if err == nil {
			in.SetToken(token)
			err = in.SetRemote(c.RemoteAddr().String())
		}
		if err == nil {
			cl.send(f)
		}
	}
}
