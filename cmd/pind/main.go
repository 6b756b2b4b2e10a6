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
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/freeflowuniverse/planetary/chain/token"
	"github.com/freeflowuniverse/planetary/internal/cli"
	"github.com/freeflowuniverse/planetary/internal/version"
	"github.com/freeflowuniverse/planetary/pin"
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
		pnicSock = fs.String("pnic", "", "PNIC socket: carry node-to-node traffic over the planetary overlay")
		httpAddr = fs.String("http", "127.0.0.1:9800", "API and gateway listen address")
		data     = fs.String("data", "", "data directory (default ~/.planetary/pin)")
		name     = fs.String("name", "", "this node's name in allocations (default the host name)")
		logLevel = fs.String("log-level", "info", "debug, info, warn or error")
		swarm    multi
	)
	fs.Var(&swarm, "swarm", "libp2p listen multiaddr for bitswap, repeatable, or off (default /ip4/127.0.0.1/tcp/9801)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: pind [flags]\n       pind token --key FILE [--twin ID] [--audience A] [--ttl D]\n       pind version\n\nflags:")
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
	if *chainURL != "" {
		return cli.Usagef("chain %q: this pind has no chain ledger built in yet; run without --chain for a single development node", *chainURL)
	}
	if *pnicSock != "" {
		return cli.Usagef("pnic %q: overlay transport between pinds is not built yet; a single node needs no --pnic", *pnicSock)
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

	l, devTok, err := devLedger(dir, key, *name, api)
	if err != nil {
		return err
	}
	log.Warn("no --chain: running on an in-memory ledger (single node, development), saved in <data>/ledger.json",
		"twin", devTwin, "token_file", filepath.Join(dir, "dev.token"))
	var self ledger.NodeKey
	copy(self[:], key.Public().(ed25519.PublicKey))
	node, err := pin.New(pin.Config{Dir: dir, Ledger: l, LedgerKind: "memory", Name: *name, Self: self, Key: key, Swarm: swarm, Log: log})
	if err != nil {
		return err
	}
	defer node.Close()
	if err := node.Run(); err != nil {
		return err
	}
	_ = devTok
	srv := &http.Server{Handler: node.Handler(), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("pind listening", "api", api, "delegates", node.Delegates(), "data", dir, "name", *name)
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
	aud := fs.String("audience", ledger.DefaultAudience, "audience the token is for")
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
	keys, err := seal.ReadKeyFile(*keyFile)
	if err != nil {
		return err
	}
	id := keys.ID
	if *twin != "" {
		v, err := strconv.ParseUint(*twin, 10, 64)
		if err != nil || v == 0 {
			return cli.Usagef("token: --twin %q: want a twin id", *twin)
		}
		id = v
	}
	tok, err := token.New(keys.Signing, id, *aud, time.Now(), *ttl)
	if err != nil {
		return cli.Usage(err)
	}
	fmt.Fprintln(stdout, tok)
	return nil
}
