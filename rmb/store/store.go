// Package store persists the bus's outbox, inbox and seen-id set in pebble.
//
// Writes go through one committer goroutine that gathers concurrent writers into a single batch and
// one fsync (group commit), so durability does not cost one fsync per message; while a batch waits
// for its fsync the committer goes on with the next, and pebble syncs them together. One writer may
// also hand over many parts at once (WriteParts), each applied or skipped on its own, in one batch.
// A part may carry an "if absent" key checked atomically against the database and the rest of its
// group, which is how inbound envelopes are deduplicated by id across retries and restarts.
//
// With Options.SyncWindow set the store is relaxed: a write that asks for a sync returns once it is
// applied, before its fsync, and one fsync for everything written meanwhile follows within the
// window. A crash loses at most the writes of the last window: a power cut or kernel panic all of
// them, a killed process those not yet handed to the kernel.
package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/pebble"
	"github.com/cockroachdb/pebble/bloom"
	"github.com/cockroachdb/pebble/vfs"
)

// ErrClosed is returned by writes after Close.
var ErrClosed = errors.New("store: closed")

// Key prefixes.
const (
	prefixOutbox = 'o'
	prefixInbox  = 'i'
	prefixSeen   = 's'
	prefixNotice = 'p'
	prefixNSeen  = 'n'
)

// maxGroup bounds how many writers share one batch.
const maxGroup = 4096

// Op is one change inside a write. Its Key and Value must not change after Write is called.
type Op struct {
	Key    []byte
	Value  []byte
	Delete bool
	// InboxFor, when not zero, appends Value to that twin's inbox: the committer assigns the key
	// InboxKey(InboxFor, seq) with seq taken in commit order, so a reader that has seen seq has also
	// seen every smaller one. Key is ignored.
	InboxFor uint64
}

// Part is one of the writes WriteParts hands over together: its Ops are applied atomically, or not
// at all when IfAbsent is not nil and that key exists or is written by an earlier part of the group.
type Part struct {
	IfAbsent []byte
	Ops      []Op
	// Applied is set by WriteParts: the part's ops were written.
	Applied bool
}

type request struct {
	parts []Part
	one   [1]Part // the storage of parts for Write
	sync  bool
	err   error
	done  chan struct{}
}

// Store is the bus's durable state.
type Store struct {
	db  *pebble.DB
	log *slog.Logger

	reqs   chan *request
	closed chan struct{}
	wg     sync.WaitGroup
	once   sync.Once

	pool sync.Pool

	seqMu sync.Mutex
	seq   uint64

	// absent holds every key an if-absent write may find in the database (the seen-id prefixes,
	// loaded at open, and every if-absent key written since); used by the committer only.
	absent *absentFilter

	commits, syncs, writes, windowSyncs atomic.Uint64

	// window, when positive, makes synced writes relaxed: acknowledged before their fsync, which
	// the window syncer makes within window. dirty tells it something waits for one.
	window          time.Duration
	dirty           chan struct{}
	afterWindowSync func() // test hook, called after each window fsync

	// onInbox, when set, is told of every inbox item a commit wrote, in commit order.
	onInbox func(twin, seq uint64, value []byte)
	added   []added // scratch of the group being committed
}

type added struct {
	twin, seq uint64
	value     []byte
}

type pebbleLogger struct{ l *slog.Logger }

func (p pebbleLogger) Infof(format string, args ...any) { p.l.Debug(fmt.Sprintf(format, args...)) }
func (p pebbleLogger) Errorf(format string, args ...any) {
	p.l.Error(fmt.Sprintf(format, args...))
}
func (p pebbleLogger) Fatalf(format string, args ...any) {
	p.l.Error(fmt.Sprintf(format, args...))
	panic(fmt.Sprintf("pebble: "+format, args...))
}

// Options tune a Store; the zero value is ready to use.
type Options struct {
	// OnInbox, when set, is called by the committer, in commit order, for every inbox item (Op with
	// InboxFor) once it is applied and visible to readers (its fsync may still be under way), with
	// the seq it was given. It must not block or write to the store. value is the Op's Value itself,
	// which writers leave unchanged after Write, so it may be kept.
	OnInbox func(twin, seq uint64, value []byte)
	// SyncWindow, when positive, makes the store relaxed: a write asking for a sync returns once it
	// is applied and readable, and is on disk at most SyncWindow later (one fsync for all the writes
	// of the window). A crash of the machine may lose what was acknowledged in the last window.
	// Zero (the default) is durable: such a write returns only once it is on disk.
	SyncWindow time.Duration

	fs              vfs.FS // tests: a file system that can forget what was not synced
	afterWindowSync func()
	filterBits      int // tests: a smaller filter, to see it rebuilt
}

