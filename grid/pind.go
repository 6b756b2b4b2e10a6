package grid

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/freeflowuniverse/planetary/chain"
	chainclient "github.com/freeflowuniverse/planetary/chain/client"
	"github.com/freeflowuniverse/planetary/chain/token"
	"github.com/freeflowuniverse/planetary/pnic"
	"github.com/freeflowuniverse/planetary/rmb/seal"
)

// The hosts named by the topology's pins run a pind beside their pnicd: on the grid's chain, its
// data under the grid directory, no libp2p swarm. On the local backend its API is on the host's
// port BasePort + 10·i + 3 and pinds reach each other on loopback; on the netns backend it runs in
// the host's namespace with --pnic, its API on 127.0.0.1:9800 there, and pinds reach each other on
// their PNICs' overlay addresses (the chain comes into the namespace through the host's standby). The grid's operator account, owner of every twin, is funded from the dev
// chain's account so the twins' pins are paid.

func (g *Grid) pinDataDir(h string) string { return filepath.Join(g.dir, "pins", h) }
func (g *Grid) pinPidFile(h string) string { return filepath.Join(g.dir, "pin-"+h+".pid") }

// PinLogFile is the path of a host's pind log.
func (g *Grid) PinLogFile(h string) string { return filepath.Join(g.dir, "pin-"+h+".log") }

// PinHTTP is the loopback address of a host's pind API ("" when the host runs none).
func (g *Grid) PinHTTP(h string) string {
	if !g.t.pins(h) {
		return ""
	}
	if g.o.Backend == Netns {
		return fmt.Sprintf("127.0.0.1:%d", nsPinPort)
	}
	i, _, _ := g.t.host(h)
	return fmt.Sprintf("127.0.0.1:%d", g.o.BasePort+10*i+3)
}

// nsPinPort is the port of a pind's API inside its host's namespace (netns backend); it is also
// the port other pinds reach it on at its PNIC's overlay address.
const nsPinPort = 9800

func (g *Grid) pindPid(h string) int { return procPid(g.pinPidFile(h), "pind") }

// operatorFunds is what funding puts on the operator account when it holds less.
const operatorFunds = 1_000_000_000_000

// startPin launches a host's pind detached from this process.
func (g *Grid) startPin(h string) error {
	if err := os.MkdirAll(g.pinDataDir(h), 0o700); err != nil {
		return err
	}
	name, args := g.o.Pind, []string{"--chain", g.ChainRPC(), "--data", g.pinDataDir(h), "--http", g.PinHTTP(h), "--swarm", "off", "--name", h}
	if g.o.Backend == Netns {
		name, args = "ip", append([]string{"netns", "exec", g.hostNS(h), g.o.Pind, "--pnic", g.socketPath(h)}, args...)
	}
	return g.spawn("pind for "+h, g.PinLogFile(h), g.pinPidFile(h), name, args...)
}

// PinClient is an HTTP client that reaches host h's pind API (inside the host's namespace on the
// netns backend).
func (g *Grid) PinClient(h string, timeout time.Duration) *http.Client {
	return g.twinClient(h, timeout)
}

// pinReady reports whether a host's pind answers /readyz with 200.
func (g *Grid) pinReady(h string) error {
	resp, err := g.PinClient(h, 3*time.Second).Get("http://" + g.PinHTTP(h) + "/readyz")
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("/readyz answered %d", resp.StatusCode)
	}
	return nil
}

