# Shared by the perf/ scripts (source it): process bookkeeping and small helpers. Every process a script starts is
# added to pids and stopped by PID when the script ends.
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM
# waits until something listens on 127.0.0.1:$1
wait_port() { for _ in $(seq 200); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.05; done
  echo "nothing listening on $1" >&2; exit 1; }
# utime + stime of process $1, in clock ticks
cpu_ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }
# a one-backend HAProxy config in TCP mode: haproxy_cfg LISTEN_PORT REDIS_PORT > file
haproxy_cfg() {
  printf 'global\n  maxconn 4000\n  nbthread 1\ndefaults\n  mode tcp\n  timeout connect 2s\n  timeout client 60s\n  timeout server 60s\nfrontend f\n  bind 127.0.0.1:%s\n  default_backend b\nbackend b\n  server r 127.0.0.1:%s\n' "$1" "$2"
}
