package services

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/freeflowuniverse/planetary/rmb/client"
	"github.com/freeflowuniverse/planetary/rmb/schema"
	"github.com/freeflowuniverse/planetary/rmb/seal"
	"github.com/freeflowuniverse/planetary/twin/files"
	"github.com/freeflowuniverse/planetary/twin/internal/twintest"
	"github.com/freeflowuniverse/planetary/twin/store"
)

type testTwin struct {
	*Twin
	events <-chan Event
	logs   *logBuffer
}

// logBuffer keeps what a twin logs, for tests that check what it said.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func startTwin(t *testing.T, ctx context.Context, p *twintest.PNIC, k seal.TwinKeys) *testTwin {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	dir, err := files.Open(filepath.Join(t.TempDir(), "files"))
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
	logs := &logBuffer{}
	x := New(Config{Client: c, Store: st, Directory: p.Directory, Files: dir, Self: k.ID,
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	tw.Store(x)
	events, stop := x.Subscribe()
	t.Cleanup(stop)
	rctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { x.Run(rctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return &testTwin{Twin: x, events: events, logs: logs}
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
	// The blocked twin's invitation gets a clear answer, not silence.
	e = c.await(t, ctx, "the answer to an invitation of a twin that blocked it", contactIs(1, schema.ContactState_declined))
	if e.Contact.Note != BlockedInvitationText(1, 3) {
		t.Fatalf("answer to a blocked twin's invitation: %q", e.Contact.Note)
	}
	y, _ := b.SendChat(ctx, 1, "still there?")
	b.await(t, ctx, "refusal after removal", chatIs(y.ID, schema.ChatState_refused))
	cs, _ := a.Contacts()
	if len(cs) != 1 || cs[0].Twin != 3 || cs[0].State != schema.ContactState_blocked {
		t.Fatalf("contacts of 1: %+v", cs)
	}
}

// befriend makes a and b contacts.
func befriend(t *testing.T, ctx context.Context, a, b *testTwin) {
	t.Helper()
	if err := a.Invite(ctx, b.ID(), ""); err != nil {
		t.Fatal(err)
	}
	b.await(t, ctx, "invitation", contactIs(a.ID(), schema.ContactState_invitedBy))
	if err := b.Accept(ctx, a.ID()); err != nil {
		t.Fatal(err)
	}
	a.await(t, ctx, "acceptance", contactIs(b.ID(), schema.ContactState_contact))
}

func TestFiles(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p := twintest.NewPNIC(t)
	a := startTwin(t, ctx, p, p.AddTwin(t, 1))
	b := startTwin(t, ctx, p, p.AddTwin(t, 2))
	c := startTwin(t, ctx, p, p.AddTwin(t, 3))
	befriend(t, ctx, a, b)
	befriend(t, ctx, a, c)

	content := make([]byte, 5*ChunkSize+1234)
	rand.Read(content)
	sum := sha256.Sum256(content)
	f, err := a.Share(ctx, bytes.NewReader(content), "photo.jpg", []uint64{2}, nil)
	if err != nil || f.SHA256 != sum || f.Size != int64(len(content)) {
		t.Fatalf("share: %+v %v", f, err)
	}
	b.await(t, ctx, "offer", func(e Event) bool { return e.File != nil && e.File.SHA256 == sum && e.File.From == 1 })

	// Resumable: two correct chunks are already there; only the rest is fetched.
	if err := b.cfg.Files.Append(sum, 0, content[:2*ChunkSize]); err != nil {
		t.Fatal(err)
	}
	got, err := b.Download(ctx, 1, sum)
	if err != nil || got.Have != got.Size {
		t.Fatalf("download: %+v %v", got, err)
	}
	if served := a.served.Load(); served != 4 {
		t.Fatalf("twin 1 served %d chunks for a resumed download of 6, want 4", served)
	}
	if disk, _ := os.ReadFile(b.cfg.Files.Path(sum)); !bytes.Equal(disk, content) {
		t.Fatal("downloaded content differs")
	}

	// Twin 3 is a contact but not in the access list: refused, with the reason.
	if err := c.st.PutFile(store.File{SHA256: sum, Name: "photo.jpg", Size: f.Size, From: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Download(ctx, 1, sum); err == nil || !strings.Contains(err.Error(), "may not download") {
		t.Fatalf("download outside the access list: %v", err)
	}
	// ... and twin 1 recorded the refusal in its audit log before answering.
	if log, _ := os.ReadFile(p.Directory.Path() + ".audit"); !strings.Contains(string(log), `"action":"permission_denied"`) ||
		!strings.Contains(string(log), "twin 3 asked for file") {
		t.Fatalf("audit log lacks the refusal:\n%s", log)
	}

	// Granted access, twin 3 starts on a corrupt partial: the SHA-256 check fails and drops it, so
	// a retry starts over and succeeds.
	f2, err := a.Share(ctx, bytes.NewReader(content), "photo.jpg", []uint64{3}, nil)
	if err != nil || len(f2.Access) != 2 {
		t.Fatalf("share again: %+v %v", f2, err)
	}
	if err := c.cfg.Files.Append(sum, 0, make([]byte, 5*ChunkSize)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Download(ctx, 1, sum); !errors.Is(err, files.ErrMismatch) {
		t.Fatalf("download onto a corrupt partial: %v", err)
	}
	if _, err := c.Download(ctx, 1, sum); err != nil {
		t.Fatalf("retry after a mismatch: %v", err)
	}
}

func TestInvitationPaths(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p := twintest.NewPNIC(t)
	a := startTwin(t, ctx, p, p.AddTwin(t, 1))
	b := startTwin(t, ctx, p, p.AddTwin(t, 2))

	// Declined: both sides forget it.
	if err := a.Invite(ctx, 2, ""); err != nil {
		t.Fatal(err)
	}
	b.await(t, ctx, "invitation", contactIs(1, schema.ContactState_invitedBy))
	if err := b.Accept(ctx, 3); err == nil {
		t.Fatal("accepted an invitation that does not exist")
	}
	if err := b.Decline(ctx, 1); err != nil {
		t.Fatal(err)
	}
	e := a.await(t, ctx, "decline", contactIs(2, schema.ContactState_declined))
	if !strings.Contains(e.Contact.Note, "twin 2 declined") {
		t.Fatalf("decline note %q", e.Contact.Note)
	}
	if got, _ := b.st.Contact(1); got.State != schema.ContactState_none {
		t.Fatalf("the decliner keeps state %v", got.State)
	}

	// Inviting a twin that invited us accepts its invitation.
	if err := a.Invite(ctx, 2, ""); err != nil {
		t.Fatal(err)
	}
	b.await(t, ctx, "second invitation", contactIs(1, schema.ContactState_invitedBy))
	if err := b.Invite(ctx, 1, ""); err != nil {
		t.Fatal(err)
	}
	a.await(t, ctx, "acceptance", contactIs(2, schema.ContactState_contact))
	if err := a.Invite(ctx, 2, ""); err == nil {
		t.Fatal("invited a contact again")
	}

	// Blocking a contact removes it on both sides; unblocking forgets the block.
	if err := b.Block(ctx, 1); err != nil {
		t.Fatal(err)
	}
	a.await(t, ctx, "removal by block", contactIs(2, schema.ContactState_none))
	if err := b.Invite(ctx, 1, ""); err == nil || !strings.Contains(err.Error(), "blocked") {
		t.Fatalf("invite of a blocked twin: %v", err)
	}
	if err := b.Unblock(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if c, _ := b.st.Contact(1); c.State != schema.ContactState_none {
		t.Fatalf("after unblock: %v", c.State)
	}
	if _, err := a.SendChat(ctx, 1, "me"); err == nil {
		t.Fatal("chatted with itself")
	}
}

// TestRefusedOffer: a file offered to a twin that is not a contact is refused with the reason,
// which the sender's owner sees on the file; offered again once they are contacts, it arrives.
func TestRefusedOffer(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p := twintest.NewPNIC(t)
	a := startTwin(t, ctx, p, p.AddTwin(t, 1))
	c := startTwin(t, ctx, p, p.AddTwin(t, 3))

	content := []byte("unsolicited")
	sum := sha256.Sum256(content)
	if _, err := a.Share(ctx, bytes.NewReader(content), "offer.txt", []uint64{3}, nil); err != nil {
		t.Fatal(err)
	}
	e := a.await(t, ctx, "the refusal", func(e Event) bool { return e.File != nil && e.File.SHA256 == sum && len(e.File.Refusals) == 1 })
	if r := e.File.Refusals[0]; r.Twin != 3 || r.Reason != FileRefusalText(3) {
		t.Fatalf("refusal %+v", r)
	}
	if f, _ := a.SharedFile(sum); len(f.Refusals) != 1 {
		t.Fatalf("the refusal is not stored: %+v", f)
	}
	if fs, _ := c.Files(); len(fs) != 0 {
		t.Fatalf("twin 3 kept a refused offer: %+v", fs)
	}

	befriend(t, ctx, a, c)
	f, err := a.GrantAccess(ctx, sum, []uint64{3}, nil)
	if err != nil || len(f.Refusals) != 0 {
		t.Fatalf("offer again: %+v %v", f, err)
	}
	c.await(t, ctx, "the offer to a contact", func(e Event) bool { return e.File != nil && e.File.SHA256 == sum && e.File.From == 1 })
}
