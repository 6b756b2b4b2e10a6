// Command pnicd is the Planetary NIC daemon: a yggdrasil overlay node on a kernel TUN or a
// userspace netstack, with multipath QUIC links and a health, status and metrics server.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	chainclient "github.com/freeflowuniverse/planetary/chain/client"
	"github.com/freeflowuniverse/planetary/internal/cli"
	"github.com/freeflowuniverse/planetary/internal/version"
	"github.com/freeflowuniverse/planetary/pnic"
	"github.com/freeflowuniverse/planetary/rmb/bus"
	"github.com/freeflowuniverse/planetary/rmb/chainresolve"
	"github.com/freeflowuniverse/planetary/rmb/service"
)

func main() {
	// RMB's QUIC runs over the overlay, not a UDP socket, so quic-go cannot size socket buffers
	// there; its warning about that would only confuse whoever reads the log.
	os.Setenv("QUIC_GO_DISABLE_RECEIVE_BUFFER_WARNING", "true")
	cli.Main("pnicd", run)
}

func run(args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		switch args[0] {
		case "version":
			fmt.Fprintln(stdout, "pnicd", version.Version)
			return nil
		case "status":
			return status(args[1:], stdout, stderr)
		case "ping":
			return ping(args[1:], stdout, stderr)
		case "twin":
			return twinCmd(args[1:], stdout, stderr)
		}
	}
	return daemon(args, stderr)
}

type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(s string) error { *m = append(*m, s); return nil }

