package batchwrite

import (
	"errors"
	"testing"
)

// chanWriter hands every Write call's bytes to a channel.
type chanWriter struct {
	writes chan string
	fail   error
}

func (w *chanWriter) Write(p []byte) (int, error) {
	if w.fail != nil {
		return 0, w.fail
	}
	w.writes <- string(p)
	return len(p), nil
}

// TestQueuedSlicesShareAWrite: slices already queued go out in one write, in order, and a slice
// queued later goes out in the next.
func TestQueuedSlicesShareAWrite(t *testing.T) {
	out := make(chan []byte, 10)
	for _, s := range []string{"a", "bb", "ccc"} {
		out <- []byte(s)
	}
	done := make(chan struct{})
	w := &chanWriter{writes: make(chan string, 10)}
	errc := make(chan error, 1)
	go func() { errc <- Pump(w, 1024, out, done) }()
	if got := <-w.writes; got != "abbccc" {
		t.Fatalf("first write %q, want the three queued slices together", got)
	}
	out <- []byte("dddd")
	if got := <-w.writes; got != "dddd" {
		t.Fatalf("second write %q", got)
	}
	close(done)
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}

// TestWriteErrorReturned: a failing writer ends the pump with its error.
func TestWriteErrorReturned(t *testing.T) {
	boom := errors.New("boom")
	out := make(chan []byte, 1)
	out <- []byte("x")
	if err := Pump(&chanWriter{fail: boom}, 16, out, make(chan struct{})); !errors.Is(err, boom) {
		t.Fatalf("Pump = %v, want %v", err, boom)
	}
}
