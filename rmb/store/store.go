// Package store persists the bus's outbox, inbox and seen-id set in pebble.
//
// Writes go through one committer goroutine that gathers concurrent writers into a single batch and
// one fsync (group commit), so durability does not cost one fsync per message; while a batch waits
// for its fsync the committer goes on with the next, and pebble syncs them together. A write may carry an
// "if absent" key checked atomically against the database and the rest of its group, which is how
// inbound envelopes are deduplicated by id across retries and restarts.
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

	"github.com/cockroachdb/pebble"
	"github.com/cockroachdb/pebble/bloom"
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

type request struct {
	ifAbsent []byte
	ops      []Op
	sync     bool
	applied  bool
	err      error
	done     chan struct{}
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

	commits, syncs, writes atomic.Uint64

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
		Cache: cache, MemTableSize: 16 << 20}
	for i := range opts.Levels {
		// Every write checks that its id is new: bloom filters answer "absent" without reading tables.
		opts.Levels[i].FilterPolicy = bloom.FilterPolicy(10)
		opts.Levels[i].FilterType = pebble.TableFilter
	}
	db, err := pebble.Open(dir, opts)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", dir, err)
	}
	s := &Store{db: db, log: log, reqs: make(chan *request), closed: make(chan struct{}), onInbox: o.OnInbox}
	s.pool.New = func() any { return &request{done: make(chan struct{}, 1)} }
	last, err := s.lastInboxSeq()
	if err != nil {
		db.Close()
		return nil, err
	}
	s.seq = last
	s.wg.Add(1)
	go s.committer()
	return s, nil
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
	r.ifAbsent, r.ops, r.sync, r.applied, r.err = ifAbsent, ops, sync, false, nil
	select {
	case s.reqs <- r:
	case <-s.closed:
		return false, ErrClosed
	case <-ctx.Done():
		return false, fmt.Errorf("store write: %w", ctx.Err())
	}
	// The channel is unbuffered: once the committer took r it will complete it.
	<-r.done
	applied, err = r.applied, r.err
	r.ops, r.ifAbsent = nil, nil
	s.pool.Put(r)
	return applied, err
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
			r.applied, r.err = false, err
		}
		r.done <- struct{}{}
	}
}

// commitGroup applies the writes of group as one batch. When one of them asked for a sync, it
// returns the batch, applied and visible, for the syncer to wait on; otherwise it completes them.
func (s *Store) commitGroup(group []*request, pending map[string]struct{}) *pebble.Batch {
	b := s.db.NewBatch()
	sync := false
	var err error
	for _, r := range group {
		if r.ifAbsent != nil {
			if _, ok := pending[string(r.ifAbsent)]; ok {
				continue
			}
			exists, gerr := s.has(r.ifAbsent)
			if gerr != nil {
				r.err = gerr
				continue
			}
			if exists {
				continue
			}
			pending[string(r.ifAbsent)] = struct{}{}
		}
		for _, op := range r.ops {
			if op.Delete {
				err = b.Delete(op.Key, nil)
			} else if op.InboxFor != 0 {
				seq := s.NextSeq()
				err = b.Set(InboxKey(op.InboxFor, seq), op.Value, nil)
				if s.onInbox != nil {
					s.added = append(s.added, added{op.InboxFor, seq, op.Value})
				}
			} else {
				err = b.Set(op.Key, op.Value, nil)
			}
			if err != nil {
				break
			}
		}
		if err != nil {
			break
		}
		r.applied = true
		sync = sync || r.sync
	}
	s.writes.Add(uint64(len(group)))
	async := false
	if err == nil && !b.Empty() {
		s.commits.Add(1)
		if sync {
			s.syncs.Add(1)
			err = s.db.ApplyNoSyncWait(b, pebble.Sync)
			async = err == nil
		} else {
			err = b.Commit(pebble.NoSync)
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

// Stats counts the store's work since it opened.
type Stats struct {
	Writes  uint64 // calls of Write that reached the committer
	Commits uint64 // batches committed
	Syncs   uint64 // of which synced to disk
}

// Stats returns what the store has done so far.
func (s *Store) Stats() Stats {
	return Stats{Writes: s.writes.Load(), Commits: s.commits.Load(), Syncs: s.syncs.Load()}
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
	k[0] = prefixInbox
	binary.BigEndian.PutUint64(k[1:], twin)
	binary.BigEndian.PutUint64(k[9:], seq)
	return k
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
