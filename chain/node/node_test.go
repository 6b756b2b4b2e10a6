package node

import (
	"context"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cometbft/cometbft/types"

	"github.com/freeflowuniverse/planetary/chain"
)

func freePorts(t *testing.T, n int) []int {
	t.Helper()
	var ports []int
	var ls []net.Listener
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	for _, l := range ls {
		l.Close()
	}
	return ports
}

// waitCommits waits, by new-block events on n, until n has committed height h.
func waitCommits(ctx context.Context, t *testing.T, n *Node, h int64) {
	t.Helper()
	sub, err := n.EventBus().Subscribe(ctx, fmt.Sprintf("wait-%d", h), types.EventQueryNewBlock, 16)
	if err != nil {
		t.Fatal(err)
	}
	defer n.EventBus().Unsubscribe(context.Background(), fmt.Sprintf("wait-%d", h), types.EventQueryNewBlock)
	for n.BlockStore().Height() < h {
		select {
		case <-sub.Out():
		case <-ctx.Done():
			t.Fatalf("height %d not reached (at %d): %v", h, n.BlockStore().Height(), ctx.Err())
		}
	}
}

// TestFourValidators: blocks keep coming with one validator down, stop with two down, resume when
// they return, and a fifth node joins by state sync.
func TestFourValidators(t *testing.T) {
	if testing.Short() {
		t.Skip("four in-process validators")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	out := t.TempDir()
	level := slog.LevelError + 4 // CometBFT logs peer errors while validators are down on purpose
	if testing.Verbose() {
		level = slog.LevelInfo
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	homes, err := InitTestnet(out, 4, freePorts(t, 8), chain.Genesis{}, Config{SnapshotInterval: 10, TimeoutProposeMS: 500})
	if err != nil {
		t.Fatal(err)
	}
	nodes := make([]*Node, 5)
	start := func(i int, dir string) {
		n, err := Start(ctx, dir, log.With("node", i))
		if err != nil {
			t.Fatalf("start node%d: %v", i, err)
		}
		nodes[i] = n
	}
	stop := func(i int) {
		if err := nodes[i].Stop(); err != nil {
			t.Errorf("stop node%d: %v", i, err)
		}
		nodes[i] = nil
	}
	defer func() {
		for i, n := range nodes {
			if n != nil {
				stop(i)
			}
		}
	}()
	for i, h := range homes {
		start(i, h.Dir)
	}
	n0 := nodes[0]
	waitCommits(ctx, t, n0, 3)

	stop(3)
	waitCommits(ctx, t, n0, n0.BlockStore().Height()+3)

	// With two of four down no block can gather 2/3 of the votes. Absence of progress has no
	// event to await, so this is the one bounded observation window: many block times long.
	stop(2)
	stuck := n0.BlockStore().Height()
	select {
	case <-time.After(3 * time.Second):
	case <-ctx.Done():
	}
	if h := n0.BlockStore().Height(); h > stuck+1 {
		t.Fatalf("committed %d blocks with two of four validators down", h-stuck)
	}
	stuck = n0.BlockStore().Height()

	start(2, homes[2].Dir)
	start(3, homes[3].Dir)
	waitCommits(ctx, t, n0, stuck+3)

	// A fifth node joins from a snapshot, trusting a recent header of node0.
	trust := n0.BlockStore().Height()
	meta := n0.BlockStore().LoadBlockMeta(trust)
	p := freePorts(t, 2)
	var peers []string
	for _, h := range homes {
		peers = append(peers, h.NodeID+"@"+h.P2P)
	}
	dir := filepath.Join(out, "node4")
	if _, err := InitJoiner(dir, filepath.Join(homes[0].Dir, "config", "genesis.json"), Config{
		RPC: fmt.Sprintf("127.0.0.1:%d", p[0]), P2P: fmt.Sprintf("127.0.0.1:%d", p[1]), Peers: peers,
		StateSync: &StateSync{RPCServers: []string{"http://" + homes[0].RPC, "http://" + homes[1].RPC},
			TrustHeight: trust, TrustHash: hex.EncodeToString(meta.BlockID.Hash)},
	}); err != nil {
		t.Fatal(err)
	}
	waitCommits(ctx, t, n0, (trust/10+1)*10+1) // a snapshot newer than the trusted header exists
	start(4, dir)
	waitCommits(ctx, t, nodes[4], n0.BlockStore().Height()+1)
	if base := nodes[4].BlockStore().Base(); base <= 1 {
		t.Fatalf("node4 holds blocks from %d: it replayed instead of state syncing", base)
	}
	// Each block node4 executes after the snapshot is checked against the validators' app hash,
	// so committing past the snapshot proves the restored state is the chain's.
}
