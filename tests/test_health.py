"""/healthz and /readyz (config/health.py): what they check, and that they say nothing more."""

import json

import pytest
from django.db import connection
from django.test import Client, override_settings

from config import health
from tests.test_leaks import MARKERS, records  # noqa: F401 - the fixture planting every marker
from tests.test_outage import database_down

pytestmark = pytest.mark.django_db


def test_healthz_answers_without_the_database(django_assert_num_queries):
    with django_assert_num_queries(0), connection.execute_wrapper(database_down):
        response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_readyz_checks_database_and_migrations(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "migrations": "ok"},
    }


def test_readyz_is_503_while_the_database_is_down():
    with connection.execute_wrapper(database_down):
        response = Client(raise_request_exception=False).get("/readyz")
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assert response.json()["checks"] == {"database": "failed", "migrations": "skipped"}
    assert "simulated" not in response.content.decode()  # never the error itself


def test_readyz_reports_unapplied_migrations(monkeypatch):
    monkeypatch.setattr(health, "_migrated", False)

    class Pending:
        def __init__(self, connection):
            self.loader = type("L", (), {"graph": type("G", (), {"leaf_nodes": list})()})()

        def migration_plan(self, targets):
            return [("incidents", "9999_new")]

    monkeypatch.setattr("django.db.migrations.executor.MigrationExecutor", Pending)
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["migrations"] == "failed"


@override_settings(REDIS_URL="redis://127.0.0.1:6379/5")
def test_readyz_checks_the_cache_when_redis_is_configured(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/5",
            "KEY_PREFIX": "test-readyz",
        }
    }
    assert Client().get("/readyz").json()["checks"]["cache"] == "ok"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens
            "OPTIONS": {"socket_connect_timeout": 0.5},
        }
    }
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["cache"] == "failed"


def test_probes_never_show_restricted_data(client, records):  # noqa: F811
    for url in ("/healthz", "/readyz"):
        body = client.get(url).content.decode()
        assert set(json.loads(body)) <= {"status", "checks"}
        for marker in MARKERS.values():
            assert marker not in body


def test_probes_are_not_in_the_request_log(client, caplog):
    client.get("/healthz")
    client.get("/readyz")
    client.get("/")
    paths = [getattr(r, "path", None) for r in caplog.records if r.name == "refwatch.request"]
    assert paths == ["/"]
