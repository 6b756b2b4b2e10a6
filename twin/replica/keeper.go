package replica

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"time"
)

// readTimeout ends a stream that sent nothing for this long (the twin pings every second).
const readTimeout = 5 * time.Second

// Keeper stores the replicas twins stream to this standby, one directory per twin: hello (the
// signed hello), snap (seq | sealed snapshot) and log (records of [u32 len][seq | sealed change]).
type Keeper struct {
	dir    string
	lookup func(ctx context.Context, twin uint64) (ed25519.PublicKey, error)
	log    *slog.Logger

	mu    sync.Mutex
	seen  map[uint64]time.Time // last frame from the twin, or when this keeper found its replica
	files map[uint64]*sync.Mutex
}

// NewKeeper keeps replicas in dir; lookup returns a twin's signing key (from the chain), which
// its hello must be signed with. Replicas already in dir count as seen now.
func NewKeeper(dir string, lookup func(ctx context.Context, twin uint64) (ed25519.PublicKey, error), log *slog.Logger) (*Keeper, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("replicas: %w", err)
	}
	k := &Keeper{dir: dir, lookup: lookup, log: log, seen: map[uint64]time.Time{}, files: map[uint64]*sync.Mutex{}}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("replicas: %w", err)
	}
	for _, e := range ents {
		if id, err := strconv.ParseUint(e.Name(), 10, 64); err == nil && e.IsDir() {
			k.seen[id] = time.Now()
		}
	}
	return k, nil
}

// Dir is where twin id's replica lives.
func (k *Keeper) Dir(id uint64) string { return filepath.Join(k.dir, strconv.FormatUint(id, 10)) }

// Silent lists the twins with a replica here and no frame for longer than grace. A stream whose
// host died stays open until its read deadline, but sends nothing: silence is what counts.
func (k *Keeper) Silent(grace time.Duration) []uint64 {
	k.mu.Lock()
	defer k.mu.Unlock()
	var out []uint64
	for id, t := range k.seen {
		if time.Since(t) > grace {
			out = append(out, id)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// Drop forgets twin id's replica (it runs here now, or elsewhere) and removes it.
func (k *Keeper) Drop(id uint64) error {
	k.mu.Lock()
	delete(k.seen, id)
	k.mu.Unlock()
	return os.RemoveAll(k.Dir(id))
}

// Serve accepts replication streams on ln until it closes.
func (k *Keeper) Serve(ln net.Listener) error {
	for {
		c, err := ln.Accept()
		if err != nil {
			return err
		}
		go k.handle(c)
	}
}

func (k *Keeper) lock(id uint64) *sync.Mutex {
	k.mu.Lock()
	defer k.mu.Unlock()
	m, ok := k.files[id]
	if !ok {
		m = &sync.Mutex{}
		k.files[id] = m
	}
	return m
}

func (k *Keeper) handle(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	typ, p, err := readFrame(r)
	if err != nil || typ != tHello {
		k.log.Warn("replica stream without a hello", "from", c.RemoteAddr(), "type", typ, "err", err)
		return
	}
	h, err := DecodeHello(p)
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		var pub ed25519.PublicKey
		pub, err = k.lookup(ctx, h.Twin)
		cancel()
		if err == nil {
			err = h.Verify(pub)
		}
	}
	if err != nil {
		k.log.Warn("refused a replica stream", "from", c.RemoteAddr(), "err", err)
		writeFrame(c, tErr, []byte(err.Error()))
		return
	}
	k.mu.Lock()
	k.seen[h.Twin] = time.Now()
	k.mu.Unlock()
	mu := k.lock(h.Twin)
	if err := k.stream(c, r, h, p, mu); err != nil && !errors.Is(err, io.EOF) {
		k.log.Info("replica stream ended", "twin", h.Twin, "err", err)
	}
}

// stream stores one twin's records as they come, acknowledging each once it is on disk.
func (k *Keeper) stream(c net.Conn, r *bufio.Reader, h Hello, hello []byte, mu *sync.Mutex) error {
	dir := k.Dir(h.Twin)
	var logf *os.File
	defer func() {
		if logf != nil {
			logf.Close()
		}
	}()
	var acked uint64
	gotSnap := false
	for {
		c.SetReadDeadline(time.Now().Add(readTimeout))
		typ, p, err := readFrame(r)
		if err != nil {
			return err
		}
		k.mu.Lock()
		k.seen[h.Twin] = time.Now()
		k.mu.Unlock()
		switch typ {
		case tPing:
		case tSnap:
			seq, _, err := record(p)
			if err != nil {
				return err
			}
			mu.Lock()
			if logf != nil {
				logf.Close()
				logf = nil
			}
			err = writeSnapshot(dir, hello, p)
			if err == nil {
				logf, err = os.OpenFile(filepath.Join(dir, "log"), os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
			}
			mu.Unlock()
			if err != nil {
				return fmt.Errorf("twin %d: snapshot: %w", h.Twin, err)
			}
			acked, gotSnap = seq, true
		case tInc:
			seq, _, err := record(p)
			if err != nil {
				return err
			}
			if !gotSnap || seq != acked+1 {
				return fmt.Errorf("twin %d: change %d out of order (after %d, snapshot %v)", h.Twin, seq, acked, gotSnap)
			}
			mu.Lock()
			_, err = logf.Write(append(binary.BigEndian.AppendUint32(nil, uint32(len(p))), p...))
			if err == nil {
				err = logf.Sync()
			}
			mu.Unlock()
			if err != nil {
				return fmt.Errorf("twin %d: change: %w", h.Twin, err)
			}
			acked = seq
		default:
			return fmt.Errorf("twin %d: unexpected frame type %d", h.Twin, typ)
		}
		c.SetWriteDeadline(time.Now().Add(10 * time.Second))
		if err := writeFrame(c, tAck, binary.BigEndian.AppendUint64(nil, acked)); err != nil {
			return err
		}
	}
}

// writeSnapshot replaces a replica's hello and snapshot atomically (a new directory renamed over).
func writeSnapshot(dir string, hello, snap []byte) error {
	tmp := dir + ".new"
	os.RemoveAll(tmp)
	if err := os.MkdirAll(tmp, 0o700); err != nil {
		return err
	}
	for name, b := range map[string][]byte{"hello": hello, "snap": snap, "log": nil} {
		if err := writeSync(filepath.Join(tmp, name), b); err != nil {
			return err
		}
	}
	old := dir + ".old"
	os.RemoveAll(old)
	if err := os.Rename(dir, old); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if err := os.Rename(tmp, dir); err != nil {
		return err
	}
	return os.RemoveAll(old)
}

func writeSync(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
