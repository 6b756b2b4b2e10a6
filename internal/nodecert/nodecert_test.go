package nodecert

import (
	"crypto/ed25519"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	pub, key, _ := ed25519.GenerateKey(nil)
	c, err := Certificate(key)
	if err != nil {
		t.Fatal(err)
	}
	got, err := PeerKey(c.Certificate)
	if err != nil || !got.Equal(pub) {
		t.Fatalf("PeerKey = %x, %v; want %x", got, err, pub)
	}
	for _, bad := range [][][]byte{nil, {[]byte("junk")}, {c.Certificate[0], c.Certificate[0]}} {
		if _, err := PeerKey(bad); err == nil {
			t.Errorf("PeerKey(%d certs) accepted", len(bad))
		}
	}
	forged := append([]byte(nil), c.Certificate[0]...)
	forged[len(forged)-1] ^= 1 // the signature
	if _, err := PeerKey([][]byte{forged}); err == nil {
		t.Error("a certificate with a broken self-signature was accepted")
	}
}
