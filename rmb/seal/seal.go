// Package seal defines the twin-to-twin envelope and seals its body end to end.
//
// Construction (version 2), for bodies sent by twin S to twin R:
//
//  1. Session. The sender makes an ephemeral X25519 key pair (e, E) for a short session to R (Sealer:
//     at most 10 s and 1,000 envelopes by default; Seal: one envelope) and signs it once:
//     signature = Ed25519(S.sign, "planetary-rmb-session-v2" || S id || R id || E). Every envelope of
//     the session carries E and that signature, so each one can be checked on its own, and a
//     verifier that has seen the session checks the rest with a lookup (Verifier, Opener).
//  2. shared = X25519(e, R.enc), where R.enc is the receiver twin's registered X25519 key; an
//     all-zero (low-order) result is refused.
//  3. key = HKDF-SHA256(secret = shared, salt = E || R.enc, info = "planetary-rmb-seal-v2" || S id ||
//     R id), 32 bytes, once per session.
//  4. body = XChaCha20-Poly1305(key).Seal(nonce = envelope id || 8 zero bytes, plaintext, header),
//     where header is the canonical encoding of every routing field (id, src, dst, created, expires,
//     kind, command, correlation, schema id and E; see Envelope.AppendHeader), so a flipped bit
//     anywhere fails to open. Ids are 128 random bits and the receiving PNIC refuses a repeated id,
//     so no nonce repeats under a session key.
//
// Who checks what: a PNIC checks the session signature (the envelope claims a source, destination and
// ephemeral key that the source twin signed); the receiving twin opens the body, which proves the
// whole envelope came unaltered from the holder of e, that is from S, since only S knows e and S
// signed E. A PNIC in the middle sees only the routing header and cannot alter an envelope without
// the receiving twin noticing; the twin reports such envelopes back to its PNIC, which counts them.
//
// Forward secrecy: the sender erases e and the session key when the session ends, so compromise of
// the sender's long-term keys reveals nothing sent earlier; compromise of the receiver's X25519 key
// does reveal bodies sealed to it, until that key is rotated on the chain. Replays are refused by the
// receiving PNIC, which keeps every accepted id until its envelope expires and refuses expired
// envelopes, so the replay window always covers the longest TTL. Primitives come from
// golang.org/x/crypto and the standard library.
package seal

import (
	"crypto/cipher"
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

	sealInfo   = "planetary-rmb-seal-v2"
	headerTag  = "planetary-rmb-v2"
	sessionTag = "planetary-rmb-session-v2"
)

