package twin_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/freeflowuniverse/planetary/grid"
	"github.com/freeflowuniverse/planetary/internal/testnet"
	"github.com/freeflowuniverse/planetary/rmb/client"
	"github.com/freeflowuniverse/planetary/twin/directory"
	"github.com/freeflowuniverse/planetary/twin/files"
	"github.com/freeflowuniverse/planetary/twin/services"
	"github.com/freeflowuniverse/planetary/twin/store"
)

// line is three PNICs in a line, a–b–c, with a twin at each end: two overlay hops between them
// (on the netns backend all three share one ISP, and only the peers make the line).
func line() grid.Topology {
	isp := []string{"isp1"}
	return grid.Topology{Name: "bf", ISPs: isp,
		Hosts: []grid.Host{{Name: "a", ISPs: isp, Peers: []string{"b"}}, {Name: "b", ISPs: isp, Peers: []string{"c"}}, {Name: "c", ISPs: isp}},
		Twins: []grid.Twin{{Name: "alice", Host: "a"}, {Name: "carol", Host: "c"}}}
}

// mbps is a rate in MB/s (10^6 bytes a second).
func mbps(n int64, d time.Duration) float64 { return float64(n) / d.Seconds() / 1e6 }

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

// fileTwin is the services of one twin in this process, on a client logged in to its PNIC.
func fileTwin(t *testing.T, c *client.Client, id uint64, dir *directory.File, noStreams bool, logs io.Writer) (*services.Twin, *store.Store) {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	fd, err := files.Open(filepath.Join(t.TempDir(), "files"))
	if err != nil {
		t.Fatal(err)
	}
	return services.New(services.Config{Client: c, Store: st, Directory: dir, Files: fd, Self: id, NoStreams: noStreams,
		Logger: slog.New(slog.NewTextHandler(logs, nil))}), st
}

