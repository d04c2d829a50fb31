#!/usr/bin/env bash
# RESP3 clients against RESP2 clients through one redis-sidecar, interleaved rounds, pinned like perf/e2e.sh (Redis on
# core 0; the proxy and redis-benchmark on core 1): ops/s and the proxy's CPU microseconds per request. RESP3 clients
# use the proxy's RESP3 lanes (their own shared connections); the replies are Redis's own RESP3.
#
#   perf/resp3.sh [ROUNDS]     (default 3 rounds)
#   env: T=get (redis-benchmark test), C=50 clients, P=16 pipeline, N=2000000 requests per run, JAR
#
# Everything listens on 127.0.0.1, on ports below the ephemeral range; every process started here is stopped by PID.
set -euo pipefail
cd "$(dirname "$0")/.."
. perf/lib.sh
ROUNDS=${1:-3}
T=${T:-get}; C=${C:-50}; P=${P:-16}; N=${N:-2000000}
JAR=${JAR:-proxy/target/redis-sidecar.jar}
[ -f "$JAR" ] || mvn -B -q -ntp -DskipTests package
scripts/ensure-redis.sh
base=${BASE_PORT:-21620}
R=$base; S=$((base + 2))
pinned_redis 0 "$R" --logfile /dev/null
redis-benchmark -p "$R" -t set -n 100000 -r 100000 -q >/dev/null 2>&1
JAR=$JAR pinned_sidecar 1 "$S" /dev/null -- --backends "127.0.0.1:$R"; SP=$last_pid
for proto in "" "-3"; do # warm-up (the JIT), both lanes
  # shellcheck disable=SC2086
  timeout 120 taskset -c 1 redis-benchmark -p "$S" $proto -t get,set -n 1500000 -c 50 -P 16 -r 100000 -q >/dev/null 2>&1
done
echo "| round | clients | workload | ops/s | proxy CPU µs per request |"
echo "|---:|---|---|---:|---:|"
for round in $(seq "$ROUNDS"); do
  for proto in RESP2 RESP3; do
    flag=""; [ "$proto" = RESP3 ] && flag="-3"
    t0=$(cpu_ticks "$SP")
    # shellcheck disable=SC2086
    res=$(timeout 120 taskset -c 1 redis-benchmark -p "$S" $flag -t "$T" -n "$N" -c "$C" -P "$P" -r 100000 --csv \
      2>/dev/null | tail -1 | cut -d, -f2 | tr -d '"')
    t1=$(cpu_ticks "$SP")
    awk -v r="$round" -v e="$proto" -v w="$T c$C p$P" -v ops="$res" -v t="$((t1 - t0))" -v hz="$(getconf CLK_TCK)" \
      -v n="$N" 'BEGIN { printf "| %s | %s | %s | %.0f | %.3f |\n", r, e, w, ops, t / hz * 1e6 / n }'
  done
done
