@0xde146503f4e7918d;
# Payloads of the ping service every twin answers.

using Go = import "/go.capnp";
$Go.package("schema");
$Go.import("github.com/freeflowuniverse/planetary/rmb/schema");

struct Ping {
  seq @0 :UInt64;
  sent @1 :Int64;         # unix nanoseconds at the sender
  payload @2 :Data;
}

struct Pong {
  seq @0 :UInt64;
  sent @1 :Int64;         # copied from the ping
  payload @2 :Data;
}
