#!/usr/bin/env bash
# Installs Debian's Redis packages (redis-server, redis-sentinel, redis-tools) when they are missing.
# Used by run.sh, test.sh and .ci/run. Extra packages to ensure may be passed as arguments (e.g. haproxy, prometheus).
set -euo pipefail
need=()
command -v redis-server   >/dev/null 2>&1 || need+=(redis-server)
command -v redis-sentinel >/dev/null 2>&1 || need+=(redis-sentinel)
command -v redis-cli      >/dev/null 2>&1 || need+=(redis-tools)
for extra in "$@"; do
  case "$extra" in
    haproxy) command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || need+=(haproxy) ;;
    nutcracker) command -v nutcracker >/dev/null 2>&1 || [ -x /usr/sbin/nutcracker ] || need+=(nutcracker) ;;
    prometheus) command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1 || need+=(prometheus) ;;
    docker-compose) command -v docker-compose >/dev/null 2>&1 || need+=(docker-compose) ;;
    *) dpkg -s "$extra" >/dev/null 2>&1 || need+=("$extra") ;;
  esac
done
[ ${#need[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
  echo "redis-sidecar: missing ${need[*]} and cannot install them (not root, no sudo)." >&2
  echo "  install them with: apt-get install ${need[*]}" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "redis-sidecar: missing ${need[*]}; this script installs them with apt-get (Debian/Ubuntu) only." >&2
  exit 1
fi
echo "redis-sidecar: installing ${need[*]} with apt-get" >&2
export DEBIAN_FRONTEND=noninteractive
# Debian starts packaged services (redis-server, prometheus, ...) on install, some listening on every interface; the
# project never uses them (it starts its own on 127.0.0.1 and free ports), so a policy-rc.d keeps them from starting
policy=/usr/sbin/policy-rc.d
own_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null && $SUDO chmod 755 "$policy" && own_policy=1
fi
status=0
$SUDO apt-get update -qq >&2 || true
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >&2 || status=$?
[ "$own_policy" -eq 1 ] && $SUDO rm -f "$policy"
if [ "$status" -ne 0 ]; then
  echo "redis-sidecar: apt-get could not install ${need[*]}" >&2
  exit 1
fi
exit 0
