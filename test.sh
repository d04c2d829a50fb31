#!/usr/bin/env bash
# Runs the whole test suite: unit tests and integration tests against real redis-server processes that the
# tests start on 127.0.0.1 (free ports) and stop by PID. Installs Debian's Redis packages when missing.
set -euo pipefail
cd "$(dirname "$0")"
scripts/ensure-redis.sh
exec mvn -B -ntp verify "$@"
