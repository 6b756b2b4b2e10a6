package wsapi

import (
	"errors"
	"testing"

	"capnproto.org/go/capnp/v3"

	"github.com/freeflowuniverse/planetary/rmb/schema"
)

func seedFrame(f *testing.F, id uint64, fill func(schema.WsRequest) error) {
	msg, seg := capnp.NewSingleSegmentMessage(nil)
	fr, _ := schema.NewRootWsFrame(seg)
	fr.SetId(id)
	rq, err := fr.NewRequest()
	if err == nil {
		err = fill(rq)
	}
	b, err2 := msg.Marshal()
	if err != nil || err2 != nil {
		f.Fatal(err, err2)
	}
	f.Add(b)
}

// FuzzWSFrame feeds arbitrary bytes to the browser frame decoder: it must never panic, and what it
// accepts must be a request it fully read.
func FuzzWSFrame(f *testing.F) {
	seedFrame(f, 1, func(r schema.WsRequest) error { r.SetStatus(); return nil })
	seedFrame(f, 2, func(r schema.WsRequest) error {
		s, err := r.NewSendChat()
		if err != nil {
			return err
		}
		s.SetTwin(2)
		return s.SetText("hello")
	})
	seedFrame(f, 3, func(r schema.WsRequest) error {
		in, err := r.NewInvite()
		if err != nil {
			return err
		}
		in.SetTwin(9)
		return in.SetNote("hi")
	})
	seedFrame(f, 4, func(r schema.WsRequest) error {
		h, err := r.NewHistory()
		if err != nil {
			return err
		}
		h.SetTwin(2)
		h.SetLimit(50)
		return nil
	})
	seedFrame(f, 5, func(r schema.WsRequest) error { return r.SetRevokeSession("abc") })
	seedFrame(f, 6, func(r schema.WsRequest) error {
		d, err := r.NewDownload()
		if err != nil {
			return err
		}
		d.SetTwin(2)
		return d.SetSha256(make([]byte, 32))
	})
	seedFrame(f, 7, func(r schema.WsRequest) error {
		c, err := r.NewCreateCircle()
		if err != nil {
			return err
		}
		l, err := c.NewMembers(2)
		if err != nil {
			return err
		}
		l.Set(0, 2)
		l.Set(1, 3)
		return c.SetName("friends")
	})
	seedFrame(f, 8, func(r schema.WsRequest) error {
		m, err := r.NewRemoveMember()
		if err != nil {
			return err
		}
		m.SetTwin(3)
		return m.SetCircle("friends")
	})
	seedFrame(f, 9, func(r schema.WsRequest) error {
		c, err := r.NewCircleChat()
		if err != nil {
			return err
		}
		return errors.Join(c.SetCircle("friends"), c.SetText("hi all"))
	})
	seedFrame(f, 10, func(r schema.WsRequest) error {
		a, err := r.NewReplaceAccess()
		if err != nil {
			return err
		}
		l, err := a.NewCircles(1)
		if err == nil {
			err = l.Set(0, "friends")
		}
		return errors.Join(err, a.SetSha256(make([]byte, 32)))
	})
	seedFrame(f, 11, func(r schema.WsRequest) error { return r.SetAccessList(make([]byte, 32)) })
	f.Add([]byte{})
	f.Add([]byte("garbage"))
	f.Add([]byte{0, 0, 0, 0, 0xff, 0xff, 0xff, 0x7f})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := DecodeRequest(b)
		if err != nil {
			return
		}
		if r.Which > schema.WsRequest_Which_audit {
			t.Fatalf("accepted unknown request %d", r.Which)
		}
	})
}
