package services

import (
	"context"
	"time"

	"github.com/freeflowuniverse/planetary/rmb/client"
	"github.com/freeflowuniverse/planetary/rmb/schema"
)

// ResendAge is how long a sent chat message waits for its receiver's receipt before it is sent
// again, and MaxResendAge how long it is sent again at all.
const (
	ResendAge    = 10 * time.Second
	MaxResendAge = 24 * time.Hour
)

// Resend sends again, with the same message ids, every outgoing chat message sent more than
// olderThan ago whose receiver has not acknowledged it: after the twin moved to another host (the
// old host's outbox is gone), or when the receiver's host died holding it. The receiver keeps one
// copy per id and answers each copy with a receipt. It returns how many it sent.
func (t *Twin) Resend(ctx context.Context, olderThan time.Duration) (int, error) {
	msgs, err := t.st.Unacked()
	if err != nil {
		return 0, err
	}
	n := 0
	for _, m := range msgs {
		age := time.Since(m.Sent)
		if age < olderThan || age > MaxResendAge || (m.State != schema.ChatState_pending && m.State != schema.ChatState_sent) {
			continue
		}
		body, err := encodeChat(m)
		if err != nil {
			return n, err
		}
		e, raw, err := t.c.Seal(ctx, client.Outgoing{To: m.Peer, Command: CmdChat, Schema: schema.ChatMessage_TypeID, Body: body})
		if err != nil {
			return n, err
		}
		t.inflight.Store(e.ID, outgoing{peer: m.Peer, id: m.ID})
		if err := t.c.SendRaw(ctx, raw); err != nil {
			t.inflight.Delete(e.ID)
			return n, err
		}
		if next, moved, err := t.st.SetState(m.Peer, m.ID, schema.ChatState_sent, ""); err == nil && moved {
			t.publishChat(next)
		}
		n++
	}
	return n, nil
}

// ResendLoop calls Resend at once for everything unacknowledged, then every ResendAge for what
// has waited that long, until ctx ends.
func (t *Twin) ResendLoop(ctx context.Context) {
	olderThan := time.Duration(0)
	for {
		if n, err := t.Resend(ctx, olderThan); err != nil && ctx.Err() == nil {
			t.log.Warn("could not send unacknowledged chat messages again", "err", err)
		} else if n > 0 {
			t.log.Info("sent unacknowledged chat messages again, same ids", "count", n)
		}
		olderThan = ResendAge
		select {
		case <-ctx.Done():
			return
		case <-time.After(ResendAge):
		}
	}
}
