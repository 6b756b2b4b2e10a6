package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/freeflowuniverse/planetary/internal/cli"
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
		{[]string{"--config", filepath.Join(dir, "nope.yaml")}, 2, "nope.yaml"},
		{[]string{"--data", keyDir, "--tun", "userspace", "--http", "off", "--listen", "quic://127.0.0.1:0"}, 1, "readable by others"},
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
