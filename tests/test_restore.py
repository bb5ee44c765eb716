"""Deleting an incident through the admin and restoring it, exactly, from its history."""

import datetime

import pytest
from django.forms.models import model_to_dict
from django.urls import reverse

from incidents.models import (
    Citation,
    CountQualifier,
    CustodyEvent,
    DatePrecision,
    DetaineeGroup,
    EventKind,
    Incident,
    Location,
    Outcome,
    Status,
)
from tests.factories import (
    CitationFactory,
    CustodyEventFactory,
    DetaineeGroupFactory,
    IncidentFactory,
    LocationFactory,
    SourceFactory,
)
from tests.roles import staff

pytestmark = pytest.mark.django_db

DELETED = reverse("admin:incidents_incident_deleted")


def restore_url(incident_id):
    return reverse("admin:incidents_incident_restore", args=[incident_id])


def delete_url(incident_id):
    return reverse("admin:incidents_incident_delete", args=[incident_id])


def rich_incident() -> Incident:
    """Three groups with vague-dated events at places, citations pinned at every level."""
    incident = IncidentFactory(
        title="29 arrested in Qingdao and Kunming, held in Tumen",
        summary="Arrested in two cities, then transferred.",
        notes_internal="Names held by the Seoul office; do not share.",
        date_earliest=datetime.date(2017, 7, 15),
        date_latest=datetime.date(2017, 7, 17),
        date_precision=DatePrecision.DAYS,
        status=Status.PUBLISHED,
    )
    tumen = LocationFactory(name="Tumen detention centre", kind=Location.Kind.DETENTION_CENTRE)
    qingdao = DetaineeGroupFactory(
        incident=incident,
        label="Qingdao group",
        sequence=1,
        size_value=20,
        size_qualifier=CountQualifier.AT_LEAST,
        women_value=12,
        women_qualifier=CountQualifier.EXACT,
        outcome=Outcome.REPATRIATED,
        notes_internal="Family of one detainee is in Hoeryong.",
    )
    kunming = DetaineeGroupFactory(
        incident=incident, sequence=2, size_value=9, minors_value=2,
        minors_qualifier=CountQualifier.ABOUT,
    )  # fmt: skip
    helpers = DetaineeGroupFactory(
        incident=incident, label="Helpers", sequence=3, arrest_location=None,
        size_value=None, size_qualifier=CountQualifier.UNKNOWN, outcome=Outcome.UNKNOWN,
    )  # fmt: skip
    transfer = None
    for group in (qingdao, kunming):
        CustodyEventFactory(group=group, notes_internal="Seen by a cellmate.")
        transfer = CustodyEventFactory(
            group=group,
            kind=EventKind.TRANSFERRED,
            location=tumen,
            date_earliest=datetime.date(2017, 7, 1),
            date_latest=datetime.date(2017, 7, 31),
            date_precision=DatePrecision.MONTH,
            description="taken to Tumen to await repatriation",
        )
    CustodyEventFactory(
        group=helpers, location=None, date_earliest=None, date_latest=None, date_precision=""
    )
    CitationFactory(incident=incident, claim="29 were arrested.", locator="para. 2")
    CitationFactory(incident=incident, group=qingdao, source=SourceFactory(confidential=True))
    CitationFactory(incident=incident, group=kunming, event=transfer, claim="Sent to Tumen.")
    return incident


def snapshot(incident_id) -> dict:
    """Every stored value of the incident and its parts."""
    incident = Incident.objects.get(pk=incident_id)
    times = ("created_at", "updated_at", "published_at")
    return {
        "incident": model_to_dict(incident) | {t: getattr(incident, t) for t in times},
        "groups": [model_to_dict(g) for g in DetaineeGroup.objects.filter(incident=incident)],
        "events": [
            model_to_dict(e)
            for e in CustodyEvent.objects.filter(group__incident=incident).order_by("pk")
        ],
        "citations": [
            model_to_dict(c) for c in Citation.objects.filter(incident=incident).order_by("pk")
        ],
    }


def last_message(response) -> str:
    return [str(m) for m in response.context["messages"]][-1]


@pytest.fixture
def editor(client, login):
    user = staff("Editor")
    login(user)
    return user


