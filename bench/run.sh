#!/usr/bin/env bash
# The benchmark (docs/performance.md, "Benchmark"): bash bench/run.sh [--quick] [--n N] [--db NAME]
# Needs PostgreSQL at 127.0.0.1:5432 (user postgres), Redis at 127.0.0.1:6379 and wrk.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/_venv.sh
source scripts/_venv.sh
exec python -m bench "$@"
