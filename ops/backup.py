"""Encrypted backups of the whole database, and restoring them (docs/operations.md).

A backup is the database engine's own complete copy — pg_dump's custom format for
PostgreSQL, SQLite's online backup API for SQLite — so every table is in it: users, 2FA
devices, the history of every record, the staff access log, the admin log, login attempts,
sessions. It is encrypted with GnuPG to a *public* key as it is written, so the server never
holds a readable copy and cannot read its own backups: the private key lives offline with the
people who may restore.

Restoring decrypts with the operator's GnuPG (the private key must be available there), tells
the two formats apart by their first bytes, and writes into an *empty* database unless
replacing is asked for explicitly.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from django.db import connection

PG_MAGIC = b"PGDMP"
SQLITE_MAGIC = b"SQLite format 3\x00"


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why."""


def _engine() -> str:
    vendor = connection.vendor
    if vendor not in {"postgresql", "sqlite"}:
        raise BackupError(f"Backups support PostgreSQL and SQLite, not {vendor}.")
    return vendor


def _pg_env() -> dict[str, str]:
    """libpq's variables for the configured database (the password never on a command line)."""
    settings = connection.settings_dict
    env = dict(os.environ)
    for var, key in (("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER"),
                     ("PGPASSWORD", "PASSWORD"), ("PGDATABASE", "NAME")):  # fmt: skip
        if settings.get(key):
            env[var] = str(settings[key])
    return env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} is not installed (Debian: apt-get install gnupg / postgresql-client)."
        )
    return path


# -- backup ---------------------------------------------------------------------------------------
def backup(recipient_file: Path, directory: Path) -> Path:
    """Write <directory>/refwatch-<engine>-<UTC time>.<ext>.gpg and return its path."""
    if not recipient_file.is_file():
        raise BackupError(f"No public key file at {recipient_file} (BACKUP_RECIPIENT_FILE).")
    engine = _engine()
    directory.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    extension = "pgdump" if engine == "postgresql" else "sqlite3"
    final = directory / f"refwatch-{engine}-{stamp}.{extension}.gpg"
    partial = final.with_name(final.name + ".partial")
    with tempfile.TemporaryDirectory(prefix="refwatch-gpg-") as home:
        gpg = subprocess.Popen(  # noqa: S603 - gpg with fixed arguments
            [_tool("gpg"), "--batch", "--quiet", "--no-options", "--homedir", home,
             "--trust-model", "always", "--recipient-file", str(recipient_file),
             "--compress-algo", "zlib", "--output", str(partial), "--yes", "--encrypt"],
            stdin=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        try:
            if engine == "postgresql":
                _pg_dump_into(gpg.stdin)
            else:
                gpg.stdin.write(_sqlite_image())
        finally:
            gpg.stdin.close()
        if gpg.wait() != 0:
            partial.unlink(missing_ok=True)
            raise BackupError(
                "gpg could not encrypt: " + gpg.stderr.read().decode(errors="replace")
            )
    os.chmod(partial, 0o600)
    partial.rename(final)
    return final


def _pg_dump_into(stream) -> None:
    dump = subprocess.Popen(  # noqa: S603 - pg_dump with fixed arguments
        [_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_pg_env(),
    )  # fmt: skip
    shutil.copyfileobj(dump.stdout, stream, 1 << 20)
    if dump.wait() != 0:
        raise BackupError("pg_dump failed: " + dump.stderr.read().decode(errors="replace"))


def _sqlite_image() -> bytes:
    """A consistent copy of the live SQLite database, made with SQLite's backup API."""
    connection.ensure_connection()
    copy = sqlite3.connect(":memory:")
    try:
        connection.connection.backup(copy)
        return copy.serialize()
    finally:
        copy.close()


def prune(directory: Path, keep_days: int) -> list[Path]:
    """Delete this tool's backups older than keep_days; returns what was deleted."""
    cutoff = datetime.now(UTC).timestamp() - keep_days * 86400
    old = [p for p in directory.glob("refwatch-*.gpg") if p.stat().st_mtime < cutoff]
    for path in old:
        path.unlink()
    return old


# -- restore --------------------------------------------------------------------------------------
def restore(source: Path | None, *, replace: bool = False) -> str:
    """Restore a backup into the configured database; source None reads a decrypted backup
    from standard input. Returns the engine restored."""
    engine = _engine()
    if not replace and connection.introspection.table_names():
        raise BackupError(
            "The target database is not empty. Restore into a new, empty database (safest), "
            "or pass --replace to overwrite this one."
        )
    if source is None:
        plain = os.fdopen(os.dup(0), "rb")
        decrypt = None
    else:
        decrypt = subprocess.Popen(  # noqa: S603 - gpg with fixed arguments
            [_tool("gpg"), "--batch", "--quiet", "--decrypt", str(source)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        plain = decrypt.stdout
    try:
        head = plain.read(len(SQLITE_MAGIC))
        if head.startswith(PG_MAGIC):
            _expect(engine, "postgresql")
            _pg_restore(head, plain, replace=replace)
        elif head == SQLITE_MAGIC:
            _expect(engine, "sqlite")
            _sqlite_restore(head + plain.read())
        else:
            problem = decrypt.stderr.read().decode(errors="replace") if decrypt else ""
            raise BackupError(f"Not a Refoulement Watch backup, or not decrypted. {problem}")
    finally:
        plain.close()
        if decrypt is not None and decrypt.wait() != 0:
            raise BackupError("gpg could not decrypt (is the private key available here?)")
    connection.close()
    return engine


def _expect(engine: str, found: str) -> None:
    if engine != found:
        raise BackupError(f"This is a {found} backup; the configured database is {engine}.")


def _pg_restore(head: bytes, rest, *, replace: bool) -> None:
    connection.close()  # pg_restore works on its own connection
    argv = [_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",
            "--single-transaction", "--dbname", connection.settings_dict["NAME"]]  # fmt: skip
    if replace:
        argv[1:1] = ["--clean", "--if-exists"]
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stderr=subprocess.PIPE, env=_pg_env())  # noqa: S603
    try:
        proc.stdin.write(head)
        shutil.copyfileobj(rest, proc.stdin, 1 << 20)
    finally:
        proc.stdin.close()
    if proc.wait() != 0:
        raise BackupError("pg_restore failed: " + proc.stderr.read().decode(errors="replace"))


def _sqlite_restore(image: bytes) -> None:
    source = sqlite3.connect(":memory:")
    try:
        source.deserialize(image)
        connection.ensure_connection()
        source.backup(connection.connection)  # replaces every page of the target
    finally:
        source.close()


def table_counts() -> dict[str, int]:
    """{table: rows} for every table of the configured database, for the restore drill."""
    counts = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
            counts[table] = cursor.fetchone()[0]
    return counts
