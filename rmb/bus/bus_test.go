package bus

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/freeflowuniverse/planetary/rmb/resolve"
	"github.com/freeflowuniverse/planetary/rmb/schema"
	"github.com/freeflowuniverse/planetary/rmb/seal"
)

// net of buses on loopback UDP sharing one resolver.
type testNet struct {
	t     *testing.T
	res   *resolve.Static
	mu    sync.Mutex
	addrs map[string]net.Addr
}

type testPNIC struct {
	key ed25519.PrivateKey
	pc  net.PacketConn
	cut *cutConn // the link switch the bus's PacketConn goes through
	dir string
	reg *prometheus.Registry
	bus *Bus
	lim Limits
}

type testTwin struct {
	keys seal.TwinKeys
	pnic *testPNIC
}

func newTestNet(t *testing.T) *testNet {
	return &testNet{t: t, res: resolve.NewStatic(), addrs: make(map[string]net.Addr)}
}

func (n *testNet) locate(k ed25519.PublicKey) (net.Addr, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if a, ok := n.addrs[string(k)]; ok {
		return a, nil
	}
	return nil, errors.New("PNIC not on the test network")
}

func (n *testNet) pnic(lim Limits) *testPNIC {
	n.t.Helper()
	_, key, _ := ed25519.GenerateKey(nil)
	p := &testPNIC{key: key, dir: n.t.TempDir(), lim: lim}
	n.start(p)
	return p
}

// start (re)starts p's bus on a fresh UDP socket, as a restarted PNIC would.
func (n *testNet) start(p *testPNIC) {
	n.t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		n.t.Fatal(err)
	}
	n.mu.Lock()
	n.addrs[string(p.key.Public().(ed25519.PublicKey))] = pc.LocalAddr()
	n.mu.Unlock()
	p.pc, p.reg, p.cut = pc, prometheus.NewRegistry(), &cutConn{PacketConn: pc}
	p.bus, err = New(Config{Conn: p.cut, Locate: n.locate, Key: p.key, Resolver: n.res, DataDir: p.dir, Registry: p.reg, Limits: p.lim})
	if err != nil {
		n.t.Fatal(err)
	}
	bus := p.bus
	n.t.Cleanup(func() { bus.Close(); pc.Close() })
}

func (n *testNet) stop(p *testPNIC) {
	p.bus.Close()
	p.pc.Close()
}

func (n *testNet) twin(id uint64, p *testPNIC) *testTwin {
	n.t.Helper()
	k, err := seal.GenerateTwinKeys(id)
	if err != nil {
		n.t.Fatal(err)
	}
	n.res.Put(resolve.TwinInfo{ID: id, SigningKey: k.SigningPublic(), EncryptionKey: k.EncryptionPublic(), PNIC: p.key.Public().(ed25519.PublicKey)})
	return &testTwin{keys: k, pnic: p}
}

func (tw *testTwin) envelope(t testing.TB, to *testTwin, ttl time.Duration, body string) *seal.Envelope {
	now := time.Now()
	e := &seal.Envelope{ID: seal.NewID(), Src: tw.keys.ID, Dst: to.keys.ID, Created: now.UnixNano(), Expires: now.Add(ttl).UnixNano(), Command: "test"}
	if err := seal.Seal(tw.keys, to.keys.EncryptionPublic(), e, []byte(body)); err != nil {
		t.Fatal(err)
	}
	return e
}

func (tw *testTwin) send(t testing.TB, to *testTwin, ttl time.Duration, body string) seal.ID {
	raw, err := tw.envelope(t, to, ttl, body).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	id, err := tw.pnic.bus.Send(context.Background(), raw)
	if err != nil {
		t.Fatalf("send: %v", err)
	}
	return id
}

