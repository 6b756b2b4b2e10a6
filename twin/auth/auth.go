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
	"sync"
	"time"

	"github.com/freeflowuniverse/planetary/twin/store"
)

// CookieName is the session cookie.
const CookieName = "twin_session"

// LinkTTL is how long a login secret stays valid.
const LinkTTL = 24 * time.Hour

// Errors of Login and Check.
var (
	ErrBadSecret  = errors.New("auth: unknown, used or expired login secret")
	ErrNoSession  = errors.New("auth: not logged in")
	ErrBadSession = errors.New("auth: unknown or revoked session")
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

// Auth checks login secrets and sessions.
type Auth struct {
	dir string
	st  *store.Store

	mu       sync.Mutex
	lastSeen map[string]time.Time // session id → last time written to the store
}

// New returns an Auth reading login secrets from dir and sessions from st.
func New(dir string, st *store.Store) *Auth {
	return &Auth{dir: dir, st: st, lastSeen: make(map[string]time.Time)}
}

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
	if time.Since(st.ModTime()) > LinkTTL {
		return "", store.Session{}, ErrBadSecret
	}
	cookie := randomToken()
	ch := hash(cookie)
	if len(userAgent) > 200 {
		userAgent = userAgent[:200]
	}
	now := time.Now()
	se := store.Session{ID: hex.EncodeToString(ch[:6]), Hash: ch, Created: now, LastSeen: now, UserAgent: userAgent}
	if err := a.st.PutSession(se); err != nil {
		return "", store.Session{}, err
	}
	return cookie, se, nil
}

// SetCookie sets the session cookie on a response: HttpOnly, SameSite=Strict, for the whole site,
// and Secure when the twin serves HTTPS, so the browser never sends it over plain HTTP.
func SetCookie(w http.ResponseWriter, cookie string, secure bool) {
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: cookie, Path: "/", HttpOnly: true, Secure: secure,
		SameSite: http.SameSiteStrictMode, MaxAge: int((365 * 24 * time.Hour).Seconds())})
}

// Check returns the session of the request's cookie.
func (a *Auth) Check(r *http.Request) (store.Session, error) {
	c, err := r.Cookie(CookieName)
	if err != nil || c.Value == "" {
		return store.Session{}, ErrNoSession
	}
	if len(c.Value) > 100 {
		return store.Session{}, ErrBadSession
	}
	h := hash(c.Value)
	se, err := a.st.Session(h)
	if errors.Is(err, store.ErrNotFound) {
		return store.Session{}, ErrBadSession
	}
	if err != nil {
		return store.Session{}, err
	}
	if subtle.ConstantTimeCompare(se.Hash[:], h[:]) != 1 {
		return store.Session{}, ErrBadSession
	}
	a.touch(se)
	return se, nil
}

// touch records the session's use in memory; the store keeps only its creation, so a revoked
// session is never written back.
func (a *Auth) touch(se store.Session) {
	a.mu.Lock()
	a.lastSeen[se.ID] = time.Now()
	a.mu.Unlock()
}

// Sessions lists the owner's sessions, with when each was last used since the daemon started.
func (a *Auth) Sessions() ([]store.Session, error) {
	all, err := a.st.Sessions()
	a.mu.Lock()
	for i, se := range all {
		if t, ok := a.lastSeen[se.ID]; ok {
			all[i].LastSeen = t
		}
	}
	a.mu.Unlock()
	return all, err
}

// Revoke ends a session by its public id.
func (a *Auth) Revoke(id string) error { return a.st.DeleteSession(id) }

// Valid reports whether a session still exists.
func (a *Auth) Valid(se store.Session) bool {
	got, err := a.st.Session(se.Hash)
	return err == nil && got.ID == se.ID
}
