"""The write-path matrix: every way staff can write × every role × every protected action.

A later feature once added a write path (the import page) outside the role rules, and a
caseworker used it to publish and to expose confidential data. Every write now goes through
incidents/services, and this file proves it from the outside: each cell is a real request (or
command run), after which the database AND the public outputs are checked. A new write path
gets its rows here the day it is added.

Roles: anonymous, caseworker, editor, administrator (migrations 0003 and 0007).
Outcomes: OK (took effect, visible where it should be), REFUSED (nothing changed, nothing
public changed), LOGIN (anonymous: sent to the login page, nothing changed).
"""

from __future__ import annotations

import datetime
import json
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from incidents.interchange import FULL, PUBLIC, VERSION, export_queryset, incident_record
from incidents.models import (
    DetaineeGroup,
    Estimate,
    Incident,
    Location,
    Source,
    Status,
)
from incidents.services import incident_delete, incident_transition, save_incident
from incidents.services.revisions import start_revision
from tests.factories import (
    CitationFactory,
    CustodyEventFactory,
    DetaineeGroupFactory,
    EstimateFactory,
    IncidentFactory,
    LocationFactory,
    SourceFactory,
    country_place,
)
from tests.roles import admin_page_data, staff
from tests.test_admin import page_data

pytestmark = pytest.mark.django_db

OK, REFUSED, LOGIN = "ok", "refused", "login"
ROLES = ("anonymous", "caseworker", "editor", "administrator")
SECRET_CLAIM = "MATRIX-CONFIDENTIAL-QUOTE"

# What each role may do, by protected action. Paths where an action is not possible at all for
# anyone (a form field that would publish) have their own row below.
POLICY = {
    #                        anonymous caseworker editor administrator
    "publish":              (LOGIN,   REFUSED,  OK,    OK),
    "publish_flag":         (LOGIN,   REFUSED,  OK,    OK),
    "unpublish":            (LOGIN,   REFUSED,  OK,    OK),
    # A published incident changes only through a reviewed revision (services.revisions).
    "edit_published":       (LOGIN,   REFUSED,  REFUSED, REFUSED),
    "delete_groups":        (LOGIN,   REFUSED,  REFUSED, REFUSED),
    "propose_revision":     (LOGIN,   OK,       OK,    OK),
    "publish_revision":     (LOGIN,   REFUSED,  OK,    OK),
    "discard_revision":     (LOGIN,   REFUSED,  OK,    OK),  # an editor's, in review
    "unconfidential":       (LOGIN,   REFUSED,  OK,    OK),
    "coordinates_public":   (LOGIN,   REFUSED,  OK,    OK),
    "create_source":        (LOGIN,   OK,       OK,    OK),
    "create_location":      (LOGIN,   OK,       OK,    OK),
    "create_public_coords": (LOGIN,   REFUSED,  OK,    OK),
    "publish_estimate":     (LOGIN,   REFUSED,  OK,    OK),
    "restore_published":    (LOGIN,   REFUSED,  OK,    OK),
    "merge":                (LOGIN,   REFUSED,  OK,    OK),
    # An incident in review: editors edit it (caseworkers edit drafts only).
    "edit_in_review":       (LOGIN,   REFUSED,  OK,    OK),
    # Status is not a form field: posting one changes nothing, for everyone.
    "publish_by_field":     (LOGIN,   REFUSED,  REFUSED, REFUSED),
    # The edit-lock heartbeat writes lock rows only: a title posted to it changes nothing.
    "edit_by_lock":         (LOGIN,   REFUSED,  REFUSED, REFUSED),
    # The embargo (publish_not_before, the scheduled status): editors only.
    "schedule":             (LOGIN,   REFUSED,  OK,    OK),
    "unschedule":           (LOGIN,   REFUSED,  OK,    OK),
    "set_embargo":          (LOGIN,   REFUSED,  OK,    OK),
    "clear_embargo":        (LOGIN,   REFUSED,  OK,    OK),
    "move_embargo":         (LOGIN,   REFUSED,  OK,    OK),
}  # fmt: skip

