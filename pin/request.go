package pin

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ipfs/go-cid"
	ma "github.com/multiformats/go-multiaddr"
)

// Limits on what a client sends, from the Pinning Service API spec where it has them.
const (
	MaxName      = 255      // characters in a pin's name
	MaxOrigins   = 20       // origins of one pin
	MaxMetaBytes = 16 << 10 // bytes of a pin's meta, keys and values together
	MaxBody      = 64 << 10 // bytes of a pin request body
	MaxReplicas  = 16       // meta.replicas
	MaxListCIDs  = 10       // CIDs of one list filter
)

// PinObject is the spec's Pin: what a client asks to pin.
type PinObject struct {
	CID     string            `json:"cid"`
	Name    string            `json:"name,omitempty"`
	Origins []string          `json:"origins,omitempty"`
	Meta    map[string]string `json:"meta,omitempty"`
}

// pinRequest is a decoded, checked PinObject.
type pinRequest struct {
	PinObject
	cid      cid.Cid
	replicas int // 0: the ledger's default
}

// errBadRequest marks a client error (400).
var errBadRequest = errors.New("bad request")

func bad(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errBadRequest, fmt.Sprintf(format, args...))
}

// parsePinRequest decodes and checks a pin request body (bytes from outside).
func parsePinRequest(r io.Reader) (pinRequest, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxBody+1))
	if err != nil {
		return pinRequest{}, bad("read body: %v", err)
	}
	if len(b) > MaxBody {
		return pinRequest{}, bad("body over %d bytes", MaxBody)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var p PinObject
	if err := dec.Decode(&p); err != nil {
		return pinRequest{}, bad("pin object: %v", err)
	}
	if dec.More() {
		return pinRequest{}, bad("pin object: trailing data after the JSON object")
	}
	return checkPin(p)
}

func checkPin(p PinObject) (pinRequest, error) {
	out := pinRequest{PinObject: p}
	if p.CID == "" {
		return out, bad("cid is required")
	}
	c, err := cid.Decode(p.CID)
	if err != nil {
		return out, bad("cid %q: %v", truncate(p.CID, 100), err)
	}
	out.cid = c
	out.CID = c.String()
	if utf8.RuneCountInString(p.Name) > MaxName || !utf8.ValidString(p.Name) {
		return out, bad("name must be valid UTF-8 of at most %d characters", MaxName)
	}
	if len(p.Origins) > MaxOrigins {
		return out, bad("at most %d origins, got %d", MaxOrigins, len(p.Origins))
	}
	for _, o := range p.Origins {
		if _, err := ma.NewMultiaddr(o); err != nil {
			return out, bad("origin %q is not a multiaddr: %v", truncate(o, 100), err)
		}
	}
	size := 0
	for k, v := range p.Meta {
		size += len(k) + len(v)
	}
	if size > MaxMetaBytes {
		return out, bad("meta over %d bytes", MaxMetaBytes)
	}
	if s, ok := p.Meta["replicas"]; ok {
		r, err := strconv.Atoi(s)
		if err != nil || r < 1 || r > MaxReplicas {
			return out, bad("meta.replicas %q: must be a number from 1 to %d", truncate(s, 20), MaxReplicas)
		}
		out.replicas = r
	}
	return out, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// listQuery is a decoded GET /pins query.
type listQuery struct {
	cids     []string
	name     string
	match    string
	statuses map[string]bool
	before   time.Time
	after    time.Time
	limit    int
	meta     map[string]string
}

// parseListQuery decodes and checks GET /pins parameters (bytes from outside).
func parseListQuery(v url.Values) (listQuery, error) {
	q := listQuery{match: "exact", limit: 10, statuses: map[string]bool{Pinned: true}}
	if s := v.Get("cid"); s != "" {
		parts := strings.Split(s, ",")
		if len(parts) > MaxListCIDs {
			return q, bad("at most %d CIDs in cid, got %d", MaxListCIDs, len(parts))
		}
		for _, p := range parts {
			c, err := cid.Decode(p)
			if err != nil {
				return q, bad("cid %q: %v", truncate(p, 100), err)
			}
			q.cids = append(q.cids, c.String())
		}
	}
	q.name = v.Get("name")
	if utf8.RuneCountInString(q.name) > MaxName {
		return q, bad("name over %d characters", MaxName)
	}
	if m := v.Get("match"); m != "" {
		switch m {
		case "exact", "iexact", "partial", "ipartial":
			q.match = m
		default:
			return q, bad("match %q: must be exact, iexact, partial or ipartial", truncate(m, 20))
		}
	}
	if s := v.Get("status"); s != "" {
		q.statuses = map[string]bool{}
		for _, st := range strings.Split(s, ",") {
			switch st {
			case Queued, Pinning, Pinned, Failed:
				q.statuses[st] = true
			default:
				return q, bad("status %q: must be queued, pinning, pinned or failed", truncate(st, 20))
			}
		}
	}
	for _, f := range []struct {
		name string
		t    *time.Time
	}{{"before", &q.before}, {"after", &q.after}} {
		if s := v.Get(f.name); s != "" {
			t, err := time.Parse(time.RFC3339Nano, s)
			if err != nil {
				return q, bad("%s %q: not an RFC 3339 time", f.name, truncate(s, 40))
			}
			*f.t = t
		}
	}
	if s := v.Get("limit"); s != "" {
		l, err := strconv.Atoi(s)
		if err != nil || l < 1 || l > 1000 {
			return q, bad("limit %q: must be a number from 1 to 1000", truncate(s, 20))
		}
		q.limit = l
	}
	if s := v.Get("meta"); s != "" {
		if len(s) > MaxMetaBytes {
			return q, bad("meta over %d bytes", MaxMetaBytes)
		}
		if err := json.Unmarshal([]byte(s), &q.meta); err != nil {
			return q, bad("meta must be a JSON object of strings: %v", err)
		}
	}
	return q, nil
}

// matchName applies the spec's name match modes.
func (q listQuery) matchName(name string) bool {
	if q.name == "" {
		return true
	}
	switch q.match {
	case "iexact":
		return strings.EqualFold(name, q.name)
	case "partial":
		return strings.Contains(name, q.name)
	case "ipartial":
		return strings.Contains(strings.ToLower(name), strings.ToLower(q.name))
	default:
		return name == q.name
	}
}

func (q listQuery) matchMeta(meta map[string]string) bool {
	for k, v := range q.meta {
		if meta[k] != v {
			return false
		}
	}
	return true
}

// bearer extracts the token of an Authorization header (bytes from outside).
func bearer(h string) (string, bool) {
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	tok = strings.TrimSpace(tok)
	if tok == "" || len(tok) > 4096 {
		return "", false
	}
	return tok, true
}
