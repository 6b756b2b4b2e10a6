package grid

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/freeflowuniverse/planetary/chain"
	"github.com/freeflowuniverse/planetary/internal/testnet"
	"github.com/freeflowuniverse/planetary/rmb/schema"
)

func pnicd(t *testing.T) string {
	return testnet.Build(t, "github.com/freeflowuniverse/planetary/cmd/pnicd")
}

func chaind(t *testing.T) string {
	return testnet.Build(t, "github.com/freeflowuniverse/planetary/cmd/chaind")
}

func twind(t *testing.T) string {
	return testnet.Build(t, "github.com/freeflowuniverse/planetary/cmd/twind")
}

func TestTopology(t *testing.T) {
	d := Default()
	if d.Name != "dev" || len(d.Hosts) != 3 {
		t.Fatalf("default topology = %+v", d)
	}
	bad := map[string]string{
		"name: x\nhosts: []\n":                                                                         "no hosts",
		"name: Bad\nhosts: [{name: a}]\n":                                                              "name",
		"name: x\nhosts: [{name: a}, {name: a}]\n":                                                     "twice",
		"name: x\nhosts: [{name: a, peers: [z]}]\n":                                                    "unknown peer",
		"name: x\nhosts: [{name: a, peers: [a]}]\n":                                                    "itself",
		"name: x\nisps: [i1]\nhosts: [{name: a, isps: [i9]}]\n":                                        "unknown isp",
		"name: x\nisps: [i1, i2]\nhosts: [{name: a, isps: [i1], peers: [b]}, {name: b, isps: [i2]}]\n": "share no isp",
		"name: x\nhostz: []\n":                                                                         "hostz",
		"name: x\nhosts: [{name: a}]\ntwins: [{name: t, host: z}]\n":                                   "unknown host",
		"name: x\nhosts: [{name: a}]\ntwins: [{name: t, host: a}, {name: t, host: a}]\n":               "repeated",
		"name: x\nhosts: [{name: a}]\nvalidators: [a]\npins: [z]\n":                                    "pins: \"z\" is not a host",
		"name: x\nhosts: [{name: a}]\nvalidators: [a]\npins: [a, a]\n":                                 "named twice",
		"name: x\nhosts: [{name: a}]\npins: [a]\n":                                                     "pins need a chain",
	}
	for in, want := range bad {
		if _, err := Parse(strings.NewReader(in)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err = %v, want %q", in, err, want)
		}
	}
}

// TestRecordedBackend: the backend up records in the state directory is the one every later
// command uses; a flag that contradicts it is refused, and a clean down forgets it.
func TestRecordedBackend(t *testing.T) {
	state := t.TempDir()
	record := func(b string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Join(state, "dev"), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(state, "dev", "backend"), []byte(b+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if g, err := New(Default(), Options{StateDir: state}); err != nil || g.Backend() != Local {
		t.Fatalf("nothing recorded, no backend asked: %v, %v; want local", g, err)
	}
	record("netns")
	if _, err := New(Default(), Options{StateDir: state, Backend: Local}); err == nil || !strings.Contains(err.Error(), "brought up on the netns backend") {
		t.Fatalf("local asked, netns recorded: err = %v, want a refusal naming netns", err)
	}
	g, err := New(Default(), Options{StateDir: state})
	switch {
	case os.Geteuid() == 0 && (err != nil || g.Backend() != Netns):
		t.Fatalf("netns recorded, none asked: %v, %v; want netns", g, err)
	case os.Geteuid() != 0 && (err == nil || !strings.Contains(err.Error(), "root")):
		t.Fatalf("netns recorded, none asked, not root: err = %v, want netns's need for root", err)
	}
	record("local")
	if _, err := New(Default(), Options{StateDir: state, Backend: Netns}); err == nil || !strings.Contains(err.Error(), "brought up on the local backend") {
		t.Fatalf("netns asked, local recorded: err = %v, want a refusal naming local", err)
	}
	g, err = New(Default(), Options{StateDir: state})
	if err != nil || g.Backend() != Local {
		t.Fatalf("local recorded, none asked: %v, %v; want local", g, err)
	}
	// A down that stops everything forgets the backend: the next up may choose another.
	if err := g.Down(false); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(state, "dev", "backend")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("backend still recorded after down: %v", err)
	}
	record("docker")
	if _, err := New(Default(), Options{StateDir: state}); err == nil || !strings.Contains(err.Error(), "docker") {
		t.Fatalf("garbage recorded: err = %v, want it named", err)
	}
}

// TestRunsThroughExec: a process just started is recognised while its exec completes, when its
// command line reads empty for a moment (this made a starting pnicd look dead, and a second one
// was started beside it); once it has ended, it is not.
func TestRunsThroughExec(t *testing.T) {
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Skip("no sleep command")
	}
	pidFile := filepath.Join(t.TempDir(), "sleep.pid")
	for i := 0; i < 200; i++ {
		cmd := exec.Command(sleep, "30")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		for j := 0; j < 20; j++ {
			if !runs(cmd.Process.Pid, "sleep") {
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatalf("start %d, look %d: a running sleep not recognised", i, j)
			}
		}
		os.WriteFile(pidFile, []byte(strconv.Itoa(cmd.Process.Pid)+"\n"), 0o600)
		if pid := procPid(pidFile, "sleep"); pid != cmd.Process.Pid {
			t.Fatalf("procPid = %d, want %d", pid, cmd.Process.Pid)
		}
		cmd.Process.Kill()
		cmd.Wait()
		if pid := procPid(pidFile, "sleep"); pid != 0 {
			t.Fatalf("an ended sleep recognised as pid %d", pid)
		}
	}
}

