// Package scale_test is the skeleton of milestone 2's big run: a generated topology of sites
// (default 10 sites, 2 hosts each, 1000 twins) on gridctl's netns backend with relocation on. It
// measures what it can on this machine: the time to deploy from nothing until every twin serves
// (registered on the chain, on its PNIC, its standby holding its snapshot), the memory per
// component kind, and after one kill-host the time until each of that host's twins serves again
// from its standby, under a soak of one chat message per twin per second (PLANETARY_SOAK, default
// 10m) with one site's ISP uplink cut and one host killed in it, then a closed-loop burst
// (PLANETARY_BURST, default 60s), checking every accepted message arrived exactly once. It refuses to start when the machine's free memory cannot hold the run, and
// says how far off it is. Run as root:
//
//	PLANETARY_BENCH=1 go test -v -timeout 60m -run TestBenchScale ./bench/scale/
//	PLANETARY_SCALE=SITES,HOSTS_PER_SITE,TWINS (default 10,2,1000)
package scale_test

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/freeflowuniverse/planetary/grid"
	"github.com/freeflowuniverse/planetary/internal/testnet"
)

func report(t *testing.T, format string, a ...any) {
	line := fmt.Sprintf(format, a...)
	t.Log(line)
	os.MkdirAll("../out", 0o755)
	if f, err := os.OpenFile("../out/scale.txt", os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644); err == nil {
		fmt.Fprintln(f, line)
		f.Close()
	}
}

// Memory each component kind took at 3 sites × 2 hosts, 60 twins (KiB, resident): what the run
// is sized by.
const (
	twindKiB = 36 << 10
	pnicdKiB = 47 << 10
	hostKiB  = 37 << 10 // standby
)

func shape(t *testing.T) (sites, perSite, twins int) {
	sites, perSite, twins = 10, 2, 1000
	if v := os.Getenv("PLANETARY_SCALE"); v != "" {
		f := strings.Split(v, ",")
		if len(f) != 3 {
			t.Fatalf("PLANETARY_SCALE=%q: want SITES,HOSTS_PER_SITE,TWINS", v)
		}
		var err error
		for i, p := range []*int{&sites, &perSite, &twins} {
			if *p, err = strconv.Atoi(f[i]); err != nil {
				t.Fatalf("PLANETARY_SCALE=%q: %v", v, err)
			}
		}
	}
	return
}

func TestBenchScale(t *testing.T) {
	if os.Getenv("PLANETARY_BENCH") == "" {
		t.Skip("benchmark: run with PLANETARY_BENCH=1")
	}
	testnet.RequireRoot(t)
	sites, perSite, twins := shape(t)
	hosts := sites * perSite
	need := int64(twins*twindKiB+hosts*(pnicdKiB+hostKiB)) << 10
	if avail := testnet.MemAvailable(); avail < need {
		t.Skipf("%d sites × %d hosts, %d twins need about %.1f GiB (%d KiB per twind), %.1f GiB available: %.0f%% of the run fits",
			sites, perSite, twins, float64(need)/(1<<30), twindKiB, float64(avail)/(1<<30), 100*float64(avail)/float64(need))
	}
	name := "sr"
	if v := os.Getenv("PLANETARY_SCALE_NAME"); v != "" {
		// Another run on the same machine keeps its namespaces apart under another name.
		name = v
	}
	topo, err := grid.Gen(grid.GenOptions{Name: name, Sites: sites, HostsPerSite: perSite, Twins: twins, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	g, err := grid.New(topo, grid.Options{StateDir: t.TempDir(), Backend: grid.Netns, Grace: 10 * time.Second,
		Pnicd:  testnet.Build(t, "github.com/freeflowuniverse/planetary/cmd/pnicd"),
		Twind:  testnet.Build(t, "github.com/freeflowuniverse/planetary/cmd/twind"),
		Chaind: testnet.Build(t, "github.com/freeflowuniverse/planetary/cmd/chaind")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close(); g.Down(true) })
	// An interrupt ends the run through its cleanup (namespaces, processes), not around it.
	sctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(sctx, 50*time.Minute)
	defer cancel()
	start := time.Now()
	if err := g.Up(ctx); err != nil {
		t.Fatal(err)
	}
	report(t, "scale %d sites × %d hosts, %d twins: deployed from nothing in %s (every twin registered, on its PNIC, its standby holding its snapshot)",
		sites, perSite, twins, time.Since(start).Round(100*time.Millisecond))

	// RSS counts the pages of a binary shared by all its processes once per process; PSS shares
	// them out, so the PSS sum is what the network takes from the machine.
	mem, pss := map[string][]int64{}, map[string][]int64{}
	add := func(kind string, pid int) {
		mem[kind] = append(mem[kind], testnet.RSS(pid))
		pss[kind] = append(pss[kind], testnet.PSS(pid))
	}
	for _, h := range g.Status() {
		add("pnicd", h.PID)
		add("standby", g.StandbyPID(h.Name))
	}
	for _, tw := range g.Twins() {
		add("twind", tw.PID)
	}
	for _, v := range g.Validators() {
		add("chaind", v.PID)
	}
	var all, allPSS int64
	for _, kind := range []string{"pnicd", "twind", "standby", "chaind"} {
		var sum, sumPSS int64
		for i, r := range mem[kind] {
			sum += r
			sumPSS += pss[kind][i]
		}
		all += sum
		allPSS += sumPSS
		n := float64(max(1, len(mem[kind])))
		report(t, "memory %s: %d processes, %.2f GiB resident (%.1f MiB each), %.2f GiB proportional (%.1f MiB each)",
			kind, len(mem[kind]), float64(sum)/(1<<30), float64(sum)/n/(1<<20), float64(sumPSS)/(1<<30), float64(sumPSS)/n/(1<<20))
	}
	report(t, "memory in all: %.2f GiB resident, %.2f GiB proportional (goal ≤ 8 GiB)", float64(all)/(1<<30), float64(allPSS)/(1<<30))

	soak(t, ctx, g, topo, start)
}
