package files

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"os"
	"testing"
)

// TestPartialResumes: a partial download opens only at the offset it holds, grows by appends and
// streams alike, survives being closed and reopened, and completes only with the right SHA-256.
func TestPartialResumes(t *testing.T) {
	d, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	content := bytes.Repeat([]byte("planetary "), 1000)
	sum := sha256.Sum256(content)
	if err := d.Append(sum, 0, content[:100]); err != nil {
		t.Fatal(err)
	}
	if _, err := d.OpenPartial(sum, 50); err == nil {
		t.Fatal("opened a partial of 100 bytes at offset 50")
	}
	p, err := d.OpenPartial(sum, 100)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Write(content[100:4000]); err != nil {
		t.Fatal(err)
	}
	if p.Size() != 4000 {
		t.Fatalf("partial size %d, want 4000", p.Size())
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if got := d.Have(sum); got != 4000 || d.Complete(sum) {
		t.Fatalf("have %d (complete %v), want 4000 of a partial", got, d.Complete(sum))
	}
	p, err = d.OpenPartial(sum, d.Have(sum))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Write(content[4000:]); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := d.Finish(sum); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(d.Path(sum)); !bytes.Equal(got, content) || !d.Complete(sum) {
		t.Fatal("the completed file differs")
	}

	// A partial that does not hash to its name is dropped, so the next attempt starts over.
	wrong := sha256.Sum256([]byte("something else"))
	if err := d.Append(wrong, 0, content); err != nil {
		t.Fatal(err)
	}
	if err := d.Finish(wrong); !errors.Is(err, ErrMismatch) {
		t.Fatalf("finish of a wrong partial: %v", err)
	}
	if d.Have(wrong) != 0 {
		t.Fatalf("a mismatched partial of %d bytes was kept", d.Have(wrong))
	}
}
