#!/usr/bin/env bash
# make run: three pnicd in userspace mode on loopback, peered in a line A–B–C.
# Waits until A reaches C through B, prints addresses and status URLs, stops on Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-bin}
RUN=${RUN_DIR:-.run}
BASE=${BASE_PORT:-19650}
mkdir -p "$RUN"
pids=()
stop() {
	trap - INT TERM EXIT
	echo
	echo "stopping..."
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	echo "stopped; state kept in $RUN (keys survive restarts)"
	exit 0
}
trap stop INT TERM EXIT

start() { # name index peer-index
	local name=$1 i=$2 peer=${3:-}
	local link=$((BASE + 10 * i + 1)) http=$((BASE + 10 * i + 2))
	local args=(--data "$RUN/$name" --tun userspace --listen "quic://127.0.0.1:$link" --http "127.0.0.1:$http" --socket "$RUN/$name/pnic.sock")
	if [ -n "$peer" ]; then args+=(--peer "quic://127.0.0.1:$((BASE + 10 * peer + 1))"); fi
	"$BIN/pnicd" "${args[@]}" >"$RUN/$name.log" 2>&1 &
	pids+=($!)
}
http() { echo "127.0.0.1:$((BASE + 10 * $1 + 2))"; }
field() { # http-addr json-field
	curl -fsS "http://$1/v1/status" 2>/dev/null | sed -n "s/^  \"$2\": \"\(.*\)\",\$/\1/p"
}

start b 1
start a 0 1
start c 2 1
names=(a b c)
for i in 0 1 2; do
	pid=${pids[$(( (i + 2) % 3 ))]} # started in the order b, a, c
	for _ in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || { echo "pnicd ${names[$i]} failed to start:" >&2; tail -3 "$RUN/${names[$i]}.log" >&2; exit 1; }
		curl -fsS "http://$(http $i)/healthz" >/dev/null 2>&1 && break
		sleep 0.1
	done
done
caddr=$(field "$(http 2)" address)
if [ -z "$caddr" ]; then
	echo "pnicd C did not come up; see $RUN/c.log" >&2
	exit 1
fi
echo "waiting until A reaches C through B..."
if ! "$BIN/pnicd" ping --http "$(http 0)" -c 0 -W 1s "$caddr" >"$RUN/ping.log" 2>&1; then
	echo "A cannot reach C; logs in $RUN/*.log" >&2
	exit 1
fi
echo "A reaches C: $(grep -m1 '^reply' "$RUN/ping.log")"
echo
printf '%-4s %-42s %s\n' node "overlay address" "status"
for n in a b c; do
	i=$(( $(printf '%d' "'$n") - 97 ))
	printf '%-4s %-42s %s\n' "$n" "$(field "$(http $i)" address)" "http://$(http $i)/v1/status"
done
echo
echo "pnicd status --http $(http 0)    # a person's view of node A"
echo "logs: $RUN/{a,b,c}.log; Ctrl-C stops the network"
wait
