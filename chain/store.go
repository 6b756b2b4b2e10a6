package chain

import (
	"bytes"
	"errors"
	"fmt"

	dbm "github.com/cometbft/cometbft-db"
	"github.com/cosmos/iavl"
	idb "github.com/cosmos/iavl/db"
)

// iavlDB lets IAVL keep its nodes in a cometbft-db database.
type iavlDB struct{ dbm.DB }

func (d iavlDB) Iterator(start, end []byte) (idb.Iterator, error) {
	it, err := d.DB.Iterator(start, end)
	if err != nil {
		return nil, err
	}
	return copyIterator{it}, nil
}

func (d iavlDB) ReverseIterator(start, end []byte) (idb.Iterator, error) {
	it, err := d.DB.ReverseIterator(start, end)
	if err != nil {
		return nil, err
	}
	return copyIterator{it}, nil
}

// copyIterator hands out copies of keys and values. IAVL keeps the key of a fast node it read
// while its iterator moves on, as cosmos-db's iterators allow; cometbft-db's pebble iterator
// returns pebble's own buffer, which the next step overwrites, so prefix scans (a circle's
// members, a twin's names) saw garbled keys.
type copyIterator struct{ dbm.Iterator }

func (it copyIterator) Key() []byte             { return bytes.Clone(it.Iterator.Key()) }
func (it copyIterator) Value() []byte           { return bytes.Clone(it.Iterator.Value()) }
func (d iavlDB) NewBatch() idb.Batch            { return &sizedBatch{Batch: d.DB.NewBatch()} }
func (d iavlDB) NewBatchWithSize(int) idb.Batch { return d.NewBatch() }

// sizedBatch counts the bytes written, which IAVL uses to decide when to flush.
type sizedBatch struct {
	dbm.Batch
	size int
}

func (b *sizedBatch) Set(k, v []byte) error     { b.size += len(k) + len(v); return b.Batch.Set(k, v) }
func (b *sizedBatch) Delete(k []byte) error     { b.size += len(k); return b.Batch.Delete(k) }
func (b *sizedBatch) GetByteSize() (int, error) { return b.size, nil }

// openTree opens the state tree in dir with the pebble backend, or in memory when dir is empty.
func openTree(dir string) (dbm.DB, *iavl.MutableTree, error) {
	var db dbm.DB
	if dir == "" {
		db = dbm.NewMemDB()
	} else {
		var err error
		db, err = dbm.NewDB("state", dbm.PebbleDBBackend, dir)
		if err != nil {
			return nil, nil, fmt.Errorf("open state db in %s: %w", dir, err)
		}
	}
	tree, err := loadTree(db)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return db, tree, nil
}

// loadTree opens the state tree kept in db at its latest version.
func loadTree(db dbm.DB) (*iavl.MutableTree, error) {
	tree := iavl.NewMutableTree(iavlDB{db}, 100_000, false, iavl.NewNopLogger())
	if _, err := tree.Load(); err != nil {
		return nil, fmt.Errorf("load state tree: %w", err)
	}
	return tree, nil
}

// wipeDB deletes every key of db.
func wipeDB(db dbm.DB) error {
	it, err := db.Iterator(nil, nil)
	if err != nil {
		return fmt.Errorf("iterate state db: %w", err)
	}
	var keys [][]byte
	for ; it.Valid(); it.Next() {
		keys = append(keys, bytes.Clone(it.Key()))
	}
	if err := errors.Join(it.Error(), it.Close()); err != nil {
		return fmt.Errorf("iterate state db: %w", err)
	}
	b := db.NewBatch()
	defer b.Close()
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return fmt.Errorf("delete state key: %w", err)
		}
	}
	if err := b.WriteSync(); err != nil {
		return fmt.Errorf("wipe state db: %w", err)
	}
	return nil
}
