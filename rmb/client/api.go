package client

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"

	"capnproto.org/go/capnp/v3"

	"github.com/freeflowuniverse/planetary/rmb/frame"
	"github.com/freeflowuniverse/planetary/rmb/schema"
	"github.com/freeflowuniverse/planetary/rmb/seal"
)

// twinCacheTTL bounds how long resolved twin keys are reused.
const twinCacheTTL = time.Minute

func (c *Client) twin(ctx context.Context, id uint64) (twinKeys, error) {
	c.mu.Lock()
	k, ok := c.twins[id]
	c.mu.Unlock()
	if ok && time.Since(k.fetched) < twinCacheTTL {
		return k, nil
	}
	f, err := c.call(ctx, true, func(f schema.Frame) error { f.SetResolve(id); return nil })
	if err != nil {
		return twinKeys{}, fmt.Errorf("client: resolve twin %d: %w", id, err)
	}
	t, err := f.Twin()
	if err != nil {
		return twinKeys{}, fmt.Errorf("client: resolve twin %d: %w", id, err)
	}
	sk, _ := t.SigningKey()
	ek, _ := t.EncryptionKey()
	if len(sk) != ed25519.PublicKeySize || len(ek) != 32 {
		return twinKeys{}, fmt.Errorf("client: twin %d has malformed keys", id)
	}
	k = twinKeys{signing: append(ed25519.PublicKey(nil), sk...), fetched: time.Now()}
	copy(k.encryption[:], ek)
	c.mu.Lock()
	c.twins[id] = k
	c.mu.Unlock()
	return k, nil
}

func (c *Client) open(raw []byte) (*Message, error) {
	e, err := seal.Decode(raw)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(c.ctx, 10*time.Second)
	defer cancel()
	k, err := c.twin(ctx, e.Src)
	if err != nil {
		return nil, err
	}
	body, err := c.opener.Open(k.signing, e)
	if err != nil {
		return nil, err
	}
	return &Message{ID: e.ID, From: e.Src, Kind: e.Kind, Command: e.Command, Correlation: e.Correlation,
		Schema: e.Schema, Created: time.Unix(0, e.Created), Expires: time.Unix(0, e.Expires), Body: body}, nil
}

// Outgoing describes a message to send.
type Outgoing struct {
	To          uint64
	Command     string
	Schema      uint64 // Cap'n Proto type id of Body, 0 if not Cap'n Proto
	Body        []byte
	Kind        seal.Kind     // default KindMessage
	Correlation []byte        // for responses: the request's id
	TTL         time.Duration // default Config.TTL
}

// Seal builds and seals the envelope for out, returning its encoding.
func (c *Client) Seal(ctx context.Context, out Outgoing) (*seal.Envelope, []byte, error) {
	k, err := c.twin(ctx, out.To)
	if err != nil {
		return nil, nil, err
	}
	ttl := out.TTL
	if ttl <= 0 {
		ttl = c.cfg.TTL
	}
	now := time.Now()
	e := &seal.Envelope{ID: seal.NewID(), Src: c.cfg.Keys.ID, Dst: out.To, Created: now.UnixNano(), Expires: now.Add(ttl).UnixNano(),
		Kind: out.Kind, Command: out.Command, Correlation: out.Correlation, Schema: out.Schema}
	if err := c.sealer.Seal(k.encryption, e, out.Body); err != nil {
		return nil, nil, err
	}
	raw, err := e.Marshal()
	if err != nil {
		return nil, nil, err
	}
	return e, raw, nil
}

// SendRaw hands an encoded, sealed envelope to the PNIC and returns once it is durable there. It is
// retried over reconnections with the same id, which the bus accepts once.
func (c *Client) SendRaw(ctx context.Context, raw []byte) error {
	if len(raw) > maxFrame-1024 {
		return &Error{Code: schema.ErrorCode_tooLarge, Text: fmt.Sprintf("envelope of %d bytes; send large data over a stream", len(raw))}
	}
	_, err := c.call(ctx, true, func(f schema.Frame) error { return f.SetSend(raw) })
	if err != nil {
		return fmt.Errorf("client: send: %w", err)
	}
	return nil
}

