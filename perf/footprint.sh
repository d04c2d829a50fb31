#!/usr/bin/env bash
# The proxy's footprint: time to start, memory at rest, memory per idle client connection against HAProxy's, and the
# smallest container memory limit at which the 50-client workloads still run without error.
#
#   perf/footprint.sh [CONNECTIONS]     (default 10000 idle connections; env: LIMITS="512 256 192 160 128 96" MiB,
#                                        PARTS="start idle limits", JAR=proxy/target/redis-sidecar.jar)
#
# - Start: from exec to the first +PONG through the proxy (a backend checked and ready), 3 times, with the Docker
#   image's JVM options (JAVA_TOOL_OPTIONS as in docker/Dockerfile); resident set size and heap in use once idle.
#   Each run starts the proxy twice: without a class-data-sharing archive, and with the one docker/train-cds.sh
#   writes (as the image does while it is built).
# - Idle connections: perf/IdleConnections opens CONNECTIONS connections (one PING each, then silent) to
#   redis-sidecar and then to HAProxy (TCP mode; fewer where the descriptor hard limit cannot hold two per
#   connection); the growth of each one's resident set size per connection.
# - Memory limits: each limit is a cgroup (v1 memory controller, /sys/fs/cgroup/memory) the proxy runs in, with the
#   image's JVM options, so the JVM sizes its heap from the limit as it does in a container; then GET and SET at
#   pipeline 1 and 16 and MSET at pipeline 16, 50 clients each. A limit passes when every run completes and the proxy
#   is still up and was never OOM-killed. Skipped where cgroups cannot be made (not root, no v1 memory controller).
#
# Redis on core 0; the proxies, the load and the idle connections on core 1; all on 127.0.0.1. Every process started
# here is stopped by PID; every cgroup made here is removed.
set -euo pipefail
cd "$(dirname "$0")/.."
. perf/lib.sh
CONNS=${1:-10000}
LIMITS=${LIMITS:-512 256 192 160 128 96}
PARTS=" ${PARTS:-start idle limits} "
part() { [[ $PARTS == *" $1 "* ]]; }
JAVA_OPTS_IMAGE="-XX:+UseContainerSupport -XX:MaxRAMPercentage=75 -XX:+UseCompressedOops" # docker/Dockerfile's
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
scripts/ensure-redis.sh haproxy
jar=${JAR:-proxy/target/redis-sidecar.jar}
[ -f "$jar" ] && [ -f perf/target/benchmarks.jar ] || mvn -B -q -ntp -DskipTests package
base=${BASE_PORT:-21900}
R=$base; S=$((base + 2)); H=$((base + 4))
pinned_redis 0 "$R" --logfile /dev/null --maxclients $((2 * CONNS + 1000))
redis-benchmark -p "$R" -t set -n 100000 -r 100000 -q >/dev/null 2>&1
cgroups=()
cleanup_cgroups() { local c; for c in "${cgroups[@]}"; do rmdir "$c" 2>/dev/null || true; done; }
trap 'cleanup; cleanup_cgroups' EXIT INT TERM

