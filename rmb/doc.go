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
package rmb
