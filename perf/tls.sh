#!/usr/bin/env bash
# TLS through redis-sidecar against HAProxy 2.6 terminating TLS, in one run with interleaved rounds, pinned like
# perf/e2e.sh (Redis on core 0; each proxy and redis-benchmark on core 1). Every client speaks TLS (redis-benchmark
# --tls); endpoints:
#   direct         Redis's own TLS port
#   sidecar-term   redis-sidecar's --tls-port, plain to Redis        haproxy-term   HAProxy bind ssl, plain to Redis
#   sidecar-both   redis-sidecar's --tls-port, --backend-tls to      haproxy-both   HAProxy bind ssl, server ssl
#                  Redis's TLS port (CA and hostname checked)                       verify required to Redis's TLS port
# Reports ops/s, the ratio to direct, and the proxy's CPU microseconds per request. Certificates are made with openssl
# for the run.
#
#   perf/tls.sh [ROUNDS]     (default 3 rounds)
#   env: TESTS="get", PIPES="16 1", C=50 clients, N=1000000 (pipeline 16) / N1=200000 (pipeline 1) requests, JAR
#
# Everything listens on 127.0.0.1, on ports below the ephemeral range; every process started here is stopped by PID.
set -euo pipefail
cd "$(dirname "$0")/.."
. perf/lib.sh
ROUNDS=${1:-3}
TESTS=${TESTS:-get}; PIPES=${PIPES:-"16 1"}; C=${C:-50}; N=${N:-1000000}; N1=${N1:-200000}
JAR=${JAR:-proxy/target/redis-sidecar.jar}
[ -f "$JAR" ] || mvn -B -q -ntp -DskipTests package
scripts/ensure-redis.sh haproxy openssl
HAPROXY=$(command -v haproxy || echo /usr/sbin/haproxy)
base=${BASE_PORT:-21640}
R=$base; RT=$((base + 1)); ST=$((base + 2)); SB=$((base + 4)); BT=$((base + 6)); HT=$((base + 8)); HB=$((base + 9))
certs="$redis_dirs/certs"; mkdir -p "$certs"
(
  cd "$certs"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 -subj /CN=perf-ca
  openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN=localhost
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' > ext
  openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt -days 2 -extfile ext
  cat server.crt server.key > server.pem
) >/dev/null 2>&1
tls_server=(--tls-cert-file "$certs/server.crt" --tls-key-file "$certs/server.key" --tls-ca-cert-file "$certs/ca.crt")
pinned_redis 0 "$R" --tls-port "$RT" "${tls_server[@]}" --tls-auth-clients no --logfile /dev/null
redis-benchmark -p "$R" -t set -n 100000 -r 100000 -q >/dev/null 2>&1
JAR=$JAR pinned_sidecar 1 "$SB" /dev/null -- --backends "127.0.0.1:$R" --tls-port "$ST" "${tls_server[@]}" \
  --tls-auth-clients no; STPID=$last_pid; wait_port "$ST"
JAR=$JAR pinned_sidecar 1 $((base + 12)) /dev/null -- --backends "127.0.0.1:$RT" --tls-port "$BT" "${tls_server[@]}" \
  --tls-auth-clients no --backend-tls on --backend-tls-ca-cert-file "$certs/ca.crt"; SBPID=$last_pid; wait_port "$BT"
{ haproxy_head; cat <<CFG; } > "$redis_dirs/haproxy.cfg"
frontend term
  bind 127.0.0.1:$HT ssl crt $certs/server.pem
  default_backend plain
frontend both
  bind 127.0.0.1:$HB ssl crt $certs/server.pem
  default_backend tls
backend plain
  server r 127.0.0.1:$R
backend tls
  server r 127.0.0.1:$RT ssl verify required ca-file $certs/ca.crt
CFG
taskset -c 1 "$HAPROXY" -f "$redis_dirs/haproxy.cfg" -db > "$redis_dirs/haproxy.log" 2>&1 &
HPID=$!; pids+=($HPID); wait_port "$HT"; wait_port "$HB"
declare -A EP_PORT=([direct]=$RT [sidecar-term]=$ST [sidecar-both]=$BT [haproxy-term]=$HT [haproxy-both]=$HB)
declare -A EP_PID=([direct]="" [sidecar-term]=$STPID [sidecar-both]=$SBPID [haproxy-term]=$HPID [haproxy-both]=$HPID)
ENDPOINTS="direct sidecar-term haproxy-term sidecar-both haproxy-both"
bench() { # port test pipeline requests -> ops/s
  timeout 300 taskset -c 1 redis-benchmark --tls --cacert "$certs/ca.crt" -p "$1" -t "$2" -n "$4" -c "$C" -P "$3" \
    -r 100000 --csv 2>/dev/null | tail -1 | cut -d, -f2 | tr -d '"'
}
for ep in sidecar-term sidecar-both; do bench "${EP_PORT[$ep]}" get 16 500000 >/dev/null; done # warm-up (the JIT)
echo "| round | workload | endpoint | ops/s | ratio to direct | proxy CPU µs per request |"
echo "|---:|---|---|---:|---:|---:|"
for round in $(seq "$ROUNDS"); do
  for t in $TESTS; do
    for p in $PIPES; do
      n=$N; [ "$p" = 1 ] && n=$N1
      direct=""
      for ep in $ENDPOINTS; do
        pid=${EP_PID[$ep]}
        t0=0; [ -n "$pid" ] && t0=$(cpu_ticks "$pid")
        ops=$(bench "${EP_PORT[$ep]}" "$t" "$p" "$n")
        t1=0; [ -n "$pid" ] && t1=$(cpu_ticks "$pid")
        [ "$ep" = direct ] && direct=$ops
        awk -v r="$round" -v w="$t c$C p$p" -v e="$ep" -v ops="$ops" -v d="$direct" -v t="$((t1 - t0))" \
          -v hz="$(getconf CLK_TCK)" -v n="$n" -v hasp="${pid:+1}" 'BEGIN {
            cpu = hasp ? sprintf("%.2f", t / hz * 1e6 / n) : "-"
            printf "| %s | %s | %s | %.0f | %.3f | %s |\n", r, w, e, ops, ops / d, cpu }'
      done
    done
  done
done
