"""Embargo ("publish not before"): an incident passes review, stays invisible everywhere
public, and is published by `manage.py publish_due` once its time has passed, never before.

Times are fixed (`publish_due(now=…)`), never waited for.
"""

from __future__ import annotations

import datetime
import io
import json
import threading

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import IntegrityError, connection, connections, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from incidents.importer import import_document
from incidents.interchange import FULL, export_queryset, incident_record
from incidents.models import Estimate, Incident, Status
from incidents.services import embargo as embargo_service
from incidents.services import incident_transition, publish_due, save_incident
from tests.conftest import verified_login
from tests.factories import CitationFactory, DetaineeGroupFactory, IncidentFactory
from tests.roles import ensure_roles, staff
from tests.test_admin import page_data
from tests.test_leaks import concrete, public_patterns

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)
TITLE = "EMBARGO-MARKER-TITLE"


@pytest.fixture
def editor():
    return staff("Editor", username="embargo-editor", email="editor@example.org")


@pytest.fixture
def caseworker():
    return staff("Caseworker", username="embargo-caseworker", email="case@example.org")


def ready(status=Status.IN_REVIEW, **kwargs) -> Incident:
    """An incident that may be published: a group and a non-confidential source."""
    kwargs.setdefault("title", TITLE)
    incident = IncidentFactory(status=status, **kwargs)
    DetaineeGroupFactory(incident=incident)
    CitationFactory(incident=incident)
    return incident


def scheduled(until, **kwargs) -> Incident:
    return ready(Status.SCHEDULED, publish_not_before=until, **kwargs)


def fresh(incident) -> Incident:
    return Incident.objects.get(pk=incident.pk)


def step(incident, name, user):
    return incident_transition(incident=incident, name=name, user=user)


def set_embargo(incident, until, user):
    return save_incident(user=user, pk=incident.pk, values={"publish_not_before": until}).instance


def client_for(user) -> Client:
    return verified_login(Client(), user)


def change_url(incident) -> str:
    return reverse("admin:incidents_incident_change", args=[incident.pk])


def embargo_reasons(incident) -> int:
    return incident.history.filter(history_change_reason="Published at end of embargo").count()


# -- never visible before its time -----------------------------------------------------------------
def every_public_body(client, slug: str) -> str:
    """Every public URL (the URL conf's, as test_leaks collects them), plain and searched."""
    bodies = []
    for route, _pattern in public_patterns():
        url = concrete(route, slug)
        # Searched by a word of the summary both incidents share: a search for the title would
        # be echoed back by the page itself.
        for params in ({}, {"q": "checkpoint"}):
            response = client.get(url, params)
            content = (
                b"".join(response.streaming_content) if response.streaming else response.content
            )
            bodies.append(content.decode("utf-8", errors="replace"))
    return "\n".join(bodies)


def test_a_scheduled_incident_is_on_no_public_output_until_published(client, editor):
    incident = ready(slug="embargoed-case", publish_not_before=timezone.now() + DAY)
    ready(title="Published neighbour", slug="published-neighbour", status=Status.PUBLISHED)
    step(incident, "schedule", editor)
    assert fresh(incident).status == Status.SCHEDULED

    body = every_public_body(client, incident.slug)
    assert "Published neighbour" in body  # the pages did list what is public
    assert TITLE not in body and "embargoed-case" not in body
    for route, _pattern in public_patterns():
        if "<slug:slug>" in route:  # its public URL is 404, like a draft's
            assert client.get(concrete(route, incident.slug)).status_code == 404

    # Even once its time has passed: hidden until the command has published it.
    assert TITLE not in every_public_body(client, incident.slug)

    publish_due(now=timezone.now() + 2 * DAY)
    assert fresh(incident).status == Status.PUBLISHED
    assert client.get("/incidents/embargoed-case/").status_code == 200
    assert TITLE in client.get("/incidents/").content.decode()


