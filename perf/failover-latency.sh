#!/usr/bin/env bash
# Latency and errors during a failover, as an application sees them: a 3-node replication group (1 master,
# 2 replicas) with 3 Sentinels (quorum 2, down-after 1000 ms), and in front of it redis-sidecar (sentinel mode),
# redis-sidecar with --durability replicated, and HAProxy 2.6 (TCP mode, role:master check every 500 ms).
# For each endpoint in turn, perf/FailoverLoad writes at a fixed rate and kills the current master (kill -9)
# KILL_AT ms into the run; the killed node is then started again as a replica before the next endpoint's turn.
#
# MODE=cluster runs a 6-node Redis Cluster (3 masters, 3 replicas, cluster-node-timeout 1000 ms) with redis-sidecar in
# cluster mode in front instead; every key carries the hash tag {fo}, and each turn kills the master of its slot.
#
#   perf/failover-latency.sh [RATE] [SECONDS]    (default 2000 writes/s over 20 connections, 10 s, kill at 3000 ms)
#   env: MODE=sentinel|cluster, CONNS, KILL_AT, ENDPOINTS="sidecar sidecar-replicated haproxy" (sentinel mode),
#        ROUNDS=1, KEEP=1 (keep the logs)
#
# Prints a Markdown table: requests, acknowledged, error replies, broken connections, acknowledged writes lost, latency
# percentiles (ms, from when each request was due), how long after the kill the last failed or slow (> 50 ms)
# request was due, the promotion (ms after the kill: the first candidate whose ROLE says master, watched every 1 ms)
# and the resumption (ms after the promotion: the first write sent after the kill and acknowledged after it). Then the
# median and maximum resumption per endpoint. Everything listens on 127.0.0.1 (ports below the ephemeral range);
# every process started here is stopped by PID.
set -euo pipefail
cd "$(dirname "$0")/.."
. perf/lib.sh
RATE=${1:-2000}; SECS=${2:-10}; CONNS=${CONNS:-20}; KILL_AT=${KILL_AT:-3000}
MODE=${MODE:-sentinel}
ENDPOINTS=${ENDPOINTS:-"sidecar sidecar-replicated haproxy"}
[ "$MODE" = cluster ] && ENDPOINTS=sidecar
scripts/ensure-redis.sh haproxy
[ -f proxy/target/redis-sidecar.jar ] && [ -f perf/target/benchmarks.jar ] || mvn -B -q -ntp -DskipTests package
base=${BASE_PORT:-21900}
work=$(mktemp -d) # the Redis processes' --dir and logs; removed at exit (KEEP=1 keeps it)
trap 'cleanup; if [ -n "${KEEP:-}" ]; then echo "logs kept in $work" >&2; else rm -rf "$work"; fi' EXIT INT TERM
declare -A pid_of
rows=$work/rows
header() {
  echo "| endpoint | requests | acknowledged | error replies | broken connections | acknowledged lost | p50 ms | p99 ms | p99.9 ms | max ms | last bad request due after kill (s) | first error | promotion after kill (ms) | resumed after promotion (ms) |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|"
}
summary() { # median and maximum resumption per endpoint, from the rows
  echo
  echo "| endpoint | kills | resumed after promotion, each (ms) | median | max |"
  echo "|---|---:|---|---:|---:|"
  for e in $ENDPOINTS; do
    awk -F'|' -v e="$e" '{ split($2, w, " "); if (w[1] == e && $(NF-1) ~ /[0-9]/) print $(NF-1) + 0 }' "$rows" > "$work/r-$e"
    sort -n "$work/r-$e" | awk -v e="$e" -v each="$(paste -sd, "$work/r-$e" | sed 's/,/, /g')" \
      '{ v[NR] = $1 } END { if (NR) printf "| %s | %d | %s | %s | %s |\n", e, NR, each,
        (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2), v[NR] }'
  done
}
start_redis() { # port [replicaof-port | cluster]
  local extra=()
  if [ "${2:-}" = cluster ]; then
    mkdir -p "$work/node-$1"
    extra=(--cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 1000 --dir "$work/node-$1")
  elif [ -n "${2:-}" ]; then
    extra=(--replicaof 127.0.0.1 "$2")
  fi
  redis-server --port "$1" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" --daemonize no \
    --repl-diskless-sync-delay 0 --logfile "$work/redis-$1.log" "${extra[@]}" &
  pids+=($!); pid_of[$1]=$!
  disown "$!" # its kill -9 is the point: no "Killed" notice from the shell
  wait_port "$1"
}
if [ "$MODE" = cluster ]; then
  nodes=($base $((base + 1)) $((base + 2)) $((base + 3)) $((base + 4)) $((base + 5)))
  for n in "${nodes[@]}"; do start_redis "$n" cluster; done
  redis-cli --cluster create $(printf '127.0.0.1:%s ' "${nodes[@]}") --cluster-replicas 1 --cluster-yes > /dev/null
  cluster_ok() { # every live node says cluster_state:ok and the master of {fo} has a replica in sync
    for n in "${nodes[@]}"; do
      redis-cli -p "$n" ping > /dev/null 2>&1 || continue
      redis-cli -p "$n" cluster info | grep -q cluster_state:ok || return 1
    done
    local o; o=$(tag_owner)
    redis-cli -p "$o" info replication | grep -q 'state=online' && [ -n "$(replicas_of "$o")" ]
  }
  tag_owner() { # the port of the master of the slot of {fo}
    local slot; slot=$(redis-cli -p "${nodes[0]}" cluster keyslot '{fo}' 2>/dev/null || redis-cli -p "${nodes[1]}" cluster keyslot '{fo}')
    local owner
    for n in "${nodes[@]}"; do
      owner=$(redis-cli -p "$n" cluster nodes 2>/dev/null | awk -v s="$slot" '$3 ~ /master/ && $3 !~ /fail/ {
        for (i = 9; i <= NF; i++) { split($i, r, "-"); if (r[2] == "") r[2] = r[1]; if (s >= r[1] && s <= r[2]) {
          split($2, a, "[:@]"); print a[2]; exit } } }')
      [ -n "$owner" ] && { echo "$owner"; return 0; }
    done
  }
  replicas_of() { # the ports of the replicas of the master on port $1
    local id; id=$(redis-cli -p "$1" cluster myid)
    redis-cli -p "$1" cluster nodes | awk -v id="$id" '$3 ~ /slave/ && $4 == id { split($2, a, "[:@]"); print a[2] }' | paste -sd,
  }
  for _ in $(seq 600); do cluster_ok && break; sleep 0.1; done
  S=$((base + 20))
  java -Xms256m -Xmx256m -jar proxy/target/redis-sidecar.jar --listen "127.0.0.1:$S" --admin "127.0.0.1:$((S + 1))" \
    --mode cluster --cluster-seeds "127.0.0.1:${nodes[0]},127.0.0.1:${nodes[1]}" > "$work/sidecar.log" 2>&1 &
  pids+=($!); wait_port "$S"
  for _ in $(seq 300); do [ "$(redis-cli -p "$S" set '{fo}:settle' 1 2>/dev/null)" = OK ] && break; sleep 0.1; done
  redis-benchmark -p "$S" -t set -n 20000 -c 10 -q >/dev/null 2>&1 || true # warm-up (the JVM's JIT)
  header | tee "$rows"
  for round in $(seq "${ROUNDS:-1}"); do
    m=$(tag_owner); cands=$(replicas_of "$m")
    java -cp perf/target/benchmarks.jar io.redissidecar.perf.FailoverLoad "$S" "$RATE" "$CONNS" "$SECS" \
      "sidecar (cluster, killed :$m)" "${pid_of[$m]}" "$KILL_AT" "${cands:--}" '{fo}' | tee -a "$rows"
    # the killed node back (its nodes.conf kept): it rejoins as a replica of the promoted one
    for _ in $(seq 300); do [ "$(tag_owner)" != "$m" ] && break; sleep 0.1; done
    start_redis "$m" cluster
    for _ in $(seq 600); do
      cluster_ok && redis-cli -p "$m" info replication | grep -q master_link_status:up && break
      sleep 0.1
    done
  done
  summary
  exit 0
