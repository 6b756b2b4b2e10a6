package client

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/freeflowuniverse/planetary/chain"
	"github.com/freeflowuniverse/planetary/chain/chaintest"
)

// devChain starts a single-validator dev chain and a client on it; restart stops and starts the node.
func devChain(t *testing.T) (c *Client, dev *Signer, restart func()) {
	t.Helper()
	level := slog.LevelWarn
	if testing.Verbose() {
		level = slog.LevelInfo
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	chn := chaintest.StartDevLog(t, log)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := Dial(ctx, chn.RPC, Options{Log: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, NewSigner(chn.DevKey), func() { chn.Restart(t) }
}

func key(seed byte) (ed25519.PrivateKey, [32]byte) {
	s := make([]byte, 32)
	s[0] = seed
	k := ed25519.NewKeyFromSeed(s)
	var pub [32]byte
	copy(pub[:], k.Public().(ed25519.PublicKey))
	return k, pub
}

// register submits a twin registration and returns the id the chain gave the twin.
func register(ctx context.Context, t *testing.T, c *Client, s *Signer, m *chain.RegisterTwin) uint64 {
	t.Helper()
	res, err := c.Submit(ctx, s, m)
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range twinEvents(res.Height, &abci.ExecTxResult{Events: res.Events}) {
		return ev.ID
	}
	t.Fatalf("registration at height %d has no twin event", res.Height)
	return 0
}

// createCircle creates a circle owned by twin and returns its id.
func createCircle(ctx context.Context, t *testing.T, c *Client, s *Signer, twin uint64) uint64 {
	t.Helper()
	res, err := c.Submit(ctx, s, &chain.CreateCircle{Twin: twin, Name: "friends"})
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range res.Events {
		for _, a := range ev.Attributes {
			if ev.Type == "circle" && a.Key == "id" {
				id, err := strconv.ParseUint(a.Value, 10, 64)
				if err == nil {
					return id
				}
			}
		}
	}
	t.Fatalf("circle creation at height %d has no circle event", res.Height)
	return 0
}

// TestDevChain runs the client against one dev chain; each subtest makes the twins, keys and
// PNICs it uses, so any one of them runs alone (-run TestDevChain/refused).
func TestDevChain(t *testing.T) {
	c, dev, restart := devChain(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()

	t.Run("proven lookup", func(t *testing.T) {
		_, twinKey := key(1)
		_, pnic := key(2)
		reg := &chain.RegisterTwin{Key: twinKey, X25519: [32]byte{7}, PNIC: pnic,
			Loc: chain.Location{Country: "BE", City: "Ghent", Lat: 51.05, Lon: 3.72}}
		id := register(ctx, t, c, dev, reg)
		tw, err := c.FindTwinByIDUncached(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if tw.ID != id || tw.Key != twinKey || tw.PNIC != pnic || tw.X25519 != [32]byte{7} || tw.Loc != reg.Loc || tw.Owner != dev.Account() {
			t.Fatalf("twin %d = %+v", id, tw)
		}
		doc, err := c.DID(ctx, id)
		if err != nil || doc.ID != chain.TwinDID(id) || len(doc.VerificationMethod) != 2 {
			t.Fatalf("DID = %+v, %v", doc, err)
		}
		if _, err := c.FindTwinByID(ctx, 1<<40); !errors.Is(err, ErrNotFound) {
			t.Fatalf("twin 2^40: %v, want a proven not-found", err)
		}
		path := fmt.Sprintf("twin/%d", id)
		a, err := c.query(ctx, path, 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.single(chain.TwinKey(id)); err != nil {
			t.Fatalf("untampered answer: %v", err)
		}
		tv := a
		tv.Value = append([]byte(nil), a.Value...)
		tv.Value[len(tv.Value)-1] ^= 1
		if _, err := tv.single(chain.TwinKey(id)); !errors.Is(err, ErrBadProof) {
			t.Errorf("tampered value: %v, want ErrBadProof", err)
		}
		tp := a
		tp.ops = [][]byte{append([]byte(nil), a.ops[0]...)}
		tp.ops[0][len(tp.ops[0])/2] ^= 1
		if _, err := tp.single(chain.TwinKey(id)); err == nil {
			t.Error("tampered proof verified")
		}
		if _, err := a.single(chain.TwinKey(id + 1)); !errors.Is(err, ErrBadProof) {
			t.Errorf("answer for another key: %v, want ErrBadProof", err)
		}
	})

	t.Run("relocation event", func(t *testing.T) {
		_, twinKey := key(11)
		_, pnicA := key(12)
		_, pnicB := key(13)
		res, err := c.Submit(ctx, dev, &chain.RegisterTwin{Key: twinKey, PNIC: pnicA})
		if err != nil {
			t.Fatal(err)
		}
		id := twinEvents(res.Height, &abci.ExecTxResult{Events: res.Events})[0].ID
		sctx, scancel := context.WithCancel(ctx)
		defer scancel()
		events := c.SubscribeTwins(sctx, res.Height) // from the registration: it is caught up
		if _, err := c.Submit(ctx, dev, &chain.UpdateTwin{ID: id, PNIC: pnicB}); err != nil {
			t.Fatal(err)
		}
		var seen []string
		for ev := range events {
			if ev.ID != id {
				continue
			}
			seen = append(seen, ev.Action)
			if ev.Action == "relocate" {
				if ev.PNIC != pnicB {
					t.Fatalf("relocate event names pnic %x", ev.PNIC[:4])
				}
				break
			}
		}
		if len(seen) != 2 || seen[0] != "register" {
			t.Fatalf("events %v, want register then relocate", seen)
		}
		tw, err := c.FindTwinByID(ctx, id)
		if err != nil || tw.PNIC != pnicB {
			t.Fatalf("after relocation: %+v, %v", tw, err)
		}
		log, err := c.AuditLog(ctx, id, 1, 10)
		if err != nil || len(log) != 1 || log[0].Kind != "relocation" {
			t.Fatalf("audit log %+v, %v", log, err)
		}
		if ts, err := c.TwinsByPNIC(ctx, pnicB); err != nil || len(ts) != 1 || ts[0].ID != id {
			t.Fatalf("twins on pnic B: %+v, %v", ts, err)
		}
		if ts, err := c.TwinsByPNIC(ctx, pnicA); err != nil || len(ts) != 0 {
			t.Fatalf("twins left on pnic A: %+v, %v", ts, err)
		}
	})

	t.Run("refused", func(t *testing.T) {
		strangerKey, _ := key(9)
		stranger := NewSigner(strangerKey)
		_, pnic := key(14)
		if _, err := c.Submit(ctx, stranger, &chain.Faucet{Amount: 1000}); err != nil {
			t.Fatal(err)
		}
		strangerTwin := register(ctx, t, c, stranger, &chain.RegisterTwin{Key: [32]byte{5}, PNIC: pnic})
		devTwin := register(ctx, t, c, dev, &chain.RegisterTwin{Key: [32]byte{6}, PNIC: pnic})
		circle := createCircle(ctx, t, c, dev, devTwin)
		good, err := c.Sign(ctx, dev, &chain.Transfer{To: stranger.Account(), Amount: 1})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.SubmitRaw(ctx, good); err != nil {
			t.Fatal(err)
		}
		replay := &chain.Tx{Seq: 0, Msg: &chain.Transfer{To: stranger.Account(), Amount: 2}}
		replay.Sign(c.ChainID(), dev.Key)
		badSig := append([]byte(nil), good...)
		badSig[len(badSig)-3] ^= 0x40
		cases := []struct {
			name string
			code uint32
			run  func() error
		}{
			{"bad signature", chain.CodeSignature, func() error { _, err := c.SubmitRaw(ctx, badSig); return err }},
			{"replayed sequence", chain.CodeSequence, func() error { _, err := c.SubmitRaw(ctx, replay.Encode()); return err }},
			{"malformed bytes", chain.CodeDecode, func() error { _, err := c.SubmitRaw(ctx, []byte("not a tx")); return err }},
			{"overdraw", chain.CodeFunds, func() error {
				_, err := c.Submit(ctx, stranger, &chain.Transfer{To: dev.Account(), Amount: 1 << 40})
				return err
			}},
			{"unknown twin", chain.CodeNotFound, func() error {
				_, err := c.Submit(ctx, dev, &chain.UpdateTwin{ID: 1 << 40, PNIC: pnic})
				return err
			}},
			{"non-owner edits a circle", chain.CodeUnauthorized, func() error {
				_, err := c.Submit(ctx, stranger, &chain.SetMember{Circle: circle, Twin: strangerTwin, Member: strangerTwin, Role: chain.RoleAdmin})
				return err
			}},
		}
		if _, err := c.SubmitRaw(ctx, good); !errors.Is(err, ErrDuplicate) {
			t.Errorf("same bytes again: %v, want ErrDuplicate", err)
		}
		for _, tc := range cases {
			before := c.Height()
			err := tc.run()
			var re *RefusedError
			if !errors.As(err, &re) || re.Code != tc.code {
				t.Errorf("%s: %v, want code %d", tc.name, err, tc.code)
			}
			if err := c.waitHeight(ctx, before+2); err != nil {
				t.Fatalf("after %s the chain stopped: %v", tc.name, err)
			}
		}
		// The stranger's refused txs used their sequences; the next one still goes through.
		if _, err := c.Submit(ctx, stranger, &chain.Transfer{To: dev.Account(), Amount: 1}); err != nil {
			t.Fatalf("after refusals: %v", err)
		}
		members, err := c.CircleMembers(ctx, circle)
		if err != nil || len(members) != 1 || members[0].Role != chain.RoleOwner || members[0].Twin != devTwin {
			t.Fatalf("circle %d members %+v, %v", circle, members, err)
		}
		bal, err := c.Balance(ctx, stranger.Account())
		if err != nil || bal.Balance != 1000 {
			t.Fatalf("stranger balance %+v, %v", bal, err)
		}
	})

	t.Run("circles of a twin", func(t *testing.T) {
		_, ownerKey := key(51)
		_, memberKey := key(52)
		_, pnic := key(53)
		owner := register(ctx, t, c, dev, &chain.RegisterTwin{Key: ownerKey, PNIC: pnic})
		member := register(ctx, t, c, dev, &chain.RegisterTwin{Key: memberKey, PNIC: pnic})
		c1, c2 := createCircle(ctx, t, c, dev, owner), createCircle(ctx, t, c, dev, owner)
		for _, m := range []chain.Msg{
			&chain.SetMember{Circle: c1, Twin: owner, Member: member, Role: chain.RoleMember},
			&chain.SetMember{Circle: c2, Twin: owner, Member: member, Role: chain.RoleAdmin},
		} {
			if _, err := c.Submit(ctx, dev, m); err != nil {
				t.Fatal(err)
			}
		}
		got, err := c.CirclesOfTwin(ctx, member)
		want := []chain.Membership{{Circle: c1, Role: chain.RoleMember}, {Circle: c2, Role: chain.RoleAdmin}}
		if err != nil || !slices.Equal(got, want) {
			t.Fatalf("circles of twin %d: %+v, %v; want %+v", member, got, err, want)
		}
		path := fmt.Sprintf("circles/twin/%d?from=0", member)
		a, err := c.query(ctx, path, 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.circlesOf(member, 0); err != nil {
			t.Fatalf("untampered answer: %v", err)
		}
		l, err := chain.DecodeList(a.Value)
		if err != nil || len(l) != 2 {
			t.Fatalf("answer list %d entries, %v", len(l), err)
		}
		promoted := slices.Clone(l)
		promoted[0] = chain.Entry{Key: l[0].Key, Value: []byte{byte(chain.RoleOwner)}}
		forged := a
		forged.Value = promoted.Encode()
		if _, err := forged.circlesOf(member, 0); !errors.Is(err, ErrBadProof) {
			t.Errorf("forged role: %v, want ErrBadProof", err)
		}
		dropped := a
		dropped.Value = l[1:].Encode()
		if _, err := dropped.circlesOf(member, 0); !errors.Is(err, ErrBadProof) {
			t.Errorf("entry dropped, proof kept: %v, want ErrBadProof", err)
		}
		if _, err := a.circlesOf(owner, 0); !errors.Is(err, ErrBadProof) {
			t.Errorf("another twin's circles: %v, want ErrBadProof", err)
		}
		if _, err := a.circlesOf(member, c2); !errors.Is(err, ErrBadProof) {
			t.Errorf("entries before from: %v, want ErrBadProof", err)
		}
		if _, err := c.Submit(ctx, dev, &chain.RemoveMember{Circle: c1, Twin: owner, Member: member}); err != nil {
			t.Fatal(err)
		}
		got, err = c.CirclesOfTwin(ctx, member)
		if err != nil || !slices.Equal(got, want[1:]) {
			t.Fatalf("circles of twin %d after leaving circle %d: %+v, %v", member, c1, got, err)
		}
		got, err = c.CirclesOfTwin(ctx, owner)
		if err != nil || len(got) != 2 || got[0].Role != chain.RoleOwner || got[1].Role != chain.RoleOwner {
			t.Fatalf("circles of owner twin %d: %+v, %v", owner, got, err)
		}
	})

	t.Run("address book", func(t *testing.T) {
		twinPriv, twinPub := key(21)
		newPriv, newPub := key(22)
		otherPriv, _ := key(23)
		id := register(ctx, t, c, dev, &chain.RegisterTwin{Key: twinPub})
		sig := chain.SignName(c.ChainID(), "alice", id, twinPriv)
		if _, err := c.Submit(ctx, dev, &chain.SetName{Twin: id, Name: "alice", Sig: sig}); err != nil {
			t.Fatal(err)
		}
		// Forged: the right twin but another key's signature, or alice's signature used for bob.
		for name, sig := range map[string][64]byte{"mallory": chain.SignName(c.ChainID(), "mallory", id, otherPriv), "bob": sig} {
			_, err := c.Submit(ctx, dev, &chain.SetName{Twin: id, Name: name, Sig: sig})
			var re *RefusedError
			if !errors.As(err, &re) || re.Code != chain.CodeSignature {
				t.Errorf("forged entry %q: %v, want code %d", name, err, chain.CodeSignature)
			}
			if _, err := c.LookupName(ctx, name); !errors.Is(err, ErrNotFound) {
				t.Errorf("forged entry %q: lookup %v, want a proven not-found", name, err)
			}
		}
		e, err := c.LookupName(ctx, "alice")
		if err != nil || e.Twin != id || e.Sig != sig || e.Owner != dev.Account() || e.Name != "alice" {
			t.Fatalf("alice = %+v, %v", e, err)
		}
		names, err := c.NamesOfTwin(ctx, id)
		if err != nil || len(names) != 1 || names[0] != e {
			t.Fatalf("names of twin %d = %+v, %v", id, names, err)
		}

		// A proven entry whose signature is not the twin's fails; so does a tampered one.
		a, err := c.query(ctx, "name/alice", 0)
		if err != nil {
			t.Fatal(err)
		}
		forged := e
		forged.Sig = chain.SignName(c.ChainID(), "alice", id, otherPriv)
		if err := c.checkNames(ctx, a.Height, id, []chain.NameEntry{e}); err != nil {
			t.Fatalf("genuine entry: %v", err)
		}
		if err := c.checkNames(ctx, a.Height, id, []chain.NameEntry{forged}); !errors.Is(err, ErrBadSignature) {
			t.Errorf("entry signed by another key: %v, want ErrBadSignature", err)
		}
		tv := a
		tv.Value = forged.Encode()
		if _, err := tv.single(chain.NameKey("alice")); !errors.Is(err, ErrBadProof) {
			t.Errorf("entry with a swapped signature: %v, want ErrBadProof", err)
		}

		// After the twin's key rotates, the chain still holds the entry signed by the old key:
		// proven, but no longer the twin's signature, until the owner publishes it again.
		if _, err := c.Submit(ctx, dev, &chain.RotateKey{ID: id, Key: newPub}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.LookupName(ctx, "alice"); !errors.Is(err, ErrBadSignature) {
			t.Errorf("entry signed by the rotated-out key: %v, want ErrBadSignature", err)
		}
		if _, err := c.NamesOfTwin(ctx, id); !errors.Is(err, ErrBadSignature) {
			t.Errorf("names of a rotated twin: %v, want ErrBadSignature", err)
		}
		resig := chain.SignName(c.ChainID(), "alice", id, newPriv)
		if _, err := c.Submit(ctx, dev, &chain.SetName{Twin: id, Name: "alice", Sig: resig}); err != nil {
			t.Fatal(err)
		}
		if e, err := c.LookupName(ctx, "alice"); err != nil || e.Sig != resig {
			t.Fatalf("republished alice = %+v, %v", e, err)
		}
	})

	t.Run("reconnect", func(t *testing.T) {
		_, pnicA := key(15)
		_, pnicB := key(16)
		id := register(ctx, t, c, dev, &chain.RegisterTwin{Key: [32]byte{16}, PNIC: pnicA})
		sctx, scancel := context.WithCancel(ctx)
		defer scancel()
		events := c.SubscribeTwins(sctx, 0)
		restart() // the websocket drops
		// A stopped in-process node's RPC server keeps serving connections kept alive from
		// before (a real restart resets them): drop those as a dying process would.
		c.transport.CloseIdleConnections()
		if _, err := c.Submit(ctx, dev, &chain.UpdateTwin{ID: id, PNIC: pnicB}); err != nil {
			t.Fatal(err)
		}
		for ev := range events {
			if ev.ID == id && ev.Action == "relocate" && ev.PNIC == pnicB {
				return
			}
		}
		t.Fatal("subscription ended without the relocation made after the restart")
	})
}

// TestSubscribeCatchUp: a twin update committed while the subscriber's client cannot reach the
// node at all is delivered, once, after the link comes back.
func TestSubscribeCatchUp(t *testing.T) {
	chn := chaintest.StartDev(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	px := newProxy(t, strings.TrimPrefix(chn.RPC, "http://"))
	sub, err := Dial(ctx, px.addr, Options{Poll: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	writer, err := Dial(ctx, chn.RPC, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer writer.Close()
	dev := NewSigner(chn.DevKey)
	_, pnicA := key(2)
	_, pnicB := key(3)
	id := register(ctx, t, writer, dev, &chain.RegisterTwin{Key: [32]byte{1}, PNIC: pnicA})
	if err := sub.waitHeight(ctx, writer.Height()); err != nil {
		t.Fatal(err)
	}
	sctx, scancel := context.WithCancel(ctx)
	defer scancel()
	events := sub.SubscribeTwins(sctx, 0)

	px.down()
	res, err := writer.Submit(ctx, dev, &chain.UpdateTwin{ID: id, PNIC: pnicB})
	if err != nil {
		t.Fatal(err)
	}
	if err := writer.waitHeight(ctx, res.Height+2); err != nil {
		t.Fatal(err)
	}
	if h := sub.Height(); h >= res.Height {
		t.Fatalf("the cut-off subscriber saw height %d, the update is at %d", h, res.Height)
	}
	px.up()

	seen := 0
	for ev := range events {
		if ev.ID != id {
			continue
		}
		if ev.Action != "relocate" || ev.PNIC != pnicB || ev.Height != res.Height {
			t.Fatalf("event %+v, want the relocation at height %d", ev, res.Height)
		}
		seen++
		break
	}
	if seen != 1 {
		t.Fatal("subscription ended without the update made while it was cut off")
	}
	// The next event is a later one, not the same relocation again.
	if _, err := writer.Submit(ctx, dev, &chain.UpdateTwin{ID: id, PNIC: pnicA}); err != nil {
		t.Fatal(err)
	}
	for ev := range events {
		if ev.ID == id {
			if ev.Height <= res.Height || ev.PNIC != pnicA {
				t.Fatalf("after the relocation: %+v", ev)
			}
			return
		}
	}
	t.Fatal("subscription ended")
}

// clientGoroutines returns the stacks of goroutines running a method of a Client.
func clientGoroutines() []string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var out []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "chain/client.(*Client).") {
			out = append(out, g)
		}
	}
	return out
}

// TestCloseEndsEverything: Close returns only once the client's goroutines (block follower,
// websocket watcher, subscriptions) have ended; waits end with ErrClosed, subscription channels
// close, and calls after Close fail with ErrClosed instead of hanging.
func TestCloseEndsEverything(t *testing.T) {
	chn := chaintest.StartDev(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c, err := Dial(ctx, chn.RPC, Options{Poll: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Submit(ctx, NewSigner(chn.DevKey), &chain.Faucet{Amount: 1}); err != nil {
		t.Fatal(err)
	}
	// Only Close can end these: their contexts never do.
	events := c.SubscribeTwins(context.Background(), 1)
	waiting := &Pending{c: c, res: Result{Hash: [32]byte{1}}, w: make(chan Result, 1)}
	c.mu.Lock()
	c.waiters[waiting.res.Hash] = waiting.w // a tx the chain will never commit
	c.mu.Unlock()
	late := &Pending{c: c, res: Result{Hash: [32]byte{2}}, w: make(chan Result, 1)} // registered after follow ended
	errs := make(chan error, 3)
	go func() { _, err := waiting.Wait(context.Background()); errs <- err }()
	go func() { _, err := late.Wait(context.Background()); errs <- err }()
	go func() { errs <- c.waitHeight(context.Background(), 1<<40) }()

	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	// A goroutine that has called wg.Done is still on the stack for a moment while it returns;
	// goroutine exit has no event to await, so look again a bounded number of times.
	g := clientGoroutines()
	for i := 0; i < 100 && len(g) > 0; i++ {
		time.Sleep(10 * time.Millisecond)
		g = clientGoroutines()
	}
	if len(g) > 0 {
		t.Fatalf("%d client goroutines outlive Close:\n%s", len(g), strings.Join(g, "\n\n"))
	}
	for range 3 {
		select {
		case err := <-errs:
			if !errors.Is(err, ErrClosed) {
				t.Errorf("wait after Close: %v, want ErrClosed", err)
			}
		case <-ctx.Done():
			t.Fatal("a wait did not end on Close")
		}
	}
	for range events { // closed by Close; a leftover open channel would block here
	}
	if _, err := c.Broadcast(ctx, []byte("tx")); !errors.Is(err, ErrClosed) {
		t.Errorf("Broadcast after Close: %v, want ErrClosed", err)
	}
	if _, ok := <-c.SubscribeTwins(ctx, 0); ok {
		t.Error("SubscribeTwins after Close delivered an event")
	}
	if err := c.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// TestSignerConcurrentSubmits: many Submits at once with one Signer are all admitted in order
// and committed, each with its own sequence number; when another Signer of the same key takes a
// number behind its back, the next Submit is signed again with the chain's count and succeeds.
func TestSignerConcurrentSubmits(t *testing.T) {
	chn := chaintest.StartDev(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c, err := Dial(ctx, chn.RPC, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	k, _ := key(40)
	s := NewSigner(k)
	const workers, each = 12, 3
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				if _, err := c.Submit(ctx, s, &chain.Faucet{Amount: 1}); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent Submit: %v", err)
	}
	acct, err := c.Balance(ctx, s.Account())
	if err != nil || acct.Seq != workers*each || acct.Balance != workers*each {
		t.Fatalf("account %+v, %v; want %d txs committed", acct, err, workers*each)
	}

	other := NewSigner(k)
	if _, err := c.Submit(ctx, other, &chain.Faucet{Amount: 2}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Submit(ctx, s, &chain.Faucet{Amount: 1}); err != nil {
		t.Fatalf("Submit with a number taken elsewhere: %v", err)
	}
	if _, err := c.Submit(ctx, s, &chain.Faucet{Amount: 1}); err != nil {
		t.Fatalf("Submit after it: %v", err)
	}
	acct, err = c.Balance(ctx, s.Account())
	if err != nil || acct.Seq != workers*each+3 {
		t.Fatalf("account %+v, %v; want %d txs committed", acct, err, workers*each+3)
	}
}

// TestSubmitAfterLostBroadcast: a broadcast cut in transit (the connection drops after the node
// got the request, before it answered; the tx never reaches the mempool) takes a sequence number
// from the Signer, and the next Submit with it still succeeds at its first call.
func TestSubmitAfterLostBroadcast(t *testing.T) {
	chn := chaintest.StartDev(t)
	var cut atomic.Bool // the next broadcast is cut
	cutDone := make(chan struct{}, 1)
	addr := rpcProxy(t, chn.RPC, func(w http.ResponseWriter, call rpcCall, _ func(http.ResponseWriter)) bool {
		if !strings.HasPrefix(call.Method, "broadcast_tx") || !cut.CompareAndSwap(true, false) {
			return false
		}
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			conn.Close()
		}
		cutDone <- struct{}{}
		return true
	})

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c, err := Dial(ctx, addr, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	k, _ := key(41)
	s := NewSigner(k)
	if _, err := c.Submit(ctx, s, &chain.Faucet{Amount: 1}); err != nil {
		t.Fatal(err)
	}
	cut.Store(true)
	if _, err := c.Submit(ctx, s, &chain.Faucet{Amount: 1}); err == nil {
		t.Fatal("Submit through a cut connection succeeded")
	}
	<-cutDone
	if _, err := c.Submit(ctx, s, &chain.Faucet{Amount: 1}); err != nil {
		t.Fatalf("first Submit after the lost broadcast: %v", err)
	}
	acct, err := c.Balance(ctx, s.Account())
	if err != nil || acct.Seq != 2 || acct.Balance != 2 {
		t.Fatalf("account %+v, %v; want the two txs that reached the chain", acct, err)
	}
}

// TestNewestResultsNotYetStored: a node that announces its newest height before it has stored
// that block's results (the first lookup of the newest height's results fails so) delays the walk,
// it does not fail it: the tx still commits for its Submit and nothing is logged as a warning.
func TestNewestResultsNotYetStored(t *testing.T) {
	chn := chaintest.StartDev(t)
	var mu sync.Mutex
	var newest string            // the latest height the node last reported
	refused := map[string]bool{} // newest heights whose results were refused once
	var notYet atomic.Int64
	addr := rpcProxy(t, chn.RPC, func(w http.ResponseWriter, call rpcCall, forward func(http.ResponseWriter)) bool {
		switch call.Method {
		case "status":
			rec := httptest.NewRecorder()
			forward(rec)
			var st struct {
				Result struct {
					SyncInfo struct {
						LatestBlockHeight string `json:"latest_block_height"`
					} `json:"sync_info"`
				} `json:"result"`
			}
			if json.Unmarshal(rec.Body.Bytes(), &st) == nil {
				mu.Lock()
				newest = st.Result.SyncInfo.LatestBlockHeight
				mu.Unlock()
			}
			maps.Copy(w.Header(), rec.Header())
			w.WriteHeader(rec.Code)
			w.Write(rec.Body.Bytes())
			return true
		case "block_results":
			var p struct {
				Height string `json:"height"`
			}
			json.Unmarshal(call.Params, &p)
			mu.Lock()
			first := p.Height == newest && !refused[p.Height]
			refused[p.Height] = true
			mu.Unlock()
			if !first {
				return false
			}
			notYet.Add(1)
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,"error":{"code":-32603,"message":"Internal error","data":"could not find results for height #%s"}}`, call.ID, p.Height)
			return true
		}
		return false
	})
	warns := &countHandler{level: slog.LevelWarn}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c, err := Dial(ctx, addr, Options{Log: slog.New(warns)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	k, _ := key(42)
	if _, err := c.Submit(ctx, NewSigner(k), &chain.Faucet{Amount: 1}); err != nil {
		t.Fatal(err)
	}
	if notYet.Load() == 0 {
		t.Fatal("no block results lookup was answered with not yet")
	}
	if n := warns.count.Load(); n != 0 {
		t.Fatalf("%d warnings logged for results not stored yet", n)
	}
}

// countHandler counts log records at or above level.
type countHandler struct {
	level slog.Level
	count atomic.Int64
}

func (h *countHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= h.level }
func (h *countHandler) Handle(context.Context, slog.Record) error    { h.count.Add(1); return nil }
func (h *countHandler) WithAttrs([]slog.Attr) slog.Handler           { return h }
func (h *countHandler) WithGroup(string) slog.Handler                { return h }
