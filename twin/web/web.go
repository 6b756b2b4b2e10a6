// Package web serves the owner's browser: the embedded UI (built from the TypeScript in src/ by
// `make web` and committed in dist/), the login link, and the websocket.
package web

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"

	"github.com/freeflowuniverse/planetary/twin/auth"
	"github.com/freeflowuniverse/planetary/twin/wsapi"
)

//go:embed dist
var dist embed.FS

// Assets returns the built UI.
func Assets() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // the directory is embedded at build time
	}
	return sub
}

// Config describes the handler.
type Config struct {
	Auth *auth.Auth
	WS   http.Handler
	// Upload serves POST /files and Download GET /files/{sha}; nil leaves them out.
	Upload, Download http.Handler
	// LoginCommand is the command the owner runs for a fresh login link, shown on the login card
	// and on a spent link's page (default DefaultLoginCommand).
	LoginCommand string
	// CloseSession, when set, closes the websockets of a session that logged out.
	CloseSession func(id string)
	Logger       *slog.Logger
}

// DefaultLoginCommand makes a fresh login link for a twind started by hand.
const DefaultLoginCommand = "twind login-link"

// loginCommandTag is the element of index.html that shows the login command; the handler fills
// in Config.LoginCommand.
const loginCommandTag = `<pre id="login-command">`

// indexPage is the built index.html with its login card naming command.
func indexPage(command string) ([]byte, error) {
	b, err := fs.ReadFile(Assets(), "index.html")
	if err != nil {
		return nil, fmt.Errorf("index page: %w", err)
	}
	start := bytes.Index(b, []byte(loginCommandTag))
	if start < 0 {
		return nil, fmt.Errorf("index page: no %s to show the login command in", loginCommandTag)
	}
	start += len(loginCommandTag)
	end := bytes.Index(b[start:], []byte("</pre>"))
	if end < 0 {
		return nil, errors.New("index page: the login command's <pre> is not closed")
	}
	out := append([]byte{}, b[:start]...)
	out = append(out, html.EscapeString(command)...)
	return append(out, b[start+end:]...), nil
}

// Handler returns the twin's HTTP handler.
func Handler(cfg Config) http.Handler {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	command := cfg.LoginCommand
	if strings.TrimSpace(command) == "" {
		command = DefaultLoginCommand
	}
	index, err := indexPage(command)
	if err != nil {
		panic(err) // the page is embedded at build time; TestIndexPage checks it has the card
	}
	files := http.FileServerFS(Assets())
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(index)
	})
	mux.Handle("GET /ws", cfg.WS)
	if cfg.Upload != nil {
		mux.Handle("POST /files", cfg.Upload)
	}
	if cfg.Download != nil {
		mux.Handle("GET /files/{sha}", cfg.Download)
	}
	mux.HandleFunc("GET /login", func(w http.ResponseWriter, r *http.Request) {
		cookie, se, err := cfg.Auth.Login(r.URL.Query().Get("s"), r.UserAgent())
		if errors.Is(err, auth.ErrBadSecret) {
			page(w, http.StatusForbidden, "This login link is unknown, expired or already used. Run <code>"+html.EscapeString(command)+"</code> for a fresh one.")
			return
		}
		if err != nil {
			log.Error("login failed", "err", err)
			page(w, http.StatusInternalServerError, html.EscapeString(err.Error()))
			return
		}
		log.Info("owner logged in", "session", se.ID, "agent", se.UserAgent)
		cfg.Auth.SetCookie(w, cookie, r.TLS != nil)
		// A same-origin navigation from this page, so the Strict cookie goes with it.
		w.Header().Set("Refresh", "0; url=/")
		page(w, http.StatusOK, `Logged in. <a href="/">Open your twin</a>.`)
	})
	mux.HandleFunc("GET /session", func(w http.ResponseWriter, r *http.Request) {
		if _, err := cfg.Auth.Check(r); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	// Logout ends the request's session: tools that log in with a link call it when they are done,
	// so their sessions do not pile up.
	mux.HandleFunc("POST /logout", func(w http.ResponseWriter, r *http.Request) {
		se, err := cfg.Auth.Check(r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		if err := cfg.Auth.Revoke(se.ID); err != nil {
			log.Error("logout failed", "session", se.ID, "err", err)
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		if cfg.CloseSession != nil {
			cfg.CloseSession(se.ID)
		}
		cfg.Auth.ClearCookie(w, r.TLS != nil)
		log.Info("owner logged out", "session", se.ID, "agent", se.UserAgent)
		w.WriteHeader(http.StatusNoContent)
	})
	mux.Handle("GET /", files)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !wsapi.LocalHost(r.Host) {
			http.Error(w, "this twin answers only on its loopback address", http.StatusForbidden)
			return
		}
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-store")
		mux.ServeHTTP(w, r)
	})
}

func page(w http.ResponseWriter, code int, body string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	fmt.Fprintf(w, `<!doctype html><meta charset="utf-8"><title>Twin</title><link rel="stylesheet" href="/style.css"><link rel="icon" href="data:,"><body class="page">%s</body>`, body)
}
