// Command rmb-bench measures twin-to-twin messaging through two PNIC buses over loopback UDP (sealed,
// persisted, acknowledged, delivered through the Unix socket and the Go client) next to NATS
// JetStream embedded in the same process (file storage, acknowledged publish, acknowledged consume).
package main

import (
	"context"
	"crypto/ed25519"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/freeflowuniverse/planetary/pnic"
	"github.com/freeflowuniverse/planetary/rmb/bus"
	"github.com/freeflowuniverse/planetary/rmb/client"
	"github.com/freeflowuniverse/planetary/rmb/resolve"
	"github.com/freeflowuniverse/planetary/rmb/seal"
	"github.com/freeflowuniverse/planetary/rmb/service"
	"github.com/freeflowuniverse/planetary/rmb/socket"
)

// system is one messaging system under test: send publishes a body, received bodies go to onRecv.
type system interface {
	send(ctx context.Context, body []byte) error
	close()
}

type result struct {
	n        int
	elapsed  time.Duration
	lat      []time.Duration
	rateGoal float64
	cpu      time.Duration // CPU time of the whole process (both ends) during the run
	allocs   uint64        // heap allocations of the whole process during the run
}

// mallocs returns the heap allocations this process has made so far.
func mallocs() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.Mallocs
}

// cpuTime returns the CPU time this process has used so far, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// quantile returns the q-quantile of the sorted latencies.
func (r result) quantile(q float64) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	return r.lat[min(len(r.lat)-1, int(q*float64(len(r.lat))))].Round(10 * time.Microsecond)
}

func (r result) String() string {
	slices.Sort(r.lat)
	p := r.quantile
	return fmt.Sprintf("%8.0f msg/s  p50 %-9v p99 %-9v cpu %5.0f µs/msg  %4.0f allocs/msg (n=%d)", float64(r.n)/r.elapsed.Seconds(), p(0.5), p(0.99),
		float64(r.cpu.Microseconds())/float64(max(r.n, 1)), float64(r.allocs)/float64(max(r.n, 1)), r.n)
}

// recorder collects one-way latencies from the send timestamp in the first 8 bytes of each body.
type recorder struct {
	mu   sync.Mutex
	lat  []time.Duration
	got  atomic.Int64
	want int64
	done chan struct{}
}

func (r *recorder) reset(want int) {
	r.mu.Lock()
	r.lat = r.lat[:0]
	r.mu.Unlock()
	r.got.Store(0)
	r.want = int64(want)
	r.done = make(chan struct{})
}

func (r *recorder) record(body []byte) {
	if len(body) < 8 {
		return
	}
	d := time.Duration(time.Now().UnixNano() - int64(binary.BigEndian.Uint64(body)))
	r.mu.Lock()
	r.lat = append(r.lat, d)
	r.mu.Unlock()
	if r.got.Add(1) == r.want {
		close(r.done)
	}
}

func body(size int) []byte {
	b := make([]byte, size)
	binary.BigEndian.PutUint64(b, uint64(time.Now().UnixNano()))
	return b
}

