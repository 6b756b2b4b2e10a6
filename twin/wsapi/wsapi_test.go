package wsapi_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"capnproto.org/go/capnp/v3"
	"github.com/coder/websocket"

	"github.com/freeflowuniverse/planetary/rmb/client"
	"github.com/freeflowuniverse/planetary/rmb/schema"
	"github.com/freeflowuniverse/planetary/rmb/seal"
	"github.com/freeflowuniverse/planetary/twin/auth"
	"github.com/freeflowuniverse/planetary/twin/files"
	"github.com/freeflowuniverse/planetary/twin/internal/twintest"
	"github.com/freeflowuniverse/planetary/twin/services"
	"github.com/freeflowuniverse/planetary/twin/store"
	"github.com/freeflowuniverse/planetary/twin/web"
	"github.com/freeflowuniverse/planetary/twin/wsapi"
	"github.com/freeflowuniverse/planetary/twin/wsclient"
)

type env struct {
	srv      *httptest.Server
	loginDir string
	auth     *auth.Auth
	twin     *services.Twin
	pnic     *twintest.PNIC
	peerKeys seal.TwinKeys // twin 2's, registered on the same PNIC; startPeer runs it
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	p := twintest.NewPNIC(t)
	k := p.AddTwin(t, 1)
	k2 := p.AddTwin(t, 2)
	st, err := store.Open(filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	c, err := client.Dial(ctx, client.Config{Path: p.Socket, Keys: k})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	fd, err := files.Open(filepath.Join(t.TempDir(), "files"))
	if err != nil {
		t.Fatal(err)
	}
	tw := services.New(services.Config{Client: c, Store: st, Directory: p.Directory, Files: fd, Self: 1})
	loginDir := filepath.Join(t.TempDir(), "login")
	au := auth.New(loginDir, st, auth.Options{Twin: 1})
	ws := wsapi.New(wsapi.Config{Twin: tw, Auth: au, Version: "test"})
	srv := httptest.NewServer(web.Handler(web.Config{Auth: au, WS: ws, Upload: http.HandlerFunc(ws.Upload), Download: http.HandlerFunc(ws.Serve),
		CloseSession: ws.CloseSession}))
	t.Cleanup(func() { srv.CloseClientConnections(); srv.Close(); ws.Wait() })
	rctx, stop := context.WithCancel(context.Background())
	ran := make(chan struct{})
	go func() { tw.Run(rctx); close(ran) }()
	t.Cleanup(func() { stop(); <-ran })
	return &env{srv: srv, loginDir: loginDir, auth: au, twin: tw, pnic: p, peerKeys: k2}
}

// login redeems a fresh link and returns a client holding the session cookie.
func (e *env) login(t *testing.T) *http.Client {
	t.Helper()
	secret, err := auth.NewLoginSecret(e.loginDir)
	if err != nil {
		t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar}
	resp, err := hc.Get(e.srv.URL + "/login?s=" + secret)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("login: %s", resp.Status)
	}
	var cookie *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == auth.CookieName(1) {
			cookie = c
		}
	}
	if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteStrictMode {
		t.Fatalf("session cookie %+v: want HttpOnly and SameSite=Strict", cookie)
	}
	// The secret works once.
	resp, err = http.Get(e.srv.URL + "/login?s=" + secret)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("second use of a login secret: %s", resp.Status)
	}
	return hc
}

func (e *env) dial(ctx context.Context, hc *http.Client, origin string) (*websocket.Conn, *http.Response, error) {
	h := http.Header{}
	if origin != "" {
		h.Set("Origin", origin)
	}
	return websocket.Dial(ctx, "ws"+strings.TrimPrefix(e.srv.URL, "http")+"/ws", &websocket.DialOptions{HTTPClient: hc, HTTPHeader: h})
}

