// Package daemon wires a twin together: its keys and directory record, its store, the connection
// to its PNIC, the services and the owner's web server on the loopback interface.
package daemon

import (
	"context"
	"crypto/ed25519"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/freeflowuniverse/planetary/chain"
	chainclient "github.com/freeflowuniverse/planetary/chain/client"
	"github.com/freeflowuniverse/planetary/rmb/client"
	"github.com/freeflowuniverse/planetary/rmb/seal"
	"github.com/freeflowuniverse/planetary/twin/auth"
	"github.com/freeflowuniverse/planetary/twin/directory"
	"github.com/freeflowuniverse/planetary/twin/files"
	"github.com/freeflowuniverse/planetary/twin/pinclient"
	"github.com/freeflowuniverse/planetary/twin/replica"
	"github.com/freeflowuniverse/planetary/twin/services"
	"github.com/freeflowuniverse/planetary/twin/store"
	"github.com/freeflowuniverse/planetary/twin/web"
	"github.com/freeflowuniverse/planetary/twin/webtls"
	"github.com/freeflowuniverse/planetary/twin/wsapi"
)

// DefaultHTTP is where the owner's browser reaches the twin.
const DefaultHTTP = "127.0.0.1:9700"

// Config describes a twin daemon; WithDefaults fills what is unset.
type Config struct {
	// DataDir holds the key, the store and login secrets (default ~/.planetary/twin).
	DataDir string
	// Socket is the PNIC's Unix socket (default ~/.planetary/pnic/pnic.sock).
	Socket string
	// HTTP is the loopback address of the web server.
	HTTP string
	// KeyFile holds the twin's keys (default <DataDir>/twin.key).
	KeyFile string
	// DirectoryFile is the file directory, the PNIC's resolver file (default ~/.planetary/pnic/twins.json).
	DirectoryFile string
	// TwinID is the id to create keys for when KeyFile does not exist (not with Chain: the chain
	// assigns it).
	TwinID uint64
	// Chain is the RPC address of a chain node; when set the twin registers itself there and looks
	// twins up there, with proofs, instead of in DirectoryFile.
	Chain string
	// PNICKey is the hosting PNIC's public key in hex, for registering; empty reads pnic.key beside the socket.
	PNICKey string
	// Location is registered in the directory.
	Location string
	// TLSCert and TLSKey, when set, are the PEM certificate chain and key the web server serves
	// HTTPS with.
	TLSCert, TLSKey string
	// TLS, without TLSCert, serves HTTPS with a self-signed certificate kept in <DataDir>/tls
	// (made on first start, reused after).
	TLS bool
	// Pin is the HTTP API of a pinning node (pind) the owner pins files on; empty: pinning is not
	// configured.
	Pin string
	// LoginCommand is the command that makes the owner a fresh login link, as the login card and
	// messages name it (default web.DefaultLoginCommand; gridctl gives its own for twins it runs).
	LoginCommand string
	// Standby is the replica listener (host:port, on the overlay) of the standby host that keeps a
	// copy of this twin's store and takes the twin over when its host is gone; empty: none.
	Standby string
	// StandbyKey is the standby's X25519 public key in hex, which the replica key is wrapped for.
	StandbyKey string
	// Version is shown to the owner.
	Version string
	// Out receives the login link on first start; nil discards it.
	Out io.Writer
	// Logger; nil discards.
	Logger *slog.Logger
	// Ready, if set, is called with the web server's base URL once everything runs.
	Ready func(url string)
}

