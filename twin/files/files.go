// Package files keeps the bytes of a twin's files on disk: complete files named by their SHA-256,
// and partial downloads that grow chunk by chunk, resume where they stopped, and become complete
// only when their SHA-256 matches.
package files

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// ErrMismatch is returned when a finished download does not hash to the expected SHA-256.
var ErrMismatch = errors.New("files: content does not match its SHA-256")

// Dir is a twin's file directory.
type Dir struct{ root string }

// Open creates or opens the directory at root.
func Open(root string) (*Dir, error) {
	for _, sub := range []string{"complete", "partial", "tmp"} {
		if err := os.MkdirAll(filepath.Join(root, sub), 0o700); err != nil {
			return nil, fmt.Errorf("files: %w", err)
		}
	}
	return &Dir{root: root}, nil
}

// Path returns where the complete file with the hash is stored.
func (d *Dir) Path(sha [32]byte) string {
	return filepath.Join(d.root, "complete", hex.EncodeToString(sha[:]))
}

func (d *Dir) partial(sha [32]byte) string {
	return filepath.Join(d.root, "partial", hex.EncodeToString(sha[:]))
}

// Import copies r into the directory and returns its SHA-256 and size.
func (d *Dir) Import(r io.Reader) ([32]byte, int64, error) {
	tmp, err := os.CreateTemp(filepath.Join(d.root, "tmp"), "import-")
	if err != nil {
		return [32]byte{}, 0, fmt.Errorf("files: import: %w", err)
	}
	defer os.Remove(tmp.Name())
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), r)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return [32]byte{}, 0, fmt.Errorf("files: import: %w", err)
	}
	var sha [32]byte
	copy(sha[:], h.Sum(nil))
	if err := os.Rename(tmp.Name(), d.Path(sha)); err != nil {
		return [32]byte{}, 0, fmt.Errorf("files: import: %w", err)
	}
	return sha, n, nil
}

// ReadChunk reads up to length bytes at offset of a complete file.
func (d *Dir) ReadChunk(sha [32]byte, offset int64, length int) ([]byte, error) {
	f, err := os.Open(d.Path(sha))
	if err != nil {
		return nil, fmt.Errorf("files: %w", err)
	}
	defer f.Close()
	buf := make([]byte, length)
	n, err := f.ReadAt(buf, offset)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("files: read: %w", err)
	}
	return buf[:n], nil
}

// Have returns how many bytes of the file are stored: its size when complete, else the partial's.
func (d *Dir) Have(sha [32]byte) int64 {
	if st, err := os.Stat(d.Path(sha)); err == nil {
		return st.Size()
	}
	if st, err := os.Stat(d.partial(sha)); err == nil {
		return st.Size()
	}
	return 0
}

// Complete reports whether the whole file is stored.
func (d *Dir) Complete(sha [32]byte) bool {
	_, err := os.Stat(d.Path(sha))
	return err == nil
}

// Append adds data at offset to the partial download, which must hold exactly offset bytes.
func (d *Dir) Append(sha [32]byte, offset int64, data []byte) error {
	p, err := d.OpenPartial(sha, offset)
	if err != nil {
		return err
	}
	if _, err := p.Write(data); err != nil {
		p.Close()
		return err
	}
	return p.Close()
}

// Partial is a partial download open for appending, as a stream writes it.
type Partial struct {
	f    *os.File
	size int64
}

// OpenPartial opens the partial download to append at offset, which must be how many bytes it holds.
func (d *Dir) OpenPartial(sha [32]byte, offset int64) (*Partial, error) {
	f, err := os.OpenFile(d.partial(sha), os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, fmt.Errorf("files: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("files: %w", err)
	}
	if st.Size() != offset {
		f.Close()
		return nil, fmt.Errorf("files: chunk at %d, but %d bytes are stored", offset, st.Size())
	}
	return &Partial{f: f, size: offset}, nil
}

// Write appends b.
func (p *Partial) Write(b []byte) (int, error) {
	n, err := p.f.WriteAt(b, p.size)
	p.size += int64(n)
	if err != nil {
		return n, fmt.Errorf("files: write: %w", err)
	}
	return n, nil
}

// Size is how many bytes the partial download holds.
func (p *Partial) Size() int64 { return p.size }

// Sync makes what was written durable.
func (p *Partial) Sync() error {
	if err := p.f.Sync(); err != nil {
		return fmt.Errorf("files: sync: %w", err)
	}
	return nil
}

// Close syncs and closes the partial download.
func (p *Partial) Close() error {
	err := p.Sync()
	if cerr := p.f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("files: %w", cerr)
	}
	return err
}

// Finish checks the partial download against its SHA-256 and makes it complete; on a mismatch the
// partial is removed, so the next attempt starts over.
func (d *Dir) Finish(sha [32]byte) error {
	f, err := os.Open(d.partial(sha))
	if err != nil {
		return fmt.Errorf("files: %w", err)
	}
	h := sha256.New()
	_, err = io.Copy(h, f)
	f.Close()
	if err != nil {
		return fmt.Errorf("files: hash: %w", err)
	}
	if got := h.Sum(nil); hex.EncodeToString(got) != hex.EncodeToString(sha[:]) {
		os.Remove(d.partial(sha))
		return fmt.Errorf("%w: got %x, want %x", ErrMismatch, got[:8], sha[:8])
	}
	if err := os.Rename(d.partial(sha), d.Path(sha)); err != nil {
		return fmt.Errorf("files: %w", err)
	}
	return nil
}
