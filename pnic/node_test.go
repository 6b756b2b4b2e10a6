package pnic

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/freeflowuniverse/planetary/internal/testnet"
	"github.com/freeflowuniverse/planetary/tun"
)

func testLogger(t *testing.T) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo})).With("test", t.Name())
	}
	return slog.New(slog.DiscardHandler)
}

// startNode starts a userspace node on loopback with ephemeral ports.
func startNode(t *testing.T, peers ...string) *Node {
	t.Helper()
	n, err := New(Config{
		DataDir: t.TempDir(),
		Listen:  []string{"quic://127.0.0.1:0"},
		Peers:   peers,
		TUN:     "userspace",
		HTTP:    "127.0.0.1:0",
	}, testLogger(t))
	if err != nil {
		t.Fatalf("start node: %v", err)
	}
	t.Cleanup(func() { n.Close() })
	return n
}

func linkURI(n *Node) string { return "quic://" + n.LinkAddrs()[0].String() }

// waitFor polls cond every 20 ms until it holds or the timeout passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func get(t *testing.T, n *Node, path string) (int, []byte) {
	t.Helper()
	resp, err := http.Get("http://" + n.HTTPAddr().String() + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, body
}

func TestHealthContract(t *testing.T) {
	a := startNode(t)
	if code, _ := get(t, a, "/healthz"); code != 200 {
		t.Fatalf("/healthz = %d, want 200", code)
	}
	if code, _ := get(t, a, "/readyz"); code != 503 {
		t.Fatalf("/readyz with no peers = %d, want 503", code)
	}
	b := startNode(t, linkURI(a)+"?key="+fmt.Sprintf("%x", a.PublicKey()))
	waitFor(t, 10*time.Second, "a ready", func() bool { c, _ := get(t, a, "/readyz"); return c == 200 })
	waitFor(t, 10*time.Second, "b ready", func() bool { c, _ := get(t, b, "/readyz"); return c == 200 })

	code, body := get(t, b, "/v1/status")
	if code != 200 {
		t.Fatalf("/v1/status = %d", code)
	}
	var raw map[string]any
	if err := json.Unmarshal(body, &raw); err != nil {
		t.Fatalf("status is not JSON: %v\n%s", err, body)
	}
	for _, k := range []string{"key", "address", "subnet", "tun", "peers"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("status lacks %q", k)
		}
	}
	var s Status
	json.Unmarshal(body, &s)
	if s.Key != fmt.Sprintf("%x", b.PublicKey()) || !strings.HasPrefix(s.Address, "2") || !strings.HasPrefix(s.Subnet, "3") || !strings.HasSuffix(s.Subnet, "/64") {
		t.Errorf("identity fields wrong: %+v", s)
	}
	if s.TUN.Mode != "userspace" || s.TUN.Name == "" {
		t.Errorf("tun = %+v, want userspace with a name", s.TUN)
	}
	if len(s.Peers) != 1 || s.Peers[0].Key != fmt.Sprintf("%x", a.PublicKey()) || len(s.Peers[0].Links) != 1 {
		t.Fatalf("peers = %+v, want one peer (a) with one link", s.Peers)
	}
	l := s.Peers[0].Links[0]
	if !l.Up || l.URI == "" || l.RXBytes == 0 || l.TXBytes == 0 || l.LastError != "" {
		t.Errorf("link = %+v, want up with traffic counted", l)
	}
	for _, f := range []string{`"uri"`, `"up"`, `"latency_ms"`, `"rx_bytes"`, `"tx_bytes"`, `"last_error"`} {
		if !bytes.Contains(body, []byte(f)) {
			t.Errorf("link status lacks %s", f)
		}
	}

	code, body = get(t, b, "/metrics")
	if code != 200 || !bytes.Contains(body, []byte("pnic_links_up 1")) || !bytes.Contains(body, []byte("pnic_link_rx_bytes_total")) {
		t.Fatalf("/metrics = %d, missing link metrics:\n%.2000s", code, body)
	}
}