# Which protected actions each write path offers.
PATHS = {
    "admin_change_form": ["edit_published", "delete_groups", "publish_by_field", "set_embargo",
                          "clear_embargo", "move_embargo"],
    "admin_add_form": ["publish_by_field", "set_embargo"],
    "workflow_button": ["publish", "unpublish", "schedule", "unschedule"],
    "changelist_action": ["publish", "unpublish", "schedule", "unschedule"],
    "review_queue_action": ["publish"],
    "source_form": ["unconfidential", "create_source"],
    "location_form": ["coordinates_public", "create_location", "create_public_coords"],
    "estimate_form": ["publish_estimate"],
    "import_page": [
        "publish", "publish_flag", "unpublish", "edit_published", "delete_groups",
        "unconfidential", "coordinates_public", "create_source", "create_location",
        "create_public_coords", "schedule", "unschedule", "set_embargo", "clear_embargo",
        "move_embargo",
    ],
    "import_command": [
        "publish", "publish_flag", "unpublish", "edit_published", "delete_groups",
        "unconfidential", "coordinates_public", "create_source", "create_location",
        "create_public_coords", "schedule", "unschedule", "set_embargo", "clear_embargo",
        "move_embargo",
    ],
    "restore": ["restore_published"],
    "revision_pages": ["propose_revision", "publish_revision", "discard_revision"],
    "merge_page": ["merge"],
    "changelist_merge": ["merge"],
    "admin_merge": ["edit_in_review"],
    "edit_lock": ["edit_by_lock"],
}  # fmt: skip

CELLS = [
    (path, action, role, POLICY[action][i])
    for path, actions in PATHS.items()
    for action in actions
    for i, role in enumerate(ROLES)
]


def test_the_matrix_is_complete():
    assert len(CELLS) == 4 * sum(len(actions) for actions in PATHS.values()) == 244
    assert {a for actions in PATHS.values() for a in actions} == set(POLICY)


# -- the world each cell acts on ------------------------------------------------------------------
EMBARGO = (timezone.now() + datetime.timedelta(days=30)).replace(microsecond=0)
LATER_EMBARGO = EMBARGO + datetime.timedelta(days=7)


class World:
    """A published incident citing a public and a confidential source, at a place whose
    coordinates are private; an incident ready for review; a draft estimate; a deleted
    published incident that can be restored. For the embargo: an incident in review with an
    embargo ahead (to schedule), a scheduled one, a draft without an embargo and one with."""

    def __init__(self):
        self.place = LocationFactory(
            name="Matrix town", slug="matrix-town", latitude=Decimal("41.8"),
            longitude=Decimal("123.4"), coordinate_precision="exact", coordinates_public=False,
        )  # fmt: skip
        self.public_source = SourceFactory(slug="matrix-public", title="Matrix public report")
        self.secret = SourceFactory(
            slug="matrix-secret", title="Matrix secret testimony", confidential=True
        )
        self.published = self._ready(Status.PUBLISHED, "matrix-published")
        CitationFactory(incident=self.published, source=self.secret, claim=SECRET_CLAIM)
        self.in_review = self._ready(Status.IN_REVIEW, "matrix-in-review")
        self.embargoed = self._ready(Status.IN_REVIEW, "matrix-embargoed", EMBARGO)
        self.scheduled = self._ready(Status.SCHEDULED, "matrix-scheduled", EMBARGO)
        self.draft = self._ready(Status.DRAFT, "matrix-draft")
        self.embargoed_draft = self._ready(Status.DRAFT, "matrix-embargoed-draft", EMBARGO)
        self.estimate = EstimateFactory(status=Status.DRAFT, source=self.public_source)
        # A published incident with a pending revision, submitted by an editor.
        self.revised = self._ready(Status.PUBLISHED, "matrix-revised")
        proposer = staff("Editor", username="setup-proposer")
        copy = start_revision(incident=self.revised, user=proposer)
        save_incident(user=proposer, pk=copy.pk, values={"title": "Revised through the matrix"})
        self.revision = incident_transition(
            incident=copy, name="submit", user=proposer, notify=False
        )
        deleted = self._ready(Status.PUBLISHED, "matrix-deleted")
        self.deleted_id = deleted.pk
        incident_delete(incident=deleted, user=staff("Administrator", username="setup-admin"))

    def _ready(self, status, slug, embargo=None):
        incident = IncidentFactory(
            status=status, slug=slug, title=f"Title of {slug}", publish_not_before=embargo
        )
        group = DetaineeGroupFactory(incident=incident, arrest_location=self.place)
        CustodyEventFactory(group=group)
        CitationFactory(incident=incident, source=self.public_source)
        return incident

    def record(self, incident, scope=FULL) -> dict:
        obj = export_queryset(Incident.objects.filter(pk=incident.pk), scope).get()
        return json.loads(json.dumps(incident_record(obj, scope), default=str))