// WithDefaults returns cfg with every unset path and address filled in.
func (cfg Config) WithDefaults() Config {
	home, err := os.UserHomeDir()
	if err != nil || home == "" {
		home = "."
	}
	if cfg.DataDir == "" {
		cfg.DataDir = filepath.Join(home, ".planetary", "twin")
	}
	if cfg.Socket == "" {
		cfg.Socket = filepath.Join(home, ".planetary", "pnic", "pnic.sock")
	}
	if cfg.HTTP == "" {
		cfg.HTTP = DefaultHTTP
	}
	if cfg.KeyFile == "" {
		cfg.KeyFile = filepath.Join(cfg.DataDir, "twin.key")
	}
	if cfg.DirectoryFile == "" {
		cfg.DirectoryFile = filepath.Join(home, ".planetary", "pnic", "twins.json")
	}
	if cfg.LoginCommand == "" {
		cfg.LoginCommand = web.DefaultLoginCommand
	}
	return cfg
}

// Validate names the first setting that is wrong.
func (cfg Config) Validate() error {
	host, _, err := net.SplitHostPort(cfg.HTTP)
	if err != nil {
		return fmt.Errorf("--http %q: %w", cfg.HTTP, err)
	}
	if !wsapi.LocalHost(host) {
		return fmt.Errorf("--http %q: the twin serves only its owner, on a loopback address", cfg.HTTP)
	}
	if (cfg.TLSCert == "") != (cfg.TLSKey == "") {
		return errors.New("--tls-cert and --tls-key go together")
	}
	if cfg.TLS && cfg.TLSCert != "" {
		return errors.New("--tls makes its own certificate: leave it out with --tls-cert and --tls-key")
	}
	if cfg.Pin != "" {
		if u, err := url.Parse(cfg.Pin); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("--pin %q: want the pinning node's http(s)://host:port", cfg.Pin)
		}
	}
	if (cfg.Standby == "") != (cfg.StandbyKey == "") {
		return errors.New("--standby and --standby-key go together")
	}
	if cfg.StandbyKey != "" {
		if _, err := replica.ParsePublic(cfg.StandbyKey); err != nil {
			return fmt.Errorf("--standby-key: %w", err)
		}
		if _, _, err := net.SplitHostPort(cfg.Standby); err != nil {
			return fmt.Errorf("--standby %q: %w", cfg.Standby, err)
		}
	}
	return nil
}

// LoginDir is where login secrets of a data directory live.
func LoginDir(dataDir string) string { return filepath.Join(dataDir, "login") }

// TLSDir is where the self-signed certificate of a data directory lives.
func TLSDir(dataDir string) string { return filepath.Join(dataDir, "tls") }

// urlFile records the running web server's base URL, so `twind login-link` knows its scheme.
func urlFile(dataDir string) string { return filepath.Join(dataDir, "web.url") }

// WebURL returns the base URL of the twin's web server at httpAddr (its address as twind last
// recorded it when httpAddr is empty): https when twind last served TLS, else http.
func WebURL(dataDir, httpAddr string) string {
	scheme, host := "http", DefaultHTTP
	if b, err := os.ReadFile(urlFile(dataDir)); err == nil {
		if u, err := url.Parse(strings.TrimSpace(string(b))); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
			scheme, host = u.Scheme, u.Host
		}
	}
	if httpAddr != "" {
		host = httpAddr
	}
	return scheme + "://" + host
}

// LoginLink mints a one-time login link for the twin whose web server is at httpAddr (where twind
// last served when empty), https when it serves TLS.
func LoginLink(dataDir, httpAddr string) (string, error) {
	return loginLink(dataDir, WebURL(dataDir, httpAddr))
}

func loginLink(dataDir, base string) (string, error) {
	s, err := auth.NewLoginSecret(LoginDir(dataDir))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s/login?s=%s", base, s), nil
}

// serverTLS returns the web server's certificate when cfg asks for TLS, or nil.
func serverTLS(cfg Config, log *slog.Logger) (*tls.Certificate, error) {
	switch {
	case cfg.TLSCert != "":
		c, err := webtls.Load(cfg.TLSCert, cfg.TLSKey)
		if err != nil {
			return nil, err
		}
		return &c, nil
	case cfg.TLS:
		host, _, _ := net.SplitHostPort(cfg.HTTP)
		c, made, err := webtls.SelfSigned(TLSDir(cfg.DataDir), host)
		if err != nil {
			return nil, err
		}
		if made {
			log.Info("made a self-signed TLS certificate", "dir", TLSDir(cfg.DataDir), "sha256", webtls.Fingerprint(c))
		}
		return &c, nil
	}
	return nil, nil
}

