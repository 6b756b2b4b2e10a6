package grid

import (
	"fmt"
	"strings"
	"time"

	"github.com/freeflowuniverse/planetary/internal/progress"
)

// Long operations report to Options.Out as they go: a progress bar per step (one redrawn line on a
// terminal, plain lines elsewhere) and one summary line at the end.

// phase starts the progress bar of one step of a long operation; notes go above it until the next.
func (g *Grid) phase(label string, total int) *progress.Bar {
	b := progress.New(g.o.Out, g.tty, label, total)
	g.mu.Lock()
	g.bar = b
	g.mu.Unlock()
	return b
}

// say writes one line of news, above the current progress bar if one is drawn.
func (g *Grid) say(format string, a ...any) {
	g.mu.Lock()
	b := g.bar
	g.mu.Unlock()
	if b != nil {
		b.Printf(format, a...)
		return
	}
	fmt.Fprintf(g.o.Out, format+"\n", a...)
}

// count is how many of one kind of component an operation found running and started (up) or
// stopped (down).
type count struct {
	all, acted, already int
}

// upSummary counts what up found and did.
type upSummary struct {
	hosts, validators, twins, pins count
	twinds                         bool // twins run as twind processes (not NoTwind)
}

func (s upSummary) String() string {
	part := func(c count, one, many string) string {
		name := many
		if c.all == 1 {
			name = one
		}
		switch {
		case c.already == 0:
			return fmt.Sprintf("%d %s", c.all, name)
		case c.acted == 0:
			return fmt.Sprintf("%d %s (already running)", c.all, name)
		}
		return fmt.Sprintf("%d %s (%d started, %d already running)", c.all, name, c.acted, c.already)
	}
	parts := []string{part(s.hosts, "host", "hosts")}
	if s.validators.all > 0 {
		parts = append(parts, part(s.validators, "validator", "validators"))
	}
	if s.twins.all > 0 && s.twinds {
		parts = append(parts, part(s.twins, "twin", "twins"))
	} else if s.twins.all > 0 {
		parts = append(parts, fmt.Sprintf("%d twins (keys only, no twind)", s.twins.all))
	}
	if s.pins.all > 0 {
		parts = append(parts, part(s.pins, "pind", "pinds"))
	}
	return strings.Join(parts, ", ")
}

// downSummary counts what down found running and stopped.
type downSummary struct {
	hosts, validators, twins, pins count
	namespaces                     int
}

func (s downSummary) String() string {
	out := fmt.Sprintf("%d of %d hosts, %d of %d validators, %d of %d twinds were running and are stopped",
		s.hosts.acted, s.hosts.all, s.validators.acted, s.validators.all, s.twins.acted, s.twins.all)
	if s.pins.all > 0 {
		out += fmt.Sprintf("; %d of %d pinds", s.pins.acted, s.pins.all)
	}
	if s.namespaces > 0 {
		out += fmt.Sprintf("; %d namespaces removed", s.namespaces)
	}
	return out
}

func took(start time.Time) time.Duration { return time.Since(start).Round(time.Millisecond) }
