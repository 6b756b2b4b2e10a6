package grid

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	chainclient "github.com/freeflowuniverse/planetary/chain/client"
	"github.com/freeflowuniverse/planetary/internal/netns"
	"github.com/freeflowuniverse/planetary/internal/progress"
	"github.com/freeflowuniverse/planetary/pnic"
)

// Backend is where hosts run.
type Backend string

// The backends.
const (
	// Local runs every PNIC as a process on loopback in userspace mode; no root needed.
	Local Backend = "local"
	// Netns runs each host in a network namespace with kernel TUN; each ISP is a bridge.
	Netns Backend = "netns"
)

// Options configure a Grid.
type Options struct {
	// StateDir holds every network's keys, logs and pids (default .grid).
	StateDir string
	// Backend is local or netns; empty means the backend recorded in the state directory by the
	// last up (so down, status and chaos act where the network runs), else local.
	Backend Backend
	// Pnicd is the pnicd binary (default: beside this executable, else on PATH).
	Pnicd string
	// Chaind is the chaind binary, needed when the topology has validators (found like Pnicd).
	Chaind string
	// Twind is the twind binary, run once per twin (found like Pnicd).
	Twind string
	// Pind is the pind binary, run on the hosts the topology's pins name (found like Pnicd).
	Pind string
	// NoTwind prepares the twins' keys and resolver entries but runs no twind: the caller logs the
	// twins in itself (benchmarks of the PNIC side).
	NoTwind bool
	// BasePort is the first loopback port of the local backend (default 19650).
	BasePort int
	// Grace, on the netns backend with a chain, makes every twin stream its store to the standby
	// of its host (the next host in the topology), which takes the twin over when it has been
	// silent this long; 0 keeps twins where they are.
	Grace time.Duration
	// Out receives progress lines.
	Out io.Writer
}

// Grid acts on one topology.
type Grid struct {
	t   Topology
	o   Options
	dir string

	mu      sync.Mutex
	owners  map[string]*ownerConn // websockets to twinds, logged in as their owners
	exits   map[string]string     // how the last process this grid started ended, by pid file
	started map[string]int        // the pid of the last process this grid started, by pid file
	bar     *progress.Bar         // the progress bar of the step under way, for notes above it
	tty     bool                  // Out is a terminal: progress bars redraw one line
	ccMu    sync.Mutex
	cc      *chainclient.Client // the grid's own chain client, dialed on first use
}

// reap waits for a process this grid started and records how it ended.
func (g *Grid) reap(pidFile string, cmd *exec.Cmd) {
	err := cmd.Wait()
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.started[pidFile] != cmd.Process.Pid {
		return // a later start owns the pid file now
	}
	if g.exits == nil {
		g.exits = make(map[string]string)
	}
	g.exits[pidFile] = fmt.Sprintf("pid %d: %v", cmd.Process.Pid, err)
}

// exitOf says how the last process recorded in pidFile and started by this grid ended, if it did.
func (g *Grid) exitOf(pidFile string) string {
	if e, ok := g.ended(pidFile); ok {
		return e
	}
	return "not seen to end here"
}

// ended reports how the last process this grid started for pidFile ended, and whether it has.
func (g *Grid) ended(pidFile string) (string, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	e, ok := g.exits[pidFile]
	return e, ok
}

