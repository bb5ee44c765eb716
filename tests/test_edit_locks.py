"""Soft edit locks: the second editor of an incident is told who else has it open, locks
expire and are pruned, the heartbeat is staff-only and touches only the caller's own lock,
and a lock never blocks a save (services/locks.py, IncidentAdmin.editing_view)."""

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from incidents.models import EditLock, Incident, Status
from incidents.services import locks
from tests.conftest import verified_login
from tests.factories import IncidentFactory, UserFactory, published_incident
from tests.roles import staff
from tests.test_admin import page_data

pytestmark = pytest.mark.django_db

T0 = datetime.datetime(2026, 3, 2, 10, 32, tzinfo=datetime.UTC)


def change_url(incident) -> str:
    return reverse("admin:incidents_incident_change", args=[incident.pk])


def editing_url(incident) -> str:
    return reverse("admin:incidents_incident_editing", args=[incident.pk])


def client_for(user) -> Client:
    client = Client()
    verified_login(client, user)
    return client


@pytest.fixture
def alice():
    return staff("Editor", username="alice")


@pytest.fixture
def bob():
    return staff("Editor", username="bob")


@pytest.fixture
def frozen(monkeypatch):
    """The locks' clock as the test says (`frozen.now = …`); sessions keep the real one."""

    class Clock:
        now = T0

    clock = Clock()
    monkeypatch.setattr(locks, "_now", lambda: clock.now)
    return clock


def banner(response) -> list[str]:
    assert response.status_code == 200
    return list(response.context["edit_locks"])


def test_the_second_editor_sees_who_is_editing_and_since_when(alice, bob, frozen):
    incident = published_incident(status=Status.IN_REVIEW)
    a, b = client_for(alice), client_for(bob)

    assert banner(a.get(change_url(incident))) == []  # nobody else yet
    frozen.now = T0 + datetime.timedelta(minutes=3)
    response = b.get(change_url(incident))

    assert banner(response) == ["Being edited by alice since 10:32"]
    assert "Being edited by alice since 10:32" in response.content.decode()
    # And alice, reloading, sees bob.
    assert banner(a.get(change_url(incident))) == ["Being edited by bob since 10:35"]
    # Her lock kept its start; only last_seen moved.
    lock = EditLock.objects.get(incident=incident, user=alice)
    assert (lock.started_at, lock.last_seen) == (T0, frozen.now)


def test_the_time_is_local(alice, bob, frozen, settings):
    settings.TIME_ZONE = "Asia/Seoul"
    incident = published_incident(status=Status.IN_REVIEW)
    client_for(alice).get(change_url(incident))
    with timezone.override("Asia/Seoul"):
        assert banner(client_for(bob).get(change_url(incident))) == [
            "Being edited by alice since 19:32"
        ]


def test_a_lock_expires_and_is_pruned(alice, bob, frozen):
    incident = published_incident(status=Status.IN_REVIEW)
    client_for(alice).get(change_url(incident))
    b = client_for(bob)

    frozen.now = T0 + locks.LOCK_TTL - datetime.timedelta(seconds=1)
    assert banner(b.get(change_url(incident))) == ["Being edited by alice since 10:32"]
    frozen.now = T0 + locks.LOCK_TTL + datetime.timedelta(seconds=1)
    assert banner(b.get(change_url(incident))) == []
    assert not EditLock.objects.filter(user=alice).exists()  # pruned when read
    assert EditLock.objects.filter(user=bob).exists()


def test_the_heartbeat_keeps_a_lock_alive_and_prunes_others(alice, bob, frozen):
    incident, elsewhere = published_incident(status=Status.IN_REVIEW), IncidentFactory()
    a, b = client_for(alice), client_for(bob)
    a.get(change_url(incident))
    b.get(change_url(elsewhere))  # bob leaves his tab and walks away

    for minutes in (10, 20, 30):  # alice's page reports in; bob's does not
        frozen.now = T0 + datetime.timedelta(minutes=minutes)
        response = a.post(editing_url(incident), {"action": "heartbeat"})
        assert response.status_code == 200
        assert response.json() == {"editing": []}

    assert list(EditLock.objects.values_list("user__username", flat=True)) == ["alice"]
    assert banner(b.get(change_url(incident))) == ["Being edited by alice since 10:32"]
    # The heartbeat tells alice who joined.
    assert a.post(editing_url(incident), {"action": "heartbeat"}).json() == {
        "editing": ["Being edited by bob since 11:02"]
    }


