package daemon

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	chainclient "github.com/freeflowuniverse/planetary/chain/client"
	"github.com/freeflowuniverse/planetary/rmb/seal"
	"github.com/freeflowuniverse/planetary/twin/replica"
	"github.com/freeflowuniverse/planetary/twin/store"
)

// ErrFenced is returned by Run when the chain says another PNIC hosts the twin: it moved (its
// standby took it over while this host was gone), so this copy must not serve.
var ErrFenced = errors.New("the chain names another PNIC as this twin's host")

// fenceWait bounds how long a twind waits for the chain to move on before it believes that
// another PNIC hosts its twin.
const fenceWait = 5 * time.Second

// fence returns the hosting PNIC's key and refuses to go on when the chain names another PNIC as
// the twin's host. Without a known PNIC key (no pnic.key beside the socket, no --pnic-key) it
// cannot tell and says so.
func fence(ctx context.Context, cfg Config, cc *chainclient.Client, id uint64, log *slog.Logger) (ed25519.PublicKey, error) {
	own, err := pnicPublicKey(cfg)
	if err != nil {
		log.Warn("cannot check that the chain names this host's PNIC for the twin", "err", err)
		return nil, nil
	}
	rec, err := cc.FindTwinByIDUncached(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("twin %d on the chain: %w", id, err)
	}
	if !own.Equal(ed25519.PublicKey(rec.PNIC[:])) {
		// A fresh client may read a state just before the block that moved the twin here (a
		// standby starts the twind right after its relocation commits): read again once the chain
		// has moved on two blocks, at most fenceWait, before refusing.
		h := cc.Height()
		wctx, cancel := context.WithTimeout(ctx, fenceWait)
		for cc.Height() < h+2 && wctx.Err() == nil {
			select {
			case <-wctx.Done():
			case <-time.After(50 * time.Millisecond):
			}
		}
		cancel()
		if rec, err = cc.FindTwinByIDUncached(ctx, id); err != nil {
			return nil, fmt.Errorf("twin %d on the chain: %w", id, err)
		}
	}
	if !own.Equal(ed25519.PublicKey(rec.PNIC[:])) {
		return nil, fmt.Errorf("twin %d: PNIC %x hosts it, not this one (%x): %w; not serving here", id, rec.PNIC[:8], own[:8], ErrFenced)
	}
	return own, nil
}

// watchFence reports on out when the chain moves the twin to another PNIC. The chain client
// already walks every block's events and drops its cached record of a twin an event names, so
// this only looks, twice a second, whether the record is still cached, and reads it again when not.
func watchFence(ctx context.Context, cc *chainclient.Client, id uint64, own ed25519.PublicKey, out chan<- error) {
	for {
		if !cc.Cached(id) {
			rec, err := cc.FindTwinByID(ctx, id)
			switch {
			case ctx.Err() != nil:
				return
			case err == nil && !own.Equal(ed25519.PublicKey(rec.PNIC[:])):
				out <- fmt.Errorf("twin %d: moved to PNIC %x: %w", id, rec.PNIC[:8], ErrFenced)
				return
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// startReplication streams the twin's store to its standby for as long as ctx lasts.
func startReplication(ctx context.Context, cfg Config, k seal.TwinKeys, st *store.Store, log *slog.Logger) (*replica.Sender, error) {
	pub, err := replica.ParsePublic(cfg.StandbyKey)
	if err != nil {
		return nil, err
	}
	kf, err := os.ReadFile(cfg.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("replication: %w", err)
	}
	s, err := replica.NewSender(replica.SenderConfig{Addr: cfg.Standby, StandbyKey: pub, Twin: k.ID, Signing: k.Signing,
		KeyFile: kf, HTTP: cfg.HTTP, Store: st, Logger: log.With("part", "replica")})
	if err != nil {
		return nil, fmt.Errorf("replication: %w", err)
	}
	st.SetReplicator(s)
	go s.Run(ctx)
	log.Info("replicating the twin's store to its standby", "standby", cfg.Standby)
	return s, nil
}

// PNICPublicKey returns the key of the PNIC cfg names: cfg.PNICKey, or the pnic.key beside cfg.Socket.
func PNICPublicKey(cfg Config) (ed25519.PublicKey, error) { return pnicPublicKey(cfg) }
