package chainresolve

import (
	"context"
	"crypto/ed25519"
	"errors"
	"testing"
	"time"

	"github.com/freeflowuniverse/planetary/chain"
	"github.com/freeflowuniverse/planetary/chain/chaintest"
	"github.com/freeflowuniverse/planetary/chain/client"
	"github.com/freeflowuniverse/planetary/rmb/resolve"
	"github.com/freeflowuniverse/planetary/rmb/seal"
)

// TestRelocation: on a real single-validator dev chain, a registered twin resolves to its PNIC
// with its keys; after the twin moves to another PNIC, the resolver's answer follows without any
// explicit invalidation; an unregistered twin is unknown.
func TestRelocation(t *testing.T) {
	chn := chaintest.StartDev(t)
	devKey := chn.DevKey
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, chn.RPC, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	dev := client.NewSigner(devKey)

	twin, _ := seal.GenerateTwinKeys(0)
	pnicA, _, _ := ed25519.GenerateKey(nil)
	pnicB, _, _ := ed25519.GenerateKey(nil)
	reg := &chain.RegisterTwin{X25519: twin.EncryptionPublic()}
	copy(reg.Key[:], twin.SigningPublic())
	copy(reg.PNIC[:], pnicA)
	if _, err := c.Submit(ctx, dev, reg); err != nil {
		t.Fatal(err)
	}
	r := New(c)
	info, err := r.Resolve(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if info.ID != 1 || !info.PNIC.Equal(pnicA) || !info.SigningKey.Equal(twin.SigningPublic()) || info.EncryptionKey != twin.EncryptionPublic() {
		t.Fatalf("twin 1 = %+v", info)
	}
	if _, err := r.Resolve(ctx, 2); !errors.Is(err, resolve.ErrUnknownTwin) {
		t.Fatalf("twin 2: %v, want unknown", err)
	}

	up := &chain.UpdateTwin{ID: 1, Loc: reg.Loc}
	copy(up.PNIC[:], pnicB)
	if _, err := c.Submit(ctx, dev, up); err != nil {
		t.Fatal(err)
	}
	for {
		info, err = r.Resolve(ctx, 1)
		if err == nil && info.PNIC.Equal(pnicB) {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("after relocation the resolver still answers %x (%v)", info.PNIC[:4], err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}