// TestLocalBackend: the default line a–b–c as processes on loopback, no root: up is
// idempotent, a reaches c, a crashed host comes back, restart keeps keys, down leaves nothing.
func TestLocalBackend(t *testing.T) {
	var out bytes.Buffer
	g, err := New(Default(), Options{StateDir: t.TempDir(), Pnicd: pnicd(t), Twind: twind(t), Chaind: chaind(t), Pind: pind(t), BasePort: 29650, Out: &out})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Down(true) })
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := g.Up(ctx); err != nil {
		t.Fatalf("up: %v\n%s", err, out.String())
	}
	if err := g.Up(ctx); err != nil || !strings.Contains(out.String(), "already running") {
		t.Fatalf("second up: %v\n%s", err, out.String())
	}
	if _, err := g.WaitReach(ctx, "a", "c"); err != nil {
		t.Fatal(err)
	}
	// Twins (twind processes) on a and c talk over RMB, through b.
	if _, err := g.WaitTwinReach(ctx, "alice", "carol"); err != nil {
		t.Fatal(err)
	}
	// A ping as gridctl makes it (log in, ping, Close on exit) leaves no session behind.
	g.Close()
	sessions := sessionCount(t, ctx, g, "alice")
	g.Close()
	if _, err := g.WaitTwinReach(ctx, "alice", "carol"); err != nil {
		t.Fatal(err)
	}
	g.Close()
	if after := sessionCount(t, ctx, g, "alice"); after != sessions {
		t.Fatalf("alice's sessions after a ping: %d, before %d", after, sessions)
	}
	g.Close()
	// status: every pnicd healthy and ready, the validator synced, every twind on its PNIC.
	for _, h := range g.Status() {
		if !h.Healthy || !h.Ready || h.Err != "" || h.LinksUp == 0 {
			t.Fatalf("host after up: %+v", h)
		}
	}
	for _, v := range g.Validators() {
		if !v.Healthy() {
			t.Fatalf("validator after up: %+v", v)
		}
	}
	for _, tw := range g.Twins() {
		if !tw.Healthy || tw.Err != "" {
			t.Fatalf("twin after up: %+v", tw)
		}
	}
	checkReport(t, g)
	// The login card tells alice's owner the command that works here: gridctl's, not twind's.
	resp, err := http.Get("http://" + g.TwinHTTP("alice") + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(page), ">gridctl login alice</pre>") {
		t.Fatalf("alice's login card does not name gridctl login alice:\n%s", page)
	}
	before := addresses(g)
	if err := g.Kill("b"); err != nil {
		t.Fatal(err)
	}
	if st := g.Status(); st[1].PID != 0 || st[1].Healthy || st[1].Err != "not running" {
		t.Fatalf("b still running after kill: %+v", st[1])
	}
	// gridctl status fails (exit 1) with b's pnicd gone, naming it.
	if err := g.Report().Err(); err == nil || !strings.Contains(err.Error(), "host b (not running)") || strings.Contains(err.Error(), "host a") {
		t.Fatalf("report with b's pnicd killed: err = %v, want it to name host b only among the hosts", err)
	}
	// bob's twind lost its PNIC: its /healthz says so.
	retry(t, ctx, "bob unhealthy without b's pnicd", func() error {
		if tw := g.Twins()[1]; tw.Healthy || tw.PID == 0 {
			return fmt.Errorf("bob: %+v", tw)
		}
		return nil
	})
	if err := g.StartHost(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	retry(t, ctx, "bob healthy again with b's pnicd back", func() error {
		if tw := g.Twins()[1]; !tw.Healthy {
			return fmt.Errorf("bob: %+v", tw)
		}
		return nil
	})
	if err := g.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	if after := addresses(g); after != before {
		t.Fatalf("addresses changed across restart: %s -> %s", before, after)
	}
	if _, err := g.WaitReach(ctx, "a", "c"); err != nil {
		t.Fatal(err)
	}
	// The twinds came back with the same keys: carol's reaches alice.
	if _, err := g.WaitTwinReach(ctx, "carol", "alice"); err != nil {
		t.Fatalf("after restart: %v", err)
	}
	if g.ComponentLog("bob") != g.TwinLogFile("bob") || g.ComponentLog("validator-b") == g.ComponentLog("b") {
		t.Fatal("component logs point at the wrong files")
	}
	if link, err := g.LoginLink("bob"); err != nil || !strings.HasPrefix(link, "http://"+g.TwinHTTP("bob")+"/login?") {
		t.Fatalf("login link for bob: %q %v", link, err)
	}
	pids := []int{}
	for _, s := range g.Status() {
		pids = append(pids, s.PID)
	}
	for _, s := range g.Twins() {
		if s.PID == 0 {
			t.Fatalf("twin %s has no twind running", s.Name)
		}
		pids = append(pids, s.PID)
	}
	if err := g.Down(false); err != nil {
		t.Fatal(err)
	}
	for _, pid := range pids {
		if !exited(pid) {
			b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
			t.Fatalf("process %d (%s) still running after down", pid, b)
		}
	}
}

