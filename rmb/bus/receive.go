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
	case recBatch:
		return b.receiveBatch(ctx, from, req[1:])
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

// inWrite is an inbound envelope that passed the checks, its inbox slot reserved, waiting to be
// written.
type inWrite struct {
	id   seal.ID
	dst  uint64
	seen []byte
	ops  [2]store.Op
}

// receive checks an envelope for a local twin and persists it before acknowledging.
func (b *Bus) receive(ctx context.Context, raw []byte) []byte {
	w, ack := b.check(ctx, raw)
	if ack != nil {
		return ack
	}
	applied, err := b.st.Write(ctx, true, w.seen, w.ops[:]...)
	return b.received(w, applied, err)
}

// receiveBatch answers a batch: every envelope in it checked, those that pass persisted together in
// one store write (one fsync), then all acknowledged in one answer. Other requests in a batch are
// answered one by one; a batch inside a batch is refused.
func (b *Bus) receiveBatch(ctx context.Context, from ed25519.PublicKey, body []byte) []byte {
	entries, err := splitBatch(body, maxBatch)
	if err != nil {
		return b.refuse(seal.ID{}, "malformed", schema.Status_malformed, err.Error())
	}
	acks := make([][]byte, len(entries))
	writes := make([]*inWrite, len(entries))
	parts := make([]store.Part, 0, len(entries))
	for i, e := range entries {
		switch e[0] {
		case recEnvelope:
			w, ack := b.check(ctx, e[1:])
			if ack != nil {
				acks[i] = ack
				continue
			}
			writes[i] = w
			parts = append(parts, store.Part{IfAbsent: w.seen, Ops: w.ops[:]})
		case recBatch:
			acks[i] = b.refuse(seal.ID{}, "malformed", schema.Status_malformed, "batch inside a batch")
		default:
			acks[i] = b.handle(ctx, from, e)
		}
	}
	if len(parts) > 0 {
		err = b.st.WriteParts(ctx, true, parts)
		j := 0
		for i, w := range writes {
			if w != nil {
				acks[i] = b.received(w, parts[j].Applied, err)
				j++
			}
		}
	}
	n := 1
	for _, a := range acks {
		n += entrySize(len(a))
	}
	out := make([]byte, 1, n)
	out[0] = ansBatch
	for _, a := range acks {
		if len(a) == 0 {
			a = encodeAck(seal.ID{}, schema.Status_retryLater, "no answer") // never empty: entries are not
		}
		out = appendEntry(out, a)
	}
	return out
}

// check runs the checks of an inbound envelope and reserves its inbox slot; it returns the write to
// make, or the answer when the envelope is refused.
func (b *Bus) check(ctx context.Context, raw []byte) (*inWrite, []byte) {
	if len(raw) > b.lim.MaxEnvelope {
		return nil, b.refuse(seal.ID{}, "too_large", schema.Status_tooLarge, fmt.Sprintf("%d bytes, at most %d", len(raw), b.lim.MaxEnvelope))
	}
	e, err := seal.Decode(raw)
	if err != nil {
		return nil, b.refuse(seal.ID{}, "malformed", schema.Status_malformed, err.Error())
	}
	w, ack := b.checkDecoded(ctx, e, raw)
	if ack != nil {
		return nil, ack
	}
	return w, nil
}

func (b *Bus) checkDecoded(ctx context.Context, e *seal.Envelope, raw []byte) (*inWrite, []byte) {
	now := time.Now()
	if e.Expired(now) {
		return nil, b.refuse(e.ID, "expired", schema.Status_expired, "expired on arrival")
	}
	if time.Duration(e.Expires-now.UnixNano()) > b.lim.MaxTTL+clockSkew {
		return nil, b.refuse(e.ID, "malformed", schema.Status_malformed, fmt.Sprintf("TTL longer than %s", b.lim.MaxTTL))
	}
	dst, err := b.cfg.Resolver.Resolve(ctx, e.Dst)
	if errors.Is(err, resolve.ErrUnknownTwin) {
		return nil, b.refuse(e.ID, "wrong_destination", schema.Status_wrongDestination, fmt.Sprintf("twin %d unknown here", e.Dst))
	}
	if err != nil {
		return nil, encodeAck(e.ID, schema.Status_retryLater, "resolve destination: "+err.Error())
	}
	if !dst.PNIC.Equal(b.pub) {
		return nil, b.refuse(e.ID, "wrong_destination", schema.Status_wrongDestination, fmt.Sprintf("twin %d is hosted by another PNIC", e.Dst))
	}
	src, err := b.cfg.Resolver.Resolve(ctx, e.Src)
	if err != nil {
		b.m.refused.WithLabelValues("unknown_twin").Inc()
		return nil, encodeAck(e.ID, schema.Status_unknownTwin, fmt.Sprintf("sender twin %d: %v", e.Src, err))
	}
	if err := b.verifier.Verify(src.SigningKey, e); err != nil {
		return nil, b.refuse(e.ID, "tampered", schema.Status_tampered, "session signature of the sending twin does not verify")
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
		return nil, encodeAck(e.ID, schema.Status_overQuota, fmt.Sprintf("twin %d has %d messages waiting", e.Dst, b.lim.InboxQuota))
	}
	w := &inWrite{id: e.ID, dst: e.Dst, seen: store.SeenKey(e.ID)}
	exp := binary.BigEndian.AppendUint64(make([]byte, 0, 8), uint64(e.Expires))
	rec := make([]byte, 0, 9+len(raw))
	rec = append(rec, inMessage)
	rec = binary.BigEndian.AppendUint64(rec, uint64(e.Expires))
	rec = append(rec, raw...)
	w.ops = [2]store.Op{{Key: w.seen, Value: exp}, {InboxFor: e.Dst, Value: rec}}
	return w, nil
}

// received finishes an inbound write: it answers the sending PNIC and releases the inbox slot of an
// envelope not written.
func (b *Bus) received(w *inWrite, applied bool, err error) []byte {
	if err != nil || !applied {
		b.mu.Lock()
		b.inCount[w.dst]--
		b.mu.Unlock()
	}
	if err != nil {
		return encodeAck(w.id, schema.Status_retryLater, "persist: "+err.Error())
	}
	if !applied {
		b.m.refused.WithLabelValues("replay").Inc()
		return encodeAck(w.id, schema.Status_duplicate, "already received")
	}
	b.m.received.Inc()
	b.wake(w.dst)
	return encodeAck(w.id, schema.Status_ok, "")
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