hwm_kb() { awk '/VmHWM/ {print $2}' "/proc/$1/status"; }
heap_mb() { heap_bytes "$1" "$2" | awk '{printf "%.1f", $1 / 1048576}'; }
heap_max_mb() {
  curl -s "http://127.0.0.1:$1/metrics" | awk '/^jvm_memory_max_bytes\{area="heap"\}/ {printf "%.0f", $2 / 1048576}'
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }
# start_proxy CGROUP_DIR_OR_EMPTY [JVM option]: redis-sidecar with the image's JVM options on port S; sets proxy_pid,
# start_ms
start_proxy() {
  local cg=$1 t0 opts=("${@:2}")
  t0=$(now_ms)
  JAVA_TOOL_OPTIONS="$JAVA_OPTS_IMAGE" taskset -c 1 sh -c '[ -z "$1" ] || echo $$ > "$1/cgroup.procs"; shift; exec "$@"' \
    sh "$cg" java "${opts[@]}" -jar "$jar" --listen "127.0.0.1:$S" --admin "127.0.0.1:$((S + 1))" --backends "127.0.0.1:$R" \
    --max-clients $((CONNS + 1000)) > /dev/null 2>&1 &
  proxy_pid=$!; pids+=($proxy_pid)
  for _ in $(seq 3000); do
    [ "$(redis-cli -p "$S" ping 2>/dev/null)" = PONG ] && { start_ms=$(($(now_ms) - t0)); return 0; }
    kill -0 "$proxy_pid" 2>/dev/null || return 1
    sleep 0.01
  done
  return 1
}
# bench_while_up TESTS N PIPELINE: redis-benchmark against the proxy, given up as soon as the proxy is gone
bench_while_up() {
  local f bp rc=0
  f=$(mktemp)
  timeout 120 taskset -c 1 redis-benchmark -p "$S" -t "$1" -n "$2" -c 50 -P "$3" -r 100000 --csv > "$f" 2>&1 &
  bp=$!
  while kill -0 "$bp" 2>/dev/null; do
    kill -0 "$proxy_pid" 2>/dev/null || { kill "$bp" 2>/dev/null; rc=1; break; }
    sleep 0.2
  done
  wait "$bp" || rc=1
  cat "$f"; rm -f "$f"
  return $rc
}
stop_proxy() { kill "$proxy_pid" 2>/dev/null || true; wait "$proxy_pid" 2>/dev/null || true; }

if part start; then
echo "## start and rest"
echo
jsa=$redis_dirs/redis-sidecar.jsa
JAVA_TOOL_OPTIONS="$JAVA_OPTS_IMAGE" TRAIN_PORT=$((base + 6)) taskset -c 1 docker/train-cds.sh "$jar" "$jsa" >&2
echo "| run | class-data-sharing archive | start to first +PONG through the proxy, ms | resident set size at rest, MB | heap in use, MB | heap max, MB |"
echo "|---:|---|---:|---:|---:|---:|"
for run in 1 2 3; do
  for cds in no yes; do
    if [ $cds = yes ]; then start_proxy "" -XX:SharedArchiveFile="$jsa"; else start_proxy ""; fi
    sleep 3
    printf '| %s | %s | %s | %s | %s | %s |\n' "$run" "$cds" "$start_ms" "$(($(rss_kb "$proxy_pid") / 1024))" \
      "$(heap_mb "$proxy_pid" $((S + 1)))" "$(heap_max_mb $((S + 1)))"
    stop_proxy
  done
done

fi

if part idle; then
echo
echo "## $CONNS idle connections"
echo
# idle PROXY_PID PORT COUNT [ADMIN_PORT]: PROXY_PID's resident set size (KB) before and while COUNT idle connections
# are open, and with ADMIN_PORT (redis-sidecar) its heap in use (MB) before and while
idle() {
  local before after ip h0=- h1=-
  [ -z "${4:-}" ] || h0=$(heap_mb "$1" "$4")
  before=$(rss_kb "$1")
  hold_idle "$2" "$3" 120; ip=$last_pid
  sleep 2
  after=$(rss_kb "$1")
  [ -z "${4:-}" ] || h1=$(heap_mb "$1" "$4")
  kill "$ip"; wait "$ip" 2>/dev/null || true
  echo "$before $after $h0 $h1"
}
start_proxy ""
timeout 120 taskset -c 1 redis-benchmark -p "$S" -t get,set -n 300000 -c 50 -r 100000 -q >/dev/null 2>&1
read -r sb sa sh0 sh1 < <(idle "$proxy_pid" "$S" "$CONNS" $((S + 1)))
stop_proxy
# HAProxy needs two descriptors per connection (client and server side): as many as the hard limit allows
HCONNS=$(( CONNS < ($(ulimit -Hn) - 300) / 2 ? CONNS : ($(ulimit -Hn) - 300) / 2 ))
cfg=$(mktemp)
haproxy_cfg "$H" "$R" $((HCONNS + 50)) > "$cfg"
taskset -c 1 "$(command -v haproxy || echo /usr/sbin/haproxy)" -f "$cfg" -db >/dev/null 2>&1 &
HP=$!; pids+=($HP); wait_port "$H"
timeout 120 taskset -c 1 redis-benchmark -p "$H" -t get,set -n 300000 -c 50 -r 100000 -q >/dev/null 2>&1
read -r hb ha _ _ < <(idle "$HP" "$H" "$HCONNS")
kill "$HP"; wait "$HP" 2>/dev/null || true
echo "| endpoint | idle connections | RSS before, MB | RSS with them, MB | RSS per connection, bytes | heap in use before / with them, MB | heap per connection, bytes |"
echo "|---|---:|---:|---:|---:|---:|---:|"
echo "| redis-sidecar | $CONNS | $((sb / 1024)) | $((sa / 1024)) | $(((sa - sb) * 1024 / CONNS)) | $sh0 / $sh1 |" \
  "$(awk -v a="$sh0" -v b="$sh1" -v n="$CONNS" 'BEGIN { printf "%.0f", (b - a) * 1048576 / n }') |"
