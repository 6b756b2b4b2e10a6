package scale_test

import (
	"math"
	"os"
	"testing"

	"github.com/freeflowuniverse/planetary/bench/scale"
)

// TestChainBytes checks the byte counts against the chain's layout by hand: a registration is
// version, kind, signer, sequence, three keys, the location and a signature.
func TestChainBytes(t *testing.T) {
	b, err := scale.MeasureChainBytes()
	if err != nil {
		t.Fatal(err)
	}
	loc := 2 + len("BE") + 2 + len("Ghent") + 8 + 8
	if want := 1 + 1 + 32 + 8 + 3*32 + loc + 64; b.RegisterTx != want {
		t.Errorf("register tx %d bytes, want %d", b.RegisterTx, want)
	}
	if want := 1 + 1 + 32 + 8 + 8 + 32 + 8 + 64; b.RelocateTx != want {
		t.Errorf("relocate tx %d bytes, want %d", b.RelocateTx, want)
	}
	twin := 9 + 8 + 4*32 + loc // 0x10|id → id, owner, key, x25519, pnic, location
	if want := twin + 49 + 41; b.TwinState != want {
		t.Errorf("twin state %d bytes, want %d", b.TwinState, want)
	}
	if b.RelocateAdds <= 17 || b.FirstMove != 34 {
		t.Errorf("relocation adds %d (first move +%d), want an audit entry > 17 bytes and +34", b.RelocateAdds, b.FirstMove)
	}
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

func TestArithmetic(t *testing.T) {
	if got := scale.PerDay(1000); !near(got, 86.4e6) {
		t.Errorf("PerDay(1000) = %v", got)
	}
	if got := scale.DrainSeconds(100_000, 2_000); !near(got, 50) {
		t.Errorf("DrainSeconds = %v", got)
	}
	if got := scale.CoresFor(1e6, 100); !near(got, 100) {
		t.Errorf("CoresFor = %v", got)
	}
	// 100 µs a message, 50 µs per end; a twin at 1 msg/s costs two ends: 100 µs/s → 10,000 a core.
	if got := scale.TwinsPerCore(100, 1, 1); !near(got, 10_000) {
		t.Errorf("TwinsPerCore = %v", got)
	}
}

// TestCacheModelExact checks the cache model where the answer is known: with contacts only, no
// chain events and no cap, the misses are exactly the distinct twins each PNIC touches.
func TestCacheModelExact(t *testing.T) {
	p := scale.CacheParams{Twins: 1000, TwinsPerPNIC: 10, Contacts: 3, ContactShare: 1, MsgPerSec: 1,
		Seconds: 200, SampledPNICs: 2, StormAt: -1, Seed: 1}
	r, err := scale.SimulateCache(p)
	if err != nil {
		t.Fatal(err)
	}
	if r.Messages != 2*10*200 || r.Lookups != 3*r.Messages {
		t.Fatalf("messages %d lookups %d, want %d and 3×", r.Messages, r.Lookups, 2*10*200)
	}
	// 200 sends over 3 contacts reach all three (a miss of one in 3·(2/3)^200 ≈ 0).
	distinct := 0
	for pn := 0; pn < 2; pn++ {
		seen := map[uint64]bool{}
		for k := 0; k < 10; k++ {
			src := uint64(pn*10 + k)
			seen[src] = true
			for i := 0; i < 3; i++ {
				seen[scale.ContactOf(src, i, 1000)] = true
			}
		}
		distinct += len(seen)
	}
	if r.Misses != distinct || r.Invalidations != 0 || r.Clears != 0 {
		t.Errorf("misses %d invalidations %d clears %d, want %d, 0, 0", r.Misses, r.Invalidations, r.Clears, distinct)
	}
	again, _ := scale.SimulateCache(p)
	if again != r {
		t.Errorf("not deterministic: %+v then %+v", r, again)
	}
	// A cap of 5 entries with 40 distinct twins must clear, and miss more.
	p.CacheCap = 5
	capped, err := scale.SimulateCache(p)
	if err != nil {
		t.Fatal(err)
	}
	if capped.Clears == 0 || capped.Misses <= r.Misses {
		t.Errorf("capped: clears %d misses %d, want > 0 and > %d", capped.Clears, capped.Misses, r.Misses)
	}
	if _, err := scale.SimulateCache(scale.CacheParams{}); err == nil {
		t.Error("empty parameters accepted")
	}
}

// TestSimulateScale prints the model at a million twins: chain bytes, what the measured chain and
// RMB rates carry, and the resolver cache over two simulated hours with a mass failure in the middle.
func TestSimulateScale(t *testing.T) {
	if os.Getenv("PLANETARY_BENCH") == "" {
		t.Skip("simulation: run with PLANETARY_BENCH=1 go test -v -run TestSimulateScale ./bench/scale/")
	}
	b, err := scale.MeasureChainBytes()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("chain: register tx %d B, relocate tx %d B; state per twin %d B (+ IAVL nodes), per relocation +%d B (first move +%d B)",
		b.RegisterTx, b.RelocateTx, b.TwinState, b.RelocateAdds, b.FirstMove)
	const million = 1e6
	t.Logf("chain: 1e6 twins = %.0f MB of state keys+values, registration txs %.0f MB of blocks",
		million*float64(b.TwinState)/1e6, million*float64(b.RegisterTx)/1e6)
	// Measured committed rates (bench/RESULTS.md, chain): 1 validator paced 2,977 and flood 4,478 tx/s,
	// 4 validators paced 493 and flood 1,885 tx/s (idle machine, a8f8b2b).
	for _, c := range []struct {
		name string
		rate float64
	}{{"1 validator, 3,000/s offered", 2977}, {"1 validator, flood", 4478}, {"4 validators, 500/s offered", 493}, {"4 validators, flood", 1885}} {
		t.Logf("chain %-28s %6.0f tx/s = %5.1f M tx/day; 100,000 relocations drain in %4.0f s",
			c.name, c.rate, scale.PerDay(c.rate)/1e6, scale.DrainSeconds(100_000, c.rate))
	}
	// Measured RMB CPU per message, whole path (bench/RESULTS.md, rmb): 80 µs idle (5f73f68 flood),
	// 115 µs on the loaded machine after batching (1abf817).
	for _, cpu := range []float64{80, 115} {
		t.Logf("rmb at %3.0f µs/msg: 1e6 twins × 1 msg/s = %4.0f cores; one core carries %5.0f twins at 1 msg/s (%5.0f at 50%% load)",
			cpu, scale.CoresFor(million, cpu), scale.TwinsPerCore(cpu, 1, 1), scale.TwinsPerCore(cpu, 1, 0.5))
	}
	base := scale.CacheParams{Twins: 1_000_000, TwinsPerPNIC: 100, Contacts: 20, ContactShare: 0.9, MsgPerSec: 1,
		Seconds: 7200, SampledPNICs: 4, CacheCap: 100_000, RelocPerDay: 0.001,
		StormAt: 3600, StormTwins: 100_000, StormTxPerS: 2977, Seed: 42}
	runs := []struct {
		name string
		p    scale.CacheParams
	}{
		{"90% to 20 contacts, cap 100k", base},
		{"99% to 20 contacts, cap 100k", func() scale.CacheParams { p := base; p.ContactShare = 0.99; return p }()},
		{"90% to 20 contacts, no cap", func() scale.CacheParams { p := base; p.CacheCap = 0; return p }()},
		{"90%, storm at 4 validators (493/s)", func() scale.CacheParams { p := base; p.StormTxPerS = 493; return p }()},
		{"90%, 4 h, 2 PNICs, cap 100k", func() scale.CacheParams { p := base; p.Seconds, p.SampledPNICs = 14400, 2; return p }()},
	}
	for _, run := range runs {
		r, err := scale.SimulateCache(run.p)
		if err != nil {
			t.Fatal(err)
		}
		pnics := float64(run.p.Twins / run.p.TwinsPerPNIC)
		t.Logf("cache %-36s msgs %d lookups %d hit %.4f clears %d invalidated %d | misses/s per PNIC steady %.2f storm %.2f (%d s) | chain queries/s for %0.f PNICs: steady %.0f storm %.0f",
			run.name, r.Messages, r.Lookups, r.HitRate, r.Clears, r.Invalidations, r.SteadyMissPS, r.StormMissPS, r.StormSeconds,
			pnics, r.SteadyMissPS*pnics, r.StormMissPS*pnics)
	}
}
