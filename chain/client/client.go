// Package client talks to a Planetary chain node over its CometBFT RPC: it submits signed txs and
// waits for their commit, answers typed queries whose ICS23 proofs it checks against light-client
// verified headers, and streams twin events without gaps across reconnects.
package client

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/cometbft/cometbft/light"
	"github.com/cometbft/cometbft/light/provider"
	lighthttp "github.com/cometbft/cometbft/light/provider/http"
	lightdb "github.com/cometbft/cometbft/light/store/db"
	rpchttp "github.com/cometbft/cometbft/rpc/client/http"

	"github.com/freeflowuniverse/planetary/chain"
)

// Options configure a Client; the zero value trusts the node's first header.
type Options struct {
	// TrustHeight and TrustHash pin the header the light client starts from. Without them the
	// client trusts the header at height 1 as the node reports it (trust on first use).
	TrustHeight int64
	TrustHash   []byte
	// TrustPeriod is how long a verified header stays trusted (default one week).
	TrustPeriod time.Duration
	// Witnesses are other RPC addresses that cross-check headers (default: the node itself).
	Witnesses []string
	// Poll is how often the client looks for new blocks when the websocket is silent (default 1s).
	Poll time.Duration
	// Log receives reconnects and errors (default: discard).
	Log *slog.Logger
}

// Client is a connection to one chain node; it is safe for concurrent use.
type Client struct {
	rpc       *rpchttp.HTTP
	http      *http.Client
	transport *http.Transport
	addr      string
	light     *light.Client
	lightMu   sync.Mutex // serialises the light client, which is not safe for concurrent use
	chainID   string
	log       *slog.Logger
	poll      time.Duration

	mu      sync.Mutex
	latest  int64         // highest committed height seen
	last    int64         // highest height whose results were dispatched
	advance chan struct{} // closed and replaced whenever latest moves
	waiters map[[32]byte]chan Result
	hashes  map[int64][]byte      // light-verified app hashes by header height
	twins   map[uint64]chain.Twin // verified answers, dropped on an event for the twin
	changed map[uint64]int64      // height of the last event seen per twin
	written int64                 // highest height of a tx this client saw committed

	// life ends on Close; every goroutine of the client is counted in wg and ends with it.
	life   context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	closed bool // guarded by mu; no goroutine starts once set
}

// ErrClosed is returned, wrapped, by calls on a closed Client and by waits that Close ended.
var ErrClosed = errors.New("chain client closed")

// Dial connects to the node at addr (e.g. http://127.0.0.1:26657) and starts following its blocks.
func Dial(ctx context.Context, addr string, opts Options) (*Client, error) {
	if !strings.Contains(addr, "://") {
		addr = "http://" + addr
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.Poll <= 0 {
		opts.Poll = time.Second
	}
	if opts.TrustPeriod <= 0 {
		opts.TrustPeriod = 7 * 24 * time.Hour
	}
	// CometBFT's default transport keeps two idle connections per host; concurrent callers
	// would open and close a TCP connection per request.
	tr := &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: 256, Proxy: http.ProxyFromEnvironment}
	hc := &http.Client{Transport: tr}
	rpc, err := rpchttp.NewWithClient(addr, hc)
	if err != nil {
		return nil, fmt.Errorf("rpc client for %s: %w", addr, err)
	}
	st, err := rpc.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("status of %s: %w", addr, err)
	}
	c := &Client{rpc: rpc, http: hc, transport: tr, addr: addr, chainID: st.NodeInfo.Network, log: opts.Log, poll: opts.Poll,
		latest: st.SyncInfo.LatestBlockHeight, last: st.SyncInfo.LatestBlockHeight,
		advance: make(chan struct{}), waiters: map[[32]byte]chan Result{},
		hashes: map[int64][]byte{}, twins: map[uint64]chain.Twin{}, changed: map[uint64]int64{}}
	if err := c.startLight(ctx, addr, opts); err != nil {
		return nil, err
	}
	c.life, c.cancel = context.WithCancel(context.Background())
	c.wg.Add(1)
	go c.follow(c.life)
	return c, nil
}

