// Command chaind runs the Planetary chain: a CometBFT node with the registry application in
// process. `chaind init --dev` then `chaind start` gives a one-validator dev chain on
// 127.0.0.1:26657; `chaind testnet` lays out a local multi-validator network; `chaind kyc` is
// what a KYC provider runs to attest or revoke a twin's verification.
package main

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/freeflowuniverse/planetary/chain"
	"github.com/freeflowuniverse/planetary/chain/node"
	"github.com/freeflowuniverse/planetary/internal/cli"
	"github.com/freeflowuniverse/planetary/internal/version"
)

func main() {
	cli.Main("chaind", func(args []string, stdout, stderr io.Writer) error {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		return run(ctx, args, stdout, stderr)
	})
}

const usage = `usage: chaind init --dev [--home DIR] [--rpc ADDR] [--p2p ADDR] [PIN FLAGS]
       chaind start [--home DIR] [--log-level LEVEL]
       chaind testnet --validators N --out DIR [--base-port PORT] [PIN FLAGS]
       chaind kyc attest|revoke --key FILE --chain URL --twin ID [--level N --ref STR --expires DURATION]
  PIN FLAGS: [--pin-grace DURATION] [--pin-replicas N] [--pin-prepaid DURATION]
       chaind version`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, usage)
		return cli.Usagef("missing subcommand (init, start, testnet, kyc, version)")
	}
	switch args[0] {
	case "version":
		fmt.Fprintln(stdout, "chaind", version.Version)
		return nil
	case "init":
		return initCmd(args[1:], stdout, stderr)
	case "start":
		return start(ctx, args[1:], stderr)
	case "testnet":
		return testnet(args[1:], stdout, stderr)
	case "kyc":
		return kyc(ctx, args[1:], stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprintln(stdout, usage)
		return nil
	}
	fmt.Fprintln(stderr, usage)
	return cli.Usagef("unknown subcommand %q (init, start, testnet, kyc, version)", args[0])
}

func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return cli.Usage(err)
	}
	if fs.NArg() > 0 {
		return cli.Usagef("unexpected argument %q", fs.Arg(0))
	}
	return nil
}

func initCmd(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("chaind init", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dev := fs.Bool("dev", false, "single validator, funded dev account, faucet on, sub-second blocks")
	home := fs.String("home", node.DefaultHome(), "node home")
	rpc := fs.String("rpc", node.DefaultRPC, "RPC listen address")
	p2p := fs.String("p2p", node.DefaultP2P, "P2P listen address")
	pin := pinFlags(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	pp, err := pin()
	if err != nil {
		return err
	}
	if !*dev {
		return cli.Usagef("only `init --dev` exists; for several validators use `chaind testnet`")
	}
	key, err := node.InitDev(*home, node.Config{RPC: *rpc, P2P: *p2p})
	if err != nil {
		return fmt.Errorf("init dev chain: %w", err)
	}
	if err := node.SetPinParams(*home, pp); err != nil {
		return fmt.Errorf("init dev chain: %w", err)
	}
	fmt.Fprintf(stdout, "dev chain in %s\n  dev account %s (key in %s)\n  start it with: chaind start --home %s\n",
		*home, hex.EncodeToString(key.Public().(ed25519.PublicKey)), filepath.Join(*home, node.DevKeyFile), *home)
	return nil
}

func start(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("chaind start", flag.ContinueOnError)
	fs.SetOutput(stderr)
	home := fs.String("home", node.DefaultHome(), "node home")
	logLevel := fs.String("log-level", "info", "debug, info, warn or error")
	if err := parse(fs, args); err != nil {
		return err
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return cli.Usagef("log-level %q: want debug, info, warn or error", *logLevel)
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	log.Info("chaind starting", "version", version.Version, "home", *home)
	n, err := node.Start(ctx, *home, log)
	if err != nil {
		return err
	}
	log.Info("chaind running; SIGINT or SIGTERM stops it")
	<-ctx.Done()
	log.Info("chaind stopping")
	if err := n.Stop(); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("chaind stopped")
	return nil
}

func testnet(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("chaind testnet", flag.ContinueOnError)
	fs.SetOutput(stderr)
	n := fs.Int("validators", 4, "number of validators")
	out := fs.String("out", "", "directory for the validator homes (required)")
	base := fs.Int("base-port", 36600, "first port; node i uses base+2i for RPC and base+2i+1 for P2P")
	snap := fs.Int64("snapshot-interval", 50, "blocks between state-sync snapshots (0: none)")
	pin := pinFlags(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	pp, err := pin()
	if err != nil {
		return err
	}
	if *out == "" {
		return cli.Usagef("--out is required")
	}
	if *n < 1 || *n > 64 {
		return cli.Usagef("--validators %d: want 1 to 64", *n)
	}
	if *base < 1024 || *base+2**n > 65535 {
		return cli.Usagef("--base-port %d: the ports must fit in 1024-65535", *base)
	}
	ports := make([]int, 2**n)
	for i := range ports {
		ports[i] = *base + i
	}
	homes, err := node.InitTestnet(*out, *n, ports, chain.Genesis{Pin: &pp}, node.Config{SnapshotInterval: *snap})
	if err != nil {
		return fmt.Errorf("testnet: %w", err)
	}
	for _, h := range homes {
		fmt.Fprintf(stdout, "%s  rpc http://%s  p2p %s  id %s\n", h.Dir, h.RPC, h.P2P, h.NodeID)
	}
	fmt.Fprintf(stdout, "start each with: chaind start --home DIR\n")
	return nil
}
