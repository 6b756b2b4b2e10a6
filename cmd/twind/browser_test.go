package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// webDir is the UI's folder, relative to this package.
var webDir = filepath.Join("..", "..", "twin", "web")

// requireBrowser finds chromium and node with the UI's npm packages, installing them with
// scripts/deps.sh when root, and skips the test otherwise.
func requireBrowser(t *testing.T) string {
	t.Helper()
	ready := func() bool {
		_, err1 := exec.LookPath("chromium")
		_, err2 := exec.LookPath("node")
		_, err3 := os.Stat(filepath.Join(webDir, "node_modules", "playwright-core"))
		return err1 == nil && err2 == nil && err3 == nil
	}
	if !ready() {
		if os.Geteuid() != 0 {
			t.Skip("needs Debian chromium, node and `npm ci` in twin/web (run scripts/deps.sh as root)")
		}
		out, err := exec.Command(filepath.Join("..", "..", "scripts", "deps.sh")).CombinedOutput()
		if err != nil || !ready() {
			t.Fatalf("scripts/deps.sh could not install chromium, node or the UI's npm packages: %v\n%s", err, out)
		}
	}
	p, _ := exec.LookPath("chromium")
	return p
}

// TestBrowserTwoOwners runs twin/web/e2e/two-owners.mjs: two owners in two headless Chromium
// contexts log in to their twins (on two pnicd processes), become contacts and chat live, chat to a
// circle and change a shared file's access list.
// Screenshots are kept in twin/testdata/out.
func TestBrowserTwoOwners(t *testing.T) {
	if testing.Short() {
		t.Skip("runs pnicd, twind and Chromium")
	}
	chromium := requireBrowser(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	_, tw := startNetwork(t, ctx, 2, "")
	shots := filepath.Join("..", "..", "twin", "testdata", "out")
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(shots)
	cmd := exec.CommandContext(ctx, "node", filepath.Join("e2e", "two-owners.mjs"))
	cmd.Dir = webDir
	cmd.Env = append(os.Environ(), "CHROMIUM="+chromium, "LINK_A="+newLoginLink(t, tw[0]), "LINK_B="+newLoginLink(t, tw[1]),
		fmt.Sprintf("A_ID=%d", tw[0].id), fmt.Sprintf("B_ID=%d", tw[1].id), "OUT="+abs)
	start := time.Now()
	out, err := cmd.CombinedOutput()
	t.Logf("browser run (%.1f s):\n%s", time.Since(start).Seconds(), out)
	if err != nil {
		t.Fatalf("browser run failed: %v", err)
	}
	for _, f := range []string{"owner-a.png", "owner-b.png", "owner-a-circle.png"} {
		if st, err := os.Stat(filepath.Join(abs, f)); err != nil || st.Size() == 0 {
			t.Fatalf("screenshot %s: %v", f, err)
		}
	}
	t.Logf("screenshots in %s", abs)
}

// TestBrowserOneBrowserTwoTwins runs twin/web/e2e/one-browser.mjs: one headless Chromium context
// logs in to two twins on 127.0.0.1, whose cookies share a host to the browser, and both pages
// still show their twin after a reload.
func TestBrowserOneBrowserTwoTwins(t *testing.T) {
	if testing.Short() {
		t.Skip("runs pnicd, twind and Chromium")
	}
	chromium := requireBrowser(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	_, tw := startNetwork(t, ctx, 2, "")
	cmd := exec.CommandContext(ctx, "node", filepath.Join("e2e", "one-browser.mjs"))
	cmd.Dir = webDir
	cmd.Env = append(os.Environ(), "CHROMIUM="+chromium, "LINK_A="+newLoginLink(t, tw[0]), "LINK_B="+newLoginLink(t, tw[1]),
		fmt.Sprintf("A_ID=%d", tw[0].id), fmt.Sprintf("B_ID=%d", tw[1].id))
	start := time.Now()
	out, err := cmd.CombinedOutput()
	t.Logf("browser run (%.1f s):\n%s", time.Since(start).Seconds(), out)
	if err != nil {
		t.Fatalf("browser run failed: %v", err)
	}
}

// newLoginLink mints a login link for a running twin with `twind login-link`.
func newLoginLink(t *testing.T, tp *twinProc) string {
	t.Helper()
	var out bytes.Buffer
	if err := run([]string{"login-link", "--data", tp.data, "--http", tp.http}, &out, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(out.String())
}