// Open opens or creates the store in dir.
func Open(dir string, log *slog.Logger) (*Store, error) {
	return OpenWith(dir, log, Options{})
}

// OpenWith is Open with options.
func OpenWith(dir string, log *slog.Logger, o Options) (*Store, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	// Every inbound envelope costs a lookup of its id: a block cache that holds the tables' filter
	// and index blocks keeps that lookup off the disk, and larger memtables mean fewer tables.
	cache := pebble.NewCache(32 << 20)
	defer cache.Unref()
	opts := &pebble.Options{Logger: pebbleLogger{log}, Levels: make([]pebble.LevelOptions, 7),
		Cache: cache, MemTableSize: 16 << 20, FS: o.fs}
	for i := range opts.Levels {
		// Every write checks that its id is new: bloom filters answer "absent" without reading tables.
		opts.Levels[i].FilterPolicy = bloom.FilterPolicy(10)
		opts.Levels[i].FilterType = pebble.TableFilter
	}
	db, err := pebble.Open(dir, opts)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", dir, err)
	}
	s := &Store{db: db, log: log, reqs: make(chan *request), closed: make(chan struct{}), onInbox: o.OnInbox,
		window: o.SyncWindow, dirty: make(chan struct{}, 1), afterWindowSync: o.afterWindowSync}
	s.pool.New = func() any { return &request{done: make(chan struct{}, 1)} }
	last, err := s.lastInboxSeq()
	if err != nil {
		db.Close()
		return nil, err
	}
	s.seq = last
	bits := o.filterBits
	if bits <= 0 {
		bits = filterBits
	}
	if s.absent, err = s.loadAbsent(bits); err != nil {
		db.Close()
		return nil, err
	}
	s.wg.Add(1)
	go s.committer()
	return s, nil
}

// absentPrefixes are the key spaces if-absent writes check: seen envelope ids and seen notices.
var absentPrefixes = [][]byte{{prefixSeen}, {prefixNSeen}}

// loadAbsent builds a filter of the given size from the database.
func (s *Store) loadAbsent(bits int) (*absentFilter, error) {
	f := newAbsentFilter(bits)
	for _, p := range absentPrefixes {
		if err := s.Scan(p, func(k, _ []byte) error { f.add(k); return nil }); err != nil {
			return nil, fmt.Errorf("store: load seen ids: %w", err)
		}
	}
	f.added = max(f.added, f.limit/2) // rebuilt again only after another half of its size
	return f, nil
}

// exists answers an if-absent check: false without a lookup when the filter never saw key.
func (s *Store) exists(key []byte) (bool, error) {
	if len(key) > 0 && isAbsentSpace(key[0]) && !s.absent.mayContain(key) {
		return false, nil
	}
	return s.has(key)
}

func isAbsentSpace(prefix byte) bool { return prefix == prefixSeen || prefix == prefixNSeen }

// Relaxed reports whether synced writes are acknowledged before their fsync (Options.SyncWindow).
func (s *Store) Relaxed() bool { return s.window > 0 }

// windowSyncer fsyncs, at most a window after the first relaxed write that waits for it, everything
// written so far; on close it makes a last fsync.
func (s *Store) windowSyncer(stop <-chan struct{}) {
	defer s.wg.Done()
	t := time.NewTimer(time.Hour)
	t.Stop()
	for {
		select {
		case <-s.dirty:
		case <-stop:
			s.syncWAL()
			return
		}
		t.Reset(s.window)
		select {
		case <-t.C:
		case <-stop:
			t.Stop()
			s.syncWAL()
			return
		}
		s.syncWAL()
	}
}

// syncWAL makes every write applied so far durable with one fsync of pebble's log.
func (s *Store) syncWAL() {
	if err := s.db.LogData(nil, pebble.Sync); err != nil {
		s.log.Error("store window sync failed", "err", err)
		return
	}
	s.windowSyncs.Add(1)
	if s.afterWindowSync != nil {
		s.afterWindowSync()
	}
}

