package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/freeflowuniverse/planetary/chain/token"
	"github.com/freeflowuniverse/planetary/internal/cli"
	"github.com/freeflowuniverse/planetary/rmb/seal"
)

func TestBadFlagsExit2(t *testing.T) {
	for _, args := range [][]string{
		{"--nope"},
		{"--http", "no-port"},
		{"--swarm", "not-a-multiaddr"},
		{"--log-level", "loud"},
		{"extra"},
		{"--capacity", "lots"},
		{"--capacity", "0"},
		{"token", "--key", "k", "--audience", "a", "--chain", "http://127.0.0.1:26657"},
		{"--advertise", "ftp://a:1"},
		{"--advertise", "http://"},
		{"--advertise", "no-scheme:9800"},
		{"--advertise", "http://a:1/?q=1"},
		{"token"},
		{"token", "--key", "k", "--ttl", "-1s"},
	} {
		var stderr bytes.Buffer
		err := run(args, &bytes.Buffer{}, &stderr)
		if cli.Code(err) != 2 {
			t.Errorf("%v: exit %d (%v), want 2", args, cli.Code(err), err)
		}
		if err != nil && strings.Contains(err.Error(), "\n") {
			t.Errorf("%v: error is not one line: %q", args, err)
		}
	}
}

func TestPNICErrors(t *testing.T) {
	dir := t.TempDir()
	sock := filepath.Join(dir, "pnic.sock")
	var stderr bytes.Buffer
	err := run([]string{"--pnic", sock, "--data", filepath.Join(dir, "d"), "--http", "127.0.0.1:0", "--swarm", "off"}, &bytes.Buffer{}, &stderr)
	if err == nil || !strings.Contains(err.Error(), "no PNIC socket") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("missing socket: %v, want a one-line \"no PNIC socket\" error", err)
	}
	if err := os.WriteFile(sock, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	err = run([]string{"--pnic", sock, "--data", filepath.Join(dir, "d"), "--http", "127.0.0.1:0", "--swarm", "off"}, &bytes.Buffer{}, &stderr)
	if err == nil || !strings.Contains(err.Error(), "key") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("socket without pnic.key: %v, want a one-line key error", err)
	}
}

func TestTokenCommand(t *testing.T) {
	keys, err := seal.GenerateTwinKeys(42)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "twin.key")
	if err := seal.WriteKeyFile(path, keys); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run([]string{"token", "--key", path, "--audience", "aud", "--ttl", "1h"}, &out, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	tok, err := token.Parse(strings.TrimSpace(out.String()))
	if err != nil {
		t.Fatal(err)
	}
	if tok.Twin != 42 || tok.Audience != "aud" {
		t.Fatalf("token %+v", tok)
	}
	if err := tok.Verify(keys.Signing.Public().(ed25519.PublicKey), "aud", time.Now(), 0); err != nil {
		t.Fatal(err)
	}
}

// TestStartsWithNoConfig runs the daemon on a fresh data directory and uses its development token.
func TestStartsWithNoConfig(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	var stderr syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- daemon(ctx, []string{"--data", dir, "--http", "127.0.0.1:0", "--swarm", "/ip4/127.0.0.1/tcp/0", "--name", "solo"}, &stderr, ready)
	}()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("daemon ended: %v\n%s", err, stderr.String())
	case <-time.After(60 * time.Second):
		t.Fatal("daemon did not start")
	}
	tok, err := os.ReadFile(filepath.Join(dir, "dev.token"))
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", "http://"+addr+"/v1/account", nil)
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(tok)))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("account with the development token: %s", res.Status)
	}
	if !strings.Contains(stderr.String(), "in-memory ledger") {
		t.Fatalf("the log does not say it runs without a chain:\n%s", stderr.String())
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