// Errors returned when an envelope cannot be opened or verified.
var (
	ErrBadSignature = errors.New("seal: session signature does not verify")
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

func (e *Envelope) header() []byte {
	return e.AppendHeader(make([]byte, 0, len(headerTag)+IDSize+45+len(e.Command)+len(e.Correlation)+8+KeySize))
}

// sessionMessage is what the sending twin signs once per session.
func sessionMessage(src, dst uint64, eph *[KeySize]byte) []byte {
	b := make([]byte, 0, len(sessionTag)+16+KeySize)
	b = append(b, sessionTag...)
	b = binary.BigEndian.AppendUint64(b, src)
	b = binary.BigEndian.AppendUint64(b, dst)
	return append(b, eph[:]...)
}

// VerifySession checks the sending twin's signature over the envelope's session: its source,
// destination and ephemeral key. It says nothing of the body, which only the receiving twin can check.
func (e *Envelope) VerifySession(senderSigning ed25519.PublicKey) error {
	if len(senderSigning) != ed25519.PublicKeySize || len(e.Signature) != ed25519.SignatureSize {
		return ErrBadSignature
	}
	if !ed25519.Verify(senderSigning, sessionMessage(e.Src, e.Dst, &e.Ephemeral), e.Signature) {
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

// session is the sealing state both ends derive from one ephemeral key.
type session struct {
	src, dst uint64
	eph      [KeySize]byte
	sig      []byte
	aead     cipher.AEAD
}

// newSession derives the session key from the shared secret; shared is not kept.
func newSession(src, dst uint64, shared []byte, eph, recipient *[KeySize]byte, sig []byte) (*session, error) {
	salt := make([]byte, 0, 2*KeySize)
	salt = append(append(salt, eph[:]...), recipient[:]...)
	info := make([]byte, 0, len(sealInfo)+16)
	info = append(info, sealInfo...)
	info = binary.BigEndian.AppendUint64(info, src)
	info = binary.BigEndian.AppendUint64(info, dst)
	key, err := hkdf.Key(sha256.New, shared, salt, string(info), chacha20poly1305.KeySize)
	if err != nil {
		return nil, fmt.Errorf("seal: hkdf: %w", err)
	}
	aead, err := chacha20poly1305.NewX(key)
	clear(key)
	if err != nil {
		return nil, fmt.Errorf("seal: aead: %w", err)
	}
	return &session{src: src, dst: dst, eph: *eph, sig: sig, aead: aead}, nil
}

func nonceFor(id ID) [chacha20poly1305.NonceSizeX]byte {
	var n [chacha20poly1305.NonceSizeX]byte
	copy(n[:], id[:])
	return n
}

// seal encrypts plaintext into e.Body under the session and stamps the session's key and signature.
func (s *session) seal(e *Envelope, plaintext []byte) error {
	if e.Src != s.src || e.Dst != s.dst {
		return fmt.Errorf("seal: envelope %d→%d sealed in session %d→%d", e.Src, e.Dst, s.src, s.dst)
	}
	if len(e.Command) > MaxCommand {
		return fmt.Errorf("seal: command is %d bytes, at most %d", len(e.Command), MaxCommand)
	}
	e.Ephemeral = s.eph
	e.Signature = s.sig
	nonce := nonceFor(e.ID)
	e.Body = s.aead.Seal(e.Body[:0], nonce[:], plaintext, e.header())
	return nil
}

// open decrypts e.Body under the session.
func (s *session) open(e *Envelope) ([]byte, error) {
	nonce := nonceFor(e.ID)
	pt, err := s.aead.Open(nil, nonce[:], e.Body, e.header())
	if err != nil {
		return nil, ErrOpen
	}
	return pt, nil
}

// newSendSession makes a fresh ephemeral key for a session from sender to twin dst at recipient's
// X25519 key, signs it, and derives its key; the ephemeral private key is erased before returning.
func newSendSession(sender TwinKeys, dst uint64, recipient *[KeySize]byte) (*session, error) {
	var priv [KeySize]byte
	if _, err := io.ReadFull(rand.Reader, priv[:]); err != nil {
		return nil, fmt.Errorf("seal: ephemeral key: %w", err)
	}
	defer clear(priv[:])
	pub, err := curve25519.X25519(priv[:], curve25519.Basepoint)
	if err != nil {
		return nil, fmt.Errorf("seal: ephemeral key: %w", err)
	}
	shared, err := curve25519.X25519(priv[:], recipient[:])
	if err != nil {
		return nil, fmt.Errorf("seal: recipient key: %w", err)
	}
	defer clear(shared)
	var eph [KeySize]byte
	copy(eph[:], pub)
	sig := ed25519.Sign(sender.Signing, sessionMessage(sender.ID, dst, &eph))
	return newSession(sender.ID, dst, shared, &eph, recipient, sig)
}

// Seal fills e.Ephemeral, e.Body and e.Signature: plaintext sealed for the receiver's X25519 public
// key in a session of its own (a fresh ephemeral key, signed by the sender). e.Src must be the
// sender's twin id; the other header fields must already be set (use NewID for e.ID).
func Seal(sender TwinKeys, recipient [KeySize]byte, e *Envelope, plaintext []byte) error {
	if e.Src != sender.ID {
		return fmt.Errorf("seal: envelope source %d is not the sending twin %d", e.Src, sender.ID)
	}
	s, err := newSendSession(sender, e.Dst, &recipient)
	if err != nil {
		return err
	}
	return s.seal(e, plaintext)
}

// openSession checks the session of e (addressed to receiver, signed by senderSigning) and derives
// its key.
func openSession(receiver TwinKeys, senderSigning ed25519.PublicKey, e *Envelope) (*session, error) {
	if e.Dst != receiver.ID {
		return nil, fmt.Errorf("seal: envelope for twin %d opened by twin %d: %w", e.Dst, receiver.ID, ErrOpen)
	}
	if err := e.VerifySession(senderSigning); err != nil {
		return nil, err
	}
	shared, err := curve25519.X25519(receiver.Encryption[:], e.Ephemeral[:])
	if err != nil {
		return nil, ErrOpen
	}
	defer clear(shared)
	pub := receiver.EncryptionPublic()
	return newSession(e.Src, e.Dst, shared, &e.Ephemeral, &pub, e.Signature)
}

// Open verifies the sender's session signature and decrypts the body with the receiver's keys. It
// refuses an envelope not addressed to the receiver.
func Open(receiver TwinKeys, senderSigning ed25519.PublicKey, e *Envelope) ([]byte, error) {
	s, err := openSession(receiver, senderSigning, e)
	if err != nil {
		return nil, err
	}
	return s.open(e)
}
