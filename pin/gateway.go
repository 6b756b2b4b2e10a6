package pin

import (
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/ipfs/boxo/ipld/merkledag"
	ft "github.com/ipfs/boxo/ipld/unixfs"
	uio "github.com/ipfs/boxo/ipld/unixfs/io"
	"github.com/ipfs/go-cid"
	ipld "github.com/ipfs/go-ipld-format"
	car "github.com/ipld/go-car/v2"
	"github.com/ipld/go-car/v2/storage"

	"github.com/freeflowuniverse/planetary/pin/ledger"
)

// Media types of the trustless gateway.
const (
	mediaRaw = "application/vnd.ipld.raw"
	mediaCAR = "application/vnd.ipld.car"
)

// gatewayPath splits "/ipfs/{cid}/a/b" into the CID and its path segments.
func gatewayPath(p string) (cid.Cid, []string, error) {
	p = strings.Trim(p, "/")
	first, rest, _ := strings.Cut(p, "/")
	c, err := cid.Decode(first)
	if err != nil {
		return cid.Undef, nil, bad("%q is not a CID: %v", truncate(first, 100), err)
	}
	var segs []string
	for _, s := range strings.Split(rest, "/") {
		if s != "" {
			segs = append(segs, s)
		}
	}
	return c, segs, nil
}

func wantFormat(r *http.Request) string {
	switch r.URL.Query().Get("format") {
	case "raw":
		return mediaRaw
	case "car":
		return mediaCAR
	}
	for _, a := range strings.Split(r.Header.Get("Accept"), ",") {
		mt, _, _ := strings.Cut(strings.TrimSpace(a), ";")
		if mt == mediaRaw || mt == mediaCAR {
			return mt
		}
	}
	return ""
}

// gateway serves GET /ipfs/{cid}[/path]: UnixFS files and directories, or with ?format=raw / car
// (or their Accept types) the verifiable block or CAR. A CID not stored here is fetched from the
// nodes that hold it first, unless local=1 asks for local blocks only.
func (n *Node) gateway(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	root, segs, err := gatewayPath(r.PathValue("path"))
	if err != nil {
		fail(w, err)
		return
	}
	local := r.URL.Query().Get("local") == "1"
	if has, _ := n.store.Blocks.Has(ctx, root); !has && local {
		apiError(w, http.StatusNotFound, "NOT_FOUND", root.String()+" is not stored on this node")
		return
	}
	if !local {
		if miss, err := n.missing(ctx, root, 1); err != nil || len(miss) > 0 {
			fctx, cancel := context.WithTimeout(ctx, n.cfg.FetchTimeout)
			err := n.fetch(fctx, root, nil, n.holdersOf(ctx, root.String()))
			cancel()
			if err != nil {
				apiError(w, http.StatusNotFound, "NOT_FOUND", err.Error())
				return
			}
		}
	}
	c, path, err := n.resolve(ctx, root, segs)
	if err != nil {
		fail(w, err)
		return
	}
	cw := &countingWriter{ResponseWriter: w}
	defer func() { n.chargeServed(ctx, root.String(), cw.n) }()
	w.Header().Set("Etag", `"`+c.String()+`"`)
	w.Header().Set("Cache-Control", "public, max-age=29030400, immutable")
	w.Header().Set("X-Ipfs-Path", "/ipfs/"+r.PathValue("path"))
	switch wantFormat(r) {
	case mediaRaw:
		b, err := n.store.Blocks.Get(ctx, c)
		if err != nil {
			fail(w, fmt.Errorf("read block: %w", err))
			return
		}
		w.Header().Set("Content-Type", mediaRaw)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		cw.Write(b.RawData())
	case mediaCAR:
		w.Header().Set("Content-Type", mediaCAR+"; version=1")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		if err := n.writeCAR(ctx, cw, root, path, c); err != nil {
			n.log.Warn("write CAR", "cid", c, "err", err)
		}
	default:
		n.serveUnixFS(cw, r, c)
	}
}

type countingWriter struct {
	http.ResponseWriter
	n uint64
}

func (w *countingWriter) Write(p []byte) (int, error) {
	k, err := w.ResponseWriter.Write(p)
	w.n += uint64(k)
	return k, err
}

// holdersOf returns the nodes the ledger allocates c to, to ask first.
func (n *Node) holdersOf(ctx context.Context, c string) []ledger.NodeKey {
	// The ledger answers Get per owner only; without an owner every live node is asked in turn.
	return nil
}