// loadKeys reads the twin's keys, creating them for cfg.TwinID when the file does not exist.
func loadKeys(cfg Config, log *slog.Logger) (seal.TwinKeys, bool, error) {
	k, err := seal.ReadKeyFile(cfg.KeyFile)
	if err == nil {
		return k, false, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return k, false, err
	}
	if cfg.TwinID == 0 {
		return k, false, fmt.Errorf("no twin key at %s: pass --twin-id to create one", cfg.KeyFile)
	}
	if k, err = seal.GenerateTwinKeys(cfg.TwinID); err != nil {
		return k, false, err
	}
	if err := os.MkdirAll(filepath.Dir(cfg.KeyFile), 0o700); err != nil {
		return k, false, fmt.Errorf("twin key: %w", err)
	}
	if err := seal.WriteKeyFile(cfg.KeyFile, k); err != nil {
		return k, false, err
	}
	log.Info("created the twin's keys", "twin", k.ID, "file", cfg.KeyFile)
	return k, true, nil
}

// pnicPublicKey returns the hosting PNIC's public key from cfg.PNICKey or the pnic.key beside the socket.
func pnicPublicKey(cfg Config) (ed25519.PublicKey, error) {
	if cfg.PNICKey != "" {
		b, err := hex.DecodeString(cfg.PNICKey)
		if err != nil || len(b) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("--pnic-key must be %d hex-encoded bytes", ed25519.PublicKeySize)
		}
		return b, nil
	}
	path := filepath.Join(filepath.Dir(cfg.Socket), "pnic.key")
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("the PNIC's key (pass --pnic-key): %w", err)
	}
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, fmt.Errorf("%s: not a PEM key", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%s: not an ed25519 key", path)
	}
	return priv.Public().(ed25519.PublicKey), nil
}

// register makes sure the directory lists the twin.
func register(ctx context.Context, cfg Config, d directory.Directory, k seal.TwinKeys, log *slog.Logger) error {
	rec, err := d.FindTwin(ctx, k.ID)
	if err == nil {
		if !rec.SigningKey.Equal(k.SigningPublic()) {
			return fmt.Errorf("the directory lists twin %d with other keys than %s", k.ID, cfg.KeyFile)
		}
		return nil
	}
	if !errors.Is(err, directory.ErrNotFound) {
		return err
	}
	pk, err := pnicPublicKey(cfg)
	if err != nil {
		return fmt.Errorf("register twin %d: %w", k.ID, err)
	}
	rec = directory.Record{ID: k.ID, SigningKey: k.SigningPublic(), EncryptionKey: k.EncryptionPublic(), PNIC: pk, Location: cfg.Location}
	if err := d.Register(ctx, rec); err != nil {
		return err
	}
	d.AppendAudit(ctx, directory.AuditEvent{Twin: k.ID, Time: time.Now(), Action: "registered", Detail: hex.EncodeToString(pk)})
	log.Info("registered the twin in the directory", "twin", k.ID, "directory", cfg.DirectoryFile)
	return nil
}

// circleIndex is where a twin on the chain caches its circles' chain ids (the chain has them too).
func circleIndex(dataDir string) string { return filepath.Join(dataDir, "chain-circles.json") }

