package web

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// sourcesHash is build.mjs's hash of the UI's inputs: sha256 over "path\0content\0", sorted by path.
func sourcesHash(t *testing.T) string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir("src", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files[filepath.ToSlash(p)] = p
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"build.mjs", "package.json", "package-lock.json", "tsconfig.json"} {
		files[f] = f
	}
	files["schema/twin.capnp"] = filepath.Join("..", "..", "rmb", "schema", "twin.capnp")
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		b, err := os.ReadFile(files[n])
		if err != nil {
			t.Fatal(err)
		}
		h.Write([]byte(n + "\x00"))
		h.Write(b)
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// TestBundleIsFresh fails when the committed dist/ was built from other sources than those in src/
// (or another schema): run `make web` and commit dist/.
func TestBundleIsFresh(t *testing.T) {
	want, err := fs.ReadFile(Assets(), "SOURCES")
	if err != nil {
		t.Fatalf("dist/SOURCES missing: run `make web`: %v", err)
	}
	if got := sourcesHash(t); got != strings.TrimSpace(string(want)) {
		t.Fatalf("dist/ is stale (sources hash %s, bundle built from %s): run `make web` and commit dist/", got, strings.TrimSpace(string(want)))
	}
	for _, f := range []string{"index.html", "app.js", "style.css"} {
		if _, err := fs.Stat(Assets(), f); err != nil {
			t.Errorf("dist/%s missing: %v", f, err)
		}
	}
}

// TestIndexPage: the login card names the command for a fresh link: twind's own by default, the
// one the twind was given otherwise (gridctl's, for a twin it started), HTML-escaped.
func TestIndexPage(t *testing.T) {
	for _, c := range []struct{ command, want string }{
		{"", "<pre id=\"login-command\">twind login-link</pre>"},
		{"gridctl login alice", "<pre id=\"login-command\">gridctl login alice</pre>"},
		{"x <b>", "<pre id=\"login-command\">x &lt;b&gt;</pre>"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.Host = "127.0.0.1:9700"
		w := httptest.NewRecorder()
		Handler(Config{LoginCommand: c.command, WS: http.NotFoundHandler()}).ServeHTTP(w, r)
		if body := w.Body.String(); w.Code != 200 || !strings.Contains(body, c.want) || strings.Count(body, "login-command") != 1 {
			t.Errorf("login command %q: %d, want the card to show %q:\n%s", c.command, w.Code, c.want, body)
		}
	}
}