fi
nodes=($base $((base + 1)) $((base + 2)))
start_redis "${nodes[0]}"
start_redis "${nodes[1]}" "${nodes[0]}"
start_redis "${nodes[2]}" "${nodes[0]}"
sentinels=()
for i in 0 1 2; do
  sp=$((base + 10 + i))
  printf 'port %s\nbind 127.0.0.1\ndaemonize no\ndir %s\nlogfile %s/sentinel-%s.log\nsentinel monitor mymaster 127.0.0.1 %s 2\nsentinel down-after-milliseconds mymaster 1000\nsentinel failover-timeout mymaster 10000\n' \
    "$sp" "$work" "$work" "$sp" "${nodes[0]}" > "$work/sentinel-$sp.conf"
  redis-sentinel "$work/sentinel-$sp.conf" &
  pids+=($!); sentinels+=("127.0.0.1:$sp"); wait_port "$sp"
done
master_port() { redis-cli -p $((base + 10)) sentinel get-master-addr-by-name mymaster | tail -1; }
S=$((base + 20)); SR=$((base + 22)); H=$((base + 24))
sentinel_list=$(IFS=,; echo "${sentinels[*]}")
if [[ " $ENDPOINTS " == *" sidecar "* ]]; then
  java -Xms256m -Xmx256m -jar proxy/target/redis-sidecar.jar --listen "127.0.0.1:$S" --admin "127.0.0.1:$((S + 1))" \
    --mode sentinel --sentinels "$sentinel_list" --master-name mymaster > "$work/sidecar.log" 2>&1 &
  pids+=($!); wait_port "$S"
