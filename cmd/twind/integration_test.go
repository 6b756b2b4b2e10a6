package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/freeflowuniverse/planetary/internal/testnet"
	"github.com/freeflowuniverse/planetary/pnic"
	"github.com/freeflowuniverse/planetary/rmb/schema"
	"github.com/freeflowuniverse/planetary/twin/wsclient"
)

const module = "github.com/freeflowuniverse/planetary"

func freePort(t *testing.T, network string) int {
	t.Helper()
	if network == "udp" {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer pc.Close()
		return pc.LocalAddr().(*net.UDPAddr).Port
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// pnicNode is one pnicd on loopback with the userspace netstack.
type pnicNode struct {
	data, socket string
	key          ed25519.PublicKey
	args         []string
	proc         *testnet.Proc
	starts       int
}

func (n *pnicNode) start(t *testing.T) {
	t.Helper()
	n.starts++
	n.proc = testnet.StartLocal(t, filepath.Join(n.data, fmt.Sprintf("pnicd-%d.log", n.starts)), testnet.Build(t, module+"/cmd/pnicd"), n.args...)
	waitFor(t, 60*time.Second, "pnicd socket "+n.socket, n.proc, func() bool {
		c, err := net.Dial("unix", n.socket)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
}

// waitFor polls an outside process's state until cond holds, failing if the process exits.
func waitFor(t *testing.T, limit time.Duration, what string, p *testnet.Proc, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if p.Exited() {
			t.Fatalf("%s: process exited:\n%s", what, p.Output())
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s:\n%s", what, limit, p.Output())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// twinProc is a twind process and its owner's websocket.
type twinProc struct {
	id   uint64
	data string
	http string
	proc *testnet.Proc
	ws   *wsclient.Conn
	hc   *http.Client // holds the session cookie
}

// startPNICs runs n pnicd processes in a line on loopback (userspace netstack), each with args added
// (how it resolves twins).
func startPNICs(t *testing.T, n int, args ...string) []*pnicNode {
	t.Helper()
	var nodes []*pnicNode
	prev := 0
	for i := range n {
		data := t.TempDir()
		priv, _, err := pnic.LoadOrCreateKey(filepath.Join(data, "pnic.key"))
		if err != nil {
			t.Fatal(err)
		}
		port := freePort(t, "udp")
		sock := filepath.Join(os.TempDir(), fmt.Sprintf("twind-it-%d-%d.sock", i, time.Now().UnixNano()%1e9))
		t.Cleanup(func() { os.Remove(sock) })
		a := append([]string{"--data", data, "--socket", sock, "--tun", "userspace", "--http", "off",
			"--listen", fmt.Sprintf("quic://127.0.0.1:%d", port), "--link-timeout", "600ms", "--redial-max", "1s"}, args...)
		if prev != 0 {
			a = append(a, "--peer", fmt.Sprintf("quic://127.0.0.1:%d", prev))
		}
		prev = port
		nd := &pnicNode{data: data, socket: sock, key: priv.Public().(ed25519.PublicKey), args: a}
		nd.start(t)
		nodes = append(nodes, nd)
	}
	return nodes
}

// startNetwork runs n pnicd processes in a line on loopback with one twind each; twin i is on PNIC i.
func startNetwork(t *testing.T, ctx context.Context, n int) ([]*pnicNode, []*twinProc) {
	t.Helper()
	resolver := filepath.Join(t.TempDir(), "twins.json")
	nodes := startPNICs(t, n, "--resolver", resolver)
	twind := testnet.Build(t, module+"/cmd/twind")
	var twins []*twinProc
	for i, nd := range nodes {
		tp := &twinProc{id: uint64(i + 1), data: t.TempDir(), http: fmt.Sprintf("127.0.0.1:%d", freePort(t, "tcp"))}
		tp.proc = testnet.StartLocal(t, filepath.Join(tp.data, "twind.log"), twind, "--data", tp.data, "--pnic", nd.socket,
			"--http", tp.http, "--directory", resolver, "--twin-id", fmt.Sprint(tp.id), "--pnic-key", hex.EncodeToString(nd.key))
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("twind %d log:\n%s", tp.id, tp.proc.Output())
			}
		})
		waitFor(t, 60*time.Second, fmt.Sprintf("twind %d web server", tp.id), tp.proc, func() bool {
			resp, err := http.Get("http://" + tp.http + "/session")
			if err == nil {
				resp.Body.Close()
			}
			return err == nil && resp.StatusCode == http.StatusUnauthorized
		})
		if !strings.Contains(tp.proc.Output(), "/login?s=") {
			t.Fatalf("twind %d printed no login link on first start:\n%s", tp.id, tp.proc.Output())
		}
		tp.ws = tp.connect(t, ctx)
		twins = append(twins, tp)
	}
	return nodes, twins
}

// connect logs in with a fresh link from `twind login-link` and opens the websocket.
func (tp *twinProc) connect(t *testing.T, ctx context.Context) *wsclient.Conn {
	t.Helper()
	var out bytes.Buffer
	if err := run([]string{"login-link", "--data", tp.data, "--http", tp.http}, &out, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	hc, err := wsclient.Login(ctx, strings.TrimSpace(out.String()))
	if err != nil {
		t.Fatalf("twin %d: %v", tp.id, err)
	}
	tp.hc = hc
	c, err := wsclient.Dial(ctx, "http://"+tp.http, hc)
	if err != nil {
		t.Fatalf("twin %d: %v", tp.id, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func (tp *twinProc) call(t *testing.T, ctx context.Context, fill func(schema.WsRequest) error) schema.WsResponse {
	t.Helper()
	r, err := tp.ws.Call(ctx, fill)
	if err != nil {
		t.Fatalf("twin %d: %v", tp.id, err)
	}
	return r
}

// befriend has a invite b (with note, if any) and b accept, and waits until both see it.
func befriend(t *testing.T, ctx context.Context, a, b *twinProc, note string) {
	t.Helper()
	a.call(t, ctx, func(rq schema.WsRequest) error {
		in, err := rq.NewInvite()
		if err != nil {
			return err
		}
		in.SetTwin(b.id)
		if note == "" {
			return nil
		}
		return in.SetNote(note)
	})
	b.await(t, ctx, fmt.Sprintf("invitation from twin %d", a.id), contactEvent(a.id, schema.ContactState_invitedBy))
	b.call(t, ctx, func(rq schema.WsRequest) error { rq.SetAccept(a.id); return nil })
	a.await(t, ctx, fmt.Sprintf("acceptance by twin %d", b.id), contactEvent(b.id, schema.ContactState_contact))
}

// await reads the twin's events until ok accepts one.
func (tp *twinProc) await(t *testing.T, ctx context.Context, what string, ok func(schema.WsEvent) bool) schema.WsEvent {
	t.Helper()
	for {
		select {
		case e, open := <-tp.ws.Events():
			if !open {
				t.Fatalf("twin %d: websocket closed waiting for %s: %v", tp.id, what, tp.ws.Err())
			}
			if ok(e) {
				return e
			}
		case <-ctx.Done():
			t.Fatalf("twin %d: no %s: %v", tp.id, what, ctx.Err())
		}
	}
}

func contactEvent(twin uint64, st schema.ContactState) func(schema.WsEvent) bool {
	return func(e schema.WsEvent) bool {
		if e.Which() != schema.WsEvent_Which_contact {
			return false
		}
		c, err := e.Contact()
		return err == nil && c.Twin() == twin && c.State() == st
	}
}

func chatEvent(id []byte, st schema.ChatState) func(schema.WsEvent) bool {
	return func(e schema.WsEvent) bool {
		if e.Which() != schema.WsEvent_Which_chat {
			return false
		}
		c, err := e.Chat()
		got, _ := c.Id()
		return err == nil && bytes.Equal(got, id) && c.State() == st
	}
}

func sendChat(t *testing.T, ctx context.Context, from *twinProc, to uint64, text string) []byte {
	t.Helper()
	r := from.call(t, ctx, func(rq schema.WsRequest) error {
		s, err := rq.NewSendChat()
		if err != nil {
			return err
		}
		s.SetTwin(to)
		return s.SetText(text)
	})
	c, err := r.Chat()
	if err != nil {
		t.Fatal(err)
	}
	id, _ := c.Id()
	return bytes.Clone(id)
}

// TestThreeTwins: three twind processes on three pnicd processes (userspace, loopback, in a line):
// invitation and acceptance, ping, chat both ways with delivery and read receipts, a non-contact
// refused, and twind reconnecting by itself after its pnicd is killed and restarted.
func TestThreeTwins(t *testing.T) {
	if testing.Short() {
		t.Skip("runs three pnicd and three twind processes")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	nodes, tw := startNetwork(t, ctx, 3)
	a, b, c := tw[0], tw[1], tw[2]

	befriend(t, ctx, a, b, "hi, it's twin 1")

	for _, to := range []uint64{2, 3} {
		r := a.call(t, ctx, func(rq schema.WsRequest) error { rq.SetPing(to); return nil })
		t.Logf("ping twin 1 → twin %d through the browser API: %.2f ms", to, float64(r.Rtt())/1e6)
	}
	r := a.call(t, ctx, func(rq schema.WsRequest) error { rq.SetFindTwin(3); return nil })
	if rec, err := r.Twin(); err != nil || rec.Id() != 3 {
		t.Fatalf("find twin 3: %v", err)
	}

	id := sendChat(t, ctx, a, 2, "hello twin 2")
	b.await(t, ctx, "chat from twin 1", chatEvent(id, schema.ChatState_delivered))
	a.await(t, ctx, "delivery receipt", chatEvent(id, schema.ChatState_delivered))
	b.call(t, ctx, func(rq schema.WsRequest) error { rq.SetMarkRead(1); return nil })
	a.await(t, ctx, "read receipt", chatEvent(id, schema.ChatState_read))
	back := sendChat(t, ctx, b, 1, "hello twin 1")
	a.await(t, ctx, "chat from twin 2", chatEvent(back, schema.ChatState_delivered))
	b.await(t, ctx, "delivery receipt", chatEvent(back, schema.ChatState_delivered))

	spam := sendChat(t, ctx, c, 1, "not a contact")
	e := c.await(t, ctx, "refusal from twin 1", chatEvent(spam, schema.ChatState_refused))
	ch, _ := e.Chat()
	if reason, _ := ch.Reason(); !strings.Contains(reason, "only from its contacts") {
		t.Fatalf("refusal reason %q", reason)
	}

	// History is paged from twin 1's store.
	r = a.call(t, ctx, func(rq schema.WsRequest) error {
		h, err := rq.NewHistory()
		if err != nil {
			return err
		}
		h.SetTwin(2)
		h.SetLimit(1)
		return nil
	})
	if h, err := r.History(); err != nil || h.Len() != 1 {
		t.Fatalf("history page: %v", err)
	} else if text, _ := h.At(0).Text(); text != "hello twin 1" {
		t.Fatalf("newest message %q", text)
	}

	// A file from twin 1 to twin 3, two PNIC hops away, once they are contacts.
	befriend(t, ctx, a, c, "")
	content := make([]byte, 4<<20)
	rand.Read(content)
	sum := sha256.Sum256(content)
	req, _ := http.NewRequestWithContext(ctx, "POST", "http://"+a.http+"/files?name=big.bin&to=3", bytes.NewReader(content))
	req.Header.Set("Origin", "http://"+a.http)
	resp, err := a.hc.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("upload: %v %v", resp, err)
	}
	resp.Body.Close()
	c.await(t, ctx, "file offer", func(e schema.WsEvent) bool { return e.Which() == schema.WsEvent_Which_file })
	start := time.Now()
	c.call(t, ctx, func(rq schema.WsRequest) error {
		d, err := rq.NewDownload()
		if err != nil {
			return err
		}
		d.SetTwin(1)
		return d.SetSha256(sum[:])
	})
	took := time.Since(start)
	t.Logf("4 MiB file, twin 1 → twin 3 over two PNIC hops in 48 KiB RMB chunks, 8 in flight: %.2f s, %.2f MiB/s", took.Seconds(), 4/took.Seconds())
	resp, err = c.hc.Get(fmt.Sprintf("http://%s/files/%x", c.http, sum))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Equal(got, content) {
		t.Fatalf("downloaded %d bytes that differ from the %d shared", len(got), len(content))
	}

	// twind reconnects by itself when its pnicd restarts.
	nodes[0].proc.Kill()
	nodes[0].start(t)
	again := sendChat(t, ctx, a, 2, "after the restart")
	b.await(t, ctx, "chat after pnicd restart", chatEvent(again, schema.ChatState_delivered))
	a.await(t, ctx, "delivery after pnicd restart", chatEvent(again, schema.ChatState_delivered))
}
