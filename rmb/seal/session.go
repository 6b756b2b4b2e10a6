package seal

import (
	"crypto/ed25519"
	"sync"
	"time"
)

// Sealer seals a twin's outgoing envelopes in sessions: one ephemeral key, signed once, per receiving
// twin for a bounded time and number of envelopes, after which the key and the session secret are
// dropped. Each envelope is then one AEAD operation. Safe for concurrent use.
type Sealer struct {
	keys    TwinKeys
	maxAge  time.Duration
	maxUses int

	mu       sync.Mutex
	sessions map[sealerKey]*sendSession
}

type sealerKey struct {
	dst       uint64
	recipient [KeySize]byte
}

type sendSession struct {
	s       *session
	created time.Time
	uses    int
}

// NewSealer returns a Sealer for keys that starts a new session with a receiver after maxAge or
// maxUses envelopes, whichever comes first; zero values choose 10 s and 1,000.
func NewSealer(keys TwinKeys, maxAge time.Duration, maxUses int) *Sealer {
	if maxAge <= 0 {
		maxAge = 10 * time.Second
	}
	if maxUses <= 0 {
		maxUses = 1000
	}
	return &Sealer{keys: keys, maxAge: maxAge, maxUses: maxUses, sessions: make(map[sealerKey]*sendSession)}
}

// Seal is like the package's Seal, in the current session with the receiving twin e.Dst at recipient.
func (s *Sealer) Seal(recipient [KeySize]byte, e *Envelope, plaintext []byte) error {
	if e.Src != s.keys.ID {
		return Seal(s.keys, recipient, e, plaintext) // refused there, with the reason
	}
	now := time.Now()
	k := sealerKey{e.Dst, recipient}
	s.mu.Lock()
	ss := s.sessions[k]
	if ss == nil || ss.uses >= s.maxUses || now.Sub(ss.created) >= s.maxAge {
		s.mu.Unlock()
		sess, err := newSendSession(s.keys, e.Dst, &recipient) // outside the lock: a signature
		if err != nil {
			return err
		}
		s.mu.Lock()
		ss = &sendSession{s: sess, created: now}
		s.sessions[k] = ss
		s.expireLocked(now)
	}
	ss.uses++
	sess := ss.s
	s.mu.Unlock()
	return sess.seal(e, plaintext)
}

func (s *Sealer) expireLocked(now time.Time) {
	for k, ss := range s.sessions {
		if now.Sub(ss.created) >= s.maxAge {
			delete(s.sessions, k)
		}
	}
}

// Opener opens envelopes for one twin, remembering the sessions it has checked so that the rest of a
// session costs one AEAD operation per envelope. Safe for concurrent use.
type Opener struct {
	keys TwinKeys
	max  int

	mu       sync.Mutex
	sessions map[[KeySize]byte]*session
}

// NewOpener returns an Opener for keys remembering up to max sessions (zero chooses 4,096).
func NewOpener(keys TwinKeys, max int) *Opener {
	if max <= 0 {
		max = 4096
	}
	return &Opener{keys: keys, max: max, sessions: make(map[[KeySize]byte]*session)}
}

// Open is like the package's Open.
func (o *Opener) Open(senderSigning ed25519.PublicKey, e *Envelope) ([]byte, error) {
	o.mu.Lock()
	s := o.sessions[e.Ephemeral]
	o.mu.Unlock()
	if s != nil && s.src == e.Src && s.dst == e.Dst && e.Dst == o.keys.ID {
		return s.open(e)
	}
	s, err := openSession(o.keys, senderSigning, e)
	if err != nil {
		return nil, err
	}
	pt, err := s.open(e)
	if err != nil {
		return nil, err
	}
	// Only remember sessions that opened a genuine envelope.
	o.mu.Lock()
	makeRoom(o.sessions, o.max)
	o.sessions[e.Ephemeral] = s
	o.mu.Unlock()
	return pt, nil
}

// Verifier checks session signatures for a PNIC, remembering the sessions it has verified so that
// the rest of a session costs a lookup. Safe for concurrent use.
type Verifier struct {
	max int

	mu       sync.Mutex
	sessions map[[KeySize]byte]verified
}

type verified struct {
	src, dst uint64
	signing  [ed25519.PublicKeySize]byte
}

// NewVerifier returns a Verifier remembering up to max sessions (zero chooses 65,536).
func NewVerifier(max int) *Verifier {
	if max <= 0 {
		max = 1 << 16
	}
	return &Verifier{max: max, sessions: make(map[[KeySize]byte]verified)}
}

// Verify is e.VerifySession(senderSigning), answered from memory for a session already verified
// with the same source, destination and sender key.
func (v *Verifier) Verify(senderSigning ed25519.PublicKey, e *Envelope) error {
	if len(senderSigning) != ed25519.PublicKeySize {
		return ErrBadSignature
	}
	want := verified{src: e.Src, dst: e.Dst}
	copy(want.signing[:], senderSigning)
	v.mu.Lock()
	got, ok := v.sessions[e.Ephemeral]
	v.mu.Unlock()
	if ok && got == want {
		return nil
	}
	if err := e.VerifySession(senderSigning); err != nil {
		return err
	}
	v.mu.Lock()
	makeRoom(v.sessions, v.max)
	v.sessions[e.Ephemeral] = want
	v.mu.Unlock()
	return nil
}

// makeRoom removes an arbitrary entry from m when it holds max, so one more fits.
func makeRoom[K comparable, V any](m map[K]V, max int) {
	if len(m) < max {
		return
	}
	for k := range m {
		delete(m, k)
		return
	}
}
