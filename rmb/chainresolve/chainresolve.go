// Package chainresolve resolves twins through the chain: every answer is proven against a
// light-client-verified header, and the chain client drops a cached answer as soon as it sees an
// event for that twin (registration, update, relocation, deletion) and then reads at least the
// state of that event's block, so a relocated twin is reached at its new PNIC.
package chainresolve

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"time"

	"github.com/freeflowuniverse/planetary/chain/client"
	"github.com/freeflowuniverse/planetary/rmb/resolve"
)

// Resolver is a resolve.Resolver backed by a chain client.
type Resolver struct {
	c *client.Client
}

// New returns a Resolver asking the chain through c.
func New(c *client.Client) *Resolver { return &Resolver{c: c} }

// notFoundWait bounds how long Resolve waits for the chain to move on before it calls a twin unknown.
const notFoundWait = 3 * time.Second

// Resolve returns the twin's keys and hosting PNIC as the chain proves them. A twin registered in
// the newest block is provable only once the next one commits, so "not found" is asked again after
// the chain has advanced two blocks (at most notFoundWait) before it is believed.
func (r *Resolver) Resolve(ctx context.Context, twinID uint64) (resolve.TwinInfo, error) {
	h := r.c.Height()
	t, err := r.c.FindTwinByID(ctx, twinID)
	if errors.Is(err, client.ErrNotFound) {
		wctx, cancel := context.WithTimeout(ctx, notFoundWait)
		for r.c.Height() < h+2 && wctx.Err() == nil {
			select {
			case <-wctx.Done():
			case <-time.After(50 * time.Millisecond):
			}
		}
		cancel()
		t, err = r.c.FindTwinByID(ctx, twinID)
	}
	if errors.Is(err, client.ErrNotFound) {
		return resolve.TwinInfo{}, fmt.Errorf("twin %d: %w", twinID, resolve.ErrUnknownTwin)
	}
	if err != nil {
		return resolve.TwinInfo{}, fmt.Errorf("chain: %w", err)
	}
	return resolve.TwinInfo{ID: t.ID, SigningKey: ed25519.PublicKey(t.Key[:]), EncryptionKey: t.X25519,
		PNIC: ed25519.PublicKey(t.PNIC[:])}, nil
}

// Invalidate drops the client's cached answer for the twin, so the next Resolve asks the chain
// again at its newest state; the bus calls it when a PNIC says it no longer hosts the twin.
func (r *Resolver) Invalidate(twinID uint64) { r.c.Forget(twinID) }
