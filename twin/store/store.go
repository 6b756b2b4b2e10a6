// Package store keeps a twin's own state in pebble: its contacts, its chat history (paged by a
// sequence number) and its owner's browser sessions.
package store

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/cockroachdb/pebble"

	"github.com/freeflowuniverse/planetary/rmb/schema"
)

// Key prefixes.
const (
	pContact = "c\x00" // + twin: Contact
	pMessage = "m\x00" // + peer + seq: Message
	pIndex   = "i\x00" // + peer + message id: seq
	pSession = "s\x00" // + sha256 of the cookie: Session
	pUnacked = "u\x00" // + peer + seq: an outgoing message its receiver has not acknowledged
	kSeq     = "meta\x00seq"
)

// ErrNotFound is returned for a message or session that does not exist.
var ErrNotFound = errors.New("store: not found")

// Contact is the relation of this twin with another.
type Contact struct {
	Twin  uint64              `json:"twin"`
	State schema.ContactState `json:"state"`
	Note  string              `json:"note,omitempty"`
	Since time.Time           `json:"since"`
}

// MessageID identifies a chat message; the sender chooses it.
type MessageID [16]byte

// String returns the id in hex.
func (id MessageID) String() string { return hex.EncodeToString(id[:]) }

// Message is one chat message in the history with a peer.
type Message struct {
	Peer     uint64           `json:"peer"`
	Seq      uint64           `json:"seq"`
	ID       MessageID        `json:"id"`
	Outgoing bool             `json:"out"`
	Text     string           `json:"text"`
	Sent     time.Time        `json:"sent"`
	State    schema.ChatState `json:"state"`
	Reason   string           `json:"reason,omitempty"`
	// Circle is the circle the message went to: the owner's when outgoing, the sender's when incoming.
	Circle string `json:"circle,omitempty"`
}

// Session is a logged-in browser of the owner; Hash is the SHA-256 of its cookie.
type Session struct {
	ID        string    `json:"id"`
	Hash      [32]byte  `json:"hash"`
	Created   time.Time `json:"created"`
	LastSeen  time.Time `json:"last_seen"`
	UserAgent string    `json:"user_agent,omitempty"`
}

// Store is a twin's pebble database.
type Store struct {
	db *pebble.DB

	mu  sync.Mutex // serialises read-modify-write of messages and the sequence
	seq uint64

	rmu sync.Mutex // orders commits with what the replicator is handed
	rep Replicator
}

// smallMemTable is the memtable size of a twin's store: a twin writes a few kilobytes a second at
// most, and pebble's 4 MiB default arena plus its 8 MiB block cache per database would make the
// store the largest part of a small twin (many twins share one machine).
const smallMemTable = 1 << 20

// smallCache is the block cache of a twin's store, for the same reason.
const smallCache = 1 << 20

// options returns the pebble options of a twin's store.
func options() *pebble.Options {
	return &pebble.Options{Logger: quietLogger{}, MemTableSize: smallMemTable, Cache: pebble.NewCache(smallCache)}
}

// Open opens or creates the store in dir.
func Open(dir string) (*Store, error) {
	o := options()
	defer o.Cache.Unref()
	db, err := pebble.Open(dir, o)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", dir, err)
	}
	s := &Store{db: db}
	v, closer, err := db.Get([]byte(kSeq))
	switch {
	case err == nil:
		s.seq = binary.BigEndian.Uint64(v)
		closer.Close()
	case !errors.Is(err, pebble.ErrNotFound):
		db.Close()
		return nil, fmt.Errorf("store: read sequence: %w", err)
	}
	return s, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

type quietLogger struct{}

func (quietLogger) Infof(string, ...any)  {}
func (quietLogger) Errorf(string, ...any) {}
func (quietLogger) Fatalf(format string, args ...any) {
	panic(fmt.Sprintf(format, args...))
}

func key(prefix string, parts ...any) []byte {
	k := []byte(prefix)
	for _, p := range parts {
		switch v := p.(type) {
		case uint64:
			k = binary.BigEndian.AppendUint64(k, v)
		case []byte:
			k = append(k, v...)
		}
	}
	return k
}

func (s *Store) getJSON(k []byte, v any) error {
	b, closer, err := s.db.Get(k)
	if errors.Is(err, pebble.ErrNotFound) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	defer closer.Close()
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("store: decode %q: %w", k, err)
	}
	return nil
}

func setJSON(b *pebble.Batch, k []byte, v any) error {
	enc, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("store: encode: %w", err)
	}
	return b.Set(k, enc, nil)
}

