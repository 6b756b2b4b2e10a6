package services

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"strings"
	"testing"
	"time"

	"github.com/freeflowuniverse/planetary/twin/internal/twintest"
)

// TestCircles: twin 1 makes a circle of twins 2 and 3; a chat to the circle reaches both; a file
// shared with the circle is downloadable by a member, and no longer by a twin taken out of it.
func TestCircles(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p := twintest.NewPNIC(t)
	a := startTwin(t, ctx, p, p.AddTwin(t, 1))
	b := startTwin(t, ctx, p, p.AddTwin(t, 2))
	c := startTwin(t, ctx, p, p.AddTwin(t, 3))
	befriend(t, ctx, a, b)
	befriend(t, ctx, a, c)
	if err := a.SetCircle(ctx, "friends", []uint64{2, 3, 1}); err != nil {
		t.Fatal(err)
	}
	if m, err := a.Circle(ctx, "friends"); err != nil || len(m) != 2 {
		t.Fatalf("circle members %v %v, want 2 and 3 (not the owner)", m, err)
	}
	if err := a.SetCircle(ctx, "", nil); err == nil {
		t.Fatal("a circle without a name was accepted")
	}

	sent, err := a.SendCircleChat(ctx, "friends", "hello friends")
	if err != nil || len(sent) != 2 {
		t.Fatalf("chat to the circle: %d sent, %v", len(sent), err)
	}
	for _, tw := range []*testTwin{b, c} {
		tw.await(t, ctx, "the circle's chat", func(e Event) bool { return e.Chat != nil && !e.Chat.Outgoing && e.Chat.Text == "hello friends" })
	}
	if _, err := a.SendCircleChat(ctx, "nobody", "hi"); err == nil {
		t.Fatal("chat to an empty circle accepted")
	}

	content := make([]byte, 3*ChunkSize+10)
	rand.Read(content)
	sum := sha256.Sum256(content)
	f, err := a.ShareWithCircle(ctx, bytes.NewReader(content), "group.bin", "friends")
	if err != nil || len(f.Circles) != 1 || len(f.Access) != 0 {
		t.Fatalf("share with the circle: %+v %v", f, err)
	}
	for _, tw := range []*testTwin{b, c} {
		tw.await(t, ctx, "the circle's file offer", func(e Event) bool { return e.File != nil && e.File.SHA256 == sum && e.File.From == 1 })
	}
	if got, err := b.Download(ctx, 1, sum); err != nil || got.Have != got.Size {
		t.Fatalf("member download: %+v %v", got, err)
	}
	// Twin 3 leaves the circle before it downloads: refused now.
	if err := a.SetCircle(ctx, "friends", []uint64{2}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Download(ctx, 1, sum); err == nil || !strings.Contains(err.Error(), "may not download") {
		t.Fatalf("download by a twin taken out of the circle: %v", err)
	}
}
