#!/usr/bin/env bash
# Run the whole test suite. Creates .venv and installs the project on first use.
# DATABASE_URL picks the database (default: SQLite); extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/_venv.sh
source scripts/_venv.sh
export DEBUG=0 HTTPS=0 TESTING=1
# No persistent connections in tests: a connection kept by a live-server thread would stop
# the PostgreSQL test database from being dropped at the end.
export DB_CONN_MAX_AGE=0
export SECRET_KEY="${SECRET_KEY:-test-only-secret-key-0123456789abcdef0123456789}"
exec python -m pytest "$@"
