package services

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"capnproto.org/go/capnp/v3"

	"github.com/freeflowuniverse/planetary/rmb/client"
	"github.com/freeflowuniverse/planetary/rmb/schema"
	"github.com/freeflowuniverse/planetary/twin/directory"
	"github.com/freeflowuniverse/planetary/twin/store"
)

// File commands.
const (
	CmdFileOffer   = "twin.file.offer"
	CmdFileRefused = "twin.file.refused"
	CmdFileGet     = "twin.file.get"
)

// FileRefusalText is the reason given to a twin that is not a contact and offers a file.
func FileRefusalText(self uint64) string {
	return fmt.Sprintf("twin %d accepts files only from its contacts: send it an invitation first", self)
}

func encodeFileRefusal(sha [32]byte, reason string) ([]byte, error) {
	msg, seg := capnp.NewSingleSegmentMessage(nil)
	r, err := schema.NewRootFileRefusal(seg)
	if err == nil {
		err = errors.Join(r.SetSha256(sha[:]), r.SetReason(reason))
	}
	if err != nil {
		return nil, fmt.Errorf("encode file refusal: %w", err)
	}
	return msg.Marshal()
}

func decodeFileRefusal(b []byte) ([32]byte, string, error) {
	var sha [32]byte
	msg, err := capnp.Unmarshal(b)
	if err != nil {
		return sha, "", fmt.Errorf("decode file refusal: %w", err)
	}
	r, err := schema.ReadRootFileRefusal(msg)
	if err != nil {
		return sha, "", fmt.Errorf("decode file refusal: %w", err)
	}
	raw, err := r.Sha256()
	if err != nil || len(raw) != 32 {
		return sha, "", errors.New("decode file refusal: sha256 must be 32 bytes")
	}
	copy(sha[:], raw)
	reason, err := r.Reason()
	if err != nil {
		return sha, "", fmt.Errorf("decode file refusal: %w", err)
	}
	if len(reason) > MaxNote {
		reason = reason[:MaxNote]
	}
	return sha, reason, nil
}

// ChunkSize is the most a twin sends of a file in one response; an envelope holds at most 64 KiB.
const ChunkSize = 48 << 10

// Window is how many chunk requests a download keeps in flight.
const Window = 8

func encodeFileInfo(f store.File) ([]byte, error) {
	msg, seg := capnp.NewSingleSegmentMessage(nil)
	fi, err := schema.NewRootFileInfo(seg)
	if err == nil {
		err = errors.Join(fi.SetSha256(f.SHA256[:]), fi.SetName(f.Name))
	}
	if err != nil {
		return nil, fmt.Errorf("encode file offer: %w", err)
	}
	fi.SetSize(uint64(f.Size))
	return msg.Marshal()
}

func decodeFileInfo(b []byte) (store.File, error) {
	msg, err := capnp.Unmarshal(b)
	if err != nil {
		return store.File{}, fmt.Errorf("decode file offer: %w", err)
	}
	fi, err := schema.ReadRootFileInfo(msg)
	if err != nil {
		return store.File{}, fmt.Errorf("decode file offer: %w", err)
	}
	sha, err := fi.Sha256()
	if err != nil || len(sha) != 32 {
		return store.File{}, errors.New("decode file offer: sha256 must be 32 bytes")
	}
	name, err := fi.Name()
	if err != nil || len(name) > 255 || fi.Size() > 1<<40 {
		return store.File{}, errors.New("decode file offer: bad name or size")
	}
	f := store.File{Name: name, Size: int64(fi.Size())}
	copy(f.SHA256[:], sha)
	return f, nil
}

func encodeChunkRequest(sha [32]byte, offset int64, length int, stream bool) ([]byte, error) {
	msg, seg := capnp.NewSingleSegmentMessage(nil)
	r, err := schema.NewRootFileChunkRequest(seg)
	if err == nil {
		err = r.SetSha256(sha[:])
	}
	if err != nil {
		return nil, err
	}
	r.SetOffset(uint64(offset))
	r.SetLength(uint32(length))
	r.SetStream(stream)
	return msg.Marshal()
}

