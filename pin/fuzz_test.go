package pin

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/freeflowuniverse/planetary/pin/ledger"
)

// FuzzPinRequest: a pin request body is decoded to a checked request or refused as a bad request.
func FuzzPinRequest(f *testing.F) {
	f.Add([]byte(`{"cid":"bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku","name":"x","origins":["/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWGzxzKZYveHXtpG6AsrUJBcWxHBFS2HsEoGTxrMLvKXtf"],"meta":{"replicas":"3"}}`))
	f.Add([]byte(`{"cid":"QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH"}`))
	f.Add([]byte(`{"cid":`))
	f.Add([]byte(`{"cid":"x","meta":{"replicas":"-1"}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := parsePinRequest(bytes.NewReader(b))
		if err != nil {
			if !errors.Is(err, errBadRequest) {
				t.Fatalf("error %v is not a bad request", err)
			}
			return
		}
		if !r.cid.Defined() || r.CID != r.cid.String() || r.replicas < 0 || r.replicas > MaxReplicas || len(r.Origins) > MaxOrigins {
			t.Fatalf("accepted an unchecked request %+v", r)
		}
	})
}

// FuzzListQuery: GET /pins parameters are decoded or refused, never a panic.
func FuzzListQuery(f *testing.F) {
	f.Add("limit=10&status=pinned")
	f.Add("cid=QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH&name=a&match=ipartial&before=2026-01-02T03:04:05.123456789Z")
	f.Add(`meta={"a":"b"}&status=queued,pinning,failed`)
	f.Add("limit=-1&meta=[")
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		q, err := parseListQuery(v)
		if err != nil {
			if !errors.Is(err, errBadRequest) {
				t.Fatalf("error %v is not a bad request", err)
			}
			return
		}
		if q.limit < 1 || q.limit > 1000 || len(q.statuses) == 0 {
			t.Fatalf("accepted %+v", q)
		}
		q.matchName("some name")
	})
}

// FuzzBearer: an Authorization header yields a bounded token or nothing.
func FuzzBearer(f *testing.F) {
	f.Add("Bearer pt1.abc")
	f.Add("bearer  x ")
	f.Add("Basic dXNlcjpwYXNz")
	f.Fuzz(func(t *testing.T, h string) {
		tok, ok := bearer(h)
		if ok && (tok == "" || len(tok) > 4096 || strings.TrimSpace(tok) != tok) {
			t.Fatalf("bearer(%q) = %q", h, tok)
		}
	})
}

// FuzzGatewayPath: a gateway path is a CID and segments or a bad request.
func FuzzGatewayPath(f *testing.F) {
	f.Add("QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH/a/b")
	f.Add("bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku")
	f.Add("//x")
	f.Fuzz(func(t *testing.T, p string) {
		c, segs, err := gatewayPath(p)
		if err == nil && !c.Defined() {
			t.Fatal("undefined CID accepted")
		}
		for _, s := range segs {
			if s == "" || strings.Contains(s, "/") {
				t.Fatalf("segment %q", s)
			}
		}
	})
}

// FuzzAddMultipart: any body and content type sent to /api/v0/add gets an answer (200 or a spec
// error), never a crash.
func FuzzAddMultipart(f *testing.F) {
	var dir bytes.Buffer
	ct := newMultipartDir(&dir, map[string][]byte{"a": []byte("x"), "s/b": []byte("y")})
	_, boundary, _ := strings.Cut(ct, "boundary=")
	f.Add(dir.Bytes(), boundary, "cid-version=1")
	f.Add([]byte("--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f\"\r\n\r\nhi\r\n--x--\r\n"), "x", "")
	f.Add([]byte("--x\r\nbroken"), "x", "raw-leaves=maybe")
	_, k, _ := edKey()
	mem := ledger.NewMemory(ledger.MemoryConfig{TwinKey: fixedKey(7, k)})
	mem.Fund(7, 1<<40)
	var self ledger.NodeKey
	n, err := New(Config{Dir: f.TempDir(), Ledger: mem.Join(ledger.Node{Key: self, Name: "fuzz"}), Log: quietLog()})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { n.Close() })
	h := n.Handler()
	tok := mustToken(f, k, 7)
	f.Fuzz(func(t *testing.T, body []byte, boundary, query string) {
		req := httptest.NewRequest("POST", "/api/v0/add?"+url.PathEscape(query), bytes.NewReader(body))
		req.URL.RawQuery = query
		req.Header.Set("Content-Type", "multipart/form-data; boundary="+boundary)
		req.Header.Set("Authorization", "Bearer "+tok)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK && w.Code != http.StatusBadRequest {
			t.Fatalf("status %d: %s", w.Code, w.Body)
		}
	})
}