// chainIdentity loads the twin's keys, or on first start makes them and registers the twin on the
// chain, which assigns its id; the twin's own signing key is its chain account.
func chainIdentity(ctx context.Context, cfg Config, cc *chainclient.Client, log *slog.Logger) (seal.TwinKeys, directory.Directory, error) {
	circles := circleIndex(cfg.DataDir)
	k, err := seal.ReadKeyFile(cfg.KeyFile)
	if err == nil {
		d := directory.NewChain(cc, k.Signing, circles)
		rec, err := d.FindTwin(ctx, k.ID)
		if err != nil {
			return k, nil, fmt.Errorf("twin %d on the chain: %w", k.ID, err)
		}
		if !rec.SigningKey.Equal(k.SigningPublic()) {
			return k, nil, fmt.Errorf("the chain lists twin %d with other keys than %s", k.ID, cfg.KeyFile)
		}
		return k, d, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return k, nil, err
	}
	fresh, err := seal.GenerateTwinKeys(0)
	if err != nil {
		return k, nil, err
	}
	pk, err := pnicPublicKey(cfg)
	if err != nil {
		return k, nil, fmt.Errorf("register on the chain: %w", err)
	}
	d := directory.NewChain(cc, fresh.Signing, circles)
	id, err := d.RegisterNew(ctx, directory.Record{SigningKey: fresh.SigningPublic(), EncryptionKey: fresh.EncryptionPublic(), PNIC: pk, Location: cfg.Location})
	if err != nil {
		return k, nil, err
	}
	if k, err = seal.NewTwinKeys(id, fresh.Signing, fresh.Encryption); err != nil {
		return k, nil, err
	}
	if err := os.MkdirAll(filepath.Dir(cfg.KeyFile), 0o700); err != nil {
		return k, nil, fmt.Errorf("twin key: %w", err)
	}
	if err := seal.WriteKeyFile(cfg.KeyFile, k); err != nil {
		return k, nil, err
	}
	log.Info("registered the twin on the chain", "twin", id, "pnic", hex.EncodeToString(pk), "chain", cfg.Chain)
	return k, d, nil
}

// dial connects to the PNIC, waiting for it to come up.
func dial(ctx context.Context, cfg Config, k seal.TwinKeys, onReceipt func(client.Receipt), log *slog.Logger) (*client.Client, error) {
	delay := 100 * time.Millisecond
	var refusedSince time.Time
	for attempt := 0; ; attempt++ {
		dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		c, err := client.Dial(dctx, client.Config{Path: cfg.Socket, Keys: k, TTL: 24 * time.Hour, OnReceipt: onReceipt, Logger: log})
		cancel()
		if err == nil {
			return c, nil
		}
		if errors.Is(err, client.ErrUnauthenticated) {
			if cfg.Chain == "" {
				return nil, fmt.Errorf("the PNIC at %s does not know twin %d (is %s its resolver file?): %w", cfg.Socket, k.ID, cfg.DirectoryFile, err)
			}
			// The PNIC reads the chain too, but may not have seen the block with the registration yet.
			if refusedSince.IsZero() {
				refusedSince = time.Now()
				log.Info("waiting for the PNIC to see the twin on the chain", "twin", k.ID)
			} else if time.Since(refusedSince) > time.Minute {
				return nil, fmt.Errorf("the PNIC at %s does not know twin %d after a minute (does it resolve through the same chain, --chain?): %w", cfg.Socket, k.ID, err)
			}
		}
		if attempt == 0 {
			log.Info("waiting for the PNIC", "socket", cfg.Socket, "err", err)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("connect to the PNIC at %s: %w", cfg.Socket, ctx.Err())
		case <-time.After(delay):
		}
		delay = min(2*delay, 2*time.Second)
	}
}

