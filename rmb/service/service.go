// Package service runs the Reliable Message Bus on a PNIC node: the bus over the node's RMB
// packet conn, and the Unix socket local twins connect to.
package service

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"sync"
	"time"

	iwt "github.com/Arceliar/ironwood/types"

	"github.com/freeflowuniverse/planetary/pnic"
	"github.com/freeflowuniverse/planetary/rmb/bus"
	"github.com/freeflowuniverse/planetary/rmb/resolve"
	"github.com/freeflowuniverse/planetary/rmb/socket"
)

// Config describes the bus of one PNIC.
type Config struct {
	// Socket is the Unix socket path for local twins.
	Socket string
	// DataDir holds the bus's database (<DataDir>/rmb).
	DataDir string
	// Resolver maps twin ids to keys and PNICs and does its own caching; nil uses ResolverFile.
	Resolver resolve.Resolver
	// ResolverFile is a JSON twins file (see resolve.File), created empty when missing.
	ResolverFile string
	// CacheTTL is how long answers from ResolverFile are cached (default 1 min).
	CacheTTL time.Duration
	// Limits of the bus; zero fields take the bus defaults.
	Limits bus.Limits
}

// Service is a running bus and socket.
type Service struct {
	bus  *bus.Bus
	srv  *socket.Server
	node *pnic.Node
}

// Start opens the bus database, starts delivering and listens on the socket.
func Start(node *pnic.Node, cfg Config, log *slog.Logger) (*Service, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.CacheTTL <= 0 {
		cfg.CacheTTL = time.Minute
	}
	res := cfg.Resolver
	if res == nil {
		f, err := openResolverFile(cfg.ResolverFile, log)
		if err != nil {
			return nil, err
		}
		res = resolve.NewCache(f, cfg.CacheTTL)
	}
	if err := os.MkdirAll(filepath.Dir(cfg.Socket), 0o755); err != nil {
		return nil, fmt.Errorf("rmb: socket directory: %w", err)
	}
	b, err := bus.New(bus.Config{
		Conn:     node.RMBConn(),
		Locate:   func(k ed25519.PublicKey) (net.Addr, error) { return iwt.Addr(k), nil },
		Key:      node.PrivateKey(),
		Resolver: res,
		DataDir:  filepath.Join(cfg.DataDir, "rmb"),
		Registry: node.Registry(),
		Logger:   log,
		Limits:   cfg.Limits,
	})
	if err != nil {
		return nil, fmt.Errorf("rmb: %w", err)
	}
	ov := &overlay{node: node, res: res, added: make(map[uint64]netip.Addr)}
	srv, err := socket.Listen(socket.Config{Path: cfg.Socket, Bus: b, Overlay: ov, Logger: log})
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("rmb: %w", err)
	}
	node.SetBusStatus(func() pnic.BusStatus {
		out, in := b.Waiting()
		return pnic.BusStatus{Socket: cfg.Socket, Twins: srv.Twins(), Outbox: out, Inbox: in}
	})
	return &Service{bus: b, srv: srv, node: node}, nil
}

// Bus returns the running bus.
func (s *Service) Bus() *bus.Bus { return s.bus }

// Close stops the socket, then the bus; queued messages stay on disk for the next start.
func (s *Service) Close() error {
	s.node.SetBusStatus(nil)
	return errors.Join(s.srv.Close(), s.bus.Close())
}

func openResolverFile(path string, log *slog.Logger) (*resolve.File, error) {
	if path == "" {
		return nil, errors.New("rmb: no resolver and no resolver file")
	}
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		if err := resolve.WriteFile(path, nil); err != nil {
			return nil, fmt.Errorf("rmb: create empty resolver file: %w", err)
		}
		log.Warn("created an empty resolver file: every twin is unknown until it is listed there", "path", path)
	}
	f, err := resolve.NewFile(path)
	if err != nil {
		return nil, fmt.Errorf("rmb: %w", err)
	}
	log.Info("rmb resolving twins from file", "path", path)
	return f, nil
}

// overlay gives the socket's twins their addresses and overlay streams.
type overlay struct {
	node *pnic.Node
	res  resolve.Resolver

	mu    sync.Mutex
	added map[uint64]netip.Addr
}

// TwinAddress returns a twin's overlay address; a twin hosted here gets it on the device first.
func (o *overlay) TwinAddress(twinID uint64) (netip.Addr, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	info, err := o.res.Resolve(ctx, twinID)
	if err != nil {
		return netip.Addr{}, err
	}
	if !info.PNIC.Equal(o.node.PublicKey()) {
		return pnic.TwinAddressOf(info.PNIC, twinID), nil
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if a, ok := o.added[twinID]; ok {
		return a, nil
	}
	a, err := o.node.AddTwinAddress(twinID)
	if err != nil {
		return netip.Addr{}, err
	}
	o.added[twinID] = a
	return a, nil
}

// DialTCP opens a TCP stream over the overlay.
func (o *overlay) DialTCP(ctx context.Context, ap netip.AddrPort) (net.Conn, error) {
	return o.node.DialTCP(ctx, ap)
}

// ListenTCP listens for TCP streams over the overlay.
func (o *overlay) ListenTCP(ap netip.AddrPort) (net.Listener, error) { return o.node.ListenTCP(ap) }
