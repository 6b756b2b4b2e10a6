#!/usr/bin/env bash
# make image: static binaries plus zinit services in a rootfs tarball for a Zero-OS flist.
set -euo pipefail
cd "$(dirname "$0")/.."
out=images/out
root=$out/rootfs
rm -rf "$root" && mkdir -p "$root/usr/bin" "$root/var/lib/planetary"
cp -r images/rootfs/. "$root/"
version=$(git describe --always --dirty 2>/dev/null || echo dev)
for cmd in cmd/*/; do
	name=$(basename "$cmd")
	CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X github.com/freeflowuniverse/planetary/internal/version.Version=$version" \
		-o "$root/usr/bin/$name" "./$cmd"
done
# A zinit service that runs a program not built (one still to come) is left out: every /usr/bin/
# program its exec or test lines name must be in the tarball.
for svc in "$root"/etc/zinit/*.yaml; do
	for prog in $(grep -o '/usr/bin/[a-z0-9-]*' "$svc" | sort -u); do
		[ -x "$root$prog" ] || { echo "leaving out $(basename "$svc"): no $prog"; rm "$svc"; break; }
	done
done
tar -C "$root" --owner=0 --group=0 -czf "$out/planetary-rootfs.tar.gz" .
echo "built $out/planetary-rootfs.tar.gz: $(ls "$root/usr/bin" | tr '\n' ' ')"