// Run runs the twin until ctx ends.
func Run(ctx context.Context, cfg Config) error {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return err
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	out := cfg.Out
	if out == nil {
		out = io.Discard
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	var (
		keys seal.TwinKeys
		dir  directory.Directory
		cc   *chainclient.Client
		own  ed25519.PublicKey // the hosting PNIC's key, when known: the chain must name it
	)
	if cfg.Chain != "" {
		dctx, dcancel := context.WithTimeout(ctx, 30*time.Second)
		var err error
		cc, err = chainclient.Dial(dctx, cfg.Chain, chainclient.Options{Log: log.With("part", "chain")})
		dcancel()
		if err != nil {
			return fmt.Errorf("no chain at %s (start chaind, pass --chain URL, or use a directory file with --directory and --twin-id): %w", cfg.Chain, err)
		}
		defer cc.Close()
		if keys, dir, err = chainIdentity(ctx, cfg, cc, log); err != nil {
			return err
		}
		if own, err = fence(ctx, cfg, cc, keys.ID, log); err != nil {
			return err
		}
	} else {
		var err error
		if keys, _, err = loadKeys(cfg, log); err != nil {
			return err
		}
		dir = directory.NewFile(cfg.DirectoryFile)
		if err := register(ctx, cfg, dir, keys, log); err != nil {
			return err
		}
	}
	st, err := store.Open(filepath.Join(cfg.DataDir, "db"))
	if err != nil {
		return err
	}
	defer st.Close()
	au := auth.New(LoginDir(cfg.DataDir), st, auth.Options{Twin: keys.ID})

	cert, err := serverTLS(cfg, log)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.HTTP)
	if err != nil {
		return fmt.Errorf("web server: %w", err)
	}
	defer ln.Close()
	base := "http://" + ln.Addr().String()
	if cert != nil {
		base = "https://" + ln.Addr().String()
		ln = tls.NewListener(ln, webtls.ServerConfig(*cert))
	}
	if err := os.WriteFile(urlFile(cfg.DataDir), []byte(base+"\n"), 0o600); err != nil {
		return fmt.Errorf("web server: %w", err)
	}

	var tw atomic.Pointer[services.Twin]
	c, err := dial(ctx, cfg, keys, func(r client.Receipt) {
		if t := tw.Load(); t != nil {
			t.HandleReceipt(r)
		}
	}, log)
	if err != nil {
		if ctx.Err() != nil {
			return nil // stopped while waiting for the PNIC
		}
		return err
	}
	defer c.Close()
	log.Info("connected to the PNIC", "twin", keys.ID, "socket", cfg.Socket)
	fd, err := files.Open(filepath.Join(cfg.DataDir, "files"))
	if err != nil {
		return err
	}
	var pc *pinclient.Client
	if cfg.Pin != "" {
		aud := pinclient.Audience
		if cc != nil {
			aud = chain.PinAudience(cc.ChainID())
		}
		if pc, err = pinclient.New(cfg.Pin, aud, keys.ID, keys.Signing); err != nil {
			return err
		}
	}
	t := services.New(services.Config{Client: c, Store: st, Directory: dir, Files: fd, Pin: pc, Self: keys.ID, Logger: log})
	tw.Store(t)

	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var standby *replica.Sender
	if cfg.Standby != "" {
		if standby, err = startReplication(rctx, cfg, keys, st, log); err != nil {
			return err
		}
		defer st.SetReplicator(nil)
	}
	fenced := make(chan error, 1)
	if cc != nil && own != nil {
		go watchFence(rctx, cc, keys.ID, own, fenced)
	}
	go t.ResendLoop(rctx)
	ws := wsapi.New(wsapi.Config{Twin: t, Auth: au, Version: cfg.Version, Socket: cfg.Socket, LoginCommand: cfg.LoginCommand, Logger: log})
	mux := http.NewServeMux()
	mux.Handle("/", web.Handler(web.Config{Auth: au, WS: ws, LoginCommand: cfg.LoginCommand, Logger: log,
		Upload: http.HandlerFunc(ws.Upload), Download: http.HandlerFunc(ws.Serve), CloseSession: ws.CloseSession}))
	mux.Handle("GET /healthz", healthz(t, standby))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second,
		BaseContext: func(net.Listener) context.Context { return rctx },
		ErrorLog:    slog.NewLogLogger(log.With("part", "web").Handler(), slog.LevelDebug)}
	// The link is printed before the server answers, so whoever sees it answer can find it.
	if sessions, err := au.Sessions(); err == nil && len(sessions) == 0 {
		link, err := loginLink(cfg.DataDir, base)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "Open this link once to log in to twin %d (it works one time; `%s` makes another):\n  %s\n", keys.ID, cfg.LoginCommand, link)
		if cert != nil && cfg.TLS {
			fmt.Fprintf(out, "The certificate is self-signed: your browser asks once whether to trust it. Its SHA-256 fingerprint:\n  %s\n", webtls.Fingerprint(*cert))
		}
	}
	srvErr := make(chan error, 1)
	go func() { srvErr <- srv.Serve(ln) }()

	log.Info("twin running", "twin", keys.ID, "web", base)
	if cfg.Ready != nil {
		cfg.Ready(base)
	}

	runErr := make(chan error, 1)
	go func() { runErr <- t.Run(rctx) }()
	select {
	case <-ctx.Done():
	case err = <-srvErr:
		err = fmt.Errorf("web server: %w", err)
	case err = <-runErr:
	case err = <-fenced:
		log.Error("stopped serving: the twin lives on another host now", "twin", keys.ID, "err", err)
	}
	cancel()
	sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer scancel()
	srv.Shutdown(sctx)
	ws.Wait() // websockets end with rctx; they use the store closed below
	log.Info("twin stopped", "twin", keys.ID)
	return err
}

