// Package kubotest gives tests a real Kubo binary (built once per machine by scripts/kubo.sh) and
// throwaway Kubo repositories on loopback.
package kubotest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Version is the Kubo release the tests use.
const Version = "v0.43.1"

func repoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for range 10 {
		if _, err := os.Stat(filepath.Join(dir, "scripts", "kubo.sh")); err == nil {
			return dir
		}
		dir = filepath.Dir(dir)
	}
	t.Fatal("kubotest: scripts/kubo.sh not found above the test's directory")
	return ""
}

// Binary returns the path of the Kubo binary, building it on first use; it skips the test, saying
// why, when the build cannot run (no network to the module proxy, no Go toolchain).
func Binary(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("kubotest: -short: not building Kubo")
	}
	root := repoRoot(t)
	cmd := exec.Command("bash", filepath.Join(root, "scripts", "kubo.sh"))
	cmd.Env = append(os.Environ(), "KUBO_VERSION="+Version)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	out, err := cmd.Output()
	if err != nil {
		tail := stderr.String()
		if len(tail) > 2000 {
			tail = tail[len(tail)-2000:]
		}
		t.Skipf("kubotest: cannot build Kubo %s with scripts/kubo.sh (%v); skipping the tests that need a real Kubo:\n%s", Version, err, tail)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Logf("kubotest: built Kubo %s in %s", Version, d.Round(time.Second))
	}
	return strings.TrimSpace(string(out))
}

// Repo is a Kubo repository made with `ipfs init --profile=test` (API, gateway and swarm on
// 127.0.0.1, random ports, no bootstrap peers).
type Repo struct {
	Bin  string
	Path string
}

// NewRepo initialises a fresh repository in a temporary directory.
func NewRepo(t testing.TB, bin string) *Repo {
	t.Helper()
	r := &Repo{Bin: bin, Path: t.TempDir()}
	r.Run(t, "init", "--profile=test", "-e")
	return r
}

// Cmd returns an `ipfs` command on this repository.
func (r *Repo) Cmd(args ...string) *exec.Cmd {
	cmd := exec.Command(r.Bin, args...)
	cmd.Env = append(os.Environ(), "IPFS_PATH="+r.Path)
	return cmd
}

// Run runs `ipfs args...` and returns its trimmed standard output, failing the test on error.
func (r *Repo) Run(t testing.TB, args ...string) string {
	t.Helper()
	out, err := r.Try(args...)
	if err != nil {
		t.Fatalf("ipfs %s: %v", strings.Join(args, " "), err)
	}
	return out
}

// Try runs `ipfs args...` and returns its trimmed standard output, or an error with its stderr.
func (r *Repo) Try(args ...string) (string, error) {
	cmd := r.Cmd(args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", &CmdError{Err: err, Stderr: strings.TrimSpace(stderr.String())}
	}
	return strings.TrimSpace(string(out)), nil
}

// CmdError is a failed ipfs command with what it printed on stderr.
type CmdError struct {
	Err    error
	Stderr string
}

func (e *CmdError) Error() string { return e.Err.Error() + ": " + e.Stderr }
