// Command gridctl brings whole Planetary networks up, down and back from one topology file.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/freeflowuniverse/planetary/grid"
	"github.com/freeflowuniverse/planetary/internal/cli"
	"github.com/freeflowuniverse/planetary/internal/version"
)

const usage = `usage: gridctl [flags] COMMAND
commands:
  up                        start every host (idempotent) and wait until all are ready
  down [--purge]            stop everything, remove namespaces and bridges (--purge: keys and logs too)
  restart                   down and up, keeping keys
  status                    every component's health: pnicd (/healthz, /readyz), validators
                            (CometBFT /status height), twinds (/healthz); addresses and links
  ping TWIN TWIN            RMB ping from one twin to another, through the first one's twind
  login TWIN                a fresh one-time login link for a twin's owner
  logs NAME [N]             the last N (default 50) lines of a host's pnicd log, a twin's twind log
                            or, as validator-HOST, a validator's chaind log
  run                       up, show the network, wait for Ctrl-C, down
  chaos cut|restore HOST ISP   cut or restore an uplink (netns backend)
  chaos kill|start HOST        crash a host's pnicd or start it again
  chaos kill-validator|start-validator HOST   crash a host's chain validator or start it again
  probe URL                 exit 0 if URL answers 2xx within 3 s, else 1: a health check for
                            supervisors (the flist's zinit test lines) of any component's endpoint
  version
flags:`

func main() { cli.Main("gridctl", run) }

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("gridctl", flag.ContinueOnError)
	fs.SetOutput(stderr)
	topo := fs.String("topology", "", "topology YAML file (default: the embedded three-host line a–b–c)")
	state := fs.String("state", ".grid", "state directory: keys, logs and pids of every network")
	backend := fs.String("backend", "", "local (processes on loopback) or netns (root: namespaces, kernel TUN); default: the one the network was brought up on, else local")
	pnicd := fs.String("pnicd", "", "pnicd binary (default: beside gridctl, else on PATH)")
	chaind := fs.String("chaind", "", "chaind binary, for topologies with validators (default: beside gridctl, else on PATH)")
	twind := fs.String("twind", "", "twind binary, run for every twin (default: beside gridctl, else on PATH)")
	fs.Usage = func() { fmt.Fprintln(stderr, usage); fs.PrintDefaults() }
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return cli.Usage(err)
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return cli.Usage(errors.New("missing command"))
	}
	cmd, rest := fs.Arg(0), fs.Args()[1:]
	switch cmd {
	case "version":
		fmt.Fprintln(stdout, "gridctl", version.Version)
		return nil
	case "probe":
		return probe(rest, stdout)
	}
	t := grid.Default()
	if *topo != "" {
		var err error
		if t, err = grid.Load(*topo); err != nil {
			return cli.Usage(err)
		}
	}
	g, err := grid.New(t, grid.Options{StateDir: *state, Backend: grid.Backend(*backend), Pnicd: *pnicd, Chaind: *chaind, Twind: *twind, Out: stdout})
	if err != nil {
		return cli.Usage(err)
	}
	defer g.Close() // log out of the twinds commands such as ping logged in to
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	switch cmd {
	case "up":
		return g.Up(ctx)
	case "down":
		purge := len(rest) == 1 && rest[0] == "--purge"
		if len(rest) > 0 && !purge {
			return cli.Usage(fmt.Errorf("down takes only --purge"))
		}
		return g.Down(purge)
	case "restart":
		return g.Restart(ctx)
	case "status":
		printStatus(stdout, g)
		return nil
	case "logs":
		if len(rest) < 1 {
			return cli.Usage(errors.New("logs wants a host or twin name"))
		}
		b, err := os.ReadFile(g.ComponentLog(rest[0]))
		if err != nil {
			return fmt.Errorf("logs of %s: %w", rest[0], err)
		}
		n := 50
		if len(rest) > 1 {
			fmt.Sscan(rest[1], &n)
		}
		lines := splitLines(string(b))
		if len(lines) > n {
			lines = lines[len(lines)-n:]
		}
		for _, l := range lines {
			fmt.Fprintln(stdout, l)
		}
		return nil
	case "run":
		return runInteractive(ctx, g, stdout)
	case "chaos":
		return g.Chaos(ctx, rest...)
	case "login":
		if len(rest) != 1 {
			return cli.Usage(errors.New("login wants a twin name"))
		}
		link, err := g.LoginLink(rest[0])
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, link)
		return nil
	case "ping":
		if len(rest) != 2 {
			return cli.Usage(errors.New("ping wants two twin names: FROM TO"))
		}
		pctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		rtt, err := g.WaitTwinReach(pctx, rest[0], rest[1])
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "twin %s reaches twin %s over RMB: %.2f ms\n", rest[0], rest[1], float64(rtt.Microseconds())/1000)
		return nil
	}
	return cli.Usage(fmt.Errorf("unknown command %q", cmd))
}

func splitLines(s string) []string {
	var out []string
	for len(s) > 0 {
		i := 0
		for i < len(s) && s[i] != '\n' {
			i++
		}
		out = append(out, s[:i])
		if i < len(s) {
			i++
		}
		s = s[i:]
	}
	return out
}

