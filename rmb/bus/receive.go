package bus

import (
	"context"
	"crypto/ed25519"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/freeflowuniverse/planetary/rmb/resolve"
	"github.com/freeflowuniverse/planetary/rmb/schema"
	"github.com/freeflowuniverse/planetary/rmb/seal"
	"github.com/freeflowuniverse/planetary/rmb/store"
)

// clockSkew is how far in the future an expiry may lie beyond MaxTTL, for senders' clocks.
const clockSkew = time.Minute

// handle answers one request from the PNIC with key from (b.pub for local delivery).
func (b *Bus) handle(ctx context.Context, from ed25519.PublicKey, req []byte) []byte {
	if len(req) == 0 {
		b.m.refused.WithLabelValues("malformed").Inc()
		return encodeAck(seal.ID{}, schema.Status_malformed, "empty request")
	}
	switch req[0] {
	case recEnvelope:
		return b.receive(ctx, req[1:])
	case recNotice:
		return b.receiveNotice(ctx, from, req[1:])
	default:
		b.m.refused.WithLabelValues("malformed").Inc()
		return encodeAck(seal.ID{}, schema.Status_malformed, fmt.Sprintf("unknown request type %d", req[0]))
	}
}

func (b *Bus) refuse(id seal.ID, metric string, status schema.Status, reason string) []byte {
	b.m.refused.WithLabelValues(metric).Inc()
	b.log.Debug("rmb envelope refused", "id", id.String(), "why", metric, "reason", reason)
	return encodeAck(id, status, reason)
}

// receive checks an envelope for a local twin and persists it before acknowledging.
func (b *Bus) receive(ctx context.Context, raw []byte) []byte {
	if len(raw) > b.lim.MaxEnvelope {
		return b.refuse(seal.ID{}, "too_large", schema.Status_tooLarge, fmt.Sprintf("%d bytes, at most %d", len(raw), b.lim.MaxEnvelope))
	}
	e, err := seal.Decode(raw)
	if err != nil {
		return b.refuse(seal.ID{}, "malformed", schema.Status_malformed, err.Error())
	}
	now := time.Now()
	if e.Expired(now) {
		return b.refuse(e.ID, "expired", schema.Status_expired, "expired on arrival")
	}
	if time.Duration(e.Expires-now.UnixNano()) > b.lim.MaxTTL+clockSkew {
		return b.refuse(e.ID, "malformed", schema.Status_malformed, fmt.Sprintf("TTL longer than %s", b.lim.MaxTTL))
	}
	dst, err := b.cfg.Resolver.Resolve(ctx, e.Dst)
	if errors.Is(err, resolve.ErrUnknownTwin) {
		return b.refuse(e.ID, "wrong_destination", schema.Status_wrongDestination, fmt.Sprintf("twin %d unknown here", e.Dst))
	}
	if err != nil {
		return encodeAck(e.ID, schema.Status_retryLater, "resolve destination: "+err.Error())
	}
	if !dst.PNIC.Equal(b.pub) {
		return b.refuse(e.ID, "wrong_destination", schema.Status_wrongDestination, fmt.Sprintf("twin %d is hosted by another PNIC", e.Dst))
	}
	src, err := b.cfg.Resolver.Resolve(ctx, e.Src)
	if err != nil {
		b.m.refused.WithLabelValues("unknown_twin").Inc()
		return encodeAck(e.ID, schema.Status_unknownTwin, fmt.Sprintf("sender twin %d: %v", e.Src, err))
	}
	if err := b.verifier.Verify(src.SigningKey, e); err != nil {
		return b.refuse(e.ID, "tampered", schema.Status_tampered, "session signature of the sending twin does not verify")
	}
	// Reserve the inbox slot before writing, so concurrent arrivals cannot all pass the check.
	b.mu.Lock()
	full := b.inCount[e.Dst] >= b.lim.InboxQuota
	if !full {
		b.inCount[e.Dst]++
	}
	b.mu.Unlock()
	if full {
		b.m.refused.WithLabelValues("over_quota").Inc()
		return encodeAck(e.ID, schema.Status_overQuota, fmt.Sprintf("twin %d has %d messages waiting", e.Dst, b.lim.InboxQuota))
	}
	seen := store.SeenKey(e.ID)
	exp := binary.BigEndian.AppendUint64(nil, uint64(e.Expires))
	rec := make([]byte, 0, 9+len(raw))
	rec = append(rec, inMessage)
	rec = binary.BigEndian.AppendUint64(rec, uint64(e.Expires))
	rec = append(rec, raw...)
	applied, err := b.st.Write(ctx, true, seen, store.Op{Key: seen, Value: exp}, store.Op{InboxFor: e.Dst, Value: rec})
	if err != nil || !applied {
		b.mu.Lock()
		b.inCount[e.Dst]--
		b.mu.Unlock()
	}
	if err != nil {
		return encodeAck(e.ID, schema.Status_retryLater, "persist: "+err.Error())
	}
	if !applied {
		b.m.refused.WithLabelValues("replay").Inc()
		return encodeAck(e.ID, schema.Status_duplicate, "already received")
	}
	b.m.received.Inc()
	b.wake(e.Dst)
	return encodeAck(e.ID, schema.Status_ok, "")
}

