package grid

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/freeflowuniverse/planetary/pnic"
	"github.com/freeflowuniverse/planetary/rmb/client"
	"github.com/freeflowuniverse/planetary/rmb/resolve"
	"github.com/freeflowuniverse/planetary/rmb/seal"
)

// resolverFile lists every twin of the grid for the PNICs' file resolvers.
func (g *Grid) resolverFile() string { return filepath.Join(g.dir, "twins.json") }

// TwinKeyFile is the path of a twin's private keys.
func (g *Grid) TwinKeyFile(name string) string { return filepath.Join(g.dir, "twins", name+".key") }

// hostKey returns the public key of a host's PNIC, creating the key on first use.
func (g *Grid) hostKey(h string) (ed25519.PublicKey, error) {
	if err := os.MkdirAll(filepath.Join(g.dir, h), 0o700); err != nil {
		return nil, err
	}
	k, _, err := pnic.LoadOrCreateKey(filepath.Join(g.dir, h, "pnic.key"))
	if err != nil {
		return nil, fmt.Errorf("key of %s: %w", h, err)
	}
	return k.Public().(ed25519.PublicKey), nil
}

// prepareTwins makes (or reuses) every twin's keys and writes the resolver file the PNICs read.
func (g *Grid) prepareTwins() error {
	if err := os.MkdirAll(filepath.Join(g.dir, "twins"), 0o700); err != nil {
		return err
	}
	infos := make([]resolve.TwinInfo, 0, len(g.t.Twins))
	for i, tw := range g.t.Twins {
		id := uint64(i + 1)
		k, err := seal.ReadKeyFile(g.TwinKeyFile(tw.Name))
		switch {
		case errors.Is(err, os.ErrNotExist):
			if k, err = seal.GenerateTwinKeys(id); err != nil {
				return err
			}
			if err := seal.WriteKeyFile(g.TwinKeyFile(tw.Name), k); err != nil {
				return err
			}
		case err != nil:
			return fmt.Errorf("twin %s: %w", tw.Name, err)
		case k.ID != id:
			return fmt.Errorf("twin %s: its key file says id %d, the topology order says %d; keep twins in order or purge the state", tw.Name, k.ID, id)
		}
		hk, err := g.hostKey(tw.Host)
		if err != nil {
			return err
		}
		infos = append(infos, resolve.TwinInfo{ID: id, SigningKey: k.SigningPublic(), EncryptionKey: k.EncryptionPublic(), PNIC: hk})
	}
	return resolve.WriteFile(g.resolverFile(), infos)
}

// TwinStatus is one twin as gridctl status shows it.
type TwinStatus struct {
	Name    string
	ID      uint64
	Host    string
	Address string // overlay IPv6 address inside its PNIC's /64
	PID     int    // of its twind, 0 when not running
	URL     string // where its owner's browser reaches it
	Healthy bool   // its twind's /healthz answers 200: connected to its PNIC
	Err     string
}

// Twins lists the twins with their ids, overlay addresses and the health of their twinds (asked
// up to 32 at a time).
func (g *Grid) Twins() []TwinStatus {
	out := make([]TwinStatus, len(g.t.Twins))
	each(len(g.t.Twins), func(i int) {
		tw := g.t.Twins[i]
		ts := TwinStatus{Name: tw.Name, ID: uint64(i + 1), Host: g.place(tw.Name).host}
		if hk, err := g.hostKey(ts.Host); err == nil {
			ts.Address = pnic.TwinAddressOf(hk, ts.ID).String()
		}
		if !g.o.NoTwind {
			ts.PID, ts.URL = g.twindPid(tw.Name), "http://"+g.TwinHTTP(tw.Name)
			if ts.PID == 0 {
				ts.Err = "not running"
			} else if h, err := g.twinHealth(tw.Name); err != nil {
				ts.Err = err.Error()
			} else {
				ts.Healthy = h.Connected && h.Twin == ts.ID
				switch {
				case h.Twin != ts.ID:
					ts.Err = fmt.Sprintf("its twind says it is twin %d", h.Twin)
				case !h.Connected:
					ts.Err = "not connected to its PNIC"
				}
			}
		}
		out[i] = ts
	})
	return out
}

// socketPath is the Unix socket of a host's PNIC.
func (g *Grid) socketPath(h string) string { return filepath.Join(g.dir, h, "pnic.sock") }

// OpenTwin logs in as a twin on its PNIC; the client answers pings until closed. With twinds
// running this takes the twin's inbox from its twind (one subscriber per twin): use NoTwind.
func (g *Grid) OpenTwin(ctx context.Context, name string) (*client.Client, error) {
	_, tw, ok := g.t.twin(name)
	if !ok {
		return nil, fmt.Errorf("unknown twin %q", name)
	}
	keys, err := seal.ReadKeyFile(g.TwinKeyFile(name))
	if err != nil {
		return nil, fmt.Errorf("twin %s: %w", name, err)
	}
	c, err := client.Dial(ctx, client.Config{Path: g.socketPath(tw.Host), Keys: keys})
	if err != nil {
		return nil, fmt.Errorf("twin %s on %s: %w", name, tw.Host, err)
	}
	return c, nil
}

// TwinPing sends an RMB ping from twin from to twin to: through from's twind, as its owner, when
// twinds run; otherwise by logging in as from on its PNIC (then to must be online to answer).
func (g *Grid) TwinPing(ctx context.Context, from, to string) (time.Duration, error) {
	toID, _, ok := g.t.twin(to)
	if !ok {
		return 0, fmt.Errorf("unknown twin %q", to)
	}
	if !g.o.NoTwind {
		rtt, err := g.pingViaTwind(ctx, from, toID)
		if err != nil {
			return 0, fmt.Errorf("ping twin %s from %s: %w", to, from, err)
		}
		return rtt, nil
	}
	c, err := g.OpenTwin(ctx, from)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	rtt, err := c.Ping(ctx, toID)
	if err != nil {
		return 0, fmt.Errorf("ping twin %s from %s (is %s online?): %w", to, from, to, err)
	}
	return rtt, nil
}

// WaitTwinReach pings twin to from twin from until one ping is answered or ctx ends.
func (g *Grid) WaitTwinReach(ctx context.Context, from, to string) (time.Duration, error) {
	for {
		pctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		rtt, err := g.TwinPing(pctx, from, to)
		cancel()
		if err == nil {
			return rtt, nil
		}
		select {
		case <-ctx.Done():
			return 0, fmt.Errorf("twin %s cannot reach twin %s: %w", from, to, err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}
