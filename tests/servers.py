"""Real processes for operations tests: manage.py commands, gunicorn, a throwaway PostgreSQL.

Everything listens on 127.0.0.1 on a free port and is stopped by its context manager.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PG_BIN = next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)), None)
REDIS_TEST_URL = "redis://127.0.0.1:6379/5"  # db 5: our tests only


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def app_env(**overrides: str) -> dict[str, str]:
    """A production-like environment (DEBUG off) for a subprocess of the app."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_", "RATE", "SENTRY"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="0",
        HTTPS="0",
        TESTING="1",  # plain static storage: no collectstatic needed
        SECRET_KEY="ops-test-secret-key-0123456789abcdef0123456789",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DB_CONN_MAX_AGE="0",
        LOG_LEVEL="WARNING",
    )
    env.update(overrides)
    return env


def manage(*args: str, env: dict[str, str], timeout: float = 300, input: str | None = None):
    result = subprocess.run(  # noqa: S603 - this interpreter and manage.py
        [sys.executable, "manage.py", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        input=input,
        check=False,
    )
    assert result.returncode == 0, f"manage.py {args}: {result.stdout}\n{result.stderr}"
    return result


def wait_until(predicate, timeout: float, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


def http_get(url: str, timeout: float = 10, headers: dict | None = None):
    """(status, headers, body) for any status, without raising on 4xx/5xx."""
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 - loopback only
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@contextlib.contextmanager
def gunicorn(env: dict[str, str], *, workers: int = 2, args: tuple[str, ...] = ()):
    """Serve the app with gunicorn on a free loopback port; yields (base_url, process).
    Its output goes to a file (process.log_path): a pipe nobody reads would fill up and block
    the workers."""
    port = free_port()
    log = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed in finally
        "w+", prefix="gunicorn-", suffix=".log", delete=False
    )
    process = subprocess.Popen(  # noqa: S603 - the venv's gunicorn, fixed arguments
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--graceful-timeout",
            "5",
            *args,
        ],  # fmt: skip
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    process.log_path = Path(log.name)
    base = f"http://127.0.0.1:{port}"

    def up():
        try:
            return http_get(base + "/healthz", timeout=2)[0] == 200
        except OSError:
            return False

    try:
        if not wait_until(up, 30):
            process.kill()
            process.wait()
            raise RuntimeError("gunicorn did not start:\n" + process.log_path.read_text())
        yield base, process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        log.close()
        os.unlink(log.name)


# -- a throwaway PostgreSQL ---------------------------------------------------------------------
def initdb_unavailable() -> str | None:
    """Why a throwaway PostgreSQL cannot be made here, or None when it can."""
    if PG_BIN is None or not (PG_BIN / "initdb").exists():
        return "PostgreSQL server binaries (initdb) are not installed"
    if os.geteuid() == 0 and not shutil.which("runuser"):
        return "running as root without runuser: initdb refuses to run as root"
    return None


class ThrowawayPostgres:
    """A PostgreSQL cluster of our own in a temporary folder, on its own port; never the
    shared server. As root, it runs as the `postgres` OS user (initdb refuses root)."""

    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="refwatch-pg-"))
        self.data = self.dir / "data"
        self.port = free_port()
        self.log = self.dir / "server.log"
        os.chmod(self.dir, 0o777)  # noqa: S103 - a private temporary folder for the postgres user

    def _run(self, *argv: str, check: bool = True, timeout: float = 60):
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        return subprocess.run(  # noqa: S603 - PostgreSQL's own tools, fixed arguments
            [*prefix, *argv], capture_output=True, text=True, timeout=timeout, check=check
        )

    def url(self, name: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def init(self) -> ThrowawayPostgres:
        self._run(
            str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust",
            "--no-sync", "-E", "UTF8", "--locale=C.UTF-8",
        )  # fmt: skip
        return self

    def start(self) -> None:
        self._run(
            str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", "-t", "30",
            "-o", f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.dir} -c fsync=off",
            "start",
        )  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def createdb(self, name: str) -> None:
        self._run(str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), name)

    def destroy(self) -> None:
        self._run(
            str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop", check=False
        )
        shutil.rmtree(self.dir, ignore_errors=True)
