package importer

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/ipfs/boxo/blockstore"
	"github.com/ipfs/boxo/files"
	"github.com/ipfs/boxo/ipld/merkledag"
	ds "github.com/ipfs/go-datastore"
	dssync "github.com/ipfs/go-datastore/sync"
	ipld "github.com/ipfs/go-ipld-format"

	"github.com/freeflowuniverse/planetary/pin/internal/kubotest"
)

var update = flag.Bool("update", false, "rewrite testdata/kubo-vectors.json from a real Kubo")

const vectorsFile = "testdata/kubo-vectors.json"

// vectorInput describes an input tree generated from a seed, so no big file lives in git.
type vectorInput struct {
	Kind    string  `json:"kind"` // "file" or "dir"
	Seed    uint64  `json:"seed"`
	Size    int64   `json:"size,omitempty"`
	Entries []entry `json:"entries,omitempty"`
}

type entry struct {
	Path string `json:"path"`
	Size int64  `json:"size,omitempty"`
	Dir  bool   `json:"dir,omitempty"` // an empty directory
}

type vector struct {
	Name       string      `json:"name"`
	Input      vectorInput `json:"input"`
	CIDVersion int         `json:"cid_version"`
	RawLeaves  *bool       `json:"raw_leaves,omitempty"` // nil: flag not given
	CID        string      `json:"cid"`
}

type vectorFile struct {
	Kubo    string   `json:"kubo"`
	Vectors []vector `json:"vectors"`
}

func seeded(seed uint64) io.Reader {
	var s [32]byte
	binary.BigEndian.PutUint64(s[:], seed)
	copy(s[8:], "planetary-pin-vectors")
	return rand.NewChaCha8(s)
}

// build writes the input under dir and returns the path to import.
func (in vectorInput) build(t testing.TB, dir string) string {
	t.Helper()
	writeFile := func(path string, seed uint64, size int64) {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.CopyN(f, seeded(seed), size); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}
	switch in.Kind {
	case "file":
		p := filepath.Join(dir, "input")
		writeFile(p, in.Seed, in.Size)
		return p
	case "dir":
		root := filepath.Join(dir, "input")
		if err := os.MkdirAll(root, 0o755); err != nil {
			t.Fatal(err)
		}
		for i, e := range in.Entries {
			p := filepath.Join(root, filepath.FromSlash(e.Path))
			if e.Dir {
				if err := os.MkdirAll(p, 0o755); err != nil {
					t.Fatal(err)
				}
				continue
			}
			writeFile(p, in.Seed*1000+uint64(i), e.Size)
		}
		return root
	}
	t.Fatalf("unknown input kind %q", in.Kind)
	return ""
}

func boolp(b bool) *bool { return &b }

// cases are the vectors' inputs and flags; their CIDs come from Kubo (go test -update).
func cases() []vector {
	sizes := []int64{0, 1, 4096, ChunkSize - 1, ChunkSize, ChunkSize + 1, 1<<20 + 7, 3 << 20, 174 * ChunkSize, 174*ChunkSize + 1}
	var vs []vector
	for i, size := range sizes {
		for _, v := range []int{0, 1} {
			vs = append(vs, vector{
				Name:       fmt.Sprintf("file-%d-v%d", size, v),
				Input:      vectorInput{Kind: "file", Seed: uint64(i + 1), Size: size},
				CIDVersion: v,
			})
		}
	}
	vs = append(vs,
		vector{Name: "file-1MiB-v0-raw-leaves", Input: vectorInput{Kind: "file", Seed: 100, Size: 1 << 20}, CIDVersion: 0, RawLeaves: boolp(true)},
		vector{Name: "file-1MiB-v1-no-raw-leaves", Input: vectorInput{Kind: "file", Seed: 101, Size: 1 << 20}, CIDVersion: 1, RawLeaves: boolp(false)},
		vector{Name: "file-small-v1-no-raw-leaves", Input: vectorInput{Kind: "file", Seed: 102, Size: 100}, CIDVersion: 1, RawLeaves: boolp(false)},
	)
	tree := []entry{
		{Path: "a.txt", Size: 12},
		{Path: "b/c.bin", Size: 300000},
		{Path: "b/d/e.bin", Size: 1},
		{Path: "b/empty", Size: 0},
		{Path: "empty-dir", Dir: true},
		{Path: "z/big.bin", Size: 2<<20 + 3},
		{Path: "Ünïcode name.txt", Size: 5},
	}
	many := make([]entry, 0, 300)
	for i := range 300 {
		many = append(many, entry{Path: fmt.Sprintf("f%03d", i), Size: int64(i % 7 * 100)})
	}
	for _, v := range []int{0, 1} {
		vs = append(vs,
			vector{Name: "dir-tree-v" + strconv.Itoa(v), Input: vectorInput{Kind: "dir", Seed: 200, Entries: tree}, CIDVersion: v},
			vector{Name: "dir-300-v" + strconv.Itoa(v), Input: vectorInput{Kind: "dir", Seed: 201, Entries: many}, CIDVersion: v},
			vector{Name: "dir-empty-v" + strconv.Itoa(v), Input: vectorInput{Kind: "dir", Seed: 202}, CIDVersion: v},
		)
	}
	return vs
}

