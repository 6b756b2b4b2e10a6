package chain

import (
	"context"
	"encoding/binary"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"
)

// TestStateSyncLargeState: a state of thousands of keys, cut into many small chunks, restores
// on a fresh app from chunks arriving in reverse order, one of them corrupted first; the two
// apps then execute the same block to the same hash. A snapshot that does not match the trusted
// app hash is refused and leaves the fresh app able to take another.
func TestStateSyncLargeState(t *testing.T) {
	const accounts, perBlock = 20, 25 // 1,500 twins in three blocks: about 4,500 keys
	app, err := New(Options{Dir: t.TempDir(), SnapshotInterval: 3, SnapshotChunk: 16 << 10})
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	ctx := context.Background()
	if _, err := app.InitChain(ctx, &abci.InitChainRequest{ChainId: testChain, InitialHeight: 1}); err != nil {
		t.Fatal(err)
	}
	accts := make([]*account, accounts)
	for i := range accts {
		accts[i] = newAccount(byte(i + 1))
	}
	n := 0
	for h := int64(1); h <= 3; h++ {
		var txs [][]byte
		for _, a := range accts {
			for range perBlock {
				var k [32]byte
				binary.BigEndian.PutUint64(k[:], uint64(n))
				n++
				txs = append(txs, a.tx(&RegisterTwin{Key: k, PNIC: [32]byte{byte(n % 7)}, Loc: Location{City: "Ghent"}}))
			}
		}
		for i, r := range block(t, app, h, txs...) {
			if r.Code != 0 {
				t.Fatalf("block %d tx %d: %s", h, i, r.Log)
			}
		}
	}
	snaps, _ := app.ListSnapshots(ctx, nil)
	if len(snaps.Snapshots) != 1 || snaps.Snapshots[0].Height != 3 {
		t.Fatalf("snapshots %+v, want one at height 3", snaps.Snapshots)
	}
	s := snaps.Snapshots[0]
	t.Logf("%d twins, snapshot in %d chunks", n, s.Chunks)
	if s.Chunks < 8 {
		t.Fatalf("snapshot of %d twins in %d chunks, want many", n, s.Chunks)
	}
	chunk := func(i uint32) []byte {
		c, err := app.LoadSnapshotChunk(ctx, &abci.LoadSnapshotChunkRequest{Height: s.Height, Format: s.Format, Chunk: i})
		if err != nil || len(c.Chunk) == 0 {
			t.Fatalf("chunk %d: %v", i, err)
		}
		return c.Chunk
	}

	fresh, err := New(Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	restore := func(appHash []byte) abci.ApplySnapshotChunkResult {
		t.Helper()
		offer, _ := fresh.OfferSnapshot(ctx, &abci.OfferSnapshotRequest{Snapshot: s, AppHash: appHash})
		if offer.Result != abci.OFFER_SNAPSHOT_RESULT_ACCEPT {
			t.Fatalf("offer: %v", offer.Result)
		}
		bad := append([]byte(nil), chunk(s.Chunks-1)...)
		bad[len(bad)/2] ^= 1
		r, _ := fresh.ApplySnapshotChunk(ctx, &abci.ApplySnapshotChunkRequest{Index: s.Chunks - 1, Chunk: bad, Sender: "liar"})
		if r.Result != abci.APPLY_SNAPSHOT_CHUNK_RESULT_RETRY || len(r.RefetchChunks) != 1 || r.RefetchChunks[0] != s.Chunks-1 ||
			len(r.RejectSenders) != 1 || r.RejectSenders[0] != "liar" {
			t.Fatalf("corrupted chunk: %+v", r)
		}
		var last abci.ApplySnapshotChunkResult
		for i := int(s.Chunks) - 1; i >= 0; i-- {
			r, _ := fresh.ApplySnapshotChunk(ctx, &abci.ApplySnapshotChunkRequest{Index: uint32(i), Chunk: chunk(uint32(i))})
			last = r.Result
			if i > 0 && last != abci.APPLY_SNAPSHOT_CHUNK_RESULT_ACCEPT {
				t.Fatalf("chunk %d: %v", i, last)
			}
		}
		return last
	}

	wrong := append([]byte(nil), app.Hash()...)
	wrong[0] ^= 1
	if r := restore(wrong); r != abci.APPLY_SNAPSHOT_CHUNK_RESULT_REJECT_SNAPSHOT {
		t.Fatalf("snapshot against a wrong app hash: %v", r)
	}
	if info, _ := fresh.Info(ctx, nil); info.LastBlockHeight != 0 {
		t.Fatalf("after a refused snapshot the app is at height %d", info.LastBlockHeight)
	}
	if r := restore(app.Hash()); r != abci.APPLY_SNAPSHOT_CHUNK_RESULT_ACCEPT {
		t.Fatalf("last chunk: %v", r)
	}
	info, _ := fresh.Info(ctx, nil)
	if info.LastBlockHeight != 3 || string(info.LastBlockAppHash) != string(app.Hash()) {
		t.Fatalf("restored at %d hash %X, want 3 %X", info.LastBlockHeight, info.LastBlockAppHash, app.Hash())
	}
	last := "twin/" + u(uint64(n))
	if r := query(t, fresh, last); r.Code != 0 || string(r.Value) != string(query(t, app, last).Value) {
		t.Fatalf("%s on the restored app: code %d %s", last, r.Code, r.Log)
	}

	next := [][]byte{accts[0].tx(&DeleteTwin{ID: 1}), accts[1].tx(&RegisterTwin{Key: [32]byte{0xff}}),
		accts[2].tx(&CreateCircle{Twin: 2*perBlock + 1, Name: "after"})}
	a, b := block(t, app, 4, next...), block(t, fresh, 4, next...)
	for i := range a {
		if a[i].Code != 0 || b[i].Code != 0 {
			t.Fatalf("tx %d after restore: %q / %q", i, a[i].Log, b[i].Log)
		}
	}
	if string(app.Hash()) != string(fresh.Hash()) {
		t.Fatalf("block 4: hash %X on the source, %X on the restored app", app.Hash(), fresh.Hash())
	}
}
