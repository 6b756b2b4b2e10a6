package seal

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func testPair(t testing.TB) (TwinKeys, TwinKeys) {
	t.Helper()
	a, err := GenerateTwinKeys(1)
	if err != nil {
		t.Fatal(err)
	}
	b, err := GenerateTwinKeys(2)
	if err != nil {
		t.Fatal(err)
	}
	return a, b
}

func sealed(t testing.TB, a, b TwinKeys, body []byte) *Envelope {
	t.Helper()
	now := time.Now()
	e := &Envelope{ID: NewID(), Src: a.ID, Dst: b.ID, Created: now.UnixNano(), Expires: now.Add(time.Minute).UnixNano(),
		Kind: KindRequest, Command: "test.echo", Correlation: bytes.Repeat([]byte{7}, IDSize), Schema: 42}
	if err := Seal(a, b.EncryptionPublic(), e, body); err != nil {
		t.Fatal(err)
	}
	return e
}

func TestSealOpenRoundTrip(t *testing.T) {
	a, b := testPair(t)
	e := sealed(t, a, b, []byte("hello twin"))
	raw, err := e.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	got, err := Unmarshal(raw)
	if err != nil {
		t.Fatal(err)
	}
	pt, err := Open(b, a.SigningPublic(), got)
	if err != nil {
		t.Fatal(err)
	}
	if string(pt) != "hello twin" {
		t.Fatalf("opened %q", pt)
	}
	if got.Command != e.Command || got.Schema != 42 || got.Kind != KindRequest || !bytes.Equal(got.Correlation, e.Correlation) {
		t.Fatalf("header changed in transit: %+v", got)
	}
}

// TestTamperingDetected flips each header field, the body and the session fields: opening (what the
// receiving twin does) refuses every one, and the session check (what a PNIC does) refuses those that
// touch the session: source, destination, ephemeral key and signature.
func TestTamperingDetected(t *testing.T) {
	a, b := testPair(t)
	mutations := map[string]struct {
		mutate  func(e *Envelope)
		session bool
	}{
		"id":          {func(e *Envelope) { e.ID[0] ^= 1 }, false},
		"src":         {func(e *Envelope) { e.Src ^= 1 << 40 }, true},
		"created":     {func(e *Envelope) { e.Created++ }, false},
		"expires":     {func(e *Envelope) { e.Expires += int64(time.Hour) }, false},
		"kind":        {func(e *Envelope) { e.Kind = KindMessage }, false},
		"command":     {func(e *Envelope) { e.Command = "test.other" }, false},
		"correlation": {func(e *Envelope) { e.Correlation[3] ^= 1 }, false},
		"schema":      {func(e *Envelope) { e.Schema++ }, false},
		"ephemeral":   {func(e *Envelope) { e.Ephemeral[5] ^= 1 }, true},
		"body":        {func(e *Envelope) { e.Body[len(e.Body)/2] ^= 0x80 }, false},
		"signature":   {func(e *Envelope) { e.Signature[0] ^= 1 }, true},
	}
	for name, m := range mutations {
		t.Run(name, func(t *testing.T) {
			e := sealed(t, a, b, []byte("payload"))
			if err := e.VerifySession(a.SigningPublic()); err != nil {
				t.Fatalf("genuine session: %v", err)
			}
			m.mutate(e)
			err := e.VerifySession(a.SigningPublic())
			if m.session && !errors.Is(err, ErrBadSignature) {
				t.Fatalf("verify session: %v, want ErrBadSignature", err)
			}
			if !m.session && err != nil {
				t.Fatalf("verify session of an envelope with a changed %s: %v (the session is intact)", name, err)
			}
			if _, err := Open(b, a.SigningPublic(), e); err == nil {
				t.Fatal("tampered envelope opened")
			}
		})
	}
	t.Run("dst", func(t *testing.T) {
		e := sealed(t, a, b, []byte("payload"))
		e.Dst = 3
		if err := e.VerifySession(a.SigningPublic()); !errors.Is(err, ErrBadSignature) {
			t.Fatalf("verify session: %v, want ErrBadSignature", err)
		}
	})
}

// TestVerifierRemembersSessions: a verified session answers from memory for the same source,
// destination and key, and anything else is checked again.
func TestVerifierRemembersSessions(t *testing.T) {
	a, b := testPair(t)
	s := NewSealer(a, time.Minute, 100)
	v := NewVerifier(2)
	var envs []*Envelope
	for range 3 {
		now := time.Now()
		e := &Envelope{ID: NewID(), Src: 1, Dst: 2, Created: now.UnixNano(), Expires: now.Add(time.Minute).UnixNano()}
		if err := s.Seal(b.EncryptionPublic(), e, []byte("x")); err != nil {
			t.Fatal(err)
		}
		envs = append(envs, e)
	}
	for i, e := range envs {
		if err := v.Verify(a.SigningPublic(), e); err != nil {
			t.Fatalf("envelope %d: %v", i, err)
		}
	}
	if len(v.sessions) != 1 {
		t.Fatalf("verifier holds %d sessions for one", len(v.sessions))
	}
	// The same session claimed for another sender key, or another destination, is checked again.
	if err := v.Verify(b.SigningPublic(), envs[0]); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("other sender key: %v", err)
	}
	moved := *envs[1]
	moved.Dst = 9
	if err := v.Verify(a.SigningPublic(), &moved); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("other destination: %v", err)
	}
	// Bounded: more sessions than it holds evict older ones and are still verified.
	for range 5 {
		e := sealed(t, a, b, []byte("y"))
		if err := v.Verify(a.SigningPublic(), e); err != nil {
			t.Fatal(err)
		}
	}
	if len(v.sessions) > 2 {
		t.Fatalf("verifier holds %d sessions, bound 2", len(v.sessions))
	}
}

