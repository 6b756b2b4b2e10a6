package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/freeflowuniverse/planetary/chain"
	"github.com/freeflowuniverse/planetary/chain/chaintest"
	"github.com/freeflowuniverse/planetary/chain/client"
	"github.com/freeflowuniverse/planetary/internal/cli"
)

// providerCallback is what a typical identity-verification service posts to its customer's
// webhook when a case ends; the twin id travels in the case's external id, which the twin's
// owner handed the provider when the verification started.
type providerCallback struct {
	Event      string `json:"event"` // verification.approved or verification.revoked
	CaseID     string `json:"case_id"`
	ExternalID string `json:"external_id"` // "twin:<id>"
	Level      int    `json:"level"`
	ValidFor   string `json:"valid_for"` // a Go duration, e.g. 8760h
	Reason     string `json:"reason"`
}

// webhook is the glue a provider would run next to `chaind kyc`: it checks the callback's HMAC,
// maps it onto the command's flags and runs it; the chain's answer decides the HTTP status.
func webhook(ctx context.Context, secret []byte, keyFile, chainURL string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
		if err != nil {
			http.Error(w, "read body", http.StatusBadRequest)
			return
		}
		mac := hmac.New(sha256.New, secret)
		mac.Write(body)
		if sig, err := hex.DecodeString(r.Header.Get("X-Signature")); err != nil || !hmac.Equal(sig, mac.Sum(nil)) {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		var cb providerCallback
		if err := json.Unmarshal(body, &cb); err != nil {
			http.Error(w, "bad callback: "+err.Error(), http.StatusBadRequest)
			return
		}
		twin, ok := strings.CutPrefix(cb.ExternalID, "twin:")
		if !ok {
			http.Error(w, "external_id is not a twin", http.StatusBadRequest)
			return
		}
		args := []string{"kyc", "", "--key", keyFile, "--chain", chainURL, "--twin", twin}
		switch cb.Event {
		case "verification.approved":
			args[1] = "attest"
			args = append(args, "--level", fmt.Sprint(cb.Level), "--ref", cb.CaseID, "--expires", cb.ValidFor)
		case "verification.revoked":
			args[1] = "revoke"
			args = append(args, "--reason", cb.Reason)
		default:
			w.WriteHeader(http.StatusNoContent) // events the chain does not record
			return
		}
		var out, errs bytes.Buffer
		if err := run(ctx, args, &out, &errs); err != nil {
			status := http.StatusBadGateway
			if cli.Code(err) == 2 {
				status = http.StatusBadRequest
			}
			http.Error(w, err.Error(), status)
			return
		}
		w.Write(out.Bytes())
	})
}

