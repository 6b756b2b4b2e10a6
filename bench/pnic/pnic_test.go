// Package pnic_test measures pnicd against references in the same run: iperf3 over the raw
// veth and over vanilla yggdrasil v0.5.14, loopback TCP for the userspace netstack, and the
// failover outage over repeated silent cuts. Run with `make bench` (root, iperf3).
package pnic_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/curve25519"

	"github.com/freeflowuniverse/planetary/internal/testnet"
	"github.com/freeflowuniverse/planetary/pnic"
	"github.com/freeflowuniverse/planetary/tun"
)

func requireBench(t *testing.T) {
	if os.Getenv("PLANETARY_BENCH") == "" {
		t.Skip("benchmark: run with PLANETARY_BENCH=1 (make bench)")
	}
}

// binaries builds pnicd and, from the bench/yggdrasil wrapper module, vanilla yggdrasil.
func binaries(t *testing.T) (string, string) {
	pnicd := testnet.Build(t, "github.com/freeflowuniverse/planetary/cmd/pnicd")
	ygg := filepath.Join(filepath.Dir(pnicd), "yggdrasil")
	if _, err := os.Stat(ygg); err != nil {
		cmd := exec.Command("go", "build", "-trimpath", "-o", ygg, "github.com/yggdrasil-network/yggdrasil-go/cmd/yggdrasil")
		cmd.Dir = "../yggdrasil"
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("build vanilla yggdrasil: %v: %s", err, out)
		}
	}
	return pnicd, ygg
}

// report appends a result line to bench/out/pnic.txt and the test log.
func report(t *testing.T, format string, a ...any) {
	line := fmt.Sprintf(format, a...)
	t.Log(line)
	os.MkdirAll("../out", 0o755)
	f, err := os.OpenFile("../out/pnic.txt", os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err == nil {
		fmt.Fprintln(f, line)
		f.Close()
	}
}

func pair(t *testing.T) (*testnet.Host, *testnet.Host) {
	a, b := testnet.NewHost(t, "a"), testnet.NewHost(t, "b")
	testnet.Connect(t, a, "eth0", "10.90.0.1/24", b, "eth0", "10.90.0.2/24")
	return a, b
}

// iperf runs iperf3 from a to addr for secs seconds and returns Gbit/s received.
func iperf(t *testing.T, a *testnet.Host, addr string, secs int) float64 {
	out, err := exec.Command("ip", "netns", "exec", a.NS, "iperf3", "-J", "-c", addr, "-t", strconv.Itoa(secs), "-O", "1").Output()
	if err != nil {
		t.Fatalf("iperf3 to %s: %v: %s", addr, err, out)
	}
	var r struct {
		End struct {
			SumReceived struct {
				BitsPerSecond float64 `json:"bits_per_second"`
			} `json:"sum_received"`
		} `json:"end"`
	}
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("iperf3 JSON: %v", err)
	}
	return r.End.SumReceived.BitsPerSecond / 1e9
}

// waitReach waits until a UDP echo on b's overlay address answers a's probes.
func waitReach(t *testing.T, a, b *testnet.Host, addr string) {
	ap := fmt.Sprintf("[%s]:7009", addr)
	echo, err := b.UDPEcho(ap)
	if err != nil {
		t.Fatal(err)
	}
	defer echo.Close()
	pr, err := testnet.NewProber(a, ap)
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	if !pr.WaitReplies(5, 30*time.Second) {
		t.Fatalf("%s unreachable over the overlay", addr)
	}
}

