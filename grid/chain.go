package grid

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// chainPorts is the loopback port range below BasePort kept for validators (RPC and P2P each).
const chainPorts = 2 * maxValidators

// Validators run as processes on loopback with either backend: the chain does not ride the
// overlay, so its nodes need no namespace of their own.

func (g *Grid) chainDir() string          { return filepath.Join(g.dir, "chain") }
func (g *Grid) chainHome(i int) string    { return filepath.Join(g.chainDir(), fmt.Sprintf("node%d", i)) }
func (g *Grid) chainPidFile(i int) string { return filepath.Join(g.dir, fmt.Sprintf("chain%d.pid", i)) }
func (g *Grid) chainBasePort() int        { return g.o.BasePort - chainPorts }
func (g *Grid) chainRPCPort(i int) int    { return g.chainBasePort() + 2*i }
func (g *Grid) chainP2PAddr(i int) string {
	return fmt.Sprintf("127.0.0.1:%d", g.chainBasePort()+2*i+1)
}
func (g *Grid) chainRunning(i int) bool    { return procPid(g.chainPidFile(i), "chaind") != 0 }
func (g *Grid) chainLogFile(i int) string  { return filepath.Join(g.dir, fmt.Sprintf("chain%d.log", i)) }
func (g *Grid) validatorName(i int) string { return g.t.Validators[i] }

// ChainRPC is the CometBFT RPC address of the first validator ("" without validators); twins and
// tools use it to reach the chain.
func (g *Grid) ChainRPC() string {
	if len(g.t.Validators) == 0 {
		return ""
	}
	return fmt.Sprintf("http://127.0.0.1:%d", g.chainRPCPort(0))
}

// initChain writes the validators' homes once: a dev chain (faucet, sub-second blocks) for one
// validator, a testnet genesis for several. Later ups reuse them, so the chain survives restarts.
func (g *Grid) initChain() error {
	if _, err := os.Stat(g.chainHome(0)); err == nil {
		return nil
	}
	var args []string
	if n := len(g.t.Validators); n == 1 {
		args = []string{"init", "--dev", "--home", g.chainHome(0),
			"--rpc", fmt.Sprintf("127.0.0.1:%d", g.chainRPCPort(0)), "--p2p", g.chainP2PAddr(0)}
	} else {
		args = []string{"testnet", "--validators", strconv.Itoa(n), "--out", g.chainDir(),
			"--base-port", strconv.Itoa(g.chainBasePort())}
	}
	out, err := exec.Command(g.o.Chaind, args...).CombinedOutput()
	if err != nil {
		os.RemoveAll(g.chainDir())
		return fmt.Errorf("%s %v: %w\n%s", g.o.Chaind, args, err, out)
	}
	return nil
}

// upChain starts every validator not already running and waits until the chain makes blocks.
func (g *Grid) upChain(ctx context.Context) (count, error) {
	c := count{all: len(g.t.Validators)}
	if len(g.t.Validators) == 0 {
		return c, nil
	}
	if err := g.initChain(); err != nil {
		return c, err
	}
	bar := g.phase("starting validators", len(g.t.Validators))
	for i := range g.t.Validators {
		if g.chainRunning(i) {
			c.already++
		} else if err := g.startValidator(i); err != nil {
			return c, err
		} else {
			c.acted++
		}
		bar.Add(1)
	}
	bar.Done()
	bar = g.phase("validators committing blocks", len(g.t.Validators))
	for i := range g.t.Validators {
		if err := g.waitValidator(ctx, i, 1); err != nil {
			return c, err
		}
		bar.Add(1)
	}
	bar.Done()
	return c, nil
}

func (g *Grid) validatorRPC(i int) string { return fmt.Sprintf("127.0.0.1:%d", g.chainRPCPort(i)) }

func (g *Grid) startValidator(i int) error {
	return g.spawn("chaind for "+g.validatorName(i), g.chainLogFile(i), g.chainPidFile(i), g.o.Chaind, "start", "--home", g.chainHome(i))
}

// chainHeight asks validator i for its latest block height.
func (g *Grid) chainHeight(i int) (int64, error) {
	h, _, err := g.chainStatus(i)
	return h, err
}

