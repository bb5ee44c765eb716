"""Public reads from the replica (config/replica.py); everything else from the primary.

In tests the "replica" alias mirrors the test database (settings: TEST MIRROR), and the router
is switched on per test, as DATABASE_REPLICA_URL does in production. Which alias served a
query is read from each connection's captured queries. The tests commit their data
(transaction=True): the replica is another connection and sees only committed rows.
"""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from django.db import connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test.utils import CaptureQueriesContext

from config import replica as routing
from incidents import cache as public_cache
from incidents.models import Incident
from tests.factories import UserFactory, published_incident

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "replica"])

ROUTER = ["config.replica.ReplicaRouter"]


@pytest.fixture
def routed(settings):
    settings.DATABASE_ROUTERS = ROUTER
    routing.forget_failure()
    yield
    routing.forget_failure()


@contextmanager
def queries():
    """{"default": [...], "replica": [...]}: the SQL each alias ran inside the block."""
    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections["replica"]) as replica,
    ):
        yield {"default": primary, "replica": replica}


def _get(client, url) -> int:
    response = client.get(url)
    if response.streaming:
        b"".join(response.streaming_content)
        response.close()  # request_finished, as the WSGI server sends it
    return response.status_code


@contextmanager
def unreachable_replica():
    """The replica's address made unusable: a closed port, or a file that cannot exist."""
    replica = connections["replica"]
    saved = dict(replica.settings_dict)
    BaseDatabaseWrapper.close(replica)  # (SQLite keeps an in-memory database open otherwise)
    if replica.vendor == "postgresql":
        replica.settings_dict.update(HOST="127.0.0.1", PORT="1")
    else:
        replica.settings_dict["NAME"] = "/nonexistent/refwatch/replica.sqlite3"
    try:
        yield
    finally:
        BaseDatabaseWrapper.close(replica)
        replica.settings_dict.clear()
        replica.settings_dict.update(saved)
        routing.forget_failure()


PUBLIC_URLS = ["/incidents/", "/incidents/some-case/", "/api/incidents/", "/incidents/export.csv"]


@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_public_reads_go_to_the_replica(client, routed, url):
    published_incident(slug="some-case")
    with queries() as ran:
        assert _get(client, url) == 200
    assert len(ran["replica"]) > 0
    assert len(ran["default"]) == 0


def test_without_a_replica_everything_reads_the_primary(client):
    published_incident(slug="some-case")
    for url in PUBLIC_URLS:
        with queries() as ran:
            assert _get(client, url) == 200
        assert len(ran["replica"]) == 0 and len(ran["default"]) > 0, url


def test_staff_requests_read_the_primary(login, routed):
    published_incident(slug="some-case")
    client = login(UserFactory(is_staff=True, is_superuser=True))
    for url in ["/incidents/", "/incidents/some-case/", "/admin/incidents/incident/"]:
        with queries() as ran:
            assert _get(client, url) == 200
        assert len(ran["replica"]) == 0 and len(ran["default"]) > 0, url


def test_admin_and_probes_read_the_primary_even_anonymously(client, routed):
    for url in ["/admin/login/", "/readyz"]:
        with queries() as ran:
            assert _get(client, url) == 200
        assert len(ran["replica"]) == 0, url


def test_writes_and_reads_inside_a_transaction_use_the_primary(routed):
    incident = published_incident()
    token = routing._public_read.set(True)  # as PublicReadsMiddleware marks a public request
    try:
        with queries() as ran:
            assert Incident.objects.filter(pk=incident.pk).exists()
        assert len(ran["replica"]) == 1 and len(ran["default"]) == 0
        with queries() as ran, transaction.atomic():
            Incident.objects.filter(pk=incident.pk).update(title="Changed")
            assert Incident.objects.get(pk=incident.pk).title == "Changed"
        assert len(ran["replica"]) == 0 and len(ran["default"]) >= 2
    finally:
        routing._public_read.reset(token)


def test_a_post_is_not_a_public_read(client, routed):
    with queries() as ran:
        client.post("/i18n/setlang/", {"language": "ko", "next": "/incidents/"})
        assert _get(client, "/incidents/") == 200  # the next GET is one again
    assert len(ran["replica"]) > 0


def test_an_unreachable_replica_falls_back_to_the_primary_and_is_remembered(
    client, routed, monkeypatch
):
    published_incident(slug="some-case")
    attempts = []
    connect = connections["replica"].ensure_connection
    monkeypatch.setattr(
        connections["replica"], "ensure_connection", lambda: attempts.append(1) or connect()
    )
    with unreachable_replica():
        for url in PUBLIC_URLS:
            # (capturing the replica's queries would connect it: the primary's tell it all)
            with CaptureQueriesContext(connections["default"]) as primary:
                assert _get(client, url) == 200, url
            assert len(primary) > 0, url
            assert connections["replica"].connection is None
        assert len(attempts) == 1  # tried once, then left alone for REPLICA_RETRY_SECONDS
    with queries() as ran:
        assert _get(client, "/incidents/") == 200
    assert len(ran["replica"]) > 0  # back, once the failure is forgotten


def test_public_reads_use_the_primary_just_after_a_public_change(client, routed, settings):
    settings.REPLICA_PIN_SECONDS = 30
    published_incident(slug="some-case")
    public_cache.bump()
    with queries() as ran:
        assert _get(client, "/incidents/some-case/") == 200
    assert len(ran["replica"]) == 0 and len(ran["default"]) > 0
    public_cache.cache.delete(public_cache.CHANGED_KEY)  # the pin has expired
    with queries() as ran:
        assert _get(client, "/incidents/some-case/") == 200
    assert len(ran["replica"]) > 0


def test_readyz_reports_the_replica_without_depending_on_it(client, settings):
    settings.DATABASE_REPLICA_URL = "postgres://replica.invalid/refwatch"  # only its presence
    body = client.get("/readyz").json()
    assert body["checks"]["replica"] == "ok"
    with unreachable_replica():
        response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {
        "database": "ok",
        "migrations": "ok",
        "replica": "failed",
    }
