// Package auth lets only a twin's owner in: one-time login secrets (a file per secret, so the
// `twind login-link` command can mint one while the daemon runs), and session cookies whose hashes
// are kept in the twin's store so they can be listed and revoked.
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/freeflowuniverse/planetary/twin/store"
)

// CookiePrefix begins every twin's session cookie name; CookieName adds the twin's id.
const CookiePrefix = "twin_session_"

// CookieName is the session cookie of twin: named per twin, because browsers keep cookies per host
// and not per port, so twins side by side on 127.0.0.1 would otherwise overwrite each other's.
func CookieName(twin uint64) string { return CookiePrefix + strconv.FormatUint(twin, 10) }

// DefaultIdleTimeout is how long a session may go unused before it expires; each use extends it.
const DefaultIdleTimeout = 30 * 24 * time.Hour

// cookieMaxAge is how long the browser keeps the cookie; the twin expires the session itself when
// it is idle for longer than its timeout.
const cookieMaxAge = 365 * 24 * time.Hour

// persistEvery is how stale a session's last use may be in the store before a use writes it back.
const persistEvery = time.Hour

// LinkTTL is how long a login secret stays valid.
const LinkTTL = 24 * time.Hour

// Errors of Login and Check.
var (
	ErrBadSecret  = errors.New("auth: unknown, used or expired login secret")
	ErrNoSession  = errors.New("auth: not logged in")
	ErrBadSession = errors.New("auth: unknown or revoked session")
	ErrExpired    = errors.New("auth: session expired after being idle")
)

func randomToken() string {
	var b [32]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func hash(s string) [32]byte { return sha256.Sum256([]byte(s)) }

// NewLoginSecret mints a one-time login secret: it stores only its hash, as a file in dir.
func NewLoginSecret(dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("auth: login secrets: %w", err)
	}
	s := randomToken()
	h := hash(s)
	if err := os.WriteFile(filepath.Join(dir, hex.EncodeToString(h[:])), nil, 0o600); err != nil {
		return "", fmt.Errorf("auth: login secret: %w", err)
	}
	return s, nil
}

// Options configure an Auth.
type Options struct {
	// Twin is the twin's id, which names its cookie.
	Twin uint64
	// IdleTimeout ends a session unused for longer; 0 is DefaultIdleTimeout.
	IdleTimeout time.Duration
	// Now is the clock; nil is time.Now.
	Now func() time.Time
}

// Auth checks login secrets and sessions.
type Auth struct {
	dir    string
	st     *store.Store
	cookie string
	idle   time.Duration
	now    func() time.Time

	// mu orders a session's checks, the writes of its last use and its revocation, so a revoked
	// session is never written back.
	mu       sync.Mutex
	lastSeen map[string]time.Time // session id → last use, written to the store at most hourly
}

// New returns an Auth reading login secrets from dir and sessions from st.
func New(dir string, st *store.Store, opt Options) *Auth {
	a := &Auth{dir: dir, st: st, cookie: CookieName(opt.Twin), idle: opt.IdleTimeout, now: opt.Now,
		lastSeen: make(map[string]time.Time)}
	if a.idle <= 0 {
		a.idle = DefaultIdleTimeout
	}
	if a.now == nil {
		a.now = time.Now
	}
	return a
}

// CookieName is the name of this twin's session cookie.
func (a *Auth) CookieName() string { return a.cookie }

// IdleTimeout is how long a session may go unused before it expires.
func (a *Auth) IdleTimeout() time.Duration { return a.idle }

// Login redeems a login secret once and opens a session, returning the cookie value.
func (a *Auth) Login(secret, userAgent string) (string, store.Session, error) {
	if secret == "" || len(secret) > 100 {
		return "", store.Session{}, ErrBadSecret
	}
	h := hash(secret)
	path := filepath.Join(a.dir, hex.EncodeToString(h[:]))
	st, err := os.Stat(path)
	if err != nil {
		return "", store.Session{}, ErrBadSecret
	}
	// Removing the file is what makes the secret one-time: only one caller can succeed.
	if err := os.Remove(path); err != nil {
		return "", store.Session{}, ErrBadSecret
	}
	if a.now().Sub(st.ModTime()) > LinkTTL {
		return "", store.Session{}, ErrBadSecret
	}
	cookie := randomToken()
	ch := hash(cookie)
	if len(userAgent) > 200 {
		userAgent = userAgent[:200]
	}
	now := a.now()
	se := store.Session{ID: hex.EncodeToString(ch[:6]), Hash: ch, Created: now, LastSeen: now, UserAgent: userAgent}
	if err := a.st.PutSession(se); err != nil {
		return "", store.Session{}, err
	}
	return cookie, se, nil
}

