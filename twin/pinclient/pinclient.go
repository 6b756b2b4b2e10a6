// Package pinclient is the twin's client of a pinning node (pind): it signs a bearer token for its
// owner with the twin's key (audience "planetary-pin") and calls the node's Pinning Service API
// (/pins), its upload RPC (/api/v0/add) and /v1/account.
//
// Every answer of the node is outside bytes: decoders bound what they read and return clear errors.
package pinclient

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/freeflowuniverse/planetary/chain/token"
)

// Audience is the audience of a development pind's tokens (its memory ledger); a pind on a chain
// wants chain.PinAudience of the chain's id.
const Audience = "planetary-pin"

// MaxUpload bounds the bytes of one uploaded file.
const MaxUpload = 64 << 20

// maxAnswer bounds the bytes read from one answer of the node.
const maxAnswer = 4 << 20

// tokenTTL is how long a signed token is valid; a fresh one is signed when half of it is gone.
const tokenTTL = time.Hour

// ErrTooLarge is returned for an upload over MaxUpload.
var ErrTooLarge = fmt.Errorf("file larger than the upload limit of %d MiB", MaxUpload>>20)

// Error is an error answer of the node: the HTTP status and the spec's reason and details.
type Error struct {
	Status  int
	Reason  string
	Details string
}

// Error says what the node refused and why.
func (e *Error) Error() string {
	if e.Details != "" {
		return fmt.Sprintf("pinning node: %d %s: %s", e.Status, e.Reason, e.Details)
	}
	return fmt.Sprintf("pinning node: %d %s", e.Status, e.Reason)
}

// InsufficientFunds reports whether err is the node's 409 INSUFFICIENT_FUNDS refusal.
func InsufficientFunds(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Status == http.StatusConflict && e.Reason == "INSUFFICIENT_FUNDS"
}

// Pin is one of the owner's pins as the node reports it.
type Pin struct {
	RequestID   string   `json:"requestid"`
	Status      string   `json:"status"`
	Created     string   `json:"created"`
	CID         string   `json:"cid"`
	Name        string   `json:"name"`
	Replicas    int      `json:"replicas"`
	Allocations []string `json:"allocations"`
	Failure     string   `json:"failure,omitempty"`
}

// Account is the owner's balance, usage and the node's prices.
type Account struct {
	Twin              uint64 `json:"twin"`
	Balance           uint64 `json:"balance"`
	StoredBytes       uint64 `json:"stored_bytes"`
	ServedBytes       uint64 `json:"served_bytes"`
	PricePerGiBMonth  uint64 `json:"price_per_gib_month"`
	PricePerGiBServed uint64 `json:"price_per_gib_served"`
}

// Added is the result of an upload: the file's CID and the DAG's size in bytes.
type Added struct {
	CID  string
	Size uint64
	Pin  Pin
}

// Client calls one pinning node for one twin.
type Client struct {
	base string
	aud  string
	twin uint64
	key  ed25519.PrivateKey
	http *http.Client
	now  func() time.Time

	mu    sync.Mutex
	tok   string
	tokAt time.Time
}

// New returns a client of the node at base (its HTTP API's URL) acting for twin with its key,
// signing tokens for audience (Audience when empty).
func New(base, audience string, twin uint64, key ed25519.PrivateKey) (*Client, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("pinning node URL %q: want http(s)://host[:port]", base)
	}
	if len(key) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("pinning client: key has %d bytes, want %d", len(key), ed25519.PrivateKeySize)
	}
	if audience == "" {
		audience = Audience
	}
	return &Client{base: strings.TrimRight(base, "/"), aud: audience, twin: twin, key: key,
		http: &http.Client{Timeout: 2 * time.Minute}, now: time.Now}, nil
}

// URL returns the node's base URL.
func (c *Client) URL() string { return c.base }

// Token returns a bearer token for the twin, signing a fresh one when the last is half expired.
func (c *Client) Token() (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if c.tok != "" && now.Sub(c.tokAt) < tokenTTL/2 {
		return c.tok, nil
	}
	tok, err := token.New(c.key, c.twin, c.aud, now.Add(-time.Minute), tokenTTL)
	if err != nil {
		return "", fmt.Errorf("sign pinning token: %w", err)
	}
	c.tok, c.tokAt = tok, now
	return tok, nil
}