func statusOf(t *testing.T, h *testnet.Host) pnic.Status {
	for i := 0; i < 200; i++ {
		resp, err := h.HTTPClient().Get("http://127.0.0.1:9652/v1/status")
		if err == nil {
			var s pnic.Status
			err = json.NewDecoder(resp.Body).Decode(&s)
			resp.Body.Close()
			if err == nil && s.Ready {
				return s
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("pnicd in %s not ready", h.NS)
	return pnic.Status{}
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

const runs, secs = 3, 5

// TestBenchKernelThroughput: iperf3 between two namespaces over the raw veth, pnicd's kernel
// TUN over each link kind, wireguard-go and vanilla yggdrasil (QUIC and TLS peering). Every
// setup is started first, each in its own pair of namespaces, and the rounds interleave them,
// so a change in the machine's load falls on all alike; each round's figure is also given as a
// ratio to vanilla yggdrasil over TLS in the same round, and the CPU time the two daemons spent
// per GB carried (utime+stime from /proc, so a busy machine does not hide the cost).
func TestBenchKernelThroughput(t *testing.T) {
	requireBench(t)
	testnet.RequireRoot(t)
	if _, err := exec.LookPath("iperf3"); err != nil {
		t.Skip("needs iperf3 (apt-get install iperf3)")
	}
	pnicd, ygg := binaries(t)
	type setup struct {
		name  string
		a     *testnet.Host
		addr  string
		procs []*testnet.Proc
		gbps  []float64
		cpu   []float64 // daemon CPU seconds per GB received
	}
	var all []*setup
	iperfServer := func(b *testnet.Host) {
		srv := b.Start(filepath.Join(t.TempDir(), "iperf.log"), "iperf3", "-s")
		t.Cleanup(func() { srv.Stop(2 * time.Second) })
	}
	{
		a, b := pair(t)
		iperfServer(b)
		all = append(all, &setup{name: "raw veth (IPv4)", a: a, addr: "10.90.0.2"})
	}
	// PNICD_ALT names a second pnicd binary (another commit's) measured beside this one.
	type variant struct{ bin, scheme, label string }
	var variants []variant
	for _, scheme := range []string{"quic", "ptls"} {
		variants = append(variants, variant{pnicd, scheme, ""})
		if alt := os.Getenv("PNICD_ALT"); alt != "" {
			variants = append(variants, variant{alt, scheme, " (PNICD_ALT)"})
		}
	}
	for _, v := range variants {
		a, b := pair(t)
		pb := b.Start(filepath.Join(t.TempDir(), "b.log"), v.bin, "--data", t.TempDir(), "--tun", "kernel", "--http", "127.0.0.1:9652", "--listen", v.scheme+"://[::]:9651")
		pa := a.Start(filepath.Join(t.TempDir(), "a.log"), v.bin, "--data", t.TempDir(), "--tun", "kernel", "--http", "127.0.0.1:9652", "--listen", v.scheme+"://[::]:9651", "--peer", v.scheme+"://10.90.0.2:9651")
		t.Cleanup(func() { pa.Stop(5 * time.Second); pb.Stop(5 * time.Second) })
		sb := statusOf(t, b)
		statusOf(t, a)
		iperfServer(b)
		waitReach(t, a, b, sb.Address)
		if dir := os.Getenv("PROFILE"); dir != "" && v.label == "" {
			profile(t, a, b, sb.Address, filepath.Join(dir, v.scheme))
		}
		all = append(all, &setup{name: "pnicd kernel TUN, " + v.scheme + " link" + v.label, a: a, addr: sb.Address, procs: []*testnet.Proc{pa, pb}})
	}
	{
		a, b := pair(t)
		procs := wgStart(t, a, b)
		iperfServer(b)
		all = append(all, &setup{name: "wireguard-go, kernel TUN (MTU 1420)", a: a, addr: "fd99::2", procs: procs})
	}
	for _, scheme := range []string{"quic", "tls"} {
		a, b := pair(t)
		pb, addrB := yggStart(t, b, ygg, scheme+"://10.90.0.2:9651", "")
		pa, _ := yggStart(t, a, ygg, "", scheme+"://10.90.0.2:9651")
		iperfServer(b)
		waitReach(t, a, b, addrB)
		all = append(all, &setup{name: "vanilla yggdrasil v0.5.14, " + scheme, a: a, addr: addrB, procs: []*testnet.Proc{pa, pb}})
	}
	ref := all[len(all)-1]
	ratios := make([][]float64, len(all))
	for range runs {
		for _, s := range all {
			before := cpuSeconds(s.procs)
			g := iperf(t, s.a, s.addr, secs)
			s.gbps = append(s.gbps, g)
			s.cpu = append(s.cpu, (cpuSeconds(s.procs)-before)/(g*float64(secs)/8))
		}
		for i, s := range all {
			ratios[i] = append(ratios[i], s.gbps[len(s.gbps)-1]/ref.gbps[len(ref.gbps)-1])
		}
	}
	for i, s := range all {
		line := fmt.Sprintf("throughput %-38s median %5.2f Gbit/s  runs %v  × vanilla tls %.2f %v", s.name, median(s.gbps), fmtRuns(s.gbps), median(ratios[i]), fmtRuns(ratios[i]))
		if len(s.procs) > 0 {
			line += fmt.Sprintf("  daemons' CPU %.2f s/GB %v", median(s.cpu), fmtRuns(s.cpu))
		}
		report(t, "%s", line)
	}
	for _, s := range all {
		if strings.HasPrefix(s.name, "pnicd") {
			report(t, "rss %s after the runs: %d MiB", s.name, testnet.RSS(s.procs[0].Pid())>>20)
		}
	}
}

// cpuSeconds is the user and system CPU time the processes have used so far.
func cpuSeconds(procs []*testnet.Proc) float64 {
	var ticks int64
	for _, p := range procs {
		data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.Pid()))
		if err != nil {
			continue
		}
		// Fields after the parenthesised command name; utime and stime are the 14th and 15th.
		f := strings.Fields(string(data[bytes.LastIndexByte(data, ')')+1:]))
		if len(f) > 12 {
			u, _ := strconv.ParseInt(f[11], 10, 64)
			s, _ := strconv.ParseInt(f[12], 10, 64)
			ticks += u + s
		}
	}
	return float64(ticks) / 100 // USER_HZ
}

// profile takes a 10 s CPU profile of both pnicd while iperf3 runs, into dir/{a,b}.pprof.
func profile(t *testing.T, a, b *testnet.Host, addr, dir string) {
	os.MkdirAll(dir, 0o755)
	done := make(chan struct{})
	go func() {
		defer close(done)
		exec.Command("ip", "netns", "exec", a.NS, "iperf3", "-c", addr, "-t", "12").Run()
	}()
	time.Sleep(time.Second)
	errs := make(chan error, 2)
	for name, h := range map[string]*testnet.Host{"a": a, "b": b} {
		go func() {
			c := h.HTTPClient()
			c.Timeout = 30 * time.Second
			resp, err := c.Get("http://127.0.0.1:9652/debug/pprof/profile?seconds=10")
			if err != nil {
				errs <- err
				return
			}
			defer resp.Body.Close()
			data, err := io.ReadAll(resp.Body)
			if err == nil {
				err = os.WriteFile(filepath.Join(dir, name+".pprof"), data, 0o644)
			}
			errs <- err
		}()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Errorf("profile: %v", err)
		}
	}
	<-done
}

// wgStart runs wireguard-go (bench/pnic/wgbench) in a and b over their veth: fd99::1 and fd99::2.
func wgStart(t *testing.T, a, b *testnet.Host) []*testnet.Proc {
	var procs []*testnet.Proc
	bin := testnet.Build(t, "github.com/freeflowuniverse/planetary/bench/pnic/wgbench")
	var privA, privB [32]byte
	rand.Read(privA[:])
	rand.Read(privB[:])
	pubA, _ := curve25519.X25519(privA[:], curve25519.Basepoint)
	pubB, _ := curve25519.X25519(privB[:], curve25519.Basepoint)
	for _, side := range []struct {
		h                     *testnet.Host
		priv, peer            []byte
		addr, peer4, endpoint string
	}{
		{b, privB[:], pubA, "fd99::2/64", "fd99::1/128", ""},
		{a, privA[:], pubB, "fd99::1/64", "fd99::2/128", "10.90.0.2:51820"},
	} {
		p := side.h.Start(filepath.Join(t.TempDir(), "wg.log"), bin, "--name", "wg0", "--private", hex.EncodeToString(side.priv),
			"--peer", hex.EncodeToString(side.peer), "--allowed", side.peer4, "--endpoint", side.endpoint)
		t.Cleanup(func() { p.Stop(3 * time.Second) })
		procs = append(procs, p)
		for i := 0; i < 100 && !strings.Contains(p.Output(), "ready"); i++ {
			time.Sleep(50 * time.Millisecond)
		}
		if !strings.Contains(p.Output(), "ready") {
			t.Fatalf("wireguard-go in %s not ready:\n%s", side.h.NS, p.Output())
		}
		testnet.IP(t, "-n", side.h.NS, "addr", "add", side.addr, "dev", "wg0", "nodad")
		testnet.IP(t, "-n", side.h.NS, "link", "set", "wg0", "up")
	}
	echo, err := b.UDPEcho("[fd99::2]:7009")
	if err != nil {
		t.Fatal(err)
	}
	defer echo.Close()
	pr, err := testnet.NewProber(a, "[fd99::2]:7009")
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	if !pr.WaitReplies(5, 30*time.Second) {
		t.Fatal("no UDP echo over wireguard-go")
	}
	return procs
}

func fmtRatios(v []float64) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = fmt.Sprintf("%.3f", x)
	}
	return "[" + strings.Join(s, " ") + "]"
}

