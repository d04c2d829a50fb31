#!/usr/bin/env bash
# 10,000 mostly idle client connections held open on redis-sidecar while redis-benchmark drives load: throughput
# with and without them, latency at a fixed rate with and without them (perf/FixedRateLoad, HdrHistogram,
# coordinated-omission corrected), and the proxy's memory per idle connection (resident set size and JVM heap,
# before and after). Redis on core 0; the proxy, the idle connections (a Java process) and the load on core 1; all on 127.0.0.1.
#
#   perf/idle-connections.sh [CONNECTIONS]     (default 10000)
set -euo pipefail
cd "$(dirname "$0")/.."
. perf/lib.sh
CONNS=${1:-10000}
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true   # each process holds about CONNS descriptors
scripts/ensure-redis.sh
jar=proxy/target/redis-sidecar.jar
[ -f "$jar" ] && [ -f perf/target/benchmarks.jar ] || mvn -B -q -ntp -DskipTests package
base=${BASE_PORT:-21700}
R=$base; S=$((base + 1)); A=$((base + 2))
pinned_redis 0 "$R" --logfile /dev/null --maxclients $((CONNS + 1000))
pinned_sidecar 1 "$S" /dev/null -- --backends "127.0.0.1:$R" --max-clients $((CONNS + 1000)); SP=$last_pid
fixed() { taskset -c 1 java -cp perf/target/benchmarks.jar io.redissidecar.perf.FixedRateLoad "$S" "${RATE:-20000}" 50 5 \
  "$1"; }
bench() { taskset -c 1 redis-benchmark -p "$S" -t get -n 200000 -c 50 -r 100000 --csv 2>/dev/null | tail -1 \
  | cut -d, -f2,5 | tr -d '"'; }
echo "warming up ..." >&2
taskset -c 1 redis-benchmark -p "$S" -t get,set -n 300000 -c 50 -r 100000 -q >/dev/null 2>&1
b1=$(bench)
l1=$(fixed "without idle connections")
rss0=$(rss_kb "$SP"); heap0=$(heap_bytes "$SP" "$A")
hold_idle "$S" "$CONNS" 600
sleep 2
rss1=$(rss_kb "$SP"); heap1=$(heap_bytes "$SP" "$A")
clients=$(redis-cli -p "$S" info proxy | tr -d '\r' | awk -F: '/proxy_connected_clients/ {print $2}')
b2=$(bench)
l2=$(fixed "with $CONNS idle connections")
echo "| measure | without idle connections | with $CONNS idle connections |"
echo "|---|---:|---:|"
echo "| GET, 50 clients, pipeline 1: ops/s, p50 ms | ${b1/,/, } | ${b2/,/, } |"
echo "| proxy_connected_clients (INFO proxy) | - | $clients |"
echo "| proxy resident set size, MB | $((rss0 / 1024)) | $((rss1 / 1024)) |"
echo "| JVM heap used, MB | $((heap0 / 1048576)) | $((heap1 / 1048576)) |"
echo
echo "| fixed-rate GET over 50 connections | target rate/s | achieved rate/s | p50 ms | p99 ms | p99.9 ms | max ms |"
echo "|---|---:|---:|---:|---:|---:|---:|"
echo "$l1"; echo "$l2"
echo
python3 -c "print(f'| memory per idle connection | RSS {($rss1-$rss0)*1024/$CONNS:.0f} bytes | heap {($heap1-$heap0)/$CONNS:.0f} bytes |')"
