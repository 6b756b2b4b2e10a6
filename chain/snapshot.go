package chain

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/cosmos/iavl"
)

// snapshotFormat 1 is the IAVL export of one version as a stream of nodes, cut into chunks.
// Each node: height(1) | version(8) | key(u16 len) | has value(1) | value(u32 len).
// Snapshot.Metadata is the SHA-256 of every chunk, in order; Snapshot.Hash is the SHA-256 of the stream.
const snapshotFormat = 1

// defaultChunkSize is the most bytes one snapshot chunk carries unless Options.SnapshotChunk says otherwise.
const defaultChunkSize = 4 << 20

func sha256Sum(b []byte) [32]byte { return sha256.Sum256(b) }

type snapshot struct {
	meta   abci.Snapshot
	chunks [][]byte
}

// snapshots keeps the most recent snapshots in memory; a restarted node serves none until it takes one.
type snapshots struct {
	keep int
	list []*snapshot
}

func newSnapshots(keep int) *snapshots { return &snapshots{keep: keep} }

// takeSnapshot exports a saved version and publishes it to the snapshot connection.
func (a *App) takeSnapshot(version int64) error {
	sn, err := exportSnapshot(a.tree, version, a.opts.SnapshotChunk)
	if err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	s := a.snaps
	s.list = append(s.list, sn)
	if len(s.list) > s.keep {
		s.list = slices.Delete(s.list, 0, len(s.list)-s.keep)
	}
	return nil
}

func exportSnapshot(tree *iavl.MutableTree, version int64, chunkSize int) (*snapshot, error) {
	imm, err := tree.GetImmutable(version)
	if err != nil {
		return nil, fmt.Errorf("snapshot version %d: %w", version, err)
	}
	exp, err := imm.Export()
	if err != nil {
		return nil, fmt.Errorf("export version %d: %w", version, err)
	}
	defer exp.Close()
	var stream []byte
	for {
		n, err := exp.Next()
		if errors.Is(err, iavl.ErrorExportDone) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("export version %d: %w", version, err)
		}
		stream = appendNode(stream, n)
	}
	sn := &snapshot{}
	var meta []byte
	for off := 0; off < len(stream) || off == 0; off += chunkSize {
		c := stream[off:min(off+chunkSize, len(stream))]
		sn.chunks = append(sn.chunks, c)
		h := sha256Sum(c)
		meta = append(meta, h[:]...)
		if len(stream) == 0 {
			break
		}
	}
	h := sha256Sum(stream)
	sn.meta = abci.Snapshot{Height: uint64(version), Format: snapshotFormat, Chunks: uint32(len(sn.chunks)), Hash: h[:], Metadata: meta}
	return sn, nil
}

func appendNode(b []byte, n *iavl.ExportNode) []byte {
	e := enc{b: b}
	e.u8(uint8(n.Height))
	e.u64(uint64(n.Version))
	e.bytes(n.Key)
	if n.Value == nil {
		e.u8(0)
	} else {
		e.u8(1)
		e.b = append(e.b, byte(len(n.Value)>>24), byte(len(n.Value)>>16), byte(len(n.Value)>>8), byte(len(n.Value)))
		e.b = append(e.b, n.Value...)
	}
	return e.b
}

// DecodeSnapshotNodes parses a snapshot stream into IAVL export nodes.
func DecodeSnapshotNodes(b []byte) ([]*iavl.ExportNode, error) {
	d := dec{b: b}
	var nodes []*iavl.ExportNode
	for len(d.b) > 0 && d.err == nil {
		n := &iavl.ExportNode{Height: int8(d.u8()), Version: int64(d.u64()), Key: d.bytes()}
		switch d.u8() {
		case 0:
		case 1:
			l := d.take(4)
			if l != nil {
				n.Value = bytes.Clone(d.take(int(l[0])<<24 | int(l[1])<<16 | int(l[2])<<8 | int(l[3])))
				if n.Value == nil && d.err == nil {
					n.Value = []byte{}
				}
			}
		default:
			d.err = errors.New("bad value flag")
		}
		if d.err == nil {
			nodes = append(nodes, n)
		}
	}
	return nodes, d.end("snapshot")
}

// ListSnapshots offers the kept snapshots to syncing peers.
func (a *App) ListSnapshots(context.Context, *abci.ListSnapshotsRequest) (*abci.ListSnapshotsResponse, error) {
	res := &abci.ListSnapshotsResponse{}
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, s := range a.snaps.list {
		m := s.meta
		res.Snapshots = append(res.Snapshots, &m)
	}
	return res, nil
}

// LoadSnapshotChunk serves one chunk of a kept snapshot.
func (a *App) LoadSnapshotChunk(_ context.Context, req *abci.LoadSnapshotChunkRequest) (*abci.LoadSnapshotChunkResponse, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, s := range a.snaps.list {
		if s.meta.Height == req.Height && s.meta.Format == req.Format && int(req.Chunk) < len(s.chunks) {
			return &abci.LoadSnapshotChunkResponse{Chunk: s.chunks[req.Chunk]}, nil
		}
	}
	return &abci.LoadSnapshotChunkResponse{}, nil
}

// restore is a state sync in progress.
type restore struct {
	meta    abci.Snapshot
	appHash []byte
	chunks  [][]byte
	got     int
}

