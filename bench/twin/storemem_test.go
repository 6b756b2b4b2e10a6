package twin_test

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/pebble"
	"github.com/freeflowuniverse/planetary/twin/store"
)

// storeMemTwins is how many twin stores one process opens in TestStoreMemory.
const storeMemTwins = 100

// TestStoreMemory opens storeMemTwins twin stores in one child process, 100 messages each, and
// reports the child's RSS beside a child that opens as many pebble databases with pebble's default
// options and the same writes.
func TestStoreMemory(t *testing.T) {
	if mode := os.Getenv("STOREMEM_CHILD"); mode != "" {
		storeMemChild(t, mode)
		return
	}
	rss := map[string]int{}
	for _, mode := range []string{"pebble-default", "twin-store"} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestStoreMemory$")
		cmd.Env = append(os.Environ(), "STOREMEM_CHILD="+mode, "STOREMEM_DIR="+t.TempDir())
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", mode, err, out)
		}
		for _, l := range strings.Split(string(out), "\n") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(l), "RSSKB "); ok {
				rss[mode], _ = strconv.Atoi(v)
			}
		}
		if rss[mode] == 0 {
			t.Fatalf("%s: no RSS in output:\n%s", mode, out)
		}
	}
	report(t, "store memory, %d stores in one process: pebble defaults %.1f MiB (%.0f KiB/store), twin store %.1f MiB (%.0f KiB/store)",
		storeMemTwins, float64(rss["pebble-default"])/1024, float64(rss["pebble-default"])/storeMemTwins,
		float64(rss["twin-store"])/1024, float64(rss["twin-store"])/storeMemTwins)
}

func storeMemChild(t *testing.T, mode string) {
	dir := os.Getenv("STOREMEM_DIR")
	var closers []func() error
	for i := range storeMemTwins {
		d := filepath.Join(dir, strconv.Itoa(i))
		switch mode {
		case "twin-store":
			s, err := store.Open(d)
			if err != nil {
				t.Fatal(err)
			}
			for j := range 100 {
				m := store.Message{Peer: 7, Outgoing: true, Text: strings.Repeat("x", 100), Sent: time.Unix(int64(j), 0)}
				m.ID[0], m.ID[1] = byte(j), byte(i)
				if _, _, err := s.AddMessage(m); err != nil {
					t.Fatal(err)
				}
			}
			closers = append(closers, s.Close)
		default:
			db, err := pebble.Open(d, &pebble.Options{})
			if err != nil {
				t.Fatal(err)
			}
			for j := range 300 {
				if err := db.Set([]byte(fmt.Sprintf("m/%d/%d", i, j)), []byte(strings.Repeat("x", 200)), pebble.Sync); err != nil {
					t.Fatal(err)
				}
			}
			closers = append(closers, db.Close)
		}
	}
	fmt.Printf("RSSKB %d\n", vmRSS(t))
	for _, c := range closers {
		c()
	}
}

func vmRSS(t *testing.T) int {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			return n
		}
	}
	t.Fatal("no VmRSS")
	return 0
}
