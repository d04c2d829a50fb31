#!/usr/bin/env bash
# Side-by-side end-to-end benchmark: direct Redis, redis-sidecar, HAProxy (TCP mode, role:master check) and
# twemproxy (nutcracker), all in front of the same redis-server, interleaved round by round (A B C D, A B C D...).
#
#   perf/e2e.sh [ROUNDS]          (default 7; env: N1 requests at pipeline 1, N16 at pipeline 16, N_SINGLE)
#   SIDECAR_ARGS="..."            extra options for redis-sidecar
#   SIDECAR_B_ARGS="..."          also run a second redis-sidecar ("sidecar-b") with these options, to compare settings
#   SENTINEL=0                    leave out "sidecar-sentinel": redis-sidecar in sentinel mode, finding the same
#                                 redis-server through a redis-sentinel that watches it (default: included)
#
# Pinning on a 2-core machine: redis-server on core 0; the proxies and redis-benchmark on core 1.
# Reports per workload and endpoint: median ops/s, median of per-round ratios to direct, p50/p99 latency (ms),
# and proxy CPU-seconds per million requests (from /proc/PID/stat utime+stime). Everything runs on 127.0.0.1 and
# every process started here is stopped by PID at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-7}
N1=${N1:-100000}
N16=${N16:-600000}
N_SINGLE=${N_SINGLE:-20000}
WORKLOADS=${WORKLOADS:-"get-c50-p1 set-c50-p1 get-c50-p16 set-c50-p16 get-c1-p1 mset-c50-p16"}

scripts/ensure-redis.sh haproxy nutcracker
ulimit -n 65536 2>/dev/null || true
jar=proxy/target/redis-sidecar.jar
[ -f "$jar" ] || mvn -B -q -ntp -DskipTests package

out=$PWD/perf/out/$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$out"
. perf/lib.sh
cores=$(nproc)
RCORE=0; PCORE=$(( cores > 1 ? 1 : 0 ))

# ports below the ephemeral range; a redis-sidecar's admin server is on its port + 1
base=${BASE_PORT:-21400}
R=$base; S=$((base + 2)); SB=$((base + 4)); SS=$((base + 6)); H=$((base + 8)); T=$((base + 9)); SN=$((base + 10))
pinned_redis $RCORE "$R" --logfile "$out/redis.log"; RPID=$last_pid

# shellcheck disable=SC2086
pinned_sidecar $PCORE "$S" "$out/sidecar.log" -- --backends "127.0.0.1:$R" ${SIDECAR_ARGS:-}; SPID=$last_pid
if [ -n "${SIDECAR_B_ARGS:-}" ]; then
  # shellcheck disable=SC2086
  pinned_sidecar $PCORE "$SB" "$out/sidecar-b.log" -- --backends "127.0.0.1:$R" $SIDECAR_B_ARGS; SBPID=$last_pid
fi

if [ "${SENTINEL:-1}" = 1 ]; then
  # sentinel mode: the same redis-server as the master a Sentinel watches (no replicas, so that direct Redis does the
  # same work in every row); redis-sidecar finds the master through it, as in the seed system
  mkdir -p "$redis_dirs/sentinel-$SN"
  printf 'port %s\nbind 127.0.0.1\ndaemonize no\ndir %s\nsentinel monitor m 127.0.0.1 %s 1\n' "$SN" \
    "$redis_dirs/sentinel-$SN" "$R" > "$out/sentinel.conf"
  taskset -c $RCORE redis-sentinel "$out/sentinel.conf" > "$out/sentinel.log" 2>&1 &
  pids+=($!); wait_port "$SN"
  # shellcheck disable=SC2086
  pinned_sidecar $PCORE "$SS" "$out/sidecar-sentinel.log" -- --mode sentinel --sentinels "127.0.0.1:$SN" \
    --master-name m ${SIDECAR_ARGS:-}; SSPID=$last_pid
fi

HAPROXY=$(command -v haproxy || echo /usr/sbin/haproxy)
{ haproxy_head 1h; cat <<CFG; } > "$out/haproxy.cfg"
backend redis
  option tcp-check
  tcp-check send PING\r\n
  tcp-check expect string +PONG
  tcp-check send info\ replication\r\n
  tcp-check expect string role:master
  tcp-check send QUIT\r\n
  tcp-check expect string +OK
  server r1 127.0.0.1:$R check inter 1s