// receiveNotice records, for a local sending twin, what became of an envelope after its
// receiving PNIC took it.
func (b *Bus) receiveNotice(ctx context.Context, from ed25519.PublicKey, raw []byte) []byte {
	n, err := decodeNotice(raw)
	if err != nil {
		return b.refuse(seal.ID{}, "malformed", schema.Status_malformed, "notice: "+err.Error())
	}
	dst, err := b.cfg.Resolver.Resolve(ctx, n.dst)
	if err != nil || !dst.PNIC.Equal(from) {
		return b.refuse(n.id, "wrong_destination", schema.Status_wrongDestination, "notice not sent by the PNIC hosting the receiving twin")
	}
	src, err := b.cfg.Resolver.Resolve(ctx, n.src)
	if err != nil || !src.PNIC.Equal(b.pub) {
		return b.refuse(n.id, "wrong_destination", schema.Status_wrongDestination, fmt.Sprintf("twin %d is not hosted here", n.src))
	}
	seen := store.NoticeSeenKey(n.id)
	exp := binary.BigEndian.AppendUint64(nil, uint64(n.expires))
	ops := append([]store.Op{{Key: seen, Value: exp}}, b.receiptOps(n.src, n.expires,
		Receipt{ID: n.id, Code: statusCode(n.status), Reason: "receiving PNIC: " + n.reason})...)
	applied, err := b.st.Write(ctx, true, seen, ops...)
	if err != nil {
		return encodeAck(n.id, schema.Status_retryLater, "persist: "+err.Error())
	}
	if !applied {
		b.mu.Lock()
		b.inCount[n.src]-- // the receipt was not written
		b.mu.Unlock()
		return encodeAck(n.id, schema.Status_duplicate, "")
	}
	b.wake(n.src)
	return encodeAck(n.id, schema.Status_ok, "")
}

// expireInbox removes an expired inbox item; for a message it tells the sender's PNIC.
func (b *Bus) expireInbox(twin, seq uint64, rec []byte) {
	b.m.expired.Inc()
	b.bounce(twin, seq, rec, schema.Status_expired, fmt.Sprintf("twin %d did not take the message before it expired", twin))
}

// bounce removes an inbox item the twin will not take; for a message it sends the sender's PNIC a
// notice with status and reason, which reaches the sending twin as a failure receipt.
func (b *Bus) bounce(twin, seq uint64, rec []byte, status schema.Status, reason string) {
	ops := []store.Op{{Key: store.InboxKey(twin, seq), Delete: true}}
	var it *item
	if len(rec) > 9 && rec[0] == inMessage {
		if e, err := seal.Decode(rec[9:]); err == nil {
			n := notice{id: e.ID, src: e.Src, dst: e.Dst, status: status, reason: reason,
				expires: time.Now().Add(b.lim.MaxTTL).UnixNano()}
			if raw, err := encodeNotice(n); err == nil {
				it = &item{key: store.NoticeKey(e.ID), id: e.ID, route: e.Src, expires: n.expires}
				it.payload = append([]byte{recNotice}, raw...)
				ops = append(ops, store.Op{Key: it.key, Value: it.payload})
			}
			b.log.Info("rmb message returned to its sender", "id", e.ID.String(), "twin", twin, "from", e.Src, "status", status.String(), "reason", reason)
		}
	}
	if _, err := b.st.Write(b.ctx, true, nil, ops...); err != nil {
		b.log.Error("rmb: remove inbox item", "twin", twin, "err", err)
		return
	}
	b.mu.Lock()
	if b.inCount[twin] > 0 {
		b.inCount[twin]--
	}
	b.mu.Unlock()
	if it != nil {
		b.m.outbox.Inc()
		b.enqueue(it)
	}
}

// every runs fn each interval until the bus closes.
func (b *Bus) every(interval time.Duration, fn func()) {
	defer b.wg.Done()
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-b.ctx.Done():
			return
		case <-t.C:
			fn()
		}
	}
}

func (b *Bus) gc(now time.Time) {
	cutoff := now.Add(-clockSkew).UnixNano()
	var del []store.Op
	for _, prefix := range [][]byte{store.SeenPrefix(), store.NoticeSeenPrefix()} {
		b.st.Scan(prefix, func(k, v []byte) error {
			if len(v) == 8 && int64(binary.BigEndian.Uint64(v)) < cutoff {
				del = append(del, store.Op{Key: append([]byte(nil), k...), Delete: true})
			}
			return nil
		})
	}
	if len(del) > 0 {
		if _, err := b.st.Write(b.ctx, false, nil, del...); err != nil {
			b.log.Error("rmb: sweep seen ids", "err", err)
		}
	}
	type exp struct {
		twin, seq uint64
		rec       []byte
	}
	var expired []exp
	b.st.Scan(store.AllInboxPrefix(), func(k, v []byte) error {
		twin, seq, ok := store.ParseInboxKey(k)
		if !ok || len(v) < 9 || int64(binary.BigEndian.Uint64(v[1:9])) > now.UnixNano() {
			return nil
		}
		b.mu.Lock()
		_, attached := b.mailboxes[twin]
		b.mu.Unlock()
		if !attached {
			expired = append(expired, exp{twin, seq, append([]byte(nil), v...)})
		}
		return nil
	})
	for _, x := range expired {
		b.expireInbox(x.twin, x.seq, x.rec)
	}
}

// SweepNow runs the expiry sweep at once, as the periodic sweep would.
func (b *Bus) SweepNow() { b.gc(time.Now()) }
