package tun

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
	wgtun "golang.zx2c4.com/wireguard/tun"
)

// capNetAdmin is CAP_NET_ADMIN's bit in the capability sets.
const capNetAdmin = 12

// KernelAvailable reports why the kernel TUN cannot be used, or nil when it can.
func KernelAvailable() error {
	f, err := os.OpenFile("/dev/net/tun", os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("%w: open /dev/net/tun: %v", ErrNoPermission, err)
	}
	f.Close()
	eff, err := effectiveCaps()
	if err != nil {
		return fmt.Errorf("%w: %v", ErrNoPermission, err)
	}
	if eff&(1<<capNetAdmin) == 0 {
		return fmt.Errorf("%w: CAP_NET_ADMIN not held", ErrNoPermission)
	}
	return nil
}

func effectiveCaps() (uint64, error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, fmt.Errorf("read capabilities: %w", err)
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "CapEff:"); ok {
			return strconv.ParseUint(strings.TrimSpace(v), 16, 64)
		}
	}
	return 0, errors.New("read capabilities: no CapEff line in /proc/self/status")
}

// Kernel is a kernel TUN interface with the node's address and routes.
type Kernel struct {
	dev   wgtun.Device
	name  string
	mtu   int
	link  netlink.Link
	mu    sync.Mutex
	addrs []*netlink.Addr
	route *netlink.Route
}

// OpenKernel creates the TUN interface, brings it up and installs the address and routes.
func OpenKernel(cfg Config) (*Kernel, error) {
	if cfg.Name == "" {
		cfg.Name = "pnic0"
	}
	dev, err := wgtun.CreateTUN(cfg.Name, cfg.MTU)
	if err != nil {
		return nil, fmt.Errorf("create TUN %s: %w", cfg.Name, err)
	}
	name, err := dev.Name()
	if err != nil {
		dev.Close()
		return nil, fmt.Errorf("TUN name: %w", err)
	}
	k := &Kernel{dev: dev, name: name, mtu: cfg.MTU}
	if err := k.configure(cfg); err != nil {
		k.Close()
		return nil, err
	}
	return k, nil
}

func (k *Kernel) configure(cfg Config) error {
	link, err := netlink.LinkByName(k.name)
	if err != nil {
		return fmt.Errorf("find link %s: %w", k.name, err)
	}
	k.link = link
	if err := netlink.LinkSetMTU(link, cfg.MTU); err != nil {
		return fmt.Errorf("set MTU %d on %s: %w", cfg.MTU, k.name, err)
	}
	if err := k.AddAddress(cfg.Address); err != nil {
		return err
	}
	if err := netlink.LinkSetUp(link); err != nil {
		return fmt.Errorf("bring %s up: %w", k.name, err)
	}
	// Everything in 200::/7 (other nodes' addresses and /64s) goes into the TUN.
	route := &netlink.Route{
		LinkIndex: link.Attrs().Index,
		Dst:       prefixNet(cfg.Overlay),
		MTU:       cfg.MTU,
	}
	if err := netlink.RouteReplace(route); err != nil {
		return fmt.Errorf("route %s via %s: %w", cfg.Overlay, k.name, err)
	}
	k.route = route
	return nil
}

func prefixNet(p netip.Prefix) *net.IPNet {
	return &net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())}
}

// AddAddress adds addr/128 to the interface.
func (k *Kernel) AddAddress(addr netip.Addr) error {
	a := &netlink.Addr{IPNet: prefixNet(netip.PrefixFrom(addr, 128)), Flags: unix.IFA_F_NODAD}
	if err := netlink.AddrReplace(k.link, a); err != nil {
		return fmt.Errorf("add address %s to %s: %w", addr, k.name, err)
	}
	k.mu.Lock()
	k.addrs = append(k.addrs, a)
	k.mu.Unlock()
	return nil
}

// RemoveAddress removes an address added by AddAddress.
func (k *Kernel) RemoveAddress(addr netip.Addr) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	for i, a := range k.addrs {
		if ip, ok := netip.AddrFromSlice(a.IP); ok && ip.Unmap() == addr {
			if err := netlink.AddrDel(k.link, a); err != nil {
				return fmt.Errorf("remove address %s from %s: %w", addr, k.name, err)
			}
			k.addrs = append(k.addrs[:i], k.addrs[i+1:]...)
			return nil
		}
	}
	return fmt.Errorf("remove address %s from %s: not added", addr, k.name)
}

// Read reads a batch of packets.
func (k *Kernel) Read(bufs [][]byte, sizes []int, offset int) (int, error) {
	return k.dev.Read(bufs, sizes, offset)
}

// Write writes a batch of packets.
func (k *Kernel) Write(bufs [][]byte, offset int) (int, error) { return k.dev.Write(bufs, offset) }

// BatchSize is the kernel device's batch size (larger when offloads are on).
func (k *Kernel) BatchSize() int { return k.dev.BatchSize() }

// MTU is the interface MTU.
func (k *Kernel) MTU() int { return k.mtu }

// Name is the interface name.
func (k *Kernel) Name() string { return k.name }

// Mode is "kernel".
func (k *Kernel) Mode() string { return string(ModeKernel) }

// Close removes the routes and addresses it added and deletes the interface.
func (k *Kernel) Close() error {
	var errs []error
	if k.link != nil {
		if k.route != nil {
			if err := netlink.RouteDel(k.route); err != nil && !errors.Is(err, unix.ESRCH) {
				errs = append(errs, fmt.Errorf("remove route: %w", err))
			}
		}
		k.mu.Lock()
		for _, a := range k.addrs {
			if err := netlink.AddrDel(k.link, a); err != nil && !errors.Is(err, unix.EADDRNOTAVAIL) {
				errs = append(errs, fmt.Errorf("remove address %s: %w", a.IPNet, err))
			}
		}
		k.addrs = nil
		k.mu.Unlock()
	}
	if err := k.dev.Close(); err != nil {
		errs = append(errs, fmt.Errorf("close TUN %s: %w", k.name, err))
	}
	return errors.Join(errs...)
}
