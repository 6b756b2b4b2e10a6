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

// sourcesHash is the hash build.mjs (the UI's, with the SDK's sources under sdk/) or ../js/build.mjs
// (the SDK's) writes to dist/SOURCES: sha256 over "path\0content\0" of the inputs, sorted by path.
func sourcesHash(t *testing.T, sdk bool) string {
	t.Helper()
	files := map[string]string{}
	walk := func(dir, as string) {
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				rel, _ := filepath.Rel(dir, p)
				files[as+"/"+filepath.ToSlash(rel)] = p
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	base := "."
	if sdk {
		base = filepath.Join("..", "js")
	}
	walk(filepath.Join(base, "src"), "src")
	if !sdk {
		walk(filepath.Join("..", "js", "src"), "sdk/src")
		files["sdk/package.json"] = filepath.Join("..", "js", "package.json")
	}
	for _, f := range []string{"build.mjs", "package.json", "package-lock.json", "tsconfig.json"} {
		files[f] = filepath.Join(base, f)
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
	if got := sourcesHash(t, false); got != strings.TrimSpace(string(want)) {
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

// TestSDKIsFresh fails when the committed ../js/dist (the SDK as `npm install ./twin/js` gets it)
// was built from other sources or another schema: run `npm run build` in twin/js and commit dist/.
func TestSDKIsFresh(t *testing.T) {
	want, err := os.ReadFile(filepath.Join("..", "js", "dist", "SOURCES"))
	if err != nil {
		t.Fatalf("twin/js/dist/SOURCES missing: run `npm run build` in twin/js: %v", err)
	}
	if got := sourcesHash(t, true); got != strings.TrimSpace(string(want)) {
		t.Fatalf("twin/js/dist is stale (sources hash %s, built from %s): run `npm ci && npm run build` in twin/js and commit dist/", got, strings.TrimSpace(string(want)))
	}
	for _, f := range []string{"index.js", "browser.js", "index.d.ts"} {
		if _, err := os.Stat(filepath.Join("..", "js", "dist", f)); err != nil {
			t.Errorf("twin/js/dist/%s missing: %v", f, err)
		}
	}
}
