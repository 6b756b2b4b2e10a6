package store

import (
	"context"
	"fmt"
	"sync"
	"testing"

	ds "github.com/ipfs/go-datastore"
)

// TestSyncConcurrent: many writers syncing at once all get their flush, and everything they wrote
// is there after the store is closed and opened again.
func TestSyncConcurrent(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.Meta.Put(ctx, ds.NewKey(fmt.Sprint("k", i)), []byte{byte(i)}); err != nil {
				errs <- err
				return
			}
			errs <- s.Sync(ctx)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if s, err = Open(dir); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := range 64 {
		if v, err := s.Meta.Get(ctx, ds.NewKey(fmt.Sprint("k", i))); err != nil || len(v) != 1 || v[0] != byte(i) {
			t.Fatalf("k%d after reopen: %v %v", i, v, err)
		}
	}
}