// New prepares a grid; nothing starts until Up.
func New(t Topology, o Options) (*Grid, error) {
	if err := t.Validate(); err != nil {
		return nil, err
	}
	if o.StateDir == "" {
		o.StateDir = ".grid"
	}
	dir, err := filepath.Abs(filepath.Join(o.StateDir, t.Name))
	if err != nil {
		return nil, err
	}
	if o.Backend != "" && o.Backend != Local && o.Backend != Netns {
		return nil, fmt.Errorf("backend %q: want local or netns", o.Backend)
	}
	recorded, err := recordedBackend(dir)
	if err != nil {
		return nil, err
	}
	switch {
	case o.Backend == "" && recorded != "":
		o.Backend = recorded
	case o.Backend == "":
		o.Backend = Local
	case recorded != "" && recorded != o.Backend:
		return nil, fmt.Errorf("network %s was brought up on the %s backend (recorded in %s), not %s: leave out --backend, or run gridctl down first",
			t.Name, recorded, filepath.Join(dir, backendFile), o.Backend)
	}
	if o.Grace == 0 {
		if b, err := os.ReadFile(filepath.Join(dir, graceFile)); err == nil {
			if d, err := time.ParseDuration(strings.TrimSpace(string(b))); err == nil {
				o.Grace = d
			}
		}
	}
	if o.Grace < 0 {
		return nil, fmt.Errorf("grace %s: want 0 (no relocation) or more", o.Grace)
	}
	if o.Backend == Netns && os.Geteuid() != 0 {
		return nil, errors.New("backend netns needs root (namespaces, bridges, TUN devices)")
	}
	if o.BasePort == 0 {
		o.BasePort = 19650
	}
	if o.Backend == Local && o.BasePort+10*len(t.Hosts) > 65535 {
		return nil, fmt.Errorf("%d hosts from port %d pass 65535; lower --base-port", len(t.Hosts), o.BasePort)
	}
	if o.Out == nil {
		o.Out = io.Discard
	}
	if o.Pnicd == "" {
		o.Pnicd = findBinary("pnicd")
	}
	if o.Chaind == "" {
		o.Chaind = findBinary("chaind")
	}
	if o.Twind == "" {
		o.Twind = findBinary("twind")
	}
	if o.Pind == "" {
		o.Pind = findBinary("pind")
	}
	if len(t.Pins) > 0 && o.Backend == Netns && o.NoTwind {
		return nil, errors.New("pins on the netns backend need the hosts' standbys (they bring the chain into the namespaces): drop --no-twind")
	}
	if last := o.BasePort + 10*len(t.Hosts) + len(t.Twins); last > 65535 {
		return nil, fmt.Errorf("%d hosts and %d twins from port %d pass 65535; lower --base-port", len(t.Hosts), len(t.Twins), o.BasePort)
	}
	if o.BasePort-chainPorts < 1024 {
		return nil, fmt.Errorf("base port %d: want at least %d (the chain's ports lie below it)", o.BasePort, 1024+chainPorts)
	}
	return &Grid{t: t, o: o, dir: dir, tty: progress.IsTerminal(o.Out)}, nil
}

// backendFile, in a network's state directory, names the backend its hosts were brought up on. It
// is written by up before anything starts and removed by a down that left nothing behind.
const backendFile = "backend"

// recordedBackend returns the backend recorded in a network's state directory, or "" if none is.
func recordedBackend(dir string) (Backend, error) {
	b, err := os.ReadFile(filepath.Join(dir, backendFile))
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("recorded backend: %w", err)
	}
	switch r := Backend(strings.TrimSpace(string(b))); r {
	case Local, Netns:
		return r, nil
	default:
		return "", fmt.Errorf("%s says backend %q: want local or netns", filepath.Join(dir, backendFile), r)
	}
}

func findBinary(name string) string {
	if exe, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(exe), name)
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	return name
}

// Up brings every host, validator and twin up (those already running are left alone), waits until
// all are ready, and ends with a summary line.
func (g *Grid) Up(ctx context.Context) error {
	start := time.Now()
	sum, err := g.up(ctx)
	if err != nil {
		return err
	}
	g.say("network %s up on the %s backend in %s: %s", g.t.Name, g.o.Backend, took(start), sum)
	return nil
}

