package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/freeflowuniverse/planetary/chain"
	"github.com/freeflowuniverse/planetary/chain/chaintest"
	"github.com/freeflowuniverse/planetary/chain/client"
	"github.com/freeflowuniverse/planetary/chain/token"
	"github.com/freeflowuniverse/planetary/internal/cli"
	"github.com/freeflowuniverse/planetary/pnic"
	"github.com/freeflowuniverse/planetary/rmb/seal"
)

// registerTwin registers a twin with key owned by s and returns its id.
func registerTwin(ctx context.Context, t *testing.T, c *client.Client, s *client.Signer, key ed25519.PrivateKey) uint64 {
	t.Helper()
	var pub [32]byte
	copy(pub[:], key.Public().(ed25519.PublicKey))
	res, err := c.Submit(ctx, s, &chain.RegisterTwin{Key: pub})
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range res.Events {
		for _, a := range ev.Attributes {
			if ev.Type == "twin" && a.Key == "id" {
				if id, err := strconv.ParseUint(a.Value, 10, 64); err == nil {
					return id
				}
			}
		}
	}
	t.Fatal("no twin event")
	return 0
}

// add uploads body through /api/v0/add with tok and returns the status and the root CID.
func add(t *testing.T, api, tok string, body []byte) (int, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", "hello.txt")
	fw.Write(body)
	mw.Close()
	req, _ := http.NewRequest("POST", api+"/api/v0/add?cid-version=1", &buf)
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Logf("add: %s %s", res.Status, b)
		return res.StatusCode, string(b)
	}
	var line struct{ Hash string }
	json.Unmarshal(b, &line)
	return res.StatusCode, line.Hash
}

type pinStatus struct {
	RequestID string               `json:"requestid"`
	Status    string               `json:"status"`
	Pin       struct{ CID string } `json:"pin"`
	Info      map[string]string    `json:"info"`
}

