// Package twin_test measures the owner's path through twind: a chat message from one owner's
// websocket, through two twinds and two PNICs, to the other owner's websocket, beside RMB alone
// between the same PNICs in the same run; and twind's idle memory, fresh and after the run. Run with
// `make bench`.
package twin_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/freeflowuniverse/planetary/grid"
	"github.com/freeflowuniverse/planetary/internal/testnet"
	"github.com/freeflowuniverse/planetary/rmb/client"
	"github.com/freeflowuniverse/planetary/rmb/schema"
	"github.com/freeflowuniverse/planetary/twin/wsclient"
)

const n = 300

func report(t *testing.T, format string, a ...any) {
	line := fmt.Sprintf(format, a...)
	t.Log(line)
	os.MkdirAll("../out", 0o755)
	if f, err := os.OpenFile("../out/twin.txt", os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644); err == nil {
		fmt.Fprintln(f, line)
		f.Close()
	}
}

func pair() grid.Topology {
	return grid.Topology{Name: "bt", Hosts: []grid.Host{{Name: "a", Peers: []string{"b"}}, {Name: "b"}},
		Twins: []grid.Twin{{Name: "alice", Host: "a"}, {Name: "bob", Host: "b"}}}
}

// rssAnon is the anonymous resident memory of a process in bytes (RssAnon in /proc/PID/status).
func rssAnon(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "RssAnon:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// mib converts a size in bytes to MiB.
func mib(b int64) float64 { return float64(b) / (1 << 20) }

func pct(d []time.Duration, p int) time.Duration {
	slices.Sort(d)
	return d[len(d)*p/100].Round(10 * time.Microsecond)
}

// TestBenchOwnerPath: n messages one at a time, each timed from the sender's call to the receiver's
// arrival: RMB between two Go twin clients, then owner websocket → twind → RMB → twind → owner
// websocket between two twinds on the same two PNICs.
func TestBenchOwnerPath(t *testing.T) {
	if os.Getenv("PLANETARY_BENCH") == "" {
		t.Skip("benchmark: run with PLANETARY_BENCH=1 (make bench)")
	}
	pnicd := testnet.Build(t, "github.com/freeflowuniverse/planetary/cmd/pnicd")
	twind := testnet.Build(t, "github.com/freeflowuniverse/planetary/cmd/twind")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()

	// Reference: RMB alone, twin clients logged in by this process.
	g, err := grid.New(pair(), grid.Options{StateDir: t.TempDir(), Pnicd: pnicd, BasePort: 23000, NoTwind: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Up(ctx); err != nil {
		g.Down(true)
		t.Fatal(err)
	}
	a, err := g.OpenTwin(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	b, err := g.OpenTwin(ctx, "bob")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.WaitTwinReach(ctx, "alice", "bob"); err != nil { // path warm
		t.Fatal(err)
	}
	var rmbLat []time.Duration
	for i := 0; i < n; i++ {
		start := time.Now()
		if _, err := a.Send(ctx, client.Outgoing{To: 2, Command: "bench", Body: binary.BigEndian.AppendUint64(nil, uint64(i))}); err != nil {
			t.Fatal(err)
		}
		select {
		case m := <-b.Messages():
			rmbLat = append(rmbLat, time.Since(start))
			m.Ack()
		case <-ctx.Done():
			t.Fatal("RMB message not received")
		}
	}
	a.Close()
	b.Close()
	g.Down(true)

	// The owner's path through two twinds.
	g, err = grid.New(pair(), grid.Options{StateDir: t.TempDir(), Pnicd: pnicd, Twind: twind, BasePort: 23100})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Down(true)
	if err := g.Up(ctx); err != nil {
		t.Fatal(err)
	}
	// rss reads each twind's resident memory and its anonymous part (heap, stacks: the twind's own;
	// the rest is the binary's file pages, shared by every twind of one binary).
	rss := func() (all, anon []int64) {
		for _, s := range g.Twins() {
			all = append(all, testnet.RSS(s.PID))
			anon = append(anon, rssAnon(s.PID))
		}
		return all, anon
	}
	// A fresh twind: started, connected to its PNIC, serving its web server, nobody logged in yet.
	time.Sleep(2 * time.Second) // idle, for the memory figure
	fresh, freshAnon := rss()
	owner := func(name string) *wsclient.Conn {
		link, err := g.LoginLink(name)
		if err != nil {
			t.Fatal(err)
		}
		hc, err := wsclient.Login(ctx, link)
		if err != nil {
			t.Fatal(err)
		}
		c, err := wsclient.Dial(ctx, "http://"+g.TwinHTTP(name), hc)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	wa, wb := owner("alice"), owner("bob")
	defer wa.Close()
	defer wb.Close()
	go func() {
		for range wa.Events() {
		}
	}()
	if _, err := wa.Call(ctx, func(rq schema.WsRequest) error {
		in, err := rq.NewInvite()
		if err == nil {
			in.SetTwin(2)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	accepted := false
	for !accepted {
		select {
		case e := <-wb.Events():
			if e.Which() == schema.WsEvent_Which_contact {
				if _, err := wb.Call(ctx, func(rq schema.WsRequest) error { rq.SetAccept(1); return nil }); err == nil {
					accepted = true
				}
			}
		case <-ctx.Done():
			t.Fatal("no invitation")
		}
	}
	var wsLat []time.Duration
	for i := 0; i < n; i++ {
		text := fmt.Sprintf("message %d", i)
		start := time.Now()
		for try := 0; ; try++ { // the first may race the acceptance reaching twin 1
			_, err := wa.Call(ctx, func(rq schema.WsRequest) error {
				s, err := rq.NewSendChat()
				if err != nil {
					return err
				}
				s.SetTwin(2)
				return s.SetText(text)
			})
			if err == nil {
				break
			}
			if try > 50 {
				t.Fatal(err)
			}
			time.Sleep(100 * time.Millisecond)
		}
		for got := false; !got; {
			select {
			case e := <-wb.Events():
				if e.Which() == schema.WsEvent_Which_chat {
					c, _ := e.Chat()
					if tx, _ := c.Text(); !c.Outgoing() && tx == text {
						wsLat = append(wsLat, time.Since(start))
						got = true
					}
				}
			case <-ctx.Done():
				t.Fatalf("message %d not received by bob's owner", i)
			}
		}
	}
	time.Sleep(2 * time.Second) // idle again, for the memory figure after the run
	after, afterAnon := rss()
	report(t, "owner path, local backend, 2 pnicd: %d messages one at a time; RMB twin client to twin client p50 %s p99 %s; owner websocket → twind → RMB → twind → owner websocket p50 %s p99 %s; twind RSS fresh and idle %.1f and %.1f MiB (anonymous %.1f and %.1f), idle after the run %.1f and %.1f MiB (anonymous %.1f and %.1f)",
		n, pct(rmbLat, 50), pct(rmbLat, 99), pct(wsLat, 50), pct(wsLat, 99),
		mib(fresh[0]), mib(fresh[1]), mib(freshAnon[0]), mib(freshAnon[1]), mib(after[0]), mib(after[1]), mib(afterAnon[0]), mib(afterAnon[1]))
}
