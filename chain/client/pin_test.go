package client

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/freeflowuniverse/planetary/chain"
	"github.com/freeflowuniverse/planetary/chain/chaintest"
	"github.com/freeflowuniverse/planetary/chain/token"
)

// tamperPinAnswers answers pin queries with one byte of the value changed.
func tamperPinAnswers(w http.ResponseWriter, call rpcCall, forward func(http.ResponseWriter)) bool {
	if call.Method != "abci_query" {
		return false
	}
	var p struct {
		Path string `json:"path"`
	}
	if json.Unmarshal(call.Params, &p) != nil || !strings.HasPrefix(p.Path, "pin") {
		return false
	}
	rec := httptest.NewRecorder()
	forward(rec)
	var ans map[string]any
	if json.Unmarshal(rec.Body.Bytes(), &ans) != nil {
		return false
	}
	res, _ := ans["result"].(map[string]any)
	resp, _ := res["response"].(map[string]any)
	if v, ok := resp["value"].(string); ok {
		b, _ := base64.StdEncoding.DecodeString(v)
		if len(b) > 0 {
			b[len(b)-1] ^= 1
			resp["value"] = base64.StdEncoding.EncodeToString(b)
		}
	}
	out, _ := json.Marshal(ans)
	maps.Copy(w.Header(), rec.Header())
	w.Header().Del("Content-Length")
	w.WriteHeader(rec.Code)
	w.Write(out)
	return true
}

// TestPinQueries: the pin queries answer what a node registered and pinned, proven; events of
// the pin arrive on SubscribePins; and a node that changes a byte of any answer is caught.
func TestPinQueries(t *testing.T) {
	chn := chaintest.StartDev(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := Dial(ctx, chn.RPC, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	dev := NewSigner(chn.DevKey)
	nodeKey, nodePub := key(60)
	node := NewSigner(nodeKey)
	twinKey, twinPub := key(61)
	events := c.SubscribePins(ctx, 0)

	if _, err := c.Submit(ctx, node, &chain.RegisterPinNode{Name: "n", API: "http://n", Capacity: 1 << 30, PriceStorage: 1}); err != nil {
		t.Fatal(err)
	}
	twin := register(ctx, t, c, dev, &chain.RegisterTwin{Key: twinPub})
	tok, err := token.New(twinKey, twin, chain.PinAudience(c.ChainID()), time.Now(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Submit(ctx, node, &chain.AddPin{Token: tok, CID: "bafyq", Size: 100, Name: "q"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Submit(ctx, node, &chain.ConfirmPin{CID: "bafyq"}); err != nil {
		t.Fatal(err)
	}

	if p, err := c.PinParams(ctx); err != nil || p.GraceSeconds != 30 || p.DefaultReplicas != 2 {
		t.Errorf("params %+v, %v", p, err)
	}
	if n, err := c.PinNodes(ctx); err != nil || len(n) != 1 || n[0].Key != nodePub || n[0].Used != 100 {
		t.Errorf("nodes %+v, %v", n, err)
	}
	if n, err := c.PinNode(ctx, nodePub); err != nil || n.Name != "n" {
		t.Errorf("node %+v, %v", n, err)
	}
	if s, err := c.PinSet(ctx, "bafyq"); err != nil || len(s.Holders) != 1 || s.Holders[0].State != chain.PinHeld {
		t.Errorf("set %+v, %v", s, err)
	}
	op, err := c.Pin(ctx, twin, "bafyq")
	if err != nil || op.Record.Name != "q" || op.Set.Owners != 1 {
		t.Fatalf("pin %+v, %v", op, err)
	}
	if byReq, err := c.PinByRequest(ctx, twin, op.Record.RequestID); err != nil || byReq.Record.CID != "bafyq" {
		t.Errorf("by request %+v, %v", byReq, err)
	}
	if _, err := c.Pin(ctx, twin, "bafynot"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing pin: %v, want ErrNotFound", err)
	}
	if l, _, err := c.PinsOfOwner(ctx, twin, PinPage{}); err != nil || len(l) != 1 || l[0].Record.CID != "bafyq" {
		t.Errorf("pins of owner %+v, %v", l, err)
	}
	if l, h, err := c.PinsOfNode(ctx, nodePub); err != nil || len(l) != 1 || h == 0 {
		t.Errorf("pins of node %+v at %d, %v", l, h, err)
	}
	if a, pairs, err := c.PinAccount(ctx, twin); err != nil || a.Pins != 1 || a.StoredBytes != 100 || len(pairs) != 1 || pairs[0].Bytes != 100 {
		t.Errorf("account %+v %+v, %v", a, pairs, err)
	}
	want := []string{"pinnode_registered", "pin_allocated/allocated", "pin_added", "pin_allocated/held"}
	for i := 0; i < len(want); {
		select {
		case ev := <-events:
			got := ev.Type
			if ev.Type == "pin_allocated" {
				got += "/" + ev.State
				if ev.CID != "bafyq" || ev.Node != nodePub || !ev.Hold || ev.Size != 100 {
					t.Errorf("event %+v", ev)
				}
			}
			if got != want[i] {
				t.Fatalf("event %d is %s, want %s", i, got, want[i])
			}
			i++
		case <-ctx.Done():
			t.Fatal("events did not arrive")
		}
	}

	bad, err := Dial(ctx, rpcProxy(t, chn.RPC, tamperPinAnswers), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer bad.Close()
	checks := map[string]func() error{
		"params":  func() error { _, err := bad.PinParams(ctx); return err },
		"nodes":   func() error { _, err := bad.PinNodes(ctx); return err },
		"node":    func() error { _, err := bad.PinNode(ctx, nodePub); return err },
		"set":     func() error { _, err := bad.PinSet(ctx, "bafyq"); return err },
		"pin":     func() error { _, err := bad.Pin(ctx, twin, "bafyq"); return err },
		"request": func() error { _, err := bad.PinByRequest(ctx, twin, op.Record.RequestID); return err },
		"owner":   func() error { _, _, err := bad.PinsOfOwner(ctx, twin, PinPage{}); return err },
		"of node": func() error { _, _, err := bad.PinsOfNode(ctx, nodePub); return err },
		"account": func() error { _, _, err := bad.PinAccount(ctx, twin); return err },
	}
	for name, f := range checks {
		if err := f(); !errors.Is(err, ErrBadProof) {
			t.Errorf("%s through a lying node: %v, want ErrBadProof", name, err)
		}
	}
}
