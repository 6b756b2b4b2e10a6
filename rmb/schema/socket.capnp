@0xc0e9ab28d3f2a7c9;
# The framed protocol spoken between a twin and its PNIC over the Unix socket.
# Every frame is a 4-byte big-endian length followed by one Cap'n Proto message
# whose root is a Frame.

using Go = import "/go.capnp";
$Go.package("schema");
$Go.import("github.com/freeflowuniverse/planetary/rmb/schema");

enum ErrorCode {
  internal @0;
  badRequest @1;
  unauthenticated @2;
  unknownTwin @3;
  expired @4;
  tooLarge @5;
  overQuota @6;
  rateLimited @7;
  timeout @8;
  unavailable @9;
  wrongDestination @10;
  tampered @11;
}

struct Auth {
  twin @0 :UInt64;
  signature @1 :Data;     # ed25519 over "planetary-rmb-auth-v1" || challenge || twin (8 bytes BE)
}

struct Error {
  code @0 :ErrorCode;
  text @1 :Text;
}

struct TwinInfo {
  id @0 :UInt64;
  signingKey @1 :Data;
  encryptionKey @2 :Data;
  pnic @3 :Data;
}

# Receipt tells the sending twin what became of a message it sent.
struct Receipt {
  id @0 :Data;
  delivered @1 :Bool;     # true: the receiving PNIC persisted it
  code @2 :ErrorCode;     # why it failed when delivered is false
  reason @3 :Text;
}

struct Incoming {
  token @0 :UInt64;       # pass to accept on a new connection
  remote @1 :Text;        # remote address and port
}

struct Frame {
  seq @0 :UInt64;         # set by the client on calls, echoed by the server on their answer
  union {
    challenge @1 :Data;   # server: fresh random bytes to sign
    auth @2 :Auth;        # client
    ok @3 :Void;          # server: the call succeeded
    error @4 :Error;      # server: the call failed
    send @5 :Data;        # client: a sealed Envelope
    sent @6 :Data;        # server: id of the envelope, now durable
    resolve @7 :UInt64;   # client: twin id
    twin @8 :TwinInfo;    # server
    twinAddress @9 :UInt64; # client: twin id, 0 for the caller
    address @10 :Text;    # server: overlay IPv6 address
    subscribe @11 :Void;  # client: start inbound deliveries
    deliver @12 :Data;    # server: an inbound Envelope; seq identifies the delivery
    ack @13 :Void;        # client: the delivery with this seq is handled
    receipt @14 :Receipt; # server; seq identifies the delivery, acknowledged like deliver
    dial @15 :Text;       # client: "[ipv6]:port"; the connection becomes a byte stream after ok
    listen @16 :UInt16;   # client: overlay TCP port
    incoming @17 :Incoming; # server: a connection arrived on a listened port
    accept @18 :UInt64;   # client: token; the connection becomes that byte stream after ok
    reject @19 :Error;    # client: the delivery with this seq cannot be taken (e.g. it does not
                          # open: tampered); the PNIC drops it, counts it and tells the sender
  }
}