func memDAG() (blockstore.Blockstore, ipld.DAGService) {
	bs := blockstore.NewBlockstore(dssync.MutexWrap(ds.NewMapDatastore()))
	return bs, merkledag.NewDAGService(blockserviceOffline(bs))
}

func importPath(t testing.TB, dag ipld.DAGService, path string, o Options) ipld.Node {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	n, err := files.NewSerialFile(path, false, st)
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	nd, err := Node(context.Background(), dag, n, o)
	if err != nil {
		t.Fatal(err)
	}
	return nd
}

func loadVectors(t testing.TB) vectorFile {
	t.Helper()
	b, err := os.ReadFile(vectorsFile)
	if err != nil {
		t.Fatalf("read vectors (make them with `go test -run TestKuboVectorsFresh -update ./pin/importer/`): %v", err)
	}
	var vf vectorFile
	if err := json.Unmarshal(b, &vf); err != nil {
		t.Fatalf("%s: %v", vectorsFile, err)
	}
	return vf
}

// TestKuboVectors imports every committed vector's input and expects Kubo's CID.
func TestKuboVectors(t *testing.T) {
	vf := loadVectors(t)
	if len(vf.Vectors) != len(cases()) {
		t.Fatalf("%s has %d vectors, the test defines %d: regenerate with -update", vectorsFile, len(vf.Vectors), len(cases()))
	}
	for _, v := range vf.Vectors {
		t.Run(v.Name, func(t *testing.T) {
			path := v.Input.build(t, t.TempDir())
			o, err := Kubo(v.CIDVersion, v.RawLeaves)
			if err != nil {
				t.Fatal(err)
			}
			_, dag := memDAG()
			if got := importPath(t, dag, path, o).Cid().String(); got != v.CID {
				t.Fatalf("CID %s, Kubo %s gave %s", got, vf.Kubo, v.CID)
			}
		})
	}
}

// TestKuboVectorsFresh asks a real Kubo for every case's CID and compares them with the committed
// vectors (with -update: rewrites them).
func TestKuboVectorsFresh(t *testing.T) {
	bin := kubotest.Binary(t)
	repo := kubotest.NewRepo(t, bin)
	fresh := vectorFile{Kubo: kubotest.Version}
	for _, v := range cases() {
		path := v.Input.build(t, t.TempDir())
		args := []string{"add", "-Q", "--only-hash", "-r", "--cid-version=" + strconv.Itoa(v.CIDVersion)}
		if v.RawLeaves != nil {
			args = append(args, "--raw-leaves="+strconv.FormatBool(*v.RawLeaves))
		}
		v.CID = repo.Run(t, append(args, path)...)
		fresh.Vectors = append(fresh.Vectors, v)
	}
	if *update {
		b, err := json.MarshalIndent(fresh, "", "\t")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(vectorsFile, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %d vectors to %s", len(fresh.Vectors), vectorsFile)
		return
	}
	old := loadVectors(t)
	if len(old.Vectors) != len(fresh.Vectors) {
		t.Fatalf("%s has %d vectors, Kubo made %d: regenerate with -update", vectorsFile, len(old.Vectors), len(fresh.Vectors))
	}
	for i, v := range fresh.Vectors {
		if o := old.Vectors[i]; o.Name != v.Name || o.CID != v.CID {
			t.Errorf("vector %d: committed %s = %s, Kubo %s now gives %s = %s", i, o.Name, o.CID, kubotest.Version, v.Name, v.CID)
		}
	}
}
