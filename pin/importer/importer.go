// Package importer turns files, directories and CAR files into blocks with the same CIDs Kubo's
// `ipfs add` and `ipfs dag import` give: chunker size-262144, balanced layout with 174 links per node,
// CIDv0 with dag-pb leaves by default, CIDv1 with raw leaves for cid-version=1.
package importer

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/ipfs/boxo/blockstore"
	chunker "github.com/ipfs/boxo/chunker"
	"github.com/ipfs/boxo/files"
	"github.com/ipfs/boxo/ipld/merkledag"
	ft "github.com/ipfs/boxo/ipld/unixfs"
	bal "github.com/ipfs/boxo/ipld/unixfs/importer/balanced"
	h "github.com/ipfs/boxo/ipld/unixfs/importer/helpers"
	uio "github.com/ipfs/boxo/ipld/unixfs/io"
	"github.com/ipfs/go-cid"
	ipld "github.com/ipfs/go-ipld-format"
	car "github.com/ipld/go-car/v2"
)

// ChunkSize is the size of every leaf but the last (Kubo's default chunker, size-262144).
const ChunkSize = 262144

// Options are the flags of `ipfs add` the importer honours.
type Options struct {
	CIDVersion int  // 0 (default) or 1
	RawLeaves  bool // leaves as raw blocks; Kubo turns this on with CIDVersion 1

	// Added, when set, is called for every file and directory once imported, children before
	// their directory, with its path below the imported node ("" for the node itself).
	Added func(path string, nd ipld.Node)
}

// Kubo returns the options `ipfs add` uses for these flags: rawLeaves nil means the flag was not
// given, in which case CIDv1 implies raw leaves.
func Kubo(cidVersion int, rawLeaves *bool) (Options, error) {
	if cidVersion != 0 && cidVersion != 1 {
		return Options{}, fmt.Errorf("cid-version %d: must be 0 or 1", cidVersion)
	}
	o := Options{CIDVersion: cidVersion, RawLeaves: cidVersion == 1}
	if rawLeaves != nil {
		o.RawLeaves = *rawLeaves
	}
	return o, nil
}

func (o Options) prefix() cid.Prefix {
	if o.CIDVersion == 1 {
		return merkledag.V1CidPrefix()
	}
	return merkledag.V0CidPrefix()
}

// File imports the bytes of r as one UnixFS file and returns its root node.
func File(ctx context.Context, dag ipld.DAGService, r io.Reader, o Options) (ipld.Node, error) {
	params := h.DagBuilderParams{
		Dagserv:    dag,
		Maxlinks:   h.DefaultLinksPerBlock,
		RawLeaves:  o.RawLeaves,
		CidBuilder: o.prefix(),
	}
	db, err := params.New(chunker.NewSizeSplitter(r, ChunkSize))
	if err != nil {
		return nil, fmt.Errorf("import file: %w", err)
	}
	nd, err := bal.Layout(db)
	if err != nil {
		return nil, fmt.Errorf("import file: %w", err)
	}
	return nd, nil
}

// Node imports a file, a symlink or a whole directory tree (as `ipfs add -r` does, empty
// directories included) and returns its root node.
func Node(ctx context.Context, dag ipld.DAGService, n files.Node, o Options) (ipld.Node, error) {
	return node(ctx, dag, n, o, "")
}

func node(ctx context.Context, dag ipld.DAGService, n files.Node, o Options, path string) (ipld.Node, error) {
	nd, err := node1(ctx, dag, n, o, path)
	if err == nil && o.Added != nil {
		o.Added(path, nd)
	}
	return nd, err
}

func node1(ctx context.Context, dag ipld.DAGService, n files.Node, o Options, path string) (ipld.Node, error) {
	switch n := n.(type) {
	case *files.Symlink:
		nd := merkledag.NodeWithData(mustSymlink(n.Target))
		if err := nd.SetCidBuilder(o.prefix()); err != nil {
			return nil, fmt.Errorf("import symlink: %w", err)
		}
		if err := dag.Add(ctx, nd); err != nil {
			return nil, fmt.Errorf("import symlink: %w", err)
		}
		return nd, nil
	case files.File:
		return File(ctx, dag, n, o)
	case files.Directory:
		dir, err := uio.NewDirectory(dag, uio.WithCidBuilder(o.prefix()))
		if err != nil {
			return nil, fmt.Errorf("import directory: %w", err)
		}
		it := n.Entries()
		for it.Next() {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			child, err := node(ctx, dag, it.Node(), o, joinPath(path, it.Name()))
			if err != nil {
				return nil, fmt.Errorf("%s: %w", it.Name(), err)
			}
			if err := dir.AddChild(ctx, it.Name(), child); err != nil {
				return nil, fmt.Errorf("import directory entry %s: %w", it.Name(), err)
			}
		}
		if err := it.Err(); err != nil {
			return nil, fmt.Errorf("import directory: %w", err)
		}
		nd, err := dir.GetNode()
		if err != nil {
			return nil, fmt.Errorf("import directory: %w", err)
		}
		if err := dag.Add(ctx, nd); err != nil {
			return nil, fmt.Errorf("import directory: %w", err)
		}
		return nd, nil
	default:
		return nil, fmt.Errorf("import: unsupported node type %T", n)
	}
}

func joinPath(dir, name string) string {
	if dir == "" {
		return name
	}
	return dir + "/" + name
}

func mustSymlink(target string) []byte {
	b, err := ft.SymlinkData(target)
	if err != nil {
		// SymlinkData only fails when protobuf marshalling fails, which it cannot for a string.
		panic(err)
	}
	return b
}

// ErrCAR marks a CAR file that cannot be read or holds a block whose bytes do not match its CID.
var ErrCAR = errors.New("bad CAR")

// MaxBlock bounds one block of a CAR (Kubo and bitswap refuse blocks over 2 MiB).
const MaxBlock = 2 << 20

// CAR reads a CAR (v1 or v2) from r, checks every block's hash against its CID, stores the blocks
// in bs, and returns the CAR's roots and how many blocks it held. It does not check that the DAGs
// under the roots are complete.
func CAR(ctx context.Context, bs blockstore.Blockstore, r io.Reader) ([]cid.Cid, int, error) {
	br, err := car.NewBlockReader(r, car.MaxAllowedSectionSize(MaxBlock+128))
	if err != nil {
		return nil, 0, fmt.Errorf("%w: header: %v", ErrCAR, err)
	}
	n := 0
	for {
		if err := ctx.Err(); err != nil {
			return nil, n, err
		}
		b, err := br.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, n, fmt.Errorf("%w: block %d: %v", ErrCAR, n, err)
		}
		if err := bs.Put(ctx, b); err != nil {
			return nil, n, fmt.Errorf("store block %s: %w", b.Cid(), err)
		}
		n++
	}
	return br.Roots, n, nil
}
