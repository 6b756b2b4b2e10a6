// Package progress shows how far a long operation has got: on a terminal one line redrawn in
// place (a bar, the count and the time so far), elsewhere plain lines at every tenth of the way;
// both end with a line of the count reached and the time it took.
package progress

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// IsTerminal reports whether w is a terminal, so a bar may redraw its line.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

// Bar counts the steps of one operation ("starting twinds", 1000 steps).
type Bar struct {
	mu     sync.Mutex
	w      io.Writer
	tty    bool
	label  string
	total  int
	done   int
	start  time.Time
	drawn  time.Time // last redraw on a terminal
	tenths int       // tenths of the way already printed as plain lines
	closed bool
}

// redrawEvery limits how often a terminal line is redrawn.
const redrawEvery = 100 * time.Millisecond

// width is the number of cells of the bar itself.
const width = 30

// New starts a bar of total steps written to w; tty chooses the redrawn line over plain lines.
func New(w io.Writer, tty bool, label string, total int) *Bar {
	b := &Bar{w: w, tty: tty, label: label, total: total, start: time.Now()}
	if tty {
		b.draw()
	}
	return b
}

// Add counts n more steps done.
func (b *Bar) Add(n int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return
	}
	b.done = min(b.done+n, b.total)
	if b.tty {
		if time.Since(b.drawn) >= redrawEvery || b.done == b.total {
			b.draw()
		}
		return
	}
	// Plain lines: every tenth of the way of an operation of more than ten steps; a shorter one
	// shows only its last line.
	if t := b.done * 10 / max(b.total, 1); b.total > 10 && t > b.tenths {
		b.tenths = t
		if b.done < b.total {
			fmt.Fprintf(b.w, "%s: %d/%d\n", b.label, b.done, b.total)
		}
	}
}

// Printf writes one line of its own without breaking the bar: on a terminal the bar's line is
// cleared, the text written, and the bar drawn again below it.
func (b *Bar) Printf(format string, a ...any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	line := strings.TrimRight(fmt.Sprintf(format, a...), "\n")
	if b.tty && !b.closed {
		fmt.Fprintf(b.w, "\r\033[K%s\n", line)
		b.draw()
		return
	}
	fmt.Fprintln(b.w, line)
}

// Done ends the bar with one last line: the count reached and the time it took.
func (b *Bar) Done() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return
	}
	b.closed = true
	took := time.Since(b.start).Round(time.Millisecond)
	if b.tty {
		fmt.Fprintf(b.w, "\r\033[K%s: %d/%d in %s\n", b.label, b.done, b.total, took)
		return
	}
	fmt.Fprintf(b.w, "%s: %d/%d in %s\n", b.label, b.done, b.total, took)
}

// draw redraws the terminal line: label [=====>    ] done/total elapsed.
func (b *Bar) draw() {
	b.drawn = time.Now()
	fill := width
	if b.total > 0 {
		fill = b.done * width / b.total
	}
	bar := strings.Repeat("=", fill)
	if fill < width {
		bar += ">" + strings.Repeat(" ", width-fill-1)
	}
	fmt.Fprintf(b.w, "\r\033[K%s [%s] %d/%d %s", b.label, bar, b.done, b.total, time.Since(b.start).Round(time.Second))
}