def test_the_command_publishes_only_once_the_time_has_passed(editor):
    until = timezone.now() + DAY
    incident = ready(publish_not_before=until)
    step(incident, "schedule", editor)

    for now in (until - DAY, until - datetime.timedelta(microseconds=1)):
        assert publish_due(now=now).published == []
        assert fresh(incident).status == Status.SCHEDULED

    result = publish_due(now=until)  # "not before": at the time itself it may
    assert [i.pk for i in result.published] == [incident.pk]
    stored = fresh(incident)
    assert stored.status == Status.PUBLISHED
    assert stored.published_at == until and stored.updated_at == until
    assert stored.version == incident.version + 2  # schedule, then publish
    record = stored.history.first()
    assert (record.history_change_reason, record.status) == (
        "Published at end of embargo",
        Status.PUBLISHED,
    )
    assert publish_due(now=until + DAY).published == []  # once


def test_publish_due_bumps_the_public_cache_and_tells_the_author(
    editor, caseworker, django_capture_on_commit_callbacks
):
    from incidents import cache as public_cache

    incident = scheduled(timezone.now() - HOUR)
    Incident.history.filter(id=incident.pk).update(history_user=caseworker)  # the author
    before = public_cache.version()
    with django_capture_on_commit_callbacks(execute=True):
        publish_due()
    assert public_cache.version() != before
    assert [m.to for m in mail.outbox] == [["case@example.org"]]
    assert f"#{incident.pk}" in mail.outbox[0].subject
    assert TITLE not in mail.outbox[0].body  # a workflow mail never carries contents
    assert "The publication schedule" in mail.outbox[0].body


def test_the_command_prints_what_it_published_and_exits_0():
    due = scheduled(timezone.now() - HOUR, slug="due-now")
    later = scheduled(timezone.now() + DAY, slug="due-later")
    out, err = io.StringIO(), io.StringIO()
    call_command("publish_due", stdout=out, stderr=err)
    assert f"Published incident #{due.pk} (/incidents/due-now/)" in out.getvalue()
    assert "due-later" not in out.getvalue() and err.getvalue() == ""
    assert fresh(later).status == Status.SCHEDULED
    out = io.StringIO()
    call_command("publish_due", stdout=out, verbosity=2)
    assert out.getvalue().strip() == "Nothing due."


def test_a_due_incident_that_lost_its_sources_stays_scheduled_and_is_reported():
    incident = scheduled(timezone.now() - HOUR)
    incident.citations.all().delete()
    err = io.StringIO()
    call_command("publish_due", stdout=io.StringIO(), stderr=err)
    assert fresh(incident).status == Status.SCHEDULED
    assert f"Incident #{incident.pk} is due but was not published" in err.getvalue()
    assert TITLE not in err.getvalue()  # not public yet: named by number only


# -- unscheduled or moved later meanwhile: the compare-and-set wins ------------------------------
def test_not_published_if_unscheduled_meanwhile(editor):
    incident = scheduled(timezone.now() + HOUR)
    step(incident, "unschedule", editor)
    assert publish_due(now=timezone.now() + DAY).published == []
    assert fresh(incident).status == Status.IN_REVIEW


def test_an_embargo_moved_later_takes_effect_for_the_command(editor):
    first, later = timezone.now() + HOUR, timezone.now() + 3 * DAY
    incident = scheduled(first)
    set_embargo(incident, later, editor)
    assert publish_due(now=first + HOUR).published == []
    assert fresh(incident).status == Status.SCHEDULED
    assert [i.pk for i in publish_due(now=later).published] == [incident.pk]


@pytest.mark.parametrize("meanwhile", ["moved_later", "unscheduled"])
def test_the_last_moment_change_wins_over_a_run_in_progress(editor, monkeypatch, meanwhile):
    """The worst interleaving: the run has listed the incident as due and read it; the
    editor's change commits before its UPDATE. The UPDATE's WHERE no longer matches."""
    incident = scheduled(timezone.now() + HOUR)
    real = embargo_service.publication_problems

    def editor_acts_now(current):
        if meanwhile == "moved_later":
            set_embargo(incident, timezone.now() + 5 * DAY, editor)
        else:
            step(incident, "unschedule", editor)
        return real(current)

    monkeypatch.setattr(embargo_service, "publication_problems", editor_acts_now)
    result = publish_due(now=timezone.now() + DAY)
    assert result.published == []
    stored = fresh(incident)
    assert stored.status == (Status.SCHEDULED if meanwhile == "moved_later" else Status.IN_REVIEW)
    assert stored.published_at is None and embargo_reasons(stored) == 0


