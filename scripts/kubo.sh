#!/usr/bin/env bash
# Builds Kubo (the reference IPFS implementation) once per machine from the Go module proxy and prints
# the binary's path. The pinning tests use it to make CID vectors and as a real Pinning Service client.
#
# Kubo's go.mod replaces go-libp2p with a fork the module proxy refuses; the build uses a copy of
# Kubo's source whose go.mod drops that replace and requires go-libp2p v0.50.0 instead.
#
# Cache: ${XDG_CACHE_HOME:-~/.cache}/planetary/kubo-$VERSION/ipfs. Exit status is non-zero when the
# build cannot run (no network, no Go); the tests then skip and say why.
set -euo pipefail
VERSION="${KUBO_VERSION:-v0.43.1}"
LIBP2P="${KUBO_LIBP2P:-v0.50.0}"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/planetary/kubo-$VERSION"
bin="$cache/ipfs"
if [ -x "$bin" ]; then
	echo "$bin"
	exit 0
fi
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9
if [ -x "$bin" ]; then
	echo "$bin"
	exit 0
fi
work="$(mktemp -d "$cache/build.XXXXXX")"
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
cd "$work"
# A throwaway module context so `go mod download` does not touch the caller's go.mod.
export GOFLAGS=-mod=mod GOWORK=off GONOSUMDB="${GONOSUMDB:-}" 
dir="$(go mod download -json "github.com/ipfs/kubo@$VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
if [ -z "$dir" ] || [ ! -f "$dir/go.mod" ]; then
	echo "kubo.sh: cannot download github.com/ipfs/kubo@$VERSION" >&2
	exit 1
fi
cp -r "$dir" src
chmod -R u+w src
cd src
go mod edit -dropreplace=github.com/libp2p/go-libp2p
go mod edit -require="github.com/libp2p/go-libp2p@$LIBP2P"
go mod tidy >&2
CGO_ENABLED=0 go build -trimpath -ldflags '-s -w' -o "$work/ipfs" ./cmd/ipfs >&2
mv "$work/ipfs" "$bin"
echo "$bin"
