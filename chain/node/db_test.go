package node

import (
	"testing"

	dbm "github.com/cometbft/cometbft-db"
)

// TestStopSafeDBReadAfterClose: a read that a CometBFT peer goroutine makes after the node closed
// its block store finds nothing instead of panicking on the closed pebble database.
func TestStopSafeDBReadAfterClose(t *testing.T) {
	pdb, err := dbm.NewPebbleDB("blockstore", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	db := &stopSafeDB{DB: pdb}
	if err := db.Set([]byte("k"), []byte("v")); err != nil {
		t.Fatal(err)
	}
	if v, err := db.Get([]byte("k")); err != nil || string(v) != "v" {
		t.Fatalf("Get before close = %q, %v", v, err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if v, err := db.Get([]byte("k")); err != nil || v != nil {
		t.Fatalf("Get after close = %q, %v; want nothing", v, err)
	}
	if ok, err := db.Has([]byte("k")); err != nil || ok {
		t.Fatalf("Has after close = %v, %v", ok, err)
	}
	it, err := db.Iterator(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if it.Valid() {
		t.Fatal("iterator after close is not empty")
	}
	it.Close()
}
