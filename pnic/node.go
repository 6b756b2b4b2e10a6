// Package pnic is the Planetary NIC: a yggdrasil node with its key, its own links to peers
// (quic://, or ptls:// for TLS over TCP; several per peer, with fast failover), the single
// overlay reader that feeds the packet device and the RMB, and the health, status and
// metrics HTTP server.
package pnic

import (
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/yggdrasil-network/yggdrasil-go/src/address"
	"github.com/yggdrasil-network/yggdrasil-go/src/core"

	"github.com/freeflowuniverse/planetary/internal/nodecert"
	"github.com/freeflowuniverse/planetary/tun"
)

// OverlayPrefix is the range of all overlay addresses and subnets.
var OverlayPrefix = netip.MustParsePrefix("200::/7")

// Node is a running PNIC.
type Node struct {
	cfg     Config
	log     *slog.Logger
	key     ed25519.PrivateKey
	core    *core.Core
	dev     tun.Device
	rmb     *PacketConn
	router  *router
	links   *links
	reg     *prometheus.Registry
	httpSrv *http.Server
	httpLn  net.Listener
	started time.Time
	bus     atomic.Pointer[func() BusStatus]
	why     string

	closeOnce sync.Once
	closeErr  error
}

// New loads the key, starts the yggdrasil core, the device, the links and the HTTP server.
// On error everything already started is stopped again.
func New(cfg Config, log *slog.Logger) (_ *Node, err error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	n := &Node{cfg: cfg, log: log, started: time.Now()}
	defer func() {
		if err != nil {
			n.Close()
		}
	}()
	key, created, err := LoadOrCreateKey(filepath.Join(cfg.DataDir, KeyFile))
	if err != nil {
		return nil, err
	}
	n.key = key
	if created {
		log.Info("created node key", "path", filepath.Join(cfg.DataDir, KeyFile))
	}
	if err := n.startCore(); err != nil {
		return nil, err
	}
	log.Info("node identity", "key", hex.EncodeToString(n.PublicKey()), "address", n.Address().String(), "subnet", n.Subnet().String())
	if err := n.startDevice(); err != nil {
		return nil, err
	}
	n.rmb = newPacketConn(n.core)
	n.router = newRouter(log.With("part", "router"), n.core, n.dev, n.rmb)
	n.router.start()
	if n.links, err = newLinks(log.With("part", "links"), n.core, key, time.Duration(cfg.LinkTimeout), time.Duration(cfg.RedialMax)); err != nil {
		return nil, err
	}
	if err := n.startLinks(); err != nil {
		return nil, err
	}
	n.reg = newRegistry(n)
	if err := n.startHTTP(); err != nil {
		return nil, err
	}
	return n, nil
}

func (n *Node) startCore() error {
	cert, err := nodecert.Certificate(n.key)
	if err != nil {
		return fmt.Errorf("node certificate: %w", err)
	}
	c, err := core.New(&cert, yggLogger{n.log.With("part", "yggdrasil")}, core.NodeInfo{"name": "pnicd"})
	if err != nil {
		return fmt.Errorf("start yggdrasil core: %w", err)
	}
	n.core = c
	return nil
}

func (n *Node) startDevice() error {
	mode, _ := tun.ParseMode(n.cfg.TUN)
	mtu := n.cfg.MTU
	if mtu == 0 {
		mtu = DefaultKernelMTU
		if mode == tun.ModeUserspace || (mode == tun.ModeAuto && tun.KernelAvailable() != nil) {
			mtu = DefaultUserMTU
		}
	}
	mtu = min(mtu, int(n.core.MTU()))
	dev, why, err := tun.Open(mode, tun.Config{
		Name:    n.cfg.TUNName,
		MTU:     mtu,
		Address: n.Address(),
		Subnet:  n.Subnet(),
		Overlay: OverlayPrefix,
	})
	if err != nil {
		return fmt.Errorf("tun %s: %w", mode, err)
	}
	n.dev, n.why = dev, why
	n.log.Info("packet device ready", "mode", dev.Mode(), "name", dev.Name(), "mtu", dev.MTU(), "why", why)
	return nil
}

func (n *Node) startLinks() error {
	for _, s := range n.cfg.Listen {
		u, _ := ParseLinkURI(s, false)
		if ownsScheme(u.Scheme) {
			if err := n.links.listen(u); err != nil {
				return err
			}
			continue
		}
		if _, err := n.core.Listen(u.URL, ""); err != nil {
			return fmt.Errorf("listen %s: %w", s, err)
		}
		n.log.Info("listening for links (yggdrasil)", "uri", s)
	}
	for _, s := range n.cfg.Peers {
		u, _ := ParseLinkURI(s, true)
		if ownsScheme(u.Scheme) {
			n.links.dial(u)
			continue
		}
		if err := n.core.AddPeer(yggPeerURL(u.URL, time.Duration(n.cfg.RedialMax)), ""); err != nil {
			return fmt.Errorf("peer %s: %w", s, err)
		}
	}
	if len(n.cfg.Peers) == 0 {
		n.log.Info("no peers configured; waiting for peers to dial in")
	}
	return nil
}

