// Package bus is the Reliable Message Bus engine inside a PNIC.
//
// A local twin hands the bus sealed envelopes (Send). The bus persists each one in its outbox before
// Send returns, then delivers it to the PNIC hosting the destination twin over the transport, retrying
// with bounded exponential backoff until that PNIC acknowledges or the envelope expires. The receiving
// bus checks the envelope (shape, expiry, destination, the sending twin's signature), persists it in
// the destination twin's inbox together with its id (refusing ids it has seen, across restarts), and
// only then acknowledges. A twin attached with Attach receives its inbox in order and acknowledges each
// item; unacknowledged items are delivered again when the twin re-attaches, so twins deduplicate by
// envelope id (the client package does) and see each message exactly once.
//
// The sending twin gets receipts in its own inbox: delivered (the receiving PNIC persisted it) or
// failed with a reason (expired before delivery, refused by the receiving PNIC, or expired in the
// receiving twin's inbox, which the receiving PNIC reports back with a notice).
package bus

import (
	"context"
	"crypto/ed25519"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	"capnproto.org/go/capnp/v3"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/freeflowuniverse/planetary/internal/capnpmsg"
	"github.com/freeflowuniverse/planetary/rmb/resolve"
	"github.com/freeflowuniverse/planetary/rmb/schema"
	"github.com/freeflowuniverse/planetary/rmb/seal"
	"github.com/freeflowuniverse/planetary/rmb/store"
	"github.com/freeflowuniverse/planetary/rmb/transport"
)

// Errors returned by Send and Attach; the socket server maps them to error codes.
var (
	ErrTooLarge    = errors.New("envelope too large")
	ErrExpired     = errors.New("envelope expired")
	ErrTTLTooLong  = errors.New("envelope TTL longer than allowed")
	ErrUnknownTwin = errors.New("unknown twin")
	ErrNotLocal    = errors.New("twin is not hosted by this PNIC")
	ErrOverQuota   = errors.New("twin's outbox quota exceeded")
	ErrRateLimited = errors.New("twin's send rate exceeded")
	ErrClosed      = errors.New("bus closed")
)

// Limits bound what twins may ask of the bus.
type Limits struct {
	MaxEnvelope int           // largest encoded envelope accepted (default 64 KiB); larger data goes over streams
	MaxTTL      time.Duration // longest envelope lifetime accepted (default 24 h); also the replay window
	OutboxQuota int           // envelopes a twin may have waiting in the outbox (default 100,000)
	InboxQuota  int           // items a twin may have waiting in its inbox (default 100,000)
	Rate        float64       // envelopes per second a twin may send, sustained (default 100,000)
	Burst       int           // envelopes a twin may send at once above the rate (default 10,000)
	RetryMin    time.Duration // first retry delay (default 200 ms)
	RetryMax    time.Duration // largest retry delay (default 30 s)
	CallTimeout time.Duration // how long to wait for the receiving PNIC's acknowledgement (default 10 s)
	Workers     int           // concurrent deliveries (default 256)
	GCInterval  time.Duration // how often expired ids and inbox items are swept (default 1 min)
	// ForwardInterval is how often the inboxes of twins that are not attached are checked for a
	// twin that moved to another PNIC, whose messages are then sent on there (default 5 s).
	ForwardInterval time.Duration
	// SyncWindow, when positive, makes the bus relaxed (opt-in): Send returns, and the receiving
	// PNIC acknowledges, once the envelope is written but before its fsync, which follows within
	// SyncWindow, one for all the writes of the window. A crash of the machine (power cut, kernel
	// panic) may lose what was acknowledged in its last window (see the rmb package). Zero (the
	// default) is durable: nothing is acknowledged before it is on disk.
	SyncWindow time.Duration
}

func (l *Limits) fill() {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	defd := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&l.MaxEnvelope, 64<<10)
	defd(&l.MaxTTL, 24*time.Hour)
	def(&l.OutboxQuota, 100_000)
	def(&l.InboxQuota, 100_000)
	if l.Rate <= 0 {
		l.Rate = 100_000
	}
	def(&l.Burst, 10_000)
	defd(&l.RetryMin, 200*time.Millisecond)
	defd(&l.RetryMax, 30*time.Second)
	defd(&l.CallTimeout, 10*time.Second)
	def(&l.Workers, 256)
	defd(&l.GCInterval, time.Minute)
	defd(&l.ForwardInterval, 5*time.Second)
}

