#!/usr/bin/env bash
# Installs the system packages the tests need on a fresh Debian machine, only when missing.
set -euo pipefail
need=()
command -v ip >/dev/null 2>&1 || need+=(iproute2)
command -v capnp >/dev/null 2>&1 || need+=(capnproto)
if [ ${#need[@]} -gt 0 ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "deps: missing ${need[*]}; run as root or install them" >&2
		exit 1
	fi
	echo "deps: installing ${need[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

# The twin's browser test and `make web`: Debian chromium, node and npm, then the UI's npm packages
# (esbuild, typescript, capnp-es, playwright-core) from twin/web/package-lock.json. Optional: without
# root they are left out and that test skips.
web=()
command -v chromium >/dev/null 2>&1 || web+=(chromium)
command -v node >/dev/null 2>&1 || web+=(nodejs)
command -v npm >/dev/null 2>&1 || web+=(npm)
if [ ${#web[@]} -gt 0 ]; then
	if [ "$(id -u)" = 0 ]; then
		echo "deps: installing ${web[*]}"
		apt-get update -qq
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${web[@]}" >/dev/null
	else
		echo "deps: ${web[*]} missing and not root; the twin's browser test will skip" >&2
	fi
fi
webdir="$(dirname "$0")/../twin/web"
if command -v npm >/dev/null 2>&1 && [ ! -d "$webdir/node_modules/playwright-core" ]; then
	echo "deps: npm ci in twin/web"
	(cd "$webdir" && npm ci --no-audit --no-fund --loglevel=error)
fi
