#!/usr/bin/env bash
# Encrypted backup of the whole database (docs/operations.md):
#   BACKUP_RECIPIENT_FILE=/etc/refwatch/backup-public.asc bash scripts/backup.sh
# Writes $BACKUP_DIR/refwatch-<engine>-<UTC time>.<pgdump|sqlite3>.gpg (default var/backups)
# and deletes backups older than $BACKUP_KEEP_DAYS (default 35). Only the public key is needed.
set -euo pipefail
cd "$(dirname "$0")/.."
exec bash scripts/manage.sh backup_db "$@"
