// Package token is the bearer token of the pinning service: a short statement signed by a twin's
// ed25519 key (twin id, audience, issue and expiry time) that any pinning node, and the chain itself,
// checks against the twin's key on the chain. There is no shared secret: whoever holds the token may
// act for that twin towards that audience until it expires.
//
// Wire form: "pt1." followed by the unpadded base64url of
//
//	version(1)=1 | twin id(8) | issued unix s(8) | expires unix s(8) | u16 len | audience | signature(64)
//
// where the signature covers "planetary-token/1" followed by every byte before the signature.
// Integers are big-endian. A token is at most MaxLen bytes.
package token

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Prefix starts every token's text form.
const Prefix = "pt1."

// MaxLen bounds a token's text form, so a header cannot make a decoder allocate much.
const MaxLen = 1024

// MaxAudience bounds the audience's length in bytes.
const MaxAudience = 256

const version = 1

var domain = []byte("planetary-token/1")

// Errors Verify and Parse return; wrap-checked with errors.Is.
var (
	ErrMalformed = errors.New("malformed token")
	ErrSignature = errors.New("token signature does not verify")
	ErrExpired   = errors.New("token expired")
	ErrNotYet    = errors.New("token not valid yet")
	ErrAudience  = errors.New("token for another audience")
)

// Token is a twin's signed statement that its bearer may act for it towards Audience.
type Token struct {
	Twin     uint64
	Audience string
	Issued   time.Time
	Expires  time.Time
	sig      [ed25519.SignatureSize]byte
	signed   []byte // the bytes the signature covers, after the domain
}

func body(twin uint64, aud string, issued, expires time.Time) []byte {
	b := make([]byte, 0, 1+8+8+8+2+len(aud)+ed25519.SignatureSize)
	b = append(b, version)
	b = binary.BigEndian.AppendUint64(b, twin)
	b = binary.BigEndian.AppendUint64(b, uint64(issued.Unix()))
	b = binary.BigEndian.AppendUint64(b, uint64(expires.Unix()))
	b = binary.BigEndian.AppendUint16(b, uint16(len(aud)))
	return append(b, aud...)
}

func signBytes(body []byte) []byte {
	return append(append([]byte{}, domain...), body...)
}

// New signs a token for twin with its key, valid from issued for ttl towards audience.
func New(key ed25519.PrivateKey, twin uint64, audience string, issued time.Time, ttl time.Duration) (string, error) {
	if len(key) != ed25519.PrivateKeySize {
		return "", fmt.Errorf("token: key has %d bytes, want %d", len(key), ed25519.PrivateKeySize)
	}
	if len(audience) == 0 || len(audience) > MaxAudience {
		return "", fmt.Errorf("token: audience must have 1 to %d bytes", MaxAudience)
	}
	if ttl <= 0 {
		return "", fmt.Errorf("token: ttl %s must be positive", ttl)
	}
	b := body(twin, audience, issued, issued.Add(ttl))
	b = append(b, ed25519.Sign(key, signBytes(b))...)
	return Prefix + base64.RawURLEncoding.EncodeToString(b), nil
}

// Parse decodes a token's text form without checking its signature or times.
func Parse(s string) (Token, error) {
	if len(s) > MaxLen {
		return Token{}, fmt.Errorf("%w: %d bytes, at most %d", ErrMalformed, len(s), MaxLen)
	}
	rest, ok := strings.CutPrefix(s, Prefix)
	if !ok {
		return Token{}, fmt.Errorf("%w: does not start with %q", ErrMalformed, Prefix)
	}
	b, err := base64.RawURLEncoding.DecodeString(rest)
	if err != nil {
		return Token{}, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	const fixed = 1 + 8 + 8 + 8 + 2
	if len(b) < fixed+ed25519.SignatureSize {
		return Token{}, fmt.Errorf("%w: %d bytes is too short", ErrMalformed, len(b))
	}
	if b[0] != version {
		return Token{}, fmt.Errorf("%w: version %d, want %d", ErrMalformed, b[0], version)
	}
	n := int(binary.BigEndian.Uint16(b[25:27]))
	if n == 0 || n > MaxAudience || len(b) != fixed+n+ed25519.SignatureSize {
		return Token{}, fmt.Errorf("%w: audience length %d does not match %d bytes", ErrMalformed, n, len(b))
	}
	t := Token{
		Twin:     binary.BigEndian.Uint64(b[1:9]),
		Issued:   time.Unix(int64(binary.BigEndian.Uint64(b[9:17])), 0).UTC(),
		Expires:  time.Unix(int64(binary.BigEndian.Uint64(b[17:25])), 0).UTC(),
		Audience: string(b[fixed : fixed+n]),
		signed:   b[:fixed+n],
	}
	copy(t.sig[:], b[fixed+n:])
	if !t.Expires.After(t.Issued) {
		return Token{}, fmt.Errorf("%w: expires before it is issued", ErrMalformed)
	}
	return t, nil
}

// Verify checks the token's signature against the twin's key, its audience, and that now lies
// between its issue time (with skew allowed before it) and its expiry.
func (t Token) Verify(key ed25519.PublicKey, audience string, now time.Time, skew time.Duration) error {
	if len(key) != ed25519.PublicKeySize || !ed25519.Verify(key, signBytes(t.signed), t.sig[:]) {
		return fmt.Errorf("%w for twin %d", ErrSignature, t.Twin)
	}
	if t.Audience != audience {
		return fmt.Errorf("%w: %q, want %q", ErrAudience, t.Audience, audience)
	}
	if now.Add(skew).Before(t.Issued) {
		return fmt.Errorf("%w: issued %s", ErrNotYet, t.Issued.Format(time.RFC3339))
	}
	if !now.Before(t.Expires) {
		return fmt.Errorf("%w at %s", ErrExpired, t.Expires.Format(time.RFC3339))
	}
	return nil
}
