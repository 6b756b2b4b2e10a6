package client

import (
	"bufio"
	"context"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/freeflowuniverse/planetary/rmb/frame"
	"github.com/freeflowuniverse/planetary/rmb/schema"
	"github.com/freeflowuniverse/planetary/rmb/seal"
)

// flakyPNIC accepts twins on a Unix socket, lets them log in and subscribe, and then, for the first
// `drops` connections, hangs up at once: a PNIC restarting again and again.
func flakyPNIC(t *testing.T, path string, drops int64) *atomic.Int64 {
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var n atomic.Int64
	answer := func(c net.Conn, seq uint64, fill func(schema.Frame)) error {
		f, err := frame.NewFrame(seq)
		if err != nil {
			return err
		}
		fill(f)
		b, err := frame.AppendFrame(nil, f)
		if err != nil {
			return err
		}
		_, err = c.Write(b)
		return err
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				r := bufio.NewReader(c)
				if answer(c, 0, func(f schema.Frame) { f.SetChallenge(make([]byte, 32)) }) != nil {
					return
				}
				for i := 0; i < 2; i++ { // auth, then subscribe
					f, err := frame.ReadFrame(r, 1<<20)
					if err != nil || answer(c, f.Seq(), func(f schema.Frame) { f.SetOk() }) != nil {
						return
					}
				}
				if n.Add(1) <= drops {
					return
				}
				for { // a healthy connection: read until the client goes
					if _, err := frame.ReadFrame(r, 1<<20); err != nil {
						return
					}
				}
			}()
		}
	}()
	return &n
}

// TestReconnectThroughConnectionsThatDieAtOnce: connections that end right after the subscribe,
// before or while the client installs them, are replaced until one lasts; nothing panics.
func TestReconnectThroughConnectionsThatDieAtOnce(t *testing.T) {
	path := filepath.Join(os.TempDir(), "flaky-"+time.Now().Format("150405.000000")+".sock")
	defer os.Remove(path)
	const drops = 30
	conns := flakyPNIC(t, path, drops)
	keys, _ := seal.GenerateTwinKeys(1)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := Dial(ctx, Config{Path: path, Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for conns.Load() <= drops {
		select {
		case <-ctx.Done():
			t.Fatalf("only %d connections made", conns.Load())
		case <-time.After(10 * time.Millisecond):
		}
	}
	// The lasting connection gets installed: calls wait for it instead of failing on dead ones.
	for {
		c.mu.Lock()
		cur := c.cur
		c.mu.Unlock()
		if cur != nil {
			select {
			case <-cur.done:
				t.Fatal("a dead connection is installed")
			default:
			}
			break
		}
		select {
		case <-ctx.Done():
			t.Fatal("no connection installed after the drops")
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// recordHandler hands every log record to a channel.
type recordHandler struct{ c chan slog.Record }

func (h recordHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h recordHandler) Handle(_ context.Context, r slog.Record) error {
	select {
	case h.c <- r:
	default:
	}
	return nil
}
func (h recordHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h recordHandler) WithGroup(string) slog.Handler      { return h }

// TestReconnectThatFailsIsLogged: when the PNIC is gone for good, the client does not fall silent:
// it logs a failed attempt at warn with the attempt count and the last error.
func TestReconnectThatFailsIsLogged(t *testing.T) {
	path := filepath.Join(os.TempDir(), "gone-"+time.Now().Format("150405.000000")+".sock")
	defer os.Remove(path)
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan net.Conn, 1)
	go func() { // one login and subscribe, then the PNIC stops listening
		c, err := ln.Accept()
		ln.Close()
		if err != nil {
			return
		}
		r := bufio.NewReader(c)
		answer := func(seq uint64, fill func(schema.Frame)) error {
			f, err := frame.NewFrame(seq)
			if err != nil {
				return err
			}
			fill(f)
			b, err := frame.AppendFrame(nil, f)
			if err == nil {
				_, err = c.Write(b)
			}
			return err
		}
		if answer(0, func(f schema.Frame) { f.SetChallenge(make([]byte, 32)) }) != nil {
			return
		}
		for range 2 { // auth, then subscribe
			f, err := frame.ReadFrame(r, 1<<20)
			if err != nil || answer(f.Seq(), func(f schema.Frame) { f.SetOk() }) != nil {
				return
			}
		}
		served <- c
	}()
	records := make(chan slog.Record, 64)
	keys, _ := seal.GenerateTwinKeys(1)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := Dial(ctx, Config{Path: path, Keys: keys, Logger: slog.New(recordHandler{records})})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	select {
	case conn := <-served:
		conn.Close() // the PNIC goes away
	case <-ctx.Done():
		t.Fatal("the client did not log in")
	}
	for {
		select {
		case r := <-records:
			if r.Level != slog.LevelWarn {
				continue
			}
			attrs := map[string]string{}
			r.Attrs(func(a slog.Attr) bool { attrs[a.Key] = a.Value.String(); return true })
			if attrs["attempts"] != "1" || !strings.Contains(attrs["err"], path) {
				t.Fatalf("first failed reconnection logged as %q %v, want attempts 1 and an error naming %s", r.Message, attrs, path)
			}
			return
		case <-ctx.Done():
			t.Fatal("no warning about the failing reconnection")
		}
	}
}
