package socket_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/freeflowuniverse/planetary/rmb/bus"
	"github.com/freeflowuniverse/planetary/rmb/client"
	"github.com/freeflowuniverse/planetary/rmb/frame"
	"github.com/freeflowuniverse/planetary/rmb/resolve"
	"github.com/freeflowuniverse/planetary/rmb/schema"
	"github.com/freeflowuniverse/planetary/rmb/seal"
	"github.com/freeflowuniverse/planetary/rmb/socket"
)

// syncBuf is a log sink tests can read.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// fakeOverlay maps overlay ports onto loopback TCP.
type fakeOverlay struct {
	mu    sync.Mutex
	ports map[netip.AddrPort]string
}

func (o *fakeOverlay) TwinAddress(id uint64) (netip.Addr, error) {
	return netip.AddrFrom16([16]byte{0x03, 0x00, 15: byte(id)}), nil
}

func (o *fakeOverlay) DialTCP(ctx context.Context, ap netip.AddrPort) (net.Conn, error) {
	o.mu.Lock()
	real, ok := o.ports[ap]
	o.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("connection refused: %s", ap)
	}
	var d net.Dialer
	return d.DialContext(ctx, "tcp", real)
}

func (o *fakeOverlay) ListenTCP(ap netip.AddrPort) (net.Listener, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	o.mu.Lock()
	o.ports[ap] = ln.Addr().String()
	o.mu.Unlock()
	return ln, nil
}

type env struct {
	t     *testing.T
	res   *resolve.Static
	ovl   *fakeOverlay
	log   *syncBuf
	addrs sync.Map
	socks map[uint64]string // twin -> socket path
	keys  map[uint64]seal.TwinKeys
}

// newEnv starts n PNICs, each with a bus and socket server, and one twin (id i+1) on each.
func newEnv(t *testing.T, n int) *env {
	e := &env{t: t, res: resolve.NewStatic(), ovl: &fakeOverlay{ports: map[netip.AddrPort]string{}}, log: &syncBuf{},
		socks: map[uint64]string{}, keys: map[uint64]seal.TwinKeys{}}
	locate := func(k ed25519.PublicKey) (net.Addr, error) {
		if a, ok := e.addrs.Load(string(k)); ok {
			return a.(net.Addr), nil
		}
		return nil, errors.New("unknown PNIC")
	}
	logger := slog.New(slog.NewTextHandler(e.log, nil))
	dir, err := os.MkdirTemp("", "rmb") // short path: Unix socket paths are limited to 108 bytes
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	for i := range n {
		_, key, _ := ed25519.GenerateKey(nil)
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		e.addrs.Store(string(key.Public().(ed25519.PublicKey)), pc.LocalAddr())
		b, err := bus.New(bus.Config{Conn: pc, Locate: locate, Key: key, Resolver: e.res, DataDir: filepath.Join(dir, fmt.Sprint(i)),
			Logger: logger, Limits: bus.Limits{MaxEnvelope: 8 << 10}})
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, fmt.Sprintf("p%d.sock", i))
		srv, err := socket.Listen(socket.Config{Path: path, Bus: b, Overlay: e.ovl, Logger: logger, AuthTimeout: 2 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { srv.Close(); b.Close(); pc.Close() })
		id := uint64(i + 1)
		k, _ := seal.GenerateTwinKeys(id)
		e.res.Put(resolve.TwinInfo{ID: id, SigningKey: k.SigningPublic(), EncryptionKey: k.EncryptionPublic(), PNIC: key.Public().(ed25519.PublicKey)})
		e.socks[id], e.keys[id] = path, k
	}
	return e
}

func (e *env) client(id uint64) *client.Client {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, client.Config{Path: e.socks[id], Keys: e.keys[id]})
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { c.Close() })
	return c
}

func TestSocketMode0600(t *testing.T) {
	e := newEnv(t, 1)
	fi, err := os.Stat(e.socks[1])
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("socket mode %v, want 0600", fi.Mode().Perm())
	}
}

func TestSendRequestPingAcrossPNICs(t *testing.T) {
	e := newEnv(t, 2)
	a, b := e.client(1), e.client(2)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	r, err := a.SendWait(ctx, client.Outgoing{To: 2, Command: "chat", Body: []byte("hello b")})
	if err != nil || !r.Delivered {
		t.Fatalf("send with receipt: %+v %v", r, err)
	}
	m := <-b.Messages()
	if string(m.Body) != "hello b" || m.From != 1 || m.Command != "chat" {
		t.Fatalf("b got %+v", m)
	}
	m.Ack()

	go func() {
		for m := range b.Messages() {
			if m.Kind == seal.KindRequest {
				b.Reply(ctx, m, 0, append([]byte("echo: "), m.Body...))
			}
			m.Ack()
		}
	}()
	resp, err := a.Request(ctx, client.Outgoing{To: 2, Command: "echo", Body: []byte("ping?")})
	if err != nil || string(resp.Body) != "echo: ping?" {
		t.Fatalf("request: %v %v", resp, err)
	}
	rtt, err := a.Ping(ctx, 2)
	if err != nil || rtt <= 0 {
		t.Fatalf("ping: %v %v", rtt, err)
	}
	t.Logf("ping rtt %v", rtt)

	short, cancel2 := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel2()
	if _, err := a.Request(short, client.Outgoing{To: 1, Command: "nobody answers", Body: []byte("x")}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("request timeout: %v", err)
	}

	addr, err := a.Address(ctx, 0)
	if err != nil || !addr.Is6() {
		t.Fatalf("address: %v %v", addr, err)
	}
}

