package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/vfs"
)

// crashFS is a file system that keeps only what was synced when the machine "crashes".
type crashFS struct{ *vfs.MemFS }

func newCrashFS(t *testing.T) crashFS {
	fs := vfs.NewStrictMem()
	// The database directory itself must survive the crash: create it and sync its parent.
	if err := fs.MkdirAll("db", 0o755); err != nil {
		t.Fatal(err)
	}
	root, err := fs.OpenDir("")
	if err != nil {
		t.Fatal(err)
	}
	if err := root.Sync(); err != nil {
		t.Fatal(err)
	}
	root.Close()
	return crashFS{fs}
}

// crash closes s as a power cut would leave it: nothing written after the last fsync survives.
func (c crashFS) crash(t *testing.T, s *Store) {
	t.Helper()
	c.SetIgnoreSyncs(true) // the store's own closing fsyncs never happen in a crash
	s.Close()
	c.ResetToSyncedState()
	c.SetIgnoreSyncs(false)
}

func openFS(t *testing.T, fs vfs.FS, o Options) *Store {
	t.Helper()
	o.fs = fs
	s, err := OpenWith("db", nil, o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func key(i int) []byte { return fmt.Appendf(nil, "k%05d", i) }

func present(t *testing.T, s *Store, from, to int) (n int) {
	t.Helper()
	for i := from; i < to; i++ {
		if _, ok, err := s.Get(key(i)); err != nil {
			t.Fatal(err)
		} else if ok {
			n++
		}
	}
	return n
}

// writeParts writes keys [from, to) as one part each through WriteParts, asking for a sync.
func writeParts(t *testing.T, s *Store, from, to int) {
	t.Helper()
	var parts []Part
	for i := from; i < to; i++ {
		parts = append(parts, Part{IfAbsent: key(i), Ops: []Op{{Key: key(i), Value: []byte("v")}}})
	}
	if err := s.WriteParts(context.Background(), true, parts); err != nil {
		t.Fatal(err)
	}
	for i, p := range parts {
		if !p.Applied {
			t.Fatalf("part %d not applied", i)
		}
	}
}

// TestDurableLosesNothingInACrash: every synced write acknowledged before a crash, one at a time or
// many parts in one call, is there after it.
func TestDurableLosesNothingInACrash(t *testing.T) {
	fs := newCrashFS(t)
	s := openFS(t, fs, Options{})
	for i := range 50 {
		if _, err := s.Write(context.Background(), true, nil, Op{Key: key(i), Value: []byte("v")}); err != nil {
			t.Fatal(err)
		}
	}
	writeParts(t, s, 50, 300)
	fs.crash(t, s)
	s = openFS(t, fs, Options{})
	defer s.Close()
	if n := present(t, s, 0, 300); n != 300 {
		t.Fatalf("%d of 300 durable writes survived the crash", n)
	}
}

// TestRelaxedLosesAtMostTheWindow: in a relaxed store writes are acknowledged before their fsync;
// a crash loses those acknowledged after the last window fsync and nothing acknowledged before it.
// The window here is long enough never to end during the test, so the fsyncs are the ones awaited.
func TestRelaxedLosesAtMostTheWindow(t *testing.T) {
	fs := newCrashFS(t)
	synced := make(chan struct{}, 16)
	o := Options{SyncWindow: time.Hour, afterWindowSync: func() { synced <- struct{}{} }}
	s := openFS(t, fs, o)
	if !s.Relaxed() {
		t.Fatal("store with a sync window is not relaxed")
	}
	writeParts(t, s, 0, 100)
	// Acknowledged, not yet on disk: the window's fsync makes them durable.
	s.syncWAL()
	<-synced
	writeParts(t, s, 100, 200) // acknowledged inside the next window
	if n := present(t, s, 100, 200); n != 100 {
		t.Fatalf("only %d of 100 acknowledged relaxed writes readable before the crash", n)
	}
	fs.crash(t, s)
	s = openFS(t, fs, Options{})
	if n := present(t, s, 0, 100); n != 100 {
		t.Fatalf("%d of 100 writes synced by the window survived the crash", n)
	}
	if n := present(t, s, 100, 200); n != 0 {
		// With a strict file system nothing unsynced survives; if some did, the test proves nothing.
		t.Fatalf("%d of the 100 writes of the open window survived; the crash simulation is not strict", n)
	}
	s.Close()
}

// TestRelaxedWindowEnds: the window fsync comes by itself after a relaxed write, and then a crash
// loses nothing of what was acknowledged before it.
func TestRelaxedWindowEnds(t *testing.T) {
	fs := newCrashFS(t)
	synced := make(chan struct{}, 16)
	s := openFS(t, fs, Options{SyncWindow: 5 * time.Millisecond, afterWindowSync: func() { synced <- struct{}{} }})
	writeParts(t, s, 0, 100)
	select {
	case <-synced:
	case <-time.After(time.Minute):
		t.Fatal("no window fsync within a minute of a relaxed write")
	}
	fs.crash(t, s)
	s = openFS(t, fs, Options{})
	defer s.Close()
	if n := present(t, s, 0, 100); n != 100 {
		t.Fatalf("%d of 100 relaxed writes survived a crash after their window's fsync", n)
	}
}

// TestRelaxedCloseSyncs: closing a relaxed store (not crashing it) makes its last window durable.
func TestRelaxedCloseSyncs(t *testing.T) {
	fs := newCrashFS(t)
	s := openFS(t, fs, Options{SyncWindow: time.Hour})
	writeParts(t, s, 0, 10)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	fs.ResetToSyncedState()
	s = openFS(t, fs, Options{})
	defer s.Close()
	if n := present(t, s, 0, 10); n != 10 {
		t.Fatalf("%d of 10 relaxed writes survived a clean close", n)
	}
}

// TestWritePartsEachIfAbsent: parts of one call are checked one by one, against the database and
// against earlier parts of the same group.
func TestWritePartsEachIfAbsent(t *testing.T) {
	s, err := Open(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	if _, err := s.Write(ctx, true, key(1), Op{Key: key(1), Value: []byte("old")}); err != nil {
		t.Fatal(err)
	}
	parts := []Part{
		{IfAbsent: key(1), Ops: []Op{{Key: key(1), Value: []byte("new")}}}, // exists
		{IfAbsent: key(2), Ops: []Op{{Key: key(2), Value: []byte("a")}}},   // new
		{IfAbsent: key(2), Ops: []Op{{Key: key(2), Value: []byte("b")}}},   // written by the part before
		{Ops: []Op{{InboxFor: 5, Value: []byte("m")}}},                     // unconditional
	}
	if err := s.WriteParts(ctx, true, parts); err != nil {
		t.Fatal(err)
	}
	want := []bool{false, true, false, true}
	for i, p := range parts {
		if p.Applied != want[i] {
			t.Fatalf("part %d applied %v, want %v", i, p.Applied, want[i])
		}
	}
	if v, _, _ := s.Get(key(1)); string(v) != "old" {
		t.Fatalf("key 1 = %q, want old", v)
	}
	if v, _, _ := s.Get(key(2)); string(v) != "a" {
		t.Fatalf("key 2 = %q, want a", v)
	}
}

// TestSeenFilterRebuilt: with a filter far too small for the ids written, rebuilt many times over,
// every id written before is still refused (300 ids, a filter sized for 64), in the same store and after reopening it.
func TestSeenFilterRebuilt(t *testing.T) {
	dir := t.TempDir()
	o := Options{filterBits: 640}
	s, err := OpenWith(dir, nil, o)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	write := func(s *Store, i int) bool {
		var id [16]byte
		id[0], id[1] = byte(i), byte(i>>8)
		k := SeenKey(id)
		ok, err := s.Write(ctx, false, k, Op{Key: k, Value: []byte{1}})
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	for i := range 300 {
		if !write(s, i) {
			t.Fatalf("new id %d refused", i)
		}
	}
	for i := range 300 {
		if write(s, i) {
			t.Fatalf("id %d accepted twice", i)
		}
	}
	s.Close()
	s, err = OpenWith(dir, nil, o)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := range 300 {
		if write(s, i) {
			t.Fatalf("id %d accepted again after reopening", i)
		}
	}
	if !write(s, 5000) {
		t.Fatal("a new id refused after reopening")
	}
}
