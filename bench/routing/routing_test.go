// Package routing measures the routing state of yggdrasil nodes: networks of 10, 100 and 500
// cores in one process, joined by loopback TCP links in a sparse mesh shaped like sites and ISPs.
package routing

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	mrand "math/rand/v2"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	iwt "github.com/Arceliar/ironwood/types"
	"github.com/yggdrasil-network/yggdrasil-go/src/core"

	"github.com/freeflowuniverse/planetary/internal/nodecert"
)

// siteSize is the number of nodes of one site (a site has two ISPs: nodes split between them).
const siteSize = 5

type quiet struct{}

func (quiet) Printf(string, ...interface{}) {}
func (quiet) Println(...interface{})        {}
func (quiet) Infof(string, ...interface{})  {}
func (quiet) Infoln(...interface{})         {}
func (quiet) Warnf(string, ...interface{})  {}
func (quiet) Warnln(...interface{})         {}
func (quiet) Errorf(string, ...interface{}) {}
func (quiet) Errorln(...interface{})        {}
func (quiet) Debugf(string, ...interface{}) {}
func (quiet) Debugln(...interface{})        {}
func (quiet) Traceln(...interface{})        {}

// node is one core with its only reader, which counts packets by sender.
type node struct {
	c    *core.Core
	key  ed25519.PublicKey
	addr string
	mu   sync.Mutex
	got  map[string]int
}

func (n *node) read() {
	buf := make([]byte, 65535)
	for {
		_, from, err := n.c.ReadFrom(buf)
		if err != nil {
			return
		}
		k := string(from.(iwt.Addr))
		n.mu.Lock()
		n.got[k]++
		n.mu.Unlock()
	}
}

func (n *node) heard(key ed25519.PublicKey) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.got[string(key)] > 0
}

// edges returns the links of a network of n nodes: sites of siteSize nodes in a ring inside the site
// (two ISPs: even and odd members), sites joined in a ring by one link each, plus one chord per
// fourth site, so most site pairs route over third sites.
func edges(n int, rng *mrand.Rand) [][2]int {
	var es [][2]int
	sites := (n + siteSize - 1) / siteSize
	member := func(s, i int) int { return min(s*siteSize+i%siteSize, n-1) }
	for s := 0; s < sites; s++ {
		size := min(siteSize, n-s*siteSize)
		for i := 0; i < size && size > 1; i++ {
			if size == 2 && i == 1 {
				break
			}
			es = append(es, [2]int{member(s, i), member(s, (i+1)%size)})
		}
	}
	if sites > 1 {
		for s := 0; s < sites; s++ {
			t := (s + 1) % sites
			if sites == 2 && s == 1 {
				break
			}
			es = append(es, [2]int{member(s, 0), member(t, 1)})
		}
		for s := 0; s < sites; s += 4 {
			t := rng.IntN(sites)
			if t != s {
				es = append(es, [2]int{member(s, 2), member(t, 3)})
			}
		}
	}
	return es
}

type figures struct {
	n                      int
	links                  int
	converge               time.Duration
	heapPerNode            float64
	goroutinesPerNode      float64
	peers, tree, blooms    avgMax
	paths, sessions        avgMax
	idleBytesPerNodeSec    float64
	activeHeapPerNode      float64
	reachSample, reachOK   int
	activeK, activeReachOK int
	activeFirstPacket      time.Duration
	idleSeconds            float64
}

type avgMax struct {
	avg float64
	max int
}

func (a avgMax) String() string { return fmt.Sprintf("%.1f (max %d)", a.avg, a.max) }

func stat(nodes []*node, f func(*node) int) avgMax {
	var s avgMax
	t := 0
	for _, n := range nodes {
		v := f(n)
		t += v
		s.max = max(s.max, v)
	}
	s.avg = float64(t) / float64(len(nodes))
	return s
}

func heap() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

func txBytes(nodes []*node) uint64 {
	var t uint64
	for _, n := range nodes {
		for _, p := range n.c.GetPeers() {
			t += p.TXBytes
		}
	}
	return t
}

