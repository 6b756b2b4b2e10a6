package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/freeflowuniverse/planetary/internal/cli"
)

// TestBadInput: mistakes give a one-line error naming them and exit status 2.
func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("name: x\nhosts: [{name: a, peers: [zz]}]\n"), 0o600)
	cases := []struct {
		args []string
		want string
	}{
		{nil, "missing command"},
		{[]string{"bogus"}, "unknown command"},
		{[]string{"--topology", filepath.Join(dir, "none.yaml"), "up"}, "none.yaml"},
		{[]string{"--topology", bad, "up"}, "unknown peer"},
		{[]string{"--backend", "docker", "status"}, "backend"},
		{[]string{"--state", dir, "chaos", "explode", "a"}, "unknown chaos action"},
		{[]string{"--state", dir, "down", "--all"}, "only --purge"},
		{[]string{"--state", dir, "logs"}, "host or twin name"},
	}
	for _, c := range cases {
		err := run(c.args, &bytes.Buffer{}, &bytes.Buffer{})
		if cli.Code(err) != 2 || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("gridctl %v: err=%v code=%d, want code 2 and a line with %q", c.args, err, cli.Code(err), c.want)
		}
	}
	if err := run([]string{"--state", dir, "chaos", "cut", "a", "isp1"}, &bytes.Buffer{}, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "netns") {
		t.Errorf("chaos cut on the local backend: err = %v, want it to say uplinks need netns", err)
	}
}

func TestStatusOfStoppedNetwork(t *testing.T) {
	var out bytes.Buffer
	if err := run([]string{"--state", t.TempDir(), "status"}, &out, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "not running") || strings.Count(out.String(), "\n") != 12 || !strings.Contains(out.String(), "carol") {
		t.Fatalf("status of a stopped a–b–c network:\n%s", out.String())
	}
}

// TestBackendContradicted: a --backend other than the one the network was brought up on is a
// usage error naming both, not a silent act on the wrong place.
func TestBackendContradicted(t *testing.T) {
	state := t.TempDir()
	os.MkdirAll(filepath.Join(state, "dev"), 0o700)
	if err := os.WriteFile(filepath.Join(state, "dev", "backend"), []byte("local\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, cmd := range [][]string{{"down"}, {"status"}, {"chaos", "kill", "a"}} {
		args := append([]string{"--state", state, "--backend", "netns"}, cmd...)
		err := run(args, &bytes.Buffer{}, &bytes.Buffer{})
		if cli.Code(err) != 2 || !strings.Contains(err.Error(), "local backend") || !strings.Contains(err.Error(), "netns") {
			t.Errorf("gridctl %v: err=%v code=%d, want code 2 naming the local backend and netns", args, err, cli.Code(err))
		}
	}
}

// TestProbe: gridctl probe succeeds on a 2xx answer, fails (status 1) on any other or none, and
// refuses what is not an http URL (status 2).
func TestProbe(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" {
			http.Error(w, "not ready", http.StatusServiceUnavailable)
		}
	}))
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	defer srv.Close()
	cases := []struct {
		args []string
		code int
	}{
		{[]string{"probe", srv.URL + "/healthz"}, 0},
		{[]string{"probe", srv.URL + "/readyz"}, 1},
		{[]string{"probe", closed.URL + "/healthz"}, 1},
		{[]string{"probe"}, 2},
		{[]string{"probe", "127.0.0.1:9652/healthz"}, 2},
		{[]string{"probe", "ftp://127.0.0.1/x"}, 2},
	}
	for _, c := range cases {
		var out bytes.Buffer
		err := run(c.args, &out, &bytes.Buffer{})
		if cli.Code(err) != c.code {
			t.Errorf("gridctl %v: err=%v code=%d, want %d", c.args, err, cli.Code(err), c.code)
		}
		if c.code == 0 && !strings.Contains(out.String(), "200 OK") {
			t.Errorf("gridctl %v printed %q", c.args, out.String())
		}
	}
}
