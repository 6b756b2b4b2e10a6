package pnic

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/freeflowuniverse/planetary/tun"
)

// Defaults used when neither the config file nor a flag says otherwise.
const (
	// DefaultListen is the quic:// listener; DefaultTLSListen the ptls:// one on the same port.
	DefaultListen      = "quic://[::]:9651"
	DefaultTLSListen   = "ptls://[::]:9651"
	DefaultHTTP        = "127.0.0.1:9652"
	DefaultTUNName     = "pnic0"
	DefaultKernelMTU   = 65535
	DefaultUserMTU     = 16384
	DefaultLinkTimeout = 600 * time.Millisecond
	DefaultRedialMax   = 10 * time.Second
	MaxRedialMax       = 30 * time.Second
)

// Config is everything a PNIC needs to start; the zero value plus Defaults works.
type Config struct {
	// DataDir holds the node key and the state of the services on it.
	DataDir string `yaml:"data"`
	// Listen are the URIs peers dial (quic:// and ptls:// handled by the PNIC, others by yggdrasil).
	Listen []string `yaml:"listen"`
	// Peers are the URIs to dial; several may reach the same peer over different paths.
	Peers []string `yaml:"peers"`
	// TUN is the device mode: auto, kernel or userspace.
	TUN string `yaml:"tun"`
	// TUNName is the kernel interface name.
	TUNName string `yaml:"tun_name"`
	// MTU of the device; 0 picks a default for the mode.
	MTU int `yaml:"mtu"`
	// Socket is the Unix socket path for local twins; "off" runs no message bus.
	Socket string `yaml:"socket"`
	// Resolver is the JSON file mapping twin ids to keys and hosting PNIC (default <data>/twins.json).
	Resolver string `yaml:"resolver"`
	// Chain is the RPC address of a chain node (http://host:26657); when set, twins resolve through
	// the chain, with proofs, instead of the resolver file.
	Chain string `yaml:"chain"`
	// HTTP is the health, status and metrics address; "off" disables it.
	HTTP string `yaml:"http"`
	// LinkTimeout is how long a link may stay silent before it is declared dead.
	LinkTimeout Duration `yaml:"link_timeout"`
	// RedialMax caps the backoff between dials of a lost link (at most 30 s).
	RedialMax Duration `yaml:"redial_max"`
}

// Duration is a time.Duration that reads "1.5s" from YAML.
type Duration time.Duration

// UnmarshalYAML parses a Go duration string.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	*d = Duration(v)
	return nil
}

// LoadConfigFile reads a YAML config file; unknown keys are errors.
func LoadConfigFile(path string) (Config, error) {
	var c Config
	data, err := os.ReadFile(path)
	if err != nil {
		return c, fmt.Errorf("config %s: %w", path, err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
		return c, fmt.Errorf("config %s: %w", path, err)
	}
	return c, nil
}

// WithDefaults fills in every unset field.
func (c Config) WithDefaults() Config {
	if c.DataDir == "" {
		home, err := os.UserHomeDir()
		if err != nil || home == "" {
			home = "."
		}
		c.DataDir = filepath.Join(home, ".planetary", "pnic")
	}
	if c.Listen == nil {
		c.Listen = []string{DefaultTLSListen, DefaultListen}
	}
	if c.TUN == "" {
		c.TUN = string(tun.ModeAuto)
	}
	if c.TUNName == "" {
		c.TUNName = DefaultTUNName
	}
	if c.Socket == "" {
		c.Socket = filepath.Join(c.DataDir, "pnic.sock")
	}
	if c.Resolver == "" {
		c.Resolver = filepath.Join(c.DataDir, "twins.json")
	}
	if c.HTTP == "" {
		c.HTTP = DefaultHTTP
	}
	if c.LinkTimeout == 0 {
		c.LinkTimeout = Duration(DefaultLinkTimeout)
	}
	if c.RedialMax == 0 {
		c.RedialMax = Duration(DefaultRedialMax)
	}
	return c
}

// Validate checks every field and names the first that is wrong.
func (c Config) Validate() error {
	if _, err := tun.ParseMode(c.TUN); err != nil {
		return err
	}
	for _, l := range c.Listen {
		if _, err := ParseLinkURI(l, false); err != nil {
			return fmt.Errorf("listen: %w", err)
		}
	}
	for _, p := range c.Peers {
		if _, err := ParseLinkURI(p, true); err != nil {
			return fmt.Errorf("peer: %w", err)
		}
	}
	if c.MTU != 0 && (c.MTU < 1280 || c.MTU > 65535) {
		return fmt.Errorf("mtu %d: want 1280 to 65535", c.MTU)
	}
	if c.Chain != "" {
		if u, err := url.Parse(c.Chain); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("chain %q: want an RPC address like http://127.0.0.1:26657", c.Chain)
		}
	}
	// sun_path holds 108 bytes with the terminating NUL.
	if c.Socket != "off" && len(c.Socket) > 107 {
		return fmt.Errorf("socket path %q is %d bytes; Unix sockets allow at most 107: choose a shorter --socket", c.Socket, len(c.Socket))
	}
	if c.HTTP != "off" {
		if _, _, err := net.SplitHostPort(c.HTTP); err != nil {
			return fmt.Errorf("http address %q: %w", c.HTTP, err)
		}
	}
	if lt := time.Duration(c.LinkTimeout); lt < 100*time.Millisecond || lt > time.Minute {
		return fmt.Errorf("link_timeout %s: want 100ms to 1m", lt)
	}
	if rm := time.Duration(c.RedialMax); rm < time.Second || rm > MaxRedialMax {
		return fmt.Errorf("redial_max %s: want 1s to %s", rm, MaxRedialMax)
	}
	return nil
}

