package bus

import (
	"bytes"
	"testing"
)

// FuzzSplitBatch: any bytes from a peer either split into entries that encode back to exactly those
// bytes, or give an error; never a panic, never an empty entry, never more than the bound.
func FuzzSplitBatch(f *testing.F) {
	f.Add([]byte{})
	f.Add(appendEntry(nil, []byte("e-envelope")))
	f.Add(appendEntry(appendEntry(nil, []byte{recEnvelope, 1, 2}), []byte{recNotice}))
	f.Add([]byte{0})                       // zero-length entry
	f.Add([]byte{5, 1, 2})                 // truncated
	f.Add([]byte{0xff, 0xff, 0xff})        // unterminated length
	f.Add(bytes.Repeat([]byte{1, 7}, 600)) // too many entries
	f.Fuzz(func(t *testing.T, b []byte) {
		entries, err := splitBatch(b, maxBatch)
		if err != nil {
			return
		}
		if len(entries) == 0 || len(entries) > maxBatch {
			t.Fatalf("%d entries", len(entries))
		}
		var re []byte
		for _, e := range entries {
			if len(e) == 0 {
				t.Fatal("empty entry")
			}
			re = appendEntry(re, e)
		}
		if !bytes.Equal(re, b) {
			t.Fatalf("entries re-encode to %x, not %x", re, b)
		}
	})
}

func TestSplitBatchBounds(t *testing.T) {
	var b []byte
	for range 3 {
		b = appendEntry(b, []byte("x"))
	}
	if _, err := splitBatch(b, 2); err == nil {
		t.Fatal("three entries accepted with a bound of two")
	}
	if e, err := splitBatch(b, 3); err != nil || len(e) != 3 {
		t.Fatalf("splitBatch = %d entries, %v", len(e), err)
	}
	if entrySize(300) != len(appendEntry(nil, make([]byte, 300))) {
		t.Fatal("entrySize disagrees with appendEntry")
	}
}
