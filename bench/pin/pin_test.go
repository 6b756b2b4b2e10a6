// Package pin_test measures the pinning service side by side with Kubo in the same run: N small
// files uploaded through /api/v0/add to three pind processes on a gridctl local grid (dev chain,
// replicas 2), against `ipfs add -r` of the same files into one Kubo repo. Run alone:
// PLANETARY_BENCH=1 PIN_BENCH_FILES=10000 go test -count=1 -v -timeout 60m -run TestBenchPin ./bench/pin/
package pin_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/freeflowuniverse/planetary/grid"
	"github.com/freeflowuniverse/planetary/internal/testnet"
)

func requireBench(t *testing.T) {
	if os.Getenv("PLANETARY_BENCH") == "" {
		t.Skip("benchmark: run with PLANETARY_BENCH=1")
	}
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

func report(t *testing.T, format string, a ...any) {
	line := fmt.Sprintf(format, a...)
	t.Log(line)
	os.MkdirAll("../out", 0o755)
	if f, err := os.OpenFile("../out/pin.txt", os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644); err == nil {
		fmt.Fprintln(f, line)
		f.Close()
	}
}

const topology = `
name: pb
hosts:
  - {name: a, peers: [b]}
  - {name: b, peers: [c]}
  - {name: c}
validators: [a]
twins:
  - {name: alice, host: a}
pins: [a, b, c]
`

// content is file i of the set: size bytes, distinct per i (its index in the first 8 bytes).
func content(i, size int) []byte {
	b := make([]byte, size)
	r := rand.New(rand.NewPCG(uint64(i), 42))
	for j := 0; j+8 <= size; j += 8 {
		binary.LittleEndian.PutUint64(b[j:], r.Uint64())
	}
	binary.LittleEndian.PutUint64(b, uint64(i))
	return b
}

// proc is what /proc says of a process: peak resident memory and CPU seconds used.
func proc(pid int) (hwmMiB float64, cpu float64) {
	if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid)); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmHWM:" {
				kb, _ := strconv.ParseFloat(f[1], 64)
				hwmMiB = kb / 1024
			}
		}
	}
	if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); err == nil {
		s := string(b)
		if i := strings.LastIndexByte(s, ')'); i > 0 {
			f := strings.Fields(s[i+2:])
			if len(f) > 13 {
				u, _ := strconv.ParseFloat(f[11], 64)
				k, _ := strconv.ParseFloat(f[12], 64)
				cpu = (u + k) / 100
			}
		}
	}
	return
}

