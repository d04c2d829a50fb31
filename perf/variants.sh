#!/usr/bin/env bash
# Quick A/B of redis-sidecar option sets against HAProxy and direct Redis on one workload (default GET and SET,
# 50 clients, pipeline 16), pinned like perf/e2e.sh (Redis on core 0; proxies and redis-benchmark on core 1).
#
#   VARIANTS="--backend-connections 1|--backend-connections 4" perf/variants.sh [ROUNDS]
#   a variant's -D... and -XX... words go to the JVM, e.g. VARIANTS="--metrics on|-Dsidecar.flushBytes=4096"
#   env: TESTS="get set", N=600000 requests per run, P=16 pipeline, C=50 clients, JAVA_OPTS for the sidecar's JVM
#
# Prints one line per run: label, test, ops/s. Everything listens on 127.0.0.1, on ports below the ephemeral range;
# every process started here is stopped by PID.
set -euo pipefail
cd "$(dirname "$0")/.."
. perf/lib.sh
ROUNDS=${1:-2}
IFS="|" read -ra V <<< "${VARIANTS:---backend-connections 1}"
unset IFS
scripts/ensure-redis.sh haproxy
jar=proxy/target/redis-sidecar.jar
[ -f "$jar" ] || mvn -B -q -ntp -DskipTests package
base=${BASE_PORT:-21300}
R=$base; H=$((base + 1))
pinned_redis 0 "$R" --logfile /dev/null
redis-benchmark -p "$R" -t set -n 100000 -r 100000 -q >/dev/null 2>&1
cfg=$(mktemp)
haproxy_cfg "$H" "$R" > "$cfg"
taskset -c 1 "$(command -v haproxy || echo /usr/sbin/haproxy)" -f "$cfg" -db >/dev/null 2>&1 &
pids+=($!); wait_port "$H"
run() { # label port
  for t in ${TESTS:-get set}; do
    local res
    res=$(timeout 120 taskset -c 1 redis-benchmark -p "$2" -t "$t" -n "${N:-600000}" -c "${C:-50}" -P "${P:-16}" \
      -r 100000 --csv 2>/dev/null | tail -1 | cut -d, -f2 | tr -d '"')
    echo "$1 | $t | $res"
  done
}
port=$((base + 10))
for round in $(seq "$ROUNDS"); do
  for v in "${V[@]}"; do
    port=$((port + 2))
    # shellcheck disable=SC2086
    jopts=(); sopts=()
    for w in $v; do case $w in -D*|-XX*) jopts+=("$w") ;; *) sopts+=("$w") ;; esac; done
    # shellcheck disable=SC2086
    pinned_sidecar 1 "$port" /dev/null ${JAVA_OPTS:-} "${jopts[@]}" -- --backends "127.0.0.1:$R" "${sopts[@]}"
    sp=$last_pid
    timeout 120 taskset -c 1 redis-benchmark -p "$port" -t get,set -n 1500000 -c 50 -P 16 -r 100000 -q >/dev/null 2>&1
    # and each measured test once more: the first run of a test right after the mixed warm-up is low (JIT)
    for t in ${TESTS:-get set}; do
      timeout 120 taskset -c 1 redis-benchmark -p "$port" -t "$t" -n 600000 -c "${C:-50}" -P "${P:-16}" -r 100000 -q \
        >/dev/null 2>&1
    done
    run "sidecar $v" "$port"
    kill "$sp"; wait "$sp" 2>/dev/null || true
  done
  run haproxy "$H"
  run direct "$R"
done
