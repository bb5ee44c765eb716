"""Audit trail: who changed what (simple-history, shown in the admin) and who looked."""

import pytest
from django.urls import reverse

from incidents.models import (
    Citation,
    CustodyEvent,
    DetaineeGroup,
    Incident,
    Location,
    StaffAccessLog,
    Status,
)
from tests.factories import (
    EstimateFactory,
    LocationFactory,
    SourceFactory,
    published_incident,
)
from tests.roles import staff
from tests.test_admin import page_data

pytestmark = pytest.mark.django_db

SECRET = "MARKER-Kim-family-address-7731"


def admin_url(obj, view, *args):
    return reverse(f"admin:incidents_{obj._meta.model_name}_{view}", args=[obj.pk, *args])


@pytest.fixture
def editor(client, login):
    user = staff("Editor")
    login(user)
    return user


def test_admin_change_is_recorded_with_user_and_fields(client, editor):
    incident = published_incident(groups=1, title="Before", status=Status.IN_REVIEW)
    data = page_data(client.get(admin_url(incident, "change")))
    data["title"] = "After"
    data["groups-0-label"] = "Relabelled group"

    assert client.post(admin_url(incident, "change"), data).status_code == 302

    latest = incident.history.first()
    assert latest.history_user == editor
    assert latest.history_type == "~"
    delta = latest.diff_against(latest.prev_record)
    assert "title" in delta.changed_fields
    [change] = [c for c in delta.changes if c.field == "title"]
    assert (change.old, change.new) == ("Before", "After")
    group_record = DetaineeGroup.history.filter(id=incident.groups.get().pk).first()
    assert group_record.history_user == editor
    assert "label" in group_record.diff_against(group_record.prev_record).changed_fields


def test_history_page_shows_the_diff_and_related_changes(client, editor):
    incident = published_incident(groups=2, title="Before", status=Status.IN_REVIEW)
    data = page_data(client.get(admin_url(incident, "change")))
    data["title"] = "After"
    data["groups-0-label"] = "Relabelled group"
    data["groups-1-DELETE"] = "on"
    client.post(admin_url(incident, "change"), data)

    html = client.get(admin_url(incident, "history")).content.decode()

    assert "<strong>Title:</strong>" in html
    changes = html[html.index("<strong>Title:</strong>") :][:200]
    assert "Before" in changes and "After" in changes
    related = html[html.index('id="related-history"') :]
    assert "<strong>Label:</strong>" in related
    assert "Relabelled group" in related
    assert "Deleted" in related
    assert related.count("Detainee group #") >= 3  # 2 created, 1 changed, 1 deleted
    assert "Custody event #" in related
    assert "Citation #" in related


@pytest.mark.parametrize(
    ("factory", "field"),
    [(LocationFactory, "name"), (SourceFactory, "title"), (EstimateFactory, "description")],
)
def test_other_history_pages_show_diffs(client, editor, factory, field):
    obj = factory()
    setattr(obj, field, "Changed value")
    obj.save()
    response = client.get(admin_url(obj, "history"))
    assert response.status_code == 200
    assert "Changed value" in response.content.decode()
    assert response.context["page_obj"][0].history_delta_changes


def test_past_versions_can_be_read_but_not_reverted(client, editor):
    incident = published_incident(title="Old title")
    incident.title = "New title"
    incident.save()
    old = incident.history.last()
    url = reverse("admin:incidents_incident_simple_history", args=[incident.pk, old.pk])

    response = client.get(url)
    assert response.status_code == 200
    assert 'name="_save"' not in response.content.decode()  # no Revert button
    assert client.post(url, {"title": "Old title"}).status_code == 403
    incident.refresh_from_db()
    assert incident.title == "New title"


def test_admin_delete_records_every_part_with_user(client, editor):
    incident = published_incident(groups=2)
    group_ids = list(incident.groups.values_list("pk", flat=True))

    response = client.post(admin_url(incident, "delete"), {"post": "yes"})

    assert response.status_code == 302
    for model, filters, count in [
        (Incident, {"id": incident.pk}, 1),
        (DetaineeGroup, {"incident_id": incident.pk}, 2),
        (CustodyEvent, {"group_id__in": group_ids}, 2),
        (Citation, {"incident_id": incident.pk}, 1),
    ]:
        deleted = model.history.filter(history_type="-", **filters)
        assert deleted.count() == count, model
        assert {r.history_user for r in deleted} == {editor}, model
        assert {r.history_change_reason for r in deleted} == {
            Incident.history.get(history_type="-").history_change_reason
        }


