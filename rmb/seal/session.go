package seal

import (
	"crypto/ed25519"
	"sync"
	"time"

	"golang.org/x/crypto/curve25519"
)

// Sealer seals a twin's outgoing envelopes, reusing an ephemeral key per recipient for a bounded time
// and number of envelopes; each envelope still gets its own key and nonce (HKDF over the shared secret
// and the envelope id). Reuse trades forward-secrecy granularity (one session instead of one envelope)
// for two X25519 operations per session instead of per envelope. Safe for concurrent use.
type Sealer struct {
	keys    TwinKeys
	maxAge  time.Duration
	maxUses int

	mu       sync.Mutex
	sessions map[[KeySize]byte]*sendSession
}

type sendSession struct {
	shared  []byte
	ephPub  [KeySize]byte
	created time.Time
	uses    int
}

// NewSealer returns a Sealer for keys that rotates each recipient's ephemeral key after maxAge or
// maxUses envelopes, whichever comes first; zero values choose 10 s and 1,000.
func NewSealer(keys TwinKeys, maxAge time.Duration, maxUses int) *Sealer {
	if maxAge <= 0 {
		maxAge = 10 * time.Second
	}
	if maxUses <= 0 {
		maxUses = 1000
	}
	return &Sealer{keys: keys, maxAge: maxAge, maxUses: maxUses, sessions: make(map[[KeySize]byte]*sendSession)}
}

// Seal is like the package's Seal, with the ephemeral key of the recipient's current session.
func (s *Sealer) Seal(recipient [KeySize]byte, e *Envelope, plaintext []byte) error {
	now := time.Now()
	s.mu.Lock()
	ss := s.sessions[recipient]
	if ss == nil || ss.uses >= s.maxUses || now.Sub(ss.created) >= s.maxAge {
		if ss != nil {
			clear(ss.shared) // envelopes of the ended session can no longer be opened from this memory
		}
		shared, ephPub, err := newEphemeral(recipient)
		if err != nil {
			s.mu.Unlock()
			return err
		}
		ss = &sendSession{shared: shared, ephPub: ephPub, created: now}
		s.sessions[recipient] = ss
		s.expireLocked(now)
	}
	ss.uses++
	shared := append([]byte(nil), ss.shared...)
	ephPub := ss.ephPub
	s.mu.Unlock()
	defer clear(shared)
	return sealWith(s.keys, shared, ephPub, recipient, e, plaintext)
}

func (s *Sealer) expireLocked(now time.Time) {
	for k, ss := range s.sessions {
		if now.Sub(ss.created) >= s.maxAge {
			clear(ss.shared)
			delete(s.sessions, k)
		}
	}
}

// Opener opens envelopes for one twin, remembering the shared secret of recent ephemeral keys so a
// sender's session costs one X25519 operation. Safe for concurrent use.
type Opener struct {
	keys TwinKeys
	max  int

	mu     sync.Mutex
	shared map[[KeySize]byte][]byte
}

// NewOpener returns an Opener for keys remembering up to max ephemeral keys (zero chooses 4,096).
func NewOpener(keys TwinKeys, max int) *Opener {
	if max <= 0 {
		max = 4096
	}
	return &Opener{keys: keys, max: max, shared: make(map[[KeySize]byte][]byte)}
}

// Open is like the package's Open.
func (o *Opener) Open(senderSigning ed25519.PublicKey, e *Envelope) ([]byte, error) {
	if err := checkOpen(o.keys, senderSigning, e); err != nil {
		return nil, err
	}
	o.mu.Lock()
	shared, ok := o.shared[e.Ephemeral]
	shared = append([]byte(nil), shared...) // eviction must not change it under us
	o.mu.Unlock()
	if !ok {
		var err error
		shared, err = curve25519.X25519(o.keys.Encryption[:], e.Ephemeral[:])
		if err != nil {
			return nil, ErrOpen
		}
	}
	pt, err := openWith(o.keys, shared, e)
	if err == nil && !ok {
		// Only remember secrets that opened a genuine, signed envelope.
		o.mu.Lock()
		if len(o.shared) >= o.max {
			for k := range o.shared {
				delete(o.shared, k)
				break
			}
		}
		o.shared[e.Ephemeral] = shared
		o.mu.Unlock()
	} else {
		clear(shared)
	}
	return pt, err
}
