package tun

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"

	"gvisor.dev/gvisor/pkg/buffer"
	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/adapters/gonet"
	"gvisor.dev/gvisor/pkg/tcpip/header"
	"gvisor.dev/gvisor/pkg/tcpip/link/channel"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv6"
	"gvisor.dev/gvisor/pkg/tcpip/stack"
	"gvisor.dev/gvisor/pkg/tcpip/transport/icmp"
	"gvisor.dev/gvisor/pkg/tcpip/transport/tcp"
	"gvisor.dev/gvisor/pkg/tcpip/transport/udp"
)

const (
	nicID           = 1
	userspaceQueue  = 1024
	userspaceBatch  = 64
	tcpBufferMax    = 8 << 20
	tcpBufferDefult = 1 << 20
)

// Userspace is a gVisor netstack holding the node's overlay addresses; in-process users
// dial and listen on the overlay through it.
type Userspace struct {
	ep     *channel.Endpoint
	stack  *stack.Stack
	mtu    int
	ctx    context.Context
	cancel context.CancelFunc
}

// OpenUserspace builds the netstack with the node address and a route for the overlay.
func OpenUserspace(cfg Config) (*Userspace, error) {
	s := stack.New(stack.Options{
		NetworkProtocols:   []stack.NetworkProtocolFactory{ipv6.NewProtocol},
		TransportProtocols: []stack.TransportProtocolFactory{tcp.NewProtocol, udp.NewProtocol, icmp.NewProtocol6},
		HandleLocal:        true,
	})
	u := &Userspace{ep: channel.New(userspaceQueue, uint32(cfg.MTU), ""), stack: s, mtu: cfg.MTU}
	u.ctx, u.cancel = context.WithCancel(context.Background())
	opts := []tcpip.SettableTransportProtocolOption{
		ptr(tcpip.TCPSACKEnabled(true)),
		ptr(tcpip.TCPModerateReceiveBufferOption(true)),
		&tcpip.TCPReceiveBufferSizeRangeOption{Min: 4096, Default: tcpBufferDefult, Max: tcpBufferMax},
		&tcpip.TCPSendBufferSizeRangeOption{Min: 4096, Default: tcpBufferDefult, Max: tcpBufferMax},
	}
	for _, o := range opts {
		if err := s.SetTransportProtocolOption(tcp.ProtocolNumber, o); err != nil {
			u.Close()
			return nil, fmt.Errorf("netstack TCP option %T: %s", o, err)
		}
	}
	if err := s.CreateNIC(nicID, u.ep); err != nil {
		u.Close()
		return nil, fmt.Errorf("netstack NIC: %s", err)
	}
	if err := u.AddAddress(cfg.Address); err != nil {
		u.Close()
		return nil, err
	}
	s.AddRoute(tcpip.Route{Destination: header.IPv6EmptySubnet, NIC: nicID})
	return u, nil
}

func ptr[T any](v T) *T { return &v }

// AddAddress adds a local address to the netstack.
func (u *Userspace) AddAddress(addr netip.Addr) error {
	pa := tcpip.ProtocolAddress{
		Protocol:          ipv6.ProtocolNumber,
		AddressWithPrefix: tcpip.AddrFromSlice(addr.AsSlice()).WithPrefix(),
	}
	if err := u.stack.AddProtocolAddress(nicID, pa, stack.AddressProperties{}); err != nil {
		return fmt.Errorf("netstack add address %s: %s", addr, err)
	}
	return nil
}

// RemoveAddress removes a local address from the netstack.
func (u *Userspace) RemoveAddress(addr netip.Addr) error {
	if err := u.stack.RemoveAddress(nicID, tcpip.AddrFromSlice(addr.AsSlice())); err != nil {
		return fmt.Errorf("netstack remove address %s: %s", addr, err)
	}
	return nil
}

// Read takes packets the netstack sends towards the overlay, blocking for the first.
func (u *Userspace) Read(bufs [][]byte, sizes []int, offset int) (int, error) {
	pkt := u.ep.ReadContext(u.ctx)
	if pkt == nil {
		return 0, os.ErrClosed
	}
	n := 0
	for {
		sizes[n] = copyPacket(bufs[n][offset:], pkt)
		n++
		if n == len(bufs) {
			return n, nil
		}
		if pkt = u.ep.Read(); pkt == nil {
			return n, nil
		}
	}
}

func copyPacket(dst []byte, pkt *stack.PacketBuffer) int {
	defer pkt.DecRef()
	n := 0
	for _, s := range pkt.AsSlices() {
		n += copy(dst[n:], s)
	}
	return n
}

// Write hands packets from the overlay to the netstack.
func (u *Userspace) Write(bufs [][]byte, offset int) (int, error) {
	for i, b := range bufs {
		p := b[offset:]
		if len(p) == 0 || p[0]>>4 != 6 {
			continue
		}
		pkt := stack.NewPacketBuffer(stack.PacketBufferOptions{Payload: buffer.MakeWithData(p)})
		u.ep.InjectInbound(header.IPv6ProtocolNumber, pkt)
		pkt.DecRef()
		if u.ctx.Err() != nil {
			return i, os.ErrClosed
		}
	}
	return len(bufs), nil
}

// BatchSize is the most packets one Read returns.
func (u *Userspace) BatchSize() int { return userspaceBatch }

// MTU is the netstack's MTU.
func (u *Userspace) MTU() int { return u.mtu }

// Name is "netstack".
func (u *Userspace) Name() string { return "netstack" }

// Mode is "userspace".
func (u *Userspace) Mode() string { return string(ModeUserspace) }

// DialTCP opens a TCP connection over the overlay.
func (u *Userspace) DialTCP(ctx context.Context, ap netip.AddrPort) (net.Conn, error) {
	c, err := gonet.DialContextTCP(ctx, u.stack, fullAddr(ap), ipv6.ProtocolNumber)
	if err != nil {
		return nil, fmt.Errorf("dial tcp [%s]:%d: %w", ap.Addr(), ap.Port(), err)
	}
	return c, nil
}

// ListenTCP listens for TCP on the overlay; an invalid address listens on all local addresses.
func (u *Userspace) ListenTCP(ap netip.AddrPort) (net.Listener, error) {
	l, err := gonet.ListenTCP(u.stack, fullAddr(ap), ipv6.ProtocolNumber)
	if err != nil {
		return nil, fmt.Errorf("listen tcp %s: %w", ap, err)
	}
	return l, nil
}

// ListenUDP opens a UDP socket on the overlay.
func (u *Userspace) ListenUDP(ap netip.AddrPort) (net.PacketConn, error) {
	fa := fullAddr(ap)
	c, err := gonet.DialUDP(u.stack, &fa, nil, ipv6.ProtocolNumber)
	if err != nil {
		return nil, fmt.Errorf("listen udp %s: %w", ap, err)
	}
	return c, nil
}

func fullAddr(ap netip.AddrPort) tcpip.FullAddress {
	fa := tcpip.FullAddress{NIC: nicID, Port: ap.Port()}
	if ap.Addr().IsValid() && !ap.Addr().IsUnspecified() {
		fa.Addr = tcpip.AddrFromSlice(ap.Addr().AsSlice())
	}
	return fa
}

// Close stops the netstack.
func (u *Userspace) Close() error {
	u.cancel()
	u.stack.Close()
	u.ep.Close()
	u.stack.Wait()
	return nil
}