// Send seals and sends a message and returns its id once the PNIC has stored it durably.
func (c *Client) Send(ctx context.Context, out Outgoing) (seal.ID, error) {
	e, raw, err := c.Seal(ctx, out)
	if err != nil {
		return seal.ID{}, err
	}
	return e.ID, c.SendRaw(ctx, raw)
}

// SendWait sends a message and waits for its receipt: delivered to the receiving PNIC, or failed.
func (c *Client) SendWait(ctx context.Context, out Outgoing) (Receipt, error) {
	e, raw, err := c.Seal(ctx, out)
	if err != nil {
		return Receipt{}, err
	}
	ch := make(chan Receipt, 1)
	c.mu.Lock()
	c.receipts[e.ID] = ch
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.receipts, e.ID)
		c.mu.Unlock()
	}()
	if err := c.SendRaw(ctx, raw); err != nil {
		return Receipt{}, err
	}
	select {
	case r := <-ch:
		return r, nil
	case <-ctx.Done():
		return Receipt{}, fmt.Errorf("client: waiting for the receipt of %s: %w", e.ID, ctx.Err())
	}
}

// Request sends a request and waits for the response until ctx ends.
func (c *Client) Request(ctx context.Context, out Outgoing) (*Message, error) {
	out.Kind = seal.KindRequest
	e, raw, err := c.Seal(ctx, out)
	if err != nil {
		return nil, err
	}
	ch := make(chan *Message, 1)
	c.mu.Lock()
	c.replies[e.ID] = ch
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.replies, e.ID)
		c.mu.Unlock()
	}()
	if err := c.SendRaw(ctx, raw); err != nil {
		return nil, err
	}
	select {
	case m := <-ch:
		return m, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("client: no response to %s %q from twin %d: %w", e.ID, out.Command, out.To, ctx.Err())
	}
}

// Reply sends the response to a request.
func (c *Client) Reply(ctx context.Context, req *Message, schemaID uint64, body []byte) error {
	_, err := c.Send(ctx, Outgoing{To: req.From, Kind: seal.KindResponse, Command: req.Command,
		Correlation: req.ID[:], Schema: schemaID, Body: body, TTL: time.Until(req.Expires)})
	return err
}

// Ping measures the round trip to another twin through both PNICs.
func (c *Client) Ping(ctx context.Context, to uint64) (time.Duration, error) {
	msg, seg := capnp.NewSingleSegmentMessage(nil)
	p, err := schema.NewRootPing(seg)
	if err != nil {
		return 0, err
	}
	start := time.Now()
	p.SetSent(start.UnixNano())
	body, err := msg.Marshal()
	if err != nil {
		return 0, err
	}
	resp, err := c.Request(ctx, Outgoing{To: to, Command: PingCommand, Schema: schema.Ping_TypeID, Body: body})
	if err != nil {
		return 0, err
	}
	if resp.Schema != schema.Pong_TypeID {
		return 0, fmt.Errorf("client: ping answered with schema %#x, want Pong", resp.Schema)
	}
	return time.Since(start), nil
}

func (c *Client) answerPing(m *Message) {
	defer m.Ack()
	pm, err := capnp.Unmarshal(m.Body)
	if err != nil || m.Schema != schema.Ping_TypeID {
		return
	}
	p, err := schema.ReadRootPing(pm)
	if err != nil {
		return
	}
	msg, seg := capnp.NewSingleSegmentMessage(nil)
	pong, err := schema.NewRootPong(seg)
	if err != nil {
		return
	}
	pong.SetSeq(p.Seq())
	pong.SetSent(p.Sent())
	body, err := msg.Marshal()
	if err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(c.ctx, 10*time.Second)
	defer cancel()
	if err := c.Reply(ctx, m, schema.Pong_TypeID, body); err != nil {
		c.log.Warn("rmb client could not answer a ping", "from", m.From, "err", err)
	}
}

// Address returns the overlay IPv6 address of a twin (0 for this twin).
func (c *Client) Address(ctx context.Context, twin uint64) (netip.Addr, error) {
	f, err := c.call(ctx, true, func(f schema.Frame) error { f.SetTwinAddress(twin); return nil })
	if err != nil {
		return netip.Addr{}, fmt.Errorf("client: address of twin %d: %w", twin, err)
	}
	s, err := f.Address()
	if err != nil {
		return netip.Addr{}, err
	}
	return netip.ParseAddr(s)
}