// flood sends n bodies from `workers` goroutines as fast as acknowledgements allow.
func flood(ctx context.Context, s system, rec *recorder, n, size, workers int) (result, error) {
	rec.reset(n)
	start, cpu0, m0 := time.Now(), cpuTime(), mallocs()
	var next atomic.Int64
	errc := make(chan error, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(n) {
				if err := s.send(ctx, body(size)); err != nil {
					errc <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	select {
	case err := <-errc:
		return result{}, err
	default:
	}
	select {
	case <-rec.done:
	case <-ctx.Done():
		return result{}, fmt.Errorf("received %d of %d: %w", rec.got.Load(), n, ctx.Err())
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return result{n: n, elapsed: time.Since(start), lat: slices.Clone(rec.lat), cpu: cpuTime() - cpu0, allocs: mallocs() - m0}, nil
}

// paced sends at a fixed rate for dur and reports the latency.
func paced(ctx context.Context, s system, rec *recorder, rate float64, dur time.Duration, size int) (result, error) {
	n := int(rate * dur.Seconds())
	rec.reset(n)
	start, cpu0, m0 := time.Now(), cpuTime(), mallocs()
	interval := time.Duration(float64(time.Second) / rate)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 512)
	var failed atomic.Value
	for i := range n {
		if d := time.Until(start.Add(time.Duration(i) * interval)); d > 0 {
			time.Sleep(d)
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if err := s.send(ctx, body(size)); err != nil {
				failed.Store(err)
			}
		}()
	}
	wg.Wait()
	if err, _ := failed.Load().(error); err != nil {
		return result{}, err
	}
	select {
	case <-rec.done:
	case <-ctx.Done():
		return result{}, fmt.Errorf("received %d of %d: %w", rec.got.Load(), n, ctx.Err())
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return result{n: n, elapsed: time.Since(start), lat: slices.Clone(rec.lat), cpu: cpuTime() - cpu0, allocs: mallocs() - m0}, nil
}

// --- RMB: two buses, twin 1 on the first, twin 2 on the second, each through its socket.

type rmbSystem struct {
	a       *client.Client
	buses   []*bus.Bus
	closers []func()

	mu      sync.Mutex
	sendLat []time.Duration // how long Send took: until the envelope was durable in the outbox
}

// sendStats returns the p50 and p99 of Send since the last call, and forgets them.
func (s *rmbSystem) sendStats() string {
	s.mu.Lock()
	lat := s.sendLat
	s.sendLat = nil
	s.mu.Unlock()
	r := result{lat: lat}
	slices.Sort(lat)
	if len(lat) == 0 {
		return ""
	}
	return fmt.Sprintf("Send (durable in the outbox) p50 %v p99 %v", r.quantile(0.5), r.quantile(0.99))
}

// storeStats describes the group commits of both buses: writes per batch and per fsync.
func (s *rmbSystem) storeStats() string {
	var out []string
	for i, b := range s.buses {
		st := b.StoreStats()
		req, env := b.Batches()
		out = append(out, fmt.Sprintf("pnic%d %d writes in %d batches, %d synced, %d window syncs; %d delivery batches of %d envelopes",
			i, st.Writes, st.Commits, st.Syncs, st.WindowSyncs, req, env))
	}
	return strings.Join(out, "; ")
}

// relaxedWindow is the sync window of the relaxed runs: acknowledged writes reach the disk within it.
const relaxedWindow = 100 * time.Millisecond

func newRMB(dir string, rec *recorder, window time.Duration) (*rmbSystem, error) {
	res := resolve.NewStatic()
	addrs := sync.Map{}
	locate := func(k ed25519.PublicKey) (net.Addr, error) {
		if a, ok := addrs.Load(string(k)); ok {
			return a.(net.Addr), nil
		}
		return nil, errors.New("unknown PNIC")
	}
	s := &rmbSystem{}
	var clients [2]*client.Client
	for i := range 2 {
		_, key, _ := ed25519.GenerateKey(nil)
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		addrs.Store(string(key.Public().(ed25519.PublicKey)), pc.LocalAddr())
		b, err := bus.New(bus.Config{Conn: pc, Locate: locate, Key: key, Resolver: res, DataDir: filepath.Join(dir, fmt.Sprint("pnic", i)),
			Limits: bus.Limits{SyncWindow: window}})
		if err != nil {
			return nil, err
		}
		path := filepath.Join(dir, fmt.Sprintf("p%d.sock", i))
		srv, err := socket.Listen(socket.Config{Path: path, Bus: b})
		if err != nil {
			return nil, err
		}
		s.closers = append(s.closers, func() { srv.Close(); b.Close(); pc.Close() })
		s.buses = append(s.buses, b)
		k, _ := seal.GenerateTwinKeys(uint64(i + 1))
		res.Put(resolve.TwinInfo{ID: k.ID, SigningKey: k.SigningPublic(), EncryptionKey: k.EncryptionPublic(), PNIC: key.Public().(ed25519.PublicKey)})
		c, err := client.Dial(context.Background(), client.Config{Path: path, Keys: k})
		if err != nil {
			return nil, err
		}
		clients[i] = c
		s.closers = append([]func(){func() { c.Close() }}, s.closers...)
	}
	s.a = clients[0]
	go func() {
		for m := range clients[1].Messages() {
			rec.record(m.Body)
			m.Ack()
		}
	}()
	return s, nil
}

// newRMBPNIC is the same pair of twins, but each bus runs inside a real PNIC node (userspace
// netstack, one QUIC link over loopback), so RMB's QUIC rides on the overlay as in pnicd.
func newRMBPNIC(dir string, rec *recorder) (*rmbSystem, error) {
	res := resolve.NewStatic()
	s := &rmbSystem{}
	var nodes [2]*pnic.Node
	var clients [2]*client.Client
	for i := range 2 {
		cfg := pnic.Config{DataDir: filepath.Join(dir, fmt.Sprint("node", i)), Listen: []string{"quic://127.0.0.1:0"},
			TUN: "userspace", HTTP: "off", Socket: "off"}
		if i == 1 {
			cfg.Peers = []string{"quic://" + nodes[0].LinkAddrs()[0].String()}
		}
		n, err := pnic.New(cfg.WithDefaults(), nil)
		if err != nil {
			return nil, err
		}
		nodes[i] = n
		path := filepath.Join(dir, fmt.Sprintf("n%d.sock", i))
		svc, err := service.Start(n, service.Config{Socket: path, DataDir: cfg.DataDir, Resolver: res}, nil)
		if err != nil {
			return nil, err
		}
		s.closers = append(s.closers, func() { svc.Close(); n.Close() })
		s.buses = append(s.buses, svc.Bus())
		k, _ := seal.GenerateTwinKeys(uint64(i + 1))
		res.Put(resolve.TwinInfo{ID: k.ID, SigningKey: k.SigningPublic(), EncryptionKey: k.EncryptionPublic(), PNIC: n.PublicKey()})
		c, err := client.Dial(context.Background(), client.Config{Path: path, Keys: k})
		if err != nil {
			return nil, err
		}
		clients[i] = c
		s.closers = append([]func(){func() { c.Close() }}, s.closers...)
	}
	// Wait for the overlay path: a first message must arrive.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if _, err := clients[0].SendWait(ctx, client.Outgoing{To: 2, Command: "warmup"}); err != nil {
		return nil, fmt.Errorf("warm-up message: %w", err)
	}
	s.a = clients[0]
	go func() {
		for m := range clients[1].Messages() {
			if m.Command == "bench" {
				rec.record(m.Body)
			}
			m.Ack()
		}
	}()
	return s, nil
}

func (s *rmbSystem) send(ctx context.Context, b []byte) error {
	start := time.Now()
	_, err := s.a.Send(ctx, client.Outgoing{To: 2, Command: "bench", Body: b})
	d := time.Since(start)
	s.mu.Lock()
	s.sendLat = append(s.sendLat, d)
	s.mu.Unlock()
	return err
}

func (s *rmbSystem) close() {
	for _, c := range s.closers {
		c()
	}
}

// --- NATS JetStream embedded: file storage, acknowledged publish and explicit-ack consumer.

type natsSystem struct {
	srv *server.Server
	nc  *nats.Conn
	js  nats.JetStreamContext
	sub *nats.Subscription
}

// newNATS starts JetStream with its default durability (the file store is synced every two
// minutes, so a publish is acknowledged before it is on disk) or, with syncAlways, synced on every
// write like RMB's outbox and inbox.
func newNATS(dir string, rec *recorder, syncAlways bool) (*natsSystem, error) {
	srv, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: filepath.Join(dir, "js"),
		NoLog: true, NoSigs: true, SyncAlways: syncAlways})
	if err != nil {
		return nil, err
	}
	go srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		return nil, errors.New("nats-server did not start")
	}
	nc, err := nats.Connect(srv.ClientURL())
	if err != nil {
		return nil, err
	}
	js, err := nc.JetStream(nats.PublishAsyncMaxPending(4096))
	if err != nil {
		return nil, err
	}
	if _, err := js.AddStream(&nats.StreamConfig{Name: "BENCH", Subjects: []string{"bench"}, Storage: nats.FileStorage}); err != nil {
		return nil, err
	}
	sub, err := js.Subscribe("bench", func(m *nats.Msg) {
		rec.record(m.Data)
		m.Ack()
	}, nats.ManualAck(), nats.AckExplicit(), nats.MaxAckPending(65536))
	if err != nil {
		return nil, err
	}
	return &natsSystem{srv: srv, nc: nc, js: js, sub: sub}, nil
}

