package socket

import (
	"sync"
	"time"
)

// logLimiter lets at most one log line per reason through each period and counts the lines it
// held back, so that a flood of refused connections writes a line a second, not one each.
type logLimiter struct {
	period time.Duration
	now    func() time.Time

	mu      sync.Mutex
	reasons map[string]*limitState
}

type limitState struct {
	last       time.Time // when a line for the reason was last let through
	suppressed int       // lines held back since
}

func newLogLimiter(period time.Duration, now func() time.Time) *logLimiter {
	if now == nil {
		now = time.Now
	}
	return &logLimiter{period: period, now: now, reasons: map[string]*limitState{}}
}

// allow reports whether a line for reason may be written now and, if so, how many lines for it
// were held back since the last one written.
func (l *logLimiter) allow(reason string) (ok bool, suppressed int) {
	t := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	st := l.reasons[reason]
	if st == nil {
		l.reasons[reason] = &limitState{last: t}
		return true, 0
	}
	if t.Sub(st.last) < l.period {
		st.suppressed++
		return false, 0
	}
	suppressed = st.suppressed
	st.last, st.suppressed = t, 0
	return true, suppressed
}
