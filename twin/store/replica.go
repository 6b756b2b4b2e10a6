package store

import (
	"bytes"

	"fmt"

	"github.com/cockroachdb/pebble"
)

// Replicator receives every change of the store, in commit order, as a pebble batch encoding.
// Append is called with the store's commit order held, so it must only queue; the function it
// returns is called after, outside that order, and may wait until the change is safe elsewhere.
type Replicator interface {
	Append(batch []byte) (wait func())
}

// SetReplicator makes every later commit go to r too (nil stops it).
func (s *Store) SetReplicator(r Replicator) {
	s.rmu.Lock()
	s.rep = r
	s.rmu.Unlock()
}

// commit writes b durably and hands it to the replicator, waiting as the replicator says.
func (s *Store) commit(b *pebble.Batch) error {
	s.rmu.Lock()
	if err := b.Commit(pebble.Sync); err != nil {
		s.rmu.Unlock()
		return err
	}
	var wait func()
	if s.rep != nil {
		wait = s.rep.Append(bytes.Clone(b.Repr()))
	}
	s.rmu.Unlock()
	if wait != nil {
		wait()
	}
	return nil
}

// Snapshot calls fn with the whole store as one batch encoding, while no commit can happen: what
// fn queues is ordered after every change the snapshot holds and before every later one.
func (s *Store) Snapshot(fn func(batch []byte)) error {
	s.rmu.Lock()
	defer s.rmu.Unlock()
	it, err := s.db.NewIter(nil)
	if err != nil {
		return fmt.Errorf("store: snapshot: %w", err)
	}
	defer it.Close()
	b := s.db.NewBatch()
	defer b.Close()
	for ok := it.First(); ok; ok = it.Next() {
		if err := b.Set(it.Key(), it.Value(), nil); err != nil {
			return fmt.Errorf("store: snapshot: %w", err)
		}
	}
	if err := it.Error(); err != nil {
		return fmt.Errorf("store: snapshot: %w", err)
	}
	fn(bytes.Clone(b.Repr()))
	return nil
}

// Restore creates a store in dir (which must not hold one) from a snapshot and the changes after
// it, each a batch encoding as Snapshot and a Replicator see them, applied in order.
func Restore(dir string, batches [][]byte) error {
	o := options()
	defer o.Cache.Unref()
	o.ErrorIfExists = true
	db, err := pebble.Open(dir, o)
	if err != nil {
		return fmt.Errorf("store: restore into %s: %w", dir, err)
	}
	for i, repr := range batches {
		b := db.NewBatch()
		if err := b.SetRepr(bytes.Clone(repr)); err != nil {
			b.Close()
			db.Close()
			return fmt.Errorf("store: restore: batch %d: %w", i, err)
		}
		if err := db.Apply(b, pebble.Sync); err != nil {
			b.Close()
			db.Close()
			return fmt.Errorf("store: restore: batch %d: %w", i, err)
		}
		b.Close()
	}
	return db.Close()
}

// Unacked returns the outgoing messages whose receiver has not acknowledged them yet (pending or
// sent), by peer and oldest first: what a twin sends again, with the same ids, after it moved or restarted.
func (s *Store) Unacked() ([]Message, error) {
	var out []Message
	err := s.scan([]byte(pUnacked), false, func(k, _ []byte) (bool, error) {
		rest := k[len(pUnacked):]
		if len(rest) != 16 {
			return true, nil
		}
		var m Message
		if err := s.getJSON(append([]byte(pMessage), rest...), &m); err != nil {
			return false, err
		}
		out = append(out, m)
		return true, nil
	})
	return out, err
}