// collect gathers n distinct messages for tw, opening each; it returns an error on a duplicate body
// or on timeout, so it may run in its own goroutine.
func (tw *testTwin) collect(n int, timeout time.Duration, senders map[uint64]ed25519.PublicKey) (map[string]int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	mb, err := tw.pnic.bus.Attach(ctx, tw.keys.ID)
	if err != nil {
		return nil, err
	}
	defer mb.Close()
	got := make(map[string]int)
	seenIDs := make(map[seal.ID]bool)
	for len(got) < n {
		select {
		case d, ok := <-mb.Deliveries():
			if !ok {
				return got, errors.New("mailbox closed")
			}
			if d.Envelope != nil {
				e, err := seal.Unmarshal(d.Envelope)
				if err != nil {
					return got, err
				}
				body, err := seal.Open(tw.keys, senders[e.Src], e)
				if err != nil {
					return got, fmt.Errorf("open: %w", err)
				}
				if seenIDs[e.ID] {
					return got, fmt.Errorf("envelope %s delivered twice within one attachment", e.ID)
				}
				seenIDs[e.ID] = true
				got[string(body)]++
				if got[string(body)] > 1 {
					return got, fmt.Errorf("body %q received twice", body)
				}
			}
			if err := mb.Ack(ctx, d.Seq); err != nil {
				return got, err
			}
		case <-ctx.Done():
			return got, fmt.Errorf("received %d of %d messages before the deadline", len(got), n)
		}
	}
	return got, nil
}

