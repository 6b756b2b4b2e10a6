package replica

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/freeflowuniverse/planetary/chain"
	chainclient "github.com/freeflowuniverse/planetary/chain/client"
	"github.com/freeflowuniverse/planetary/rmb/seal"
	"github.com/freeflowuniverse/planetary/twin/store"
)

// DefaultGrace is how long a twin's replica stream may stay silent before its standby takes it over.
const DefaultGrace = 10 * time.Second

// SupervisorConfig describes a standby host's supervisor.
type SupervisorConfig struct {
	// Keeper holds the replicas streamed here; Key opens them.
	Keeper *Keeper
	Key    StandbyKey
	// Chain is where the move is one RelocateTwin tx, fenced by the twin's epoch.
	Chain *chainclient.Client
	// PNIC is this host's PNIC key, the twins' new host.
	PNIC ed25519.PublicKey
	// Grace is how long a twin's stream may be silent before it is taken over (default DefaultGrace).
	Grace time.Duration
	// TwinsDir holds the data directories of the twins taken over: TwinsDir/<id>/data.
	TwinsDir string
	// Start runs the twin's daemon on its data directory (with the HTTP address of its hello), if
	// it does not run already.
	Start func(ctx context.Context, id uint64, dataDir string, h Hello) error
	// Logger; nil discards.
	Logger *slog.Logger
}

// Supervisor takes over the twins whose host is gone: it restores a twin from its replica, moves
// it to this host with one chain tx, and starts it.
type Supervisor struct {
	cfg SupervisorConfig
	log *slog.Logger
}

// NewSupervisor returns a supervisor; Run watches.
func NewSupervisor(cfg SupervisorConfig) *Supervisor {
	if cfg.Grace <= 0 {
		cfg.Grace = DefaultGrace
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Supervisor{cfg: cfg, log: log}
}

// DataDir is where twin id's data lives once taken over here.
func (s *Supervisor) DataDir(id uint64) string {
	return filepath.Join(s.cfg.TwinsDir, strconv.FormatUint(id, 10), "data")
}

// Run first starts again the twins taken over earlier that the chain still places here, then
// checks every second for silent twins and takes each over, until ctx ends.
func (s *Supervisor) Run(ctx context.Context) {
	ents, _ := os.ReadDir(s.cfg.TwinsDir)
	for _, e := range ents {
		id, err := strconv.ParseUint(e.Name(), 10, 64)
		if err != nil {
			continue
		}
		if err := s.resume(ctx, id); err != nil {
			s.log.Warn("a twin taken over earlier stays stopped", "twin", id, "err", err)
		}
	}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	var (
		mu   sync.Mutex
		busy = map[uint64]bool{}
		wg   sync.WaitGroup
		sem  = make(chan struct{}, 8) // take-overs at once: a host that died had many twins
	)
	defer wg.Wait()
	for {
		for _, id := range s.cfg.Keeper.Silent(s.cfg.Grace) {
			mu.Lock()
			if busy[id] {
				mu.Unlock()
				continue
			}
			busy[id] = true
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				sem <- struct{}{}
				defer func() { <-sem }()
				start := time.Now()
				err := s.TakeOver(ctx, id)
				mu.Lock()
				delete(busy, id)
				mu.Unlock()
				switch {
				case err != nil && ctx.Err() == nil:
					s.log.Warn("could not take the twin over; trying again", "twin", id, "err", err)
				case err == nil:
					s.log.Info("took the twin over", "twin", id, "took", time.Since(start).Round(time.Millisecond))
				}
			}()
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// resume starts a twin taken over earlier if the chain still places it here.
func (s *Supervisor) resume(ctx context.Context, id uint64) error {
	rec, err := s.cfg.Chain.FindTwinByIDUncached(ctx, id)
	if err != nil {
		return err
	}
	if !s.cfg.PNIC.Equal(ed25519.PublicKey(rec.PNIC[:])) {
		s.log.Info("a twin taken over earlier lives elsewhere now; removing its stale data", "twin", id, "pnic", fmt.Sprintf("%x", rec.PNIC[:8]))
		return os.RemoveAll(filepath.Dir(s.DataDir(id)))
	}
	h, err := readHello(filepath.Dir(s.DataDir(id)))
	if err != nil {
		return err
	}
	return s.cfg.Start(ctx, id, s.DataDir(id), h)
}

// ErrTakenElsewhere is returned by TakeOver when another host moved the twin first.
var ErrTakenElsewhere = errors.New("another host took the twin over first")

// TakeOver restores twin id from its replica, moves it here with a RelocateTwin carrying the
// twin's next epoch (signed with the twin's own key, from the replica), and starts it. When the
// chain refuses the epoch another host won: the replica and restored data are dropped.
func (s *Supervisor) TakeOver(ctx context.Context, id uint64) error {
	data := s.DataDir(id)
	if rec, err := s.cfg.Chain.FindTwinByIDUncached(ctx, id); err != nil {
		return err
	} else if _, err := os.Stat(data); err == nil && s.cfg.PNIC.Equal(ed25519.PublicKey(rec.PNIC[:])) {
		// Already taken over (its twind runs here, or ran): a replica streamed since is stale, and
		// the data here must not be overwritten.
		if err := s.cfg.Keeper.Drop(id); err != nil {
			return err
		}
		return s.resume(ctx, id)
	}
	r, err := Open(s.cfg.Keeper.Dir(id), s.cfg.Key)
	if err != nil {
		return err
	}
	keys, err := seal.ParseKeyFile(r.KeyFile)
	if err != nil || keys.ID != id {
		return fmt.Errorf("replica of twin %d: key file: %v (id %d)", id, err, keys.ID)
	}
	if err := os.RemoveAll(filepath.Dir(data)); err != nil {
		return err
	}
	if err := os.MkdirAll(data, 0o700); err != nil {
		return err
	}
	if err := store.Restore(filepath.Join(data, "db"), r.Batches); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(data, "twin.key"), r.KeyFile, 0o600); err != nil {
		return err
	}
	if err := writeSync(filepath.Join(filepath.Dir(data), "hello"), mustJSON(r.Hello)); err != nil {
		return err
	}
	rec, err := s.cfg.Chain.FindTwinByIDUncached(ctx, id)
	if err != nil {
		return err
	}
	if !s.cfg.PNIC.Equal(ed25519.PublicKey(rec.PNIC[:])) {
		epoch, err := s.cfg.Chain.TwinEpoch(ctx, id)
		if err != nil {
			return err
		}
		var pk [32]byte
		copy(pk[:], s.cfg.PNIC)
		_, err = s.cfg.Chain.Submit(ctx, chainclient.NewSigner(keys.Signing), &chain.RelocateTwin{ID: id, PNIC: pk, Epoch: epoch + 1})
		var refused *chainclient.RefusedError
		if errors.As(err, &refused) && refused.Code == chain.CodeConflict {
			s.cfg.Keeper.Drop(id)
			os.RemoveAll(filepath.Dir(data))
			return fmt.Errorf("twin %d: %w (%s)", id, ErrTakenElsewhere, refused.Log)
		}
		if err != nil {
			return fmt.Errorf("relocate twin %d: %w", id, err)
		}
		s.log.Info("moved the twin here on the chain", "twin", id, "epoch", epoch+1)
	}
	if err := s.cfg.Keeper.Drop(id); err != nil {
		return err
	}
	return s.cfg.Start(ctx, id, data, r.Hello)
}