func (c *Client) startLight(ctx context.Context, addr string, opts Options) error {
	height, hash := opts.TrustHeight, opts.TrustHash
	if height == 0 {
		height = 1
		// Wait, bounded by ctx, for the first block when the chain has just started.
		for {
			h := int64(1)
			b, err := c.rpc.Block(ctx, &h)
			if err == nil {
				hash = b.BlockID.Hash
				break
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("first header of %s: %w", addr, err)
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
	primary := lighthttp.NewWithClient(c.chainID, c.rpc)
	var witnesses []provider.Provider
	if len(opts.Witnesses) == 0 {
		opts.Witnesses = []string{addr}
	}
	for _, w := range opts.Witnesses {
		if !strings.Contains(w, "://") {
			w = "http://" + w
		}
		wc, err := rpchttp.NewWithClient(w, c.http)
		if err != nil {
			return fmt.Errorf("light witness %s: %w", w, err)
		}
		witnesses = append(witnesses, lighthttp.NewWithClient(c.chainID, wc))
	}
	lc, err := light.NewClient(ctx, c.chainID, light.TrustOptions{Period: opts.TrustPeriod, Height: height, Hash: hash},
		primary, witnesses, lightdb.New(newLightDB(), c.chainID), light.Logger(nopLogger{}))
	if err != nil {
		return fmt.Errorf("light client: %w", err)
	}
	c.light = lc
	return nil
}

// ChainID is the chain's id, which every signature covers.
func (c *Client) ChainID() string { return c.chainID }

// Close stops following blocks and returns once every goroutine of the client has ended:
// waiting submissions end with ErrClosed and subscription channels close. It is safe to call twice.
func (c *Client) Close() error {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	c.cancel()
	c.wg.Wait()
	c.transport.CloseIdleConnections()
	return nil
}

// start runs f in a goroutine that Close waits for; it reports false, running nothing, once the client is closed.
func (c *Client) start(f func()) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return false
	}
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		f()
	}()
	return true
}

// follow walks every committed height in order, dispatching tx results to waiters. The websocket
// only says when to look; the walk itself, by height, is what guarantees nothing is skipped.
func (c *Client) follow(ctx context.Context) {
	defer c.wg.Done()
	nudge := make(chan struct{}, 1)
	stale := make(chan struct{}, 1)
	c.wg.Add(1) // follow's own count is held, so this cannot race Close's Wait
	go func() {
		defer c.wg.Done()
		c.watch(ctx, nudge, stale)
	}()
	tick := time.NewTicker(c.poll)
	defer tick.Stop()
	nudged := false // a nudge came since the last tick
	for {
		select {
		case <-ctx.Done():
			c.mu.Lock()
			for h, w := range c.waiters {
				close(w)
				delete(c.waiters, h)
			}
			c.mu.Unlock()
			return
		case <-nudge:
			nudged = true
			c.follows(ctx)
		case <-tick.C:
			// Blocks found by the poll while the websocket announced nothing for a whole poll
			// interval mean it is dead without knowing it (the node restarted, say): redial it.
			found := c.follows(ctx)
			if found && !nudged {
				select {
				case stale <- struct{}{}:
				default:
				}
			}
			nudged = false
		}
	}
}

