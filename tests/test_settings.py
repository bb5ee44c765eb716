"""Settings must fail loudly on bad configuration rather than start half-secure.

Each case starts a fresh interpreter, because settings are read once per process.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent

#: Every variable config/settings.py reads; each case starts from none of them set.
SETTINGS_VARIABLES = {
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "DATABASE_REPLICA_URL",
    "REPLICA_CONNECT_TIMEOUT",
    "REPLICA_RETRY_SECONDS",
    "REPLICA_PIN_SECONDS",
    "DB_CONN_MAX_AGE",
    "HTTPS",
    "SECURE_SSL_REDIRECT",
    "BEHIND_PROXY",
    "TESTING",
    "TEMPLATE_STRICT",
    "PUBLIC_PAGE_SIZE",
    "LOG_LEVEL",
    "LOG_JSON",
    "REDIS_URL",
    "LOCAL_CACHE",
    "CACHE_KEY_PREFIX",
    "RATELIMIT_ENABLE",
    "RATE_LIMIT_PAGES",
    "RATE_LIMIT_SEARCH",
    "RATE_LIMIT_EXPORTS",
    "RATE_LIMIT_FEED",
    "RATE_LIMIT_API",
    "TRUSTED_PROXIES",
    "OUTAGE_RETRY_AFTER",
    "ADMINS",
    "SENTRY_DSN",
    "SENTRY_ENVIRONMENT",
    "SERVER_EMAIL",
    "EMAIL_HOST",
    "EMAIL_PORT",
    "EMAIL_HOST_USER",
    "EMAIL_HOST_PASSWORD",
    "EMAIL_USE_TLS",
}

LONG_KEY = "prod-" + "k3y" * 20  # 65 characters, not the development default

REPORT = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'DEBUG': s.DEBUG, 'SECRET_KEY': s.SECRET_KEY, "
    "'ALLOWED_HOSTS': s.ALLOWED_HOSTS, 'SESSION_COOKIE_SECURE': s.SESSION_COOKIE_SECURE, "
    "'ENGINE': s.DATABASES['default']['ENGINE'], 'ROUTERS': s.DATABASE_ROUTERS, "
    "'REPLICA': s.DATABASES.get('replica'), 'PIN': s.REPLICA_PIN_SECONDS, "
    "'SESSION_ENGINE': s.SESSION_ENGINE}, default=str))"
)


def start(**env_vars: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    env.update(env_vars)
    return subprocess.run(  # noqa: S603 - fixed argv: this interpreter and a constant script
        [sys.executable, "-c", REPORT],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def loaded(result: subprocess.CompletedProcess) -> dict:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def refused(result: subprocess.CompletedProcess) -> str:
    assert result.returncode != 0, result.stdout
    assert "ImproperlyConfigured" in result.stderr, result.stderr
    return result.stderr.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def debug_without_key() -> dict:
    return loaded(start(DEBUG="1"))


def test_debug_works_without_secret_key(debug_without_key):
    assert debug_without_key["DEBUG"] is True
    assert debug_without_key["SECRET_KEY"]
    assert "localhost" in debug_without_key["ALLOWED_HOSTS"]


def test_valid_production_environment_starts():
    settings = loaded(
        start(
            DEBUG="0",
            SECRET_KEY=LONG_KEY,
            ALLOWED_HOSTS="example.org",
            REDIS_URL="redis://127.0.0.1:6379/5",  # required in production (test_ratelimit.py)
        )
    )
    assert settings["DEBUG"] is False
    assert settings["SECRET_KEY"] == LONG_KEY
    assert settings["ALLOWED_HOSTS"] == ["example.org"]
    assert settings["SESSION_COOKIE_SECURE"] is True  # HTTPS defaults on in production


def test_debug_must_be_a_boolean():
    message = refused(start(DEBUG="maybe", SECRET_KEY=LONG_KEY))
    assert "DEBUG" in message
    assert "maybe" in message


def test_production_requires_secret_key():
    message = refused(start(DEBUG="0"))
    assert "SECRET_KEY" in message


def test_debug_defaults_off_so_a_bare_environment_is_refused():
    message = refused(start())
    assert "SECRET_KEY" in message


def test_production_refuses_the_development_key(debug_without_key):
    # The key DEBUG mode falls back to must never be accepted in production.
    message = refused(start(DEBUG="0", SECRET_KEY=debug_without_key["SECRET_KEY"]))
    assert "Refusing to start" in message


def test_production_refuses_a_short_key():
    message = refused(start(DEBUG="0", SECRET_KEY="x" * 31))
    assert "Refusing to start" in message


def test_invalid_database_url_is_refused():
    message = refused(start(DEBUG="1", DATABASE_URL="not-a-url"))
    assert "DATABASE_URL" in message
    assert "not a valid database URL" in message


def test_a_replica_url_adds_the_replica_and_its_router():
    settings = loaded(
        start(
            DEBUG="1",
            DATABASE_URL="postgres://app@primary.example:5432/refwatch",
            DATABASE_REPLICA_URL="postgres://app@replica.example:5432/refwatch",
        )
    )
    assert settings["ROUTERS"] == ["config.replica.ReplicaRouter"]
    assert settings["REPLICA"]["HOST"] == "replica.example"
    assert settings["REPLICA"]["OPTIONS"]["connect_timeout"] == 2  # skipped fast when down
    assert settings["REPLICA"]["OPTIONS"]["options"] == "-c jit=off"
    assert settings["PIN"] > 0
    # sessions live in the database (or a shared cache), never in one host's process
    assert settings["SESSION_ENGINE"] == "django.contrib.sessions.backends.db"


def test_without_a_replica_url_there_is_no_router():
    settings = loaded(start(DEBUG="1", DATABASE_URL="postgres://app@primary.example/refwatch"))
    assert settings["ROUTERS"] == [] and settings["REPLICA"] is None and settings["PIN"] == 0


def test_a_replica_of_another_kind_is_refused():
    message = refused(
        start(
            DEBUG="1",
            DATABASE_URL="postgres://app@primary.example/refwatch",
            DATABASE_REPLICA_URL="sqlite:////tmp/replica.sqlite3",
        )
    )
    assert "DATABASE_REPLICA_URL" in message
