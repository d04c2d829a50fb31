#!/usr/bin/env bash
# Cluster mode against static mode, CPU per request: a 6-node Redis Cluster (3 masters, 3 replicas) and one
# standalone redis-server on core 0; redis-sidecar in cluster mode and redis-sidecar in static mode on core 1, with
# redis-benchmark (also on core 1). redis-benchmark's own cluster client (--cluster) against the cluster directly is
# the reference. Interleaved rounds; reports ops/s, p50 and the proxy's CPU-seconds per million requests.
#
#   perf/cluster.sh [ROUNDS]     env: N requests per run (default 300000), TESTS ("get set"), P pipeline (1), C (50),
#                                ALT_OPTS / ALT_ARGS: a second cluster-mode proxy with these JVM options / proxy
#                                options, measured in the same rounds
set -euo pipefail
cd "$(dirname "$0")/.."
. perf/lib.sh
ROUNDS=${1:-3}
N=${N:-300000}
scripts/ensure-redis.sh
jar=proxy/target/redis-sidecar.jar
[ -f "$jar" ] || mvn -B -q -ntp -DskipTests package
work=$(mktemp -d)
trap 'cleanup; rm -rf "$work"' EXIT INT TERM
pids=()
base=${BASE_PORT:-21500}
nodes=()
for i in 0 1 2 3 4 5; do
  p=$((base + i))
  pinned_redis 0 "$p" --cluster-enabled yes --cluster-config-file "nodes-$p.conf" --logfile /dev/null
  nodes+=("127.0.0.1:$p")
done
redis-cli --cluster create "${nodes[@]}" --cluster-replicas 1 --cluster-yes >/dev/null
for _ in $(seq 200); do redis-cli -p "$base" cluster info | grep -q cluster_state:ok && break; sleep 0.05; done
S=$((base + 10)); pinned_redis 0 "$S" --logfile /dev/null
PC=$((base + 20)); PS=$((base + 22))
pinned_sidecar 1 "$PC" "$work/cluster.log" -- --mode cluster --cluster-seeds "${nodes[0]}"; CPID=$last_pid
pinned_sidecar 1 "$PS" "$work/static.log" -- --backends "127.0.0.1:$S"; SPID=$last_pid
PA=$((base + 24)); APID=
if [ -n "${ALT_OPTS:-}${ALT_ARGS:-}" ]; then
  # shellcheck disable=SC2086
  pinned_sidecar 1 "$PA" "$work/alt.log" ${ALT_OPTS:-} -- --mode cluster --cluster-seeds "${nodes[0]}" ${ALT_ARGS:-}
  APID=$last_pid
fi
for port in "$PC" ${APID:+"$PA"}; do
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$((port + 1))/health/ready" >/dev/null && break; sleep 0.1; done
done
echo "warming up the JVMs ..." >&2
for p in "$PC" "$PS" ${APID:+"$PA"}; do taskset -c 1 redis-benchmark -p "$p" -t get,set -n 1000000 -c 50 -r 100000 -q >/dev/null 2>&1; done
bench() { # label port pid [extra]
  local label=$1 port=$2 pid=$3; shift 3
  for t in ${TESTS:-get set}; do
    local before after res
    before=$([ "$pid" = - ] && echo 0 || cpu_ticks "$pid")
    res=$(timeout 300 taskset -c 1 redis-benchmark -p "$port" "$@" -t "$t" -n "$N" -c "${C:-50}" -P "${P:-1}" \
      -r 100000 --csv 2>/dev/null | tail -1)
    after=$([ "$pid" = - ] && echo 0 || cpu_ticks "$pid")
    local rps p50
    rps=$(echo "$res" | cut -d, -f2 | tr -d '"'); p50=$(echo "$res" | cut -d, -f5 | tr -d '"')
    local cpu="-"
    [ "$pid" != - ] && cpu=$(python3 -c "print(f'{($after-$before)/$(getconf CLK_TCK)/($N/1e6):.2f}')")
    echo "| $label | $t | $rps | $p50 | $cpu |"
  done
}
echo "| endpoint | test | ops/s | p50 ms | proxy CPU-s per M req |"
echo "|---|---|---:|---:|---:|"
for r in $(seq "$ROUNDS"); do
  bench "cluster direct (redis-benchmark --cluster)" "$base" - --cluster
  bench "sidecar cluster mode" "$PC" "$CPID"
  [ -z "$APID" ] || bench "sidecar cluster mode, ${ALT_OPTS:-} ${ALT_ARGS:-}" "$PA" "$APID"
  bench "sidecar static mode (one redis-server)" "$PS" "$SPID"
done
