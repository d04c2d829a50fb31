#!/usr/bin/env bash
# Heap allocation per request, with JFR: redis-sidecar (one event loop) under one redis-benchmark workload; a JFR
# recording (settings=profile) covers the middle of a run. Reports the event loop's allocated bytes per request
# (jdk.ThreadAllocationStatistics at the recording's start and end; requests from Redis's total_commands_processed,
# which only this proxy's traffic reaches) and the allocation sites by sampled weight (jdk.ObjectAllocationSample).
# Redis on core 0; the proxy and redis-benchmark on core 1.
#
#   perf/alloc.sh [OUT.jfr]     (env: T=get C=50 P=16, SECONDS_=5, JAR=proxy/target/redis-sidecar.jar, ARGS=...)
#
# Ports below the ephemeral range; every process started here is stopped by PID.
set -euo pipefail
cd "$(dirname "$0")/.."
. perf/lib.sh
out=${1:-perf/out/alloc-$(date -u +%Y%m%dT%H%M%SZ).jfr}
mkdir -p "$(dirname "$out")"
case $out in /*) ;; *) out=$PWD/$out ;; esac
scripts/ensure-redis.sh
[ -f "${JAR:-proxy/target/redis-sidecar.jar}" ] || mvn -B -q -ntp -DskipTests package
T=${T:-get}; C=${C:-50}; P=${P:-16}
base=${BASE_PORT:-22080}
R=$base; S=$((base + 2))
pinned_redis 0 "$R" --logfile /dev/null
redis-benchmark -p "$R" -t set -n 100000 -r 100000 -q >/dev/null 2>&1
# shellcheck disable=SC2086
pinned_sidecar 1 "$S" /dev/null -- --backends "127.0.0.1:$R" ${ARGS:-}; SP=$last_pid
timeout 120 taskset -c 1 redis-benchmark -p "$S" -t "get,set,$T" -n 1500000 -c 50 -P 16 -r 100000 -q >/dev/null 2>&1
timeout 120 taskset -c 1 redis-benchmark -p "$S" -t "$T" -n 50000000 -c "$C" -P "$P" -r 100000 -q >/dev/null 2>&1 &
bp=$!; pids+=($bp)
sleep 1
jcmd "$SP" JFR.start name=alloc settings=profile >/dev/null
c0=$(redis_commands "$R")
sleep "${SECONDS_:-5}"
c1=$(redis_commands "$R")
jcmd "$SP" JFR.stop name=alloc filename="$out" >/dev/null
kill "$bp" 2>/dev/null || true; wait "$bp" 2>/dev/null || true
# Redis counts a split request's parts, an MSET once: as many commands as redis-benchmark requests in static mode
jfr print --json --events jdk.ThreadAllocationStatistics,jdk.ObjectAllocationSample "$out" \
  | python3 perf/alloc_report.py "$((c1 - c0))" "$T c$C p$P"
echo "recording: $out" >&2
