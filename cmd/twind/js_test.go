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

// TestJSClient builds the TypeScript SDK in twin/js and runs its Node tests against two twind
// processes on two pnicd processes; one installs the SDK into a new project and runs the README's
// example there.
func TestJSClient(t *testing.T) {
	if testing.Short() {
		t.Skip("runs pnicd, twind and node")
	}
	if _, err := exec.LookPath("npm"); err != nil {
		if os.Geteuid() != 0 {
			t.Skip("needs node and npm (run scripts/deps.sh as root)")
		}
		requireBrowser(t) // installs node and npm through scripts/deps.sh
	}
	dir := filepath.Join("..", "..", "twin", "js")
	build := [][]string{{"npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"}, {"node", "build.mjs"}}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "ws")); err == nil {
		build = build[1:]
	}
	for _, args := range build {
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	_, tw := startNetwork(t, ctx, 2, "")
	link := func(tp *twinProc) string {
		var out bytes.Buffer
		if err := run([]string{"login-link", "--data", tp.data, "--http", tp.http}, &out, &bytes.Buffer{}); err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(out.String())
	}
	cmd := exec.CommandContext(ctx, "node", "--test", "test/")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "TWIN_A=http://"+tw[0].http, "TWIN_B=http://"+tw[1].http, "LINK_A="+link(tw[0]), "LINK_B="+link(tw[1]), "LINK_README="+link(tw[0]),
		fmt.Sprintf("A_ID=%d", tw[0].id), fmt.Sprintf("B_ID=%d", tw[1].id))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node --test: %v\n%s", err, out)
	}
	t.Logf("node --test:\n%s", out)
}
