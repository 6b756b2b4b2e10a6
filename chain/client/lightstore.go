package client

import (
	"bytes"

	dbm "github.com/cometbft/cometbft-db"
)

// copyingDB is the light client's store: a memory DB whose iterators copy their range and let go
// of the DB at once. The light store prunes (past 1000 headers) by deleting in a batch while its
// iterator is still open, and a memory DB's iterator holds the DB's read lock until closed, so with
// a plain memory DB the 1001st verified header deadlocks the client.
type copyingDB struct{ dbm.DB }

func newLightDB() dbm.DB { return copyingDB{dbm.NewMemDB()} }

func (d copyingDB) Iterator(start, end []byte) (dbm.Iterator, error) {
	return d.copyOf(d.DB.Iterator(start, end))
}

func (d copyingDB) ReverseIterator(start, end []byte) (dbm.Iterator, error) {
	return d.copyOf(d.DB.ReverseIterator(start, end))
}

func (d copyingDB) copyOf(it dbm.Iterator, err error) (dbm.Iterator, error) {
	if err != nil {
		return nil, err
	}
	defer it.Close()
	c := &copiedIter{}
	c.start, c.end = it.Domain()
	for ; it.Valid(); it.Next() {
		c.keys = append(c.keys, bytes.Clone(it.Key()))
		c.vals = append(c.vals, bytes.Clone(it.Value()))
	}
	return c, it.Error()
}

// copiedIter walks a copied range.
type copiedIter struct {
	start, end []byte
	keys, vals [][]byte
	i          int
}

func (c *copiedIter) Domain() ([]byte, []byte) { return c.start, c.end }
func (c *copiedIter) Valid() bool              { return c.i < len(c.keys) }
func (c *copiedIter) Next()                    { c.i++ }
func (c *copiedIter) Key() []byte              { return c.keys[c.i] }
func (c *copiedIter) Value() []byte            { return c.vals[c.i] }
func (c *copiedIter) Error() error             { return nil }
func (c *copiedIter) Close() error             { return nil }
