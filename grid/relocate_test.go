package grid

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/freeflowuniverse/planetary/chain"
	chainclient "github.com/freeflowuniverse/planetary/chain/client"
	"github.com/freeflowuniverse/planetary/internal/testnet"
	"github.com/freeflowuniverse/planetary/rmb/schema"
	"github.com/freeflowuniverse/planetary/rmb/seal"
)

// TestRelocation is the small-scale proof of relocation: 2 sites of 2 hosts, 20 twins from Gen,
// each twin in its host's namespace and replicating to the next host's standby. Ten pairs of
// twins chat both ways once a second for 30 s; 10 s in, one whole host is killed (kill-host).
// Every twin of that host must answer again from another host, and every message whose send was
// accepted, both ways, must be in its receiver's history exactly once (a send refused because the
// twin was down may be there at most once). Then the killed host comes back as it was (its moved
// twins stay moved: their old twind refuses to serve), and a live twin moved on the chain by
// someone else stops serving at once and is taken over by its standby.
func TestRelocation(t *testing.T) {
	testnet.RequireRoot(t)
	topo, err := Gen(GenOptions{Name: "rl", Sites: 2, HostsPerSite: 2, Twins: 20, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	clearStale(t, topo)
	var out bytes.Buffer
	g, err := New(topo, Options{StateDir: t.TempDir(), Backend: Netns, Pnicd: pnicd(t), Twind: twind(t), Chaind: chaind(t),
		Grace: 5 * time.Second, Out: &out})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close(); g.Down(true) })
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	if err := g.Up(ctx); err != nil {
		t.Fatalf("up: %v\n%s", err, out.String())
	}
	const victim = "s2h2"
	if topo.Validators[0] == victim {
		t.Fatalf("the victim %s runs the only validator", victim)
	}
	// Pairs k, k+5 mix twins of one host, of one site and of the other site, and put the victim's
	// twins with twins of its site and of its standby.
	type pair struct{ a, b string }
	var pairs []pair
	for k := 1; k <= 10; k++ {
		a, b := k, k+5
		if k > 5 {
			a, b = k+5, k+10
		}
		pairs = append(pairs, pair{fmt.Sprintf("t%02d", a), fmt.Sprintf("t%02d", b)})
	}
	id := func(name string) uint64 { i, _, _ := topo.twin(name); return i }
	for _, p := range pairs {
		chat(t, ctx, g, p.a, id(p.a), p.b, id(p.b), "hello from "+p.a)
	}
	var victims []string
	for _, tw := range topo.Twins {
		if tw.Host == victim {
			victims = append(victims, tw.Name)
		}
	}

	// The soak: every twin of a pair sends to the other once a second.
	type sent struct {
		from, to string
		text     string
		accepted bool
	}
	var (
		mu   sync.Mutex
		log  []sent
		wg   sync.WaitGroup
		soak = 30 * time.Second
	)
	start := time.Now()
	send := func(from, to string) {
		defer wg.Done()
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for n := 0; time.Since(start) < soak; n++ {
			text := fmt.Sprintf("soak %s>%s %d", from, to, n)
			cctx, ccancel := context.WithTimeout(ctx, 5*time.Second)
			err := func() error {
				w, err := g.Owner(cctx, from)
				if err != nil {
					return err
				}
				_, err = w.Call(cctx, func(rq schema.WsRequest) error {
					s, err := rq.NewSendChat()
					if err != nil {
						return err
					}
					s.SetTwin(id(to))
					return s.SetText(text)
				})
				return err
			}()
			ccancel()
			mu.Lock()
			log = append(log, sent{from, to, text, err == nil})
			mu.Unlock()
			select {
			case <-tick.C:
			case <-ctx.Done():
				return
			}
		}
	}
	for _, p := range pairs {
		wg.Add(2)
		go send(p.a, p.b)
		go send(p.b, p.a)
	}
	time.Sleep(10 * time.Second) // the soak runs; the kill falls in its middle
	killed := time.Now()
	if err := g.Chaos(ctx, "kill-host", victim); err != nil {
		t.Fatal(err)
	}
	// Every twin of the victim comes back on another host; how long each took is reported.
	moved := map[string]time.Duration{}
	retry(t, ctx, "the victim's twins on other hosts", func() error {
		for _, name := range victims {
			if _, ok := moved[name]; ok {
				continue
			}
			if p := g.place(name); p.host == victim || !p.moved {
				return fmt.Errorf("twin %s still placed on %s", name, p.host)
			}
			if h, err := g.twinHealth(name); err != nil || !h.Connected {
				return fmt.Errorf("twin %s not serving on %s yet: %v", name, g.place(name).host, err)
			}
			moved[name] = time.Since(killed)
		}
		return nil
	})
	wg.Wait()
	for _, name := range victims {
		t.Logf("twin %s answers from %s %s after the kill", name, g.place(name).host, moved[name].Round(100*time.Millisecond))
	}
	// They answer over the bus too, from their partners.
	for _, p := range pairs {
		for _, v := range victims {
			if p.a == v || p.b == v {
				other := p.a
				if other == v {
					other = p.b
				}
				if _, err := g.WaitTwinReach(ctx, other, v); err != nil {
					t.Fatal(err)
				}
			}
		}
	}

	// Exactly once: every accepted message once in its receiver's history, none twice.
	accepted, refused := 0, 0
	for _, s := range log {
		if s.accepted {
			accepted++
		} else {
			refused++
		}
	}
	t.Logf("soak: %d messages accepted, %d refused while their sender was down", accepted, refused)
	dctx, dcancel := context.WithTimeout(ctx, 2*time.Minute)
	defer dcancel()
	for _, p := range pairs {
		for _, dir := range [][2]string{{p.a, p.b}, {p.b, p.a}} {
			from, to := dir[0], dir[1]
			retry(t, dctx, fmt.Sprintf("messages %s>%s", from, to), func() error {
				count := map[string]int{}
				for _, m := range history(t, ctx, g, to, id(from)) {
					if !m.outgoing && strings.HasPrefix(m.text, "soak ") {
						count[m.text]++
					}
				}
				missing := 0
				for _, s := range log {
					if s.from != from || s.to != to {
						continue
					}
					switch c := count[s.text]; {
					case c > 1:
						t.Fatalf("%q is in %s's history %d times", s.text, to, c)
					case c == 0 && s.accepted:
						missing++
					}
				}
				if missing > 0 {
					return fmt.Errorf("%d accepted messages %s>%s not in %s's history", missing, from, to, to)
				}
				return nil
			})
		}
	}

	// The victim comes back as it was: its moved twins are not started there, and the stale copy
	// of one, started by hand, refuses to serve.
	if err := g.Chaos(ctx, "start-host", victim); err != nil {
		t.Fatal(err)
	}
	stale := victims[0]
	if g.place(stale).host == victim {
		t.Fatalf("twin %s back on %s", stale, victim)
	}
	i, _, _ := topo.twin(stale)
	if err := g.startTwin(int(i - 1)); err != nil {
		t.Fatal(err)
	}
	retry(t, ctx, "the stale twind of "+stale+" refuses", func() error {
		if procPid(g.twinPidFile(stale), "twind") != 0 {
			return fmt.Errorf("the stale twind of %s still runs", stale)
		}
		return nil
	})
	if b, _ := os.ReadFile(g.TwinLogFile(stale)); !bytes.Contains(b, []byte("names another PNIC")) {
		t.Fatalf("the stale twind of %s ended without saying it was fenced:\n%s", stale, tail(g.TwinLogFile(stale), 10))
	}

	// A live twin moved on the chain by someone else (here: a RelocateTwin signed with its key, as a
	// standby would) stops serving at once; its standby then finds the chain naming its host and
	// starts it there.
	const live = "t01"
	home := g.place(live).host
	before := g.twindPid(live)
	cc, err := g.chainClient(ctx)
	if err != nil {
		t.Fatal(err)
	}
	k, err := seal.ReadKeyFile(g.TwinKeyFile(live))
	if err != nil {
		t.Fatal(err)
	}
	hi, _, _ := topo.host(home)
	sb, _ := g.standbyOf(hi)
	sbKey, _ := g.hostKey(sb)
	epoch, err := cc.TwinEpoch(ctx, id(live))
	if err != nil {
		t.Fatal(err)
	}
	var pk [32]byte
	copy(pk[:], sbKey)
	if _, err := cc.Submit(ctx, chainclient.NewSigner(k.Signing), &chain.RelocateTwin{ID: id(live), PNIC: pk, Epoch: epoch + 1}); err != nil {
		t.Fatal(err)
	}
	// A second move decided on the same view is refused: only one host can win.
	_, err = cc.Submit(ctx, chainclient.NewSigner(k.Signing), &chain.RelocateTwin{ID: id(live), PNIC: pk, Epoch: epoch + 1})
	if !strings.Contains(fmt.Sprint(err), "stale") {
		t.Fatalf("a second relocation with the same epoch: %v, want it refused as stale", err)
	}
	retry(t, ctx, "the fenced twind of "+live+" stops", func() error {
		if exited(before) {
			return nil
		}
		return fmt.Errorf("twind %d of %s still runs", before, live)
	})
	if b, _ := os.ReadFile(g.TwinLogFile(live)); !bytes.Contains(b, []byte("stopped serving")) {
		t.Fatalf("the fenced twind of %s did not say why it stopped:\n%s", live, tail(g.TwinLogFile(live), 10))
	}
	retry(t, ctx, live+" on its standby", func() error {
		if p := g.place(live); p.host != sb {
			return fmt.Errorf("%s placed on %s", live, p.host)
		}
		if h, err := g.twinHealth(live); err != nil || !h.Connected {
			return fmt.Errorf("%s not serving on %s: %v", live, sb, err)
		}
		return nil
	})
	if !inHistory(t, ctx, g, live, id("t06"), "hello from t01") {
		t.Fatalf("%s lost its history on the way to %s", live, sb)
	}

	// A restart keeps every twin where it lives now: moved twins are started by their standbys.
	rs := time.Now()
	if err := g.Restart(ctx); err != nil {
		t.Fatalf("restart after the relocations: %v\n%s", err, out.String())
	}
	t.Logf("restart took %s", time.Since(rs).Round(100*time.Millisecond))
	for _, name := range append([]string{live}, victims...) {
		if p := g.place(name); !p.moved {
			t.Fatalf("after the restart %s is placed on %s, its first host", name, p.host)
		}
		if h, err := g.twinHealth(name); err != nil || !h.Connected {
			t.Fatalf("after the restart %s does not serve on %s: %v", name, g.place(name).host, err)
		}
	}

	// Memory of the twinds, for the record.
	var rss []int
	for _, tw := range topo.Twins {
		if pid := g.twindPid(tw.Name); pid != 0 {
			rss = append(rss, int(testnet.RSS(pid)))
		}
	}
	total := 0
	for _, r := range rss {
		total += r
	}
	if len(rss) > 0 {
		t.Logf("%d twinds, %d MiB resident in all, %d MiB each on average", len(rss), total>>20, total/len(rss)>>20)
	}
}