// OfferSnapshot accepts a format-1 snapshot when this node has no state yet.
func (a *App) OfferSnapshot(_ context.Context, req *abci.OfferSnapshotRequest) (*abci.OfferSnapshotResponse, error) {
	if err := a.hold(); err != nil {
		return nil, err
	}
	defer a.life.RUnlock()
	s := req.Snapshot
	switch {
	case s == nil:
		return &abci.OfferSnapshotResponse{Result: abci.OFFER_SNAPSHOT_RESULT_REJECT}, nil
	case s.Format != snapshotFormat:
		return &abci.OfferSnapshotResponse{Result: abci.OFFER_SNAPSHOT_RESULT_REJECT_FORMAT}, nil
	case a.tree.Version() != 0, s.Chunks == 0, len(s.Metadata) != 32*int(s.Chunks):
		a.log.Warn("snapshot refused", "height", s.Height, "chunks", s.Chunks, "local_version", a.tree.Version())
		return &abci.OfferSnapshotResponse{Result: abci.OFFER_SNAPSHOT_RESULT_REJECT}, nil
	}
	a.restore = &restore{meta: *s, appHash: req.AppHash, chunks: make([][]byte, s.Chunks)}
	a.log.Info("restoring snapshot", "height", s.Height, "chunks", s.Chunks)
	return &abci.OfferSnapshotResponse{Result: abci.OFFER_SNAPSHOT_RESULT_ACCEPT}, nil
}

// ApplySnapshotChunk checks a chunk against the snapshot's metadata and imports the state once all arrived.
func (a *App) ApplySnapshotChunk(_ context.Context, req *abci.ApplySnapshotChunkRequest) (*abci.ApplySnapshotChunkResponse, error) {
	if err := a.hold(); err != nil {
		return nil, err
	}
	defer a.life.RUnlock()
	r := a.restore
	if r == nil || int(req.Index) >= len(r.chunks) {
		return &abci.ApplySnapshotChunkResponse{Result: abci.APPLY_SNAPSHOT_CHUNK_RESULT_ABORT}, nil
	}
	h := sha256Sum(req.Chunk)
	if !bytes.Equal(h[:], r.meta.Metadata[32*req.Index:32*req.Index+32]) {
		return &abci.ApplySnapshotChunkResponse{Result: abci.APPLY_SNAPSHOT_CHUNK_RESULT_RETRY,
			RefetchChunks: []uint32{req.Index}, RejectSenders: []string{req.Sender}}, nil
	}
	if r.chunks[req.Index] == nil {
		r.chunks[req.Index] = bytes.Clone(req.Chunk)
		r.got++
	}
	if r.got < len(r.chunks) {
		return &abci.ApplySnapshotChunkResponse{Result: abci.APPLY_SNAPSHOT_CHUNK_RESULT_ACCEPT}, nil
	}
	a.restore = nil
	if err := a.importSnapshot(r); err != nil {
		a.log.Error("snapshot import failed", "height", r.meta.Height, "err", err)
		// Forget what was imported, so that the node can be offered another snapshot.
		if err := a.discardImport(); err != nil {
			return nil, fmt.Errorf("discard failed snapshot import: %w", err)
		}
		return &abci.ApplySnapshotChunkResponse{Result: abci.APPLY_SNAPSHOT_CHUNK_RESULT_REJECT_SNAPSHOT}, nil
	}
	a.log.Info("snapshot restored", "height", r.meta.Height)
	return &abci.ApplySnapshotChunkResponse{Result: abci.APPLY_SNAPSHOT_CHUNK_RESULT_ACCEPT}, nil
}

// discardImport empties the state after a failed import; the app had no state before it (OfferSnapshot checks).
func (a *App) discardImport() error {
	if err := a.tree.Close(); err != nil {
		return fmt.Errorf("close state tree: %w", err)
	}
	if err := wipeDB(a.db); err != nil {
		return err
	}
	tree, err := loadTree(a.db)
	if err != nil {
		return err
	}
	a.mu.Lock()
	a.tree = tree
	a.mu.Unlock()
	return a.setCommitted()
}

func (a *App) importSnapshot(r *restore) error {
	stream := bytes.Join(r.chunks, nil)
	if h := sha256Sum(stream); !bytes.Equal(h[:], r.meta.Hash) {
		return errors.New("stream hash does not match the snapshot")
	}
	nodes, err := DecodeSnapshotNodes(stream)
	if err != nil {
		return err
	}
	imp, err := a.tree.Import(int64(r.meta.Height))
	if err != nil {
		return fmt.Errorf("start import: %w", err)
	}
	defer imp.Close()
	for _, n := range nodes {
		if err := imp.Add(n); err != nil {
			return fmt.Errorf("import node: %w", err)
		}
	}
	if err := imp.Commit(); err != nil {
		return fmt.Errorf("commit import: %w", err)
	}
	if _, err := a.tree.LoadVersion(int64(r.meta.Height)); err != nil {
		return fmt.Errorf("load imported version: %w", err)
	}
	if !bytes.Equal(a.tree.Hash(), r.appHash) {
		return fmt.Errorf("imported state hash %X differs from the app hash %X", a.tree.Hash(), r.appHash)
	}
	if err := a.loadMeta(); err != nil {
		return err
	}
	return a.setCommitted()
}
