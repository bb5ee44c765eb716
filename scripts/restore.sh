#!/usr/bin/env bash
# Restore a backup into the database named by DATABASE_URL, which must be empty
# (docs/operations.md):
#   bash scripts/restore.sh refwatch-postgresql-20261130T020000Z.pgdump.gpg
# decrypts with this machine's GnuPG private key; or, keeping the key on your workstation:
#   gpg --decrypt FILE.gpg | ssh server 'cd /srv/refwatch && bash scripts/restore.sh -'
# --replace overwrites a database that already has tables.
set -euo pipefail
cd "$(dirname "$0")/.."
exec bash scripts/manage.sh restore_db "$@"
