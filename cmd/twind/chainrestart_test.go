package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	chainclient "github.com/freeflowuniverse/planetary/chain/client"
	"github.com/freeflowuniverse/planetary/internal/testnet"
	"github.com/freeflowuniverse/planetary/rmb/schema"
)

// chainNode is a one-validator dev chain run as a chaind process, so a test can crash it and start
// it again on the same home and ports.
type chainNode struct {
	home, rpc string
	starts    int
	proc      *testnet.Proc
}

func startChaind(t *testing.T) *chainNode {
	t.Helper()
	bin := testnet.Build(t, module+"/cmd/chaind")
	n := &chainNode{home: t.TempDir(), rpc: fmt.Sprintf("127.0.0.1:%d", freePort(t, "tcp"))}
	if out, err := exec.Command(bin, "init", "--dev", "--home", n.home, "--rpc", n.rpc,
		"--p2p", fmt.Sprintf("127.0.0.1:%d", freePort(t, "tcp"))).CombinedOutput(); err != nil {
		t.Fatalf("chaind init: %v\n%s", err, out)
	}
	n.start(t, 1)
	return n
}

// start runs chaind on its home and waits until it has committed height min.
func (n *chainNode) start(t *testing.T, min int64) {
	t.Helper()
	n.starts++
	n.proc = testnet.StartLocal(t, filepath.Join(n.home, fmt.Sprintf("chaind-%d.log", n.starts)), testnet.Build(t, module+"/cmd/chaind"), "start", "--home", n.home)
	waitFor(t, 90*time.Second, fmt.Sprintf("chaind at height %d", min), n.proc, func() bool {
		h, err := n.height()
		return err == nil && h >= min
	})
}

func (n *chainNode) height() (int64, error) {
	c := &http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get("http://" + n.rpc + "/status")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var st struct {
		Result struct {
			SyncInfo struct {
				Height string `json:"latest_block_height"`
			} `json:"sync_info"`
		} `json:"result"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		return 0, err
	}
	return strconv.ParseInt(st.Result.SyncInfo.Height, 10, 64)
}

func circleRequest(t *testing.T, ctx context.Context, tp *twinProc, add bool, circle string, twin uint64) schema.Circle {
	t.Helper()
	r := tp.call(t, ctx, func(rq schema.WsRequest) error {
		if !add {
			c, err := rq.NewCreateCircle()
			if err != nil {
				return err
			}
			l, err := c.NewMembers(1)
			if err != nil {
				return err
			}
			l.Set(0, twin)
			return c.SetName(circle)
		}
		m, err := rq.NewAddMember()
		if err != nil {
			return err
		}
		m.SetTwin(twin)
		return m.SetCircle(circle)
	})
	c, err := r.Circle()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestChainRestart: the chain node crashes and starts again while two twinds run; they chat
// through the outage (a chain write fails with an error meanwhile), and afterwards, without a restart of their own, they find a twin that
// registered after the restart, befriend and reach it (its PNIC resolves it through the chain too),
// and write to the chain (a circle created and changed by twin 1's account).
func TestChainRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("runs chaind, two pnicd and three twind processes")
	}
	chain := startChaind(t)
	rpc := "http://" + chain.rpc
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	nodes, tw := startNetwork(t, ctx, 2, rpc)
	a, b := tw[0], tw[1]
	befriend(t, ctx, a, b, "")
	before := circleRequest(t, ctx, a, false, "before", 2)

	// The chain node crashes; the twins go on chatting meanwhile.
	h, err := chain.height()
	if err != nil {
		t.Fatal(err)
	}
	chain.proc.Kill()
	during := sendChat(t, ctx, a, 2, "while the chain is down")
	a.await(t, ctx, "delivery while the chain is down", chatEvent(during, schema.ChatState_delivered))
	// What needs the chain fails, and says so, instead of hanging.
	if _, err := a.ws.Call(ctx, func(rq schema.WsRequest) error { c, err := rq.NewCreateCircle(); c.SetName("down"); return err }); err == nil {
		t.Fatal("created a circle on a chain that is down")
	} else {
		t.Logf("a circle while the chain is down: %v", err)
	}
	restarted := time.Now()
	chain.start(t, h+2)
	t.Logf("chaind restarted at height %d in %s", h, time.Since(restarted).Round(time.Millisecond))

	// Twin 3 registers now (on PNIC 2, beside twin 2); twin 1 finds it without being restarted.
	c := &twinProc{id: 3, data: t.TempDir(), http: fmt.Sprintf("127.0.0.1:%d", freePort(t, "tcp"))}
	c.args = []string{"--data", c.data, "--pnic", nodes[1].socket, "--http", c.http, "--chain", rpc, "--pnic-key", fmt.Sprintf("%x", nodes[1].key)}
	c.start(t)
	c.ws = c.connect(t, ctx)
	found := time.Now()
	for {
		fctx, fcancel := context.WithTimeout(ctx, 10*time.Second)
		r, err := a.ws.Call(fctx, func(rq schema.WsRequest) error { rq.SetFindTwin(3); return nil })
		fcancel()
		if err == nil {
			if rec, err := r.Twin(); err == nil && rec.Id() == 3 {
				break
			}
		}
		if ctx.Err() != nil || time.Since(found) > time.Minute {
			t.Fatalf("twin 1 does not find twin 3, registered after the chain's restart: %v", err)
		}
		time.Sleep(200 * time.Millisecond) // the next block
	}
	t.Logf("twin 1 found twin 3 %s after its registration", time.Since(found).Round(time.Millisecond))
	befriend(t, ctx, a, c, "after the restart")
	id := sendChat(t, ctx, a, 3, "hello twin 3")
	c.await(t, ctx, "chat from twin 1", chatEvent(id, schema.ChatState_delivered))
	a.await(t, ctx, "delivery to twin 3", chatEvent(id, schema.ChatState_delivered))

	// Twin 1 still writes to the chain: its circle of before gets twin 3, and a new one is made.
	changed := circleRequest(t, ctx, a, true, "before", 3)
	after := circleRequest(t, ctx, a, false, "after", 3)
	cc, err := chainclient.Dial(ctx, rpc, chainclient.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	for _, want := range []struct {
		id      uint64
		members []uint64
	}{{changed.ChainId(), []uint64{1, 2, 3}}, {after.ChainId(), []uint64{1, 3}}} {
		// This client reads at the height before its newest, so the last tx may take a block to show.
		for deadline := time.Now().Add(30 * time.Second); ; {
			ms, err := cc.CircleMembers(ctx, want.id)
			if err != nil {
				t.Fatal(err)
			}
			var got []uint64
			for _, m := range ms {
				got = append(got, m.Twin)
			}
			if slices.Equal(got, want.members) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("circle %d on the chain holds %v, want %v", want.id, got, want.members)
			}
			time.Sleep(200 * time.Millisecond) // the next block
		}
	}
	if changed.ChainId() != before.ChainId() || after.ChainId() == before.ChainId() {
		t.Fatalf("circle ids: before %d, changed %d, after %d", before.ChainId(), changed.ChainId(), after.ChainId())
	}
	if a.starts != 1 || b.starts != 1 {
		t.Fatal("a twind was restarted")
	}
}
