// Package netns runs code and opens sockets inside a named network namespace.
package netns

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"runtime"
	"time"

	vnetns "github.com/vishvananda/netns"
)

// Do runs fn with the calling OS thread inside the namespace ns; sockets fn opens stay there.
func Do(ns string, fn func() error) error {
	runtime.LockOSThread()
	orig, err := vnetns.Get()
	if err != nil {
		runtime.UnlockOSThread()
		return fmt.Errorf("current netns: %w", err)
	}
	defer orig.Close()
	target, err := vnetns.GetFromName(ns)
	if err != nil {
		runtime.UnlockOSThread()
		return fmt.Errorf("netns %s: %w", ns, err)
	}
	defer target.Close()
	if err := vnetns.Set(target); err != nil {
		runtime.UnlockOSThread()
		return fmt.Errorf("enter netns %s: %w", ns, err)
	}
	ferr := fn()
	if err := vnetns.Set(orig); err != nil {
		// Leave the thread locked: it dies with the goroutine instead of serving others.
		return fmt.Errorf("leave netns %s: %w", ns, err)
	}
	runtime.UnlockOSThread()
	return ferr
}

// Dialer returns a DialContext that connects from inside ns ("" means the current namespace).
func Dialer(ns string) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (c net.Conn, err error) {
		var d net.Dialer
		if ns == "" {
			return d.DialContext(ctx, network, addr)
		}
		if derr := Do(ns, func() error { c, err = d.DialContext(ctx, network, addr); return nil }); derr != nil {
			return nil, derr
		}
		return c, err
	}
}

// HTTPClient is a client whose connections start inside ns.
func HTTPClient(ns string, timeout time.Duration) *http.Client {
	return &http.Client{
		Timeout:   timeout,
		Transport: &http.Transport{DialContext: Dialer(ns), DisableKeepAlives: true},
	}
}
