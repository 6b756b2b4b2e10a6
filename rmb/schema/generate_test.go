package schema

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestGeneratedCodeIsFresh regenerates the schemas into a temporary directory and fails when the
// committed Go code differs, so a schema edit without `make generate` cannot slip through.
func TestGeneratedCodeIsFresh(t *testing.T) {
	if _, err := exec.LookPath("capnp"); err != nil {
		t.Skip("capnp compiler not installed (apt-get install capnproto, or run `make test`); cannot check generated code")
	}
	out := t.TempDir()
	cmd := exec.Command("./gen.sh", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("gen.sh: %v\n%s", err, b)
	}
	for _, name := range []string{"envelope.capnp.go", "socket.capnp.go", "ping.capnp.go"} {
		want, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatalf("read regenerated %s: %v", name, err)
		}
		have, err := os.ReadFile(name)
		if err != nil {
			t.Fatalf("read committed %s: %v", name, err)
		}
		if !bytes.Equal(want, have) {
			t.Errorf("%s is stale: run `make generate` and commit the result", name)
		}
	}
}
