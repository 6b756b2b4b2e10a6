package pnic

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/freeflowuniverse/planetary/internal/nodecert"
	"github.com/freeflowuniverse/planetary/internal/testnet"
	"github.com/freeflowuniverse/planetary/tun"
)

// startTLSNode starts a userspace node listening for ptls:// links on loopback.
func startTLSNode(t *testing.T, timeout time.Duration, peers ...string) *Node {
	t.Helper()
	n, err := New(Config{
		DataDir:     t.TempDir(),
		Listen:      []string{"ptls://127.0.0.1:0"},
		Peers:       peers,
		TUN:         "userspace",
		HTTP:        "127.0.0.1:0",
		LinkTimeout: Duration(timeout),
	}, testLogger(t))
	if err != nil {
		t.Fatalf("start node: %v", err)
	}
	t.Cleanup(func() { n.Close() })
	return n
}

func status(t *testing.T, n *Node) Status {
	t.Helper()
	_, body := get(t, n, "/v1/status")
	var s Status
	if err := json.Unmarshal(body, &s); err != nil {
		t.Fatalf("status: %v", err)
	}
	return s
}

// TestTLSLink: two nodes joined by a ptls:// link carry TCP both ways through their netstacks,
// and the link shows in the status with its scheme, a measured RTT and its byte counts.
func TestTLSLink(t *testing.T) {
	a := startTLSNode(t, DefaultLinkTimeout)
	b := startTLSNode(t, DefaultLinkTimeout, "ptls://"+a.TLSLinkAddrs()[0].String()+"?key="+hex.EncodeToString(a.PublicKey()))
	ua, ub := a.Device().(*tun.Userspace), b.Device().(*tun.Userspace)
	ln, err := ub.ListenTCP(netip.AddrPortFrom(b.Address(), 7000))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); io.Copy(c, c) }()
		}
	}()
	waitFor(t, 10*time.Second, "link up", a.Ready)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := testnet.DialRetry(ctx, 3*time.Second, func(ctx context.Context) (net.Conn, error) {
		return ua.DialTCP(ctx, netip.AddrPortFrom(b.Address(), 7000))
	})
	if err != nil {
		t.Fatalf("dial b over the overlay: %v", err)
	}
	defer c.Close()
	if err := testnet.EchoRoundTrip(c, 4<<20, 20*time.Second); err != nil {
		t.Fatal(err)
	}
	s := status(t, b)
	if len(s.Listen) != 1 || !strings.HasPrefix(s.Listen[0], "ptls://127.0.0.1:") {
		t.Errorf("listen = %v, want one ptls:// address", s.Listen)
	}
	waitFor(t, 10*time.Second, "an RTT on the link", func() bool {
		s := status(t, b)
		return len(s.Peers) == 1 && len(s.Peers[0].Links) == 1 && s.Peers[0].Links[0].LatencyMS > 0
	})
	l := status(t, b).Peers[0].Links[0]
	if !l.Up || !strings.HasPrefix(l.URI, "ptls://") || l.RXBytes < 4<<20 || l.TXBytes < 4<<20 {
		t.Errorf("link = %+v, want an up ptls:// link that counted the echoed 4 MiB", l)
	}
}

// TestTLSLinkSilentPeer: a peer that completes the TLS handshake and the preamble, then says
// nothing at all, is dropped for the link timeout and the link's last error says so.
func TestTLSLinkSilentPeer(t *testing.T) {
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	cert, err := nodecert.Certificate(key)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{
		MinVersion: tls.VersionTLS13, Certificates: []tls.Certificate{cert},
		ClientAuth: tls.RequireAnyClientCert, NextProtos: []string{tlsLinkALPN},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	closed := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			closed <- err
			return
		}
		defer c.Close()
		_, err = io.Copy(io.Discard, c) // read everything, answer nothing
		closed <- err
	}()
	n := startTLSNode(t, 300*time.Millisecond, "ptls://"+ln.Addr().String())
	select {
	case <-closed:
	case <-time.After(20 * time.Second):
		t.Fatal("the node never closed the link to a silent peer")
	}
	waitFor(t, 10*time.Second, "the link's error", func() bool {
		s := status(t, n)
		return len(s.Peers) == 1 && len(s.Peers[0].Links) == 1 && strings.Contains(s.Peers[0].Links[0].LastError, errLinkTimeout.Error())
	})
}