// streamConn is a socket connection turned into a byte stream, reading what the login buffered first.
type streamConn struct {
	net.Conn
	r      *bufio.Reader
	remote net.Addr // the overlay peer of an accepted stream, nil otherwise
}

func (s *streamConn) Read(p []byte) (int, error) { return s.r.Read(p) }

// RemoteAddr returns the overlay address and port of an accepted stream's peer, and the socket's
// other end otherwise.
func (s *streamConn) RemoteAddr() net.Addr {
	if s.remote != nil {
		return s.remote
	}
	return s.Conn.RemoteAddr()
}

// CloseWrite half-closes the stream.
func (s *streamConn) CloseWrite() error {
	if cw, ok := s.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return s.Conn.Close()
}

// streamCall logs in on a new connection and makes a call whose ok turns it into a stream.
func (c *Client) streamCall(ctx context.Context, fill func(schema.Frame) error) (*streamConn, error) {
	nc, r, err := c.login(ctx)
	if err != nil {
		return nil, err
	}
	f, err := frame.NewFrame(2)
	if err == nil {
		err = fill(f)
	}
	if err == nil {
		err = writeFrame(nc, f)
	}
	if err != nil {
		nc.Close()
		return nil, err
	}
	if dl, ok := ctx.Deadline(); ok {
		nc.SetReadDeadline(dl)
	}
	ans, err := frame.ReadFrame(r, maxFrame)
	nc.SetReadDeadline(time.Time{})
	if err != nil {
		nc.Close()
		return nil, err
	}
	if ans.Which() == schema.Frame_Which_error {
		nc.Close()
		return nil, frameError(ans)
	}
	if ans.Which() != schema.Frame_Which_ok {
		nc.Close()
		return nil, fmt.Errorf("client: unexpected answer %v", ans.Which())
	}
	return &streamConn{Conn: nc, r: r}, nil
}

// DialStream opens a TCP stream over the overlay through the PNIC.
func (c *Client) DialStream(ctx context.Context, ap netip.AddrPort) (net.Conn, error) {
	s, err := c.streamCall(ctx, func(f schema.Frame) error { return f.SetDial(ap.String()) })
	if err != nil {
		return nil, fmt.Errorf("client: dial %s: %w", ap, err)
	}
	return s, nil
}

// ListenStream listens on the twin's overlay address and port through the PNIC.
func (c *Client) ListenStream(ctx context.Context, port uint16) (net.Listener, error) {
	s, err := c.streamCall(ctx, func(f schema.Frame) error { f.SetListen(port); return nil })
	if err != nil {
		return nil, fmt.Errorf("client: listen on port %d: %w", port, err)
	}
	return &listener{c: c, s: s, port: port}, nil
}

type listener struct {
	c    *Client
	s    *streamConn
	port uint16
}

// Accept waits for the next overlay connection and takes it over a new socket connection; the
// connection's RemoteAddr is its overlay peer's address and port.
func (l *listener) Accept() (net.Conn, error) {
	for {
		f, err := frame.ReadFrame(l.s.r, maxFrame)
		if err != nil {
			return nil, fmt.Errorf("client: listener on port %d: %w", l.port, err)
		}
		if f.Which() != schema.Frame_Which_incoming {
			continue
		}
		in, err := f.Incoming()
		if err != nil {
			continue
		}
		ctx, cancel := context.WithTimeout(l.c.ctx, 10*time.Second)
		conn, err := l.c.streamCall(ctx, func(f schema.Frame) error { f.SetAccept(in.Token()); return nil })
		cancel()
		var pe *Error
		if errors.As(err, &pe) {
			continue // that connection went away; wait for the next
		}
		if err != nil {
			return nil, err
		}
		if remote, _ := in.Remote(); remote != "" {
			if ap, err := netip.ParseAddrPort(remote); err == nil {
				conn.remote = net.TCPAddrFromAddrPort(ap)
			}
		}
		return conn, nil
	}
}

func (l *listener) Close() error { return l.s.Close() }

func (l *listener) Addr() net.Addr { return l.s.LocalAddr() }
