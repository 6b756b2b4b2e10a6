package pnic

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/pprof"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/freeflowuniverse/planetary/internal/version"
)

// Status is the node's state as served by GET /v1/status.
type Status struct {
	Key     string       `json:"key"`
	Address string       `json:"address"`
	Subnet  string       `json:"subnet"`
	Version string       `json:"version"`
	Uptime  float64      `json:"uptime_seconds"`
	Ready   bool         `json:"ready"`
	TUN     TUNStatus    `json:"tun"`
	Listen  []string     `json:"listen"`
	Peers   []PeerStatus `json:"peers"`
	Bus     *BusStatus   `json:"bus,omitempty"`
}

// BusStatus describes the message bus running inside the PNIC.
type BusStatus struct {
	Socket string   `json:"socket"`
	Twins  []uint64 `json:"twins_connected"`
	Outbox int      `json:"outbox"` // envelopes waiting for their receiving PNIC
	Inbox  int      `json:"inbox"`  // messages and receipts waiting for their twins
}

// SetBusStatus registers the function that reports the bus in Status; nil removes it.
func (n *Node) SetBusStatus(fn func() BusStatus) {
	if fn == nil {
		n.bus.Store(nil)
		return
	}
	n.bus.Store(&fn)
}

// TUNStatus describes the packet device.
type TUNStatus struct {
	Mode string `json:"mode"`
	Name string `json:"name"`
	MTU  int    `json:"mtu"`
}

// PeerStatus groups the links to one peer key ("" while a dial has not yet learnt the key).
type PeerStatus struct {
	Key   string       `json:"key"`
	Links []LinkStatus `json:"links"`
}

// LinksUp counts the links that are up across all peers.
func (s Status) LinksUp() int {
	n := 0
	for _, p := range s.Peers {
		for _, l := range p.Links {
			if l.Up {
				n++
			}
		}
	}
	return n
}

// Status collects the node's state.
func (n *Node) Status() Status {
	s := Status{
		Key:     hex.EncodeToString(n.PublicKey()),
		Address: n.Address().String(),
		Subnet:  n.Subnet().String(),
		Version: version.Version,
		Uptime:  time.Since(n.started).Seconds(),
		Ready:   n.Ready(),
		TUN:     TUNStatus{Mode: n.dev.Mode(), Name: n.dev.Name(), MTU: n.dev.MTU()},
		Listen:  []string{},
		Peers:   []PeerStatus{},
	}
	s.Listen = append(s.Listen, n.links.listenURIs()...)
	all := n.links.snapshot()
	for _, p := range n.core.GetPeers() {
		ls := LinkStatus{
			URI: p.URI, Inbound: p.Inbound, Up: p.Up, Priority: p.Priority,
			LatencyMS: float64(p.Latency.Microseconds()) / 1000, RXBytes: p.RXBytes, TXBytes: p.TXBytes,
		}
		if p.LastError != nil {
			ls.LastError = p.LastError.Error()
		}
		if p.Key != nil {
			ls.key = hex.EncodeToString(p.Key)
		}
		all = append(all, ls)
	}
	byKey := map[string]int{}
	for _, l := range all {
		i, ok := byKey[l.key]
		if !ok {
			i = len(s.Peers)
			byKey[l.key] = i
			s.Peers = append(s.Peers, PeerStatus{Key: l.key})
		}
		s.Peers[i].Links = append(s.Peers[i].Links, l)
	}
	for _, p := range s.Peers {
		slices.SortFunc(p.Links, func(a, b LinkStatus) int { return strings.Compare(a.URI, b.URI) })
	}
	slices.SortFunc(s.Peers, func(a, b PeerStatus) int { return strings.Compare(a.Key, b.Key) })
	if fn := n.bus.Load(); fn != nil {
		b := (*fn)()
		s.Bus = &b
	}
	return s
}

// Handler serves /healthz, /readyz, /v1/status and /metrics.
func (n *Node) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if !n.Ready() {
			http.Error(w, "not ready: no peer link is up", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ready\n"))
	})
	mux.HandleFunc("GET /v1/status", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.Encode(n.Status())
	})
	mux.HandleFunc("GET /v1/ping", func(w http.ResponseWriter, r *http.Request) {
		addr, err := netip.ParseAddr(r.URL.Query().Get("addr"))
		if err != nil || !OverlayPrefix.Contains(addr) {
			http.Error(w, "ping: addr= wants an overlay IPv6 address", http.StatusBadRequest)
			return
		}
		timeout := 2 * time.Second
		if t := r.URL.Query().Get("timeout"); t != "" {
			if timeout, err = time.ParseDuration(t); err != nil || timeout <= 0 || timeout > time.Minute {
				http.Error(w, "ping: timeout= wants a duration up to 1m", http.StatusBadRequest)
				return
			}
		}
		ctx, cancel := context.WithTimeout(r.Context(), timeout)
		defer cancel()
		rtt, err := n.Ping(ctx, addr)
		w.Header().Set("Content-Type", "application/json")
		if err != nil {
			w.WriteHeader(http.StatusGatewayTimeout)
			json.NewEncoder(w).Encode(map[string]any{"addr": addr.String(), "error": err.Error()})
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"addr": addr.String(), "rtt_ms": float64(rtt.Microseconds()) / 1000})
	})
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	mux.Handle("GET /metrics", promhttp.HandlerFor(n.reg, promhttp.HandlerOpts{}))
	return mux
}