// TestChainLedger runs pind on a real dev chain: it registers itself, a funded twin's upload
// with a token made by `pind token --chain` is pinned, listed with this node in its
// allocations, held on the chain and served by the gateway; a forged token gets 401 and an
// unfunded twin 409 INSUFFICIENT_FUNDS.
func TestChainLedger(t *testing.T) {
	dev := chaintest.StartDev(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	c, err := client.Dial(ctx, dev.RPC, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	bank := client.NewSigner(dev.DevKey)

	dir := t.TempDir()
	api, stderr, stopDaemon := startChainDaemon(ctx, t, dev.RPC, dir)
	defer func() { stopDaemon() }()
	aud := chain.PinAudience(c.ChainID())
	if !strings.Contains(stderr(), "audience="+aud) {
		t.Errorf("the log does not name the audience %s:\n%s", aud, stderr())
	}
	nodeKey, _, err := pnic.LoadOrCreateKey(filepath.Join(dir, "node.key"))
	if err != nil {
		t.Fatal(err)
	}
	var self [32]byte
	copy(self[:], nodeKey.Public().(ed25519.PublicKey))
	nodes, err := c.PinNodes(ctx)
	if err != nil || len(nodes) != 1 || nodes[0].Key != self || nodes[0].Name != "chainpin" || nodes[0].Capacity != 1<<30 ||
		nodes[0].API != api || nodes[0].PriceStorage == 0 {
		t.Fatalf("pin nodes on the chain: %+v, %v", nodes, err)
	}

	// A twin whose owner account the bank funds by a plain transfer.
	owner := client.NewSigner(ed25519.NewKeyFromSeed(bytes.Repeat([]byte{1}, 32)))
	if _, err := c.Submit(ctx, bank, &chain.Transfer{To: owner.Account(), Amount: 1_000_000_000}); err != nil {
		t.Fatal(err)
	}
	keys, err := seal.GenerateTwinKeys(1)
	if err != nil {
		t.Fatal(err)
	}
	twin := registerTwin(ctx, t, c, owner, keys.Signing)
	keyFile := filepath.Join(t.TempDir(), "twin.key")
	if err := seal.WriteKeyFile(keyFile, keys); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run([]string{"token", "--key", keyFile, "--twin", strconv.FormatUint(twin, 10), "--chain", dev.RPC}, &out, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	tok := strings.TrimSpace(out.String())
	if pt, err := token.Parse(tok); err != nil || pt.Audience != aud || pt.Twin != twin {
		t.Fatalf("pind token --chain: %+v, %v; want twin %d, audience %s", pt, err, twin, aud)
	}

	data := []byte("pinned through the chain\n")
	code, cid := add(t, api, tok, data)
	if code != 200 || cid == "" {
		t.Fatalf("add with a funded twin: %d %s", code, cid)
	}
	var list struct {
		Count   int         `json:"count"`
		Results []pinStatus `json:"results"`
	}
	if code := getJSON(t, api+"/pins?cid="+cid, tok, &list); code != 200 || list.Count != 1 || len(list.Results) != 1 {
		t.Fatalf("GET /pins: %d %+v", code, list)
	}
	if got := list.Results[0]; got.Pin.CID != cid || !strings.Contains(got.Info["allocations"], "chainpin") {
		t.Errorf("GET /pins lists %+v, want %s allocated to chainpin", got, cid)
	}
	var ps pinStatus
	for i := 0; ; i++ {
		if code := getJSON(t, api+"/pins/"+list.Results[0].RequestID, tok, &ps); code != 200 {
			t.Fatalf("GET /pins/%s: %d", list.Results[0].RequestID, code)
		}
		if ps.Status == "pinned" {
			break
		}
		if i == 300 {
			t.Fatalf("pin still %q after 300 polls", ps.Status)
		}
		select {
		case <-ctx.Done():
			t.Fatal(ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
	if ps.Info["allocations"] != "chainpin" {
		t.Errorf("allocations %q once pinned, want chainpin (held)", ps.Info["allocations"])
	}
	op, err := c.Pin(ctx, twin, cid)
	if err != nil {
		t.Fatalf("the chain has no pin of %s for twin %d: %v", cid, twin, err)
	}
	if len(op.Set.Holders) != 1 || op.Set.Holders[0].Node != self || op.Set.Holders[0].State != chain.PinHeld {
		t.Errorf("chain pin set %+v, want held by this node", op.Set)
	}
	res, err := http.Get(api + "/ipfs/" + cid)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !bytes.Equal(got, data) {
		t.Errorf("gateway: %s %q, want %q", res.Status, got, data)
	}

	// A token naming the twin but signed by another key.
	_, other, _ := ed25519.GenerateKey(nil)
	forged, _ := token.New(other, twin, aud, time.Now(), time.Hour)
	if code, body := add(t, api, forged, []byte("forged")); code != 401 {
		t.Errorf("add with a forged token: %d %s, want 401", code, body)
	}
	if code := getJSON(t, api+"/pins", forged, nil); code != 401 {
		t.Errorf("GET /pins with a forged token: %d, want 401", code)
	}

	// A twin whose owner account holds nothing.
	poorKeys, _ := seal.GenerateTwinKeys(1)
	poor := client.NewSigner(ed25519.NewKeyFromSeed(bytes.Repeat([]byte{2}, 32)))
	poorTwin := registerTwin(ctx, t, c, poor, poorKeys.Signing)
	poorTok, _ := token.New(poorKeys.Signing, poorTwin, aud, time.Now(), time.Hour)
	if code, body := add(t, api, poorTok, []byte("unpaid")); code != 409 || !strings.Contains(body, "INSUFFICIENT_FUNDS") {
		t.Errorf("add by an unfunded twin: %d %s, want 409 INSUFFICIENT_FUNDS", code, body)
	}

	// Restarted on the same data directory, pind registers again and still serves the pin.
	stopDaemon()
	api, _, stopDaemon = startChainDaemon(ctx, t, dev.RPC, dir)
	var st struct{ Ledger string }
	if code := getJSON(t, api+"/v1/status", "", &st); code != 200 || st.Ledger != "chain" {
		t.Errorf("status after restart: %d %+v, want ledger chain", code, st)
	}
	if code := getJSON(t, api+"/pins/"+ps.RequestID, tok, &ps); code != 200 || ps.Status != "pinned" || ps.Pin.CID != cid {
		t.Errorf("after restart, /pins/%s: %d %+v", ps.RequestID, code, ps)
	}
	if nodes, err := c.PinNodes(ctx); err != nil || len(nodes) != 1 || nodes[0].API != api {
		t.Errorf("pin nodes after restart: %+v, %v; want one, at %s", nodes, err, api)
	}
}

// startChainDaemon runs pind on the chain at rpc until the returned stop, which waits for it
// to end; it returns the API's base URL and the log so far.
func startChainDaemon(ctx context.Context, t *testing.T, rpc, dir string) (string, func() string, func()) {
	t.Helper()
	dctx, cancel := context.WithCancel(ctx)
	ready := make(chan string, 1)
	stderr := new(syncBuffer)
	done := make(chan error, 1)
	go func() {
		done <- daemon(dctx, []string{"--chain", rpc, "--data", dir, "--http", "127.0.0.1:0",
			"--swarm", "/ip4/127.0.0.1/tcp/0", "--name", "chainpin", "--capacity", "1GiB"}, stderr, ready)
	}()
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("daemon: %v", err)
		}
	}
	select {
	case addr := <-ready:
		return "http://" + addr, stderr.String, stop
	case err := <-done:
		cancel()
		t.Fatalf("daemon ended: %v\n%s", err, stderr.String())
	case <-time.After(90 * time.Second):
		stop()
		t.Fatalf("daemon did not start\n%s", stderr.String())
	}
	return "", nil, nil
}

// TestChainUnreachable: a chain URL nobody answers is a one-line error naming it.
func TestChainUnreachable(t *testing.T) {
	url := "http://127.0.0.1:1"
	for _, args := range [][]string{
		{"--chain", url, "--data", t.TempDir(), "--http", "127.0.0.1:0", "--swarm", "off"},
		{"token", "--key", writeTwinKey(t), "--chain", url},
	} {
		err := run(args, &bytes.Buffer{}, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), url) || strings.Contains(err.Error(), "\n") || cli.Code(err) == 0 {
			t.Errorf("%v: %v, want a one-line error naming %s", args, err, url)
		}
	}
}

func writeTwinKey(t *testing.T) string {
	t.Helper()
	keys, err := seal.GenerateTwinKeys(7)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "twin.key")
	if err := seal.WriteKeyFile(path, keys); err != nil {
		t.Fatal(err)
	}
	return path
}
