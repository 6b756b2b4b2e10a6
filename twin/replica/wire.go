package replica

import (
	"bufio"
	"crypto/ed25519"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Frame types: [u32 length of type+payload][u8 type][payload].
const (
	tHello byte = 1 // twin → standby: a signed Hello (JSON)
	tSnap  byte = 2 // twin → standby: seq(8) | sealed snapshot batch
	tInc   byte = 3 // twin → standby: seq(8) | sealed change batch
	tPing  byte = 4 // twin → standby: still here
	tAck   byte = 5 // standby → twin: seq(8), on disk
	tErr   byte = 6 // standby → twin: why it refuses (text), then it closes
)

// MaxFrame bounds one frame (a snapshot of the whole store is one).
const MaxFrame = 64 << 20

// Hello opens a twin's replication stream.
type Hello struct {
	Twin uint64 `json:"twin"`
	// HTTP is where the twin serves its owner; it serves there again after a move.
	HTTP string `json:"http"`
	// Wrapped is the replica key, wrapped for the standby's X25519 key.
	Wrapped []byte `json:"wrapped"`
	// Keys is the twin's key file, sealed with the replica key.
	Keys []byte `json:"keys"`
	// Sig is the twin's ed25519 signature over the hello without it.
	Sig []byte `json:"sig,omitempty"`
}

func (h Hello) signBytes() []byte {
	h.Sig = nil
	b, _ := json.Marshal(h)
	return append([]byte("planetary-replica-hello/1\x00"), b...)
}

// Verify checks the hello's signature against the twin's signing key.
func (h Hello) Verify(pub ed25519.PublicKey) error {
	if len(pub) != ed25519.PublicKeySize || !ed25519.Verify(pub, h.signBytes(), h.Sig) {
		return fmt.Errorf("hello of twin %d: bad signature", h.Twin)
	}
	return nil
}

// DecodeHello parses a hello frame's payload.
func DecodeHello(b []byte) (Hello, error) {
	var h Hello
	if err := json.Unmarshal(b, &h); err != nil {
		return h, fmt.Errorf("hello: %w", err)
	}
	if h.Twin == 0 || len(h.Wrapped) == 0 || len(h.Keys) == 0 || len(h.Sig) != ed25519.SignatureSize {
		return h, errors.New("hello: twin, wrapped key, keys and signature are required")
	}
	return h, nil
}

func writeFrame(w io.Writer, typ byte, payload []byte) error {
	hdr := binary.BigEndian.AppendUint32(nil, uint32(1+len(payload)))
	hdr = append(hdr, typ)
	if _, err := w.Write(append(hdr, payload...)); err != nil {
		return err
	}
	return nil
}

func readFrame(r *bufio.Reader) (byte, []byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return 0, nil, err
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if n < 1 || n > MaxFrame {
		return 0, nil, fmt.Errorf("frame of %d bytes: want 1 to %d", n, MaxFrame)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return 0, nil, err
	}
	return b[0], b[1:], nil
}

// record splits a snapshot or change payload into its sequence number and sealed batch.
func record(p []byte) (uint64, []byte, error) {
	if len(p) < 8 {
		return 0, nil, errors.New("record shorter than its sequence number")
	}
	return binary.BigEndian.Uint64(p), p[8:], nil
}

func mustJSON(h Hello) []byte {
	b, _ := json.Marshal(h)
	return b
}

// readHello reads the hello kept beside a taken-over twin's data directory.
func readHello(dir string) (Hello, error) {
	b, err := os.ReadFile(filepath.Join(dir, "hello"))
	if err != nil {
		return Hello{}, err
	}
	return DecodeHello(b)
}
