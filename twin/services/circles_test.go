package services

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"strings"
	"testing"
	"time"

	"github.com/freeflowuniverse/planetary/rmb/schema"
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

// TestCircleOperations: circles are created, changed and deleted with events for the owner's
// browsers; a circle chat carries the circle's name and one id to every member; deleting a circle
// takes it off the access lists of the files shared with it.
func TestCircleOperations(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p := twintest.NewPNIC(t)
	a := startTwin(t, ctx, p, p.AddTwin(t, 1))
	b := startTwin(t, ctx, p, p.AddTwin(t, 2))
	c := startTwin(t, ctx, p, p.AddTwin(t, 3))
	befriend(t, ctx, a, b)
	befriend(t, ctx, a, c)

	for _, bad := range []string{"", " padded", "tab\there", strings.Repeat("x", MaxCircleName+1)} {
		if _, err := a.CreateCircle(ctx, bad, nil); err == nil {
			t.Errorf("circle name %q accepted", bad)
		}
	}
	cr, err := a.CreateCircle(ctx, "team", []uint64{2})
	if err != nil || len(cr.Members) != 1 {
		t.Fatalf("create: %+v %v", cr, err)
	}
	a.await(t, ctx, "circle created", func(e Event) bool { return e.Circle != nil && e.Circle.Name == "team" })
	if _, err := a.CreateCircle(ctx, "team", nil); err == nil {
		t.Fatal("created team twice")
	}
	if _, err := a.AddMember(ctx, "team", 1); err == nil {
		t.Fatal("the owner joined its own circle")
	}
	if got, err := a.AddMember(ctx, "team", 3); err != nil || len(got.Members) != 2 {
		t.Fatalf("add member: %+v %v", got, err)
	}
	a.await(t, ctx, "member added", func(e Event) bool { return e.Circle != nil && len(e.Circle.Members) == 2 })

	sent, err := a.SendCircleChat(ctx, "team", "standup in 5")
	if err != nil || len(sent) != 2 || sent[0].ID != sent[1].ID || sent[0].Circle != "team" {
		t.Fatalf("circle chat: %+v %v", sent, err)
	}
	for _, tw := range []*testTwin{b, c} {
		e := tw.await(t, ctx, "the circle chat", func(e Event) bool { return e.Chat != nil && e.Chat.ID == sent[0].ID })
		if e.Chat.Circle != "team" || e.Chat.Text != "standup in 5" {
			t.Fatalf("twin %d got %+v", tw.ID(), e.Chat)
		}
	}
	for _, m := range sent {
		a.await(t, ctx, "delivery of the circle chat", func(e Event) bool {
			return e.Chat != nil && e.Chat.ID == m.ID && e.Chat.Peer == m.Peer && e.Chat.State == schema.ChatState_delivered
		})
	}

	content := []byte("minutes of the meeting")
	sum := sha256.Sum256(content)
	if _, err := a.Share(ctx, bytes.NewReader(content), "minutes.txt", nil, []string{"nosuch"}); err == nil {
		t.Fatal("shared with a circle that does not exist")
	}
	if _, err := a.Share(ctx, bytes.NewReader(content), "minutes.txt", nil, []string{"team"}); err != nil {
		t.Fatal(err)
	}
	if got, err := a.RemoveMember(ctx, "team", 2); err != nil || len(got.Members) != 1 || got.Members[0] != 3 {
		t.Fatalf("remove member: %+v %v", got, err)
	}
	b.await(t, ctx, "the offer", func(e Event) bool { return e.File != nil && e.File.SHA256 == sum })
	if _, err := b.Download(ctx, 1, sum); err == nil || !strings.Contains(err.Error(), "may not download") {
		t.Fatalf("download by a twin taken out of the circle: %v", err)
	}
	if err := a.DeleteCircle(ctx, "team"); err != nil {
		t.Fatal(err)
	}
	a.await(t, ctx, "circle deleted", func(e Event) bool { return e.CircleDeleted == "team" })
	if f, err := a.SharedFile(sum); err != nil || len(f.Circles) != 0 {
		t.Fatalf("file after its circle was deleted: %+v %v", f, err)
	}
	if all, err := a.Circles(ctx); err != nil || len(all) != 0 {
		t.Fatalf("circles after delete: %+v %v", all, err)
	}
}

// TestAccessList: the access list of a shared file is viewed, extended (with an offer to the new
// twin) and replaced; a twin left out is refused from its next request on.
func TestAccessList(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p := twintest.NewPNIC(t)
	a := startTwin(t, ctx, p, p.AddTwin(t, 1))
	b := startTwin(t, ctx, p, p.AddTwin(t, 2))
	c := startTwin(t, ctx, p, p.AddTwin(t, 3))
	befriend(t, ctx, a, b)
	befriend(t, ctx, a, c)

	content := make([]byte, 2*ChunkSize+7)
	rand.Read(content)
	sum := sha256.Sum256(content)
	if _, err := a.Share(ctx, bytes.NewReader(content), "plan.pdf", []uint64{2}, nil); err != nil {
		t.Fatal(err)
	}
	if f, err := a.SharedFile(sum); err != nil || len(f.Access) != 1 || f.Access[0] != 2 {
		t.Fatalf("access list: %+v %v", f, err)
	}
	if _, err := a.GrantAccess(ctx, sum, []uint64{1}, nil); err == nil {
		t.Fatal("granted the owner access to its own file")
	}
	if _, err := a.GrantAccess(ctx, [32]byte{1}, []uint64{3}, nil); err == nil {
		t.Fatal("granted access to a file this twin does not share")
	}
	f, err := a.GrantAccess(ctx, sum, []uint64{3}, nil)
	if err != nil || len(f.Access) != 2 {
		t.Fatalf("grant: %+v %v", f, err)
	}
	c.await(t, ctx, "the offer after the grant", func(e Event) bool { return e.File != nil && e.File.SHA256 == sum && e.File.From == 1 })
	if _, err := c.Download(ctx, 1, sum); err != nil {
		t.Fatalf("download after the grant: %v", err)
	}
	// Twin 2 is left out of the new list (a circle holding twin 3): refused from now on.
	if err := a.SetCircle(ctx, "pair", []uint64{3}); err != nil {
		t.Fatal(err)
	}
	f, err = a.ReplaceAccess(ctx, sum, nil, []string{"pair"})
	if err != nil || len(f.Access) != 0 || len(f.Circles) != 1 {
		t.Fatalf("replace: %+v %v", f, err)
	}
	b.await(t, ctx, "the first offer", func(e Event) bool { return e.File != nil && e.File.SHA256 == sum })
	if _, err := b.Download(ctx, 1, sum); err == nil || !strings.Contains(err.Error(), "may not download") {
		t.Fatalf("download by a twin left out of the access list: %v", err)
	}
	if _, err := a.ReplaceAccess(ctx, sum, []uint64{2}, []string{"nosuch"}); err == nil {
		t.Fatal("replaced the access list with a circle that does not exist")
	}
}
