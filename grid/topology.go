// Package grid brings whole Planetary networks up and down from one topology file: hosts, the
// ISPs that join them, and the PNICs and peers on them. Backends: local processes on loopback,
// or network namespaces joined by per-ISP bridges.
package grid

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/freeflowuniverse/planetary/chain"
	"go.yaml.in/yaml/v3"
)

// Topology describes a network.
type Topology struct {
	// Name names the network; state lives under the state directory in this name.
	Name string `yaml:"name"`
	// ISPs are the uplink networks; hosts on the same ISP reach each other through it.
	ISPs []string `yaml:"isps"`
	// Hosts run one PNIC each.
	Hosts []Host `yaml:"hosts"`
	// Twins are identities hosted on the PNICs; twin ids follow their order here, from 1.
	Twins []Twin `yaml:"twins"`
	// Validators names the hosts that run a chain validator (chaind); one makes a dev chain.
	Validators []string `yaml:"validators"`
	// Pins names the hosts that run a pinning node (pind) on the chain beside their pnicd (local
	// backend; needs validators).
	Pins []string `yaml:"pins,omitempty"`
}

// Twin is one twin and the host whose PNIC hosts it.
type Twin struct {
	// Name is unique among the twins.
	Name string `yaml:"name"`
	// Host names the host whose PNIC serves the twin.
	Host string `yaml:"host"`
	// Location, optional, is registered with the twin on the chain (topologies with validators;
	// the resolver file has no place for it): "City, Country", either part may be missing, and
	// without a comma it is the city, as twind's --location reads it.
	Location string `yaml:"location,omitempty"`
}

// Host is one machine with a PNIC.
type Host struct {
	// Name is unique in the topology.
	Name string `yaml:"name"`
	// ISPs are the host's uplinks (netns backend); the first is preferred.
	ISPs []string `yaml:"isps"`
	// Peers are the hosts this PNIC dials, over every ISP the two share.
	Peers []string `yaml:"peers"`
}

//go:embed default.yaml
var defaultTopology []byte

// Default is the embedded topology `make run` uses: three hosts in a line, a–b–c.
func Default() Topology {
	t, err := Parse(bytes.NewReader(defaultTopology))
	if err != nil {
		panic(fmt.Sprintf("embedded topology: %v", err)) // a build-time fact, checked by tests
	}
	return t
}

// Load reads and checks a topology file.
func Load(path string) (Topology, error) {
	f, err := os.Open(path)
	if err != nil {
		return Topology{}, fmt.Errorf("topology: %w", err)
	}
	defer f.Close()
	t, err := Parse(f)
	if err != nil {
		return t, fmt.Errorf("topology %s: %w", path, err)
	}
	return t, nil
}

// Parse decodes and checks a topology; unknown keys are errors.
func Parse(r io.Reader) (Topology, error) {
	var t Topology
	dec := yaml.NewDecoder(r)
	dec.KnownFields(true)
	if err := dec.Decode(&t); err != nil {
		return t, err
	}
	return t, t.Validate()
}

// maxValidators keeps the chain's ports (two per validator) below the hosts' base port.
const maxValidators = 100

// maxHosts keeps the local backend's ports (10 per host) below 65536.
const maxHosts = 4000

var nameRE = regexp.MustCompile(`^[a-z][a-z0-9]{0,7}$`)

