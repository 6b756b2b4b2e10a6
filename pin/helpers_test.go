package pin

import (
	"crypto/ed25519"
	"encoding/json"
	"io"
	"log/slog"
	"mime/multipart"
	"net/textproto"
	"net/url"
	"path"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ipfs/boxo/blockservice"
	"github.com/ipfs/boxo/blockstore"
	"github.com/ipfs/boxo/ipld/merkledag"
	ipld "github.com/ipfs/go-ipld-format"

	"github.com/freeflowuniverse/planetary/chain/token"
	"github.com/freeflowuniverse/planetary/pin/ledger"
)

func dagOf(bs blockstore.Blockstore) ipld.DAGService {
	return merkledag.NewDAGService(blockservice.New(bs, nil))
}

func edKey() (ed25519.PublicKey, ed25519.PrivateKey, error) { return ed25519.GenerateKey(nil) }

func decodeLine(t *testing.T, line string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(line), v); err != nil {
		t.Fatalf("line %q: %v", line, err)
	}
}

// newMultipartDir writes files as one directory "d" in the multipart form Kubo's client sends
// (a part per directory with Content-Type application/x-directory, paths URL-escaped) and returns
// the body's content type.
func newMultipartDir(w io.Writer, files map[string][]byte) string {
	mw := multipart.NewWriter(w)
	dirs := map[string]bool{"d": true}
	var names []string
	for name := range files {
		names = append(names, name)
		for d := path.Dir(name); d != "."; d = path.Dir(d) {
			dirs["d/"+d] = true
		}
	}
	var all []string
	for d := range dirs {
		all = append(all, d)
	}
	for _, n := range names {
		all = append(all, "d/"+n)
	}
	slices.Sort(all)
	for _, p := range all {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="file"; filename="`+url.PathEscape(p)+`"`)
		if dirs[p] {
			h.Set("Content-Type", "application/x-directory")
			mw.CreatePart(h)
			continue
		}
		h.Set("Content-Type", "application/octet-stream")
		pw, _ := mw.CreatePart(h)
		pw.Write(files[strings.TrimPrefix(p, "d/")])
	}
	mw.Close()
	return mw.FormDataContentType()
}

type ed25519Key = ed25519.PrivateKey

func fixedKey(id uint64, k ed25519.PrivateKey) func(uint64) (ed25519.PublicKey, error) {
	return func(twin uint64) (ed25519.PublicKey, error) {
		if twin != id {
			return nil, ledger.ErrNotFound
		}
		return k.Public().(ed25519.PublicKey), nil
	}
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func mustToken(t testing.TB, k ed25519.PrivateKey, id uint64) string {
	tok, err := token.New(k, id, ledger.DefaultAudience, time.Now(), 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}
