package pin

import (
	"context"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/freeflowuniverse/planetary/pin/ledger"
)

// followAllocations follows the ledger's allocation stream: a CID allocated here is fetched from
// a node that holds it (as a CAR, each block checked), pinned, and confirmed; one no longer
// allocated here loses its allocation reference.
func (n *Node) followAllocations() {
	defer n.wg.Done()
	for n.ctx.Err() == nil {
		ch, err := n.cfg.Ledger.Allocations(n.ctx)
		if err != nil {
			n.log.Warn("follow allocations", "err", err)
		} else {
			for a := range ch {
				n.allocation(a)
			}
		}
		select {
		case <-n.ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

func (n *Node) allocation(a ledger.Allocation) {
	ctx := n.ctx
	if !a.Hold {
		refs, err := n.refs(ctx, a.CID)
		if err != nil {
			n.log.Warn("read references", "cid", a.CID, "err", err)
			return
		}
		// Not allocated here (any more): the ledger keeps the pinset, so every local reason to keep
		// the CID goes.
		for _, r := range refs {
			n.release(ctx, a.CID, r)
		}
		return
	}
	n.mu.Lock()
	busy := n.inflight["alloc:"+a.CID]
	n.inflight["alloc:"+a.CID] = true
	n.mu.Unlock()
	if busy {
		return
	}
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		defer func() {
			n.mu.Lock()
			delete(n.inflight, "alloc:"+a.CID)
			n.mu.Unlock()
		}()
		n.replicate(ctx, a)
	}()
}

// replicate fetches an allocated CID from its holders; it retries with backoff until it has every
// block or the node stops, resuming where the previous attempt ended.
func (n *Node) replicate(ctx context.Context, a ledger.Allocation) {
	c, err := cid.Decode(a.CID)
	if err != nil {
		n.log.Error("allocation with a bad CID", "cid", a.CID, "err", err)
		return
	}
	delay := time.Second
	for attempt := 1; ctx.Err() == nil; attempt++ {
		err := n.replicateOnce(ctx, c, a.From)
		if err == nil {
			if err := n.cfg.Ledger.Confirm(ctx, a.CID); err != nil {
				n.log.Warn("confirm replica", "cid", a.CID, "err", err)
			}
			n.log.Info("replica stored", "cid", a.CID, "attempts", attempt)
			return
		}
		n.log.Warn("replicate", "cid", a.CID, "attempt", attempt, "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(delay):
		}
		delay = min(2*delay, time.Minute)
	}
}

func (n *Node) replicateOnce(ctx context.Context, c cid.Cid, from []ledger.NodeKey) error {
	n.gc.RLock()
	defer n.gc.RUnlock()
	fctx, cancel := context.WithTimeout(ctx, n.cfg.FetchTimeout)
	defer cancel()
	if err := n.fetch(fctx, c, nil, from); err != nil {
		return err
	}
	root, err := n.dag.Get(ctx, c)
	if err != nil {
		return err
	}
	return n.pinLocal(ctx, root, allocRef)
}