func newRegistry(n *Node) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), &nodeCollector{n: n})
	return reg
}

var (
	descLinksUp   = prometheus.NewDesc("pnic_links_up", "Links up now.", nil, nil)
	descLinkUp    = prometheus.NewDesc("pnic_link_up", "Whether a link is up (1) or down (0).", []string{"peer", "uri"}, nil)
	descLinkRX    = prometheus.NewDesc("pnic_link_rx_bytes_total", "Bytes received on a link.", []string{"peer", "uri"}, nil)
	descLinkTX    = prometheus.NewDesc("pnic_link_tx_bytes_total", "Bytes sent on a link.", []string{"peer", "uri"}, nil)
	descLinkRTT   = prometheus.NewDesc("pnic_link_rtt_seconds", "Smoothed round-trip time of a link.", []string{"peer", "uri"}, nil)
	descLinkDowns = prometheus.NewDesc("pnic_link_downs_total", "Times a link went down.", []string{"peer", "uri"}, nil)
	descPackets   = prometheus.NewDesc("pnic_packets_total", "Packets moved between the device and the overlay.", []string{"direction"}, nil)
	descRMB       = prometheus.NewDesc("pnic_rmb_datagrams_total", "RMB datagrams from the overlay.", []string{"result"}, nil)
	descLookups   = prometheus.NewDesc("pnic_path_lookup_retries_total", "Path lookups re-sent for sessions left without a path.", nil, nil)
	descDrops     = prometheus.NewDesc("pnic_dropped_packets_total", "Packets dropped by the router.", []string{"reason"}, nil)
)

// nodeCollector reads the node's counters at scrape time.
type nodeCollector struct{ n *Node }

func (c *nodeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descLinksUp, descLinkUp, descLinkRX, descLinkTX, descLinkRTT, descLinkDowns, descPackets, descRMB, descLookups, descDrops} {
		ch <- d
	}
}

func (c *nodeCollector) Collect(ch chan<- prometheus.Metric) {
	up := 0
	for _, l := range c.n.links.snapshot() {
		v := 0.0
		if l.Up {
			v, up = 1, up+1
		}
		ch <- prometheus.MustNewConstMetric(descLinkUp, prometheus.GaugeValue, v, l.key, l.URI)
		ch <- prometheus.MustNewConstMetric(descLinkRX, prometheus.CounterValue, float64(l.RXBytes), l.key, l.URI)
		ch <- prometheus.MustNewConstMetric(descLinkTX, prometheus.CounterValue, float64(l.TXBytes), l.key, l.URI)
		ch <- prometheus.MustNewConstMetric(descLinkRTT, prometheus.GaugeValue, l.LatencyMS/1000, l.key, l.URI)
		ch <- prometheus.MustNewConstMetric(descLinkDowns, prometheus.CounterValue, float64(l.Downs), l.key, l.URI)
	}
	ch <- prometheus.MustNewConstMetric(descLinksUp, prometheus.GaugeValue, float64(up))
	st := &c.n.router.stats
	ch <- prometheus.MustNewConstMetric(descPackets, prometheus.CounterValue, float64(st.toOverlay.Load()), "to_overlay")
	ch <- prometheus.MustNewConstMetric(descPackets, prometheus.CounterValue, float64(st.fromOverlay.Load()), "from_overlay")
	ch <- prometheus.MustNewConstMetric(descRMB, prometheus.CounterValue, float64(st.rmbIn.Load()), "queued")
	ch <- prometheus.MustNewConstMetric(descRMB, prometheus.CounterValue, float64(st.rmbDropped.Load()), "dropped")
	ch <- prometheus.MustNewConstMetric(descLookups, prometheus.CounterValue, float64(st.lookupRetries.Load()))
	for reason, v := range map[string]uint64{
		"not_ipv6": st.dropNotIPv6.Load(), "bad_source": st.dropSource.Load(), "not_for_us": st.dropDest.Load(),
		"spoofed": st.dropSpoof.Load(), "too_big": st.dropTooBig.Load(), "no_route": st.dropNoRoute.Load(), "unknown_type": st.dropUnknown.Load(),
	} {
		ch <- prometheus.MustNewConstMetric(descDrops, prometheus.CounterValue, float64(v), reason)
	}
}
