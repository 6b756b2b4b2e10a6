// Package tun provides the packet devices a PNIC sits on: a kernel TUN configured with netlink,
// and a userspace gVisor netstack for hosts without TUN or without root.
package tun

import (
	"errors"
	"fmt"
	"net/netip"
)

// Headroom is the number of bytes every buffer passed to Read and Write must keep free before
// the packet, for the kernel's virtio-net header when offloads are on.
const Headroom = 16

// Device is a layer-3 device carrying IPv6 packets between the overlay and its users.
type Device interface {
	// Read reads up to len(bufs) packets, each starting at bufs[i][offset:], and sets sizes[i].
	Read(bufs [][]byte, sizes []int, offset int) (int, error)
	// Write writes the packets bufs[i][offset:].
	Write(bufs [][]byte, offset int) (int, error)
	// BatchSize is the most packets one Read or Write handles.
	BatchSize() int
	// MTU is the largest packet the device carries.
	MTU() int
	// Name is the interface name, or "netstack" for the userspace device.
	Name() string
	// Mode is "kernel" or "userspace".
	Mode() string
	// AddAddress adds a local address (a twin's) inside the node's subnet.
	AddAddress(addr netip.Addr) error
	// RemoveAddress removes an address added by AddAddress.
	RemoveAddress(addr netip.Addr) error
	// Close stops the device and removes everything it configured.
	Close() error
}

// Config says how to build a device.
type Config struct {
	// Name is the kernel interface name (ignored in userspace mode).
	Name string
	// MTU is the device MTU.
	MTU int
	// Address is the node's overlay address.
	Address netip.Addr
	// Subnet is the node's routed /64.
	Subnet netip.Prefix
	// Overlay is the prefix routed into the device (200::/7).
	Overlay netip.Prefix
}

// Mode selects the kind of device.
type Mode string

// The device modes.
const (
	ModeAuto      Mode = "auto"
	ModeKernel    Mode = "kernel"
	ModeUserspace Mode = "userspace"
)

// ParseMode checks a mode name.
func ParseMode(s string) (Mode, error) {
	switch m := Mode(s); m {
	case ModeAuto, ModeKernel, ModeUserspace:
		return m, nil
	}
	return "", fmt.Errorf("tun mode %q: want auto, kernel or userspace", s)
}

// ErrNoPermission says the kernel TUN cannot be used by this process.
var ErrNoPermission = errors.New("kernel TUN needs /dev/net/tun and CAP_NET_ADMIN")

// Open builds the device for mode; auto picks kernel when it can, and reports why it did not.
func Open(mode Mode, cfg Config) (dev Device, why string, err error) {
	switch mode {
	case ModeKernel:
		if err := KernelAvailable(); err != nil {
			return nil, "", err
		}
		dev, err := OpenKernel(cfg)
		return dev, "kernel mode requested", err
	case ModeUserspace:
		dev, err := OpenUserspace(cfg)
		return dev, "userspace mode requested", err
	case ModeAuto:
		if kerr := KernelAvailable(); kerr != nil {
			dev, err := OpenUserspace(cfg)
			return dev, fmt.Sprintf("auto: %v", kerr), err
		}
		dev, err := OpenKernel(cfg)
		if err != nil {
			return nil, "", err
		}
		return dev, "auto: /dev/net/tun opens and CAP_NET_ADMIN is held", nil
	}
	return nil, "", fmt.Errorf("tun mode %q: want auto, kernel or userspace", mode)
}