func fmtRuns(v []float64) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = fmt.Sprintf("%.2f", x)
	}
	return "[" + strings.Join(s, " ") + "]"
}

// yggStart runs vanilla yggdrasil in h listening on listen (or not), returns its process and address.
func yggStart(t *testing.T, h *testnet.Host, ygg, listen, peer string) (*testnet.Proc, string) {
	out, err := exec.Command(ygg, "-genconf", "-json").Output()
	if err != nil {
		t.Fatalf("yggdrasil -genconf: %v", err)
	}
	var conf map[string]any
	json.Unmarshal(out, &conf)
	conf["Listen"] = []string{}
	if listen != "" {
		conf["Listen"] = []string{listen}
	}
	conf["Peers"] = []string{}
	if peer != "" {
		conf["Peers"] = []string{peer}
	}
	conf["AdminListen"] = "unix://" + filepath.Join(t.TempDir(), "admin.sock")
	conf["IfName"] = "ygg0"
	conf["IfMTU"] = 65535
	conf["MulticastInterfaces"] = []any{}
	path := filepath.Join(t.TempDir(), "ygg.json")
	data, _ := json.Marshal(conf)
	os.WriteFile(path, data, 0o600)
	p := h.Start(filepath.Join(t.TempDir(), "ygg.log"), ygg, "-useconffile", path)
	addr := ""
	for i := 0; i < 100 && addr == ""; i++ {
		out, _ := exec.Command("ip", "-n", h.NS, "-6", "addr", "show", "dev", "ygg0").Output()
		for _, f := range strings.Fields(string(out)) {
			if a, err := netip.ParsePrefix(f); err == nil && pnic.OverlayPrefix.Contains(a.Addr()) {
				addr = a.Addr().String()
			}
		}
		if addr == "" {
			time.Sleep(50 * time.Millisecond)
		}
	}
	if addr == "" {
		t.Fatalf("vanilla yggdrasil in %s got no address:\n%s", h.NS, p.Output())
	}
	t.Cleanup(func() { p.Stop(3 * time.Second) })
	return p, addr
}