@pytest.fixture
def world():
    return World()


def public(path: str):
    return Client().get(path)


def status_of(incident) -> str:
    return Incident.objects.get(pk=incident.pk).status


# -- what each action does, and how to tell that it took effect -----------------------------------
class Checks:
    """For each action: did it take effect (database), and does the public see exactly that?"""

    @staticmethod
    def publish(w: World) -> bool:
        done = status_of(w.in_review) == Status.PUBLISHED
        page = public(f"/incidents/{w.in_review.slug}/").status_code
        assert page == (200 if done else 404)
        return done

    @staticmethod
    def publish_flag(w: World) -> bool:
        new = Incident.objects.filter(slug="matrix-new").first()
        done = new is not None and new.status == Status.PUBLISHED
        assert public("/incidents/matrix-new/").status_code == (200 if done else 404)
        return done

    @staticmethod
    def unpublish(w: World) -> bool:
        done = status_of(w.published) == Status.DRAFT
        assert public(f"/incidents/{w.published.slug}/").status_code == (404 if done else 200)
        return done

    @staticmethod
    def edit_published(w: World) -> bool:
        title = Incident.objects.get(pk=w.published.pk).title
        done = title == "Edited through the matrix"
        body = public(f"/api/incidents/{w.published.slug}/").json()
        assert body["title"] == title
        return done

    @staticmethod
    def delete_groups(w: World) -> bool:
        done = not DetaineeGroup.objects.filter(incident=w.published).exists()
        body = public(f"/api/incidents/{w.published.slug}/").json()
        assert (body["groups"] == []) == done
        return done

    @staticmethod
    def propose_revision(w: World) -> bool:
        done = Incident.objects.filter(revision_of=w.published).exists()
        body = public(f"/api/incidents/{w.published.slug}/").json()
        assert body["title"] == "Title of matrix-published"  # the live version only
        return done

    @staticmethod
    def publish_revision(w: World) -> bool:
        title = Incident.objects.get(pk=w.revised.pk).title
        done = title == "Revised through the matrix"
        assert public(f"/api/incidents/{w.revised.slug}/").json()["title"] == title
        assert public(f"/incidents/{w.revision.slug}/").status_code == 404
        return done

    @staticmethod
    def discard_revision(w: World) -> bool:
        done = not Incident.objects.filter(pk=w.revision.pk).exists()
        assert Incident.objects.get(pk=w.revised.pk).title == "Title of matrix-revised"
        return done

    @staticmethod
    def unconfidential(w: World) -> bool:
        done = not Source.objects.get(pk=w.secret.pk).confidential
        listed = [s["slug"] for s in public("/api/sources/").json()["results"]]
        assert (w.secret.slug in listed) == done
        page = public(f"/incidents/{w.published.slug}/").content.decode()
        assert (SECRET_CLAIM in page) == done
        return done

    @staticmethod
    def coordinates_public(w: World) -> bool:
        done = Location.objects.get(pk=w.place.pk).coordinates_public
        geo = public("/locations.geojson").json()
        feature = next(f for f in geo["features"] if f["id"] == w.place.slug)
        assert (feature["geometry"] is not None) == done
        return done

    @staticmethod
    def create_source(w: World) -> bool:
        done = Source.objects.filter(slug="matrix-new-source").exists()
        listed = [s["slug"] for s in public("/api/sources/").json()["results"]]
        assert "matrix-new-source" not in listed  # cited by nothing published
        return done

    @staticmethod
    def create_location(w: World) -> bool:
        place = Location.objects.filter(slug="matrix-new-place").first()
        if place is not None:
            assert not place.coordinates_public
        return place is not None

    @staticmethod
    def create_public_coords(w: World) -> bool:
        return Location.objects.filter(slug="matrix-new-place", coordinates_public=True).exists()

    @staticmethod
    def publish_estimate(w: World) -> bool:
        done = Estimate.objects.get(pk=w.estimate.pk).status == Status.PUBLISHED
        body = public("/statistics/").content.decode()
        assert (w.estimate.description in body) == done
        return done

    @staticmethod
    def restore_published(w: World) -> bool:
        restored = Incident.objects.filter(pk=w.deleted_id).first()
        done = restored is not None and restored.status == Status.PUBLISHED
        assert public("/incidents/matrix-deleted/").status_code == (200 if done else 404)
        return done

    @staticmethod
    def merge(w: World) -> bool:
        """The in-review incident merged into the published one: its address leads there."""
        done = Incident.objects.get(pk=w.in_review.pk).merged_into_id == w.published.pk
        page = public(f"/incidents/{w.in_review.slug}/")
        assert page.status_code == (301 if done else 404)
        body = public(f"/api/incidents/{w.published.slug}/").json()
        assert (len(body["groups"]) == 2) == done
        return done

    @staticmethod
    def edit_in_review(w: World) -> bool:
        return Incident.objects.get(pk=w.in_review.pk).title == "Edited through the matrix"

    @staticmethod
    def edit_by_lock(w: World) -> bool:
        return Incident.objects.get(pk=w.published.pk).title == "Edited through the matrix"

    @staticmethod
    def _hidden(*incidents) -> None:
        """An embargo step never makes anything public."""
        for incident in incidents:
            assert public(f"/incidents/{incident.slug}/").status_code == 404

    @staticmethod
    def schedule(w: World) -> bool:
        Checks._hidden(w.embargoed)
        return status_of(w.embargoed) == Status.SCHEDULED

    @staticmethod
    def unschedule(w: World) -> bool:
        Checks._hidden(w.scheduled)
        return status_of(w.scheduled) == Status.IN_REVIEW

    @staticmethod
    def set_embargo(w: World) -> bool:
        Checks._hidden(w.draft)
        added = Incident.objects.filter(title="Matrix embargo added").first()
        return Incident.objects.get(pk=w.draft.pk).publish_not_before == EMBARGO or (
            added is not None and added.publish_not_before is not None
        )

    @staticmethod
    def clear_embargo(w: World) -> bool:
        Checks._hidden(w.embargoed_draft)
        return Incident.objects.get(pk=w.embargoed_draft.pk).publish_not_before is None

    @staticmethod
    def move_embargo(w: World) -> bool:
        Checks._hidden(w.scheduled)
        return Incident.objects.get(pk=w.scheduled.pk).publish_not_before == LATER_EMBARGO

    @staticmethod
    def publish_by_field(w: World) -> bool:
        new = Incident.objects.filter(title="Matrix added").first()
        published = status_of(w.in_review) == Status.PUBLISHED or (
            new is not None and new.status == Status.PUBLISHED
        )
        assert public(f"/incidents/{w.in_review.slug}/").status_code == (200 if published else 404)
        return published