func (s *natsSystem) send(ctx context.Context, b []byte) error {
	_, err := s.js.Publish("bench", b, nats.Context(ctx))
	return err
}

func (s *natsSystem) close() {
	s.sub.Unsubscribe()
	s.nc.Close()
	s.srv.Shutdown()
	s.srv.WaitForShutdown()
}

func main() {
	n := flag.Int("n", 20000, "messages per throughput run")
	workers := flag.Int("workers", 64, "concurrent senders in throughput runs")
	rates := flag.String("rates", "5000,1000", "messages per second of the fixed-rate runs, comma-separated")
	dur := flag.Duration("dur", 5*time.Second, "length of the fixed-rate run")
	only := flag.String("only", "", "run only these systems, comma-separated (rmb, rmb-relaxed, rmb-pnic, jetstream, js-sync)")
	sizes := flag.String("sizes", "256,4096", "body sizes in bytes, comma-separated")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile here")
	blockprofile := flag.String("blockprofile", "", "write a blocking profile here (where goroutines wait)")
	memprofile := flag.String("memprofile", "", "write a heap allocation profile here (where the garbage comes from)")
	traceFile := flag.String("trace", "", "write an execution trace here")
	flag.BoolVar(&verbose, "v", false, "also print each bus's store batches and syncs")
	flag.Parse()
	if *traceFile != "" {
		f, err := os.Create(*traceFile)
		if err == nil {
			trace.Start(f)
			defer trace.Stop()
		}
	}
	if *blockprofile != "" {
		runtime.SetBlockProfileRate(int(10 * time.Microsecond))
		defer func() {
			f, err := os.Create(*blockprofile)
			if err == nil {
				pprof.Lookup("block").WriteTo(f, 0)
				f.Close()
			}
		}()
	}
	if *memprofile != "" {
		defer func() {
			f, err := os.Create(*memprofile)
			if err == nil {
				pprof.Lookup("allocs").WriteTo(f, 0)
				f.Close()
			}
		}()
	}
	onlySystem = *only
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "rmb-bench:", err)
			os.Exit(1)
		}
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	var rs []float64
	for _, f := range strings.Split(*rates, ",") {
		r, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil || r <= 0 {
			fmt.Fprintf(os.Stderr, "rmb-bench: bad rate %q\n", f)
			os.Exit(2)
		}
		rs = append(rs, r)
	}
	for _, f := range strings.Split(*sizes, ",") {
		sz, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || sz < 8 {
			fmt.Fprintf(os.Stderr, "rmb-bench: bad size %q (at least 8 bytes)\n", f)
			os.Exit(2)
		}
		bodySizes = append(bodySizes, sz)
	}
	if err := run(*n, *workers, rs, *dur); err != nil {
		fmt.Fprintln(os.Stderr, "rmb-bench:", err)
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

var (
	onlySystem string
	bodySizes  []int
	verbose    bool
)

func run(n, workers int, rates []float64, dur time.Duration) error {
	dir, err := os.MkdirTemp("", "rmbbench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	systems := []struct {
		name string
		make func(string, *recorder) (system, error)
	}{
		{"rmb", func(d string, r *recorder) (system, error) { return newRMB(d, r, 0) }},
		{"rmb-relaxed", func(d string, r *recorder) (system, error) { return newRMB(d, r, relaxedWindow) }},
		{"rmb-pnic", func(d string, r *recorder) (system, error) { return newRMBPNIC(d, r) }},
		{"jetstream", func(d string, r *recorder) (system, error) { return newNATS(d, r, false) }},
		{"js-sync", func(d string, r *recorder) (system, error) { return newNATS(d, r, true) }},
	}
	for _, sys := range systems {
		if onlySystem != "" && !slices.Contains(strings.Split(onlySystem, ","), sys.name) {
			continue
		}
		for _, size := range bodySizes {
			rec := &recorder{}
			s, err := sys.make(filepath.Join(dir, fmt.Sprint(sys.name, size)), rec)
			if err != nil {
				return fmt.Errorf("%s: %w", sys.name, err)
			}
			r, err := flood(ctx, s, rec, n, size, workers)
			if err != nil {
				return fmt.Errorf("%s flood %d B: %w", sys.name, size, err)
			}
			fmt.Printf("%-11s %5d B  flood    %s\n", sys.name, size, r)
			if rs, ok := s.(*rmbSystem); ok && verbose {
				fmt.Printf("          %s\n", rs.sendStats())
			}
			for _, rate := range rates {
				if size != 256 {
					break
				}
				r, err = paced(ctx, s, rec, rate, dur, size)
				if err != nil {
					return fmt.Errorf("%s paced: %w", sys.name, err)
				}
				fmt.Printf("%-11s %5d B  %4.0f/s  %s\n", sys.name, size, rate, r)
				if rs, ok := s.(*rmbSystem); ok && verbose {
					fmt.Printf("          %s\n", rs.sendStats())
				}
			}
			if rs, ok := s.(*rmbSystem); ok && verbose {
				fmt.Printf("          %s\n", rs.storeStats())
			}
			s.close()
		}
	}
	return nil
}
