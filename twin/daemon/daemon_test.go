package daemon

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/freeflowuniverse/planetary/rmb/schema"
	"github.com/freeflowuniverse/planetary/twin/auth"
	"github.com/freeflowuniverse/planetary/twin/internal/twintest"
	"github.com/freeflowuniverse/planetary/twin/webtls"
	"github.com/freeflowuniverse/planetary/twin/wsclient"
)

// syncBuffer is a bytes.Buffer the daemon writes while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// runDaemon runs Run with cfg until the returned stop is called (or the test ends) and returns the
// web server's base URL once it serves.
func runDaemon(t *testing.T, cfg Config) (string, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	cfg.Ready = func(u string) { ready <- u }
	done := make(chan error, 1)
	go func() { done <- Run(ctx, cfg) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("twin daemon: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	select {
	case u := <-ready:
		return u, stop
	case err := <-done:
		t.Fatalf("twin daemon ended before serving: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("twin daemon did not serve within 30 s")
	}
	return "", nil
}

var linkRE = regexp.MustCompile(`https?://\S+/login\?s=\S+`)

// TestTLS: with --tls the twin makes a self-signed certificate under its data directory, prints an
// https login link, and a client that trusts that certificate logs in (the cookie is Secure) and
// opens the websocket; plain HTTP to the port gets a clear 400; a restart reuses the certificate,
// and `twind login-link` then mints https links.
func TestTLS(t *testing.T) {
	p := twintest.NewPNIC(t)
	data := t.TempDir()
	out := &syncBuffer{}
	cfg := Config{DataDir: data, Socket: p.Socket, HTTP: "127.0.0.1:0", DirectoryFile: p.Directory.Path(), TwinID: 5,
		PNICKey: hex.EncodeToString(p.Key), TLS: true, Out: out}
	base, stop := runDaemon(t, cfg)
	if !strings.HasPrefix(base, "https://127.0.0.1:") {
		t.Fatalf("base URL %q, want https", base)
	}
	link := linkRE.FindString(out.String())
	if !strings.HasPrefix(link, base+"/login?s=") {
		t.Fatalf("login link %q, want one under %s; printed:\n%s", link, base, out.String())
	}
	pemBytes, err := os.ReadFile(filepath.Join(TLSDir(data), webtls.CertFile))
	if err != nil {
		t.Fatal(err)
	}
	cert, err := webtls.Load(filepath.Join(TLSDir(data), webtls.CertFile), filepath.Join(TLSDir(data), webtls.KeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), webtls.Fingerprint(cert)) {
		t.Fatalf("the certificate's fingerprint is not printed:\n%s", out.String())
	}
	if st, err := os.Stat(filepath.Join(TLSDir(data), webtls.KeyFile)); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("TLS key file: %v %v, want mode 0600", st, err)
	}

	// A client that does not trust the certificate is refused by its own TLS check.
	if _, err := wsclient.Login(context.Background(), link); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("login without trusting the certificate: %v", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemBytes) {
		t.Fatal("cert.pem holds no certificate")
	}
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}
	defer tr.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// The login's Set-Cookie, seen before the jar takes it.
	resp, err := (&http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).
		Get(base + "/login?s=bogus")
	if err != nil {
		t.Fatalf("https through a client that trusts the certificate: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("bogus login secret: %s", resp.Status)
	}
	hc, err := wsclient.LoginWith(ctx, link, tr)
	if err != nil {
		t.Fatal(err)
	}
	ws, err := wsclient.Dial(ctx, base, hc)
	if err != nil {
		t.Fatalf("websocket over TLS: %v", err)
	}
	r, err := ws.Call(ctx, func(rq schema.WsRequest) error { rq.SetStatus(); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := r.Status(); st.Twin() != 5 || !st.PnicConnected() {
		t.Fatalf("status over TLS: twin %d, PNIC connected %v", st.Twin(), st.PnicConnected())
	}
	ws.Close()

	// Plain HTTP to the TLS port fails clearly.
	resp, err = http.Get("http://" + strings.TrimPrefix(base, "https://") + "/session")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "HTTPS") {
		t.Fatalf("plain HTTP to the TLS port: %s %q", resp.Status, body)
	}

	// A restart keeps the certificate; login links are https.
	stop()
	cfg.HTTP = strings.TrimPrefix(base, "https://")
	base2, _ := runDaemon(t, cfg)
	if base2 != base {
		t.Fatalf("restarted at %s, want %s", base2, base)
	}
	again, err := os.ReadFile(filepath.Join(TLSDir(data), webtls.CertFile))
	if err != nil || !bytes.Equal(again, pemBytes) {
		t.Fatalf("the restart made a new certificate (%v)", err)
	}
	if got := WebURL(data, ""); got != base {
		t.Fatalf("WebURL = %q, want %q", got, base)
	}
	link2, err := LoginLink(data, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := wsclient.LoginWith(ctx, link2, tr); err != nil {
		t.Fatalf("login with a link minted after the restart: %v", err)
	}
}

// TestSecureCookie: the session cookie is Secure exactly when the twin serves HTTPS.
func TestSecureCookie(t *testing.T) {
	for _, useTLS := range []bool{false, true} {
		p := twintest.NewPNIC(t)
		data := t.TempDir()
		out := &syncBuffer{}
		base, _ := runDaemon(t, Config{DataDir: data, Socket: p.Socket, HTTP: "127.0.0.1:0", DirectoryFile: p.Directory.Path(),
			TwinID: 1, PNICKey: hex.EncodeToString(p.Key), TLS: useTLS, Out: out})
		tr := &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}
		hc := &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := hc.Get(linkRE.FindString(out.String()))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		tr.CloseIdleConnections()
		var c *http.Cookie
		for _, x := range resp.Cookies() {
			if x.Name == auth.CookieName(1) {
				c = x
			}
		}
		if c == nil || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Secure != useTLS {
			t.Fatalf("%s: session cookie %+v, want HttpOnly, SameSite=Strict, Secure %v", base, c, useTLS)
		}
	}
}

func TestTLSConfigErrors(t *testing.T) {
	for _, cfg := range []Config{
		{HTTP: DefaultHTTP, TLSCert: "c.pem"},
		{HTTP: DefaultHTTP, TLSKey: "k.pem"},
		{HTTP: DefaultHTTP, TLS: true, TLSCert: "c.pem", TLSKey: "k.pem"},
	} {
		if err := cfg.Validate(); err == nil {
			t.Errorf("%+v: accepted", cfg)
		}
	}
	// A pair that does not load is refused at start, naming the files.
	dir := t.TempDir()
	cert, key := filepath.Join(dir, "c.pem"), filepath.Join(dir, "k.pem")
	os.WriteFile(cert, []byte("not a certificate"), 0o600)
	os.WriteFile(key, []byte("not a key"), 0o600)
	p := twintest.NewPNIC(t)
	err := Run(context.Background(), Config{DataDir: t.TempDir(), Socket: p.Socket, HTTP: "127.0.0.1:0", DirectoryFile: p.Directory.Path(),
		TwinID: 1, PNICKey: hex.EncodeToString(p.Key), TLSCert: cert, TLSKey: key})
	if err == nil || !strings.Contains(err.Error(), cert) {
		t.Fatalf("unreadable certificate: %v", err)
	}
}

// TestOwnCertificate: --tls-cert and --tls-key serve the owner's own pair.
func TestOwnCertificate(t *testing.T) {
	dir := t.TempDir()
	own, _, err := webtls.SelfSigned(dir, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	p := twintest.NewPNIC(t)
	data := t.TempDir()
	out := &syncBuffer{}
	base, _ := runDaemon(t, Config{DataDir: data, Socket: p.Socket, HTTP: "127.0.0.1:0", DirectoryFile: p.Directory.Path(), TwinID: 1,
		PNICKey: hex.EncodeToString(p.Key), TLSCert: filepath.Join(dir, webtls.CertFile), TLSKey: filepath.Join(dir, webtls.KeyFile), Out: out})
	if _, err := os.Stat(TLSDir(data)); !os.IsNotExist(err) {
		t.Fatalf("made a self-signed certificate beside the owner's own: %v", err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(own.Leaf)
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}
	defer tr.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	hc, err := wsclient.LoginWith(ctx, linkRE.FindString(out.String()), tr)
	if err != nil {
		t.Fatalf("login at %s: %v", base, err)
	}
	ws, err := wsclient.Dial(ctx, base, hc)
	if err != nil {
		t.Fatal(err)
	}
	ws.Close()
}