// TestBenchUserspaceThroughput: TCP through two pnicd netstacks on loopback over each link
// kind, beside plain loopback TCP, the rounds interleaved; each round's figure is also given
// as a ratio to loopback TCP in the same round.
func TestBenchUserspaceThroughput(t *testing.T) {
	requireBench(t)
	type setup struct {
		name string
		ln   net.Listener
		dial func() (net.Conn, error)
		gbps []float64
	}
	var all []*setup
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	for _, scheme := range []string{"quic", "ptls"} {
		start := func(peers ...string) *pnic.Node {
			n, err := pnic.New(pnic.Config{DataDir: t.TempDir(), Listen: []string{scheme + "://127.0.0.1:0"}, Peers: peers, TUN: "userspace", HTTP: "off"}, nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { n.Close() })
			return n
		}
		a := start()
		addrs := a.LinkAddrs()
		if scheme == "ptls" {
			addrs = a.TLSLinkAddrs()
		}
		b := start(scheme + "://" + addrs[0].String())
		ua, ub := a.Device().(*tun.Userspace), b.Device().(*tun.Userspace)
		ln, err := ua.ListenTCP(netip.AddrPortFrom(a.Address(), 5201))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ln.Close() })
		for i := 0; ; i++ { // the first packets wait for the link and the path lookup
			pctx, pcancel := context.WithTimeout(ctx, time.Second)
			_, err := b.Ping(pctx, a.Address())
			pcancel()
			if err == nil {
				break
			}
			if i == 20 {
				t.Fatal(err)
			}
		}
		all = append(all, &setup{name: "pnicd userspace netstack, " + scheme + " link (MTU 16384)", ln: ln,
			dial: func() (net.Conn, error) { return ub.DialTCP(ctx, netip.AddrPortFrom(a.Address(), 5201)) }})
	}
	lo, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer lo.Close()
	all = append(all, &setup{name: "plain loopback TCP (reference)", ln: lo, dial: func() (net.Conn, error) { return net.Dial("tcp", lo.Addr().String()) }})
	ref := all[len(all)-1]
	ratios := make([][]float64, len(all))
	for range runs {
		for _, s := range all {
			s.gbps = append(s.gbps, tcpRun(t, s.ln, s.dial))
		}
		for i, s := range all {
			ratios[i] = append(ratios[i], s.gbps[len(s.gbps)-1]/ref.gbps[len(ref.gbps)-1])
		}
	}
	for i, s := range all {
		report(t, "throughput %-38s median %5.2f Gbit/s  runs %v  × loopback TCP %.3f %v", s.name, median(s.gbps), fmtRuns(s.gbps), median(ratios[i]), fmtRatios(ratios[i]))
	}
}

