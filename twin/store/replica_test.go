package store

import (
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/freeflowuniverse/planetary/rmb/schema"
)

// log is a Replicator that keeps what it is given.
type log struct {
	mu      sync.Mutex
	batches [][]byte
}

func (l *log) Append(b []byte) func() {
	l.mu.Lock()
	l.batches = append(l.batches, b)
	l.mu.Unlock()
	return func() {}
}

// TestReplicaRestore: a snapshot and the changes after it, as the replicator saw them, restore a
// store holding the same contacts, history, sessions and unacknowledged messages; a delivered
// message is no longer unacknowledged.
func TestReplicaRestore(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.PutContact(Contact{Twin: 2, State: schema.ContactState_contact, Since: time.Now()})
	s.AddMessage(Message{Peer: 2, ID: MessageID{1}, Outgoing: true, Text: "before", State: schema.ChatState_pending})
	var l log
	if err := s.Snapshot(func(b []byte) { l.Append(b) }); err != nil {
		t.Fatal(err)
	}
	s.SetReplicator(&l)
	s.AddMessage(Message{Peer: 2, ID: MessageID{2}, Outgoing: true, Text: "after", State: schema.ChatState_pending})
	s.AddMessage(Message{Peer: 2, ID: MessageID{3}, Outgoing: true, Text: "acked", State: schema.ChatState_pending})
	s.SetState(2, MessageID{3}, schema.ChatState_delivered, "")
	s.AddMessage(Message{Peer: 2, ID: MessageID{4}, Text: "incoming", State: schema.ChatState_delivered})
	s.PutSession(Session{ID: "x", Hash: [32]byte{9}})
	if len(l.batches) != 6 {
		t.Fatalf("%d batches, want the snapshot and 5 changes", len(l.batches))
	}
	dir := filepath.Join(t.TempDir(), "restored")
	if err := Restore(dir, l.batches); err != nil {
		t.Fatal(err)
	}
	if err := Restore(dir, l.batches); err == nil {
		t.Fatal("restore over an existing store succeeded")
	}
	r, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if c, _ := r.Contact(2); c.State != schema.ContactState_contact {
		t.Fatalf("contact after restore: %+v", c)
	}
	h, err := r.History(2, 0, 10)
	if err != nil || len(h) != 4 || h[3].Text != "incoming" {
		t.Fatalf("history after restore: %+v, %v", h, err)
	}
	if _, err := r.Session([32]byte{9}); err != nil {
		t.Fatalf("session after restore: %v", err)
	}
	u, err := r.Unacked()
	if err != nil || len(u) != 2 || u[0].Text != "before" || u[1].Text != "after" {
		t.Fatalf("unacked after restore: %+v, %v", u, err)
	}
	// The sequence goes on after the restored messages.
	m, _, err := r.AddMessage(Message{Peer: 2, ID: MessageID{5}, Text: "next"})
	if err != nil || m.Seq != 5 {
		t.Fatalf("next message after restore: seq %d, %v; want 5", m.Seq, err)
	}
}

// FuzzRestore: any bytes as a batch give an error or a store, never a crash.
func FuzzRestore(f *testing.F) {
	f.Add([]byte{})
	f.Add(make([]byte, 12))
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 1, 'k', 1, 'v'})
	f.Fuzz(func(t *testing.T, b []byte) {
		Restore(filepath.Join(t.TempDir(), "db"), [][]byte{b})
	})
}
