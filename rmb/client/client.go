// Package client is the Go library twins use to talk to their PNIC's message bus over its Unix socket.
//
// A Client logs in with the twin's key, subscribes to the twin's inbox and reconnects by itself when
// the PNIC restarts. It seals every body for the receiving twin and opens what arrives, drops
// envelopes it has already handled (so each message reaches the application exactly once, even when
// the PNIC delivers again after a crash), answers pings, and matches responses to requests.
package client

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/freeflowuniverse/planetary/internal/batchwrite"
	"github.com/freeflowuniverse/planetary/rmb/frame"
	"github.com/freeflowuniverse/planetary/rmb/schema"
	"github.com/freeflowuniverse/planetary/rmb/seal"
)

// maxFrame bounds frames read from the PNIC, which sizes them by its own envelope limit.
const maxFrame = 16 << 20

// PingCommand is the command of the ping service every client answers.
const PingCommand = "rmb.ping"

// Errors returned by the client.
var (
	ErrClosed          = errors.New("client: closed")
	ErrDisconnected    = errors.New("client: not connected to the PNIC")
	ErrUnauthenticated = errors.New("client: the PNIC refused the twin's key")
)

// Error is a refusal from the PNIC, with the protocol's error code.
type Error struct {
	Code schema.ErrorCode
	Text string
}

func (e *Error) Error() string { return fmt.Sprintf("pnic: %s: %s", e.Code, e.Text) }

// Receipt tells the sending twin what became of a message.
type Receipt struct {
	ID        seal.ID
	Delivered bool             // the receiving PNIC persisted it
	Code      schema.ErrorCode // why it failed, when Delivered is false
	Reason    string
}

// Message is an opened inbound envelope.
type Message struct {
	ID          seal.ID
	From        uint64
	Kind        seal.Kind
	Command     string
	Correlation []byte
	Schema      uint64
	Created     time.Time
	Expires     time.Time
	Body        []byte

	c    *Client
	seq  uint64
	conn *conn
}

// Ack tells the PNIC the message is handled; until then it is delivered again after a reconnect.
func (m *Message) Ack() { m.c.ack(m.conn, m.seq, m.ID, m.Expires) }

// Config describes a Client.
type Config struct {
	// Path of the PNIC's Unix socket.
	Path string
	// Keys of the twin.
	Keys seal.TwinKeys
	// TTL of sent messages (default 5 minutes).
	TTL time.Duration
	// OnReceipt, if set, is called with every receipt not awaited by SendWait.
	OnReceipt func(Receipt)
	// Logger receives connection events; nil discards them.
	Logger *slog.Logger
}

// Client is a twin's connection to its PNIC.
type Client struct {
	cfg Config
	log *slog.Logger

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	msgs   chan *Message
	inbox  chan delivery
	sealer *seal.Sealer
	opener *seal.Opener

	mu       sync.Mutex
	cur      *conn
	ready    chan struct{} // closed when cur is set
	handled  map[seal.ID]time.Time
	receipts map[seal.ID]chan Receipt
	replies  map[seal.ID]chan *Message
	twins    map[uint64]twinKeys
}

type twinKeys struct {
	signing    ed25519.PublicKey
	encryption [32]byte
	fetched    time.Time
}

type delivery struct {
	c *conn
	f schema.Frame
}

// conn is one authenticated, subscribed socket connection.
type conn struct {
	nc   net.Conn
	out  chan []byte // encoded frames for the writer
	done chan struct{}

	mu      sync.Mutex
	nextSeq uint64
	pending map[uint64]chan schema.Frame
}

