package directory

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"testing"
)

// checkCircles runs the same circle operations on any Directory: twin owns the circles, a and b are
// twins the directory knows, unknown is one it does not (accepted by a file, refused by the chain).
func checkCircles(t *testing.T, ctx context.Context, d Directory, twin, a, b uint64) {
	t.Helper()
	c, err := d.CreateCircle(ctx, twin, "friends", []uint64{a, twin, a})
	if err != nil || c.Name != "friends" || !slices.Equal(c.Members, []uint64{a}) {
		t.Fatalf("create: %+v %v, want friends with only twin %d", c, err, a)
	}
	if _, err := d.CreateCircle(ctx, twin, "friends", nil); !errors.Is(err, ErrCircleExists) {
		t.Fatalf("create a second friends: %v", err)
	}
	if _, err := d.CreateCircle(ctx, twin, "work", nil); err != nil {
		t.Fatal(err)
	}
	if err := d.AddMember(ctx, twin, "friends", b); err != nil {
		t.Fatal(err)
	}
	if m, err := d.Circle(ctx, twin, "friends"); err != nil || !slices.Equal(m, []uint64{a, b}) {
		t.Fatalf("after adding %d: %v %v", b, m, err)
	}
	if err := d.AddMember(ctx, twin, "nobody", a); !errors.Is(err, ErrNoCircle) {
		t.Fatalf("add to a circle that does not exist: %v", err)
	}
	if err := d.RemoveMember(ctx, twin, "friends", a); err != nil {
		t.Fatal(err)
	}
	if err := d.RemoveMember(ctx, twin, "friends", a); err == nil {
		t.Fatal("removed a twin that is not a member")
	}
	all, err := d.Circles(ctx, twin)
	if err != nil || len(all) != 2 || all[0].Name != "friends" || !slices.Equal(all[0].Members, []uint64{b}) || all[1].Name != "work" || len(all[1].Members) != 0 {
		t.Fatalf("circles: %+v %v", all, err)
	}
	if other, err := d.Circles(ctx, twin+1000); err != nil || len(other) != 0 {
		t.Fatalf("another twin's circles: %+v %v", other, err)
	}
	if err := d.SetCircle(ctx, twin, "friends", []uint64{a}); err != nil {
		t.Fatal(err)
	}
	if m, err := d.Circle(ctx, twin, "friends"); err != nil || !slices.Equal(m, []uint64{a}) {
		t.Fatalf("after SetCircle: %v %v", m, err)
	}
	if err := d.DeleteCircle(ctx, twin, "work"); err != nil {
		t.Fatal(err)
	}
	if err := d.DeleteCircle(ctx, twin, "work"); !errors.Is(err, ErrNoCircle) {
		t.Fatalf("delete twice: %v", err)
	}
	if m, err := d.Circle(ctx, twin, "work"); err != nil || len(m) != 0 {
		t.Fatalf("a deleted circle has members %v %v", m, err)
	}
	if all, _ := d.Circles(ctx, twin); len(all) != 1 {
		t.Fatalf("after delete: %+v", all)
	}
}

func TestFileCircles(t *testing.T) {
	checkCircles(t, context.Background(), NewFile(filepath.Join(t.TempDir(), "twins.json")), 7, 2, 3)
}