// chainStatus asks validator i's CometBFT RPC (/status) for its latest block height and whether it
// is still catching up with the others.
func (g *Grid) chainStatus(i int) (height int64, catchingUp bool, err error) {
	c := &http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get("http://" + g.validatorRPC(i) + "/status")
	if err != nil {
		return 0, false, err
	}
	defer resp.Body.Close()
	var st struct {
		Result struct {
			SyncInfo struct {
				Height     string `json:"latest_block_height"`
				CatchingUp bool   `json:"catching_up"`
			} `json:"sync_info"`
		} `json:"result"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&st); err != nil {
		return 0, false, fmt.Errorf("status of validator %s: %w", g.validatorName(i), err)
	}
	height, err = strconv.ParseInt(st.Result.SyncInfo.Height, 10, 64)
	if err != nil {
		return 0, false, fmt.Errorf("status of validator %s: height %q: %w", g.validatorName(i), st.Result.SyncInfo.Height, err)
	}
	return height, st.Result.SyncInfo.CatchingUp, nil
}

// waitValidator waits until validator i reports at least height min.
func (g *Grid) waitValidator(ctx context.Context, i int, min int64) error {
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	for {
		if !g.chainRunning(i) {
			return fmt.Errorf("chaind of %s exited; last lines of %s:\n%s", g.validatorName(i), g.chainLogFile(i), tail(g.chainLogFile(i), 15))
		}
		h, err := g.chainHeight(i)
		if err == nil && h >= min {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("validator %s at height %d, want %d: %w (log %s)", g.validatorName(i), h, min, ctx.Err(), g.chainLogFile(i))
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// downChain stops every validator.
func (g *Grid) downChain() (count, []error) {
	ps := make([]proc, len(g.t.Validators))
	for i, v := range g.t.Validators {
		ps[i] = proc{"validator " + v, g.chainPidFile(i), "chaind"}
	}
	return g.stopAll("stopping validators", ps)
}

// ValidatorStatus is one validator as gridctl status shows it.
type ValidatorStatus struct {
	Host       string
	PID        int
	RPC        string
	Height     int64
	CatchingUp bool
	Err        string
}

// Healthy reports whether the validator answers its RPC with a chain of its own and has caught up.
func (v ValidatorStatus) Healthy() bool { return v.Err == "" && v.Height >= 1 && !v.CatchingUp }

// Validators reports every validator's process, latest block height and sync state, from its
// CometBFT RPC's /status.
func (g *Grid) Validators() []ValidatorStatus {
	out := make([]ValidatorStatus, len(g.t.Validators))
	each(len(g.t.Validators), func(i int) {
		v := g.t.Validators[i]
		vs := ValidatorStatus{Host: v, PID: procPid(g.chainPidFile(i), "chaind"), RPC: g.validatorRPC(i)}
		if vs.PID == 0 {
			vs.Err = "not running"
		} else if h, cu, err := g.chainStatus(i); err != nil {
			vs.Err = err.Error()
		} else {
			vs.Height, vs.CatchingUp = h, cu
		}
		out[i] = vs
	})
	return out
}

// KillValidator stops one validator at once (SIGKILL), as a crash would.
func (g *Grid) KillValidator(host string) error {
	for i, v := range g.t.Validators {
		if v == host {
			return killProc("validator "+host, g.chainPidFile(i), "chaind")
		}
	}
	return errors.New("no validator on host " + host)
}

// ComponentLog is the log file of a host's pnicd, a twin's twind, "validator-HOST"'s chaind or
// "pin-HOST"'s pind;
// "" when the topology has no component of that name.
func (g *Grid) ComponentLog(name string) string {
	if _, _, ok := g.t.twin(name); ok {
		return g.place(name).logFile
	}
	if host, ok := strings.CutPrefix(name, "pin-"); ok && g.t.pins(host) {
		return g.PinLogFile(host)
	}
	if host, ok := strings.CutPrefix(name, "validator-"); ok {
		for i, v := range g.t.Validators {
			if v == host {
				return g.chainLogFile(i)
			}
		}
	}
	if _, _, ok := g.t.host(name); !ok {
		return ""
	}
	return g.LogFile(name)
}

// StartValidator starts one validator again and waits until it answers with its chain.
func (g *Grid) StartValidator(ctx context.Context, host string) error {
	for i, v := range g.t.Validators {
		if v != host {
			continue
		}
		if g.chainRunning(i) {
			return nil
		}
		if err := g.startValidator(i); err != nil {
			return err
		}
		return g.waitValidator(ctx, i, 1)
	}
	return errors.New("no validator on host " + host)
}
