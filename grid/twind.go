package grid

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/freeflowuniverse/planetary/internal/netns"
	"github.com/freeflowuniverse/planetary/rmb/schema"
	"github.com/freeflowuniverse/planetary/twin/daemon"
	"github.com/freeflowuniverse/planetary/twin/wsclient"
)

// Each twin runs as a twind process beside its host's pnicd: on the local backend in the caller's
// namespace, on the netns backend inside the host's namespace (so a host that dies takes its
// twins down), where its owner reaches it on the namespace's loopback. It reaches its PNIC through
// the Unix socket. Twin i serves on BasePort + 10·hosts + i, on whichever host it runs.

func (g *Grid) twinDataDir(name string) string { return filepath.Join(g.dir, "twins", name) }
func (g *Grid) twinPidFile(name string) string { return filepath.Join(g.dir, "twin-"+name+".pid") }

// TwinLogFile is the path of a twin's twind log.
func (g *Grid) TwinLogFile(name string) string { return filepath.Join(g.dir, "twin-"+name+".log") }

func (g *Grid) twinPort(i int) int { return g.o.BasePort + 10*len(g.t.Hosts) + i }

// TwinHTTP is the loopback address where a twin serves its owner.
func (g *Grid) TwinHTTP(name string) string {
	for i, tw := range g.t.Twins {
		if tw.Name == name {
			return fmt.Sprintf("127.0.0.1:%d", g.twinPort(i))
		}
	}
	return ""
}

func (g *Grid) twindPid(name string) int { return procPid(g.place(name).pidFile, "twind") }

// startTwin launches twin i's twind detached from this process.
func (g *Grid) startTwin(i int) error {
	tw := g.t.Twins[i]
	if err := os.MkdirAll(g.twinDataDir(tw.Name), 0o700); err != nil {
		return err
	}
	args := []string{"--data", g.twinDataDir(tw.Name), "--pnic", g.socketPath(tw.Host),
		"--http", g.TwinHTTP(tw.Name), "--key", g.TwinKeyFile(tw.Name), "--directory", g.resolverFile(),
		"--login-command", "gridctl login " + tw.Name} // its login links come from gridctl, not twind login-link
	if rpc := g.ChainRPC(); rpc != "" {
		args = append(args, "--chain", rpc) // registered by registerTwins; lookups proven on the chain
	}
	name := g.o.Twind
	if g.o.Backend == Netns {
		if g.standbys() && g.o.Grace > 0 {
			hi, _, _ := g.t.host(tw.Host)
			if sb, ok := g.standbyOf(hi); ok {
				addr, key, err := g.standbyAddr(sb)
				if err != nil {
					return err
				}
				args = append(args, "--standby", addr, "--standby-key", key)
			}
		}
		name, args = "ip", append([]string{"netns", "exec", g.hostNS(tw.Host), g.o.Twind}, args...)
	}
	return g.spawn("twind for "+tw.Name, g.TwinLogFile(tw.Name), g.twinPidFile(tw.Name), name, args...)
}

// twinHealth is what a twind's GET /healthz says.
type twinHealth struct {
	Twin      uint64 `json:"twin"`
	Connected bool   `json:"pnic_connected"`
	Standby   bool   `json:"standby"`
}

// twinHealth asks a twin's twind for its /healthz (served once it has reached its PNIC).
func (g *Grid) twinHealth(name string) (twinHealth, error) {
	var h twinHealth
	resp, err := g.twinClient(g.place(name).host, 3*time.Second).Get("http://" + g.TwinHTTP(name) + "/healthz")
	if err != nil {
		return h, err
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&h); err != nil {
		return h, fmt.Errorf("/healthz of twin %s (%s): %w", name, resp.Status, err)
	}
	return h, nil
}

