package pin

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"

	"github.com/ipfs/boxo/bitswap"
	bsnet "github.com/ipfs/boxo/bitswap/network/bsnet"
	"github.com/ipfs/boxo/blockservice"
	"github.com/ipfs/boxo/blockstore"
	"github.com/ipfs/boxo/ipld/merkledag"
	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/sec"
	basichost "github.com/libp2p/go-libp2p/p2p/host/basic"
	"github.com/libp2p/go-libp2p/p2p/host/eventbus"
	"github.com/libp2p/go-libp2p/p2p/host/peerstore/pstoremem"
	"github.com/libp2p/go-libp2p/p2p/muxer/yamux"
	"github.com/libp2p/go-libp2p/p2p/net/swarm"
	tptu "github.com/libp2p/go-libp2p/p2p/net/upgrader"
	"github.com/libp2p/go-libp2p/p2p/security/noise"
	"github.com/libp2p/go-libp2p/p2p/transport/tcp"
	ma "github.com/multiformats/go-multiaddr"

	"github.com/freeflowuniverse/planetary/pin/store"
)

// p2p is the node's libp2p host with bitswap: it fetches pins from their origins and serves the
// node's blocks to IPFS peers that dial its delegates.
type p2p struct {
	host   host.Host
	bs     *bitswap.Bitswap
	blocks blockstore.Blockstore
}

func startP2P(ctx context.Context, key ed25519.PrivateKey, listen []string, st *store.Store) (*p2p, error) {
	if len(key) != ed25519.PrivateKeySize {
		return nil, errors.New("pin: a libp2p host needs Config.Key")
	}
	priv, err := crypto.UnmarshalEd25519PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("pin: libp2p key: %w", err)
	}
	h, err := newHost(priv, listen)
	if err != nil {
		return nil, fmt.Errorf("pin: libp2p host on %v: %w", listen, err)
	}
	net := bsnet.NewFromIpfsHost(h)
	bs := bitswap.New(ctx, net, nil, st.Blocks)
	return &p2p{host: h, bs: bs, blocks: st.Blocks}, nil
}

func (p *p2p) addrs() []string {
	out := []string{}
	id := p.host.ID()
	for _, a := range p.host.Addrs() {
		out = append(out, a.String()+"/p2p/"+id.String())
	}
	return out
}

// fetch connects to the origins and fetches the whole DAG under c over bitswap.
func (p *p2p) fetch(ctx context.Context, c cid.Cid, origins []string) error {
	connected := 0
	var errs []error
	for _, o := range origins {
		a, err := ma.NewMultiaddr(o)
		if err != nil {
			errs = append(errs, fmt.Errorf("origin %q: %w", o, err))
			continue
		}
		info, err := peer.AddrInfoFromP2pAddr(a)
		if err != nil {
			errs = append(errs, fmt.Errorf("origin %q: %w", o, err))
			continue
		}
		if info.ID == p.host.ID() {
			continue
		}
		if err := p.host.Connect(ctx, *info); err != nil {
			errs = append(errs, fmt.Errorf("dial origin %s: %w", o, err))
			continue
		}
		connected++
	}
	if connected == 0 {
		return fmt.Errorf("no origin reachable: %w", errors.Join(errs...))
	}
	online := merkledag.NewDAGService(blockservice.New(p.blocks, p.bs))
	if err := merkledag.FetchGraph(ctx, c, online); err != nil {
		return fmt.Errorf("bitswap fetch of %s: %w", c, err)
	}
	return nil
}

func (p *p2p) close() error {
	return errors.Join(p.bs.Close(), p.host.Close())
}

// newHost builds a libp2p host with TCP, Noise and yamux only. The go-libp2p root package (its
// default transports) is not used: its WebTransport dependency does not build with the quic-go
// this module pins.
func newHost(priv crypto.PrivKey, listen []string) (host.Host, error) {
	id, err := peer.IDFromPrivateKey(priv)
	if err != nil {
		return nil, err
	}
	ps, err := pstoremem.NewPeerstore()
	if err != nil {
		return nil, err
	}
	if err := ps.AddPrivKey(id, priv); err != nil {
		return nil, err
	}
	if err := ps.AddPubKey(id, priv.GetPublic()); err != nil {
		return nil, err
	}
	bus := eventbus.NewBus()
	rcmgr := &network.NullResourceManager{}
	sw, err := swarm.NewSwarm(id, ps, bus, swarm.WithResourceManager(rcmgr))
	if err != nil {
		return nil, err
	}
	muxers := []tptu.StreamMuxer{{ID: yamux.ID, Muxer: yamux.DefaultTransport}}
	nz, err := noise.New(noise.ID, priv, muxers)
	if err != nil {
		sw.Close()
		return nil, err
	}
	up, err := tptu.New([]sec.SecureTransport{nz}, muxers, nil, rcmgr, nil)
	if err != nil {
		sw.Close()
		return nil, err
	}
	t, err := tcp.NewTCPTransport(up, rcmgr, nil)
	if err != nil {
		sw.Close()
		return nil, err
	}
	if err := sw.AddTransport(t); err != nil {
		sw.Close()
		return nil, err
	}
	var addrs []ma.Multiaddr
	for _, l := range listen {
		a, err := ma.NewMultiaddr(l)
		if err != nil {
			sw.Close()
			return nil, fmt.Errorf("swarm address %q: %w", l, err)
		}
		addrs = append(addrs, a)
	}
	if err := sw.Listen(addrs...); err != nil {
		sw.Close()
		return nil, err
	}
	h, err := basichost.NewHost(sw, &basichost.HostOpts{EventBus: bus})
	if err != nil {
		sw.Close()
		return nil, err
	}
	h.Start()
	return h, nil
}