func printStatus(w io.Writer, g *grid.Grid) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "HOST\tPID\tHEALTH\tLINKS\tADDRESS\tSTATUS URL\tERROR")
	for _, s := range g.Status() {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%d\t%s\thttp://%s/v1/status\t%s\n", s.Name, s.PID, hostHealth(s), s.LinksUp, s.Address, g.HTTPAddr(s.Name), s.Err)
	}
	tw.Flush()
	if vals := g.Validators(); len(vals) > 0 {
		fmt.Fprintln(w)
		tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "VALIDATOR\tPID\tHEALTH\tHEIGHT\tRPC\tERROR")
		for _, v := range vals {
			fmt.Fprintf(tw, "%s\t%d\t%s\t%d\thttp://%s\t%s\n", v.Host, v.PID, validatorHealth(v), v.Height, v.RPC, v.Err)
		}
		tw.Flush()
	}
	if twins := g.Twins(); len(twins) > 0 {
		fmt.Fprintln(w)
		tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "TWIN\tID\tHOST\tPID\tHEALTH\tURL\tADDRESS\tERROR")
		for _, t := range twins {
			fmt.Fprintf(tw, "%s\t%d\t%s\t%d\t%s\t%s\t%s\t%s\n", t.Name, t.ID, t.Host, t.PID, twinHealth(t), t.URL, t.Address, t.Err)
		}
		tw.Flush()
	}
}

// hostHealth says in a word what a pnicd's /healthz and /readyz answered.
func hostHealth(s grid.HostStatus) string {
	switch {
	case s.PID == 0:
		return "stopped"
	case s.Healthy && s.Ready:
		return "ready"
	case s.Healthy:
		return "no-link"
	}
	return "failing"
}

// validatorHealth says in a word what a validator's CometBFT /status answered.
func validatorHealth(v grid.ValidatorStatus) string {
	switch {
	case v.PID == 0:
		return "stopped"
	case v.Healthy():
		return "ok"
	case v.Err == "" && v.CatchingUp:
		return "catching-up"
	}
	return "failing"
}

// twinHealth says in a word what a twind's /healthz answered.
func twinHealth(t grid.TwinStatus) string {
	switch {
	case t.URL == "":
		return "-" // no twinds in this grid
	case t.PID == 0:
		return "stopped"
	case t.Healthy:
		return "ok"
	}
	return "failing"
}

// runInteractive is make run: up, check the first host reaches every other, show, wait, down.
func runInteractive(ctx context.Context, g *grid.Grid, w io.Writer) error {
	defer func() {
		fmt.Fprintln(w, "\nstopping...")
		if err := g.Down(false); err != nil {
			fmt.Fprintln(w, "down:", err)
		}
		fmt.Fprintf(w, "stopped; keys and logs kept in %s\n", g.Dir())
	}()
	if err := g.Up(ctx); err != nil {
		return err
	}
	hosts := g.Topology().Hosts
	for _, h := range hosts[1:] {
		rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		rtt, err := g.WaitReach(rctx, hosts[0].Name, h.Name)
		cancel()
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%s reaches %s over the overlay: %.2f ms\n", hosts[0].Name, h.Name, float64(rtt.Microseconds())/1000)
	}
	twins := g.Topology().Twins
	if len(twins) > 1 {
		for _, t := range twins[1:] {
			rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			rtt, err := g.WaitTwinReach(rctx, twins[0].Name, t.Name)
			cancel()
			if err != nil {
				return err
			}
			fmt.Fprintf(w, "twin %s reaches twin %s over RMB: %.2f ms\n", twins[0].Name, t.Name, float64(rtt.Microseconds())/1000)
		}
	}
	fmt.Fprintln(w)
	printStatus(w, g)
	if len(twins) > 0 {
		fmt.Fprintln(w, "\nopen a twin as its owner (one-time links; gridctl login TWIN makes new ones):")
		for _, t := range twins {
			link, err := g.LoginLink(t.Name)
			if err != nil {
				return err
			}
			fmt.Fprintf(w, "  %-8s %s\n", t.Name, link)
		}
	}
	fmt.Fprintf(w, "\nlogs: gridctl logs HOST or TWIN (files in %s); Ctrl-C stops the network\n", g.Dir())
	<-ctx.Done()
	return nil
}

// probe GETs one http URL and succeeds if it answers 2xx within 3 s.
func probe(args []string, w io.Writer) error {
	if len(args) != 1 {
		return cli.Usage(errors.New("probe wants one URL"))
	}
	u, err := url.Parse(args[0])
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return cli.Usage(fmt.Errorf("probe %q: want an http:// or https:// URL", args[0]))
	}
	c := &http.Client{Timeout: 3 * time.Second}
	resp, err := c.Get(u.String())
	if err != nil {
		return fmt.Errorf("probe: %w", err)
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("probe %s: %s", u, resp.Status)
	}
	fmt.Fprintf(w, "%s: %s\n", u, resp.Status)
	return nil
}
