package wsapi_test

import (
	"context"
	"crypto/sha256"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/freeflowuniverse/planetary/rmb/client"
	"github.com/freeflowuniverse/planetary/rmb/schema"
	"github.com/freeflowuniverse/planetary/twin/files"
	"github.com/freeflowuniverse/planetary/twin/services"
	"github.com/freeflowuniverse/planetary/twin/store"
	"github.com/freeflowuniverse/planetary/twin/wsclient"
)

// peer is twin 2, run in-process beside the twin under test.
type peer struct {
	*services.Twin
	events <-chan services.Event
}

func (e *env) startPeer(t *testing.T, ctx context.Context) *peer {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	fd, err := files.Open(filepath.Join(t.TempDir(), "files"))
	if err != nil {
		t.Fatal(err)
	}
	var tw atomic.Pointer[services.Twin]
	c, err := client.Dial(ctx, client.Config{Path: e.pnic.Socket, Keys: e.peerKeys, OnReceipt: func(r client.Receipt) {
		if x := tw.Load(); x != nil {
			x.HandleReceipt(r)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	x := services.New(services.Config{Client: c, Store: st, Directory: e.pnic.Directory, Files: fd, Self: e.peerKeys.ID})
	tw.Store(x)
	events, stop := x.Subscribe()
	t.Cleanup(stop)
	rctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { x.Run(rctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return &peer{Twin: x, events: events}
}

func (p *peer) await(t *testing.T, ctx context.Context, what string, ok func(services.Event) bool) services.Event {
	t.Helper()
	for {
		select {
		case e, open := <-p.events:
			if !open {
				t.Fatalf("twin 2: events closed waiting for %s", what)
			}
			if ok(e) {
				return e
			}
		case <-ctx.Done():
			t.Fatalf("twin 2: no %s: %v", what, ctx.Err())
		}
	}
}

func awaitWS(t *testing.T, ctx context.Context, c *wsclient.Conn, what string, ok func(schema.WsEvent) bool) {
	t.Helper()
	for {
		select {
		case e, open := <-c.Events():
			if !open {
				t.Fatalf("websocket closed waiting for %s: %v", what, c.Err())
			}
			if ok(e) {
				return
			}
		case <-ctx.Done():
			t.Fatalf("no %s on the websocket: %v", what, ctx.Err())
		}
	}
}

func twins(l schema.Circle) []uint64 {
	m, _ := l.Members()
	out := make([]uint64, m.Len())
	for i := range out {
		out[i] = m.At(i)
	}
	return out
}

func setAccess(sha [32]byte, twinIDs []uint64, circles []string) func(schema.FileAccess) error {
	return func(a schema.FileAccess) error {
		if err := a.SetSha256(sha[:]); err != nil {
			return err
		}
		tl, err := a.NewTwins(int32(len(twinIDs)))
		if err != nil {
			return err
		}
		for i, id := range twinIDs {
			tl.Set(i, id)
		}
		cl, err := a.NewCircles(int32(len(circles)))
		if err != nil {
			return err
		}
		for i, c := range circles {
			if err := cl.Set(i, c); err != nil {
				return err
			}
		}
		return nil
	}
}

func fileAccess(t *testing.T, r schema.WsResponse) ([]uint64, []string) {
	t.Helper()
	f, err := r.File()
	if err != nil {
		t.Fatalf("want a file entry, got %v: %v", r.Which(), err)
	}
	al, _ := f.Access()
	cl, _ := f.Circles()
	var ids []uint64
	for i := 0; i < al.Len(); i++ {
		ids = append(ids, al.At(i))
	}
	var cs []string
	for i := 0; i < cl.Len(); i++ {
		c, _ := cl.At(i)
		cs = append(cs, c)
	}
	return ids, cs
}

// TestCirclesAndAccessLists drives every circle and access-list request over the websocket: circles
// are listed, created, changed and deleted (with events), a circle chat reaches the member, and a
// file's access list is viewed, emptied (the member is refused) and extended (it downloads).
func TestCirclesAndAccessLists(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p := e.startPeer(t, ctx)
	hc := e.login(t)
	ws, err := wsclient.Dial(ctx, e.srv.URL, hc)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	call := func(fill func(schema.WsRequest) error) schema.WsResponse {
		t.Helper()
		r, err := ws.Call(ctx, fill)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	refused := func(want string, fill func(schema.WsRequest) error) {
		t.Helper()
		if _, err := ws.Call(ctx, fill); err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("want an error with %q, got %v", want, err)
		}
	}

	// Twins 1 and 2 become contacts.
	call(func(rq schema.WsRequest) error { in, err := rq.NewInvite(); in.SetTwin(2); return err })
	p.await(t, ctx, "invitation", func(ev services.Event) bool {
		return ev.Contact != nil && ev.Contact.State == schema.ContactState_invitedBy
	})
	if err := p.Accept(ctx, 1); err != nil {
		t.Fatal(err)
	}
	awaitWS(t, ctx, ws, "acceptance", func(ev schema.WsEvent) bool {
		if ev.Which() != schema.WsEvent_Which_contact {
			return false
		}
		c, err := ev.Contact()
		return err == nil && c.State() == schema.ContactState_contact
	})

	// createCircle, circles, addMember, removeMember.
	r := call(func(rq schema.WsRequest) error {
		c, err := rq.NewCreateCircle()
		if err != nil {
			return err
		}
		l, err := c.NewMembers(1)
		if err != nil {
			return err
		}
		l.Set(0, 2)
		return c.SetName("friends")
	})
	c, err := r.Circle()
	if name, _ := c.Name(); err != nil || name != "friends" || !slices.Equal(twins(c), []uint64{2}) {
		t.Fatalf("createCircle: %v %v %v", r.Which(), name, err)
	}
	awaitWS(t, ctx, ws, "the circle event", func(ev schema.WsEvent) bool { return ev.Which() == schema.WsEvent_Which_circle })
	refused("a circle needs a name", func(rq schema.WsRequest) error { c, err := rq.NewCreateCircle(); c.SetName(""); return err })
	refused("already has a circle", func(rq schema.WsRequest) error { c, err := rq.NewCreateCircle(); c.SetName("friends"); return err })
	member := func(add bool, circle string, twin uint64) func(schema.WsRequest) error {
		return func(rq schema.WsRequest) error {
			var m schema.CircleMember
			var err error
			if add {
				m, err = rq.NewAddMember()
			} else {
				m, err = rq.NewRemoveMember()
			}
			if err != nil {
				return err
			}
			m.SetTwin(twin)
			return m.SetCircle(circle)
		}
	}
	if c, _ := call(member(true, "friends", 3)).Circle(); !slices.Equal(twins(c), []uint64{2, 3}) {
		t.Fatalf("addMember: %v", twins(c))
	}
	if c, _ := call(member(false, "friends", 3)).Circle(); !slices.Equal(twins(c), []uint64{2}) {
		t.Fatalf("removeMember: %v", twins(c))
	}
	refused("no such circle", member(true, "nobody", 2))
	refused("not in circle", member(false, "friends", 3))
	l, err := call(func(rq schema.WsRequest) error { rq.SetCircles(); return nil }).Circles()
	if err != nil || l.Len() != 1 {
		t.Fatalf("circles: %v", err)
	}

	// circleChat: one message to the member, with the circle's name.
	r = call(func(rq schema.WsRequest) error {
		cc, err := rq.NewCircleChat()
		if err != nil {
			return err
		}
		cc.SetCircle("friends")
		return cc.SetText("hello friends")
	})
	sent, err := r.Chats()
	if err != nil || sent.Len() != 1 {
		t.Fatalf("circleChat: %v %v", r.Which(), err)
	}
	if circle, _ := sent.At(0).Circle(); circle != "friends" || sent.At(0).Peer() != 2 {
		t.Fatalf("circle chat entry to %d, circle %q", sent.At(0).Peer(), circle)
	}
	got := p.await(t, ctx, "the circle chat", func(ev services.Event) bool { return ev.Chat != nil && ev.Chat.Text == "hello friends" })
	if got.Chat.Circle != "friends" {
		t.Fatalf("twin 2 got the circle chat with circle %q", got.Chat.Circle)
	}

	// A file shared with the circle (POST /files?circles=), then its access list.
	content := "the circle's notes"
	sum := sha256.Sum256([]byte(content))
	req, _ := http.NewRequest("POST", e.srv.URL+"/files?name=notes.txt&circles=friends", strings.NewReader(content))
	req.Header.Set("Origin", e.srv.URL)
	resp, err := hc.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("upload to the circle: %v %v", resp, err)
	}
	resp.Body.Close()
	p.await(t, ctx, "the offer to the circle's member", func(ev services.Event) bool { return ev.File != nil && ev.File.SHA256 == sum })
	ids, circles := fileAccess(t, call(func(rq schema.WsRequest) error { return rq.SetAccessList(sum[:]) }))
	if len(ids) != 0 || !slices.Equal(circles, []string{"friends"}) {
		t.Fatalf("accessList: twins %v circles %v", ids, circles)
	}
	refused("not a file this twin shares", func(rq schema.WsRequest) error { return rq.SetAccessList(make([]byte, 32)) })

	// replaceAccess with nobody: twin 2 is refused.
	ids, circles = fileAccess(t, call(func(rq schema.WsRequest) error {
		a, err := rq.NewReplaceAccess()
		if err != nil {
			return err
		}
		return setAccess(sum, nil, nil)(a)
	}))
	if len(ids) != 0 || len(circles) != 0 {
		t.Fatalf("replaceAccess: %v %v", ids, circles)
	}
	if _, err := p.Download(ctx, 1, sum); err == nil || !strings.Contains(err.Error(), "may not download") {
		t.Fatalf("download after the access list was emptied: %v", err)
	}
	refused("no such circle", func(rq schema.WsRequest) error {
		a, err := rq.NewReplaceAccess()
		if err != nil {
			return err
		}
		return setAccess(sum, nil, []string{"nobody"})(a)
	})

	// shareFile with twin 2: offered again, and it downloads.
	ids, _ = fileAccess(t, call(func(rq schema.WsRequest) error {
		a, err := rq.NewShareFile()
		if err != nil {
			return err
		}
		return setAccess(sum, []uint64{2}, nil)(a)
	}))
	if !slices.Equal(ids, []uint64{2}) {
		t.Fatalf("shareFile: %v", ids)
	}
	if f, err := p.Download(ctx, 1, sum); err != nil || f.Have != f.Size {
		t.Fatalf("download after shareFile: %+v %v", f, err)
	}

	// deleteCircle.
	if r := call(func(rq schema.WsRequest) error { return rq.SetDeleteCircle("friends") }); r.Which() != schema.WsResponse_Which_ok {
		t.Fatalf("deleteCircle: %v", r.Which())
	}
	awaitWS(t, ctx, ws, "the deletion event", func(ev schema.WsEvent) bool {
		if ev.Which() != schema.WsEvent_Which_circleDeleted {
			return false
		}
		name, _ := ev.CircleDeleted()
		return name == "friends"
	})
	if l, _ := call(func(rq schema.WsRequest) error { rq.SetCircles(); return nil }).Circles(); l.Len() != 0 {
		t.Fatalf("%d circles after deleting the only one", l.Len())
	}
	refused("no such circle", func(rq schema.WsRequest) error { return rq.SetDeleteCircle("friends") })
}
