package services

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/freeflowuniverse/planetary/twin/directory"
	"github.com/freeflowuniverse/planetary/twin/store"
)

// Circles are the twin's named groups of twins, kept by its directory (on the chain when the twin
// lives there). A chat to a circle is a chat to each member; a file shared with a circle may be
// downloaded by whoever is a member when asking.

// MaxCircleName bounds a circle's name.
const MaxCircleName = 64

// checkCircleName refuses names that are empty, too long, not UTF-8, padded or with control characters.
func checkCircleName(name string) error {
	if name == "" || len(name) > MaxCircleName || !utf8.ValidString(name) || strings.TrimSpace(name) != name ||
		strings.ContainsFunc(name, unicode.IsControl) {
		return fmt.Errorf("a circle needs a name of 1 to %d bytes of printable UTF-8, got %q", MaxCircleName, name)
	}
	return nil
}

func (t *Twin) publishCircle(ctx context.Context, name string) (directory.Circle, error) {
	members, err := t.Circle(ctx, name)
	if err != nil {
		return directory.Circle{}, err
	}
	c := directory.Circle{Name: name, Members: members}
	if all, err := t.Circles(ctx); err == nil {
		for _, x := range all {
			if x.Name == name {
				c = x
			}
		}
	}
	t.publish(Event{Circle: &c})
	return c, nil
}

// Circles lists the twin's circles with their members.
func (t *Twin) Circles(ctx context.Context) ([]directory.Circle, error) {
	return t.cfg.Directory.Circles(ctx, t.cfg.Self)
}

// CreateCircle makes a circle with members (the twin itself is never one).
func (t *Twin) CreateCircle(ctx context.Context, name string, members []uint64) (directory.Circle, error) {
	if err := checkCircleName(name); err != nil {
		return directory.Circle{}, err
	}
	c, err := t.cfg.Directory.CreateCircle(ctx, t.cfg.Self, name, members)
	if err != nil {
		return c, fmt.Errorf("create circle %q: %w", name, err)
	}
	t.publish(Event{Circle: &c})
	return c, nil
}

// AddMember puts another twin in one of the twin's circles.
func (t *Twin) AddMember(ctx context.Context, name string, member uint64) (directory.Circle, error) {
	if member == t.cfg.Self || member == 0 {
		return directory.Circle{}, fmt.Errorf("twin %d cannot be a member of its own circle", member)
	}
	if err := t.cfg.Directory.AddMember(ctx, t.cfg.Self, name, member); err != nil {
		return directory.Circle{}, fmt.Errorf("add twin %d to circle %q: %w", member, name, err)
	}
	return t.publishCircle(ctx, name)
}

// RemoveMember takes a twin out of one of the twin's circles: from then on it may no longer
// download what was shared with the circle.
func (t *Twin) RemoveMember(ctx context.Context, name string, member uint64) (directory.Circle, error) {
	if err := t.cfg.Directory.RemoveMember(ctx, t.cfg.Self, name, member); err != nil {
		return directory.Circle{}, fmt.Errorf("remove twin %d from circle %q: %w", member, name, err)
	}
	return t.publishCircle(ctx, name)
}

// DeleteCircle deletes one of the twin's circles and takes it off the access lists of the files
// shared with it, so a later circle of the same name does not inherit them.
func (t *Twin) DeleteCircle(ctx context.Context, name string) error {
	if err := t.cfg.Directory.DeleteCircle(ctx, t.cfg.Self, name); err != nil {
		return fmt.Errorf("delete circle %q: %w", name, err)
	}
	t.publish(Event{CircleDeleted: name})
	files, err := t.st.Files()
	if err != nil {
		return err
	}
	for _, f := range files {
		if f.From != 0 || !slices.Contains(f.Circles, name) {
			continue
		}
		f.Circles = slices.DeleteFunc(f.Circles, func(c string) bool { return c == name })
		if err := t.st.PutFile(f); err != nil {
			return err
		}
		t.publish(Event{File: &f})
	}
	return nil
}

// SetCircle replaces the members of one of the twin's circles, creating it if needed.
func (t *Twin) SetCircle(ctx context.Context, name string, members []uint64) error {
	if err := checkCircleName(name); err != nil {
		return err
	}
	members = slices.DeleteFunc(slices.Clone(members), func(m uint64) bool { return m == t.cfg.Self })
	if err := t.cfg.Directory.SetCircle(ctx, t.cfg.Self, name, members); err != nil {
		return err
	}
	_, err := t.publishCircle(ctx, name)
	return err
}

// Circle returns the members of one of the twin's circles.
func (t *Twin) Circle(ctx context.Context, name string) ([]uint64, error) {
	return t.cfg.Directory.Circle(ctx, t.cfg.Self, name)
}

// hasCircle fails for a circle the twin does not have.
func (t *Twin) hasCircle(ctx context.Context, name string) error {
	all, err := t.Circles(ctx)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(all, func(c directory.Circle) bool { return c.Name == name }) {
		return fmt.Errorf("circle %q: %w", name, directory.ErrNoCircle)
	}
	return nil
}

// SendCircleChat sends text to every member of the circle, as one chat message to each with the
// same id and the circle's name; members that refuse it (not a contact, blocked) say so in their
// message's state.
func (t *Twin) SendCircleChat(ctx context.Context, circle, text string) ([]store.Message, error) {
	members, err := t.Circle(ctx, circle)
	if err != nil {
		return nil, err
	}
	if len(members) == 0 {
		return nil, fmt.Errorf("circle %q has no members", circle)
	}
	var id store.MessageID
	rand.Read(id[:])
	var out []store.Message
	for _, m := range members {
		msg, err := t.sendChat(ctx, m, text, circle, id)
		if err != nil {
			return out, fmt.Errorf("chat to circle %q, member %d: %w", circle, m, err)
		}
		out = append(out, msg)
	}
	return out, nil
}

// ShareWithCircle imports a file, lets the circle's members download it (checked when they ask, so
// later members may and removed ones may not) and offers it to today's members.
func (t *Twin) ShareWithCircle(ctx context.Context, r io.Reader, name, circle string) (store.File, error) {
	return t.Share(ctx, r, name, nil, []string{circle})
}

// mayDownload reports whether twin may download f: listed in its access list or, now, a member of
// one of its circles.
func (t *Twin) mayDownload(ctx context.Context, f store.File, twin uint64) bool {
	if slices.Contains(f.Access, twin) {
		return true
	}
	for _, c := range f.Circles {
		if members, err := t.Circle(ctx, c); err == nil && slices.Contains(members, twin) {
			return true
		}
	}
	return false
}

// audience returns the twins a file's offer goes to: those listed and today's members of the
// circles, without the twin itself, each once.
func (t *Twin) audience(ctx context.Context, twins []uint64, circles []string) ([]uint64, error) {
	out := slices.Clone(twins)
	for _, c := range circles {
		members, err := t.Circle(ctx, c)
		if err != nil {
			return nil, err
		}
		out = append(out, members...)
	}
	out = slices.DeleteFunc(out, func(m uint64) bool { return m == t.cfg.Self || m == 0 })
	slices.Sort(out)
	return slices.Compact(out), nil
}

// errNotShared is returned for access-list changes of a file this twin does not share.
var errNotShared = errors.New("not a file this twin shares")
