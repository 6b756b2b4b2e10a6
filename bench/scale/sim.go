// Package scale models what one machine cannot measure about Planetary at millions of twins: the
// chain bytes each twin and each relocation costs (from the chain's real encodings), the load a
// measured per-unit cost turns into at a given size, and the resolver cache's hit rate when twins
// talk mostly to a stable set of contacts while the chain moves some of them. Everything here is
// deterministic (fixed seeds), so the same parameters give the same figures; docs/SCALE.md says
// which inputs are measured and where.
package scale

import (
	"fmt"
	"math/rand/v2"

	"github.com/freeflowuniverse/planetary/chain"
)

// ChainBytes is what the chain stores and carries for one twin and one relocation.
type ChainBytes struct {
	RegisterTx   int // a signed RegisterTwin tx
	RelocateTx   int // a signed RelocateTwin tx (kind 14)
	TwinState    int // state bytes (keys plus values) a registration adds
	RelocateAdds int // state bytes a relocation adds (its audit entry; the first move also adds the epoch and the audit counter)
	FirstMove    int // extra state bytes of a twin's first relocation
}

// sampleLocation is a location of the size the chain benchmark registers (country "BE", city "Ghent").
var sampleLocation = chain.Location{Country: "BE", City: "Ghent", Lat: 51.05, Lon: 3.72}

// MeasureChainBytes encodes a registration and a relocation with the chain's own codec and adds up
// the state keys and values they write (chain/doc.go, state key layout).
func MeasureChainBytes() (ChainBytes, error) {
	var key [32]byte
	reg := chain.Tx{Seq: 1, Msg: &chain.RegisterTwin{Loc: sampleLocation}}
	rel := chain.Tx{Seq: 2, Msg: &chain.RelocateTwin{ID: 1_000_000, Epoch: 1}}
	for _, tx := range []*chain.Tx{&reg, &rel} {
		if _, err := chain.DecodeTx(tx.Encode()); err != nil {
			return ChainBytes{}, fmt.Errorf("round trip of kind %d: %w", tx.Msg.Kind(), err)
		}
	}
	id := uint64(1_000_000)
	twin := chain.Twin{ID: id, Owner: key, Key: key, X25519: key, PNIC: key, Loc: sampleLocation}
	twinRecord := len(chain.TwinKey(id)) + len(twin.Encode())
	byPNIC := 1 + 32 + 8 + 8 // 0x11 | pnic | twin id → twin id
	byKey := 1 + 32 + 8      // 0x12 | twin key → twin id
	// A relocation's audit entry: "old pnic hex -> new pnic hex epoch N".
	detail := fmt.Sprintf("%x -> %x epoch %d", key, key, 1)
	audit := chain.AuditEvent{Twin: id, Seq: 0, Height: 1, Kind: "relocation", Detail: detail}
	auditEntry := len(chain.AuditKey(id, 0)) + len(audit.Encode())
	epoch := len(chain.TwinEpochKey(id)) + 8
	auditNext := 1 + 8 + 8 // 0x41 | twin id → next audit seq
	return ChainBytes{
		RegisterTx:   len(reg.Encode()),
		RelocateTx:   len(rel.Encode()),
		TwinState:    twinRecord + byPNIC + byKey,
		RelocateAdds: auditEntry,
		FirstMove:    epoch + auditNext,
	}, nil
}

// PerDay is how many transactions a chain committing txPerSec carries in a day.
func PerDay(txPerSec float64) float64 { return txPerSec * 86400 }

// DrainSeconds is how long a chain committing txPerSec takes to commit n transactions.
func DrainSeconds(n, txPerSec float64) float64 { return n / txPerSec }

// CoresFor is how many fully busy cores carry msgPerSec messages at cpuPerMsg microseconds of CPU
// each (the whole path: both twins and both PNICs).
func CoresFor(msgPerSec, cpuPerMsgMicros float64) float64 { return msgPerSec * cpuPerMsgMicros / 1e6 }

// TwinsPerCore is how many twins, each sending msgPerTwin messages a second (and receiving as many),
// one core carries at utilisation util when a message costs cpuPerMsg microseconds in all; each
// PNIC pays half of that (its own twin and its own end).
func TwinsPerCore(cpuPerMsgMicros, msgPerTwin, util float64) float64 {
	perEnd := cpuPerMsgMicros / 2
	return util * 1e6 / (2 * msgPerTwin * perEnd)
}

// CacheParams describes one resolver-cache simulation.
type CacheParams struct {
	Twins        int     // twins in the network
	TwinsPerPNIC int     // twins each PNIC hosts
	Contacts     int     // stable contacts per twin
	ContactShare float64 // share of messages that go to a contact (the rest to any twin)
	MsgPerSec    float64 // messages each twin sends a second
	Seconds      int     // simulated time
	SampledPNICs int     // PNICs whose caches are simulated (every PNIC sees the same mix)
	CacheCap     int     // entries before the cache is cleared (chain/client maxCachedTwins); 0: unbounded
	RelocPerDay  float64 // share of all twins relocated per day in the background
	StormAt      int     // second at which a mass failure starts (-1: none)
	StormTwins   int     // twins relocated by the mass failure
	StormTxPerS  float64 // chain commit rate for the storm's relocations
	Seed         uint64
}

