package services

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"sync"
	"time"

	"capnproto.org/go/capnp/v3"

	"github.com/freeflowuniverse/planetary/rmb/client"
	"github.com/freeflowuniverse/planetary/rmb/schema"
	"github.com/freeflowuniverse/planetary/twin/files"
	"github.com/freeflowuniverse/planetary/twin/store"
	"github.com/yggdrasil-network/yggdrasil-go/src/address"
)

// Files move over overlay streams: the requester asks over RMB (twin.file.get with stream set, the
// access list checked as for a chunk), the holder answers with a FileStreamTicket inside the sealed
// reply, the requester opens a TCP stream to the holder's overlay address and port and sends the
// ticket in a hello; the holder checks the stream comes from the requester's PNIC and answers one status byte and then the file from the ticket's offset
// to its end. Tickets are random, single use, bound to the requester, file and offset, and expire.
// Whatever keeps a stream from opening (no overlay, no listener, a refused hello) makes the
// requester fall back to RMB chunks.

// DefaultStreamPort is the overlay TCP port a twin serves file streams on unless Config.StreamPort
// says otherwise.
const DefaultStreamPort = 7701

const (
	helloMagic   = "PLFS\x01" // protocol name and version
	ticketSize   = 32
	helloSize    = len(helloMagic) + ticketSize
	statusOK     = 0
	statusRefuse = 1

	ticketTTL   = 30 * time.Second
	maxTickets  = 256
	streamIdle  = 30 * time.Second // a stream that moves nothing for this long is given up
	streamBuf   = 4 * ChunkSize    // bytes per read and write of a stream
	progressGap = 4 << 20          // a receiver syncs and reports progress every this many bytes
)

// errNoStream marks a download that could not open a stream and falls back to RMB chunks.
var errNoStream = errors.New("no file stream")

type ticket struct {
	twin         uint64
	sha          [32]byte
	offset, size int64
	expires      time.Time
}

// streams is the holder's side: the overlay listener, opened on first use, and the open tickets.
type streams struct {
	mu      sync.Mutex
	ln      net.Listener
	tickets map[[ticketSize]byte]ticket
}

func encodeHello(tk [ticketSize]byte) []byte {
	return append([]byte(helloMagic), tk[:]...)
}

// decodeHello reads a stream's hello: the protocol name and version, then the ticket.
func decodeHello(b []byte) ([ticketSize]byte, error) {
	var tk [ticketSize]byte
	if len(b) != helloSize {
		return tk, fmt.Errorf("file stream hello of %d bytes, want %d", len(b), helloSize)
	}
	if string(b[:len(helloMagic)]) != helloMagic {
		return tk, errors.New("file stream hello: not this protocol or version")
	}
	copy(tk[:], b[len(helloMagic):])
	return tk, nil
}

func encodeStreamTicket(tk [ticketSize]byte, port uint16, offset, size int64) ([]byte, error) {
	msg, seg := capnp.NewSingleSegmentMessage(nil)
	s, err := schema.NewRootFileStreamTicket(seg)
	if err == nil {
		err = s.SetTicket(tk[:])
	}
	if err != nil {
		return nil, fmt.Errorf("encode file stream ticket: %w", err)
	}
	s.SetPort(port)
	s.SetOffset(uint64(offset))
	s.SetSize(uint64(size))
	return msg.Marshal()
}

// decodeStreamTicket reads a holder's FileStreamTicket, which must answer a request at offset of a
// file of size bytes.
func decodeStreamTicket(b []byte, offset, size int64) ([ticketSize]byte, uint16, error) {
	var tk [ticketSize]byte
	msg, err := capnp.Unmarshal(b)
	if err != nil {
		return tk, 0, fmt.Errorf("decode file stream ticket: %w", err)
	}
	s, err := schema.ReadRootFileStreamTicket(msg)
	if err != nil {
		return tk, 0, fmt.Errorf("decode file stream ticket: %w", err)
	}
	raw, err := s.Ticket()
	if err != nil || len(raw) != ticketSize || s.Port() == 0 {
		return tk, 0, errors.New("decode file stream ticket: want a 32-byte ticket and a port")
	}
	if int64(s.Offset()) != offset || int64(s.Size()) != size {
		return tk, 0, fmt.Errorf("file stream ticket for %d of %d bytes answers a request at %d of %d", s.Offset(), s.Size(), offset, size)
	}
	copy(tk[:], raw)
	return tk, s.Port(), nil
}

func (t *Twin) streamPort() uint16 {
	if t.cfg.StreamPort != 0 {
		return t.cfg.StreamPort
	}
	return DefaultStreamPort
}

