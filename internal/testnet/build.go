package testnet

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

var (
	buildMu sync.Mutex
	built   = map[string]string{}
)

// Build compiles a package of this module (an import path) once per test binary and returns
// the path of the executable.
func Build(t testing.TB, pkg string) string {
	t.Helper()
	buildMu.Lock()
	defer buildMu.Unlock()
	if p, ok := built[pkg]; ok {
		return p
	}
	dir, err := os.MkdirTemp("", "planetary-bin-")
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, filepath.Base(pkg))
	if b, err := exec.Command("go", "build", "-o", out, pkg).CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, b)
	}
	built[pkg] = out
	return out
}

// DialRetry dials until a connection is made or ctx ends, giving each try per: the first
// packets to a new overlay destination wait for the path lookup.
func DialRetry(ctx context.Context, per time.Duration, dial func(context.Context) (net.Conn, error)) (net.Conn, error) {
	for {
		dctx, cancel := context.WithTimeout(ctx, per)
		c, err := dial(dctx)
		cancel()
		if err == nil {
			return c, nil
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("dial: %w (last error: %v)", ctx.Err(), err)
		}
	}
}

// EchoRoundTrip writes n random bytes to an echoing connection and checks they come back.
func EchoRoundTrip(c net.Conn, n int, timeout time.Duration) error {
	c.SetDeadline(time.Now().Add(timeout))
	msg := make([]byte, n)
	rand.Read(msg)
	werr := make(chan error, 1)
	go func() { _, err := c.Write(msg); werr <- err }()
	got := make([]byte, n)
	if _, err := io.ReadFull(c, got); err != nil {
		return fmt.Errorf("read echo: %w", err)
	}
	if err := <-werr; err != nil {
		return fmt.Errorf("write: %w", err)
	}
	if !bytes.Equal(got, msg) {
		return errors.New("echoed data differs from what was sent")
	}
	return nil
}
