package chain

import (
	"cmp"
	"context"
	"encoding/hex"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	dbm "github.com/cometbft/cometbft-db"
	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/cosmos/iavl"
)

// Options configure an App.
type Options struct {
	// Dir holds the state database; empty keeps the state in memory.
	Dir string
	// SnapshotInterval takes a state-sync snapshot every that many blocks; 0 takes none.
	SnapshotInterval int64
	// SnapshotKeep is how many recent snapshots are served (default 2).
	SnapshotKeep int
	// SnapshotChunk is the most bytes one snapshot chunk carries (default 4 MiB).
	SnapshotChunk int
	// KeepVersions prunes state versions older than that many blocks; 0 keeps every version.
	KeepVersions int64
	// Log receives refused transactions and lifecycle events (default: discard).
	Log *slog.Logger
}

// App is the Planetary ABCI 2.0 application: accounts, twins, DIDs, circles, address book and audit log.
type App struct {
	abci.BaseApplication

	log  *slog.Logger
	opts Options
	db   dbm.DB
	tree *iavl.MutableTree

	// The node calls the app from four connections at once (consensus, mempool, query,
	// snapshot). Only the consensus connection, and state sync before it starts, write tree
	// (a failed state sync replaces it, under mu); everything below is guarded by mu, and other
	// connections read committed, a saved version.
	mu        sync.Mutex
	committed *iavl.ImmutableTree // last saved version, nil before the first
	version   int64
	hash      []byte

	// Cached from the tree's meta keys.
	chainID   string
	faucetMax uint64

	// checkSeq is the next sequence CheckTx accepts per account, ahead of committed state.
	checkSeq map[[32]byte]uint64

	// verified remembers txs whose signature CheckTx verified, so FinalizeBlock need not again.
	verified map[[32]byte]struct{}

	snaps   *snapshots
	restore *restore

	// life is held for reading by every call that touches the database and for writing by
	// Close, so a call that comes after Close gets an error instead of a closed database.
	life   sync.RWMutex
	closed bool
}

// errClosed answers calls that arrive after Close.
var errClosed = refuse(CodeInternal, "the application is closed")

// hold takes a read hold on the database, or returns errClosed after Close; release with a.life.RUnlock.
func (a *App) hold() error {
	a.life.RLock()
	if a.closed {
		a.life.RUnlock()
		return errClosed
	}
	return nil
}

// New opens (or creates) the application state.
func New(opts Options) (*App, error) {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.SnapshotKeep <= 0 {
		opts.SnapshotKeep = 2
	}
	if opts.SnapshotChunk <= 0 {
		opts.SnapshotChunk = defaultChunkSize
	}
	db, tree, err := openTree(opts.Dir)
	if err != nil {
		return nil, err
	}
	a := &App{log: opts.Log, opts: opts, db: db, tree: tree, checkSeq: map[[32]byte]uint64{},
		verified: map[[32]byte]struct{}{}, snaps: newSnapshots(opts.SnapshotKeep)}
	if err := a.loadMeta(); err != nil {
		db.Close()
		return nil, err
	}
	if err := a.setCommitted(); err != nil {
		db.Close()
		return nil, err
	}
	return a, nil
}

// Close waits for calls in progress and releases the state database; later calls get an error.
func (a *App) Close() error {
	a.life.Lock()
	defer a.life.Unlock()
	if a.closed {
		return nil
	}
	a.closed = true
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.tree.Close(); err != nil {
		return fmt.Errorf("close state tree: %w", err)
	}
	return a.db.Close()
}

// setCommitted publishes the tree's last saved version to the other connections.
func (a *App) setCommitted() error {
	v := a.tree.Version()
	var imm *iavl.ImmutableTree
	var hash []byte
	if v > 0 {
		var err error
		if imm, err = a.tree.GetImmutable(v); err != nil {
			return fmt.Errorf("open state version %d: %w", v, err)
		}
		hash = a.tree.Hash()
	}
	a.mu.Lock()
	a.committed, a.version, a.hash = imm, v, hash
	a.mu.Unlock()
	return nil
}

