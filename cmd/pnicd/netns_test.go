package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/freeflowuniverse/planetary/internal/testnet"
	"github.com/freeflowuniverse/planetary/pnic"
)

func pnicdBinary(t *testing.T) string {
	return testnet.Build(t, "github.com/freeflowuniverse/planetary/cmd/pnicd")
}

// nsDaemon is a pnicd running in a namespace.
type nsDaemon struct {
	host *testnet.Host
	proc *testnet.Proc
}

func startDaemon(t *testing.T, h *testnet.Host, args ...string) *nsDaemon {
	t.Helper()
	base := []string{"--data", t.TempDir(), "--tun", "kernel", "--http", "127.0.0.1:9652", "--link-timeout", "600ms", "--redial-max", "5s"}
	p := h.Start(filepath.Join(t.TempDir(), "pnicd.log"), pnicdBinary(t), append(base, args...)...)
	d := &nsDaemon{host: h, proc: p}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("log of pnicd in %s:\n%s", h.NS, p.Output())
		}
	})
	return d
}

func (d *nsDaemon) status(t *testing.T) (pnic.Status, error) {
	resp, err := d.host.HTTPClient().Get("http://127.0.0.1:9652/v1/status")
	if err != nil {
		return pnic.Status{}, err
	}
	defer resp.Body.Close()
	var s pnic.Status
	return s, json.NewDecoder(resp.Body).Decode(&s)
}

// waitStatus polls the daemon's status until cond holds.
func (d *nsDaemon) waitStatus(t *testing.T, timeout time.Duration, what string, cond func(pnic.Status) bool) pnic.Status {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if d.proc.Exited() {
			t.Fatalf("pnicd in %s exited:\n%s", d.host.NS, d.proc.Output())
		}
		s, err := d.status(t)
		if err == nil && cond(s) {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("pnicd in %s: timed out after %s waiting for %s (last status %+v, err %v)", d.host.NS, timeout, what, s, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func linksUp(s pnic.Status) int { return s.LinksUp() }

// linkSchemes are the PNIC's own link kinds; the netns tests run over each.
var linkSchemes = []string{"quic", "ptls"}

// TestKernelThreeHops: A–B–C in namespaces; TCP from A to C's overlay address through the
// kernel TUNs carries data both ways, and a stopped pnicd leaves no TUN behind.
func TestKernelThreeHops(t *testing.T) {
	testnet.RequireRoot(t)
	for _, scheme := range linkSchemes {
		t.Run(scheme, func(t *testing.T) { testKernelThreeHops(t, scheme) })
	}
}

func testKernelThreeHops(t *testing.T, scheme string) {
	a, b, c := testnet.NewHost(t, "a"), testnet.NewHost(t, "b"), testnet.NewHost(t, "c")
	testnet.Connect(t, a, "eth0", "10.77.1.1/24", b, "eth0", "10.77.1.2/24")
	testnet.Connect(t, b, "eth1", "10.77.2.1/24", c, "eth0", "10.77.2.2/24")
	listen := "--listen=" + scheme + "://[::]:9651"
	db := startDaemon(t, b, listen)
	da := startDaemon(t, a, listen, "--peer", scheme+"://10.77.1.2:9651")
	dc := startDaemon(t, c, listen, "--peer", scheme+"://10.77.2.1:9651")
	sa := da.waitStatus(t, 30*time.Second, "A linked", func(s pnic.Status) bool { return linksUp(s) > 0 })
	sc := dc.waitStatus(t, 30*time.Second, "C linked", func(s pnic.Status) bool { return linksUp(s) > 0 })
	db.waitStatus(t, 30*time.Second, "B linked twice", func(s pnic.Status) bool { return linksUp(s) == 2 })
	if sa.TUN.Mode != "kernel" || sa.TUN.Name != "pnic0" || !a.HasLink("pnic0") {
		t.Fatalf("A device = %+v, want kernel pnic0", sa.TUN)
	}

	ln, err := c.Listen("tcp6", fmt.Sprintf("[%s]:7000", sc.Address))
	if err != nil {
		t.Fatalf("listen on C's overlay address: %v", err)
	}
	defer ln.Close()
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		io.Copy(conn, conn)
	}()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := testnet.DialRetry(ctx, 3*time.Second, func(ctx context.Context) (net.Conn, error) {
		return a.Dial(ctx, "tcp6", fmt.Sprintf("[%s]:7000", sc.Address))
	})
	if err != nil {
		t.Fatalf("dial C from A over the overlay: %v", err)
	}
	defer conn.Close()
	if err := testnet.EchoRoundTrip(conn, 4<<20, 30*time.Second); err != nil {
		t.Fatalf("TCP from A to C: %v", err)
	}
	for _, p := range sa.Peers {
		if p.Key == sc.Key {
			t.Fatal("A has a direct link to C; the path must go through B")
		}
	}

	if err := da.proc.Stop(10 * time.Second); err != nil {
		t.Fatalf("pnicd A did not stop cleanly: %v\n%s", err, da.proc.Output())
	}
	if a.HasLink("pnic0") {
		t.Fatal("pnic0 still exists in A after pnicd stopped")
	}
}

// TestKernelFailover: A and B joined by two veth pairs ("two ISPs"); a probe stream from A
// to B survives cutting the active pair, and the restored pair comes back up.
func TestKernelFailover(t *testing.T) {
	testnet.RequireRoot(t)
	for _, scheme := range linkSchemes {
		t.Run(scheme, func(t *testing.T) { testKernelFailover(t, scheme) })
	}
}

func testKernelFailover(t *testing.T, scheme string) {
	a, b := testnet.NewHost(t, "a"), testnet.NewHost(t, "b")
	testnet.Connect(t, a, "isp1", "10.78.1.1/24", b, "isp1", "10.78.1.2/24")
	testnet.Connect(t, a, "isp2", "10.78.2.1/24", b, "isp2", "10.78.2.2/24")
	listen := "--listen=" + scheme + "://[::]:9651"
	db := startDaemon(t, b, listen)
	da := startDaemon(t, a, listen, "--peer", scheme+"://10.78.1.2:9651?priority=0", "--peer", scheme+"://10.78.2.2:9651?priority=1")
	da.waitStatus(t, 30*time.Second, "both links up", func(s pnic.Status) bool { return linksUp(s) == 2 })
	sb := db.waitStatus(t, 30*time.Second, "B has both links", func(s pnic.Status) bool { return linksUp(s) == 2 })

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
	if !pr.WaitReplies(200, 30*time.Second) {
		t.Fatal("probe stream from A to B never got going")
	}

	cut := time.Now()
	b.SetLink("isp1", false) // silent for A: its end stays up
	if !pr.WaitRepliesAfter(cut, 50, 10*time.Second) {
		t.Fatalf("probe stream did not resume within 10 s of the cut:\n%s", da.proc.Output())
	}
	outage := pr.Outage(cut)
	t.Logf("outage after cutting the active link: %s", outage)
	if outage > 3*time.Second {
		t.Errorf("outage %s exceeds the 3 s bound", outage)
	}

	b.SetLink("isp1", true)
	da.waitStatus(t, 30*time.Second, "restored link up again", func(s pnic.Status) bool { return linksUp(s) == 2 })

	// With no traffic at all, a dead idle link is still noticed: keepalives find it.
	pr.Close()
	b.SetLink("isp2", false)
	da.waitStatus(t, 10*time.Second, "idle link seen down", func(s pnic.Status) bool { return linksUp(s) == 1 })
}