// receive is collect for the test goroutine.
func (tw *testTwin) receive(t *testing.T, n int, timeout time.Duration, senders map[uint64]ed25519.PublicKey) map[string]int {
	t.Helper()
	got, err := tw.collect(n, timeout, senders)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

type collected struct {
	got map[string]int
	err error
}

func (tw *testTwin) collectAsync(n int, timeout time.Duration, senders map[uint64]ed25519.PublicKey) <-chan collected {
	ch := make(chan collected, 1)
	go func() {
		got, err := tw.collect(n, timeout, senders)
		ch <- collected{got, err}
	}()
	return ch
}

// receipts waits for n receipts for tw and returns them by id.
func (tw *testTwin) receipts(t *testing.T, n int, timeout time.Duration) map[seal.ID]Receipt {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	mb, err := tw.pnic.bus.Attach(ctx, tw.keys.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer mb.Close()
	out := make(map[seal.ID]Receipt)
	for len(out) < n {
		select {
		case d := <-mb.Deliveries():
			if d.Receipt != nil {
				out[d.Receipt.ID] = *d.Receipt
			}
			mb.Ack(ctx, d.Seq)
		case <-ctx.Done():
			t.Fatalf("got %d of %d receipts before the deadline", len(out), n)
		}
	}
	return out
}

// sendMany sends n messages from 16 goroutines and returns the first error.
func sendMany(from, to *testTwin, n int, prefix string) error {
	var wg sync.WaitGroup
	const workers = 16
	errc := make(chan error, workers)
	enc := to.keys.EncryptionPublic()
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += workers {
				now := time.Now()
				e := &seal.Envelope{ID: seal.NewID(), Src: from.keys.ID, Dst: to.keys.ID, Created: now.UnixNano(), Expires: now.Add(10 * time.Minute).UnixNano()}
				if err := seal.Seal(from.keys, enc, e, fmt.Appendf(nil, "%s-%d", prefix, i)); err != nil {
					errc <- err
					return
				}
				raw, err := e.Marshal()
				if err == nil {
					_, err = from.pnic.bus.Send(context.Background(), raw)
				}
				if err != nil {
					errc <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	select {
	case err := <-errc:
		return err
	default:
		return nil
	}
}

func TestTenThousandTwoBuses(t *testing.T) {
	tn := newTestNet(t)
	p1, p2 := tn.pnic(Limits{}), tn.pnic(Limits{})
	a, b := tn.twin(1, p1), tn.twin(2, p2)
	const n = 10_000
	done := b.collectAsync(n, 4*time.Minute, map[uint64]ed25519.PublicKey{1: a.keys.SigningPublic()})
	if err := sendMany(a, b, n, "m"); err != nil {
		t.Fatal(err)
	}
	res := <-done
	if res.err != nil {
		t.Fatal(res.err)
	}
	got := res.got
	for i := range n {
		if got[fmt.Sprintf("m-%d", i)] != 1 {
			t.Fatalf("message %d received %d times", i, got[fmt.Sprintf("m-%d", i)])
		}
	}
	rs := a.receipts(t, n, time.Minute)
	for _, r := range rs {
		if !r.Delivered {
			t.Fatalf("receipt says not delivered: %+v", r)
		}
	}
}

func TestThreeBuses(t *testing.T) {
	tn := newTestNet(t)
	p1, p2, p3 := tn.pnic(Limits{}), tn.pnic(Limits{}), tn.pnic(Limits{})
	a, b, c := tn.twin(1, p1), tn.twin(2, p2), tn.twin(3, p3)
	const n = 5_000
	done := c.collectAsync(2*n, 4*time.Minute, map[uint64]ed25519.PublicKey{1: a.keys.SigningPublic(), 2: b.keys.SigningPublic()})
	errs := make(chan error, 2)
	go func() { errs <- sendMany(a, c, n, "a") }()
	go func() { errs <- sendMany(b, c, n, "b") }()
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	res := <-done
	if res.err != nil {
		t.Fatal(res.err)
	}
	got := res.got
	if len(got) != 2*n {
		t.Fatalf("received %d distinct messages, want %d", len(got), 2*n)
	}
}

func TestReceivingPNICDownThenBackWithinTTL(t *testing.T) {
	tn := newTestNet(t)
	p1, p2 := tn.pnic(Limits{RetryMin: 20 * time.Millisecond, RetryMax: 200 * time.Millisecond, CallTimeout: time.Second}), tn.pnic(Limits{})
	a, b := tn.twin(1, p1), tn.twin(2, p2)
	tn.stop(p2)
	for i := range 50 {
		a.send(t, b, time.Minute, fmt.Sprintf("late-%d", i))
	}
	tn.start(p2)
	got := b.receive(t, 50, time.Minute, map[uint64]ed25519.PublicKey{1: a.keys.SigningPublic()})
	if len(got) != 50 {
		t.Fatalf("got %d", len(got))
	}
}

func TestReceivingPNICDownPastTTLReportsFailure(t *testing.T) {
	tn := newTestNet(t)
	p1, p2 := tn.pnic(Limits{RetryMin: 20 * time.Millisecond, RetryMax: 200 * time.Millisecond, CallTimeout: 300 * time.Millisecond}), tn.pnic(Limits{})
	a, b := tn.twin(1, p1), tn.twin(2, p2)
	tn.stop(p2)
	id := a.send(t, b, 1500*time.Millisecond, "never")
	rs := a.receipts(t, 1, 30*time.Second)
	r := rs[id]
	if r.Delivered || r.Code != schema.ErrorCode_expired {
		t.Fatalf("receipt %+v, want an expiry failure", r)
	}
	t.Logf("failure reason: %s", r.Reason)
}

func TestReceivingTwinOfflineWithinAndPastTTL(t *testing.T) {
	tn := newTestNet(t)
	p1, p2 := tn.pnic(Limits{}), tn.pnic(Limits{})
	a, b := tn.twin(1, p1), tn.twin(2, p2)
	senders := map[uint64]ed25519.PublicKey{1: a.keys.SigningPublic()}
	// Within the TTL: B attaches after the PNIC took the message.
	a.send(t, b, time.Minute, "kept")
	a.receipts(t, 1, 30*time.Second) // delivered to B's PNIC while B is away
	if got := b.receive(t, 1, 30*time.Second, senders); got["kept"] != 1 {
		t.Fatalf("got %v", got)
	}
	// Past the TTL: B's PNIC drops it and tells A's PNIC, which tells A.
	e := a.envelope(t, b, 2*time.Second, "dropped")
	raw, _ := e.Marshal()
	id, err := p1.bus.Send(context.Background(), raw)
	if err != nil {
		t.Fatal(err)
	}
	rs := a.receipts(t, 1, 30*time.Second)
	if !rs[id].Delivered {
		t.Fatalf("first receipt %+v, want delivered to the PNIC", rs[id])
	}
	time.Sleep(time.Until(time.Unix(0, e.Expires)) + 10*time.Millisecond) // let the TTL pass: the event under test is the clock
	p2.bus.SweepNow()
	rs = a.receipts(t, 1, 30*time.Second)
	if r := rs[id]; r.Delivered || r.Code != schema.ErrorCode_expired {
		t.Fatalf("receipt %+v, want expiry in the receiving twin's inbox", r)
	}
}

func TestRefusedEnvelopesCounted(t *testing.T) {
	tn := newTestNet(t)
	p1, p2 := tn.pnic(Limits{}), tn.pnic(Limits{})
	a, b := tn.twin(1, p1), tn.twin(2, p2)
	c := tn.twin(3, p1) // hosted by p1, not p2
	ctx := context.Background()
	call := func(e *seal.Envelope) schema.Status {
		raw, err := e.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		ans, err := p1.bus.tr.Call(ctx, p2.key.Public().(ed25519.PublicKey), append([]byte{recEnvelope}, raw...))
		if err != nil {
			t.Fatal(err)
		}
		ack, err := decodeAck(ans)
		if err != nil {
			t.Fatal(err)
		}
		return ack.status
	}
	refused := func(reason string) float64 { return counterValue(t, p2.bus.m.refused.WithLabelValues(reason)) }

	good := a.envelope(t, b, time.Minute, "genuine")
	if s := call(good); s != schema.Status_ok {
		t.Fatalf("genuine envelope: %v", s)
	}
	if s := call(good); s != schema.Status_duplicate {
		t.Fatalf("replayed envelope: %v", s)
	}
	// A session the sending twin did not sign is refused by the PNIC itself.
	forged := a.envelope(t, b, time.Minute, "forged session")
	forged.Signature[0] ^= 1
	if s := call(forged); s != schema.Status_tampered {
		t.Fatalf("forged session signature: %v", s)
	}
	// A changed body or header passes the PNIC, which cannot open bodies, and is refused by the
	// receiving twin, which tells its PNIC; the PNIC counts it and tells the sender.
	body := a.envelope(t, b, time.Minute, "body")
	body.Body[0] ^= 1
	if s := call(body); s != schema.Status_ok {
		t.Fatalf("tampered body at the PNIC: %v", s)
	}
	hdr := a.envelope(t, b, time.Minute, "header")
	hdr.Command = "other"
	if s := call(hdr); s != schema.Status_ok {
		t.Fatalf("tampered header at the PNIC: %v", s)
	}
	other := a.envelope(t, c, time.Minute, "for c")
	if s := call(other); s != schema.Status_wrongDestination {
		t.Fatalf("envelope for another twin: %v", s)
	}
	old := a.envelope(t, b, time.Minute, "old")
	old.Expires = time.Now().Add(-time.Second).UnixNano()
	old.Created = old.Expires - 1
	if s := call(old); s != schema.Status_expired {
		t.Fatalf("expired envelope: %v", s)
	}
	// B takes its inbox: the genuine one opens once; the two altered ones are rejected.
	tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	mb, err := p2.bus.Attach(tctx, b.keys.ID)
	if err != nil {
		t.Fatal(err)
	}
	opened := map[string]int{}
	for handled := 0; handled < 3; handled++ {
		var d Delivery
		select {
		case d = <-mb.Deliveries():
		case <-tctx.Done():
			t.Fatalf("B got %d of 3 deliveries", handled)
		}
		e, err := seal.Unmarshal(d.Envelope)
		if err != nil {
			t.Fatal(err)
		}
		pt, err := seal.Open(b.keys, a.keys.SigningPublic(), e)
		if err != nil {
			if err := mb.Reject(tctx, d.Seq, schema.ErrorCode_tampered, err.Error()); err != nil {
				t.Fatal(err)
			}
			continue
		}
		opened[string(pt)]++
		mb.Ack(tctx, d.Seq)
	}
	mb.Close()
	if len(opened) != 1 || opened["genuine"] != 1 {
		t.Fatalf("B opened %v, want only the genuine one", opened)
	}
	for reason, want := range map[string]float64{"replay": 1, "tampered": 3, "wrong_destination": 1, "expired": 1} {
		if got := refused(reason); got != want {
			t.Errorf("rmb_envelopes_refused_total{reason=%q} = %v, want %v", reason, got, want)
		}
	}
	// A hears back about both altered envelopes.
	rs := a.receipts(t, 2, 30*time.Second)
	for _, id := range []seal.ID{body.ID, hdr.ID} {
		if r, ok := rs[id]; !ok || r.Delivered || r.Code != schema.ErrorCode_tampered {
			t.Errorf("receipt for %s: %+v (present %v), want a tampered failure", id, r, ok)
		}
	}
}

func TestSendLimits(t *testing.T) {
	tn := newTestNet(t)
	p1 := tn.pnic(Limits{MaxEnvelope: 2048, OutboxQuota: 3, Rate: 1, Burst: 1000})
	p2 := tn.pnic(Limits{})
	a, b := tn.twin(1, p1), tn.twin(2, p2)
	tn.stop(p2) // nothing drains the outbox
	remote := tn.twin(5, p2)
	ctx := context.Background()
	raw := func(e *seal.Envelope) []byte { r, _ := e.Marshal(); return r }

	big := a.envelope(t, b, time.Minute, string(make([]byte, 4096)))
	if _, err := p1.bus.Send(ctx, raw(big)); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("too large: %v", err)
	}
	exp := a.envelope(t, b, time.Minute, "x")
	exp.Expires, exp.Created = time.Now().Add(-time.Second).UnixNano(), time.Now().Add(-time.Minute).UnixNano()
	if _, err := p1.bus.Send(ctx, raw(exp)); !errors.Is(err, ErrExpired) {
		t.Fatalf("expired: %v", err)
	}
	unknown := a.envelope(t, b, time.Minute, "x")
	unknown.Dst = 999
	if _, err := p1.bus.Send(ctx, raw(unknown)); !errors.Is(err, ErrUnknownTwin) {
		t.Fatalf("unknown twin: %v", err)
	}
	foreign := remote.envelope(t, b, time.Minute, "x")
	if _, err := p1.bus.Send(ctx, raw(foreign)); !errors.Is(err, ErrNotLocal) {
		t.Fatalf("sender not local: %v", err)
	}
	long := a.envelope(t, b, 48*time.Hour, "x")
	if _, err := p1.bus.Send(ctx, raw(long)); !errors.Is(err, ErrTTLTooLong) {
		t.Fatalf("ttl: %v", err)
	}
	for i := range 3 {
		a.send(t, b, time.Minute, fmt.Sprint(i))
	}
	if _, err := p1.bus.Send(ctx, raw(a.envelope(t, b, time.Minute, "4th"))); !errors.Is(err, ErrOverQuota) {
		t.Fatalf("over quota: %v", err)
	}
}

func TestSendRateLimit(t *testing.T) {
	tn := newTestNet(t)
	p1 := tn.pnic(Limits{Rate: 0.001, Burst: 2})
	a, b := tn.twin(1, p1), tn.twin(2, p1)
	a.send(t, b, time.Minute, "1")
	a.send(t, b, time.Minute, "2")
	raw, _ := a.envelope(t, b, time.Minute, "3").Marshal()
	if _, err := p1.bus.Send(context.Background(), raw); !errors.Is(err, ErrRateLimited) {
		t.Fatalf("rate: %v", err)
	}
	// Same-PNIC delivery works without the network.
	got := b.receive(t, 2, 30*time.Second, map[uint64]ed25519.PublicKey{1: a.keys.SigningPublic()})
	if len(got) != 2 {
		t.Fatalf("got %v", got)
	}
}

func TestRestartKeepsOutboxAndDedupes(t *testing.T) {
	tn := newTestNet(t)
	p1 := tn.pnic(Limits{RetryMin: 20 * time.Millisecond, RetryMax: 100 * time.Millisecond, CallTimeout: 500 * time.Millisecond})
	p2 := tn.pnic(Limits{})
	a, b := tn.twin(1, p1), tn.twin(2, p2)
	tn.stop(p2)
	for i := range 20 {
		a.send(t, b, time.Minute, fmt.Sprint(i))
	}
	tn.stop(p1)
	tn.start(p1)
	tn.start(p2)
	got := b.receive(t, 20, time.Minute, map[uint64]ed25519.PublicKey{1: a.keys.SigningPublic()})
	if len(got) != 20 {
		t.Fatalf("got %d", len(got))
	}
}

func counterValue(t *testing.T, c prometheus.Counter) float64 {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}

// TestInboxQuotaHoldsBackUntilTwinTakesMessages fills a receiving twin's inbox quota while it is
// away: the sender's PNIC keeps the rest and retries, and they arrive once the twin drains its inbox.
func TestInboxQuotaHoldsBackUntilTwinTakesMessages(t *testing.T) {
	tn := newTestNet(t)
	p1 := tn.pnic(Limits{RetryMin: 20 * time.Millisecond, RetryMax: 100 * time.Millisecond})
	p2 := tn.pnic(Limits{InboxQuota: 2})
	a, b := tn.twin(1, p1), tn.twin(2, p2)
	for i := range 5 {
		a.send(t, b, time.Minute, fmt.Sprint("q", i))
	}
	// Two fit; the other three are refused with over_quota and retried by the sender's PNIC.
	for _, r := range a.receipts(t, 2, 30*time.Second) {
		if !r.Delivered {
			t.Fatalf("receipt %+v", r)
		}
	}
	refused := func() float64 { return counterValue(t, p2.bus.m.refused.WithLabelValues("over_quota")) }
	for deadline := time.Now().Add(20 * time.Second); refused() == 0; {
		if time.Now().After(deadline) {
			t.Fatal("inbox quota never refused anything")
		}
		time.Sleep(10 * time.Millisecond) // polling a counter: it has no event to wait on
	}
	got := b.receive(t, 5, time.Minute, map[uint64]ed25519.PublicKey{1: a.keys.SigningPublic()})
	if len(got) != 5 {
		t.Fatalf("got %v", got)
	}
}

func TestMetricsRegistryIsPerBus(t *testing.T) {
	tn := newTestNet(t)
	p := tn.pnic(Limits{})
	_, key, _ := ed25519.GenerateKey(nil)
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	_, err = New(Config{Conn: pc, Locate: tn.locate, Key: key, Resolver: tn.res, DataDir: t.TempDir(), Registry: p.reg})
	if err == nil {
		t.Fatal("a second bus registered its metrics in the same registry")
	}
	mfs, err := p.reg.Gather()
	if err != nil || len(mfs) == 0 {
		t.Fatalf("gather: %d families, %v", len(mfs), err)
	}
}

// cutConn drops every packet in both directions while cut is set, as a PNIC's PacketConn does
// when the overlay link is down (WriteTo never fails, packets just vanish).
type cutConn struct {
	net.PacketConn
	cut atomic.Bool
}

func (c *cutConn) WriteTo(p []byte, a net.Addr) (int, error) {
	if c.cut.Load() {
		return len(p), nil
	}
	return c.PacketConn.WriteTo(p, a)
}

func (c *cutConn) ReadFrom(p []byte) (int, net.Addr, error) {
	for {
		n, a, err := c.PacketConn.ReadFrom(p)
		if err != nil || !c.cut.Load() {
			return n, a, err
		}
	}
}

// TestLinkCutMidStream drops all packets between the PNICs while the second half of a stream is
// sent: those messages wait in the outbox, are retried, and arrive exactly once after the link is back.
func TestLinkCutMidStream(t *testing.T) {
	tn := newTestNet(t)
	p1 := tn.pnic(Limits{RetryMin: 20 * time.Millisecond, RetryMax: 300 * time.Millisecond, CallTimeout: 500 * time.Millisecond})
	p2 := tn.pnic(Limits{})
	a, b := tn.twin(1, p1), tn.twin(2, p2)
	const half = 1000
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	mb, err := b.pnic.bus.Attach(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	collect := func(total int) {
		for len(got) < total {
			select {
			case d := <-mb.Deliveries():
				if d.Envelope != nil {
					e, err := seal.Unmarshal(d.Envelope)
					if err != nil {
						t.Fatal(err)
					}
					body, err := seal.Open(b.keys, a.keys.SigningPublic(), e)
					if err != nil {
						t.Fatal(err)
					}
					if got[string(body)]++; got[string(body)] > 1 {
						t.Fatalf("%q received twice", body)
					}
				}
				mb.Ack(ctx, d.Seq)
			case <-ctx.Done():
				t.Fatalf("received %d of %d", len(got), total)
			}
		}
	}
	if err := sendMany(a, b, half, "before"); err != nil {
		t.Fatal(err)
	}
	collect(half)
	retriesBefore := counterValue(t, p1.bus.m.retries)
	receivedBefore := counterValue(t, p2.bus.m.received)
	p1.cut.cut.Store(true)
	p2.cut.cut.Store(true)
	if err := sendMany(a, b, half, "during"); err != nil { // Send only needs the local disk
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond) // the outage length is the point of the test
	if counterValue(t, p2.bus.m.received) != receivedBefore {
		t.Fatal("messages crossed a cut link")
	}
	p1.cut.cut.Store(false)
	p2.cut.cut.Store(false)
	collect(2 * half)
	if counterValue(t, p1.bus.m.retries) == retriesBefore {
		t.Fatal("no delivery was retried: the cut was not exercised")
	}
}

// TestMovedTwinsMessagesFollowIt: PNIC 2 takes a message for twin B, which is away; B then moves to
// PNIC 3 (the resolver says so). PNIC 2 sends the waiting message on to PNIC 3, where B receives it
// exactly once; PNIC 2 keeps nothing for B.
func TestMovedTwinsMessagesFollowIt(t *testing.T) {
	tn := newTestNet(t)
	p1, p2, p3 := tn.pnic(Limits{}), tn.pnic(Limits{}), tn.pnic(Limits{})
	a, b := tn.twin(1, p1), tn.twin(2, p2)
	senders := map[uint64]ed25519.PublicKey{1: a.keys.SigningPublic()}
	a.send(t, b, time.Minute, "before the move")
	a.receipts(t, 1, 30*time.Second) // PNIC 2 has it
	if _, in := p2.bus.Waiting(); in != 1 {
		t.Fatalf("PNIC 2 holds %d inbox items, want 1", in)
	}
	// B moves to PNIC 3.
	info, _ := tn.res.Resolve(context.Background(), 2)
	info.PNIC = p3.key.Public().(ed25519.PublicKey)
	tn.res.Put(info)
	b.pnic = p3
	p2.bus.ForwardMoved() // synchronous: the inbox item is in PNIC 2's outbox when it returns
	if _, in := p2.bus.Waiting(); in != 0 {
		t.Fatalf("PNIC 2 still holds %d inbox items for B after forwarding", in)
	}
	got := b.receive(t, 1, 30*time.Second, senders)
	if got["before the move"] != 1 {
		t.Fatalf("at PNIC 3 B got %v", got)
	}
}
