"""No lost edits: two staff editing one record are never silently overwritten.

Every form carries the version it was read at; a save against a newer version is refused with
what changed meanwhile, and writes only the fields the user changed (so a stale form can
never put back a colleague's deletion). Threaded races on PostgreSQL: tests/test_races.py.
"""

import json

import pytest
from django.test import Client
from django.urls import reverse

from incidents.importer import import_document
from incidents.interchange import FULL, export_queryset, incident_record
from incidents.models import Incident, Status
from incidents.services import incident_transition
from tests.conftest import verified_login
from tests.factories import EstimateFactory, LocationFactory, SourceFactory, published_incident
from tests.roles import staff
from tests.test_admin import _all_errors, page_data

pytestmark = pytest.mark.django_db


def editor_client(name: str) -> Client:
    client = Client()
    verified_login(client, staff("Editor", username=name))
    return client


def change_url(obj) -> str:
    return reverse(f"admin:incidents_{obj._meta.model_name}_change", args=[obj.pk])


@pytest.fixture
def two_editors():
    return editor_client("alice"), editor_client("bob")


def refusal(response) -> str:
    assert response.status_code == 200, response.status_code
    errors = response.context["adminform"].form.non_field_errors()
    assert errors, _all_errors(response)
    return " ".join(errors)


@pytest.mark.parametrize(
    "alice_changes, bob_changes, diff_mentions",
    [
        ({"title": "Alice's title"}, {"title": "Bob's title"}, "Alice's title"),
        ({"title": "Alice's title"}, {"summary": "Bob's summary"}, "Alice's title"),
        ({"groups-0-label": "Alice's group"}, {"title": "Bob's title"}, "Alice's group"),
    ],
    ids=["same field", "different fields", "group row vs incident field"],
)
def test_the_second_save_is_refused_with_what_changed(
    two_editors, alice_changes, bob_changes, diff_mentions
):
    alice, bob = two_editors
    incident = published_incident(status=Status.IN_REVIEW)
    alice_page = page_data(alice.get(change_url(incident)))
    bob_page = page_data(bob.get(change_url(incident)))

    assert alice.post(change_url(incident), alice_page | alice_changes).status_code == 302
    response = bob.post(change_url(incident), bob_page | bob_changes)

    message = refusal(response)
    assert "changed by someone else" in message and "Nothing was saved" in message
    assert diff_mentions in message  # what Alice did, so Bob knows
    incident.refresh_from_db()
    for field, value in bob_changes.items():
        if not field.startswith("groups-"):
            assert getattr(incident, field) != value
    # Bob's typing is still on the page for him to redo.
    for field, value in bob_changes.items():
        assert response.context["adminform"].form.data[field] == value


def test_a_stale_form_cannot_put_back_a_removed_name(two_editors):
    alice, bob = two_editors
    incident = published_incident(
        summary="Arrested with their helper NAME-TO-REMOVE.", status=Status.IN_REVIEW
    )
    bob_page = page_data(bob.get(change_url(incident)))
    alice_page = page_data(alice.get(change_url(incident)))
    alice_page["summary"] = "Arrested with a helper."
    assert alice.post(change_url(incident), alice_page).status_code == 302

    bob_page["title"] = "A better title"  # his form still holds the old summary
    refusal(bob.post(change_url(incident), bob_page))

    incident.refresh_from_db()
    assert "NAME-TO-REMOVE" not in incident.summary


def test_after_reloading_the_second_editor_can_save(two_editors):
    alice, bob = two_editors
    incident = published_incident(status=Status.IN_REVIEW)
    alice_page = page_data(alice.get(change_url(incident)))
    bob_page = page_data(bob.get(change_url(incident)))
    alice.post(change_url(incident), alice_page | {"title": "Alice's title"})
    refusal(bob.post(change_url(incident), bob_page | {"summary": "Bob's summary"}))

    fresh = page_data(bob.get(change_url(incident)))
    assert bob.post(change_url(incident), fresh | {"summary": "Bob's summary"}).status_code == 302
    incident.refresh_from_db()
    assert (incident.title, incident.summary) == ("Alice's title", "Bob's summary")