func (a *App) loadMeta() error {
	id, err := a.tree.Get(metaChainID)
	if err != nil {
		return fmt.Errorf("read chain id: %w", err)
	}
	f, err := a.tree.Get(ParamKey(ParamFaucetMax))
	if err == nil && f == nil {
		f, err = a.tree.Get(metaFaucet) // state from before the parameters
	}
	if err != nil {
		return fmt.Errorf("read faucet: %w", err)
	}
	var faucet uint64
	if f != nil {
		if faucet, err = decodeU64(f); err != nil {
			return err
		}
	}
	a.mu.Lock()
	a.chainID, a.faucetMax = string(id), faucet
	a.mu.Unlock()
	return nil
}

// Info reports the last committed height and app hash so CometBFT can replay what is missing.
func (a *App) Info(context.Context, *abci.InfoRequest) (*abci.InfoResponse, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return &abci.InfoResponse{
		Data:             "planetary",
		Version:          "1",
		AppVersion:       1,
		LastBlockHeight:  a.version,
		LastBlockAppHash: a.hash,
	}, nil
}

// Hash is the root hash of the last committed state.
func (a *App) Hash() []byte {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.hash
}

// InitChain stores the chain id, the faucet setting and the genesis accounts.
func (a *App) InitChain(_ context.Context, req *abci.InitChainRequest) (*abci.InitChainResponse, error) {
	if err := a.hold(); err != nil {
		return nil, err
	}
	defer a.life.RUnlock()
	g, err := ParseGenesis(req.AppStateBytes)
	if err != nil {
		return nil, err
	}
	if req.InitialHeight > 1 {
		a.tree.SetInitialVersion(uint64(req.InitialHeight))
	}
	o := newOverlay(a.tree, req.InitialHeight)
	o.put(metaChainID, []byte(req.ChainId))
	if err := initGovernance(o, g); err != nil {
		return nil, err
	}
	if g.Pin != nil {
		o.put(pinParamsKey, g.Pin.WithDefaults().Encode())
	}
	for _, ga := range g.Accounts {
		k, _ := ParseAccount(ga.Address)
		acct, err := o.account(k)
		if err != nil {
			return nil, err
		}
		acct.Balance += ga.Balance
		o.putAccount(k, acct)
	}
	if err := o.flush(); err != nil {
		return nil, err
	}
	a.mu.Lock()
	a.chainID, a.faucetMax = req.ChainId, g.FaucetMax
	if v, ok := g.Params[ParamFaucetMax]; ok {
		a.faucetMax = v
	}
	a.mu.Unlock()
	a.log.Info("chain initialised", "chain_id", req.ChainId, "accounts", len(g.Accounts), "faucet_max", g.FaucetMax)
	return &abci.InitChainResponse{AppHash: a.tree.WorkingHash()}, nil
}

// CheckTx admits a tx to the mempool when it decodes, its signature verifies and its sequence is next.
func (a *App) CheckTx(_ context.Context, req *abci.CheckTxRequest) (*abci.CheckTxResponse, error) {
	if err := a.hold(); err != nil {
		return &abci.CheckTxResponse{Code: codeOf(err), Log: err.Error(), Codespace: "planetary"}, nil
	}
	defer a.life.RUnlock()
	tx, err := a.checkSig(req.Tx)
	if err == nil {
		err = a.checkSequence(tx)
	}
	if err != nil {
		a.log.Debug("tx refused at check", "err", err)
		return &abci.CheckTxResponse{Code: codeOf(err), Log: err.Error(), Codespace: "planetary"}, nil
	}
	return &abci.CheckTxResponse{Code: CodeOK}, nil
}

// TxEvent is the event type, carried by every tx result, whose "hash" attribute is the hex SHA-256 of the tx.
const TxEvent = "planetary_tx"

func txHash(b []byte) [32]byte { return sha256Sum(b) }

func (a *App) checkSig(b []byte) (*Tx, error) {
	tx, err := DecodeTx(b)
	if err != nil {
		return nil, refuse(CodeDecode, "%w", err)
	}
	h := txHash(b)
	a.mu.Lock()
	_, ok := a.verified[h]
	chainID := a.chainID
	a.mu.Unlock()
	if ok {
		return tx, nil
	}
	// Verified outside the lock, so CheckTx signatures run beside block execution.
	if err := tx.Verify(chainID); err != nil {
		return nil, refuse(CodeSignature, "tx from %x: %w", tx.Signer[:8], err)
	}
	a.mu.Lock()
	if len(a.verified) >= 1<<16 {
		clear(a.verified)
	}
	a.verified[h] = struct{}{}
	a.mu.Unlock()
	return tx, nil
}

