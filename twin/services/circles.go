package services

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/freeflowuniverse/planetary/rmb/schema"
	"github.com/freeflowuniverse/planetary/twin/store"
)

// Circles are the twin's named groups of twins, kept by its directory. A chat to a circle is a chat
// to each member; a file shared with a circle may be downloaded by whoever is a member when asking.

// SetCircle replaces the members of one of the twin's circles.
func (t *Twin) SetCircle(ctx context.Context, name string, members []uint64) error {
	if name == "" || len(name) > 64 {
		return errors.New("a circle needs a name of 1 to 64 bytes")
	}
	members = slices.DeleteFunc(slices.Clone(members), func(m uint64) bool { return m == t.cfg.Self })
	return t.cfg.Directory.SetCircle(ctx, t.cfg.Self, name, members)
}

// Circle returns the members of one of the twin's circles.
func (t *Twin) Circle(ctx context.Context, name string) ([]uint64, error) {
	return t.cfg.Directory.Circle(ctx, t.cfg.Self, name)
}

// SendCircleChat sends text to every member of the circle, as one chat message to each; members
// that refuse it (not a contact, blocked) say so in their message's state.
func (t *Twin) SendCircleChat(ctx context.Context, circle, text string) ([]store.Message, error) {
	members, err := t.Circle(ctx, circle)
	if err != nil {
		return nil, err
	}
	if len(members) == 0 {
		return nil, fmt.Errorf("circle %q has no members", circle)
	}
	var out []store.Message
	for _, m := range members {
		msg, err := t.SendChat(ctx, m, text)
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
	members, err := t.Circle(ctx, circle)
	if err != nil {
		return store.File{}, err
	}
	f, err := t.Share(ctx, r, name, nil)
	if err != nil {
		return f, err
	}
	if !slices.Contains(f.Circles, circle) {
		f.Circles = append(f.Circles, circle)
	}
	if err := t.st.PutFile(f); err != nil {
		return f, err
	}
	body, err := encodeFileInfo(f)
	if err != nil {
		return f, err
	}
	for _, to := range members {
		if _, err := t.send(ctx, to, CmdFileOffer, schema.FileInfo_TypeID, body); err != nil {
			return f, err
		}
	}
	return f, nil
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
