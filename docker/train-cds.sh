#!/usr/bin/env bash
# Writes a class-data-sharing archive for redis-sidecar: starts the proxy once (a training run), in front of a backend
# that is not there, waits until its admin port answers /health/live and /metrics, sends it a few requests (answered
# with errors: no master), stops it, and checks that the JVM wrote the archive at exit. Run it with the JVM and the
# options (JAVA_TOOL_OPTIONS) the proxy will run with; start the proxy with -XX:SharedArchiveFile=ARCHIVE then (a JVM
# that cannot use the archive, another JDK build or compressed pointers set otherwise, starts without it).
#
#   docker/train-cds.sh JAR ARCHIVE     (env: TRAIN_PORT=16379, TRAIN_ADMIN_PORT=TRAIN_PORT+1, TRAIN_WAIT=120 s for
#                                        the proxy to come up; docker/Dockerfile runs it while building the image,
#                                        perf/footprint.sh to compare)
set -euo pipefail
jar=${1:?usage: train-cds.sh JAR ARCHIVE}; archive=${2:?usage: train-cds.sh JAR ARCHIVE}
port=${TRAIN_PORT:-16379}; admin=${TRAIN_ADMIN_PORT:-$((port + 1))}
log=$(mktemp "${TMPDIR:-/tmp}/train-cds.XXXXXX")
rm -f "$archive"
java -XX:ArchiveClassesAtExit="$archive" -jar "$jar" --listen "127.0.0.1:$port" --admin "127.0.0.1:$admin" \
  --backends 127.0.0.1:1 --failover-hold-ms 0 > "$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; rm -f "$log"' EXIT
# asks the admin port for PATH; true when it answers with HTTP 200 (bash only: the JRE image has no curl)
get() {
  exec 3<>"/dev/tcp/127.0.0.1/$admin" || return 1
  printf 'GET %s HTTP/1.0\r\n\r\n' "$1" >&3
  local status; status=$(timeout 5 head -n1 <&3 || true); exec 3>&-
  [[ $status == *" 200 "* ]]
}
ok=
for _ in $(seq $((${TRAIN_WAIT:-120} * 10))); do
  if get /health/live 2>/dev/null && get /metrics 2>/dev/null; then ok=1; break; fi
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
if [ -n "$ok" ] && exec 4<>"/dev/tcp/127.0.0.1/$port"; then # the client side of the data path
  printf '*1\r\n$4\r\nPING\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n' >&4
  timeout 10 head -n3 <&4 > /dev/null || true
  exec 4>&-
fi
kill "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
if [ -z "$ok" ] || [ ! -s "$archive" ]; then
  echo "train-cds: $([ -z "$ok" ] && echo "the proxy did not come up" || echo "no archive written"); its output:" >&2
  tail -n 30 "$log" >&2
  exit 1
fi
echo "train-cds: $archive ($(($(stat -c %s "$archive") / 1048576)) MB)"
