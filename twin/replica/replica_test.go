package replica

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/freeflowuniverse/planetary/rmb/schema"
	"github.com/freeflowuniverse/planetary/rmb/seal"
	"github.com/freeflowuniverse/planetary/twin/store"
)

// TestStreamAndOpen: a twin's store streams to a keeper on loopback (snapshot, then each change
// acknowledged before its commit returns); the keeper's files hold no plaintext; the standby's
// key opens them into a store with the same history; another key does not; a stranger's hello
// is refused; a twin silent past the grace is listed.
func TestStreamAndOpen(t *testing.T) {
	keys, err := seal.GenerateTwinKeys(7)
	if err != nil {
		t.Fatal(err)
	}
	kf := filepath.Join(t.TempDir(), "twin.key")
	seal.WriteKeyFile(kf, keys)
	keyFile, _ := os.ReadFile(kf)
	sk, err := LoadOrCreateStandbyKey(filepath.Join(t.TempDir(), "standby.key"))
	if err != nil {
		t.Fatal(err)
	}
	lookup := func(_ context.Context, id uint64) (ed25519.PublicKey, error) { return keys.SigningPublic(), nil }
	k, err := NewKeeper(t.TempDir(), lookup, nil)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go k.Serve(ln)

	st, err := store.Open(filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	st.PutContact(store.Contact{Twin: 2, State: schema.ContactState_contact})
	s, err := NewSender(SenderConfig{Addr: ln.Addr().String(), StandbyKey: sk.Public, Twin: 7, Signing: keys.Signing, KeyFile: keyFile, HTTP: "127.0.0.1:9999", Store: st, SnapshotEvery: 8})
	if err != nil {
		t.Fatal(err)
	}
	st.SetReplicator(s)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go s.Run(ctx)
	deadline := time.Now().Add(20 * time.Second)
	for !s.Connected() {
		if time.Now().After(deadline) {
			t.Fatal("sender never connected")
		}
		time.Sleep(20 * time.Millisecond)
	}
	for i := range 20 {
		st.AddMessage(store.Message{Peer: 2, ID: store.MessageID{byte(i)}, Outgoing: true, Text: "secret text", State: schema.ChatState_pending})
	}
	// Each commit returned after its acknowledgement: the replica has all of them now, in a
	// snapshot taken after 8 changes and the changes since.
	for _, name := range []string{"hello", "snap", "log"} {
		b, _ := os.ReadFile(filepath.Join(k.Dir(7), name))
		if bytes.Contains(b, []byte("secret text")) || bytes.Contains(b, keys.Signing.Seed()) {
			t.Fatalf("replica file %s holds plaintext", name)
		}
	}
	r, err := Open(k.Dir(7), sk)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Batches) > 9 {
		t.Fatalf("%d batches in the replica: the log was never compacted into a snapshot", len(r.Batches))
	}
	if r.Hello.HTTP != "127.0.0.1:9999" || !bytes.Equal(r.KeyFile, keyFile) {
		t.Fatalf("opened hello %+v", r.Hello)
	}
	dir := filepath.Join(t.TempDir(), "restored")
	if err := store.Restore(dir, r.Batches); err != nil {
		t.Fatal(err)
	}
	rs, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	h, _ := rs.History(2, 0, 100)
	rs.Close()
	if len(h) != 20 {
		t.Fatalf("restored history has %d messages, want 20", len(h))
	}
	other, _ := LoadOrCreateStandbyKey(filepath.Join(t.TempDir(), "other.key"))
	if _, err := Open(k.Dir(7), other); err == nil {
		t.Fatal("another standby's key opened the replica")
	}
	if got := k.Silent(3 * time.Second); len(got) != 0 {
		t.Fatalf("a twin streaming now is silent: %v", got)
	}
	cancel()
	deadline = time.Now().Add(20 * time.Second)
	for len(k.Silent(1500*time.Millisecond)) != 1 {
		if time.Now().After(deadline) {
			t.Fatal("a twin whose stream ended is never silent")
		}
		time.Sleep(50 * time.Millisecond)
	}

	// A hello signed by another key is refused with a reason.
	stranger, _ := seal.GenerateTwinKeys(7)
	bad, _ := NewSender(SenderConfig{StandbyKey: sk.Public, Twin: 7, Signing: stranger.Signing, KeyFile: keyFile, Store: st})
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	writeFrame(c, tHello, bad.hello)
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	typ, p, err := readFrame(bufio.NewReader(c))
	if err != nil || typ != tErr || !strings.Contains(string(p), "signature") {
		t.Fatalf("stranger's hello: %d %q %v", typ, p, err)
	}
}

// FuzzDecodeHello: any bytes give a hello or an error, never a crash.
func FuzzDecodeHello(f *testing.F) {
	f.Add([]byte(`{"twin":1,"http":"x","wrapped":"AA==","keys":"AA==","sig":"` + strings.Repeat("A", 86) + `=="}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if h, err := DecodeHello(b); err == nil {
			h.Verify(make([]byte, 32))
		}
	})
}

// FuzzReadFrame: any bytes on the wire give frames or an error, never a crash or a huge allocation.
func FuzzReadFrame(f *testing.F) {
	var b bytes.Buffer
	writeFrame(&b, tAck, make([]byte, 8))
	f.Add(b.Bytes())
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 1})
	f.Fuzz(func(t *testing.T, in []byte) {
		r := bufio.NewReader(bytes.NewReader(in))
		for i := 0; i < 100; i++ {
			typ, p, err := readFrame(r)
			if err != nil {
				return
			}
			if typ == tSnap || typ == tInc {
				record(p)
			}
		}
	})
}
