package replica

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/freeflowuniverse/planetary/twin/store"
)

// SyncTimeout bounds how long a commit waits for the standby's acknowledgement.
const SyncTimeout = 3 * time.Second

// SenderConfig describes a twin's replication to its standby.
type SenderConfig struct {
	// Addr is the standby's replica listener (host:port, on the overlay).
	Addr string
	// StandbyKey is the standby's X25519 public key.
	StandbyKey [KeySize]byte
	// Twin is the twin's id and Signing its key, which signs the hello.
	Twin    uint64
	Signing ed25519.PrivateKey
	// KeyFile is the content of the twin's key file, sealed into the hello.
	KeyFile []byte
	// HTTP is where the twin serves its owner.
	HTTP string
	// Store is replicated: its snapshot on every connection, then its changes.
	Store *store.Store
	// SnapshotEvery sends a fresh snapshot after this many changes, so the standby's log of
	// changes stays short (default 10000).
	SnapshotEvery int
	// Dial connects to Addr (default a net.Dialer).
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// Logger; nil discards.
	Logger *slog.Logger
}

type rec struct {
	typ   byte
	seq   uint64
	batch []byte
}

// Sender streams a twin's store to its standby; it is the store's Replicator.
type Sender struct {
	cfg   SenderConfig
	key   []byte // the replica key of this run
	hello []byte
	log   *slog.Logger

	mu        sync.Mutex
	changed   chan struct{} // closed and replaced when acked, queue or connected change
	queue     []rec
	seq       uint64 // of the last record queued
	acked     uint64
	firstSeq  uint64 // of this connection's first snapshot
	lastSnap  uint64 // of the latest snapshot queued
	connected bool
}

// NewSender prepares the replication; Run streams, and the store must be given the Sender as its
// Replicator.
func NewSender(cfg SenderConfig) (*Sender, error) {
	if cfg.SnapshotEvery <= 0 {
		cfg.SnapshotEvery = 10000
	}
	if cfg.Dial == nil {
		var d net.Dialer
		cfg.Dial = d.DialContext
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	wrapped, err := wrap(cfg.StandbyKey, key)
	if err != nil {
		return nil, err
	}
	keys, err := sealRecord(key, recordAD(cfg.Twin, tHello, 0), cfg.KeyFile)
	if err != nil {
		return nil, err
	}
	h := Hello{Twin: cfg.Twin, HTTP: cfg.HTTP, Wrapped: wrapped, Keys: keys}
	h.Sig = ed25519.Sign(cfg.Signing, h.signBytes())
	hb, err := json.Marshal(h)
	if err != nil {
		return nil, err
	}
	return &Sender{cfg: cfg, key: key, hello: hb, log: log, changed: make(chan struct{})}, nil
}

func (s *Sender) notify() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// Append queues a change while the standby is connected; the function it returns waits until the
// standby has it on disk, the connection drops, or SyncTimeout passes. While disconnected the
// change is not queued: the next connection starts with a snapshot that holds it.
func (s *Sender) Append(batch []byte) func() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.connected {
		return func() {}
	}
	s.seq++
	seq := s.seq
	s.queue = append(s.queue, rec{tInc, seq, batch})
	s.notify()
	return func() { s.wait(seq) }
}

func (s *Sender) wait(seq uint64) {
	deadline := time.NewTimer(SyncTimeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		done, ch := s.acked >= seq || !s.connected, s.changed
		s.mu.Unlock()
		if done {
			return
		}
		select {
		case <-ch:
		case <-deadline.C:
			s.log.Warn("the standby did not acknowledge a change in time; going on", "standby", s.cfg.Addr, "seq", seq)
			return
		}
	}
}

// Connected reports whether the standby has acknowledged this connection's snapshot.
func (s *Sender) Connected() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.connected && s.firstSeq > 0 && s.acked >= s.firstSeq
}

