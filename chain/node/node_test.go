package node

import (
	"context"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cometbft/cometbft/types"

	"github.com/freeflowuniverse/planetary/chain"
	"github.com/freeflowuniverse/planetary/internal/testnet"
)

// waitCommits waits, by new-block events on n, until n has committed height h. The event bus
// cancels a subscriber that falls behind (its buffer is full) or when the node stops; then it
// subscribes again, since the height check, not the events, decides.
func waitCommits(ctx context.Context, t *testing.T, n *Node, h int64) {
	t.Helper()
	for i := 0; n.BlockStore().Height() < h; i++ {
		if ctx.Err() != nil || !n.IsRunning() {
			t.Fatalf("height %d not reached (at %d, running %v): %v", h, n.BlockStore().Height(), n.IsRunning(), ctx.Err())
		}
		name := fmt.Sprintf("wait-%d-%d", h, i)
		sub, err := n.EventBus().Subscribe(ctx, name, types.EventQueryNewBlock, 16)
		if err != nil {
			t.Fatal(err)
		}
		for n.BlockStore().Height() < h {
			select {
			case <-sub.Out():
				continue
			case <-sub.Canceled():
				t.Logf("wait for height %d: subscription canceled (%v); subscribing again", h, sub.Err())
			case <-ctx.Done():
			}
			break
		}
		n.EventBus().Unsubscribe(context.Background(), name, types.EventQueryNewBlock)
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
	homes, err := InitTestnet(out, 4, testnet.FreePorts(t, 8), chain.Genesis{}, Config{SnapshotInterval: 10, TimeoutProposeMS: 500})
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
	// The highest height either live validator has: one of them may lag the other by a block,
	// and at most one more block, already precommitted by node2 before it stopped, can commit.
	top := func() int64 { return max(nodes[0].BlockStore().Height(), nodes[1].BlockStore().Height()) }
	stuck := top()
	select {
	case <-time.After(3 * time.Second):
	case <-ctx.Done():
	}
	if h := top(); h > stuck+1 {
		t.Fatalf("committed %d blocks with two of four validators down", h-stuck)
	}
	stuck = top()

	start(2, homes[2].Dir)
	start(3, homes[3].Dir)
	waitCommits(ctx, t, n0, stuck+3)

	// A fifth node joins from a snapshot, trusting a recent header of node0.
	trust := n0.BlockStore().Height()
	meta := n0.BlockStore().LoadBlockMeta(trust)
	var peers []string
	for _, h := range homes {
		peers = append(peers, h.NodeID+"@"+h.P2P)
	}
	waitCommits(ctx, t, n0, (trust/10+1)*10+1) // a snapshot newer than the trusted header exists
	// Ports taken just before the node binds them, so that no peer's outgoing connection grabs them meanwhile.
	p := testnet.FreePorts(t, 2)
	dir := filepath.Join(out, "node4")
	if _, err := InitJoiner(dir, filepath.Join(homes[0].Dir, "config", "genesis.json"), Config{
		RPC: fmt.Sprintf("127.0.0.1:%d", p[0]), P2P: fmt.Sprintf("127.0.0.1:%d", p[1]), Peers: peers,
		StateSync: &StateSync{RPCServers: []string{"http://" + homes[0].RPC, "http://" + homes[1].RPC},
			TrustHeight: trust, TrustHash: hex.EncodeToString(meta.BlockID.Hash)},
	}); err != nil {
		t.Fatal(err)
	}
	start(4, dir)
	waitCommits(ctx, t, nodes[4], n0.BlockStore().Height()+1)
	if base := nodes[4].BlockStore().Base(); base <= 1 {
		t.Fatalf("node4 holds blocks from %d: it replayed instead of state syncing", base)
	}
	// Each block node4 executes after the snapshot is checked against the validators' app hash,
	// so committing past the snapshot proves the restored state is the chain's.
}
