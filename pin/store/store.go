// Package store is a pinning node's local storage: blocks in a flatfs directory (one file per block,
// as Kubo keeps them) and everything else (pins, the node's own records) in a pebble database.
//
// Writes are not synced one by one; Sync flushes the whole file system once, at the points where
// the node promises durability (before it reports a pin as stored).
package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/ipfs/boxo/blockservice"
	"github.com/ipfs/boxo/blockstore"
	"github.com/ipfs/boxo/exchange"
	"github.com/ipfs/boxo/ipld/merkledag"
	ds "github.com/ipfs/go-datastore"
	flatfs "github.com/ipfs/go-ds-flatfs"
	pebbleds "github.com/ipfs/go-ds-pebble"
	ipld "github.com/ipfs/go-ipld-format"
	"golang.org/x/sys/unix"
)

// Store is a node's blockstore and metadata database.
type Store struct {
	dir    string
	flat   *flatfs.Datastore
	meta   *pebbleds.Datastore
	Blocks blockstore.Blockstore // every block the node holds
	Meta   ds.Batching           // the node's records (pins, jobs), under keys of its own choosing

	gmu      sync.Mutex     // guards pending and flushing
	pending  *flush         // the next flush, which starts after every caller waiting on it
	flushing bool           // a flush loop runs
	loops    sync.WaitGroup // the flush loop, waited for by Close
}

// flush is one sync of the store shared by every Sync call made before it started.
type flush struct {
	done chan struct{}
	err  error
}

// Open opens (creating when missing) the store in dir: dir/blocks (flatfs) and dir/meta (pebble).
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	flat, err := flatfs.CreateOrOpen(filepath.Join(dir, "blocks"), flatfs.NextToLast(2), false)
	if err != nil {
		return nil, fmt.Errorf("store: open blocks in %s: %w", dir, err)
	}
	meta, err := pebbleds.NewDatastore(filepath.Join(dir, "meta"))
	if err != nil {
		flat.Close()
		return nil, fmt.Errorf("store: open metadata in %s: %w", dir, err)
	}
	return &Store{
		dir:    dir,
		flat:   flat,
		meta:   meta,
		Blocks: blockstore.NewBlockstore(flat, blockstore.NoPrefix()),
		Meta:   meta,
	}, nil
}

// DAG returns a DAG service over the store's blocks that fetches missing blocks through ex (nil: offline).
func (s *Store) DAG(ex exchange.Interface) ipld.DAGService {
	return merkledag.NewDAGService(blockservice.New(s.Blocks, ex))
}

// Sync makes every block and record written so far durable: the metadata database is synced and
// the file system holding the blocks flushed. Concurrent callers share one flush (group commit):
// each waits for a flush that started after its call.
func (s *Store) Sync(ctx context.Context) error {
	s.gmu.Lock()
	if s.pending == nil {
		s.pending = &flush{done: make(chan struct{})}
	}
	f := s.pending
	if !s.flushing {
		s.flushing = true
		s.loops.Add(1)
		go s.flushLoop()
	}
	s.gmu.Unlock()
	select {
	case <-f.done:
		return f.err
	case <-ctx.Done():
		return fmt.Errorf("store: sync: %w", ctx.Err())
	}
}

// flushLoop runs pending flushes one after the other until none is left.
func (s *Store) flushLoop() {
	defer s.loops.Done()
	for {
		s.gmu.Lock()
		f := s.pending
		s.pending = nil
		if f == nil {
			s.flushing = false
			s.gmu.Unlock()
			return
		}
		s.gmu.Unlock()
		f.err = s.syncNow(context.Background())
		close(f.done)
	}
}

// syncNow syncs the metadata database and the file system holding the blocks.
func (s *Store) syncNow(ctx context.Context) error {
	if err := s.meta.Sync(ctx, ds.NewKey("/")); err != nil {
		return fmt.Errorf("store: sync metadata: %w", err)
	}
	f, err := os.Open(s.dir)
	if err != nil {
		return fmt.Errorf("store: sync: %w", err)
	}
	defer f.Close()
	if err := unix.Syncfs(int(f.Fd())); err != nil {
		return fmt.Errorf("store: syncfs %s: %w", s.dir, err)
	}
	return nil
}

// DiskUsage returns the bytes the blocks take on disk.
func (s *Store) DiskUsage(ctx context.Context) (uint64, error) {
	return s.flat.DiskUsage(ctx)
}

// Close closes the metadata database and the block directory.
func (s *Store) Close() error {
	s.loops.Wait()
	return errors.Join(s.meta.Close(), s.flat.Close())
}
