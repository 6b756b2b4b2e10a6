package directory

import (
	"context"
	"crypto/ed25519"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/freeflowuniverse/planetary/chain"
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
	d := NewChain(c, k.Signing, filepath.Join(t.TempDir(), "chain-circles.json"))
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

	// Circles on the chain: twins 2 and 3 register with their own accounts; twin 1's circles hold them.
	for want := uint64(2); want <= 3; want++ {
		o, _ := seal.GenerateTwinKeys(0)
		od := NewChain(c, o.Signing, filepath.Join(t.TempDir(), "chain-circles.json"))
		if id, err := od.RegisterNew(ctx, Record{SigningKey: o.SigningPublic(), EncryptionKey: o.EncryptionPublic(), PNIC: pnicA}); err != nil || id != want {
			t.Fatalf("register twin %d: %d %v", want, id, err)
		}
	}
	checkCircles(t, ctx, d, 1, 2, 3)
	all, err := d.Circles(ctx, 1)
	if err != nil || len(all) != 1 || all[0].ChainID == 0 {
		t.Fatalf("circles: %+v %v", all, err)
	}
	// The chain holds them: its members, proven, and the circle's name and owner.
	members, err := c.CircleMembers(ctx, all[0].ChainID)
	if err != nil || len(members) != 2 {
		t.Fatalf("chain members of circle %d: %+v %v", all[0].ChainID, members, err)
	}
	if ci, err := c.Circle(ctx, all[0].ChainID); err != nil || ci.Name != "friends" || ci.Owner != 1 {
		t.Fatalf("chain circle: %+v %v", ci, err)
	}
	if err := d.AddMember(ctx, 1, "friends", 99); err == nil {
		t.Fatal("the chain took an unregistered twin into a circle")
	}
	// A sequence number used without a tx reaching the chain (a broadcast that failed while the
	// node was down) costs the next write nothing: it is signed again with the chain's count.
	if _, err := c.Sign(ctx, d.owner, &chain.ReportAudit{Twin: 1, Event: "lost", Detail: "never broadcast"}); err != nil {
		t.Fatal(err)
	}
	if err := d.AppendAudit(ctx, AuditEvent{Twin: 1, Action: "after_a_lost_sequence"}); err != nil {
		t.Fatalf("write after a sequence number was lost: %v", err)
	}
	// Another start of the twin finds its circles through the index.
	again := NewChain(c, k.Signing, d.index)
	if m, err := again.Circle(ctx, 1, "friends"); err != nil || len(m) != 1 || m[0] != 2 {
		t.Fatalf("circle after a restart: %v %v", m, err)
	}
	// A start that lost the index finds the twin's circles on the chain, makes none twice, and
	// writes the index again; a name the chain does not back is dropped.
	lost := filepath.Join(t.TempDir(), "chain-circles.json")
	if err := writeJSON(lost, map[string]uint64{"1/ghost": 1 << 40, "2/theirs": 7}); err != nil {
		t.Fatal(err)
	}
	fresh := NewChain(c, k.Signing, lost)
	if m, err := fresh.Circle(ctx, 1, "friends"); err != nil || len(m) != 1 || m[0] != 2 {
		t.Fatalf("circle with the index lost: %v %v", m, err)
	}
	if _, err := fresh.CreateCircle(ctx, 1, "friends", nil); !errors.Is(err, ErrCircleExists) {
		t.Fatalf("creating the lost circle again: %v, want ErrCircleExists", err)
	}
	got, err := fresh.Circles(ctx, 1)
	if err != nil || len(got) != 1 || got[0].Name != "friends" || got[0].ChainID != all[0].ChainID {
		t.Fatalf("circles with the index lost: %+v %v", got, err)
	}
	idx, err := fresh.loadIndex()
	if err != nil || len(idx) != 2 || idx["1/friends"] != all[0].ChainID || idx["2/theirs"] != 7 {
		t.Fatalf("rebuilt index %v %v", idx, err)
	}
}
