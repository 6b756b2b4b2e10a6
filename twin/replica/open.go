package replica

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
)

// Replica is a twin's state as its standby opens it to take the twin over.
type Replica struct {
	Hello Hello
	// KeyFile is the twin's key file.
	KeyFile []byte
	// Batches are the store's snapshot then every change after it, for store.Restore.
	Batches [][]byte
}

// Open unwraps and decrypts the replica in dir (a Keeper's Dir) with the standby's key. A change
// cut short at the end of the log (the twin's host died while writing it, before it was
// acknowledged) is left out.
func Open(dir string, k StandbyKey) (Replica, error) {
	var r Replica
	hb, err := os.ReadFile(filepath.Join(dir, "hello"))
	if err != nil {
		return r, fmt.Errorf("replica: %w", err)
	}
	if r.Hello, err = DecodeHello(hb); err != nil {
		return r, fmt.Errorf("replica: %w", err)
	}
	id := r.Hello.Twin
	key, err := unwrap(k, r.Hello.Wrapped)
	if err != nil {
		return r, fmt.Errorf("replica of twin %d: %w", id, err)
	}
	if r.KeyFile, err = openRecord(key, recordAD(id, tHello, 0), r.Hello.Keys); err != nil {
		return r, fmt.Errorf("replica of twin %d: key file: %w", id, err)
	}
	snap, err := os.ReadFile(filepath.Join(dir, "snap"))
	if err != nil {
		return r, fmt.Errorf("replica of twin %d: %w", id, err)
	}
	seq, sealed, err := record(snap)
	if err != nil {
		return r, fmt.Errorf("replica of twin %d: snapshot: %w", id, err)
	}
	b, err := openRecord(key, recordAD(id, tSnap, seq), sealed)
	if err != nil {
		return r, fmt.Errorf("replica of twin %d: snapshot: %w", id, err)
	}
	r.Batches = append(r.Batches, b)
	log, err := os.ReadFile(filepath.Join(dir, "log"))
	if err != nil {
		return r, fmt.Errorf("replica of twin %d: %w", id, err)
	}
	for len(log) >= 4 {
		n := binary.BigEndian.Uint32(log)
		if uint64(len(log)-4) < uint64(n) {
			break // cut short
		}
		p := log[4 : 4+n]
		log = log[4+n:]
		next, sealed, err := record(p)
		if err != nil || next != seq+1 {
			return r, fmt.Errorf("replica of twin %d: change after %d is %d: %v", id, seq, next, err)
		}
		b, err := openRecord(key, recordAD(id, tInc, next), sealed)
		if err != nil {
			return r, fmt.Errorf("replica of twin %d: change %d: %w", id, next, err)
		}
		r.Batches = append(r.Batches, b)
		seq = next
	}
	return r, nil
}
