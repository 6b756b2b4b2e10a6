package pin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/freeflowuniverse/planetary/pin/ledger"
)

// PinStatus is the spec's PinStatus.
type PinStatus struct {
	RequestID string            `json:"requestid"`
	Status    string            `json:"status"`
	Created   string            `json:"created"`
	Pin       PinObject         `json:"pin"`
	Delegates []string          `json:"delegates"`
	Info      map[string]string `json:"info,omitempty"`
}

// PinResults is the spec's PinResults.
type PinResults struct {
	Count   int         `json:"count"`
	Results []PinStatus `json:"results"`
}

// Account is the answer of GET /v1/account.
type Account struct {
	Twin              uint64 `json:"twin"`
	Balance           uint64 `json:"balance"`
	StoredBytes       uint64 `json:"stored_bytes"`
	ServedBytes       uint64 `json:"served_bytes"`
	PricePerGiBMonth  uint64 `json:"price_per_gib_month"`
	PricePerGiBServed uint64 `json:"price_per_gib_served"`
	// Unpaid is what the balance could not pay so far; State is "paid" or "unpaid" (the balance
	// ran dry: new pins are refused, and the pins are removed from RemovalAt unless topped up).
	Unpaid      uint64     `json:"unpaid"`
	State       string     `json:"state"`
	UnpaidSince *time.Time `json:"unpaid_since,omitempty"`
	RemovalAt   *time.Time `json:"removal_at,omitempty"`
}

// Handler returns the node's HTTP API: the Pinning Service API at /pins, /api/v0/add, the
// trustless gateway at /ipfs/, /v1/account, /v1/status, /healthz, /readyz and /metrics.
func (n *Node) Handler() http.Handler {
	mux := http.NewServeMux()
	route := func(pattern string, h http.HandlerFunc) {
		mux.Handle(pattern, n.count(pattern, h))
	}
	route("GET /pins", n.listPins)
	route("POST /pins", n.addPin)
	route("GET /pins/{id}", n.getPin)
	route("POST /pins/{id}", n.replacePin)
	route("DELETE /pins/{id}", n.deletePin)
	route("POST /api/v0/add", n.add)
	route("GET /ipfs/{path...}", n.gateway)
	route("HEAD /ipfs/{path...}", n.gateway)
	route("GET /v1/account", n.account)
	route("GET /v1/status", n.status)
	route("GET /healthz", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok\n")) })
	route("GET /readyz", n.readyz)
	mux.Handle("GET /metrics", promhttp.HandlerFor(n.metrics.reg, promhttp.HandlerOpts{}))
	return mux
}

type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	w.code = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (n *Node) count(route string, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w, code: 200}
		h(sw, r)
		n.metrics.reqs.WithLabelValues(route, strconv.Itoa(sw.code)).Inc()
	})
}

// apiError writes the spec's error JSON.
func apiError(w http.ResponseWriter, code int, reason, details string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"reason": reason, "details": details}})
}

// fail maps an error to the spec's status codes and reasons.
func fail(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, errBadRequest), errors.Is(err, ledger.ErrInvalid):
		apiError(w, http.StatusBadRequest, "BAD_REQUEST", err.Error())
	case errors.Is(err, ledger.ErrUnauthorized):
		apiError(w, http.StatusUnauthorized, "UNAUTHORIZED", err.Error())
	case errors.Is(err, ledger.ErrNotFound):
		apiError(w, http.StatusNotFound, "NOT_FOUND", err.Error())
	case errors.Is(err, ledger.ErrInsufficientFunds):
		apiError(w, http.StatusConflict, "INSUFFICIENT_FUNDS", err.Error())
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		apiError(w, http.StatusServiceUnavailable, "UNAVAILABLE", err.Error())
	default:
		apiError(w, http.StatusInternalServerError, "INTERNAL_SERVER_ERROR", err.Error())
	}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

// auth checks the request's bearer token with the ledger and returns the owner and the token.
func (n *Node) auth(r *http.Request) (uint64, string, error) {
	tok, ok := bearer(r.Header.Get("Authorization"))
	if !ok {
		return 0, "", fmt.Errorf("%w: missing or malformed Authorization: Bearer token", ledger.ErrUnauthorized)
	}
	twin, err := n.cfg.Ledger.Owner(r.Context(), tok)
	if err != nil {
		return 0, "", err
	}
	return twin, tok, nil
}

func (n *Node) authed(w http.ResponseWriter, r *http.Request) (uint64, string, bool) {
	twin, tok, err := n.auth(r)
	if err != nil {
		fail(w, err)
		return 0, "", false
	}
	return twin, tok, true
}

