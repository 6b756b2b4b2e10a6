#!/usr/bin/env bash
# The chain validators' homes for the chaind StatefulSet: node keys, validator keys and signing
# state, and each node's config (RPC and P2P on the pod's addresses, every other validator as a
# peer through the headless Service) in a Secret; the shared genesis in a ConfigMap. The init
# container of pod chaind-<i> copies node<i> into its volume on first start.
#
#   images/k8s/chain-homes.sh 4 | kubectl apply -f -     # N = the StatefulSet's replicas
#
# Run it once per chain: a second run makes another chain. Needs chaind (CHAIND=path, else PATH).
set -euo pipefail
n=${1:?usage: chain-homes.sh VALIDATORS [NAMESPACE]}
ns=${2:-planetary}
chaind=${CHAIND:-chaind}
svc=chaind # the StatefulSet and its headless Service
base=36600 # chaind testnet's loopback ports, rewritten below
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$chaind" testnet --validators "$n" --out "$tmp/homes" --base-port "$base" >/dev/null
for ((i = 0; i < n; i++)); do
	cfg=$tmp/homes/node$i/config/chaind.json
	sed -i -e "s/\"rpc\": \"127.0.0.1:$((base + 2 * i))\"/\"rpc\": \"0.0.0.0:26657\"/" \
		-e "s/\"p2p\": \"127.0.0.1:$((base + 2 * i + 1))\"/\"p2p\": \"0.0.0.0:26656\"/" "$cfg"
	for ((j = 0; j < n; j++)); do
		sed -i "s/@127.0.0.1:$((base + 2 * j + 1))\"/@$svc-$j.$svc.$ns.svc.cluster.local:26656\"/" "$cfg"
	done
	if grep -q 127.0.0.1 "$cfg"; then
		echo "chain-homes.sh: $cfg still names a loopback address" >&2
		exit 1
	fi
done
cat <<HEAD
# Made by images/k8s/chain-homes.sh $n $ns: validator keys; keep it secret.
apiVersion: v1
kind: Secret
metadata:
  name: chaind-homes
  namespace: $ns
type: Opaque
data:
HEAD
for ((i = 0; i < n; i++)); do
	for f in config/node_key.json config/priv_validator_key.json config/chaind.json data/priv_validator_state.json; do
		printf '  node%d.%s: %s\n' "$i" "$(basename "$f")" "$(base64 -w0 <"$tmp/homes/node$i/$f")"
	done
done
cat <<HEAD
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: chaind-genesis
  namespace: $ns
data:
  genesis.json: |
HEAD
sed 's/^/    /' "$tmp/homes/node0/config/genesis.json"
