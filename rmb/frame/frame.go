// Package frame encodes and decodes the length-prefixed Cap'n Proto frames of the twin socket.
package frame

import (
	"bufio"
	"crypto/ed25519"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"capnproto.org/go/capnp/v3"

	"github.com/freeflowuniverse/planetary/internal/capnpmsg"
	"github.com/freeflowuniverse/planetary/rmb/schema"
)

// MaxFrame is the largest frame accepted by default: room for the largest envelope and its framing.
const MaxFrame = 64<<10 + 4096

// ErrFrame reports a frame that cannot be decoded.
var ErrFrame = errors.New("frame: malformed frame")

// AuthMessage returns the bytes a twin signs to prove it holds its key.
func AuthMessage(challenge []byte, twin uint64) []byte {
	m := make([]byte, 0, 32+len(challenge)+8)
	m = append(m, "planetary-rmb-auth-v1"...)
	m = append(m, challenge...)
	return binary.BigEndian.AppendUint64(m, twin)
}

// SignChallenge returns the auth signature of twin over challenge.
func SignChallenge(key ed25519.PrivateKey, challenge []byte, twin uint64) []byte {
	return ed25519.Sign(key, AuthMessage(challenge, twin))
}

// NewFrame returns an empty frame in a fresh message, ready to fill.
func NewFrame(seq uint64) (schema.Frame, error) {
	_, seg := capnp.NewSingleSegmentMessage(nil)
	f, err := schema.NewRootFrame(seg)
	if err != nil {
		return schema.Frame{}, fmt.Errorf("frame: new frame: %w", err)
	}
	f.SetSeq(seq)
	return f, nil
}

// AppendFrame appends the length-prefixed encoding of f to b.
func AppendFrame(b []byte, f schema.Frame) ([]byte, error) {
	at := len(b)
	b = append(b, 0, 0, 0, 0)
	b, err := capnpmsg.Append(b, f.Message())
	if err != nil {
		return b[:at], fmt.Errorf("frame: encode frame: %w", err)
	}
	binary.BigEndian.PutUint32(b[at:], uint32(len(b)-at-4))
	return b, nil
}

// Encode returns the length-prefixed encoding of f and releases f's memory for the next frame; f
// must not be used after.
func Encode(f schema.Frame) ([]byte, error) {
	b, err := AppendFrame(nil, f)
	f.Message().Release()
	return b, err
}

// ReadFrame reads one length-prefixed frame of at most max bytes.
func ReadFrame(r *bufio.Reader, max int) (schema.Frame, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return schema.Frame{}, err
	}
	n := int(binary.BigEndian.Uint32(hdr[:]))
	if n == 0 || n > max {
		return schema.Frame{}, fmt.Errorf("%w: length %d (at most %d)", ErrFrame, n, max)
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(r, buf); err != nil {
		return schema.Frame{}, err
	}
	return DecodeFrame(buf)
}

// DecodeFrame decodes one frame body (without its length prefix); it never panics on bad input and
// checks that the frame's union member is readable.
func DecodeFrame(buf []byte) (f schema.Frame, err error) {
	defer func() {
		if r := recover(); r != nil {
			f, err = schema.Frame{}, fmt.Errorf("%w: decoder panic: %v", ErrFrame, r)
		}
	}()
	msg, err := capnpmsg.Read(buf)
	if err != nil {
		return schema.Frame{}, fmt.Errorf("%w: %v", ErrFrame, err)
	}
	msg.ResetReadLimit(uint64(len(buf)) * 4)
	f, err = schema.ReadRootFrame(msg)
	if err != nil {
		return schema.Frame{}, fmt.Errorf("%w: %v", ErrFrame, err)
	}
	if !f.IsValid() {
		return schema.Frame{}, fmt.Errorf("%w: no root struct", ErrFrame)
	}
	if err := checkFrame(f); err != nil {
		return schema.Frame{}, err
	}
	return f, nil
}

// checkFrame reads the pointer fields of the frame's union member so later accessors cannot fail.
func checkFrame(f schema.Frame) error {
	var err error
	switch f.Which() {
	case schema.Frame_Which_challenge:
		_, err = f.Challenge()
	case schema.Frame_Which_auth:
		var a schema.Auth
		if a, err = f.Auth(); err == nil {
			_, err = a.Signature()
		}
	case schema.Frame_Which_error:
		var e schema.Error
		if e, err = f.Error(); err == nil {
			_, err = e.Text()
		}
	case schema.Frame_Which_reject:
		var e schema.Error
		if e, err = f.Reject(); err == nil {
			_, err = e.Text()
		}
	case schema.Frame_Which_send:
		_, err = f.Send()
	case schema.Frame_Which_sent:
		_, err = f.Sent()
	case schema.Frame_Which_twin:
		var t schema.TwinInfo
		if t, err = f.Twin(); err == nil {
			if _, err = t.SigningKey(); err == nil {
				if _, err = t.EncryptionKey(); err == nil {
					_, err = t.Pnic()
				}
			}
		}
	case schema.Frame_Which_address:
		_, err = f.Address()
	case schema.Frame_Which_deliver:
		_, err = f.Deliver()
	case schema.Frame_Which_receipt:
		var r schema.Receipt
		if r, err = f.Receipt(); err == nil {
			if _, err = r.Id(); err == nil {
				_, err = r.Reason()
			}
		}
	case schema.Frame_Which_dial:
		_, err = f.Dial()
	case schema.Frame_Which_incoming:
		var in schema.Incoming
		if in, err = f.Incoming(); err == nil {
			_, err = in.Remote()
		}
	case schema.Frame_Which_ok, schema.Frame_Which_resolve, schema.Frame_Which_twinAddress,
		schema.Frame_Which_subscribe, schema.Frame_Which_ack, schema.Frame_Which_listen, schema.Frame_Which_accept:
	default:
		err = fmt.Errorf("unknown frame type %d", f.Which())
	}
	if err != nil {
		return fmt.Errorf("%w: %v", ErrFrame, err)
	}
	return nil
}
