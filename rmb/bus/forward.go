package bus

import (
	"context"
	"time"

	"github.com/freeflowuniverse/planetary/rmb/seal"
	"github.com/freeflowuniverse/planetary/rmb/store"
)

// A PNIC can take a message for a twin that has just moved away, before the move reaches its
// resolver (on the chain, a block later). Such messages would wait for a twin that never comes back,
// so the inboxes of twins that are not attached are checked now and then, and the messages of a twin
// now hosted elsewhere move to the outbox, bound for its new PNIC, which keeps them for it.

// ForwardMoved sends the waiting messages of every twin that is not attached and now lives on
// another PNIC on to that PNIC; receipts waiting for such a twin are dropped.
func (b *Bus) ForwardMoved() {
	b.mu.Lock()
	var twins []uint64
	for twin, n := range b.inCount {
		if _, attached := b.mailboxes[twin]; n > 0 && !attached {
			twins = append(twins, twin)
		}
	}
	b.mu.Unlock()
	for _, twin := range twins {
		ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
		info, err := b.cfg.Resolver.Resolve(ctx, twin)
		cancel()
		if err != nil || info.PNIC.Equal(b.pub) {
			continue // unknown now (expiry will handle it) or still here
		}
		b.forwardInbox(twin)
	}
}

func (b *Bus) forwardInbox(twin uint64) {
	type rec struct {
		seq uint64
		val []byte
	}
	var recs []rec
	b.st.Scan(store.InboxPrefix(twin), func(k, v []byte) error {
		if _, seq, ok := store.ParseInboxKey(k); ok {
			recs = append(recs, rec{seq, append([]byte(nil), v...)})
		}
		return nil
	})
	moved := 0
	for _, r := range recs {
		ops := []store.Op{{Key: store.InboxKey(twin, r.seq), Delete: true}}
		var it *item
		if len(r.val) > 9 && r.val[0] == inMessage {
			raw := r.val[9:]
			e, err := seal.Unmarshal(raw)
			if err == nil {
				it = &item{key: store.OutboxKey(e.ID), id: e.ID, route: e.Dst, expires: e.Expires,
					payload: append([]byte{recEnvelope}, raw...)}
				// Forget the id here, so the twin can receive it here again if it comes back.
				ops = append(ops, store.Op{Key: it.key, Value: append([]byte{recForward}, raw...)},
					store.Op{Key: store.SeenKey(e.ID), Delete: true})
			}
		}
		if _, err := b.st.Write(b.ctx, true, nil, ops...); err != nil {
			b.log.Error("rmb: forward inbox item", "twin", twin, "err", err)
			return
		}
		b.mu.Lock()
		if b.inCount[twin] > 0 {
			b.inCount[twin]--
		}
		b.mu.Unlock()
		if it != nil {
			moved++
			b.m.outbox.Inc()
			b.enqueue(it)
		}
	}
	if moved > 0 {
		b.log.Info("rmb twin moved to another PNIC; its waiting messages follow it", "twin", twin, "messages", moved)
	}
}