// Dial connects to the PNIC, logs in and subscribes; later disconnections are repaired in the background.
func Dial(ctx context.Context, cfg Config) (*Client, error) {
	if cfg.TTL <= 0 {
		cfg.TTL = 5 * time.Minute
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := &Client{cfg: cfg, log: log, msgs: make(chan *Message, 256), inbox: make(chan delivery, 4096),
		ready: make(chan struct{}), handled: make(map[seal.ID]time.Time),
		receipts: make(map[seal.ID]chan Receipt), replies: make(map[seal.ID]chan *Message), twins: make(map[uint64]twinKeys)}
	c.sealer, c.opener = seal.NewSealer(cfg.Keys, 0, 0), seal.NewOpener(cfg.Keys, 0)
	c.ctx, c.cancel = context.WithCancel(context.Background())
	cn, err := c.connect(ctx)
	if err != nil {
		c.cancel()
		return nil, err
	}
	c.setConn(cn)
	c.wg.Add(2)
	go c.supervise(cn)
	go c.dispatch()
	return c, nil
}

// Messages returns inbound messages that are not responses to this client's requests or pings.
func (c *Client) Messages() <-chan *Message { return c.msgs }

// Close disconnects; unacknowledged messages stay with the PNIC.
func (c *Client) Close() error {
	c.cancel()
	c.mu.Lock()
	if c.cur != nil {
		c.cur.nc.Close()
	}
	c.mu.Unlock()
	c.wg.Wait()
	return nil
}

// login dials the socket and authenticates, returning the connection and a reader positioned after it.
func (c *Client) login(ctx context.Context) (net.Conn, *bufio.Reader, error) {
	var d net.Dialer
	nc, err := d.DialContext(ctx, "unix", c.cfg.Path)
	if err != nil {
		return nil, nil, fmt.Errorf("client: dial %s: %w", c.cfg.Path, err)
	}
	if dl, ok := ctx.Deadline(); ok {
		nc.SetDeadline(dl)
	} else {
		nc.SetDeadline(time.Now().Add(30 * time.Second))
	}
	r := bufio.NewReaderSize(nc, 32<<10)
	f, err := frame.ReadFrame(r, maxFrame)
	if err != nil || f.Which() != schema.Frame_Which_challenge {
		nc.Close()
		return nil, nil, fmt.Errorf("client: read challenge: %v", err)
	}
	ch, _ := f.Challenge()
	auth, err := frame.NewFrame(1)
	if err != nil {
		nc.Close()
		return nil, nil, err
	}
	a, err := auth.NewAuth()
	if err == nil {
		a.SetTwin(c.cfg.Keys.ID)
		err = a.SetSignature(frame.SignChallenge(c.cfg.Keys.Signing, ch, c.cfg.Keys.ID))
	}
	if err == nil {
		err = writeFrame(nc, auth)
	}
	if err != nil {
		nc.Close()
		return nil, nil, fmt.Errorf("client: send auth: %w", err)
	}
	ans, err := frame.ReadFrame(r, maxFrame)
	if err != nil {
		nc.Close()
		return nil, nil, fmt.Errorf("client: read auth answer: %w", err)
	}
	if ans.Which() == schema.Frame_Which_error {
		nc.Close()
		e := frameError(ans)
		return nil, nil, fmt.Errorf("%w: %v", ErrUnauthenticated, e)
	}
	if ans.Which() != schema.Frame_Which_ok {
		nc.Close()
		return nil, nil, fmt.Errorf("client: unexpected auth answer %v", ans.Which())
	}
	nc.SetDeadline(time.Time{})
	return nc, r, nil
}

func (c *Client) connect(ctx context.Context) (*conn, error) {
	nc, r, err := c.login(ctx)
	if err != nil {
		return nil, err
	}
	cn := &conn{nc: nc, out: make(chan []byte, 256), done: make(chan struct{}), nextSeq: 1, pending: make(map[uint64]chan schema.Frame)}
	c.wg.Add(2)
	go c.readLoop(cn, r)
	go c.writeLoop(cn)
	if _, err := c.callOn(ctx, cn, func(f schema.Frame) error { f.SetSubscribe(); return nil }); err != nil {
		nc.Close()
		return nil, fmt.Errorf("client: subscribe: %w", err)
	}
	return cn, nil
}

// setConn installs a new connection unless it already died, in which case supervise sees its end
// and dials again. readLoop retires a connection under the same lock, so the two cannot interleave.
func (c *Client) setConn(cn *conn) {
	c.mu.Lock()
	defer c.mu.Unlock()
	select {
	case <-cn.done:
		return
	default:
	}
	c.cur = cn
	select {
	case <-c.ready:
	default:
		close(c.ready)
	}
}

// reconnectReport is how often a reconnection that keeps failing is reported.
const reconnectReport = 10 * time.Second

// supervise reconnects whenever the connection drops, until Close. The first failed attempt and
// then one every reconnectReport are logged with the number of attempts and the last error, so a
// twin that cannot get back to its PNIC says so and why; a successful reconnection is logged too.
func (c *Client) supervise(cn *conn) {
	defer c.wg.Done()
	for {
		select {
		case <-cn.done:
		case <-c.ctx.Done():
			return
		}
		c.log.Info("rmb client disconnected; reconnecting", "twin", c.cfg.Keys.ID)
		next, ok := c.reconnect()
		if !ok {
			return
		}
		cn = next
	}
}

// reconnect dials until a connection is installed; it reports false once the client is closed.
func (c *Client) reconnect() (*conn, bool) {
	start := time.Now()
	var reported time.Time
	delay := 20 * time.Millisecond
	for attempt := 1; ; attempt++ {
		ctx, cancel := context.WithTimeout(c.ctx, 10*time.Second)
		next, err := c.connect(ctx)
		cancel()
		if err == nil {
			c.setConn(next)
			c.log.Info("rmb client reconnected", "twin", c.cfg.Keys.ID, "attempts", attempt,
				"after", time.Since(start).Round(time.Millisecond))
			return next, true
		}
		if c.ctx.Err() != nil {
			return nil, false
		}
		if now := time.Now(); reported.IsZero() || now.Sub(reported) >= reconnectReport {
			reported = now
			c.log.Warn("rmb client cannot reconnect to the PNIC; still trying", "twin", c.cfg.Keys.ID,
				"socket", c.cfg.Path, "attempts", attempt, "for", now.Sub(start).Round(time.Millisecond), "err", err)
		}
		select {
		case <-time.After(delay):
		case <-c.ctx.Done():
			return nil, false
		}
		delay = min(delay*2, time.Second)
	}
}

func (c *Client) readLoop(cn *conn, r *bufio.Reader) {
	defer c.wg.Done()
	defer func() {
		cn.nc.Close()
		// Retire the connection before announcing its end, so callers retrying on done wait for the next.
		c.mu.Lock()
		if c.cur == cn {
			c.cur = nil
			c.ready = make(chan struct{})
		}
		close(cn.done)
		c.mu.Unlock()
	}()
	go func() {
		select {
		case <-c.ctx.Done():
			cn.nc.Close()
		case <-cn.done:
		}
	}()
	for {
		f, err := frame.ReadFrame(r, maxFrame)
		if err != nil {
			return
		}
		switch f.Which() {
		case schema.Frame_Which_deliver, schema.Frame_Which_receipt:
			select {
			case c.inbox <- delivery{cn, f}:
			case <-c.ctx.Done():
				return
			}
		default:
			cn.mu.Lock()
			ch, ok := cn.pending[f.Seq()]
			delete(cn.pending, f.Seq())
			cn.mu.Unlock()
			if ok {
				ch <- f
			}
		}
	}
}

func writeFrame(nc net.Conn, f schema.Frame) error {
	b, err := frame.Encode(f)
	if err != nil {
		return err
	}
	_, err = nc.Write(b)
	return err
}

// write queues f for the connection's writer; it fails once the connection is gone.
func (cn *conn) write(f schema.Frame) error {
	b, err := frame.Encode(f)
	if err != nil {
		return err
	}
	select {
	case cn.out <- b:
		return nil
	case <-cn.done:
		return ErrDisconnected
	}
}

// writeLoop writes queued frames, many to a syscall when they come in quick succession; a write
// error closes the connection, which ends readLoop.
func (c *Client) writeLoop(cn *conn) {
	defer c.wg.Done()
	if err := batchwrite.Pump(cn.nc, 32<<10, cn.out, cn.done); err != nil {
		cn.nc.Close()
	}
}

func frameError(f schema.Frame) *Error {
	e, err := f.Error()
	if err != nil {
		return &Error{Code: schema.ErrorCode_internal, Text: "unreadable error"}
	}
	t, _ := e.Text()
	return &Error{Code: e.Code(), Text: t}
}

// callOn makes one call on cn and returns the answer frame; an error frame becomes *Error.
func (c *Client) callOn(ctx context.Context, cn *conn, fill func(schema.Frame) error) (schema.Frame, error) {
	ch := make(chan schema.Frame, 1)
	cn.mu.Lock()
	seq := cn.nextSeq
	cn.nextSeq++
	cn.pending[seq] = ch
	cn.mu.Unlock()
	forget := func() {
		cn.mu.Lock()
		delete(cn.pending, seq)
		cn.mu.Unlock()
	}
	f, err := frame.NewFrame(seq)
	if err == nil {
		err = fill(f)
	}
	if err == nil {
		err = cn.write(f)
	}
	if err != nil {
		forget()
		return schema.Frame{}, fmt.Errorf("%w: %v", ErrDisconnected, err)
	}
	select {
	case ans := <-ch:
		if ans.Which() == schema.Frame_Which_error {
			return ans, frameError(ans)
		}
		return ans, nil
	case <-cn.done:
		// The answer is read before the end of the connection: when both are there, select may
		// pick either, and an answered call must not be reported as lost.
		select {
		case ans := <-ch:
			if ans.Which() == schema.Frame_Which_error {
				return ans, frameError(ans)
			}
			return ans, nil
		default:
		}
		forget()
		return schema.Frame{}, ErrDisconnected
	case <-ctx.Done():
		forget()
		return schema.Frame{}, fmt.Errorf("client: %w", ctx.Err())
	}
}

// maxRetries bounds how often one call is retried over reconnections, so a frame the PNIC refuses
// by closing the connection cannot loop forever.
const maxRetries = 20

// call makes a call on the current connection, waiting for one if the client is reconnecting and
// retrying once the connection is back when retry is set (the call must then be idempotent).
func (c *Client) call(ctx context.Context, retry bool, fill func(schema.Frame) error) (schema.Frame, error) {
	for attempt := 0; ; attempt++ {
		c.mu.Lock()
		cn, ready := c.cur, c.ready
		c.mu.Unlock()
		if cn == nil {
			select {
			case <-ready:
				continue
			case <-ctx.Done():
				return schema.Frame{}, fmt.Errorf("client: %w while reconnecting", ctx.Err())
			case <-c.ctx.Done():
				return schema.Frame{}, ErrClosed
			}
		}
		f, err := c.callOn(ctx, cn, fill)
		if retry && errors.Is(err, ErrDisconnected) && attempt < maxRetries {
			select {
			case <-cn.done:
			case <-ctx.Done():
				return schema.Frame{}, fmt.Errorf("client: %w", ctx.Err())
			}
			continue
		}
		return f, err
	}
}

func (c *Client) ack(cn *conn, seq uint64, id seal.ID, expires time.Time) {
	c.mu.Lock()
	c.handled[id] = expires
	c.mu.Unlock()
	f, err := frame.NewFrame(seq)
	if err != nil {
		return
	}
	f.SetAck()
	cn.write(f) // on a dead connection the PNIC delivers again and the id filter drops it
}

// dispatch opens deliveries and routes them: receipts to waiters, responses to requests, pings
// answered, everything else to Messages.
func (c *Client) dispatch() {
	defer c.wg.Done()
	defer close(c.msgs)
	prune := time.NewTicker(time.Minute)
	defer prune.Stop()
	for {
		var d delivery
		select {
		case d = <-c.inbox:
		case now := <-prune.C:
			c.mu.Lock()
			for id, exp := range c.handled {
				if now.After(exp.Add(time.Minute)) {
					delete(c.handled, id)
				}
			}
			c.mu.Unlock()
			continue
		case <-c.ctx.Done():
			return
		}
		if d.f.Which() == schema.Frame_Which_receipt {
			c.handleReceipt(d)
			continue
		}
		raw, _ := d.f.Deliver()
		m, err := c.open(raw)
		if err != nil {
			c.refuse(d, err)
			continue
		}
		m.c, m.seq, m.conn = c, d.f.Seq(), d.c
		c.mu.Lock()
		_, dup := c.handled[m.ID]
		var waiter chan *Message
		if m.Kind == seal.KindResponse && len(m.Correlation) == seal.IDSize {
			var rid seal.ID
			copy(rid[:], m.Correlation)
			waiter = c.replies[rid]
			delete(c.replies, rid)
		}
		c.mu.Unlock()
		switch {
		case dup:
			c.ackRaw(d.c, m.seq)
		case waiter != nil:
			m.Ack()
			waiter <- m
		case m.Kind == seal.KindRequest && m.Command == PingCommand:
			c.answerPing(m)
		default:
			select {
			case c.msgs <- m:
			case <-c.ctx.Done():
				return
			}
		}
	}
}

// refuse answers a delivery that does not open: a tampered or malformed envelope, or one whose
// sender is unknown, is rejected so the PNIC drops it, counts it and tells the sender; one whose
// sender could not be looked up for now (the PNIC unreachable) is left unanswered and comes again
// after a reconnect.
func (c *Client) refuse(d delivery, err error) {
	code := schema.ErrorCode_tampered
	var pe *Error
	switch {
	case errors.Is(err, seal.ErrMalformed):
		code = schema.ErrorCode_badRequest
	case errors.As(err, &pe) && pe.Code == schema.ErrorCode_unknownTwin:
		code = schema.ErrorCode_unknownTwin
	case errors.Is(err, seal.ErrOpen), errors.Is(err, seal.ErrBadSignature):
	default:
		c.log.Warn("rmb client cannot open an envelope now; it will come again", "err", err)
		return
	}
	c.log.Warn("rmb client refused an envelope", "code", code.String(), "err", err)
	f, ferr := frame.NewFrame(d.f.Seq())
	if ferr != nil {
		return
	}
	e, ferr := f.NewReject()
	if ferr == nil {
		e.SetCode(code)
		ferr = e.SetText(err.Error())
	}
	if ferr == nil {
		d.c.write(f)
	}
}

func (c *Client) ackRaw(cn *conn, seq uint64) {
	f, err := frame.NewFrame(seq)
	if err == nil {
		f.SetAck()
		cn.write(f)
	}
}

func (c *Client) handleReceipt(d delivery) {
	r, err := d.f.Receipt()
	if err != nil {
		c.ackRaw(d.c, d.f.Seq())
		return
	}
	rc := Receipt{Delivered: r.Delivered(), Code: r.Code()}
	id, _ := r.Id()
	copy(rc.ID[:], id)
	rc.Reason, _ = r.Reason()
	c.mu.Lock()
	w := c.receipts[rc.ID]
	delete(c.receipts, rc.ID)
	c.mu.Unlock()
	if w != nil {
		w <- rc
	} else if c.cfg.OnReceipt != nil {
		c.cfg.OnReceipt(rc)
	}
	c.ackRaw(d.c, d.f.Seq())
}
