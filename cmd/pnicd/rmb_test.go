package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/freeflowuniverse/planetary/chain"
	"github.com/freeflowuniverse/planetary/chain/chaintest"
	chainclient "github.com/freeflowuniverse/planetary/chain/client"
	"github.com/freeflowuniverse/planetary/internal/testnet"
	"github.com/freeflowuniverse/planetary/pnic"
	"github.com/freeflowuniverse/planetary/rmb/client"
	"github.com/freeflowuniverse/planetary/rmb/resolve"
	"github.com/freeflowuniverse/planetary/rmb/seal"
)

// rmbNode is one pnicd with RMB, run on loopback (host nil) or inside a namespace.
type rmbNode struct {
	t      *testing.T
	name   string
	host   *testnet.Host // nil: the test's own namespace, userspace netstack
	args   []string
	data   string
	socket string
	key    ed25519.PublicKey
	starts int
	proc   *testnet.Proc
}

// newRMBNode prepares a pnicd's data dir and key; start runs it.
func newRMBNode(t *testing.T, name string, host *testnet.Host, resolver string, args ...string) *rmbNode {
	t.Helper()
	data := t.TempDir()
	priv, _, err := pnic.LoadOrCreateKey(filepath.Join(data, "pnic.key"))
	if err != nil {
		t.Fatal(err)
	}
	// The socket path must stay short (108 bytes): put it beside, not inside, the deep temp dir.
	sock := filepath.Join(os.TempDir(), fmt.Sprintf("pnic-%s-%d.sock", name, time.Now().UnixNano()%1e9))
	t.Cleanup(func() { os.Remove(sock) })
	base := []string{"--data", data, "--socket", sock, "--resolver", resolver, "--link-timeout", "600ms", "--redial-max", "1s"}
	n := &rmbNode{t: t, name: name, host: host, data: data, socket: sock, key: priv.Public().(ed25519.PublicKey),
		args: append(base, args...)}
	t.Cleanup(func() {
		if t.Failed() && n.proc != nil {
			t.Logf("log of pnicd %s (start %d):\n%s", name, n.starts, tail(n.proc.Output(), 60))
		}
	})
	return n
}

func tail(s string, lines int) string {
	l := strings.Split(s, "\n")
	if len(l) > lines {
		l = l[len(l)-lines:]
	}
	return strings.Join(l, "\n")
}