func TestSendErrorsAreTyped(t *testing.T) {
	e := newEnv(t, 2)
	a := e.client(1)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := a.Send(ctx, client.Outgoing{To: 2, Body: make([]byte, 16<<10)})
	var pe *client.Error
	if !errors.As(err, &pe) || pe.Code != schema.ErrorCode_tooLarge {
		t.Fatalf("too large: %v", err)
	}
	if _, err := a.Send(ctx, client.Outgoing{To: 77, Body: []byte("x")}); err == nil {
		t.Fatal("send to an unknown twin succeeded")
	}
	// An envelope claiming another twin as its source is refused.
	other := e.keys[2]
	now := time.Now()
	env := &seal.Envelope{ID: seal.NewID(), Src: 2, Dst: 1, Created: now.UnixNano(), Expires: now.Add(time.Minute).UnixNano()}
	seal.Seal(other, e.keys[1].EncryptionPublic(), env, []byte("forged"))
	raw, _ := env.Marshal()
	if err := a.SendRaw(ctx, raw); !errors.As(err, &pe) || pe.Code != schema.ErrorCode_badRequest {
		t.Fatalf("foreign source: %v", err)
	}
}

func TestWrongKeyRefused(t *testing.T) {
	e := newEnv(t, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	wrong, _ := seal.GenerateTwinKeys(1)
	if _, err := client.Dial(ctx, client.Config{Path: e.socks[1], Keys: wrong}); !errors.Is(err, client.ErrUnauthenticated) {
		t.Fatalf("wrong key: %v", err)
	}
	unknown, _ := seal.GenerateTwinKeys(42)
	if _, err := client.Dial(ctx, client.Config{Path: e.socks[1], Keys: unknown}); !errors.Is(err, client.ErrUnauthenticated) {
		t.Fatalf("unknown twin: %v", err)
	}
	// The server logs after it has answered the client; wait for the line, bounded.
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(e.log.String(), "wrong key"); {
		if time.Now().After(deadline) {
			t.Fatalf("refusal not logged:\n%s", e.log.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestGarbageFramesCloseOnlyThatClient(t *testing.T) {
	e := newEnv(t, 2)
	a := e.client(1)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	garbage := [][]byte{
		{0xff, 0xff, 0xff, 0xff},                         // absurd length
		{0, 0, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8},             // not Cap'n Proto
		append([]byte{0, 0, 0, 16}, make([]byte, 16)...), // null root
	}
	for i, g := range garbage {
		for _, authed := range []bool{false, true} {
			c, err := net.Dial("unix", e.socks[1])
			if err != nil {
				t.Fatal(err)
			}
			if authed {
				authenticate(t, c, e.keys[1])
			} else {
				readRaw(t, c) // challenge
			}
			c.Write(g)
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			if _, err := io.ReadAll(c); err != nil {
				t.Fatalf("garbage %d (authenticated %v): connection not closed by the server: %v", i, authed, err)
			}
			c.Close()
		}
		// The well-behaved client is unaffected.
		if _, err := a.SendWait(ctx, client.Outgoing{To: 2, Body: []byte(fmt.Sprint("still fine ", i))}); err != nil {
			t.Fatalf("good client broken after garbage %d: %v", i, err)
		}
	}
}

func readRaw(t *testing.T, c net.Conn) []byte {
	t.Helper()
	var hdr [4]byte
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.ReadFull(c, hdr[:]); err != nil {
		t.Fatal(err)
	}
	n := int(hdr[0])<<24 | int(hdr[1])<<16 | int(hdr[2])<<8 | int(hdr[3])
	b := make([]byte, n)
	if _, err := io.ReadFull(c, b); err != nil {
		t.Fatal(err)
	}
	return b
}

func authenticate(t *testing.T, c net.Conn, k seal.TwinKeys) {
	t.Helper()
	ch, err := frame.DecodeFrame(readRaw(t, c))
	if err != nil {
		t.Fatal(err)
	}
	challenge, _ := ch.Challenge()
	f, _ := frame.NewFrame(1)
	a, _ := f.NewAuth()
	a.SetTwin(k.ID)
	a.SetSignature(frame.SignChallenge(k.Signing, challenge, k.ID))
	b, _ := frame.AppendFrame(nil, f)
	c.Write(b)
	ans, err := frame.DecodeFrame(readRaw(t, c))
	if err != nil || ans.Which() != schema.Frame_Which_ok {
		t.Fatalf("auth: %v %v", ans.Which(), err)
	}
}

func TestOverlayStreams(t *testing.T) {
	e := newEnv(t, 2)
	a, b := e.client(1), e.client(2)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ln, err := b.ListenStream(ctx, 7000)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		io.Copy(c, c) // echo
	}()
	addr, err := a.Address(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	c, err := a.DialStream(ctx, netip.AddrPortFrom(addr, 7000))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	msg := bytes.Repeat([]byte("stream "), 10000)
	go c.Write(msg)
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(c, got); err != nil || !bytes.Equal(got, msg) {
		t.Fatalf("echo over the overlay stream: %v", err)
	}
}
