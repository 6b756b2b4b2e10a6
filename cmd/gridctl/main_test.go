package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/freeflowuniverse/planetary/grid"
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
		{[]string{"--state", dir, "logs", "nosuch"}, "unknown host or twin nosuch"},
		{[]string{"--state", dir, "logs", "a", "many"}, "positive number of lines"},
		{[]string{"--state", dir, "logs", "a", "--follow"}, "no flag --follow"},
		{[]string{"--state", dir, "status", "--bogus"}, "-bogus"},
		{[]string{"--state", dir, "status", "extra"}, "no arguments"},
		{[]string{"--state", dir, "up", "--fast"}, "up has no flag --fast"},
		{[]string{"--state", dir, "run", "now"}, "run takes no arguments"},
		{[]string{"--state", dir, "login", "--new", "alice"}, "no flag --new"},
		{[]string{"--state", dir, "pin-token"}, "pin-token wants a twin name"},
		{[]string{"--state", dir, "pin-token", "--ttl", "alice"}, "no flag --ttl"},
		{[]string{"--state", dir, "chaos", "kill-pin"}, "kill-pin"},
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

// TestStatusOfStoppedNetwork: status lists every component of a network that is not up (the
// default's three hosts, validator, three twins and three pinds), in both
// forms, and exits 1, since each of them should run.
func TestStatusOfStoppedNetwork(t *testing.T) {
	state := t.TempDir()
	var out bytes.Buffer
	err := run([]string{"--state", state, "status"}, &out, &bytes.Buffer{})
	if cli.Code(err) != 1 || !strings.Contains(err.Error(), "not running") {
		t.Fatalf("status of a stopped network: err=%v code=%d, want code 1 saying it is not running", err, cli.Code(err))
	}
	if !strings.Contains(out.String(), "not running") || strings.Count(out.String(), "\n") != 17 || !strings.Contains(out.String(), "PIND") || !strings.Contains(out.String(), "carol") {
		t.Fatalf("status of a stopped a–b–c network:\n%s", out.String())
	}
	out.Reset()
	err = run([]string{"--state", state, "status", "--json"}, &out, &bytes.Buffer{})
	if cli.Code(err) != 1 {
		t.Fatalf("status --json of a stopped network: err=%v code=%d, want 1", err, cli.Code(err))
	}
	var r struct {
		Network string
		Hosts   []struct {
			Name, Health string
			StatusURL    string `json:"status_url"`
			Links        []any
		}
		Validators []struct{ Host, RPC, Health string }
		Twins      []struct {
			Name   string
			ID     uint64
			URL    string
			Health string
		}
		Pins []any
	}
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatalf("status --json is not JSON: %v\n%s", err, out.String())
	}
	if r.Network != "dev" || len(r.Hosts) != 3 || len(r.Validators) != 1 || len(r.Twins) != 3 || len(r.Pins) != 3 {
		t.Fatalf("status --json of the a–b–c network: %+v\n%s", r, out.String())
	}
	if h := r.Hosts[0]; h.Name != "a" || h.Health != "stopped" || !strings.HasPrefix(h.StatusURL, "http://127.0.0.1:") || h.Links == nil {
		t.Fatalf("host a: %+v", h)
	}
	if v := r.Validators[0]; v.Host != "b" || v.Health != "stopped" || !strings.HasPrefix(v.RPC, "http://127.0.0.1:") {
		t.Fatalf("validator: %+v", v)
	}
	if tw := r.Twins[2]; tw.Name != "carol" || tw.ID != 3 || tw.Health != "stopped" || !strings.HasPrefix(tw.URL, "http://127.0.0.1:") {
		t.Fatalf("twin carol: %+v", tw)
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

// TestGen: gridctl gen writes a topology gridctl reads back, the same for the same seed, and
// refuses bad flags with one line and exit status 2.
func TestGen(t *testing.T) {
	dir := t.TempDir()
	f1, f2 := filepath.Join(dir, "a.yaml"), filepath.Join(dir, "b.yaml")
	args := []string{"gen", "--sites", "10", "--hosts-per-site", "2", "--twins", "1000", "--seed", "42"}
	if err := run(append(args, "-o", f1), &bytes.Buffer{}, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(args, &out, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(f2, out.Bytes(), 0o600)
	a, _ := os.ReadFile(f1)
	if !bytes.Equal(a, out.Bytes()) {
		t.Error("-o and stdout differ, or the same seed gave another topology")
	}
	top, err := grid.Load(f2)
	if err != nil {
		t.Fatalf("gridctl cannot read what gen wrote: %v", err)
	}
	if len(top.Hosts) != 20 || len(top.Twins) != 1000 || len(top.ISPs) != 20 {
		t.Errorf("%d hosts, %d twins, %d isps", len(top.Hosts), len(top.Twins), len(top.ISPs))
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"gen"}, "--sites is required"},
		{[]string{"gen", "--sites", "0"}, "--sites is required"},
		{[]string{"gen", "--sites", "1000"}, "sites 1000"},
		{[]string{"gen", "--sites", "3", "--hosts-per-site", "0"}, "hosts per site"},
		{[]string{"gen", "--sites", "3", "--twins", "-5"}, "twins -5"},
		{[]string{"gen", "--sites", "x"}, "-sites"},
		{[]string{"gen", "--sites", "3", "--bogus"}, "-bogus"},
		{[]string{"gen", "--sites", "3", "extra"}, "no arguments"},
	} {
		var stderr bytes.Buffer
		err := run(c.args, &bytes.Buffer{}, &stderr)
		if cli.Code(err) != 2 || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") || stderr.Len() > 0 {
			t.Errorf("gridctl %v: err=%v code=%d stderr=%q, want code 2 and one line with %q", c.args, err, cli.Code(err), stderr.String(), c.want)
		}
	}
}
