#!/usr/bin/env bash
# The cost of --durability replicated: a master and one replica on core 0, two redis-sidecar processes on core 1
# (--durability async, and --durability replicated --min-replicas 1 --replication-timeout-ms 1000), redis-benchmark
# SET on core 1 with 50 clients at pipeline 1 and 16, interleaved rounds. Reports ops/s, p50 and each proxy's
# CPU-seconds per million requests.
#
#   perf/durability.sh [ROUNDS]     (default 3; env: N1=200000 requests at pipeline 1, N16=1000000 at pipeline 16;
#                                    ALT_ARGS="..." and/or ALT_JAR=path add a third endpoint, replicated with these
#                                    options too and/or that build, in the same rounds; ONLY_P=16 runs one depth)
#
# Everything listens on 127.0.0.1 (ports below the ephemeral range); every process started here is stopped by PID.
set -euo pipefail
cd "$(dirname "$0")/.."
. perf/lib.sh
redis_pids=()
redis_ticks() { local t=0 p; for p in "${redis_pids[@]}"; do t=$((t + $(cpu_ticks "$p"))); done; echo $t; }
ROUNDS=${1:-3}; N1=${N1:-200000}; N16=${N16:-1000000}
scripts/ensure-redis.sh
jar=proxy/target/redis-sidecar.jar
[ -f "$jar" ] || mvn -B -q -ntp -DskipTests package
base=${BASE_PORT:-21960}
M=$base; RP=$((base + 1)); A=$((base + 2)); D=$((base + 4))
for p in $M $RP; do
  extra=()
  [ "$p" = "$RP" ] && extra=(--replicaof 127.0.0.1 "$M")
  pinned_redis 0 "$p" --logfile /dev/null --repl-diskless-sync-delay 0 "${extra[@]}"
  redis_pids+=("$last_pid")
done
for _ in $(seq 100); do redis-cli -p "$RP" info replication | grep -q master_link_status:up && break; sleep 0.1; done
pinned_sidecar 1 "$A" /dev/null -- --backends "127.0.0.1:$M" --durability async; AP=$last_pid
pinned_sidecar 1 "$D" /dev/null -- --backends "127.0.0.1:$M" --durability replicated --min-replicas 1 \
  --replication-timeout-ms 1000; DP=$last_pid
ends=("async $AP $A" "replicated $DP $D")
if [ -n "${ALT_ARGS:-}${ALT_JAR:-}" ]; then
  X=$((base + 6))
  # shellcheck disable=SC2086
  JAR=${ALT_JAR:-${JAR:-$jar}} pinned_sidecar 1 "$X" /dev/null -- --backends "127.0.0.1:$M" --durability replicated --min-replicas 1 \
    --replication-timeout-ms 1000 ${ALT_ARGS:-}; ends+=("replicated+alt $last_pid $X")
  echo "alt: ${ALT_JAR:-the same build} ${ALT_ARGS:-}"
fi
for e in "${ends[@]}"; do set -- $e; p=$3 # warm-up (the JVM's JIT)
  timeout 120 taskset -c 1 redis-benchmark -p "$p" -t set -n 1000000 -c 50 -P 16 -r 100000 -q >/dev/null 2>&1
  timeout 120 taskset -c 1 redis-benchmark -p "$p" -t set -n 200000 -c 50 -r 100000 -q >/dev/null 2>&1
done
echo "| round | endpoint | workload | ops/s | p50 ms | proxy CPU-s per M req | master+replica CPU-s per M req |"
echo "|---:|---|---|---:|---:|---:|---:|"
for round in $(seq "$ROUNDS"); do
  for P in ${ONLY_P:-1 16}; do
    n=$N1; [ "$P" = 16 ] && n=$N16
    for pair in "${ends[@]}"; do
      set -- $pair
      t0=$(cpu_ticks "$2"); r0=$(redis_ticks)
      line=$(timeout 120 taskset -c 1 redis-benchmark -p "$3" -t set -n "$n" -c 50 -P "$P" -r 100000 --csv 2>/dev/null \
        | tail -1 | tr -d '"')
      t1=$(cpu_ticks "$2"); r1=$(redis_ticks)
      awk -v r="$round" -v e="$1" -v w="set c50 p$P" -v line="$line" -v t="$((t1 - t0))" \
        -v hz="$(getconf CLK_TCK)" -v n="$n" -v rt="$((r1 - r0))" \
        'BEGIN { split(line, f, ","); printf "| %s | %s | %s | %.0f | %.3f | %.2f | %.2f |\n", r, e, w, f[2], f[5], t / hz * 1e6 / n, rt / hz * 1e6 / n }'
    done
  done
done