// checkSequence admits the next sequence after those already admitted, or the committed one again
// (its earlier tx may have left the mempool unexecuted). It works with mempool rechecking off:
// the node does not re-run CheckTx on every pending tx after each block.
func (a *App) checkSequence(tx *Tx) error {
	// The account is read outside mu, which block execution takes too (CheckTx calls come one
	// at a time); if a block committed meanwhile it is read again, under the lock.
	a.mu.Lock()
	imm := a.committed
	a.mu.Unlock()
	acct, err := committedAccount(imm, tx.Signer)
	if err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.committed != imm {
		if acct, err = committedAccount(a.committed, tx.Signer); err != nil {
			return err
		}
	}
	next := max(a.checkSeq[tx.Signer], acct.Seq)
	if tx.Seq != next && tx.Seq != acct.Seq {
		// chain/client signs again with the number after "want": keep the wording.
		return refuse(CodeSequence, "account %x: sequence %d, want %d", tx.Signer[:8], tx.Seq, next)
	}
	a.checkSeq[tx.Signer] = max(next, tx.Seq+1) // a resubmitted committed sequence does not rewind
	return nil
}

// FinalizeBlock executes the block's txs in order; each refused tx gets its code and changes nothing but its sequence.
func (a *App) FinalizeBlock(_ context.Context, req *abci.FinalizeBlockRequest) (*abci.FinalizeBlockResponse, error) {
	if err := a.hold(); err != nil {
		return nil, err
	}
	defer a.life.RUnlock()
	res := &abci.FinalizeBlockResponse{TxResults: make([]*abci.ExecTxResult, len(req.Txs))}
	hashes := make([][32]byte, len(req.Txs))
	for i, b := range req.Txs {
		hashes[i] = txHash(b)
	}
	// One look at the shared state for the whole block rather than a few per tx: CheckTx takes
	// the same lock thousands of times a second under load.
	verified := make([]bool, len(req.Txs))
	a.mu.Lock()
	chainID, faucetMax := a.chainID, a.faucetMax
	for i, h := range hashes {
		if _, ok := a.verified[h]; ok {
			verified[i] = true
			delete(a.verified, h) // a second copy of the tx in the block is verified again
		}
	}
	a.mu.Unlock()
	for i, b := range req.Txs {
		events, err := a.deliver(b, verified[i], chainID, faucetMax, req.Height, req.Time, i)
		r := &abci.ExecTxResult{Code: codeOf(err), Events: events}
		if err != nil {
			r.Log, r.Codespace = err.Error(), "planetary"
			r.Events = nil
			a.log.Info("tx refused", "height", req.Height, "index", i, "code", r.Code, "err", err)
		}
		// Every result names its tx, so a client can match results to txs from block_results alone.
		h := hashes[i]
		r.Events = append(r.Events, abci.Event{Type: TxEvent, Attributes: []abci.EventAttribute{{Key: "hash", Value: hex.EncodeToString(h[:])}}}) // not indexed: CometBFT indexes tx.hash itself
		res.TxResults[i] = r
	}
	events, faucet, err := a.endBlock(req.Height, blockTime(req.Time))
	if err != nil {
		return nil, fmt.Errorf("end of block %d: %w", req.Height, err)
	}
	res.Events = events
	if faucet {
		if err := a.loadMeta(); err != nil {
			return nil, err
		}
	}
	res.Events = append(res.Events, a.endBlockPins(req.Height, req.Time, len(req.Txs))...)
	res.AppHash = a.tree.WorkingHash()
	return res, nil
}

