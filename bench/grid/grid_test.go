// Package grid_test measures how fast gridctl brings up many PNICs on this machine, beside the
// floor of starting as many trivial processes. Run with `make bench`.
package grid_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/freeflowuniverse/planetary/grid"
	"github.com/freeflowuniverse/planetary/internal/testnet"
	"github.com/freeflowuniverse/planetary/rmb/client"
)

func report(t *testing.T, format string, a ...any) {
	line := fmt.Sprintf(format, a...)
	t.Log(line)
	os.MkdirAll("../out", 0o755)
	if f, err := os.OpenFile("../out/grid.txt", os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644); err == nil {
		fmt.Fprintln(f, line)
		f.Close()
	}
}

// tree is a topology of n hosts where host i dials host (i-1)/4: a tree of fan-out 4.
func tree(n int) grid.Topology {
	t := grid.Topology{Name: "bench"}
	for i := 0; i < n; i++ {
		h := grid.Host{Name: "h" + strconv.Itoa(i)}
		if i > 0 {
			h.Peers = []string{"h" + strconv.Itoa((i-1)/4)}
		}
		t.Hosts = append(t.Hosts, h)
	}
	return t
}

func rssSum(g *grid.Grid) int64 {
	var sum int64
	for _, s := range g.Status() {
		sum += testnet.RSS(s.PID)
	}
	return sum
}

// TestBenchGridUp: time for gridctl's local backend to bring N pnicd to ready, the memory they
// hold, and the time for the farthest leaf to reach the root over the overlay.
func TestBenchGridUp(t *testing.T) {
	if os.Getenv("PLANETARY_BENCH") == "" {
		t.Skip("benchmark: run with PLANETARY_BENCH=1 (make bench)")
	}
	pnicd := testnet.Build(t, "github.com/freeflowuniverse/planetary/cmd/pnicd")
	for _, n := range []int{100, 300, 500} {
		// Floor: starting and reaping n trivial processes.
		start := time.Now()
		for i := 0; i < n; i++ {
			exec.Command("true").Run()
		}
		floor := time.Since(start)

		g, err := grid.New(tree(n), grid.Options{StateDir: t.TempDir(), Pnicd: pnicd, BasePort: 20000})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		start = time.Now()
		err = g.Up(ctx)
		up := time.Since(start)
		if err != nil {
			cancel()
			g.Down(true)
			t.Fatalf("up %d: %v", n, err)
		}
		leaf := "h" + strconv.Itoa(n-1)
		start = time.Now()
		_, err = g.WaitReach(ctx, leaf, "h0")
		reach := time.Since(start)
		cancel()
		rss := rssSum(g)
		g.Down(true)
		if err != nil {
			t.Fatalf("%s to h0: %v", leaf, err)
		}
		report(t, "gridctl up, local backend, %d pnicd (tree, fan-out 4): all ready in %s; %s reaches h0 %s later; RSS %d MiB in all, %.1f MiB each; floor: %d trivial processes in %s",
			n, up.Round(time.Millisecond), leaf, reach.Round(time.Millisecond), rss>>20, float64(rss)/float64(n)/(1<<20), n, floor.Round(time.Millisecond))
	}
}

