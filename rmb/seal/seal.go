// Package seal defines the twin-to-twin envelope and seals its body end to end.
//
// Construction (version 1), for a body sent by twin S to twin R:
//
//  1. The sender makes a fresh ephemeral X25519 key pair (e, E): for this one envelope (Seal), or for a
//     short session to R (Sealer: at most 10 s and 1,000 envelopes by default), after which e and the
//     shared secret are erased.
//  2. shared = X25519(e, R.enc), where R.enc is the receiver twin's registered X25519 key;
//     an all-zero (low-order) result is refused.
//  3. key || nonce = HKDF-SHA256(secret = shared, salt = E || R.enc,
//     info = "planetary-rmb-seal-v1" || envelope id), 32 + 24 bytes: unique per envelope even within
//     a session, since ids are random and the receiving PNIC refuses a repeated id.
//  4. body = XChaCha20-Poly1305(key).Seal(nonce, plaintext, header), where header is the canonical
//     encoding of every routing field (id, src, dst, created, expires, kind, command, correlation,
//     schema id and E; see Envelope.AppendHeader), so a flipped bit anywhere fails to open.
//  5. signature = Ed25519(S.sign, "planetary-rmb-sig-v1" || header || body), so the receiving PNIC
//     and twin know which twin sent it without decrypting, and PNICs in the middle cannot alter it.
//
// Forward secrecy: the ephemeral key is erased after its envelope (Seal) or session (Sealer), so
// compromise of the sender's long-term keys reveals nothing sent earlier; compromise of the receiver's X25519 key does reveal bodies sealed
// to it, until that key is rotated on the chain. Replays are refused by the receiving PNIC, which keeps
// every accepted id until its envelope expires and refuses expired envelopes, so the replay window
// always covers the longest TTL. Primitives come from golang.org/x/crypto and the standard library.
package seal

import (
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"

	"golang.org/x/crypto/chacha20poly1305"
	"golang.org/x/crypto/curve25519"
)

// Kind is the role of an envelope in a conversation.
type Kind uint8

// Envelope kinds, equal to schema.Kind values.
const (
	KindMessage Kind = iota
	KindRequest
	KindResponse
	KindAck
	KindError
)

const (
	// IDSize is the length of a message id.
	IDSize = 16
	// KeySize is the length of an X25519 key.
	KeySize = 32
	// MaxCommand is the longest command or topic accepted.
	MaxCommand = 255
	// Overhead is what sealing adds to a body.
	Overhead = chacha20poly1305.Overhead

	sealInfo  = "planetary-rmb-seal-v1"
	headerTag = "planetary-rmb-v1"
	sigTag    = "planetary-rmb-sig-v1"
)

// Errors returned when an envelope cannot be opened or verified.
var (
	ErrBadSignature = errors.New("seal: signature does not verify")
	ErrOpen         = errors.New("seal: body does not open (tampered or not for this key)")
	ErrMalformed    = errors.New("seal: malformed envelope")
)

// ID is a random message id.
type ID [IDSize]byte

// NewID returns a fresh random message id.
func NewID() ID {
	var id ID
	if _, err := io.ReadFull(rand.Reader, id[:]); err != nil {
		panic(fmt.Sprintf("seal: crypto/rand failed: %v", err)) // the system is unusable
	}
	return id
}

// String returns the id in hex.
func (id ID) String() string { return fmt.Sprintf("%x", id[:]) }

// Envelope is one twin-to-twin message: a routing header and a sealed body.
type Envelope struct {
	ID          ID
	Src, Dst    uint64
	Created     int64 // unix nanoseconds
	Expires     int64 // unix nanoseconds
	Kind        Kind
	Command     string
	Correlation []byte // empty, or the id of the request a response answers
	Schema      uint64 // Cap'n Proto type id of the plaintext body
	Ephemeral   [KeySize]byte
	Body        []byte
	Signature   []byte
}

// Expired reports whether the envelope's expiry is at or before now.
func (e *Envelope) Expired(now time.Time) bool { return now.UnixNano() >= e.Expires }

