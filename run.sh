#!/usr/bin/env bash
# Builds redis-sidecar and runs it in front of a real local Redis topology it starts on 127.0.0.1.
#   ./run.sh            the seed system: 3 redis-server (1 master, 2 replicas) + 3 redis-sentinel (quorum 2)
#   ./run.sh static     one redis-server, static mode
#   ./run.sh cluster    the second seed system: a 6-node Redis Cluster (3 masters, 3 replicas), cluster mode
# Everything started here is stopped (by PID) on Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")"
topology="${1:-sentinel}"
scripts/ensure-redis.sh

jar=proxy/target/redis-sidecar.jar
if [ ! -f "$jar" ] || [ -n "$(find . \( -path ./perf/out -o -name target \) -prune -o \( -name '*.java' -o -name pom.xml \) -newer "$jar" -print -quit)" ]; then
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

declare -A pid_of
start_redis() { # port [extra redis-server options]
  local p=$1; shift
  redis-server --port "$p" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" --daemonize no \
    --repl-diskless-sync-delay 0 --logfile "$work/redis-$p.log" "$@" &
  pids+=($!); pid_of[$p]=$!
  for _ in $(seq 100); do redis-cli -p "$p" ping >/dev/null 2>&1 && return 0; sleep 0.05; done
  echo "redis-server on port $p did not start (see $work/redis-$p.log)" >&2; exit 1
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
  sentinel)
    m=$(free_port); start_redis "$m"
    r1=$(free_port); start_redis "$r1" --replicaof 127.0.0.1 "$m"
    r2=$(free_port); start_redis "$r2" --replicaof 127.0.0.1 "$m"
    sentinels=()
    for _ in 1 2 3; do
      sp=$(free_port)
      cat > "$work/sentinel-$sp.conf" <<CONF
port $sp
bind 127.0.0.1
daemonize no
dir $work
logfile $work/sentinel-$sp.log
sentinel monitor mymaster 127.0.0.1 $m 2
sentinel down-after-milliseconds mymaster 1000
sentinel failover-timeout mymaster 10000
CONF
      redis-sentinel "$work/sentinel-$sp.conf" &
      pids+=($!); sentinels+=("127.0.0.1:$sp")
    done
    for s in "${sentinels[@]}"; do
      for _ in $(seq 100); do redis-cli -p "${s##*:}" ping >/dev/null 2>&1 && break; sleep 0.05; done
    done
    echo "started master 127.0.0.1:$m (pid ${pid_of[$m]}), replicas 127.0.0.1:$r1 127.0.0.1:$r2," \
      "sentinels ${sentinels[*]} (quorum 2)" >&2
    args=(--mode sentinel --sentinels "$(IFS=,; echo "${sentinels[*]}")" --master-name mymaster)
    failover_help="
  watch it not notice a failover, in another terminal:
    while true; do redis-cli -p ${listen##*:} incr n; sleep 0.2; done
  then either kill the master:  kill -9 ${pid_of[$m]}
  or switch over gracefully:   redis-cli -p ${sentinels[0]##*:} sentinel failover mymaster"
    ;;
  cluster)
    nodes=()
    for _ in 1 2 3 4 5 6; do
      p=$(free_port)
      while [ "$p" -ge 55535 ] || port_busy $((p + 10000)); do p=$(free_port); done
      start_redis "$p" --cluster-enabled yes --cluster-config-file "nodes-$p.conf" --cluster-node-timeout 1000
      nodes+=("127.0.0.1:$p")
    done
    redis-cli --cluster create "${nodes[@]}" --cluster-replicas 1 --cluster-yes >"$work/cluster-create.log" 2>&1 \
      || { echo "redis-cli --cluster create failed (see $work/cluster-create.log)" >&2; exit 1; }
    for _ in $(seq 200); do
      redis-cli -p "${nodes[0]##*:}" cluster info 2>/dev/null | grep -q 'cluster_state:ok' && break; sleep 0.05
    done
    echo "started a 6-node cluster (3 masters, 3 replicas):" >&2
    for n in "${nodes[@]}"; do echo "  $n pid ${pid_of[${n##*:}]}" >&2; done
    args=(--mode cluster --cluster-seeds "${nodes[0]},${nodes[1]}")
    failover_help="
  watch it not notice a failover, in another terminal:
    while true; do redis-cli -p ${listen##*:} incr n; sleep 0.2; done
  then kill the master of that key (slot 3432): see its port in  redis-cli -p ${nodes[0]##*:} cluster nodes
  and kill -9 the pid listed above for that port
  or move slots under load:  redis-cli --cluster rebalance ${nodes[0]} --cluster-weight <id>=2"
    ;;
  *) echo "usage: $0 [sentinel|static|cluster]" >&2; exit 2 ;;
esac

java -jar "$jar" --listen "$listen" --admin "$admin" "${args[@]}" &
pids+=($!)
for _ in $(seq 200); do port_busy "${listen##*:}" && break; sleep 0.05; done
cat >&2 <<MSG

redis-sidecar is listening on $listen (admin http://$admin/health/ready)
  point redis-cli at it:   redis-cli -h ${listen%:*} -p ${listen##*:}
  Ctrl-C stops the proxy and the Redis processes this script started.${failover_help:-}
MSG
wait "${pids[-1]}"
