package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/freeflowuniverse/planetary/internal/cli"
)

func TestBadInput(t *testing.T) {
	home := t.TempDir()
	cases := []struct {
		args []string
		code int
		want string
	}{
		{nil, 2, "missing subcommand"},
		{[]string{"frobnicate"}, 2, "frobnicate"},
		{[]string{"init"}, 2, "--dev"},
		{[]string{"init", "--dev", "--bogus"}, 2, "bogus"},
		{[]string{"start", "--log-level", "loud"}, 2, "log-level"},
		{[]string{"start", "--home", home}, 1, "chaind init --dev"},
		{[]string{"testnet", "--validators", "4"}, 2, "--out"},
		{[]string{"testnet", "--validators", "0", "--out", home}, 2, "validators"},
	}
	for _, c := range cases {
		err := run(context.Background(), c.args, &bytes.Buffer{}, &bytes.Buffer{})
		if code := cli.Code(err); err == nil || code != c.code || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("chaind %v: err=%v code=%d, want a one-line error with %q and code %d", c.args, err, code, c.want, c.code)
		}
	}
}

func TestVersion(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"version"}, &out, &bytes.Buffer{}); err != nil || !strings.HasPrefix(out.String(), "chaind ") {
		t.Fatalf("version: %q, %v", out.String(), err)
	}
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// TestDevInitStart: init --dev then start; /status and abci_query answer like on any CometBFT chain; SIGINT-style cancel stops it cleanly.
func TestDevInitStart(t *testing.T) {
	home := t.TempDir()
	rpc := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	var out bytes.Buffer
	if err := run(context.Background(), []string{"init", "--dev", "--home", home, "--rpc", rpc, "--p2p", fmt.Sprintf("127.0.0.1:%d", freePort(t))}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "dev account") {
		t.Fatalf("init said %q", out.String())
	}
	if err := run(context.Background(), []string{"init", "--dev", "--home", home}, io.Discard, io.Discard); err == nil {
		t.Fatal("a second init over the same home succeeded")
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"start", "--home", home, "--log-level", "warn"}, io.Discard, io.Discard)
	}()
	get := func(path string) (map[string]any, error) {
		resp, err := http.Get("http://" + rpc + path)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		var m map[string]any
		return m, json.NewDecoder(resp.Body).Decode(&m)
	}
	var height string
	for i := 0; i < 300 && (height == "" || height == "0"); i++ { // bounded: at most 30 s
		if st, err := get("/status"); err == nil {
			height, _ = st["result"].(map[string]any)["sync_info"].(map[string]any)["latest_block_height"].(string)
		}
		if height == "" || height == "0" {
			time.Sleep(100 * time.Millisecond)
		}
	}
	if height == "" || height == "0" {
		t.Fatal("no block committed")
	}
	q, err := get(`/abci_query?path="twin/1"&prove=true`)
	if err != nil {
		t.Fatal(err)
	}
	resp := q["result"].(map[string]any)["response"].(map[string]any)
	if code := resp["code"]; code != float64(5) {
		t.Fatalf("abci_query twin/1 on an empty chain: %v, want code 5 (not found)", resp)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("start returned %v after cancel", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("start did not stop within 30 s")
	}
}

func TestTestnetLayout(t *testing.T) {
	out := t.TempDir()
	var stdout bytes.Buffer
	if err := run(context.Background(), []string{"testnet", "--validators", "3", "--out", out, "--base-port", "40100"}, &stdout, io.Discard); err != nil {
		t.Fatal(err)
	}
	for i, port := range []string{"40100", "40102", "40104"} {
		if !strings.Contains(stdout.String(), filepath.Join(out, fmt.Sprintf("node%d", i))+"  rpc http://127.0.0.1:"+port) {
			t.Errorf("node%d not on RPC port %s:\n%s", i, port, stdout.String())
		}
	}
}