func pinPid(t *testing.T, state, h string) int {
	b, err := os.ReadFile(filepath.Join(state, "pb", "pin-"+h+".pid"))
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

// kuboBinary builds (once per machine) or finds Kubo through the project's scripts/kubo.sh.
func kuboBinary(t *testing.T) string {
	out, err := exec.Command("bash", "../../scripts/kubo.sh").Output()
	if err != nil {
		t.Skipf("cannot build Kubo with scripts/kubo.sh: %v", err)
	}
	return strings.TrimSpace(string(out))
}

func add(ctx context.Context, c *http.Client, api, tok, name string, data []byte) (string, error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequestWithContext(ctx, "POST", api+"/api/v0/add", &buf)
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	res, err := c.Do(req)
	if err != nil {
		return "", err
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	var added struct{ Hash string }
	if res.StatusCode != 200 || json.Unmarshal(b, &added) != nil || added.Hash == "" {
		return "", fmt.Errorf("add %s: %s %s", name, res.Status, b)
	}
	return added.Hash, nil
}

func pinnedCount(ctx context.Context, c *http.Client, api, tok string) (int, error) {
	req, _ := http.NewRequestWithContext(ctx, "GET", api+"/pins?status=pinned&limit=1", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	var v struct{ Count int }
	if err := json.NewDecoder(res.Body).Decode(&v); err != nil {
		return 0, fmt.Errorf("GET /pins: %s: %w", res.Status, err)
	}
	return v.Count, nil
}

func allocations(ctx context.Context, c *http.Client, api, tok, cid string) (string, error) {
	req, _ := http.NewRequestWithContext(ctx, "GET", api+"/pins/"+cid, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := c.Do(req)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	var v struct {
		Status string
		Info   map[string]string
	}
	if err := json.NewDecoder(res.Body).Decode(&v); err != nil {
		return "", err
	}
	return v.Status + " " + v.Info["allocations"], nil
}

// TestBenchPin: N files of SIZE bytes, replicas 2 over three pinds, against Kubo's `ipfs add -r`.
func TestBenchPin(t *testing.T) {
	requireBench(t)
	n, size, workers := envInt("PIN_BENCH_FILES", 10000), envInt("PIN_BENCH_SIZE", 4096), envInt("PIN_BENCH_WORKERS", 16)
	kubo := kuboBinary(t)

	// Kubo: the same files, in one directory, into one repo (flatfs sync on, Kubo's default).
	src := t.TempDir()
	for i := range n {
		if err := os.WriteFile(filepath.Join(src, fmt.Sprintf("f%06d", i)), content(i, size), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	repo := t.TempDir()
	kcmd := func(args ...string) *exec.Cmd {
		c := exec.Command(kubo, args...)
		c.Env = append(os.Environ(), "IPFS_PATH="+repo)
		return c
	}
	if out, err := kcmd("init", "--profile=test", "-e").CombinedOutput(); err != nil {
		t.Fatalf("ipfs init: %v %s", err, out)
	}
	// The test profile turns flatfs sync off; turn it back on so both sides are durable.
	if out, err := kcmd("config", "--json", "Datastore.Spec.mounts", `[{"child":{"path":"blocks","shardFunc":"/repo/flatfs/shard/v1/next-to-last/2","sync":true,"type":"flatfs"},"mountpoint":"/blocks","prefix":"flatfs.datastore","type":"measure"},{"child":{"compression":"none","path":"datastore","type":"levelds"},"mountpoint":"/","prefix":"leveldb.datastore","type":"measure"}]`).CombinedOutput(); err != nil {
		t.Logf("ipfs config Datastore.Spec.mounts: %v %s (keeping the profile's)", err, out)
	}
	kc := kcmd("add", "-r", "-Q", "--pin", src)
	start := time.Now()
	out, err := kc.CombinedOutput()
	kd := time.Since(start)
	if err != nil {
		t.Fatalf("ipfs add -r: %v %s", err, out)
	}
	kcpu := kc.ProcessState.UserTime() + kc.ProcessState.SystemTime()
	kspec, _ := kcmd("config", "Datastore.Spec").Output()
	report(t, "pin: kubo ipfs add -r of %d files of %d B: %s, %.0f files/s, %.2f MB/s, cpu %.1f s, peak RSS %d MiB (datastore %s)",
		n, size, kd.Round(time.Millisecond), float64(n)/kd.Seconds(), float64(n*size)/kd.Seconds()/1e6, kcpu.Seconds(),
		kc.ProcessState.SysUsage().(*syscall.Rusage).Maxrss/1024, strings.Join(strings.Fields(string(kspec)), " "))

	// Planetary: three pinds on a local grid with a dev chain.
	topo, err := grid.Parse(strings.NewReader(topology))
	if err != nil {
		t.Fatal(err)
	}
	state := t.TempDir()
	var gout bytes.Buffer
	g, err := grid.New(topo, grid.Options{StateDir: state,
		Pnicd:   testnet.Build(t, "github.com/freeflowuniverse/planetary/cmd/pnicd"),
		Chaind:  testnet.Build(t, "github.com/freeflowuniverse/planetary/cmd/chaind"),
		Pind:    testnet.Build(t, "github.com/freeflowuniverse/planetary/cmd/pind"),
		NoTwind: true, BasePort: 27650, Out: &gout})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Down(true); g.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Minute)
	defer cancel()
	if err := g.Up(ctx); err != nil {
		t.Fatalf("up: %v\n%s", err, gout.String())
	}
	tok, err := g.PinToken(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	hosts := []string{"a", "b", "c"}
	apis := make([]string, len(hosts))
	for i, h := range hosts {
		apis[i] = "http://" + g.PinHTTP(h)
	}
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers}}
	cpu0 := make([]float64, len(hosts))
	for i, h := range hosts {
		_, cpu0[i] = proc(pinPid(t, state, h))
	}

	cids := make([]string, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	var firstErr atomic.Value
	start = time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || firstErr.Load() != nil {
					return
				}
				cid, err := add(ctx, hc, apis[i%len(apis)], tok, fmt.Sprintf("f%06d", i), content(i, size))
				if err != nil {
					firstErr.CompareAndSwap(nil, err)
					return
				}
				cids[i] = cid
			}
		}()
	}
	wg.Wait()
	accepted := time.Since(start)
	if err := firstErr.Load(); err != nil {
		t.Fatalf("after %d files: %v\n%s", next.Load(), err, gout.String())
	}
	report(t, "pin: %d files accepted (synced) through /api/v0/add on 3 pinds, %d workers: %s, %.0f files/s, %.2f MB/s",
		n, workers, accepted.Round(time.Millisecond), float64(n)/accepted.Seconds(), float64(n*size)/accepted.Seconds()/1e6)

	// All pinned (as an owner sees it), then a sample with two confirmed holders.
	deadline := time.Now().Add(30 * time.Minute)
	for {
		// Each pind lists the requests it took, so the owner's total is the sum over the nodes.
		c := 0
		var err error
		for _, api := range apis {
			k, e := pinnedCount(ctx, hc, api, tok)
			c += k
			err = errors.Join(err, e)
		}
		if err == nil && c >= n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d pinned after %s (%v)", c, n, time.Since(start), err)
		}
		time.Sleep(500 * time.Millisecond)
	}
	pinned := time.Since(start)
	sample := min(n, 200)
	r := rand.New(rand.NewPCG(7, 7))
	for range sample {
		i := r.IntN(n)
		for k := 0; ; k++ {
			a, err := allocations(ctx, hc, apis[i%len(apis)], tok, cids[i])
			if err == nil && strings.HasPrefix(a, "pinned ") && !strings.Contains(a, "fetching") && len(strings.Split(strings.TrimPrefix(a, "pinned "), ",")) == 2 {
				break
			}
			if k == 1200 {
				t.Fatalf("%s: %q after %s, want pinned on 2 holders (allocations as the node that took it lists them)", cids[i], a, time.Since(start))
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	replicated := time.Since(start)
	for range sample {
		i := r.IntN(n)
		api := apis[r.IntN(len(apis))]
		res, err := hc.Get(api + "/ipfs/" + cids[i])
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || !bytes.Equal(b, content(i, size)) {
			t.Fatalf("gateway %s/ipfs/%s: %s, %d bytes, not the file", api, cids[i], res.Status, len(b))
		}
	}
	report(t, "pin: all %d pinned for the owner at %s; a sample of %d on 2 holders at %s; the sample retrieved byte-identical from random nodes",
		n, pinned.Round(time.Millisecond), sample, replicated.Round(time.Millisecond))
	for i, h := range hosts {
		hwm, cpu := proc(pinPid(t, state, h))
		report(t, "pin: pind %s: peak RSS %.0f MiB, cpu %.1f s", h, hwm, cpu-cpu0[i])
	}
	report(t, "pin: import throughput pind/kubo (accepted): %.2f", kd.Seconds()/accepted.Seconds())
}
