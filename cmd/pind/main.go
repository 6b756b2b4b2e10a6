// Command pind is the planetary pinning node: an IPFS blockstore with Kubo-identical imports, the
// IPFS Pinning Service API, Kubo's /api/v0/add, and a trustless gateway, with its pinset kept by
// the chain (or, without --chain, by an in-memory ledger for a single development node).
package main

import (
	"context"
	"crypto/ed25519"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/freeflowuniverse/planetary/chain"
	"github.com/freeflowuniverse/planetary/chain/client"
	"github.com/freeflowuniverse/planetary/chain/token"
	"github.com/freeflowuniverse/planetary/internal/cli"
	"github.com/freeflowuniverse/planetary/internal/version"
	"github.com/freeflowuniverse/planetary/pin"
	"github.com/freeflowuniverse/planetary/pin/chainledger"
	"github.com/freeflowuniverse/planetary/pin/ledger"
	"github.com/freeflowuniverse/planetary/pnic"
	"github.com/freeflowuniverse/planetary/rmb/seal"
	ma "github.com/multiformats/go-multiaddr"
)

func main() { cli.Main("pind", run) }

func run(args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		switch args[0] {
		case "version":
			fmt.Fprintln(stdout, "pind", version.Version)
			return nil
		case "token":
			return tokenCmd(args[1:], stdout, stderr)
		}
	}
	return daemon(context.Background(), args, stderr, nil)
}

// devTwin is the twin the development ledger funds and trusts when pind runs without --chain.
const devTwin = 1

// devBalance is the development twin's starting balance.
const devBalance = 1_000_000_000

type multi []string

func (m *multi) String() string     { return fmt.Sprint([]string(*m)) }
func (m *multi) Set(s string) error { *m = append(*m, s); return nil }