func TestWrongRecipientRefused(t *testing.T) {
	a, b := testPair(t)
	c, err := GenerateTwinKeys(2) // same id, different keys
	if err != nil {
		t.Fatal(err)
	}
	e := sealed(t, a, b, []byte("for b"))
	if _, err := Open(c, a.SigningPublic(), e); !errors.Is(err, ErrOpen) {
		t.Fatalf("open with other key: %v", err)
	}
	d, _ := GenerateTwinKeys(3)
	if _, err := Open(d, a.SigningPublic(), e); !errors.Is(err, ErrOpen) {
		t.Fatalf("open by other twin: %v", err)
	}
	if err := e.VerifySession(b.SigningPublic()); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("verify with wrong sender key: %v", err)
	}
}

func TestSealRefusesForeignSource(t *testing.T) {
	a, b := testPair(t)
	e := &Envelope{ID: NewID(), Src: 99, Dst: b.ID}
	if err := Seal(a, b.EncryptionPublic(), e, nil); err == nil {
		t.Fatal("sealed an envelope claiming another source")
	}
}

func TestEphemeralKeysDiffer(t *testing.T) {
	a, b := testPair(t)
	e1 := sealed(t, a, b, []byte("x"))
	e2 := sealed(t, a, b, []byte("x"))
	if e1.Ephemeral == e2.Ephemeral || bytes.Equal(e1.Body, e2.Body) {
		t.Fatal("two seals of the same body share an ephemeral key or ciphertext")
	}
}

func FuzzEnvelope(f *testing.F) {
	a, b := testPair(f)
	for _, body := range [][]byte{nil, []byte("x"), bytes.Repeat([]byte("y"), 300)} {
		raw, err := sealed(f, a, b, body).Marshal()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	f.Add([]byte{})
	f.Add([]byte{0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, raw []byte) {
		e, err := Unmarshal(raw)
		if err != nil {
			return
		}
		if _, err := Open(b, a.SigningPublic(), e); err == nil {
			// Only a genuine seal may open; re-encoding must be stable.
			again, err := e.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			e2, err := Unmarshal(again)
			if err != nil || e2.ID != e.ID || !bytes.Equal(e2.Body, e.Body) {
				t.Fatalf("re-encoding changed the envelope: %v", err)
			}
		}
	})
}

func TestSealerSessionsOpenAndRotate(t *testing.T) {
	a, b := testPair(t)
	s := NewSealer(a, time.Minute, 3)
	o := NewOpener(b, 0)
	var ephs []([KeySize]byte)
	for i := range 5 {
		now := time.Now()
		e := &Envelope{ID: NewID(), Src: 1, Dst: 2, Created: now.UnixNano(), Expires: now.Add(time.Minute).UnixNano()}
		body := []byte{byte(i)}
		if err := s.Seal(b.EncryptionPublic(), e, body); err != nil {
			t.Fatal(err)
		}
		ephs = append(ephs, e.Ephemeral)
		for name, open := range map[string]func() ([]byte, error){
			"opener": func() ([]byte, error) { return o.Open(a.SigningPublic(), e) },
			"open":   func() ([]byte, error) { return Open(b, a.SigningPublic(), e) },
		} {
			pt, err := open()
			if err != nil || !bytes.Equal(pt, body) {
				t.Fatalf("%s: envelope %d: %q %v", name, i, pt, err)
			}
		}
		// A tampered envelope of a known session is still refused through the cached secret.
		e.Body[0] ^= 1
		if _, err := o.Open(a.SigningPublic(), e); err == nil {
			t.Fatal("tampered envelope opened through the session cache")
		}
	}
	if ephs[0] != ephs[2] || ephs[2] == ephs[3] {
		t.Fatal("ephemeral key not shared within a session of 3 or not rotated after it")
	}
}

func TestKeyFileRoundTrip(t *testing.T) {
	k, err := GenerateTwinKeys(42)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "twin.key")
	if err := WriteKeyFile(path, k); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode: %v %v", fi.Mode(), err)
	}
	got, err := ReadKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != 42 || !got.Signing.Equal(k.Signing) || got.EncryptionPublic() != k.EncryptionPublic() {
		t.Fatal("keys changed on the way through the file")
	}
	for _, bad := range []string{``, `{}`, `{"id":1}`, `{"id":1,"signing_seed":"00","encryption_key":""}`, `[1]`} {
		if _, err := ParseKeyFile([]byte(bad)); err == nil {
			t.Errorf("ParseKeyFile(%q) accepted", bad)
		}
	}
}

// FuzzKeyFile: any bytes in a twin key file give keys or an error, never a panic, and keys that
// parse write back to the same keys.
func FuzzKeyFile(f *testing.F) {
	k, _ := GenerateTwinKeys(7)
	path := filepath.Join(f.TempDir(), "k")
	if err := WriteKeyFile(path, k); err != nil {
		f.Fatal(err)
	}
	good, _ := os.ReadFile(path)
	f.Add(good)
	f.Add([]byte(`{"id":1,"signing_seed":"00","encryption_key":"00"}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, b []byte) {
		k, err := ParseKeyFile(b)
		if err != nil {
			return
		}
		if k.ID == 0 || len(k.Signing) != 64 {
			t.Fatalf("accepted keys %d/%d", k.ID, len(k.Signing))
		}
	})
}
