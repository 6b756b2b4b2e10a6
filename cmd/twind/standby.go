package main

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	chainclient "github.com/freeflowuniverse/planetary/chain/client"
	"github.com/freeflowuniverse/planetary/internal/cli"
	"github.com/freeflowuniverse/planetary/internal/netns"
	"github.com/freeflowuniverse/planetary/twin/daemon"
	"github.com/freeflowuniverse/planetary/twin/replica"
)

// DefaultReplicaListen is where a standby accepts replica streams.
const DefaultReplicaListen = "[::]:9653"

// standby runs a host's supervisor: it keeps the replicas other hosts' twins stream here, and when
// a twin has been silent past the grace period it restores the twin, moves it here with one chain
// tx and runs its twind. With --netns it runs beside a network namespace (gridctl's netns backend):
// its listeners open inside the namespace, it starts the twinds there, and it carries the
// namespace's path to the chain (the chain's RPC address inside the namespace forwards to --chain).
func standby(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("twind standby", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "", "the standby's directory: its key, the replicas, the twins taken over (required)")
	listen := fs.String("listen", DefaultReplicaListen, "where twins stream their replicas (on the overlay)")
	chainRPC := fs.String("chain", DefaultChain, "the chain node's RPC address")
	socket := fs.String("pnic", "", "this host's PNIC socket (its pnic.key beside it names the host; required)")
	grace := fs.Duration("grace", replica.DefaultGrace, "how long a twin may be silent before it is taken over")
	next := fs.String("next-standby", "", "the standby of the twins taken over here (host:port; with --next-standby-key)")
	nextKey := fs.String("next-standby-key", "", "that standby's X25519 public key in hex")
	ns := fs.String("netns", "", "the network namespace of the host (listeners, twinds and a chain forwarder go there)")
	gateway := fs.Bool("chain-gateway", false, "with --netns: forward the chain's RPC address inside the namespace to --chain")
	if err := parse(fs, args); err != nil {
		return err
	}
	switch {
	case *data == "" || *socket == "":
		return cli.Usagef("standby wants --data DIR and --pnic SOCKET")
	case (*next == "") != (*nextKey == ""):
		return cli.Usagef("--next-standby and --next-standby-key go together")
	case *gateway && *ns == "":
		return cli.Usagef("--chain-gateway works with --netns")
	case *grace <= 0:
		return cli.Usagef("--grace must be positive")
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	key, err := replica.LoadOrCreateStandbyKey(filepath.Join(*data, "standby.key"))
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(*data, "standby.pub"), []byte(hex.EncodeToString(key.Public[:])+"\n"), 0o600); err != nil {
		return err
	}
	own, err := daemon.PNICPublicKey(daemon.Config{Socket: *socket})
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *gateway {
		u, err := url.Parse(*chainRPC)
		if err != nil || u.Host == "" {
			return cli.Usagef("--chain %q: want http://HOST:PORT", *chainRPC)
		}
		ln, err := listenIn(*ns, u.Host)
		if err != nil {
			return fmt.Errorf("chain gateway: %w", err)
		}
		defer ln.Close()
		go forward(ln, u.Host)
		log.Info("forwarding the chain into the namespace", "netns", *ns, "addr", u.Host)
	}
	dctx, dcancel := context.WithTimeout(ctx, 30*time.Second)
	cc, err := chainclient.Dial(dctx, *chainRPC, chainclient.Options{Log: log.With("part", "chain")})
	dcancel()
	if err != nil {
		return fmt.Errorf("chain at %s: %w", *chainRPC, err)
	}
	defer cc.Close()
	lookup := func(ctx context.Context, id uint64) (ed25519.PublicKey, error) {
		t, err := cc.FindTwinByID(ctx, id)
		if err != nil {
			return nil, err
		}
		return ed25519.PublicKey(t.Key[:]), nil
	}
	k, err := replica.NewKeeper(filepath.Join(*data, "replicas"), lookup, log.With("part", "keeper"))
	if err != nil {
		return err
	}
	ln, err := listenIn(*ns, *listen)
	if err != nil {
		return fmt.Errorf("replica listener: %w", err)
	}
	defer ln.Close()
	go k.Serve(ln)
	self, err := os.Executable()
	if err != nil {
		return err
	}
	r := &runner{twind: self, ns: *ns, socket: *socket, chain: *chainRPC, next: *next, nextKey: *nextKey, log: log, procs: map[uint64]*proc{}}
	sup := replica.NewSupervisor(replica.SupervisorConfig{Keeper: k, Key: key, Chain: cc, PNIC: own, Grace: *grace,
		TwinsDir: filepath.Join(*data, "twins"), Start: r.start, Logger: log.With("part", "supervisor")})
	log.Info("standby running", "listen", *listen, "netns", *ns, "pnic", hex.EncodeToString(own), "grace", *grace, "key", hex.EncodeToString(key.Public[:]))
	sup.Run(ctx)
	r.stopAll()
	return nil
}