// Config describes a Bus.
type Config struct {
	// Conn carries RMB packets between PNICs; it stays owned by the PNIC.
	Conn net.PacketConn
	// Locate returns the address on Conn of the PNIC with the given key.
	Locate func(pnic ed25519.PublicKey) (net.Addr, error)
	// Key is the PNIC's private key.
	Key ed25519.PrivateKey
	// Resolver maps twin ids to keys and hosting PNIC.
	Resolver resolve.Resolver
	// DataDir holds the bus's database (created if missing).
	DataDir string
	// Registry receives the bus's metrics; nil registers nothing.
	Registry prometheus.Registerer
	// Logger receives events; nil discards them.
	Logger *slog.Logger
	// Limits, zero fields taking defaults.
	Limits Limits
}

// Bus is the message bus of one PNIC.
type Bus struct {
	cfg Config
	lim Limits
	log *slog.Logger
	pub ed25519.PublicKey
	st  *store.Store
	tr  *transport.Transport
	// verifier checks senders' session signatures, once per session.
	verifier *seal.Verifier
	m        *metrics
	ctx      context.Context
	cancel   context.CancelFunc
	wg       sync.WaitGroup

	qmu   sync.Mutex
	qcond *sync.Cond
	queue []*item

	mu        sync.Mutex
	mailboxes map[uint64]*Mailbox
	outCount  map[uint64]int       // envelopes waiting in the outbox per sending twin
	outIDs    map[seal.ID]struct{} // ids of the envelopes in the outbox, so a resend is accepted once
	inCount   map[uint64]int       // items waiting in the inbox per twin
	buckets   map[uint64]*bucket
}

// New opens the bus's database, reloads its outbox and starts delivering.
func New(cfg Config) (*Bus, error) {
	if cfg.Conn == nil || cfg.Locate == nil || cfg.Resolver == nil || cfg.DataDir == "" || len(cfg.Key) != ed25519.PrivateKeySize {
		return nil, errors.New("bus: Conn, Locate, Key, Resolver and DataDir are required")
	}
	cfg.Limits.fill()
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("bus: data dir: %w", err)
	}
	m, err := newMetrics(cfg.Registry)
	if err != nil {
		return nil, err
	}
	b := &Bus{
		cfg: cfg, lim: cfg.Limits, log: log, pub: cfg.Key.Public().(ed25519.PublicKey), m: m,
		verifier:  seal.NewVerifier(0),
		mailboxes: make(map[uint64]*Mailbox), outCount: make(map[uint64]int), inCount: make(map[uint64]int),
		outIDs:  make(map[seal.ID]struct{}),
		buckets: make(map[uint64]*bucket),
	}
	if cfg.Limits.SyncWindow < 0 {
		return nil, errors.New("bus: SyncWindow must not be negative")
	}
	st, err := store.OpenWith(filepath.Join(cfg.DataDir, "rmb.db"), log, store.Options{OnInbox: b.committed, SyncWindow: cfg.Limits.SyncWindow})
	if err != nil {
		return nil, fmt.Errorf("bus: %w", err)
	}
	b.st = st
	if err := registerStoreMetrics(cfg.Registry, st); err != nil {
		st.Close()
		return nil, err
	}
	b.qcond = sync.NewCond(&b.qmu)
	b.ctx, b.cancel = context.WithCancel(context.Background())
	if err := b.load(); err != nil {
		st.Close()
		return nil, err
	}
	b.tr, err = transport.New(transport.Config{
		Conn: cfg.Conn, Key: cfg.Key, Locate: cfg.Locate, Logger: log,
		// A request carries one envelope or a batch of at most MaxEnvelope bytes; a batch's answer,
		// one Ack per entry (reasons capped at maxReason), is given as much again and more.
		MaxFrame: 4*cfg.Limits.MaxEnvelope + 4096,
		Handler:  func(ctx context.Context, from ed25519.PublicKey, req []byte) []byte { return b.handle(ctx, from, req) },
	})
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("bus: %w", err)
	}
	for range b.lim.Workers {
		b.wg.Add(1)
		go b.worker()
	}
	b.wg.Add(2)
	go b.every(b.lim.GCInterval, b.SweepNow)          // expired seen ids and inbox items of detached twins
	go b.every(b.lim.ForwardInterval, b.ForwardMoved) // waiting messages of twins that moved
	return b, nil
}

