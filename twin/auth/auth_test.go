package auth

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/freeflowuniverse/planetary/twin/store"
)

// clock is a settable clock for the tests.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

func openStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// login redeems a fresh secret and returns a request carrying the session cookie.
func login(t *testing.T, a *Auth, dir string) *http.Request {
	t.Helper()
	secret, err := NewLoginSecret(dir)
	if err != nil {
		t.Fatal(err)
	}
	cookie, _, err := a.Login(secret, "test")
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	a.SetCookie(w, cookie, false)
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	for _, c := range w.Result().Cookies() {
		r.AddCookie(c)
	}
	return r
}

func TestCookieNamedPerTwin(t *testing.T) {
	st := openStore(t)
	dir := t.TempDir()
	a := New(dir, st, Options{Twin: 7})
	if got := a.CookieName(); got != "twin_session_7" || got != CookieName(7) {
		t.Fatalf("cookie name %q", got)
	}
	r := login(t, a, dir)
	if _, err := a.Check(r); err != nil {
		t.Fatal(err)
	}
	// Another twin on the same host neither reads nor overwrites this twin's cookie.
	b := New(t.TempDir(), openStore(t), Options{Twin: 8})
	if _, err := b.Check(r); !errors.Is(err, ErrNoSession) {
		t.Fatalf("twin 8 with twin 7's cookie: %v, want ErrNoSession", err)
	}
}

func TestIdleTimeout(t *testing.T) {
	st := openStore(t)
	dir := t.TempDir()
	c := &clock{now: time.Now()}
	const idle = 10 * 24 * time.Hour
	a := New(dir, st, Options{Twin: 1, IdleTimeout: idle, Now: c.Now})
	r := login(t, a, dir)

	// Used within the timeout, again and again: the timeout slides with each use.
	for range 5 {
		c.Add(idle - time.Minute)
		if _, err := a.Check(r); err != nil {
			t.Fatalf("used within the idle timeout: %v", err)
		}
	}
	// The last use is kept in the store: a restarted daemon still counts from it.
	a = New(dir, st, Options{Twin: 1, IdleTimeout: idle, Now: c.Now})
	c.Add(idle - 2*time.Hour)
	if _, err := a.Check(r); err != nil {
		t.Fatalf("after a restart, within the idle timeout: %v", err)
	}
	if l, err := a.Sessions(); err != nil || len(l) != 1 || !l[0].LastSeen.Equal(c.Now()) {
		t.Fatalf("sessions %+v, %v: want one, last seen now", l, err)
	}

	// Idle for longer than the timeout: refused, and gone from the list.
	c.Add(idle + time.Second)
	if _, err := a.Check(r); !errors.Is(err, ErrExpired) {
		t.Fatalf("idle session: %v, want ErrExpired", err)
	}
	if _, err := a.Check(r); !errors.Is(err, ErrBadSession) {
		t.Fatalf("expired session used again: %v, want ErrBadSession", err)
	}
	if l, err := a.Sessions(); err != nil || len(l) != 0 {
		t.Fatalf("sessions after expiry: %+v, %v", l, err)
	}
}

func TestSessionsDropsIdle(t *testing.T) {
	st := openStore(t)
	dir := t.TempDir()
	c := &clock{now: time.Now()}
	a := New(dir, st, Options{Twin: 1, Now: c.Now})
	old := login(t, a, dir)
	fresh := login(t, a, dir)
	c.Add(DefaultIdleTimeout / 2)
	if _, err := a.Check(fresh); err != nil {
		t.Fatal(err)
	}
	c.Add(DefaultIdleTimeout/2 + time.Minute)
	l, err := a.Sessions()
	if err != nil || len(l) != 1 {
		t.Fatalf("sessions %+v, %v: want only the fresh one", l, err)
	}
	if _, err := a.Check(old); !errors.Is(err, ErrBadSession) {
		t.Fatalf("idle session after the listing: %v, want ErrBadSession", err)
	}
	if _, err := a.Check(fresh); err != nil {
		t.Fatalf("fresh session: %v", err)
	}
}

func TestRevoke(t *testing.T) {
	st := openStore(t)
	dir := t.TempDir()
	a := New(dir, st, Options{Twin: 1})
	r := login(t, a, dir)
	se, err := a.Check(r)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Revoke(se.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Check(r); !errors.Is(err, ErrBadSession) {
		t.Fatalf("revoked session: %v, want ErrBadSession", err)
	}
	if a.Valid(se) {
		t.Fatal("revoked session still valid")
	}
}
