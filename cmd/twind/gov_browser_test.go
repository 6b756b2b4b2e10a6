package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/freeflowuniverse/planetary/chain"
	chainclient "github.com/freeflowuniverse/planetary/chain/client"
	"github.com/freeflowuniverse/planetary/chain/node"
)

// TestBrowserGovernance runs twin/web/e2e/governance.mjs against a twind on a dev chain, whose
// dev account (a KYC provider there) first attests the twin: the owner sees the attestation,
// proposes a parameter change, votes, sees it executed and reads the audit log newest first in
// headless Chromium; the chain then holds the new parameter. Screenshots are kept in twin/testdata/out.
func TestBrowserGovernance(t *testing.T) {
	if testing.Short() {
		t.Skip("runs chaind, pnicd, twind and Chromium")
	}
	chromium := requireBrowser(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	chn := startChaind(t)
	rpc := "http://" + chn.rpc
	_, tw := startNetwork(t, ctx, 1, rpc)
	dev, err := node.LoadDevKey(chn.home)
	if err != nil {
		t.Fatal(err)
	}
	cc, err := chainclient.Dial(ctx, rpc, chainclient.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	// Attested, revoked and attested again: three events on the twin's audit log.
	provider := chainclient.NewSigner(dev)
	for _, m := range []chain.Msg{
		&chain.AttestKYC{Twin: tw[0].id, Level: 1, Ref: "case-1", Expires: time.Now().Add(24 * time.Hour).Unix()},
		&chain.RevokeKYC{Twin: tw[0].id, Reason: "superseded"},
		&chain.AttestKYC{Twin: tw[0].id, Level: 2, Ref: "case-2", Expires: time.Now().Add(24 * time.Hour).Unix()},
	} {
		if _, err := cc.Submit(ctx, provider, m); err != nil {
			t.Fatal(err)
		}
	}
	shots := filepath.Join("..", "..", "twin", "testdata", "out")
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(shots)
	cmd := exec.CommandContext(ctx, "node", filepath.Join("e2e", "governance.mjs"))
	cmd.Dir = webDir
	cmd.Env = append(os.Environ(), "CHROMIUM="+chromium, "LINK="+newLoginLink(t, tw[0]), fmt.Sprintf("ID=%d", tw[0].id), "OUT="+abs)
	start := time.Now()
	out, err := cmd.CombinedOutput()
	t.Logf("browser run (%.1f s):\n%s", time.Since(start).Seconds(), out)
	if err != nil {
		t.Fatalf("browser run failed: %v", err)
	}
	if v, found, err := cc.Param(ctx, "pin.price.storage"); err != nil || !found || v != 4 {
		t.Fatalf("pin.price.storage = %d (set %v) %v, want 4 from the browser's proposal", v, found, err)
	}
	for _, f := range []string{"governance.png", "audit.png"} {
		if st, err := os.Stat(filepath.Join(abs, f)); err != nil || st.Size() == 0 {
			t.Fatalf("screenshot %s: %v", f, err)
		}
	}
}
