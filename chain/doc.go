// Package chain is the Planetary registry as an ABCI 2.0 application for CometBFT: accounts with
// balances and service allowances, twins (keys, hosting PNIC, location), their DID documents,
// circles, the public address book and per-twin audit logs.
//
// State lives in one IAVL tree (github.com/cosmos/iavl) over a cometbft-db pebble database, so the
// app hash is the tree's root hash and every query can carry an ICS23 membership proof. A proof
// returned for height H verifies against the AppHash of block header H+1.
//
// # Transactions
//
// A transaction is a small hand-written binary encoding, chosen over protobuf or JSON because it
// has exactly one encoding per value (fixed-width big-endian integers, u16-length-prefixed strings,
// no optional fields, no trailing bytes accepted), so the bytes signed are the bytes sent, and a
// signed twin registration is about 250 bytes:
//
//	version(1)=1 | kind(1) | signer ed25519 key(32) | sequence(8) | message fields | signature(64)
//
// The signature covers "planetary-tx/1" | u16 len | chain id | everything before the signature.
// The sequence must equal the signer's account sequence, which every executed tx increments, even
// a refused one, so a signed tx can never be replayed. Refused txs carry a non-zero code (see the
// Code constants) and a log line.
//
// # State key layout
//
//	0x01 | account(32)              → Account (balance, sequence)
//	0x02 | owner(32) | service(32)  → u64 allowance left
//	0x10 | twin id(8)               → Twin
//	0x11 | pnic(32) | twin id(8)    → twin id (twins hosted by a PNIC)
//	0x12 | twin key(32)             → twin id (a key registers one twin)
//	0x13 | twin id(8)               → epoch(8): how many times the twin moved (RelocateTwin, UpdateTwin of its PNIC)
//	0x20 | circle id(8)             → Circle
//	0x21 | circle id(8) | twin(8)   → role
//	0x22 | twin(8) | circle id(8)   → role (the circles of a twin)
//	0x30 | name                     → NameEntry (with the twin's signature over NameSignBytes)
//	0x31 | twin id(8) | name        → twin id (names of a twin)
//	0x40 | twin id(8) | seq(8)      → AuditEvent
//	0x41 | twin id(8)               → next audit seq
//	0x50–0x5F                         reserved for pins
//	0x60–0x6F                         reserved for billing
//	0xF0 | name                     → chain meta (chain_id, faucet, next_twin, next_circle)
//
// Integers in keys are big-endian so prefix iteration is in id order.
//
// # Queries
//
// ABCI Query paths: twin/<id>, twin/<id>/epoch, twins/pnic/<hex>?from=<twin id>&limit=<n>, balance/<hex> (and
// account/<hex>), allowance/<owner hex>/<service hex>, circle/<id>,
// circle/<id>/members?from=<twin id>&limit=<n>, circles/twin/<id>?from=<circle id>&limit=<n> (the
// 0x22 index entries, twin | circle → role), audit/<twin>?from=<seq>&limit=<n>, did/<id>,
// name/<name>, names/twin/<id> (the entries themselves). Lists return at most 1000 entries (the
// default limit). Single values are the stored bytes (decode with DecodeTwin and friends); lists
// are a List whose entries are each proven by one ProofOp, in order. did/<id> is derived from the
// twin record and carries no proof: verify twin/<id> and derive the document with DID.
//
// # State sync
//
// With Options.SnapshotInterval the app exports the IAVL version every that many blocks into
// chunks of Options.SnapshotChunk bytes (4 MiB by default; format 1), keeps the latest few in
// memory and restores them on a new node, checking each chunk's hash and the imported root
// against the trusted app hash.
package chain
