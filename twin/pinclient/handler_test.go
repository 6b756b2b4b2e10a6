package pinclient

import (
	"net/http"
	"sync"

	"github.com/freeflowuniverse/planetary/pin"
)

// pinHandler serves a node's API once the node exists (the node needs the server's URL first).
type pinHandler struct {
	mu sync.RWMutex
	h  http.Handler
}

func (p *pinHandler) set(n *pin.Node) { p.mu.Lock(); p.h = n.Handler(); p.mu.Unlock() }

func (p *pinHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.RLock()
	h := p.h
	p.mu.RUnlock()
	if h == nil {
		http.NotFound(w, r)
		return
	}
	h.ServeHTTP(w, r)
}
