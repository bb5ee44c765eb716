"""The staff desk (/admin/, incidents/desk.py): each section's rows for a caseworker and an
editor, the staleness window of the urgent follow-ups, the cost in queries (the same whatever
the size of the record) and who gets in."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from incidents import desk
from incidents.models import DatePrecision, Incident, ReviewComment, Status
from incidents.services import incident_transition
from incidents.services.revisions import start_revision
from tests.factories import (
    CitationFactory,
    CustodyEventFactory,
    DetaineeGroupFactory,
    IncidentFactory,
    SourceFactory,
    UserFactory,
    published_incident,
)
from tests.roles import staff

pytestmark = pytest.mark.django_db
URL = "/admin/"


@pytest.fixture
def people():
    return {
        "cw": staff("Caseworker", username="cw"),
        "other": staff("Caseworker", username="colleague"),
        "ed": staff("Editor", username="ed"),
    }


def by(user, incident: Incident) -> Incident:
    """`incident` as if `user` had written it: every history record so far is theirs."""
    Incident.history.filter(id=incident.pk).update(history_user=user)
    return incident


def draft_by(user, title: str, **kwargs) -> Incident:
    return by(user, published_incident(title=title, status=Status.DRAFT, **kwargs))


def section(body: str, key: str) -> str | None:
    """The HTML of the desk's section `key`, or None if the page has none."""
    found = re.search(rf'<section[^>]*id="{key}".*?</section>', body, re.S)
    return found.group(0) if found else None


def titles_in(html: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="[^"]*">([^<]*)</a>', html)


def desk_of(login, user) -> str:
    response = login(user).get(URL)
    assert response.status_code == 200
    return response.content.decode()


def days_ago(days: int) -> dict:
    day = timezone.localdate() - datetime.timedelta(days=days)
    return {"date_earliest": day, "date_latest": day, "date_precision": DatePrecision.DAY}


# -- who gets in -------------------------------------------------------------------------------


