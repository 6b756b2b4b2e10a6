package frame

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"testing"

	"github.com/freeflowuniverse/planetary/rmb/schema"
)

type frameT = schema.Frame

func seedFrames(t testing.TB) [][]byte {
	var out [][]byte
	add := func(fill func(f *frameT)) {
		f, err := NewFrame(7)
		if err != nil {
			t.Fatal(err)
		}
		fill(&f)
		b, err := AppendFrame(nil, f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b[4:])
	}
	add(func(f *frameT) { f.SetChallenge([]byte("0123456789abcdef0123456789abcdef")) })
	add(func(f *frameT) {
		a, _ := f.NewAuth()
		a.SetTwin(9)
		a.SetSignature(make([]byte, ed25519.SignatureSize))
	})
	add(func(f *frameT) { f.SetSend([]byte("not an envelope")) })
	add(func(f *frameT) { f.SetAck() })
	add(func(f *frameT) {
		r, _ := f.NewReceipt()
		r.SetId(make([]byte, 16))
		r.SetReason("expired")
	})
	add(func(f *frameT) { f.SetDial("[200::1]:80") })
	add(func(f *frameT) {
		e, _ := f.NewReject()
		e.SetCode(schema.ErrorCode_tampered)
		e.SetText("seal: body does not open")
	})
	return out
}

func TestFrameRoundTrip(t *testing.T) {
	for _, raw := range seedFrames(t) {
		b := append([]byte{0, 0, 0, 0}, raw...)
		b[3] = byte(len(raw))
		b[2] = byte(len(raw) >> 8)
		f, err := ReadFrame(bufio.NewReader(bytes.NewReader(b)), MaxFrame)
		if err != nil {
			t.Fatal(err)
		}
		if f.Seq() != 7 {
			t.Fatalf("seq %d", f.Seq())
		}
	}
}

func TestOversizedFrameRefused(t *testing.T) {
	b := []byte{0xff, 0xff, 0xff, 0xff}
	if _, err := ReadFrame(bufio.NewReader(bytes.NewReader(b)), MaxFrame); err == nil {
		t.Fatal("4 GiB frame length accepted")
	}
}

func FuzzFrame(f *testing.F) {
	for _, s := range seedFrames(f) {
		f.Add(s)
	}
	f.Add([]byte{})
	f.Add([]byte{0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0})
	f.Fuzz(func(t *testing.T, raw []byte) {
		fr, err := DecodeFrame(raw)
		if err != nil {
			return
		}
		// A frame that decodes must re-encode.
		if _, err := AppendFrame(nil, fr); err != nil {
			t.Fatalf("decoded frame does not re-encode: %v", err)
		}
	})
}
