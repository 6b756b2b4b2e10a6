package token

import (
	"crypto/ed25519"
	"errors"
	"strings"
	"testing"
	"time"
)

func key(t testing.TB, seed byte) ed25519.PrivateKey {
	t.Helper()
	s := make([]byte, ed25519.SeedSize)
	s[0] = seed
	return ed25519.NewKeyFromSeed(s)
}

func TestRoundTrip(t *testing.T) {
	k := key(t, 1)
	now := time.Unix(1_800_000_000, 0)
	s, err := New(k, 42, "pin:dev", now, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	if tok.Twin != 42 || tok.Audience != "pin:dev" || !tok.Expires.Equal(now.Add(time.Hour)) {
		t.Fatalf("parsed %+v", tok)
	}
	pub := k.Public().(ed25519.PublicKey)
	if err := tok.Verify(pub, "pin:dev", now.Add(time.Minute), 0); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		key  ed25519.PublicKey
		aud  string
		at   time.Time
		want error
	}{
		{"other key", key(t, 2).Public().(ed25519.PublicKey), "pin:dev", now, ErrSignature},
		{"other audience", pub, "pin:prod", now, ErrAudience},
		{"expired", pub, "pin:dev", now.Add(time.Hour), ErrExpired},
		{"not yet", pub, "pin:dev", now.Add(-time.Hour), ErrNotYet},
	}
	for _, c := range cases {
		if err := tok.Verify(c.key, c.aud, c.at, time.Minute); !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, err, c.want)
		}
	}
}

func TestTamperedRefused(t *testing.T) {
	k := key(t, 1)
	now := time.Unix(1_800_000_000, 0)
	s, _ := New(k, 42, "pin:dev", now, time.Hour)
	other, _ := New(k, 43, "pin:dev", now, time.Hour)
	// Graft the other token's body onto this signature: the twin id changes, the signature must fail.
	forged := other[:len(Prefix)+20] + s[len(Prefix)+20:]
	tok, err := Parse(forged)
	if err != nil {
		t.Fatalf("forged token should parse, then fail to verify: %v", err)
	}
	if err := tok.Verify(k.Public().(ed25519.PublicKey), "pin:dev", now, 0); !errors.Is(err, ErrSignature) {
		t.Fatalf("forged token verified: %v", err)
	}
	for _, bad := range []string{"", "pt1.", "pt2.AAAA", "pt1.!!!", Prefix + strings.Repeat("A", MaxLen)} {
		if _, err := Parse(bad); !errors.Is(err, ErrMalformed) {
			t.Errorf("Parse(%.20q) = %v, want ErrMalformed", bad, err)
		}
	}
}

func FuzzParse(f *testing.F) {
	k := key(f, 1)
	s, _ := New(k, 7, "pin:dev", time.Unix(1_800_000_000, 0), time.Hour)
	f.Add(s)
	f.Add("pt1.")
	f.Add("pt1.AQ")
	f.Add("Bearer " + s)
	f.Fuzz(func(t *testing.T, s string) {
		tok, err := Parse(s)
		if err != nil {
			return
		}
		_ = tok.Verify(k.Public().(ed25519.PublicKey), tok.Audience, tok.Issued, 0)
		if len(tok.Audience) == 0 || len(tok.Audience) > MaxAudience {
			t.Fatalf("parsed audience of %d bytes", len(tok.Audience))
		}
	})
}