// listenIn listens on addr inside namespace ns ("" for this one).
func listenIn(ns, addr string) (net.Listener, error) {
	if ns == "" {
		return net.Listen("tcp", addr)
	}
	var ln net.Listener
	err := netns.Do(ns, func() error {
		var err error
		ln, err = net.Listen("tcp", addr)
		return err
	})
	return ln, err
}

// forward copies every connection accepted on ln to addr, both ways.
func forward(ln net.Listener, addr string) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			up, err := net.DialTimeout("tcp", addr, 5*time.Second)
			if err != nil {
				return
			}
			defer up.Close()
			done := make(chan struct{}, 2)
			go func() { io.Copy(up, c); up.(*net.TCPConn).CloseWrite(); done <- struct{}{} }()
			go func() { io.Copy(c, up); c.(*net.TCPConn).CloseWrite(); done <- struct{}{} }()
			<-done
			<-done
		}()
	}
}

// runner starts the twinds of the twins taken over, each in its own session, its pid in
// twind.pid and its output in twind.log beside its data directory.
type runner struct {
	twind, ns, socket, chain, next, nextKey string
	log                                     *slog.Logger

	mu    sync.Mutex
	procs map[uint64]*proc
}

type proc struct {
	cmd  *exec.Cmd
	done chan struct{} // closed when it has ended
}

func (p *proc) ended() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

func (r *runner) start(_ context.Context, id uint64, dataDir string, h replica.Hello) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if p, ok := r.procs[id]; ok && !p.ended() {
		return nil // runs
	}
	dir := filepath.Dir(dataDir)
	args := []string{"--data", dataDir, "--pnic", r.socket, "--key", filepath.Join(dataDir, "twin.key"), "--chain", r.chain, "--http", h.HTTP}
	if r.next != "" {
		args = append(args, "--standby", r.next, "--standby-key", r.nextKey)
	}
	name := r.twind
	if r.ns != "" {
		name, args = "ip", append([]string{"netns", "exec", r.ns, r.twind}, args...)
	}
	logf, err := os.OpenFile(filepath.Join(dir, "twind.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	fmt.Fprintf(logf, "--- twind standby starts twin %d at %s\n", id, time.Now().UTC().Format(time.RFC3339Nano))
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start twind for twin %d: %w", id, err)
	}
	p := &proc{cmd: cmd, done: make(chan struct{})}
	r.procs[id] = p
	go func() {
		err := cmd.Wait()
		close(p.done)
		r.log.Info("twind of a twin taken over ended", "twin", id, "err", err)
	}()
	r.log.Info("started the twin's twind", "twin", id, "pid", cmd.Process.Pid, "http", h.HTTP)
	return os.WriteFile(filepath.Join(dir, "twind.pid"), []byte(strconv.Itoa(cmd.Process.Pid)+"\n"), 0o600)
}

// stopAll ends the twinds this standby started, within 10 s.
func (r *runner) stopAll() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, p := range r.procs {
		if !p.ended() {
			p.cmd.Process.Signal(syscall.SIGTERM)
		}
	}
	deadline := time.NewTimer(10 * time.Second)
	defer deadline.Stop()
	late := false
	for _, p := range r.procs {
		if !late {
			select {
			case <-p.done:
				continue
			case <-deadline.C:
				late = true
			}
		}
		if !p.ended() {
			p.cmd.Process.Kill()
		}
	}
}