def test_delete_and_restore_through_the_admin_is_exact(client, editor):
    incident = rich_incident()
    before = snapshot(incident.pk)
    assert (len(before["groups"]), len(before["events"]), len(before["citations"])) == (3, 5, 3)

    response = client.post(delete_url(incident.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not Incident.objects.filter(pk=incident.pk).exists()
    assert not DetaineeGroup.objects.exists()
    assert not Citation.objects.exists()

    listing = client.get(DELETED)
    html = listing.content.decode()
    assert incident.title in html
    assert editor.username in html  # who deleted it
    assert f'action="{restore_url(incident.pk)}"' in html

    response = client.post(restore_url(incident.pk), follow=True)

    change = reverse("admin:incidents_incident_change", args=[incident.pk])
    assert response.redirect_chain[-1] == (change, 302)
    assert last_message(response) == f"“{incident.title}” has been restored."
    assert snapshot(incident.pk) == before
    assert incident.pk not in [r.id for r in client.get(DELETED).context["records"]]
    restored = Incident.history.filter(id=incident.pk).first()
    assert restored.history_user == editor
    assert restored.history_change_reason.startswith("restored (deleted with incident")


def test_a_group_deleted_before_stays_deleted(client, editor):
    incident = rich_incident()
    doomed = incident.groups.get(label="Qingdao group")
    doomed.delete()  # its events and its citation go with it
    before = snapshot(incident.pk)
    assert len(before["groups"]) == 2

    client.post(delete_url(incident.pk), {"post": "yes"})
    client.post(restore_url(incident.pk))

    assert snapshot(incident.pk) == before
    assert not DetaineeGroup.objects.filter(pk=doomed.pk).exists()
    assert not CustodyEvent.objects.filter(group_id=doomed.pk).exists()


def test_caseworker_cannot_restore(client, login, editor):
    incident = rich_incident()
    client.post(delete_url(incident.pk), {"post": "yes"})

    login(staff("Caseworker"))
    changelist = client.get(reverse("admin:incidents_incident_changelist"))
    assert DELETED not in changelist.content.decode()
    assert client.get(DELETED).status_code == 403
    assert client.post(restore_url(incident.pk)).status_code == 403
    assert not Incident.objects.filter(pk=incident.pk).exists()


def test_editor_finds_deleted_incidents_from_the_changelist(client, editor):
    changelist = client.get(reverse("admin:incidents_incident_changelist"))
    assert f'href="{DELETED}"' in changelist.content.decode()
    assert client.get(DELETED).status_code == 200
    assert client.get(restore_url(1)).status_code == 405  # POST only


def test_restoring_when_the_slug_was_reused(client, editor):
    incident = rich_incident()
    client.post(delete_url(incident.pk), {"post": "yes"})
    IncidentFactory(slug=incident.slug, title="A newer incident")

    response = client.post(restore_url(incident.pk), follow=True)

    assert response.redirect_chain[-1] == (DELETED, 302)
    assert last_message(response) == (
        f"Another incident now uses the address '{incident.slug}'; change its slug first."
    )
    assert not Incident.objects.filter(pk=incident.pk).exists()
    assert incident.pk in [r.id for r in response.context["records"]]


def test_restoring_when_a_place_was_deleted_since_restores_nothing(client, editor):
    incident = rich_incident()
    place = incident.groups.get(label="Qingdao group").arrest_location
    client.post(delete_url(incident.pk), {"post": "yes"})
    CustodyEvent.objects.filter(location=place).delete()
    place.delete()

    response = client.post(restore_url(incident.pk), follow=True)

    assert last_message(response).startswith("Cannot restore: the place of arrest it refers to")
    assert not Incident.objects.filter(pk=incident.pk).exists()
    assert not DetaineeGroup.objects.exists()


def test_restoring_what_is_not_deleted(client, editor):
    incident = rich_incident()
    response = client.post(restore_url(incident.pk), follow=True)
    assert last_message(response) == "This incident has not been deleted."
    response = client.post(restore_url(98765), follow=True)
    assert last_message(response) == "No deleted incident with id 98765."


def test_deleted_twice_is_listed_once(client, editor):
    incident = rich_incident()
    for _ in range(2):
        client.post(delete_url(incident.pk), {"post": "yes"})
        client.post(restore_url(incident.pk))
    client.post(delete_url(incident.pk), {"post": "yes"})
    records = client.get(DELETED).context["records"]
    assert [r.id for r in records] == [incident.pk]


def test_history_of_a_deleted_incident_is_still_readable(client, editor):
    incident = rich_incident()
    client.post(delete_url(incident.pk), {"post": "yes"})
    response = client.get(reverse("admin:incidents_incident_history", args=[incident.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Deleted" in html
    assert "Qingdao group" in html
