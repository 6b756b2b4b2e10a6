package pin

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/freeflowuniverse/planetary/pin/internal/kubotest"
	"github.com/freeflowuniverse/planetary/pin/ledger"
)

// startDaemon runs `ipfs daemon` on the repository (loopback only, profile test) until it says it
// is ready, and returns a function that stops it and waits for it to exit.
func startDaemon(t *testing.T, repo *kubotest.Repo) func() {
	t.Helper()
	cmd := repo.Cmd("daemon")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	}
	t.Cleanup(stop)
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "Daemon is ready") {
				ready <- true
			}
		}
		ready <- false
	}()
	select {
	case ok := <-ready:
		if !ok {
			t.Fatalf("ipfs daemon exited before it was ready: %s", stderr.String())
		}
	case <-time.After(90 * time.Second):
		t.Fatalf("ipfs daemon not ready after 90 s: %s", stderr.String())
	}
	return stop
}

// TestKuboPinningClient drives pind with a real Kubo: `ipfs pin remote service add`, `pin remote
// add` (pind fetches over bitswap from the daemon's origins), `ls --status=pinned`, serving after
// the daemon stops, `pin remote rm`, and a pin Kubo sends with no origins that nobody holds.
func TestKuboPinningClient(t *testing.T) {
	bin := kubotest.Binary(t)
	tn := newTestNet(t, 0, ledger.MemoryConfig{})
	tn.swarm = true
	tn.fetchTimeout = 5 * time.Second
	node := tn.start("a", t.TempDir(), nil)
	tn.start("b", t.TempDir(), nil)
	tn.start("c", t.TempDir(), nil)
	tok := tn.twin(7, 1_000_000_000)

	repo := kubotest.NewRepo(t, bin)
	stop := startDaemon(t, repo)

	// A 3 MiB file (CIDv0) and a CIDv1 directory, in Kubo only.
	src := t.TempDir()
	file := randBytes(10, 3<<20)
	if err := os.WriteFile(filepath.Join(src, "big.bin"), file, 0o644); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(src, "site")
	os.MkdirAll(filepath.Join(dir, "img"), 0o755)
	page := []byte("<h1>hello</h1>")
	img := randBytes(11, 700_000)
	os.WriteFile(filepath.Join(dir, "index.html"), page, 0o644)
	os.WriteFile(filepath.Join(dir, "img", "a.bin"), img, 0o644)
	fileCID := repo.Run(t, "add", "-Q", filepath.Join(src, "big.bin"))
	dirCID := repo.Run(t, "add", "-Q", "-r", "--cid-version=1", dir)

	repo.Run(t, "pin", "remote", "service", "add", "pind", node.srv.URL, tok)
	repo.Run(t, "pin", "remote", "add", "--service=pind", "--name=big", fileCID)
	repo.Run(t, "pin", "remote", "add", "--service=pind", "--name=site", dirCID)
	ls := repo.Run(t, "pin", "remote", "ls", "--service=pind", "--status=pinned")
	if !strings.Contains(ls, fileCID) || !strings.Contains(ls, dirCID) {
		t.Fatalf("pin remote ls:\n%s\nwant %s and %s", ls, fileCID, dirCID)
	}

	// The daemon goes away; every node serves identical bytes: a holder from its store, any other
	// node (the one Kubo talked to included, once two holders have it and it dropped its copy) by
	// fetching from a holder.
	stop()
	for path, want := range map[string][]byte{fileCID: file, dirCID + "/index.html": page, dirCID + "/img/a.bin": img} {
		for _, n := range tn.nodes {
			g := do(t, "GET", n.srv.URL+"/ipfs/"+path, "", nil, "")
			if g.code != 200 || !bytes.Equal(g.body, want) {
				t.Fatalf("node %s gateway %s: %d, %d bytes, identical %v", n.name, path, g.code, len(g.body), bytes.Equal(g.body, want))
			}
		}
	}

	// rm works with the daemon stopped.
	repo.Run(t, "pin", "remote", "rm", "--service=pind", "--cid="+fileCID)
	ls = repo.Run(t, "pin", "remote", "ls", "--service=pind", "--status=pinned")
	if strings.Contains(ls, fileCID) || !strings.Contains(ls, dirCID) {
		t.Fatalf("after rm, pin remote ls:\n%s", ls)
	}

	// Offline daemon: Kubo sends no origins; nobody holds the CID, so pind reports failed with a
	// reason once its fetch bound (5 s here) has passed, and Kubo's add ends with that error.
	os.WriteFile(filepath.Join(src, "lonely"), randBytes(12, 1000), 0o644)
	lonelyCID := repo.Run(t, "add", "-Q", filepath.Join(src, "lonely"))
	start := time.Now()
	_, err := repo.Try("pin", "remote", "add", "--service=pind", "--name=lonely", lonelyCID)
	if err == nil {
		t.Fatal("pin remote add of a CID nobody serves succeeded")
	}
	if !strings.Contains(err.Error(), "failed") {
		t.Fatalf("pin remote add error %v: want the failed status", err)
	}
	ps := waitStatus(t, node.srv.URL, tok, lonelyCID, Failed)
	if ps.Info["failure"] == "" || len(ps.Pin.Origins) != 0 {
		t.Fatalf("failed pin %+v: want a reason and no origins", ps)
	}
	t.Logf("offline pin failed after %s: %s", time.Since(start).Round(time.Millisecond), ps.Info["failure"])
}
