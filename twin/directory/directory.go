// Package directory is where a twin registers itself and looks other twins up: its keys, the PNIC
// hosting it, its location, its circles and its audit log: Chain keeps them on the chain, File beside
// the PNIC's resolver file.
package directory

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/freeflowuniverse/planetary/rmb/resolve"
)

// ErrNotFound is returned for a twin the directory does not know.
var ErrNotFound = errors.New("directory: twin not found")

// Record is what the directory knows about a twin.
type Record struct {
	ID            uint64
	SigningKey    ed25519.PublicKey
	EncryptionKey [32]byte
	PNIC          ed25519.PublicKey
	Location      string
}

// AuditEvent is one entry of a twin's audit log.
type AuditEvent struct {
	Twin   uint64    `json:"twin"`
	Time   time.Time `json:"time"`
	Action string    `json:"action"`
	Detail string    `json:"detail,omitempty"`
}

// Circle is one of a twin's circles: a named group of other twins.
type Circle struct {
	Name    string
	Members []uint64 // in id order, without the owning twin
	// ChainID is the circle's id on the chain; 0 for a circle kept in a file.
	ChainID uint64
}

// ErrNoCircle is returned for a circle the twin does not have.
var ErrNoCircle = errors.New("directory: no such circle")

// ErrCircleExists is returned when creating a circle whose name the twin already uses.
var ErrCircleExists = errors.New("directory: the twin already has a circle of that name")

// Directory registers twins and answers lookups.
type Directory interface {
	// Register adds the twin's record; it fails if the id is taken by other keys.
	Register(ctx context.Context, r Record) error
	// Update replaces the record of a registered twin, e.g. after it moved to another PNIC.
	Update(ctx context.Context, r Record) error
	// FindTwin returns the record of a twin or an error wrapping ErrNotFound.
	FindTwin(ctx context.Context, id uint64) (Record, error)
	// SetCircle replaces the members of one of the twin's circles, creating it if needed.
	SetCircle(ctx context.Context, twin uint64, circle string, members []uint64) error
	// Circle returns the members of one of the twin's circles; none for a circle it does not have.
	Circle(ctx context.Context, twin uint64, circle string) ([]uint64, error)
	// Circles lists the twin's circles by name.
	Circles(ctx context.Context, twin uint64) ([]Circle, error)
	// CreateCircle makes a circle with members, or fails with ErrCircleExists.
	CreateCircle(ctx context.Context, twin uint64, circle string, members []uint64) (Circle, error)
	// AddMember puts member in one of the twin's circles (ErrNoCircle if it has none of that name).
	AddMember(ctx context.Context, twin uint64, circle string, member uint64) error
	// RemoveMember takes member out of one of the twin's circles.
	RemoveMember(ctx context.Context, twin uint64, circle string, member uint64) error
	// DeleteCircle removes one of the twin's circles.
	DeleteCircle(ctx context.Context, twin uint64, circle string) error
	// AppendAudit adds an event to the twin's audit log.
	AppendAudit(ctx context.Context, e AuditEvent) error
}

// File is a Directory kept in the resolver JSON file the PNIC reads (records, with a location field
// the resolver ignores), a circles file beside it and an append-only audit log.
type File struct {
	path string
	mu   sync.Mutex
}

// fileEntry is one record in the resolver file, with the directory's extra fields.
type fileEntry struct {
	resolve.FileTwin
	Location string `json:"location,omitempty"`
}

// NewFile returns the file directory at path; a missing file is an empty directory.
func NewFile(path string) *File { return &File{path: path} }

// Path returns the resolver file the directory writes.
func (f *File) Path() string { return f.path }

func (f *File) load() ([]fileEntry, error) {
	b, err := os.ReadFile(f.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("directory: %w", err)
	}
	var out []fileEntry
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("directory %s: %w", f.path, err)
	}
	return out, nil
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("directory: encode: %w", err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("directory: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("directory: %w", err)
	}
	return nil
}

func toEntry(r Record) fileEntry {
	return fileEntry{FileTwin: resolve.FileTwin{ID: r.ID, SigningKey: hex.EncodeToString(r.SigningKey),
		EncryptionKey: hex.EncodeToString(r.EncryptionKey[:]), PNIC: hex.EncodeToString(r.PNIC)}, Location: r.Location}
}

