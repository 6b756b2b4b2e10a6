// Package node runs the Planetary chain: it lays out CometBFT homes (a dev chain or a local testnet)
// and starts an in-process CometBFT node around the chain application.
package node

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	dbm "github.com/cometbft/cometbft-db"
	cmtcfg "github.com/cometbft/cometbft/config"
	cmtcrypto "github.com/cometbft/cometbft/crypto"
	cmted25519 "github.com/cometbft/cometbft/crypto/ed25519"
	cmtlog "github.com/cometbft/cometbft/libs/log"
	cmtnode "github.com/cometbft/cometbft/node"
	"github.com/cometbft/cometbft/p2p"
	"github.com/cometbft/cometbft/privval"
	"github.com/cometbft/cometbft/proxy"
	"github.com/cometbft/cometbft/types"

	"github.com/freeflowuniverse/planetary/chain"
)

// ConfigFile is the file, under <home>/config, holding what chaind needs beyond the CometBFT defaults.
const ConfigFile = "chaind.json"

// DevKeyFile is the file, under the home, holding the dev account's ed25519 seed in hex.
const DevKeyFile = "dev.key"

// Defaults of a node's addresses.
const (
	DefaultRPC = "127.0.0.1:26657"
	DefaultP2P = "127.0.0.1:26656"
)

// Config is a node's own settings; every field has a default, so an empty Config runs.
type Config struct {
	Moniker string `json:"moniker,omitempty"`
	// RPC is the host:port of the CometBFT RPC server (default 127.0.0.1:26657).
	RPC string `json:"rpc,omitempty"`
	// P2P is the host:port the node listens on for peers (default 127.0.0.1:26656).
	P2P string `json:"p2p,omitempty"`
	// Peers are persistent peers as id@host:port.
	Peers []string `json:"peers,omitempty"`
	// TimeoutCommitMS is the pause after a commit before the next height (default 150).
	TimeoutCommitMS int `json:"timeout_commit_ms,omitempty"`
	// TimeoutProposeMS is how long validators wait for a proposal before voting nil (default 1000).
	TimeoutProposeMS int `json:"timeout_propose_ms,omitempty"`
	// EmptyBlockMS, when set, is how long the proposer waits for txs before it makes an empty
	// block (CometBFT's create_empty_blocks_interval); a block follows at once when txs arrive,
	// and after every block that changed the state, so the new app hash is soon in a header.
	// Zero makes a block right after every timeout_commit.
	EmptyBlockMS int `json:"empty_block_ms,omitempty"`
	// SnapshotInterval takes a state-sync snapshot every that many blocks (default 0: none).
	SnapshotInterval int64 `json:"snapshot_interval,omitempty"`
	// SnapshotKeep is how many recent snapshots are served (default 4); a joining node needs
	// one to survive its discovery time (5 s).
	SnapshotKeep int `json:"snapshot_keep,omitempty"`
	// StateSync, when set, makes a fresh node restore a snapshot instead of replaying every block.
	StateSync *StateSync `json:"state_sync,omitempty"`
}

// StateSync says where a new node finds a trusted header to check a snapshot against.
type StateSync struct {
	RPCServers  []string `json:"rpc_servers"`
	TrustHeight int64    `json:"trust_height"`
	TrustHash   string   `json:"trust_hash"`
}

func (c Config) withDefaults() Config {
	if c.Moniker == "" {
		c.Moniker, _ = os.Hostname()
	}
	if c.RPC == "" {
		c.RPC = DefaultRPC
	}
	if c.P2P == "" {
		c.P2P = DefaultP2P
	}
	if c.TimeoutCommitMS == 0 {
		c.TimeoutCommitMS = 150
	}
	if c.SnapshotKeep == 0 {
		c.SnapshotKeep = 4
	}
	if c.TimeoutProposeMS == 0 {
		c.TimeoutProposeMS = 1000
	}
	return c
}

// DefaultHome is ~/.planetary/chain.
func DefaultHome() string {
	h, err := os.UserHomeDir()
	if err != nil {
		h = "."
	}
	return filepath.Join(h, ".planetary", "chain")
}

