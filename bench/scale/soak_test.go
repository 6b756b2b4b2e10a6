package scale_test

import (
	"context"
	"fmt"
	"math/rand"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	chainclient "github.com/freeflowuniverse/planetary/chain/client"
	"github.com/freeflowuniverse/planetary/grid"
	"github.com/freeflowuniverse/planetary/internal/testnet"
	"github.com/freeflowuniverse/planetary/rmb/schema"
)

// envDuration reads a duration from the environment, def when unset.
func envDuration(t *testing.T, name string, def time.Duration) time.Duration {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		t.Fatalf("%s=%q: %v", name, v, err)
	}
	return d
}

// sent is one chat message a sender's twind was asked to send.
type sent struct {
	from, to int // indexes into the twin list
	text     string
	accepted bool
	latency  time.Duration // from the call until its twind answered (sealed, persisted, acknowledged)
}

// sendChat asks twin from's twind to send text to twin id to.
func sendChat(ctx context.Context, g *grid.Grid, from string, to uint64, text string) error {
	w, err := g.Owner(ctx, from)
	if err != nil {
		return err
	}
	_, err = w.Call(ctx, func(rq schema.WsRequest) error {
		s, err := rq.NewSendChat()
		if err != nil {
			return err
		}
		s.SetTwin(to)
		return s.SetText(text)
	})
	return err
}

// befriend makes a and b contacts: a invites, b accepts (retried while the invitation travels).
func befriend(ctx context.Context, g *grid.Grid, a string, aID uint64, b string, bID uint64) error {
	wa, err := g.Owner(ctx, a)
	if err != nil {
		return err
	}
	if _, err := wa.Call(ctx, func(rq schema.WsRequest) error {
		in, err := rq.NewInvite()
		if err != nil {
			return err
		}
		in.SetTwin(bID)
		return nil
	}); err != nil {
		return fmt.Errorf("invite %s to %s: %w", b, a, err)
	}
	var last error
	for i := 0; i < 120 && ctx.Err() == nil; i++ {
		wb, err := g.Owner(ctx, b)
		if err == nil {
			_, err = wb.Call(ctx, func(rq schema.WsRequest) error { rq.SetAccept(aID); return nil })
		}
		if err == nil {
			return nil
		}
		last = err
		time.Sleep(250 * time.Millisecond)
	}
	return fmt.Errorf("%s accepts %s: %w", b, a, last)
}

// history is what twin name holds of its chat with peer: incoming texts counted.
func history(ctx context.Context, g *grid.Grid, name string, peer uint64) (map[string]int, error) {
	w, err := g.Owner(ctx, name)
	if err != nil {
		return nil, err
	}
	r, err := w.Call(ctx, func(rq schema.WsRequest) error {
		h, err := rq.NewHistory()
		if err != nil {
			return err
		}
		h.SetTwin(peer)
		h.SetLimit(100000)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("history of %s: %w", name, err)
	}
	h, err := r.History()
	if err != nil {
		return nil, err
	}
	out := map[string]int{}
	for i := 0; i < h.Len(); i++ {
		if h.At(i).Outgoing() {
			continue
		}
		text, _ := h.At(i).Text()
		out[text]++
	}
	return out, nil
}

// cpuTicks is the user+system time of a process in clock ticks (100 per second), 0 when gone.
func cpuTicks(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	k, _ := strconv.ParseInt(f[12], 10, 64)
	return u + k
}

// pids lists the processes gridctl started, by component kind.
func pids(g *grid.Grid) map[string][]int {
	out := map[string][]int{}
	for _, h := range g.Status() {
		out["pnicd"] = append(out["pnicd"], h.PID)
		out["standby"] = append(out["standby"], g.StandbyPID(h.Name))
	}
	for _, tw := range g.Twins() {
		out["twind"] = append(out["twind"], tw.PID)
	}
	for _, v := range g.Validators() {
		out["chaind"] = append(out["chaind"], v.PID)
	}
	return out
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-time.After(d):
	case <-ctx.Done():
	}
}

func pct(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	return ds[min(len(ds)-1, int(float64(len(ds))*p))].Round(time.Millisecond)
}

