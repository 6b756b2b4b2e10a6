package wsapi

import (
	"encoding/hex"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
)

// MaxUpload bounds a file the owner shares from the browser.
const MaxUpload = 1 << 30

// sameOrigin reports whether a state-changing request comes from the twin's own page.
func sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return false
	}
	u, err := url.Parse(o)
	return err == nil && u.Host == r.Host
}

// Upload shares the request body as a file: POST /files?name=NAME&to=ID,ID&circles=NAME,NAME (the
// twins and circles allowed to download it; they, and the circles' members, are sent an offer). It
// needs the session and the page's own Origin.
func (s *Server) Upload(w http.ResponseWriter, r *http.Request) {
	if !LocalHost(r.Host) || !sameOrigin(r) {
		http.Error(w, "uploads come only from the twin's own page", http.StatusForbidden)
		return
	}
	if _, err := s.cfg.Auth.Check(r); err != nil {
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	q := r.URL.Query()
	var access []uint64
	for _, f := range strings.Split(q.Get("to"), ",") {
		if f == "" {
			continue
		}
		id, err := strconv.ParseUint(f, 10, 64)
		if err != nil || id == 0 {
			http.Error(w, fmt.Sprintf("to: %q is not a twin id", f), http.StatusBadRequest)
			return
		}
		access = append(access, id)
	}
	var circles []string
	for _, c := range strings.Split(q.Get("circles"), ",") {
		if c != "" {
			circles = append(circles, c)
		}
	}
	f, err := s.cfg.Twin.Share(r.Context(), http.MaxBytesReader(w, r.Body, MaxUpload), q.Get("name"), access, circles)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "text/plain")
	fmt.Fprintln(w, hex.EncodeToString(f.SHA256[:]))
}

// Serve sends a complete file to the owner: GET /files/{sha256}.
func (s *Server) Serve(w http.ResponseWriter, r *http.Request) {
	if !LocalHost(r.Host) {
		http.Error(w, "this twin answers only on its loopback address", http.StatusForbidden)
		return
	}
	if _, err := s.cfg.Auth.Check(r); err != nil {
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	raw, err := hex.DecodeString(r.PathValue("sha"))
	if err != nil || len(raw) != 32 {
		http.Error(w, "want /files/<sha256 in hex>", http.StatusBadRequest)
		return
	}
	var sha [32]byte
	copy(sha[:], raw)
	path, name, err := s.cfg.Twin.FilePath(sha)
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	fh, err := os.Open(path)
	if err != nil {
		http.Error(w, "file not stored", http.StatusNotFound)
		return
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		http.Error(w, "file not stored", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	w.Header().Set("Content-Type", "application/octet-stream")
	http.ServeContent(w, r, "", st.ModTime(), fh)
}
