package node

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"log/slog"
	"os"
	"strconv"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	ics23 "github.com/cosmos/ics23/go"

	"github.com/freeflowuniverse/planetary/chain"
	"github.com/freeflowuniverse/planetary/chain/client"
	"github.com/freeflowuniverse/planetary/internal/testnet"
)

// TestFourValidatorsVote: four validators run a vote while one of them is stopped and started
// again; the restarted one takes the last vote, the proposal passes and its change is executed by
// every node at the end of the period, and every node's own state has, at every height, the app
// hash the chain's headers agreed on.
func TestFourValidatorsVote(t *testing.T) {
	if testing.Short() {
		t.Skip("four in-process validators")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	level := slog.LevelError + 4 // CometBFT logs peer errors while a validator is down on purpose
	if testing.Verbose() {
		level = slog.LevelInfo
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	keys := make([]ed25519.PrivateKey, 4)
	g := chain.Genesis{Treasury: 1000, Params: map[string]uint64{chain.ParamQuorum: 3, chain.ParamPeriod: 60}}
	for i := range keys {
		seed := make([]byte, 32)
		seed[0] = byte(100 + i)
		keys[i] = ed25519.NewKeyFromSeed(seed)
		g.Accounts = append(g.Accounts, chain.GenesisAccount{Address: hex.EncodeToString(keys[i].Public().(ed25519.PublicKey)), Balance: 100})
	}
	homes, err := InitTestnet(t.TempDir(), 4, testnet.FreePorts(t, 8), g, Config{TimeoutProposeMS: 500})
	if err != nil {
		t.Fatal(err)
	}
	nodes := make([]*Node, 4)
	start := func(i int) {
		n, err := Start(ctx, homes[i].Dir, log.With("node", i))
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
	for i := range homes {
		start(i)
	}
	waitCommits(ctx, t, nodes[0], 2)
	c0, err := client.Dial(ctx, "http://"+homes[0].RPC, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c0.Close()
	signers := make([]*client.Signer, 4)
	twins := make([]uint64, 4)
	for i, k := range keys {
		signers[i] = client.NewSigner(k)
		res, err := c0.Submit(ctx, signers[i], &chain.RegisterTwin{Key: [32]byte{byte(200 + i)}})
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range res.Events {
			for _, a := range ev.Attributes {
				if ev.Type == "twin" && a.Key == "id" {
					twins[i], _ = strconv.ParseUint(a.Value, 10, 64)
				}
			}
		}
	}
	submit := func(c *client.Client, i int, m chain.Msg) client.Result {
		t.Helper()
		res, err := c.Submit(ctx, signers[i], m)
		if err != nil {
			t.Fatalf("%T by account %d: %v", m, i, err)
		}
		return res
	}
	res := submit(c0, 0, &chain.Propose{Twin: twins[0], Title: "raise the storage price",
		Change: chain.Change{Action: chain.ActionSetParam, Param: "pin.price.storage", Value: 5}})
	pass, _ := client.ProposalID(res)
	res = submit(c0, 1, &chain.Propose{Twin: twins[1], Title: "pay account 3",
		Change: chain.Change{Action: chain.ActionSpend, Account: signers[3].Account(), Value: 100}})
	fail, _ := client.ProposalID(res)
	submit(c0, 0, &chain.Vote{Proposal: pass, Twin: twins[0], Choice: chain.VoteYes})
	submit(c0, 1, &chain.Vote{Proposal: pass, Twin: twins[1], Choice: chain.VoteYes})
	submit(c0, 0, &chain.Vote{Proposal: fail, Twin: twins[0], Choice: chain.VoteYes})

	stop(3)
	submit(c0, 2, &chain.Vote{Proposal: pass, Twin: twins[2], Choice: chain.VoteNo})
	start(3)
	waitCommits(ctx, t, nodes[3], nodes[0].BlockStore().Height()+1)
	// Its RPC refuses txs while it is still block-syncing: wait, block by block, until it has
	// switched to consensus (bounded by the test's context).
	for i := 0; nodes[3].ConsensusReactor().WaitSync() && i < 200; i++ {
		waitCommits(ctx, t, nodes[3], nodes[3].BlockStore().Height()+1)
	}
	c3, err := client.Dial(ctx, "http://"+homes[3].RPC, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c3.Close()
	// The restarted validator takes the last vote, inside the period (a late one is refused).
	submit(c3, 3, &chain.Vote{Proposal: pass, Twin: twins[3], Choice: chain.VoteYes})

	p, err := c3.WaitDecided(ctx, pass)
	if err != nil || p.Status != chain.ProposalExecuted || p.Yes != 3 || p.No != 1 {
		t.Fatalf("proposal %d: %+v %v", pass, p, err)
	}
	if v, found, err := c3.Param(ctx, "pin.price.storage"); err != nil || !found || v != 5 {
		t.Fatalf("pin.price.storage = %d (%v) %v, want 5", v, found, err)
	}
	q, err := c0.WaitDecided(ctx, fail)
	if err != nil || q.Status != chain.ProposalRejected {
		t.Fatalf("proposal %d: %+v %v", fail, q, err)
	}
	if a, err := c0.Balance(ctx, chain.TreasuryAccount); err != nil || a.Balance != 1000 {
		t.Fatalf("treasury %+v %v, want 1000 untouched", a, err)
	}

	// Every node's own state at every height has the root that header h+1 carries.
	top := max(p.End, q.End) + 1
	for _, n := range nodes {
		waitCommits(ctx, t, n, top+1)
	}
	for h := int64(1); h <= top; h++ {
		want := nodes[0].BlockStore().LoadBlockMeta(h + 1).Header.AppHash
		var record []byte
		for i, n := range nodes {
			r, err := n.App.Query(ctx, &abci.QueryRequest{Path: "param/" + chain.ParamQuorum, Height: h, Prove: true})
			if err != nil || r.Code != 0 || r.ProofOps == nil {
				t.Fatalf("node%d at %d: %v %+v", i, h, err, r)
			}
			var proof ics23.CommitmentProof
			if err := proof.Unmarshal(r.ProofOps.Ops[0].Data); err != nil {
				t.Fatal(err)
			}
			root, err := proof.GetExist().Calculate()
			if err != nil || !bytes.Equal(root, want) {
				t.Fatalf("node%d: state at height %d has root %X, the chain agreed on %X (%v)", i, h, root, want, err)
			}
			if h == p.End {
				r, _ := n.App.Query(ctx, &abci.QueryRequest{Path: "proposal/" + strconv.FormatUint(pass, 10), Height: h})
				if i == 0 {
					record = r.Value
				} else if !bytes.Equal(r.Value, record) {
					t.Fatalf("node%d holds another record of proposal %d", i, pass)
				}
			}
		}
	}
}