def test_two_runs_interleaved_publish_each_incident_once(monkeypatch):
    """A second run starts and finishes inside the first one's window (after the first has
    listed and read the incident): the first's compare-and-set then finds nothing to do."""
    incidents = [scheduled(timezone.now() - HOUR) for _ in range(3)]
    real = embargo_service.publication_problems
    inner = []

    def second_run_now(current):
        if not inner:
            inner.append(None)  # the second run's own reads pass straight through
            inner[0] = publish_due()
        return real(current)

    monkeypatch.setattr(embargo_service, "publication_problems", second_run_now)
    outer = publish_due()
    published = [i.pk for i in outer.published] + [i.pk for i in inner[0].published]
    assert sorted(published) == sorted(i.pk for i in incidents)
    for incident in incidents:
        assert fresh(incident).status == Status.PUBLISHED
        assert embargo_reasons(incident) == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="real concurrent transactions need PostgreSQL"
)
def test_concurrent_commands_publish_each_incident_once():
    ensure_roles()
    incidents = [scheduled(timezone.now() - HOUR) for _ in range(20)]
    start = threading.Barrier(4)
    outputs, errors = [], []

    def run():
        out = io.StringIO()
        try:
            start.wait(10)
            call_command("publish_due", stdout=out)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            outputs.append(out.getvalue())
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    lines = [line for out in outputs for line in out.splitlines() if line.startswith("Published")]
    assert len(lines) == len(incidents)
    for incident in incidents:
        assert fresh(incident).status == Status.PUBLISHED
        assert embargo_reasons(incident) == 1


# -- the workflow rules --------------------------------------------------------------------------
def test_schedule_needs_a_time_still_ahead_and_a_publishable_incident(editor):
    with pytest.raises(ValidationError, match="Set “publish not before”"):
        step(ready(), "schedule", editor)
    with pytest.raises(ValidationError, match="has already passed"):
        step(ready(publish_not_before=timezone.now() - HOUR), "schedule", editor)
    bare = IncidentFactory(status=Status.IN_REVIEW, publish_not_before=timezone.now() + DAY)
    with pytest.raises(ValidationError, match="detainee group"):
        step(bare, "schedule", editor)
    with pytest.raises(ValidationError, match="Cannot schedule"):
        step(ready(Status.DRAFT, publish_not_before=timezone.now() + DAY), "schedule", editor)


def test_an_embargoed_incident_cannot_be_published_early_by_hand(editor):
    incident = ready(publish_not_before=timezone.now() + DAY)
    with pytest.raises(ValidationError, match="embargoed until"):
        step(incident, "publish", editor)
    assert fresh(incident).status == Status.IN_REVIEW
    # From scheduled there is no step to published at all: only publish_due.
    step(incident, "schedule", editor)
    with pytest.raises(ValidationError, match="Cannot publish"):
        step(incident, "publish", editor)
    # Cleared (by an editor, after unscheduling), it may be published at once.
    step(incident, "unschedule", editor)
    set_embargo(incident, None, editor)
    assert step(incident, "publish", editor).status == Status.PUBLISHED


def test_a_scheduled_incident_keeps_an_embargo(editor):
    incident = scheduled(timezone.now() + DAY)
    with pytest.raises(ValidationError) as refused:
        set_embargo(incident, None, editor)
    assert "unschedule it first" in " ".join(refused.value.messages)
    assert fresh(incident).publish_not_before is not None
    with pytest.raises(IntegrityError), transaction.atomic():  # and the database says so too
        Incident.objects.filter(pk=incident.pk).update(publish_not_before=None)


