// Package chain is the Planetary registry as an ABCI 2.0 application for CometBFT: accounts with
// balances and service allowances, twins (keys, hosting PNIC, location), their DID documents,
// circles, the public address book, per-twin audit logs, governance (proposals, votes,
// parameters, a community treasury) and KYC attestations.
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
//	0x50 | node(32)                 → PinNode (a registered pinning node)
//	0x51 | cid                      → PinSet (the one allocation set of a CID: size, replicas, holders)
//	0x52 | owner twin(8) | cid      → PinRecord (one owner's pin)
//	0x53 | owner(8) | created ns(8) → cid (an owner's pins by creation time)
//	0x54 | node(32) | cid           → holder state (the allocations of a node)
//	0x55 | u16 len | cid | owner(8) → replicas (the owners of a CID)
//	0x56 | heartbeat ns(8) | node   → 1 (live nodes by last heartbeat, to find the dead)
//	0x57 | node(32)                 → 1 (dead nodes whose allocations are still moving)
//	0x58 | cid                      → 1 (sets with fewer holders than replicas, retried when a node joins or returns)
//	0x59 | owner(8) | request id    → cid (an owner's pins by request id)
//	0x5A–0x5F                         reserved for pins
//	0x60 | owner(8)                 → PinAccount (usage, totals charged, settled time, unpaid since: pins removed past unpaid_grace_s)
//	0x61 | owner(8) | node(32)      → PinPair (bytes node holds for owner, unbilled fractions)
//	0x62–0x6E                         reserved for billing
//	0x6F | name                     → pin meta ("p": PinParams, "s": settlement sweep cursor, "r": repair cursor)
//	0x70 | name                     → u64 parameter (dao.quorum, faucet.max, pin.price.storage, …)
//	0x71 | account(32)              → 1 | label (the account may attest KYC)
//	0x72 | proposal id(8)           → Proposal (with its rules and running tally)
//	0x73 | proposal id(8) | twin(8) → vote choice(1)
//	0x74 | end height(8) | id(8)    → 1 (open proposals by the height they are decided at)
//	0x75 | twin id(8) | provider(32) → KYC attestation
//	0x76 | expiry(8) | twin(8) | provider(32) → 1 (valid attestations by expiry time)
//	0x7F | name                     → governance meta (next_proposal)
//	0xF0 | name                     → chain meta (chain_id, next_twin, next_circle; faucet before
//	                                  the parameters, read only while faucet.max is absent)
//
// Integers in keys are big-endian so prefix iteration is in id order.
//
// # Queries
//
// ABCI Query paths: twin/<id>, twin/<id>/epoch, twins/pnic/<hex>?from=<twin id>&limit=<n>, balance/<hex> (and
// account/<hex>), allowance/<owner hex>/<service hex>, circle/<id>,
// circle/<id>/members?from=<twin id>&limit=<n>, circles/twin/<id>?from=<circle id>&limit=<n> (the
// 0x22 index entries, twin | circle → role), audit/<twin>?from=<seq>&limit=<n>, audit/<twin>/next (the next sequence), did/<id>,
// name/<name>, names/twin/<id> (the entries themselves), proposals?from=<id>&limit=<n>,
// proposal/<id> (with its tally), proposal/<id>/votes?from=<twin id>, vote/<proposal>/<twin>,
// params, param/<name>, kyc/<twin id> (the twin's attestations, each proven), kyc/providers; for pinning: pinparams,
// pinnodes?after=<hex>, pinnode/<hex>, pin/<cid> (the PinSet), pins/owner/<twin>/<cid> (the
// PinRecord), pins/request/<twin>/<request id> (the CID),
// pins/owner/<twin>?before=<ns>&after=<ns>&limit=<n> (newest first, each pin as its PinRecord
// followed by its PinSet, at most 500 pins), pins/node/<hex>?after=<cid> (the PinSets allocated
// to a node), pinaccount/<twin> and pinaccount/<twin>/nodes (its PinPairs). Lists return at most 1000 entries (the
// default limit). Single values are the stored bytes (decode with DecodeTwin and friends); lists
// are a List whose entries are each proven by one ProofOp, in order. did/<id> is derived from the
// twin record and carries no proof: verify twin/<id> and derive the document with DID.
//
// # Governance
//
// Any twin's owner may propose one Change: set a parameter, pay from the community treasury
// (TreasuryAccount, an account no key signs for), allow or stop a KYC provider, or revoke an
// attestation. The proposer pays dao.deposit into the treasury. Voting weight is one vote per
// twin: the signer votes with a twin it owns, once, yes, no or abstain. Only twins registered
// before the proposal was made may vote (so new twins cannot be minted to swing an open vote),
// and when dao.vote_kyc_level is above zero only twins holding a valid attestation of at least
// that level from a provider still allowed; one account owning many twins has as many votes, so
// a chain that cares sets that level. A proposal copies dao.quorum (votes needed, abstentions
// included), dao.threshold (the per mille of yes among yes and no it must exceed) and
// dao.period (blocks) when it is made; it takes votes up to and including its end height, and at
// the end of that block the chain itself, in FinalizeBlock after the block's txs, tallies it:
// rejected, or passed and executed, or passed and failed when its change cannot be applied (a
// treasury too small), which then changes nothing. Block events: proposal_passed,
// proposal_rejected, proposal_executed, proposal_failed; tx events: proposal_created, vote.
// Parameters the chain reads: faucet.max, dao.*, relocation.grace_seconds; any other
// well-formed name (pin.price.storage, pin.price.served, …) is stored for other parts to read.
//
// # KYC
//
// A KYC provider is an account the governance allows (0x71). It attests that a twin passed its
// verification at a level (1–255) until an expiry time, with an opaque reference to its own
// record: no personal data is on the chain. A new attestation by the same provider replaces the
// old one. The provider revokes its own; the governance revokes any. At the end of every block
// the attestations whose expiry is at or before the block's time become expired. Every change is
// on the twin's audit log (kyc_attested, kyc_revoked, kyc_expired, which twins cannot report
// themselves), the kyc/<twin id> query proves the records, and did/<id> lists them as
// credentials (DIDWithKYC). The twin/<id> record stays as it is: it is what every message
// lookup reads, and the attestations are a separate proven answer at the same height.
//
// # Pinning
//
// Pinning nodes register themselves (RegisterPinNode, signed by the node's key) and send
// heartbeats (PinHeartbeat) that prove them alive and report the bytes served per owner. A pin
// (AddPin, RemovePin) is submitted by a registered node and carries the owner's bearer token
// (chain/token) for audience PinAudience(chain id), checked against the owner twin's key at the
// block's time. One allocation set per CID is shared by every owner; its replicas are the most
// any owner asks for (0: PinParams.DefaultReplicas), capped at the live nodes. Holders are chosen
// from live nodes with room: the submitting node first, then by rendezvous hash of the CID and the
// node key. A holder is Allocated until it sends ConfirmPin, then Held. A node whose last heartbeat
// is PinParams.GraceSeconds old (block time) is found dead at the end of a block (at most 8 a
// block); its allocations move to live nodes (at most 64 a block), each new holder told, in a
// pin_allocated event, which surviving holders to fetch from. A set left short (no live node had
// room) is retried, at most 16 a block, after a node registers or comes back.
//
// An owner pays, from its twin's owner account, each node holding a confirmed copy that node's
// PriceStorage per GiB-month of block time, and each node that served its bytes that node's
// PriceServed per GiB; storage is settled per owner whenever a tx touches it and by a sweep of
// at most 16 accounts a block (see pinbill.go). A pin the owner's balance cannot pay, with all
// its other pins, for PinParams.MinPrepaidSeconds is refused with CodePinFunds.
// Events: pin_added, pin_removed, pin_allocated (cid, node, hold, state, size, from), pin_charged,
// pinnode_registered, pinnode_alive, pinnode_dead; pins, unpins and charges go to the owner's audit log.
//
// # State sync
//
// With Options.SnapshotInterval the app exports the IAVL version every that many blocks into
// chunks of Options.SnapshotChunk bytes (4 MiB by default; format 1), keeps the latest few in
// memory and restores them on a new node, checking each chunk's hash and the imported root
// against the trusted app hash.
package chain