func request(t testing.TB, id uint64, fill func(schema.WsRequest) error) []byte {
	t.Helper()
	msg, seg := capnp.NewSingleSegmentMessage(nil)
	f, _ := schema.NewRootWsFrame(seg)
	f.SetId(id)
	rq, err := f.NewRequest()
	if err == nil {
		err = fill(rq)
	}
	if err != nil {
		t.Fatal(err)
	}
	b, err := msg.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// call sends a request and returns its response, skipping events.
func call(t *testing.T, ctx context.Context, c *websocket.Conn, id uint64, fill func(schema.WsRequest) error) schema.WsResponse {
	t.Helper()
	if err := c.Write(ctx, websocket.MessageBinary, request(t, id, fill)); err != nil {
		t.Fatal(err)
	}
	for {
		_, b, err := c.Read(ctx)
		if err != nil {
			t.Fatalf("read response %d: %v", id, err)
		}
		msg, err := capnp.Unmarshal(b)
		if err != nil {
			t.Fatal(err)
		}
		f, err := schema.ReadRootWsFrame(msg)
		if err != nil {
			t.Fatal(err)
		}
		if f.Which() == schema.WsFrame_Which_response && f.Id() == id {
			r, _ := f.Response()
			return r
		}
	}
}

func TestWebsocketRefusals(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	origin := e.srv.URL

	if _, resp, err := e.dial(ctx, http.DefaultClient, origin); err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("without a session: %v %v", resp, err)
	}
	jar, _ := cookiejar.New(nil)
	u, _ := url.Parse(e.srv.URL)
	jar.SetCookies(u, []*http.Cookie{{Name: auth.CookieName(1), Value: "Zm9yZ2VkLWNvb2tpZS1mb3JnZWQtY29va2llLWZvcmdlZA"}})
	if _, resp, err := e.dial(ctx, &http.Client{Jar: jar}, origin); err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("with a forged cookie: %v %v", resp, err)
	}
	hc := e.login(t)
	if _, resp, err := e.dial(ctx, hc, "http://evil.example"); err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("with a foreign Origin: %v %v", resp, err)
	}
	c, _, err := e.dial(ctx, hc, origin)
	if err != nil {
		t.Fatalf("with the session and its own Origin: %v", err)
	}
	defer c.CloseNow()
	r := call(t, ctx, c, 1, func(rq schema.WsRequest) error { rq.SetStatus(); return nil })
	st, err := r.Status()
	if err != nil || st.Twin() != 1 || !st.PnicConnected() {
		t.Fatalf("status: %v %v", r.Which(), err)
	}

	// A garbage frame closes that connection only.
	other, _, err := e.dial(ctx, hc, origin)
	if err != nil {
		t.Fatal(err)
	}
	defer other.CloseNow()
	other.Write(ctx, websocket.MessageBinary, []byte("garbage, not capnp"))
	_, _, err = other.Read(ctx)
	if websocket.CloseStatus(err) != websocket.StatusUnsupportedData {
		t.Fatalf("after garbage: %v", err)
	}
	r = call(t, ctx, c, 2, func(rq schema.WsRequest) error { rq.SetFindTwin(2); return nil })
	if rec, err := r.Twin(); err != nil || rec.Id() != 2 {
		t.Fatalf("find twin after the other connection's garbage: %v %v", r.Which(), err)
	}
	r = call(t, ctx, c, 3, func(rq schema.WsRequest) error { rq.SetFindTwin(77); return nil })
	if msg, _ := r.Error(); r.Which() != schema.WsResponse_Which_error || !strings.Contains(msg, "not found") {
		t.Fatalf("find unknown twin: %v %q", r.Which(), msg)
	}

	// Sessions are listed and revoked; revoking closes the session's connections.
	second := e.login(t)
	c2, _, err := e.dial(ctx, second, origin)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.CloseNow()
	r = call(t, ctx, c, 4, func(rq schema.WsRequest) error { rq.SetSessions(); return nil })
	l, err := r.Sessions()
	if err != nil || l.Len() != 2 {
		t.Fatalf("sessions: %v", err)
	}
	var victim string
	for i := 0; i < l.Len(); i++ {
		if !l.At(i).Current() {
			victim, _ = l.At(i).Id()
		}
	}
	r = call(t, ctx, c, 5, func(rq schema.WsRequest) error { return rq.SetRevokeSession(victim) })
	if r.Which() != schema.WsResponse_Which_ok {
		t.Fatalf("revoke: %v", r.Which())
	}
	if _, _, err := c2.Read(ctx); websocket.CloseStatus(err) != websocket.StatusPolicyViolation {
		t.Fatalf("revoked session's websocket: %v", err)
	}
	if _, resp, err := e.dial(ctx, second, origin); err == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("revoked session dials again: %v", err)
	}
	if resp, err := second.Get(e.srv.URL + "/session"); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("revoked session: %v %v", resp, err)
	}
}