// Run keeps the stream to the standby up until ctx ends, reconnecting after a pause.
func (s *Sender) Run(ctx context.Context) {
	delay := 500 * time.Millisecond
	logged := false
	for ctx.Err() == nil {
		err := s.session(ctx)
		s.mu.Lock()
		s.connected, s.queue = false, nil
		s.notify()
		s.mu.Unlock()
		if ctx.Err() != nil {
			return
		}
		if !logged {
			s.log.Warn("replication to the standby interrupted; retrying", "standby", s.cfg.Addr, "err", err)
			logged = true
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(delay):
		}
		delay = min(2*delay, 5*time.Second)
		if err == nil {
			delay, logged = 500*time.Millisecond, false
		}
	}
}

// session runs one connection: hello, snapshot, then changes and pings, reading acknowledgements.
func (s *Sender) session(ctx context.Context) error {
	dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	conn, err := s.cfg.Dial(dctx, "tcp", s.cfg.Addr)
	cancel()
	if err != nil {
		return fmt.Errorf("dial the standby %s: %w", s.cfg.Addr, err)
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	if err := writeFrame(conn, tHello, s.hello); err != nil {
		return fmt.Errorf("hello: %w", err)
	}
	if err := s.cfg.Store.Snapshot(func(b []byte) {
		s.mu.Lock()
		s.seq++
		s.firstSeq, s.lastSnap = s.seq, s.seq
		s.queue = []rec{{tSnap, s.seq, b}}
		s.connected = true
		s.notify()
		s.mu.Unlock()
	}); err != nil {
		return err
	}
	errc := make(chan error, 2)
	go func() { errc <- s.readAcks(conn) }()
	go func() { errc <- s.write(ctx, conn) }()
	err = <-errc
	conn.Close()
	return err
}

func (s *Sender) readAcks(conn net.Conn) error {
	r := bufio.NewReader(conn)
	for {
		conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		typ, p, err := readFrame(r)
		if err != nil {
			return fmt.Errorf("standby: %w", err)
		}
		switch typ {
		case tAck:
			if len(p) != 8 {
				return fmt.Errorf("standby: ack of %d bytes", len(p))
			}
			s.mu.Lock()
			if a := binary.BigEndian.Uint64(p); a > s.acked {
				if s.acked < s.firstSeq && a >= s.firstSeq {
					s.log.Info("replicating to the standby", "standby", s.cfg.Addr)
				}
				s.acked = a
			}
			s.notify()
			s.mu.Unlock()
		case tErr:
			return fmt.Errorf("standby refuses: %s", p)
		default:
			return fmt.Errorf("standby: unexpected frame type %d", typ)
		}
	}
}

func (s *Sender) write(ctx context.Context, conn net.Conn) error {
	w := bufio.NewWriter(conn)
	ping := time.NewTicker(time.Second)
	defer ping.Stop()
	for {
		s.mu.Lock()
		q, ch := s.queue, s.changed
		s.queue = nil
		compact := len(q) == 0 && s.seq-s.lastSnap >= uint64(s.cfg.SnapshotEvery)
		s.mu.Unlock()
		if compact {
			// A fresh snapshot replaces the standby's log; it is queued in commit order.
			if err := s.cfg.Store.Snapshot(func(b []byte) {
				s.mu.Lock()
				s.seq++
				s.lastSnap = s.seq
				s.queue = append(s.queue, rec{tSnap, s.seq, b})
				s.mu.Unlock()
			}); err != nil {
				return err
			}
			continue
		}
		for _, r := range q {
			sealed, err := sealRecord(s.key, recordAD(s.cfg.Twin, r.typ, r.seq), r.batch)
			if err != nil {
				return err
			}
			if err := writeFrame(w, r.typ, append(binary.BigEndian.AppendUint64(nil, r.seq), sealed...)); err != nil {
				return err
			}
		}
		if len(q) > 0 {
			conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
			if err := w.Flush(); err != nil {
				return err
			}
			continue
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ch:
		case <-ping.C:
			conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
			if err := writeFrame(w, tPing, nil); err != nil {
				return err
			}
			if err := w.Flush(); err != nil {
				return err
			}
		}
	}
}
