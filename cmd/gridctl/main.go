// Command gridctl brings whole Planetary networks up, down and back from one topology file.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
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
  status [--json]           every component's health: pnicd (/healthz, /readyz), validators
                            (CometBFT /status height), twinds (/healthz), pinds (/readyz); URLs, addresses and
                            links; exit 1 if one that should run does not
  ping TWIN TWIN            RMB ping from one twin to another, through the first one's twind
  login TWIN                a fresh one-time login link for a twin's owner
  pin-token TWIN            a bearer token for the grid's pinds, signed by the twin's key
  logs NAME [N]             the last N (default 50) lines of a host's pnicd log, a twin's twind log
                            or, as validator-HOST, a validator's chaind log, as pin-HOST a pind's
  run                       up, show the network, wait for Ctrl-C, down
  chaos cut|restore HOST ISP   cut or restore an uplink (netns backend)
  chaos kill|start HOST        crash a host's pnicd or start it again
  chaos kill-validator|start-validator HOST   crash a host's chain validator or start it again
  chaos kill-pin|start-pin HOST                crash a host's pind or start it again
  gen --sites N [--hosts-per-site N] [--twins N] [--validators N] [--seed S] [--name NAME] [-o FILE]
                            write a topology: N sites of two ISPs each, their hosts on both,
                            joined by a ring plus seeded chords (some sites route via a third);
                            twins round-robin over the hosts, their site as location
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
	pind := fs.String("pind", "", "pind binary, for topologies with pins (default: beside gridctl, else on PATH)")
	grace := fs.Duration("relocate-after", 0, "netns backend with a chain: twins replicate to the next host's standby, which takes them over after they have been silent this long (e.g. 10s); 0: no relocation; default: what up recorded")
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
	case "gen":
		return gen(rest, stdout, stderr)
	}
	t := grid.Default()
	if *topo != "" {
		var err error
		if t, err = grid.Load(*topo); err != nil {
			return cli.Usage(err)
		}
	}
	g, err := grid.New(t, grid.Options{StateDir: *state, Backend: grid.Backend(*backend), Pnicd: *pnicd, Chaind: *chaind, Twind: *twind, Pind: *pind, Grace: *grace, Out: stdout})
	if err != nil {
		return cli.Usage(err)
	}
	defer g.Close() // log out of the twinds commands such as ping logged in to
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	switch cmd {
	case "up", "restart", "run":
		if err := noFlags(cmd, rest); err != nil {
			return err
		}
		if len(rest) > 0 {
			return cli.Usagef("%s takes no arguments: %q", cmd, rest[0])
		}
	}
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
		return status(g, rest, stdout, stderr)
	case "logs":
		if len(rest) < 1 {
			return cli.Usage(errors.New("logs wants a host or twin name"))
		}
		if err := noFlags("logs", rest); err != nil {
			return err
		}
		if len(rest) > 2 {
			return cli.Usage(errors.New("logs wants a name and at most a line count"))
		}
		n := 50
		if len(rest) > 1 {
			if n, err = strconv.Atoi(rest[1]); err != nil || n < 1 {
				return cli.Usagef("logs %s %s: want a positive number of lines", rest[0], rest[1])
			}
		}
		path := g.ComponentLog(rest[0])
		if path == "" {
			return cli.Usagef("unknown host or twin %s (validators are validator-HOST, pinds pin-HOST)", rest[0])
		}
		b, err := os.ReadFile(path)
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("no log of %s yet: %s does not exist (gridctl up starts the network)", rest[0], path)
		}
		if err != nil {
			return fmt.Errorf("logs of %s: %w", rest[0], err)
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
		if err := noFlags("chaos", rest); err != nil {
			return err
		}
		return g.Chaos(ctx, rest...)
	case "login":
		if err := noFlags("login", rest); err != nil {
			return err
		}
		if len(rest) != 1 {
			return cli.Usage(errors.New("login wants a twin name"))
		}
		link, err := g.LoginLink(rest[0])
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, link)
		return nil
	case "pin-token":
		if err := noFlags("pin-token", rest); err != nil {
			return err
		}
		if len(rest) != 1 {
			return cli.Usage(errors.New("pin-token wants a twin name"))
		}
		tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		tok, err := g.PinToken(tctx, rest[0])
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, tok)
		return nil
	case "ping":
		if err := noFlags("ping", rest); err != nil {
			return err
		}
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