func fromEntry(e fileEntry) (Record, error) {
	sk, err1 := hex.DecodeString(e.SigningKey)
	ek, err2 := hex.DecodeString(e.EncryptionKey)
	pk, err3 := hex.DecodeString(e.PNIC)
	if err := errors.Join(err1, err2, err3); err != nil || len(sk) != ed25519.PublicKeySize || len(ek) != 32 || len(pk) != ed25519.PublicKeySize {
		return Record{}, fmt.Errorf("directory: twin %d has malformed keys", e.ID)
	}
	r := Record{ID: e.ID, SigningKey: sk, PNIC: pk, Location: e.Location}
	copy(r.EncryptionKey[:], ek)
	return r, nil
}

// lock takes an exclusive lock on the file's lock file, so that twins sharing the file (several
// twind processes on one machine) do not lose each other's updates.
func (f *File) lock() (func(), error) {
	lf, err := os.OpenFile(f.path+".lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("directory: lock: %w", err)
	}
	if err := syscall.Flock(int(lf.Fd()), syscall.LOCK_EX); err != nil {
		lf.Close()
		return nil, fmt.Errorf("directory: lock: %w", err)
	}
	return func() { syscall.Flock(int(lf.Fd()), syscall.LOCK_UN); lf.Close() }, nil
}

func (f *File) put(r Record, create bool) error {
	if r.ID == 0 || len(r.SigningKey) != ed25519.PublicKeySize || len(r.PNIC) != ed25519.PublicKeySize {
		return fmt.Errorf("directory: record of twin %d is incomplete", r.ID)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	unlock, err := f.lock()
	if err != nil {
		return err
	}
	defer unlock()
	entries, err := f.load()
	if err != nil {
		return err
	}
	i := slices.IndexFunc(entries, func(e fileEntry) bool { return e.ID == r.ID })
	switch {
	case create && i >= 0 && entries[i].SigningKey != hex.EncodeToString(r.SigningKey):
		return fmt.Errorf("directory: twin %d is registered with other keys", r.ID)
	case !create && i < 0:
		return fmt.Errorf("directory: update twin %d: %w", r.ID, ErrNotFound)
	case i >= 0:
		entries[i] = toEntry(r)
	default:
		entries = append(entries, toEntry(r))
	}
	slices.SortFunc(entries, func(a, b fileEntry) int {
		switch {
		case a.ID < b.ID:
			return -1
		case a.ID > b.ID:
			return 1
		}
		return 0
	})
	return writeJSON(f.path, entries)
}

// Register adds the record, or refreshes it when the same keys registered before.
func (f *File) Register(_ context.Context, r Record) error { return f.put(r, true) }

// Update replaces a registered twin's record.
func (f *File) Update(_ context.Context, r Record) error { return f.put(r, false) }

// FindTwin reads the twin's record from the file.
func (f *File) FindTwin(_ context.Context, id uint64) (Record, error) {
	f.mu.Lock()
	entries, err := f.load()
	f.mu.Unlock()
	if err != nil {
		return Record{}, err
	}
	for _, e := range entries {
		if e.ID == id {
			return fromEntry(e)
		}
	}
	return Record{}, fmt.Errorf("twin %d: %w", id, ErrNotFound)
}

func (f *File) circlesPath() string { return f.path + ".circles" }

func circleKey(twin uint64, circle string) string { return fmt.Sprintf("%d/%s", twin, circle) }

// loadCircles reads the circles file: "twin/name" → members.
func (f *File) loadCircles() (map[string][]uint64, error) {
	all := map[string][]uint64{}
	b, err := os.ReadFile(f.circlesPath())
	if errors.Is(err, os.ErrNotExist) {
		return all, nil
	}
	if err != nil {
		return nil, fmt.Errorf("directory: %w", err)
	}
	if err := json.Unmarshal(b, &all); err != nil {
		return nil, fmt.Errorf("directory %s: %w", f.circlesPath(), err)
	}
	return all, nil
}

// editCircles runs edit on the circles file under its lock and writes the result.
func (f *File) editCircles(edit func(all map[string][]uint64) error) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	unlock, err := f.lock()
	if err != nil {
		return err
	}
	defer unlock()
	all, err := f.loadCircles()
	if err != nil {
		return err
	}
	if err := edit(all); err != nil {
		return err
	}
	return writeJSON(f.circlesPath(), all)
}

