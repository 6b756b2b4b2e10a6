package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/freeflowuniverse/planetary/chain"
	"github.com/freeflowuniverse/planetary/internal/cli"
)

// TestPinGenesisFlags: init --dev writes the pinning parameters its flags give into the genesis,
// the defaults without them; bad values are usage errors.
func TestPinGenesisFlags(t *testing.T) {
	read := func(home string) chain.PinParams {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(home, "config", "genesis.json"))
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			AppState chain.Genesis `json:"app_state"`
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		if doc.AppState.Pin == nil {
			t.Fatal("genesis has no pin params")
		}
		return *doc.AppState.Pin
	}
	home := filepath.Join(t.TempDir(), "a")
	if err := run(context.Background(), []string{"init", "--dev", "--home", home, "--pin-grace", "5s", "--pin-replicas", "3", "--pin-prepaid", "1h"}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	if p := read(home); p.GraceSeconds != 5 || p.DefaultReplicas != 3 || p.MinPrepaidSeconds != 3600 || p.SettleSeconds == 0 {
		t.Errorf("params %+v", p)
	}
	home = filepath.Join(t.TempDir(), "b")
	if err := run(context.Background(), []string{"init", "--dev", "--home", home}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	if p := read(home); p != (chain.PinParams{}).WithDefaults() {
		t.Errorf("default params %+v", p)
	}
	for _, args := range [][]string{{"--pin-grace", "0s"}, {"--pin-grace", "1500ms"}, {"--pin-replicas", "0"}, {"--pin-replicas", "17"}, {"--pin-prepaid", "-1h"}} {
		err := run(context.Background(), append([]string{"init", "--dev", "--home", filepath.Join(t.TempDir(), "c")}, args...), &bytes.Buffer{}, &bytes.Buffer{})
		if cli.Code(err) != 2 || !strings.Contains(err.Error(), args[0]) {
			t.Errorf("init %v: %v (code %d), want a usage error naming the flag", args, err, cli.Code(err))
		}
	}
}
