"""/admin/urgent/: the staff urgent board, with restricted details, logged."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents.models import StaffAccessLog
from tests.factories import CitationFactory, SourceFactory, UserFactory, published_incident
from tests.roles import staff

pytestmark = pytest.mark.django_db
URL = "/admin/urgent/"


@pytest.fixture(autouse=True)
def everything_is_recent(monkeypatch):
    """The rows, not the tabs (tests/test_views_urgent.py tests the window): one tab."""
    from incidents import urgent

    monkeypatch.setattr(urgent, "RECENT_DAYS", 365 * 200)


@pytest.fixture
def cases():
    published = published_incident(title="Published detained case")
    published.groups.update(notes_internal="GROUP-NOTE-MARKER")
    draft = published_incident(title="Draft detained case", status="draft")
    CitationFactory(incident=draft, source=SourceFactory(title="Informant K", confidential=True))
    archived = published_incident(title="Archived case", status="archived")
    released = published_incident(title="Released case")
    released.groups.update(outcome="released_to_south_korea")
    return published, draft, archived, released


def test_caseworker_sees_drafts_and_restricted_details(login, cases):
    response = login(staff("Caseworker")).get(URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Published detained case" in body and "Draft detained case" in body
    assert "GROUP-NOTE-MARKER" in body  # restricted, but this is the staff board
    assert "[confidential] Informant K" in body
    assert "Archived case" not in body and "Released case" not in body


def test_each_view_is_logged_without_values(login, cases):
    client = login(staff("Editor"))
    client.get(URL)
    client.get(URL)
    entries = StaffAccessLog.objects.filter(model="incidents.UrgentBoard")
    assert entries.count() == 2
    for entry in entries:
        assert "GROUP-NOTE-MARKER" not in f"{entry.object_repr} {entry.object_id}"


def test_outsiders_are_refused(client, login, cases):
    assert client.get(URL).status_code == 302  # anonymous: to the login page
    assert login(UserFactory(is_staff=True)).get(URL).status_code == 403  # no view permission
    unverified = login(staff("Editor"), verified=False).get(URL)
    assert unverified.status_code == 302  # password only, 2FA required


def test_query_count_is_constant(login, cases):
    """Queries: session/user/device (2FA), at-risk groups, events, citations, the log insert."""
    client = login(staff("Editor"))
    client.get(URL)
    for _ in range(8):
        published_incident(groups=2)
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    for _ in range(8):
        published_incident(groups=2)
    with CaptureQueriesContext(connection) as many:
        client.get(URL)
    assert len(many) == len(few)


def test_linked_from_the_incident_list(login, cases):
    body = login(staff("Caseworker")).get("/admin/incidents/incident/").content.decode()
    assert 'href="/admin/urgent/"' in body


def test_the_staff_board_is_paginated_and_logs_the_page(login, cases, monkeypatch):
    from incidents import admin_urgent

    monkeypatch.setattr(admin_urgent, "BOARD_PAGE_SIZE", 1)
    client = login(staff("Editor"))
    first = client.get(URL).content.decode()
    second = client.get(URL, {"page": 2}).content.decode()
    assert "Page 1 of 2 (2 groups)" in first and "Page 2 of 2 (2 groups)" in second
    shown = [("Published detained case" in page, "Draft detained case" in page)
             for page in (first, second)]  # fmt: skip
    assert sorted(shown) == [(False, True), (True, False)]
    logged = StaffAccessLog.objects.filter(model="incidents.UrgentBoard").order_by("pk")
    assert [e.object_repr for e in logged] == [
        "staff urgent board (recent), page 1 of 2 (1 of 2 groups)",
        "staff urgent board (recent), page 2 of 2 (1 of 2 groups)",
    ]


def test_the_staff_board_has_the_never_reported_tab(login, cases, monkeypatch):
    from incidents import urgent

    monkeypatch.setattr(urgent, "RECENT_DAYS", 1)  # every case here is older than a day
    client = login(staff("Editor"))
    recent = client.get(URL).content.decode()
    never = client.get(URL, {"tab": "never_reported"}).content.decode()
    assert "Published detained case" not in recent and "Draft detained case" not in recent
    assert "Published detained case" in never and "Draft detained case" in never
    assert client.get(URL, {"tab": "bogus"}).status_code == 400
