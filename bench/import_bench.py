"""Benchmark: import an interchange file (docs/data-format.md) and count the queries.

    createdb -h 127.0.0.1 -U postgres refwatch_bench_import
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/refwatch_bench_import \\
        .venv/bin/python bench/import_bench.py FILE [--dry-run] [--profile out.prof]

Migrates the database, imports FILE through import_document as a superuser (as
`import_incidents` does) and prints the time, incidents per second, queries per incident and
the queries by kind (their first words). Use an empty database for a first import; run it
again on the same database to time an import of a file that changes nothing. Nothing is
asserted: the figures go into the closing note of whoever changes the import path.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import re
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789abcdef0123456789")
os.environ.setdefault("HTTPS", "0")
os.environ.setdefault("LOCAL_CACHE", "1")  # the public cache bump, without Redis

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from incidents.importer import import_document, read_document  # noqa: E402


class QueryCounter:
    def __init__(self):
        self.kinds: Counter = Counter()

    def __call__(self, execute, sql, params, many, context):
        words = re.sub(r"\s+", " ", sql.strip()).split(" ")
        kind = " ".join(words[:1])
        if kind == "SELECT":
            table = re.search(r' FROM "?([a-z_]+)"?', sql)
            kind += f" {table.group(1) if table else '?'}"
        elif kind in ("INSERT", "UPDATE", "DELETE"):
            table = re.search(r'(?:INTO|UPDATE|FROM) "?([a-z_]+)"?', sql)
            kind += f" {table.group(1) if table else '?'}"
        self.kinds[kind] += 1
        return execute(sql, params, many, context)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("file", type=Path)
    parser.add_argument("--dry-run", action="store_true")
    parser.add_argument("--profile", type=Path, help="write cProfile stats here")
    parser.add_argument("--top", type=int, default=25, help="query kinds to list")
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    user, _ = get_user_model().objects.get_or_create(
        username="bench-importer", defaults={"is_staff": True, "is_superuser": True}
    )
    doc = read_document(args.file.read_bytes(), filename=args.file.name)
    n = len(doc.get("incidents") or [])
    counter = QueryCounter()
    profiler = cProfile.Profile() if args.profile else None
    started, cpu = time.perf_counter(), time.process_time()
    with connection.execute_wrapper(counter):
        if profiler:
            profiler.enable()
        report = import_document(doc, user=user, dry_run=args.dry_run)
        if profiler:
            profiler.disable()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    if profiler:
        profiler.dump_stats(args.profile)
    queries = sum(counter.kinds.values())
    print(f"{report.summary()}")
    for problem in report.problems[:10]:
        print(f"  problem: {problem}")
    print(f"{n} incidents in {seconds:.1f} s: {n / seconds:.1f} incidents/s")
    print(f"this process's CPU: {cpu:.1f} s (the rest: waiting for the database, or for a core)")
    print(f"{queries} queries: {queries / max(n, 1):.1f} per incident")
    for kind, count in counter.kinds.most_common(args.top):
        print(f"  {count:>9}  {count / max(n, 1):7.2f}/incident  {kind}")


if __name__ == "__main__":
    main()