// Close stops the committer and closes the database; pending writes fail with ErrClosed.
func (s *Store) Close() error {
	var err error
	s.once.Do(func() {
		close(s.closed)
		s.wg.Wait()
		if e := s.db.Close(); e != nil {
			err = fmt.Errorf("close store: %w", e)
		}
	})
	return err
}

// Write applies ops atomically. With sync it returns only once they are on disk. When ifAbsent is not
// nil and that key exists (or is written earlier in the same group), nothing is applied and applied is
// false.
func (s *Store) Write(ctx context.Context, sync bool, ifAbsent []byte, ops ...Op) (applied bool, err error) {
	r := s.pool.Get().(*request)
	r.one[0] = Part{IfAbsent: ifAbsent, Ops: ops}
	r.parts = r.one[:]
	err = s.submit(ctx, r, sync)
	applied = r.one[0].Applied
	r.one[0] = Part{}
	r.parts = nil
	s.pool.Put(r)
	return applied, err
}

// WriteParts applies parts in order in one batch, each atomically, setting each part's Applied;
// with sync it returns only once they are on disk. It is Write for many at once: one hand-over to
// the committer and one batch, whatever the number of parts. The parts' keys and values must not
// change after the call.
func (s *Store) WriteParts(ctx context.Context, sync bool, parts []Part) error {
	for i := range parts {
		parts[i].Applied = false
	}
	r := s.pool.Get().(*request)
	r.parts = parts
	err := s.submit(ctx, r, sync)
	r.parts = nil
	s.pool.Put(r)
	return err
}

func (s *Store) submit(ctx context.Context, r *request, sync bool) error {
	r.sync, r.err = sync, nil
	select {
	case s.reqs <- r:
	case <-s.closed:
		return ErrClosed
	case <-ctx.Done():
		return fmt.Errorf("store write: %w", ctx.Err())
	}
	// The channel is unbuffered: once the committer took r it will complete it.
	<-r.done
	return r.err
}

// The committer applies one batch at a time, in order, so a write sees every write before it.
// A batch that must reach the disk is applied at once and its fsync waited for by the syncer, so
// the committer builds the next batch meanwhile and pebble syncs several batches with one fsync.
func (s *Store) committer() {
	defer s.wg.Done()
	syncq := make(chan syncing, 64)
	s.wg.Add(1)
	go s.syncer(syncq)
	defer close(syncq)
	if s.window > 0 {
		// Started and stopped by the committer, so the last window fsync follows the last write.
		stop := make(chan struct{})
		s.wg.Add(1)
		go s.windowSyncer(stop)
		defer close(stop)
	}
	group := make([]*request, 0, 64)
	pending := make(map[string]struct{})
	for {
		var first *request
		select {
		case first = <-s.reqs:
		case <-s.closed:
			return
		}
		group = append(group[:0], first)
	drain:
		for len(group) < maxGroup {
			select {
			case r := <-s.reqs:
				group = append(group, r)
			default:
				break drain
			}
		}
		if b := s.commitGroup(group, pending); b != nil {
			syncq <- syncing{b, append([]*request(nil), group...)}
		}
		clear(pending)
		if s.absent.full() {
			// Deleted ids crowd the filter: rebuild it from what the database holds now (every
			// batch so far is applied, so the scan sees it).
			if f, err := s.loadAbsent(len(s.absent.bits) * 64); err != nil {
				s.log.Error("store: rebuild seen-id filter", "err", err)
				s.absent.limit *= 2 // keep the old one, with more false positives
			} else {
				s.absent = f
			}
		}
	}
}

// syncing is a batch applied but not yet known to be on disk, and the writes it holds.
type syncing struct {
	b     *pebble.Batch
	group []*request
}

// syncer completes synced batches once their fsync is done, in the order they were applied.
func (s *Store) syncer(q <-chan syncing) {
	defer s.wg.Done()
	for x := range q {
		err := x.b.SyncWait()
		x.b.Close()
		if err != nil {
			err = fmt.Errorf("store sync: %w", err)
			s.log.Error("store sync failed", "err", err)
		}
		complete(x.group, err)
	}
}

func complete(group []*request, err error) {
	for _, r := range group {
		if err != nil {
			r.err = err
			for i := range r.parts {
				r.parts[i].Applied = false
			}
		}
		r.done <- struct{}{}
	}
}

