package store

import "hash/maphash"

// absentFilter is a Bloom filter of the keys "if absent" writes check: a key it has never been
// given is certainly absent, which spares the committer a database lookup for every new envelope
// id. Keys deleted later stay in it (a false "maybe", answered by the lookup); it is rebuilt from
// the database once it has taken as many keys as it was sized for.
type absentFilter struct {
	seed  maphash.Seed
	bits  []uint64
	added int // keys added since it was built
	limit int // keys it holds at a low false-positive rate
}

// filterBits is the size of the filter: 64 Mbit (8 MiB), about 1 % false positives at 6.7 million keys.
const filterBits = 64 << 20

const filterProbes = 7

func newAbsentFilter(bits int) *absentFilter {
	return &absentFilter{seed: maphash.MakeSeed(), bits: make([]uint64, bits/64), limit: bits / 10}
}

func (f *absentFilter) probes(key []byte) (h1, h2 uint64) {
	h := maphash.Bytes(f.seed, key)
	return h, h>>32 | h<<32 | 1
}

func (f *absentFilter) add(key []byte) {
	h1, h2 := f.probes(key)
	n := uint64(len(f.bits) * 64)
	for i := range uint64(filterProbes) {
		b := (h1 + i*h2) % n
		f.bits[b/64] |= 1 << (b % 64)
	}
	f.added++
}

// mayContain reports false when key was certainly never added.
func (f *absentFilter) mayContain(key []byte) bool {
	h1, h2 := f.probes(key)
	n := uint64(len(f.bits) * 64)
	for i := range uint64(filterProbes) {
		b := (h1 + i*h2) % n
		if f.bits[b/64]&(1<<(b%64)) == 0 {
			return false
		}
	}
	return true
}

func (f *absentFilter) full() bool { return f.added >= f.limit }
