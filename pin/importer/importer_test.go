package importer

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/ipfs/boxo/blockservice"
	"github.com/ipfs/boxo/blockstore"
	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"
	car "github.com/ipld/go-car/v2"
	"github.com/ipld/go-car/v2/storage"
	mh "github.com/multiformats/go-multihash"
)

func blockserviceOffline(bs blockstore.Blockstore) blockservice.BlockService {
	return blockservice.New(bs, nil)
}

// carOf writes the given blocks as a CARv1 with root.
func carOf(t testing.TB, root cid.Cid, bl ...blocks.Block) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := storage.NewWritable(&writerAt{&buf}, []cid.Cid{root}, car.WriteAsCarV1(true))
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bl {
		if err := w.Put(context.Background(), b.Cid().KeyString(), b.RawData()); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Finalize(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

type writerAt struct{ b *bytes.Buffer }

func (w *writerAt) Write(p []byte) (int, error) { return w.b.Write(p) }

func rawBlock(t testing.TB, data []byte) blocks.Block {
	t.Helper()
	c, err := cid.V1Builder{Codec: cid.Raw, MhType: mh.SHA2_256}.Sum(data)
	if err != nil {
		t.Fatal(err)
	}
	b, err := blocks.NewBlockWithCid(data, c)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCARRoundTrip(t *testing.T) {
	a, b := rawBlock(t, []byte("one")), rawBlock(t, []byte("two"))
	bs, _ := memDAG()
	roots, n, err := CAR(context.Background(), bs, bytes.NewReader(carOf(t, a.Cid(), a, b)))
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 || len(roots) != 1 || !roots[0].Equals(a.Cid()) {
		t.Fatalf("roots %v, %d blocks", roots, n)
	}
	for _, x := range []blocks.Block{a, b} {
		if ok, _ := bs.Has(context.Background(), x.Cid()); !ok {
			t.Fatalf("block %s not stored", x.Cid())
		}
	}
}

func TestCARRefusesBlockWithWrongHash(t *testing.T) {
	a := rawBlock(t, []byte("one"))
	forged, err := blocks.NewBlockWithCid([]byte("not one"), a.Cid())
	if err != nil {
		t.Fatal(err)
	}
	bs, _ := memDAG()
	_, _, err = CAR(context.Background(), bs, bytes.NewReader(carOf(t, a.Cid(), forged)))
	if !errors.Is(err, ErrCAR) {
		t.Fatalf("err %v, want ErrCAR", err)
	}
	if ok, _ := bs.Has(context.Background(), a.Cid()); ok {
		t.Fatal("the forged block was stored")
	}
}

func TestCARRefusesGarbage(t *testing.T) {
	bs, _ := memDAG()
	for _, in := range [][]byte{nil, []byte("hello"), {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}} {
		if _, _, err := CAR(context.Background(), bs, bytes.NewReader(in)); !errors.Is(err, ErrCAR) {
			t.Errorf("%q: err %v, want ErrCAR", in, err)
		}
	}
}

// FuzzCAR feeds arbitrary bytes to the CAR reader: an error or blocks whose hashes verify, never a panic.
func FuzzCAR(f *testing.F) {
	a, b := rawBlock(f, []byte("one")), rawBlock(f, []byte("two"))
	f.Add(carOf(f, a.Cid(), a, b))
	f.Add(carOf(f, a.Cid()))
	f.Add([]byte("garbage"))
	f.Fuzz(func(t *testing.T, in []byte) {
		bs, _ := memDAG()
		_, _, err := CAR(context.Background(), bs, bytes.NewReader(in))
		if err != nil {
			return
		}
		keys, err := bs.AllKeysChan(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for k := range keys {
			blk, err := bs.Get(context.Background(), k)
			if err != nil {
				t.Fatal(err)
			}
			sum, err := k.Prefix().Sum(blk.RawData())
			if err != nil || !sum.Equals(k) {
				t.Fatalf("stored block %s does not hash to its CID", k)
			}
		}
	})
}
