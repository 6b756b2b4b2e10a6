// Package chain_test measures the Planetary chain on this machine: committed twin registrations
// per second and submit-to-commit latency with one and four in-process validators, and proven
// twin lookups, beside published reference figures. Run with `make bench`, or alone:
// PLANETARY_BENCH=1 go test -count=1 -v -timeout 30m -run TestBench ./bench/chain/
package chain_test

import (
	"context"
	"crypto/ed25519"
	"encoding/binary"
	"fmt"
	"log/slog"
	"net"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/freeflowuniverse/planetary/chain"
	"github.com/freeflowuniverse/planetary/chain/client"
	"github.com/freeflowuniverse/planetary/chain/node"
)

func requireBench(t *testing.T) {
	if os.Getenv("PLANETARY_BENCH") == "" {
		t.Skip("benchmark: run with PLANETARY_BENCH=1 (make bench)")
	}
}

func report(t *testing.T, format string, a ...any) {
	line := fmt.Sprintf(format, a...)
	t.Log(line)
	os.MkdirAll("../out", 0o755)
	if f, err := os.OpenFile("../out/chain.txt", os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644); err == nil {
		fmt.Fprintln(f, line)
		f.Close()
	}
}

func freePorts(t *testing.T, n int) []int {
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

var quiet = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError + 4}))

// startNet starts n in-process validators and returns node0's RPC address and the nodes.
func startNet(t *testing.T, n int) (string, []*node.Node) {
	dir := t.TempDir()
	var homes []node.TestnetHome
	var err error
	if n == 1 {
		p := freePorts(t, 2)
		h := node.TestnetHome{RPC: fmt.Sprintf("127.0.0.1:%d", p[0]), P2P: fmt.Sprintf("127.0.0.1:%d", p[1])}
		h.Dir = dir
		if _, err = node.InitDev(dir, node.Config{RPC: h.RPC, P2P: h.P2P}); err != nil {
			t.Fatal(err)
		}
		homes = []node.TestnetHome{h}
	} else if homes, err = node.InitTestnet(dir, n, freePorts(t, 2*n), chain.Genesis{}, node.Config{}); err != nil {
		t.Fatal(err)
	}
	var nodes []*node.Node
	for _, h := range homes {
		nd, err := node.Start(context.Background(), h.Dir, quiet)
		if err != nil {
			t.Fatal(err)
		}
		nodes = append(nodes, nd)
	}
	t.Cleanup(func() {
		for _, nd := range nodes {
			nd.Stop()
		}
	})
	return homes[0].RPC, nodes
}