// checkReport: the report of a healthy a–b–c network, through its JSON (gridctl status --json),
// gives every component's URL and health, the links between the hosts, and no error.
func checkReport(t *testing.T, g *Grid) {
	t.Helper()
	rep := g.Report()
	if err := rep.Err(); err != nil {
		t.Fatalf("report of a healthy network: %v", err)
	}
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var r struct {
		Backend string
		Hosts   []struct {
			Name, Health, Address string
			StatusURL             string `json:"status_url"`
			Links                 []struct {
				Peer      string
				Up        bool
				LatencyMS float64 `json:"latency_ms"`
			}
		}
		Validators []struct {
			RPC, Health string
			Height      int64
		}
		Twins []struct {
			Name, URL, Health string
			ID                uint64
		}
		Pins []struct {
			Host, API string
			Up        bool
		}
	}
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	if r.Backend != "local" || len(r.Hosts) != 3 || len(r.Validators) != 1 || len(r.Twins) != 3 || len(r.Pins) != 3 {
		t.Fatalf("report: %s", b)
	}
	for _, h := range r.Hosts {
		if h.Health != "ready" || h.Address == "" || h.StatusURL != "http://"+g.HTTPAddr(h.Name)+"/v1/status" || len(h.Links) == 0 {
			t.Fatalf("host %s in the report: %+v", h.Name, h)
		}
		for _, l := range h.Links {
			// a and c link to b, b to both: peers by name, not by key.
			if want := map[bool]string{true: "a c", false: "b"}[h.Name == "b"]; !l.Up || l.LatencyMS < 0 || !strings.Contains(want, l.Peer) || l.Peer == "" {
				t.Fatalf("link of %s in the report: %+v", h.Name, l)
			}
		}
	}
	for _, p := range r.Pins {
		if p.API != "http://"+g.PinHTTP(p.Host) || !p.Up {
			t.Fatalf("pind in the report: %+v", p)
		}
	}
	if v := r.Validators[0]; v.Health != "ok" || v.Height < 1 || v.RPC != g.ChainRPC() {
		t.Fatalf("validator in the report: %+v", v)
	}
	for i, tw := range r.Twins {
		if tw.Health != "ok" || tw.ID != uint64(i+1) || tw.URL != "http://"+g.TwinHTTP(tw.Name) {
			t.Fatalf("twin in the report: %+v", tw)
		}
	}
	resp, err := http.Get(r.Hosts[0].StatusURL)
	if err != nil {
		t.Fatalf("the status URL of a: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("the status URL of a answered %s", resp.Status)
	}
}

// retry calls fn until it succeeds or ctx ends.
func retry(t *testing.T, ctx context.Context, what string, fn func() error) {
	t.Helper()
	for {
		err := fn()
		if err == nil {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s: %v", what, err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// chat makes twins a and b contacts (a invites, b accepts) and has a send text to b, waiting
// until it is in b's history.
func chat(t *testing.T, ctx context.Context, g *Grid, a string, aID uint64, b string, bID uint64, text string) {
	t.Helper()
	wa, err := g.Owner(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	wb, err := g.Owner(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := wa.Call(ctx, func(rq schema.WsRequest) error {
		in, err := rq.NewInvite()
		if err != nil {
			return err
		}
		in.SetTwin(bID)
		return nil
	}); err != nil {
		t.Fatalf("invite: %v", err)
	}
	retry(t, ctx, "accept the invitation", func() error {
		_, err := wb.Call(ctx, func(rq schema.WsRequest) error { rq.SetAccept(aID); return nil })
		return err
	})
	retry(t, ctx, "chat", func() error {
		if _, err := wa.Call(ctx, func(rq schema.WsRequest) error {
			s, err := rq.NewSendChat()
			if err != nil {
				return err
			}
			s.SetTwin(bID)
			return s.SetText(text)
		}); err != nil {
			return err
		}
		if !inHistory(t, ctx, g, b, aID, text) {
			return fmt.Errorf("%q not in %s's history yet", text, b)
		}
		return nil
	})
}

// sendChats has twin from's owner send n chat messages to twin to, one every 50 ms, each with its
// own text ("PHASE i"), and returns the texts. The twind accepts each into its PNIC's outbox.
func sendChats(t *testing.T, ctx context.Context, g *Grid, from string, to uint64, phase string, n int) []string {
	t.Helper()
	w, err := g.Owner(ctx, from)
	if err != nil {
		t.Fatal(err)
	}
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	var texts []string
	for i := 0; i < n; i++ {
		text := fmt.Sprintf("%s %d", phase, i)
		if _, err := w.Call(ctx, func(rq schema.WsRequest) error {
			s, err := rq.NewSendChat()
			if err != nil {
				return err
			}
			s.SetTwin(to)
			return s.SetText(text)
		}); err != nil {
			t.Fatalf("send %q from %s: %v", text, from, err)
		}
		texts = append(texts, text)
		<-tick.C
	}
	return texts
}

// delivered waits until every one of texts is in twin name's chat with twin peer, received from
// peer, and fails if any is there more than once or none arrives within a minute.
func delivered(t *testing.T, ctx context.Context, g *Grid, name string, peer uint64, texts []string) {
	t.Helper()
	dctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	retry(t, dctx, fmt.Sprintf("%d messages to %s", len(texts), name), func() error {
		count := map[string]int{}
		for _, m := range history(t, ctx, g, name, peer) {
			if !m.outgoing {
				count[m.text]++
			}
		}
		var missing []string
		for _, text := range texts {
			switch count[text] {
			case 0:
				missing = append(missing, text)
			case 1:
			default:
				t.Fatalf("%q is in %s's history %d times, want once", text, name, count[text])
			}
		}
		if len(missing) > 0 {
			return fmt.Errorf("%d of %d not arrived, first %q", len(missing), len(texts), missing[0])
		}
		return nil
	})
}

// sessionCount is how many sessions twin name has, besides the one it opens to ask.
func sessionCount(t *testing.T, ctx context.Context, g *Grid, name string) int {
	t.Helper()
	w, err := g.Owner(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	r, err := w.Call(ctx, func(rq schema.WsRequest) error { rq.SetSessions(); return nil })
	if err != nil {
		t.Fatal(err)
	}
	l, err := r.Sessions()
	if err != nil {
		t.Fatal(err)
	}
	return l.Len() - 1
}

type chatEntry struct {
	text     string
	outgoing bool
}

// history returns up to 500 of the latest entries of twin name's chat with twin peer.
func history(t *testing.T, ctx context.Context, g *Grid, name string, peer uint64) []chatEntry {
	t.Helper()
	w, err := g.Owner(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	r, err := w.Call(ctx, func(rq schema.WsRequest) error {
		h, err := rq.NewHistory()
		if err != nil {
			return err
		}
		h.SetTwin(peer)
		h.SetLimit(500)
		return nil
	})
	if err != nil {
		t.Fatalf("history of %s: %v", name, err)
	}
	h, err := r.History()
	if err != nil {
		t.Fatal(err)
	}
	out := make([]chatEntry, h.Len())
	for i := range out {
		text, _ := h.At(i).Text()
		out[i] = chatEntry{text, h.At(i).Outgoing()}
	}
	return out
}

// inHistory reports whether twin name's chat with twin peer holds text.
func inHistory(t *testing.T, ctx context.Context, g *Grid, name string, peer uint64, text string) bool {
	t.Helper()
	for _, m := range history(t, ctx, g, name, peer) {
		if m.text == text {
			return true
		}
	}
	return false
}

// clearStale removes the namespaces of topo, and the processes in them, that an earlier test run
// which crashed before its cleanup left behind.
func clearStale(t *testing.T, topo Topology) {
	g := &Grid{t: topo}
	var nss []string
	for _, h := range topo.Hosts {
		nss = append(nss, g.hostNS(h.Name))
	}
	for _, i := range topo.ISPs {
		nss = append(nss, g.ispNS(i))
	}
	for _, ns := range nss {
		if !nsExists(ns) {
			continue
		}
		// A standby runs in the root namespace, beside its host's: found by its --netns.
		standbys, _ := exec.Command("pgrep", "-f", "standby .*--netns "+ns+" ").Output()
		for _, f := range strings.Fields(string(standbys)) {
			if pid, err := strconv.Atoi(f); err == nil {
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
		for _, pid := range nsPids(ns) {
			syscall.Kill(pid, syscall.SIGKILL)
			for i := 0; i < 50 && !exited(pid); i++ {
				time.Sleep(100 * time.Millisecond)
			}
		}
		if err := ip("netns", "del", ns); err != nil {
			t.Fatalf("stale namespace: %v", err)
		}
		t.Logf("removed stale namespace %s", ns)
	}
}

// lastLine is the last line of s.
func lastLine(s string) string {
	s = strings.TrimSuffix(s, "\n")
	return s[strings.LastIndex(s, "\n")+1:]
}

func addresses(g *Grid) string {
	var s []string
	for _, h := range g.Status() {
		s = append(s, h.Address)
	}
	return strings.Join(s, ",")
}

const fiveHosts = `
name: t5
isps: [isp1, isp2]
hosts:
  - {name: a, isps: [isp1, isp2], peers: [b, c]}
  - {name: b, isps: [isp1, isp2]}
  - {name: c, isps: [isp1, isp2], peers: [b]}
  - {name: d, isps: [isp1], peers: [b]}
  - {name: e, isps: [isp2], peers: [c]}
validators: [a, c, e]
twins:
  - {name: t1, host: a}
  - {name: t2, host: b}
  - {name: t3, host: c}
  - {name: t4, host: d}
  - {name: t5, host: e}
  - {name: t6, host: a}
  - {name: t7, host: b}
  - {name: t8, host: c}
  - {name: t9, host: d}
  - {name: t10, host: e}
`

// TestNetnsBackend: five hosts on two ISPs in namespaces with kernel TUNs, three chain validators,
// ten twinds registered on the chain: all ready and reachable; an ISP uplink cut and restored with
// gridctl's chaos words while a stream of chat messages crosses it, every message arriving exactly
// once over the other ISP and back; restart keeps keys, twin ids and chat history; down (with the
// recorded backend) leaves no namespace, link or process behind.
func TestNetnsBackend(t *testing.T) {
	testnet.RequireRoot(t)
	topo, err := Parse(strings.NewReader(fiveHosts))
	if err != nil {
		t.Fatal(err)
	}
	clearStale(t, topo)
	var out bytes.Buffer
	g, err := New(topo, Options{StateDir: t.TempDir(), Backend: Netns, Pnicd: pnicd(t), Twind: twind(t), Chaind: chaind(t), Out: &out})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Down(true) })
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := g.Up(ctx); err != nil {
		t.Fatalf("up: %v\n%s", err, out.String())
	}
	for _, pair := range [][2]string{{"a", "b"}, {"a", "c"}, {"d", "e"}, {"e", "a"}} {
		if _, err := g.WaitReach(ctx, pair[0], pair[1]); err != nil {
			t.Fatal(err)
		}
	}
	// t6 (on a) and t9 (on d, which has only isp1) become contacts: their chat crosses a's isp1
	// uplink, the one to be cut. a dials b and c over both ISPs: four links.
	chat(t, ctx, g, "t6", 6, "t9", 9, "before the cut")
	linksOfA := func(want int) {
		t.Helper()
		lctx, lcancel := context.WithTimeout(ctx, 30*time.Second)
		defer lcancel()
		retry(t, lctx, fmt.Sprintf("a with %d links up", want), func() error {
			if st := g.Status()[0]; st.LinksUp != want {
				return fmt.Errorf("a has %d links up", st.LinksUp)
			}
			return nil
		})
	}
	linksOfA(4)
	var sent []string
	stream := func(phase string, n int) {
		t.Helper()
		sent = append(sent, sendChats(t, ctx, g, "t6", 9, phase, n)...)
	}
	stream("before the cut", 5)
	// The cut goes through gridctl's own words, as `gridctl chaos cut a isp1` runs it; messages keep
	// coming while a's isp1 links time out and traffic moves to isp2.
	if err := g.Chaos(ctx, "cut", "a", "isp1"); err != nil {
		t.Fatal(err)
	}
	stream("while cut", 20)
	linksOfA(2)
	cctx, ccancel := context.WithTimeout(ctx, 15*time.Second)
	_, err = g.WaitReach(cctx, "a", "d") // d is only on isp1: reached through b or c
	ccancel()
	if err != nil {
		t.Fatalf("after cutting a's isp1 uplink: %v", err)
	}
	if _, err := g.WaitTwinReach(ctx, "t6", "t9"); err != nil {
		t.Fatalf("after cutting a's isp1 uplink: %v", err)
	}
	stream("over isp2", 5)
	delivered(t, ctx, g, "t9", 6, sent)
	if err := g.Chaos(ctx, "restore", "a", "isp1"); err != nil {
		t.Fatal(err)
	}
	stream("while restoring", 20)
	linksOfA(4)
	stream("back on isp1", 5)
	delivered(t, ctx, g, "t9", 6, sent)
	if err := g.Chaos(ctx, "cut", "a", "isp9"); err == nil || !strings.Contains(err.Error(), "no uplink") {
		t.Fatalf("chaos cut of an unknown uplink: err = %v", err)
	}
	// t1 and t7 become contacts and chat; the history must survive the restart.
	chat(t, ctx, g, "t1", 1, "t7", 7, "said before the restart")
	before := addresses(g)
	if err := g.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	if !inHistory(t, ctx, g, "t7", 1, "said before the restart") {
		t.Fatal("t7's chat history lost the message across the restart")
	}
	if after := addresses(g); after != before {
		t.Fatalf("addresses changed across restart: %s -> %s", before, after)
	}
	// Same twin ids and keys after the restart: every twin reaches t1.
	for _, tw := range topo.Twins[1:] {
		if _, err := g.WaitTwinReach(ctx, tw.Name, "t1"); err != nil {
			t.Fatalf("after restart: %v", err)
		}
	}
	// Down as `gridctl down` runs it, without --backend: the backend recorded by up decides, so
	// the namespaces and bridges go too.
	gd, err := New(topo, Options{StateDir: filepath.Dir(g.Dir()), Out: &out})
	if err != nil {
		t.Fatal(err)
	}
	if gd.Backend() != Netns {
		t.Fatalf("a grid on the same state directory, no backend asked, chose %s; want netns (recorded by up)", gd.Backend())
	}
	if err := gd.Down(false); err != nil {
		t.Fatal(err)
	}
	nss, _ := exec.Command("ip", "netns", "list").Output()
	if strings.Contains(string(nss), "gt5-") {
		t.Fatalf("namespaces left after down:\n%s", nss)
	}
	links, _ := exec.Command("ip", "link", "show").Output()
	if strings.Contains(string(links), "gv") || strings.Contains(string(links), "pnic0") {
		t.Fatalf("links left in the root namespace after down:\n%s", links)
	}
	ps, _ := exec.Command("pgrep", "-f", g.Dir()).Output()
	if len(bytes.TrimSpace(ps)) > 0 {
		t.Fatalf("processes left after down: %s", ps)
	}
}

const chainLine = `
name: ch
hosts:
  - {name: a, peers: [b]}
  - {name: b}
  - {name: c, peers: [b]}
validators: [b]
twins:
  - {name: alice, host: a}
  - {name: carol, host: c}
`

// TestLocalChain: a validator in the topology makes a dev chain; the twins are registered on it in
// topology order, the PNICs resolve them through it (--chain), the twinds reach each other, and a
// restart keeps the chain's blocks and the twins' registrations.
func TestLocalChain(t *testing.T) {
	topo, err := Parse(strings.NewReader(chainLine))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	g, err := New(topo, Options{StateDir: t.TempDir(), Pnicd: pnicd(t), Twind: twind(t),
		Chaind: chaind(t), BasePort: 28650, Out: &out})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Down(true) })
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := g.Up(ctx); err != nil {
		t.Fatalf("up: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "chain: 2 twins registered") {
		t.Fatalf("twins not registered on the chain:\n%s", out.String())
	}
	if _, err := g.WaitTwinReach(ctx, "alice", "carol"); err != nil {
		t.Fatal(err)
	}
	v := g.Validators()
	if len(v) != 1 || v[0].Err != "" || v[0].Height < 1 {
		t.Fatalf("validators: %+v", v)
	}
	// A crashed validator comes back where it was.
	if err := g.KillValidator("b"); err != nil {
		t.Fatal(err)
	}
	if down := g.Validators(); down[0].PID != 0 {
		t.Fatalf("validator still running after kill: %+v", down[0])
	}
	if err := g.StartValidator(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	if err := g.Restart(ctx); err != nil {
		t.Fatalf("restart: %v\n%s", err, out.String())
	}
	if after := g.Validators(); after[0].Height < v[0].Height {
		t.Fatalf("chain went back from height %d to %d across the restart", v[0].Height, after[0].Height)
	}
	if _, err := g.WaitTwinReach(ctx, "carol", "alice"); err != nil {
		t.Fatalf("after restart: %v", err)
	}
	if err := g.Down(false); err != nil {
		t.Fatal(err)
	}
	if v := g.Validators(); v[0].PID != 0 {
		t.Fatalf("validator still running after down: %+v", v[0])
	}
}

// twinIDOf asks a twin's twind, as its owner, which twin it is.
func twinIDOf(t *testing.T, ctx context.Context, g *Grid, name string) uint64 {
	t.Helper()
	w, err := g.Owner(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	r, err := w.Call(ctx, func(rq schema.WsRequest) error { rq.SetStatus(); return nil })
	if err != nil {
		t.Fatalf("status of twin %s: %v", name, err)
	}
	st, err := r.Status()
	if err != nil {
		t.Fatal(err)
	}
	return st.Twin()
}

// TestLocalFiveHosts: the topology of TestNetnsBackend without its ISPs, on the local backend (no
// root): five pnicd on loopback, three chain validators, ten twinds registered on the chain: all
// ready; every twin pings the next and the one before; restart keeps twin ids, keys and chat
// history; down leaves no process behind.
func TestLocalFiveHosts(t *testing.T) {
	topo, err := Parse(strings.NewReader(fiveHosts))
	if err != nil {
		t.Fatal(err)
	}
	topo.Name, topo.ISPs = "l5", nil
	for i := range topo.Hosts {
		topo.Hosts[i].ISPs = nil
	}
	if err := topo.Validate(); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	g, err := New(topo, Options{StateDir: t.TempDir(), Pnicd: pnicd(t), Twind: twind(t), Chaind: chaind(t), BasePort: 27650, Out: &out})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Down(true) })
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	if err := g.Up(ctx); err != nil {
		t.Fatalf("up: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "chain: 10 twins registered") {
		t.Fatalf("twins not registered on the chain:\n%s", out.String())
	}
	// Progress of every step, then one summary line.
	for _, want := range []string{"validators committing blocks: 3/3 in ", "pnicd ready: 5/5 in ", "starting twinds: 10/10 in ",
		"twinds on their PNICs: 10/10 in ", "network l5 up on the local backend in "} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("up's output lacks %q:\n%s", want, out.String())
		}
	}
	if last := lastLine(out.String()); !strings.HasSuffix(last, ": 5 hosts, 3 validators, 10 twins") {
		t.Fatalf("up's summary %q: want 5 hosts, 3 validators, 10 twins", last)
	}
	for _, h := range g.Status() {
		if !h.Ready || h.Err != "" {
			t.Fatalf("host %s not ready after up: %+v", h.Name, h)
		}
	}
	for _, v := range g.Validators() {
		if v.Err != "" || v.Height < 1 {
			t.Fatalf("validator after up: %+v", v)
		}
	}
	ring := func(when string) {
		t.Helper()
		n := len(topo.Twins)
		for i, tw := range topo.Twins {
			for _, j := range []int{(i + 1) % n, (i + n - 1) % n} {
				if _, err := g.WaitTwinReach(ctx, tw.Name, topo.Twins[j].Name); err != nil {
					t.Fatalf("%s: %v", when, err)
				}
			}
		}
	}
	ring("after up")
	// t1 (on a) and t5 (on e, two hops away through c) become contacts and chat.
	chat(t, ctx, g, "t1", 1, "t5", 5, "said before the restart")
	before := addresses(g)
	if err := g.Restart(ctx); err != nil {
		t.Fatalf("restart: %v\n%s", err, out.String())
	}
	if last := lastLine(out.String()); !strings.HasPrefix(last, "network l5 restarted on the local backend in ") || !strings.HasSuffix(last, ": 5 hosts, 3 validators, 10 twins") {
		t.Fatalf("restart's summary %q", last)
	}
	if after := addresses(g); after != before {
		t.Fatalf("addresses changed across restart: %s -> %s", before, after)
	}
	for i, tw := range topo.Twins {
		if id := twinIDOf(t, ctx, g, tw.Name); id != uint64(i+1) {
			t.Fatalf("after restart twin %s says it is twin %d, want %d", tw.Name, id, i+1)
		}
	}
	if !inHistory(t, ctx, g, "t5", 1, "said before the restart") {
		t.Fatal("t5's chat history lost the message across the restart")
	}
	ring("after restart")
	var pids []int
	for _, s := range g.Status() {
		pids = append(pids, s.PID)
	}
	for _, s := range g.Validators() {
		pids = append(pids, s.PID)
	}
	for _, s := range g.Twins() {
		pids = append(pids, s.PID)
	}
	if err := g.Down(false); err != nil {
		t.Fatal(err)
	}
	if last := lastLine(out.String()); !strings.HasSuffix(last, ": 5 of 5 hosts, 3 of 3 validators, 10 of 10 twinds were running and are stopped") {
		t.Fatalf("down's summary %q", last)
	}
	for _, pid := range pids {
		if pid == 0 || !exited(pid) {
			b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
			t.Fatalf("process %d (%s) not running before down, or still running after it", pid, b)
		}
	}
	ps, _ := exec.Command("pgrep", "-f", g.Dir()).Output()
	if len(bytes.TrimSpace(ps)) > 0 {
		t.Fatalf("processes left after down: %s", ps)
	}
}

// TestTwinLocation: a twin's optional location is checked like the chain checks it and read as
// "City, Country", as twind's --location is.
func TestTwinLocation(t *testing.T) {
	top := Topology{Name: "x", Hosts: []Host{{Name: "a"}}, Twins: []Twin{{Name: "t1", Host: "a", Location: "Ghent, BE"}}}
	if err := top.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{strings.Repeat("x", maxLocation+1), "a\nb", "\xff"} {
		top.Twins[0].Location = bad
		if err := top.Validate(); err == nil || !strings.Contains(err.Error(), "location") {
			t.Errorf("location %q: err = %v, want it refused", bad, err)
		}
	}
	for in, want := range map[string]chain.Location{"Ghent, BE": {City: "Ghent", Country: "BE"}, "s03": {City: "s03"}, ", s03": {Country: "s03"}, "": {}} {
		if got := chainLocation(in); got != want {
			t.Errorf("chainLocation(%q) = %+v, want %+v", in, got, want)
		}
	}
}
