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

// Bounds of the items a mailbox keeps in memory ahead of delivery; past them it reads the inbox
// from disk instead, where everything it is handed also is.
const (
	memItems = 4096
	memBytes = 8 << 20
)

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
//
// Items arrive two ways: from disk (on attach, and whenever the in-memory queue overflowed) and
// straight from the store's committer as each inbox write becomes durable. Both carry the item's
// seq, which grows in commit order, so the mailbox delivers each seq once, in order, whichever way
// it came.
type Mailbox struct {
	b       *Bus
	twin    uint64
	c       chan Delivery
	wake    chan struct{}
	ctx     context.Context
	cancel  context.CancelFunc
	done    chan struct{}
	flushed chan struct{} // closed once the acknowledged items are deleted after Close

	mu       sync.Mutex
	unacked  map[uint64][]byte // delivered, not yet acknowledged: the inbox record
	acked    []uint64          // acknowledged, not yet deleted
	ackWake  chan struct{}     // wakes the deleter
	mem      []inboxRec        // committed items not yet delivered, in seq order
	memSize  int
	overflow bool // mem dropped items: read the disk
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
		done: make(chan struct{}), flushed: make(chan struct{}), unacked: make(map[uint64][]byte), ackWake: make(chan struct{}, 1)}
	m.ctx, m.cancel = context.WithCancel(b.ctx)
	// Registered before the first read of the disk: an item committed after that read began is
	// handed over by the committer, one committed before it is on disk.
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

// Close stops deliveries; unacknowledged items stay in the inbox. It returns once the acknowledged
// ones are gone from it, so a mailbox attached next does not deliver them again.
func (m *Mailbox) Close() {
	m.cancel()
	m.b.mu.Lock()
	if m.b.mailboxes[m.twin] == m {
		delete(m.b.mailboxes, m.twin)
	}
	m.b.mu.Unlock()
	<-m.flushed
}

// take removes seq from the unacknowledged deliveries and returns its record.
func (m *Mailbox) take(seq uint64) ([]byte, error) {
	m.mu.Lock()
	rec, ok := m.unacked[seq]
	if ok {
		delete(m.unacked, seq)
	}
	m.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("bus: twin %d answered delivery %d, which it was not given", m.twin, seq)
	}
	return rec, nil
}

// Ack removes a delivered item from the inbox. It does not wait for the disk: acknowledged items are
// deleted in batches without fsync, and after a crash the twin gets them again and drops them by id.
func (m *Mailbox) Ack(ctx context.Context, seq uint64) error {
	if _, err := m.take(seq); err != nil {
		return err
	}
	m.mu.Lock()
	m.acked = append(m.acked, seq)
	m.mu.Unlock()
	select {
	case m.ackWake <- struct{}{}:
	default:
	}
	m.signal()
	return nil
}

// Reject removes a delivered message the twin cannot take (it does not open: code tampered, or its
// sender is unknown) from the inbox, counts it, and tells the sending twin's PNIC why. A rejected
// receipt is simply dropped.
func (m *Mailbox) Reject(ctx context.Context, seq uint64, code schema.ErrorCode, reason string) error {
	rec, err := m.take(seq)
	if err != nil {
		return err
	}
	status, metric := schema.Status_malformed, "rejected_by_twin"
	switch code {
	case schema.ErrorCode_tampered:
		status, metric = schema.Status_tampered, "tampered"
	case schema.ErrorCode_unknownTwin:
		status, metric = schema.Status_unknownTwin, "unknown_twin"
	}
	m.b.m.refused.WithLabelValues(metric).Inc()
	m.b.log.Warn("rmb twin rejected a delivery", "twin", m.twin, "seq", seq, "code", code.String(), "reason", reason)
	m.b.bounce(m.twin, seq, rec, status, fmt.Sprintf("twin %d refused it: %s", m.twin, reason))
	m.signal()
	return nil
}

// deleter removes acknowledged items from the inbox in batches.
func (m *Mailbox) deleter() {
	defer m.b.wg.Done()
	defer close(m.flushed)
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

// committed is the store's hook: an inbox item for twin is durable. Called by the committer, in
// seq order; it only queues.
func (b *Bus) committed(twin, seq uint64, value []byte) {
	b.mu.Lock()
	m := b.mailboxes[twin]
	b.mu.Unlock()
	if m == nil {
		return
	}
	m.mu.Lock()
	if !m.overflow {
		if len(m.mem) >= memItems || m.memSize+len(value) > memBytes {
			m.overflow = true
			m.mem, m.memSize = nil, 0
		} else {
			m.mem = append(m.mem, inboxRec{seq, value})
			m.memSize += len(value)
		}
	}
	m.mu.Unlock()
	m.signal()
}

type inboxRec struct {
	seq uint64
	val []byte
}

// fromDisk reads up to n inbox items from seq next on.
func (m *Mailbox) fromDisk(next uint64, n int) []inboxRec {
	var recs []inboxRec
	err := m.b.st.ScanFrom(store.InboxPrefix(m.twin), store.InboxKey(m.twin, next), func(k, v []byte) error {
		_, seq, _ := store.ParseInboxKey(k)
		recs = append(recs, inboxRec{seq, append([]byte(nil), v...)})
		if len(recs) >= n {
			return errStop
		}
		return nil
	})
	if err != nil && err != errStop {
		m.b.log.Error("rmb: read inbox", "twin", m.twin, "err", err)
	}
	return recs
}

// fromMemory takes up to n queued items from seq next on; ok is false when the queue overflowed
// and the disk must be read instead.
func (m *Mailbox) fromMemory(next uint64, n int) (recs []inboxRec, ok bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.overflow {
		m.overflow = false
		return nil, false
	}
	i := 0
	for i < len(m.mem) && m.mem[i].seq < next {
		m.memSize -= len(m.mem[i].val)
		i++
	}
	j := min(len(m.mem), i+n)
	recs = append(recs, m.mem[i:j]...)
	for _, r := range recs {
		m.memSize -= len(r.val)
	}
	m.mem = append(m.mem[:0], m.mem[j:]...)
	return recs, true
}

func (m *Mailbox) run() {
	defer m.b.wg.Done()
	defer close(m.done)
	defer close(m.c)
	defer m.Close()
	var next uint64 // the smallest seq not yet delivered
	disk := true    // read the disk until it has nothing more
	for {
		m.mu.Lock()
		room := window - len(m.unacked)
		m.mu.Unlock()
		var recs []inboxRec
		if room > 0 {
			if !disk {
				var ok bool
				if recs, ok = m.fromMemory(next, room); !ok {
					disk = true
				}
			}
			if disk {
				recs = m.fromDisk(next, room)
				disk = len(recs) == room // a short read reached the end: the rest comes from the committer
			}
		}
		now := time.Now().UnixNano()
		for _, r := range recs {
			next = r.seq + 1
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
			m.unacked[r.seq] = r.val
			m.mu.Unlock()
			select {
			case m.c <- d:
			case <-m.ctx.Done():
				return
			}
		}
		if len(recs) > 0 && (disk || len(recs) == room) {
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