// converged reports whether every node has all its links up and every node's root (found by
// following parent links from its own key in its own tree) is the same everywhere.
func converged(nodes []*node, degree []int) bool {
	var root string
	for i, n := range nodes {
		up := 0
		for _, p := range n.c.GetPeers() {
			if p.Up {
				up++
			}
		}
		if up < degree[i] {
			return false
		}
		r := rootOf(n)
		if r == "" || (root != "" && r != root) {
			return false
		}
		root = r
	}
	return true
}

// rootOf follows parent links from the node's own key through its own tree until an entry is its
// own parent, and returns that key ("" when the chain breaks or loops). Stale self-rooted entries
// that other parts of the table still hold do not count.
func rootOf(n *node) string {
	parent := map[string]string{}
	for _, e := range n.c.GetTree() {
		parent[string(e.Key)] = string(e.Parent)
	}
	k := string(n.key)
	for i := 0; i <= len(parent); i++ {
		p, ok := parent[k]
		if !ok {
			return ""
		}
		if p == k {
			return k
		}
		k = p
	}
	return ""
}

// reach sends from each pair's first node to its second, once a second, until every target heard
// its sender or the deadline passes, and returns how many pairs got through.
func reach(nodes []*node, pairs [][2]int, deadline time.Duration) int {
	end := time.Now().Add(deadline)
	msg := []byte("ping")
	for {
		ok := 0
		for _, p := range pairs {
			from, to := nodes[p[0]], nodes[p[1]]
			if to.heard(from.key) {
				ok++
				continue
			}
			_, _ = from.c.WriteTo(msg, iwt.Addr(to.key))
		}
		if ok == len(pairs) || time.Now().After(end) {
			return ok
		}
		time.Sleep(time.Second)
	}
}

func measure(t *testing.T, n, k int, idle time.Duration) figures {
	f := figures{n: n, activeK: k, idleSeconds: idle.Seconds()}
	rng := mrand.New(mrand.NewPCG(uint64(n), 10))
	es := edges(n, rng)
	f.links = len(es)
	g0, h0 := runtime.NumGoroutine(), heap()

	nodes := make([]*node, n)
	for i := range nodes {
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		cert, err := nodecert.Certificate(priv)
		if err != nil {
			t.Fatal(err)
		}
		c, err := core.New(&cert, quiet{})
		if err != nil {
			t.Fatalf("core %d: %v", i, err)
		}
		l, err := c.Listen(&url.URL{Scheme: "tcp", Host: "127.0.0.1:0"}, "")
		if err != nil {
			t.Fatalf("listen %d: %v", i, err)
		}
		nd := &node{c: c, key: c.PublicKey(), addr: l.Addr().String(), got: map[string]int{}}
		nodes[i] = nd
		go nd.read()
	}
	defer func() {
		for _, nd := range nodes {
			nd.c.Stop()
		}
	}()

	start := time.Now()
	degree := make([]int, n)
	for _, e := range es {
		a, b := nodes[e[0]], nodes[e[1]]
		u, err := url.Parse(fmt.Sprintf("tcp://%s?key=%s&maxbackoff=5s", b.addr, hex.EncodeToString(b.key)))
		if err != nil {
			t.Fatal(err)
		}
		if err := a.c.AddPeer(u, ""); err != nil {
			t.Fatalf("peer %d-%d: %v", e[0], e[1], err)
		}
		degree[e[0]]++
		degree[e[1]]++
	}
	for !converged(nodes, degree) {
		if time.Since(start) > time.Duration(n/10+1)*15*time.Second {
			t.Fatalf("%d nodes: no single root after %v", n, time.Since(start))
		}
		time.Sleep(100 * time.Millisecond)
	}
	// The tree is settled when a sample of pairs can reach each other.
	var sample [][2]int
	for i := 0; i < 20; i++ {
		a, b := rng.IntN(n), rng.IntN(n)
		if a != b {
			sample = append(sample, [2]int{a, b})
		}
	}
	f.reachSample = len(sample)
	f.reachOK = reach(nodes, sample, 2*time.Minute)
	f.converge = time.Since(start)
	if f.reachOK < f.reachSample {
		t.Errorf("%d nodes: %d of %d sampled pairs reached each other", n, f.reachOK, f.reachSample)
	}

	// Idle: no traffic of ours; only the protocol's own.
	time.Sleep(2 * time.Second)
	b0 := txBytes(nodes)
	t0 := time.Now()
	time.Sleep(idle)
	f.idleBytesPerNodeSec = float64(txBytes(nodes)-b0) / float64(n) / time.Since(t0).Seconds()

	f.heapPerNode = float64(int64(heap())-int64(h0)) / float64(n)
	f.goroutinesPerNode = float64(runtime.NumGoroutine()-g0) / float64(n)
	f.peers = stat(nodes, func(nd *node) int { return len(nd.c.GetPeers()) })
	f.tree = stat(nodes, func(nd *node) int { return len(nd.c.GetTree()) })
	f.blooms = stat(nodes, func(nd *node) int { return len(nd.c.PacketConn.PacketConn.Debug.GetBlooms()) })

	// Active destinations: every node talks to k random others.
	var active [][2]int
	for i := range nodes {
		for j := 0; j < k; j++ {
			d := rng.IntN(n - 1)
			if d >= i {
				d++
			}
			active = append(active, [2]int{i, d})
		}
	}
	a0 := time.Now()
	f.activeReachOK = reach(nodes, active, 3*time.Minute)
	f.activeFirstPacket = time.Since(a0)
	f.paths = stat(nodes, func(nd *node) int { return len(nd.c.GetPaths()) })
	f.sessions = stat(nodes, func(nd *node) int { return len(nd.c.GetSessions()) })
	f.activeHeapPerNode = float64(int64(heap())-int64(h0)) / float64(n)
	return f
}

