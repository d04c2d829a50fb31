#!/usr/bin/env bash
# Builds redis-sidecar and runs it in front of a real local Redis topology it starts on 127.0.0.1.
#   ./run.sh            static mode: one redis-server, the proxy in front
# Everything started here is stopped (by PID) on Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")"
topology="${1:-static}"
scripts/ensure-redis.sh

jar=proxy/target/redis-sidecar.jar
if [ ! -f "$jar" ] || [ -n "$(find . -path ./perf/out -prune -o -name '*.java' -newer "$jar" -print -quit)" ]; then
  echo "building $jar ..." >&2
  mvn -B -q -ntp -DskipTests package
fi

work=$(mktemp -d /tmp/redis-sidecar-run.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])' 2>/dev/null \
  || echo $(( 20000 + RANDOM % 20000 )); }
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start_redis() { # port
  redis-server --port "$1" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" --daemonize no \
    --logfile "$work/redis-$1.log" &
  pids+=($!)
  for _ in $(seq 100); do redis-cli -p "$1" ping >/dev/null 2>&1 && return 0; sleep 0.05; done
  echo "redis-server on port $1 did not start (see $work/redis-$1.log)" >&2; exit 1
}

listen=${REDIS_SIDECAR_LISTEN:-127.0.0.1:6379}
if port_busy "${listen##*:}"; then listen="127.0.0.1:$(free_port)"; fi
admin=${REDIS_SIDECAR_ADMIN:-127.0.0.1:8480}
if port_busy "${admin##*:}"; then admin="127.0.0.1:$(free_port)"; fi

case "$topology" in
  static)
    rport=$(free_port); start_redis "$rport"
    backends="127.0.0.1:$rport"
    echo "started redis-server 127.0.0.1:$rport" >&2
    args=(--mode static --backends "$backends")
    ;;
  *) echo "usage: $0 [static]" >&2; exit 2 ;;
esac

java -jar "$jar" --listen "$listen" --admin "$admin" "${args[@]}" &
pids+=($!)
for _ in $(seq 200); do port_busy "${listen##*:}" && break; sleep 0.05; done
cat >&2 <<MSG

redis-sidecar is listening on $listen (admin http://$admin/health/ready)
  point redis-cli at it:   redis-cli -h ${listen%:*} -p ${listen##*:}
  Ctrl-C stops the proxy and the Redis processes this script started.
MSG
wait "${pids[-1]}"