// waitTwin waits until a twin's twind says on /healthz that it is connected to its PNIC.
func (g *Grid) waitTwin(ctx context.Context, name string) error {
	// Twenty twinds and their standbys starting beside other work on two cores took more than a
	// minute once; a twin that is really stuck still fails here, with its log.
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	for {
		// A twin a standby took over is started by that standby: wait for it to appear.
		if p := g.place(name); g.twindPid(name) == 0 && !p.moved {
			return fmt.Errorf("twind of %s exited; last lines of %s:\n%s", name, p.logFile, tail(p.logFile, 15))
		}
		// With standbys, a twin counts as up once its standby holds its snapshot too.
		if h, err := g.twinHealth(name); err == nil && h.Connected && (h.Standby || !g.replicated(name)) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("twin %s not serving: %w; last lines of %s:\n%s", name, ctx.Err(), g.TwinLogFile(name), tail(g.TwinLogFile(name), 15))
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// upTwins starts every twind not already running and waits until all are on their PNICs.
func (g *Grid) upTwins(ctx context.Context) (count, error) {
	c := count{all: len(g.t.Twins)}
	if g.o.NoTwind || len(g.t.Twins) == 0 {
		return c, nil
	}
	bar := g.phase("starting twinds", len(g.t.Twins))
	for i, tw := range g.t.Twins {
		if g.twindPid(tw.Name) != 0 {
			c.already++
		} else if g.place(tw.Name).moved {
			c.already++ // its standby, which took it over, starts it
		} else if err := g.startTwin(i); err != nil {
			return c, err
		} else {
			c.acted++
		}
		bar.Add(1)
	}
	bar.Done()
	bar = g.phase("twinds on their PNICs", len(g.t.Twins))
	for _, tw := range g.t.Twins {
		if err := g.waitTwin(ctx, tw.Name); err != nil {
			return c, err
		}
		bar.Add(1)
	}
	bar.Done()
	return c, nil
}

// downTwins stops every twind.
func (g *Grid) downTwins() (count, []error) {
	g.closeOwners()
	ps := make([]proc, len(g.t.Twins))
	for i, tw := range g.t.Twins {
		ps[i] = proc{"twin " + tw.Name, g.twinPidFile(tw.Name), "twind"}
	}
	return g.stopAll("stopping twinds", ps)
}

// LoginLink returns a fresh one-time login link for a twin's owner.
func (g *Grid) LoginLink(name string) (string, error) {
	if _, _, ok := g.t.twin(name); !ok {
		return "", fmt.Errorf("unknown twin %q", name)
	}
	return daemon.LoginLink(g.place(name).data, g.TwinHTTP(name))
}

// replicated reports whether twin name streams its store to a standby.
func (g *Grid) replicated(name string) bool {
	if !g.standbys() || g.o.Grace <= 0 {
		return false
	}
	_, tw, _ := g.t.twin(name)
	hi, _, _ := g.t.host(tw.Host)
	_, ok := g.standbyOf(hi)
	return ok
}

// Owner returns a websocket to a twin's twind, logged in as its owner, kept for later calls
// (down and Close log it out). Its events are drained and dropped: use it for requests.
func (g *Grid) Owner(ctx context.Context, name string) (*wsclient.Conn, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if c, ok := g.owners[name]; ok {
		select {
		case <-c.done:
			delete(g.owners, name)
		default:
			return c.conn, nil
		}
	}
	link, err := g.LoginLink(name)
	if err != nil {
		return nil, err
	}
	tr := http.DefaultTransport
	if g.o.Backend == Netns {
		tr = &http.Transport{DialContext: netns.Dialer(g.hostNS(g.place(name).host))}
	}
	hc, err := wsclient.LoginWith(ctx, link, tr)
	if err != nil {
		return nil, fmt.Errorf("twin %s: %w", name, err)
	}
	base := "http://" + g.TwinHTTP(name)
	c, err := wsclient.Dial(ctx, base, hc)
	if err != nil {
		// Not to leave the session behind.
		return nil, fmt.Errorf("twin %s: %w", name, errors.Join(err, wsclient.Logout(ctx, base, hc)))
	}
	oc := &ownerConn{conn: c, hc: hc, base: base, done: make(chan struct{})}
	go func() { // events are not needed here; drain them so the connection never stalls
		for range c.Events() {
		}
		close(oc.done)
	}()
	if g.owners == nil {
		g.owners = make(map[string]*ownerConn)
	}
	g.owners[name] = oc
	return c, nil
}

type ownerConn struct {
	conn *wsclient.Conn
	hc   *http.Client // holds the session cookie, for the logout
	base string
	done chan struct{}
}

// Close logs out of the twinds Owner logged in to, so no session is left behind when the tool
// exits, and closes the grid's chain client; the Grid can be used again.
func (g *Grid) Close() {
	g.closeOwners()
	g.ccMu.Lock()
	cc := g.cc
	g.cc = nil
	g.ccMu.Unlock()
	if cc != nil {
		cc.Close()
	}
}

// closeOwners closes the owner websockets and ends their sessions.
func (g *Grid) closeOwners() {
	g.mu.Lock()
	owners := g.owners
	g.owners = nil
	g.mu.Unlock()
	for name, c := range owners {
		c.conn.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if err := wsclient.Logout(ctx, c.base, c.hc); err != nil {
			g.say("twin %s: session left behind: %v", name, err)
		}
		cancel()
	}
}

// pingViaTwind asks twin from's twind, as its owner, to ping twin to.
func (g *Grid) pingViaTwind(ctx context.Context, from string, to uint64) (time.Duration, error) {
	c, err := g.Owner(ctx, from)
	if err != nil {
		return 0, err
	}
	r, err := c.Call(ctx, func(rq schema.WsRequest) error { rq.SetPing(to); return nil })
	if err != nil {
		return 0, err
	}
	return time.Duration(r.Rtt()), nil
}
