package wsapi

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestTwinSchemaIsFresh regenerates rmb/schema and fails when the committed twin.capnp.go differs,
// like rmb/schema's own check for its other schemas.
func TestTwinSchemaIsFresh(t *testing.T) {
	if _, err := exec.LookPath("capnp"); err != nil {
		t.Skip("capnp compiler not installed (apt-get install capnproto); cannot check generated code")
	}
	dir := filepath.Join("..", "..", "rmb", "schema")
	out := t.TempDir()
	if b, err := exec.Command(filepath.Join(dir, "gen.sh"), out).CombinedOutput(); err != nil {
		t.Fatalf("gen.sh: %v\n%s", err, b)
	}
	want, err := os.ReadFile(filepath.Join(out, "twin.capnp.go"))
	if err != nil {
		t.Fatal(err)
	}
	have, err := os.ReadFile(filepath.Join(dir, "twin.capnp.go"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(want, have) {
		t.Error("rmb/schema/twin.capnp.go is stale: run `make generate` (then `make web`) and commit the result")
	}
}