def test_anonymous_is_sent_to_the_login_page(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_non_staff_and_password_only_staff_are_refused(login, people):
    outsider = login(UserFactory(is_staff=False)).get(URL)
    assert outsider.status_code == 302 and "/admin/login/" in outsider["Location"]
    unverified = login(staff("Editor"), verified=False).get(URL)
    assert unverified.status_code == 302  # 2FA required


def test_staff_without_permissions_see_an_empty_desk_and_the_models(login):
    body = desk_of(login, UserFactory(is_staff=True))
    assert "Nothing on your desk" in body and 'id="all-models"' in body
    assert section(body, "my-drafts") is None and section(body, "recent-changes") is None


def test_the_list_of_models_stays_below_the_desk(login, people):
    body = desk_of(login, people["cw"])
    assert 'href="#all-models"' in body and 'id="all-models"' in body
    assert body.index('id="my-drafts"') < body.index('id="all-models"')
    assert "/admin/incidents/incident/" in body[body.index('id="all-models"') :]


def test_every_section_has_an_empty_state(login, people):
    body = desk_of(login, people["ed"])
    for key in ("my-drafts", "returned-to-me", "my-revisions", "awaiting-review",
                "urgent-follow-ups", "recent-changes"):  # fmt: skip
        html = section(body, key)
        assert html is not None and 'class="desk-empty"' in html, key


# -- the viewer's own work ---------------------------------------------------------------------


def test_my_drafts_are_mine_and_drafts_only(login, people):
    draft_by(people["cw"], "My draft in Yanji")
    draft_by(people["other"], "Colleague's draft in Tumen")
    by(people["cw"], published_incident(title="My published case"))
    body = desk_of(login, people["cw"])
    assert titles_in(section(body, "my-drafts")) == ["My draft in Yanji"]
    assert "?status__exact=draft&amp;author=me" in section(body, "my-drafts")
    assert "Colleague's draft" not in section(body, "returned-to-me")


def test_the_see_all_link_lists_my_drafts(login, people):
    draft_by(people["cw"], "My draft in Yanji")
    draft_by(people["other"], "Colleague's draft in Tumen")
    client = login(people["cw"])
    body = client.get("/admin/incidents/incident/?status__exact=draft&author=me").content.decode()
    assert "My draft in Yanji" in body and "Colleague's draft in Tumen" not in body


def test_a_returned_draft_shows_its_latest_comment_until_resubmitted(login, people):
    cw, ed = people["cw"], people["ed"]
    incident = draft_by(cw, "Returned draft")
    draft_by(cw, "Untouched draft")
    incident_transition(incident=incident, name="submit", user=cw, notify=False)
    incident_transition(incident=incident, name="return_to_draft", user=ed, notify=False,
                        comment="Cite a second source for the figure.")  # fmt: skip
    html = section(desk_of(login, cw), "returned-to-me")
    assert titles_in(html) == ["Returned draft"]
    assert "Cite a second source for the figure." in html and "ed" in html
    # The colleague sees neither the comment nor the draft as theirs (the shared sections,
    # urgent follow-ups and recent changes, list it: every caseworker may open it).
    other = desk_of(login, people["other"])
    assert "Cite a second source" not in other
    assert titles_in(section(other, "returned-to-me") + section(other, "my-drafts")) == []

    incident_transition(incident=incident, name="submit", user=cw, notify=False)
    assert titles_in(section(desk_of(login, cw), "returned-to-me")) == []
    incident_transition(incident=incident, name="return_to_draft", user=ed, notify=False,
                        field_comments={"title": "Name the city in the title."})  # fmt: skip
    html = section(desk_of(login, cw), "returned-to-me")
    assert "Name the city in the title." in html and "Cite a second source" not in html
    assert ReviewComment.objects.filter(incident=incident).count() == 2


def test_my_pending_revisions_link_to_their_review_page(login, people):
    live = published_incident(title="Live case in Shenyang")
    copy = start_revision(incident=live, user=people["cw"])
    start_revision(incident=published_incident(title="Someone else's"), user=people["other"])
    html = section(desk_of(login, people["cw"]), "my-revisions")
    assert titles_in(html) == ["Live case in Shenyang"]
    assert f"/admin/incidents/incident/{copy.pk}/review/" in html and "Draft" in html
    assert "?kind=revisions&amp;author=me" in html
    # A working copy is no draft of mine: it is listed as a revision only.
    assert titles_in(section(desk_of(login, people["cw"]), "my-drafts")) == []


# -- editors -----------------------------------------------------------------------------------


def test_the_review_queue_is_the_editors_oldest_submission_first(login, people):
    cw, ed = people["cw"], people["ed"]
    first = draft_by(cw, "Submitted first")
    incident_transition(incident=first, name="submit", user=cw, notify=False)
    copy = start_revision(incident=published_incident(title="Live case"), user=cw)
    incident_transition(incident=copy, name="submit", user=cw, notify=False)
    last = draft_by(people["other"], "Submitted last")
    incident_transition(incident=last, name="submit", user=people["other"], notify=False)
    # History dates decide the order, not the primary keys.
    Incident.history.filter(id=first.pk, status=Status.IN_REVIEW).update(
        history_date=timezone.now() - datetime.timedelta(days=3)
    )
    html = section(desk_of(login, ed), "awaiting-review")
    assert titles_in(html) == ["Submitted first", copy.title, "Submitted last"]
    assert "revision of “Live case”" in html
    assert f"/admin/incidents/incident/{copy.pk}/review/" in html
    assert "/admin/incidents/reviewqueueitem/" in html
    assert section(desk_of(login, cw), "awaiting-review") is None  # editors only


# -- everyone ----------------------------------------------------------------------------------


def at_risk(title: str, *, arrested: int, news: int | None = None, source: int | None = None):
    """A published incident with one detained group arrested `arrested` days ago, a later
    event `news` days ago and a source dated `source` days ago (None: none)."""
    incident = IncidentFactory(title=title, **days_ago(arrested))
    group = DetaineeGroupFactory(incident=incident)
    CustodyEventFactory(group=group, **days_ago(arrested))
    if news is not None:
        CustodyEventFactory(group=group, kind="reported", location=None, **days_ago(news))
    if source is not None:
        CitationFactory(incident=incident, source=SourceFactory(**days_ago(source)))
    return incident


def test_urgent_follow_ups_are_groups_without_recent_news(login, people):
    at_risk("Arrested 400 days ago, news 10 days ago", arrested=400, news=10)
    at_risk("Arrested 400 days ago, a source 10 days ago", arrested=400, source=10)
    at_risk("Arrested 20 days ago", arrested=20)
    at_risk("Arrested 300 days ago, news 200 days ago", arrested=300, news=200)
    at_risk("Arrested 250 days ago, a source 200 days ago", arrested=250, source=200)
    released = at_risk("Released long ago", arrested=500)
    released.groups.update(outcome="released_to_south_korea")
    draft_by(people["other"], "Draft, arrested 900 days ago", **days_ago(900)).groups.update(
        outcome="unknown"
    )
    html = section(desk_of(login, people["cw"]), "urgent-follow-ups")
    assert titles_in(html) == [  # newest arrests first
        "Arrested 250 days ago, a source 200 days ago",
        "Arrested 300 days ago, news 200 days ago",
        "Draft, arrested 900 days ago",
    ]
    assert "/admin/urgent/?tab=never_reported" in html
    assert str(desk.FOLLOW_UP_AFTER_DAYS) in html


def test_urgent_follow_ups_are_limited(login, people, monkeypatch):
    monkeypatch.setattr(desk, "ROWS", 2)
    for n in range(4):
        at_risk(f"Stale case {n}", arrested=300 + n)
    html = section(desk_of(login, people["cw"]), "urgent-follow-ups")
    assert titles_in(html) == ["Stale case 0", "Stale case 1"]


def test_recent_changes_are_by_others(login, people):
    by(people["other"], IncidentFactory(title="Changed by a colleague", status=Status.DRAFT))
    by(people["cw"], IncidentFactory(title="Changed by me", status=Status.DRAFT))
    html = section(desk_of(login, people["cw"]), "recent-changes")
    assert "Changed by a colleague" in html and "by colleague" in html
    assert "Changed by me" not in html
    assert "Changed by me" in section(desk_of(login, people["other"]), "recent-changes")


# -- cost ---------------------------------------------------------------------------------------

# What every admin page costs before the view runs, and the session written after it (the
# sliding idle timeout): not the desk's.
REQUEST_OVERHEAD = re.compile(
    r'django_session|FROM "auth_user" WHERE|otp_totp_totpdevice|^(SAVEPOINT|RELEASE SAVEPOINT)'
)


def dataset(people, n: int) -> None:
    """`n` of everything each section lists, for both viewers."""
    cw, other, ed = people["cw"], people["other"], people["ed"]
    for i in range(n):
        mine = draft_by(cw, f"My draft {n}-{i}")
        incident_transition(incident=mine, name="submit", user=cw, notify=False)
        incident_transition(incident=mine, name="return_to_draft", user=ed, notify=False,
                            comment=f"Comment {i}")  # fmt: skip
        theirs = draft_by(other, f"Their draft {n}-{i}")
        incident_transition(incident=theirs, name="submit", user=other, notify=False)
        live = published_incident(title=f"Live {n}-{i}")
        start_revision(incident=live, user=cw if i % 2 else other)
        at_risk(f"Stale {n}-{i}", arrested=300 + i)


def desk_queries(client) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL)
    assert response.status_code == 200
    own = [q["sql"] for q in queries.captured_queries if not REQUEST_OVERHEAD.search(q["sql"])]
    return len(queries), len(own)


