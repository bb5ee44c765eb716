"""Backups (ops/backup.py, scripts/backup.sh, scripts/restore.sh): the restore drill.

A fresh database of the suite's engine (SQLite file, or a new database on the suite's
PostgreSQL server with a unique name, dropped afterwards) is migrated and given one row or more
in every table that matters — users, 2FA devices, history, staff access log, admin log, login
attempts, sessions — plus synthetic incidents. It is backed up with a throwaway GnuPG public
key, restored with the private key into another fresh database, and compared: every table's
row count and the full `export_incidents --all` document must be identical. The comparison is
written to artifacts/restore-comparison-<engine>.txt.
"""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from pathlib import Path

import dj_database_url
import pytest
from django.db import connection

from tests.servers import PROJECT_ROOT, app_env, manage

MARKER = "MARKER-BACKUP-INTERNAL-NOTE"

SEED = f"""
from django.contrib.admin.models import LogEntry, ADDITION
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.backends.db import SessionStore
from axes.models import AccessAttempt
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from incidents.models import Incident, StaffAccessLog
from tests.factories import UserFactory, IncidentFactory, published_incident

editor = UserFactory(username="editor", is_staff=True)
StaticDevice.objects.create(user=editor, name="backup codes").token_set.create(token="abc12345")
draft = IncidentFactory(title="Draft", notes_internal="{MARKER}")
draft.title = "Draft, edited"
draft.save()  # a second history row
published_incident(slug="public-one")
TOTPDevice.objects.create(user=editor, name="phone")
StaffAccessLog.objects.create(user=editor, username="editor", action="view", model="incident",
    object_id=str(draft.pk), object_repr="Draft")
LogEntry.objects.create(user=editor, content_type=ContentType.objects.get_for_model(Incident),
    object_id=str(draft.pk), object_repr="Draft", action_flag=ADDITION, change_message="[]")
AccessAttempt.objects.create(username="editor", ip_address="203.0.113.5", user_agent="t",
    failures_since_start=2, get_data="", post_data="", http_accept="", path_info="/admin/login/")
SessionStore().save()
"""

MUST_HAVE_ROWS = [
    "auth_user",
    "otp_totp_totpdevice",
    "otp_static_staticdevice",
    "incidents_historicalincident",
    "django_admin_log",
    "axes_accessattempt",
    "django_session",
    "django_migrations",
]


