"""The public `updated_at` moves only when something public changes. Internal edits (notes, a
confidential citation) move only the staff timestamp: otherwise the feed, exports and API would
tell an outsider which record staff are working on right now."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from incidents.interchange import VERSION
from incidents.models import Incident
from tests.factories import SourceFactory, published_incident
from tests.test_admin import page_data

pytestmark = pytest.mark.django_db


def change(client, incident, **fields):
    """Change a published incident as staff do: propose a revision, edit it, submit it, and
    publish it (with a notice)."""
    admin = "admin:incidents_incident_"
    client.post(reverse(admin + "revise", args=[incident.pk]))
    copy = Incident.objects.get(revision_of=incident)
    url = reverse(admin + "change", args=[copy.pk])
    response = client.post(url, page_data(client.get(url)) | fields)
    assert response.status_code == 302, response.content.decode()[:1000]
    copy.refresh_from_db()
    client.post(reverse(admin + "transition", args=[copy.pk, "submit"]), {"version": copy.version})
    copy.refresh_from_db()
    response = client.post(
        reverse(admin + "review_step", args=[copy.pk, "publish"]),
        {"version": copy.version, "notice": "Corrected."},
    )
    assert not Incident.objects.filter(pk=copy.pk).exists(), "the revision was not published"
    return Incident.objects.get(pk=incident.pk)


def feed_order() -> list[str]:
    body = Client().get("/feeds/incidents.atom").content.decode()
    return [part.split("</title>")[0] for part in body.split("<entry><title>")[1:]]


def public_record(incident) -> dict:
    return Client().get(f"/api/incidents/{incident.slug}/").json()


@pytest.mark.parametrize(
    "fields",
    [
        {"notes_internal": "Caseworker notes on the family"},
        {"groups-0-notes_internal": "Names of the group"},
        {"groups-0-events-0-notes_internal": "Who told us"},
    ],
    ids=["incident notes", "group notes", "event notes"],
)
def test_internal_edits_leave_the_public_timestamp_and_feed_alone(admin_client, fields):
    older = published_incident(title="Older record")
    published_incident(title="Newer record")
    Incident.objects.filter(pk=older.pk).update(updated_at="2020-01-01T00:00:00Z")
    before = Incident.objects.get(pk=older.pk)
    order, record = feed_order(), public_record(older)
    assert order[0] == "Newer record"

    after = change(admin_client, older, **fields)

    assert after.updated_at == before.updated_at
    assert after.staff_updated_at > before.staff_updated_at
    assert after.version == before.version + 1
    assert feed_order() == order
    assert public_record(older) == record


def test_a_confidential_citation_is_an_internal_edit(admin_client):
    incident = published_incident()
    Incident.objects.filter(pk=incident.pk).update(updated_at="2020-01-01T00:00:00Z")
    secret = SourceFactory(confidential=True)
    after = change(
        admin_client, incident,
        **{"citations-TOTAL_FORMS": "2", "citations-1-source": str(secret.pk),
           "citations-1-claim": "Private"},
    )  # fmt: skip
    assert after.citations.count() == 2
    assert str(after.updated_at).startswith("2020-01-01")


@pytest.mark.parametrize(
    "fields",
    [{"title": "A corrected title"}, {"groups-0-size_value": "9"},
     {"groups-0-events-0-description": "Moved to Tumen"}],
    ids=["title", "group size", "event description"],
)  # fmt: skip
def test_public_edits_move_the_public_timestamp(admin_client, fields):
    incident = published_incident()
    Incident.objects.filter(pk=incident.pk).update(updated_at="2020-01-01T00:00:00Z")
    after = change(admin_client, incident, **fields)
    assert after.updated_at.year > 2020
    assert public_record(after)["updated_at"].startswith(str(after.updated_at.year))


def test_the_version_and_staff_timestamp_are_never_public():
    incident = published_incident()
    record = public_record(incident)
    assert "version" not in record and "staff_updated_at" not in record
    export = b"".join(Client().get("/incidents/export.json").streaming_content).decode()
    assert "staff_updated_at" not in export
    assert f'"version": {VERSION}, "scope"' in export  # the format's version only
    assert export.count('"version"') == 1
