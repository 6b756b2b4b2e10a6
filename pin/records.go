package pin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	ds "github.com/ipfs/go-datastore"
	"github.com/ipfs/go-datastore/query"
)

// Pin statuses of the Pinning Service API.
const (
	Queued  = "queued"
	Pinning = "pinning"
	Pinned  = "pinned"
	Failed  = "failed"
)

// job is one owner's pin request as this node received it, kept until it is pinned or failed so
// that a restart resumes it. Key: /pind/job/<cid>/<owner>.
type job struct {
	CID      string            `json:"cid"`
	Owner    uint64            `json:"owner"`
	Token    string            `json:"token"` // to record the pin's size once known
	Name     string            `json:"name,omitempty"`
	Meta     map[string]string `json:"meta,omitempty"`
	Replicas int               `json:"replicas,omitempty"`
	Origins  []string          `json:"origins,omitempty"`
	Status   string            `json:"status"`
	Reason   string            `json:"reason,omitempty"`
	Updated  time.Time         `json:"updated"`
}

func jobKey(cid string, owner uint64) ds.Key {
	return ds.NewKey("/pind/job/" + cid + "/" + strconv.FormatUint(owner, 10))
}

// refKey is one reason this node keeps a CID: "owner-<twin>" for a pin it received, "alloc" for
// an allocation from the ledger. The CID stays pinned locally while any reference remains.
func refKey(cid, reason string) ds.Key {
	return ds.NewKey("/pind/ref/" + cid + "/" + reason)
}

func ownerRef(twin uint64) string { return "owner-" + strconv.FormatUint(twin, 10) }

const allocRef = "alloc"

func (n *Node) putJob(ctx context.Context, j job) error {
	j.Updated = time.Now().UTC()
	b, err := json.Marshal(j)
	if err != nil {
		return fmt.Errorf("encode job: %w", err)
	}
	if err := n.store.Meta.Put(ctx, jobKey(j.CID, j.Owner), b); err != nil {
		return fmt.Errorf("record job %s: %w", j.CID, err)
	}
	return nil
}

func (n *Node) getJob(ctx context.Context, cid string, owner uint64) (job, bool, error) {
	b, err := n.store.Meta.Get(ctx, jobKey(cid, owner))
	if errors.Is(err, ds.ErrNotFound) {
		return job{}, false, nil
	}
	if err != nil {
		return job{}, false, fmt.Errorf("read job %s: %w", cid, err)
	}
	var j job
	if err := json.Unmarshal(b, &j); err != nil {
		return job{}, false, fmt.Errorf("decode job %s: %w", cid, err)
	}
	return j, true, nil
}

func (n *Node) deleteJob(ctx context.Context, cid string, owner uint64) error {
	return n.store.Meta.Delete(ctx, jobKey(cid, owner))
}

// jobs lists every recorded job.
func (n *Node) jobs(ctx context.Context) ([]job, error) {
	res, err := n.store.Meta.Query(ctx, query.Query{Prefix: "/pind/job/"})
	if err != nil {
		return nil, fmt.Errorf("list jobs: %w", err)
	}
	defer res.Close()
	var out []job
	for r := range res.Next() {
		if r.Error != nil {
			return nil, fmt.Errorf("list jobs: %w", r.Error)
		}
		var j job
		if err := json.Unmarshal(r.Value, &j); err != nil {
			n.log.Warn("skipping an unreadable job record", "key", r.Key, "err", err)
			continue
		}
		out = append(out, j)
	}
	return out, nil
}

// refs lists the reasons this node keeps cid.
func (n *Node) refs(ctx context.Context, cid string) ([]string, error) {
	prefix := "/pind/ref/" + cid + "/"
	res, err := n.store.Meta.Query(ctx, query.Query{Prefix: prefix, KeysOnly: true})
	if err != nil {
		return nil, fmt.Errorf("list refs of %s: %w", cid, err)
	}
	defer res.Close()
	var out []string
	for r := range res.Next() {
		if r.Error != nil {
			return nil, fmt.Errorf("list refs of %s: %w", cid, r.Error)
		}
		out = append(out, strings.TrimPrefix(r.Key, prefix))
	}
	return out, nil
}

// allRefs lists every CID this node keeps with its reasons.
func (n *Node) allRefs(ctx context.Context) (map[string][]string, error) {
	res, err := n.store.Meta.Query(ctx, query.Query{Prefix: "/pind/ref/", KeysOnly: true})
	if err != nil {
		return nil, fmt.Errorf("list refs: %w", err)
	}
	defer res.Close()
	out := map[string][]string{}
	for r := range res.Next() {
		if r.Error != nil {
			return nil, fmt.Errorf("list refs: %w", r.Error)
		}
		c, reason, ok := strings.Cut(strings.TrimPrefix(r.Key, "/pind/ref/"), "/")
		if ok {
			out[c] = append(out[c], reason)
		}
	}
	return out, nil
}
