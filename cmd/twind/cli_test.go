package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/freeflowuniverse/planetary/internal/cli"
)

func TestCLI(t *testing.T) {
	var out, errb bytes.Buffer
	if err := run([]string{"version"}, &out, &errb); err != nil || !strings.HasPrefix(out.String(), "twind ") {
		t.Fatalf("version: %v %q", err, out.String())
	}
	for _, args := range [][]string{{"--bogus"}, {"--http", "0.0.0.0:9700"}, {"extra"}, {"login-link", "--http", "10.0.0.1:1"},
		{"--tls-cert", "c.pem"}, {"--tls-key", "k.pem"}, {"--tls", "--tls-cert", "c.pem", "--tls-key", "k.pem"},
		{"--pin", "127.0.0.1:9800"}, {"--pin", "ftp://127.0.0.1:9800"}} {
		if err := run(args, &out, &errb); cli.Code(err) != 2 {
			t.Errorf("twind %v: %v (exit %d), want a usage error", args, err, cli.Code(err))
		}
	}
	missing := filepath.Join(t.TempDir(), "nothing")
	if err := run([]string{"login-link", "--data", missing}, &out, &errb); cli.Code(err) != 1 || !strings.Contains(err.Error(), "start twind first") {
		t.Errorf("login-link without data: %v", err)
	}
	// No key, no chain answering and no --twin-id: a clear runtime error naming the ways out.
	err := run([]string{"--data", t.TempDir(), "--pnic", filepath.Join(t.TempDir(), "none.sock"), "--http", "127.0.0.1:0",
		"--chain", "http://127.0.0.1:1"}, &out, &errb)
	if err == nil || !strings.Contains(err.Error(), "--twin-id") || !strings.Contains(err.Error(), "no chain at") {
		t.Errorf("first start with no chain and no --twin-id: %v", err)
	}
	err = run([]string{"--data", t.TempDir(), "--pnic", filepath.Join(t.TempDir(), "none.sock"), "--http", "127.0.0.1:0",
		"--directory", filepath.Join(t.TempDir(), "twins.json")}, &out, &errb)
	if err == nil || !strings.Contains(err.Error(), "--twin-id") {
		t.Errorf("first start with a directory file and no --twin-id: %v", err)
	}
}