// statusOf tells where one owner's pin stands: failed or in progress as this node's job says,
// pinned once a node of the ledger (or this one) stores every block.
func (n *Node) statusOf(ctx context.Context, p ledger.Pin) (string, job, bool) {
	j, ok, _ := n.getJob(ctx, p.CID, p.Owner)
	for _, h := range p.Holders {
		if h.State == ledger.Held {
			return Pinned, j, ok
		}
	}
	if ok {
		return j.Status, j, ok
	}
	return Queued, j, ok
}

func (n *Node) pinStatus(ctx context.Context, p ledger.Pin, names map[ledger.NodeKey]string) PinStatus {
	st, j, _ := n.statusOf(ctx, p)
	ps := PinStatus{
		RequestID: p.RequestID,
		Status:    st,
		Created:   p.Created.UTC().Format(time.RFC3339Nano),
		Pin:       PinObject{CID: p.CID, Name: p.Name, Meta: p.Meta, Origins: j.Origins},
		Delegates: n.Delegates(),
		Info:      map[string]string{"replicas": strconv.Itoa(p.Replicas)},
	}
	var alloc []string
	for _, h := range p.Holders {
		name := names[h.Node]
		if name == "" {
			name = "?"
		}
		if h.State != ledger.Held {
			name += " (fetching)"
		}
		alloc = append(alloc, name)
	}
	ps.Info["allocations"] = strings.Join(alloc, ",")
	if st == Failed && j.Reason != "" {
		ps.Info["failure"] = j.Reason
	}
	return ps
}

func (n *Node) nodeNames(ctx context.Context) map[ledger.NodeKey]string {
	nodes, err := n.cfg.Ledger.Nodes(ctx)
	names := map[ledger.NodeKey]string{}
	if err != nil {
		return names
	}
	for _, nd := range nodes {
		names[nd.Key] = nd.Name
	}
	return names
}

func (n *Node) listPins(w http.ResponseWriter, r *http.Request) {
	twin, _, ok := n.authed(w, r)
	if !ok {
		return
	}
	q, err := parseListQuery(r.URL.Query())
	if err != nil {
		fail(w, err)
		return
	}
	lq := ledger.Query{CIDs: q.cids, Before: q.before, After: q.after}
	if q.match == "exact" {
		lq.Name = q.name
	}
	pins, _, err := n.cfg.Ledger.List(r.Context(), twin, lq)
	if err != nil {
		fail(w, err)
		return
	}
	names := n.nodeNames(r.Context())
	res := PinResults{Results: []PinStatus{}}
	for _, p := range pins {
		if !q.matchName(p.Name) || !q.matchMeta(p.Meta) {
			continue
		}
		ps := n.pinStatus(r.Context(), p, names)
		if !q.statuses[ps.Status] {
			continue
		}
		res.Count++
		if len(res.Results) < q.limit {
			res.Results = append(res.Results, ps)
		}
	}
	writeJSON(w, http.StatusOK, res)
}

func (n *Node) addPin(w http.ResponseWriter, r *http.Request) {
	twin, tok, ok := n.authed(w, r)
	if !ok {
		return
	}
	req, err := parsePinRequest(r.Body)
	if err != nil {
		fail(w, err)
		return
	}
	ps, err := n.submit(r.Context(), twin, tok, req)
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusAccepted, ps)
}

// submit records an owner's pin with the ledger and queues the fetch; the job is on disk before
// the request is answered, so an accepted pin survives a crash.
func (n *Node) submit(ctx context.Context, twin uint64, tok string, req pinRequest) (PinStatus, error) {
	var size uint64
	if miss, err := n.missing(ctx, req.cid, 1); err == nil && len(miss) == 0 {
		if nd, err := n.dag.Get(ctx, req.cid); err == nil {
			size, _ = nd.Size()
		}
	}
	p, err := n.cfg.Ledger.Pin(ctx, ledger.Request{Token: tok, CID: req.CID, Name: req.Name, Meta: req.Meta, Size: size, Replicas: req.replicas})
	if err != nil {
		return PinStatus{}, err
	}
	j := job{CID: req.CID, Owner: twin, Token: tok, Name: req.Name, Meta: req.Meta, Replicas: req.replicas, Origins: req.Origins, Status: Queued}
	if err := n.putJob(ctx, j); err != nil {
		return PinStatus{}, err
	}
	// pebble buffers its log in the process: without a sync a kill -9 could lose the job.
	if err := n.store.Meta.Sync(ctx, jobKey(j.CID, j.Owner)); err != nil {
		return PinStatus{}, fmt.Errorf("sync job: %w", err)
	}
	n.enqueue(req.CID)
	return n.pinStatus(ctx, p, n.nodeNames(ctx)), nil
}

// byRequestID finds the owner's pin a request id names.
func (n *Node) byRequestID(ctx context.Context, twin uint64, id string) (ledger.Pin, error) {
	if p, err := n.cfg.Ledger.Get(ctx, twin, id); err == nil && p.RequestID == id {
		return p, nil
	}
	pins, _, err := n.cfg.Ledger.List(ctx, twin, ledger.Query{})
	if err != nil {
		return ledger.Pin{}, err
	}
	for _, p := range pins {
		if p.RequestID == id {
			return p, nil
		}
	}
	return ledger.Pin{}, errors.Join(errors.New("no pin with requestid "+truncate(id, 80)), ledger.ErrNotFound)
}