func (s *Store) scan(prefix []byte, reverse bool, fn func(k, v []byte) (bool, error)) error {
	upper := bytes.Clone(prefix)
	for i := len(upper) - 1; i >= 0; i-- {
		if upper[i] < 0xff {
			upper[i]++
			upper = upper[:i+1]
			break
		}
	}
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: prefix, UpperBound: upper})
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	defer it.Close()
	valid := it.First
	next := it.Next
	if reverse {
		valid, next = it.Last, it.Prev
	}
	for ok := valid(); ok; ok = next() {
		more, err := fn(it.Key(), it.Value())
		if err != nil || !more {
			return err
		}
	}
	return it.Error()
}

// Contact returns the relation with twin; State is ContactState_none when there is none.
func (s *Store) Contact(twin uint64) (Contact, error) {
	var c Contact
	err := s.getJSON(key(pContact, twin), &c)
	if errors.Is(err, ErrNotFound) {
		return Contact{Twin: twin, State: schema.ContactState_none}, nil
	}
	return c, err
}

// PutContact stores the relation with c.Twin; state none deletes it.
func (s *Store) PutContact(c Contact) error {
	b := s.db.NewBatch()
	defer b.Close()
	var err error
	if c.State == schema.ContactState_none {
		err = b.Delete(key(pContact, c.Twin), nil)
	} else {
		err = setJSON(b, key(pContact, c.Twin), c)
	}
	if err == nil {
		err = s.commit(b)
	}
	if err != nil {
		return fmt.Errorf("store: contact %d: %w", c.Twin, err)
	}
	return nil
}

// Contacts returns every relation, by twin id.
func (s *Store) Contacts() ([]Contact, error) {
	var out []Contact
	err := s.scan([]byte(pContact), false, func(_, v []byte) (bool, error) {
		var c Contact
		if err := json.Unmarshal(v, &c); err != nil {
			return false, fmt.Errorf("store: decode contact: %w", err)
		}
		out = append(out, c)
		return true, nil
	})
	return out, err
}

// AddMessage stores a new message, giving it the next sequence number. A message whose id is
// already in the history with that peer is not stored again: AddMessage returns the stored one and
// false.
func (s *Store) AddMessage(m Message) (Message, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, err := s.messageLocked(m.Peer, m.ID); err == nil {
		return old, false, nil
	} else if !errors.Is(err, ErrNotFound) {
		return Message{}, false, err
	}
	m.Seq = s.seq + 1
	b := s.db.NewBatch()
	defer b.Close()
	err := setJSON(b, key(pMessage, m.Peer, m.Seq), m)
	if err == nil {
		err = b.Set(key(pIndex, m.Peer, m.ID[:]), binary.BigEndian.AppendUint64(nil, m.Seq), nil)
	}
	if err == nil {
		err = b.Set([]byte(kSeq), binary.BigEndian.AppendUint64(nil, m.Seq), nil)
	}
	if err == nil && m.Outgoing && rank(m.State) < rank(schema.ChatState_delivered) {
		err = b.Set(key(pUnacked, m.Peer, m.Seq), nil, nil)
	}
	if err == nil {
		err = s.commit(b)
	}
	if err != nil {
		return Message{}, false, fmt.Errorf("store: add message: %w", err)
	}
	s.seq = m.Seq
	return m, true, nil
}

func (s *Store) messageLocked(peer uint64, id MessageID) (Message, error) {
	v, closer, err := s.db.Get(key(pIndex, peer, id[:]))
	if errors.Is(err, pebble.ErrNotFound) {
		return Message{}, ErrNotFound
	}
	if err != nil {
		return Message{}, fmt.Errorf("store: %w", err)
	}
	seq := binary.BigEndian.Uint64(v)
	closer.Close()
	var m Message
	return m, s.getJSON(key(pMessage, peer, seq), &m)
}

// rank orders chat states so that a late receipt never moves a message backwards.
func rank(st schema.ChatState) int {
	switch st {
	case schema.ChatState_pending:
		return 0
	case schema.ChatState_sent:
		return 1
	case schema.ChatState_delivered:
		return 2
	case schema.ChatState_read:
		return 3
	}
	return 4 // refused, failed: final
}

// SetState moves a message forward to state; it reports false when the message already was there
// or further.
func (s *Store) SetState(peer uint64, id MessageID, state schema.ChatState, reason string) (Message, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, err := s.messageLocked(peer, id)
	if err != nil {
		return Message{}, false, err
	}
	if rank(state) <= rank(m.State) || rank(m.State) == 4 {
		return m, false, nil
	}
	m.State, m.Reason = state, reason
	b := s.db.NewBatch()
	defer b.Close()
	err = setJSON(b, key(pMessage, peer, m.Seq), m)
	if err == nil && m.Outgoing && rank(state) >= rank(schema.ChatState_delivered) {
		err = b.Delete(key(pUnacked, peer, m.Seq), nil)
	}
	if err == nil {
		err = s.commit(b)
	}
	if err != nil {
		return Message{}, false, fmt.Errorf("store: message %s: %w", id, err)
	}
	return m, true, nil
}