// start runs the pnicd and waits until its socket accepts connections.
func (n *rmbNode) start() {
	n.t.Helper()
	n.starts++
	logPath := filepath.Join(n.data, fmt.Sprintf("pnicd-%d.log", n.starts))
	if n.host != nil {
		n.proc = n.host.Start(logPath, pnicdBinary(n.t), n.args...)
	} else {
		n.proc = testnet.StartLocal(n.t, logPath, pnicdBinary(n.t), n.args...)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		if n.proc.Exited() {
			n.t.Fatalf("pnicd %s exited:\n%s", n.name, n.proc.Output())
		}
		if c, err := net.Dial("unix", n.socket); err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			n.t.Fatalf("pnicd %s: socket %s not up within 60 s:\n%s", n.name, n.socket, n.proc.Output())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// kill9 kills the pnicd with SIGKILL, leaving its data as it was at that instant.
func (n *rmbNode) kill9() { n.proc.Kill() }

// twins makes keys for twins 1..len(hosts), twin i hosted by hosts[i-1], and writes the resolver file.
func makeTwins(t *testing.T, path string, hosts ...*rmbNode) []seal.TwinKeys {
	t.Helper()
	var keys []seal.TwinKeys
	var infos []resolve.TwinInfo
	for i, h := range hosts {
		k, err := seal.GenerateTwinKeys(uint64(i + 1))
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
		infos = append(infos, resolve.TwinInfo{ID: k.ID, SigningKey: k.SigningPublic(), EncryptionKey: k.EncryptionPublic(), PNIC: h.key})
	}
	if err := resolve.WriteFile(path, infos); err != nil {
		t.Fatal(err)
	}
	return keys
}

func dialTwin(t *testing.T, ctx context.Context, n *rmbNode, k seal.TwinKeys) *client.Client {
	t.Helper()
	c, err := client.Dial(ctx, client.Config{Path: n.socket, Keys: k, TTL: 10 * time.Minute})
	if err != nil {
		t.Fatalf("twin %d on %s: %v", k.ID, n.name, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// stream sends n numbered messages from one twin to another and counts what arrives.
type stream struct {
	t        *testing.T
	ctx      context.Context
	n        int
	command  string
	sent     atomic.Int64
	received atomic.Int64
	mu       sync.Mutex
	counts   []int
	dupe     chan string
	sendErr  chan error
	allIn    chan struct{}
	wg       sync.WaitGroup
}

// startStream sends from `from` to twin `to` (read by `recv`) with 8 concurrent senders.
func startStream(t *testing.T, ctx context.Context, from, recv *client.Client, to uint64, n int, command string) *stream {
	s := &stream{t: t, ctx: ctx, n: n, command: command, counts: make([]int, n), dupe: make(chan string, 1),
		sendErr: make(chan error, 8), allIn: make(chan struct{})}
	go func() {
		for m := range recv.Messages() {
			var i int
			if m.Command != command {
				m.Ack()
				continue
			}
			if _, err := fmt.Sscanf(string(m.Body), "msg %d", &i); err != nil || i < 0 || i >= n {
				m.Ack()
				continue
			}
			s.mu.Lock()
			s.counts[i]++
			twice := s.counts[i] > 1
			s.mu.Unlock()
			m.Ack()
			if twice {
				select {
				case s.dupe <- string(m.Body):
				default:
				}
				continue
			}
			if s.received.Add(1) == int64(n) {
				close(s.allIn)
			}
		}
	}()
	for w := range 8 {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			for i := w; i < n; i += 8 {
				if _, err := from.Send(ctx, client.Outgoing{To: to, Command: command, Body: fmt.Appendf(nil, "msg %d", i)}); err != nil {
					s.sendErr <- fmt.Errorf("send %d: %w", i, err)
					return
				}
				s.sent.Add(1)
			}
		}()
	}
	return s
}

// waitFor polls cond, failing on a send error, a duplicate or the context's end.
func (s *stream) waitFor(what string, cond func() bool) {
	s.t.Helper()
	for !cond() {
		select {
		case <-s.ctx.Done():
			s.t.Fatalf("timed out waiting for %s (sent %d, received %d of %d)", what, s.sent.Load(), s.received.Load(), s.n)
		case err := <-s.sendErr:
			s.t.Fatal(err)
		case d := <-s.dupe:
			s.t.Fatalf("%q received twice", d)
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// finish waits for every message and checks each arrived exactly once.
func (s *stream) finish() {
	s.t.Helper()
	s.wg.Wait()
	select {
	case err := <-s.sendErr:
		s.t.Fatal(err)
	default:
	}
	select {
	case <-s.allIn:
	case d := <-s.dupe:
		s.t.Fatalf("%q received twice", d)
	case <-s.ctx.Done():
		s.t.Fatalf("only %d of %d received", s.received.Load(), s.n)
	}
	select {
	case d := <-s.dupe:
		s.t.Fatalf("%q received twice", d)
	default:
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, c := range s.counts {
		if c != 1 {
			s.t.Fatalf("message %d received %d times", i, c)
		}
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	return pc.LocalAddr().(*net.UDPAddr).Port
}

// TestRMBUserspace: three pnicd processes on loopback in a line, 1–2–3, userspace netstack. Twin 1
// (on PNIC 1) sends 10,000 messages to twin 2 (PNIC 2) while first the sender's and then the
// receiver's pnicd is killed with SIGKILL and restarted; then 10,000 to twin 3 (PNIC 3, through
// PNIC 2); then `pnicd ping` of twin 3. Each message must arrive exactly once.
func TestRMBUserspace(t *testing.T) {
	if testing.Short() {
		t.Skip("runs three pnicd processes")
	}
	resolver := filepath.Join(t.TempDir(), "twins.json")
	var ports [3]int
	var nodes [3]*rmbNode
	for i := range nodes {
		ports[i] = freePort(t)
		args := []string{"--tun", "userspace", "--http", "off", "--listen", fmt.Sprintf("quic://127.0.0.1:%d", ports[i])}
		if i > 0 {
			args = append(args, "--peer", fmt.Sprintf("quic://127.0.0.1:%d", ports[i-1]))
		}
		nodes[i] = newRMBNode(t, fmt.Sprint(i+1), nil, resolver, args...)
	}
	twins := makeTwins(t, resolver, nodes[0], nodes[1], nodes[2])
	for _, n := range nodes {
		n.start()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	c1 := dialTwin(t, ctx, nodes[0], twins[0])
	c2 := dialTwin(t, ctx, nodes[1], twins[1])
	c3 := dialTwin(t, ctx, nodes[2], twins[2])

	const n = 10000
	t.Run("two PNICs, kill -9 of sender and receiver", func(t *testing.T) {
		s := startStream(t, ctx, c1, c2, 2, n, "test.two")
		s.waitFor("a quarter sent", func() bool { return s.sent.Load() >= n/4 })
		nodes[0].kill9()
		t.Logf("killed the sender's pnicd after %d sent, %d received", s.sent.Load(), s.received.Load())
		nodes[0].start()
		s.waitFor("half received", func() bool { return s.received.Load() >= n/2 })
		nodes[1].kill9()
		t.Logf("killed the receiver's pnicd after %d sent, %d received", s.sent.Load(), s.received.Load())
		nodes[1].start()
		s.finish()
	})
	if t.Failed() {
		return
	}
	t.Run("three PNICs", func(t *testing.T) {
		s := startStream(t, ctx, c1, c3, 3, n, "test.three")
		s.finish()
	})
	t.Run("pnicd ping twin", func(t *testing.T) {
		// Twin 3 answers pings through its client; twin 1's keys are used by the command.
		keyFile := filepath.Join(t.TempDir(), "twin1.key")
		if err := seal.WriteKeyFile(keyFile, twins[0]); err != nil {
			t.Fatal(err)
		}
		c1.Close() // the command logs in as twin 1 itself
		var out bytes.Buffer
		err := run([]string{"ping", "--socket", nodes[0].socket, "--key", keyFile, "-c", "3", "-W", "5s", "3"}, &out, &bytes.Buffer{})
		if err != nil || !strings.Contains(out.String(), "3 sent, 3 received") {
			t.Fatalf("pnicd ping 3: %v\n%s", err, out.String())
		}
		t.Logf("pnicd ping:\n%s", out.String())
		out.Reset()
		err = run([]string{"ping", "--socket", nodes[0].socket, "--key", keyFile, "-c", "1", "99"}, &out, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), "unknown") {
			t.Fatalf("ping of an unknown twin: %v\n%s", err, out.String())
		}
	})
}

// TestRMBKernelLinkCut: A–B–C in namespaces with kernel TUNs. Twin 1 (A) sends 10,000 messages to
// twin 2 (B), then 10,000 to twin 3 (C, through B) while the B–C link is cut: sending goes on
// into the outbox, and everything is delivered exactly once after the link is restored.
func TestRMBKernelLinkCut(t *testing.T) {
	testnet.RequireRoot(t)
	a, b, c := testnet.NewHost(t, "ra"), testnet.NewHost(t, "rb"), testnet.NewHost(t, "rc")
	testnet.Connect(t, a, "eth0", "10.78.1.1/24", b, "eth0", "10.78.1.2/24")
	testnet.Connect(t, b, "eth1", "10.78.2.1/24", c, "eth0", "10.78.2.2/24")
	resolver := filepath.Join(t.TempDir(), "twins.json")
	common := []string{"--tun", "kernel", "--http", "127.0.0.1:9652"}
	nb := newRMBNode(t, "b", b, resolver, common...)
	na := newRMBNode(t, "a", a, resolver, append(common, "--peer", "quic://10.78.1.2:9651")...)
	nc := newRMBNode(t, "c", c, resolver, append(common, "--peer", "quic://10.78.2.1:9651")...)
	twins := makeTwins(t, resolver, na, nb, nc)
	for _, n := range []*rmbNode{nb, na, nc} {
		n.start()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	c1 := dialTwin(t, ctx, na, twins[0])
	c2 := dialTwin(t, ctx, nb, twins[1])
	c3 := dialTwin(t, ctx, nc, twins[2])

	// The twin's overlay address is on A's kernel TUN once asked for.
	addr, err := c1.Address(ctx, 0)
	if err != nil {
		t.Fatalf("twin 1 address: %v", err)
	}
	if want := pnic.TwinAddressOf(na.key, 1); addr != want {
		t.Fatalf("twin 1 address = %s, want %s", addr, want)
	}
	ln, err := a.Listen("tcp6", fmt.Sprintf("[%s]:0", addr))
	if err != nil {
		t.Fatalf("twin 1's address is not on A's TUN: %v", err)
	}
	ln.Close()

	const n = 10000
	t.Run("two PNICs", func(t *testing.T) {
		startStream(t, ctx, c1, c2, 2, n, "test.two").finish()
	})
	if t.Failed() {
		return
	}
	t.Run("three PNICs with the B–C link cut", func(t *testing.T) {
		s := startStream(t, ctx, c1, c3, 3, n, "test.three")
		s.waitFor("a tenth received", func() bool { return s.received.Load() >= n/10 })
		c.SetLink("eth0", false)
		cutAt := s.received.Load()
		t.Logf("cut B–C after %d sent, %d received", s.sent.Load(), cutAt)
		// Senders keep going: Send only needs A's outbox.
		s.waitFor("all sent during the cut", func() bool { return s.sent.Load() == n })
		got := s.received.Load()
		t.Logf("all %d sent with the link down; %d received", n, got)
		if got == n {
			t.Fatal("every message arrived while the only path was cut")
		}
		c.SetLink("eth0", true)
		s.finish()
	})
}

// TestRMBChainResolver: two pnicd processes resolve twins through a real single-validator dev chain
// (--chain): twins registered only on the chain exchange a message and pings; a twin the chain
// does not know is refused.
func TestRMBChainResolver(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a chain node and two pnicd processes")
	}
	chn := chaintest.StartDev(t)
	devKey, rpc := chn.DevKey, chn.RPC
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cc, err := chainclient.Dial(ctx, rpc, chainclient.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	dev := chainclient.NewSigner(devKey)

	unused := filepath.Join(t.TempDir(), "twins.json") // --chain wins over the file
	p0, p1 := freePort(t), freePort(t)
	n0 := newRMBNode(t, "c0", nil, unused, "--chain", rpc, "--tun", "userspace", "--http", "off", "--listen", fmt.Sprintf("quic://127.0.0.1:%d", p0))
	n1 := newRMBNode(t, "c1", nil, unused, "--chain", rpc, "--tun", "userspace", "--http", "off", "--listen", fmt.Sprintf("quic://127.0.0.1:%d", p1),
		"--peer", fmt.Sprintf("quic://127.0.0.1:%d", p0))
	var keys []seal.TwinKeys
	for i, n := range []*rmbNode{n0, n1} {
		k, _ := seal.GenerateTwinKeys(uint64(i + 1)) // the chain assigns ids 1 and 2 in this order
		reg := &chain.RegisterTwin{X25519: k.EncryptionPublic()}
		copy(reg.Key[:], k.SigningPublic())
		copy(reg.PNIC[:], n.key)
		if _, err := cc.Submit(ctx, dev, reg); err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
	}
	n0.start()
	n1.start()
	c1 := dialTwin(t, ctx, n0, keys[0])
	c2 := dialTwin(t, ctx, n1, keys[1])
	r, err := c1.SendWait(ctx, client.Outgoing{To: 2, Command: "hello", Body: []byte("resolved on chain")})
	if err != nil || !r.Delivered {
		t.Fatalf("send: %+v %v", r, err)
	}
	select {
	case m := <-c2.Messages():
		if m.From != 1 || string(m.Body) != "resolved on chain" {
			t.Fatalf("got %+v", m)
		}
		m.Ack()
	case <-ctx.Done():
		t.Fatal("not delivered")
	}
	if _, err := c2.Ping(ctx, 1); err != nil {
		t.Fatalf("ping back: %v", err)
	}
	if _, err := c1.Ping(ctx, 3); err == nil {
		t.Fatal("ping of a twin the chain does not know succeeded")
	}
}