frontend front
  bind 127.0.0.1:$H
  default_backend redis
CFG
taskset -c $PCORE "$HAPROXY" -f "$out/haproxy.cfg" -db > "$out/haproxy.log" 2>&1 &
HPID=$!; pids+=($HPID); wait_port "$H"

NUTCRACKER=$(command -v nutcracker || echo /usr/sbin/nutcracker)
cat > "$out/nutcracker.yml" <<CFG
sidecar_bench:
  listen: 127.0.0.1:$T
  hash: fnv1a_64
  distribution: ketama
  redis: true
  auto_eject_hosts: false
  server_connections: 1
  servers:
   - 127.0.0.1:$R:1
CFG
taskset -c $PCORE "$NUTCRACKER" -c "$out/nutcracker.yml" -s $((base + 11)) > "$out/nutcracker.log" 2>&1 &
TPID=$!; pids+=($TPID); wait_port "$T"

declare -A EP_PORT=([direct]=$R [sidecar]=$S [haproxy]=$H [twemproxy]=$T)
declare -A EP_PID=([direct]=$RPID [sidecar]=$SPID [haproxy]=$HPID [twemproxy]=$TPID)
ENDPOINTS="direct sidecar haproxy twemproxy"
if [ -n "${SIDECAR_B_ARGS:-}" ]; then
  EP_PORT[sidecar-b]=$SB; EP_PID[sidecar-b]=$SBPID; ENDPOINTS="direct sidecar sidecar-b haproxy twemproxy"
fi
if [ -n "${SSPID:-}" ]; then
  EP_PORT[sidecar-sentinel]=$SS; EP_PID[sidecar-sentinel]=$SSPID; ENDPOINTS=${ENDPOINTS/sidecar /sidecar sidecar-sentinel }
fi
TICK=$(getconf CLK_TCK)


bench() { # endpoint workload -> appends a CSV row
  local ep=$1 wl=$2 test clients pipe n
  IFS=- read -r test c p <<<"$wl"; clients=${c#c}; pipe=${p#p}
  if [ "$clients" = 1 ]; then n=$N_SINGLE; elif [ "$pipe" = 1 ]; then n=$N1; else n=$N16; fi
  local before after line
  before=$(cpu_ticks "${EP_PID[$ep]}")
  line=$(timeout 300 taskset -c $PCORE redis-benchmark -h 127.0.0.1 -p "${EP_PORT[$ep]}" -c "$clients" -P "$pipe" -n "$n" \
    -r 100000 -t "$test" --csv 2>/dev/null | grep -v '^"test"' | head -1)
  after=$(cpu_ticks "${EP_PID[$ep]}")
  echo "$round,$ep,$wl,$n,$(( after - before )),$TICK,$line" >> "$out/raw.csv"
}

echo "round,endpoint,workload,requests,cpu_ticks,clk_tck,test,rps,avg_ms,min_ms,p50_ms,p95_ms,p99_ms,max_ms" > "$out/raw.csv"
echo "warming up the JVM ..." >&2
# only the redis-sidecar processes started above (redis-benchmark retries a refused port for ever)
for wp in $S ${SBPID:+$SB} ${SSPID:+$SS}; do
  timeout 300 taskset -c $PCORE redis-benchmark -p "$wp" -c 50 -P 16 -n 2000000 -r 100000 -t get,set -q > /dev/null
  timeout 300 taskset -c $PCORE redis-benchmark -p "$wp" -c 50 -n 200000 -r 100000 -t get,set,mset -q > /dev/null
done
for round in $(seq 1 "$ROUNDS"); do
  for wl in $WORKLOADS; do
    for ep in $ENDPOINTS; do bench "$ep" "$wl"; done
  done
  echo "round $round/$ROUNDS done" >&2
done
python3 perf/report.py "$out/raw.csv" | tee "$out/report.md"
{ echo; echo "command: perf/e2e.sh $ROUNDS (N1=$N1 N16=$N16 N_SINGLE=$N_SINGLE SIDECAR_ARGS='${SIDECAR_ARGS:-}' SIDECAR_B_ARGS='${SIDECAR_B_ARGS:-}' SENTINEL=${SENTINEL:-1})"; } | tee -a "$out/report.md"
echo "raw data: $out/raw.csv" >&2
