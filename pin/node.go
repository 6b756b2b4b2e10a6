// Package pin is the pinning node (pind): it imports files with Kubo's CIDs, keeps blocks in a
// local store, fetches pins from their origins over bitswap or from other nodes as CARs, serves a
// trustless gateway, and answers the IPFS Pinning Service API. The pinset, allocations and billing
// live behind a ledger.Ledger (the chain, or ledger.Memory for a single node).
//
// Locally a CID is pinned once (boxo's pinner) and kept while any reference to it remains: one per
// owner whose pin request this node took, and one while the ledger allocates the CID here.
package pin

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	ipfspinner "github.com/ipfs/boxo/pinning/pinner"
	"github.com/ipfs/boxo/pinning/pinner/dspinner"
	"github.com/ipfs/go-cid"
	ipld "github.com/ipfs/go-ipld-format"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/freeflowuniverse/planetary/pin/ledger"
	"github.com/freeflowuniverse/planetary/pin/store"
)

// Config configures a Node; zero fields take the defaults.
type Config struct {
	Dir          string             // data directory (required)
	Ledger       ledger.Ledger      // the pinset (required)
	LedgerKind   string             // "chain" or "memory", for status and logs
	Name         string             // topology/host name shown in info.allocations
	Self         ledger.NodeKey     // this node's key in the ledger
	Key          ed25519.PrivateKey // identity of the libp2p host (required with Swarm)
	Swarm        []string           // libp2p listen multiaddrs; empty: no bitswap
	HTTPClient   *http.Client       // reaches other nodes' APIs (over the overlay when one is used)
	FetchTimeout time.Duration      // bound for fetching one pin before it fails (2 min)
	Heartbeat    time.Duration      // liveness interval towards the ledger (5 s)
	Log          *slog.Logger
}

// Node is a running pinning node.
type Node struct {
	cfg    Config
	log    *slog.Logger
	store  *store.Store
	dag    ipld.DAGService // offline: only local blocks
	pinner ipfspinner.Pinner
	p2p    *p2p
	client *http.Client

	queue chan string
	// gc is held for reading while blocks are fetched and pinned, for writing while unpinned
	// blocks are removed, so a collection never deletes blocks of a pin in progress.
	gc sync.RWMutex

	mu       sync.Mutex
	inflight map[string]bool
	served   map[uint64]uint64
	ready    bool

	metrics *metrics
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

// New opens the node's store and, with Swarm set, starts its libp2p host; Run starts its work.
func New(cfg Config) (*Node, error) {
	if cfg.Dir == "" || cfg.Ledger == nil {
		return nil, errors.New("pin: Config.Dir and Config.Ledger are required")
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.FetchTimeout <= 0 {
		cfg.FetchTimeout = 2 * time.Minute
	}
	if cfg.Heartbeat <= 0 {
		cfg.Heartbeat = 5 * time.Second
	}
	if cfg.LedgerKind == "" {
		cfg.LedgerKind = "chain"
	}
	client := cfg.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Minute}
	}
	st, err := store.Open(cfg.Dir)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	n := &Node{
		cfg:      cfg,
		log:      cfg.Log,
		store:    st,
		dag:      st.DAG(nil),
		client:   client,
		queue:    make(chan string, 1024),
		inflight: map[string]bool{},
		served:   map[uint64]uint64{},
		metrics:  newMetrics(),
		ctx:      ctx,
		cancel:   cancel,
	}
	n.pinner, err = dspinner.New(ctx, st.Meta, n.dag)
	if err != nil {
		cancel()
		st.Close()
		return nil, fmt.Errorf("pin: open pinner: %w", err)
	}
	if len(cfg.Swarm) > 0 {
		if n.p2p, err = startP2P(ctx, cfg.Key, cfg.Swarm, st); err != nil {
			cancel()
			st.Close()
			return nil, err
		}
	}
	return n, nil
}

// Registry returns the node's Prometheus metrics.
func (n *Node) Registry() *prometheus.Registry { return n.metrics.reg }

// Delegates returns the multiaddrs (with /p2p/ID) other IPFS nodes reach this node's bitswap at.
func (n *Node) Delegates() []string {
	if n.p2p == nil {
		return []string{}
	}
	return n.p2p.addrs()
}

