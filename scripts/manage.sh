#!/usr/bin/env bash
# Run a manage.py command with the same environment as the quick start, e.g.
#   bash scripts/manage.sh enroll_totp admin --code
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/_venv.sh
source scripts/_venv.sh
# shellcheck source=scripts/_env.sh
source scripts/_env.sh
exec python manage.py "$@"
