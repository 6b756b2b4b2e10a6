package seal

import (
	"crypto/ed25519"
	"fmt"

	"capnproto.org/go/capnp/v3"

	"github.com/freeflowuniverse/planetary/internal/capnpmsg"
	"github.com/freeflowuniverse/planetary/rmb/schema"
)

// Marshal encodes the envelope as a Cap'n Proto message.
func (e *Envelope) Marshal() ([]byte, error) {
	msg, seg := capnp.NewSingleSegmentMessage(make([]byte, 0, 256+len(e.Body)+len(e.Command)))
	s, err := schema.NewRootEnvelope(seg)
	if err != nil {
		return nil, fmt.Errorf("marshal envelope: %w", err)
	}
	if err := s.SetId(e.ID[:]); err != nil {
		return nil, fmt.Errorf("marshal envelope: %w", err)
	}
	s.SetSrc(e.Src)
	s.SetDst(e.Dst)
	s.SetCreated(e.Created)
	s.SetExpires(e.Expires)
	s.SetKind(schema.Kind(e.Kind))
	if err := s.SetCommand(e.Command); err != nil {
		return nil, fmt.Errorf("marshal envelope: %w", err)
	}
	if len(e.Correlation) > 0 {
		if err := s.SetCorrelation(e.Correlation); err != nil {
			return nil, fmt.Errorf("marshal envelope: %w", err)
		}
	}
	s.SetSchema(e.Schema)
	if err := s.SetEphemeral(e.Ephemeral[:]); err != nil {
		return nil, fmt.Errorf("marshal envelope: %w", err)
	}
	if err := s.SetBody(e.Body); err != nil {
		return nil, fmt.Errorf("marshal envelope: %w", err)
	}
	if err := s.SetSignature(e.Signature); err != nil {
		return nil, fmt.Errorf("marshal envelope: %w", err)
	}
	b, err := msg.Marshal()
	if err != nil {
		return nil, fmt.Errorf("marshal envelope: %w", err)
	}
	return b, nil
}

// Unmarshal decodes and checks the shape of an envelope; it never panics on bad input. The returned
// envelope's byte slices are copies, independent of b.
func Unmarshal(b []byte) (*Envelope, error) { return decode(b, true) }

// Decode is Unmarshal without the copies: the envelope's Body, Signature and Correlation share b's
// memory, so b must not change while the envelope is in use.
func Decode(b []byte) (*Envelope, error) { return decode(b, false) }

func decode(b []byte, copies bool) (e *Envelope, err error) {
	own := func(p []byte) []byte {
		if copies {
			return append([]byte(nil), p...)
		}
		return p
	}
	defer func() {
		if r := recover(); r != nil {
			e, err = nil, fmt.Errorf("%w: decoder panic: %v", ErrMalformed, r)
		}
	}()
	msg, err := capnpmsg.Read(b)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	msg.ResetReadLimit(uint64(len(b)) * 2)
	s, err := schema.ReadRootEnvelope(msg)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	e = &Envelope{Src: s.Src(), Dst: s.Dst(), Created: s.Created(), Expires: s.Expires(), Kind: Kind(s.Kind()), Schema: s.Schema()}
	if e.Kind > KindError {
		return nil, fmt.Errorf("%w: unknown kind %d", ErrMalformed, e.Kind)
	}
	id, err := s.Id()
	if err != nil || len(id) != IDSize {
		return nil, fmt.Errorf("%w: id must be %d bytes", ErrMalformed, IDSize)
	}
	copy(e.ID[:], id)
	if e.Command, err = s.Command(); err != nil || len(e.Command) > MaxCommand {
		return nil, fmt.Errorf("%w: bad command", ErrMalformed)
	}
	corr, err := s.Correlation()
	if err != nil || (len(corr) != 0 && len(corr) != IDSize) {
		return nil, fmt.Errorf("%w: correlation must be empty or %d bytes", ErrMalformed, IDSize)
	}
	if len(corr) > 0 {
		e.Correlation = own(corr)
	}
	eph, err := s.Ephemeral()
	if err != nil || len(eph) != KeySize {
		return nil, fmt.Errorf("%w: ephemeral key must be %d bytes", ErrMalformed, KeySize)
	}
	copy(e.Ephemeral[:], eph)
	body, err := s.Body()
	if err != nil || len(body) < Overhead {
		return nil, fmt.Errorf("%w: body shorter than the AEAD tag", ErrMalformed)
	}
	e.Body = own(body)
	sig, err := s.Signature()
	if err != nil || len(sig) != ed25519.SignatureSize {
		return nil, fmt.Errorf("%w: signature must be %d bytes", ErrMalformed, ed25519.SignatureSize)
	}
	e.Signature = own(sig)
	if e.Expires < e.Created {
		return nil, fmt.Errorf("%w: expires before it was created", ErrMalformed)
	}
	return e, nil
}