func encodeChunk(offset, size int64, data []byte, refusal string) ([]byte, error) {
	msg, seg := capnp.NewSingleSegmentMessage(nil)
	c, err := schema.NewRootFileChunk(seg)
	if err == nil {
		err = errors.Join(c.SetData(data), c.SetError(refusal))
	}
	if err != nil {
		return nil, err
	}
	c.SetOffset(uint64(offset))
	c.SetSize(uint64(size))
	return msg.Marshal()
}

// checkAccess refuses an access list with the twin itself, twin 0, or a circle it does not have.
func (t *Twin) checkAccess(ctx context.Context, twins []uint64, circles []string) error {
	for _, id := range twins {
		if id == 0 || id == t.cfg.Self {
			return fmt.Errorf("twin %d cannot be given access: it is not another twin", id)
		}
	}
	for _, c := range circles {
		if err := t.hasCircle(ctx, c); err != nil {
			return err
		}
	}
	return nil
}

// union returns a and b together, sorted, each once.
func union[T cmp.Ordered](a, b []T) []T {
	out := append(slices.Clone(a), b...)
	slices.Sort(out)
	return slices.Compact(out)
}

// Share imports a file, lets the twins and the circles' members download it, and offers it to them.
// Sharing a file again adds to its access list.
func (t *Twin) Share(ctx context.Context, r io.Reader, name string, twins []uint64, circles []string) (store.File, error) {
	if t.cfg.Files == nil {
		return store.File{}, errors.New("this twin keeps no files")
	}
	if name == "" || len(name) > 255 {
		return store.File{}, errors.New("a shared file needs a name of 1 to 255 bytes")
	}
	if err := t.checkAccess(ctx, twins, circles); err != nil {
		return store.File{}, err
	}
	sha, size, err := t.cfg.Files.Import(r)
	if err != nil {
		return store.File{}, err
	}
	f := store.File{SHA256: sha, Name: name, Size: size, Have: size, Added: time.Now()}
	t.filesMu.Lock()
	defer t.filesMu.Unlock()
	if old, err := t.st.File(sha); err == nil && old.From == 0 {
		f.Access, f.Circles, f.Refusals = old.Access, old.Circles, old.Refusals
	}
	return t.grant(ctx, f, twins, circles)
}

// grant adds twins and circles to f's access list, stores and publishes it, and offers the file
// to the twins and the circles' members.
func (t *Twin) grant(ctx context.Context, f store.File, twins []uint64, circles []string) (store.File, error) {
	f.Access, f.Circles = union(f.Access, twins), union(f.Circles, circles)
	to, err := t.audience(ctx, twins, circles)
	if err != nil {
		return f, err
	}
	// A new offer asks again whoever refused the last one.
	f.Refusals = slices.DeleteFunc(f.Refusals, func(r store.Refusal) bool { return slices.Contains(to, r.Twin) })
	if err := t.st.PutFile(f); err != nil {
		return store.File{}, err
	}
	t.publish(Event{File: &f})
	body, err := encodeFileInfo(f)
	if err != nil {
		return f, err
	}
	for _, id := range to {
		if _, err := t.send(ctx, id, CmdFileOffer, schema.FileInfo_TypeID, body); err != nil {
			return f, err
		}
	}
	return f, nil
}

// SharedFile returns the entry of a file this twin shares, with its access list.
func (t *Twin) SharedFile(sha [32]byte) (store.File, error) {
	f, err := t.st.File(sha)
	if err != nil || f.From != 0 {
		return store.File{}, fmt.Errorf("file %x: %w", sha[:8], errNotShared)
	}
	return f, nil
}