// tcpRun sends for secs seconds over one connection and returns Gbit/s received.
func tcpRun(t *testing.T, ln net.Listener, dial func() (net.Conn, error)) float64 {
	got := make(chan int64, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			got <- 0
			return
		}
		n, _ := io.Copy(io.Discard, c)
		c.Close()
		got <- n
	}()
	c, err := dial()
	if err != nil {
		t.Fatal(err)
	}
	buf := bytes.Repeat([]byte{0x5a}, 256<<10)
	start := time.Now()
	for time.Since(start) < secs*time.Second {
		if _, err := c.Write(buf); err != nil {
			t.Fatal(err)
		}
	}
	c.Close()
	n := <-got
	return float64(n*8) / time.Since(start).Seconds() / 1e9
}

// TestBenchFailover: 20 silent cuts of the active link between two kernel-mode pnicd; outage
// of a 5 ms UDP probe stream, p50/p99/max.
func TestBenchFailover(t *testing.T) {
	requireBench(t)
	testnet.RequireRoot(t)
	pnicd, _ := binaries(t)
	schemes := []string{"quic", "ptls"}
	if s := os.Getenv("LINKS"); s != "" {
		schemes = strings.Fields(s)
	}
	for _, scheme := range schemes {
		t.Run(scheme, func(t *testing.T) { benchFailover(t, pnicd, scheme) })
	}
}