// Run resumes unfinished jobs and follows the ledger's allocations and heartbeats until Close.
func (n *Node) Run() error {
	jobs, err := n.jobs(n.ctx)
	if err != nil {
		return err
	}
	resumed := 0
	for _, j := range jobs {
		if j.Status == Queued || j.Status == Pinning {
			n.enqueue(j.CID)
			resumed++
		}
	}
	if resumed > 0 {
		n.log.Info("resuming unfinished pins", "count", resumed)
	}
	for range 2 {
		n.wg.Add(1)
		go n.worker()
	}
	n.wg.Add(2)
	go n.followAllocations()
	go n.heartbeats()
	n.mu.Lock()
	n.ready = true
	n.mu.Unlock()
	return nil
}

// Close stops the node's work and closes its store.
func (n *Node) Close() error {
	n.cancel()
	n.wg.Wait()
	var errs []error
	if n.p2p != nil {
		errs = append(errs, n.p2p.close())
	}
	errs = append(errs, n.store.Close())
	return errors.Join(errs...)
}

func (n *Node) enqueue(c string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.inflight[c] {
		return
	}
	select {
	case n.queue <- c:
		n.inflight[c] = true
	default:
		// The queue is full; the job stays recorded as queued and the next restart or request
		// for it picks it up.
		n.log.Warn("pin queue full, job stays queued", "cid", c)
	}
}

func (n *Node) worker() {
	defer n.wg.Done()
	for {
		select {
		case <-n.ctx.Done():
			return
		case c := <-n.queue:
			n.process(n.ctx, c)
			n.mu.Lock()
			delete(n.inflight, c)
			n.mu.Unlock()
		}
	}
}

func (n *Node) heartbeats() {
	defer n.wg.Done()
	t := time.NewTicker(n.cfg.Heartbeat)
	defer t.Stop()
	for {
		select {
		case <-n.ctx.Done():
			return
		case <-t.C:
		}
		n.mu.Lock()
		served := n.served
		n.served = map[uint64]uint64{}
		n.mu.Unlock()
		if err := n.cfg.Ledger.Heartbeat(n.ctx, served); err != nil {
			n.log.Warn("heartbeat failed", "err", err)
			n.mu.Lock()
			for k, v := range served {
				n.served[k] += v
			}
			n.mu.Unlock()
		}
	}
}

// process fetches, stores and pins one CID for every owner job waiting on it.
func (n *Node) process(ctx context.Context, cs string) {
	c, err := cid.Decode(cs)
	if err != nil {
		n.log.Error("dropping a job with a bad CID", "cid", cs, "err", err)
		return
	}
	jobs, err := n.jobsFor(ctx, cs)
	if err != nil {
		n.log.Error("read jobs", "cid", cs, "err", err)
		return
	}
	if len(jobs) == 0 {
		return
	}
	var origins []string
	for i := range jobs {
		origins = append(origins, jobs[i].Origins...)
		jobs[i].Status = Pinning
		if err := n.putJob(ctx, jobs[i]); err != nil {
			n.log.Error("record job", "err", err)
		}
	}
	n.log.Info("pinning", "cid", cs, "owners", len(jobs), "origins", len(origins))
	size, err := n.fetchAndPin(ctx, c, origins, nil)
	if err != nil {
		if ctx.Err() != nil {
			return // shutting down: the job stays pinning and resumes on restart
		}
		n.log.Warn("pin failed", "cid", cs, "err", err)
		for _, j := range jobs {
			j.Status, j.Reason = Failed, err.Error()
			if err := n.putJob(ctx, j); err != nil {
				n.log.Error("record job", "err", err)
			}
		}
		n.metrics.pins.WithLabelValues(Failed).Inc()
		return
	}
	for _, j := range jobs {
		_, err := n.cfg.Ledger.Pin(ctx, ledger.Request{Token: j.Token, CID: cs, Name: j.Name, Meta: j.Meta, Size: size, Replicas: j.Replicas})
		if err != nil {
			j.Status, j.Reason = Failed, fmt.Sprintf("record pin of %d bytes: %v", size, err)
			n.release(ctx, cs, ownerRef(j.Owner))
		} else {
			j.Status, j.Reason = Pinned, ""
		}
		if err := n.putJob(ctx, j); err != nil {
			n.log.Error("record job", "err", err)
		}
		n.metrics.pins.WithLabelValues(j.Status).Inc()
	}
	if err := n.cfg.Ledger.Confirm(ctx, cs); err != nil && !errors.Is(err, ledger.ErrNotFound) {
		n.log.Warn("confirm", "cid", cs, "err", err)
	}
	n.log.Info("pinned", "cid", cs, "bytes", size)
}

