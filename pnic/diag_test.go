package pnic

import "testing"

// dumpRouter logs what a node knows of the overlay, for a test that failed to get through.
func dumpRouter(t *testing.T, name string, n *Node) {
	r := n.router
	r.mu.RLock()
	known := len(r.byAddr)
	pend := len(r.pending)
	r.mu.RUnlock()
	st := &r.stats
	t.Logf("%s: known %d pending %d toOverlay %d fromOverlay %d dropDest %d dropSpoof %d dropSource %d noRoute %d; paths %d sessions %d peers %d",
		name, known, pend, st.toOverlay.Load(), st.fromOverlay.Load(), st.dropDest.Load(), st.dropSpoof.Load(), st.dropSource.Load(), st.dropNoRoute.Load(),
		len(n.core.GetPaths()), len(n.core.GetSessions()), len(n.core.GetPeers()))
	for _, s := range n.core.GetSessions() {
		t.Logf("  session %x rx %d tx %d", s.Key[:4], s.RXBytes, s.TXBytes)
	}
	for _, p := range n.core.GetPaths() {
		t.Logf("  path %x %v", p.Key[:4], p.Path)
	}
}