// memberSet returns members sorted, without duplicates or the owning twin.
func memberSet(twin uint64, members []uint64) []uint64 {
	out := slices.DeleteFunc(slices.Clone(members), func(m uint64) bool { return m == twin || m == 0 })
	slices.Sort(out)
	return slices.Compact(out)
}

// SetCircle stores the circle's members in the circles file.
func (f *File) SetCircle(_ context.Context, twin uint64, circle string, members []uint64) error {
	return f.editCircles(func(all map[string][]uint64) error {
		all[circleKey(twin, circle)] = memberSet(twin, members)
		return nil
	})
}

// Circle reads the circle's members from the circles file.
func (f *File) Circle(_ context.Context, twin uint64, circle string) ([]uint64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	all, err := f.loadCircles()
	if err != nil {
		return nil, err
	}
	return all[circleKey(twin, circle)], nil
}

// Circles lists the twin's circles in the circles file.
func (f *File) Circles(_ context.Context, twin uint64) ([]Circle, error) {
	f.mu.Lock()
	all, err := f.loadCircles()
	f.mu.Unlock()
	if err != nil {
		return nil, err
	}
	prefix := fmt.Sprintf("%d/", twin)
	var out []Circle
	for k, m := range all {
		if name, ok := strings.CutPrefix(k, prefix); ok {
			out = append(out, Circle{Name: name, Members: m})
		}
	}
	slices.SortFunc(out, func(a, b Circle) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// CreateCircle adds a circle to the circles file.
func (f *File) CreateCircle(_ context.Context, twin uint64, circle string, members []uint64) (Circle, error) {
	c := Circle{Name: circle, Members: memberSet(twin, members)}
	err := f.editCircles(func(all map[string][]uint64) error {
		if _, ok := all[circleKey(twin, circle)]; ok {
			return fmt.Errorf("circle %q: %w", circle, ErrCircleExists)
		}
		all[circleKey(twin, circle)] = c.Members
		return nil
	})
	return c, err
}

// AddMember adds a member to a circle in the circles file.
func (f *File) AddMember(_ context.Context, twin uint64, circle string, member uint64) error {
	return f.editCircles(func(all map[string][]uint64) error {
		m, ok := all[circleKey(twin, circle)]
		if !ok {
			return fmt.Errorf("circle %q: %w", circle, ErrNoCircle)
		}
		all[circleKey(twin, circle)] = memberSet(twin, append(m, member))
		return nil
	})
}

// RemoveMember removes a member from a circle in the circles file.
func (f *File) RemoveMember(_ context.Context, twin uint64, circle string, member uint64) error {
	return f.editCircles(func(all map[string][]uint64) error {
		m, ok := all[circleKey(twin, circle)]
		if !ok {
			return fmt.Errorf("circle %q: %w", circle, ErrNoCircle)
		}
		if !slices.Contains(m, member) {
			return fmt.Errorf("twin %d is not in circle %q", member, circle)
		}
		all[circleKey(twin, circle)] = slices.DeleteFunc(m, func(x uint64) bool { return x == member })
		return nil
	})
}

// DeleteCircle removes a circle from the circles file.
func (f *File) DeleteCircle(_ context.Context, twin uint64, circle string) error {
	return f.editCircles(func(all map[string][]uint64) error {
		if _, ok := all[circleKey(twin, circle)]; !ok {
			return fmt.Errorf("circle %q: %w", circle, ErrNoCircle)
		}
		delete(all, circleKey(twin, circle))
		return nil
	})
}

// AppendAudit appends the event as one JSON line to the audit file.
func (f *File) AppendAudit(_ context.Context, e AuditEvent) error {
	b, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("directory: encode audit event: %w", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	out, err := os.OpenFile(f.path+".audit", os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("directory: audit log: %w", err)
	}
	if _, err := out.Write(append(b, '\n')); err != nil {
		out.Close()
		return fmt.Errorf("directory: audit log: %w", err)
	}
	return out.Close()
}
