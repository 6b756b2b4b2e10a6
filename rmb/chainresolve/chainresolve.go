// Package chainresolve resolves twins through the chain: every answer is proven against a
// light-client-verified header, and the chain client drops a cached answer as soon as it sees an
// event for that twin (registration, update, relocation, deletion), so a relocated twin is reached
// at its new PNIC.
package chainresolve

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"

	"github.com/freeflowuniverse/planetary/chain/client"
	"github.com/freeflowuniverse/planetary/rmb/resolve"
)

// Resolver is a resolve.Resolver backed by a chain client.
type Resolver struct {
	c *client.Client
}

// New returns a Resolver asking the chain through c.
func New(c *client.Client) *Resolver { return &Resolver{c: c} }

// Resolve returns the twin's keys and hosting PNIC as the chain proves them.
func (r *Resolver) Resolve(ctx context.Context, twinID uint64) (resolve.TwinInfo, error) {
	t, err := r.c.FindTwinByID(ctx, twinID)
	if errors.Is(err, client.ErrNotFound) {
		return resolve.TwinInfo{}, fmt.Errorf("twin %d: %w", twinID, resolve.ErrUnknownTwin)
	}
	if err != nil {
		return resolve.TwinInfo{}, fmt.Errorf("chain: %w", err)
	}
	return resolve.TwinInfo{ID: t.ID, SigningKey: ed25519.PublicKey(t.Key[:]), EncryptionKey: t.X25519,
		PNIC: ed25519.PublicKey(t.PNIC[:])}, nil
}

// Invalidate does nothing: the chain client forgets a twin when the chain reports a change to it.
func (r *Resolver) Invalidate(uint64) {}