// follows catches up and reports whether it found new blocks.
func (c *Client) follows(ctx context.Context) bool {
	c.mu.Lock()
	before := c.last
	c.mu.Unlock()
	if err := c.catchUp(ctx); err != nil && ctx.Err() == nil {
		c.log.Warn("chain client: catch up", "err", err)
		// Kept-alive connections may lead to a server that is gone: dial afresh next time.
		c.transport.CloseIdleConnections()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.last > before
}

// watch keeps a websocket subscription to new block headers on its own connection, dialling
// again when it closes or when follow reports it stale.
func (c *Client) watch(ctx context.Context, nudge, stale chan struct{}) {
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		subscribed, err := c.watchOnce(ctx, nudge, stale)
		if ctx.Err() != nil {
			return
		}
		if subscribed {
			c.log.Info("chain client: websocket lost, dialling again", "err", err)
			backoff = 100 * time.Millisecond
			continue
		}
		c.log.Debug("chain client: websocket", "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}

// watchOnce dials the node's websocket, subscribes to new block headers and nudges follow on
// every event until the connection fails or follow reports it stale; subscribed tells whether it
// got that far. The connection is its own: nothing redials behind its back. (CometBFT's
// WSClient reconnects by itself, and stopping it while it does made its reader send on a
// closed channel later: a panic that took the whole process down when the node restarted.)
func (c *Client) watchOnce(ctx context.Context, nudge, stale chan struct{}) (subscribed bool, err error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	u := "ws" + strings.TrimPrefix(c.addr, "http") + "/websocket"
	ws, _, err := websocket.Dial(ctx, u, nil)
	if err != nil {
		return false, fmt.Errorf("dial %s: %w", u, err)
	}
	defer ws.CloseNow()
	ws.SetReadLimit(4 << 20)
	req := `{"jsonrpc":"2.0","id":1,"method":"subscribe","params":{"query":"tm.event='NewBlockHeader'"}}`
	if err := ws.Write(ctx, websocket.MessageText, []byte(req)); err != nil {
		return false, fmt.Errorf("subscribe: %w", err)
	}
	_, b, err := ws.Read(ctx)
	if err != nil {
		return false, fmt.Errorf("subscribe: %w", err)
	}
	if err := rpcError(b); err != nil {
		return false, fmt.Errorf("subscribe: %w", err)
	}
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		select {
		case <-stale:
			cancel()
		case <-ctx.Done():
		}
	}()
	defer func() { cancel(); <-watched }()
	for first := true; ; first = false {
		// The first nudge is for blocks that may have come while it was down.
		if !first {
			_, b, err := ws.Read(ctx)
			if err != nil {
				return true, fmt.Errorf("read: %w", err)
			}
			if err := rpcError(b); err != nil { // the node ended the subscription
				return true, err
			}
		}
		select {
		case nudge <- struct{}{}:
		default:
		}
	}
}

// rpcError returns the error a JSON-RPC answer carries, if any.
func rpcError(b []byte) error {
	var ans struct {
		Error *struct {
			Message string `json:"message"`
			Data    string `json:"data"`
		} `json:"error"`
	}
	if err := json.Unmarshal(b, &ans); err != nil {
		return fmt.Errorf("answer: %w", err)
	}
	if ans.Error != nil {
		return fmt.Errorf("node: %s %s", ans.Error.Message, ans.Error.Data)
	}
	return nil
}

func (c *Client) catchUp(ctx context.Context) error {
	st, err := c.rpc.Status(ctx)
	if err != nil {
		return fmt.Errorf("status: %w", err)
	}
	top := st.SyncInfo.LatestBlockHeight
	c.mu.Lock()
	from := c.last + 1
	c.mu.Unlock()
	for h := from; h <= top; h++ {
		res, err := c.rpc.BlockResults(ctx, &h)
		if err != nil && h == top && resultsNotYet(err) {
			// The node may announce its newest height before it has stored that block's
			// results: the walk goes on from here at the next block or poll. Missing results
			// further back (pruned, say) stay a failure.
			c.log.Debug("chain client: block results not stored yet", "height", h)
			return nil
		}
		if err != nil {
			return fmt.Errorf("block results %d: %w", h, err)
		}
		c.mu.Lock()
		for _, r := range res.TxResults {
			hash, ok := txHashOf(r.Events)
			if w := c.waiters[hash]; ok && w != nil {
				w <- Result{Hash: hash, Height: h, Code: r.Code, Log: r.Log, Events: r.Events}
				delete(c.waiters, hash)
				c.written = max(c.written, h)
			}
			for _, ev := range twinEvents(h, r) {
				delete(c.twins, ev.ID)
				c.changed[ev.ID] = h
			}
		}
		c.last = h
		c.setLatest(h)
		if h%changedWindow == 0 {
			for id, at := range c.changed {
				if at < h-changedWindow {
					delete(c.changed, id)
				}
			}
		}
		c.mu.Unlock()
	}
	return nil
}

// resultsNotYet reports whether err is the node saying it holds no results for a height it has
// already announced, which it stores a moment after committing the block.
func resultsNotYet(err error) bool {
	return strings.Contains(err.Error(), "could not find results for height")
}

// changedWindow is how many blocks a twin's last change is remembered: an answer older than
// that is never cached.
const changedWindow = 100

// maxCachedTwins bounds the FindTwinByID cache.
const maxCachedTwins = 100_000

// setLatest records a committed height; c.mu is held.
func (c *Client) setLatest(h int64) {
	if h > c.latest {
		c.latest = h
		close(c.advance)
		c.advance = make(chan struct{})
	}
}

func txHashOf(events []abci.Event) (h [32]byte, ok bool) {
	for _, ev := range events {
		if ev.Type != chain.TxEvent {
			continue
		}
		for _, a := range ev.Attributes {
			if a.Key == "hash" {
				b, err := hex.DecodeString(a.Value)
				if err == nil && len(b) == 32 {
					copy(h[:], b)
					return h, true
				}
			}
		}
	}
	return h, false
}

var checkTxRefusal = regexp.MustCompile(`is invalid: code=(\d+), data=[^,]*, log='(.*)', codespace=`)

// ErrDuplicate is returned, wrapped, when the node already holds the very same tx bytes.
var ErrDuplicate = errors.New("tx already submitted")

// Result is a committed tx's outcome.
type Result struct {
	Hash   [32]byte
	Height int64
	Code   uint32
	Log    string
	Events []abci.Event
}

// RefusedError is a tx the chain refused, at CheckTx (Height 0) or in a block.
type RefusedError struct {
	Result
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("tx %x refused with code %d: %s", e.Hash[:6], e.Code, e.Log)
}

// Signer is an account key with its next sequence number; share one per key.
type Signer struct {
	Key ed25519.PrivateKey

	// send is held by Submit from taking a sequence number until the node has admitted or
	// refused the tx, so the node receives the signer's txs in sequence order and a number
	// refused at admission can go to the next tx without any later one having been issued.
	send sync.Mutex

	mu     sync.Mutex
	seq    uint64
	loaded bool
}

// NewSigner wraps an account key.
func NewSigner(key ed25519.PrivateKey) *Signer { return &Signer{Key: key} }

// Account is the signer's public key, its account address.
func (s *Signer) Account() (a [32]byte) {
	copy(a[:], s.Key.Public().(ed25519.PublicKey))
	return a
}

func (c *Client) nextSeq(ctx context.Context, s *Signer) (uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.loaded {
		acct := s.Account()
		res, err := c.rpc.ABCIQuery(ctx, "account/"+chain.HexKey(acct), nil)
		if err != nil {
			return 0, fmt.Errorf("read sequence: %w", err)
		}
		s.seq = 0
		if res.Response.Code == chain.CodeOK {
			a, err := chain.DecodeAccount(res.Response.Value)
			if err != nil {
				return 0, err
			}
			s.seq = a.Seq
		}
		s.loaded = true
	}
	s.seq++
	return s.seq - 1, nil
}

// wantSeq finds the number the node expects in a sequence refusal's log ("..., want N").
var wantSeq = regexp.MustCompile(`sequence \d+, want (\d+)`)

// refused takes back sequence seq, which the node refused to admit with code and log. A sequence
// refusal means the node expects another number (a broadcast failed in transit after taking one,
// the key was used elsewhere, or the node lost its mempool): the next tx takes the number the
// refusal names, which counts the txs the node holds unexecuted, or else reads the account again.
// Any other refusal leaves seq unused; it is given to the next tx, which is safe because s.send
// was held since seq was taken.
func (s *Signer) refused(seq uint64, code uint32, log string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case code == chain.CodeSequence:
		s.loaded = false
		if m := wantSeq.FindStringSubmatch(log); m != nil {
			if want, err := strconv.ParseUint(m[1], 10, 64); err == nil {
				s.seq, s.loaded = want, true
			}
		}
	case s.loaded && s.seq == seq+1:
		s.seq = seq
	}
}

// Sign builds and signs a tx carrying m with the signer's next sequence number. Txs signed here
// and sent with SubmitRaw or Broadcast are outside the ordering Submit keeps; use one or the other per Signer.
func (c *Client) Sign(ctx context.Context, s *Signer, m chain.Msg) ([]byte, error) {
	tx, _, err := c.sign(ctx, s, m)
	return tx, err
}

func (c *Client) sign(ctx context.Context, s *Signer, m chain.Msg) ([]byte, uint64, error) {
	seq, err := c.nextSeq(ctx, s)
	if err != nil {
		return nil, 0, err
	}
	tx := &chain.Tx{Seq: seq, Msg: m}
	tx.Sign(c.chainID, s.Key)
	return tx.Encode(), seq, nil
}

// Submit signs m, broadcasts it and waits for the block that commits it. A refused tx returns
// its Result inside a *RefusedError. Concurrent Submits with one Signer are admitted in sequence
// order, and a sequence number refused at admission is reused by the next Submit, never by two.
// A number lost to a broadcast that failed in transit costs the next Submit one more round trip,
// not an error: a sequence refusal at admission is answered by signing again with the chain's count.
func (c *Client) Submit(ctx context.Context, s *Signer, m chain.Msg) (Result, error) {
	p, err := c.broadcastNext(ctx, s, m)
	if err != nil {
		if p != nil {
			return p.res, err
		}
		return Result{}, err
	}
	return p.Wait(ctx)
}

// broadcastNext signs m with the signer's next number and broadcasts it. A sequence refusal means
// the signer's count is off, most often because a broadcast failed in transit after taking a
// number (the tx never reached the node): m is then signed once more with the number the node
// asked for, or failing that the account's committed one, so that refusal never reaches the caller.
func (c *Client) broadcastNext(ctx context.Context, s *Signer, m chain.Msg) (*Pending, error) {
	s.send.Lock()
	defer s.send.Unlock()
	var p *Pending
	var err error
	for attempt := 0; attempt < 2; attempt++ {
		var tx []byte
		var seq uint64
		tx, seq, err = c.sign(ctx, s, m)
		if err != nil {
			return nil, err
		}
		p, err = c.Broadcast(ctx, tx)
		var re *RefusedError
		if !errors.As(err, &re) {
			return p, err
		}
		s.refused(seq, re.Code, re.Log)
		if re.Code != chain.CodeSequence {
			return p, err
		}
		c.log.Debug("chain client: sequence refused, signing again", "seq", seq, "log", re.Log)
	}
	return p, err
}

// SubmitRaw broadcasts already signed tx bytes and waits for their commit.
func (c *Client) SubmitRaw(ctx context.Context, tx []byte) (Result, error) {
	p, err := c.Broadcast(ctx, tx)
	if err != nil {
		return p.res, err
	}
	return p.Wait(ctx)
}

// Pending is a tx admitted to the mempool and not yet seen committed.
type Pending struct {
	c   *Client
	res Result
	w   chan Result
}

// Broadcast hands signed tx bytes to the node and returns once its mempool admitted them; Wait
// then gives the commit. A refusal at admission is a *RefusedError with Height 0.
func (c *Client) Broadcast(ctx context.Context, tx []byte) (*Pending, error) {
	hash := sha256.Sum256(tx)
	p := &Pending{c: c, res: Result{Hash: hash}, w: make(chan Result, 1)}
	c.mu.Lock()
	closed := c.closed
	_, inFlight := c.waiters[hash]
	if !inFlight && !closed {
		c.waiters[hash] = p.w
	}
	c.mu.Unlock()
	if closed {
		return p, fmt.Errorf("broadcast tx %x: %w", hash[:6], ErrClosed)
	}
	if inFlight {
		return p, fmt.Errorf("broadcast tx %x: %w", hash[:6], ErrDuplicate)
	}
	chk, err := c.rpc.BroadcastTxSync(ctx, tx)
	if err == nil && chk.Code != chain.CodeOK {
		p.drop()
		p.res.Code, p.res.Log = chk.Code, chk.Log
		return p, &RefusedError{p.res}
	}
	if err != nil {
		p.drop()
		// CometBFT v1 reports a CheckTx refusal as an RPC error whose text carries code and log.
		if m := checkTxRefusal.FindStringSubmatch(err.Error()); m != nil {
			code, _ := strconv.ParseUint(m[1], 10, 32)
			p.res.Code, p.res.Log = uint32(code), m[2]
			return p, &RefusedError{p.res}
		}
		if strings.Contains(err.Error(), "tx already exists in cache") {
			return p, fmt.Errorf("broadcast tx %x: %w", hash[:6], ErrDuplicate)
		}
		return p, fmt.Errorf("broadcast tx %x: %w", hash[:6], err)
	}
	return p, nil
}

// drop forgets this waiter, unless the same tx bytes were submitted again meanwhile.
func (p *Pending) drop() {
	p.c.mu.Lock()
	if p.c.waiters[p.res.Hash] == p.w {
		delete(p.c.waiters, p.res.Hash)
	}
	p.c.mu.Unlock()
}

// Wait blocks until the tx is committed; a tx refused in its block is a *RefusedError. It ends
// with ErrClosed when the client closes first.
func (p *Pending) Wait(ctx context.Context) (Result, error) {
	closed := fmt.Errorf("wait for tx %x: %w before it committed", p.res.Hash[:6], ErrClosed)
	select {
	case r, ok := <-p.w:
		if !ok {
			return p.res, closed
		}
		if r.Code != chain.CodeOK {
			return r, &RefusedError{r}
		}
		return r, nil
	case <-p.c.life.Done():
		p.drop()
		return p.res, closed
	case <-ctx.Done():
		p.drop()
		return p.res, fmt.Errorf("wait for tx %x: %w", p.res.Hash[:6], ctx.Err())
	}
}

// waitHeight blocks until a height of at least h is committed.
func (c *Client) waitHeight(ctx context.Context, h int64) error {
	for {
		c.mu.Lock()
		latest, adv := c.latest, c.advance
		c.mu.Unlock()
		if latest >= h {
			return nil
		}
		select {
		case <-adv:
		case <-c.life.Done():
			return fmt.Errorf("wait for height %d: %w", h, ErrClosed)
		case <-ctx.Done():
			return fmt.Errorf("wait for height %d: %w", h, ctx.Err())
		}
	}
}

// Height is the latest committed height the client has seen.
func (c *Client) Height() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.latest
}