// soak is the scale run's second and third part on a deployed grid: contacts, the soak at 1 msg/s
// per twin with an ISP uplink cut and a kill-host in it, a burst, and exactly-once delivery.
func soak(t *testing.T, ctx context.Context, g *grid.Grid, topo grid.Topology, start time.Time) {
	tw := g.Twins()
	n := len(tw) - len(tw)%2
	half := n / 2
	partner := func(i int) int {
		if i < half {
			return i + half
		}
		return i - half
	}
	// Every twin gets one contact (its partner, a random twin by the generator's seed: twin i and
	// i+n/2 sit on different hosts) and reaches it: the deploy ends when every twin has.
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		fails []string
		sem   = make(chan struct{}, 16)
	)
	for i := 0; i < half; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			j := partner(i)
			err := befriend(ctx, g, tw[i].Name, tw[i].ID, tw[j].Name, tw[j].ID)
			if err == nil {
				err = sendChat(ctx, g, tw[i].Name, tw[j].ID, "hello "+tw[i].Name)
			}
			if err == nil {
				err = sendChat(ctx, g, tw[j].Name, tw[i].ID, "hello "+tw[j].Name)
			}
			if err != nil {
				mu.Lock()
				fails = append(fails, err.Error())
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(fails) > 0 {
		t.Fatalf("%d pairs could not chat: %s", len(fails), fails[0])
	}
	report(t, "deploy: every one of %d twins registered and chatting with its contact after %s from nothing", n, time.Since(start).Round(100*time.Millisecond))

	// findTwin shows each twin's site as its location.
	cc, err := chainclient.Dial(ctx, g.ChainRPC(), chainclient.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	for i, twt := range topo.Twins {
		ct, err := cc.FindTwinByID(ctx, uint64(i+1))
		if err != nil {
			t.Fatalf("findTwin %d: %v", i+1, err)
		}
		if want := twt.Location[strings.LastIndex(twt.Location, ", ")+2:]; ct.Loc.Country != want {
			t.Fatalf("findTwin %d (%s on %s): location %+v, want country %s", i+1, twt.Name, twt.Host, ct.Loc, want)
		}
	}
	report(t, "findTwin: all %d twins carry their site as location (country)", len(topo.Twins))

	dur := envDuration(t, "PLANETARY_SOAK", 10*time.Minute)
	burst := envDuration(t, "PLANETARY_BURST", 60*time.Second)
	var log []sent
	run := func(tag string, d, every time.Duration) (accepted int) {
		begin := time.Now()
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rnd := rand.New(rand.NewSource(int64(i)))
				if every > 0 {
					time.Sleep(time.Duration(rnd.Int63n(int64(every)))) // spread the senders over the second
				}
				var mine []sent
				for k := 0; time.Since(begin) < d && ctx.Err() == nil; k++ {
					text := fmt.Sprintf("%s %s>%s %d", tag, tw[i].Name, tw[partner(i)].Name, k)
					cctx, ccancel := context.WithTimeout(ctx, 5*time.Second)
					t0 := time.Now()
					err := sendChat(cctx, g, tw[i].Name, tw[partner(i)].ID, text)
					lat := time.Since(t0)
					ccancel()
					mine = append(mine, sent{i, partner(i), text, err == nil, lat})
					if every > 0 {
						time.Sleep(time.Until(t0.Add(every)))
					} else if err != nil {
						time.Sleep(200 * time.Millisecond)
					}
				}
				mu.Lock()
				log = append(log, mine...)
				mu.Unlock()
			}()
		}
		wg.Wait()
		var lats []time.Duration
		total := 0
		for _, s := range log {
			if strings.HasPrefix(s.text, tag+" ") {
				total++
				if s.accepted {
					accepted++
					lats = append(lats, s.latency)
				}
			}
		}
		slices.Sort(lats)
		el := time.Since(begin)
		report(t, "%s: %d twins, %s: %d sends, %d accepted (%.0f msg/s system-wide), latency p50 %s p99 %s max %s",
			tag, n, el.Round(time.Second), total, accepted, float64(accepted)/el.Seconds(), pct(lats, .5), pct(lats, .99), pct(lats, 1))
		return accepted
	}

	cpu0 := map[int]int64{}
	for _, ps := range pids(g) {
		for _, p := range ps {
			cpu0[p] = cpuTicks(p)
		}
	}
	t0 := time.Now()
	done := make(chan struct{})
	go func() { defer close(done); run("soak", dur, time.Second) }()

	// A third in: one site's first ISP uplink goes down on all its hosts; the path change is the
	// time until that site's first host reaches a host of a site far off again.
	site := topo.Hosts[0]
	far := topo.Hosts[len(topo.Hosts)/2]
	sleep(ctx, dur/3)
	isp := site.ISPs[0]
	var cut []string
	for _, h := range topo.Hosts {
		if slices.Contains(h.ISPs, isp) {
			if err := g.SetUplink(h.Name, isp, false); err != nil {
				t.Fatal(err)
			}
			cut = append(cut, h.Name)
		}
	}
	cutAt := time.Now()
	var change time.Duration = -1
	for i := 0; i < 600 && ctx.Err() == nil; i++ {
		if _, err := g.Ping(site.Name, far.Name); err == nil {
			change = time.Since(cutAt)
			break
		}
	}
	report(t, "ISP %s cut (uplinks of %s): %s reaches %s again after %s (ping granularity 1 s timeout per try)", isp, strings.Join(cut, " "), site.Name, far.Name, change.Round(time.Millisecond))

	// Half-way: one whole host dies; its twins must answer again from another host.
	sleep(ctx, time.Until(t0.Add(dur/2)))
	victim := topo.Hosts[len(topo.Hosts)-1].Name
	if slices.Contains(topo.Validators, victim) {
		victim = topo.Hosts[len(topo.Hosts)-2].Name
	}
	var victims []string
	for _, x := range topo.Twins {
		if x.Host == victim {
			victims = append(victims, x.Name)
		}
	}
	killed := time.Now()
	if err := g.Chaos(ctx, "kill-host", victim); err != nil {
		t.Fatal(err)
	}
	back := map[string]time.Duration{}
	for i := 0; len(back) < len(victims) && i < 1500 && ctx.Err() == nil; i++ {
		for _, ts := range g.Twins() {
			if _, ok := back[ts.Name]; !ok && slices.Contains(victims, ts.Name) && ts.Host != victim && ts.Healthy {
				back[ts.Name] = time.Since(killed)
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	var ds []time.Duration
	for _, d := range back {
		ds = append(ds, d)
	}
	slices.Sort(ds)
	if len(ds) < len(victims) {
		t.Errorf("%d of %d twins of %s came back", len(ds), len(victims), victim)
	} else {
		report(t, "kill-host %s during the soak: its %d twins answer again from another host after p50 %s, max %s", victim, len(ds), pct(ds, .5), pct(ds, 1))
	}
	<-done
	for _, h := range cut {
		g.SetUplink(h, isp, true)
	}
	if burst > 0 {
		run("burst", burst, 0)
	}
	el := time.Since(t0).Seconds()
	ps := pids(g)
	for _, kind := range []string{"pnicd", "twind", "standby", "chaind"} {
		var ticks, rss int64
		for _, p := range ps[kind] {
			ticks += cpuTicks(p) - cpu0[p] // a relocated twind started late: its whole life
			rss += testnet.RSS(p)
		}
		report(t, "cpu %s: %d processes, %.2f cores in all over the soak and burst (%.1f%% of a core each); %.2f GiB resident",
			kind, len(ps[kind]), float64(ticks)/100/el, 100*float64(ticks)/100/el/float64(max(1, len(ps[kind]))), float64(rss)/(1<<30))
	}

	// Exactly once: every accepted id is in its receiver's history once; refused ones at most once.
	type key struct{ from, to int }
	by := map[key][]sent{}
	for _, s := range log {
		by[key{s.from, s.to}] = append(by[key{s.from, s.to}], s)
	}
	var lost, dup, accepted, refusedIn, victimMsgs int
	for k, ss := range by {
		var count map[string]int
		var err error
		for try := 0; try < 60 && ctx.Err() == nil; try++ {
			count, err = history(ctx, g, tw[k.to].Name, tw[k.from].ID)
			missing := 0
			for _, s := range ss {
				if s.accepted && count[s.text] == 0 {
					missing++
				}
			}
			if err == nil && missing == 0 {
				break
			}
			time.Sleep(time.Second)
		}
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		vic := slices.Contains(victims, tw[k.from].Name) || slices.Contains(victims, tw[k.to].Name)
		for _, s := range ss {
			c := count[s.text]
			switch {
			case c > 1:
				dup++
			case c == 0 && s.accepted:
				lost++
				if lost <= 10 {
					t.Logf("lost: %q (victim pair %v, send took %s)", s.text, vic, s.latency.Round(time.Millisecond))
				}
			}
			if s.accepted {
				accepted++
				if vic {
					victimMsgs++
				}
			} else if c == 1 {
				refusedIn++
			}
		}
	}
	report(t, "exactly once: %d accepted messages, %d lost, %d duplicated (%d accepted were to or from the killed host's twins); %d sends refused while their twin was down were delivered once anyway",
		accepted, lost, dup, victimMsgs, refusedIn)
	if lost > 0 || dup > 0 {
		t.Errorf("%d lost, %d duplicated", lost, dup)
	}
}
