package grid

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/freeflowuniverse/planetary/internal/testnet"
)

func pind(t *testing.T) string {
	return testnet.Build(t, "github.com/freeflowuniverse/planetary/cmd/pind")
}

// addFile uploads one file to host h's pind through /api/v0/add with tok, and fails the test
// unless it answers 200 with a CID.
func addFile(t *testing.T, ctx context.Context, g *Grid, h, tok, name string, data []byte) struct{ Hash string } {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequestWithContext(ctx, "POST", "http://"+g.PinHTTP(h)+"/api/v0/add", &buf)
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	res, err := g.PinClient(h, time.Minute).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	var added struct{ Hash string }
	if res.StatusCode != 200 || json.Unmarshal(b, &added) != nil || added.Hash == "" {
		t.Fatalf("add of %s on %s: %s %s\nlog of pind %s:\n%s", name, h, res.Status, b, h, tail(g.PinLogFile(h), 20))
	}
	return added
}

const pinsLine = `
name: pn
hosts:
  - {name: a, peers: [b]}
  - {name: b}
validators: [a]
twins:
  - {name: alice, host: a}
pins: [a, b]
`

// statusPins is the pins list of the status JSON, decoded from the JSON itself.
func statusPins(t *testing.T, g *Grid) (map[string]map[string]any, error) {
	t.Helper()
	r := g.Report()
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Pins []map[string]any `json:"pins"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]any{}
	for _, p := range v.Pins {
		out[p["host"].(string)] = p
	}
	return out, r.Err()
}

// TestLocalPins runs a pind beside each of two hosts on the grid's dev chain: status lists both up
// with their APIs; a token from PinToken for a twin (whose owner the grid funds) uploads a file to
// one pind, which reports it pinned; chaos kill-pin makes status report that pind down and fail,
// start-pin brings it back.
func TestLocalPins(t *testing.T) {
	topo, err := Parse(strings.NewReader(pinsLine))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	g, err := New(topo, Options{StateDir: t.TempDir(), Pnicd: pnicd(t), Chaind: chaind(t), Pind: pind(t), NoTwind: true,
		BasePort: 26650, Out: &out})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Down(true); g.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	if err := g.Up(ctx); err != nil {
		t.Fatalf("up: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "2 pinds") {
		t.Errorf("up summary names no pinds:\n%s", out.String())
	}
	pins, err := statusPins(t, g)
	if err != nil {
		t.Errorf("status of a whole grid: %v", err)
	}
	for _, h := range []string{"a", "b"} {
		p := pins[h]
		if p == nil || p["up"] != true || p["api"] != "http://"+g.PinHTTP(h) {
			t.Fatalf("status pin %s: %v, want up at http://%s (all: %v)", h, p, g.PinHTTP(h), pins)
		}
	}
	api := "http://" + g.PinHTTP("a")

	tok, err := g.PinToken(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	added := addFile(t, ctx, g, "a", tok, "hello.txt", []byte("pinned on a grid\n"))
	getJSON := func(url string, v any) int {
		req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		if err := json.NewDecoder(io.LimitReader(res.Body, 1<<20)).Decode(v); err != nil && res.StatusCode == 200 {
			t.Fatalf("GET %s: %v", url, err)
		}
		return res.StatusCode
	}
	var list struct {
		Results []struct {
			RequestID string `json:"requestid"`
		} `json:"results"`
	}
	if code := getJSON(api+"/pins?cid="+added.Hash, &list); code != 200 || len(list.Results) != 1 {
		t.Fatalf("GET /pins?cid=%s: %d %+v", added.Hash, code, list)
	}
	var ps struct {
		Status string `json:"status"`
		Pin    struct {
			CID string `json:"cid"`
		} `json:"pin"`
	}
	for i := 0; ; i++ {
		if code := getJSON(api+"/pins/"+list.Results[0].RequestID, &ps); code != 200 {
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
	if ps.Pin.CID != added.Hash {
		t.Errorf("pin status names %s, want %s", ps.Pin.CID, added.Hash)
	}

	if err := g.Chaos(ctx, "kill-pin", "b"); err != nil {
		t.Fatal(err)
	}
	pins, err = statusPins(t, g)
	if err == nil || !strings.Contains(err.Error(), "pind b") {
		t.Errorf("status with pind b killed: %v, want a failure naming pind b", err)
	}
	if pins["b"]["up"] != false || pins["a"]["up"] != true {
		t.Errorf("status with pind b killed: %v", pins)
	}
	if err := g.Chaos(ctx, "start-pin", "b"); err != nil {
		t.Fatalf("start-pin: %v\n%s", err, tail(g.PinLogFile("b"), 20))
	}
	if pins, err = statusPins(t, g); err != nil || pins["b"]["up"] != true {
		t.Errorf("status after start-pin: %v, %v", pins, err)
	}
	if err := g.Chaos(ctx, "kill-pin", "nosuch"); err == nil {
		t.Error("kill-pin of a host without a pind succeeded")
	}
}

const pinsNetns = `
name: pt
isps: [isp1]
hosts:
  - {name: a, isps: [isp1], peers: [b]}
  - {name: b, isps: [isp1]}
  - {name: c, isps: [isp1], peers: [b]}
validators: [b]
twins:
  - {name: alice, host: a}
  - {name: carol, host: c}
pins: [a, b, c]
`

// TestNetnsPins runs a pind in each of three hosts' namespaces (a–b–c in a line, kernel TUNs),
// each behind its PNIC with --pnic: a file added on a with the default 2 replicas is served
// byte-identical by every pind's gateway, so at least one of them fetched it from another pind
// over the overlay (the only way between namespaces: the pinds advertise their PNICs' overlay
// addresses). kill-host c kills c's pind with the rest of c; start-host brings it back ready.
func TestNetnsPins(t *testing.T) {
	testnet.RequireRoot(t)
	topo, err := Parse(strings.NewReader(pinsNetns))
	if err != nil {
		t.Fatal(err)
	}
	clearStale(t, topo)
	var out bytes.Buffer
	g, err := New(topo, Options{StateDir: t.TempDir(), Backend: Netns, Pnicd: pnicd(t), Twind: twind(t), Chaind: chaind(t), Pind: pind(t), Out: &out})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close(); g.Down(true) })
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	if err := g.Up(ctx); err != nil {
		t.Fatalf("up: %v\n%s", err, out.String())
	}
	pins, err := statusPins(t, g)
	if err != nil {
		t.Fatalf("status: %v", err)
	}
	for _, h := range []string{"a", "b", "c"} {
		if p := pins[h]; p == nil || p["up"] != true || p["netns"] != g.hostNS(h) {
			t.Fatalf("status pin %s: %v (all %v)", h, p, pins)
		}
	}
	tok, err := g.PinToken(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	data := make([]byte, 300<<10) // two chunks and a root
	for i := range data {
		data[i] = byte(i*7 + i>>9)
	}
	api := func(h string) string { return "http://" + g.PinHTTP(h) }
	added := addFile(t, ctx, g, "a", tok, "over-the-overlay.bin", data)
	// Pinned (some holder confirmed), as a sees it.
	var list struct {
		Results []struct {
			RequestID string `json:"requestid"`
		} `json:"results"`
	}
	req, _ := http.NewRequestWithContext(ctx, "GET", api("a")+"/pins?status=queued,pinning,pinned,failed&cid="+added.Hash, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := g.PinClient("a", 5*time.Second).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if json.Unmarshal(b, &list) != nil || len(list.Results) != 1 {
		t.Fatalf("GET /pins?cid=%s: %s %s", added.Hash, res.Status, b)
	}
	for i := 0; ; i++ {
		req, _ := http.NewRequestWithContext(ctx, "GET", api("a")+"/pins/"+list.Results[0].RequestID, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		res, err := g.PinClient("a", 5*time.Second).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var ps struct {
			Status string `json:"status"`
		}
		json.NewDecoder(io.LimitReader(res.Body, 1<<20)).Decode(&ps)
		res.Body.Close()
		if ps.Status == "pinned" {
			break
		}
		if ps.Status == "failed" || i == 600 {
			t.Fatalf("pin on a is %q after %d polls\n%s", ps.Status, i, tail(g.PinLogFile("a"), 20))
		}
		select {
		case <-ctx.Done():
			t.Fatal(ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
	get := func(h string) ([]byte, error) {
		res, err := g.PinClient(h, 2*time.Minute).Get(api(h) + "/ipfs/" + added.Hash)
		if err != nil {
			return nil, err
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		if err == nil && res.StatusCode != 200 {
			err = fmt.Errorf("%s: %.200s", res.Status, b)
		}
		return b, err
	}
	for _, h := range []string{"a", "b", "c"} {
		got, err := get(h)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("gateway of %s: %d bytes, %v; want the %d added\n%s", h, len(got), err, len(data), tail(g.PinLogFile(h), 20))
		}
	}

	if err := g.Chaos(ctx, "kill-host", "c"); err != nil {
		t.Fatal(err)
	}
	if pins, err = statusPins(t, g); err == nil || pins["c"]["up"] != false {
		t.Errorf("status with host c killed: %v, %v; want pind c down", pins, err)
	}
	if err := g.Chaos(ctx, "start-host", "c"); err != nil {
		t.Fatalf("start-host: %v\n%s", err, tail(g.PinLogFile("c"), 20))
	}
	if pins, err = statusPins(t, g); pins["c"]["up"] != true {
		t.Errorf("status after start-host c: %v, %v", pins, err)
	}
	if got, err := get("c"); err != nil || !bytes.Equal(got, data) {
		t.Errorf("gateway of c after start-host: %d bytes, %v", len(got), err)
	}
}
