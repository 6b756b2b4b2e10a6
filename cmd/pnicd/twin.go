package main

import (
	"context"
	"crypto/ed25519"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/freeflowuniverse/planetary/internal/cli"
	"github.com/freeflowuniverse/planetary/pnic"
	"github.com/freeflowuniverse/planetary/rmb/client"
	"github.com/freeflowuniverse/planetary/rmb/resolve"
	"github.com/freeflowuniverse/planetary/rmb/schema"
	"github.com/freeflowuniverse/planetary/rmb/seal"
)

// twinKeyPath is where `pnicd twin add` keeps a twin's private keys.
func twinKeyPath(data string, id uint64) string {
	return filepath.Join(data, "twins", strconv.FormatUint(id, 10)+".key")
}

// twinCmd handles `pnicd twin add`: keys for a twin hosted here, listed in the resolver file.
func twinCmd(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "add" {
		return cli.Usagef("twin wants a subcommand: add")
	}
	fs := flag.NewFlagSet("pnicd twin add", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "", "the pnicd's data directory (default ~/.planetary/pnic)")
	resolver := fs.String("resolver", "", "resolver file to list the twin in (default <data>/twins.json)")
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return cli.Usage(err)
	}
	if fs.NArg() != 1 {
		return cli.Usagef("twin add wants one twin id")
	}
	id, err := strconv.ParseUint(fs.Arg(0), 10, 64)
	if err != nil || id == 0 {
		return cli.Usagef("twin id %q: want a number from 1", fs.Arg(0))
	}
	cfg := pnic.Config{DataDir: *data, Resolver: *resolver}.WithDefaults()
	if err := os.MkdirAll(filepath.Join(cfg.DataDir, "twins"), 0o700); err != nil {
		return fmt.Errorf("twin add: %w", err)
	}
	pnicKey, _, err := pnic.LoadOrCreateKey(filepath.Join(cfg.DataDir, "pnic.key"))
	if err != nil {
		return fmt.Errorf("twin add: %w", err)
	}
	keyPath := twinKeyPath(cfg.DataDir, id)
	keys, err := seal.ReadKeyFile(keyPath)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if keys, err = seal.GenerateTwinKeys(id); err != nil {
			return err
		}
		if err := seal.WriteKeyFile(keyPath, keys); err != nil {
			return err
		}
	case err != nil:
		return err
	}
	var twins []resolve.TwinInfo
	if _, err := os.Stat(cfg.Resolver); err == nil {
		if twins, err = resolve.ReadFile(cfg.Resolver); err != nil {
			return err
		}
	}
	twins = slices.DeleteFunc(twins, func(t resolve.TwinInfo) bool { return t.ID == id })
	twins = append(twins, resolve.TwinInfo{ID: id, SigningKey: keys.SigningPublic(),
		EncryptionKey: keys.EncryptionPublic(), PNIC: pnicKey.Public().(ed25519.PublicKey)})
	slices.SortFunc(twins, func(a, b resolve.TwinInfo) int { return cmpUint(a.ID, b.ID) })
	if err := resolve.WriteFile(cfg.Resolver, twins); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "twin %d\n  key      %s\n  resolver %s\n  address  %s\n", id, keyPath, cfg.Resolver,
		pnic.TwinAddressOf(pnicKey.Public().(ed25519.PublicKey), id))
	return nil
}

func cmpUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

type twinPing struct {
	to     uint64
	count  int
	wait   time.Duration
	data   string
	socket string
	key    string
}

// pingTwin sends RMB pings from a local twin to twin p.to through the running pnicd's socket.
func pingTwin(p twinPing, stdout io.Writer) error {
	cfg := pnic.Config{DataDir: p.data, Socket: p.socket}.WithDefaults()
	if p.key == "" {
		matches, _ := filepath.Glob(filepath.Join(cfg.DataDir, "twins", "*.key"))
		if len(matches) != 1 {
			return cli.Usagef("twin ping needs --key: %d twin key files in %s", len(matches), filepath.Join(cfg.DataDir, "twins"))
		}
		p.key = matches[0]
	}
	keys, err := seal.ReadKeyFile(p.key)
	if err != nil {
		return cli.Usage(err)
	}
	untilReply := p.count == 0
	if untilReply {
		p.count = 60
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(p.count)*(p.wait+time.Second)+10*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, client.Config{Path: cfg.Socket, Keys: keys})
	if err != nil {
		return fmt.Errorf("is pnicd running? %w", err)
	}
	defer c.Close()
	fmt.Fprintf(stdout, "PING twin %d from twin %d through %s\n", p.to, keys.ID, cfg.Socket)
	sent, got := 0, 0
	var rtts []time.Duration
	for i := 0; i < p.count; i++ {
		if i > 0 {
			time.Sleep(time.Second)
		}
		sent++
		pctx, pcancel := context.WithTimeout(ctx, p.wait)
		rtt, err := c.Ping(pctx, p.to)
		pcancel()
		if err != nil {
			if e := (*client.Error)(nil); errors.As(err, &e) && e.Code == schema.ErrorCode_unknownTwin {
				return fmt.Errorf("twin %d: %w", p.to, err)
			}
			fmt.Fprintf(stdout, "no reply from twin %d: seq=%d (%v)\n", p.to, i+1, err)
			continue
		}
		got++
		rtts = append(rtts, rtt)
		fmt.Fprintf(stdout, "reply from twin %d: seq=%d time=%.2f ms\n", p.to, i+1, float64(rtt.Microseconds())/1000)
		if untilReply {
			break
		}
	}
	fmt.Fprintf(stdout, "%d sent, %d received", sent, got)
	if len(rtts) > 0 {
		slices.Sort(rtts)
		var sum time.Duration
		for _, r := range rtts {
			sum += r
		}
		fmt.Fprintf(stdout, ", rtt min/avg/max %.2f/%.2f/%.2f ms", ms(rtts[0]), ms(sum/time.Duration(len(rtts))), ms(rtts[len(rtts)-1]))
	}
	fmt.Fprintln(stdout)
	if got == 0 {
		return fmt.Errorf("no reply from twin %d", p.to)
	}
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