// TestUserspaceTCP: two nodes in userspace mode exchange TCP over the overlay through their netstacks.
func TestUserspaceTCP(t *testing.T) {
	a := startNode(t)
	b := startNode(t, linkURI(a))
	ua, ub := a.Device().(*tun.Userspace), b.Device().(*tun.Userspace)
	ln, err := ub.ListenTCP(netip.AddrPortFrom(b.Address(), 7000))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); io.Copy(c, c) }()
		}
	}()
	waitFor(t, 10*time.Second, "link up", a.Ready)

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := testnet.DialRetry(ctx, 3*time.Second, func(ctx context.Context) (net.Conn, error) {
		return ua.DialTCP(ctx, netip.AddrPortFrom(b.Address(), 7000))
	})
	if err != nil {
		t.Fatalf("dial b over the overlay: %v", err)
	}
	defer c.Close()
	if err := testnet.EchoRoundTrip(c, 1<<20, 20*time.Second); err != nil {
		t.Fatal(err)
	}
}

// TestTwinAddress: a twin's address sits in the node's /64 and takes TCP from another node.
func TestTwinAddress(t *testing.T) {
	a := startNode(t)
	b := startNode(t, linkURI(a))
	addr, err := b.AddTwinAddress(42)
	if err != nil {
		t.Fatal(err)
	}
	if !b.Subnet().Contains(addr) || addr.As16()[15] != 42 {
		t.Fatalf("twin address %s not in %s with id 42", addr, b.Subnet())
	}
	ln, err := b.ListenTCP(netip.AddrPortFrom(addr, 7100))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err == nil {
			c.Write([]byte("twin 42"))
			c.Close()
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := testnet.DialRetry(ctx, 2*time.Second, func(ctx context.Context) (net.Conn, error) {
		return a.DialTCP(ctx, netip.AddrPortFrom(addr, 7100))
	})
	if err != nil {
		t.Fatalf("dial twin address: %v", err)
	}
	defer c.Close()
	got, _ := io.ReadAll(c)
	if string(got) != "twin 42" {
		t.Fatalf("got %q", got)
	}
	if err := b.RemoveTwinAddress(42); err != nil {
		t.Fatal(err)
	}
}

// TestMultiHop: a reaches c through b when a and c have no link.
func TestMultiHop(t *testing.T) {
	b := startNode(t)
	a := startNode(t, linkURI(b))
	c := startNode(t, linkURI(b))
	uc := c.Device().(*tun.Userspace)
	pc, err := uc.ListenUDP(netip.AddrPortFrom(c.Address(), 7001))
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	go func() {
		buf := make([]byte, 1500)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			pc.WriteTo(buf[:n], from)
		}
	}()
	ua := a.Device().(*tun.Userspace)
	pa, err := ua.ListenUDP(netip.AddrPortFrom(a.Address(), 0))
	if err != nil {
		t.Fatal(err)
	}
	defer pa.Close()
	dst := &net.UDPAddr{IP: c.Address().AsSlice(), Port: 7001}
	buf := make([]byte, 64)
	start := time.Now()
	defer func() { t.Logf("first echo after %s", time.Since(start)) }()
	for i := 0; ; i++ {
		if i == 100 {
			t.Logf("a %x b %x c %x", a.PublicKey()[:4], b.PublicKey()[:4], c.PublicKey()[:4])
			dumpRouter(t, "a", a)
			dumpRouter(t, "b", b)
			dumpRouter(t, "c", c)
			t.Fatal("no echo from c through b after 100 probes")
		}
		pa.WriteTo([]byte("probe"), dst)
		pa.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		if n, _, err := pa.ReadFrom(buf); err == nil && string(buf[:n]) == "probe" {
			break
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := a.Ping(ctx, c.Address()); err != nil {
		t.Fatalf("ICMPv6 echo from a to c: %v", err)
	}
	code, body := get(t, a, "/v1/ping?addr="+c.Address().String())
	if code != 200 || !bytes.Contains(body, []byte("rtt_ms")) {
		t.Fatalf("/v1/ping = %d %s", code, body)
	}
	if code, _ := get(t, a, "/v1/ping?addr=10.0.0.1"); code != 400 {
		t.Fatalf("/v1/ping of a non-overlay address = %d, want 400", code)
	}
	for _, p := range a.Status().Peers {
		if p.Key == fmt.Sprintf("%x", c.PublicKey()) {
			t.Fatal("a has a direct link to c; the test needs a path through b")
		}
	}
}

// TestGarbageAtListenPort: random datagrams at the QUIC port do not take the node down.
func TestGarbageAtListenPort(t *testing.T) {
	a := startNode(t)
	conn, err := net.Dial("udp", a.LinkAddrs()[0].String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	buf := make([]byte, 1500)
	for i := range 2000 {
		rand.Read(buf)
		if i%2 == 0 {
			buf[0] |= 0xc0 // looks like a QUIC long header
		}
		conn.Write(buf[:1+i%1400])
	}
	b := startNode(t, linkURI(a))
	waitFor(t, 10*time.Second, "link after garbage", func() bool { return a.Ready() && b.Ready() })
	if code, _ := get(t, a, "/healthz"); code != 200 {
		t.Fatalf("/healthz after garbage = %d", code)
	}
}

func TestPortInUse(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	_, err = New(Config{DataDir: t.TempDir(), Listen: []string{"quic://" + pc.LocalAddr().String()}, TUN: "userspace", HTTP: "127.0.0.1:0"}, nil)
	if err == nil || !strings.Contains(err.Error(), "address already in use") {
		t.Fatalf("err = %v, want address already in use", err)
	}
}

func TestKeyFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, KeyFile)
	k1, created, err := LoadOrCreateKey(path)
	if err != nil || !created {
		t.Fatalf("create: %v %v", created, err)
	}
	st, _ := os.Stat(path)
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("key mode %o, want 600", st.Mode().Perm())
	}
	k2, created, err := LoadOrCreateKey(path)
	if err != nil || created || !k1.Equal(k2) {
		t.Fatalf("reload: created=%v err=%v same=%v", created, err, k1.Equal(k2))
	}
	os.Chmod(path, 0o644)
	if _, _, err := LoadOrCreateKey(path); err == nil || !strings.Contains(err.Error(), "readable by others") {
		t.Fatalf("world-readable key: err = %v", err)
	}
	os.Chmod(path, 0o600)
	os.WriteFile(path, []byte("not a key"), 0o600)
	if _, _, err := LoadOrCreateKey(path); err == nil || !strings.Contains(err.Error(), "PEM") {
		t.Fatalf("garbage key: err = %v", err)
	}
	_, err = New(Config{DataDir: dir, TUN: "userspace", HTTP: "off", Listen: []string{}}, nil)
	if err == nil || !strings.Contains(err.Error(), "key file") {
		t.Fatalf("node with garbage key: err = %v", err)
	}
}

