#!/usr/bin/env bash
# Two builds of redis-sidecar side by side with HAProxy, on one workload, pinned like perf/e2e.sh (Redis on core 0;
# the proxies and redis-benchmark on core 1): ops/s and each proxy's CPU microseconds per request.
#
#   perf/ab.sh OLD.jar NEW.jar [ROUNDS]     (default 3 rounds)
#   env: T=get (redis-benchmark test), C=50 clients, P=16 pipeline, N=2000000 requests per run,
#        OLD_OPTS / NEW_OPTS (JVM options, e.g. -D...), ARGS (redis-sidecar options for both),
#        OLD_ARGS / NEW_ARGS (redis-sidecar options for one; e.g. one jar twice: NEW_ARGS="--transport io_uring")
#
# Build an older commit's jar with: git worktree add /tmp/old <commit> && (cd /tmp/old && mvn -q -DskipTests package)
# Everything listens on 127.0.0.1, on ports below the ephemeral range; every process started here is stopped by PID.
set -euo pipefail
cd "$(dirname "$0")/.."
. perf/lib.sh
OLD=${1:?usage: perf/ab.sh OLD.jar NEW.jar [ROUNDS]}; NEW=${2:?usage: perf/ab.sh OLD.jar NEW.jar [ROUNDS]}
ROUNDS=${3:-3}
T=${T:-get}; C=${C:-50}; P=${P:-16}; N=${N:-2000000}
scripts/ensure-redis.sh haproxy
base=${BASE_PORT:-21560}
R=$base; O=$((base + 2)); W=$((base + 4)); H=$((base + 6))
pinned_redis 0 "$R" --logfile /dev/null
redis-benchmark -p "$R" -t set -n 100000 -r 100000 -q >/dev/null 2>&1
# shellcheck disable=SC2086
JAR=$OLD pinned_sidecar 1 "$O" /dev/null ${OLD_OPTS:-} -- --backends "127.0.0.1:$R" ${ARGS:-} ${OLD_ARGS:-}; OP=$last_pid
# shellcheck disable=SC2086
JAR=$NEW pinned_sidecar 1 "$W" /dev/null ${NEW_OPTS:-} -- --backends "127.0.0.1:$R" ${ARGS:-} ${NEW_ARGS:-}; NP=$last_pid
cfg=$(mktemp)
haproxy_cfg "$H" "$R" > "$cfg"
taskset -c 1 "$(command -v haproxy || echo /usr/sbin/haproxy)" -f "$cfg" -db >/dev/null 2>&1 &
HP=$!; pids+=($HP); wait_port "$H"
for p in $O $W; do # warm-up (the JVM's JIT)
  timeout 120 taskset -c 1 redis-benchmark -p "$p" -t "get,set,$T" -n 1500000 -c 50 -P 16 -r 100000 -q >/dev/null 2>&1
done
echo "| round | endpoint | workload | ops/s | proxy CPU µs per request |"
echo "|---:|---|---|---:|---:|"
for round in $(seq "$ROUNDS"); do
  for pair in "old $OP $O" "new $NP $W" "haproxy $HP $H"; do
    set -- $pair
    t0=$(cpu_ticks "$2")
    res=$(timeout 120 taskset -c 1 redis-benchmark -p "$3" -t "$T" -n "$N" -c "$C" -P "$P" -r 100000 --csv 2>/dev/null \
      | tail -1 | cut -d, -f2 | tr -d '"')
    t1=$(cpu_ticks "$2")
    awk -v r="$round" -v e="$1" -v w="$T c$C p$P" -v ops="$res" -v t="$((t1 - t0))" -v hz="$(getconf CLK_TCK)" \
      -v n="$N" 'BEGIN { printf "| %s | %s | %s | %.0f | %.3f |\n", r, e, w, ops, t / hz * 1e6 / n }'
  done
done
rm -f "$cfg"
