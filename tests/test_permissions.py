"""The role policy, cell by cell, through real admin requests.

POLICY below is the whole matrix a reviewer needs to read: for each admin model and action,
the outcome for each role. Every cell is one test that makes the request and then checks the
database, so a refusal really left things as they were.
"""

import pytest
from django.contrib.messages import SUCCESS, get_messages
from django.urls import NoReverseMatch, reverse

from incidents.models import Incident, StaffAccessLog, Status
from tests.factories import (
    CitationFactory,
    DetaineeGroupFactory,
    EstimateFactory,
    IncidentFactory,
    LocationFactory,
    SourceFactory,
)
from tests.roles import admin_page_data, staff

pytestmark = pytest.mark.django_db

LOGIN = "redirected to login"
OK = "allowed"
DENIED = "refused"
NA = "no such action"

ROLES = ["anonymous", "caseworker", "editor", "administrator"]

# What each action does (all against a fresh record):
#   add     GET the add page
#   change  POST the change form with one field edited (incident: a draft)
#   change_published  the same on a published incident (nobody: a change is a revision)
#   propose_revision  POST "propose a change" on a published incident (makes a working copy)
#   publish_revision  POST "publish" on the review page of a submitted revision
#   delete  POST the delete confirmation
#   publish incident: POST the "publish" workflow step on an in-review incident ready to go
#           review queue: the "publish" changelist action; estimate: POST status=published
# and for the review queue, "change" is its "return to draft" changelist action.
POLICY = {
    #                     anonymous caseworker editor administrator
    "incident": {
        "add":              (LOGIN, OK,     OK,     OK),
        "change":           (LOGIN, OK,     OK,     OK),
        "change_published": (LOGIN, DENIED, DENIED, DENIED),
        "propose_revision": (LOGIN, OK,     OK,     OK),
        "publish_revision": (LOGIN, DENIED, OK,     OK),
        "delete":           (LOGIN, DENIED, OK,     OK),
        "publish":          (LOGIN, DENIED, OK,     OK),
    },
    "location": {
        "add":              (LOGIN, OK,     OK,     OK),
        "change":           (LOGIN, DENIED, OK,     OK),
        "delete":           (LOGIN, DENIED, OK,     OK),
        "publish":          (LOGIN, NA,     NA,     NA),
    },
    "source": {
        "add":              (LOGIN, OK,     OK,     OK),
        "change":           (LOGIN, DENIED, OK,     OK),
        "delete":           (LOGIN, DENIED, OK,     OK),
        "publish":          (LOGIN, NA,     NA,     NA),
    },
    "estimate": {
        "add":              (LOGIN, DENIED, OK,     OK),
        "change":           (LOGIN, DENIED, OK,     OK),
        "delete":           (LOGIN, DENIED, OK,     OK),
        "publish":          (LOGIN, DENIED, OK,     OK),
    },
    "reviewqueueitem": {
        "add":              (LOGIN, DENIED, DENIED, DENIED),
        "change":           (LOGIN, DENIED, OK,     OK),
        "delete":           (LOGIN, DENIED, DENIED, DENIED),
        "publish":          (LOGIN, DENIED, OK,     OK),
    },
    "staffaccesslog": {
        "add":              (LOGIN, DENIED, DENIED, DENIED),
        "change":           (LOGIN, DENIED, DENIED, DENIED),
        "delete":           (LOGIN, DENIED, DENIED, DENIED),
        "publish":          (LOGIN, NA,     NA,     NA),
    },
}  # fmt: skip

CELLS = [
    (role, model, action, outcomes[i])
    for model, actions in POLICY.items()
    for action, outcomes in actions.items()
    for i, role in enumerate(ROLES)
]


def test_the_matrix_has_every_role_for_every_cell():
    assert len(CELLS) == 108
    assert all(len(outcomes) == len(ROLES) for a in POLICY.values() for outcomes in a.values())


# -- records to act on -------------------------------------------------------------------------
def ready_incident(status):
    """An incident with a group and a public source, so only roles can stop its publication."""
    incident = IncidentFactory(status=status)
    DetaineeGroupFactory(incident=incident)
    CitationFactory(incident=incident)
    return incident


SUBJECTS = {
    "incident": lambda: IncidentFactory(status=Status.DRAFT),
    "location": LocationFactory,
    "source": SourceFactory,
    "estimate": lambda: EstimateFactory(status=Status.DRAFT),
    "reviewqueueitem": lambda: ready_incident(Status.IN_REVIEW),
    "staffaccesslog": lambda: StaffAccessLog.objects.create(
        username="someone", action="view", model="incidents.Incident", object_id="1"
    ),
}


def url(model, view, *args):
    return reverse(f"admin:incidents_{model}_{view}", args=args)


def snapshot(obj):
    obj = type(obj)._base_manager.filter(pk=obj.pk).first()
    return None if obj is None else {f.attname: getattr(obj, f.attname) for f in obj._meta.fields}


def change_data(obj, **changes):
    """The admin change form for `obj` as a browser would submit it, with `changes` applied."""
    return admin_page_data(url(obj._meta.model_name, "change", obj.pk)) | changes


# -- the actions: each returns (response, whether it took effect) ------------------------------
def do_add(client, model):
    response = client.get(url(model, "add"))
    return response, response.status_code == 200