func TestParseLinkURI(t *testing.T) {
	good := []string{
		"quic://10.0.0.1:9651",
		"quic://[fd00::1]:9651?priority=3",
		"ptls://10.0.0.1:9651?priority=1",
		"quic://host.example:9651?key=" + strings.Repeat("ab", 32),
		"tls://1.2.3.4:443",
		"unix:///run/x.sock",
	}
	for _, s := range good {
		if _, err := ParseLinkURI(s, true); err != nil {
			t.Errorf("%s: %v", s, err)
		}
	}
	bad := map[string]string{
		"10.0.0.1:9651":                  "scheme",
		"quic://10.0.0.1":                "host:port",
		"quic://:9651":                   "missing host",
		"quic://10.0.0.1:notaport":       "port",
		"quic://10.0.0.1:0":              "port",
		"gopher://10.0.0.1:70":           "unknown scheme",
		"quic://10.0.0.1:1?key=abc":      "key=",
		"quic://10.0.0.1:1?priority=x":   "priority=",
		"quic://10.0.0.1:1?priority=300": "priority=",
		"quic://%zz":                     "invalid",
		"unix://":                        "path",
	}
	for s, want := range bad {
		_, err := ParseLinkURI(s, true)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want it to mention %q", s, err, want)
		}
	}
}

func TestConfigFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pnicd.yaml")
	os.WriteFile(path, []byte("data: /tmp/x\npeers:\n  - quic://10.0.0.1:9651\nlink_timeout: 900ms\n"), 0o600)
	c, err := LoadConfigFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if c.DataDir != "/tmp/x" || len(c.Peers) != 1 || c.LinkTimeout != Duration(900*time.Millisecond) {
		t.Fatalf("config = %+v", c)
	}
	os.WriteFile(path, []byte("peerz: []\n"), 0o600)
	if _, err := LoadConfigFile(path); err == nil || !strings.Contains(err.Error(), "peerz") {
		t.Fatalf("unknown key: err = %v", err)
	}
	if err := (Config{TUN: "magic"}).WithDefaults().Validate(); err == nil {
		t.Fatal("tun=magic accepted")
	}
	if err := (Config{RedialMax: Duration(time.Hour)}).WithDefaults().Validate(); err == nil {
		t.Fatal("redial_max=1h accepted")
	}
}
