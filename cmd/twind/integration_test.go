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

	"github.com/freeflowuniverse/planetary/chain/chaintest"
	chainclient "github.com/freeflowuniverse/planetary/chain/client"
	"github.com/freeflowuniverse/planetary/internal/testnet"
	"github.com/freeflowuniverse/planetary/pnic"
	"github.com/freeflowuniverse/planetary/rmb/schema"
	"github.com/freeflowuniverse/planetary/rmb/seal"
	"github.com/freeflowuniverse/planetary/twin/services"
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
	id     uint64
	data   string
	http   string
	args   []string // how it starts
	starts int
	proc   *testnet.Proc
	ws     *wsclient.Conn
	hc     *http.Client // holds the session cookie
}

// start runs twind with tp.args and waits until its web server answers.
func (tp *twinProc) start(t *testing.T) {
	t.Helper()
	tp.starts++
	tp.proc = testnet.StartLocal(t, filepath.Join(tp.data, fmt.Sprintf("twind-%d.log", tp.starts)), testnet.Build(t, module+"/cmd/twind"), tp.args...)
	p := tp.proc
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("twind %d (start %d) log:\n%s", tp.id, tp.starts, p.Output())
		}
	})
	waitFor(t, 60*time.Second, fmt.Sprintf("twind %d web server", tp.id), tp.proc, func() bool {
		resp, err := http.Get("http://" + tp.http + "/session")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil && resp.StatusCode == http.StatusUnauthorized
	})
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