// TestKYCWebhookFlow: a provider's signed callbacks reach the webhook, which runs `chaind kyc
// attest` and `chaind kyc revoke` with the provider's key; the attestation and its revocation
// are then proven on the chain. Bad signatures and malformed callbacks change nothing.
func TestKYCWebhookFlow(t *testing.T) {
	dev := chaintest.StartDev(t) // on a dev chain the dev account is a KYC provider
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	keyFile := filepath.Join(t.TempDir(), "provider.key")
	if err := os.WriteFile(keyFile, []byte(hex.EncodeToString(dev.DevKey.Seed())+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := client.Dial(ctx, dev.RPC, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	signer := client.NewSigner(dev.DevKey)
	res, err := c.Submit(ctx, signer, &chain.RegisterTwin{Key: [32]byte{77}})
	if err != nil {
		t.Fatal(err)
	}
	var twin string
	for _, ev := range res.Events {
		for _, a := range ev.Attributes {
			if ev.Type == "twin" && a.Key == "id" {
				twin = a.Value
			}
		}
	}
	secret := []byte("shared with the provider")
	srv := httptest.NewServer(webhook(ctx, secret, keyFile, dev.RPC))
	defer srv.Close()
	post := func(body string, sign bool) (int, string) {
		t.Helper()
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL, strings.NewReader(body))
		mac := hmac.New(sha256.New, secret)
		mac.Write([]byte(body))
		if sign {
			req.Header.Set("X-Signature", hex.EncodeToString(mac.Sum(nil)))
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	// seen waits until this test's client has seen the block the command's tx committed in.
	seen := func(out string) {
		t.Helper()
		var h int64
		if i := strings.LastIndex(out, "at height "); i < 0 {
			t.Fatalf("no height in %q", out)
		} else if _, err := fmt.Sscanf(out[i:], "at height %d", &h); err != nil {
			t.Fatalf("height in %q: %v", out, err)
		}
		if err := c.WaitHeight(ctx, h+1); err != nil {
			t.Fatal(err)
		}
	}
	approved := `{"event":"verification.approved","case_id":"case-981","external_id":"twin:` + twin + `","level":2,"valid_for":"8760h"}`
	if code, _ := post(approved, false); code != http.StatusUnauthorized {
		t.Fatalf("unsigned callback: %d", code)
	}
	if code, _ := post(`{"event":`, true); code != http.StatusBadRequest {
		t.Fatalf("malformed callback: %d", code)
	}
	if code, body := post(strings.Replace(approved, `"level":2`, `"level":0`, 1), true); code != http.StatusBadRequest || !strings.Contains(body, "level") {
		t.Fatalf("level 0: %d %s", code, body)
	}
	if code, body := post(strings.Replace(approved, "twin:"+twin, "twin:999", 1), true); code != http.StatusBadGateway ||
		!strings.Contains(body, fmt.Sprintf("code %d", chain.CodeNotFound)) {
		t.Fatalf("unknown twin: %d %s", code, body)
	}
	code, body := post(approved, true)
	if code != http.StatusOK || !strings.Contains(body, "attested twin "+twin+" level 2") {
		t.Fatalf("approved: %d %s", code, body)
	}
	var id uint64
	fmt.Sscan(twin, &id)
	seen(body)
	k, err := c.KYCOf(ctx, id)
	if err != nil || len(k) != 1 || k[0].Status != chain.KYCValid || k[0].Ref != "case-981" || k[0].Level != 2 ||
		k[0].Provider != signer.Account() || k[0].Expires < time.Now().Add(8759*time.Hour).Unix() {
		t.Fatalf("after approval: %+v %v", k, err)
	}
	code, body = post(`{"event":"verification.revoked","case_id":"case-981","external_id":"twin:`+twin+`","reason":"document reported stolen"}`, true)
	if code != http.StatusOK || !strings.Contains(body, "revoked") {
		t.Fatalf("revoked: %d %s", code, body)
	}
	seen(body)
	if k, err = c.KYCOf(ctx, id); err != nil || k[0].Status != chain.KYCRevoked || !strings.Contains(k[0].Note, "document reported stolen") {
		t.Fatalf("after revocation: %+v %v", k, err)
	}
}

// TestKYCBadFlags: the provider command refuses bad input with a one-line usage error.
func TestKYCBadFlags(t *testing.T) {
	key := filepath.Join(t.TempDir(), "k")
	os.WriteFile(key, []byte("zz\n"), 0o600)
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"kyc"}, 2, "attest or revoke"},
		{[]string{"kyc", "attest", "--twin", "1"}, 2, "--key"},
		{[]string{"kyc", "attest", "--key", key, "--twin", "1", "--level", "300", "--expires", "1h"}, 2, "level"},
		{[]string{"kyc", "attest", "--key", key, "--twin", "1", "--level", "1"}, 2, "expires"},
		{[]string{"kyc", "revoke", "--key", key, "--twin", "1"}, 1, "hex"},
	} {
		err := run(context.Background(), c.args, io.Discard, io.Discard)
		if err == nil || cli.Code(err) != c.code || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("chaind %v: %v (code %d), want code %d and %q", c.args, err, cli.Code(err), c.code, c.want)
		}
	}
}
