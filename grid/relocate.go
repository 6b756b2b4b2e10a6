package grid

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	chainclient "github.com/freeflowuniverse/planetary/chain/client"
	"github.com/freeflowuniverse/planetary/internal/netns"
	"github.com/freeflowuniverse/planetary/twin/replica"
	"github.com/yggdrasil-network/yggdrasil-go/src/address"
)

// On the netns backend with a chain each host runs a standby (`twind standby`) beside its pnicd:
// it carries the host's path to the chain (the chain's loopback RPC address inside the host's
// namespace forwards to it), and with Options.Grace it keeps the replicas the twins of the host
// before it in the topology stream to it, and takes those twins over when they have been silent
// longer than the grace period. A twin taken over runs on its new host from
// <host>/standby/twins/<id>/data.

// replicaPort is where every standby accepts replica streams, on its PNIC's overlay address.
const replicaPort = 9653

func (g *Grid) standbys() bool {
	return g.o.Backend == Netns && len(g.t.Validators) > 0 && !g.o.NoTwind
}

func (g *Grid) standbyDir(h string) string     { return filepath.Join(g.dir, h, "standby") }
func (g *Grid) standbyPidFile(h string) string { return filepath.Join(g.dir, "standby-"+h+".pid") }

// StandbyLogFile is the path of a host's standby log.
func (g *Grid) StandbyLogFile(h string) string { return filepath.Join(g.dir, "standby-"+h+".log") }

// standbyOf is the host that keeps host i's twins' replicas: the next host in the topology.
func (g *Grid) standbyOf(i int) (string, bool) {
	if len(g.t.Hosts) < 2 {
		return "", false
	}
	return g.t.Hosts[(i+1)%len(g.t.Hosts)].Name, true
}

// standbyAddr is host h's replica listener on its PNIC's overlay address, and its X25519 key.
func (g *Grid) standbyAddr(h string) (string, string, error) {
	pk, err := g.hostKey(h)
	if err != nil {
		return "", "", err
	}
	k, err := replica.LoadOrCreateStandbyKey(filepath.Join(g.standbyDir(h), "standby.key"))
	if err != nil {
		return "", "", err
	}
	a := netip.AddrFrom16(*address.AddrForKey(pk))
	return net.JoinHostPort(a.String(), strconv.Itoa(replicaPort)), hex.EncodeToString(k.Public[:]), nil
}

// startStandby launches host i's standby, in the root namespace (it opens its listeners inside the
// host's).
func (g *Grid) startStandby(i int, h Host) error {
	if procPid(g.standbyPidFile(h.Name), "twind") != 0 {
		return nil
	}
	if _, _, err := g.standbyAddr(h.Name); err != nil { // makes its key
		return err
	}
	args := []string{"standby", "--data", g.standbyDir(h.Name), "--pnic", g.socketPath(h.Name), "--chain", g.ChainRPC(),
		"--netns", g.hostNS(h.Name), "--chain-gateway", "--listen", fmt.Sprintf("[::]:%d", replicaPort)}
	if g.o.Grace > 0 {
		args = append(args, "--grace", g.o.Grace.String())
		if next, ok := g.standbyOf(i); ok {
			addr, key, err := g.standbyAddr(next)
			if err != nil {
				return err
			}
			args = append(args, "--next-standby", addr, "--next-standby-key", key)
		}
	}
	if err := g.spawn("standby for "+h.Name, g.StandbyLogFile(h.Name), g.standbyPidFile(h.Name), g.o.Twind, args...); err != nil {
		return err
	}
	return g.waitGateway(h.Name)
}

