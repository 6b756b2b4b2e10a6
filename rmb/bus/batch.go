package bus

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// A batch carries several requests to one PNIC in one transport request, and their answers back in
// one transport answer, so many envelopes share one round trip, one handler and one store write on
// the receiving PNIC (and its fsync).
//
// Batch request: the byte recBatch, then entries; batch answer: the byte ansBatch, then as many
// entries as the request had, each the answer to the request entry at the same place. An entry is a
// uvarint length n > 0 and n bytes: a request as sent alone (record type byte and body) or an
// encoded Ack. An answer never starts with ansBatch otherwise (an Ack is a Cap'n Proto message, whose
// first byte is 0 for the single segment the bus writes), so a PNIC that does not know batches answers
// with a plain Ack, and the sender then delivers the batch's envelopes one by one.
const (
	recBatch = 'b'
	ansBatch = 'B'
)

// maxBatch bounds the entries of one batch.
const maxBatch = 256

// appendEntry appends one batch entry holding p.
func appendEntry(dst, p []byte) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(p)))
	return append(dst, p...)
}

// entrySize is the number of bytes appendEntry adds for a payload of n bytes.
func entrySize(n int) int {
	var tmp [binary.MaxVarintLen64]byte
	return binary.PutUvarint(tmp[:], uint64(n)) + n
}

var errBatch = errors.New("malformed batch")

// splitBatch returns the entries of the body of a batch (after its type byte), as slices of b, at
// most max of them. It fails on an empty body, a zero-length or truncated entry, or too many entries.
func splitBatch(b []byte, max int) ([][]byte, error) {
	if len(b) == 0 {
		return nil, fmt.Errorf("%w: no entries", errBatch)
	}
	var out [][]byte
	for len(b) > 0 {
		n, k := binary.Uvarint(b)
		if k <= 0 {
			return nil, fmt.Errorf("%w: bad entry length", errBatch)
		}
		b = b[k:]
		if n == 0 || n > uint64(len(b)) {
			return nil, fmt.Errorf("%w: entry of %d bytes with %d left", errBatch, n, len(b))
		}
		if len(out) == max {
			return nil, fmt.Errorf("%w: more than %d entries", errBatch, max)
		}
		out = append(out, b[:n:n])
		b = b[n:]
	}
	return out, nil
}