// Validate checks names, references and that peers share an ISP when any are declared.
func (t Topology) Validate() error {
	if !nameRE.MatchString(t.Name) {
		return fmt.Errorf("name %q: want 1-8 lowercase letters and digits, starting with a letter", t.Name)
	}
	if len(t.Hosts) == 0 {
		return errors.New("no hosts")
	}
	if len(t.Hosts) > maxHosts {
		return fmt.Errorf("%d hosts: at most %d", len(t.Hosts), maxHosts)
	}
	isps := map[string]bool{}
	for _, i := range t.ISPs {
		if !nameRE.MatchString(i) || isps[i] {
			return fmt.Errorf("isp %q: invalid or repeated name", i)
		}
		isps[i] = true
	}
	hosts := map[string]Host{}
	for _, h := range t.Hosts {
		if !nameRE.MatchString(h.Name) {
			return fmt.Errorf("host %q: want 1-8 lowercase letters and digits, starting with a letter", h.Name)
		}
		if _, dup := hosts[h.Name]; dup {
			return fmt.Errorf("host %q defined twice", h.Name)
		}
		for _, i := range h.ISPs {
			if !isps[i] {
				return fmt.Errorf("host %s: unknown isp %q", h.Name, i)
			}
		}
		hosts[h.Name] = h
	}
	for _, h := range t.Hosts {
		for _, p := range h.Peers {
			ph, ok := hosts[p]
			if !ok {
				return fmt.Errorf("host %s: unknown peer %q", h.Name, p)
			}
			if p == h.Name {
				return fmt.Errorf("host %s peers itself", h.Name)
			}
			if len(t.ISPs) > 0 && len(shared(h, ph)) == 0 {
				return fmt.Errorf("host %s and its peer %s share no isp", h.Name, p)
			}
		}
	}
	if len(t.Validators) > maxValidators {
		return fmt.Errorf("%d validators: at most %d", len(t.Validators), maxValidators)
	}
	vals := map[string]bool{}
	for _, v := range t.Validators {
		if _, ok := hosts[v]; !ok || vals[v] {
			return fmt.Errorf("validator %q: not a host, or named twice", v)
		}
		vals[v] = true
	}
	pins := map[string]bool{}
	for _, p := range t.Pins {
		if _, ok := hosts[p]; !ok || pins[p] {
			return fmt.Errorf("pins: %q is not a host, or named twice", p)
		}
		pins[p] = true
	}
	if len(t.Pins) > 0 && len(t.Validators) == 0 {
		return errors.New("pins need a chain: name at least one validator")
	}
	twins := map[string]bool{}
	for _, tw := range t.Twins {
		if !nameRE.MatchString(tw.Name) || twins[tw.Name] {
			return fmt.Errorf("twin %q: invalid or repeated name (1-8 lowercase letters and digits)", tw.Name)
		}
		twins[tw.Name] = true
		if _, ok := hosts[tw.Host]; !ok {
			return fmt.Errorf("twin %s: unknown host %q", tw.Name, tw.Host)
		}
		if !validLocation(tw.Location) {
			return fmt.Errorf("twin %s: location %q: want at most %d printable UTF-8 bytes", tw.Name, tw.Location, maxLocation)
		}
	}
	return nil
}

// maxLocation keeps a twin's location within what the chain takes (64 bytes of country).
const maxLocation = 64

func validLocation(s string) bool {
	if len(s) > maxLocation || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

// chainLocation reads a twin's location as twind's --location does: "City, Country".
func chainLocation(s string) chain.Location {
	city, country, ok := strings.Cut(s, ",")
	if !ok {
		return chain.Location{City: strings.TrimSpace(s)}
	}
	return chain.Location{City: strings.TrimSpace(city), Country: strings.TrimSpace(country)}
}

// twin returns a twin's id (its position, from 1) and entry.
func (t Topology) twin(name string) (uint64, Twin, bool) {
	for i, tw := range t.Twins {
		if tw.Name == name {
			return uint64(i + 1), tw, true
		}
	}
	return 0, Twin{}, false
}

// pins reports whether host h runs a pind.
func (t Topology) pins(h string) bool {
	for _, p := range t.Pins {
		if p == h {
			return true
		}
	}
	return false
}

// shared lists the ISPs two hosts both use, in a's order of preference.
func shared(a, b Host) []string {
	var out []string
	for _, x := range a.ISPs {
		for _, y := range b.ISPs {
			if x == y {
				out = append(out, x)
			}
		}
	}
	return out
}

func (t Topology) host(name string) (int, Host, bool) {
	for i, h := range t.Hosts {
		if h.Name == name {
			return i, h, true
		}
	}
	return 0, Host{}, false
}

func (t Topology) ispIndex(name string) int {
	for i, x := range t.ISPs {
		if x == name {
			return i
		}
	}
	return -1
}