func daemon(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("pnicd", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		cfgFile   = fs.String("config", "", "YAML config file (flags win over it)")
		data      = fs.String("data", "", "data directory (default ~/.planetary/pnic)")
		listen    multi
		peers     multi
		tunMode   = fs.String("tun", "", "packet device: auto, kernel or userspace (default auto)")
		tunName   = fs.String("tun-name", "", "kernel TUN name (default pnic0)")
		mtu       = fs.Int("mtu", 0, "device MTU (default 65535 kernel, 16384 userspace)")
		socket    = fs.String("socket", "", "Unix socket for local twins, or off for no message bus (default <data>/pnic.sock)")
		resolver  = fs.String("resolver", "", "JSON file of twins: id, keys, hosting PNIC (default <data>/twins.json)")
		chainRPC  = fs.String("chain", "", "resolve twins through the chain node at this RPC address (http://127.0.0.1:26657) instead of the file")
		httpAddr  = fs.String("http", "", "health, status and metrics address, or off (default 127.0.0.1:9652)")
		linkTO    = fs.Duration("link-timeout", 0, "declare a silent link dead after this long (default 600ms)")
		redialMax = fs.Duration("redial-max", 0, "cap on the redial backoff of a lost link, at most 30s (default 10s)")
		logLevel  = fs.String("log-level", "info", "debug, info, warn or error")
		relaxed   = fs.Duration("rmb-sync-window", 0, "relaxed bus (opt-in): acknowledge envelopes once written and fsync them within this window, at most 1m; a machine crash may lose the last window (default 0: durable, nothing acknowledged before it is on disk)")
	)
	fs.Var(&listen, "listen", "link listen URI, repeatable (default ptls://[::]:9651 and quic://[::]:9651)")
	fs.Var(&peers, "peer", "peer URI, repeatable: ptls://host:port?key=HEX&priority=N (or quic://)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: pnicd [flags]\n       pnicd status [--http ADDR] [--json]\n       pnicd ping [--http ADDR] [-c N] ADDRESS\n       pnicd ping [--data DIR] [--key FILE] [-c N] TWIN-ID\n       pnicd twin add [--data DIR] [--resolver FILE] TWIN-ID\n       pnicd version\n\nflags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return cli.Usage(err)
	}
	if fs.NArg() > 0 {
		return cli.Usagef("unexpected argument %q (subcommands: status, ping, twin, version)", fs.Arg(0))
	}
	if *relaxed < 0 || *relaxed > time.Minute {
		return cli.Usagef("rmb-sync-window %s: want 0 (durable) up to 1m", *relaxed)
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return cli.Usagef("log-level %q: want debug, info, warn or error", *logLevel)
	}
	var cfg pnic.Config
	if *cfgFile != "" {
		c, err := pnic.LoadConfigFile(*cfgFile)
		if err != nil {
			return cli.Usage(err)
		}
		cfg = c
	}
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "data":
			cfg.DataDir = *data
		case "listen":
			cfg.Listen = listen
		case "peer":
			cfg.Peers = peers
		case "tun":
			cfg.TUN = *tunMode
		case "tun-name":
			cfg.TUNName = *tunName
		case "mtu":
			cfg.MTU = *mtu
		case "socket":
			cfg.Socket = *socket
		case "resolver":
			cfg.Resolver = *resolver
		case "chain":
			cfg.Chain = *chainRPC
		case "http":
			cfg.HTTP = *httpAddr
		case "link-timeout":
			cfg.LinkTimeout = pnic.Duration(*linkTO)
		case "redial-max":
			cfg.RedialMax = pnic.Duration(*redialMax)
		}
	})
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return cli.Usage(err)
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	log.Info("pnicd starting", "version", version.Version, "data", cfg.DataDir)
	node, err := pnic.New(cfg, log)
	if err != nil {
		return err
	}
	var rmb *service.Service
	if cfg.Socket != "off" {
		scfg := service.Config{Socket: cfg.Socket, DataDir: cfg.DataDir, ResolverFile: cfg.Resolver,
			Limits: bus.Limits{SyncWindow: *relaxed}}
		if *relaxed > 0 {
			log.Warn("rmb relaxed: envelopes are acknowledged before they are on disk; a machine crash may lose the last window", "sync_window", *relaxed)
		}
		if cfg.Chain != "" {
			dctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			cc, err := chainclient.Dial(dctx, cfg.Chain, chainclient.Options{Log: log.With("part", "chain")})
			cancel()
			if err != nil {
				node.Close()
				return fmt.Errorf("chain at %s: %w", cfg.Chain, err)
			}
			defer cc.Close()
			scfg.Resolver = chainresolve.New(cc)
			log.Info("rmb resolving twins through the chain", "rpc", cfg.Chain, "chain_id", cc.ChainID())
		}
		rmb, err = service.Start(node, scfg, log)
		if err != nil {
			node.Close()
			return err
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log.Info("pnicd running; SIGINT or SIGTERM stops it")
	<-ctx.Done()
	log.Info("pnicd stopping")
	var errs []error
	if rmb != nil {
		errs = append(errs, rmb.Close())
	}
	errs = append(errs, node.Close())
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("pnicd stopped")
	return nil
}

func status(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("pnicd status", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("http", pnic.DefaultHTTP, "address of the running pnicd's status server")
	asJSON := fs.Bool("json", false, "print the raw JSON")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return cli.Usage(err)
	}
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get("http://" + *addr + "/v1/status")
	if err != nil {
		return fmt.Errorf("is pnicd running? %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return fmt.Errorf("read status: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status server answered %s", resp.Status)
	}
	if *asJSON {
		_, err := stdout.Write(body)
		return err
	}
	var s pnic.Status
	if err := json.Unmarshal(body, &s); err != nil {
		return fmt.Errorf("decode status: %w", err)
	}
	printStatus(stdout, s)
	return nil
}

func printStatus(w io.Writer, s pnic.Status) {
	ready := "not ready (no link up)"
	if s.Ready {
		ready = "ready"
	}
	fmt.Fprintf(w, "pnicd %s, up %s, %s\n", s.Version, (time.Duration(s.Uptime) * time.Second).String(), ready)
	fmt.Fprintf(w, "  key      %s\n  address  %s\n  subnet   %s\n", s.Key, s.Address, s.Subnet)
	fmt.Fprintf(w, "  device   %s %s (MTU %d)\n", s.TUN.Mode, s.TUN.Name, s.TUN.MTU)
	for _, l := range s.Listen {
		fmt.Fprintf(w, "  listen   %s\n", l)
	}
	if len(s.Peers) == 0 {
		fmt.Fprintln(w, "  no peers")
	}
	for _, p := range s.Peers {
		key := p.Key
		if key == "" {
			key = "(key not yet known)"
		}
		fmt.Fprintf(w, "  peer %s\n", key)
		for _, l := range p.Links {
			state := "down"
			if l.Up {
				state = fmt.Sprintf("up   %6.2f ms", l.LatencyMS)
			}
			dir := "out"
			if l.Inbound {
				dir = "in "
			}
			fmt.Fprintf(w, "    %s %-16s rx %-10d tx %-10d %s", dir, state, l.RXBytes, l.TXBytes, l.URI)
			if l.LastError != "" && !l.Up {
				fmt.Fprintf(w, "  (%s)", l.LastError)
			}
			fmt.Fprintln(w)
		}
	}
	if b := s.Bus; b != nil {
		twins := "no twins connected"
		if len(b.Twins) > 0 {
			ids := make([]string, len(b.Twins))
			for i, t := range b.Twins {
				ids[i] = strconv.FormatUint(t, 10)
			}
			twins = fmt.Sprintf("%d twins connected: %s", len(b.Twins), strings.Join(ids, " "))
		}
		fmt.Fprintf(w, "  bus      %s, %s\n           %d waiting to be delivered, %d waiting for their twins\n", b.Socket, twins, b.Outbox, b.Inbox)
	}
}

// ping asks the running daemon to send ICMPv6 echo requests through the overlay.
func ping(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("pnicd ping", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("http", pnic.DefaultHTTP, "address of the running pnicd's status server")
	count := fs.Int("c", 4, "number of echo requests (0 = until one is answered, at most 60)")
	wait := fs.Duration("W", 2*time.Second, "time to wait for each reply")
	data := fs.String("data", "", "twin ping: the pnicd's data directory (default ~/.planetary/pnic)")
	sock := fs.String("socket", "", "twin ping: the pnicd's socket (default <data>/pnic.sock)")
	key := fs.String("key", "", "twin ping: key file of the local twin that pings (default: the only one in <data>/twins/)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return cli.Usage(err)
	}
	if fs.NArg() != 1 {
		return cli.Usagef("ping wants one overlay address or twin id")
	}
	dst := fs.Arg(0)
	if id, err := strconv.ParseUint(dst, 10, 64); err == nil {
		return pingTwin(twinPing{to: id, count: *count, wait: *wait, data: *data, socket: *sock, key: *key}, stdout)
	}
	client := &http.Client{Timeout: *wait + 5*time.Second}
	untilReply := *count == 0
	if untilReply {
		*count = 60
	}
	fmt.Fprintf(stdout, "PING %s through pnicd at %s\n", dst, *addr)
	sent, got := 0, 0
	for i := 0; i < *count; i++ {
		if i > 0 {
			time.Sleep(time.Second)
		}
		sent++
		u := fmt.Sprintf("http://%s/v1/ping?addr=%s&timeout=%s", *addr, dst, *wait)
		resp, err := client.Get(u)
		if err != nil {
			return fmt.Errorf("is pnicd running? %w", err)
		}
		var r struct {
			RTT   float64 `json:"rtt_ms"`
			Error string  `json:"error"`
		}
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
		resp.Body.Close()
		if resp.StatusCode == http.StatusBadRequest {
			return cli.Usagef("%s", strings.TrimSpace(string(body)))
		}
		json.Unmarshal(body, &r)
		if r.Error != "" || resp.StatusCode != http.StatusOK {
			fmt.Fprintf(stdout, "no reply from %s: seq=%d (%s)\n", dst, i+1, r.Error)
			continue
		}
		got++
		fmt.Fprintf(stdout, "reply from %s: seq=%d time=%.2f ms\n", dst, i+1, r.RTT)
		if untilReply {
			break
		}
	}
	fmt.Fprintf(stdout, "%d sent, %d received\n", sent, got)
	if got == 0 {
		return fmt.Errorf("no reply from %s", dst)
	}
	return nil
}
