package socket

import (
	"testing"
	"time"
)

// TestLogLimiter: within a period one line per reason goes through and the rest are counted; the
// first line after the period reports how many were held back, and reasons do not share a budget.
func TestLogLimiter(t *testing.T) {
	now := time.Unix(1000, 0)
	l := newLogLimiter(time.Second, func() time.Time { return now })
	if ok, n := l.allow("read auth"); !ok || n != 0 {
		t.Fatalf("first line: %v %d", ok, n)
	}
	for range 10_993 {
		if ok, _ := l.allow("read auth"); ok {
			t.Fatal("a second line within the period went through")
		}
	}
	if ok, n := l.allow("wrong key"); !ok || n != 0 {
		t.Fatalf("another reason within the period: %v %d", ok, n)
	}
	now = now.Add(999 * time.Millisecond)
	if ok, _ := l.allow("read auth"); ok {
		t.Fatal("a line before the period ended went through")
	}
	now = now.Add(time.Millisecond)
	if ok, n := l.allow("read auth"); !ok || n != 10_994 {
		t.Fatalf("after the period: %v, %d held back, want 10994", ok, n)
	}
	if ok, _ := l.allow("read auth"); ok {
		t.Fatal("the period did not start again")
	}
}
