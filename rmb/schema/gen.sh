#!/bin/sh
# Regenerates the Go code for the schemas in this directory into OUT (default: here),
# with capnpc-go built from the module's own pinned capnproto.org/go/capnp/v3.
set -eu
cd "$(dirname "$0")"
out="${1:-.}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/capnpc-go" capnproto.org/go/capnp/v3/capnpc-go
std="$(go list -m -f '{{.Dir}}' capnproto.org/go/capnp/v3)/std"
capnp compile -I"$std" -o"$tmp/capnpc-go:$out" envelope.capnp socket.capnp ping.capnp twin.capnp