// startNetwork runs n pnicd processes in a line on loopback with one twind each; twin i is on PNIC
// i. With chainRPC (a dev chain), PNICs and twinds live on the chain: each twind registers itself
// and the chain hands out ids 1..n in start order. Without, they share one resolver file.
func startNetwork(t *testing.T, ctx context.Context, n int, chainRPC string) ([]*pnicNode, []*twinProc) {
	t.Helper()
	resolver := filepath.Join(t.TempDir(), "twins.json")
	where := []string{"--resolver", resolver}
	if chainRPC != "" {
		where = []string{"--chain", chainRPC}
	}
	nodes := startPNICs(t, n, where...)
	var twins []*twinProc
	for i, nd := range nodes {
		tp := &twinProc{id: uint64(i + 1), data: t.TempDir(), http: fmt.Sprintf("127.0.0.1:%d", freePort(t, "tcp"))}
		tp.args = []string{"--data", tp.data, "--pnic", nd.socket, "--http", tp.http, "--pnic-key", hex.EncodeToString(nd.key)}
		if chainRPC != "" {
			tp.args = append(tp.args, "--chain", chainRPC)
		} else {
			tp.args = append(tp.args, "--directory", resolver, "--twin-id", fmt.Sprint(tp.id))
		}
		tp.start(t)
		if !strings.Contains(tp.proc.Output(), "/login?s=") {
			t.Fatalf("twind %d printed no login link on first start:\n%s", tp.id, tp.proc.Output())
		}
		if chainRPC != "" {
			k, err := seal.ReadKeyFile(filepath.Join(tp.data, "twin.key"))
			if err != nil || k.ID != tp.id {
				t.Fatalf("twind %d: the chain gave it id %d (%v), want %d in start order", i+1, k.ID, err, tp.id)
			}
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

// status returns the twin's status through its websocket.
func (tp *twinProc) status(t *testing.T, ctx context.Context) schema.TwinStatus {
	t.Helper()
	st, err := tp.call(t, ctx, func(rq schema.WsRequest) error { rq.SetStatus(); return nil }).Status()
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// upload shares content from the twin's owner as name with the twins to.
func (tp *twinProc) upload(t *testing.T, ctx context.Context, name string, content []byte, to ...uint64) {
	t.Helper()
	var ids []string
	for _, id := range to {
		ids = append(ids, fmt.Sprint(id))
	}
	req, _ := http.NewRequestWithContext(ctx, "POST", fmt.Sprintf("http://%s/files?name=%s&to=%s", tp.http, name, strings.Join(ids, ",")), bytes.NewReader(content))
	req.Header.Set("Origin", "http://"+tp.http)
	resp, err := tp.hc.Do(req)
	if err != nil {
		t.Fatalf("upload: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("upload: %s", resp.Status)
	}
}

func download(ctx context.Context, tp *twinProc, from uint64, sum [32]byte) error {
	_, err := tp.ws.Call(ctx, func(rq schema.WsRequest) error {
		d, err := rq.NewDownload()
		if err != nil {
			return err
		}
		d.SetTwin(from)
		return d.SetSha256(sum[:])
	})
	return err
}

func fileEvent(sum [32]byte, ok func(schema.FileEntry) bool) func(schema.WsEvent) bool {
	return func(e schema.WsEvent) bool {
		if e.Which() != schema.WsEvent_Which_file {
			return false
		}
		f, err := e.File()
		got, _ := f.Sha256()
		return err == nil && bytes.Equal(got, sum[:]) && ok(f)
	}
}

// TestThreeTwins is the twin's whole story on a real dev chain: three pnicd processes (userspace,
// loopback, in a line) and three twind processes, each registered on the chain. Invitation and
// acceptance, ping, find twin, chat both ways with delivery and read receipts, a non-contact
// refused (chat and file offer), a 50 MB file shared with permission and checked by SHA-256,
// refused without it and that refusal found in the chain's audit log, the transfer (over an overlay
// stream between the twins, negotiated over RMB) cut part-way
// (the PNIC between the twins and the downloading twind both go down) and resumed with only the
// rest served, and twind reconnecting by itself after its pnicd restarts.
func TestThreeTwins(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a chain, three pnicd and three twind processes")
	}
	rpc := chaintest.StartDev(t).RPC
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	nodes, tw := startNetwork(t, ctx, 3, rpc)
	a, b, c := tw[0], tw[1], tw[2]

	befriend(t, ctx, a, b, "hi, it's twin 1")

	for _, to := range []uint64{2, 3} {
		r := a.call(t, ctx, func(rq schema.WsRequest) error { rq.SetPing(to); return nil })
		t.Logf("ping twin 1 → twin %d through the browser API: %.2f ms", to, float64(r.Rtt())/1e6)
	}
	r := a.call(t, ctx, func(rq schema.WsRequest) error { rq.SetFindTwin(3); return nil })
	if rec, err := r.Twin(); err != nil || rec.Id() != 3 {
		t.Fatalf("find twin 3: %v", err)
	} else if pk, _ := rec.Pnic(); !ed25519.PublicKey(pk).Equal(nodes[2].key) {
		t.Fatalf("the chain has twin 3 on PNIC %x, want %x", pk, nodes[2].key)
	}

	id := sendChat(t, ctx, a, 2, "hello twin 2")
	b.await(t, ctx, "chat from twin 1", chatEvent(id, schema.ChatState_delivered))
	a.await(t, ctx, "delivery receipt", chatEvent(id, schema.ChatState_delivered))
	b.call(t, ctx, func(rq schema.WsRequest) error { rq.SetMarkRead(1); return nil })
	a.await(t, ctx, "read receipt", chatEvent(id, schema.ChatState_read))
	back := sendChat(t, ctx, b, 1, "hello twin 1")
	a.await(t, ctx, "chat from twin 2", chatEvent(back, schema.ChatState_delivered))
	b.await(t, ctx, "delivery receipt", chatEvent(back, schema.ChatState_delivered))
	a.call(t, ctx, func(rq schema.WsRequest) error { rq.SetMarkRead(2); return nil })
	b.await(t, ctx, "read receipt", chatEvent(back, schema.ChatState_read))

	// Twin 3 is no contact of twin 1: its chat is refused, and so is twin 1's file offer to it.
	spam := sendChat(t, ctx, c, 1, "not a contact")
	e := c.await(t, ctx, "refusal from twin 1", chatEvent(spam, schema.ChatState_refused))
	ch, _ := e.Chat()
	if reason, _ := ch.Reason(); !strings.Contains(reason, "only from its contacts") {
		t.Fatalf("refusal reason %q", reason)
	}
	early := []byte("offered before we were contacts")
	earlySum := sha256.Sum256(early)
	a.upload(t, ctx, "early.txt", early, 3)
	e = a.await(t, ctx, "twin 3's refusal of the file", fileEvent(earlySum, func(f schema.FileEntry) bool { l, _ := f.Refusals(); return l.Len() == 1 }))
	f, _ := e.File()
	rl, _ := f.Refusals()
	if reason, _ := rl.At(0).Reason(); rl.At(0).Twin() != 3 || !strings.Contains(reason, "accepts files only from its contacts") {
		t.Fatalf("file refusal from twin %d: %q", rl.At(0).Twin(), reason)
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

	// A 50 MB file from twin 1 for twins 2 and 3; then twin 2 is taken off its access list.
	befriend(t, ctx, a, c, "")
	const size = 50 << 20
	content := make([]byte, size)
	rand.Read(content)
	sum := sha256.Sum256(content)
	a.upload(t, ctx, "big.bin", content, 2, 3)
	b.await(t, ctx, "the offer to twin 2", fileEvent(sum, func(schema.FileEntry) bool { return true }))
	c.await(t, ctx, "the offer to twin 3", fileEvent(sum, func(schema.FileEntry) bool { return true }))
	a.call(t, ctx, func(rq schema.WsRequest) error {
		acc, err := rq.NewReplaceAccess()
		if err != nil {
			return err
		}
		l, err := acc.NewTwins(1)
		if err != nil {
			return err
		}
		l.Set(0, 3)
		return acc.SetSha256(sum[:])
	})

	// Refused without permission, and the refusal is on the chain, in twin 1's audit log.
	if err := download(ctx, b, 1, sum); err == nil || !strings.Contains(err.Error(), "may not download") {
		t.Fatalf("twin 2's download without permission: %v", err)
	}
	cc, err := chainclient.Dial(ctx, rpc, chainclient.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	want := fmt.Sprintf("twin 2 asked for file %x", sum[:8])
	for found := false; !found; {
		log, err := cc.AuditLog(ctx, 1, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range log {
			found = found || (ev.Kind == "permission_denied" && ev.Detail == want)
		}
		if !found {
			select {
			case <-ctx.Done():
				t.Fatalf("the chain's audit log of twin 1 lacks %q: %+v", want, log)
			case <-time.After(200 * time.Millisecond): // the next block
			}
		}
	}

	// Twin 3 downloads; a third of the way in, the PNIC between the twins dies and twind 3 stops.
	chunks := uint64((size + services.ChunkSize - 1) / services.ChunkSize)
	done := make(chan error, 1)
	start := time.Now()
	go func() { done <- download(ctx, c, 1, sum) }()
	c.await(t, ctx, "a third of the file", fileEvent(sum, func(f schema.FileEntry) bool { return f.Have() >= size/3 && f.Have() < size }))
	nodes[1].proc.Kill()
	if err := c.proc.Stop(10 * time.Second); err != nil {
		t.Fatalf("stop twind 3: %v", err)
	}
	if err := <-done; err == nil {
		t.Fatal("the download finished although its twind stopped part-way")
	}
	nodes[1].start(t)
	c.start(t)
	c.ws = c.connect(t, ctx)
	var have uint64
	fl, err := c.call(t, ctx, func(rq schema.WsRequest) error { rq.SetFiles(); return nil }).Files()
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < fl.Len(); i++ {
		if got, _ := fl.At(i).Sha256(); bytes.Equal(got, sum[:]) {
			have = fl.At(i).Have()
		}
	}
	if have < size/3 || have >= size {
		t.Fatalf("twin 3 kept %d of %d bytes across its restart", have, size)
	}
	before := a.status(t, ctx).ChunksServed()
	if err := download(ctx, c, 1, sum); err != nil {
		t.Fatalf("resumed download: %v", err)
	}
	served := a.status(t, ctx).ChunksServed() - before
	rest := (size - have + services.ChunkSize - 1) / services.ChunkSize
	t.Logf("resumed at %d of %d bytes: twin 1 served %d chunks for the rest (%d left; a fresh transfer is %d); %.1f s in all",
		have, size, served, rest, chunks, time.Since(start).Seconds())
	if served >= chunks || served > rest+2*services.Window {
		t.Fatalf("the resumed transfer took %d chunks, want the %d left (at most %d more in flight at the cut), fewer than a fresh transfer's %d",
			served, rest, 2*services.Window, chunks)
	}
	// It moved over overlay streams between the twins, not as RMB chunks.
	if out := c.proc.Output(); !strings.Contains(out, "receiving a file over a stream") || strings.Contains(out, "falling back to RMB chunks") {
		t.Fatalf("twind 3 did not take the file over an overlay stream:\n%s", out)
	}
	resp, err := c.hc.Get(fmt.Sprintf("http://%s/files/%x", c.http, sum))
	if err != nil {
		t.Fatal(err)
	}
	hash := sha256.New()
	n, _ := io.Copy(hash, resp.Body)
	resp.Body.Close()
	if n != size || !bytes.Equal(hash.Sum(nil), sum[:]) {
		t.Fatalf("downloaded %d bytes with another SHA-256", n)
	}

	// twind reconnects by itself when its pnicd restarts.
	nodes[0].proc.Kill()
	nodes[0].start(t)
	again := sendChat(t, ctx, a, 2, "after the restart")
	b.await(t, ctx, "chat after pnicd restart", chatEvent(again, schema.ChatState_delivered))
	a.await(t, ctx, "delivery after pnicd restart", chatEvent(again, schema.ChatState_delivered))
}