# -- the write paths ------------------------------------------------------------------------------
def admin_change_url(obj) -> str:
    return reverse(f"admin:incidents_{obj._meta.model_name}_change", args=[obj.pk])


as_admin_page = admin_page_data


def file_for(action: str, w: World) -> tuple[dict, bool]:
    """(import document, --publish) for an action."""
    doc = {"format": "refoulement-watch", "version": VERSION, "scope": FULL}
    if action == "publish":
        doc["incidents"] = [{**w.record(w.in_review), "status": Status.PUBLISHED}]
        return doc, False
    if action == "publish_flag":
        record = w.record(w.published, PUBLIC)
        record = {k: v for k, v in record.items() if k not in ("published_at", "updated_at")}
        doc["scope"] = PUBLIC
        doc["incidents"] = [{**record, "slug": "matrix-new", "citations": [
            {**c, "group": None, "event": None} for c in record["citations"]
        ]}]  # fmt: skip
        return doc, True
    if action == "unpublish":
        doc["incidents"] = [{**w.record(w.published), "status": Status.DRAFT}]
    elif action == "schedule":
        doc["incidents"] = [{**w.record(w.embargoed), "status": Status.SCHEDULED}]
    elif action == "unschedule":
        doc["incidents"] = [{**w.record(w.scheduled), "status": Status.IN_REVIEW}]
    elif action == "set_embargo":
        doc["incidents"] = [{**w.record(w.draft), "publish_not_before": EMBARGO.isoformat()}]
    elif action == "clear_embargo":
        doc["incidents"] = [{**w.record(w.embargoed_draft), "publish_not_before": None}]
    elif action == "move_embargo":
        later = LATER_EMBARGO.isoformat()
        doc["incidents"] = [{**w.record(w.scheduled), "publish_not_before": later}]
    elif action == "edit_published":
        doc["incidents"] = [{**w.record(w.published), "title": "Edited through the matrix"}]
    elif action == "delete_groups":
        record = w.record(w.published)
        record["groups"] = []
        record["citations"] = [{**c, "group": None, "event": None} for c in record["citations"]]
        doc["incidents"] = [record]
    elif action == "unconfidential":
        doc["sources"] = [{"slug": w.secret.slug, "confidential": False}]
    elif action == "coordinates_public":
        doc["locations"] = [{"slug": w.place.slug, "coordinates_public": True}]
    elif action == "create_source":
        doc["sources"] = [{"slug": "matrix-new-source", "title": "New", "publisher": "X"}]
    elif action == "create_location":
        doc["locations"] = [{"slug": "matrix-new-place", "name": "New place", "country": "CN",
                             "latitude": 41.1, "longitude": 123.1,
                             "coordinate_precision": "city"}]  # fmt: skip
    elif action == "create_public_coords":
        doc["locations"] = [{"slug": "matrix-new-place", "name": "New place", "country": "CN",
                             "latitude": 41.1, "longitude": 123.1, "coordinate_precision": "city",
                             "coordinates_public": True}]  # fmt: skip
    return doc, False