func (n *Node) getPin(w http.ResponseWriter, r *http.Request) {
	twin, _, ok := n.authed(w, r)
	if !ok {
		return
	}
	p, err := n.byRequestID(r.Context(), twin, r.PathValue("id"))
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, n.pinStatus(r.Context(), p, n.nodeNames(r.Context())))
}

func (n *Node) replacePin(w http.ResponseWriter, r *http.Request) {
	twin, tok, ok := n.authed(w, r)
	if !ok {
		return
	}
	old, err := n.byRequestID(r.Context(), twin, r.PathValue("id"))
	if err != nil {
		fail(w, err)
		return
	}
	req, err := parsePinRequest(r.Body)
	if err != nil {
		fail(w, err)
		return
	}
	ps, err := n.submit(r.Context(), twin, tok, req)
	if err != nil {
		fail(w, err)
		return
	}
	if old.CID != req.CID {
		if err := n.unpin(r.Context(), twin, tok, old.CID); err != nil {
			n.log.Warn("replace: unpin the old CID", "cid", old.CID, "err", err)
		}
	}
	writeJSON(w, http.StatusAccepted, ps)
}

func (n *Node) deletePin(w http.ResponseWriter, r *http.Request) {
	twin, tok, ok := n.authed(w, r)
	if !ok {
		return
	}
	p, err := n.byRequestID(r.Context(), twin, r.PathValue("id"))
	if err != nil {
		fail(w, err)
		return
	}
	if err := n.unpin(r.Context(), twin, tok, p.CID); err != nil {
		fail(w, err)
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

func (n *Node) unpin(ctx context.Context, twin uint64, tok, c string) error {
	if err := n.cfg.Ledger.Unpin(ctx, tok, c); err != nil {
		return err
	}
	if err := n.deleteJob(ctx, c, twin); err != nil {
		n.log.Warn("drop job", "cid", c, "err", err)
	}
	n.release(ctx, c, ownerRef(twin))
	return nil
}

func (n *Node) account(w http.ResponseWriter, r *http.Request) {
	twin, _, ok := n.authed(w, r)
	if !ok {
		return
	}
	a, err := n.cfg.Ledger.Account(r.Context(), twin)
	if err != nil {
		fail(w, err)
		return
	}
	out := Account{Twin: twin, Balance: a.Balance, StoredBytes: a.StoredBytes, ServedBytes: a.ServedBytes,
		PricePerGiBMonth: a.PriceStorage, PricePerGiBServed: a.PriceServed, Unpaid: a.Unpaid, State: "paid"}
	if !a.UnpaidSince.IsZero() {
		since, at := a.UnpaidSince.UTC(), a.RemovalAt.UTC()
		out.State, out.UnpaidSince, out.RemovalAt = "unpaid", &since, &at
	}
	writeJSON(w, http.StatusOK, out)
}

// Status is the answer of GET /v1/status.
type Status struct {
	Name      string         `json:"name"`
	Ledger    string         `json:"ledger"`
	Delegates []string       `json:"delegates"`
	LocalPins int            `json:"local_pins"`
	DiskBytes uint64         `json:"disk_bytes"`
	Nodes     []string       `json:"nodes"`
	Jobs      map[string]int `json:"jobs"`
}

func (n *Node) status(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	st := Status{Name: n.cfg.Name, Ledger: n.cfg.LedgerKind, Delegates: n.Delegates(), Nodes: []string{}, Jobs: map[string]int{}}
	if refs, err := n.allRefs(ctx); err == nil {
		st.LocalPins = len(refs)
	}
	st.DiskBytes, _ = n.store.DiskUsage(ctx)
	if nodes, err := n.cfg.Ledger.Nodes(ctx); err == nil {
		for _, nd := range nodes {
			s := nd.Name
			if !nd.Live {
				s += " (down)"
			}
			st.Nodes = append(st.Nodes, s)
		}
	}
	if jobs, err := n.jobs(ctx); err == nil {
		for _, j := range jobs {
			st.Jobs[j.Status]++
		}
	}
	slices.Sort(st.Nodes)
	writeJSON(w, http.StatusOK, st)
}

func (n *Node) readyz(w http.ResponseWriter, r *http.Request) {
	n.mu.Lock()
	ready := n.ready
	n.mu.Unlock()
	if !ready {
		http.Error(w, "starting", http.StatusServiceUnavailable)
		return
	}
	if _, err := n.cfg.Ledger.Nodes(r.Context()); err != nil {
		http.Error(w, "ledger unreachable: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	w.Write([]byte("ready\n"))
}
