#!/usr/bin/env bash
# Measure the public exports as production serves them: gunicorn (2 workers, DEBUG off) on
# DATABASE_URL, curl for the timings, /proc/<worker>/status VmHWM for each worker's peak RSS.
#
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/refwatch_bench bash bench/export_http.sh
#
# PORT (default 8731) and REDIS_URL (default redis://127.0.0.1:6379/0, key prefix bench-<port>)
# may be set. Extra arguments are the paths to fetch (default: the CSV and JSON exports).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/_venv.sh
source scripts/_venv.sh
: "${DATABASE_URL:?set DATABASE_URL to the database to measure}"
PORT="${PORT:-8731}"
export DEBUG=0 HTTPS=0 ALLOWED_HOSTS=127.0.0.1 RATELIMIT_ENABLE=0 LOG_LEVEL=WARNING
export SECRET_KEY="${SECRET_KEY:-bench-only-secret-key-0123456789abcdef0123456789}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/0}" CACHE_KEY_PREFIX="bench-$PORT"
paths=("$@")
[ ${#paths[@]} -gt 0 ] || paths=(/incidents/export.csv /incidents/export.json)

gunicorn config.wsgi --bind "127.0.0.1:$PORT" --workers 2 --timeout 300 \
  --pid "/tmp/bench-gunicorn-$PORT.pid" >"/tmp/bench-gunicorn-$PORT.log" 2>&1 &
master=$!
trap 'kill "$master" 2>/dev/null; wait "$master" 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -fs -o /dev/null "http://127.0.0.1:$PORT/healthz" && break; sleep 0.2; done

workers() { pgrep -P "$master"; }
hwm() { awk '/VmHWM/ {print int($2/1024)}' "/proc/$1/status"; }
# CPU seconds (user + system) the workers have used: on a shared machine, wall time lies.
cpu() { local t=0; for w in $(workers); do t=$((t + $(awk '{print $14 + $15}' "/proc/$w/stat"))); done
        echo "scale=2; $t / $(getconf CLK_TCK)" | bc; }
echo "workers after start: $(for w in $(workers); do printf '%s=%sMB ' "$w" "$(hwm "$w")"; done)"
for path in "${paths[@]}"; do
  out=$(mktemp)
  before=$(cpu)
  curl -s -o "$out" -w "%{http_code} first byte %{time_starttransfer}s total %{time_total}s " \
    "http://127.0.0.1:$PORT$path"
  echo "$(wc -c <"$out") bytes, $(wc -l <"$out") lines, worker CPU $(echo "$(cpu) - $before" | bc)s  $path"
  rm -f "$out"
  echo "  peak RSS per worker: $(for w in $(workers); do printf '%s=%sMB ' "$w" "$(hwm "$w")"; done)"
done
