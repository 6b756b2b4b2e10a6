package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/freeflowuniverse/planetary/internal/cli"
	"github.com/freeflowuniverse/planetary/pnic"
)

// TestBadInput: each mistake gives a one-line error naming it, with exit status 2 or 1.
func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	keyDir := filepath.Join(dir, "openkey")
	os.MkdirAll(keyDir, 0o700)
	os.WriteFile(filepath.Join(keyDir, "pnic.key"), []byte("x"), 0o644)
	garbage := filepath.Join(dir, "garbage")
	os.MkdirAll(garbage, 0o700)
	os.WriteFile(filepath.Join(garbage, "pnic.key"), []byte("not a key"), 0o600)
	os.WriteFile(filepath.Join(dir, "bad.json"), []byte("{not json"), 0o600)
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--peer", "10.0.0.1:9651"}, 2, "missing scheme"},
		{[]string{"--peer", "quic://10.0.0.1"}, 2, "host:port"},
		{[]string{"--peer", "quic://10.0.0.1:9651?key=zz"}, 2, "key="},
		{[]string{"--tun", "magic"}, 2, "tun mode"},
		{[]string{"--bogus"}, 2, "bogus"},
		{[]string{"--link-timeout", "1ms"}, 2, "link_timeout"},
		{[]string{"--rmb-sync-window", "2h"}, 2, "rmb-sync-window"},
		{[]string{"--rmb-sync-window", "-1s"}, 2, "rmb-sync-window"},
		{[]string{"--config", filepath.Join(dir, "nope.yaml")}, 2, "nope.yaml"},
		{[]string{"--data", keyDir, "--tun", "userspace", "--http", "off", "--listen", "quic://127.0.0.1:0"}, 1, "readable by others"},
		{[]string{"--socket", "/tmp/" + strings.Repeat("s", 120)}, 2, "at most 107"},
		{[]string{"--resolver", filepath.Join(dir, "bad.json"), "--data", dir, "--tun", "userspace", "--http", "off", "--listen", "quic://127.0.0.1:0"}, 1, "bad.json"},
		{[]string{"--data", garbage, "--tun", "userspace", "--http", "off", "--listen", "quic://127.0.0.1:0"}, 1, "PEM"},
	}
	for _, c := range cases {
		var stderr bytes.Buffer
		err := run(c.args, &bytes.Buffer{}, &stderr)
		code := cli.Code(err)
		if err == nil || code != c.code || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("pnicd %v: err=%v code=%d, want a one-line error with %q and code %d", c.args, err, code, c.want, c.code)
		}
	}
}

func TestKernelModeWithoutPermission(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("runs only without root: root holds CAP_NET_ADMIN")
	}
	err := run([]string{"--data", t.TempDir(), "--tun", "kernel", "--http", "off", "--listen", "quic://127.0.0.1:0"}, &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "CAP_NET_ADMIN") {
		t.Fatalf("err = %v, want it to name CAP_NET_ADMIN", err)
	}
}

func TestVersion(t *testing.T) {
	var out bytes.Buffer
	if err := run([]string{"version"}, &out, &bytes.Buffer{}); err != nil || !strings.HasPrefix(out.String(), "pnicd ") {
		t.Fatalf("version: %q %v", out.String(), err)
	}
}

// TestStatusAndPingCommands: pnicd status and pnicd ping talk to a running node.
func TestStatusAndPingCommands(t *testing.T) {
	n, err := pnic.New(pnic.Config{DataDir: t.TempDir(), Listen: []string{"quic://127.0.0.1:0"}, TUN: "userspace", HTTP: "127.0.0.1:0"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	addr := n.HTTPAddr().String()
	var out bytes.Buffer
	if err := run([]string{"status", "--http", addr}, &out, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{n.Address().String(), n.Subnet().String(), "userspace", "not ready", "no peers"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("status output lacks %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	if err := run([]string{"status", "--http", addr, "--json"}, &out, &bytes.Buffer{}); err != nil || !strings.Contains(out.String(), `"subnet"`) {
		t.Fatalf("status --json: %v\n%s", err, out.String())
	}
	// Its own address is refused with a reason, not left to time out.
	out.Reset()
	if err := run([]string{"ping", "--http", addr, "-c", "1", n.Address().String()}, &out, &bytes.Buffer{}); err == nil || !strings.Contains(out.String(), "own address") {
		t.Fatalf("ping own address: %v\n%s", err, out.String())
	}
	if err := run([]string{"ping", "--http", addr, "10.0.0.1"}, &bytes.Buffer{}, &bytes.Buffer{}); cli.Code(err) != 2 {
		t.Fatalf("ping of a non-overlay address: %v (code %d), want a usage error", err, cli.Code(err))
	}
	if err := run([]string{"status", "--http", "127.0.0.1:1"}, &bytes.Buffer{}, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "is pnicd running") {
		t.Fatalf("status without a daemon: %v", err)
	}
}

func TestPrintStatusShowsTheBus(t *testing.T) {
	var out bytes.Buffer
	printStatus(&out, pnic.Status{Bus: &pnic.BusStatus{Socket: "/run/x.sock", Twins: []uint64{3, 9}, Outbox: 4, Inbox: 2}})
	for _, want := range []string{"/run/x.sock", "2 twins connected: 3 9", "4 waiting to be delivered", "2 waiting for their twins"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("status lacks %q:\n%s", want, out.String())
		}
	}
}