// offerStream makes a ticket for twin to stream the file from offset, listening first if needed.
func (t *Twin) offerStream(ctx context.Context, twin uint64, f store.File, offset int64) ([]byte, error) {
	s := &t.streams
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	for k, tk := range s.tickets {
		if now.After(tk.expires) {
			delete(s.tickets, k)
		}
	}
	if len(s.tickets) >= maxTickets {
		return nil, fmt.Errorf("%d file stream tickets open", len(s.tickets))
	}
	if s.ln == nil {
		lctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		ln, err := t.c.ListenStream(lctx, t.streamPort())
		cancel()
		if err != nil {
			return nil, err
		}
		s.ln = ln
		go t.acceptStreams(ctx, ln)
	}
	var k [ticketSize]byte
	rand.Read(k[:])
	if s.tickets == nil {
		s.tickets = make(map[[ticketSize]byte]ticket)
	}
	s.tickets[k] = ticket{twin: twin, sha: f.SHA256, offset: offset, size: f.Size, expires: now.Add(ticketTTL)}
	return encodeStreamTicket(k, t.streamPort(), offset, f.Size)
}

// takeTicket returns the ticket named by k and forgets it: a ticket is good for one stream.
func (t *Twin) takeTicket(k [ticketSize]byte) (ticket, bool) {
	s := &t.streams
	s.mu.Lock()
	defer s.mu.Unlock()
	tk, ok := s.tickets[k]
	delete(s.tickets, k)
	if !ok || time.Now().After(tk.expires) {
		return ticket{}, false
	}
	return tk, true
}

// closeStreams stops listening for file streams.
func (t *Twin) closeStreams() {
	s := &t.streams
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln != nil {
		s.ln.Close()
		s.ln = nil
	}
}

func (t *Twin) acceptStreams(ctx context.Context, ln net.Listener) {
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	for {
		conn, err := ln.Accept()
		if err != nil {
			s := &t.streams
			s.mu.Lock()
			if s.ln == ln {
				s.ln = nil // listen again on the next request
			}
			s.mu.Unlock()
			ln.Close()
			if ctx.Err() == nil {
				t.log.Warn("file stream listener ended; listening again on the next request", "err", err)
			}
			return
		}
		go t.serveStream(ctx, conn)
	}
}

// serveStream reads a stream's hello and, for a good ticket of a twin still allowed, sends the file.
func (t *Twin) serveStream(ctx context.Context, conn net.Conn) {
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	hello := make([]byte, helloSize)
	if _, err := io.ReadFull(conn, hello); err != nil {
		t.log.Warn("a file stream sent no hello", "err", err)
		return
	}
	k, err := decodeHello(hello)
	if err != nil {
		t.log.Warn("refused a file stream", "err", err)
		conn.Write([]byte{statusRefuse})
		return
	}
	tk, ok := t.takeTicket(k)
	if !ok {
		t.log.Warn("refused a file stream with an unknown, used or expired ticket")
		conn.Write([]byte{statusRefuse})
		return
	}
	if err := t.fromPNICOf(ctx, conn.RemoteAddr(), tk.twin); err != nil {
		t.log.Warn("refused a file stream from elsewhere than its twin's PNIC", "twin", tk.twin, "err", err)
		conn.Write([]byte{statusRefuse})
		return
	}
	// The access list is checked again: it may have changed since the ticket was given.
	f, err := t.st.File(tk.sha)
	if err != nil || f.From != 0 || !t.mayDownload(ctx, f, tk.twin) {
		t.log.Info("refused a file stream: the twin may no longer download the file", "twin", tk.twin, "sha256", fmt.Sprintf("%x", tk.sha[:8]))
		conn.Write([]byte{statusRefuse})
		return
	}
	file, err := os.Open(t.cfg.Files.Path(tk.sha))
	if err != nil {
		t.log.Warn("refused a file stream: the file cannot be read", "err", err)
		conn.Write([]byte{statusRefuse})
		return
	}
	defer file.Close()
	t.log.Info("streaming a file", "to", tk.twin, "file", f.Name, "offset", tk.offset, "size", tk.size)
	conn.SetDeadline(time.Time{})
	buf := make([]byte, streamBuf)
	buf[0] = statusOK
	n, head := 1, 1 // bytes in buf, of them not the file's
	for off := tk.offset; ; {
		if n < len(buf) && off < tk.size {
			m, err := file.ReadAt(buf[n:min(len(buf), n+int(tk.size-off))], off)
			if err != nil && !errors.Is(err, io.EOF) || m == 0 {
				t.log.Warn("file stream: read failed", "file", f.Name, "offset", off, "err", err)
				return
			}
			n += m
			off += int64(m)
		}
		conn.SetWriteDeadline(time.Now().Add(streamIdle))
		if _, err := conn.Write(buf[:n]); err != nil {
			t.log.Info("file stream ended before the file did", "to", tk.twin, "file", f.Name, "offset", off, "err", err)
			return
		}
		t.served.Add(int64((n - head + ChunkSize - 1) / ChunkSize))
		n, head = 0, 0
		if off >= tk.size {
			return
		}
	}
}