// PublicKey returns the PNIC key the bus runs under.
func (b *Bus) PublicKey() ed25519.PublicKey { return b.pub }

// Resolver returns the resolver the bus uses.
func (b *Bus) Resolver() resolve.Resolver { return b.cfg.Resolver }

// Waiting returns how many envelopes wait in the outbox for their receiving PNIC and how many
// messages and receipts wait in inboxes for their twins.
func (b *Bus) Waiting() (outbox, inbox int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, n := range b.outCount {
		outbox += n
	}
	for _, n := range b.inCount {
		inbox += n
	}
	return outbox, inbox
}

// Batches returns how many delivery requests to other PNICs carried several envelopes at once, and
// how many envelopes they carried together.
func (b *Bus) Batches() (requests, envelopes uint64) { return b.m.batches.Load(), b.m.batched.Load() }

// StoreStats returns what the bus's store has done so far: writes, batches and syncs.
func (b *Bus) StoreStats() store.Stats { return b.st.Stats() }

// Limits returns the limits in force.
func (b *Bus) Limits() Limits { return b.lim }

// Close stops delivering, closes the transport (not the PacketConn) and the database. Everything
// acknowledged stays on disk.
func (b *Bus) Close() error {
	b.cancel()
	b.qmu.Lock()
	b.qcond.Broadcast()
	b.qmu.Unlock()
	err := b.tr.Close()
	b.wg.Wait()
	if e := b.st.Close(); e != nil && err == nil {
		err = e
	}
	return err
}

// Outbox record types, the first byte of an outbox value and of a transport request.
const (
	recEnvelope = 'e'
	recNotice   = 'n'
	// recForward is an envelope this PNIC took for a twin that has since moved, on its way to the
	// twin's new PNIC: stored with this type, sent as recEnvelope, nobody here told the outcome.
	recForward = 'f'
)

// Inbox record types, the first byte of an inbox value.
const (
	inMessage = 'm'
	inReceipt = 'r'
)

// item is an outbox entry being delivered.
type item struct {
	key      []byte
	id       seal.ID
	route    uint64 // twin whose PNIC receives it
	owner    uint64 // twin told about the outcome (0: nobody)
	expires  int64
	payload  []byte // transport request: record type byte then envelope or notice
	attempts int
	lastErr  string
	lastCode schema.ErrorCode
	op       [1]store.Op // the write that puts it in the outbox, for Send
}