// TestTLSLinkFrames: what Write frames, Read returns byte for byte, with pings between the
// data frames answered and not passed on.
func TestTLSLinkFrames(t *testing.T) {
	var wire bytes.Buffer
	w := &tlsConn{l: &link{}, w: &wire, start: time.Now(), pongs: make(chan [pingLen]byte, 1), done: make(chan struct{})}
	msgs := [][]byte{[]byte("hello"), bytes.Repeat([]byte{7}, 70000), {}, []byte("x")}
	for i, m := range msgs {
		if _, err := w.Write(m); err != nil {
			t.Fatal(err)
		}
		if i == 1 {
			w.writeFrame(framePing, []byte("12345678"))
		}
	}
	r := &tlsConn{l: &link{}, r: &wire, start: time.Now(), pongs: make(chan [pingLen]byte, 1), done: make(chan struct{})}
	got, err := io.ReadAll(struct{ io.Reader }{r})
	if err != nil {
		t.Fatal(err)
	}
	if want := bytes.Join(msgs, nil); !bytes.Equal(got, want) {
		t.Fatalf("read %d bytes, want the %d written", len(got), len(want))
	}
	select {
	case tok := <-r.pongs:
		if string(tok[:]) != "12345678" {
			t.Fatalf("pong token %q", tok)
		}
	default:
		t.Fatal("the ping was not answered")
	}
	if r.l.rx.Load() != uint64(len(got)) || w.l.tx.Load() != uint64(len(got)) {
		t.Fatalf("counted rx %d tx %d, want %d", r.l.rx.Load(), w.l.tx.Load(), len(got))
	}
}

// FuzzTLSLinkFrames feeds arbitrary bytes, as if from a peer, to the ptls:// frame reader:
// nothing panics, no more data comes out than went in, and a bad frame is an error.
func FuzzTLSLinkFrames(f *testing.F) {
	f.Add([]byte{0, 0, 0, 5, 'h', 'e', 'l', 'l', 'o'})
	f.Add([]byte{1, 0, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 1, 'x'})
	f.Add([]byte{2, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 1})
	f.Add([]byte{1, 0, 0, 3, 1, 2, 3})
	f.Add([]byte{9, 0, 0, 0})
	f.Add([]byte{0, 0xff, 0xff, 0xff, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		c := &tlsConn{l: &link{}, r: bytes.NewReader(data), raw: nopConn{}, start: time.Now(),
			pongs: make(chan [pingLen]byte, 1), done: make(chan struct{})}
		buf := make([]byte, 1000)
		total := 0
		for range len(data) + 1 {
			n, err := c.Read(buf)
			total += n
			if err != nil {
				if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) && !strings.Contains(err.Error(), "link frame") {
					t.Fatalf("unexpected error %v", err)
				}
				break
			}
		}
		if total > len(data) {
			t.Fatalf("read %d data bytes from %d input bytes", total, len(data))
		}
	})
}

// nopConn is a net.Conn that does nothing, for a tlsConn that fails while fuzzed.
type nopConn struct{ net.Conn }

func (nopConn) Close() error { return nil }

// TestTLSLinkRefusals: garbage on the ptls:// port, a TLS client speaking another protocol and
// a dialer pinning another key are all refused without harm, and a proper link comes up after.
func TestTLSLinkRefusals(t *testing.T) {
	a := startTLSNode(t, DefaultLinkTimeout)
	addr := a.TLSLinkAddrs()[0].String()
	buf := make([]byte, 4096)
	for i := range 20 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		rand.Read(buf)
		if i%2 == 0 {
			copy(buf, []byte{0x16, 0x03, 0x01, 0x02, 0x00}) // looks like a TLS handshake record
		}
		c.Write(buf[:1+i*200])
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, err := io.Copy(io.Discard, c); err != nil && errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("garbage connection %d left open", i)
		}
		c.Close()
	}

	_, key, _ := ed25519.GenerateKey(rand.Reader)
	cert, err := nodecert.Certificate(key)
	if err != nil {
		t.Fatal(err)
	}
	_, err = tls.Dial("tcp", addr, &tls.Config{Certificates: []tls.Certificate{cert}, InsecureSkipVerify: true, NextProtos: []string{"h2"}})
	if err == nil {
		t.Fatal("a TLS client asking for h2 completed the handshake")
	}

	other, _, _ := ed25519.GenerateKey(rand.Reader)
	wrong := startTLSNode(t, DefaultLinkTimeout, "ptls://"+addr+"?key="+hex.EncodeToString(other))
	waitFor(t, 10*time.Second, "the pinned-key refusal", func() bool {
		s := status(t, wrong)
		return len(s.Peers) == 1 && len(s.Peers[0].Links) == 1 && strings.Contains(s.Peers[0].Links[0].LastError, "want "+hex.EncodeToString(other))
	})
	if wrong.Ready() {
		t.Fatal("a link came up to a peer with another key than the pinned one")
	}

	b := startTLSNode(t, DefaultLinkTimeout, "ptls://"+addr)
	waitFor(t, 10*time.Second, "a link after the refusals", func() bool { return a.Ready() && b.Ready() })
}
