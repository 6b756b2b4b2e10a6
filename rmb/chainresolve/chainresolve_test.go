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
// with its keys and an unregistered twin is unknown. The twin's owner then moves it to another
// PNIC through a client of its own; as soon as a subscriber on the resolver's client sees the
// relocation event, the resolver's very next answer is the new PNIC.
func TestRelocation(t *testing.T) {
	chn := chaintest.StartDev(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	dial := func() *client.Client {
		c, err := client.Dial(ctx, chn.RPC, client.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	c, owner := dial(), dial()
	dev := client.NewSigner(chn.DevKey)

	twin, _ := seal.GenerateTwinKeys(0)
	pnicA, _, _ := ed25519.GenerateKey(nil)
	pnicB, _, _ := ed25519.GenerateKey(nil)
	reg := &chain.RegisterTwin{X25519: twin.EncryptionPublic()}
	copy(reg.Key[:], twin.SigningPublic())
	copy(reg.PNIC[:], pnicA)
	if _, err := owner.Submit(ctx, dev, reg); err != nil {
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
	if !c.Cached(1) {
		t.Fatal("the answer for twin 1 was not cached")
	}
	if _, err := r.Resolve(ctx, 2); !errors.Is(err, resolve.ErrUnknownTwin) {
		t.Fatalf("twin 2: %v, want unknown", err)
	}

	sctx, scancel := context.WithCancel(ctx)
	defer scancel()
	events := c.SubscribeTwins(sctx, 0)
	up := &chain.UpdateTwin{ID: 1, Loc: reg.Loc}
	copy(up.PNIC[:], pnicB)
	res, err := owner.Submit(ctx, dev, up)
	if err != nil {
		t.Fatal(err)
	}
	for ev := range events {
		if ev.ID == 1 && ev.Action == "relocate" {
			if ev.Height != res.Height {
				t.Fatalf("relocation event at height %d, committed at %d", ev.Height, res.Height)
			}
			break
		}
	}
	if info, err = r.Resolve(ctx, 1); err != nil || !info.PNIC.Equal(pnicB) {
		t.Fatalf("first answer after the relocation event: pnic %x, %v; want %x", info.PNIC[:4], err, pnicB[:4])
	}
}

// TestInvalidate: the bus's Invalidate, called after a PNIC answered that it does not host the
// twin, drops the chain client's cached answer.
func TestInvalidate(t *testing.T) {
	chn := chaintest.StartDev(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, chn.RPC, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Submit(ctx, client.NewSigner(chn.DevKey), &chain.RegisterTwin{Key: [32]byte{1}, PNIC: [32]byte{2}}); err != nil {
		t.Fatal(err)
	}
	r := New(c)
	if _, err := r.Resolve(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if !c.Cached(1) {
		t.Fatal("the answer for twin 1 was not cached")
	}
	r.Invalidate(1)
	if c.Cached(1) {
		t.Fatal("Invalidate left the cached answer for twin 1")
	}
	if info, err := r.Resolve(ctx, 1); err != nil || info.PNIC[0] != 2 {
		t.Fatalf("after Invalidate: %+v, %v", info, err)
	}
}
