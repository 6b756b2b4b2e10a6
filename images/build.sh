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
# A zinit service whose binary is not built yet (a program still to come) is left out.
for svc in "$root"/etc/zinit/*.yaml; do
	[ -x "$root/usr/bin/$(basename "$svc" .yaml)" ] || rm "$svc"
done
tar -C "$root" --owner=0 --group=0 -czf "$out/planetary-rootfs.tar.gz" .
echo "built $out/planetary-rootfs.tar.gz: $(ls "$root/usr/bin" | tr '\n' ' ')"
