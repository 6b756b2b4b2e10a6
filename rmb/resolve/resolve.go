// Package resolve maps twin ids to the keys of the twin and of the PNIC hosting it.
package resolve

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"
)

// ErrUnknownTwin is returned for a twin id that is not registered.
var ErrUnknownTwin = errors.New("unknown twin")

// TwinInfo is what the bus needs to know about a twin.
type TwinInfo struct {
	ID            uint64
	SigningKey    ed25519.PublicKey // verifies the twin's envelopes and socket login
	EncryptionKey [32]byte          // X25519 key bodies are sealed to
	PNIC          ed25519.PublicKey // key of the PNIC hosting the twin
}

// Resolver looks twins up.
type Resolver interface {
	// Resolve returns the twin's keys and hosting PNIC, or an error wrapping ErrUnknownTwin.
	Resolve(ctx context.Context, twinID uint64) (TwinInfo, error)
	// Invalidate drops anything cached about the twin, e.g. after it moved to another PNIC.
	Invalidate(twinID uint64)
}

// Cache wraps a Resolver and remembers answers for a while.
type Cache struct {
	next Resolver
	ttl  time.Duration
	now  func() time.Time

	mu      sync.Mutex
	entries map[uint64]cacheEntry
}

type cacheEntry struct {
	info    TwinInfo
	expires time.Time
}

// NewCache returns a Resolver that caches answers of next for ttl.
func NewCache(next Resolver, ttl time.Duration) *Cache {
	return &Cache{next: next, ttl: ttl, now: time.Now, entries: make(map[uint64]cacheEntry)}
}

// Resolve answers from the cache, or asks the wrapped resolver and remembers a positive answer.
func (c *Cache) Resolve(ctx context.Context, twinID uint64) (TwinInfo, error) {
	now := c.now()
	c.mu.Lock()
	e, ok := c.entries[twinID]
	c.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e.info, nil
	}
	info, err := c.next.Resolve(ctx, twinID)
	if err != nil {
		return TwinInfo{}, err
	}
	c.mu.Lock()
	c.entries[twinID] = cacheEntry{info: info, expires: now.Add(c.ttl)}
	c.mu.Unlock()
	return info, nil
}

// Invalidate drops the cached answer and passes the invalidation on.
func (c *Cache) Invalidate(twinID uint64) {
	c.mu.Lock()
	delete(c.entries, twinID)
	c.mu.Unlock()
	c.next.Invalidate(twinID)
}

// Static is an in-memory Resolver, safe for concurrent use.
type Static struct {
	mu    sync.RWMutex
	twins map[uint64]TwinInfo
}

// NewStatic returns a Resolver that knows the given twins.
func NewStatic(twins ...TwinInfo) *Static {
	s := &Static{twins: make(map[uint64]TwinInfo, len(twins))}
	for _, t := range twins {
		s.twins[t.ID] = t
	}
	return s
}

// Put adds or replaces a twin.
func (s *Static) Put(t TwinInfo) {
	s.mu.Lock()
	s.twins[t.ID] = t
	s.mu.Unlock()
}

// Resolve returns the twin or ErrUnknownTwin.
func (s *Static) Resolve(_ context.Context, twinID uint64) (TwinInfo, error) {
	s.mu.RLock()
	t, ok := s.twins[twinID]
	s.mu.RUnlock()
	if !ok {
		return TwinInfo{}, fmt.Errorf("twin %d: %w", twinID, ErrUnknownTwin)
	}
	return t, nil
}

// Invalidate does nothing: a Static resolver has no cache.
func (s *Static) Invalidate(uint64) {}

// File is a Resolver reading twins from a JSON file, re-read when the file changes.
//
// The file holds a list of objects: {"id": 7, "signing_key": hex, "encryption_key": hex, "pnic": hex}.
type File struct {
	path string

	mu      sync.Mutex
	modTime time.Time
	size    int64
	static  *Static
}

// FileTwin is one entry of a resolver file.
type FileTwin struct {
	ID            uint64 `json:"id"`
	SigningKey    string `json:"signing_key"`
	EncryptionKey string `json:"encryption_key"`
	PNIC          string `json:"pnic"`
}

// NewFile returns a Resolver backed by the JSON file at path; it reads the file now to report errors early.
func NewFile(path string) (*File, error) {
	f := &File{path: path}
	if err := f.reload(); err != nil {
		return nil, err
	}
	return f, nil
}

// WriteFile writes twins to path in the format NewFile reads.
func WriteFile(path string, twins []TwinInfo) error {
	out := make([]FileTwin, 0, len(twins))
	for _, t := range twins {
		out = append(out, FileTwin{ID: t.ID, SigningKey: hex.EncodeToString(t.SigningKey),
			EncryptionKey: hex.EncodeToString(t.EncryptionKey[:]), PNIC: hex.EncodeToString(t.PNIC)})
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return fmt.Errorf("encode twins: %w", err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("write %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("rename %s: %w", tmp, err)
	}
	return nil
}

func decodeKey(field, s string, n int) ([]byte, error) {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != n {
		return nil, fmt.Errorf("%s must be %d hex-encoded bytes", field, n)
	}
	return b, nil
}

func (f *File) reload() error {
	st, err := os.Stat(f.path)
	if err != nil {
		return fmt.Errorf("resolver file: %w", err)
	}
	if f.static != nil && st.ModTime().Equal(f.modTime) && st.Size() == f.size {
		return nil
	}
	b, err := os.ReadFile(f.path)
	if err != nil {
		return fmt.Errorf("resolver file: %w", err)
	}
	twins, err := parseFile(f.path, b)
	if err != nil {
		return err
	}
	f.static, f.modTime, f.size = NewStatic(twins...), st.ModTime(), st.Size()
	return nil
}

// ReadFile returns every twin listed in a resolver file.
func ReadFile(path string) ([]TwinInfo, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("resolver file: %w", err)
	}
	return parseFile(path, b)
}

func parseFile(path string, b []byte) ([]TwinInfo, error) {
	var entries []FileTwin
	if err := json.Unmarshal(b, &entries); err != nil {
		return nil, fmt.Errorf("resolver file %s: %w", path, err)
	}
	twins := make([]TwinInfo, 0, len(entries))
	for i, e := range entries {
		sk, err := decodeKey("signing_key", e.SigningKey, ed25519.PublicKeySize)
		if err != nil {
			return nil, fmt.Errorf("resolver file %s: entry %d (twin %d): %w", path, i, e.ID, err)
		}
		ek, err := decodeKey("encryption_key", e.EncryptionKey, 32)
		if err != nil {
			return nil, fmt.Errorf("resolver file %s: entry %d (twin %d): %w", path, i, e.ID, err)
		}
		pk, err := decodeKey("pnic", e.PNIC, ed25519.PublicKeySize)
		if err != nil {
			return nil, fmt.Errorf("resolver file %s: entry %d (twin %d): %w", path, i, e.ID, err)
		}
		t := TwinInfo{ID: e.ID, SigningKey: sk, PNIC: pk}
		copy(t.EncryptionKey[:], ek)
		twins = append(twins, t)
	}
	return twins, nil
}

// Resolve looks the twin up in the file, re-reading it if it changed.
func (f *File) Resolve(ctx context.Context, twinID uint64) (TwinInfo, error) {
	f.mu.Lock()
	err := f.reload()
	s := f.static
	f.mu.Unlock()
	if err != nil && s == nil {
		return TwinInfo{}, err
	}
	return s.Resolve(ctx, twinID)
}

// Invalidate does nothing: the file is checked for changes on every lookup.
func (f *File) Invalidate(uint64) {}