// LoadConfig reads <home>/config/chaind.json; a missing file is the default config.
func LoadConfig(home string) (Config, error) {
	var c Config
	b, err := os.ReadFile(filepath.Join(home, "config", ConfigFile))
	if errors.Is(err, os.ErrNotExist) {
		return c.withDefaults(), nil
	}
	if err != nil {
		return c, fmt.Errorf("read node config: %w", err)
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return c, fmt.Errorf("parse %s: %w", ConfigFile, err)
	}
	return c.withDefaults(), nil
}

// SaveConfig writes <home>/config/chaind.json.
func SaveConfig(home string, c Config) error {
	b, _ := json.MarshalIndent(c, "", "  ")
	if err := os.MkdirAll(filepath.Join(home, "config"), 0o755); err != nil {
		return fmt.Errorf("create config dir: %w", err)
	}
	if err := os.WriteFile(filepath.Join(home, "config", ConfigFile), append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write node config: %w", err)
	}
	return nil
}

// cometConfig is the CometBFT configuration of a home with c applied.
func cometConfig(home string, c Config) *cmtcfg.Config {
	cfg := cmtcfg.DefaultConfig()
	cfg.SetRoot(home)
	cfg.Moniker = c.Moniker
	cfg.RPC.ListenAddress = "tcp://" + c.RPC
	cfg.P2P.ListenAddress = "tcp://" + c.P2P
	cfg.P2P.PersistentPeers = strings.Join(c.Peers, ",")
	cfg.P2P.AddrBookStrict = false
	cfg.P2P.AllowDuplicateIP = true
	cfg.P2P.PexReactor = len(c.Peers) > 0
	cfg.Consensus.TimeoutCommit = time.Duration(c.TimeoutCommitMS) * time.Millisecond
	cfg.Consensus.TimeoutPropose = time.Duration(c.TimeoutProposeMS) * time.Millisecond
	cfg.Consensus.CreateEmptyBlocksInterval = time.Duration(c.EmptyBlockMS) * time.Millisecond
	cfg.Consensus.TimeoutProposeDelta = 100 * time.Millisecond
	cfg.Consensus.TimeoutPrevote = 300 * time.Millisecond
	cfg.Consensus.TimeoutPrecommit = 300 * time.Millisecond
	cfg.Consensus.PeerGossipSleepDuration = 20 * time.Millisecond
	cfg.Mempool.Size = 50_000
	cfg.Mempool.Recheck = false // the app's CheckTx admits in-order sequences without rechecks
	cfg.Mempool.MaxTxsBytes = 256 << 20
	cfg.RPC.MaxSubscriptionClients = 1000
	cfg.RPC.MaxSubscriptionsPerClient = 100
	cfg.RPC.TimeoutBroadcastTxCommit = 30 * time.Second
	if s := c.StateSync; s != nil {
		cfg.StateSync.Enable = true
		cfg.StateSync.RPCServers = s.RPCServers
		cfg.StateSync.TrustHeight = s.TrustHeight
		cfg.StateSync.TrustHash = s.TrustHash
		cfg.StateSync.DiscoveryTime = 5 * time.Second // CometBFT's minimum; anything shorter means 25 s
		cfg.StateSync.ChunkRequestTimeout = 5 * time.Second
	}
	return cfg
}

// Home is one node's files: its CometBFT keys and its Config.
type Home struct {
	Dir    string
	NodeID string
	PubKey []byte // the validator's ed25519 public key
}

// initHome writes the node key, the validator key and the config of one home; the genesis comes later.
func initHome(dir string, c Config) (Home, error) {
	for _, d := range []string{"config", "data"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o700); err != nil {
			return Home{}, fmt.Errorf("create %s: %w", d, err)
		}
	}
	cfg := cometConfig(dir, c.withDefaults())
	if _, err := os.Stat(cfg.GenesisFile()); err == nil {
		return Home{}, fmt.Errorf("%s already holds a chain (remove it to start over)", dir)
	}
	nk, err := p2p.LoadOrGenNodeKey(cfg.NodeKeyFile())
	if err != nil {
		return Home{}, fmt.Errorf("node key: %w", err)
	}
	pv, err := privval.LoadOrGenFilePV(cfg.PrivValidatorKeyFile(), cfg.PrivValidatorStateFile(), func() (cmtcrypto.PrivKey, error) {
		return cmted25519.GenPrivKey(), nil
	})
	if err != nil {
		return Home{}, fmt.Errorf("validator key: %w", err)
	}
	if err := SaveConfig(dir, c); err != nil {
		return Home{}, err
	}
	pub, _ := pv.GetPubKey()
	return Home{Dir: dir, NodeID: string(nk.ID()), PubKey: pub.Bytes()}, nil
}

