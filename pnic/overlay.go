package pnic

import (
	"context"
	"crypto/ed25519"
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"

	"github.com/freeflowuniverse/planetary/tun"
	"github.com/yggdrasil-network/yggdrasil-go/src/address"
)

// TwinAddress is the overlay address of a twin hosted here: the node's /64 with the twin id
// as interface identifier, so the address tells which twin it is.
func (n *Node) TwinAddress(twinID uint64) netip.Addr { return TwinAddressOf(n.PublicKey(), twinID) }

// TwinAddressOf is the overlay address of a twin hosted by the PNIC with key pnic.
func TwinAddressOf(pnic ed25519.PublicKey, twinID uint64) netip.Addr {
	var a [16]byte
	s := address.SubnetForKey(pnic)
	copy(a[:], s[:])
	binary.BigEndian.PutUint64(a[8:], twinID)
	return netip.AddrFrom16(a)
}

// AddTwinAddress puts a twin's address on the device (the kernel TUN or the netstack).
func (n *Node) AddTwinAddress(twinID uint64) (netip.Addr, error) {
	addr := n.TwinAddress(twinID)
	if err := n.dev.AddAddress(addr); err != nil {
		return netip.Addr{}, fmt.Errorf("twin %d address: %w", twinID, err)
	}
	return addr, nil
}

// RemoveTwinAddress takes a twin's address off the device.
func (n *Node) RemoveTwinAddress(twinID uint64) error {
	return n.dev.RemoveAddress(n.TwinAddress(twinID))
}

// DialTCP opens a TCP connection to an overlay address: through the netstack in userspace
// mode, through the kernel otherwise.
func (n *Node) DialTCP(ctx context.Context, ap netip.AddrPort) (net.Conn, error) {
	if u, ok := n.dev.(*tun.Userspace); ok {
		return u.DialTCP(ctx, ap)
	}
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp6", ap.String())
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", ap, err)
	}
	return c, nil
}

// ListenTCP listens for TCP on an overlay address (the node's own when addr is invalid).
func (n *Node) ListenTCP(ap netip.AddrPort) (net.Listener, error) {
	if !ap.Addr().IsValid() {
		ap = netip.AddrPortFrom(n.Address(), ap.Port())
	}
	if u, ok := n.dev.(*tun.Userspace); ok {
		return u.ListenTCP(ap)
	}
	l, err := net.Listen("tcp6", ap.String())
	if err != nil {
		return nil, fmt.Errorf("listen %s: %w", ap, err)
	}
	return l, nil
}