// resolve walks UnixFS path segments from root and returns the CID they name and the CIDs on the way.
func (n *Node) resolve(ctx context.Context, root cid.Cid, segs []string) (cid.Cid, []cid.Cid, error) {
	c := root
	var path []cid.Cid
	for _, s := range segs {
		nd, err := n.dag.Get(ctx, c)
		if err != nil {
			return cid.Undef, nil, fmt.Errorf("read %s: %w", c, err)
		}
		dir, err := uio.NewDirectoryFromNode(n.dag, nd)
		if err != nil {
			return cid.Undef, nil, errors.Join(bad("%s is not a directory", c), errNotFoundPath)
		}
		child, err := dir.Find(ctx, s)
		if err != nil {
			return cid.Undef, nil, fmt.Errorf("%w: no %q in %s", errNotFoundPath, truncate(s, 100), c)
		}
		path = append(path, c)
		c = child.Cid()
	}
	return c, path, nil
}

var errNotFoundPath = fmt.Errorf("path %w", ledger.ErrNotFound)

// writeCAR writes a CARv1 with root as its root: the blocks on the path, then the whole DAG under
// c, depth first.
func (n *Node) writeCAR(ctx context.Context, w io.Writer, root cid.Cid, path []cid.Cid, c cid.Cid) error {
	cw, err := storage.NewWritable(w, []cid.Cid{root}, car.WriteAsCarV1(true), car.AllowDuplicatePuts(false))
	if err != nil {
		return err
	}
	put := func(k cid.Cid) error {
		b, err := n.store.Blocks.Get(ctx, k)
		if err != nil {
			return err
		}
		return cw.Put(ctx, k.KeyString(), b.RawData())
	}
	for _, k := range path {
		if err := put(k); err != nil {
			return err
		}
	}
	seen := cid.NewSet()
	var werr error
	err = n.walk(ctx, c, func(k cid.Cid) bool {
		if werr != nil || !seen.Visit(k) {
			return false
		}
		werr = put(k)
		return werr == nil
	})
	return errors.Join(err, werr, cw.Finalize())
}

func (n *Node) serveUnixFS(w http.ResponseWriter, r *http.Request, c cid.Cid) {
	ctx := r.Context()
	nd, err := n.dag.Get(ctx, c)
	if err != nil {
		fail(w, fmt.Errorf("read %s: %w", c, err))
		return
	}
	if pn, ok := nd.(*merkledag.ProtoNode); ok {
		fsn, err := ft.FSNodeFromBytes(pn.Data())
		if err == nil && (fsn.Type() == ft.TDirectory || fsn.Type() == ft.THAMTShard) {
			n.serveDir(w, r, c, nd)
			return
		}
	}
	rd, err := uio.NewDagReader(ctx, nd, n.dag)
	if err != nil {
		fail(w, bad("%s is not a UnixFS file: %v", c, err))
		return
	}
	http.ServeContent(w, r, "", time.Time{}, rd)
}

func (n *Node) serveDir(w http.ResponseWriter, r *http.Request, c cid.Cid, nd ipld.Node) {
	ctx := r.Context()
	dir, err := uio.NewDirectoryFromNode(n.dag, nd)
	if err != nil {
		fail(w, err)
		return
	}
	if idx, err := dir.Find(ctx, "index.html"); err == nil {
		if rd, err := uio.NewDagReader(ctx, idx, n.dag); err == nil {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			http.ServeContent(w, r, "index.html", time.Time{}, rd)
			return
		}
	}
	links, err := dir.Links(ctx)
	if err != nil {
		fail(w, err)
		return
	}
	base := strings.TrimSuffix(r.URL.Path, "/") + "/"
	var b strings.Builder
	fmt.Fprintf(&b, "<!doctype html><meta charset=utf-8><title>/ipfs/%s</title><h1>/ipfs/%s</h1><ul>\n", c, c)
	for _, l := range links {
		fmt.Fprintf(&b, "<li><a href=\"%s\">%s</a> %d bytes</li>\n", html.EscapeString(base+l.Name), html.EscapeString(l.Name), l.Size)
	}
	b.WriteString("</ul>\n")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	io.WriteString(w, b.String())
}

// chargeServed attributes bytes served for root to an owner that pins it here, reported with the
// next heartbeat.
func (n *Node) chargeServed(ctx context.Context, root string, bytes uint64) {
	n.metrics.served.Add(float64(bytes))
	if bytes == 0 {
		return
	}
	refs, err := n.refs(context.WithoutCancel(ctx), root)
	if err != nil {
		return
	}
	for _, r := range refs {
		if twin, ok := strings.CutPrefix(r, "owner-"); ok {
			var id uint64
			if _, err := fmt.Sscan(twin, &id); err == nil {
				n.mu.Lock()
				n.served[id] += bytes
				n.mu.Unlock()
				return
			}
		}
	}
}
