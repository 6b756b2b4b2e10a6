// Package client talks to a Planetary chain node over its CometBFT RPC: it submits signed txs and
// waits for their commit, answers typed queries whose ICS23 proofs it checks against light-client
// verified headers, and streams twin events without gaps across reconnects.
package client

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	dbm "github.com/cometbft/cometbft-db"
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
	rpc     *rpchttp.HTTP
	light   *light.Client
	chainID string
	log     *slog.Logger
	poll    time.Duration

	mu      sync.Mutex
	latest  int64         // highest committed height seen
	last    int64         // highest height whose results were dispatched
	advance chan struct{} // closed and replaced whenever latest moves
	waiters map[[32]byte]chan Result
	hashes  map[int64][]byte      // light-verified app hashes by header height
	twins   map[uint64]chain.Twin // verified answers, dropped on an event for the twin
	changed map[uint64]int64      // height of the last event seen per twin
	written int64                 // highest height of a tx this client saw committed

	cancel context.CancelFunc
	done   chan struct{}
}

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
	hc := &http.Client{Transport: &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: 256,
		Proxy: http.ProxyFromEnvironment}}
	rpc, err := rpchttp.NewWithClient(addr, hc)
	if err != nil {
		return nil, fmt.Errorf("rpc client for %s: %w", addr, err)
	}
	st, err := rpc.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("status of %s: %w", addr, err)
	}
	c := &Client{rpc: rpc, chainID: st.NodeInfo.Network, log: opts.Log, poll: opts.Poll,
		latest: st.SyncInfo.LatestBlockHeight, last: st.SyncInfo.LatestBlockHeight,
		advance: make(chan struct{}), waiters: map[[32]byte]chan Result{},
		hashes: map[int64][]byte{}, twins: map[uint64]chain.Twin{}, changed: map[uint64]int64{}, done: make(chan struct{})}
	if err := c.startLight(ctx, addr, opts); err != nil {
		return nil, err
	}
	fctx, cancel := context.WithCancel(context.Background())
	c.cancel = cancel
	go c.follow(fctx)
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
	primary, err := lighthttp.New(c.chainID, addr)
	if err != nil {
		return fmt.Errorf("light provider %s: %w", addr, err)
	}
	var witnesses []provider.Provider
	if len(opts.Witnesses) == 0 {
		opts.Witnesses = []string{addr}
	}
	for _, w := range opts.Witnesses {
		p, err := lighthttp.New(c.chainID, w)
		if err != nil {
			return fmt.Errorf("light witness %s: %w", w, err)
		}
		witnesses = append(witnesses, p)
	}
	lc, err := light.NewClient(ctx, c.chainID, light.TrustOptions{Period: opts.TrustPeriod, Height: height, Hash: hash},
		primary, witnesses, lightdb.New(dbm.NewMemDB(), c.chainID), light.Logger(nopLogger{}))
	if err != nil {
		return fmt.Errorf("light client: %w", err)
	}
	c.light = lc
	return nil
}

// ChainID is the chain's id, which every signature covers.
func (c *Client) ChainID() string { return c.chainID }

// Close stops following blocks; waiting submissions and subscriptions end with an error.
func (c *Client) Close() error {
	c.cancel()
	<-c.done
	return c.rpc.Stop()
}

// follow walks every committed height in order, dispatching tx results to waiters. The websocket
// only says when to look; the walk itself, by height, is what guarantees nothing is skipped.
func (c *Client) follow(ctx context.Context) {
	defer close(c.done)
	nudge := make(chan struct{}, 1)
	go c.watch(ctx, nudge)
	tick := time.NewTicker(c.poll)
	defer tick.Stop()
	for {
		if err := c.catchUp(ctx); err != nil && ctx.Err() == nil {
			c.log.Warn("chain client: catch up", "err", err)
		}
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
		case <-tick.C:
		}
	}
}

// watch keeps a websocket subscription to new block headers, reconnecting with backoff.
func (c *Client) watch(ctx context.Context, nudge chan<- struct{}) {
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		if !c.rpc.IsRunning() {
			if err := c.rpc.Start(); err != nil {
				c.log.Debug("chain client: websocket", "err", err)
			}
		}
		ch, err := c.rpc.Subscribe(ctx, "planetary-client", "tm.event='NewBlockHeader'", 64)
		if err != nil {
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, 5*time.Second)
			continue
		}
		backoff = 100 * time.Millisecond
		for open := true; open; {
			select {
			case <-ctx.Done():
				return
			case _, open = <-ch:
				select {
				case nudge <- struct{}{}:
				default:
				}
			}
		}
		c.log.Info("chain client: websocket closed, resubscribing")
		c.rpc.UnsubscribeAll(context.Background(), "planetary-client")
	}
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
		c.mu.Unlock()
	}
	return nil
}

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

func (s *Signer) reset() {
	s.mu.Lock()
	s.loaded = false
	s.mu.Unlock()
}

// Sign builds and signs a tx carrying m with the signer's next sequence number.
func (c *Client) Sign(ctx context.Context, s *Signer, m chain.Msg) ([]byte, error) {
	seq, err := c.nextSeq(ctx, s)
	if err != nil {
		return nil, err
	}
	tx := &chain.Tx{Seq: seq, Msg: m}
	tx.Sign(c.chainID, s.Key)
	return tx.Encode(), nil
}

// Submit signs m, broadcasts it and waits for the block that commits it. A refused tx returns
// its Result inside a *RefusedError.
func (c *Client) Submit(ctx context.Context, s *Signer, m chain.Msg) (Result, error) {
	tx, err := c.Sign(ctx, s, m)
	if err != nil {
		return Result{}, err
	}
	res, err := c.SubmitRaw(ctx, tx)
	var re *RefusedError
	if errors.As(err, &re) && re.Height == 0 {
		s.reset() // the sequence was not used
	}
	return res, err
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
	c.waiters[hash] = p.w
	c.mu.Unlock()
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

func (p *Pending) drop() {
	p.c.mu.Lock()
	delete(p.c.waiters, p.res.Hash)
	p.c.mu.Unlock()
}

// Wait blocks until the tx is committed; a tx refused in its block is a *RefusedError.
func (p *Pending) Wait(ctx context.Context) (Result, error) {
	select {
	case r, ok := <-p.w:
		if !ok {
			return p.res, errors.New("client closed before the tx committed")
		}
		if r.Code != chain.CodeOK {
			return r, &RefusedError{r}
		}
		return r, nil
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