// TestBenchTwins: N twins on 10 PNICs (a tree), brought up by gridctl's local backend: time until
// every PNIC is ready with the twins' keys and resolver in place, time for all N twins to log in to
// their PNICs, the PNICs' memory per logged-in twin, and one RMB ping from every twin to a twin on
// another PNIC. Twins are logged in by this process (NoTwind: the PNIC side alone); the
// reference is the seed's bar of 1000 twins in 2 hours.
func TestBenchTwins(t *testing.T) {
	if os.Getenv("PLANETARY_BENCH") == "" {
		t.Skip("benchmark: run with PLANETARY_BENCH=1 (make bench)")
	}
	pnicd := testnet.Build(t, "github.com/freeflowuniverse/planetary/cmd/pnicd")
	const hosts = 10
	for _, n := range []int{100, 1000} {
		topo := tree(hosts)
		topo.Name = "twins"
		for i := 0; i < n; i++ {
			topo.Twins = append(topo.Twins, grid.Twin{Name: "t" + strconv.Itoa(i), Host: "h" + strconv.Itoa(i%hosts)})
		}
		g, err := grid.New(topo, grid.Options{StateDir: t.TempDir(), Pnicd: pnicd, BasePort: 21000, NoTwind: true})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		start := time.Now()
		if err := g.Up(ctx); err != nil {
			cancel()
			g.Down(true)
			t.Fatalf("up: %v", err)
		}
		up := time.Since(start)
		rssBefore := rssSum(g)

		start = time.Now()
		clients := make([]*client.Client, n)
		errs := make(chan error, n)
		sem := make(chan struct{}, 64)
		var wg sync.WaitGroup
		for i := range clients {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				c, err := g.OpenTwin(ctx, topo.Twins[i].Name)
				if err != nil {
					errs <- err
					return
				}
				clients[i] = c
			}()
		}
		wg.Wait()
		login := time.Since(start)
		close(errs)
		for err := range errs {
			cancel()
			g.Down(true)
			t.Fatalf("log in: %v", err)
		}
		rssAfter := rssSum(g)

		// Every twin pings the twin half the ring away (another PNIC), 64 at a time; the first
		// exchange between two PNICs waits for the overlay path, so each ping may be retried.
		start = time.Now()
		rtts := make([]time.Duration, n)
		pingErrs := make(chan error, n)
		for i := range clients {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				to := uint64((i+n/2)%n + 1)
				var err error
				for try := 0; try < 10; try++ {
					pctx, pcancel := context.WithTimeout(ctx, 3*time.Second)
					rtts[i], err = clients[i].Ping(pctx, to)
					pcancel()
					if err == nil {
						return
					}
				}
				pingErrs <- fmt.Errorf("twin %d to twin %d: %w", i+1, to, err)
			}()
		}
		wg.Wait()
		pings := time.Since(start)
		close(pingErrs)
		for _, c := range clients {
			c.Close()
		}
		cancel()
		g.Down(true)
		for err := range pingErrs {
			t.Fatalf("ping: %v", err)
		}
		slices.Sort(rtts)
		report(t, "twins, local backend, %d twins on %d pnicd: PNICs ready with keys and resolver in %s; all twins logged in %s later; every twin pinged another PNIC's twin in %s (RTT p50 %s, p99 %s); PNIC memory %d MiB before the logins, %d MiB after (%.0f KiB per twin session); reference: the seed's bar, 1000 twins in 2 h",
			n, hosts, up.Round(time.Millisecond), login.Round(time.Millisecond), pings.Round(time.Millisecond),
			rtts[n/2].Round(10*time.Microsecond), rtts[n*99/100].Round(10*time.Microsecond),
			rssBefore>>20, rssAfter>>20, float64(rssAfter-rssBefore)/float64(n)/1024)
	}
}

// TestBenchTwinds: the same as TestBenchTwins, but every twin is a twind process (keys, pebble
// store, owner web server, PNIC connection): time until all serve, their memory, and one ping per
// twin through its twind's owner websocket. 1000 twinds need ~17 GiB; skipped when memory is short.
func TestBenchTwinds(t *testing.T) {
	if os.Getenv("PLANETARY_BENCH") == "" {
		t.Skip("benchmark: run with PLANETARY_BENCH=1 (make bench)")
	}
	pnicd := testnet.Build(t, "github.com/freeflowuniverse/planetary/cmd/pnicd")
	twind := testnet.Build(t, "github.com/freeflowuniverse/planetary/cmd/twind")
	const hosts = 10
	for _, n := range []int{100, 1000} {
		if need := int64(n) * 20 << 20; testnet.MemAvailable() < need+(2<<30) {
			report(t, "twinds: %d skipped, %d MiB available, ~%d MiB needed", n, testnet.MemAvailable()>>20, need>>20)
			continue
		}
		topo := tree(hosts)
		topo.Name = "twinds"
		for i := 0; i < n; i++ {
			topo.Twins = append(topo.Twins, grid.Twin{Name: "t" + strconv.Itoa(i), Host: "h" + strconv.Itoa(i%hosts)})
		}
		g, err := grid.New(topo, grid.Options{StateDir: t.TempDir(), Pnicd: pnicd, Twind: twind, BasePort: 21000})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
		start := time.Now()
		if err := g.Up(ctx); err != nil {
			cancel()
			g.Down(true)
			t.Fatalf("up: %v", err)
		}
		up := time.Since(start)
		var twindRSS int64
		for _, s := range g.Twins() {
			twindRSS += testnet.RSS(s.PID)
		}
		pnicRSS := rssSum(g)

		start = time.Now()
		rtts := make([]time.Duration, n)
		errs := make(chan error, n)
		sem := make(chan struct{}, 32)
		var wg sync.WaitGroup
		for i := range topo.Twins {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				to := topo.Twins[(i+n/2)%n].Name
				pctx, pcancel := context.WithTimeout(ctx, 60*time.Second)
				defer pcancel()
				var err error
				rtts[i], err = g.WaitTwinReach(pctx, topo.Twins[i].Name, to)
				if err != nil {
					errs <- err
				}
			}()
		}
		wg.Wait()
		pings := time.Since(start)
		cancel()
		g.Down(true)
		close(errs)
		for err := range errs {
			t.Fatalf("ping: %v", err)
		}
		slices.Sort(rtts)
		report(t, "twinds, local backend, %d twind on %d pnicd: all serving in %s (pnicd, then twinds); every twin pinged another PNIC's twin through its owner websocket in %s (RTT p50 %s, p99 %s); twind memory %d MiB (%.1f MiB each), pnicd %d MiB",
			n, hosts, up.Round(time.Millisecond), pings.Round(time.Millisecond), rtts[n/2].Round(10*time.Microsecond),
			rtts[n*99/100].Round(10*time.Microsecond), twindRSS>>20, float64(twindRSS)/float64(n)/(1<<20), pnicRSS>>20)
	}
}
