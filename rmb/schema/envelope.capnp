@0x9a09f3c7199a400f;
# Envelopes carried between PNICs and the acknowledgements a receiving PNIC returns.

using Go = import "/go.capnp";
$Go.package("schema");
$Go.import("github.com/freeflowuniverse/planetary/rmb/schema");

enum Kind {
  message @0;
  request @1;
  response @2;
  ack @3;
  error @4;
}

# Envelope is one twin-to-twin message. Everything except body is the routing
# header that PNICs read; body is sealed for the destination twin.
struct Envelope {
  id @0 :Data;            # 16 random bytes, unique per message
  src @1 :UInt64;         # sending twin id
  dst @2 :UInt64;         # receiving twin id
  created @3 :Int64;      # unix nanoseconds
  expires @4 :Int64;      # unix nanoseconds; refused after this
  kind @5 :Kind;
  command @6 :Text;       # command or topic
  correlation @7 :Data;   # id of the request a response answers
  schema @8 :UInt64;      # Cap'n Proto type id of the plaintext body
  ephemeral @9 :Data;     # sender's ephemeral X25519 public key (32 bytes)
  body @10 :Data;         # XChaCha20-Poly1305 ciphertext
  signature @11 :Data;    # ed25519 signature of the sending twin over header and body
}

enum Status {
  ok @0;                  # persisted by the receiving PNIC
  duplicate @1;           # already received; not delivered again
  wrongDestination @2;    # destination twin is not hosted by this PNIC
  unknownTwin @3;         # a twin id could not be resolved
  tampered @4;            # signature does not verify
  expired @5;
  tooLarge @6;
  overQuota @7;
  malformed @8;
  retryLater @9;          # temporary failure on the receiving side
}

# Ack is the receiving PNIC's answer to one envelope.
struct Ack {
  id @0 :Data;
  status @1 :Status;
  reason @2 :Text;
}

# Notice tells the PNIC of an envelope's sender what became of it after the receiving PNIC
# acknowledged it, e.g. that it expired before the receiving twin took it.
struct Notice {
  id @0 :Data;            # envelope id
  src @1 :UInt64;         # the twin that sent the envelope, to be told
  dst @2 :UInt64;         # the twin it was for; its PNIC sends the notice
  status @3 :Status;
  reason @4 :Text;
}