// fromPNICOf checks that a stream's overlay peer is an address of the PNIC hosting twin (its
// address or one in its /64): the overlay delivers packets only from addresses of their sender's
// key, so a ticket is good only from the PNIC of the twin it was given to.
func (t *Twin) fromPNICOf(ctx context.Context, remote net.Addr, twin uint64) error {
	ta, ok := remote.(*net.TCPAddr)
	if !ok {
		return fmt.Errorf("stream from %v, not an overlay address", remote)
	}
	ip, ok := netip.AddrFromSlice(ta.IP)
	if !ok {
		return fmt.Errorf("stream from %v, not an overlay address", remote)
	}
	ip = ip.Unmap()
	rec, err := t.cfg.Directory.FindTwin(ctx, twin)
	if err != nil {
		return err
	}
	if a := address.AddrForKey(rec.PNIC); a != nil && ip == netip.AddrFrom16(*a) {
		return nil
	}
	if s := address.SubnetForKey(rec.PNIC); s != nil && ip.Is6() && [8]byte(ip.AsSlice()[:8]) == *s {
		return nil
	}
	return fmt.Errorf("stream from %s, not from twin %d's PNIC", ip, twin)
}

// streamFile downloads the file from offset over an overlay stream. It returns an error wrapping
// errNoStream when no stream could be opened (the caller falls back to RMB chunks), having kept
// any chunk the holder answered with instead of a ticket.
func (t *Twin) streamFile(ctx context.Context, from uint64, f *store.File, offset int64) error {
	start := time.Now()
	body, err := encodeChunkRequest(f.SHA256, offset, int(min(ChunkSize, f.Size-offset)), true)
	if err != nil {
		return err
	}
	rctx, cancel := context.WithTimeout(ctx, time.Minute)
	resp, err := t.c.Request(rctx, client.Outgoing{To: from, Command: CmdFileGet, Schema: schema.FileChunkRequest_TypeID, Body: body})
	cancel()
	if err != nil {
		return err
	}
	if resp.Schema == schema.FileChunk_TypeID {
		// A refusal, or a holder that does not stream: it answered the request as a chunk.
		data, err := t.chunkData(resp, offset)
		if err != nil {
			return err
		}
		if err := t.cfg.Files.Append(f.SHA256, offset, data); err != nil {
			return err
		}
		return fmt.Errorf("%w: twin %d answered with a chunk", errNoStream, from)
	}
	if resp.Schema != schema.FileStreamTicket_TypeID {
		return fmt.Errorf("answered with schema %#x, want FileStreamTicket or FileChunk", resp.Schema)
	}
	tk, port, err := decodeStreamTicket(resp.Body, offset, f.Size)
	if err != nil {
		return err
	}
	dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	addr, err := t.c.Address(dctx, from)
	if err != nil {
		return fmt.Errorf("%w: %w", errNoStream, err)
	}
	conn, err := t.c.DialStream(dctx, netip.AddrPortFrom(addr, port))
	if err != nil {
		return fmt.Errorf("%w: %w", errNoStream, err)
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	conn.SetDeadline(time.Now().Add(streamIdle))
	status := []byte{statusRefuse}
	if _, err := conn.Write(encodeHello(tk)); err != nil {
		return fmt.Errorf("%w: hello: %w", errNoStream, err)
	}
	if _, err := io.ReadFull(conn, status); err != nil {
		return fmt.Errorf("%w: no answer to the hello: %w", errNoStream, err)
	}
	if status[0] != statusOK {
		return fmt.Errorf("%w: twin %d refused the stream", errNoStream, from)
	}
	p, err := t.cfg.Files.OpenPartial(f.SHA256, offset)
	if err != nil {
		return err
	}
	t.log.Info("receiving a file over a stream", "from", from, "file", f.Name, "offset", offset, "size", f.Size,
		"setup", time.Since(start).Round(time.Millisecond))
	err = t.receive(conn, p, f)
	if cerr := p.Close(); err == nil {
		err = cerr
	}
	return err
}

// receive writes the stream into the partial download until it holds the whole file, publishing
// progress as it goes and syncing it in the background, one sync at a time, so the disk does not
// hold the stream up.
func (t *Twin) receive(conn net.Conn, p *files.Partial, f *store.File) (err error) {
	var syncing chan error // the sync in flight, nil when none
	defer func() {
		if syncing != nil {
			if serr := <-syncing; err == nil {
				err = serr
			}
		}
	}()
	buf := make([]byte, streamBuf)
	next := p.Size() + progressGap
	for p.Size() < f.Size {
		conn.SetReadDeadline(time.Now().Add(streamIdle))
		n, err := conn.Read(buf[:min(int64(len(buf)), f.Size-p.Size())])
		if n > 0 {
			if _, werr := p.Write(buf[:n]); werr != nil {
				return werr
			}
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return fmt.Errorf("stream cut at %d of %d bytes: %w", p.Size(), f.Size, err)
		}
		if p.Size() >= next && p.Size() < f.Size {
			next = p.Size() + progressGap
			if syncing != nil {
				select {
				case err := <-syncing:
					if err != nil {
						return err
					}
					syncing = nil
				default: // the last one still runs
				}
			}
			if syncing == nil {
				ch := make(chan error, 1)
				go func() { ch <- p.Sync() }()
				syncing = ch
			}
			f.Have = p.Size()
			if err := t.st.PutFile(*f); err != nil {
				return err
			}
			progress := *f
			t.publish(Event{File: &progress})
		}
	}
	return nil
}