// GrantAccess lets more twins and circles download a file this twin shares, and offers it to them.
func (t *Twin) GrantAccess(ctx context.Context, sha [32]byte, twins []uint64, circles []string) (store.File, error) {
	if err := t.checkAccess(ctx, twins, circles); err != nil {
		return store.File{}, err
	}
	t.filesMu.Lock()
	defer t.filesMu.Unlock()
	f, err := t.SharedFile(sha)
	if err != nil {
		return f, err
	}
	return t.grant(ctx, f, twins, circles)
}

// ReplaceAccess makes twins and circles the whole access list of a file this twin shares: whoever
// is left out is refused from its next chunk request on; whoever is new is offered the file.
func (t *Twin) ReplaceAccess(ctx context.Context, sha [32]byte, twins []uint64, circles []string) (store.File, error) {
	if err := t.checkAccess(ctx, twins, circles); err != nil {
		return store.File{}, err
	}
	t.filesMu.Lock()
	defer t.filesMu.Unlock()
	f, err := t.SharedFile(sha)
	if err != nil {
		return f, err
	}
	var newTwins []uint64
	for _, id := range twins {
		if !slices.Contains(f.Access, id) {
			newTwins = append(newTwins, id)
		}
	}
	var newCircles []string
	for _, c := range circles {
		if !slices.Contains(f.Circles, c) {
			newCircles = append(newCircles, c)
		}
	}
	f.Access, f.Circles = union(nil, twins), union(nil, circles)
	return t.grant(ctx, f, newTwins, newCircles)
}

// Files lists the files this twin shares or was offered.
func (t *Twin) Files() ([]store.File, error) { return t.st.Files() }

func (t *Twin) handleFileOffer(ctx context.Context, m *client.Message) error {
	f, err := decodeFileInfo(m.Body)
	if err != nil {
		t.log.Warn("dropped a malformed file offer", "from", m.From, "err", err)
		return nil
	}
	c, err := t.st.Contact(m.From)
	if err != nil {
		return err
	}
	if c.State != schema.ContactState_contact {
		t.log.Info("refused a file offer from a twin that is not a contact", "from", m.From, "state", c.State)
		body, err := encodeFileRefusal(f.SHA256, FileRefusalText(t.cfg.Self))
		if err != nil {
			return err
		}
		_, err = t.send(ctx, m.From, CmdFileRefused, schema.FileRefusal_TypeID, body)
		return err
	}
	if old, err := t.st.File(f.SHA256); err == nil && (old.From == 0 || old.Have == old.Size) {
		return nil // ours already, or complete
	}
	f.From, f.Added = m.From, time.Now()
	if t.cfg.Files != nil {
		f.Have = t.cfg.Files.Have(f.SHA256)
	}
	if err := t.st.PutFile(f); err != nil {
		return err
	}
	t.publish(Event{File: &f})
	return nil
}

// handleFileRefused records that a twin refused this twin's offer of a file, for the owner to see.
func (t *Twin) handleFileRefused(m *client.Message) error {
	sha, reason, err := decodeFileRefusal(m.Body)
	if err != nil {
		t.log.Warn("dropped a malformed file refusal", "from", m.From, "err", err)
		return nil
	}
	t.filesMu.Lock()
	defer t.filesMu.Unlock()
	f, err := t.st.File(sha)
	if err != nil || f.From != 0 {
		t.log.Warn("refusal of a file this twin does not share", "from", m.From, "sha256", fmt.Sprintf("%x", sha[:8]))
		return nil
	}
	f.Refusals = append(slices.DeleteFunc(f.Refusals, func(r store.Refusal) bool { return r.Twin == m.From }),
		store.Refusal{Twin: m.From, Reason: reason, At: time.Now()})
	if err := t.st.PutFile(f); err != nil {
		return err
	}
	t.log.Info("a twin refused a file offer", "from", m.From, "file", f.Name, "reason", reason)
	t.publish(Event{File: &f})
	return nil
}