func (b *Bus) load() error {
	var items []*item
	for _, prefix := range [][]byte{store.OutboxPrefix(), store.NoticePrefix()} {
		err := b.st.Scan(prefix, func(k, v []byte) error {
			it, err := parseOutbox(k, v)
			if err != nil {
				b.log.Error("ignoring unreadable outbox record", "key", fmt.Sprintf("%x", k), "err", err)
				return nil
			}
			items = append(items, it)
			return nil
		})
		if err != nil {
			return fmt.Errorf("bus: load outbox: %w", err)
		}
	}
	for _, it := range items {
		if it.owner != 0 {
			b.outCount[it.owner]++
		}
		if store.IsOutboxKey(it.key) {
			b.outIDs[it.id] = struct{}{}
		}
	}
	b.m.outbox.Set(float64(len(items)))
	b.queue = append(b.queue, items...)
	err := b.st.Scan(store.AllInboxPrefix(), func(k, _ []byte) error {
		if twin, _, ok := store.ParseInboxKey(k); ok {
			b.inCount[twin]++
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("bus: load inbox: %w", err)
	}
	if len(items) > 0 {
		b.log.Info("rmb outbox reloaded", "envelopes", len(items))
	}
	return nil
}

func parseOutbox(k, v []byte) (*item, error) {
	if len(v) < 1 || len(k) != 17 {
		return nil, errors.New("empty record")
	}
	it := &item{key: append([]byte(nil), k...), payload: append([]byte(nil), v...)}
	copy(it.id[:], k[1:])
	switch v[0] {
	case recEnvelope:
		e, err := seal.Unmarshal(v[1:])
		if err != nil {
			return nil, err
		}
		it.route, it.owner, it.expires = e.Dst, e.Src, e.Expires
	case recNotice:
		n, err := decodeNotice(v[1:])
		if err != nil {
			return nil, err
		}
		it.route, it.expires = n.src, n.expires
	case recForward:
		e, err := seal.Unmarshal(v[1:])
		if err != nil {
			return nil, err
		}
		it.route, it.expires = e.Dst, e.Expires
		it.payload[0] = recEnvelope
	default:
		return nil, fmt.Errorf("unknown outbox record type %q", v[0])
	}
	return it, nil
}

// Send validates a sealed envelope from a local twin and stores it durably in the outbox; it returns
// once the envelope is on disk and will be delivered or reported as failed. raw is the encoded
// envelope. Sending the same id again is accepted once.
func (b *Bus) Send(ctx context.Context, raw []byte) (seal.ID, error) {
	if b.ctx.Err() != nil {
		return seal.ID{}, ErrClosed
	}
	if len(raw) > b.lim.MaxEnvelope {
		b.m.sendRefused.WithLabelValues("too_large").Inc()
		return seal.ID{}, fmt.Errorf("%w: %d bytes, at most %d", ErrTooLarge, len(raw), b.lim.MaxEnvelope)
	}
	e, err := seal.Decode(raw)
	if err != nil {
		b.m.sendRefused.WithLabelValues("malformed").Inc()
		return seal.ID{}, err
	}
	return b.SendEnvelope(ctx, e, raw)
}

// SendEnvelope is Send for a caller that has already decoded raw into e.
func (b *Bus) SendEnvelope(ctx context.Context, e *seal.Envelope, raw []byte) (seal.ID, error) {
	s := [1]Sending{{Envelope: e, Raw: raw}}
	b.SendEnvelopes(ctx, s[:])
	return s[0].ID, s[0].Err
}

// Sending is one envelope of SendEnvelopes: the caller sets Envelope (decoded) and Raw (encoded);
// SendEnvelopes sets ID and Err, nil once the envelope is in the outbox.
type Sending struct {
	Envelope *seal.Envelope
	Raw      []byte
	ID       seal.ID
	Err      error
}

// SendEnvelopes is SendEnvelope for several envelopes at once: each is checked on its own, and those
// accepted are persisted together in one store write (one fsync) before it returns.
func (b *Bus) SendEnvelopes(ctx context.Context, s []Sending) {
	items := make([]*item, len(s))
	parts := make([]store.Part, 0, len(s))
	for i := range s {
		items[i], s[i].ID, s[i].Err = b.admit(ctx, s[i].Envelope, s[i].Raw)
		if items[i] != nil {
			parts = append(parts, store.Part{Ops: items[i].op[:]})
		}
	}
	if len(parts) == 0 {
		return
	}
	err := b.st.WriteParts(ctx, true, parts)
	accepted := 0
	for i, it := range items {
		if it == nil {
			continue
		}
		if err != nil {
			b.mu.Lock()
			b.outCount[it.owner]--
			delete(b.outIDs, it.id)
			b.mu.Unlock()
			s[i].Err = fmt.Errorf("bus: persist envelope %s: %w", it.id, err)
			items[i] = nil
			continue
		}
		accepted++
	}
	if accepted == 0 {
		return
	}
	b.m.sent.Add(float64(accepted))
	b.m.outbox.Add(float64(accepted))
	b.qmu.Lock()
	for _, it := range items {
		if it != nil {
			b.queue = append(b.queue, it)
		}
	}
	b.qmu.Unlock()
	b.qcond.Signal()
}

// admit checks an envelope from a local twin and takes its place in the outbox; it returns the item
// to persist, or nil when there is nothing to write (refused, or already in the outbox).
func (b *Bus) admit(ctx context.Context, e *seal.Envelope, raw []byte) (*item, seal.ID, error) {
	if b.ctx.Err() != nil {
		return nil, seal.ID{}, ErrClosed
	}
	if len(raw) > b.lim.MaxEnvelope {
		b.m.sendRefused.WithLabelValues("too_large").Inc()
		return nil, seal.ID{}, fmt.Errorf("%w: %d bytes, at most %d", ErrTooLarge, len(raw), b.lim.MaxEnvelope)
	}
	now := time.Now()
	if e.Expired(now) {
		b.m.sendRefused.WithLabelValues("expired").Inc()
		return nil, e.ID, fmt.Errorf("%w: expired %s ago", ErrExpired, now.Sub(time.Unix(0, e.Expires)).Round(time.Millisecond))
	}
	if time.Duration(e.Expires-now.UnixNano()) > b.lim.MaxTTL {
		b.m.sendRefused.WithLabelValues("ttl_too_long").Inc()
		return nil, e.ID, fmt.Errorf("%w: at most %s", ErrTTLTooLong, b.lim.MaxTTL)
	}
	src, err := b.cfg.Resolver.Resolve(ctx, e.Src)
	if err != nil {
		b.m.sendRefused.WithLabelValues("unknown_twin").Inc()
		return nil, e.ID, fmt.Errorf("%w: sender %d: %v", ErrUnknownTwin, e.Src, err)
	}
	if !src.PNIC.Equal(b.pub) {
		b.m.sendRefused.WithLabelValues("not_local").Inc()
		return nil, e.ID, fmt.Errorf("%w: sender %d", ErrNotLocal, e.Src)
	}
	if _, err := b.cfg.Resolver.Resolve(ctx, e.Dst); err != nil {
		b.m.sendRefused.WithLabelValues("unknown_twin").Inc()
		return nil, e.ID, fmt.Errorf("%w: destination %d: %v", ErrUnknownTwin, e.Dst, err)
	}
	b.mu.Lock()
	if _, dup := b.outIDs[e.ID]; dup {
		b.mu.Unlock()
		return nil, e.ID, nil // already in the outbox
	}
	if b.outCount[e.Src] >= b.lim.OutboxQuota {
		b.mu.Unlock()
		b.m.sendRefused.WithLabelValues("over_quota").Inc()
		return nil, e.ID, fmt.Errorf("%w: %d envelopes waiting", ErrOverQuota, b.lim.OutboxQuota)
	}
	bk := b.buckets[e.Src]
	if bk == nil {
		bk = &bucket{tokens: float64(b.lim.Burst), last: now}
		b.buckets[e.Src] = bk
	}
	if !bk.take(now, b.lim.Rate, float64(b.lim.Burst)) {
		b.mu.Unlock()
		b.m.sendRefused.WithLabelValues("rate_limited").Inc()
		return nil, e.ID, fmt.Errorf("%w: %.0f envelopes/s", ErrRateLimited, b.lim.Rate)
	}
	b.outCount[e.Src]++
	b.outIDs[e.ID] = struct{}{}
	b.mu.Unlock()

	it := &item{key: store.OutboxKey(e.ID), id: e.ID, route: e.Dst, owner: e.Src, expires: e.Expires}
	it.payload = make([]byte, 1+len(raw))
	it.payload[0] = recEnvelope
	copy(it.payload[1:], raw)
	it.op[0] = store.Op{Key: it.key, Value: it.payload}
	return it, e.ID, nil
}

type bucket struct {
	tokens float64
	last   time.Time
}

func (k *bucket) take(now time.Time, rate, burst float64) bool {
	if now.After(k.last) { // concurrent callers may arrive with slightly older times
		k.tokens = min(burst, k.tokens+now.Sub(k.last).Seconds()*rate)
		k.last = now
	}
	if k.tokens < 1 {
		return false
	}
	k.tokens--
	return true
}

func (b *Bus) enqueue(it *item) {
	b.qmu.Lock()
	b.queue = append(b.queue, it)
	b.qmu.Unlock()
	b.qcond.Signal()
}

// dequeue takes what waits in the queue, up to maxBatch items and about MaxEnvelope bytes of
// payload (at least one item), waiting for one when it is empty; nil once the bus closes.
func (b *Bus) dequeue(into []*item) []*item {
	b.qmu.Lock()
	defer b.qmu.Unlock()
	for len(b.queue) == 0 {
		if b.ctx.Err() != nil {
			return nil
		}
		b.qcond.Wait()
	}
	if b.ctx.Err() != nil {
		return nil
	}
	size := 0
	n := 0
	for n < len(b.queue) && n < maxBatch {
		sz := entrySize(len(b.queue[n].payload))
		if n > 0 && size+sz > b.lim.MaxEnvelope {
			break
		}
		size += sz
		n++
	}
	into = append(into[:0], b.queue[:n]...)
	clear(b.queue[:n])
	b.queue = b.queue[n:]
	if len(b.queue) > 0 {
		b.qcond.Signal() // more than one batch waits: wake another worker for the rest
	}
	return into
}

func (b *Bus) worker() {
	defer b.wg.Done()
	var items []*item
	var d deliveryScratch
	for {
		items = b.dequeue(items)
		if items == nil {
			return
		}
		b.deliverAll(items, &d)
		clear(items)
	}
}

// deliveryScratch is a worker's reusable memory for one round of deliveries.
type deliveryScratch struct {
	groups []peerGroup
	done   []*item
	req    []byte
}

// peerGroup is the items of one round bound for one PNIC.
type peerGroup struct {
	pnic  ed25519.PublicKey
	items []*item
}

// deliverAll makes one attempt for each of items, each PNIC's share in one request when there is
// more than one, and then finishes each item or schedules its next attempt.
func (b *Bus) deliverAll(items []*item, d *deliveryScratch) {
	now := time.Now().UnixNano()
	groups := d.groups[:0]
	for _, it := range items {
		if now >= it.expires {
			reason := "expired before the receiving PNIC acknowledged it"
			if it.lastErr != "" {
				reason += "; last error: " + it.lastErr
			}
			b.fail(it, schema.ErrorCode_expired, reason)
			continue
		}
		dst, err := b.cfg.Resolver.Resolve(b.ctx, it.route)
		if err != nil {
			b.retry(it, schema.ErrorCode_unknownTwin, fmt.Sprintf("resolve twin %d: %v", it.route, err))
			continue
		}
		i := 0
		for i < len(groups) && !groups[i].pnic.Equal(dst.PNIC) {
			i++
		}
		if i == len(groups) {
			if i < cap(groups) {
				groups = groups[:i+1]
				groups[i].pnic, groups[i].items = dst.PNIC, groups[i].items[:0]
			} else {
				groups = append(groups, peerGroup{pnic: dst.PNIC})
			}
		}
		groups[i].items = append(groups[i].items, it)
	}
	d.done = d.done[:0]
	for i := range groups {
		g := &groups[i]
		if len(g.items) == 1 {
			b.deliverOne(g.items[0], g.pnic, d)
		} else {
			b.deliverBatch(g.items, g.pnic, d)
		}
		clear(g.items)
	}
	d.groups = groups
	b.doneAll(d.done)
	clear(d.done)
}

// call sends one request to the PNIC with key pnic, or hands it to this bus when that is its own.
func (b *Bus) call(pnic ed25519.PublicKey, req []byte) ([]byte, error) {
	if pnic.Equal(b.pub) {
		return b.handle(b.ctx, b.pub, req), nil
	}
	ctx, cancel := context.WithTimeout(b.ctx, b.lim.CallTimeout)
	defer cancel()
	return b.tr.Call(ctx, pnic, req)
}

// deliverOne sends one item alone.
func (b *Bus) deliverOne(it *item, pnic ed25519.PublicKey, d *deliveryScratch) {
	ans, err := b.call(pnic, it.payload)
	if err != nil {
		if b.ctx.Err() == nil {
			b.retry(it, schema.ErrorCode_unavailable, fmt.Sprintf("PNIC %x: %v", pnic[:8], err))
		}
		return
	}
	b.answered(it, pnic, ans, d)
}

// deliverBatch sends items in one batch request. A PNIC that answers with anything but a batch
// answer does not know batches: the items are then sent one by one.
func (b *Bus) deliverBatch(items []*item, pnic ed25519.PublicKey, d *deliveryScratch) {
	req := append(d.req[:0], recBatch)
	for _, it := range items {
		req = appendEntry(req, it.payload)
	}
	d.req = req
	ans, err := b.call(pnic, req)
	if err != nil {
		if b.ctx.Err() == nil {
			for _, it := range items {
				b.retry(it, schema.ErrorCode_unavailable, fmt.Sprintf("PNIC %x: %v", pnic[:8], err))
			}
		}
		return
	}
	if len(ans) == 0 || ans[0] != ansBatch {
		for _, it := range items {
			b.deliverOne(it, pnic, d)
		}
		return
	}
	acks, err := splitBatch(ans[1:], maxBatch)
	if err == nil && len(acks) != len(items) {
		err = fmt.Errorf("%d answers to %d envelopes", len(acks), len(items))
	}
	if err != nil {
		for _, it := range items {
			b.retry(it, schema.ErrorCode_unavailable, fmt.Sprintf("bad batch answer from PNIC %x: %v", pnic[:8], err))
		}
		return
	}
	b.m.batches.Add(1)
	b.m.batched.Add(uint64(len(items)))
	for i, it := range items {
		b.answered(it, pnic, acks[i], d)
	}
}

// answered acts on the receiving PNIC's answer about it: delivered items are collected in d.done.
func (b *Bus) answered(it *item, pnic ed25519.PublicKey, ans []byte, d *deliveryScratch) {
	ack, err := decodeAck(ans)
	if err != nil {
		b.retry(it, schema.ErrorCode_unavailable, fmt.Sprintf("bad acknowledgement from PNIC %x: %v", pnic[:8], err))
		return
	}
	switch ack.status {
	case schema.Status_ok, schema.Status_duplicate:
		d.done = append(d.done, it)
	case schema.Status_wrongDestination:
		// The twin may have moved: look it up afresh and keep trying until the TTL.
		b.cfg.Resolver.Invalidate(it.route)
		b.retry(it, schema.ErrorCode_wrongDestination, "receiving PNIC does not host the twin: "+ack.reason)
	case schema.Status_unknownTwin, schema.Status_overQuota, schema.Status_retryLater:
		b.retry(it, statusCode(ack.status), "receiving PNIC: "+ack.reason)
	default:
		b.fail(it, statusCode(ack.status), "refused by the receiving PNIC: "+ack.reason)
	}
}

func statusCode(s schema.Status) schema.ErrorCode {
	switch s {
	case schema.Status_wrongDestination:
		return schema.ErrorCode_wrongDestination
	case schema.Status_unknownTwin:
		return schema.ErrorCode_unknownTwin
	case schema.Status_tampered:
		return schema.ErrorCode_tampered
	case schema.Status_expired:
		return schema.ErrorCode_expired
	case schema.Status_tooLarge:
		return schema.ErrorCode_tooLarge
	case schema.Status_overQuota:
		return schema.ErrorCode_overQuota
	case schema.Status_malformed:
		return schema.ErrorCode_badRequest
	case schema.Status_retryLater:
		return schema.ErrorCode_unavailable
	default:
		return schema.ErrorCode_internal
	}
}

func (b *Bus) retry(it *item, code schema.ErrorCode, reason string) {
	it.attempts++
	it.lastErr, it.lastCode = reason, code
	b.m.retries.Inc()
	d := b.lim.RetryMin << min(it.attempts-1, 20)
	if d > b.lim.RetryMax || d <= 0 {
		d = b.lim.RetryMax
	}
	d = d/2 + rand.N(d/2+1) // jitter
	if left := time.Until(time.Unix(0, it.expires)); d > left {
		d = max(left, 0)
	}
	if it.attempts == 1 || it.attempts%10 == 0 {
		b.log.Debug("rmb delivery will be retried", "id", it.id.String(), "attempt", it.attempts, "in", d, "reason", reason)
	}
	time.AfterFunc(d, func() {
		if b.ctx.Err() == nil {
			b.enqueue(it)
		}
	})
}

// doneAll removes delivered items, in one store write, and tells their owners.
func (b *Bus) doneAll(items []*item) {
	if len(items) == 0 {
		return
	}
	ops := make([]store.Op, 0, 2*len(items))
	// A receipt outlives its message by at least an hour, so a twin that reconnects late still learns.
	late := time.Now().Add(min(time.Hour, b.lim.MaxTTL)).UnixNano()
	for _, it := range items {
		ops = append(ops, store.Op{Key: it.key, Delete: true})
		if it.owner != 0 {
			ops = append(ops, b.receiptOps(it.owner, max(it.expires, late), Receipt{ID: it.id, Delivered: true})...)
		}
	}
	if _, err := b.st.Write(b.ctx, false, nil, ops...); err != nil {
		b.log.Error("rmb: record deliveries", "envelopes", len(items), "err", err)
		return
	}
	b.m.acked.Add(float64(len(items)))
	for _, it := range items {
		b.finished(it)
	}
}

// fail removes an undeliverable item and tells its owner why, durably.
func (b *Bus) fail(it *item, code schema.ErrorCode, reason string) {
	ops := []store.Op{{Key: it.key, Delete: true}}
	if it.owner != 0 {
		ops = append(ops, b.receiptOps(it.owner, time.Now().Add(b.lim.MaxTTL).UnixNano(), Receipt{ID: it.id, Code: code, Reason: reason})...)
	}
	if _, err := b.st.Write(b.ctx, true, nil, ops...); err != nil {
		b.log.Error("rmb: record delivery failure", "id", it.id.String(), "err", err)
		return
	}
	b.m.failed.WithLabelValues(code.String()).Inc()
	b.log.Info("rmb delivery failed", "id", it.id.String(), "twin", it.owner, "to", it.route, "reason", reason)
	b.finished(it)
}

func (b *Bus) finished(it *item) {
	b.m.outbox.Dec()
	if store.IsOutboxKey(it.key) {
		b.mu.Lock()
		delete(b.outIDs, it.id)
		b.mu.Unlock()
	}
	if it.owner == 0 {
		return
	}
	b.mu.Lock()
	b.outCount[it.owner]--
	b.mu.Unlock()
	b.wake(it.owner)
}

// receiptOps returns the writes that put a receipt into twin's inbox.
func (b *Bus) receiptOps(twin uint64, expires int64, r Receipt) []store.Op {
	v := make([]byte, 0, 1+8+IDSize+2+len(r.Reason))
	v = append(v, inReceipt)
	v = binary.BigEndian.AppendUint64(v, uint64(expires))
	v = append(v, r.ID[:]...)
	if r.Delivered {
		v = append(v, 1)
	} else {
		v = append(v, 0)
	}
	v = append(v, byte(r.Code))
	v = append(v, r.Reason...)
	b.mu.Lock()
	b.inCount[twin]++
	b.mu.Unlock()
	return []store.Op{{InboxFor: twin, Value: v}}
}

// IDSize is the length of an envelope id.
const IDSize = seal.IDSize

type ackMsg struct {
	status schema.Status
	reason string
}

// maxReason caps the reason an Ack carries, so a batch's answer stays within a bounded frame.
const maxReason = 256

func encodeAck(id seal.ID, status schema.Status, reason string) []byte {
	if len(reason) > maxReason {
		reason = reason[:maxReason]
	}
	msg, seg := capnp.NewSingleSegmentMessage(make([]byte, 0, 64+len(reason)))
	a, err := schema.NewRootAck(seg)
	if err == nil {
		err = a.SetId(id[:])
	}
	if err == nil {
		a.SetStatus(status)
		err = a.SetReason(reason)
	}
	var out []byte
	if err == nil {
		out, err = msg.Marshal()
	}
	if err != nil {
		return nil // the sender treats an unreadable answer as a temporary failure
	}
	return out
}

func decodeAck(b []byte) (a ackMsg, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("decoder panic: %v", r)
		}
	}()
	msg, err := capnpmsg.Read(b)
	if err != nil {
		return a, err
	}
	s, err := schema.ReadRootAck(msg)
	if err != nil {
		return a, err
	}
	a.status = s.Status()
	a.reason, _ = s.Reason()
	return a, nil
}