func (n *Node) startHTTP() error {
	if n.cfg.HTTP == "off" {
		return nil
	}
	ln, err := net.Listen("tcp", n.cfg.HTTP)
	if err != nil {
		return fmt.Errorf("http listen %s: %w", n.cfg.HTTP, err)
	}
	n.httpLn = ln
	n.httpSrv = &http.Server{Handler: n.Handler(), ReadHeaderTimeout: 5 * time.Second}
	go n.httpSrv.Serve(ln)
	n.log.Info("status server", "url", "http://"+ln.Addr().String()+"/v1/status")
	return nil
}

// PublicKey is the node's ed25519 public key.
func (n *Node) PublicKey() ed25519.PublicKey { return n.key.Public().(ed25519.PublicKey) }

// PrivateKey is the node's ed25519 key, for services that must prove they speak for it (RMB's TLS).
func (n *Node) PrivateKey() ed25519.PrivateKey { return n.key }

// Address is the node's overlay address in 200::/7.
func (n *Node) Address() netip.Addr { return addrForKey(n.PublicKey()) }

// addrForKey is the overlay address of a node key.
func addrForKey(k ed25519.PublicKey) netip.Addr { return netip.AddrFrom16(*address.AddrForKey(k)) }

// AddressOf is the overlay address of the PNIC whose public key is k.
func AddressOf(k ed25519.PublicKey) netip.Addr { return addrForKey(k) }

// Subnet is the node's routed /64 (in 300::/8), where its twins get their addresses.
func (n *Node) Subnet() netip.Prefix {
	var a [16]byte
	s := address.SubnetForKey(n.PublicKey())
	copy(a[:], s[:])
	return netip.PrefixFrom(netip.AddrFrom16(a), 64)
}

// Device is the node's packet device.
func (n *Node) Device() tun.Device { return n.dev }

// RMBConn is the datagram conn RMB uses to reach other PNICs.
func (n *Node) RMBConn() *PacketConn { return n.rmb }

// HTTPAddr is the bound address of the status server, or nil when it is off.
func (n *Node) HTTPAddr() net.Addr {
	if n.httpLn == nil {
		return nil
	}
	return n.httpLn.Addr()
}

// LinkAddrs are the bound addresses of the quic:// link listeners.
func (n *Node) LinkAddrs() []net.Addr { return n.links.listenAddrs("quic") }

// TLSLinkAddrs are the bound addresses of the ptls:// link listeners.
func (n *Node) TLSLinkAddrs() []net.Addr { return n.links.listenAddrs("ptls") }

// Ready reports whether at least one link is up.
func (n *Node) Ready() bool {
	if n.links.upCount() > 0 {
		return true
	}
	for _, p := range n.core.GetPeers() {
		if p.Up {
			return true
		}
	}
	return false
}

// Registry is the node's Prometheus registry, for services that add their own metrics.
func (n *Node) Registry() *prometheus.Registry { return n.reg }

// Close stops the HTTP server, the links, the core and the device, removing what it configured.
func (n *Node) Close() error {
	n.closeOnce.Do(func() {
		var errs []error
		if n.httpSrv != nil {
			n.httpSrv.Close()
		}
		if n.links != nil {
			n.links.close()
		}
		if n.rmb != nil {
			n.rmb.Close()
		}
		if n.router != nil {
			n.router.halt()
		}
		if n.core != nil {
			n.core.Stop()
		}
		if n.dev != nil {
			if err := n.dev.Close(); err != nil {
				errs = append(errs, err)
			}
		}
		if n.router != nil {
			n.router.wait()
		}
		n.closeErr = errors.Join(errs...)
	})
	return n.closeErr
}

// yggLogger sends yggdrasil's log lines to slog.
type yggLogger struct{ l *slog.Logger }

func (y yggLogger) line(level slog.Level, s string) {
	y.l.Log(nil, level, strings.TrimSpace(s))
}
func (y yggLogger) Printf(f string, a ...any) { y.line(slog.LevelInfo, fmt.Sprintf(f, a...)) }
func (y yggLogger) Println(a ...any)          { y.line(slog.LevelInfo, fmt.Sprintln(a...)) }
func (y yggLogger) Infof(f string, a ...any)  { y.line(slog.LevelDebug, fmt.Sprintf(f, a...)) }
func (y yggLogger) Infoln(a ...any)           { y.line(slog.LevelDebug, fmt.Sprintln(a...)) }
func (y yggLogger) Warnf(f string, a ...any)  { y.line(slog.LevelWarn, fmt.Sprintf(f, a...)) }
func (y yggLogger) Warnln(a ...any)           { y.line(slog.LevelWarn, fmt.Sprintln(a...)) }
func (y yggLogger) Errorf(f string, a ...any) { y.line(slog.LevelError, fmt.Sprintf(f, a...)) }
func (y yggLogger) Errorln(a ...any)          { y.line(slog.LevelError, fmt.Sprintln(a...)) }
func (y yggLogger) Debugf(f string, a ...any) { y.line(slog.LevelDebug, fmt.Sprintf(f, a...)) }
func (y yggLogger) Debugln(a ...any)          { y.line(slog.LevelDebug, fmt.Sprintln(a...)) }
func (y yggLogger) Traceln(a ...any)          {}