func pct(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[min(len(s)-1, int(float64(len(s))*p))]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

// registrations pre-signs perAcct twin registrations for each of accts accounts, then has one
// goroutine per account broadcast its txs in order (each returns once CheckTx admitted it) and
// waits for all commits. rate 0 floods; otherwise txs are offered at rate per second in total.
// It reports committed tx/s and submit-to-commit latency.
func registrations(t *testing.T, c *client.Client, nd *node.Node, label string, accts, perAcct int, rate float64) []uint64 {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	txs := make([][][]byte, accts)
	for a := range accts {
		seed := make([]byte, 32)
		binary.BigEndian.PutUint64(seed, uint64(a)+uint64(time.Now().UnixNano()))
		key := ed25519.NewKeyFromSeed(seed)
		for s := range perAcct {
			var tk, pnic [32]byte
			binary.BigEndian.PutUint64(tk[:], uint64(a))
			binary.BigEndian.PutUint64(tk[8:], uint64(s))
			copy(tk[16:], seed[:16])
			pnic[0] = byte(a)
			tx := &chain.Tx{Seq: uint64(s), Msg: &chain.RegisterTwin{Key: tk, X25519: tk, PNIC: pnic,
				Loc: chain.Location{Country: "BE", City: "Ghent", Lat: 51.05, Lon: 3.72}}}
			tx.Sign(c.ChainID(), key)
			txs[a] = append(txs[a], tx.Encode())
		}
	}
	startHeight := nd.BlockStore().Height()
	var mu sync.Mutex
	var lat []time.Duration
	var ids []uint64
	var failed int
	var wg sync.WaitGroup
	begin := time.Now()
	for a := range accts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k, tx := range txs[a] {
				if rate > 0 {
					due := begin.Add(time.Duration(float64(k*accts+a) / rate * float64(time.Second)))
					time.Sleep(time.Until(due))
				}
				at := time.Now()
				p, err := c.Broadcast(ctx, tx)
				if err != nil {
					mu.Lock()
					failed++
					mu.Unlock()
					continue
				}
				// One waiter per tx, so each latency ends when the client sees that tx committed.
				wg.Add(1)
				go func() {
					defer wg.Done()
					r, err := p.Wait(ctx)
					d := time.Since(at)
					mu.Lock()
					defer mu.Unlock()
					if err != nil {
						failed++
						return
					}
					lat = append(lat, d)
					for _, ev := range r.Events {
						if ev.Type == "twin" {
							for _, at := range ev.Attributes {
								if at.Key == "id" {
									var id uint64
									fmt.Sscan(at.Value, &id)
									ids = append(ids, id)
								}
							}
						}
					}
				}()
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(begin)
	endHeight := nd.BlockStore().Height()
	first := nd.BlockStore().LoadBlockMeta(startHeight + 1)
	last := nd.BlockStore().LoadBlockMeta(endHeight)
	blocks := endHeight - startHeight
	interval := time.Duration(0)
	if blocks > 1 {
		interval = last.Header.Time.Sub(first.Header.Time) / time.Duration(blocks-1)
	}
	maxTxs := 0
	for h := startHeight + 1; h <= endHeight; h++ {
		maxTxs = max(maxTxs, nd.BlockStore().LoadBlockMeta(h).NumTxs)
	}
	offered := "flood"
	if rate > 0 {
		offered = fmt.Sprintf("offered %.0f/s", rate)
	}
	report(t, "%s, %s: %d twin registrations (%d accounts x %d), %d failed, %.0f committed tx/s over %.1f s; "+
		"submit-to-commit p50 %s p99 %s; %d blocks, mean interval %s, largest %d txs",
		label, offered, len(lat), accts, perAcct, failed, float64(len(lat))/elapsed.Seconds(), elapsed.Seconds(),
		ms(pct(lat, 0.5)), ms(pct(lat, 0.99)), blocks, ms(interval), maxTxs)
	if rate > 0 {
		return ids
	}
	report(t, "%s: reference: CometBFT QA ~400 tx/s on 200 nodes; tfchain 6 s blocks. Goal: >= 3,000 tx/s and blocks <= 200 ms (one validator)", label)
	return ids
}

func lookups(t *testing.T, c *client.Client, ids []uint64, n int) {
	ctx := context.Background()
	var fresh, cached []time.Duration
	for i := range n {
		id := ids[i%len(ids)]
		s := time.Now()
		if _, err := c.FindTwinByIDUncached(ctx, id); err != nil {
			t.Fatal(err)
		}
		fresh = append(fresh, time.Since(s))
	}
	for i := range n {
		c.FindTwinByID(ctx, ids[i%len(ids)]) // warm the cache
	}
	for i := range n {
		s := time.Now()
		if _, err := c.FindTwinByID(ctx, ids[i%len(ids)]); err != nil {
			t.Fatal(err)
		}
		cached = append(cached, time.Since(s))
	}
	report(t, "find-twin-by-id with ICS23 proof checked against a light-verified header: %d lookups p50 %s p99 %s; cached p50 %s p99 %s (goal: p99 < 10 ms, cached < 1 ms)",
		n, ms(pct(fresh, 0.5)), ms(pct(fresh, 0.99)), ms(pct(cached, 0.5)), ms(pct(cached, 0.99)))
}

func dial(t *testing.T, rpc string) *client.Client {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := client.Dial(ctx, rpc, client.Options{Poll: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestBenchChainOneValidator(t *testing.T) {
	requireBench(t)
	rpc, nodes := startNet(t, 1)
	c := dial(t, rpc)
	ids := registrations(t, c, nodes[0], "1 validator", 500, 40, 0)
	registrations(t, c, nodes[0], "1 validator", 100, 100, 1000)
	registrations(t, c, nodes[0], "1 validator", 300, 100, 3000)
	if len(ids) == 0 {
		t.Fatal("nothing committed")
	}
	lookups(t, c, ids, 2000)
}

func TestBenchChainFourValidators(t *testing.T) {
	requireBench(t)
	rpc, nodes := startNet(t, 4)
	c := dial(t, rpc)
	registrations(t, c, nodes[0], "4 validators", 250, 40, 0)
	registrations(t, c, nodes[0], "4 validators", 50, 100, 500)
}