def test_saving_an_unchanged_page_changes_nothing(two_editors):
    alice, bob = two_editors
    incident = published_incident(status=Status.IN_REVIEW)
    version = Incident.objects.get(pk=incident.pk).version
    history = incident.history.count()
    bob_page = page_data(bob.get(change_url(incident)))
    assert (
        alice.post(change_url(incident), page_data(alice.get(change_url(incident)))).status_code
        == 302
    )
    assert Incident.objects.get(pk=incident.pk).version == version
    assert incident.history.count() == history
    # ... so it refuses nobody else.
    assert bob.post(change_url(incident), bob_page | {"title": "Bob's"}).status_code == 302


def test_a_workflow_step_from_a_stale_page_is_refused(two_editors):
    alice, bob = two_editors
    incident = published_incident(status=Status.IN_REVIEW)
    stale_version = Incident.objects.get(pk=incident.pk).version
    alice.post(change_url(incident), page_data(alice.get(change_url(incident))) | {"title": "New"})

    url = reverse("admin:incidents_incident_transition", args=[incident.pk, "publish"])
    response = bob.post(url, {"version": str(stale_version)}, follow=True)

    assert Incident.objects.get(pk=incident.pk).status == Status.IN_REVIEW
    assert "changed by someone else" in response.content.decode()


def test_a_form_saved_after_an_archive_cannot_undo_it(two_editors):
    """(Published incidents are not edited in place any more: services.revisions.)"""
    alice, bob = two_editors
    incident = published_incident(status=Status.IN_REVIEW)
    page = page_data(alice.get(change_url(incident)))
    incident_transition(incident=incident, name="archive", user=staff("Editor"))

    response = alice.post(change_url(incident), page | {"summary": "Edited"})

    assert Incident.objects.get(pk=incident.pk).status == Status.ARCHIVED
    assert "changed by someone else" in refusal(response)


@pytest.mark.parametrize(
    "factory, field, value",
    [
        (lambda: SourceFactory(), "title", "Edited"),
        (lambda: LocationFactory(), "name", "Edited"),
        (lambda: EstimateFactory(status=Status.DRAFT), "description", "Edited"),
    ],
    ids=["source", "location", "estimate"],
)
def test_sources_places_and_estimates_refuse_stale_saves(two_editors, factory, field, value):
    alice, bob = two_editors
    obj = factory()
    alice_page = page_data_simple(alice.get(change_url(obj)))
    bob_page = page_data_simple(bob.get(change_url(obj)))
    assert alice.post(change_url(obj), alice_page | {field: "By Alice"}).status_code == 302
    message = refusal(bob.post(change_url(obj), bob_page | {field: value}))
    assert "By Alice" in message
    obj.refresh_from_db()
    assert getattr(obj, field) == "By Alice"


def page_data_simple(response) -> dict:
    """The whole form as a browser posts it (inlines such as an estimate's sources included)."""
    return page_data(response)


def test_import_refuses_a_record_changed_since_the_file_was_exported():
    incident = published_incident(status=Status.IN_REVIEW)
    record = incident_record(
        export_queryset(Incident.objects.filter(pk=incident.pk), FULL).get(), FULL
    )
    record = json.loads(json.dumps(record, default=str))
    editor = staff("Editor", username="importing-editor")
    Incident.objects.filter(pk=incident.pk).update(title="Changed here meanwhile")
    incident.refresh_from_db()
    from incidents.services import save_incident

    save_incident(user=editor, pk=incident.pk, values={"summary": "Changed meanwhile"})

    doc = {"format": "refoulement-watch", "version": 1, "scope": FULL,
           "incidents": [{**record, "title": "From the old file"}]}  # fmt: skip
    report = import_document(doc, user=editor)

    assert not report.ok
    assert any(
        p.where == "incidents[1].version"
        and "changed here since this file was exported" in p.message
        for p in report.problems
    ), report.problems
    assert Incident.objects.get(pk=incident.pk).summary == "Changed meanwhile"