// AppendHeader appends the canonical encoding of the routing header to b.
func (e *Envelope) AppendHeader(b []byte) []byte {
	b = append(b, headerTag...)
	b = append(b, e.ID[:]...)
	b = binary.BigEndian.AppendUint64(b, e.Src)
	b = binary.BigEndian.AppendUint64(b, e.Dst)
	b = binary.BigEndian.AppendUint64(b, uint64(e.Created))
	b = binary.BigEndian.AppendUint64(b, uint64(e.Expires))
	b = append(b, byte(e.Kind))
	b = binary.BigEndian.AppendUint32(b, uint32(len(e.Command)))
	b = append(b, e.Command...)
	b = binary.BigEndian.AppendUint32(b, uint32(len(e.Correlation)))
	b = append(b, e.Correlation...)
	b = binary.BigEndian.AppendUint64(b, e.Schema)
	b = append(b, e.Ephemeral[:]...)
	return b
}

func (e *Envelope) signedMessage() []byte {
	b := make([]byte, 0, len(sigTag)+len(headerTag)+96+len(e.Command)+len(e.Correlation)+len(e.Body))
	b = append(b, sigTag...)
	b = e.AppendHeader(b)
	return append(b, e.Body...)
}

// Verify checks the sending twin's signature over header and body.
func (e *Envelope) Verify(senderSigning ed25519.PublicKey) error {
	if len(senderSigning) != ed25519.PublicKeySize || len(e.Signature) != ed25519.SignatureSize {
		return ErrBadSignature
	}
	if !ed25519.Verify(senderSigning, e.signedMessage(), e.Signature) {
		return ErrBadSignature
	}
	return nil
}

// TwinKeys are a twin's long-term keys: ed25519 for signing and X25519 for receiving sealed bodies.
// Make them with GenerateTwinKeys or NewTwinKeys, which also derive the X25519 public key once.
type TwinKeys struct {
	ID         uint64
	Signing    ed25519.PrivateKey
	Encryption [KeySize]byte // X25519 private key

	encPub    [KeySize]byte
	hasEncPub bool
}

// NewTwinKeys returns the keys of twin id from its private signing and encryption keys.
func NewTwinKeys(id uint64, signing ed25519.PrivateKey, encryption [KeySize]byte) (TwinKeys, error) {
	if len(signing) != ed25519.PrivateKeySize {
		return TwinKeys{}, fmt.Errorf("seal: signing key is %d bytes, want %d", len(signing), ed25519.PrivateKeySize)
	}
	k := TwinKeys{ID: id, Signing: signing, Encryption: encryption}
	p, err := curve25519.X25519(encryption[:], curve25519.Basepoint)
	if err != nil {
		return TwinKeys{}, fmt.Errorf("seal: encryption key: %w", err)
	}
	copy(k.encPub[:], p)
	k.hasEncPub = true
	return k, nil
}

// GenerateTwinKeys returns fresh random keys for twin id.
func GenerateTwinKeys(id uint64) (TwinKeys, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return TwinKeys{}, fmt.Errorf("generate signing key: %w", err)
	}
	var enc [KeySize]byte
	if _, err := io.ReadFull(rand.Reader, enc[:]); err != nil {
		return TwinKeys{}, fmt.Errorf("generate encryption key: %w", err)
	}
	return NewTwinKeys(id, priv, enc)
}

// EncryptionPublic returns the X25519 public key others seal to.
func (k TwinKeys) EncryptionPublic() [KeySize]byte {
	if k.hasEncPub {
		return k.encPub
	}
	var pub [KeySize]byte
	p, err := curve25519.X25519(k.Encryption[:], curve25519.Basepoint)
	if err != nil {
		panic(fmt.Sprintf("seal: X25519 base point multiplication failed: %v", err)) // cannot happen with Basepoint
	}
	copy(pub[:], p)
	return pub
}

// SigningPublic returns the ed25519 public key others verify signatures with.
func (k TwinKeys) SigningPublic() ed25519.PublicKey { return k.Signing.Public().(ed25519.PublicKey) }

func deriveKey(shared, eph, recipient []byte, id ID) (key, nonce []byte, err error) {
	salt := make([]byte, 0, 2*KeySize)
	salt = append(append(salt, eph...), recipient...)
	info := make([]byte, 0, len(sealInfo)+IDSize)
	info = append(append(info, sealInfo...), id[:]...)
	okm, err := hkdf.Key(sha256.New, shared, salt, string(info), chacha20poly1305.KeySize+chacha20poly1305.NonceSizeX)
	if err != nil {
		return nil, nil, fmt.Errorf("seal: hkdf: %w", err)
	}
	return okm[:chacha20poly1305.KeySize], okm[chacha20poly1305.KeySize:], nil
}