def test_caseworkers_cannot_set_clear_move_or_schedule(caseworker, editor):
    draft = ready(Status.DRAFT)
    with pytest.raises(PermissionDenied, match="Only editors"):
        set_embargo(draft, timezone.now() + DAY, caseworker)
    with pytest.raises(PermissionDenied, match="Only editors"):
        save_incident(
            user=caseworker, values={"title": "New", "publish_not_before": timezone.now()}
        )
    set_embargo(draft, timezone.now() + DAY, editor)  # an editor set it on a draft
    with pytest.raises(PermissionDenied, match="Only editors"):
        set_embargo(draft, None, caseworker)
    # The caseworker still edits the rest of the draft.
    save_incident(user=caseworker, pk=draft.pk, values={"title": "Edited"})
    step(draft, "submit", caseworker)
    with pytest.raises(PermissionDenied):
        step(draft, "schedule", caseworker)
    step(draft, "schedule", editor)
    with pytest.raises(PermissionDenied):
        set_embargo(draft, timezone.now() + 2 * DAY, caseworker)
    with pytest.raises(PermissionDenied):
        step(draft, "unschedule", caseworker)


def test_estimates_cannot_be_scheduled():
    field = Estimate._meta.get_field("status")
    assert Status.SCHEDULED not in dict(field.choices)


