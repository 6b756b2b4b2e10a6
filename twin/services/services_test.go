package services

import (
	"context"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/freeflowuniverse/planetary/rmb/client"
	"github.com/freeflowuniverse/planetary/rmb/schema"
	"github.com/freeflowuniverse/planetary/rmb/seal"
	"github.com/freeflowuniverse/planetary/twin/internal/twintest"
	"github.com/freeflowuniverse/planetary/twin/store"
)

type testTwin struct {
	*Twin
	events <-chan Event
}

func startTwin(t *testing.T, ctx context.Context, p *twintest.PNIC, k seal.TwinKeys) *testTwin {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	var tw atomic.Pointer[Twin]
	c, err := client.Dial(ctx, client.Config{Path: p.Socket, Keys: k, OnReceipt: func(r client.Receipt) {
		if x := tw.Load(); x != nil {
			x.HandleReceipt(r)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	x := New(Config{Client: c, Store: st, Directory: p.Directory, Self: k.ID})
	tw.Store(x)
	events, stop := x.Subscribe()
	t.Cleanup(stop)
	rctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { x.Run(rctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return &testTwin{Twin: x, events: events}
}

// await reads events until one satisfies ok.
func (tt *testTwin) await(t *testing.T, ctx context.Context, what string, ok func(Event) bool) Event {
	t.Helper()
	for {
		select {
		case e, open := <-tt.events:
			if !open {
				t.Fatalf("twin %d: event stream closed waiting for %s", tt.ID(), what)
			}
			if ok(e) {
				return e
			}
		case <-ctx.Done():
			t.Fatalf("twin %d: no event %s: %v", tt.ID(), what, ctx.Err())
		}
	}
}

func contactIs(twin uint64, st schema.ContactState) func(Event) bool {
	return func(e Event) bool { return e.Contact != nil && e.Contact.Twin == twin && e.Contact.State == st }
}

func chatIs(id store.MessageID, st schema.ChatState) func(Event) bool {
	return func(e Event) bool { return e.Chat != nil && e.Chat.ID == id && e.Chat.State == st }
}

func TestContactsAndChat(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p := twintest.NewPNIC(t)
	a := startTwin(t, ctx, p, p.AddTwin(t, 1))
	b := startTwin(t, ctx, p, p.AddTwin(t, 2))
	c := startTwin(t, ctx, p, p.AddTwin(t, 3))

	if err := a.Invite(ctx, 99, "hi"); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Fatalf("invite of an unknown twin: %v", err)
	}
	if err := a.Invite(ctx, 2, "it's Alice"); err != nil {
		t.Fatal(err)
	}
	e := b.await(t, ctx, "invitation from 1", contactIs(1, schema.ContactState_invitedBy))
	if e.Contact.Note != "it's Alice" {
		t.Fatalf("note = %q", e.Contact.Note)
	}
	if err := b.Accept(ctx, 1); err != nil {
		t.Fatal(err)
	}
	a.await(t, ctx, "acceptance from 2", contactIs(2, schema.ContactState_contact))

	// Chat both ways, with delivery and read receipts.
	m, err := a.SendChat(ctx, 2, "hello Bob")
	if err != nil {
		t.Fatal(err)
	}
	got := b.await(t, ctx, "chat from 1", func(e Event) bool { return e.Chat != nil && e.Chat.ID == m.ID })
	if got.Chat.Text != "hello Bob" || got.Chat.Outgoing || got.Chat.Peer != 1 {
		t.Fatalf("received %+v", got.Chat)
	}
	a.await(t, ctx, "delivered", chatIs(m.ID, schema.ChatState_delivered))
	if err := b.MarkRead(ctx, 1); err != nil {
		t.Fatal(err)
	}
	a.await(t, ctx, "read", chatIs(m.ID, schema.ChatState_read))
	r, err := b.SendChat(ctx, 1, "hello Alice")
	if err != nil {
		t.Fatal(err)
	}
	a.await(t, ctx, "chat from 2", func(e Event) bool { return e.Chat != nil && e.Chat.ID == r.ID })
	b.await(t, ctx, "delivered", chatIs(r.ID, schema.ChatState_delivered))
	h, err := a.History(2, 0, 10)
	if err != nil || len(h) != 2 || h[0].Text != "hello Bob" || h[1].Text != "hello Alice" {
		t.Fatalf("history: %+v %v", h, err)
	}

	// A twin that is not a contact is refused, with the reason.
	x, err := c.SendChat(ctx, 1, "buy now")
	if err != nil {
		t.Fatal(err)
	}
	e = c.await(t, ctx, "refusal", chatIs(x.ID, schema.ChatState_refused))
	if e.Chat.Reason != RefusalText(1) {
		t.Fatalf("reason = %q", e.Chat.Reason)
	}
	if h, _ := a.History(3, 0, 10); len(h) != 0 {
		t.Fatalf("refused chat stored: %+v", h)
	}

	// Pings and lookups.
	if _, err := a.Ping(ctx, 3); err != nil {
		t.Fatal(err)
	}
	if rec, err := a.FindTwin(ctx, 3); err != nil || rec.ID != 3 {
		t.Fatalf("find twin 3: %+v %v", rec, err)
	}

	// Remove, then block: chat is refused again, invitations are ignored.
	if err := b.Remove(ctx, 1); err != nil {
		t.Fatal(err)
	}
	a.await(t, ctx, "removal", contactIs(2, schema.ContactState_none))
	if err := a.Block(ctx, 3); err != nil {
		t.Fatal(err)
	}
	if err := c.Invite(ctx, 1, "again"); err != nil {
		t.Fatal(err)
	}
	y, _ := b.SendChat(ctx, 1, "still there?")
	b.await(t, ctx, "refusal after removal", chatIs(y.ID, schema.ChatState_refused))
	cs, _ := a.Contacts()
	if len(cs) != 1 || cs[0].Twin != 3 || cs[0].State != schema.ContactState_blocked {
		t.Fatalf("contacts of 1: %+v", cs)
	}
}