func (n *Node) jobsFor(ctx context.Context, cs string) ([]job, error) {
	all, err := n.jobs(ctx)
	if err != nil {
		return nil, err
	}
	var out []job
	for _, j := range all {
		if j.CID == cs && (j.Status == Queued || j.Status == Pinning) {
			out = append(out, j)
		}
	}
	return out, nil
}

// fetchAndPin makes every block of c local (from origins over bitswap, or from other nodes), pins
// it once, records the references of its jobs and syncs the store; it returns the DAG's size.
func (n *Node) fetchAndPin(ctx context.Context, c cid.Cid, origins []string, from []ledger.NodeKey) (uint64, error) {
	n.gc.RLock()
	defer n.gc.RUnlock()
	ctx, cancel := context.WithTimeout(ctx, n.cfg.FetchTimeout)
	defer cancel()
	if err := n.fetch(ctx, c, origins, from); err != nil {
		return 0, err
	}
	root, err := n.dag.Get(ctx, c)
	if err != nil {
		return 0, fmt.Errorf("read root %s: %w", c, err)
	}
	size, err := root.Size()
	if err != nil {
		return 0, fmt.Errorf("size of %s: %w", c, err)
	}
	jobs, err := n.jobsFor(ctx, c.String())
	if err != nil {
		return 0, err
	}
	for _, j := range jobs {
		if err := n.pinLocal(ctx, root, ownerRef(j.Owner)); err != nil {
			return 0, err
		}
	}
	return size, nil
}

// release drops one reference to cs; without references left the CID is unpinned locally and its
// blocks are collected.
func (n *Node) release(ctx context.Context, cs, reason string) {
	if err := n.store.Meta.Delete(ctx, refKey(cs, reason)); err != nil {
		n.log.Error("drop reference", "cid", cs, "err", err)
		return
	}
	refs, err := n.refs(ctx, cs)
	if err != nil || len(refs) > 0 {
		return
	}
	c, err := cid.Decode(cs)
	if err != nil {
		return
	}
	n.gc.Lock()
	defer n.gc.Unlock()
	if err := n.pinner.Unpin(ctx, c, true); err != nil && !errors.Is(err, ipfspinner.ErrNotPinned) {
		n.log.Warn("unpin", "cid", cs, "err", err)
		return
	}
	if err := n.pinner.Flush(ctx); err != nil {
		n.log.Warn("flush pins", "err", err)
	}
	if removed, err := n.collect(ctx); err != nil {
		n.log.Warn("collect unpinned blocks", "err", err)
	} else {
		n.log.Info("unpinned", "cid", cs, "blocks_removed", removed)
	}
}

// collect removes every block no recursive pin reaches; the caller holds n.gc for writing.
func (n *Node) collect(ctx context.Context) (int, error) {
	keep := cid.NewSet()
	for p := range n.pinner.RecursiveKeys(ctx, false) {
		if p.Err != nil {
			return 0, p.Err
		}
		if err := n.walk(ctx, p.Pin.Key, func(c cid.Cid) bool { return keep.Visit(c) }); err != nil {
			return 0, err
		}
	}
	keys, err := n.store.Blocks.AllKeysChan(ctx)
	if err != nil {
		return 0, err
	}
	removed := 0
	for k := range keys {
		if !keep.Has(k) {
			if err := n.store.Blocks.DeleteBlock(ctx, k); err == nil {
				removed++
			}
		}
	}
	return removed, nil
}

// walk visits c and every block under it that is stored locally, depth first; visit returns
// false to skip a subtree.
func (n *Node) walk(ctx context.Context, c cid.Cid, visit func(cid.Cid) bool) error {
	if !visit(c) {
		return nil
	}
	nd, err := n.dag.Get(ctx, c)
	if err != nil {
		return fmt.Errorf("walk %s: %w", c, err)
	}
	for _, l := range nd.Links() {
		if err := n.walk(ctx, l.Cid, visit); err != nil {
			return err
		}
	}
	return nil
}
