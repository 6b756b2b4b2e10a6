package socket_test

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/freeflowuniverse/planetary/rmb/bus"
	"github.com/freeflowuniverse/planetary/rmb/client"
	"github.com/freeflowuniverse/planetary/rmb/resolve"
	"github.com/freeflowuniverse/planetary/rmb/seal"
	"github.com/freeflowuniverse/planetary/rmb/socket"
)

// TestHelperProcess is a PNIC (bus + socket server) run in a child process by the kill tests; it
// does nothing in a normal test run.
func TestHelperProcess(t *testing.T) {
	if os.Getenv("RMB_TEST_PNIC") != "1" {
		t.Skip("helper process for TestKill9; runs only when re-executed by it")
	}
	if err := runHelper(); err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		os.Exit(3)
	}
	os.Exit(0)
}

func runHelper() error {
	seed, err := hex.DecodeString(os.Getenv("RMB_KEY"))
	if err != nil || len(seed) != ed25519.SeedSize {
		return fmt.Errorf("RMB_KEY: %v", err)
	}
	key := ed25519.NewKeyFromSeed(seed)
	peers := map[string]net.Addr{}
	for _, p := range strings.Split(os.Getenv("RMB_PEERS"), ",") {
		k, a, _ := strings.Cut(p, "=")
		pk, _ := hex.DecodeString(k)
		ua, err := net.ResolveUDPAddr("udp", a)
		if err != nil {
			return err
		}
		peers[string(pk)] = ua
	}
	locate := func(k ed25519.PublicKey) (net.Addr, error) {
		if a, ok := peers[string(k)]; ok {
			return a, nil
		}
		return nil, errors.New("unknown PNIC")
	}
	res, err := resolve.NewFile(os.Getenv("RMB_TWINS"))
	if err != nil {
		return err
	}
	pc, err := net.ListenPacket("udp", os.Getenv("RMB_UDP"))
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	window, err := time.ParseDuration(os.Getenv("RMB_SYNC_WINDOW"))
	if err != nil {
		return fmt.Errorf("RMB_SYNC_WINDOW: %w", err)
	}
	b, err := bus.New(bus.Config{Conn: pc, Locate: locate, Key: key, Resolver: resolve.NewCache(res, time.Minute),
		DataDir: os.Getenv("RMB_DIR"), Logger: log,
		Limits: bus.Limits{RetryMin: 20 * time.Millisecond, RetryMax: 300 * time.Millisecond, CallTimeout: 2 * time.Second,
			SyncWindow: window}})
	if err != nil {
		return err
	}
	srv, err := socket.Listen(socket.Config{Path: os.Getenv("RMB_SOCK"), Bus: b, Logger: log})
	if err != nil {
		return err
	}
	fmt.Println("ready")
	io.Copy(io.Discard, os.Stdin) // the parent holds stdin open; its death ends the helper
	srv.Close()
	req, env := b.Batches()
	fmt.Fprintf(os.Stderr, "%s %d %d\n", batchesLine, req, env)
	return b.Close()
}

// batchesLine starts the line a helper PNIC logs when it stops cleanly: its delivery batches since
// it started and the envelopes they carried.
const batchesLine = "delivery batches and envelopes:"

type child struct {
	t    *testing.T
	name string
	env  []string
	cmd  *exec.Cmd
	in   io.WriteCloser
	logf *os.File
}

func (c *child) start() {
	c.t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
	cmd.Env = append(os.Environ(), c.env...)
	cmd.Stderr = c.logf
	out, err := cmd.StdoutPipe()
	if err != nil {
		c.t.Fatal(err)
	}
	c.in, err = cmd.StdinPipe()
	if err != nil {
		c.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	c.cmd = cmd
	ready := make(chan error, 1)
	go func() {
		line, err := bufio.NewReader(out).ReadString('\n')
		if err == nil && strings.TrimSpace(line) != "ready" {
			err = fmt.Errorf("unexpected output %q", line)
		}
		ready <- err
		io.Copy(io.Discard, out)
	}()
	select {
	case err := <-ready:
		if err != nil {
			c.t.Fatalf("%s did not start: %v", c.name, err)
		}
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		c.t.Fatalf("%s did not start within 60 s", c.name)
	}
}

func (c *child) kill9() {
	c.cmd.Process.Signal(syscall.SIGKILL)
	c.cmd.Wait()
	c.in.Close()
}

func (c *child) stop() {
	if c.cmd != nil && c.cmd.ProcessState == nil {
		c.in.Close()
		done := make(chan struct{})
		go func() { c.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			c.cmd.Process.Kill()
			<-done
		}
	}
}

func freeUDP(t *testing.T) string {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	a := pc.LocalAddr().String()
	pc.Close()
	return a
}

// TestKill9 streams messages from twin 1 (PNIC 1) to twin 2 (PNIC 2), kills -9 the sender's PNIC and
// later the receiver's PNIC mid-stream, restarts each, and checks every message arrives exactly once.
// The twin sends from many goroutines, so sends reach the bus in groups and deliveries go in batches
// (checked from the sending PNIC's count). A relaxed bus is not held to this: killed, it may lose
// the writes not yet handed to the kernel (its bound is tested in the store).
func TestKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns PNIC processes")
	}
	testKill9(t, 0)
}