func (g *Grid) up(ctx context.Context) (upSummary, error) {
	sum := upSummary{twinds: !g.o.NoTwind}
	if err := os.MkdirAll(g.dir, 0o700); err != nil {
		return sum, fmt.Errorf("state directory: %w", err)
	}
	if err := g.recordBackend(); err != nil {
		return sum, fmt.Errorf("state directory: %w", err)
	}
	if g.o.Backend == Netns {
		if err := g.buildNetwork(); err != nil {
			return sum, err
		}
	}
	if err := g.prepareTwins(); err != nil {
		return sum, fmt.Errorf("twins: %w", err)
	}
	var err error
	if sum.validators, err = g.upChain(ctx); err != nil {
		return sum, fmt.Errorf("chain: %w", err)
	}
	if err := g.registerTwins(ctx); err != nil {
		return sum, fmt.Errorf("chain: %w", err)
	}
	if g.standbys() {
		bar := g.phase("starting standbys (the hosts' way to the chain)", len(g.t.Hosts))
		for i, h := range g.t.Hosts {
			if err := g.startStandby(i, h); err != nil {
				return sum, err
			}
			bar.Add(1)
		}
		bar.Done()
	}
	sum.hosts.all = len(g.t.Hosts)
	bar := g.phase("starting pnicd", len(g.t.Hosts))
	for i, h := range g.t.Hosts {
		if g.running(h.Name) {
			sum.hosts.already++
		} else if err := g.start(i, h); err != nil {
			return sum, err
		} else {
			sum.hosts.acted++
		}
		bar.Add(1)
	}
	bar.Done()
	bar = g.phase("pnicd ready", len(g.t.Hosts))
	for _, h := range g.t.Hosts {
		if err := g.waitReady(ctx, h); err != nil {
			return sum, err
		}
		bar.Add(1)
	}
	bar.Done()
	if sum.twins, err = g.upTwins(ctx); err != nil {
		return sum, err
	}
	sum.pins, err = g.upPins(ctx)
	return sum, err
}

// recordBackend notes in the state directory which backend the network runs on, so later commands
// (down, status, chaos) act there whatever their flags; New refuses a contradicting one.
func (g *Grid) recordBackend() error {
	if err := os.WriteFile(filepath.Join(g.dir, graceFile), []byte(g.o.Grace.String()+"\n"), 0o600); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(g.dir, backendFile), []byte(g.o.Backend+"\n"), 0o600)
}

// graceFile, in a network's state directory, records Options.Grace of the last up, so later
// commands find the twins where their standbys moved them.
const graceFile = "grace"

func (g *Grid) hostNS(h string) string { return "g" + g.t.Name + "-" + h }
func (g *Grid) ispNS(i string) string  { return "g" + g.t.Name + "-i-" + i }

// ispAddr is host i's address on ISP j, inside 10.(100+j).0.0/16.
func ispAddr(j, i int) string { return fmt.Sprintf("10.%d.%d.%d", 100+j, i/250, i%250+1) }