echo "| HAProxy | $HCONNS | $((hb / 1024)) | $((ha / 1024)) | $(((ha - hb) * 1024 / HCONNS)) | - | - |"

fi

part limits || exit 0
echo
echo "## container memory limits"
echo
mem=/sys/fs/cgroup/memory
if ! { [ -w "$mem" ] && mkdir "$mem/redis-sidecar-footprint-probe" 2>/dev/null && rmdir "$mem/redis-sidecar-footprint-probe"; }
then
  echo "skipped: no writable cgroup v1 memory controller at $mem"
  exit 0
fi
echo "| limit MiB | heap max, MB | GET/SET p1, GET/SET p16, MSET p16 | peak cgroup usage, MB | proxy peak RSS, MB | OOM kills | result |"
echo "|---:|---:|---|---:|---:|---:|---|"
for limit in $LIMITS; do
  cg=$mem/redis-sidecar-footprint-$$-$limit
  mkdir "$cg"; cgroups+=("$cg")
  echo $((limit * 1024 * 1024)) > "$cg/memory.limit_in_bytes"
  runs=(); ok=yes; hmax=-
  if start_proxy "$cg"; then
    hmax=$(heap_max_mb $((S + 1)))
    for w in "get,set 1 200000" "get,set 16 1000000" "mset 16 200000"; do
      set -- $w
      kill -0 "$proxy_pid" 2>/dev/null || { runs+=("-"); continue; }
      if out=$(bench_while_up "$1" "$3" "$2") && [ "$(grep -c '^"' <<< "$out")" -ge 2 ] \
          && ! grep -qi error <<< "$out"; then
        runs+=("ok")
      else
        runs+=("failed"); ok=no
      fi
    done
    kill -0 "$proxy_pid" 2>/dev/null || ok=no
    peak=$(($(cat "$cg/memory.max_usage_in_bytes") / 1048576))
    hwm=$( (hwm_kb "$proxy_pid" 2>/dev/null || echo 0) | awk '{printf "%d", $1 / 1024}')
    stop_proxy
  else
    ok=no; runs=("did not start"); peak=$(($(cat "$cg/memory.max_usage_in_bytes") / 1048576)); hwm=-
    stop_proxy
  fi
  ooms=$(awk '/oom_kill / {print $2}' "$cg/memory.oom_control" 2>/dev/null || echo "?")
  [ "${ooms:-0}" = 0 ] || ok=no
  echo "| $limit | $hmax | ${runs[*]} | $peak | $hwm | ${ooms:-?} | $([ $ok = yes ] && echo pass || echo FAIL) |"
  rmdir "$cg" 2>/dev/null || true
done