def test_a_heartbeat_cannot_take_over_anothers_lock(alice, bob, frozen):
    incident = published_incident(status=Status.IN_REVIEW)
    client_for(alice).get(change_url(incident))
    alices = EditLock.objects.get(user=alice)
    frozen.now = T0 + datetime.timedelta(minutes=5)

    response = client_for(bob).post(
        editing_url(incident), {"action": "heartbeat", "lock": alices.pk, "user": alice.pk}
    )

    assert response.status_code == 200
    assert response.json() == {"editing": ["Being edited by alice since 10:32"]}
    alices.refresh_from_db()
    assert (alices.user, alices.last_seen) == (alice, T0)  # untouched
    assert EditLock.objects.get(user=bob).started_at == frozen.now  # his own row
    # Nor can bob release alice's lock.
    client_for(bob).post(editing_url(incident), {"action": "release", "user": alice.pk})
    assert EditLock.objects.filter(pk=alices.pk).exists()
    assert not EditLock.objects.filter(user=bob).exists()


def test_leaving_the_page_releases_the_lock(alice, bob):
    incident = published_incident(status=Status.IN_REVIEW)
    a = client_for(alice)
    a.get(change_url(incident))
    assert a.post(editing_url(incident), {"action": "release"}).status_code == 200
    assert banner(client_for(bob).get(change_url(incident))) == []


def test_a_successful_save_releases_the_lock(alice, bob):
    incident = published_incident(status=Status.IN_REVIEW)
    a = client_for(alice)
    page = page_data(a.get(change_url(incident)))
    assert a.post(change_url(incident), page | {"title": "Saved"}).status_code == 302
    assert not EditLock.objects.filter(user=alice).exists()


def test_a_lock_never_blocks_saving(alice, bob):
    incident = published_incident(status=Status.IN_REVIEW)
    a, b = client_for(alice), client_for(bob)
    page_data(a.get(change_url(incident)))  # alice holds the page open
    page = page_data(b.get(change_url(incident)))

    response = b.post(change_url(incident), page | {"title": "Bob saves anyway"})

    assert response.status_code == 302
    assert Incident.objects.get(pk=incident.pk).title == "Bob saves anyway"
    assert EditLock.objects.filter(user=alice).exists()  # hers stays until she leaves


def test_view_only_staff_see_the_banner_but_hold_no_lock(alice):
    incident = published_incident(status=Status.IN_REVIEW)
    client_for(alice).get(change_url(incident))
    caseworker = staff("Caseworker", username="casey")  # may not edit a published incident
    c = client_for(caseworker)

    assert banner(c.get(change_url(incident))) == [
        locks.banner_text(EditLock.objects.get(user=alice))
    ]
    assert not EditLock.objects.filter(user=caseworker).exists()
    assert c.post(editing_url(incident), {"action": "heartbeat"}).status_code == 403
    assert not EditLock.objects.filter(user=caseworker).exists()


def test_anonymous_and_non_staff_are_sent_to_the_login_page():
    incident = published_incident(status=Status.IN_REVIEW)
    anonymous = Client()
    outsider = Client()
    outsider.force_login(UserFactory(is_staff=False))
    for client in (anonymous, outsider):
        response = client.post(editing_url(incident), {"action": "heartbeat"})
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
    assert not EditLock.objects.exists()


def test_the_heartbeat_needs_the_csrf_token(alice):
    incident = published_incident(status=Status.IN_REVIEW)
    client = Client(enforce_csrf_checks=True)
    verified_login(client, alice)
    response = client.post(editing_url(incident), {"action": "heartbeat"})
    assert response.status_code == 403
    assert not EditLock.objects.exists()


@pytest.mark.parametrize(
    ("path", "data", "status"),
    [
        ("{pk}/editing/", {"action": "takeover"}, 400),
        ("{pk}/editing/", {}, 400),
        ("not-a-number/editing/", {"action": "heartbeat"}, 400),
        ("99999999/editing/", {"action": "heartbeat"}, 404),
    ],
)
def test_bad_input_is_a_4xx(alice, path, data, status):
    incident = published_incident(status=Status.IN_REVIEW)
    url = reverse("admin:incidents_incident_changelist") + path.format(pk=incident.pk)
    assert client_for(alice).post(url, data).status_code == status


def test_a_get_is_refused(alice):
    incident = published_incident(status=Status.IN_REVIEW)
    assert client_for(alice).get(editing_url(incident)).status_code == 405


def test_the_banner_costs_one_query(alice, bob):
    """Reading who else is editing is one query; recording one's own lock is one more (an
    upsert), and nothing depends on how many are editing."""
    incident = published_incident(status=Status.IN_REVIEW)
    b = client_for(bob)
    b.get(change_url(incident))  # per-session lookups

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert b.get(change_url(incident)).status_code == 200
        return len([q for q in ctx.captured_queries if "incidents_editlock" in q["sql"]])

    assert queries() == 2  # read + upsert
    for n in range(4):
        client_for(staff("Editor", username=f"colleague{n}")).get(change_url(incident))
    assert queries() == 2