@pytest.mark.parametrize("role", ["cw", "ed"])
def test_the_desk_costs_the_same_queries_whatever_the_size(login, people, role, monkeypatch):
    monkeypatch.setattr(desk, "ROWS", 5)  # the large dataset overflows every section
    client = login(people[role])
    client.get(URL)  # warm-up
    dataset(people, 2)
    small = desk_queries(client)
    dataset(people, 9)
    large = desk_queries(client)
    assert small == large
    total, own = large
    body = client.get(URL).content.decode()  # every section full, LIMIT in SQL
    # The desk's own queries: the viewer's permissions (two), then one per section (six for
    # an editor, five for a caseworker), and for editors the duplicates' scoring of the review
    # queue it already read (candidates, their groups and places: two more).
    sections = body.count('class="module desk-section"')
    scoring = 2 if role == "ed" else 0
    assert own == 2 + sections + scoring, own
    # The sections themselves: at most 10 (the permission lookups serve the model list too).
    assert own - 2 <= 10, own
    assert total == own + 6  # session, user, 2FA device; the session saved (and 2 savepoints)
    keys = ["my-drafts", "returned-to-me", "my-revisions", "urgent-follow-ups", "recent-changes"]
    if role == "ed":
        keys = ["awaiting-review", "urgent-follow-ups", "recent-changes"]
    for key in keys:
        assert len(titles_in(section(body, key))) == 5, key


def test_editors_see_possible_duplicates_of_what_awaits_review(login, people):
    from tests.factories import LocationFactory, region_place
    from tests.test_duplicates import incident, places  # noqa: F401 - the fixture's builder

    tumen = LocationFactory(name="Tumen", parent=region_place("CN", "Jilin"))
    recorded = incident("29 arrested in Tumen", tumen)
    new = incident("29 North Koreans arrested in Tumen", tumen, status=Status.IN_REVIEW)
    body = login(people["ed"]).get(URL).content.decode()
    found = section(body, "duplicates")
    assert found is not None and new.title in found and recorded.title in found
    assert "Compare and merge" in found
    assert section(login(people["cw"]).get(URL).content.decode(), "duplicates") is None