// SetCookie sets the session cookie on a response: HttpOnly, SameSite=Strict, for the whole site,
// and Secure when the twin serves HTTPS, so the browser never sends it over plain HTTP.
func (a *Auth) SetCookie(w http.ResponseWriter, cookie string, secure bool) {
	http.SetCookie(w, &http.Cookie{Name: a.cookie, Value: cookie, Path: "/", HttpOnly: true, Secure: secure,
		SameSite: http.SameSiteStrictMode, MaxAge: int(cookieMaxAge.Seconds())})
}

// ClearCookie tells the browser to drop the session cookie.
func (a *Auth) ClearCookie(w http.ResponseWriter, secure bool) {
	http.SetCookie(w, &http.Cookie{Name: a.cookie, Value: "", Path: "/", HttpOnly: true, Secure: secure,
		SameSite: http.SameSiteStrictMode, MaxAge: -1})
}

// Check returns the session of the request's cookie, and counts the request as a use of it. A
// session idle for longer than the timeout is deleted and refused with ErrExpired.
func (a *Auth) Check(r *http.Request) (store.Session, error) {
	c, err := r.Cookie(a.cookie)
	if err != nil || c.Value == "" {
		return store.Session{}, ErrNoSession
	}
	if len(c.Value) > 100 {
		return store.Session{}, ErrBadSession
	}
	h := hash(c.Value)
	a.mu.Lock()
	defer a.mu.Unlock()
	se, err := a.st.Session(h)
	if errors.Is(err, store.ErrNotFound) {
		return store.Session{}, ErrBadSession
	}
	if err != nil {
		return store.Session{}, fmt.Errorf("auth: session: %w", err)
	}
	if subtle.ConstantTimeCompare(se.Hash[:], h[:]) != 1 {
		return store.Session{}, ErrBadSession
	}
	now := a.now()
	if a.expired(se, now) {
		if err := a.deleteLocked(se.ID); err != nil {
			return store.Session{}, err
		}
		return store.Session{}, ErrExpired
	}
	a.lastSeen[se.ID] = now
	stored := se.LastSeen
	se.LastSeen = now
	if now.Sub(stored) >= persistEvery {
		// The last use survives a restart, to within persistEvery, so the idle timeout does too.
		if err := a.st.PutSession(se); err != nil {
			return store.Session{}, fmt.Errorf("auth: record session use: %w", err)
		}
	}
	return se, nil
}

// lastUse is when se was last used: in memory since the daemon started, else as stored.
// a.mu must be held.
func (a *Auth) lastUse(se store.Session) time.Time {
	if t, ok := a.lastSeen[se.ID]; ok && t.After(se.LastSeen) {
		return t
	}
	return se.LastSeen
}

// expired reports whether se has been idle for longer than the timeout at now. a.mu must be held.
func (a *Auth) expired(se store.Session, now time.Time) bool {
	return now.Sub(a.lastUse(se)) > a.idle
}

// deleteLocked removes a session from the store and from memory. a.mu must be held.
func (a *Auth) deleteLocked(id string) error {
	delete(a.lastSeen, id)
	return a.st.DeleteSession(id)
}

// Sessions lists the owner's live sessions, with when each was last used; it deletes those idle for
// longer than the timeout.
func (a *Auth) Sessions() ([]store.Session, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	all, err := a.st.Sessions()
	if err != nil {
		return nil, fmt.Errorf("auth: sessions: %w", err)
	}
	now := a.now()
	live := all[:0]
	for _, se := range all {
		if a.expired(se, now) {
			if err := a.deleteLocked(se.ID); err != nil {
				return nil, fmt.Errorf("auth: expire session %s: %w", se.ID, err)
			}
			continue
		}
		se.LastSeen = a.lastUse(se)
		live = append(live, se)
	}
	return live, nil
}

// Revoke ends a session by its public id.
func (a *Auth) Revoke(id string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.deleteLocked(id)
}

// Valid reports whether a session still exists and has not expired.
func (a *Auth) Valid(se store.Session) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	got, err := a.st.Session(se.Hash)
	return err == nil && got.ID == se.ID && !a.expired(got, a.now())
}
