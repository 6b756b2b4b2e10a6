package services

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/freeflowuniverse/planetary/rmb/client"
	"github.com/freeflowuniverse/planetary/rmb/schema"
	"github.com/freeflowuniverse/planetary/twin/internal/twintest"
	"github.com/yggdrasil-network/yggdrasil-go/src/address"
)

// sharedFile makes a random file of size bytes that twin a shares with twin b, offered to b.
func sharedFile(t *testing.T, ctx context.Context, a, b *testTwin, name string, size int) ([]byte, [32]byte) {
	t.Helper()
	content := make([]byte, size)
	rand.Read(content)
	sum := sha256.Sum256(content)
	if _, err := a.Share(ctx, bytes.NewReader(content), name, []uint64{b.ID()}, nil); err != nil {
		t.Fatal(err)
	}
	b.await(t, ctx, "offer of "+name, func(e Event) bool { return e.File != nil && e.File.SHA256 == sum && e.File.From == a.ID() })
	return content, sum
}

func checkDownloaded(t *testing.T, tt *testTwin, sum [32]byte, content []byte) {
	t.Helper()
	disk, err := os.ReadFile(tt.cfg.Files.Path(sum))
	if err != nil || !bytes.Equal(disk, content) {
		t.Fatalf("twin %d holds %d bytes (%v), not the %d shared", tt.ID(), len(disk), err, len(content))
	}
}

func chunksOf(n int) int64 { return int64((n + ChunkSize - 1) / ChunkSize) }

// TestFileStream: a file moves over an overlay stream, not as RMB chunks, and matches its SHA-256.
func TestFileStream(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p := twintest.NewPNIC(t)
	a := startTwin(t, ctx, p, p.AddTwin(t, 1))
	b := startTwin(t, ctx, p, p.AddTwin(t, 2))
	befriend(t, ctx, a, b)
	content, sum := sharedFile(t, ctx, a, b, "video.mp4", 9<<20+777)

	got, err := b.Download(ctx, 1, sum)
	if err != nil || got.Have != got.Size {
		t.Fatalf("download: %+v %v", got, err)
	}
	checkDownloaded(t, b, sum, content)
	if !strings.Contains(a.logs.String(), "streaming a file") || strings.Contains(b.logs.String(), "falling back") {
		t.Fatalf("the file did not move over a stream:\ntwin 1:\n%s\ntwin 2:\n%s", a.logs, b.logs)
	}
	if served := a.served.Load(); served != chunksOf(len(content)) {
		t.Fatalf("twin 1 served %d chunks' worth, want %d", served, chunksOf(len(content)))
	}
}

// TestFileStreamCutResumes: a stream cut part-way leaves the partial file, and the download goes
// on from there over a new stream (a new ticket for the partial's offset) and completes.
func TestFileStreamCutResumes(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p := twintest.NewPNIC(t)
	a := startTwin(t, ctx, p, p.AddTwin(t, 1))
	b := startTwin(t, ctx, p, p.AddTwin(t, 2))
	befriend(t, ctx, a, b)
	content, sum := sharedFile(t, ctx, a, b, "big.bin", 6<<20)

	const at = 1<<20 + 5 // file bytes through before the cut
	p.Overlay.CutNextStream(1 + at)
	if _, err := b.Download(ctx, 1, sum); err != nil {
		t.Fatalf("download through a cut: %v", err)
	}
	checkDownloaded(t, b, sum, content)
	if !strings.Contains(b.logs.String(), "file stream cut; resuming") || !strings.Contains(b.logs.String(), fmt.Sprintf("at=%d", at)) {
		t.Fatalf("twin 2 did not resume after the cut:\n%s", b.logs)
	}
	if !strings.Contains(a.logs.String(), fmt.Sprintf("offset=%d", at)) {
		t.Fatalf("twin 1 never streamed from the partial's offset %d:\n%s", at, a.logs)
	}

	// Stalled part-way (a link gone, no end of stream) and the requester stops with it (its context
	// ends, as when twind stops): the partial stays, and the next download resumes from it.
	content, sum = sharedFile(t, ctx, a, b, "second.bin", 8<<20)
	p.Overlay.StallNextStream(1 + 5<<20)
	dctx, dcancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { _, err := b.Download(dctx, 1, sum); done <- err }()
	b.await(t, ctx, "progress before the stall", func(e Event) bool { return e.File != nil && e.File.SHA256 == sum && e.File.Have >= progressGap })
	dcancel()
	if err := <-done; err == nil {
		t.Fatal("the download finished through a stalled stream")
	}
	have := b.cfg.Files.Have(sum)
	if have < progressGap || have > 5<<20 {
		t.Fatalf("twin 2 kept %d bytes of the partial, want %d to %d", have, progressGap, 5<<20)
	}
	if _, err := b.Download(ctx, 1, sum); err != nil {
		t.Fatalf("resumed download: %v", err)
	}
	checkDownloaded(t, b, sum, content)
	if !strings.Contains(a.logs.String(), fmt.Sprintf("file=second.bin offset=%d", have)) {
		t.Fatalf("twin 1 never streamed second.bin from the partial's offset %d:\n%s", have, a.logs)
	}
}