type notice struct {
	id       seal.ID
	src, dst uint64
	status   schema.Status
	reason   string
	expires  int64
}

func encodeNotice(n notice) ([]byte, error) {
	msg, seg := capnp.NewSingleSegmentMessage(nil)
	s, err := schema.NewRootNotice(seg)
	if err != nil {
		return nil, err
	}
	if err := s.SetId(n.id[:]); err != nil {
		return nil, err
	}
	s.SetSrc(n.src)
	s.SetDst(n.dst)
	s.SetStatus(n.status)
	if err := s.SetReason(n.reason); err != nil {
		return nil, err
	}
	raw, err := msg.Marshal()
	if err != nil {
		return nil, err
	}
	// The notice's own expiry rides in front of it (local bookkeeping only).
	return binary.BigEndian.AppendUint64(raw, uint64(n.expires)), nil
}

func decodeNotice(b []byte) (n notice, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("decoder panic: %v", r)
		}
	}()
	if len(b) < 8 {
		return n, errors.New("notice too short")
	}
	n.expires = int64(binary.BigEndian.Uint64(b[len(b)-8:]))
	msg, err := capnpmsg.Read(b[:len(b)-8])
	if err != nil {
		return n, err
	}
	s, err := schema.ReadRootNotice(msg)
	if err != nil {
		return n, err
	}
	id, err := s.Id()
	if err != nil || len(id) != IDSize {
		return n, errors.New("notice: bad id")
	}
	copy(n.id[:], id)
	n.src, n.dst, n.status = s.Src(), s.Dst(), s.Status()
	n.reason, _ = s.Reason()
	return n, nil
}
