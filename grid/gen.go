package grid

import (
	"bytes"
	"fmt"
	"math/rand"
	"sort"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// GenOptions shapes a generated topology.
type GenOptions struct {
	// Name names the network (default "gen").
	Name string
	// Sites are the "countries": each has two ISPs of its own.
	Sites int
	// HostsPerSite hosts in each site, all uplinked to both of the site's ISPs.
	HostsPerSite int
	// Twins are spread over all hosts round-robin.
	Twins int
	// Validators run the chain, on hosts spread over the sites (default 1).
	Validators int
	// Seed picks the inter-site chords; the same options give the same topology.
	Seed int64
}

// Limits of Gen: names stay within 8 characters, ISPs within the netns backend's 155 address
// ranges (10.100–10.254), twins within a twin name's digits and loopback ports.
const (
	MaxGenSites        = 77
	MaxGenHostsPerSite = 999
	MaxGenTwins        = 10000
)

// SiteLink is one inter-site link: a host of site A with an extra uplink to an ISP of site B,
// peering with a host of B on that ISP.
type SiteLink struct{ A, B int }

// Gen builds a topology of sites joined by a sparse mesh: a ring of the sites plus sites/4 chords
// chosen from the seed, so that from 4 sites on some site pairs have no direct link and route
// through a third. In a site the hosts form a ring over both of the site's ISPs. Each inter-site
// link gives a host of the lower site an uplink to one of the other site's ISPs and a peer there;
// the links of a site are spread over its hosts. Twin i is on host i mod hosts, with its host and
// site as location ("HOST, SITE": city and country on the chain).
func Gen(o GenOptions) (Topology, error) {
	if o.Name == "" {
		o.Name = "gen"
	}
	if o.Validators == 0 {
		o.Validators = 1
	}
	switch {
	case o.Sites < 1 || o.Sites > MaxGenSites:
		return Topology{}, fmt.Errorf("sites %d: want 1 to %d", o.Sites, MaxGenSites)
	case o.HostsPerSite < 1 || o.HostsPerSite > MaxGenHostsPerSite:
		return Topology{}, fmt.Errorf("hosts per site %d: want 1 to %d", o.HostsPerSite, MaxGenHostsPerSite)
	case o.Sites*o.HostsPerSite > maxHosts:
		return Topology{}, fmt.Errorf("%d sites of %d hosts: at most %d hosts", o.Sites, o.HostsPerSite, maxHosts)
	case o.Twins < 0 || o.Twins > MaxGenTwins:
		return Topology{}, fmt.Errorf("twins %d: want 0 to %d", o.Twins, MaxGenTwins)
	case o.Validators < 1 || o.Validators > maxValidators || o.Validators > o.Sites*o.HostsPerSite:
		return Topology{}, fmt.Errorf("validators %d: want 1 to %d and at most one per host", o.Validators, maxValidators)
	}
	sw, hw := len(strconv.Itoa(o.Sites)), len(strconv.Itoa(o.HostsPerSite))
	site := func(s int) string { return fmt.Sprintf("s%0*d", sw, s+1) }
	isp := func(s, k int) string { return site(s) + string(rune('a'+k)) }
	host := func(s, h int) string { return fmt.Sprintf("%sh%0*d", site(s), hw, h+1) }

	t := Topology{Name: o.Name}
	for s := 0; s < o.Sites; s++ {
		t.ISPs = append(t.ISPs, isp(s, 0), isp(s, 1))
		for h := 0; h < o.HostsPerSite; h++ {
			hh := Host{Name: host(s, h), ISPs: []string{isp(s, 0), isp(s, 1)}}
			// A ring in the site: each host dials the next; two hosts make one link.
			if n := o.HostsPerSite; n > 2 || (n == 2 && h == 0) {
				hh.Peers = append(hh.Peers, host(s, (h+1)%n))
			}
			t.Hosts = append(t.Hosts, hh)
		}
	}
	links := SiteLinks(o.Sites, o.Seed)
	used := make([]int, o.Sites) // links per site so far, to spread them over its hosts
	for i, l := range links {
		ha, hb := used[l.A]%o.HostsPerSite, used[l.B]%o.HostsPerSite
		used[l.A]++
		used[l.B]++
		via := isp(l.B, i%2)
		a := &t.Hosts[l.A*o.HostsPerSite+ha]
		if !contains(a.ISPs, via) {
			a.ISPs = append(a.ISPs, via)
		}
		if b := host(l.B, hb); !contains(a.Peers, b) {
			a.Peers = append(a.Peers, b)
		}
	}
	nh := len(t.Hosts)
	for v := 0; v < o.Validators; v++ {
		t.Validators = append(t.Validators, t.Hosts[v*nh/o.Validators].Name)
	}
	tw := len(strconv.Itoa(o.Twins))
	for i := 0; i < o.Twins; i++ {
		h := i % nh
		name := t.Hosts[h].Name
		t.Twins = append(t.Twins, Twin{Name: fmt.Sprintf("t%0*d", tw, i+1), Host: name, Location: name + ", " + site(h/o.HostsPerSite)})
	}
	return t, t.Validate()
}

// SiteLinks is Gen's inter-site mesh of n sites: the ring, then n/4 chords between sites not yet
// linked, drawn from the seed; sorted, each with A < B.
func SiteLinks(n int, seed int64) []SiteLink {
	has := map[SiteLink]bool{}
	var out []SiteLink
	add := func(a, b int) bool {
		if a > b {
			a, b = b, a
		}
		l := SiteLink{a, b}
		if a == b || has[l] {
			return false
		}
		has[l] = true
		out = append(out, l)
		return true
	}
	for s := 0; s+1 < n; s++ {
		add(s, s+1)
	}
	if n > 2 {
		add(n-1, 0)
	}
	r := rand.New(rand.NewSource(seed))
	for want, tries := n/4, 0; want > 0 && tries < 100*n; tries++ {
		if add(r.Intn(n), r.Intn(n)) {
			want--
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].A != out[j].A {
			return out[i].A < out[j].A
		}
		return out[i].B < out[j].B
	})
	return out
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// Marshal writes a topology as the YAML Parse reads.
func (t Topology) Marshal() ([]byte, error) {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(t); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