// TestBenchFiles: a file from twin alice to twin carol, two overlay hops apart (three pnicd in a
// line, gridctl's local backend with userspace netstacks, or netns with kernel TUNs), over an overlay stream and as RMB chunks,
// beside the reference measured in the same run: a plain TCP stream between the same two twins'
// overlay addresses through the same PNICs, in the same direction. Each transfer is timed from
// the call to the file complete (its SHA-256 checked) and then compared byte for byte.
func TestBenchFiles(t *testing.T) {
	if os.Getenv("PLANETARY_BENCH") == "" {
		t.Skip("benchmark: run with PLANETARY_BENCH=1 (make bench)")
	}
	size := int64(64 << 20)
	if v, err := strconv.ParseInt(os.Getenv("PLANETARY_BENCH_FILE_MB"), 10, 64); err == nil && v > 0 {
		size = v << 20
	}
	runs := 5
	pnicd := testnet.Build(t, "github.com/freeflowuniverse/planetary/cmd/pnicd")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	backend := grid.Local // userspace netstacks on loopback; PLANETARY_BENCH_BACKEND=netns: kernel TUNs in namespaces
	if os.Getenv("PLANETARY_BENCH_BACKEND") == string(grid.Netns) {
		backend = grid.Netns
	}
	g, err := grid.New(line(), grid.Options{StateDir: t.TempDir(), Pnicd: pnicd, BasePort: 23200, NoTwind: true, Backend: backend})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Down(true)
	if err := g.Up(ctx); err != nil {
		t.Fatal(err)
	}
	ca, err := g.OpenTwin(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	defer ca.Close()
	cc, err := g.OpenTwin(ctx, "carol")
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	if _, err := g.WaitTwinReach(ctx, "alice", "carol"); err != nil {
		t.Fatal(err)
	}
	const aliceID, carolID = 1, 2
	dir := directory.NewFile(filepath.Join(g.Dir(), "twins.json"))

	// Reference: alice listens on her overlay address and writes size bytes to whoever connects;
	// carol dials and reads them, the file's direction.
	const rawPort = 7801
	ln, err := ca.ListenStream(ctx, rawPort)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		buf := make([]byte, 4*services.ChunkSize)
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			for left := size; left > 0; left -= int64(len(buf)) {
				if _, err := conn.Write(buf[:min(int64(len(buf)), left)]); err != nil {
					break
				}
			}
			conn.Close()
		}
	}()
	aliceAddr, err := cc.Address(ctx, aliceID)
	if err != nil {
		t.Fatal(err)
	}
	raw := func() time.Duration {
		start := time.Now()
		conn, err := cc.DialStream(ctx, netip.AddrPortFrom(aliceAddr, rawPort))
		if err != nil {
			t.Fatal(err)
		}
		n, err := io.Copy(io.Discard, conn)
		conn.Close()
		if err != nil || n != size {
			t.Fatalf("raw stream moved %d of %d bytes: %v", n, size, err)
		}
		return time.Since(start)
	}

	// The file: alice shares it with carol; each run downloads it into a fresh carol.
	alice, _ := fileTwin(t, ca, aliceID, dir, false, io.Discard)
	go alice.Run(ctx)
	go func() { // carol's inbox (alice's offer), which no carol here handles
		for m := range cc.Messages() {
			m.Ack()
		}
	}()
	content := make([]byte, size)
	rand.Read(content)
	sum := sha256.Sum256(content)
	if _, err := alice.Share(ctx, bytes.NewReader(content), "bench.bin", []uint64{carolID}, nil); err != nil {
		t.Fatal(err)
	}
	var setups []time.Duration // of each stream: from the call to the first byte (RMB request, ticket, dial, hello)
	download := func(noStreams bool) time.Duration {
		var logs bytes.Buffer
		carol, st := fileTwin(t, cc, carolID, dir, noStreams, &logs) // not run: replies reach it through the client
		if err := st.PutFile(store.File{SHA256: sum, Name: "bench.bin", Size: size, From: aliceID}); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		f, err := carol.Download(ctx, aliceID, sum)
		d := time.Since(start)
		if err != nil || f.Have != size {
			t.Fatalf("download (noStreams %v): %+v %v", noStreams, f, err)
		}
		if !noStreams && bytes.Contains(logs.Bytes(), []byte("falling back")) {
			t.Fatalf("the download fell back to RMB chunks:\n%s", logs.Bytes())
		}
		if m := setupRE.FindSubmatch(logs.Bytes()); m != nil {
			if d, err := time.ParseDuration(string(m[1])); err == nil {
				setups = append(setups, d)
			}
		}
		path, _, err := carol.FilePath(sum)
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := os.ReadFile(path); !bytes.Equal(got, content) {
			t.Fatal("downloaded content differs")
		}
		return d
	}

	// Raw and stream in pairs, their order swapped every run so a change of load between them
	// falls on both; the chunk path, four times slower, every other run.
	var rawR, streamR, chunkR, ratio []float64
	for i := 0; i < runs; i++ {
		var r, s float64
		if i%2 == 0 {
			r = mbps(size, raw())
			s = mbps(size, download(false))
		} else {
			s = mbps(size, download(false))
			r = mbps(size, raw())
		}
		rawR, streamR, ratio = append(rawR, r), append(streamR, s), append(ratio, s/r)
		line := fmt.Sprintf("run %d: raw overlay TCP %.1f MB/s, file over a stream %.1f MB/s (%.2f× raw)", i+1, r, s, s/r)
		if i%2 == 0 {
			c := mbps(size, download(true))
			chunkR = append(chunkR, c)
			line += fmt.Sprintf(", file as RMB chunks %.1f MB/s", c)
		}
		t.Log(line)
	}
	slices.Sort(setups)
	report(t, "files twin→twin, 3 pnicd in a line (%s backend), %d MiB, %d runs: raw overlay TCP median %.1f MB/s %v; file over an overlay stream median %.1f MB/s %v, %.2f× raw (runs %v), stream set-up (RMB request to first byte) %v; file as 48 KiB RMB chunks (%d in flight) median %.1f MB/s %v",
		backend, size>>20, runs, median(rawR), fmtF(rawR), median(streamR), fmtF(streamR), median(ratio), fmtF(ratio), setups, services.Window, median(chunkR), fmtF(chunkR))
}

var setupRE = regexp.MustCompile(`receiving a file over a stream.* setup=(\S+)`)

func fmtF(v []float64) string {
	s := ""
	for i, x := range v {
		if i > 0 {
			s += " "
		}
		s += fmt.Sprintf("%.2f", x)
	}
	return "[" + s + "]"
}
