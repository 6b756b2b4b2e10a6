package seal

import (
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
)

// keyFile is the on-disk form of TwinKeys: {"id": 7, "signing_seed": hex, "encryption_key": hex}.
type keyFile struct {
	ID            uint64 `json:"id"`
	SigningSeed   string `json:"signing_seed"`
	EncryptionKey string `json:"encryption_key"`
}

// WriteKeyFile stores a twin's private keys at path (mode 0600), replacing it atomically.
func WriteKeyFile(path string, k TwinKeys) error {
	b, err := json.MarshalIndent(keyFile{ID: k.ID, SigningSeed: hex.EncodeToString(k.Signing.Seed()),
		EncryptionKey: hex.EncodeToString(k.Encryption[:])}, "", "  ")
	if err != nil {
		return fmt.Errorf("encode twin key: %w", err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("write twin key: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write twin key: %w", err)
	}
	return nil
}

// ReadKeyFile loads a twin's private keys written by WriteKeyFile.
func ReadKeyFile(path string) (TwinKeys, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return TwinKeys{}, fmt.Errorf("twin key: %w", err)
	}
	return ParseKeyFile(b)
}

// ParseKeyFile decodes the contents of a twin key file.
func ParseKeyFile(b []byte) (TwinKeys, error) {
	var f keyFile
	if err := json.Unmarshal(b, &f); err != nil {
		return TwinKeys{}, fmt.Errorf("twin key: %w", err)
	}
	if f.ID == 0 {
		return TwinKeys{}, fmt.Errorf("twin key: missing twin id")
	}
	seed, err := hex.DecodeString(f.SigningSeed)
	if err != nil || len(seed) != ed25519.SeedSize {
		return TwinKeys{}, fmt.Errorf("twin key %d: signing_seed must be %d hex-encoded bytes", f.ID, ed25519.SeedSize)
	}
	enc, err := hex.DecodeString(f.EncryptionKey)
	if err != nil || len(enc) != KeySize {
		return TwinKeys{}, fmt.Errorf("twin key %d: encryption_key must be %d hex-encoded bytes", f.ID, KeySize)
	}
	var e [KeySize]byte
	copy(e[:], enc)
	return NewTwinKeys(f.ID, ed25519.NewKeyFromSeed(seed), e)
}
