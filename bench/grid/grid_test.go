// Package grid_test measures how fast gridctl brings up many PNICs on this machine, beside the
// floor of starting as many trivial processes. Run with `make bench`.
package grid_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/freeflowuniverse/planetary/grid"
	"github.com/freeflowuniverse/planetary/internal/testnet"
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
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.PID))
		if err != nil {
			continue
		}
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
				kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
				sum += kb << 10
			}
		}
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