// TestToolLeavesNoSession: a tool logs in with a link, makes its call over the websocket and logs
// out, as gridctl ping does; the twin's sessions are back to what they were, and the logged-out
// session's websocket is closed and its cookie refused.
func TestToolLeavesNoSession(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	e.login(t) // the owner's browser
	count := func() int {
		t.Helper()
		l, err := e.auth.Sessions()
		if err != nil {
			t.Fatal(err)
		}
		return len(l)
	}
	before := count()
	for range 3 {
		secret, err := auth.NewLoginSecret(e.loginDir)
		if err != nil {
			t.Fatal(err)
		}
		hc, err := wsclient.Login(ctx, e.srv.URL+"/login?s="+secret)
		if err != nil {
			t.Fatal(err)
		}
		c, err := wsclient.Dial(ctx, e.srv.URL, hc)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Call(ctx, func(rq schema.WsRequest) error { rq.SetStatus(); return nil }); err != nil {
			t.Fatal(err)
		}
		if got := count(); got != before+1 {
			t.Fatalf("sessions while the tool runs: %d, want %d", got, before+1)
		}
		if err := wsclient.Logout(ctx, e.srv.URL, hc); err != nil {
			t.Fatal(err)
		}
		for range c.Events() { // the logout closes the session's websocket
		}
		if got := count(); got != before {
			t.Fatalf("sessions after the tool logged out: %d, want %d", got, before)
		}
		if err := wsclient.Logout(ctx, e.srv.URL, hc); err == nil || !strings.Contains(err.Error(), "401") {
			t.Fatalf("second logout: %v, want 401", err)
		}
	}
}

func TestWrongHostRefused(t *testing.T) {
	e := newEnv(t)
	req, _ := http.NewRequest("GET", e.srv.URL+"/", nil)
	req.Host = "attacker.example:9700"
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("DNS-rebound Host: %s", resp.Status)
	}
}

func TestUploadAndServe(t *testing.T) {
	e := newEnv(t)
	hc := e.login(t)
	post := func(client *http.Client, origin string) *http.Response {
		req, _ := http.NewRequest("POST", e.srv.URL+"/files?name=notes.txt&to=2", strings.NewReader("some notes"))
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	for _, c := range []struct {
		client *http.Client
		origin string
		want   int
	}{{hc, "", http.StatusForbidden}, {hc, "http://evil.example", http.StatusForbidden}, {http.DefaultClient, e.srv.URL, http.StatusUnauthorized}} {
		if resp := post(c.client, c.origin); resp.StatusCode != c.want {
			t.Errorf("upload (origin %q): %s, want %d", c.origin, resp.Status, c.want)
		}
	}
	resp := post(hc, e.srv.URL)
	body, _ := io.ReadAll(resp.Body)
	sum := sha256.Sum256([]byte("some notes"))
	if resp.StatusCode != http.StatusOK || strings.TrimSpace(string(body)) != hex.EncodeToString(sum[:]) {
		t.Fatalf("upload: %s %q", resp.Status, body)
	}
	if r, _ := http.Get(e.srv.URL + "/files/" + hex.EncodeToString(sum[:])); r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("file without a session: %s", r.Status)
	}
	r, err := hc.Get(e.srv.URL + "/files/" + hex.EncodeToString(sum[:]))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(r.Body)
	if string(got) != "some notes" || !strings.Contains(r.Header.Get("Content-Disposition"), "notes.txt") {
		t.Fatalf("served file: %q %v", got, r.Header)
	}
}