// TestFileStreamTickets: only the ticket of a request, once, from the requester's PNIC, opens a
// stream; a forged ticket, a replayed one, a garbled hello, a ticket used from another PNIC and a
// ticket of a twin since taken off the access list are refused.
func TestFileStreamTickets(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p := twintest.NewPNIC(t)
	a := startTwin(t, ctx, p, p.AddTwin(t, 1))
	b := startTwin(t, ctx, p, p.AddTwin(t, 2))
	befriend(t, ctx, a, b)
	content, sum := sharedFile(t, ctx, a, b, "doc.pdf", 300<<10)
	size := int64(len(content))

	askTicket := func() ([ticketSize]byte, netip.AddrPort) {
		t.Helper()
		body, _ := encodeChunkRequest(sum, 0, ChunkSize, true)
		resp, err := b.c.Request(ctx, client.Outgoing{To: 1, Command: CmdFileGet, Schema: schema.FileChunkRequest_TypeID, Body: body})
		if err != nil {
			t.Fatal(err)
		}
		if resp.Schema != schema.FileStreamTicket_TypeID {
			t.Fatalf("answered with schema %#x, want a ticket", resp.Schema)
		}
		tk, port, err := decodeStreamTicket(resp.Body, 0, size)
		if err != nil {
			t.Fatal(err)
		}
		addr, err := b.c.Address(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		return tk, netip.AddrPortFrom(addr, port)
	}
	// stream sends hello and returns the status byte and what followed it.
	stream := func(ap netip.AddrPort, hello []byte) (byte, []byte) {
		t.Helper()
		conn, err := b.c.DialStream(ctx, ap)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(20 * time.Second))
		if _, err := conn.Write(hello); err != nil {
			t.Fatal(err)
		}
		all, err := io.ReadAll(conn)
		if err != nil || len(all) == 0 {
			t.Fatalf("no answer to the hello: %v", err)
		}
		return all[0], all[1:]
	}

	tk, ap := askTicket()
	if st, data := stream(ap, encodeHello(tk)); st != statusOK || !bytes.Equal(data, content) {
		t.Fatalf("a fresh ticket: status %d and %d bytes, want %d and the file's %d", st, len(data), statusOK, size)
	}
	if st, data := stream(ap, encodeHello(tk)); st != statusRefuse || len(data) != 0 {
		t.Fatalf("a replayed ticket: status %d and %d bytes, want refused", st, len(data))
	}
	var forged [ticketSize]byte
	rand.Read(forged[:])
	if st, _ := stream(ap, encodeHello(forged)); st != statusRefuse {
		t.Fatalf("a forged ticket: status %d, want refused", st)
	}
	tk, _ = askTicket()
	garbled := encodeHello(tk)
	garbled[0] ^= 0xff
	if st, _ := stream(ap, garbled); st != statusRefuse {
		t.Fatalf("a garbled hello: status %d, want refused", st)
	}
	// A good ticket on a stream that comes from another PNIC than twin 2's.
	tk, _ = askTicket()
	other, _, _ := ed25519.GenerateKey(nil)
	p.Overlay.SetSource(netip.AddrFrom16(*address.AddrForKey(other)))
	if st, _ := stream(ap, encodeHello(tk)); st != statusRefuse {
		t.Fatalf("a ticket used from another PNIC: status %d, want refused", st)
	}
	p.Overlay.SetSource(netip.AddrFrom16(*address.AddrForKey(p.Key)))
	// A ticket given while twin 2 was allowed, used after it was taken off the access list.
	tk, _ = askTicket()
	if _, err := a.ReplaceAccess(ctx, sum, nil, nil); err != nil {
		t.Fatal(err)
	}
	if st, _ := stream(ap, encodeHello(tk)); st != statusRefuse {
		t.Fatalf("a ticket of a twin no longer allowed: status %d, want refused", st)
	}
	// ... and its download is now refused outright, with the reason.
	if _, err := b.Download(ctx, 1, sum); err == nil || !strings.Contains(err.Error(), "may not download") {
		t.Fatalf("download after the access list changed: %v", err)
	}
	if !strings.Contains(a.logs.String(), "elsewhere than its twin's PNIC") || strings.Count(a.logs.String(), "refused a file stream") < 5 {
		t.Fatalf("twin 1 did not log its refusals:\n%s", a.logs)
	}
}

// TestFileStreamFallback: when no stream can be opened (the holder cannot listen, or the requester
// cannot dial), the file moves as RMB chunks and the log says so.
func TestFileStreamFallback(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p := twintest.NewPNIC(t)
	a := startTwin(t, ctx, p, p.AddTwin(t, 1))
	b := startTwin(t, ctx, p, p.AddTwin(t, 2))
	befriend(t, ctx, a, b)

	p.Overlay.NoListen.Store(true)
	content, sum := sharedFile(t, ctx, a, b, "no-listener.bin", 3*ChunkSize+10)
	if _, err := b.Download(ctx, 1, sum); err != nil {
		t.Fatalf("download without a listener: %v", err)
	}
	checkDownloaded(t, b, sum, content)
	if !strings.Contains(a.logs.String(), "cannot offer a file stream") || !strings.Contains(b.logs.String(), "falling back to RMB chunks") {
		t.Fatalf("the fallback was not logged:\ntwin 1:\n%s\ntwin 2:\n%s", a.logs, b.logs)
	}
	if served := a.served.Load(); served != 4 {
		t.Fatalf("twin 1 served %d chunks, want 4", served)
	}

	p.Overlay.NoListen.Store(false)
	p.Overlay.NoDial.Store(true)
	content, sum = sharedFile(t, ctx, a, b, "no-path.bin", 2*ChunkSize)
	if _, err := b.Download(ctx, 1, sum); err != nil {
		t.Fatalf("download without a path for streams: %v", err)
	}
	checkDownloaded(t, b, sum, content)
	if !strings.Contains(b.logs.String(), "no path (test overlay)") {
		t.Fatalf("twin 2 did not log why it fell back:\n%s", b.logs)
	}
	if served := a.served.Load(); served != 4+2 {
		t.Fatalf("twin 1 served %d chunks in all, want 6", served)
	}
}