func ip(args ...string) error {
	out, err := exec.Command("ip", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

func nsExists(ns string) bool { return exec.Command("ip", "netns", "pids", ns).Run() == nil }

// nsPids lists the processes inside a namespace.
func nsPids(ns string) []int {
	out, _ := exec.Command("ip", "netns", "pids", ns).Output()
	var pids []int
	for _, f := range strings.Fields(string(out)) {
		if p, err := strconv.Atoi(f); err == nil {
			pids = append(pids, p)
		}
	}
	return pids
}

// buildNetwork creates the ISP bridges and host namespaces that are missing.
func (g *Grid) buildNetwork() error {
	for _, isp := range g.t.ISPs {
		ns := g.ispNS(isp)
		if nsExists(ns) {
			continue
		}
		for _, args := range [][]string{
			{"netns", "add", ns},
			{"-n", ns, "link", "set", "lo", "up"},
			{"-n", ns, "link", "add", "br0", "type", "bridge"},
			{"-n", ns, "link", "set", "br0", "up"},
		} {
			if err := ip(args...); err != nil {
				return err
			}
		}
	}
	for i, h := range g.t.Hosts {
		ns := g.hostNS(h.Name)
		if nsExists(ns) {
			// Reused only if what runs inside is this grid's own pnicd (or nothing).
			if pids := nsPids(ns); len(pids) > 0 && !(len(pids) == 1 && pids[0] == g.pid(h.Name)) {
				return fmt.Errorf("namespace %s is in use by pids %v that this state directory did not start (a grid of the same name elsewhere, or one left by a crash): stop them or delete the namespace", ns, pids)
			}
			continue
		}
		if err := ip("netns", "add", ns); err != nil {
			return err
		}
		if err := ip("-n", ns, "link", "set", "lo", "up"); err != nil {
			return err
		}
		for _, isp := range h.ISPs {
			j := g.t.ispIndex(isp)
			tmp := fmt.Sprintf("gv%d%d%d", os.Getpid()%10000, i, j)
			for _, args := range [][]string{
				{"link", "add", tmp + "a", "type", "veth", "peer", "name", tmp + "b"},
				{"link", "set", tmp + "a", "netns", ns, "name", isp},
				{"link", "set", tmp + "b", "netns", g.ispNS(isp), "name", "h-" + h.Name},
				{"-n", ns, "addr", "add", ispAddr(j, i) + "/16", "dev", isp},
				{"-n", ns, "link", "set", isp, "up"},
				{"-n", g.ispNS(isp), "link", "set", "h-" + h.Name, "master", "br0"},
				{"-n", g.ispNS(isp), "link", "set", "h-" + h.Name, "up"},
			} {
				if err := ip(args...); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// pnicdArgs are the flags of host i's pnicd.
func (g *Grid) pnicdArgs(i int, h Host) []string {
	data := filepath.Join(g.dir, h.Name)
	args := []string{"--data", data, "--socket", g.socketPath(h.Name), "--resolver", g.resolverFile()}
	if rpc := g.ChainRPC(); rpc != "" && (g.o.Backend == Local || g.standbys()) {
		// Twins resolve through the chain, with proofs, so a relocation reaches every PNIC. In
		// namespaces the host's standby forwards the chain's loopback RPC address into the
		// namespace; without twinds (no standbys) the PNICs read the resolver file, which lists the
		// same registrations.
		args = append(args, "--chain", rpc)
	}
	switch g.o.Backend {
	case Local:
		args = append(args, "--tun", "userspace",
			"--listen", fmt.Sprintf("quic://127.0.0.1:%d", g.o.BasePort+10*i+1),
			"--http", g.httpAddr(i))
		for _, p := range h.Peers {
			pi, _, _ := g.t.host(p)
			args = append(args, "--peer", fmt.Sprintf("quic://127.0.0.1:%d", g.o.BasePort+10*pi+1))
		}
	case Netns:
		args = append(args, "--tun", "kernel", "--listen", "quic://[::]:9651", "--http", g.httpAddr(i), "--redial-max", "5s")
		for _, p := range h.Peers {
			pi, ph, _ := g.t.host(p)
			for k, isp := range shared(h, ph) {
				args = append(args, "--peer", fmt.Sprintf("quic://%s:9651?priority=%d", ispAddr(g.t.ispIndex(isp), pi), k))
			}
		}
	}
	return args
}

func (g *Grid) httpAddr(i int) string {
	if g.o.Backend == Local {
		return fmt.Sprintf("127.0.0.1:%d", g.o.BasePort+10*i+2)
	}
	return "127.0.0.1:9652"
}

func (g *Grid) pidFile(h string) string { return filepath.Join(g.dir, h+".pid") }

// LogFile is the path of a host's pnicd log.
func (g *Grid) LogFile(h string) string { return filepath.Join(g.dir, h+".log") }

// start launches host i's pnicd detached from this process.
func (g *Grid) start(i int, h Host) error {
	if err := os.MkdirAll(filepath.Join(g.dir, h.Name), 0o700); err != nil {
		return err
	}
	name, args := g.o.Pnicd, g.pnicdArgs(i, h)
	if g.o.Backend == Netns {
		name, args = "ip", append([]string{"netns", "exec", g.hostNS(h.Name), g.o.Pnicd}, args...)
	}
	return g.spawn("pnicd for "+h.Name, g.LogFile(h.Name), g.pidFile(h.Name), name, args...)
}

// spawn starts a program detached from this process (its own session), output appended to logPath
// after a line marking the start, and records its pid in pidFile; how it ends is remembered.
func (g *Grid) spawn(what, logPath, pidFile, name string, args ...string) error {
	log, err := os.OpenFile(logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("log of %s: %w", what, err)
	}
	defer log.Close()
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	fmt.Fprintf(log, "--- gridctl starts %s at %s\n", what, time.Now().UTC().Format(time.RFC3339Nano))
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", what, err)
	}
	g.mu.Lock()
	if g.started == nil {
		g.started = make(map[string]int)
	}
	g.started[pidFile] = cmd.Process.Pid
	delete(g.exits, pidFile)
	g.mu.Unlock()
	go g.reap(pidFile, cmd) // reap it if it dies while we are still running, and remember why
	return os.WriteFile(pidFile, []byte(strconv.Itoa(cmd.Process.Pid)+"\n"), 0o600)
}

// pid returns the recorded pid of a host's pnicd if that process is alive and is pnicd.
func (g *Grid) pid(h string) int { return procPid(g.pidFile(h), "pnicd") }

// procPid returns the pid recorded in pidFile if that process is alive and runs exe.
func procPid(pidFile, exe string) int {
	b, err := os.ReadFile(pidFile)
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 || !runs(pid, exe) {
		return 0
	}
	return pid
}

// runs reports whether process pid is alive and runs exe (or is becoming it).
func runs(pid int, exe string) bool {
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return false
	}
	if len(cmdline) == 0 {
		// In the middle of an exec (ours of the program, or ip netns exec becoming it) the command
		// line reads empty for a moment; the executable, old or new, tells. A kernel thread or a
		// zombie has none.
		target, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
		if name := filepath.Base(strings.TrimSuffix(target, " (deleted)")); err != nil || (name != exe && name != "ip") {
			return false
		}
	} else if !strings.Contains(string(cmdline), exe) {
		return false
	}
	if st, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); err == nil {
		if f := strings.Fields(string(st)); len(f) > 2 && f[2] == "Z" {
			return false
		}
	}
	return true
}

func (g *Grid) running(h string) bool { return g.pid(h) != 0 }

func (g *Grid) client(h string) *http.Client {
	if g.o.Backend == Netns {
		return netns.HTTPClient(g.hostNS(h), 3*time.Second)
	}
	return &http.Client{Timeout: 3 * time.Second}
}

func (g *Grid) get(h string, path string, v any) (int, error) {
	i, _, _ := g.t.host(h)
	resp, err := g.client(h).Get("http://" + g.httpAddr(i) + path)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if v != nil {
		if err := json.NewDecoder(io.LimitReader(resp.Body, 8<<20)).Decode(v); err != nil {
			return resp.StatusCode, err
		}
	}
	return resp.StatusCode, nil
}

// linked reports whether a host has peers or is someone's peer, so /readyz must pass.
func (g *Grid) linked(h Host) bool {
	if len(h.Peers) > 0 {
		return true
	}
	for _, o := range g.t.Hosts {
		for _, p := range o.Peers {
			if p == h.Name {
				return true
			}
		}
	}
	return false
}

func (g *Grid) waitReady(ctx context.Context, h Host) error {
	path := "/healthz"
	if g.linked(h) {
		path = "/readyz"
	}
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	again := 1
	for {
		if !g.running(h.Name) {
			last := tail(g.LogFile(h.Name), 15)
			// Rarely (seen twice in many CI runs, right after a stop) a pnicd ends at once without
			// a word; start it once more and say so, rather than fail the whole network. Only one
			// seen to end: a second pnicd beside a live one would fight it for its TUN and lock.
			_, gone := g.ended(g.pidFile(h.Name))
			if lines := strings.Split(last, "\n"); again > 0 && gone && strings.HasPrefix(lines[len(lines)-1], "--- gridctl starts ") {
				again--
				g.say("pnicd of %s ended at once without a word (%s); starting it again", h.Name, g.exitOf(g.pidFile(h.Name)))
				i, _, _ := g.t.host(h.Name)
				if err := g.start(i, h); err != nil {
					return err
				}
				continue
			}
			return fmt.Errorf("pnicd of %s exited (%s); last lines of %s:\n%s", h.Name, g.exitOf(g.pidFile(h.Name)), g.LogFile(h.Name), last)
		}
		if code, err := g.get(h.Name, path, nil); err == nil && code == http.StatusOK {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s not ready: %w (log %s)", h.Name, ctx.Err(), g.LogFile(h.Name))
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func tail(path string, n int) string {
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// Down stops every twin, validator and host and removes namespaces and bridges, ending with a
// summary line; purge also deletes keys, chain state and logs.
func (g *Grid) Down(purge bool) error {
	start := time.Now()
	sum, err := g.down(purge)
	if err != nil {
		return err
	}
	g.say("network %s down in %s: %s", g.t.Name, took(start), sum)
	return nil
}

func (g *Grid) down(purge bool) (downSummary, error) {
	var sum downSummary
	var errs []error
	sum.twins, errs = g.downTwins()
	var perrs []error
	sum.pins, perrs = g.downPins()
	errs = append(errs, perrs...)
	if g.o.Backend == Netns {
		ps := make([]proc, len(g.t.Hosts))
		for i, h := range g.t.Hosts {
			ps[i] = proc{"standby of " + h.Name, g.standbyPidFile(h.Name), "twind"}
		}
		_, serrs := g.stopAll("stopping standbys", ps)
		errs = append(errs, serrs...)
	}
	vals, verrs := g.downChain()
	sum.validators, errs = vals, append(errs, verrs...)
	ps := make([]proc, len(g.t.Hosts))
	for i, h := range g.t.Hosts {
		ps[i] = proc{"pnicd of " + h.Name, g.pidFile(h.Name), "pnicd"}
	}
	sum.hosts, verrs = g.stopAll("stopping pnicd", ps)
	errs = append(errs, verrs...)
	if g.o.Backend == Netns {
		for _, ns := range g.namespaces() {
			// What still runs there (a twind a standby started, left by a standby killed) goes too.
			for _, pid := range nsPids(ns) {
				syscall.Kill(pid, syscall.SIGKILL)
				for i := 0; i < 50 && !exited(pid); i++ {
					time.Sleep(100 * time.Millisecond)
				}
			}
			if nsExists(ns) {
				if err := ip("netns", "del", ns); err != nil {
					errs = append(errs, err)
				} else {
					sum.namespaces++
				}
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return sum, err // the backend stays recorded, so the next down cleans up the same place
	}
	if purge {
		return sum, os.RemoveAll(g.dir)
	}
	if err := os.Remove(filepath.Join(g.dir, backendFile)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return sum, fmt.Errorf("state directory: %w", err)
	}
	return sum, nil
}

// namespaces lists the network namespaces of the netns backend: one per host, one per ISP.
func (g *Grid) namespaces() []string {
	var out []string
	for _, h := range g.t.Hosts {
		out = append(out, g.hostNS(h.Name))
	}
	for _, i := range g.t.ISPs {
		out = append(out, g.ispNS(i))
	}
	return out
}

// stopAll stops processes with a progress bar and counts those that were running.
func (g *Grid) stopAll(label string, ps []proc) (count, []error) {
	c := count{all: len(ps)}
	if len(ps) == 0 {
		return c, nil
	}
	bar := g.phase(label, len(ps))
	running, errs := stopProcs(ps, func() { bar.Add(1) })
	bar.Done()
	c.acted = running
	var out []error
	for _, err := range errs {
		if err != nil {
			out = append(out, err)
		}
	}
	return c, out
}

// proc names a process by its pid file and executable name.
type proc struct{ what, pidFile, exe string }

// stopProcs sends SIGTERM to every process at once, waits up to 10 s for all of them, then kills
// what is left, calling step as each is seen gone. It returns how many were running and, for each,
// nil or an error saying it had to be killed.
func stopProcs(ps []proc, step func()) (int, []error) {
	errs := make([]error, len(ps))
	pids := make([]int, len(ps))
	running := 0
	for i, p := range ps {
		pids[i] = procPid(p.pidFile, p.exe)
		os.Remove(p.pidFile)
		if pids[i] != 0 {
			running++
			syscall.Kill(pids[i], syscall.SIGTERM)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for i, pid := range pids {
		for pid != 0 && !exited(pid) && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if pid != 0 && !exited(pid) {
			syscall.Kill(pid, syscall.SIGKILL)
			errs[i] = fmt.Errorf("%s did not stop within 10 s; killed", ps[i].what)
		}
		step()
	}
	return running, errs
}

// Restart stops everything, keeping keys and state, and brings it up again, ending with a summary.
func (g *Grid) Restart(ctx context.Context) error {
	start := time.Now()
	if _, err := g.down(false); err != nil {
		return err
	}
	downTook := took(start)
	sum, err := g.up(ctx)
	if err != nil {
		return err
	}
	g.say("network %s restarted on the %s backend in %s (down %s): %s", g.t.Name, g.o.Backend, took(start), downTook, sum)
	return nil
}

// HostStatus is one host as gridctl status shows it.
type HostStatus struct {
	Name    string
	PID     int
	Healthy bool // its /healthz answers 200: the daemon runs
	Ready   bool // its /readyz answers 200: a link is up
	Address string
	Key     string // the PNIC's public key, hex
	LinksUp int
	Links   []Link // every link to every peer, as its /v1/status lists them
	Err     string
}

// Link is one link of a host to a peer.
type Link struct {
	Peer      string  `json:"peer"` // the peer's host name, or its key when it is not a host seen running
	URI       string  `json:"uri"`
	Inbound   bool    `json:"inbound"`
	Up        bool    `json:"up"`
	LatencyMS float64 `json:"latency_ms"`
	LastError string  `json:"last_error,omitempty"`
}

// Status reports every host's process, health (/healthz), readiness (/readyz), overlay address and
// links, asking up to 32 hosts at a time.
func (g *Grid) Status() []HostStatus {
	out := make([]HostStatus, len(g.t.Hosts))
	each(len(g.t.Hosts), func(i int) {
		h := g.t.Hosts[i]
		hs := HostStatus{Name: h.Name, PID: g.pid(h.Name)}
		defer func() { out[i] = hs }()
		if hs.PID == 0 {
			hs.Err = "not running"
			return
		}
		health, err := g.get(h.Name, "/healthz", nil)
		if err != nil {
			hs.Err = err.Error()
			return
		}
		hs.Healthy = health == http.StatusOK
		ready, err := g.get(h.Name, "/readyz", nil)
		if err != nil {
			hs.Err = err.Error()
			return
		}
		hs.Ready = ready == http.StatusOK
		var s pnic.Status
		if _, err := g.get(h.Name, "/v1/status", &s); err != nil {
			hs.Err = err.Error()
			return
		}
		hs.Address, hs.Key, hs.LinksUp = s.Address, s.Key, s.LinksUp()
		for _, p := range s.Peers {
			for _, l := range p.Links {
				hs.Links = append(hs.Links, Link{Peer: p.Key, URI: l.URI, Inbound: l.Inbound, Up: l.Up, LatencyMS: l.LatencyMS, LastError: l.LastError})
			}
		}
		switch {
		case !hs.Healthy:
			hs.Err = fmt.Sprintf("/healthz answered %d", health)
		case !hs.Ready && g.linked(h):
			hs.Err = fmt.Sprintf("no link up (/readyz answered %d)", ready)
		}
	})
	names := make(map[string]string, len(out))
	for _, hs := range out {
		if hs.Key != "" {
			names[hs.Key] = hs.Name
		}
	}
	for _, hs := range out {
		for j, l := range hs.Links {
			if n, ok := names[l.Peer]; ok {
				hs.Links[j].Peer = n
			}
		}
	}
	return out
}

// each calls fn(0..n-1), up to 32 at a time, and returns when all have returned.
func each(n int, fn func(i int)) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, 32)
	for i := 0; i < n; i++ {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			fn(i)
		}()
	}
	wg.Wait()
}

// Ping sends one ICMPv6 echo from host from to host to's overlay address.
func (g *Grid) Ping(from, to string) (time.Duration, error) {
	var s pnic.Status
	if _, err := g.get(to, "/v1/status", &s); err != nil {
		return 0, fmt.Errorf("status of %s: %w", to, err)
	}
	var r struct {
		RTT   float64 `json:"rtt_ms"`
		Error string  `json:"error"`
	}
	code, err := g.get(from, "/v1/ping?timeout=1s&addr="+url.QueryEscape(s.Address), &r)
	if err != nil {
		return 0, fmt.Errorf("ping %s from %s: %w", to, from, err)
	}
	if code != http.StatusOK {
		return 0, fmt.Errorf("ping %s from %s: %s", to, from, r.Error)
	}
	return time.Duration(r.RTT * float64(time.Millisecond)), nil
}

// WaitReach pings to from from until one echo returns or ctx ends.
func (g *Grid) WaitReach(ctx context.Context, from, to string) (time.Duration, error) {
	for {
		rtt, err := g.Ping(from, to)
		if err == nil {
			return rtt, nil
		}
		select {
		case <-ctx.Done():
			return 0, fmt.Errorf("%s cannot reach %s: %w", from, to, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// SetUplink cuts (up=false) or restores a host's uplink to an ISP, from the ISP's side, so the
// host sees no error: traffic just stops (netns backend).
func (g *Grid) SetUplink(host, isp string, up bool) error {
	if g.o.Backend != Netns {
		return errors.New("uplinks exist only on the netns backend")
	}
	if _, h, ok := g.t.host(host); !ok || g.t.ispIndex(isp) < 0 || len(shared(h, Host{ISPs: []string{isp}})) == 0 {
		return fmt.Errorf("host %s has no uplink to %s", host, isp)
	}
	state := "down"
	if up {
		state = "up"
	}
	return ip("-n", g.ispNS(isp), "link", "set", "h-"+host, state)
}

// Kill stops one host's pnicd at once (SIGKILL), as a crash would.
func (g *Grid) Kill(host string) error {
	if _, _, ok := g.t.host(host); !ok {
		return fmt.Errorf("no host %s", host)
	}
	return killProc(host, g.pidFile(host), "pnicd")
}

// killProc sends SIGKILL to the process recorded in pidFile and waits until it is gone, not just
// unrecognisable: while it exits its memory goes before its files, so its database lock and
// sockets outlive its command line for a moment.
func killProc(what, pidFile, exe string) error {
	pid := procPid(pidFile, exe)
	if pid == 0 {
		return fmt.Errorf("%s is not running", what)
	}
	syscall.Kill(pid, syscall.SIGKILL)
	for i := 0; i < 50 && !exited(pid); i++ {
		time.Sleep(100 * time.Millisecond)
	}
	if !exited(pid) {
		return fmt.Errorf("%s (pid %d) did not exit within 5 s of SIGKILL", what, pid)
	}
	return nil
}

// exited reports whether a process has finished exiting (gone, or a zombie whose files are closed).
func exited(pid int) bool {
	st, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	// The state follows the command name in parentheses, which may itself hold spaces.
	if i := bytes.LastIndexByte(st, ')'); i >= 0 && i+2 < len(st) {
		return st[i+2] == 'Z' || st[i+2] == 'X'
	}
	return false
}

// StartHost starts one host again and waits until it is ready.
func (g *Grid) StartHost(ctx context.Context, host string) error {
	i, h, ok := g.t.host(host)
	if !ok {
		return fmt.Errorf("no host %s", host)
	}
	if !g.running(host) {
		if err := g.start(i, h); err != nil {
			return err
		}
	}
	return g.waitReady(ctx, h)
}

// Backend is where this grid's hosts run: the one recorded by up, else the one asked for.
func (g *Grid) Backend() Backend { return g.o.Backend }

// Topology is the grid's topology.
func (g *Grid) Topology() Topology { return g.t }

// Dir is the network's state directory.
func (g *Grid) Dir() string { return g.dir }

// HTTPAddr is where host's status server listens (inside its namespace on the netns backend).
func (g *Grid) HTTPAddr(host string) string {
	i, _, _ := g.t.host(host)
	return g.httpAddr(i)
}
