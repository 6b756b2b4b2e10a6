// Command twind is a user's digital twin: it talks to other twins through its PNIC's message bus
// and serves its owner's browser on the loopback interface.
//
//	twind [--data DIR] [--pnic SOCKET] [--http 127.0.0.1:PORT] [--tls | --tls-cert FILE --tls-key FILE] [--key FILE] [--directory FILE] [--twin-id ID] [--login-command CMD]
//	twind login-link [--data DIR] [--http 127.0.0.1:PORT]
//	twind standby --data DIR --pnic SOCKET [--listen ADDR] [--chain URL] [--grace 10s] [--next-standby ADDR --next-standby-key HEX] [--netns NS [--chain-gateway]]
//	twind version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/freeflowuniverse/planetary/internal/cli"
	"github.com/freeflowuniverse/planetary/internal/version"
	"github.com/freeflowuniverse/planetary/twin/daemon"
)

func main() { cli.Main("twind", run) }

func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return cli.Usage(err)
	}
	if fs.NArg() != 0 {
		return cli.Usagef("unexpected argument %q", fs.Arg(0))
	}
	return nil
}

// DefaultChain is where twind looks for the chain when given no directory file: chaind's default RPC.
const DefaultChain = "http://127.0.0.1:26657"

func run(args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		switch args[0] {
		case "version":
			fmt.Fprintln(stdout, "twind", version.Version)
			return nil
		case "login-link":
			return loginLink(args[1:], stdout, stderr)
		case "relocate":
			return relocate(args[1:], stdout, stderr)
		case "standby":
			return standby(args[1:], stdout, stderr)
		}
	}
	fs := flag.NewFlagSet("twind", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg daemon.Config
	fs.StringVar(&cfg.DataDir, "data", "", "data directory (default ~/.planetary/twin)")
	fs.StringVar(&cfg.Socket, "pnic", "", "the PNIC's Unix socket (default ~/.planetary/pnic/pnic.sock)")
	fs.StringVar(&cfg.HTTP, "http", daemon.DefaultHTTP, "loopback address for the owner's browser")
	fs.StringVar(&cfg.KeyFile, "key", "", "the twin's key file (default <data>/twin.key)")
	fs.StringVar(&cfg.DirectoryFile, "directory", "", "directory file, the PNIC's resolver file (default ~/.planetary/pnic/twins.json)")
	fs.Uint64Var(&cfg.TwinID, "twin-id", 0, "twin id to create keys for on first start (file directory only)")
	fs.StringVar(&cfg.Chain, "chain", "", "the chain node's RPC address, where the twin registers and looks twins up (default http://127.0.0.1:26657 unless --directory or --twin-id)")
	fs.StringVar(&cfg.PNICKey, "pnic-key", "", "the PNIC's public key in hex, to register a new twin (default: read pnic.key beside the socket)")
	fs.StringVar(&cfg.Location, "location", "", "location to register in the directory")
	fs.StringVar(&cfg.TLSCert, "tls-cert", "", "serve the browser over HTTPS with this PEM certificate chain (with --tls-key)")
	fs.StringVar(&cfg.TLSKey, "tls-key", "", "the PEM key of --tls-cert")
	fs.BoolVar(&cfg.TLS, "tls", false, "serve the browser over HTTPS with a self-signed certificate kept in <data>/tls")
	fs.StringVar(&cfg.Standby, "standby", "", "the standby host's replica listener (host:port on the overlay) that keeps a copy of this twin's store (with --standby-key)")
	fs.StringVar(&cfg.StandbyKey, "standby-key", "", "the standby's X25519 public key in hex (its standby.pub)")
	fs.StringVar(&cfg.Pin, "pin", "", "the HTTP API of the pinning node (pind) the owner pins files on (default: none, pinning not configured)")
	fs.StringVar(&cfg.LoginCommand, "login-command", "", "the command the login page tells the owner to run for a fresh link, for a twind started by a tool of its own (default twind login-link)")
	verbose := fs.Bool("v", false, "log debug messages")
	if err := parse(fs, args); err != nil {
		return err
	}
	// With neither a directory file nor a twin id, the twin lives on the chain, at chaind's default RPC.
	fileMode := false
	fs.Visit(func(f *flag.Flag) { fileMode = fileMode || f.Name == "directory" || f.Name == "twin-id" })
	if cfg.Chain == "" && !fileMode {
		cfg.Chain = DefaultChain
	}
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return cli.Usage(err)
	}
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	cfg.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	cfg.Out = stdout
	cfg.Version = version.Version
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg.Logger.Info("twind starting", "version", version.Version, "data", cfg.DataDir, "pnic", cfg.Socket, "http", cfg.HTTP)
	return daemon.Run(ctx, cfg)
}

// relocate moves the (stopped) twin to another PNIC with one directory update.
func relocate(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("twind relocate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg daemon.Config
	fs.StringVar(&cfg.DataDir, "data", "", "data directory (default ~/.planetary/twin)")
	fs.StringVar(&cfg.Socket, "pnic", "", "the new PNIC's Unix socket (its pnic.key beside it names it, unless --pnic-key)")
	fs.StringVar(&cfg.PNICKey, "pnic-key", "", "the new PNIC's public key in hex")
	fs.StringVar(&cfg.KeyFile, "key", "", "the twin's key file (default <data>/twin.key)")
	fs.StringVar(&cfg.DirectoryFile, "directory", "", "directory file, without a chain (default ~/.planetary/pnic/twins.json)")
	fs.StringVar(&cfg.Chain, "chain", "", "the chain node's RPC address, when the twin is registered on the chain")
	if err := parse(fs, args); err != nil {
		return err
	}
	if cfg.Socket == "" && cfg.PNICKey == "" {
		return cli.Usagef("relocate wants the new PNIC: --pnic SOCKET or --pnic-key HEX")
	}
	cfg.Logger = slog.New(slog.NewTextHandler(stderr, nil))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	id, pk, err := daemon.Relocate(ctx, cfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "twin %d now lives on PNIC %x; start twind with --pnic %s\n", id, pk, cfg.Socket)
	return nil
}

func loginLink(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("twind login-link", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg daemon.Config
	fs.StringVar(&cfg.DataDir, "data", "", "data directory (default ~/.planetary/twin)")
	fs.StringVar(&cfg.HTTP, "http", "", "the address twind serves the browser on (default: where it last served, else "+daemon.DefaultHTTP+")")
	if err := parse(fs, args); err != nil {
		return err
	}
	httpAddr := cfg.HTTP
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return cli.Usage(err)
	}
	if _, err := os.Stat(cfg.DataDir); err != nil {
		return fmt.Errorf("no twin data at %s (start twind first): %w", cfg.DataDir, err)
	}
	link, err := daemon.LoginLink(cfg.DataDir, httpAddr)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, link)
	return nil
}
