package progress

import (
	"bytes"
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestPlainLines: off a terminal a long operation prints a line at every tenth of the way and one
// at the end; a short one only the last.
func TestPlainLines(t *testing.T) {
	var out bytes.Buffer
	b := New(&out, false, "starting twinds", 1000)
	for i := 0; i < 1000; i++ {
		b.Add(1)
	}
	b.Done()
	b.Add(1) // after Done: nothing more
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 10 || strings.Contains(out.String(), "\r") {
		t.Fatalf("1000 steps: %d lines, want 10 without carriage returns:\n%s", len(lines), out.String())
	}
	if lines[0] != "starting twinds: 100/1000" || lines[8] != "starting twinds: 900/1000" {
		t.Errorf("tenths: %q ... %q", lines[0], lines[8])
	}
	if !regexp.MustCompile(`^starting twinds: 1000/1000 in [0-9.]+(ms|s|µs)$`).MatchString(lines[9]) {
		t.Errorf("last line %q: want the count and the time it took", lines[9])
	}

	out.Reset()
	b = New(&out, false, "pnicd ready", 3)
	b.Add(1)
	b.Printf("a note %d", 7)
	b.Add(2)
	b.Done()
	lines = strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 2 || lines[0] != "a note 7" || !strings.HasPrefix(lines[1], "pnicd ready: 3/3 in ") {
		t.Fatalf("3 steps with a note:\n%s", out.String())
	}
}

// TestTerminalLine: on a terminal the bar is one line redrawn with carriage returns; a note goes
// on a line of its own above it, and Done leaves the final count on the last line.
func TestTerminalLine(t *testing.T) {
	var out bytes.Buffer
	b := New(&out, true, "starting twinds", 1000)
	for i := 0; i < 500; i++ {
		b.Add(1)
	}
	if strings.Contains(out.String(), "\n") || !strings.Contains(out.String(), "\r\033[Kstarting twinds [") {
		t.Fatalf("half way: %q, want one redrawn line", out.String())
	}
	b.Printf("twind of t7 is slow")
	for i := 0; i < 500; i++ {
		b.Add(1)
	}
	b.Done()
	s := out.String()
	if strings.Count(s, "\n") != 2 || !strings.Contains(s, "\r\033[Ktwind of t7 is slow\n") {
		t.Fatalf("with a note: %q, want the note and the final line", s)
	}
	last := s[strings.LastIndex(s[:len(s)-1], "\r\033[K")+len("\r\033[K"):]
	if !strings.HasPrefix(last, "starting twinds: 1000/1000 in ") || !strings.HasSuffix(last, "\n") {
		t.Fatalf("final line %q", last)
	}
	// The full bar was drawn at the last step, however soon after the previous redraw.
	if !strings.Contains(s, "["+strings.Repeat("=", width)+"] 1000/1000") {
		t.Errorf("no full bar drawn: %q", s)
	}
}

func TestIsTerminal(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if IsTerminal(w) || IsTerminal(&bytes.Buffer{}) {
		t.Error("a pipe or a buffer taken for a terminal")
	}
	pty, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal to check the positive case: %v", err)
	}
	defer pty.Close()
	if !IsTerminal(pty) {
		t.Error("a pseudo-terminal not taken for a terminal")
	}
}
