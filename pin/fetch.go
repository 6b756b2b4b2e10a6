package pin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/freeflowuniverse/planetary/pin/importer"
	"github.com/freeflowuniverse/planetary/pin/ledger"
)

// maxMissing bounds how many missing subtrees one round of fetching asks for.
const maxMissing = 64

// missing returns up to max CIDs under root that are not stored locally, each one whose parent is
// (the frontier of what a fetch still has to bring). An empty result means the DAG is complete.
func (n *Node) missing(ctx context.Context, root cid.Cid, max int) ([]cid.Cid, error) {
	var out []cid.Cid
	seen := cid.NewSet()
	var rec func(c cid.Cid) error
	rec = func(c cid.Cid) error {
		if len(out) >= max || !seen.Visit(c) {
			return nil
		}
		has, err := n.store.Blocks.Has(ctx, c)
		if err != nil {
			return err
		}
		if !has {
			out = append(out, c)
			return nil
		}
		nd, err := n.dag.Get(ctx, c)
		if err != nil {
			return fmt.Errorf("decode %s: %w", c, err)
		}
		for _, l := range nd.Links() {
			if err := rec(l.Cid); err != nil {
				return err
			}
		}
		return nil
	}
	if err := rec(root); err != nil {
		return nil, err
	}
	return out, nil
}

// fetch makes the whole DAG under c local, retrying with backoff until ctx ends (the caller's
// bound): sources may come up later, as a restarted node does.
func (n *Node) fetch(ctx context.Context, c cid.Cid, origins []string, from []ledger.NodeKey) error {
	delay := 250 * time.Millisecond
	for {
		err := n.fetchOnce(ctx, c, origins, from)
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(delay):
		}
		delay = min(2*delay, 5*time.Second)
	}
}

// fetchOnce makes the whole DAG under c local. It resumes: only missing subtrees are asked for. Sources,
// in order: nodes of the ledger that hold c (from, else every other live node) as CARs over HTTP,
// then the origins over bitswap.
func (n *Node) fetchOnce(ctx context.Context, c cid.Cid, origins []string, from []ledger.NodeKey) error {
	miss, err := n.missing(ctx, c, maxMissing)
	if err != nil || len(miss) == 0 {
		return err
	}
	peers, err := n.peerAPIs(ctx, from)
	if err != nil {
		n.log.Warn("list nodes", "err", err)
	}
	var errs []error
	for _, api := range peers {
		for len(miss) > 0 {
			progressed := false
			for _, m := range miss {
				got, err := n.fetchCAR(ctx, api, m)
				if err != nil {
					errs = append(errs, err)
					break
				}
				progressed = progressed || got > 0
			}
			if !progressed {
				break
			}
			if miss, err = n.missing(ctx, c, maxMissing); err != nil {
				return err
			}
		}
		if len(miss) == 0 {
			return nil
		}
	}
	if len(origins) > 0 && n.p2p != nil {
		if err := n.p2p.fetch(ctx, c, origins); err != nil {
			errs = append(errs, err)
		} else if miss, err = n.missing(ctx, c, 1); err == nil && len(miss) == 0 {
			return nil
		}
	}
	if ctx.Err() != nil {
		errs = append(errs, ctx.Err())
	}
	if len(peers) == 0 && len(origins) == 0 {
		errs = append(errs, errors.New("no origins given and no other node holds it"))
	}
	return fmt.Errorf("fetch %s: %d blocks still missing: %w", c, len(miss), errors.Join(errs...))
}

// peerAPIs lists the API URLs of other live nodes, the given holders first.
func (n *Node) peerAPIs(ctx context.Context, from []ledger.NodeKey) ([]string, error) {
	nodes, err := n.cfg.Ledger.Nodes(ctx)
	if err != nil {
		return nil, err
	}
	var first, rest []string
	for _, nd := range nodes {
		if nd.Key == n.cfg.Self || !nd.Live || nd.API == "" {
			continue
		}
		if slices.Contains(from, nd.Key) {
			first = append(first, nd.API)
		} else {
			rest = append(rest, nd.API)
		}
	}
	return append(first, rest...), nil
}

// fetchCAR asks one node's trustless gateway for the DAG under c as a CAR and stores the blocks,
// each checked against its CID; it returns how many blocks arrived.
func (n *Node) fetchCAR(ctx context.Context, api string, c cid.Cid) (int, error) {
	u := strings.TrimSuffix(api, "/") + "/ipfs/" + c.String() + "?format=car&dag-scope=all&local=1"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, fmt.Errorf("fetch from %s: %w", api, err)
	}
	req.Header.Set("Accept", "application/vnd.ipld.car")
	resp, err := n.client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("fetch from %s: %w", redact(api), err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("fetch %s from %s: %s", c, redact(api), resp.Status)
	}
	_, got, err := importer.CAR(ctx, n.store.Blocks, resp.Body)
	n.metrics.fetched.Add(float64(got))
	if err != nil && got == 0 {
		return 0, fmt.Errorf("fetch %s from %s: %w", c, redact(api), err)
	}
	return got, nil
}

func redact(api string) string {
	u, err := url.Parse(api)
	if err != nil {
		return "node"
	}
	u.User = nil
	return u.String()
}