// LinkURI is a parsed listen or peer URI.
type LinkURI struct {
	// URL is the URI as given.
	URL *url.URL
	// Scheme is quic or ptls (the PNIC's own links), or tls, tcp, ws, wss or unix (yggdrasil's).
	Scheme string
	// Key is the pinned peer key from key=, if any.
	Key ed25519.PublicKey
	// Priority from priority= (lower is preferred).
	Priority uint8
}

// ParseLinkURI checks a link URI: scheme, host and port, key= and priority=.
func ParseLinkURI(s string, peer bool) (LinkURI, error) {
	if !strings.Contains(s, "://") {
		return LinkURI{}, fmt.Errorf("%q: missing scheme (want quic://host:port)", s)
	}
	u, err := url.Parse(s)
	if err != nil {
		return LinkURI{}, fmt.Errorf("%q: %w", s, err)
	}
	l := LinkURI{URL: u, Scheme: strings.ToLower(u.Scheme)}
	switch l.Scheme {
	case "quic", "ptls", "tls", "tcp", "ws", "wss":
		host, port, err := net.SplitHostPort(u.Host)
		if err != nil {
			return l, fmt.Errorf("%q: want %s://host:port: %v", s, l.Scheme, err)
		}
		if peer && host == "" {
			return l, fmt.Errorf("%q: missing host", s)
		}
		if p, err := strconv.ParseUint(port, 10, 16); err != nil || (peer && p == 0) {
			return l, fmt.Errorf("%q: bad port %q", s, port)
		}
	case "unix":
		if u.Path == "" {
			return l, fmt.Errorf("%q: missing socket path", s)
		}
	case "":
		return l, fmt.Errorf("%q: missing scheme (want quic://host:port)", s)
	default:
		return l, fmt.Errorf("%q: unknown scheme %q (want quic, ptls, tls, tcp, ws, wss or unix)", s, u.Scheme)
	}
	q := u.Query()
	if k := q.Get("key"); k != "" {
		b, err := hex.DecodeString(k)
		if err != nil || len(b) != ed25519.PublicKeySize {
			return l, fmt.Errorf("%q: key= wants %d hex digits", s, 2*ed25519.PublicKeySize)
		}
		l.Key = b
	}
	if p := q.Get("priority"); p != "" {
		v, err := strconv.ParseUint(p, 10, 8)
		if err != nil {
			return l, fmt.Errorf("%q: priority= wants 0 to 255", s)
		}
		l.Priority = uint8(v)
	}
	return l, nil
}
