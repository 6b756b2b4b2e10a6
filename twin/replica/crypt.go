// Package replica keeps a twin's state on a standby host while the twin runs elsewhere, and starts
// the twin there when its host is gone.
//
// The twin's daemon (Sender) streams its store to the standby (Keeper) over a TCP connection on
// the planetary overlay: a signed hello, then a snapshot of the whole store, then every committed
// change in commit order, each acknowledged once it is on the standby's disk. A commit waits for
// that acknowledgement (at most SyncTimeout), so what the twin has accepted is on two hosts.
//
// Everything after the hello is sealed (XChaCha20-Poly1305) with a replica key the twin draws at
// each start; the hello carries that key wrapped for the standby's X25519 key (ephemeral-static
// X25519) and the twin's key file sealed with it. So a relay or any other node sees only twin ids
// and sizes; the standby host stores ciphertext and holds what it needs to open it, which it does
// only when it takes the twin over (a standby is trusted as the host the twin runs on is).
package replica

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/crypto/chacha20poly1305"
	"golang.org/x/crypto/curve25519"
)

// KeySize is the size of X25519 keys and of the replica key.
const KeySize = 32

// StandbyKey is a standby host's X25519 key pair, which twins wrap their replica keys for.
type StandbyKey struct {
	Private [KeySize]byte
	Public  [KeySize]byte
}

// LoadOrCreateStandbyKey reads the standby key in path (hex of the private key), making it on first use.
func LoadOrCreateStandbyKey(path string) (StandbyKey, error) {
	var k StandbyKey
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if _, err := rand.Read(k.Private[:]); err != nil {
			return k, err
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return k, fmt.Errorf("standby key: %w", err)
		}
		if err := os.WriteFile(path, []byte(hex.EncodeToString(k.Private[:])+"\n"), 0o600); err != nil {
			return k, fmt.Errorf("standby key: %w", err)
		}
	case err != nil:
		return k, fmt.Errorf("standby key: %w", err)
	default:
		raw, err := hex.DecodeString(strings.TrimSpace(string(b)))
		if err != nil || len(raw) != KeySize {
			return k, fmt.Errorf("standby key %s: want %d hex-encoded bytes", path, KeySize)
		}
		copy(k.Private[:], raw)
	}
	pub, err := curve25519.X25519(k.Private[:], curve25519.Basepoint)
	if err != nil {
		return k, fmt.Errorf("standby key: %w", err)
	}
	copy(k.Public[:], pub)
	return k, nil
}

// ParsePublic reads a standby's public key from hex.
func ParsePublic(s string) ([KeySize]byte, error) {
	var k [KeySize]byte
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != KeySize {
		return k, fmt.Errorf("standby key %q: want %d hex-encoded bytes", s, KeySize)
	}
	copy(k[:], b)
	return k, nil
}

// wrap seals secret for the holder of the X25519 private key of pub.
func wrap(pub [KeySize]byte, secret []byte) ([]byte, error) {
	var eph [KeySize]byte
	if _, err := rand.Read(eph[:]); err != nil {
		return nil, err
	}
	ephPub, err := curve25519.X25519(eph[:], curve25519.Basepoint)
	if err != nil {
		return nil, err
	}
	shared, err := curve25519.X25519(eph[:], pub[:])
	if err != nil {
		return nil, fmt.Errorf("wrap for the standby: %w", err)
	}
	k := wrapKey(shared, ephPub, pub[:])
	out, err := sealRecord(k, ephPub, secret)
	if err != nil {
		return nil, err
	}
	return append(ephPub, out...), nil
}

// unwrap opens what wrap sealed for k.
func unwrap(k StandbyKey, b []byte) ([]byte, error) {
	if len(b) < KeySize {
		return nil, errors.New("wrapped key too short")
	}
	shared, err := curve25519.X25519(k.Private[:], b[:KeySize])
	if err != nil {
		return nil, fmt.Errorf("unwrap: %w", err)
	}
	return openRecord(wrapKey(shared, b[:KeySize], k.Public[:]), b[:KeySize], b[KeySize:])
}

func wrapKey(shared, ephPub, pub []byte) []byte {
	h := sha256.New()
	h.Write([]byte("planetary-replica-wrap/1"))
	h.Write(shared)
	h.Write(ephPub)
	h.Write(pub)
	return h.Sum(nil)
}

// seal encrypts plain with key, binding ad; the output is nonce | ciphertext.
func sealRecord(key, ad, plain []byte) ([]byte, error) {
	a, err := chacha20poly1305.NewX(key)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, a.NonceSize(), a.NonceSize()+len(plain)+a.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return a.Seal(nonce, nonce, plain, ad), nil
}

// open decrypts what seal made.
func openRecord(key, ad, b []byte) ([]byte, error) {
	a, err := chacha20poly1305.NewX(key)
	if err != nil {
		return nil, err
	}
	if len(b) < a.NonceSize()+a.Overhead() {
		return nil, errors.New("sealed record too short")
	}
	plain, err := a.Open(nil, b[:a.NonceSize()], b[a.NonceSize():], ad)
	if err != nil {
		return nil, errors.New("sealed record does not open: wrong key or altered")
	}
	return plain, nil
}

// recordAD binds a record to its twin, kind and sequence number.
func recordAD(twin uint64, kind byte, seq uint64) []byte {
	b := binary.BigEndian.AppendUint64(nil, twin)
	b = append(b, kind)
	return binary.BigEndian.AppendUint64(b, seq)
}