func (c *Client) do(ctx context.Context, method, path, ctype string, body io.Reader) ([]byte, error) {
	tok, err := c.Token()
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return nil, fmt.Errorf("pinning request %s %s: %w", method, path, err)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("pinning node %s: %w", c.base, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	if err != nil {
		return nil, fmt.Errorf("pinning node %s %s: read answer: %w", method, path, err)
	}
	if len(b) > maxAnswer {
		return nil, fmt.Errorf("pinning node %s %s: answer larger than %d bytes", method, path, maxAnswer)
	}
	if resp.StatusCode >= 300 {
		return nil, DecodeError(resp.StatusCode, b)
	}
	return b, nil
}

// DecodeError turns an error answer (the spec's {"error":{"reason","details"}}) into an *Error.
func DecodeError(status int, b []byte) error {
	var v struct {
		Error struct {
			Reason  string `json:"reason"`
			Details string `json:"details"`
		} `json:"error"`
	}
	e := &Error{Status: status}
	if json.Unmarshal(b, &v) == nil && v.Error.Reason != "" {
		e.Reason, e.Details = clip(v.Error.Reason, 100), clip(v.Error.Details, 500)
	} else {
		e.Reason, e.Details = http.StatusText(status), clip(strings.TrimSpace(string(b)), 200)
	}
	return e
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

type wireStatus struct {
	RequestID string `json:"requestid"`
	Status    string `json:"status"`
	Created   string `json:"created"`
	Pin       struct {
		CID  string `json:"cid"`
		Name string `json:"name"`
	} `json:"pin"`
	Info map[string]string `json:"info"`
}

func (w wireStatus) pin() Pin {
	p := Pin{RequestID: w.RequestID, Status: w.Status, Created: w.Created, CID: w.Pin.CID, Name: w.Pin.Name,
		Failure: w.Info["failure"]}
	p.Replicas, _ = strconv.Atoi(w.Info["replicas"])
	if a := w.Info["allocations"]; a != "" {
		for s := range strings.SplitSeq(a, ",") {
			if s = strings.TrimSpace(s); s != "" {
				p.Allocations = append(p.Allocations, s)
			}
		}
	}
	return p
}

// DecodePin reads one PinStatus answer.
func DecodePin(b []byte) (Pin, error) {
	var w wireStatus
	if err := json.Unmarshal(b, &w); err != nil {
		return Pin{}, fmt.Errorf("pin status: %w", err)
	}
	if w.Pin.CID == "" {
		return Pin{}, errors.New("pin status: no cid")
	}
	return w.pin(), nil
}

// DecodeList reads a PinResults answer.
func DecodeList(b []byte) ([]Pin, error) {
	var v struct {
		Count   int          `json:"count"`
		Results []wireStatus `json:"results"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, fmt.Errorf("pin results: %w", err)
	}
	out := make([]Pin, 0, len(v.Results))
	for _, w := range v.Results {
		out = append(out, w.pin())
	}
	return out, nil
}

// DecodeAccount reads a /v1/account answer.
func DecodeAccount(b []byte) (Account, error) {
	var a Account
	if err := json.Unmarshal(b, &a); err != nil {
		return Account{}, fmt.Errorf("account: %w", err)
	}
	return a, nil
}

// DecodeAdd reads the last JSON line of an /api/v0/add answer: the top-level file.
func DecodeAdd(b []byte) (cid string, size uint64, err error) {
	lines := bytes.Split(bytes.TrimSpace(b), []byte("\n"))
	var v struct {
		Hash string `json:"Hash"`
		Size string `json:"Size"`
	}
	if err := json.Unmarshal(lines[len(lines)-1], &v); err != nil {
		return "", 0, fmt.Errorf("add answer: %w", err)
	}
	if v.Hash == "" {
		return "", 0, errors.New("add answer: no Hash")
	}
	size, err = strconv.ParseUint(v.Size, 10, 64)
	if err != nil {
		return "", 0, fmt.Errorf("add answer: size %q: %w", clip(v.Size, 20), err)
	}
	return v.Hash, size, nil
}

// Add uploads a file's bytes and pins them for the owner as name with replicas copies (0: the
// node's default): the blocks go to /api/v0/add unpinned, then POST /pins records the pin, so a
// refusal for funds leaves no pin behind.
func (c *Client) Add(ctx context.Context, name string, data []byte, replicas int) (Added, error) {
	if len(data) > MaxUpload {
		return Added{}, ErrTooLarge
	}
	if replicas < 0 || replicas > 16 {
		return Added{}, fmt.Errorf("replicas %d: want 0 (default) to 16", replicas)
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fname := name
	if fname == "" {
		fname = "file"
	}
	pw, err := mw.CreateFormFile("file", url.PathEscape(fname))
	if err != nil {
		return Added{}, fmt.Errorf("upload %s: %w", name, err)
	}
	pw.Write(data)
	mw.Close()
	b, err := c.do(ctx, http.MethodPost, "/api/v0/add?pin=false", mw.FormDataContentType(), &body)
	if err != nil {
		return Added{}, fmt.Errorf("upload %s: %w", name, err)
	}
	cid, size, err := DecodeAdd(b)
	if err != nil {
		return Added{}, fmt.Errorf("upload %s: %w", name, err)
	}
	p, err := c.Pin(ctx, cid, name, replicas)
	if err != nil {
		return Added{CID: cid, Size: size}, err
	}
	return Added{CID: cid, Size: size, Pin: p}, nil
}

// Pin asks the node to pin cid for the owner as name with replicas copies (0: the default).
func (c *Client) Pin(ctx context.Context, cid, name string, replicas int) (Pin, error) {
	req := map[string]any{"cid": cid}
	if name != "" {
		req["name"] = name
	}
	if replicas > 0 {
		req["meta"] = map[string]string{"replicas": strconv.Itoa(replicas)}
	}
	j, _ := json.Marshal(req)
	b, err := c.do(ctx, http.MethodPost, "/pins", "application/json", bytes.NewReader(j))
	if err != nil {
		return Pin{}, fmt.Errorf("pin %s: %w", cid, err)
	}
	return DecodePin(b)
}

// List returns the owner's pins of every status, newest first (at most 1000).
func (c *Client) List(ctx context.Context) ([]Pin, error) {
	b, err := c.do(ctx, http.MethodGet, "/pins?status=queued,pinning,pinned,failed&limit=1000", "", nil)
	if err != nil {
		return nil, fmt.Errorf("list pins: %w", err)
	}
	return DecodeList(b)
}

// Remove unpins cid for the owner.
func (c *Client) Remove(ctx context.Context, cid string) error {
	if _, err := c.do(ctx, http.MethodDelete, "/pins/"+url.PathEscape(cid), "", nil); err != nil {
		return fmt.Errorf("unpin %s: %w", cid, err)
	}
	return nil
}

// Account returns the owner's balance, stored and served bytes and the node's prices.
func (c *Client) Account(ctx context.Context) (Account, error) {
	b, err := c.do(ctx, http.MethodGet, "/v1/account", "", nil)
	if err != nil {
		return Account{}, fmt.Errorf("account: %w", err)
	}
	return DecodeAccount(b)
}
