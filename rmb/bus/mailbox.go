package bus

import (
	"context"
	"encoding/binary"
	"fmt"
	"sync"
	"time"

	"github.com/freeflowuniverse/planetary/rmb/schema"
	"github.com/freeflowuniverse/planetary/rmb/seal"
	"github.com/freeflowuniverse/planetary/rmb/store"
)

// window bounds the deliveries a twin may hold unacknowledged.
const window = 1024

// Receipt tells a sending twin what became of one of its envelopes.
type Receipt struct {
	ID        seal.ID
	Delivered bool             // the receiving PNIC persisted it
	Code      schema.ErrorCode // why it failed, when Delivered is false
	Reason    string
}

// Delivery is one item of a twin's inbox: an inbound envelope or a receipt.
type Delivery struct {
	Seq      uint64   // pass to Mailbox.Ack once handled
	Envelope []byte   // encoded envelope, for a message
	Receipt  *Receipt // for a receipt
}

// Mailbox hands a local twin its inbox in order.
type Mailbox struct {
	b      *Bus
	twin   uint64
	c      chan Delivery
	wake   chan struct{}
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}

	mu      sync.Mutex
	unacked map[uint64]struct{}
	acked   []uint64      // acknowledged, not yet deleted
	ackWake chan struct{} // wakes the deleter
}

// Attach starts delivering twin's inbox; a twin has one mailbox at a time, and attaching again
// closes the previous one (its unacknowledged items are delivered again).
func (b *Bus) Attach(ctx context.Context, twin uint64) (*Mailbox, error) {
	info, err := b.cfg.Resolver.Resolve(ctx, twin)
	if err != nil {
		return nil, fmt.Errorf("%w: %d: %v", ErrUnknownTwin, twin, err)
	}
	if !info.PNIC.Equal(b.pub) {
		return nil, fmt.Errorf("%w: %d", ErrNotLocal, twin)
	}
	m := &Mailbox{b: b, twin: twin, c: make(chan Delivery, 64), wake: make(chan struct{}, 1),
		done: make(chan struct{}), unacked: make(map[uint64]struct{}), ackWake: make(chan struct{}, 1)}
	m.ctx, m.cancel = context.WithCancel(b.ctx)
	b.mu.Lock()
	old := b.mailboxes[twin]
	b.mailboxes[twin] = m
	b.mu.Unlock()
	if old != nil {
		old.Close()
	}
	b.wg.Add(2)
	go m.run()
	go m.deleter()
	return m, nil
}

// Deliveries returns the channel of inbox items; it is closed when the mailbox closes.
func (m *Mailbox) Deliveries() <-chan Delivery { return m.c }

// Done is closed when the mailbox has stopped.
func (m *Mailbox) Done() <-chan struct{} { return m.done }

// Close stops deliveries; unacknowledged items stay in the inbox.
func (m *Mailbox) Close() {
	m.cancel()
	m.b.mu.Lock()
	if m.b.mailboxes[m.twin] == m {
		delete(m.b.mailboxes, m.twin)
	}
	m.b.mu.Unlock()
}

// Ack removes a delivered item from the inbox. It does not wait for the disk: acknowledged items are
// deleted in batches without fsync, and after a crash the twin gets them again and drops them by id.
func (m *Mailbox) Ack(ctx context.Context, seq uint64) error {
	m.mu.Lock()
	_, ok := m.unacked[seq]
	if ok {
		delete(m.unacked, seq)
		m.acked = append(m.acked, seq)
	}
	m.mu.Unlock()
	if !ok {
		return fmt.Errorf("bus: twin %d acknowledged %d, which it was not given", m.twin, seq)
	}
	select {
	case m.ackWake <- struct{}{}:
	default:
	}
	m.signal()
	return nil
}

// deleter removes acknowledged items from the inbox in batches.
func (m *Mailbox) deleter() {
	defer m.b.wg.Done()
	var ops []store.Op
	for {
		stopping := false
		select {
		case <-m.ackWake:
		case <-m.ctx.Done():
			stopping = true
		}
		m.mu.Lock()
		seqs := m.acked
		m.acked = nil
		m.mu.Unlock()
		if len(seqs) > 0 {
			ops = ops[:0]
			for _, seq := range seqs {
				ops = append(ops, store.Op{Key: store.InboxKey(m.twin, seq), Delete: true})
			}
			// Use the bus context only to notice the store closing; a closing mailbox still flushes.
			if _, err := m.b.st.Write(context.Background(), false, nil, ops...); err != nil {
				m.b.log.Debug("rmb: delete acknowledged inbox items", "twin", m.twin, "err", err)
			} else {
				m.b.mu.Lock()
				m.b.inCount[m.twin] = max(0, m.b.inCount[m.twin]-len(seqs))
				m.b.mu.Unlock()
			}
		}
		if stopping {
			return
		}
	}
}

func (m *Mailbox) signal() {
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

func (b *Bus) wake(twin uint64) {
	b.mu.Lock()
	m := b.mailboxes[twin]
	b.mu.Unlock()
	if m != nil {
		m.signal()
	}
}

type inboxRec struct {
	seq uint64
	val []byte
}

func (m *Mailbox) run() {
	defer m.b.wg.Done()
	defer close(m.done)
	defer close(m.c)
	defer m.Close()
	from := store.InboxKey(m.twin, 0)
	prefix := store.InboxPrefix(m.twin)
	for {
		m.mu.Lock()
		room := window - len(m.unacked)
		m.mu.Unlock()
		var recs []inboxRec
		if room > 0 {
			err := m.b.st.ScanFrom(prefix, from, func(k, v []byte) error {
				_, seq, _ := store.ParseInboxKey(k)
				recs = append(recs, inboxRec{seq, append([]byte(nil), v...)})
				if len(recs) >= room {
					return errStop
				}
				return nil
			})
			if err != nil && err != errStop {
				m.b.log.Error("rmb: read inbox", "twin", m.twin, "err", err)
			}
		}
		now := time.Now().UnixNano()
		for _, r := range recs {
			from = store.InboxKey(m.twin, r.seq+1)
			if len(r.val) < 9 {
				continue
			}
			if int64(binary.BigEndian.Uint64(r.val[1:9])) <= now {
				m.b.expireInbox(m.twin, r.seq, r.val)
				continue
			}
			d := Delivery{Seq: r.seq}
			switch r.val[0] {
			case inMessage:
				d.Envelope = r.val[9:]
			case inReceipt:
				d.Receipt = parseReceipt(r.val[9:])
				if d.Receipt == nil {
					continue
				}
			default:
				continue
			}
			m.mu.Lock()
			m.unacked[r.seq] = struct{}{}
			m.mu.Unlock()
			select {
			case m.c <- d:
			case <-m.ctx.Done():
				return
			}
		}
		if len(recs) > 0 && len(recs) == room {
			continue // there may be more right away
		}
		select {
		case <-m.wake:
		case <-m.ctx.Done():
			return
		}
	}
}

type stopErr struct{}

func (stopErr) Error() string { return "stop" }

var errStop error = stopErr{}

func parseReceipt(v []byte) *Receipt {
	if len(v) < IDSize+2 {
		return nil
	}
	r := &Receipt{Delivered: v[IDSize] == 1, Code: schema.ErrorCode(v[IDSize+1]), Reason: string(v[IDSize+2:])}
	copy(r.ID[:], v[:IDSize])
	return r
}
