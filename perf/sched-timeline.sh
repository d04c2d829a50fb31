#!/usr/bin/env bash
# Who runs when, on both cores, during GET with 50 clients at pipeline 16 (the one workload where redis-sidecar's
# throughput trails HAProxy's): records the scheduler with `perf sched` for 0.3 s in the middle of a run through
# redis-sidecar, then through HAProxy, pinned like perf/e2e.sh (Redis on core 0; proxy and redis-benchmark on core 1).
#
#   perf/sched-timeline.sh            (needs root for perf; env: N requests per run, default 3000000)
#
# Prints, per endpoint: milliseconds each task ran on core 1, Redis's busy milliseconds on core 0, the number of times
# each task was switched in, and 12 lines of the raw timeline (perf sched timehist -w). Tracing slows everything
# down (the proxy most), so read the shape of the timeline, not its absolute times. Ports below the ephemeral range;
# every process started here is stopped by PID.
set -euo pipefail
cd "$(dirname "$0")/.."
. perf/lib.sh
command -v perf >/dev/null || { echo "perf is not installed (apt-get install linux-perf)" >&2; exit 1; }
scripts/ensure-redis.sh haproxy
jar=proxy/target/redis-sidecar.jar
[ -f "$jar" ] || mvn -B -q -ntp -DskipTests package
N=${N:-3000000}
base=${BASE_PORT:-21540}
R=$base; S=$((base + 1)); H=$((base + 3)) # the admin server is on S + 1
out=$(mktemp -d)
pinned_redis 0 "$R" --logfile /dev/null
redis-benchmark -p "$R" -t set -n 100000 -r 100000 -q >/dev/null 2>&1
pinned_sidecar 1 "$S" /dev/null -- --backends "127.0.0.1:$R"
haproxy_cfg "$H" "$R" > "$out/haproxy.cfg"
taskset -c 1 "$(command -v haproxy || echo /usr/sbin/haproxy)" -f "$out/haproxy.cfg" -db >/dev/null 2>&1 &
pids+=($!); wait_port "$H"
# warm the JVM up
timeout 120 taskset -c 1 redis-benchmark -p "$S" -t get,set -n 2000000 -c 50 -P 16 -r 100000 -q >/dev/null 2>&1
for pair in "redis-sidecar $S" "haproxy $H"; do
  set -- $pair
  timeout 120 taskset -c 1 redis-benchmark -p "$2" -t get -n "$N" -c 50 -P 16 -r 100000 -q > "$out/bench" 2>&1 &
  b=$!
  sleep 1.5
  perf sched record -o "$out/sched.data" -- sleep 0.3 >/dev/null 2>&1
  wait "$b"
  echo "== $1: $(tr '\r' '\n' < "$out/bench" | grep -a 'requests per second' | tail -1)"
  perf sched timehist -i "$out/sched.data" 2>/dev/null | awk '
    $1 ~ /^[0-9.]+$/ && NF == 6 && $2 ~ /^\[000[01]\]$/ {
      n = $3; sub(/\[.*/, "", n); if (n ~ /^multiThreadIoEv/) n = "redis-sidecar event loop"
      if (first == "") first = $1; last = $1
      if ($2 == "[0001]") { run[n] += $NF; ins[n]++ } else if (n == "redis-server") busy0 += $NF
    }
    END {
      printf "   window %.1f ms; Redis busy on core 0: %.1f ms (%.0f %%)\n", (last - first) * 1000, busy0,
        100 * busy0 / ((last - first) * 1000)
      for (k in run) if (run[k] > 1) printf "   core 1: %-26s %7.1f ms in %5d slices\n", k, run[k], ins[k]
    }'
  perf sched timehist -i "$out/sched.data" -w 2>/dev/null | awk '$1 ~ /^[0-9.]+$/' | sed -n 300,311p | sed 's/^/   /'
done
rm -rf "$out"
