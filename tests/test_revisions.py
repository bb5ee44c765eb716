"""Revisions of published incidents (services.revisions): the live version stays on every
public output until an editor publishes the reviewed change; substantive changes carry a
dated public correction notice, minor ones none; review comments stay with staff."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from incidents.models import DetaineeGroup, Incident, IncidentRevision, ReviewComment, Status
from incidents.services import Edit, incident_transition, save_incident
from incidents.services.revisions import (
    discard_revision,
    pending_changes,
    publish_revision,
    start_revision,
)
from tests.factories import IncidentFactory, published_incident
from tests.roles import staff
from tests.test_admin import page_data

pytestmark = pytest.mark.django_db

NOTICE = "The number arrested was 27, not 29."


@pytest.fixture
def people():
    return staff("Caseworker", username="cw", email="cw@example.org"), staff(
        "Editor", username="ed", email="ed@example.org"
    )


@pytest.fixture
def live():
    incident = published_incident(title="Twenty-nine arrested in Shenyang", groups=1)
    DetaineeGroup.objects.filter(incident=incident).update(size_value=29, size_qualifier="exact")
    return Incident.objects.get(pk=incident.pk)


def propose(live, user, *, title="Twenty-seven arrested in Shenyang", size=27):
    copy = start_revision(incident=live, user=user)
    group = copy.groups.get()
    save_incident(
        user=user,
        pk=copy.pk,
        values={"title": title},
        children=[Edit(DetaineeGroup, pk=group.pk, values={"size_value": size})],
    )
    return incident_transition(incident=copy, name="submit", user=user, notify=False)


def public_text(slug: str) -> dict[str, str]:
    client = Client()

    def text(url):
        response = client.get(url)
        assert response.status_code == 200, url
        body = b"".join(response.streaming_content) if response.streaming else response.content
        return body.decode("utf-8-sig")

    return {
        "detail": text(f"/incidents/{slug}/"),
        "list": text("/incidents/"),
        "feed": text("/feeds/incidents.atom"),
        "csv": text("/incidents/export.csv"),
        "json": text("/incidents/export.json"),
        "api": text("/api/incidents/"),
        "api_detail": text(f"/api/incidents/{slug}/"),
        "statistics": text("/statistics/"),
        "timeline": text("/timeline/"),
    }


def test_the_live_version_stays_public_until_the_revision_is_published(live, people):
    caseworker, editor = people
    copy = propose(live, caseworker)

    for where, text in public_text(live.slug).items():
        assert "Twenty-seven" not in text, where
        if where not in ("statistics",):
            assert "Twenty-nine arrested in Shenyang" in text, where
    assert Client().get(f"/incidents/{copy.slug}/").status_code == 404
    record = json.loads(public_text(live.slug)["api_detail"])
    assert record["groups"][0]["size"]["value"] == 29 and record["corrected_at"] is None

    revision = publish_revision(working_copy=copy, user=editor, notice=NOTICE)

    texts = public_text(live.slug)
    for where in ("detail", "list", "feed", "csv", "json", "api", "api_detail", "timeline"):
        assert "Twenty-seven arrested in Shenyang" in texts[where], where
        assert "Twenty-nine arrested" not in texts[where], where
    record = json.loads(texts["api_detail"])
    assert record["groups"][0]["size"]["value"] == 27
    assert record["corrected_at"].startswith(revision.published_at.date().isoformat())
    assert f"Corrected {revision.published_at:%-d %B %Y}:" in texts["detail"]
    assert NOTICE in texts["detail"]
    assert "Correction: Twenty-seven arrested in Shenyang" in texts["feed"]
    rows = list(csv.DictReader(io.StringIO(texts["csv"])))
    assert rows[0]["incident_corrected_at"].startswith(revision.published_at.date().isoformat())
    assert not Incident.objects.filter(pk=copy.pk).exists()


def test_a_minor_revision_has_no_notice(live, people):
    caseworker, editor = people
    copy = start_revision(incident=live, user=caseworker)
    save_incident(user=caseworker, pk=copy.pk, values={"title": "Twenty-nine arrested, Shenyang"})
    copy = incident_transition(incident=copy, name="submit", user=caseworker, notify=False)

    publish_revision(working_copy=copy, user=editor, minor=True, notice="ignored when minor")

    texts = public_text(live.slug)
    assert "Twenty-nine arrested, Shenyang" in texts["detail"]
    assert "Corrected" not in texts["detail"] and "ignored when minor" not in texts["detail"]
    assert "Correction:" not in texts["feed"]
    assert json.loads(texts["api_detail"])["corrected_at"] is None


def test_a_substantive_change_needs_a_notice_unless_minor(live, people):
    caseworker, editor = people
    copy = propose(live, caseworker)
    with pytest.raises(ValidationError, match="correction notice"):
        publish_revision(working_copy=copy, user=editor)
    assert Incident.objects.get(pk=live.pk).title == "Twenty-nine arrested in Shenyang"
    publish_revision(working_copy=copy, user=editor, minor=True)
    assert Incident.objects.get(pk=live.pk).title == "Twenty-seven arrested in Shenyang"


def test_a_change_to_a_confidential_claim_alone_is_never_announced(live, people):
    """The notice rule reads the public record: what readers cannot see changed needs none."""
    _caseworker, editor = people
    copy = start_revision(incident=live, user=editor)
    save_incident(user=editor, pk=copy.pk, values={"notes_internal": "Family reached Seoul"})
    copy = incident_transition(incident=copy, name="submit", user=editor, notify=False)
    before = Incident.objects.get(pk=live.pk).updated_at
    revision = publish_revision(working_copy=copy, user=editor)
    assert not revision.substantive and not revision.is_public_notice
    assert Incident.objects.get(pk=live.pk).updated_at == before


def test_only_editors_publish_and_caseworkers_cannot_edit_a_submitted_revision(live, people):
    caseworker, editor = people
    copy = propose(live, caseworker)
    with pytest.raises(PermissionDenied):
        publish_revision(working_copy=copy, user=caseworker, notice=NOTICE)
    with pytest.raises(PermissionDenied):
        save_incident(user=caseworker, pk=copy.pk, values={"title": "Sneaked in"})
    with pytest.raises(PermissionDenied):
        save_incident(user=editor, pk=live.pk, values={"title": "In place"})
    assert Incident.objects.get(pk=live.pk).title == "Twenty-nine arrested in Shenyang"


def test_a_working_copy_can_never_be_published_itself(live, people):
    _caseworker, editor = people
    copy = propose(live, editor)
    with pytest.raises(ValidationError, match="pending revision"):
        incident_transition(incident=copy, name="publish", user=editor)
    with pytest.raises(IntegrityError), transaction.atomic():
        Incident.objects.filter(pk=copy.pk).update(status=Status.PUBLISHED)
    with pytest.raises(IntegrityError), transaction.atomic():
        IncidentFactory(revision_of=live, slug="second-copy", status=Status.DRAFT)


def test_a_revision_of_a_live_record_that_changed_since_is_refused(live, people):
    _caseworker, editor = people
    copy = propose(live, editor)
    incident_transition(incident=live, name="unpublish", user=editor, notify=False)
    with pytest.raises(ValidationError, match="no longer published"):
        publish_revision(working_copy=copy, user=editor, notice=NOTICE)
    incident_transition(incident=live, name="archive", user=editor, notify=False)
    incident_transition(incident=live, name="publish", user=editor, notify=False)
    with pytest.raises(ValidationError, match="changed after this revision was started"):
        publish_revision(working_copy=copy, user=editor, notice=NOTICE)
    assert Incident.objects.get(pk=live.pk).title == "Twenty-nine arrested in Shenyang"


def test_a_stale_review_page_cannot_publish(live, people):
    caseworker, editor = people
    copy = propose(live, caseworker)
    seen = copy.version
    incident_transition(incident=copy, name="return_to_draft", user=editor, notify=False)
    save_incident(user=caseworker, pk=copy.pk, values={"title": "Twenty-eight arrested"})
    copy = incident_transition(incident=copy, name="submit", user=caseworker, notify=False)
    from incidents.services import Conflict

    with pytest.raises(Conflict):
        publish_revision(working_copy=copy, user=editor, notice=NOTICE, expected_version=seen)


def test_history_keeps_both_and_the_proposer_hears_of_the_publication(
    live, people, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    caseworker, editor = people
    copy = propose(live, caseworker)
    with django_capture_on_commit_callbacks(execute=True):
        revision = publish_revision(working_copy=copy, user=editor, notice=NOTICE)
    reasons = list(
        Incident.history.filter(id=live.pk).values_list("history_change_reason", flat=True)
    )
    assert "Revision #1 published" in reasons
    assert any(r and r.startswith("Change proposed (pending revision") for r in reasons)
    copy_history = Incident.history.filter(id=copy.pk)
    assert copy_history.filter(history_type="-").exists()  # the proposal's own history stays
    assert revision.proposed_by == caseworker and revision.published_by == editor
    assert revision.before["title"] == "Twenty-nine arrested in Shenyang"
    assert revision.after["title"] == "Twenty-seven arrested in Shenyang"
    assert ["groups[1].size", "29", "27", True] in revision.changes
    [message] = mail.outbox  # to the proposer, with the live incident's link, no contents
    assert message.to == ["cw@example.org"]
    assert reverse("admin:incidents_incident_change", args=[live.pk]) in message.body
    assert "Twenty" not in message.body + message.subject


def test_discarding(live, people):
    caseworker, editor = people
    other = staff("Caseworker", username="other-cw")
    copy = start_revision(incident=live, user=caseworker)
    with pytest.raises(PermissionDenied):
        discard_revision(working_copy=copy, user=other)
    discard_revision(working_copy=copy, user=caseworker)
    assert not Incident.objects.filter(pk=copy.pk).exists()
    copy = propose(live, caseworker)
    with pytest.raises(PermissionDenied):  # submitted: its proposer no longer discards it
        discard_revision(working_copy=copy, user=caseworker)
    discard_revision(working_copy=copy, user=editor)
    assert Incident.objects.get(pk=live.pk).title == "Twenty-nine arrested in Shenyang"


def test_the_diff_is_field_by_field(live, people):
    caseworker, _editor = people
    copy = propose(live, caseworker)
    changes = {c.path: (c.before, c.after, c.substantive) for c in pending_changes(copy)}
    assert changes == {
        "title": ("Twenty-nine arrested in Shenyang", "Twenty-seven arrested in Shenyang", False),
        "groups[1].size": ("29", "27", True),
    }


# -- the admin ------------------------------------------------------------------------------------
def admin(name, *args):
    return reverse(f"admin:incidents_incident_{name}", args=args)


def test_the_admin_journey(client, login, live, people):
    """Caseworker proposes from the read-only page, edits, submits; the editor reads the
    diff, returns it with comments (one per field); the caseworker reads them, fixes, submits;
    the editor publishes with a notice."""
    caseworker, editor = people
    login(caseworker)
    page = client.get(admin("change", live.pk)).content.decode()
    assert "Propose a change" in page and 'name="title"' not in page
    response = client.post(admin("revise", live.pk))
    copy = Incident.objects.get(revision_of=live)
    assert response["Location"] == admin("change", copy.pk)
    data = page_data(client.get(admin("change", copy.pk)))
    data |= {"title": "Twenty-seven arrested in Shenyang", "groups-0-size_value": "27"}
    assert client.post(admin("change", copy.pk), data).status_code == 302
    copy.refresh_from_db()
    client.post(admin("transition", copy.pk, "submit"), {"version": copy.version})
    copy.refresh_from_db()
    assert copy.status == Status.IN_REVIEW
    assert 'name="publish"' not in client.get(admin("review", copy.pk)).content.decode()

    login(editor)
    review = client.get(admin("review", copy.pk)).content.decode()
    assert 'data-path="title"' in review and 'data-path="groups[1].size"' in review
    assert "Twenty-nine arrested in Shenyang" in review and "Twenty-seven" in review
    response = client.post(
        admin("review_step", copy.pk, "return"),
        {"version": copy.version, "comment": "Which source says 27?",
         "comment__groups[1].size": "Cite the VOA report"},
    )  # fmt: skip
    copy.refresh_from_db()
    assert copy.status == Status.DRAFT
    assert set(ReviewComment.objects.filter(incident=copy).values_list("field", "text")) == {
        ("", "Which source says 27?"),
        ("groups[1].size", "Cite the VOA report"),
    }

    login(caseworker)
    page = client.get(admin("change", copy.pk)).content.decode()
    assert "Which source says 27?" in page and "Cite the VOA report" in page
    assert "Which source says 27?" not in Client().get(live.get_absolute_url()).content.decode()
    client.post(admin("transition", copy.pk, "submit"), {"version": copy.version})
    copy.refresh_from_db()

    login(editor)
    response = client.post(admin("review_step", copy.pk, "publish"), {"version": copy.version})
    assert IncidentRevision.objects.count() == 0  # no notice for a substantive change: refused
    response = client.post(
        admin("review_step", copy.pk, "publish"), {"version": copy.version, "notice": NOTICE}
    )
    assert response["Location"] == admin("change", live.pk)
    assert NOTICE in Client().get(live.get_absolute_url()).content.decode()
    # The comments follow the record, for its history.
    assert ReviewComment.objects.filter(incident=live).count() == 3


def test_returning_a_draft_needs_a_comment(client, login, people):
    _caseworker, editor = people
    incident = published_incident(status=Status.IN_REVIEW)
    login(editor)
    url = admin("transition", incident.pk, "return_to_draft")
    client.post(url, {"version": incident.version, "comment": "  "})
    assert Incident.objects.get(pk=incident.pk).status == Status.IN_REVIEW
    client.post(url, {"version": incident.version, "comment": "Dates?", "comment_field": "date"})
    assert Incident.objects.get(pk=incident.pk).status == Status.DRAFT
    assert ReviewComment.objects.get(incident=incident).field == "date"


def test_working_copies_stay_out_of_the_list_and_the_restore_page(client, login, live, people):
    _caseworker, editor = people
    copy = propose(live, editor)
    login(staff("Administrator", username="adm"))
    listing = client.get(admin("changelist")).content.decode()
    assert admin("change", copy.pk) not in listing and admin("change", live.pk) in listing
    revisions = client.get(admin("changelist"), {"kind": "revisions"}).content.decode()
    assert admin("change", copy.pk) in revisions and admin("change", live.pk) not in revisions
    discard_revision(working_copy=copy, user=editor)
    assert copy.slug not in client.get(admin("deleted")).content.decode()


def test_review_pages_bad_input(client, login, live, people):
    _caseworker, editor = people
    login(editor)
    assert client.get(admin("review", live.pk)).status_code == 404  # not a revision
    assert client.get(admin("review", 999999)).status_code in (302, 404)
    copy = propose(live, editor)
    response = client.post(admin("review_step", copy.pk, "explode"), {"version": "x"})
    assert response.status_code == 404
    response = client.post(admin("review_step", copy.pk, "publish"), {"version": "mangled"})
    assert response.status_code == 302 and Incident.objects.filter(pk=copy.pk).exists()
    assert client.get(admin("review_step", copy.pk, "publish")).status_code == 405


def test_the_review_page_costs_the_same_queries_whatever_the_size(client, login, people):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _caseworker, editor = people
    login(editor)

    def queries(groups):
        live = published_incident(groups=groups)
        copy = start_revision(incident=live, user=editor)
        url = admin("review", copy.pk)
        client.get(url)  # per-session lookups
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx)

    assert queries(1) == queries(6)


def test_an_import_leaves_a_published_incident_alone(live, people):
    from incidents.importer import import_document
    from incidents.interchange import FULL, export_queryset, incident_record

    _caseworker, editor = people
    record = incident_record(export_queryset(Incident.objects.filter(pk=live.pk), FULL).get(), FULL)
    record = json.loads(json.dumps(record, default=str))
    doc = {"format": "refoulement-watch", "version": 2, "scope": FULL, "incidents": [record]}
    assert import_document(doc, user=editor).ok  # identical: unchanged
    report = import_document(doc | {"incidents": [record | {"title": "From a file"}]}, user=editor)
    assert not report.ok
    assert any("goes through a revision" in p.message for p in report.problems)
    assert Incident.objects.get(pk=live.pk).title == "Twenty-nine arrested in Shenyang"
    assert not mail.outbox


def test_a_caseworker_proposes_a_change_to_an_incident_published_after_an_embargo(live, people):
    """The embargo time stays on the live record; the working copy does not carry it (only
    editors set one), and publishing the revision leaves it as it was."""
    caseworker, editor = people
    from datetime import UTC, datetime

    ended = datetime(2026, 1, 1, tzinfo=UTC)
    Incident.objects.filter(pk=live.pk).update(publish_not_before=ended)
    copy = propose(Incident.objects.get(pk=live.pk), caseworker)
    assert copy.publish_not_before is None
    publish_revision(working_copy=copy, user=editor, notice=NOTICE)
    assert Incident.objects.get(pk=live.pk).publish_not_before == ended