def run(argv, env, check=True, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(  # noqa: S603 - our scripts and gpg, fixed arguments
        argv, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300, **kwargs
    )
    if check:
        assert result.returncode == 0, f"{argv}: {result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    """A throwaway key pair: public key file + a GnuPG home holding the private key, and an
    empty GnuPG home (someone who has the file but not the key)."""
    base = tmp_path_factory.mktemp("gpg")
    home, empty = base / "home", base / "empty"
    home.mkdir(mode=0o700)
    empty.mkdir(mode=0o700)
    env = {**os.environ, "GNUPGHOME": str(home)}
    run(["gpg", "--batch", "--passphrase", "", "--quick-gen-key",
         "Refwatch restore drill <drill@example.invalid>", "future-default", "default", "never"],
        env)  # fmt: skip
    public = base / "backup-public.asc"
    run(["gpg", "--batch", "--armor", "--output", str(public), "--export",
         "drill@example.invalid"], env)  # fmt: skip
    return {"public": public, "home": home, "empty": empty}


class Databases:
    """Fresh databases of the suite's engine, removed at the end."""

    def __init__(self, tmp_path: Path):
        self.tmp = tmp_path
        self.vendor = connection.vendor
        self.created: list[str] = []
        self.server = dj_database_url.parse(os.environ.get("DATABASE_URL", "sqlite://"))

    def new(self, label: str) -> str:
        if self.vendor == "sqlite":
            return f"sqlite:///{self.tmp / (label + '.sqlite3')}"
        name = f"refwatch_ops_drill_{uuid.uuid4().hex[:8]}_{label}"
        self._psql(f'CREATE DATABASE "{name}"')
        self.created.append(name)
        s = self.server
        auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
        return f"postgres://{auth}@{s['HOST']}:{s['PORT'] or 5432}/{name}"

    def _psql(self, sql: str) -> None:
        s = self.server
        env = {**os.environ, "PGPASSWORD": s.get("PASSWORD") or ""}
        run(["psql", "-X", "-q", "-h", s["HOST"], "-p", str(s["PORT"] or 5432), "-U", s["USER"],
             "-d", "postgres", "-c", sql], env)  # fmt: skip

    def drop_all(self) -> None:
        for name in self.created:
            self._psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def databases(tmp_path):
    dbs = Databases(tmp_path)
    yield dbs
    dbs.drop_all()


def counts(env) -> dict[str, int]:
    return json.loads(manage("table_counts", env=env).stdout)


def test_backup_restore_drill(databases, keys, tmp_path):
    source = app_env(DATABASE_URL=databases.new("source"), LOCAL_CACHE="1")
    manage("migrate", "--noinput", "-v0", env=source)
    manage("shell", "-c", SEED, env=source)
    manage("generate_synthetic", "40", "--force", env=source)
    before_counts = counts(source)
    before_export = manage("export_incidents", "--all", "-", env=source).stdout
    for table in MUST_HAVE_ROWS + [t for t in before_counts if "staffaccesslog" in t]:
        assert before_counts.get(table, 0) > 0, table
    assert MARKER in before_export

    # Back up with the public key only (what the server has).
    backup_dir = tmp_path / "backups"
    env = {**source, "BACKUP_RECIPIENT_FILE": str(keys["public"]), "BACKUP_DIR": str(backup_dir)}
    env["GNUPGHOME"] = str(keys["empty"])  # no private key on the server
    run(["bash", "scripts/backup.sh"], env)
    [backup] = backup_dir.glob("refwatch-*.gpg")
    assert oct(backup.stat().st_mode & 0o777) == "0o600"
    data = backup.read_bytes()
    for plain in (MARKER.encode(), b"SQLite format 3", b"PGDMP", b"editor"):
        assert plain not in data

    # Unreadable without the private key.
    refused = run(["gpg", "--batch", "--decrypt", str(backup)],
                  {**os.environ, "GNUPGHOME": str(keys["empty"])}, check=False)  # fmt: skip
    assert refused.returncode != 0
    assert "No secret key" in refused.stderr or "no secret key" in refused.stderr.lower()

    # Restore with the private key into a fresh database; compare.
    target = app_env(DATABASE_URL=databases.new("restored"), LOCAL_CACHE="1")
    target["GNUPGHOME"] = str(keys["home"])
    run(["bash", "scripts/restore.sh", str(backup)], target)
    after_counts = counts(target)
    after_export = manage("export_incidents", "--all", "-", env=target).stdout

    table = comparison_table(before_counts, after_counts, databases.vendor)
    out = PROJECT_ROOT / "artifacts"
    out.mkdir(exist_ok=True)
    (out / f"restore-comparison-{databases.vendor}.txt").write_text(table)
    assert after_counts == before_counts, table
    assert after_export == before_export

    # A second restore into the now non-empty database is refused without --replace.
    again = run(["bash", "scripts/restore.sh", str(backup)], target, check=False)
    assert again.returncode != 0
    assert "not empty" in again.stderr


def comparison_table(before: dict, after: dict, vendor: str) -> str:
    lines = [f"restore drill on {vendor}", f"{'table':45} {'before':>8} {'after':>8}"]
    for name in sorted(set(before) | set(after)):
        b, a = before.get(name), after.get(name)
        lines.append(f"{name:45} {b!s:>8} {a!s:>8}{'' if a == b else '  DIFFERENT'}")
    lines.append(f"{len(before)} tables, {sum(before.values())} rows before, "
                 f"{sum(after.values())} after")  # fmt: skip
    return "\n".join(lines) + "\n"