// daemon runs the node until ctx ends or a signal arrives; ready, when set, receives the API's
// address once it listens.
func daemon(ctx context.Context, args []string, stderr io.Writer, ready chan<- string) error {
	fs := flag.NewFlagSet("pind", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		chainURL = fs.String("chain", "", "chain node RPC URL holding the pinset (default: in-memory ledger, single node)")
		pnicSock = fs.String("pnic", "", "PNIC socket (its pnic.key beside it): serve other pinds on [overlay address]:<http port> and advertise that URL, so node-to-node traffic goes over the planetary overlay (needs pnicd's kernel TUN)")
		advert   = fs.String("advertise", "", "URL other nodes reach this node's API at (default the --pnic overlay URL, else http://<--http>)")
		httpAddr = fs.String("http", "127.0.0.1:9800", "API and gateway listen address")
		data     = fs.String("data", "", "data directory (default ~/.planetary/pin)")
		name     = fs.String("name", "", "this node's name in allocations (default the host name)")
		logLevel = fs.String("log-level", "info", "debug, info, warn or error")
		capacity = fs.String("capacity", "1TiB", "with --chain: storage offered to the chain, in bytes or with KiB, MiB, GiB, TiB")
		priceSt  = fs.Uint64("price-storage", 1000, "with --chain: storage price in chain units per GiB-month")
		priceSv  = fs.Uint64("price-served", 100, "with --chain: price of bytes served in chain units per GiB")
		swarm    multi
	)
	fs.Var(&swarm, "swarm", "libp2p listen multiaddr for bitswap, repeatable, or off (default /ip4/127.0.0.1/tcp/9801)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: pind [flags]\n       pind token --key FILE [--twin ID] [--audience A | --chain URL] [--ttl D]\n       pind version\n\nflags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return cli.Usage(err)
	}
	if fs.NArg() > 0 {
		return cli.Usagef("unexpected argument %q (subcommands: token, version)", fs.Arg(0))
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return cli.Usagef("log-level %q: want debug, info, warn or error", *logLevel)
	}
	if _, _, err := net.SplitHostPort(*httpAddr); err != nil {
		return cli.Usagef("http %q: %v", *httpAddr, err)
	}
	if len(swarm) == 0 {
		swarm = multi{"/ip4/127.0.0.1/tcp/9801"}
	}
	if len(swarm) == 1 && swarm[0] == "off" {
		swarm = nil
	}
	for _, s := range swarm {
		if _, err := ma.NewMultiaddr(s); err != nil {
			return cli.Usagef("swarm %q: %v", s, err)
		}
	}
	capBytes, err := parseSize(*capacity)
	if err != nil {
		return cli.Usagef("capacity %q: %v", *capacity, err)
	}
	if *advert != "" {
		if err := checkAdvertise(*advert); err != nil {
			return cli.Usagef("advertise %q: %v", *advert, err)
		}
	}
	dir := *data
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return fmt.Errorf("no --data and no home directory: %w", err)
		}
		dir = filepath.Join(home, ".planetary", "pin")
	}
	if *name == "" {
		*name, _ = os.Hostname()
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	key, created, err := pnic.LoadOrCreateKey(filepath.Join(dir, "node.key"))
	if err != nil {
		return err
	}
	if created {
		log.Info("created node key", "file", filepath.Join(dir, "node.key"))
	}
	ln, err := net.Listen("tcp", *httpAddr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", *httpAddr, err)
	}
	defer ln.Close()
	api := "http://" + ln.Addr().String()
	var overlayLn net.Listener
	if *pnicSock != "" {
		_, port, _ := net.SplitHostPort(ln.Addr().String())
		if overlayLn, err = listenOverlay(*pnicSock, port); err != nil {
			return err
		}
		defer overlayLn.Close()
		api = "http://" + overlayLn.Addr().String()
	}
	if *advert != "" {
		api = strings.TrimSuffix(*advert, "/")
	}

	cfg := pin.Config{Dir: dir, Name: *name, Key: key, Swarm: swarm, Log: log}
	copy(cfg.Self[:], key.Public().(ed25519.PublicKey))
	if *chainURL == "" {
		l, _, err := devLedger(dir, key, *name, api)
		if err != nil {
			return err
		}
		log.Warn("no --chain: running on an in-memory ledger (single node, development), saved in <data>/ledger.json",
			"twin", devTwin, "token_file", filepath.Join(dir, "dev.token"))
		cfg.Ledger, cfg.LedgerKind = l, "memory"
	} else {
		c, err := dialChain(ctx, *chainURL, log)
		if err != nil {
			return err
		}
		defer c.Close()
		l := chainledger.New(c, key)
		n := ledger.Node{Name: *name, API: api, Capacity: capBytes, PriceStorage: *priceSt, PriceServed: *priceSv}
		if err := l.Register(ctx, n); err != nil {
			return fmt.Errorf("chain %s: %w", *chainURL, err)
		}
		every, err := l.HeartbeatInterval(ctx)
		if err != nil {
			return fmt.Errorf("chain %s: heartbeat interval: %w", *chainURL, err)
		}
		cfg.Ledger, cfg.LedgerKind, cfg.Self, cfg.Heartbeat = l, "chain", l.Key(), every
		log.Info("registered with the chain", "chain", *chainURL, "chain_id", c.ChainID(), "audience", l.Audience(),
			"heartbeat", every, "capacity", capBytes, "price_storage", *priceSt, "price_served", *priceSv)
		log.Info("tokens must carry this audience: pind token --key TWIN-KEY --audience " + l.Audience())
	}
	node, err := pin.New(cfg)
	if err != nil {
		return err
	}
	defer node.Close()
	if err := node.Run(); err != nil {
		return err
	}
	srv := &http.Server{Handler: node.Handler(), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	if overlayLn != nil {
		go func() { errc <- srv.Serve(overlayLn) }()
		log.Info("serving other pinds over the planetary overlay", "listen", overlayLn.Addr().String(), "pnic", *pnicSock)
	}
	log.Info("pind listening", "api", "http://"+ln.Addr().String(), "advertised", api, "delegates", node.Delegates(), "data", dir, "name", *name)
	if ready != nil {
		ready <- ln.Addr().String()
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	select {
	case <-ctx.Done():
	case err := <-errc:
		return fmt.Errorf("serve %s: %w", *httpAddr, err)
	}
	log.Info("stopping")
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	srv.Shutdown(sctx)
	return nil
}

// checkAdvertise accepts an absolute http(s) URL with a host and no query or fragment.
func checkAdvertise(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return err
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return errors.New("want an http:// or https:// URL")
	}
	if u.Host == "" || u.Hostname() == "" {
		return errors.New("want a host in the URL")
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return errors.New("want no user, query or fragment in the URL")
	}
	return nil
}

// listenOverlay listens on this PNIC's overlay address: the key beside socket names it, and pnicd's
// kernel TUN carries it (pnicd's userspace netstack has no address the host can bind).
func listenOverlay(socket, port string) (net.Listener, error) {
	if _, err := os.Stat(socket); err != nil {
		return nil, fmt.Errorf("pnic %s: no PNIC socket (is pnicd running?): %w", socket, err)
	}
	kpath := filepath.Join(filepath.Dir(socket), "pnic.key")
	b, err := os.ReadFile(kpath)
	if err != nil {
		return nil, fmt.Errorf("pnic %s: the PNIC's key: %w", socket, err)
	}
	k, err := pnic.ParseKey(b)
	if err != nil {
		return nil, fmt.Errorf("pnic %s: %s: %w", socket, kpath, err)
	}
	addr := net.JoinHostPort(pnic.AddressOf(k.Public().(ed25519.PublicKey)).String(), port)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("pnic %s: listen on the overlay address %s (pnicd must run with a kernel TUN in this network namespace; its userspace netstack gives the host no overlay address): %w", socket, addr, err)
	}
	return ln, nil
}

// dialTimeout bounds reaching the chain at start.
const dialTimeout = 30 * time.Second