def do_change(client, model, obj=None):
    obj = obj or SUBJECTS[model]()
    if model == "reviewqueueitem":
        return queue_action(client, obj, "return_to_draft", Status.DRAFT)
    field = {
        "location": "name",
        "source": "title",
        "estimate": "description",
        "staffaccesslog": "username",
    }.get(model, "title")
    data = change_data(obj, **{field: "Edited in the matrix"})
    response = client.post(url(model, "change", obj.pk), data)
    after = snapshot(obj)
    return response, after is not None and after[field] == "Edited in the matrix"


def do_change_published(client, model):
    return do_change(client, model, ready_incident(Status.PUBLISHED))


def do_delete(client, model):
    obj = SUBJECTS[model]()
    response = client.post(url(model, "delete", obj.pk), {"post": "yes"})
    return response, snapshot(obj) is None


def do_publish(client, model):
    if model == "incident":
        obj = ready_incident(Status.IN_REVIEW)
        response = client.post(url("incident", "transition", obj.pk, "publish"))
    elif model == "reviewqueueitem":
        return queue_action(client, SUBJECTS[model](), "publish", Status.PUBLISHED)
    elif model == "estimate":
        obj = SUBJECTS[model]()
        response = client.post(url(model, "change", obj.pk), change_data(obj, status="published"))
    else:  # no workflow: there is no route, and posting to where it would be changes nothing
        obj = SUBJECTS[model]()
        with pytest.raises(NoReverseMatch):
            url(model, "transition", obj.pk, "publish")
        before = snapshot(obj)
        path = f"{url(model, 'changelist')}{obj.pk}/transition/publish/"
        response = client.post(path)
        assert snapshot(obj) == before
        return response, False
    return response, snapshot(obj)["status"] == Status.PUBLISHED


def queue_action(client, incident, name, target):
    data = {"action": f"transition_{name}", "_selected_action": [incident.pk]}
    response = client.post(url("reviewqueueitem", "changelist"), data)
    return response, snapshot(incident)["status"] == target


def do_propose_revision(client, model):
    live = ready_incident(Status.PUBLISHED)
    response = client.post(url("incident", "revise", live.pk))
    return response, Incident.objects.filter(revision_of=live).exists()


def do_publish_revision(client, model):
    from incidents.services import incident_transition, save_incident
    from incidents.services.revisions import start_revision

    live = ready_incident(Status.PUBLISHED)
    editor = staff("Editor", username="revision-proposer")
    copy = start_revision(incident=live, user=editor)
    save_incident(user=editor, pk=copy.pk, values={"title": "Revised title"})
    copy = incident_transition(incident=copy, name="submit", user=editor, notify=False)
    response = client.post(
        url("incident", "review_step", copy.pk, "publish"),
        {"version": copy.version, "notice": "Corrected."},
    )
    return response, Incident.objects.get(pk=live.pk).title == "Revised title"


ACTIONS = {
    "add": do_add,
    "propose_revision": do_propose_revision,
    "publish_revision": do_publish_revision,
    "change": do_change,
    "change_published": do_change_published,
    "delete": do_delete,
    "publish": do_publish,
}


@pytest.mark.parametrize(("role", "model", "action", "expected"), CELLS)
def test_policy(client, login, role, model, action, expected):
    if role != "anonymous":
        login(staff(role.capitalize()))

    response, took_effect = ACTIONS[action](client, model)

    if expected == OK:
        assert took_effect, response
        assert response.status_code in (200, 302)
    elif expected == LOGIN:
        assert not took_effect
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
    elif expected == DENIED:
        # A 403, an error message, or (changelist actions a role lacks) the list shown again.
        assert not took_effect
        assert response.status_code in (200, 302, 403)
        assert not any(m.level == SUCCESS for m in get_messages(response.wsgi_request))
    else:
        assert expected == NA
        assert not took_effect
        assert response.status_code != 500


def test_the_access_log_is_for_administrators_only(client, login):
    StaffAccessLog.objects.create(username="x", action="view", model="m", object_id="1")
    for role, status in [("Caseworker", 403), ("Editor", 403), ("Administrator", 200)]:
        login(staff(role))
        assert client.get(url("staffaccesslog", "changelist")).status_code == status, role


def test_caseworker_sees_a_published_incident_read_only(client, login):
    incident = ready_incident(Status.PUBLISHED)
    login(staff("Caseworker"))
    response = client.get(url("incident", "change", incident.pk))
    assert response.status_code == 200
    assert not response.context["has_change_permission"]
    assert not response.context["has_delete_permission"]
    for inline in response.context["inline_admin_formsets"]:
        assert not (inline.has_add_permission or inline.has_change_permission), inline
        assert not inline.has_delete_permission


def test_caseworker_cannot_change_a_group_of_an_incident_in_review(client, login):
    incident = ready_incident(Status.IN_REVIEW)
    group = incident.groups.get()
    login(staff("Caseworker"))
    data = change_data(incident) | {
        "groups-TOTAL_FORMS": "1",
        "groups-INITIAL_FORMS": "1",
        "groups-0-id": str(group.pk),
        "groups-0-incident": str(incident.pk),
        "groups-0-label": "Changed",
        "groups-0-DELETE": "on",
    }
    response = client.post(url("incident", "change", incident.pk), data)
    assert response.status_code == 403
    assert incident.groups.get().label == group.label