// writeGenesis writes the same genesis to every home, with each home's validator at power 10.
func writeGenesis(homes []Home, chainID string, g chain.Genesis) error {
	state, err := json.Marshal(g)
	if err != nil {
		return err
	}
	doc := &types.GenesisDoc{GenesisTime: time.Now().UTC(), ChainID: chainID, InitialHeight: 1,
		ConsensusParams: types.DefaultConsensusParams(), AppState: state}
	for i, h := range homes {
		pk := cmted25519.PubKey(h.PubKey)
		doc.Validators = append(doc.Validators, types.GenesisValidator{Address: pk.Address(), PubKey: pk, Power: 10, Name: fmt.Sprintf("validator%d", i)})
	}
	if err := doc.ValidateAndComplete(); err != nil {
		return fmt.Errorf("genesis: %w", err)
	}
	for _, h := range homes {
		if err := doc.SaveAs(filepath.Join(h.Dir, "config", "genesis.json")); err != nil {
			return fmt.Errorf("write genesis in %s: %w", h.Dir, err)
		}
	}
	return nil
}

// DevFaucetMax is the most one faucet tx credits on a dev chain.
const DevFaucetMax = 1_000_000_000

// Block timing of a dev chain unless the Config passed to InitDev says otherwise: under load a
// block every ~50 ms plus its execution, so blocks stay small; idle, an empty block every ~200 ms.
const (
	DevTimeoutCommitMS = 50
	DevEmptyBlockMS    = 150
)

// Governance of a dev chain: one vote is a quorum, a vote lasts DevVotingPeriod blocks (a few
// seconds), the treasury holds DevTreasury and the dev account is also a KYC provider.
const (
	DevVotingPeriod = 20
	DevTreasury     = 1_000_000_000
)

