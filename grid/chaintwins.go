package grid

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/freeflowuniverse/planetary/chain"
	chainclient "github.com/freeflowuniverse/planetary/chain/client"
	"github.com/freeflowuniverse/planetary/pnic"
	"github.com/freeflowuniverse/planetary/rmb/seal"
)

// operatorKeyFile holds the grid's chain account, which registers the twins (their owner on chain).
func (g *Grid) operatorKeyFile() string { return filepath.Join(g.chainDir(), "operator.key") }

// registerTwins puts every twin on the chain in topology order, so the chain's sequential ids are
// the topology's: signed with increasing sequence numbers and broadcast together, then checked.
// Twins already there (a restart) are only checked.
func (g *Grid) registerTwins(ctx context.Context) error {
	if len(g.t.Validators) == 0 || len(g.t.Twins) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	c, err := chainclient.Dial(ctx, g.ChainRPC(), chainclient.Options{})
	if err != nil {
		return fmt.Errorf("chain at %s: %w", g.ChainRPC(), err)
	}
	defer c.Close()
	key, _, err := pnic.LoadOrCreateKey(g.operatorKeyFile())
	if err != nil {
		return fmt.Errorf("operator key: %w", err)
	}
	op := chainclient.NewSigner(key)
	var pending []*chainclient.Pending
	var missing []int
	bar := g.phase("twins checked or sent to the chain", len(g.t.Twins))
	defer bar.Done() // on errors; Done twice is harmless
	for i, tw := range g.t.Twins {
		id := uint64(i + 1)
		k, err := seal.ReadKeyFile(g.TwinKeyFile(tw.Name))
		if err != nil {
			return err
		}
		hk, err := g.hostKey(tw.Host)
		if err != nil {
			return err
		}
		on, err := c.FindTwinByID(ctx, id)
		switch {
		case err == nil:
			if !ed25519.PublicKey(on.Key[:]).Equal(k.SigningPublic()) {
				return fmt.Errorf("twin %s: id %d on the chain belongs to other keys (a chain from another grid?)", tw.Name, id)
			}
			bar.Add(1)
			continue
		case !errors.Is(err, chainclient.ErrNotFound):
			return fmt.Errorf("twin %s: %w", tw.Name, err)
		}
		reg := &chain.RegisterTwin{X25519: k.EncryptionPublic(), Loc: chainLocation(tw.Location)}
		copy(reg.Key[:], k.SigningPublic())
		copy(reg.PNIC[:], hk)
		tx, err := c.Sign(ctx, op, reg)
		if err != nil {
			return fmt.Errorf("twin %s: %w", tw.Name, err)
		}
		p, err := c.Broadcast(ctx, tx)
		if err != nil {
			return fmt.Errorf("register twin %s: %w", tw.Name, err)
		}
		pending = append(pending, p)
		missing = append(missing, i)
		bar.Add(1)
	}
	bar.Done()
	for j, p := range pending {
		if _, err := p.Wait(ctx); err != nil {
			return fmt.Errorf("register twin %s: %w", g.t.Twins[missing[j]].Name, err)
		}
	}
	for _, i := range missing {
		on, err := c.FindTwinByID(ctx, uint64(i+1))
		k, _ := seal.ReadKeyFile(g.TwinKeyFile(g.t.Twins[i].Name))
		if err != nil || !ed25519.PublicKey(on.Key[:]).Equal(k.SigningPublic()) {
			return fmt.Errorf("twin %s did not get id %d on the chain (%v): was the chain used before?", g.t.Twins[i].Name, i+1, err)
		}
	}
	if len(missing) > 0 {
		g.say("chain: %d twins registered", len(missing))
	}
	return nil
}