// waitPin waits until a host's pind is ready.
func (g *Grid) waitPin(ctx context.Context, h string) error {
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	for {
		if g.pindPid(h) == 0 {
			return fmt.Errorf("pind of %s exited (%s); last lines of %s:\n%s", h, g.exitOf(g.pinPidFile(h)), g.PinLogFile(h), tail(g.PinLogFile(h), 15))
		}
		err := g.pinReady(h)
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("pind of %s not ready: %v (log %s)", h, err, g.PinLogFile(h))
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// upPins funds the operator account and starts every pind not already running, then waits until
// all are ready.
func (g *Grid) upPins(ctx context.Context) (count, error) {
	c := count{all: len(g.t.Pins)}
	if len(g.t.Pins) == 0 {
		return c, nil
	}
	if err := g.fundOperator(ctx); err != nil {
		return c, fmt.Errorf("chain: %w", err)
	}
	bar := g.phase("starting pinds", len(g.t.Pins))
	for _, h := range g.t.Pins {
		if g.pindPid(h) != 0 {
			c.already++
		} else if err := g.startPin(h); err != nil {
			return c, err
		} else {
			c.acted++
		}
		bar.Add(1)
	}
	bar.Done()
	bar = g.phase("pinds ready", len(g.t.Pins))
	for _, h := range g.t.Pins {
		if err := g.waitPin(ctx, h); err != nil {
			return c, err
		}
		bar.Add(1)
	}
	bar.Done()
	return c, nil
}

// fundOperator tops the operator account (the twins' owner, which pays their pins) up from the dev
// chain's funded account when it holds less than operatorFunds; a testnet chain has no such
// account, so there the operator is left as it is.
func (g *Grid) fundOperator(ctx context.Context) error {
	if len(g.t.Validators) != 1 {
		return nil
	}
	b, err := os.ReadFile(filepath.Join(g.chainHome(0), "dev.key"))
	if err != nil {
		return fmt.Errorf("dev account key: %w", err)
	}
	seed, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(seed) != ed25519.SeedSize {
		return fmt.Errorf("dev account key in %s: want %d hex bytes", g.chainHome(0), ed25519.SeedSize)
	}
	dev := ed25519.NewKeyFromSeed(seed)
	key, _, err := pnic.LoadOrCreateKey(g.operatorKeyFile())
	if err != nil {
		return fmt.Errorf("operator key: %w", err)
	}
	cc, err := g.chainClient(ctx)
	if err != nil {
		return err
	}
	op := chainclient.NewSigner(key).Account()
	acct, err := cc.Balance(ctx, op)
	if err != nil {
		return fmt.Errorf("operator balance: %w", err)
	}
	if acct.Balance >= operatorFunds {
		return nil
	}
	if _, err := cc.Submit(ctx, chainclient.NewSigner(dev), &chain.Transfer{To: op, Amount: operatorFunds - acct.Balance}); err != nil {
		return fmt.Errorf("fund the operator account: %w", err)
	}
	return nil
}

// downPins stops every pind.
func (g *Grid) downPins() (count, []error) {
	ps := make([]proc, len(g.t.Pins))
	for i, h := range g.t.Pins {
		ps[i] = proc{"pind of " + h, g.pinPidFile(h), "pind"}
	}
	return g.stopAll("stopping pinds", ps)
}

// Pins reports every pind the topology runs: its API and whether /readyz answers 200.
func (g *Grid) Pins() []PinReport {
	out := make([]PinReport, len(g.t.Pins))
	each(len(g.t.Pins), func(i int) {
		h := g.t.Pins[i]
		p := PinReport{Host: h, API: "http://" + g.PinHTTP(h), PID: g.pindPid(h)}
		if g.o.Backend == Netns {
			p.Netns = g.hostNS(h)
		}
		if p.PID == 0 {
			p.Error = "not running"
		} else if err := g.pinReady(h); err != nil {
			p.Error = err.Error()
		} else {
			p.Up = true
		}
		out[i] = p
	})
	return out
}

// KillPin stops one host's pind at once (SIGKILL), as a crash would.
func (g *Grid) KillPin(host string) error {
	if !g.t.pins(host) {
		return fmt.Errorf("host %s runs no pind", host)
	}
	return killProc("pind of "+host, g.pinPidFile(host), "pind")
}

// StartPin starts one host's pind again and waits until it is ready.
func (g *Grid) StartPin(ctx context.Context, host string) error {
	if !g.t.pins(host) {
		return fmt.Errorf("host %s runs no pind", host)
	}
	if g.pindPid(host) == 0 {
		if err := g.startPin(host); err != nil {
			return err
		}
	}
	return g.waitPin(ctx, host)
}

// pinTokenTTL is how long a token from PinToken is valid.
const pinTokenTTL = 24 * time.Hour

// PinToken makes a bearer token for a twin, signed by its key, for the pinds of this grid's chain.
func (g *Grid) PinToken(ctx context.Context, twin string) (string, error) {
	id, _, ok := g.t.twin(twin)
	if !ok {
		return "", fmt.Errorf("unknown twin %q", twin)
	}
	if g.ChainRPC() == "" {
		return "", errors.New("pin tokens need a chain: the topology has no validators")
	}
	keys, err := seal.ReadKeyFile(g.TwinKeyFile(twin))
	if err != nil {
		return "", err
	}
	cc, err := g.chainClient(ctx)
	if err != nil {
		return "", err
	}
	return token.New(keys.Signing, id, chain.PinAudience(cc.ChainID()), time.Now(), pinTokenTTL)
}