// handleFileGet answers a chunk request, refusing twins not in the file's access list.
func (t *Twin) handleFileGet(ctx context.Context, m *client.Message) error {
	reply := func(offset, size int64, data []byte, refusal string) error {
		body, err := encodeChunk(offset, size, data, refusal)
		if err != nil {
			return err
		}
		return t.c.Reply(ctx, m, schema.FileChunk_TypeID, body)
	}
	msg, err := capnp.Unmarshal(m.Body)
	if err != nil {
		return reply(0, 0, nil, "malformed request")
	}
	rq, err := schema.ReadRootFileChunkRequest(msg)
	if err != nil {
		return reply(0, 0, nil, "malformed request")
	}
	raw, err := rq.Sha256()
	if err != nil || len(raw) != 32 {
		return reply(0, 0, nil, "sha256 must be 32 bytes")
	}
	var sha [32]byte
	copy(sha[:], raw)
	f, err := t.st.File(sha)
	if err != nil || f.From != 0 || !t.mayDownload(ctx, f, m.From) || t.cfg.Files == nil {
		t.log.Info("refused a file download", "from", m.From, "sha256", fmt.Sprintf("%x", sha[:8]))
		// Recorded before the refusal goes out, so whoever is refused can already find it audited.
		ev := directory.AuditEvent{Twin: t.cfg.Self, Time: time.Now(), Action: "permission_denied",
			Detail: fmt.Sprintf("twin %d asked for file %x", m.From, sha[:8])}
		if err := t.cfg.Directory.AppendAudit(ctx, ev); err != nil {
			t.log.Warn("could not audit a refused download", "from", m.From, "err", err)
		}
		return reply(0, 0, nil, fmt.Sprintf("twin %d may not download this file from twin %d", m.From, t.cfg.Self))
	}
	offset := int64(rq.Offset())
	if offset < 0 || offset > f.Size {
		return reply(offset, f.Size, nil, "offset past the end of the file")
	}
	if rq.Stream() && !t.cfg.NoStreams && offset < f.Size {
		body, err := t.offerStream(ctx, m.From, f, offset)
		if err == nil {
			return t.c.Reply(ctx, m, schema.FileStreamTicket_TypeID, body)
		}
		t.log.Warn("cannot offer a file stream; answering with an RMB chunk", "to", m.From, "file", f.Name, "err", err)
	}
	length := min(int(rq.Length()), ChunkSize)
	data, err := t.cfg.Files.ReadChunk(sha, offset, length)
	if err != nil {
		return reply(offset, f.Size, nil, "the file cannot be read")
	}
	t.served.Add(1)
	return reply(offset, f.Size, data, "")
}

// Download fetches the file with the hash offered by twin from, resuming a partial download, and
// checks its SHA-256; progress is published as file events.
func (t *Twin) Download(ctx context.Context, from uint64, sha [32]byte) (store.File, error) {
	if t.cfg.Files == nil {
		return store.File{}, errors.New("this twin keeps no files")
	}
	f, err := t.st.File(sha)
	if err != nil || f.From != from {
		return store.File{}, fmt.Errorf("twin %d offered no file %x", from, sha[:8])
	}
	stream := !t.cfg.NoStreams
	for !t.cfg.Files.Complete(sha) {
		offset := t.cfg.Files.Have(sha)
		if stream && offset < f.Size {
			err := t.streamFile(ctx, from, &f, offset)
			switch {
			case errors.Is(err, errNoStream):
				t.log.Info("file stream could not be opened; falling back to RMB chunks", "from", from, "file", f.Name, "err", err)
				stream = false
			case err != nil && t.cfg.Files.Have(sha) > offset && ctx.Err() == nil:
				// It moved data before it broke: ask again from where it stopped.
				t.log.Info("file stream cut; resuming", "from", from, "file", f.Name, "at", t.cfg.Files.Have(sha), "err", err)
			case err != nil:
				t.storeHave(&f)
				return f, fmt.Errorf("download %s from twin %d: %w", f.Name, from, err)
			}
			if err := t.finishIfWhole(&f, from); err != nil {
				return f, err
			}
			continue
		}
		// A window of chunk requests in flight, written in order as they arrive.
		type result struct {
			data []byte
			err  error
		}
		var window []chan result
		for off := offset; off < f.Size && len(window) < Window; off += ChunkSize {
			ch := make(chan result, 1)
			window = append(window, ch)
			go func() {
				d, err := t.fetchChunk(ctx, from, sha, off, min(ChunkSize, f.Size-off))
				ch <- result{d, err}
			}()
		}
		for _, ch := range window {
			r := <-ch
			if r.err != nil {
				return f, fmt.Errorf("download %s from twin %d: %w", f.Name, from, r.err)
			}
			if err := t.cfg.Files.Append(sha, offset, r.data); err != nil {
				return f, err
			}
			offset += int64(len(r.data))
		}
		if err := t.finishIfWhole(&f, from); err != nil {
			return f, err
		}
	}
	return f, nil
}

