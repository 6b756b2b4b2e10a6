package store

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
)

func TestWriteIfAbsentIsAtomicAndSurvivesReopen(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var id [16]byte
	id[0] = 9
	var applied atomic.Int64
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := s.Write(ctx, true, SeenKey(id), Op{Key: SeenKey(id), Value: []byte{1}}, Op{InboxFor: 7, Value: []byte{byte(i)}})
			if err != nil {
				t.Error(err)
			}
			if ok {
				applied.Add(1)
			}
		}()
	}
	wg.Wait()
	if n := applied.Load(); n != 1 {
		t.Fatalf("%d concurrent writes of one id applied, want 1", n)
	}
	seqBefore := s.NextSeq()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ok, err := s.Write(ctx, true, SeenKey(id), Op{Key: SeenKey(id), Value: []byte{1}})
	if err != nil || ok {
		t.Fatalf("after reopen the id was accepted again: %v %v", ok, err)
	}
	n := 0
	if err := s.Scan(InboxPrefix(7), func(k, v []byte) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Fatalf("inbox has %d items, want 1", n)
	}
	if seq := s.NextSeq(); seq >= seqBefore+1000 || seq == 0 {
		t.Fatalf("unexpected seq %d", seq)
	}
}

func TestManyConcurrentSyncWrites(t *testing.T) {
	s, err := Open(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				var id [16]byte
				id[0], id[1] = byte(w), byte(i)
				if _, err := s.Write(context.Background(), true, nil, Op{Key: OutboxKey(id), Value: []byte("x")}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	n := 0
	s.Scan(OutboxPrefix(), func(k, v []byte) error { n++; return nil })
	if n != 1600 {
		t.Fatalf("outbox has %d, want 1600", n)
	}
}

func TestWriteAfterClose(t *testing.T) {
	s, err := Open(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := s.Write(context.Background(), true, nil, Op{Key: []byte("k"), Value: []byte("v")}); err != ErrClosed {
		t.Fatalf("write after close: %v", err)
	}
}
