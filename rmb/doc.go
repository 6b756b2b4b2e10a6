// Package rmb is the Reliable Message Bus: typed, end-to-end sealed messages between twins, carried
// between PNICs over QUIC, persisted until acknowledged or expired. The work is split into packages:
//
//   - schema: Cap'n Proto schemas (envelope, socket protocol, ping) and the generated Go code.
//   - seal: the envelope type, its codec, and twin-to-twin sealing (construction in its doc).
//   - resolve: twin id → keys and hosting PNIC, with a cache and a JSON-file resolver.
//   - store: the pebble outbox/inbox with group commit.
//   - transport: QUIC between PNICs over the PNIC's PacketConn, keys checked against certificates.
//   - bus: the engine (Send, Attach, retries, receipts, limits, metrics).
//   - socket and frame: the Unix-socket API for local twins and its framing.
//   - client: the Go library twins use.
//
// Wiring inside a PNIC, given its PacketConn for RMB packets (the PNIC strips its own tag), a locator
// from PNIC key to overlay address, and an Overlay for twin addresses and TCP streams:
//
//	b, err := bus.New(bus.Config{
//		Conn:     rmbConn,                                       // net.PacketConn; never closed by the bus
//		Locate:   func(k ed25519.PublicKey) (net.Addr, error) { return iwt.Addr(k), nil },
//		Key:      pnicKey,                                       // ed25519.PrivateKey
//		Resolver: resolve.NewCache(chainOrFileResolver, time.Minute),
//		DataDir:  filepath.Join(dataDir, "rmb"),
//		Registry: promRegistry,                                  // prometheus.Registerer, may be nil
//		Logger:   logger,
//	})
//	srv, err := socket.Listen(socket.Config{Path: filepath.Join(dataDir, "pnic.sock"), Bus: b, Overlay: overlay, Logger: logger})
//	...
//	srv.Close()
//	b.Close()
//
// Durability is the default: Send returns once the envelope is fsynced in the outbox, and the
// receiving PNIC fsyncs it into the twin's inbox (with its id, for deduplication) before it
// acknowledges. The cost is shared, not dropped: the socket hands sends a twin writes back to back to
// the bus together (bus.SendEnvelopes), the store commits concurrent writers in one batch and one
// fsync (group commit), and a bus delivers what waits for one PNIC in one batch request, which the
// receiving PNIC checks envelope by envelope and persists with one write and one fsync.
//
// Relaxed mode is opt-in (bus.Limits.SyncWindow, pnicd --rmb-sync-window): Send returns, and the
// receiving PNIC acknowledges, once the envelope is written to the store's log but before its fsync;
// one fsync for everything written follows within the window (JetStream's default promise, with a
// shorter window). What it risks: a crash within the window loses the envelopes acknowledged in it —
// a sender's accepted envelopes never leave, a receiver's acknowledged ones are gone from the twin's
// inbox and are not sent again, and their receipts may say delivered. A crash of the machine (power
// cut, kernel panic, a VM killed) may lose the whole window; a crash of pnicd alone (kill -9, panic)
// only the writes not yet handed to the kernel, normally the last few microseconds. Exactly-once holds
// in both modes for what survives: ids are deduplicated on arrival, and the store's log is lost from
// its end, so a seen id is never lost without its message.
package rmb