// CacheResult is what the cache simulation counts on the sampled PNICs.
type CacheResult struct {
	Messages      int     // messages sent by the sampled PNICs' twins
	Lookups       int     // resolver calls on the sending PNIC (source, destination, route; 3 a message)
	Misses        int     // lookups the cache could not answer (a proven chain query each)
	HitRate       float64 // 1 - Misses/Lookups
	Clears        int     // times a cache reached CacheCap and was cleared
	Invalidations int     // cached entries dropped by a chain event
	StormMisses   int     // misses during the storm window (StormAt .. StormAt+drain+60 s)
	StormSeconds  int     // length of that window
	SteadyMissPS  float64 // misses a second per PNIC outside the storm window
	StormMissPS   float64 // misses a second per PNIC inside the storm window
}

// mix is splitmix64: a twin's contacts are derived from its id, so a million twins need no memory.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// contact returns the i-th stable contact of twin t.
func contact(t uint64, i, twins int) uint64 { return mix(t*1_000_003+uint64(i)) % uint64(twins) }

// SimulateCache runs the resolver cache model: the sampled PNICs' twins send at MsgPerSec, each
// message to one of their contacts (ContactShare) or to any twin; every send looks up the source,
// the destination and the route (rmb/bus: Send and delivery); an entry is cached until a chain event
// for that twin drops it, and a full cache is cleared. Background relocations and the storm's move
// twins chosen at random and drop their entries on every PNIC.
func SimulateCache(p CacheParams) (CacheResult, error) {
	if p.Twins <= 0 || p.TwinsPerPNIC <= 0 || p.Contacts <= 0 || p.Seconds <= 0 || p.SampledPNICs <= 0 {
		return CacheResult{}, fmt.Errorf("cache model: twins, twins per PNIC, contacts, seconds and sampled PNICs must be positive: %+v", p)
	}
	if p.SampledPNICs*p.TwinsPerPNIC > p.Twins {
		return CacheResult{}, fmt.Errorf("cache model: %d sampled PNICs × %d twins exceed %d twins", p.SampledPNICs, p.TwinsPerPNIC, p.Twins)
	}
	rng := rand.New(rand.NewPCG(p.Seed, p.Seed^0x5ca1e))
	caches := make([]map[uint64]struct{}, p.SampledPNICs)
	for i := range caches {
		caches[i] = map[uint64]struct{}{}
	}
	var r CacheResult
	stormEnd := -1
	if p.StormAt >= 0 && p.StormTwins > 0 {
		stormEnd = p.StormAt + int(DrainSeconds(float64(p.StormTwins), p.StormTxPerS)) + 60
		r.StormSeconds = stormEnd - p.StormAt
	}
	lookup := func(c map[uint64]struct{}, id uint64, storm bool) {
		r.Lookups++
		if _, ok := c[id]; ok {
			return
		}
		r.Misses++
		if storm {
			r.StormMisses++
		}
		if p.CacheCap > 0 && len(c) >= p.CacheCap {
			clear(c)
			r.Clears++
		}
		c[id] = struct{}{}
	}
	invalidate := func(id uint64) {
		for _, c := range caches {
			if _, ok := c[id]; ok {
				delete(c, id)
				r.Invalidations++
			}
		}
	}
	bgPerSec := p.RelocPerDay * float64(p.Twins) / 86400
	var bgDebt, sendDebt, stormDebt float64
	stormLeft := p.StormTwins
	for s := 0; s < p.Seconds; s++ {
		storm := stormEnd >= 0 && s >= p.StormAt && s < stormEnd
		bgDebt += bgPerSec
		for ; bgDebt >= 1; bgDebt-- {
			invalidate(rng.Uint64N(uint64(p.Twins)))
		}
		if stormEnd >= 0 && s >= p.StormAt && stormLeft > 0 {
			stormDebt += p.StormTxPerS
			for ; stormDebt >= 1 && stormLeft > 0; stormDebt-- {
				invalidate(rng.Uint64N(uint64(p.Twins)))
				stormLeft--
			}
		}
		sendDebt += p.MsgPerSec
		sends := int(sendDebt)
		sendDebt -= float64(sends)
		for pn := 0; pn < p.SampledPNICs; pn++ {
			c := caches[pn]
			for k := 0; k < p.TwinsPerPNIC; k++ {
				src := uint64(pn*p.TwinsPerPNIC + k)
				for m := 0; m < sends; m++ {
					var dst uint64
					if rng.Float64() < p.ContactShare {
						dst = contact(src, rng.IntN(p.Contacts), p.Twins)
					} else {
						dst = rng.Uint64N(uint64(p.Twins))
					}
					r.Messages++
					lookup(c, src, storm) // Send: the source is hosted here
					lookup(c, dst, storm) // Send: the destination exists
					lookup(c, dst, storm) // delivery: where the destination is now
				}
			}
		}
	}
	if r.Lookups > 0 {
		r.HitRate = 1 - float64(r.Misses)/float64(r.Lookups)
	}
	steadySecs := p.Seconds - r.StormSeconds
	if steadySecs > 0 {
		r.SteadyMissPS = float64(r.Misses-r.StormMisses) / float64(steadySecs) / float64(p.SampledPNICs)
	}
	if r.StormSeconds > 0 {
		r.StormMissPS = float64(r.StormMisses) / float64(r.StormSeconds) / float64(p.SampledPNICs)
	}
	return r, nil
}

// ContactOf returns the i-th stable contact of twin t in a network of twins twins, as the cache
// model draws it.
func ContactOf(t uint64, i, twins int) uint64 { return contact(t, i, twins) }
