# Shared by the perf/ scripts (source it): process bookkeeping and small helpers. Every process a script starts is
# added to pids and stopped by PID when the script ends. redis_dirs is a temporary directory for the working
# directories (--dir) of the Redis processes the scripts start, so that no dump.rdb or nodes.conf lands in the
# repository; it is removed when the script ends.
pids=()
redis_dirs=$(mktemp -d "${TMPDIR:-/tmp}/redis-sidecar-perf.XXXXXX")
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true
  rm -rf "$redis_dirs"; }
trap cleanup EXIT INT TERM
# waits until something listens on 127.0.0.1:$1
wait_port() { for _ in $(seq 200); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.05; done
  echo "nothing listening on $1" >&2; exit 1; }
# pinned_redis CORE PORT [redis-server options]: a redis-server without persistence on 127.0.0.1:PORT, pinned to CORE,
# working in its own directory under redis_dirs; returns once it listens. Its PID is in last_pid (and pids).
pinned_redis() {
  local core=$1 port=$2
  shift 2
  mkdir -p "$redis_dirs/redis-$port"
  taskset -c "$core" redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --daemonize no \
    --dir "$redis_dirs/redis-$port" "$@" &
  last_pid=$!; pids+=($last_pid); wait_port "$port"
}
# pinned_sidecar CORE PORT LOG [JVM options] -- [redis-sidecar options]: redis-sidecar with the settings of every perf run
# (256 MB heap, ParallelGC, one event loop), listening on 127.0.0.1:PORT with its admin server on PORT+1, pinned to
# CORE, output to LOG; returns once it listens. JAR picks the build (default proxy/target/redis-sidecar.jar). Its PID
# is in last_pid (and pids).
pinned_sidecar() {
  local core=$1 port=$2 log=$3 jvm=()
  shift 3
  while [ $# -gt 0 ] && [ "$1" != -- ]; do jvm+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  taskset -c "$core" java -Xms256m -Xmx256m -XX:+UseParallelGC "${jvm[@]}" -jar "${JAR:-proxy/target/redis-sidecar.jar}" \
    --listen "127.0.0.1:$port" --admin "127.0.0.1:$((port + 1))" --event-loop-threads 1 "$@" > "$log" 2>&1 &
  last_pid=$!; pids+=($last_pid); wait_port "$port"
}
# utime + stime of process $1, in clock ticks
cpu_ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }
# the global and defaults sections every perf HAProxy runs with (TCP mode, one thread):
# haproxy_head [CLIENT_SERVER_TIMEOUT] [MAXCONN] (defaults 60s and 4000)
haproxy_head() {
  printf 'global\n  maxconn %s\n  nbthread 1\ndefaults\n  mode tcp\n  timeout connect 2s\n  timeout client %s\n  timeout server %s\n' \
    "${2:-4000}" "${1:-60s}" "${1:-60s}"
}
# a one-backend HAProxy config in TCP mode: haproxy_cfg LISTEN_PORT REDIS_PORT [MAXCONN] > file
haproxy_cfg() {
  haproxy_head 60s "${3:-4000}"
  printf 'frontend f\n  bind 127.0.0.1:%s\n  default_backend b\nbackend b\n  server r 127.0.0.1:%s\n' "$1" "$2"
}
# hold_idle PORT COUNT SECONDS: perf/IdleConnections on core 1 holding COUNT idle connections to 127.0.0.1:PORT (each
# sends one PING, answered, then stays open and silent) for at most SECONDS; returns once all are answered. Its PID is
# in last_pid (and pids).
hold_idle() {
  local fifo
  fifo=$(mktemp -u); mkfifo "$fifo"
  taskset -c 1 java -Xmx256m -cp perf/target/benchmarks.jar io.redissidecar.perf.IdleConnections "$1" "$2" "$3" \
    > "$fifo" &
  last_pid=$!; pids+=($last_pid)
  read -r _ < "$fifo"; rm -f "$fifo"
}
# redis_commands PORT: the total_commands_processed of the redis-server on 127.0.0.1:PORT
redis_commands() { redis-cli -p "$1" info stats | tr -d '\r' | awk -F: '/total_commands_processed/ {print $2}'; }
# rss_kb PID: the resident set size of process PID, in KB
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
# heap_bytes PID ADMIN_PORT: a redis-sidecar's heap in use after a full GC, in bytes (from its /metrics)
heap_bytes() {
  jcmd "$1" GC.run >/dev/null 2>&1 || true
  sleep 0.5
  curl -s "http://127.0.0.1:$2/metrics" | awk '/^jvm_memory_used_bytes\{area="heap"\}/ {printf "%d", $2}'
}