fi
if [[ " $ENDPOINTS " == *" sidecar-replicated "* ]]; then
  java -Xms256m -Xmx256m -jar proxy/target/redis-sidecar.jar --listen "127.0.0.1:$SR" --admin "127.0.0.1:$((SR + 1))" \
    --mode sentinel --sentinels "$sentinel_list" --master-name mymaster --durability replicated --min-replicas 1 \
    --replication-timeout-ms 1000 > "$work/sidecar-replicated.log" 2>&1 &
  pids+=($!); wait_port "$SR"
fi
{
  printf 'global\n  maxconn 4000\ndefaults\n  mode tcp\n  timeout connect 1s\n  timeout client 60s\n  timeout server 60s\n'
  printf 'frontend f\n  bind 127.0.0.1:%s\n  default_backend b\nbackend b\n  option tcp-check\n' "$H"
  printf '  tcp-check send PING\\r\\n\n  tcp-check expect string +PONG\n  tcp-check send info\\ replication\\r\\n\n'
  printf '  tcp-check expect string role:master\n  tcp-check send QUIT\\r\\n\n  tcp-check expect string +OK\n'
  for n in "${nodes[@]}"; do printf '  server r%s 127.0.0.1:%s check inter 500ms fall 1 rise 1\n' "$n" "$n"; done
} > "$work/haproxy.cfg"
"$(command -v haproxy || echo /usr/sbin/haproxy)" -f "$work/haproxy.cfg" -db > "$work/haproxy.log" 2>&1 &
pids+=($!); wait_port "$H"
port_of() { case $1 in sidecar) echo "$S" ;; sidecar-replicated) echo "$SR" ;; haproxy) echo "$H" ;; esac; }
# every endpoint writing (HAProxy marks the replicas down after its first checks)
settle() { # 10 writes in a row succeed through every endpoint, each on a new connection
  for e in $ENDPOINTS; do
    local ok=0
    for _ in $(seq 300); do
      if [ "$(redis-cli -p "$(port_of "$e")" set fo:settle 1 2>/dev/null)" = OK ]; then
        ok=$((ok + 1)); [ $ok -ge 10 ] && break
      else
        ok=0; sleep 0.1
      fi
    done
  done
}
settle
for e in $ENDPOINTS; do # warm-up (the JVM's JIT)
  redis-benchmark -p "$(port_of "$e")" -t set -n 20000 -c 10 -q >/dev/null 2>&1 || true
done
header | tee "$rows"
for round in $(seq "${ROUNDS:-1}"); do
  for e in $ENDPOINTS; do
    m=$(master_port)
    java -cp perf/target/benchmarks.jar io.redissidecar.perf.FailoverLoad "$(port_of "$e")" "$RATE" "$CONNS" "$SECS" \
      "$e (killed :$m)" "${pid_of[$m]}" "$KILL_AT" "$(printf '%s\n' "${nodes[@]}" | grep -vx "$m" | paste -sd,)" \
      | tee -a "$rows"
    # the new master, then the killed node back as its replica, then every endpoint writing again
    for _ in $(seq 300); do nm=$(master_port); [ "$nm" != "$m" ] && break; sleep 0.1; done
    start_redis "$m" "$nm"
    for _ in $(seq 300); do # both replicas attached and in sync before the next kill
      redis-cli -p "$nm" info replication | grep -q "connected_slaves:2" \
        && redis-cli -p "$m" info replication | grep -q "master_link_status:up" && break
      sleep 0.1
    done
    settle
  done
done
summary
