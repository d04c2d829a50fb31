#!/usr/bin/env bash
# Latency at a fixed rate (coordinated-omission corrected, HdrHistogram): direct Redis, redis-sidecar, HAProxy and
# twemproxy side by side, pinned like perf/e2e.sh (Redis on core 0; proxies and the load generator on core 1).
#
#   perf/latency.sh [RATE] [SECONDS]     (default 20000 requests/s over 50 connections, 10 s per endpoint)
set -euo pipefail
cd "$(dirname "$0")/.."
. perf/lib.sh
RATE=${1:-20000}; SECONDS_EACH=${2:-10}; CONNS=${CONNS:-50}
scripts/ensure-redis.sh haproxy nutcracker
[ -f perf/target/benchmarks.jar ] || mvn -B -q -ntp -DskipTests package
base=${BASE_PORT:-21800}
R=$base; S=$((base + 1)); H=$((base + 3)); T=$((base + 4))
pinned_redis 0 "$R" --logfile /dev/null
redis-cli -p "$R" set key:load value >/dev/null
pinned_sidecar 1 "$S" /dev/null -- --backends "127.0.0.1:$R"
cfg=$(mktemp)
haproxy_cfg "$H" "$R" > "$cfg"
taskset -c 1 "$(command -v haproxy || echo /usr/sbin/haproxy)" -f "$cfg" -db >/dev/null 2>&1 &
pids+=($!); wait_port "$H"
tcfg=$(mktemp --suffix=.yml)
printf 'alpha:\n  listen: 127.0.0.1:%s\n  redis: true\n  servers:\n   - 127.0.0.1:%s:1\n' "$T" "$R" > "$tcfg"
taskset -c 1 "$(command -v nutcracker || echo /usr/sbin/nutcracker)" -c "$tcfg" -s $((base + 5)) >/dev/null 2>&1 &
pids+=($!); wait_port "$T"
# warm-up: the JVM's JIT and every path
taskset -c 1 redis-benchmark -p "$S" -t get,set -n 300000 -c 50 -r 100000 -q >/dev/null 2>&1
load() { taskset -c 1 java -cp perf/target/benchmarks.jar io.redissidecar.perf.FixedRateLoad "$1" "$RATE" "$CONNS" \
  "$SECONDS_EACH" "$2"; }
echo "| endpoint | target rate/s | achieved rate/s | p50 ms | p99 ms | p99.9 ms | max ms |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for round in 1 2; do
  load "$R" direct; load "$S" redis-sidecar; load "$H" haproxy; load "$T" twemproxy
done