// dialChain connects a verifying client to the chain node at url.
func dialChain(ctx context.Context, url string, log *slog.Logger) (*client.Client, error) {
	dctx, cancel := context.WithTimeout(ctx, dialTimeout)
	defer cancel()
	c, err := client.Dial(dctx, url, client.Options{Log: log})
	if err != nil {
		return nil, fmt.Errorf("chain %s: %s", url, strings.ReplaceAll(err.Error(), "\n", " "))
	}
	return c, nil
}

// parseSize reads a byte count, plain or with a KiB, MiB, GiB or TiB suffix.
func parseSize(s string) (uint64, error) {
	mult := uint64(1)
	for i, suf := range []string{"KiB", "MiB", "GiB", "TiB"} {
		if strings.HasSuffix(s, suf) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, suf)), 1<<(10*(i+1))
			break
		}
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil || v == 0 {
		return 0, errors.New("want a positive byte count such as 1099511627776 or 1TiB")
	}
	if v > ^uint64(0)/mult {
		return 0, errors.New("too large")
	}
	return v * mult, nil
}

// devLedger makes the single-node development ledger: a twin key in <dir>/dev-twin.key, trusted as
// twin 1 and funded, and a token for it in <dir>/dev.token.
func devLedger(dir string, nodeKey ed25519.PrivateKey, name, api string) (ledger.Ledger, string, error) {
	path := filepath.Join(dir, "dev-twin.key")
	keys, err := seal.ReadKeyFile(path)
	if errors.Is(err, os.ErrNotExist) {
		if keys, err = seal.GenerateTwinKeys(devTwin); err == nil {
			err = seal.WriteKeyFile(path, keys)
		}
	}
	if err != nil {
		return nil, "", fmt.Errorf("development twin key %s: %w", path, err)
	}
	pub := keys.Signing.Public().(ed25519.PublicKey)
	lpath := filepath.Join(dir, "ledger.json")
	_, statErr := os.Stat(lpath)
	mem, err := ledger.OpenMemory(ledger.MemoryConfig{Path: lpath, TwinKey: func(twin uint64) (ed25519.PublicKey, error) {
		if twin != keys.ID {
			return nil, fmt.Errorf("twin %d is unknown to the development ledger (only twin %d)", twin, keys.ID)
		}
		return pub, nil
	}})
	if err != nil {
		return nil, "", err
	}
	if errors.Is(statErr, os.ErrNotExist) {
		if err := mem.Fund(keys.ID, devBalance); err != nil {
			return nil, "", err
		}
	}
	var k ledger.NodeKey
	copy(k[:], nodeKey.Public().(ed25519.PublicKey))
	l := mem.Join(ledger.Node{Key: k, Name: name, API: api, Capacity: 1 << 40})
	tok, err := token.New(keys.Signing, keys.ID, ledger.DefaultAudience, time.Now(), 365*24*time.Hour)
	if err != nil {
		return nil, "", err
	}
	if err := os.WriteFile(filepath.Join(dir, "dev.token"), []byte(tok+"\n"), 0o600); err != nil {
		return nil, "", fmt.Errorf("write development token: %w", err)
	}
	return l, tok, nil
}

func tokenCmd(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("pind token", flag.ContinueOnError)
	fs.SetOutput(stderr)
	keyFile := fs.String("key", "", "twin key file (required)")
	twin := fs.String("twin", "", "twin id (default the key file's)")
	aud := fs.String("audience", "", "audience the token is for (default "+ledger.DefaultAudience+", or pin:<chain id> with --chain)")
	chainURL := fs.String("chain", "", "chain node RPC URL: take the audience from its chain id")
	ttl := fs.Duration("ttl", 24*time.Hour, "how long the token is valid")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return cli.Usage(err)
	}
	if *keyFile == "" {
		return cli.Usagef("token: --key FILE is required")
	}
	if fs.NArg() > 0 {
		return cli.Usagef("token: unexpected argument %q", fs.Arg(0))
	}
	if *ttl <= 0 {
		return cli.Usagef("token: --ttl %s must be positive", *ttl)
	}
	if *aud != "" && *chainURL != "" {
		return cli.Usagef("token: --audience and --chain both set; give one")
	}
	keys, err := seal.ReadKeyFile(*keyFile)
	if err != nil {
		return err
	}
	audience := *aud
	switch {
	case *chainURL != "":
		c, err := dialChain(context.Background(), *chainURL, slog.New(slog.DiscardHandler))
		if err != nil {
			return err
		}
		audience = chain.PinAudience(c.ChainID())
		c.Close()
	case audience == "":
		audience = ledger.DefaultAudience
	}
	id := keys.ID
	if *twin != "" {
		v, err := strconv.ParseUint(*twin, 10, 64)
		if err != nil || v == 0 {
			return cli.Usagef("token: --twin %q: want a twin id", *twin)
		}
		id = v
	}
	tok, err := token.New(keys.Signing, id, audience, time.Now(), *ttl)
	if err != nil {
		return cli.Usage(err)
	}
	fmt.Fprintln(stdout, tok)
	return nil
}
