package directory

import (
	"context"
	"crypto/ed25519"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/freeflowuniverse/planetary/rmb/resolve"
	"github.com/freeflowuniverse/planetary/rmb/seal"
)

func TestFileDirectory(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "twins.json")
	d := NewFile(path)
	k, _ := seal.GenerateTwinKeys(7)
	pnicA, _, _ := ed25519.GenerateKey(nil)
	pnicB, _, _ := ed25519.GenerateKey(nil)
	r := Record{ID: 7, SigningKey: k.SigningPublic(), EncryptionKey: k.EncryptionPublic(), PNIC: pnicA, Location: "Ghent"}
	if err := d.Update(ctx, r); !errors.Is(err, ErrNotFound) {
		t.Fatalf("update before register: %v", err)
	}
	if err := d.Register(ctx, r); err != nil {
		t.Fatal(err)
	}
	other, _ := seal.GenerateTwinKeys(7)
	if err := d.Register(ctx, Record{ID: 7, SigningKey: other.SigningPublic(), PNIC: pnicA}); err == nil {
		t.Fatal("registered twin 7 again with other keys")
	}
	r.PNIC, r.Location = pnicB, "Cairo"
	if err := d.Update(ctx, r); err != nil {
		t.Fatal(err)
	}
	got, err := d.FindTwin(ctx, 7)
	if err != nil || got.Location != "Cairo" || !got.PNIC.Equal(pnicB) || got.EncryptionKey != r.EncryptionKey {
		t.Fatalf("FindTwin = %+v, %v", got, err)
	}
	if _, err := d.FindTwin(ctx, 8); !errors.Is(err, ErrNotFound) {
		t.Fatalf("FindTwin(8) = %v", err)
	}
	// The PNIC's resolver reads the same file.
	res, err := resolve.NewFile(path)
	if err != nil {
		t.Fatal(err)
	}
	info, err := res.Resolve(ctx, 7)
	if err != nil || !info.PNIC.Equal(pnicB) {
		t.Fatalf("resolver: %+v, %v", info, err)
	}
	if err := d.SetCircle(ctx, 7, "family", []uint64{2, 3}); err != nil {
		t.Fatal(err)
	}
	if m, err := d.Circle(ctx, 7, "family"); err != nil || !slices.Equal(m, []uint64{2, 3}) {
		t.Fatalf("circle = %v, %v", m, err)
	}
	if err := d.AppendAudit(ctx, AuditEvent{Twin: 7, Action: "moved"}); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path + ".audit"); !strings.Contains(string(b), `"moved"`) {
		t.Fatalf("audit log: %q", b)
	}
}
