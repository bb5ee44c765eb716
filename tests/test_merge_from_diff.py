"""Merge from the diff: a writer refused for a stale page applies their changes onto the newer
version instead of typing them again (incidents/admin_stale_merge.py). The merged page writes
nothing; saving it goes through the same service, against the new version."""

import pytest
from django.test import Client
from django.urls import reverse

from incidents.models import Incident, StaffAccessLog, Status
from tests.conftest import verified_login
from tests.factories import UserFactory, published_incident
from tests.roles import staff
from tests.test_admin import _all_errors, page_data

pytestmark = pytest.mark.django_db


def change_url(incident) -> str:
    return reverse("admin:incidents_incident_change", args=[incident.pk])


def merge_url(incident) -> str:
    return reverse("admin:incidents_incident_apply_onto_newer", args=[incident.pk])


def editor_client(name: str) -> Client:
    client = Client()
    verified_login(client, staff("Editor", username=name))
    return client


@pytest.fixture
def a():
    return editor_client("alice")


@pytest.fixture
def b():
    return editor_client("bob")


def refused(response):
    assert response.status_code == 200
    errors = " ".join(response.context["adminform"].form.non_field_errors())
    assert "changed by someone else" in errors
    return response


def stored(incident) -> Incident:
    return Incident.objects.get(pk=incident.pk)


def test_apply_my_changes_onto_the_newer_version(a, b):
    incident = published_incident(summary="Old summary.", status=Status.IN_REVIEW)
    a_page = page_data(a.get(change_url(incident)))
    b_page = page_data(b.get(change_url(incident)))
    assert a.post(change_url(incident), a_page | {"title": "Alice's title"}).status_code == 302
    newer = stored(incident).version

    stale = b_page | {"summary": "Bob's summary."}
    response = refused(b.post(change_url(incident), stale))
    offer = response.context["merge_offer"]
    assert [f.name for f in offer["plan"].kept] == ["summary"]
    assert offer["plan"].conflicts == []
    body = response.content.decode()
    assert "Apply my changes onto the newer version" in body
    assert f'formaction="{merge_url(incident)}"' in body

    # The button posts the refused page to the merge view: the change form on the newer version.
    merged = b.post(merge_url(incident), stale | {"_merge": "1"})
    assert merged.status_code == 200
    form = merged.context["adminform"].form
    assert not form.is_bound
    assert form.initial["read_version"] == newer
    assert f'action="{change_url(incident)}"' in merged.content.decode()  # saved as usual
    merged_page = page_data(merged)
    assert merged_page["read_version"] == str(newer)
    assert merged_page["title"] == "Alice's title"  # hers, kept
    assert merged_page["summary"] == "Bob's summary."  # his, applied
    assert stored(incident).summary == "Old summary."  # the merge wrote nothing

    # Bob saves it as any page: through the service, against the new version.
    assert b.post(change_url(incident), merged_page).status_code == 302, _all_errors(merged)
    saved = stored(incident)
    assert (saved.title, saved.summary) == ("Alice's title", "Bob's summary.")
    assert saved.version == newer + 1


def test_a_field_both_changed_shows_both_values_and_defaults_to_the_newer(a, b):
    incident = published_incident(status=Status.IN_REVIEW)
    a_page = page_data(a.get(change_url(incident)))
    b_page = page_data(b.get(change_url(incident)))
    a.post(change_url(incident), a_page | {"title": "Alice's title"})

    stale = b_page | {"title": "Bob's title", "notes_internal": "Bob's note."}
    response = refused(b.post(change_url(incident), stale))
    plan = response.context["merge_offer"]["plan"]
    assert [(f.name, f.mine, f.theirs) for f in plan.conflicts] == [
        ("title", "Bob's title", "Alice's title")
    ]
    assert [f.name for f in plan.kept] == ["notes_internal"]
    conflict_row = response.content.decode().split('class="merge-conflict" data-field="title"')[1]
    assert "Bob&#x27;s title" in conflict_row[:400] and "Alice&#x27;s title" in conflict_row[:400]

    merged = b.post(merge_url(incident), stale)
    merged_page = page_data(merged)
    assert merged_page["title"] == "Alice's title"  # the newer value by default
    assert merged_page["notes_internal"] == "Bob's note."
    title_row = merged.content.decode().split('class="form-row field-title"')[1][:2000]
    assert "Bob&#x27;s title" in title_row and 'data-field="id_title"' in title_row

    # Bob chooses his title and saves.
    assert b.post(change_url(incident), merged_page | {"title": "Bob's title"}).status_code == 302
    saved = stored(incident)
    assert (saved.title, saved.notes_internal) == ("Bob's title", "Bob's note.")


