package directory

import (
	"context"
	"crypto/ed25519"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/freeflowuniverse/planetary/chain/chaintest"
	chainclient "github.com/freeflowuniverse/planetary/chain/client"
	"github.com/freeflowuniverse/planetary/rmb/seal"
)

// TestChainDirectory: on a real dev chain a twin registers itself (its signing key is its account)
// and gets id 1, is found with its keys and location, moves to another PNIC, and reports to its
// audit log; an unknown twin is ErrNotFound.
func TestChainDirectory(t *testing.T) {
	chn := chaintest.StartDev(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	c, err := chainclient.Dial(ctx, chn.RPC, chainclient.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	k, _ := seal.GenerateTwinKeys(0)
	pnicA, _, _ := ed25519.GenerateKey(nil)
	pnicB, _, _ := ed25519.GenerateKey(nil)
	d := NewChain(c, k.Signing, NewFile(filepath.Join(t.TempDir(), "circles.json")))
	id, err := d.RegisterNew(ctx, Record{SigningKey: k.SigningPublic(), EncryptionKey: k.EncryptionPublic(), PNIC: pnicA, Location: "Ghent, BE"})
	if err != nil || id != 1 {
		t.Fatalf("register: id %d, %v", id, err)
	}
	r, err := d.FindTwin(ctx, 1)
	if err != nil || !r.SigningKey.Equal(k.SigningPublic()) || r.EncryptionKey != k.EncryptionPublic() || !r.PNIC.Equal(pnicA) || r.Location != "Ghent, BE" {
		t.Fatalf("find: %+v %v", r, err)
	}
	if _, err := d.FindTwin(ctx, 2); !errors.Is(err, ErrNotFound) {
		t.Fatalf("twin 2: %v, want ErrNotFound", err)
	}
	r.PNIC = pnicB
	if err := d.Update(ctx, r); err != nil {
		t.Fatal(err)
	}
	for {
		got, err := d.FindTwin(ctx, 1)
		if err == nil && got.PNIC.Equal(pnicB) {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("relocation not seen: %+v %v", got, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
	if err := d.AppendAudit(ctx, AuditEvent{Twin: 1, Action: "permission_denied", Detail: "twin 9 asked for a file"}); err != nil {
		t.Fatal(err)
	}
	log, err := c.AuditLog(ctx, 1, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range log {
		found = found || e.Kind == "permission_denied"
	}
	if !found {
		t.Fatalf("audit log %+v lacks the report", log)
	}
	if err := d.SetCircle(ctx, 1, "friends", []uint64{2, 3}); err != nil {
		t.Fatal(err)
	}
	if m, err := d.Circle(ctx, 1, "friends"); err != nil || len(m) != 2 {
		t.Fatalf("circle: %v %v", m, err)
	}
}
