package chain

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

var errShort = errors.New("truncated")

// enc appends fixed-width big-endian integers and u16-length-prefixed byte strings: one encoding per value.
type enc struct{ b []byte }

func (e *enc) u8(v uint8)   { e.b = append(e.b, v) }
func (e *enc) u64(v uint64) { e.b = binary.BigEndian.AppendUint64(e.b, v) }
func (e *enc) f64(v float64) {
	e.u64(math.Float64bits(v))
}
func (e *enc) key(k [32]byte) { e.b = append(e.b, k[:]...) }
func (e *enc) bytes(v []byte) {
	e.b = binary.BigEndian.AppendUint16(e.b, uint16(len(v)))
	e.b = append(e.b, v...)
}
func (e *enc) str(s string) { e.bytes([]byte(s)) }

// dec reads what enc wrote; the first error sticks and later reads return zero values.
type dec struct {
	b   []byte
	err error
}

func (d *dec) take(n int) []byte {
	if d.err != nil {
		return nil
	}
	if len(d.b) < n {
		d.err = errShort
		return nil
	}
	v := d.b[:n]
	d.b = d.b[n:]
	return v
}

func (d *dec) u8() uint8 {
	if v := d.take(1); v != nil {
		return v[0]
	}
	return 0
}

func (d *dec) u64() uint64 {
	if v := d.take(8); v != nil {
		return binary.BigEndian.Uint64(v)
	}
	return 0
}

func (d *dec) f64() float64 {
	v := math.Float64frombits(d.u64())
	if d.err == nil && (math.IsNaN(v) || math.IsInf(v, 0)) {
		d.err = errors.New("not a finite number")
	}
	return v
}

func (d *dec) key() (k [32]byte) {
	copy(k[:], d.take(32))
	return k
}

func (d *dec) bytes() []byte {
	n := d.take(2)
	if n == nil {
		return nil
	}
	v := d.take(int(binary.BigEndian.Uint16(n)))
	if v == nil {
		return nil
	}
	return append([]byte(nil), v...)
}

func (d *dec) str() string { return string(d.bytes()) }

// end reports the sticky error, or trailing bytes, which a canonical encoding never has.
func (d *dec) end(what string) error {
	if d.err == nil && len(d.b) > 0 {
		d.err = fmt.Errorf("%d trailing bytes", len(d.b))
	}
	if d.err != nil {
		return fmt.Errorf("decode %s: %w", what, d.err)
	}
	return nil
}