def test_a_merge_cannot_put_back_what_someone_removed(a, b):
    """Bob's stale page still holds the old summary; he did not touch it, so it stays as
    Alice left it (the same promise as saving only changed fields)."""
    incident = published_incident(
        summary="Arrested with their helper NAME-TO-REMOVE.", status=Status.IN_REVIEW
    )
    a_page = page_data(a.get(change_url(incident)))
    b_page = page_data(b.get(change_url(incident)))
    a.post(change_url(incident), a_page | {"summary": "Arrested with a helper."})

    merged = page_data(b.post(merge_url(incident), b_page | {"title": "A better title"}))
    assert b.post(change_url(incident), merged).status_code == 302
    saved = stored(incident)
    assert "NAME-TO-REMOVE" not in saved.summary
    assert saved.title == "A better title"


def test_a_merged_page_that_went_stale_again_is_refused_again(a, b):
    incident = published_incident(status=Status.IN_REVIEW)
    a_page = page_data(a.get(change_url(incident)))
    b_page = page_data(b.get(change_url(incident)))
    a.post(change_url(incident), a_page | {"title": "Alice 1"})
    merged = page_data(b.post(merge_url(incident), b_page | {"summary": "Bob's."}))
    a.post(change_url(incident), page_data(a.get(change_url(incident))) | {"title": "Alice 2"})

    refused(b.post(change_url(incident), merged))
    assert stored(incident).summary != "Bob's."


def test_inline_rows_are_shown_as_stored_and_flagged_for_re_entry(a, b):
    incident = published_incident(groups=1, status=Status.IN_REVIEW)
    a_page = page_data(a.get(change_url(incident)))
    b_page = page_data(b.get(change_url(incident)))
    a.post(change_url(incident), a_page | {"title": "Alice's title"})

    stale = b_page | {"summary": "Bob's.", "groups-0-label": "Bob's group"}
    merged = b.post(merge_url(incident), stale)
    assert merged.status_code == 200
    assert merged.context["merge_plan"].inline_differences == ["detainee groups"]
    assert "enter your changes to them again" in merged.content.decode()
    assert page_data(merged)["groups-0-label"] != "Bob's group"


def test_the_merged_page_is_logged_as_a_view(b):
    incident = published_incident(status=Status.IN_REVIEW)
    page = page_data(b.get(change_url(incident)))
    before = StaffAccessLog.objects.count()
    assert b.post(merge_url(incident), page).status_code == 200
    assert StaffAccessLog.objects.count() == before + 1


@pytest.mark.parametrize(
    ("path", "data", "status"),
    [
        ("{pk}/apply-onto-newer/", {}, 400),  # no version
        ("{pk}/apply-onto-newer/", {"read_version": "x"}, 400),
        ("not-a-number/apply-onto-newer/", {"read_version": "1"}, 400),
        ("99999999/apply-onto-newer/", {"read_version": "1"}, 404),
        ("{pk}/apply-onto-newer/", {"read_version": "987654"}, 200),  # unknown version: all asked
    ],
)
def test_bad_input_is_a_4xx(b, path, data, status):
    incident = published_incident(status=Status.IN_REVIEW)
    url = reverse("admin:incidents_incident_changelist") + path.format(pk=incident.pk)
    assert b.post(url, data).status_code == status


def test_who_may_merge(login, client):
    incident = published_incident(status=Status.IN_REVIEW)
    data = {"read_version": str(incident.version), "title": "x"}
    assert client.post(merge_url(incident), data).status_code == 302  # anonymous: login
    login(staff("Caseworker", username="casey"))  # may not edit a published incident
    assert client.post(merge_url(incident), data).status_code == 403
    outsider = Client()
    outsider.force_login(UserFactory(is_staff=False))
    response = outsider.post(merge_url(incident), data)
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert outsider.get(merge_url(incident)).status_code in (302, 405)
