package services

import (
	"fmt"

	"capnproto.org/go/capnp/v3"

	"github.com/freeflowuniverse/planetary/rmb/schema"
	"github.com/freeflowuniverse/planetary/twin/store"
)

// Commands twins send each other.
const (
	CmdInvite  = "twin.contact.invite"
	CmdAccept  = "twin.contact.accept"
	CmdDecline = "twin.contact.decline"
	CmdRemove  = "twin.contact.remove"
	CmdChat    = "twin.chat.send"
	CmdReceipt = "twin.chat.receipt"
)

// Limits on what a twin accepts.
const (
	MaxText = 16 << 10
	MaxNote = 1 << 10
)

func encodeNote(note string) ([]byte, error) {
	msg, seg := capnp.NewSingleSegmentMessage(nil)
	n, err := schema.NewRootContactNote(seg)
	if err == nil {
		err = n.SetNote(note)
	}
	if err != nil {
		return nil, fmt.Errorf("encode contact note: %w", err)
	}
	return msg.Marshal()
}

func decodeNote(b []byte) (string, error) {
	msg, err := capnp.Unmarshal(b)
	if err != nil {
		return "", fmt.Errorf("decode contact note: %w", err)
	}
	n, err := schema.ReadRootContactNote(msg)
	if err != nil {
		return "", fmt.Errorf("decode contact note: %w", err)
	}
	s, err := n.Note()
	if err != nil {
		return "", fmt.Errorf("decode contact note: %w", err)
	}
	if len(s) > MaxNote {
		s = s[:MaxNote]
	}
	return s, nil
}

func encodeChat(m store.Message) ([]byte, error) {
	msg, seg := capnp.NewSingleSegmentMessage(nil)
	c, err := schema.NewRootChatMessage(seg)
	if err == nil {
		err = c.SetId(m.ID[:])
	}
	if err == nil {
		err = c.SetText(m.Text)
	}
	if err == nil && m.Circle != "" {
		err = c.SetCircle(m.Circle)
	}
	if err != nil {
		return nil, fmt.Errorf("encode chat message: %w", err)
	}
	c.SetSent(m.Sent.UnixNano())
	return msg.Marshal()
}

type chatIn struct {
	id     store.MessageID
	text   string
	sent   int64
	circle string
}

func decodeChat(b []byte) (chatIn, error) {
	msg, err := capnp.Unmarshal(b)
	if err != nil {
		return chatIn{}, fmt.Errorf("decode chat message: %w", err)
	}
	c, err := schema.ReadRootChatMessage(msg)
	if err != nil {
		return chatIn{}, fmt.Errorf("decode chat message: %w", err)
	}
	id, err := c.Id()
	if err != nil || len(id) != len(store.MessageID{}) {
		return chatIn{}, fmt.Errorf("decode chat message: id must be %d bytes", len(store.MessageID{}))
	}
	text, err := c.Text()
	if err != nil {
		return chatIn{}, fmt.Errorf("decode chat message: %w", err)
	}
	if len(text) > MaxText {
		return chatIn{}, fmt.Errorf("chat message of %d bytes, limit %d", len(text), MaxText)
	}
	circle, err := c.Circle()
	if err != nil || len(circle) > MaxCircleName {
		return chatIn{}, fmt.Errorf("decode chat message: circle name of %d bytes, limit %d", len(circle), MaxCircleName)
	}
	var out chatIn
	copy(out.id[:], id)
	out.text, out.sent, out.circle = text, c.Sent(), circle
	return out, nil
}

func encodeReceipt(id store.MessageID, state schema.ChatState, at int64, reason string) ([]byte, error) {
	msg, seg := capnp.NewSingleSegmentMessage(nil)
	r, err := schema.NewRootChatReceipt(seg)
	if err == nil {
		err = r.SetId(id[:])
	}
	if err == nil {
		err = r.SetReason(reason)
	}
	if err != nil {
		return nil, fmt.Errorf("encode chat receipt: %w", err)
	}
	r.SetState(state)
	r.SetAt(at)
	return msg.Marshal()
}

type receiptIn struct {
	id     store.MessageID
	state  schema.ChatState
	reason string
}

func decodeReceipt(b []byte) (receiptIn, error) {
	msg, err := capnp.Unmarshal(b)
	if err != nil {
		return receiptIn{}, fmt.Errorf("decode chat receipt: %w", err)
	}
	r, err := schema.ReadRootChatReceipt(msg)
	if err != nil {
		return receiptIn{}, fmt.Errorf("decode chat receipt: %w", err)
	}
	id, err := r.Id()
	if err != nil || len(id) != len(store.MessageID{}) {
		return receiptIn{}, fmt.Errorf("decode chat receipt: id must be %d bytes", len(store.MessageID{}))
	}
	var out receiptIn
	copy(out.id[:], id)
	out.state = r.State()
	out.reason, _ = r.Reason()
	if len(out.reason) > MaxNote {
		out.reason = out.reason[:MaxNote]
	}
	switch out.state {
	case schema.ChatState_delivered, schema.ChatState_read, schema.ChatState_refused:
	default:
		return receiptIn{}, fmt.Errorf("decode chat receipt: state %v is not one a receiver reports", out.state)
	}
	return out, nil
}