def merge_data(w: World) -> dict:
    return {
        "ids": f"{w.published.pk},{w.in_review.pk}",
        "survivor": str(w.published.pk),
        f"version_{w.published.pk}": str(w.published.version),
        f"version_{w.in_review.pk}": str(w.in_review.version),
        "notice": "Merged with a second report of the same arrests.",
    }


class Paths:
    """Each write path: perform `action` as the logged-in `client` (or `user` for commands)."""

    @staticmethod
    def admin_change_form(client, user, action, w):
        target = {
            "publish_by_field": w.in_review, "set_embargo": w.draft,
            "clear_embargo": w.embargoed_draft, "move_embargo": w.scheduled,
        }.get(action, w.published)  # fmt: skip
        data = as_admin_page(admin_change_url(target))
        if action in ("set_embargo", "move_embargo", "clear_embargo"):
            # The form as an administrator sees it: a caseworker's page shows the embargo
            # read-only, so these fields are forged for them.
            when = {"set_embargo": EMBARGO, "move_embargo": LATER_EMBARGO}.get(action)
            data["publish_not_before_0"] = when.strftime("%Y-%m-%d") if when else ""
            data["publish_not_before_1"] = when.strftime("%H:%M:%S") if when else ""
        elif action == "edit_published":
            data["title"] = "Edited through the matrix"
        elif action == "delete_groups":
            data["groups-0-DELETE"] = "on"
        elif action == "publish_by_field":
            data["status"] = Status.PUBLISHED
        return client.post(admin_change_url(target), data)

    @staticmethod
    def admin_add_form(client, user, action, w):
        if action == "set_embargo":
            data = {
                "title": "Matrix embargo added", "date_text": "2017", "summary": "",
                "publish_not_before_0": EMBARGO.strftime("%Y-%m-%d"),
                "publish_not_before_1": EMBARGO.strftime("%H:%M:%S"),
                "groups-TOTAL_FORMS": "0", "groups-INITIAL_FORMS": "0",
                "citations-TOTAL_FORMS": "0", "citations-INITIAL_FORMS": "0",
                "date_claims-TOTAL_FORMS": "0", "date_claims-INITIAL_FORMS": "0",
            }  # fmt: skip
            return client.post(reverse("admin:incidents_incident_add"), data)
        data = {
            "title": "Matrix added", "date_text": "2017", "summary": "", "status": "published",
            "groups-TOTAL_FORMS": "0", "groups-INITIAL_FORMS": "0",
            "citations-TOTAL_FORMS": "0", "citations-INITIAL_FORMS": "0",
        }  # fmt: skip
        client.post(reverse("admin:incidents_incident_add"), data)
        # The add form never publishes; try the in-review incident's page the same way.
        data = as_admin_page(admin_change_url(w.in_review))
        data["status"] = Status.PUBLISHED
        return client.post(admin_change_url(w.in_review), data)

    @staticmethod
    def _step_target(action, w):
        return {
            "publish": ("publish", w.in_review), "unpublish": ("unpublish", w.published),
            "schedule": ("schedule", w.embargoed), "unschedule": ("unschedule", w.scheduled),
        }[action]  # fmt: skip

    @staticmethod
    def workflow_button(client, user, action, w):
        step, target = Paths._step_target(action, w)
        url = reverse("admin:incidents_incident_transition", args=[target.pk, step])
        return client.post(url, {"version": str(target.version)})

    @staticmethod
    def changelist_action(client, user, action, w):
        step, target = Paths._step_target(action, w)
        return client.post(
            reverse("admin:incidents_incident_changelist"),
            {"action": f"transition_{step}", "_selected_action": [target.pk]},
        )

    @staticmethod
    def review_queue_action(client, user, action, w):
        return client.post(
            reverse("admin:incidents_reviewqueueitem_changelist"),
            {"action": "transition_publish", "_selected_action": [w.in_review.pk]},
        )

    @staticmethod
    def source_form(client, user, action, w):
        if action == "create_source":
            data = {"title": "New", "slug": "matrix-new-source", "publisher": "X",
                    "kind": "news", "language": "en", "reliability": "F"}  # fmt: skip
            return client.post(reverse("admin:incidents_source_add"), data)
        data = as_admin_page(admin_change_url(w.secret))
        data.pop("confidential", None)  # an unticked box is absent from the POST
        return client.post(admin_change_url(w.secret), data)

    @staticmethod
    def location_form(client, user, action, w):
        if action in ("create_location", "create_public_coords"):
            data = {"name": "New place", "slug": "matrix-new-place", "kind": "city",
                    "parent": str(country_place("CN").pk), "latitude": "41.1",
                    "longitude": "123.1",
                    "coordinate_precision": "city"}  # fmt: skip
            if action == "create_public_coords":
                data["coordinates_public"] = "on"
            return client.post(reverse("admin:incidents_location_add"), data)
        data = as_admin_page(admin_change_url(w.place))
        data["coordinates_public"] = "on"
        return client.post(admin_change_url(w.place), data)

    @staticmethod
    def estimate_form(client, user, action, w):
        data = as_admin_page(admin_change_url(w.estimate))
        data["status"] = Status.PUBLISHED
        return client.post(admin_change_url(w.estimate), data)

    @staticmethod
    def import_page(client, user, action, w):
        doc, publish = file_for(action, w)
        content = json.dumps(doc, ensure_ascii=False).encode()
        data = {"file": SimpleUploadedFile("matrix.json", content), "_import": "x"}
        if publish:
            data["publish"] = "on"
        return client.post(reverse("admin:import_incidents"), data)

    @staticmethod
    def import_command(client, user, action, w, tmp_path=None):
        doc, publish = file_for(action, w)
        path = Paths.tmp / f"{action}.json"
        path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
        username = user.username if user.is_authenticated else "nobody-at-all"
        args = ["import_incidents", str(path), "--no-progress", "--user", username]
        if publish:
            args.append("--publish")
        try:
            call_command(*args)
        except CommandError as exc:
            return exc
        return None

    @staticmethod
    def revision_pages(client, user, action, w):
        if action == "propose_revision":
            return client.post(reverse("admin:incidents_incident_revise", args=[w.published.pk]))
        step = "publish" if action == "publish_revision" else "discard"
        url = reverse("admin:incidents_incident_review_step", args=[w.revision.pk, step])
        return client.post(url, {"version": str(w.revision.version), "notice": "Corrected."})

    @staticmethod
    def merge_page(client, user, action, w):
        return client.post(reverse("admin:incidents_incident_merge"), merge_data(w))

    @staticmethod
    def changelist_merge(client, user, action, w):
        """The changelist action (select two), then its confirmation page."""
        response = client.post(
            reverse("admin:incidents_incident_changelist"),
            {"action": "merge_selected", "_selected_action": [w.published.pk, w.in_review.pk]},
        )
        if response.status_code == 302 and response["Location"].startswith(
            reverse("admin:incidents_incident_merge")
        ):
            return client.post(response["Location"], merge_data(w))
        return response

    @staticmethod
    def admin_merge(client, user, action, w):
        """A page gone stale (someone saved meanwhile), merged onto the newer version, then
        saved: the merge view writes nothing, the save goes through the change view."""
        data = as_admin_page(admin_change_url(w.in_review))
        save_incident(
            user=staff("Administrator", username="matrix-meanwhile"),
            pk=w.in_review.pk,
            values={"summary": "Changed meanwhile."},
            expected_version=int(data["read_version"]),
        )
        data["title"] = "Edited through the matrix"
        url = reverse("admin:incidents_incident_apply_onto_newer", args=[w.in_review.pk])
        response = client.post(url, data)
        if response.status_code != 200:
            return response
        return client.post(admin_change_url(w.in_review), page_data(response))

    @staticmethod
    def edit_lock(client, user, action, w):
        url = reverse("admin:incidents_incident_editing", args=[w.in_review.pk])
        return client.post(url, {"action": "heartbeat", "title": "Edited through the matrix"})

    @staticmethod
    def restore(client, user, action, w):
        url = reverse("admin:incidents_incident_restore", args=[w.deleted_id])
        return client.post(url)


@pytest.mark.parametrize(("path", "action", "role", "expected"), CELLS)
def test_write_path(client, login, world, tmp_path, path, action, role, expected):
    Paths.tmp = tmp_path
    user = AnonymousUser()
    if role != "anonymous":
        user = staff(role.capitalize(), username=f"matrix-{role}")
        login(user)
    before = Checks.__dict__[action].__func__(world)
    assert not before, "the world must start without the action's effect"

    response = getattr(Paths, path)(client, user, action, world)

    took_effect = Checks.__dict__[action].__func__(world)
    if expected == OK:
        assert took_effect, _explain(response)
    else:
        assert not took_effect, _explain(response)
    if path == "import_command":
        assert (response is None) == (expected == OK), response
    elif expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
    else:
        assert response.status_code != 500
    if path == "import_page" and expected == REFUSED:
        # The refusal is reported on the page, like any other problem.
        assert response.status_code == 200
        body = response.content.decode()
        assert 'id="import-problems"' in body or "errorlist" in body, body[:2000]


def _explain(response) -> str:
    if response is None or isinstance(response, Exception):
        return repr(response)
    body = response.content.decode(errors="replace")
    return f"{response.status_code} {body[:2000]}"
