#!/usr/bin/env bash
# System calls and io_uring submissions per request, epoll against io_uring, one build: GET with 50 clients at
# pipeline 16 through two redis-sidecar processes (--transport epoll, --transport io_uring), counted with `perf stat`
# on each proxy's process for 2 s in the middle of a run; requests in that window from Redis's total_commands_processed
# (only that proxy's traffic reaches it then). Redis on core 0; the proxies and redis-benchmark on core 1.
#
#   perf/syscalls.sh [ROUNDS]     (default 2; needs root for perf; env: JAR=proxy/target/redis-sidecar.jar)
#
# Ports below the ephemeral range; every process started here is stopped by PID.
set -euo pipefail
cd "$(dirname "$0")/.."
. perf/lib.sh
command -v perf >/dev/null || { echo "perf is not installed (apt-get install linux-perf)" >&2; exit 1; }
ROUNDS=${1:-2}
scripts/ensure-redis.sh
[ -f "${JAR:-proxy/target/redis-sidecar.jar}" ] || mvn -B -q -ntp -DskipTests package
base=${BASE_PORT:-21980}
R=$base; E=$((base + 2)); U=$((base + 4))
pinned_redis 0 "$R" --logfile /dev/null
redis-benchmark -p "$R" -t set -n 100000 -r 100000 -q >/dev/null 2>&1
pinned_sidecar 1 "$E" /dev/null -- --backends "127.0.0.1:$R" --transport epoll; EP=$last_pid
pinned_sidecar 1 "$U" /dev/null -- --backends "127.0.0.1:$R" --transport io_uring; UP=$last_pid
for p in $E $U; do # warm-up (the JVM's JIT)
  timeout 120 taskset -c 1 redis-benchmark -p "$p" -t get -n 2000000 -c 50 -P 16 -r 100000 -q >/dev/null 2>&1
done
stat=$(mktemp)
events=(raw_syscalls:sys_enter syscalls:sys_enter_io_uring_enter io_uring:io_uring_submit_req)
echo "| round | transport | requests in 2 s | system calls per request | io_uring_enter per request | io_uring submissions per request |"
echo "|---:|---|---:|---:|---:|---:|"
for round in $(seq "$ROUNDS"); do
  for pair in "epoll $EP $E" "io_uring $UP $U"; do
    set -- $pair
    timeout 120 taskset -c 1 redis-benchmark -p "$3" -t get -n 3000000 -c 50 -P 16 -r 100000 -q >/dev/null 2>&1 &
    bp=$!; pids+=($bp)
    sleep 1
    c0=$(redis_commands "$R")
    perf stat -x, "${events[@]/#/-e}" -p "$2" -- sleep 2 2> "$stat"
    c1=$(redis_commands "$R")
    kill "$bp" 2>/dev/null || true; wait "$bp" 2>/dev/null || true
    awk -F, -v r="$round" -v t="$1" -v n="$((c1 - c0))" '{ v[$3] = $1 }
      END { printf "| %s | %s | %d | %.4f | %.4f | %.4f |\n", r, t, n, v["raw_syscalls:sys_enter"] / n,
            v["syscalls:sys_enter_io_uring_enter"] / n, v["io_uring:io_uring_submit_req"] / n }' "$stat"
  done
done
rm -f "$stat"