// status prints every component's health, as a table or (--json) as one JSON object, and fails
// when a component that should run does not.
func status(g *grid.Grid, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("gridctl status", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print one JSON object: hosts, validators, twins and pins with their URLs and health")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return cli.Usage(fmt.Errorf("status: %w", err))
	}
	if fs.NArg() > 0 {
		return cli.Usagef("status takes no arguments: %q", fs.Arg(0))
	}
	r := g.Report()
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(r); err != nil {
			return fmt.Errorf("status: %w", err)
		}
	} else {
		printStatus(stdout, r)
	}
	return r.Err()
}

// noFlags refuses what looks like a flag among a command's arguments: no names start with "-", so
// it is a flag the command does not have, not one to ignore.
func noFlags(cmd string, args []string) error {
	for _, a := range args {
		if strings.HasPrefix(a, "-") {
			return cli.Usagef("%s has no flag %s", cmd, a)
		}
	}
	return nil
}

func printStatus(w io.Writer, r grid.Report) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "HOST\tPID\tHEALTH\tLINKS\tADDRESS\tSTATUS URL\tERROR")
	for _, h := range r.Hosts {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%d\t%s\t%s\t%s\n", h.Name, h.PID, h.Health, h.LinksUp, h.Address, h.StatusURL, h.Error)
	}
	tw.Flush()
	if len(r.Validators) > 0 {
		fmt.Fprintln(w)
		tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "VALIDATOR\tPID\tHEALTH\tHEIGHT\tRPC\tERROR")
		for _, v := range r.Validators {
			fmt.Fprintf(tw, "%s\t%d\t%s\t%d\t%s\t%s\n", v.Host, v.PID, v.Health, v.Height, v.RPC, v.Error)
		}
		tw.Flush()
	}
	if len(r.Twins) > 0 {
		fmt.Fprintln(w)
		tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "TWIN\tID\tHOST\tPID\tHEALTH\tURL\tADDRESS\tERROR")
		for _, t := range r.Twins {
			fmt.Fprintf(tw, "%s\t%d\t%s\t%d\t%s\t%s\t%s\t%s\n", t.Name, t.ID, t.Host, t.PID, t.Health, t.URL, t.Address, t.Error)
		}
		tw.Flush()
	}
	if len(r.Pins) > 0 {
		fmt.Fprintln(w)
		tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "PIND\tPID\tUP\tAPI\tERROR")
		for _, p := range r.Pins {
			fmt.Fprintf(tw, "%s\t%d\t%t\t%s\t%s\n", p.Host, p.PID, p.Up, p.API, p.Error)
		}
		tw.Flush()
	}
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
	printStatus(w, g.Report())
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

// gen writes a generated topology to -o or stdout.
func gen(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("gridctl gen", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // a mistake is one line, from cli.Main; -h shows the flags
	fs.Usage = func() {}
	var o grid.GenOptions
	fs.IntVar(&o.Sites, "sites", 0, fmt.Sprintf("sites (\"countries\"), 1 to %d; each has two ISPs", grid.MaxGenSites))
	fs.IntVar(&o.HostsPerSite, "hosts-per-site", 2, "hosts in each site, uplinked to both of its ISPs")
	fs.IntVar(&o.Twins, "twins", 0, fmt.Sprintf("twins, 0 to %d, spread over the hosts round-robin", grid.MaxGenTwins))
	fs.IntVar(&o.Validators, "validators", 1, "chain validators, on hosts spread over the sites")
	fs.Int64Var(&o.Seed, "seed", 1, "picks the inter-site chords; the same flags give the same file")
	fs.StringVar(&o.Name, "name", "gen", "network name")
	out := fs.String("o", "", "output file (default: stdout)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stderr)
			fs.PrintDefaults()
			return err
		}
		return cli.Usage(fmt.Errorf("gen: %w", err))
	}
	if fs.NArg() > 0 {
		return cli.Usagef("gen takes no arguments: %q", fs.Arg(0))
	}
	if o.Sites == 0 {
		return cli.Usagef("gen: --sites is required")
	}
	t, err := grid.Gen(o)
	if err != nil {
		return cli.Usage(fmt.Errorf("gen: %w", err))
	}
	b, err := t.Marshal()
	if err != nil {
		return fmt.Errorf("gen: %w", err)
	}
	if *out == "" {
		_, err = stdout.Write(b)
		return err
	}
	if err := os.WriteFile(*out, b, 0o644); err != nil {
		return fmt.Errorf("gen: %w", err)
	}
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
