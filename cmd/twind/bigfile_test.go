package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/freeflowuniverse/planetary/rmb/schema"
)

// TestBigFileAcrossAPNICRestart: a 50 MB file shared by twin 1 with twin 3, two PNIC hops away, is
// downloaded while the PNIC between them is killed and started again part-way: the transfer resumes
// from what arrived, and the SHA-256 checks.
func TestBigFileAcrossAPNICRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("moves 50 MB through three pnicd")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	nodes, tw := startNetwork(t, ctx, 3)
	a, c := tw[0], tw[2]
	befriend(t, ctx, a, c, "")

	const size = 50 << 20
	content := make([]byte, size)
	rand.Read(content)
	sum := sha256.Sum256(content)
	req, _ := http.NewRequestWithContext(ctx, "POST", "http://"+a.http+"/files?name=big.bin&to=3", bytes.NewReader(content))
	req.Header.Set("Origin", "http://"+a.http)
	resp, err := a.hc.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("upload: %v %v", resp, err)
	}
	resp.Body.Close()
	c.await(t, ctx, "file offer", func(e schema.WsEvent) bool { return e.Which() == schema.WsEvent_Which_file })

	download := func() error {
		_, err := c.ws.Call(ctx, func(rq schema.WsRequest) error {
			d, err := rq.NewDownload()
			if err != nil {
				return err
			}
			d.SetTwin(1)
			return d.SetSha256(sum[:])
		})
		return err
	}
	done := make(chan error, 1)
	start := time.Now()
	go func() { done <- download() }()
	// Part-way (a third arrived, by the progress events), the middle PNIC dies and comes back.
	c.await(t, ctx, "a third of the file", func(e schema.WsEvent) bool {
		if e.Which() != schema.WsEvent_Which_file {
			return false
		}
		f, _ := e.File()
		return f.Have() >= size/3 && f.Have() < size
	})
	nodes[1].proc.Kill()
	cut := time.Now()
	nodes[1].start(t)
	t.Logf("PNIC 2 killed and started again in %s", time.Since(cut).Round(time.Millisecond))
	// The request in flight may fail with the cut; asking again resumes from what is stored.
	err = <-done
	for try := 0; err != nil && try < 5; try++ {
		t.Logf("download interrupted (%v); asking again", err)
		err = download()
	}
	if err != nil {
		t.Fatalf("download after the restart: %v", err)
	}
	took := time.Since(start)
	resp, err = c.hc.Get(fmt.Sprintf("http://%s/files/%x", c.http, sum))
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	n, _ := io.Copy(h, resp.Body)
	resp.Body.Close()
	if n != size || !bytes.Equal(h.Sum(nil), sum[:]) {
		t.Fatalf("downloaded %d bytes with another SHA-256", n)
	}
	t.Logf("50 MB over two PNIC hops with the middle PNIC restarted part-way: %.1f s (%.1f MiB/s)", took.Seconds(), 50/took.Seconds())
}
