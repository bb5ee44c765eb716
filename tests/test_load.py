"""Smoke run of the load test (bench/load_test.py) so that it keeps working: a few seconds,
a few readers and the two staff writers, against gunicorn on PostgreSQL. The full run (60 s,
50 readers) is a documented command; its figures are in docs/operations.md."""

import os
import subprocess
import sys
import uuid

import dj_database_url
import pytest
from django.db import connection

from tests.servers import PROJECT_ROOT

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the load test runs against PostgreSQL only"
)


def test_load_test_smoke_run():
    server = dj_database_url.parse(os.environ["DATABASE_URL"])
    name = f"refwatch_ops_load_{uuid.uuid4().hex[:8]}"
    url = f"postgres://{server['USER']}@{server['HOST']}:{server['PORT'] or 5432}/{name}"
    try:
        result = subprocess.run(  # noqa: S603 - this interpreter and our script
            [sys.executable, "bench/load_test.py", "--duration", "4", "--readers", "5",
             "--writers", "2", "--workers", "2"],
            cwd=PROJECT_ROOT, env={**os.environ, "DATABASE_URL": url},
            capture_output=True, text=True, timeout=240, check=False,
        )  # fmt: skip
        assert result.returncode == 0, result.stdout + result.stderr
        assert "errors 0," in result.stdout
        assert "writes acknowledged 0," not in result.stdout
    finally:
        dropdb = ["dropdb", "-h", server["HOST"], "-U", server["USER"], "--if-exists", "--force"]
        subprocess.run(  # noqa: S603 - PostgreSQL's dropdb, fixed arguments
            [*dropdb, name],
            capture_output=True,
            check=False,
        )