// healthz answers GET /healthz without a login, for supervisors and gridctl status: 200 while the
// twin's PNIC answers it, else 503, with {"twin": ID, "pnic_connected": BOOL, "standby": BOOL}
// (standby: its replica stream is up and the standby has its snapshot).
func healthz(t *services.Twin, standby *replica.Sender) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !wsapi.LocalHost(r.Host) {
			http.Error(w, "this twin answers only on its loopback address", http.StatusForbidden)
			return
		}
		st := t.Status(r.Context())
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		if !st.Connected {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		json.NewEncoder(w).Encode(struct {
			Twin      uint64 `json:"twin"`
			Connected bool   `json:"pnic_connected"`
			Standby   bool   `json:"standby"`
		}{st.Twin, st.Connected, standby != nil && standby.Connected()})
	})
}

// Relocate moves the twin to the PNIC at cfg.Socket (key cfg.PNICKey, or its pnic.key) with one
// update of its directory record, keeping its location. Senders learn the move from the directory
// (on the chain, from its events), and messages on their way are retried to the new PNIC, which
// keeps them until the twin connects there. Run it while twind is stopped, then start twind with
// the new --pnic.
func Relocate(ctx context.Context, cfg Config) (uint64, ed25519.PublicKey, error) {
	cfg = cfg.WithDefaults()
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	k, err := seal.ReadKeyFile(cfg.KeyFile)
	if err != nil {
		return 0, nil, err
	}
	pk, err := pnicPublicKey(cfg)
	if err != nil {
		return 0, nil, err
	}
	var dir directory.Directory = directory.NewFile(cfg.DirectoryFile)
	if cfg.Chain != "" {
		cc, err := chainclient.Dial(ctx, cfg.Chain, chainclient.Options{Log: log.With("part", "chain")})
		if err != nil {
			return 0, nil, fmt.Errorf("chain at %s: %w", cfg.Chain, err)
		}
		defer cc.Close()
		dir = directory.NewChain(cc, k.Signing, circleIndex(cfg.DataDir))
	}
	rec, err := dir.FindTwin(ctx, k.ID)
	if err != nil {
		return 0, nil, fmt.Errorf("twin %d: %w", k.ID, err)
	}
	if !rec.SigningKey.Equal(k.SigningPublic()) {
		return 0, nil, fmt.Errorf("the directory lists twin %d with other keys than %s", k.ID, cfg.KeyFile)
	}
	if rec.PNIC.Equal(pk) {
		return k.ID, pk, nil // already there
	}
	rec.PNIC = pk
	if err := dir.Update(ctx, rec); err != nil {
		return 0, nil, err
	}
	log.Info("relocated the twin", "twin", k.ID, "pnic", hex.EncodeToString(pk))
	return k.ID, pk, nil
}