func benchFailover(t *testing.T, pnicd, scheme string) {
	a, b := testnet.NewHost(t, "a"), testnet.NewHost(t, "b")
	testnet.Connect(t, a, "isp1", "10.91.1.1/24", b, "isp1", "10.91.1.2/24")
	testnet.Connect(t, a, "isp2", "10.91.2.1/24", b, "isp2", "10.91.2.2/24")
	pb := b.Start(filepath.Join(t.TempDir(), "b.log"), pnicd, "--data", t.TempDir(), "--tun", "kernel", "--http", "127.0.0.1:9652", "--redial-max", "2s", "--listen", scheme+"://[::]:9651")
	pa := a.Start(filepath.Join(t.TempDir(), "a.log"), pnicd, "--data", t.TempDir(), "--tun", "kernel", "--http", "127.0.0.1:9652", "--redial-max", "2s",
		"--listen", scheme+"://[::]:9651", "--peer", scheme+"://10.91.1.2:9651", "--peer", scheme+"://10.91.2.2:9651")
	_ = pb
	sb := statusOf(t, b)
	statusOf(t, a)
	echo, err := b.UDPEcho(fmt.Sprintf("[%s]:7001", sb.Address))
	if err != nil {
		t.Fatal(err)
	}
	defer echo.Close()
	pr, err := testnet.NewProber(a, fmt.Sprintf("[%s]:7001", sb.Address))
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	if !pr.WaitReplies(100, 20*time.Second) {
		t.Fatalf("no probe replies:\n%s", pa.Output())
	}
	var outages []float64
	for i := 0; i < 20; i++ {
		// Both links up before each cut; cut the one carrying traffic (alternate sides, silently for A).
		waitLinks(t, a, 2)
		// A link that has just come back needs a moment before it carries routes; a cut
		// sooner than that is a second failure, measured separately (see RESULTS.md).
		time.Sleep(settle)
		ifname := []string{"isp1", "isp2"}[i%2]
		cut := time.Now()
		b.SetLink(ifname, false)
		if !pr.WaitRepliesAfter(cut, 20, 10*time.Second) {
			t.Fatalf("cut %d: stream did not resume", i)
		}
		outages = append(outages, float64(pr.Outage(cut).Milliseconds()))
		t.Logf("cut %d %s: outage %s", i, ifname, pr.Outage(cut))
		b.SetLink(ifname, true)
	}
	slices.Sort(outages)
	p := func(q float64) float64 { return outages[min(len(outages)-1, int(q*float64(len(outages))))] }
	report(t, "failover %s over %d silent cuts (link timeout 600 ms, %s settle): outage p50 %.0f ms, p99 %.0f ms, max %.0f ms; all %v",
		scheme, len(outages), settle, p(0.5), p(0.99), outages[len(outages)-1], outages)
}

// settle is the time given to a restored link before the next cut (SETTLE overrides it).
var settle = func() time.Duration {
	if d, err := time.ParseDuration(os.Getenv("SETTLE")); err == nil {
		return d
	}
	return 3 * time.Second
}()

func waitLinks(t *testing.T, h *testnet.Host, n int) {
	for i := 0; i < 600; i++ {
		resp, err := h.HTTPClient().Get("http://127.0.0.1:9652/v1/status")
		if err == nil {
			var s pnic.Status
			json.NewDecoder(resp.Body).Decode(&s)
			resp.Body.Close()
			if s.LinksUp() >= n {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("links in %s did not come back", h.NS)
}

// TestBenchIdleRSS: resident memory of an idle pnicd in each mode, beside vanilla yggdrasil.
func TestBenchIdleRSS(t *testing.T) {
	requireBench(t)
	testnet.RequireRoot(t)
	pnicd, ygg := binaries(t)
	a, b := pair(t)
	pb := b.Start(filepath.Join(t.TempDir(), "b.log"), pnicd, "--data", t.TempDir(), "--tun", "userspace", "--http", "127.0.0.1:9652")
	pa := a.Start(filepath.Join(t.TempDir(), "a.log"), pnicd, "--data", t.TempDir(), "--tun", "kernel", "--http", "127.0.0.1:9652", "--peer", "quic://10.90.0.2:9651")
	statusOf(t, a)
	statusOf(t, b)
	c := testnet.NewHost(t, "c")
	yp, _ := yggStart(t, c, ygg, "", "")
	time.Sleep(5 * time.Second) // idle means: nothing happening for a while
	report(t, "idle RSS: pnicd kernel %d MiB, pnicd userspace %d MiB, vanilla yggdrasil %d MiB",
		testnet.RSS(pa.Pid())>>20, testnet.RSS(pb.Pid())>>20, testnet.RSS(yp.Pid())>>20)
}