// History returns up to limit messages with peer older than before (0: the newest), oldest first.
func (s *Store) History(peer uint64, before uint64, limit int) ([]Message, error) {
	if limit <= 0 || limit > 500 {
		limit = 500
	}
	var out []Message
	prefix := key(pMessage, peer)
	err := s.scan(prefix, true, func(k, v []byte) (bool, error) {
		if before != 0 && binary.BigEndian.Uint64(k[len(prefix):]) >= before {
			return true, nil
		}
		var m Message
		if err := json.Unmarshal(v, &m); err != nil {
			return false, fmt.Errorf("store: decode message: %w", err)
		}
		out = append(out, m)
		return len(out) < limit, nil
	})
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, err
}

// Unread returns the incoming messages from peer that the owner has not read, oldest first.
func (s *Store) Unread(peer uint64) ([]Message, error) {
	var out []Message
	err := s.scan(key(pMessage, peer), true, func(_, v []byte) (bool, error) {
		var m Message
		if err := json.Unmarshal(v, &m); err != nil {
			return false, fmt.Errorf("store: decode message: %w", err)
		}
		if !m.Outgoing {
			if m.State == schema.ChatState_read {
				return false, nil
			}
			out = append([]Message{m}, out...)
		}
		return true, nil
	})
	return out, err
}

// PutSession stores a browser session.
func (s *Store) PutSession(se Session) error {
	b := s.db.NewBatch()
	defer b.Close()
	err := setJSON(b, key(pSession, se.Hash[:]), se)
	if err == nil {
		err = s.commit(b)
	}
	if err != nil {
		return fmt.Errorf("store: session: %w", err)
	}
	return nil
}

// Session returns the session whose cookie hashes to hash.
func (s *Store) Session(hash [32]byte) (Session, error) {
	var se Session
	return se, s.getJSON(key(pSession, hash[:]), &se)
}

// Sessions returns every session.
func (s *Store) Sessions() ([]Session, error) {
	var out []Session
	err := s.scan([]byte(pSession), false, func(_, v []byte) (bool, error) {
		var se Session
		if err := json.Unmarshal(v, &se); err != nil {
			return false, fmt.Errorf("store: decode session: %w", err)
		}
		out = append(out, se)
		return true, nil
	})
	return out, err
}

// DeleteSession removes the session with the public id.
func (s *Store) DeleteSession(id string) error {
	all, err := s.Sessions()
	if err != nil {
		return err
	}
	for _, se := range all {
		if se.ID == id {
			b := s.db.NewBatch()
			defer b.Close()
			err := b.Delete(key(pSession, se.Hash[:]), nil)
			if err == nil {
				err = s.commit(b)
			}
			if err != nil {
				return fmt.Errorf("store: delete session: %w", err)
			}
			return nil
		}
	}
	return fmt.Errorf("session %q: %w", id, ErrNotFound)
}

// pFile keys file entries by SHA-256.
const pFile = "f\x00"

// File is a file this twin shares (From 0) or was offered by twin From.
type File struct {
	SHA256 [32]byte `json:"sha256"`
	Name   string   `json:"name"`
	Size   int64    `json:"size"`
	From   uint64   `json:"from"`
	Have   int64    `json:"have"`
	Access []uint64 `json:"access,omitempty"`
	// Circles are the owner's circles whose members may download the file, as they are at the time
	// of each request.
	Circles []string  `json:"circles,omitempty"`
	Added   time.Time `json:"added"`
	// Refusals are the twins that refused this twin's offer of the file, and why.
	Refusals []Refusal `json:"refusals,omitempty"`
}

// Refusal is another twin's answer to an offer it does not take.
type Refusal struct {
	Twin   uint64    `json:"twin"`
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
}

// PutFile stores a file entry.
func (s *Store) PutFile(f File) error {
	b := s.db.NewBatch()
	defer b.Close()
	err := setJSON(b, key(pFile, f.SHA256[:]), f)
	if err == nil {
		err = s.commit(b)
	}
	if err != nil {
		return fmt.Errorf("store: file %x: %w", f.SHA256[:8], err)
	}
	return nil
}

// File returns the entry of the file with the hash.
func (s *Store) File(sha [32]byte) (File, error) {
	var f File
	return f, s.getJSON(key(pFile, sha[:]), &f)
}

// Files returns every file entry.
func (s *Store) Files() ([]File, error) {
	var out []File
	err := s.scan([]byte(pFile), false, func(_, v []byte) (bool, error) {
		var f File
		if err := json.Unmarshal(v, &f); err != nil {
			return false, fmt.Errorf("store: decode file: %w", err)
		}
		out = append(out, f)
		return true, nil
	})
	return out, err
}