// commitGroup applies the writes of group as one batch. When one of them asked for a sync, it
// returns the batch, applied and visible, for the syncer to wait on; otherwise it completes them.
// In a relaxed store a batch asking for a sync is committed like any other and completed at once,
// and the window syncer told.
func (s *Store) commitGroup(group []*request, pending map[string]struct{}) *pebble.Batch {
	b := s.db.NewBatch()
	sync := false
	var err error
	for _, r := range group {
		for i := range r.parts {
			if err = s.applyPart(b, r, &r.parts[i], pending); err != nil {
				break
			}
		}
		if err != nil {
			break
		}
		sync = sync || r.sync
	}
	s.writes.Add(uint64(len(group)))
	async := false
	if err == nil && !b.Empty() {
		s.commits.Add(1)
		if sync && s.window == 0 {
			s.syncs.Add(1)
			err = s.db.ApplyNoSyncWait(b, pebble.Sync)
			async = err == nil
		} else {
			err = b.Commit(pebble.NoSync)
			if err == nil && sync {
				select {
				case s.dirty <- struct{}{}:
				default:
				}
			}
		}
	}
	if err != nil {
		err = fmt.Errorf("store commit: %w", err)
		s.log.Error("store commit failed", "err", err)
	} else {
		// Visible now, in seq order; a reader that takes an item before its fsync and loses it in
		// a power cut is no worse off than one the PNIC never acknowledged.
		for _, a := range s.added {
			s.onInbox(a.twin, a.seq, a.value)
		}
	}
	clear(s.added)
	s.added = s.added[:0]
	if async {
		return b
	}
	b.Close()
	complete(group, err)
	return nil
}

// applyPart adds one part to the batch unless its if-absent key exists; a failed lookup fails the
// request, a failed batch operation is returned.
func (s *Store) applyPart(b *pebble.Batch, r *request, p *Part, pending map[string]struct{}) error {
	if p.IfAbsent != nil {
		if _, ok := pending[string(p.IfAbsent)]; ok {
			return nil
		}
		exists, gerr := s.exists(p.IfAbsent)
		if gerr != nil {
			r.err = gerr
			return nil
		}
		if exists {
			return nil
		}
		pending[string(p.IfAbsent)] = struct{}{}
		s.absent.add(p.IfAbsent)
	}
	var err error
	for _, op := range p.Ops {
		if !op.Delete && op.InboxFor == 0 && len(op.Key) > 0 && isAbsentSpace(op.Key[0]) {
			s.absent.add(op.Key) // written without a check (a restore, a test): still known
		}
		if op.Delete {
			err = b.Delete(op.Key, nil)
		} else if op.InboxFor != 0 {
			seq := s.NextSeq()
			var k [17]byte
			putInboxKey(k[:], op.InboxFor, seq)
			err = b.Set(k[:], op.Value, nil)
			if s.onInbox != nil {
				s.added = append(s.added, added{op.InboxFor, seq, op.Value})
			}
		} else {
			err = b.Set(op.Key, op.Value, nil)
		}
		if err != nil {
			return err
		}
	}
	p.Applied = true
	return nil
}

// Stats counts the store's work since it opened.
type Stats struct {
	Writes  uint64 // calls of Write that reached the committer
	Commits uint64 // batches committed
	Syncs   uint64 // of which synced to disk before their writers were answered
	// WindowSyncs counts the fsyncs of a relaxed store's window.
	WindowSyncs uint64
}

// Stats returns what the store has done so far.
func (s *Store) Stats() Stats {
	return Stats{Writes: s.writes.Load(), Commits: s.commits.Load(), Syncs: s.syncs.Load(), WindowSyncs: s.windowSyncs.Load()}
}

func (s *Store) has(key []byte) (bool, error) {
	_, c, err := s.db.Get(key)
	if errors.Is(err, pebble.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store get: %w", err)
	}
	c.Close()
	return true, nil
}

// Get returns a copy of the value stored under key, or ok false.
func (s *Store) Get(key []byte) (value []byte, ok bool, err error) {
	v, c, err := s.db.Get(key)
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("store get: %w", err)
	}
	value = append([]byte(nil), v...)
	c.Close()
	return value, true, nil
}

