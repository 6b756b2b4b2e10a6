package main

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/freeflowuniverse/planetary/internal/testnet"
	"github.com/freeflowuniverse/planetary/pnic"
)

// TestOverlayGateway: A–B–C in namespaces with kernel-TUN pnicds; C's pind, started with --pnic,
// serves its gateway on C's overlay address, and A's namespace (which reaches C only through B)
// fetches a file stored on C byte-identical from that overlay URL. With B's pnicd stopped the same
// fetch fails: the bytes went over the overlay, not a side channel.
func TestOverlayGateway(t *testing.T) {
	testnet.RequireRoot(t)
	pnicd := testnet.Build(t, "github.com/freeflowuniverse/planetary/cmd/pnicd")
	pind := testnet.Build(t, "github.com/freeflowuniverse/planetary/cmd/pind")
	a, b, c := testnet.NewHost(t, "ppa"), testnet.NewHost(t, "ppb"), testnet.NewHost(t, "ppc")
	testnet.Connect(t, a, "eth0", "10.78.1.1/24", b, "eth0", "10.78.1.2/24")
	testnet.Connect(t, b, "eth1", "10.78.2.1/24", c, "eth0", "10.78.2.2/24")
	start := func(h *testnet.Host, args ...string) (*testnet.Proc, string) {
		data := t.TempDir()
		base := []string{"--data", data, "--tun", "kernel", "--http", "127.0.0.1:9652", "--listen=quic://[::]:9651", "--link-timeout", "600ms", "--redial-max", "5s"}
		p := h.Start(filepath.Join(t.TempDir(), "pnicd.log"), pnicd, append(base, args...)...)
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("pnicd in %s:\n%s", h.NS, p.Output())
			}
		})
		return p, data
	}
	status := func(h *testnet.Host) (pnic.Status, error) {
		resp, err := h.HTTPClient().Get("http://127.0.0.1:9652/v1/status")
		if err != nil {
			return pnic.Status{}, err
		}
		defer resp.Body.Close()
		var s pnic.Status
		return s, json.NewDecoder(resp.Body).Decode(&s)
	}
	waitLinks := func(h *testnet.Host, n int) pnic.Status {
		deadline := time.Now().Add(30 * time.Second)
		for {
			s, err := status(h)
			if err == nil && s.LinksUp() >= n {
				return s
			}
			if time.Now().After(deadline) {
				t.Fatalf("pnicd in %s: no %d links after 30s (%v)", h.NS, n, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	pb, _ := start(b)
	start(a, "--peer", "quic://10.78.1.2:9651")
	_, cdata := start(c, "--peer", "quic://10.78.2.1:9651")
	waitLinks(a, 1)
	sc := waitLinks(c, 1)
	waitLinks(b, 2)

	pdata := t.TempDir()
	pp := c.Start(filepath.Join(t.TempDir(), "pind.log"), pind, "--data", pdata, "--http", "127.0.0.1:9800", "--swarm", "off",
		"--pnic", filepath.Join(cdata, "pnic.sock"))
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("pind in %s:\n%s", c.NS, pp.Output())
		}
	})
	var tok []byte
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := c.HTTPClient().Get("http://127.0.0.1:9800/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				if tok, err = os.ReadFile(filepath.Join(pdata, "dev.token")); err == nil {
					break
				}
			}
		}
		if pp.Exited() || time.Now().After(deadline) {
			t.Fatalf("pind in %s not ready: %v\n%s", c.NS, err, pp.Output())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if out := pp.Output(); !strings.Contains(out, sc.Address) {
		t.Fatalf("pind does not advertise C's overlay address %s:\n%s", sc.Address, out)
	}

	file := make([]byte, 1<<20+12345)
	rand.Read(file)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "f.bin")
	fw.Write(file)
	mw.Close()
	req, _ := http.NewRequest("POST", "http://127.0.0.1:9800/api/v0/add", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(tok)))
	resp, err := c.HTTPClient().Do(req)
	if err != nil {
		t.Fatalf("add on C: %v", err)
	}
	var added struct{ Hash string }
	err = json.NewDecoder(resp.Body).Decode(&added)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK || added.Hash == "" {
		t.Fatalf("add on C: %d %v %+v", resp.StatusCode, err, added)
	}

	url := fmt.Sprintf("http://[%s]:9800/ipfs/%s?local=1", sc.Address, added.Hash)
	var got []byte
	deadline = time.Now().Add(30 * time.Second)
	for {
		resp, err := a.HTTPClient().Get(url)
		if err == nil {
			got, err = io.ReadAll(resp.Body)
			resp.Body.Close()
			if err == nil && resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("gateway of C from A over the overlay %s: %v", url, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !bytes.Equal(got, file) {
		t.Fatalf("A got %d bytes from C's overlay gateway, want the %d bytes added", len(got), len(file))
	}

	if err := pb.Stop(10 * time.Second); err != nil {
		t.Fatalf("stop pnicd B: %v", err)
	}
	if resp, err := a.HTTPClient().Get(url); err == nil {
		resp.Body.Close()
		t.Fatalf("with B's pnicd stopped, A still reached C's gateway (%d): not over the overlay", resp.StatusCode)
	}
}