// sealWith encrypts and signs e with an established ephemeral shared secret.
func sealWith(sender TwinKeys, shared []byte, ephPub, recipient [KeySize]byte, e *Envelope, plaintext []byte) error {
	if e.Src != sender.ID {
		return fmt.Errorf("seal: envelope source %d is not the sending twin %d", e.Src, sender.ID)
	}
	if len(e.Command) > MaxCommand {
		return fmt.Errorf("seal: command is %d bytes, at most %d", len(e.Command), MaxCommand)
	}
	e.Ephemeral = ephPub
	key, nonce, err := deriveKey(shared, ephPub[:], recipient[:], e.ID)
	if err != nil {
		return err
	}
	aead, err := chacha20poly1305.NewX(key)
	clear(key)
	if err != nil {
		return fmt.Errorf("seal: aead: %w", err)
	}
	hdr := e.AppendHeader(make([]byte, 0, 128+len(e.Command)+len(e.Correlation)))
	e.Body = aead.Seal(e.Body[:0], nonce, plaintext, hdr)
	e.Signature = ed25519.Sign(sender.Signing, e.signedMessage())
	return nil
}

// newEphemeral makes an ephemeral key pair and its shared secret with recipient; the private half is
// erased before returning.
func newEphemeral(recipient [KeySize]byte) (shared []byte, ephPub [KeySize]byte, err error) {
	var eph [KeySize]byte
	if _, err := io.ReadFull(rand.Reader, eph[:]); err != nil {
		return nil, ephPub, fmt.Errorf("seal: ephemeral key: %w", err)
	}
	defer clear(eph[:])
	pub, err := curve25519.X25519(eph[:], curve25519.Basepoint)
	if err != nil {
		return nil, ephPub, fmt.Errorf("seal: ephemeral key: %w", err)
	}
	shared, err = curve25519.X25519(eph[:], recipient[:])
	if err != nil {
		return nil, ephPub, fmt.Errorf("seal: recipient key: %w", err)
	}
	copy(ephPub[:], pub)
	return shared, ephPub, nil
}

// Seal fills e.Ephemeral, e.Body and e.Signature: plaintext sealed for the receiver's X25519 public
// key with a fresh ephemeral key, and the whole envelope signed by the sender. e.Src must be the
// sender's twin id; the other header fields must already be set (use NewID for e.ID).
func Seal(sender TwinKeys, recipient [KeySize]byte, e *Envelope, plaintext []byte) error {
	shared, ephPub, err := newEphemeral(recipient)
	if err != nil {
		return err
	}
	defer clear(shared)
	return sealWith(sender, shared, ephPub, recipient, e, plaintext)
}

// Open verifies the sender's signature and decrypts the body with the receiver's keys. It refuses an
// envelope not addressed to the receiver.
func Open(receiver TwinKeys, senderSigning ed25519.PublicKey, e *Envelope) ([]byte, error) {
	if err := checkOpen(receiver, senderSigning, e); err != nil {
		return nil, err
	}
	shared, err := curve25519.X25519(receiver.Encryption[:], e.Ephemeral[:])
	if err != nil {
		return nil, ErrOpen
	}
	defer clear(shared)
	return openWith(receiver, shared, e)
}

func checkOpen(receiver TwinKeys, senderSigning ed25519.PublicKey, e *Envelope) error {
	if e.Dst != receiver.ID {
		return fmt.Errorf("seal: envelope for twin %d opened by twin %d: %w", e.Dst, receiver.ID, ErrOpen)
	}
	return e.Verify(senderSigning)
}

func openWith(receiver TwinKeys, shared []byte, e *Envelope) ([]byte, error) {
	pub := receiver.EncryptionPublic()
	key, nonce, err := deriveKey(shared, e.Ephemeral[:], pub[:], e.ID)
	if err != nil {
		return nil, err
	}
	aead, err := chacha20poly1305.NewX(key)
	clear(key)
	if err != nil {
		return nil, fmt.Errorf("seal: aead: %w", err)
	}
	hdr := e.AppendHeader(make([]byte, 0, 128+len(e.Command)+len(e.Correlation)))
	pt, err := aead.Open(nil, nonce, e.Body, hdr)
	if err != nil {
		return nil, ErrOpen
	}
	return pt, nil
}