# -- the admin -------------------------------------------------------------------------------------
def test_editor_sets_the_embargo_and_schedules_on_the_change_page(editor):
    incident = ready()
    client = client_for(editor)
    page = client.get(change_url(incident))
    assert 'name="publish_not_before_0"' in page.content.decode()
    data = page_data(page)
    until = (timezone.now() + 2 * DAY).replace(second=0, microsecond=0)
    data["publish_not_before_0"] = until.strftime("%Y-%m-%d")
    data["publish_not_before_1"] = until.strftime("%H:%M:%S")
    response = client.post(change_url(incident), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert fresh(incident).publish_not_before == until

    page = client.get(change_url(incident)).content.decode()
    assert 'name="transition_schedule"' in page and 'id="embargo-note"' in page
    url = reverse("admin:incidents_incident_transition", args=[incident.pk, "schedule"])
    client.post(url, {"version": str(fresh(incident).version)})
    assert fresh(incident).status == Status.SCHEDULED
    page = client.get(change_url(incident)).content.decode()
    assert "Scheduled (embargoed) until" in page and 'name="transition_unschedule"' in page
    listing = client.get(reverse("admin:incidents_incident_changelist")).content.decode()
    assert "Scheduled (embargoed) until" in listing


def test_editor_moves_the_embargo_of_a_scheduled_incident_and_the_command_follows(editor):
    incident = scheduled(timezone.now() + HOUR)
    client = client_for(editor)
    data = page_data(client.get(change_url(incident)))
    later = (timezone.now() + 3 * DAY).replace(second=0, microsecond=0)
    data["publish_not_before_0"] = later.strftime("%Y-%m-%d")
    data["publish_not_before_1"] = later.strftime("%H:%M:%S")
    assert client.post(change_url(incident), data).status_code == 302
    assert fresh(incident).publish_not_before == later
    assert publish_due(now=later - HOUR).published == []
    assert [i.pk for i in publish_due(now=later).published] == [incident.pk]


def test_clearing_a_scheduled_incidents_embargo_on_the_page_is_a_message(editor):
    incident = scheduled(timezone.now() + HOUR)
    client = client_for(editor)
    data = page_data(client.get(change_url(incident)))
    data["publish_not_before_0"] = data["publish_not_before_1"] = ""
    response = client.post(change_url(incident), data)
    assert response.status_code == 200
    assert "unschedule it first" in response.content.decode()
    assert fresh(incident).publish_not_before is not None


def test_the_caseworker_sees_the_embargo_read_only(caseworker, editor):
    draft = ready(Status.DRAFT)
    set_embargo(draft, timezone.now() + DAY, editor)
    client = client_for(caseworker)
    page = client.get(change_url(draft))
    body = page.content.decode()
    assert 'name="publish_not_before_0"' not in body and "Publish not before" in body
    data = page_data(page)
    data["title"] = "Caseworker edit"
    data["publish_not_before_0"] = data["publish_not_before_1"] = ""  # ignored: read-only
    assert client.post(change_url(draft), data).status_code == 302
    stored = fresh(draft)
    assert stored.title == "Caseworker edit" and stored.publish_not_before is not None


# -- import and export -----------------------------------------------------------------------------
def document(*records) -> dict:
    return {"format": "refoulement-watch", "version": 2, "scope": FULL,
            "incidents": list(records)}  # fmt: skip


def record_of(incident) -> dict:
    obj = export_queryset(Incident.objects.filter(pk=incident.pk), FULL).get()
    return json.loads(json.dumps(incident_record(obj, FULL), default=str))


def test_the_full_export_carries_the_embargo_and_the_import_schedules(editor, caseworker):
    until = timezone.now() + DAY
    original = scheduled(until, slug="embargo-source")
    record = record_of(original)
    assert record["status"] == "scheduled" and record["publish_not_before"]
    for key in ("created_at", "updated_at", "staff_updated_at", "version", "published_at"):
        record.pop(key)
    record["slug"] = "embargo-imported"
    record["groups"] = [{**g, "claims": []} for g in record["groups"]]

    refused = import_document(document(record), user=caseworker)
    assert refused.problems and not Incident.objects.filter(slug="embargo-imported").exists()
    assert any("Only editors" in p.message for p in refused.problems), refused.problems

    report = import_document(document(record), user=editor)
    assert not report.problems, report.problems
    imported = Incident.objects.get(slug="embargo-imported")
    assert imported.status == Status.SCHEDULED and imported.publish_not_before == until


def test_an_import_cannot_publish_an_embargoed_incident_early(editor):
    incident = ready(Status.DRAFT, slug="embargo-early", publish_not_before=timezone.now() + DAY)
    record = {**record_of(incident), "status": "published"}
    report = import_document(document(record), user=editor)
    assert any("embargoed until" in p.message for p in report.problems), report.problems
    assert fresh(incident).status != Status.PUBLISHED


def test_a_record_restored_with_a_past_embargo_waits_for_the_command(editor):
    original = scheduled(timezone.now() + HOUR, slug="embargo-restored")
    record = record_of(original)
    original.delete()
    record["publish_not_before"] = (timezone.now() - HOUR).isoformat()  # passed meanwhile
    record["groups"] = [{**g, "claims": []} for g in record["groups"]]
    report = import_document(document(record), user=editor)
    assert not report.problems, report.problems
    restored = Incident.objects.get(slug="embargo-restored")
    assert restored.status == Status.SCHEDULED
    assert [i.pk for i in publish_due().published] == [restored.pk]


def test_the_csv_full_export_round_trips_the_embargo(editor):
    from incidents.importer import read_document
    from incidents.interchange import iter_csv

    until = timezone.now() + DAY
    incident = scheduled(until, slug="embargo-csv")
    text = "".join(iter_csv(Incident.objects.filter(pk=incident.pk), scope=FULL))
    assert "incident_publish_not_before" in text.splitlines()[0]
    doc = read_document(text.encode("utf-8"), filename="x.csv")
    assert doc["incidents"][0]["publish_not_before"] == until.isoformat()
    public_text = "".join(iter_csv(Incident.objects.filter(pk=incident.pk), scope="public"))
    assert "publish_not_before" not in public_text


def test_a_deleted_scheduled_incident_is_restored_scheduled_with_its_embargo(editor):
    from incidents.services import incident_delete, incident_restore

    until = timezone.now() + DAY
    incident = scheduled(until)
    incident_delete(incident=incident, user=editor)
    restored, notes = incident_restore(incident_id=incident.pk, user=editor)
    assert notes == []
    assert (restored.status, restored.publish_not_before) == (Status.SCHEDULED, until)
    assert publish_due(now=until - HOUR).published == []
    assert [i.pk for i in publish_due(now=until).published] == [incident.pk]
