package pin

import (
	"context"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"strconv"

	"github.com/ipfs/boxo/files"
	ipld "github.com/ipfs/go-ipld-format"

	"github.com/freeflowuniverse/planetary/pin/importer"
	"github.com/freeflowuniverse/planetary/pin/ledger"
)

// AddResult is one line of the answer of POST /api/v0/add, as Kubo writes it.
type AddResult struct {
	Name string `json:"Name"`
	Hash string `json:"Hash"`
	Size string `json:"Size"` // the DAG's size, as a string
}

// addOptions decodes the Kubo RPC flags of /api/v0/add (bytes from outside).
func addOptions(q map[string][]string) (importer.Options, bool, error) {
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	version := 0
	if s := get("cid-version"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil {
			return importer.Options{}, false, bad("cid-version %q: not a number", truncate(s, 20))
		}
		version = v
	}
	var raw *bool
	if s := get("raw-leaves"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return importer.Options{}, false, bad("raw-leaves %q: not a boolean", truncate(s, 20))
		}
		raw = &b
	}
	pin := true
	if s := get("pin"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return importer.Options{}, false, bad("pin %q: not a boolean", truncate(s, 20))
		}
		pin = b
	}
	if s := get("chunker"); s != "" && s != "size-262144" {
		return importer.Options{}, false, bad("chunker %q: only size-262144 is supported", truncate(s, 40))
	}
	if s := get("trickle"); s == "true" {
		return importer.Options{}, false, bad("trickle layout is not supported")
	}
	o, err := importer.Kubo(version, raw)
	if err != nil {
		return importer.Options{}, false, bad("%v", err)
	}
	return o, pin, nil
}

// add is Kubo's POST /api/v0/add: it imports the multipart body's files and directories with
// Kubo's CIDs and, unless pin=false, pins each top-level one for the token's owner.
func (n *Node) add(w http.ResponseWriter, r *http.Request) {
	twin, tok, ok := n.authed(w, r)
	if !ok {
		return
	}
	o, pin, err := addOptions(r.URL.Query())
	if err != nil {
		fail(w, err)
		return
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || (mt != "multipart/form-data" && mt != "multipart/mixed") {
		fail(w, bad("body must be multipart/form-data"))
		return
	}
	mr, err := r.MultipartReader()
	if err != nil {
		fail(w, bad("multipart: %v", err))
		return
	}
	dir, err := files.NewFileFromPartReader(mr, mt)
	if err != nil {
		fail(w, bad("multipart: %v", err))
		return
	}
	ctx := r.Context()
	n.gc.RLock()
	locked := true
	defer func() {
		if locked {
			n.gc.RUnlock()
		}
	}()

	var lines []AddResult
	var roots []ipld.Node
	it := dir.Entries()
	for it.Next() {
		name := it.Name()
		oo := o
		oo.Added = func(path string, nd ipld.Node) {
			size, _ := nd.Size()
			lines = append(lines, AddResult{Name: joinName(name, path), Hash: nd.Cid().String(), Size: strconv.FormatUint(size, 10)})
		}
		nd, err := importer.Node(ctx, n.dag, it.Node(), oo)
		if err != nil {
			fail(w, bad("import %s: %v", truncate(name, 100), err))
			return
		}
		roots = append(roots, nd)
	}
	if err := it.Err(); err != nil {
		fail(w, bad("multipart: %v", err))
		return
	}
	if len(roots) == 0 {
		fail(w, bad("no file in the multipart body"))
		return
	}
	if !pin {
		if err := n.store.Sync(ctx); err != nil {
			fail(w, err)
			return
		}
	} else {
		// Locally pinned first (durably, while collection is held off), then recorded with the
		// ledger; a refusal drops the local references again.
		for _, nd := range roots {
			if err := n.pinLocal(ctx, nd, ownerRef(twin)); err != nil {
				fail(w, err)
				return
			}
		}
		n.gc.RUnlock()
		locked = false
		for i, nd := range roots {
			if err := n.recordAdded(ctx, twin, tok, nd); err != nil {
				for _, nd := range roots[i:] {
					n.release(context.WithoutCancel(ctx), nd.Cid().String(), ownerRef(twin))
				}
				fail(w, err)
				return
			}
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Chunked-Output", "1")
	enc := json.NewEncoder(w)
	for _, l := range lines {
		enc.Encode(l)
	}
}

func joinName(top, path string) string {
	if path == "" {
		return top
	}
	return top + "/" + path
}

// recordAdded records a locally pinned import with the ledger for its owner.
func (n *Node) recordAdded(ctx context.Context, twin uint64, tok string, nd ipld.Node) error {
	c := nd.Cid()
	size, err := nd.Size()
	if err != nil {
		return fmt.Errorf("size of %s: %w", c, err)
	}
	if _, err := n.cfg.Ledger.Pin(ctx, ledger.Request{Token: tok, CID: c.String(), Size: size}); err != nil {
		return err
	}
	if err := n.putJob(ctx, job{CID: c.String(), Owner: twin, Status: Pinned}); err != nil {
		return err
	}
	if err := n.cfg.Ledger.Confirm(ctx, c.String()); err != nil {
		n.log.Warn("confirm", "cid", c, "err", err)
	}
	n.metrics.added.Add(float64(size))
	return nil
}

// pinLocal pins a complete local DAG once and records one reference to it; all of it is synced
// to disk before it returns. The caller holds n.gc for reading.
func (n *Node) pinLocal(ctx context.Context, root ipld.Node, reason string) error {
	if err := n.pinner.Pin(ctx, root, true, ""); err != nil {
		return fmt.Errorf("pin %s: %w", root.Cid(), err)
	}
	if err := n.pinner.Flush(ctx); err != nil {
		return fmt.Errorf("flush pins: %w", err)
	}
	if err := n.store.Meta.Put(ctx, refKey(root.Cid().String(), reason), nil); err != nil {
		return fmt.Errorf("record reference: %w", err)
	}
	return n.store.Sync(ctx)
}
