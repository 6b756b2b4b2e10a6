package grid

import (
	"fmt"
	"strings"
)

// Report is every component of a network with where it answers and how it is, as gridctl status
// prints it (its JSON is the --json form).
type Report struct {
	Network    string            `json:"network"`
	Backend    Backend           `json:"backend"`
	Hosts      []HostReport      `json:"hosts"`
	Validators []ValidatorReport `json:"validators"`
	Twins      []TwinReport      `json:"twins"`
	Pins       []PinReport       `json:"pins"`
}

// HostReport is one host's pnicd.
type HostReport struct {
	Name      string `json:"name"`
	PID       int    `json:"pid"`
	Health    string `json:"health"` // ready, no-link, stopped or failing
	StatusURL string `json:"status_url"`
	Namespace string `json:"namespace,omitempty"` // netns backend: where StatusURL is reached
	Address   string `json:"address"`
	Key       string `json:"key"`
	LinksUp   int    `json:"links_up"`
	Links     []Link `json:"links"`
	Error     string `json:"error,omitempty"`
}

// ValidatorReport is one chain validator's chaind.
type ValidatorReport struct {
	Host       string `json:"host"`
	PID        int    `json:"pid"`
	Health     string `json:"health"` // ok, catching-up, stopped or failing
	RPC        string `json:"rpc"`
	Height     int64  `json:"height"`
	CatchingUp bool   `json:"catching_up"`
	Error      string `json:"error,omitempty"`
}

// TwinReport is one twin and its twind.
type TwinReport struct {
	Name    string `json:"name"`
	ID      uint64 `json:"id"`
	Host    string `json:"host"`
	PID     int    `json:"pid"`
	Health  string `json:"health"` // ok, stopped, failing, or - when the grid runs no twinds
	URL     string `json:"url"`
	Address string `json:"address"`
	Error   string `json:"error,omitempty"`
}

// PinReport is one host's IPFS pinning service (pind): up when its /readyz answers 200.
type PinReport struct {
	Host string `json:"host"`
	API  string `json:"api"`
	// Netns is the namespace the API address is in (netns backend); "" means gridctl's own.
	Netns string `json:"netns,omitempty"`
	Up    bool   `json:"up"`
	PID   int    `json:"pid"`
	Error string `json:"error,omitempty"`
}

// Report asks every component of the network how it is.
func (g *Grid) Report() Report {
	r := Report{Network: g.t.Name, Backend: g.o.Backend, Hosts: []HostReport{}, Validators: []ValidatorReport{},
		Twins: []TwinReport{}, Pins: []PinReport{}}
	for _, s := range g.Status() {
		h := HostReport{Name: s.Name, PID: s.PID, Health: s.Health(), StatusURL: "http://" + g.HTTPAddr(s.Name) + "/v1/status",
			Address: s.Address, Key: s.Key, LinksUp: s.LinksUp, Links: s.Links, Error: s.Err}
		if h.Links == nil {
			h.Links = []Link{}
		}
		if g.o.Backend == Netns {
			h.Namespace = g.hostNS(s.Name)
		}
		r.Hosts = append(r.Hosts, h)
	}
	for _, v := range g.Validators() {
		r.Validators = append(r.Validators, ValidatorReport{Host: v.Host, PID: v.PID, Health: v.Health(), RPC: "http://" + v.RPC,
			Height: v.Height, CatchingUp: v.CatchingUp, Error: v.Err})
	}
	for _, t := range g.Twins() {
		r.Twins = append(r.Twins, TwinReport{Name: t.Name, ID: t.ID, Host: t.Host, PID: t.PID, Health: t.Health(), URL: t.URL,
			Address: t.Address, Error: t.Err})
	}
	r.Pins = append(r.Pins, g.Pins()...)
	return r
}

// Err says which components that should run do not run or fail, or is nil when all are well: a
// pnicd not ready (or not healthy, when it has no peers), a validator whose RPC does not answer, a
// twind not on its PNIC, a pind whose /readyz does not answer 200. A validator catching up runs, so it is not counted.
func (r Report) Err() error {
	var bad []string
	total, stopped := 0, 0
	note := func(kind, name string, pid int, e string) {
		total++
		if pid == 0 {
			stopped++
		}
		if e != "" {
			bad = append(bad, fmt.Sprintf("%s %s (%s)", kind, name, e))
		}
	}
	for _, h := range r.Hosts {
		note("host", h.Name, h.PID, h.Error)
	}
	for _, v := range r.Validators {
		note("validator", v.Host, v.PID, v.Error)
	}
	for _, t := range r.Twins {
		if t.URL != "" { // a grid without twinds has none to run
			note("twin", t.Name, t.PID, t.Error)
		}
	}
	for _, p := range r.Pins {
		note("pind", p.Host, p.PID, p.Error)
	}
	switch {
	case len(bad) == 0:
		return nil
	case stopped == total:
		return fmt.Errorf("network %s is not running (gridctl up starts it)", r.Network)
	}
	return fmt.Errorf("network %s: %d of %d components down or failing: %s", r.Network, len(bad), total, strings.Join(bad, "; "))
}

// Health says in a word what a pnicd's /healthz and /readyz answered.
func (s HostStatus) Health() string {
	switch {
	case s.PID == 0:
		return "stopped"
	case s.Healthy && s.Ready:
		return "ready"
	case s.Healthy:
		return "no-link"
	}
	return "failing"
}

// Health says in a word what a validator's CometBFT /status answered.
func (v ValidatorStatus) Health() string {
	switch {
	case v.PID == 0:
		return "stopped"
	case v.Healthy():
		return "ok"
	case v.Err == "" && v.CatchingUp:
		return "catching-up"
	}
	return "failing"
}

// Health says in a word what a twind's /healthz answered.
func (t TwinStatus) Health() string {
	switch {
	case t.URL == "":
		return "-" // no twinds in this grid
	case t.PID == 0:
		return "stopped"
	case t.Healthy:
		return "ok"
	}
	return "failing"
}