// TestBenchRouting builds networks of ROUTING_SIZES nodes (default 10,100,500) and prints the
// routing state per node at idle and after every node has talked to ROUTING_K (default 5) others.
// Known gap: the convergence check (one self-parented tree entry, the same on every node) does not
// yet pass reliably: it passed once at 10 nodes (65 s) and timed out at 10 and 100 nodes in other runs.
func TestBenchRouting(t *testing.T) {
	if os.Getenv("PLANETARY_BENCH") == "" {
		t.Skip("benchmark: run with PLANETARY_BENCH=1 (make bench)")
	}
	sizes := []int{10, 100, 500}
	if s := os.Getenv("ROUTING_SIZES"); s != "" {
		sizes = nil
		for _, f := range strings.Split(s, ",") {
			v, err := strconv.Atoi(f)
			if err != nil || v < 2 {
				t.Fatalf("ROUTING_SIZES: bad size %q", f)
			}
			sizes = append(sizes, v)
		}
	}
	k := 5
	if s := os.Getenv("ROUTING_K"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 1 {
			t.Fatalf("ROUTING_K: bad value %q", s)
		}
		k = v
	}
	var rows []figures
	for _, n := range sizes {
		f := measure(t, n, k, 10*time.Second)
		rows = append(rows, f)
		t.Logf("n=%d done in %v", n, f.converge)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "| nodes | links | converged (single root + 20 pairs reached) | heap/node | goroutines/node | peers/node | tree entries/node | bloom filters/node | idle TX bytes/node/s | k | pairs reached | paths/node | sessions/node | heap/node after |\n")
	fmt.Fprintf(&b, "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n")
	for _, f := range rows {
		fmt.Fprintf(&b, "| %d | %d | %.1f s | %.1f KiB | %.1f | %v | %v | %v | %.0f | %d | %d/%d in %.0f s | %v | %v | %.1f KiB |\n",
			f.n, f.links, f.converge.Seconds(), f.heapPerNode/1024, f.goroutinesPerNode, f.peers, f.tree, f.blooms,
			f.idleBytesPerNodeSec, f.activeK, f.activeReachOK, f.n*f.activeK, f.activeFirstPacket.Seconds(), f.paths, f.sessions, f.activeHeapPerNode/1024)
	}
	t.Log("\n" + b.String())
}
