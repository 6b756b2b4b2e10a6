package store

import (
	"testing"
	"time"

	"github.com/freeflowuniverse/planetary/rmb/schema"
)

func TestStore(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.PutContact(Contact{Twin: 2, State: schema.ContactState_contact, Since: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutContact(Contact{Twin: 256, State: schema.ContactState_invitedBy}); err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		m := Message{Peer: 2, ID: MessageID{byte(i)}, Outgoing: i%2 == 0, Text: "hi", State: schema.ChatState_delivered}
		if _, added, err := s.AddMessage(m); err != nil || !added {
			t.Fatalf("add %d: %v %v", i, added, err)
		}
	}
	if _, added, _ := s.AddMessage(Message{Peer: 2, ID: MessageID{3}}); added {
		t.Fatal("same id stored twice")
	}
	s.AddMessage(Message{Peer: 256, ID: MessageID{1}})
	if m, moved, err := s.SetState(2, MessageID{5}, schema.ChatState_read, ""); err != nil || !moved || m.State != schema.ChatState_read {
		t.Fatalf("SetState read: %+v %v %v", m, moved, err)
	}
	if _, moved, _ := s.SetState(2, MessageID{5}, schema.ChatState_delivered, ""); moved {
		t.Fatal("a late delivered receipt moved a read message back")
	}
	unread, err := s.Unread(2)
	if err != nil || len(unread) != 2 || unread[0].ID != (MessageID{7}) {
		t.Fatalf("unread = %+v, %v", unread, err)
	}
	se := Session{ID: "a1", Hash: [32]byte{9}, Created: time.Now()}
	if err := s.PutSession(se); err != nil {
		t.Fatal(err)
	}
	s.Close()

	s, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	page, err := s.History(2, 0, 4)
	if err != nil || len(page) != 4 || page[0].Seq != 7 || page[3].Seq != 10 {
		t.Fatalf("newest page: %+v, %v", page, err)
	}
	page, err = s.History(2, page[0].Seq, 100)
	if err != nil || len(page) != 6 || page[0].Seq != 1 {
		t.Fatalf("older page: %+v, %v", page, err)
	}
	if m, added, _ := s.AddMessage(Message{Peer: 2, ID: MessageID{99}}); !added || m.Seq != 12 {
		t.Fatalf("sequence after reopen: %d", m.Seq)
	}
	cs, _ := s.Contacts()
	if len(cs) != 2 || cs[0].Twin != 2 || cs[1].Twin != 256 {
		t.Fatalf("contacts: %+v", cs)
	}
	if got, err := s.Session([32]byte{9}); err != nil || got.ID != "a1" {
		t.Fatalf("session: %+v %v", got, err)
	}
	if err := s.DeleteSession("a1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session([32]byte{9}); err != ErrNotFound {
		t.Fatalf("revoked session still there: %v", err)
	}
}
