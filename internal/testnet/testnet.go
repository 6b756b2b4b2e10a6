// Package testnet builds throwaway hosts for tests and benchmarks: network namespaces joined
// by veth pairs, with helpers to run processes and open sockets inside them. Everything it
// creates is removed by the test's cleanup.
package testnet

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/freeflowuniverse/planetary/internal/netns"
)

var seq atomic.Uint32

// RequireRoot skips the test unless it runs as root with the ip command available.
func RequireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: creates network namespaces, veth pairs and TUN devices (run make test as root)")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("needs the ip command (Debian package iproute2)")
	}
}

// IP runs the ip command and fails the test on error.
func IP(t testing.TB, args ...string) {
	t.Helper()
	if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
		t.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
	}
}

// Host is a network namespace.
type Host struct {
	// NS is the namespace name.
	NS string
	t  testing.TB
}

// NewHost creates a namespace with loopback up; it is deleted when the test ends.
func NewHost(t testing.TB, name string) *Host {
	t.Helper()
	ns := fmt.Sprintf("pl%d-%d-%s", os.Getpid()%100000, seq.Add(1), name)
	IP(t, "netns", "add", ns)
	t.Cleanup(func() { exec.Command("ip", "netns", "del", ns).Run() })
	h := &Host{NS: ns, t: t}
	IP(t, "-n", ns, "link", "set", "lo", "up")
	return h
}

// Connect joins a and b with a veth pair named aIf/bIf carrying the given CIDR addresses.
func Connect(t testing.TB, a *Host, aIf, aAddr string, b *Host, bIf, bAddr string) {
	t.Helper()
	tmp := fmt.Sprintf("plv%d", seq.Add(1))
	IP(t, "link", "add", tmp+"a", "type", "veth", "peer", "name", tmp+"b")
	IP(t, "link", "set", tmp+"a", "netns", a.NS, "name", aIf)
	IP(t, "link", "set", tmp+"b", "netns", b.NS, "name", bIf)
	IP(t, "-n", a.NS, "addr", "add", aAddr, "dev", aIf)
	IP(t, "-n", b.NS, "addr", "add", bAddr, "dev", bIf)
	IP(t, "-n", a.NS, "link", "set", aIf, "up")
	IP(t, "-n", b.NS, "link", "set", bIf, "up")
}

// SetLink brings an interface of the host up or down.
func (h *Host) SetLink(ifname string, up bool) {
	h.t.Helper()
	state := "down"
	if up {
		state = "up"
	}
	IP(h.t, "-n", h.NS, "link", "set", ifname, state)
}

// HasLink reports whether the interface exists in the host.
func (h *Host) HasLink(ifname string) bool {
	return exec.Command("ip", "-n", h.NS, "link", "show", ifname).Run() == nil
}

// Do runs fn with the calling OS thread inside the namespace; sockets fn opens stay there.
func (h *Host) Do(fn func() error) error { return netns.Do(h.NS, fn) }

// Dial opens a connection from inside the host.
func (h *Host) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	return netns.Dialer(h.NS)(ctx, network, addr)
}

// Listen opens a stream listener inside the host.
func (h *Host) Listen(network, addr string) (l net.Listener, err error) {
	if derr := h.Do(func() error { l, err = net.Listen(network, addr); return nil }); derr != nil {
		return nil, derr
	}
	return l, err
}

// ListenPacket opens a datagram socket inside the host.
func (h *Host) ListenPacket(network, addr string) (pc net.PacketConn, err error) {
	if derr := h.Do(func() error { pc, err = net.ListenPacket(network, addr); return nil }); derr != nil {
		return nil, derr
	}
	return pc, err
}

// HTTPClient is a client whose connections start inside the host.
func (h *Host) HTTPClient() *http.Client { return netns.HTTPClient(h.NS, 5*time.Second) }

// Proc is a process running inside a host.
type Proc struct {
	cmd  *exec.Cmd
	done chan struct{}
	err  error
	// Log is the path of the file holding its stdout and stderr.
	Log string
}

// Start runs a command inside the host, output to logPath; the test's cleanup stops it.
func (h *Host) Start(logPath string, name string, args ...string) *Proc {
	h.t.Helper()
	return start(h.t, logPath, exec.Command("ip", append([]string{"netns", "exec", h.NS, name}, args...)...))
}

// StartLocal runs a command in the test's own namespace, output to logPath; the test's cleanup stops it.
func StartLocal(t testing.TB, logPath string, name string, args ...string) *Proc {
	t.Helper()
	return start(t, logPath, exec.Command(name, args...))
}

func start(t testing.TB, logPath string, cmd *exec.Cmd) *Proc {
	t.Helper()
	f, err := os.Create(logPath)
	if err != nil {
		t.Fatalf("log file: %v", err)
	}
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		f.Close()
		t.Fatalf("start %s: %v", cmd.Args, err)
	}
	p := &Proc{cmd: cmd, done: make(chan struct{}), Log: logPath}
	go func() { p.err = cmd.Wait(); f.Close(); close(p.done) }()
	t.Cleanup(func() { p.Stop(5 * time.Second) })
	return p
}

// Stop sends SIGTERM, waits up to grace, then kills; it returns the exit error.
func (p *Proc) Stop(grace time.Duration) error {
	select {
	case <-p.done:
		return p.err
	default:
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(grace):
		p.cmd.Process.Kill()
		<-p.done
		return fmt.Errorf("did not stop within %s; killed", grace)
	}
	return p.err
}

// Kill sends SIGKILL and waits.
func (p *Proc) Kill() {
	p.cmd.Process.Kill()
	<-p.done
}

// Exited reports whether the process has ended.
func (p *Proc) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Output returns what the process has logged so far.
func (p *Proc) Output() string {
	b, _ := os.ReadFile(p.Log)
	return string(b)
}

// Pid is the process id (the command itself: ip netns exec replaces itself with it).
func (p *Proc) Pid() int { return p.cmd.Process.Pid }