// finishIfWhole checks a download that holds the whole file against its SHA-256 and makes it
// complete, then stores and publishes how much of it is here.
func (t *Twin) finishIfWhole(f *store.File, from uint64) error {
	if t.cfg.Files.Have(f.SHA256) >= f.Size && !t.cfg.Files.Complete(f.SHA256) {
		if err := t.cfg.Files.Finish(f.SHA256); err != nil {
			return fmt.Errorf("download %s from twin %d: %w", f.Name, from, err)
		}
	}
	return t.storeHave(f)
}

// storeHave records and publishes how much of a download is here.
func (t *Twin) storeHave(f *store.File) error {
	f.Have = t.cfg.Files.Have(f.SHA256)
	if err := t.st.PutFile(*f); err != nil {
		return err
	}
	progress := *f
	t.publish(Event{File: &progress})
	return nil
}

// fetchChunk asks twin from for want bytes of the file at offset.
func (t *Twin) fetchChunk(ctx context.Context, from uint64, sha [32]byte, offset, want int64) ([]byte, error) {
	body, err := encodeChunkRequest(sha, offset, int(want), false)
	if err != nil {
		return nil, err
	}
	cctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	resp, err := t.c.Request(cctx, client.Outgoing{To: from, Command: CmdFileGet, Schema: schema.FileChunkRequest_TypeID, Body: body})
	if err != nil {
		return nil, err
	}
	data, err := t.chunkData(resp, offset)
	if err != nil {
		return nil, err
	}
	if int64(len(data)) != want {
		return nil, fmt.Errorf("chunk at %d has %d bytes, want %d", offset, len(data), want)
	}
	return data, nil
}

func (t *Twin) chunkData(resp *client.Message, offset int64) ([]byte, error) {
	if resp.Schema != schema.FileChunk_TypeID {
		return nil, fmt.Errorf("answered with schema %#x, want FileChunk", resp.Schema)
	}
	msg, err := capnp.Unmarshal(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("malformed chunk: %w", err)
	}
	c, err := schema.ReadRootFileChunk(msg)
	if err != nil {
		return nil, fmt.Errorf("malformed chunk: %w", err)
	}
	if refusal, _ := c.Error(); refusal != "" {
		return nil, errors.New(refusal)
	}
	data, err := c.Data()
	if err != nil || int64(c.Offset()) != offset || len(data) == 0 || len(data) > ChunkSize {
		return nil, fmt.Errorf("chunk at %d does not fit the request at %d", c.Offset(), offset)
	}
	return data, nil
}

// FilePath returns where a complete file is stored and its name.
func (t *Twin) FilePath(sha [32]byte) (string, string, error) {
	f, err := t.st.File(sha)
	if err != nil || t.cfg.Files == nil || !t.cfg.Files.Complete(sha) {
		return "", "", fmt.Errorf("no complete file %x here", sha[:8])
	}
	return t.cfg.Files.Path(sha), f.Name, nil
}
