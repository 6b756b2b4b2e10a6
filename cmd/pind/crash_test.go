package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// pindProc is a pind process the test can kill -9.
type pindProc struct {
	cmd *exec.Cmd
	api string
}

func buildPind(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "pind")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("build pind: %v\n%s", err, out)
	}
	return bin
}

var apiRE = regexp.MustCompile(`api=(http://[0-9.:]+)`)

func startPind(t *testing.T, bin, dir string) *pindProc {
	t.Helper()
	cmd := exec.Command(bin, "--data", dir, "--http", "127.0.0.1:0", "--swarm", "/ip4/127.0.0.1/tcp/0", "--name", "crash")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &pindProc{cmd: cmd}
	t.Cleanup(func() { p.kill() })
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := apiRE.FindStringSubmatch(sc.Text()); m != nil && strings.Contains(sc.Text(), "pind listening") {
				found <- m[1]
			}
		}
		close(found)
	}()
	select {
	case api, ok := <-found:
		if !ok {
			t.Fatal("pind exited before listening")
		}
		p.api = api
	case <-time.After(60 * time.Second):
		t.Fatal("pind did not start within 60 s")
	}
	return p
}

func (p *pindProc) kill() {
	if p.cmd.ProcessState == nil {
		p.cmd.Process.Signal(syscall.SIGKILL)
		p.cmd.Wait()
	}
}

func getJSON(t *testing.T, url, tok string, v any) int {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if v != nil {
		json.NewDecoder(res.Body).Decode(v)
	}
	return res.StatusCode
}

type status struct {
	LocalPins int            `json:"local_pins"`
	Jobs      map[string]int `json:"jobs"`
}

// TestKill9 kills a pind process in the middle of an import and with an accepted pin still
// fetching: after a restart on the same data directory nothing half-imported is pinned, the
// accepted pin is still being worked on, and a fresh import completes.
func TestKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: not building pind")
	}
	bin := buildPind(t)
	dir := t.TempDir()
	p := startPind(t, bin, dir)
	tokb, err := os.ReadFile(filepath.Join(dir, "dev.token"))
	if err != nil {
		t.Fatal(err)
	}
	tok := strings.TrimSpace(string(tokb))

	// An accepted pin whose only origin never answers: it stays pinning (retrying within its bound).
	req, _ := http.NewRequest("POST", p.api+"/pins", strings.NewReader(`{"cid":"bafkreibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4yeq","origins":["/ip4/127.0.0.1/tcp/9/p2p/12D3KooWGzxzKZYveHXtpG6AsrUJBcWxHBFS2HsEoGTxrMLvKXtf"]}`))
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 202 {
		t.Fatalf("pin: %s", res.Status)
	}

	// An upload cut by kill -9: 8 MiB of a declared much bigger file are sent, then the process dies.
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	sent := make(chan struct{})
	go func() {
		fw, _ := mw.CreateFormFile("file", "big")
		chunk := make([]byte, 1<<20)
		for i := range 8 {
			chunk[0] = byte(i)
			if _, err := fw.Write(chunk); err != nil {
				break
			}
		}
		close(sent)
		// Keep the request open until the process is gone.
		time.Sleep(2 * time.Second)
		pw.CloseWithError(fmt.Errorf("cut"))
	}()
	up, _ := http.NewRequest("POST", p.api+"/api/v0/add", pr)
	up.Header.Set("Authorization", "Bearer "+tok)
	up.Header.Set("Content-Type", mw.FormDataContentType())
	done := make(chan error, 1)
	go func() {
		res, err := http.DefaultClient.Do(up)
		if err == nil {
			res.Body.Close()
			err = fmt.Errorf("upload answered %s", res.Status)
		}
		done <- err
	}()
	<-sent
	p.kill()
	if err := <-done; err == nil || strings.Contains(err.Error(), "answered 200") {
		t.Fatalf("the cut upload was answered: %v", err)
	}

	p2 := startPind(t, bin, dir)
	var st status
	getJSON(t, p2.api+"/v1/status", "", &st)
	if st.LocalPins != 0 || st.Jobs["pinned"] != 0 {
		t.Fatalf("after kill -9: %+v, want nothing pinned", st)
	}
	if st.Jobs["pinning"]+st.Jobs["queued"] != 1 {
		t.Fatalf("after kill -9: jobs %v, want the accepted pin still in progress", st.Jobs)
	}
	var list struct {
		Count   int `json:"count"`
		Results []struct {
			Status string `json:"status"`
		} `json:"results"`
	}
	if code := getJSON(t, p2.api+"/pins?status=queued,pinning,pinned,failed", tok, &list); code != 200 || list.Count != 1 || list.Results[0].Status == "pinned" {
		t.Fatalf("after kill -9, /pins: %d %+v, want the accepted pin, not pinned", code, list)
	}
	// A complete import after the restart is pinned and served.
	pr2, pw2 := io.Pipe()
	mw2 := multipart.NewWriter(pw2)
	go func() {
		fw, _ := mw2.CreateFormFile("file", "small")
		fw.Write([]byte("after the crash"))
		mw2.Close()
		pw2.Close()
	}()
	up2, _ := http.NewRequest("POST", p2.api+"/api/v0/add?cid-version=1", pr2)
	up2.Header.Set("Authorization", "Bearer "+tok)
	up2.Header.Set("Content-Type", mw2.FormDataContentType())
	res, err = http.DefaultClient.Do(up2)
	if err != nil {
		t.Fatal(err)
	}
	var line struct{ Hash string }
	json.NewDecoder(res.Body).Decode(&line)
	res.Body.Close()
	if res.StatusCode != 200 || line.Hash == "" {
		t.Fatalf("add after restart: %s", res.Status)
	}
	getJSON(t, p2.api+"/v1/status", "", &st)
	if st.LocalPins != 1 {
		t.Fatalf("after a complete add: %+v", st)
	}
}