// waitGateway waits until the chain answers inside host h's namespace.
func (g *Grid) waitGateway(h string) error {
	hc := netns.HTTPClient(g.hostNS(h), 2*time.Second)
	for i := 0; i < 150; i++ {
		if resp, err := hc.Get(g.ChainRPC() + "/status"); err == nil {
			resp.Body.Close()
			return nil
		}
		if procPid(g.standbyPidFile(h), "twind") == 0 {
			return fmt.Errorf("standby of %s exited (%s); last lines of %s:\n%s", h, g.exitOf(g.standbyPidFile(h)), g.StandbyLogFile(h), tail(g.StandbyLogFile(h), 15))
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("the chain does not answer inside %s's namespace (log %s)", h, g.StandbyLogFile(h))
}

// chainClient is the grid's own client of the chain, dialed on first use (Close closes it).
func (g *Grid) chainClient(ctx context.Context) (*chainclient.Client, error) {
	g.ccMu.Lock()
	defer g.ccMu.Unlock()
	if g.cc != nil {
		return g.cc, nil
	}
	c, err := chainclient.Dial(ctx, g.ChainRPC(), chainclient.Options{})
	if err != nil {
		return nil, fmt.Errorf("chain at %s: %w", g.ChainRPC(), err)
	}
	g.cc = c
	return c, nil
}

// placement is where a twin's twind runs: its host, data directory, pid and log files.
type placement struct {
	host, data, pidFile, logFile string
	moved                        bool // taken over by another host's standby
}

// place says where twin name runs now: on the host the chain names (netns backend with standbys),
// else on its topology host.
func (g *Grid) place(name string) placement {
	id, tw, _ := g.t.twin(name)
	home := placement{host: tw.Host, data: g.twinDataDir(name), pidFile: g.twinPidFile(name), logFile: g.TwinLogFile(name)}
	if !g.standbys() || g.o.Grace <= 0 {
		return home
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	cc, err := g.chainClient(ctx)
	if err != nil {
		return home
	}
	rec, err := cc.FindTwinByIDUncached(ctx, id)
	if err != nil {
		return home
	}
	for _, h := range g.t.Hosts {
		pk, err := g.hostKey(h.Name)
		if err != nil || !pk.Equal(ed25519.PublicKey(rec.PNIC[:])) || h.Name == tw.Host {
			continue
		}
		dir := filepath.Join(g.standbyDir(h.Name), "twins", strconv.FormatUint(id, 10))
		return placement{host: h.Name, data: filepath.Join(dir, "data"), pidFile: filepath.Join(dir, "twind.pid"), logFile: filepath.Join(dir, "twind.log"), moved: true}
	}
	return home
}

// TwinHost is the host twin name runs on now (see place).
func (g *Grid) TwinHost(name string) string { return g.place(name).host }

// twinClient is an HTTP client that reaches a twin where it serves: inside its host's namespace on
// the netns backend.
func (g *Grid) twinClient(host string, timeout time.Duration) *http.Client {
	if g.o.Backend == Netns {
		return netns.HTTPClient(g.hostNS(host), timeout)
	}
	return &http.Client{Timeout: timeout}
}

// KillHost kills everything of a host at once (SIGKILL), as a power cut would: every process in
// its namespace (pnicd, the twinds and the pind there), its standby, its validator if it has one; and it cuts
// the host's uplinks (netns backend).
func (g *Grid) KillHost(host string) error {
	_, h, ok := g.t.host(host)
	if !ok {
		return fmt.Errorf("no host %s", host)
	}
	if g.o.Backend != Netns {
		return errors.New("kill-host works on the netns backend")
	}
	var errs []error
	for _, isp := range h.ISPs {
		if err := g.SetUplink(host, isp, false); err != nil {
			errs = append(errs, err)
		}
	}
	if procPid(g.standbyPidFile(host), "twind") != 0 {
		errs = append(errs, killProc("standby of "+host, g.standbyPidFile(host), "twind"))
	}
	for _, pid := range nsPids(g.hostNS(host)) {
		syscall.Kill(pid, syscall.SIGKILL)
	}
	for _, pid := range nsPids(g.hostNS(host)) {
		for i := 0; i < 50 && !exited(pid); i++ {
			time.Sleep(100 * time.Millisecond)
		}
		if !exited(pid) {
			errs = append(errs, fmt.Errorf("pid %d in %s did not exit within 5 s of SIGKILL", pid, host))
		}
	}
	for _, v := range g.t.Validators {
		if v == host && g.chainRunningOn(host) {
			errs = append(errs, g.KillValidator(host))
		}
	}
	return errors.Join(errs...)
}

func (g *Grid) chainRunningOn(host string) bool {
	for i, v := range g.t.Validators {
		if v == host {
			return g.chainRunning(i)
		}
	}
	return false
}

// StartWholeHost brings a killed host back as it was: its uplinks, its validator, its standby
// (which starts again the twins it had taken over and still holds on the chain), its pnicd, and
// the twinds of its own twins that the chain still places on it. Twins that moved away while it
// was gone stay where they are; their old data here is stale and their twind would refuse to
// serve (the chain names another PNIC).
func (g *Grid) StartWholeHost(ctx context.Context, host string) error {
	i, h, ok := g.t.host(host)
	if !ok {
		return fmt.Errorf("no host %s", host)
	}
	if g.o.Backend != Netns {
		return errors.New("start-host works on the netns backend")
	}
	for _, isp := range h.ISPs {
		if err := g.SetUplink(host, isp, true); err != nil {
			return err
		}
	}
	for _, v := range g.t.Validators {
		if v == host {
			if err := g.StartValidator(ctx, host); err != nil {
				return err
			}
		}
	}
	if g.standbys() {
		if err := g.startStandby(i, h); err != nil {
			return err
		}
	}
	if err := g.StartHost(ctx, host); err != nil {
		return err
	}
	if g.t.pins(host) && g.pindPid(host) == 0 {
		if err := g.startPin(host); err != nil {
			return err
		}
		if err := g.waitPin(ctx, host); err != nil {
			return err
		}
	}
	if g.o.NoTwind {
		return nil
	}
	for j, tw := range g.t.Twins {
		if tw.Host != host || g.place(tw.Name).moved || g.twindPid(tw.Name) != 0 {
			continue
		}
		if err := g.startTwin(j); err != nil {
			return err
		}
		if err := g.waitTwin(ctx, tw.Name); err != nil {
			return err
		}
	}
	return nil
}

// StandbyPID is the pid of host h's standby, 0 when it does not run.
func (g *Grid) StandbyPID(h string) int { return procPid(g.standbyPidFile(h), "twind") }