// InitDev lays out a single-validator dev chain in home: faucet on, a funded dev account whose
// seed is written to <home>/dev.key, sub-second blocks, short votes. It returns the dev account key.
func InitDev(home string, c Config) (ed25519.PrivateKey, error) {
	if c.TimeoutCommitMS == 0 {
		c.TimeoutCommitMS = DevTimeoutCommitMS
	}
	if c.EmptyBlockMS == 0 {
		c.EmptyBlockMS = DevEmptyBlockMS
	}
	h, err := initHome(home, c)
	if err != nil {
		return nil, err
	}
	seed := make([]byte, ed25519.SeedSize)
	if _, err := rand.Read(seed); err != nil {
		return nil, err
	}
	key := ed25519.NewKeyFromSeed(seed)
	if err := os.WriteFile(filepath.Join(home, DevKeyFile), []byte(hex.EncodeToString(seed)+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("write dev key: %w", err)
	}
	dev := hex.EncodeToString(key.Public().(ed25519.PublicKey))
	pin := chain.PinParams{}.WithDefaults()
	g := chain.Genesis{FaucetMax: DevFaucetMax, Pin: &pin, Accounts: []chain.GenesisAccount{{Address: dev, Balance: 1_000_000_000_000}},
		Params:       map[string]uint64{chain.ParamQuorum: 1, chain.ParamPeriod: DevVotingPeriod},
		Treasury:     DevTreasury,
		KYCProviders: []chain.GenesisProvider{{Address: dev, Label: "dev"}}}
	if err := writeGenesis([]Home{h}, "planetary-dev", g); err != nil {
		return nil, err
	}
	return key, nil
}

// LoadDevKey reads the dev account key InitDev wrote.
func LoadDevKey(home string) (ed25519.PrivateKey, error) {
	b, err := os.ReadFile(filepath.Join(home, DevKeyFile))
	if err != nil {
		return nil, fmt.Errorf("read dev key: %w", err)
	}
	seed, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("dev key in %s: want %d hex bytes", home, ed25519.SeedSize)
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

// TestnetHome is one validator of a testnet: its home and its addresses.
type TestnetHome struct {
	Home
	RPC, P2P string
}

// InitTestnet lays out n validator homes under out (node0 … node<n-1>) sharing one genesis, each on
// its own loopback ports from ports (two per node: RPC, P2P), peered with all the others.
func InitTestnet(out string, n int, ports []int, g chain.Genesis, c Config) ([]TestnetHome, error) {
	if n < 1 || len(ports) < 2*n {
		return nil, fmt.Errorf("testnet of %d validators needs %d ports, got %d", n, 2*n, len(ports))
	}
	nodes := make([]TestnetHome, n)
	var homes []Home
	for i := range nodes {
		nc := c
		nc.Moniker = fmt.Sprintf("node%d", i)
		nc.RPC = fmt.Sprintf("127.0.0.1:%d", ports[2*i])
		nc.P2P = fmt.Sprintf("127.0.0.1:%d", ports[2*i+1])
		h, err := initHome(filepath.Join(out, nc.Moniker), nc)
		if err != nil {
			return nil, err
		}
		nodes[i] = TestnetHome{Home: h, RPC: nc.RPC, P2P: nc.P2P}
		homes = append(homes, h)
	}
	for i := range nodes {
		nc, err := LoadConfig(nodes[i].Dir)
		if err != nil {
			return nil, err
		}
		nc.Peers = nil
		for j, p := range nodes {
			if j != i {
				nc.Peers = append(nc.Peers, p.NodeID+"@"+p.P2P)
			}
		}
		if err := SaveConfig(nodes[i].Dir, nc); err != nil {
			return nil, err
		}
	}
	return nodes, writeGenesis(homes, "planetary-testnet", g)
}

// Node is a running in-process CometBFT node with the chain application.
type Node struct {
	*cmtnode.Node
	App *chain.App
	dbs []dbm.DB

	stopping *atomic.Bool
}

// Start opens the home's state and starts its node; Stop ends it.
func Start(ctx context.Context, home string, log *slog.Logger) (*Node, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c, err := LoadConfig(home)
	if err != nil {
		return nil, err
	}
	cfg := cometConfig(home, c)
	if _, err := os.Stat(cfg.GenesisFile()); err != nil {
		return nil, fmt.Errorf("no genesis in %s: run `chaind init --dev` or `chaind testnet` first", home)
	}
	app, err := chain.New(chain.Options{Dir: filepath.Join(home, "data", "app"), SnapshotInterval: c.SnapshotInterval,
		SnapshotKeep: c.SnapshotKeep, KeepVersions: 100_000, Log: log.With("module", "app")})
	if err != nil {
		return nil, err
	}
	nk, err := p2p.LoadNodeKey(cfg.NodeKeyFile())
	if err != nil {
		app.Close()
		return nil, fmt.Errorf("node key: %w", err)
	}
	pv := privval.LoadFilePV(cfg.PrivValidatorKeyFile(), cfg.PrivValidatorStateFile())
	stopping := new(atomic.Bool)
	// The node closes its block, state and evidence stores on stop but not the others it opens
	// (the tx index): keep those to close them, so the home can be started again in this process.
	var extra []dbm.DB
	dbs := func(dc *cmtcfg.DBContext) (dbm.DB, error) {
		db, err := cmtcfg.DefaultDBProvider(dc)
		if err != nil {
			return nil, err
		}
		sdb := &stopSafeDB{DB: db}
		if dc.ID != "blockstore" && dc.ID != "state" && dc.ID != "evidence" {
			extra = append(extra, sdb)
		}
		return sdb, nil
	}
	n, err := cmtnode.NewNode(ctx, cfg, pv, nk, proxy.NewConnSyncLocalClientCreator(app),
		cmtnode.DefaultGenesisDocProviderFunc(cfg), dbs,
		cmtnode.DefaultMetricsProvider(cfg.Instrumentation), slogger{log.With("module", "cometbft"), stopping})
	if err != nil {
		app.Close()
		return nil, fmt.Errorf("create node: %w", err)
	}
	if err := n.Start(); err != nil {
		app.Close()
		return nil, fmt.Errorf("start node: %w", err)
	}
	log.Info("chain node started", "home", home, "rpc", "http://"+c.RPC, "p2p", c.P2P, "node_id", nk.ID())
	return &Node{Node: n, App: app, dbs: extra, stopping: stopping}, nil
}

// Stop stops the node and closes the application state.
func (n *Node) Stop() error {
	n.stopping.Store(true)
	err := n.Node.Stop()
	n.Node.Wait()
	for _, db := range n.dbs {
		if cerr := db.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("close node database: %w", cerr)
		}
	}
	if cerr := n.App.Close(); err == nil {
		err = cerr
	}
	return err
}

// slogger hands CometBFT's logs to slog; CometBFT's info level is chatty, so it maps to debug,
// and once the node is stopping its errors about closed listeners are expected, so they do too.
type slogger struct {
	l        *slog.Logger
	stopping *atomic.Bool
}

func (s slogger) Debug(msg string, kv ...any) { s.l.Debug(msg, kv...) }
func (s slogger) Info(msg string, kv ...any)  { s.l.Debug(msg, kv...) }
func (s slogger) Error(msg string, kv ...any) {
	if s.stopping.Load() {
		s.l.Debug(msg, kv...)
		return
	}
	s.l.Error(msg, kv...)
}
func (s slogger) With(kv ...any) cmtlog.Logger {
	return slogger{s.l.With(kv...), s.stopping}
}

// InitJoiner lays out the home of a non-validator node joining an existing chain: it copies the
// genesis from genesisFile and peers with peers; set c.StateSync to skip replaying old blocks.
func InitJoiner(dir, genesisFile string, c Config) (Home, error) {
	h, err := initHome(dir, c)
	if err != nil {
		return Home{}, err
	}
	g, err := os.ReadFile(genesisFile)
	if err != nil {
		return Home{}, fmt.Errorf("read genesis: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config", "genesis.json"), g, 0o644); err != nil {
		return Home{}, fmt.Errorf("write genesis: %w", err)
	}
	return h, nil
}

// stopSafeDB is a database the node opens, made safe to read after it is closed. CometBFT's
// consensus reactor runs a goroutine per peer that sleeps between queries and is not waited for
// on Stop, so it can ask the block store for a commit after the node has closed it; pebble panics
// on a read of a closed database. Here such a late read finds nothing, which the reactor already
// handles, and Close waits for reads in progress.
type stopSafeDB struct {
	dbm.DB
	mu     sync.RWMutex
	closed bool
}

func (d *stopSafeDB) Get(key []byte) ([]byte, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.closed {
		return nil, nil
	}
	return d.DB.Get(key)
}

func (d *stopSafeDB) Has(key []byte) (bool, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.closed {
		return false, nil
	}
	return d.DB.Has(key)
}

func (d *stopSafeDB) Iterator(start, end []byte) (dbm.Iterator, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.closed {
		return dbm.NewMemDB().Iterator(start, end)
	}
	return d.DB.Iterator(start, end)
}

func (d *stopSafeDB) ReverseIterator(start, end []byte) (dbm.Iterator, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.closed {
		return dbm.NewMemDB().ReverseIterator(start, end)
	}
	return d.DB.ReverseIterator(start, end)
}

// errDBClosed refuses a write that comes after the node closed the database.
var errDBClosed = errors.New("node database closed")

// write runs f unless the database is closed. CometBFT's tx indexer goroutine is not waited
// for on Stop either: a block's index batch can arrive after the close, and pebble panics on it.
func (d *stopSafeDB) write(f func() error) error {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.closed {
		return errDBClosed
	}
	return f()
}

func (d *stopSafeDB) Set(k, v []byte) error { return d.write(func() error { return d.DB.Set(k, v) }) }
func (d *stopSafeDB) SetSync(k, v []byte) error {
	return d.write(func() error { return d.DB.SetSync(k, v) })
}
func (d *stopSafeDB) Delete(k []byte) error { return d.write(func() error { return d.DB.Delete(k) }) }
func (d *stopSafeDB) DeleteSync(k []byte) error {
	return d.write(func() error { return d.DB.DeleteSync(k) })
}

func (d *stopSafeDB) NewBatch() dbm.Batch { return &stopSafeBatch{Batch: d.DB.NewBatch(), db: d} }

// stopSafeBatch is a batch whose commit is refused, not a panic, once its database is closed.
type stopSafeBatch struct {
	dbm.Batch
	db *stopSafeDB
}

func (b *stopSafeBatch) Write() error     { return b.db.write(b.Batch.Write) }
func (b *stopSafeBatch) WriteSync() error { return b.db.write(b.Batch.WriteSync) }

func (d *stopSafeDB) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return nil
	}
	d.closed = true
	return d.DB.Close()
}