// Scan calls fn for every key with the given prefix in order, stopping at the first error. Key and
// value are only valid during the call.
func (s *Store) Scan(prefix []byte, fn func(key, value []byte) error) error {
	return s.ScanFrom(prefix, prefix, fn)
}

// ScanFrom is Scan starting at key from (inclusive) instead of the start of the prefix.
func (s *Store) ScanFrom(prefix, from []byte, fn func(key, value []byte) error) error {
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: from, UpperBound: prefixEnd(prefix)})
	if err != nil {
		return fmt.Errorf("store scan: %w", err)
	}
	for ok := it.First(); ok; ok = it.Next() {
		if err := fn(it.Key(), it.Value()); err != nil {
			it.Close()
			return err
		}
	}
	if err := it.Close(); err != nil {
		return fmt.Errorf("store scan: %w", err)
	}
	return nil
}

func prefixEnd(p []byte) []byte {
	end := bytes.Clone(p)
	for i := len(end) - 1; i >= 0; i-- {
		end[i]++
		if end[i] != 0 {
			return end[:i+1]
		}
	}
	return nil
}

// OutboxKey is the key of an outbound envelope.
func OutboxKey(id [16]byte) []byte {
	k := make([]byte, 17)
	k[0] = prefixOutbox
	copy(k[1:], id[:])
	return k
}

// IsOutboxKey reports whether k is the key of an outbound envelope.
func IsOutboxKey(k []byte) bool { return len(k) == 17 && k[0] == prefixOutbox }

// OutboxPrefix is the prefix of all outbox keys.
func OutboxPrefix() []byte { return []byte{prefixOutbox} }

// NoticeKey is the key of an outbound notice about envelope id.
func NoticeKey(id [16]byte) []byte {
	k := make([]byte, 17)
	k[0] = prefixNotice
	copy(k[1:], id[:])
	return k
}

// NoticePrefix is the prefix of all outbound notice keys.
func NoticePrefix() []byte { return []byte{prefixNotice} }

// NoticeSeenKey is the key recording that a notice about envelope id was received.
func NoticeSeenKey(id [16]byte) []byte {
	k := make([]byte, 17)
	k[0] = prefixNSeen
	copy(k[1:], id[:])
	return k
}

// NoticeSeenPrefix is the prefix of all received-notice keys.
func NoticeSeenPrefix() []byte { return []byte{prefixNSeen} }

// AllInboxPrefix is the prefix of every twin's inbox keys.
func AllInboxPrefix() []byte { return []byte{prefixInbox} }

// SeenKey is the key recording that an inbound envelope id was accepted.
func SeenKey(id [16]byte) []byte {
	k := make([]byte, 17)
	k[0] = prefixSeen
	copy(k[1:], id[:])
	return k
}

// SeenPrefix is the prefix of all seen-id keys.
func SeenPrefix() []byte { return []byte{prefixSeen} }

// InboxKey is the key of the seq-th item waiting for twin.
func InboxKey(twin, seq uint64) []byte {
	k := make([]byte, 17)
	putInboxKey(k, twin, seq)
	return k
}

func putInboxKey(k []byte, twin, seq uint64) {
	k[0] = prefixInbox
	binary.BigEndian.PutUint64(k[1:], twin)
	binary.BigEndian.PutUint64(k[9:], seq)
}

// InboxPrefix is the prefix of twin's inbox keys.
func InboxPrefix(twin uint64) []byte {
	k := make([]byte, 9)
	k[0] = prefixInbox
	binary.BigEndian.PutUint64(k[1:], twin)
	return k
}

// ParseInboxKey returns the twin and sequence number of an inbox key.
func ParseInboxKey(k []byte) (twin, seq uint64, ok bool) {
	if len(k) != 17 || k[0] != prefixInbox {
		return 0, 0, false
	}
	return binary.BigEndian.Uint64(k[1:]), binary.BigEndian.Uint64(k[9:]), true
}

// NextSeq returns a sequence number larger than any inbox item written by this store so far.
func (s *Store) NextSeq() uint64 {
	s.seqMu.Lock()
	s.seq++
	n := s.seq
	s.seqMu.Unlock()
	return n
}

func (s *Store) lastInboxSeq() (uint64, error) {
	var last uint64
	err := s.Scan([]byte{prefixInbox}, func(k, _ []byte) error {
		if _, seq, ok := ParseInboxKey(k); ok && seq > last {
			last = seq
		}
		return nil
	})
	return last, err
}
