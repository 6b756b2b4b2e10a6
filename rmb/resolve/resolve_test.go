package resolve

import (
	"context"
	"crypto/ed25519"
	"errors"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

type counting struct {
	Resolver
	calls atomic.Int64
}

func (c *counting) Resolve(ctx context.Context, id uint64) (TwinInfo, error) {
	c.calls.Add(1)
	return c.Resolver.Resolve(ctx, id)
}

func twin(id uint64) TwinInfo {
	pub, _, _ := ed25519.GenerateKey(nil)
	pn, _, _ := ed25519.GenerateKey(nil)
	t := TwinInfo{ID: id, SigningKey: pub, PNIC: pn}
	t.EncryptionKey[0] = byte(id)
	return t
}

func TestFileRoundTripAndUnknown(t *testing.T) {
	path := filepath.Join(t.TempDir(), "twins.json")
	a, b := twin(1), twin(2)
	if err := WriteFile(path, []TwinInfo{a, b}); err != nil {
		t.Fatal(err)
	}
	f, err := NewFile(path)
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.Resolve(context.Background(), 2)
	if err != nil || !got.SigningKey.Equal(b.SigningKey) || got.EncryptionKey != b.EncryptionKey || !got.PNIC.Equal(b.PNIC) {
		t.Fatalf("resolve 2: %+v %v", got, err)
	}
	if _, err := f.Resolve(context.Background(), 3); !errors.Is(err, ErrUnknownTwin) {
		t.Fatalf("resolve 3: %v", err)
	}
}

func TestCacheAndInvalidate(t *testing.T) {
	s := &counting{Resolver: NewStatic(twin(1))}
	c := NewCache(s, time.Hour)
	for range 3 {
		if _, err := c.Resolve(context.Background(), 1); err != nil {
			t.Fatal(err)
		}
	}
	if n := s.calls.Load(); n != 1 {
		t.Fatalf("wrapped resolver called %d times, want 1", n)
	}
	c.Invalidate(1)
	if _, err := c.Resolve(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	if n := s.calls.Load(); n != 2 {
		t.Fatalf("after invalidate: %d calls, want 2", n)
	}
	if _, err := c.Resolve(context.Background(), 9); !errors.Is(err, ErrUnknownTwin) {
		t.Fatalf("unknown twin: %v", err)
	}
}

// FuzzResolverFile: any bytes in a resolver file give twins or an error, never a panic.
func FuzzResolverFile(f *testing.F) {
	f.Add([]byte(`[]`))
	f.Add([]byte(`[{"id":1,"signing_key":"00","encryption_key":"00","pnic":"00"}]`))
	f.Add([]byte(`{`))
	f.Fuzz(func(t *testing.T, b []byte) {
		twins, err := parseFile("fuzz", b)
		if err != nil {
			return
		}
		for _, tw := range twins {
			if len(tw.SigningKey) != 32 || len(tw.PNIC) != 32 {
				t.Fatalf("accepted twin %d with keys of %d and %d bytes", tw.ID, len(tw.SigningKey), len(tw.PNIC))
			}
		}
	})
}
