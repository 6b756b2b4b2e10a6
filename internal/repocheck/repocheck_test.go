package repocheck

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// maxSize is the largest file that may be committed without an entry in allowed.
const maxSize = 1 << 20

// allowed lists the tracked files that may be binary or over maxSize, each with why it must be
// committed rather than built or fetched. Keep it short: a program binary never belongs here.
var allowed = map[string]string{
	// "path/in/repo": "why it is committed",
}

// magics are the first bytes of executable formats: ELF, Mach-O (both byte orders, 32 and 64
// bit, and universal) and PE (the DOS stub).
var magics = []struct {
	prefix, format string
}{
	{"\x7fELF", "an ELF executable or object"},
	{"\xfe\xed\xfa\xce", "a Mach-O binary"},
	{"\xfe\xed\xfa\xcf", "a Mach-O binary"},
	{"\xce\xfa\xed\xfe", "a Mach-O binary"},
	{"\xcf\xfa\xed\xfe", "a Mach-O binary"},
	{"\xca\xfe\xba\xbe", "a universal Mach-O binary (or Java class)"},
	{"MZ", "a PE (Windows) executable"},
}

// problem says why a file of this size, starting with head (its whole content when it is at most
// maxSize), must not be committed, or "" when it may.
func problem(size int64, head []byte) string {
	for _, m := range magics {
		if bytes.HasPrefix(head, []byte(m.prefix)) && (m.prefix != "MZ" || bytes.IndexByte(head, 0) >= 0) {
			return m.format + ": build it, do not commit it"
		}
	}
	if size > maxSize {
		return fmt.Sprintf("%d bytes, over the %d-byte limit", size, maxSize)
	}
	if i := bytes.IndexByte(head, 0); i >= 0 {
		return fmt.Sprintf("binary (a NUL byte at offset %d)", i)
	}
	return ""
}

// trackedFiles lists the files git tracks in the checkout holding this package, with the
// checkout's top directory, or skips the test when there is no git or no checkout.
func trackedFiles(t *testing.T) (string, []string) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed: cannot list the tracked files")
	}
	top, err := exec.Command("git", "rev-parse", "--show-toplevel").Output()
	if err != nil {
		t.Skipf("not in a git checkout (git rev-parse: %v): nothing tracked to check", err)
	}
	root := strings.TrimSpace(string(top))
	cmd := exec.Command("git", "ls-files", "-z")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("git ls-files in %s: %v", root, err)
	}
	var files []string
	for _, f := range strings.Split(string(out), "\x00") {
		if f != "" {
			files = append(files, f)
		}
	}
	return root, files
}

// TestTrackedFiles fails for every tracked file that is a program binary, holds NUL bytes or is
// over 1 MiB, unless allowed explains it.
func TestTrackedFiles(t *testing.T) {
	root, files := trackedFiles(t)
	if len(files) == 0 {
		t.Skip("git ls-files lists no files")
	}
	seen := make(map[string]bool, len(files))
	for _, f := range files {
		seen[f] = true
		if _, ok := allowed[f]; ok {
			continue
		}
		p := filepath.Join(root, filepath.FromSlash(f))
		fi, err := os.Lstat(p)
		if errors.Is(err, os.ErrNotExist) {
			continue // deleted in the work tree, not yet in the index
		}
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if !fi.Mode().IsRegular() {
			continue // a symlink or submodule: git stores no content of ours
		}
		head, err := readHead(p, maxSize)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if why := problem(fi.Size(), head); why != "" {
			t.Errorf("%s is tracked but is %s; remove it (git rm --cached) or, if it must be committed, explain it in allowed in %s",
				f, why, "internal/repocheck/repocheck_test.go")
		}
	}
	for f := range allowed {
		if !seen[f] {
			t.Errorf("allowed lists %s, which git does not track: drop the entry", f)
		}
	}
}

// readHead reads up to n bytes from the start of a file.
func readHead(path string, n int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, n))
	if err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	return b, nil
}

// TestProblem: what the check refuses and what it lets through.
func TestProblem(t *testing.T) {
	cases := []struct {
		name string
		size int64
		head string
		want string // a part of the reason, "" for none
	}{
		{"Go source", 120, "package main\n", ""},
		{"ELF", 9 << 20, "\x7fELF\x02\x01\x01\x00", "ELF"},
		{"small ELF", 64, "\x7fELF\x02\x01\x01\x00", "ELF"},
		{"Mach-O 64", 4096, "\xcf\xfa\xed\xfe\x07\x00\x00\x01", "Mach-O"},
		{"PE", 4096, "MZ\x90\x00\x03\x00", "PE"},
		{"text starting MZ", 10, "MZ is fine", ""},
		{"NUL", 10, "abc\x00def", "NUL byte at offset 3"},
		{"large text", maxSize + 1, "hello", "over the"},
		{"exactly 1 MiB", maxSize, "hello", ""},
	}
	for _, c := range cases {
		got := problem(c.size, []byte(c.head))
		if (c.want == "") != (got == "") || !strings.Contains(got, c.want) {
			t.Errorf("%s: problem = %q, want one with %q", c.name, got, c.want)
		}
	}
}