def test_bulk_delete_action_also_goes_through_the_service(client, editor):
    incidents = [published_incident(), published_incident()]
    response = client.post(
        reverse("admin:incidents_incident_changelist"),
        {"action": "delete_selected", "_selected_action": [i.pk for i in incidents], "post": "yes"},
    )
    assert response.status_code == 302
    assert not Incident.objects.exists()
    reasons = Incident.history.filter(history_type="-").values_list("history_change_reason")
    assert all(reason.startswith("deleted with incident") for (reason,) in reasons)


def test_other_deletions_are_recorded(client, editor):
    location = LocationFactory()
    client.post(admin_url(location, "delete"), {"post": "yes"})
    record = Location.history.get(history_type="-")
    assert (record.id, record.history_user) == (location.pk, editor)


# -- access log --------------------------------------------------------------------------------
def log_rows():
    return list(StaffAccessLog.objects.order_by("pk").values_list("username", "action", "model"))


def test_viewing_restricted_records_is_logged_once_per_get(client, editor):
    incident = published_incident()
    source = SourceFactory(confidential=True)
    location = LocationFactory()

    client.get(admin_url(incident, "change"))
    client.get(admin_url(incident, "history"))
    client.get(admin_url(source, "change"))
    client.get(admin_url(location, "change"))
    client.get(reverse("admin:incidents_incident_changelist"))  # lists are not logged

    name = editor.username
    assert log_rows() == [
        (name, "view", "incidents.Incident"),
        (name, "history", "incidents.Incident"),
        (name, "view", "incidents.Source"),
        (name, "view", "incidents.Location"),
    ]
    entry = StaffAccessLog.objects.order_by("pk").first()
    assert (entry.user, entry.object_id, entry.object_repr) == (
        editor,
        str(incident.pk),
        incident.title,
    )


def test_saving_is_not_a_view(client, editor):
    incident = published_incident()
    data = page_data(client.get(admin_url(incident, "change")))
    StaffAccessLog.objects.all().delete()
    client.post(admin_url(incident, "change"), data)
    assert log_rows() == []


def test_view_only_pages_are_logged_too(client, login):
    incident = published_incident()
    login(staff("Caseworker"))  # published: read-only for a caseworker
    assert client.get(admin_url(incident, "change")).status_code == 200
    assert log_rows()[0][1:] == ("view", "incidents.Incident")


def test_the_log_never_holds_restricted_values(client, editor):
    incident = published_incident(groups=2, title="Eleven arrested")
    Incident.objects.filter(pk=incident.pk).update(notes_internal=SECRET)
    incident.groups.update(notes_internal=SECRET)
    CustodyEvent.objects.update(notes_internal=SECRET)
    source = SourceFactory(notes_internal=SECRET, confidential=True)
    location = LocationFactory(notes_internal=SECRET)

    for obj in (incident, source, location):
        assert SECRET in client.get(admin_url(obj, "change")).content.decode()
    client.get(admin_url(incident, "history"))

    assert StaffAccessLog.objects.count() == 4
    for row in StaffAccessLog.objects.values():
        assert not any(SECRET in str(value) for value in row.values()), row


def test_access_log_admin_is_read_only_and_searchable(client, login):
    admin = staff("Administrator")
    login(admin)
    incident = published_incident()
    client.get(admin_url(incident, "change"))
    changelist = reverse("admin:incidents_staffaccesslog_changelist")

    for query in ["", "?action__exact=view", "?model=incidents.Incident", f"?q={incident.pk}"]:
        response = client.get(changelist + query)
        assert response.status_code == 200, query
        assert len(response.context["cl"].result_list) == 1, query
    assert len(client.get(changelist + "?q=nobody").context["cl"].result_list) == 0

    entry = StaffAccessLog.objects.get()
    response = client.get(admin_url(entry, "change"))
    assert response.status_code == 200
    assert not response.context["has_change_permission"]
    assert not response.context["has_delete_permission"]
    assert client.post(admin_url(entry, "delete"), {"post": "yes"}).status_code == 403
    assert StaffAccessLog.objects.filter(pk=entry.pk).exists()


def test_estimate_views_are_not_logged(client, editor):
    # Estimates hold public aggregate figures only.
    assert client.get(admin_url(EstimateFactory(), "change")).status_code == 200
    assert not StaffAccessLog.objects.exists()
