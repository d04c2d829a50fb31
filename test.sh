#!/usr/bin/env bash
# Runs the whole test suite: unit tests and integration tests against real redis-server processes that the
# tests start on 127.0.0.1 (free ports) and stop by PID. Installs Debian's Redis packages, prometheus (promtool and
# a real server for the metrics test) and docker-compose (to validate the Compose files) when missing.
set -euo pipefail
cd "$(dirname "$0")"
scripts/ensure-redis.sh prometheus docker-compose openssl
exec mvn -B -ntp verify "$@"