// deliver executes one tx of a block; verified says CheckTx already checked its signature.
func (a *App) deliver(b []byte, verified bool, chainID string, faucetMax uint64, height int64, now time.Time, index int) ([]abci.Event, error) {
	tx, err := DecodeTx(b)
	if err != nil {
		return nil, refuse(CodeDecode, "%w", err)
	}
	if !verified {
		if err := tx.Verify(chainID); err != nil {
			return nil, refuse(CodeSignature, "tx from %x: %w", tx.Signer[:8], err)
		}
	}
	seqO := newOverlay(a.tree, height)
	acct, err := seqO.account(tx.Signer)
	if err != nil {
		return nil, err
	}
	if tx.Seq != acct.Seq {
		return nil, refuse(CodeSequence, "account %x: sequence %d, want %d", tx.Signer[:8], tx.Seq, acct.Seq)
	}
	acct.Seq++
	seqO.putAccount(tx.Signer, acct)
	if err := seqO.flush(); err != nil {
		return nil, err
	}
	o := newOverlay(a.tree, height)
	o.now, o.at, o.index = blockTime(now), now, index
	if err := execMsg(o, chainID, tx.Signer, tx.Msg, faucetMax); err != nil {
		return nil, err
	}
	if err := o.flush(); err != nil {
		return nil, err
	}
	return o.events, nil
}

// Commit saves the block's state version, prunes and takes a snapshot when one is due.
func (a *App) Commit(context.Context, *abci.CommitRequest) (*abci.CommitResponse, error) {
	if err := a.hold(); err != nil {
		return nil, err
	}
	defer a.life.RUnlock()
	_, v, err := a.tree.SaveVersion()
	if err != nil {
		return nil, fmt.Errorf("save state version: %w", err)
	}
	if err := a.setCommitted(); err != nil {
		return nil, err
	}
	// Forget admitted sequences the chain has caught up with, reading the accounts outside mu.
	a.mu.Lock()
	imm, pending := a.committed, maps.Clone(a.checkSeq)
	a.mu.Unlock()
	var caught [][32]byte
	for k, next := range pending {
		if acct, err := committedAccount(imm, k); err == nil && acct.Seq >= next {
			caught = append(caught, k)
		}
	}
	a.mu.Lock()
	for _, k := range caught {
		if a.checkSeq[k] == pending[k] { // not moved on by a CheckTx meanwhile
			delete(a.checkSeq, k)
		}
	}
	a.mu.Unlock()
	if k := a.opts.KeepVersions; k > 0 && v > k && v%100 == 0 {
		if err := a.tree.DeleteVersionsTo(v - k); err != nil {
			a.log.Warn("prune state", "err", err)
		}
	}
	if n := a.opts.SnapshotInterval; n > 0 && v%n == 0 {
		if err := a.takeSnapshot(v); err != nil {
			a.log.Warn("snapshot", "height", v, "err", err)
		} else {
			a.log.Debug("snapshot taken", "height", v)
		}
	}
	return &abci.CommitResponse{}, nil
}

// committedAccount reads an account from a saved version; nil means no state yet.
func committedAccount(imm *iavl.ImmutableTree, k [32]byte) (Account, error) {
	if imm == nil {
		return Account{}, nil
	}
	v, err := imm.Get(AccountKey(k))
	if err != nil {
		return Account{}, refuse(CodeInternal, "read account: %w", err)
	}
	if v == nil {
		return Account{}, nil
	}
	acct, err := DecodeAccount(v)
	if err != nil {
		return Account{}, refuse(CodeInternal, "%w", err)
	}
	return acct, nil
}

// PrepareProposal orders each account's txs by sequence (gossip can deliver them out of order),
// keeping the slots the account's txs held, and cuts the list at the block's byte limit.
func (a *App) PrepareProposal(_ context.Context, req *abci.PrepareProposalRequest) (*abci.PrepareProposalResponse, error) {
	type seqTx struct {
		seq uint64
		b   []byte
	}
	slots := map[[32]byte][]int{}
	txs := map[[32]byte][]seqTx{}
	out := make([][]byte, 0, len(req.Txs))
	var size int64
	for _, b := range req.Txs {
		if size += int64(len(b)); size > req.MaxTxBytes {
			break
		}
		i := len(out)
		out = append(out, b)
		tx, err := DecodeTx(b)
		if err != nil {
			continue // stays where it is and is refused in FinalizeBlock
		}
		slots[tx.Signer] = append(slots[tx.Signer], i)
		txs[tx.Signer] = append(txs[tx.Signer], seqTx{tx.Seq, b})
	}
	for k, list := range txs {
		if len(list) < 2 {
			continue
		}
		slices.SortStableFunc(list, func(x, y seqTx) int { return cmp.Compare(x.seq, y.seq) })
		for j, i := range slots[k] {
			out[i] = list[j].b
		}
	}
	return &abci.PrepareProposalResponse{Txs: out}, nil
}