func testKill9(t *testing.T, window time.Duration) {
	dir, err := os.MkdirTemp("", "rmbkill")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	var keys [2]ed25519.PrivateKey
	var udp [2]string
	for i := range keys {
		_, keys[i], _ = ed25519.GenerateKey(nil)
		udp[i] = freeUDP(t)
	}
	twins := make([]seal.TwinKeys, 2)
	var infos []resolve.TwinInfo
	for i := range twins {
		twins[i], _ = seal.GenerateTwinKeys(uint64(i + 1))
		infos = append(infos, resolve.TwinInfo{ID: uint64(i + 1), SigningKey: twins[i].SigningPublic(),
			EncryptionKey: twins[i].EncryptionPublic(), PNIC: keys[i].Public().(ed25519.PublicKey)})
	}
	twinsFile := filepath.Join(dir, "twins.json")
	if err := resolve.WriteFile(twinsFile, infos); err != nil {
		t.Fatal(err)
	}
	peers := fmt.Sprintf("%x=%s,%x=%s", keys[0].Public(), udp[0], keys[1].Public(), udp[1])
	pnics := make([]*child, 2)
	for i := range pnics {
		logf, err := os.Create(filepath.Join(dir, fmt.Sprintf("pnic%d.log", i+1)))
		if err != nil {
			t.Fatal(err)
		}
		defer logf.Close()
		pnics[i] = &child{t: t, name: fmt.Sprintf("PNIC %d", i+1), logf: logf, env: []string{
			"RMB_TEST_PNIC=1", "RMB_KEY=" + hex.EncodeToString(keys[i].Seed()), "RMB_UDP=" + udp[i], "RMB_PEERS=" + peers,
			"RMB_TWINS=" + twinsFile, "RMB_DIR=" + filepath.Join(dir, fmt.Sprintf("data%d", i+1)),
			"RMB_SOCK=" + filepath.Join(dir, fmt.Sprintf("p%d.sock", i+1)), "RMB_SYNC_WINDOW=" + window.String(),
		}}
		pnics[i].start()
		defer pnics[i].stop()
	}
	defer func() {
		if t.Failed() {
			for i := range pnics {
				b, _ := os.ReadFile(filepath.Join(dir, fmt.Sprintf("pnic%d.log", i+1)))
				t.Logf("PNIC %d log:\n%s", i+1, b)
			}
		}
	}()

	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	a, err := client.Dial(ctx, client.Config{Path: filepath.Join(dir, "p1.sock"), Keys: twins[0], TTL: 10 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := client.Dial(ctx, client.Config{Path: filepath.Join(dir, "p2.sock"), Keys: twins[1]})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()

	const n = 3000
	var received atomic.Int64
	counts := make([]int, n)
	allIn := make(chan struct{})
	dupes := make(chan string, 1)
	go func() {
		for m := range b.Messages() {
			var i int
			if _, err := fmt.Sscanf(string(m.Body), "msg %d", &i); err != nil || i < 0 || i >= n {
				continue
			}
			counts[i]++
			if counts[i] > 1 {
				select {
				case dupes <- string(m.Body):
				default:
				}
			}
			m.Ack()
			if received.Add(1) == n {
				close(allIn)
			}
		}
	}()

	var sent atomic.Int64
	var wg sync.WaitGroup
	sendErr := make(chan error, 8)
	const senders = 32
	for w := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += senders {
				_, err := a.Send(ctx, client.Outgoing{To: 2, Command: "kill.test", Body: fmt.Appendf(nil, "msg %d", i)})
				if err != nil {
					sendErr <- fmt.Errorf("send %d: %w", i, err)
					return
				}
				sent.Add(1)
			}
		}()
	}
	waitFor := func(what string, cond func() bool) {
		for !cond() {
			select {
			case <-ctx.Done():
				t.Fatalf("timed out waiting for %s (sent %d, received %d)", what, sent.Load(), received.Load())
			case err := <-sendErr:
				t.Fatal(err)
			case <-time.After(5 * time.Millisecond):
			}
		}
	}
	waitFor("a quarter sent", func() bool { return sent.Load() >= n/4 })
	pnics[0].kill9()
	t.Logf("killed the sender's PNIC after %d sent, %d received", sent.Load(), received.Load())
	pnics[0].start()
	waitFor("half received", func() bool { return received.Load() >= n/2 })
	pnics[1].kill9()
	t.Logf("killed the receiver's PNIC after %d sent, %d received", sent.Load(), received.Load())
	pnics[1].start()
	wg.Wait()
	select {
	case err := <-sendErr:
		t.Fatal(err)
	default:
	}
	select {
	case <-allIn:
	case d := <-dupes:
		t.Fatalf("%q received twice", d)
	case <-ctx.Done():
		t.Fatalf("only %d of %d received", received.Load(), n)
	}
	select {
	case d := <-dupes:
		t.Fatalf("%q received twice", d)
	default:
	}
	for i, c := range counts {
		if c != 1 {
			t.Fatalf("message %d received %d times", i, c)
		}
	}
	// The sending PNIC, stopped cleanly, says how many of its deliveries went in batches.
	pnics[0].stop()
	logb, err := os.ReadFile(filepath.Join(dir, "pnic1.log"))
	if err != nil {
		t.Fatal(err)
	}
	var req, env int
	for _, line := range strings.Split(string(logb), "\n") {
		if rest, ok := strings.CutPrefix(line, batchesLine); ok {
			fmt.Sscan(rest, &req, &env)
		}
	}
	t.Logf("the restarted sending PNIC sent %d batches of %d envelopes", req, env)
	if req == 0 || env <= req {
		t.Fatalf("no delivery batches after the restart (%d of %d envelopes): the batched path was not exercised", req, env)
	}
}
