"""Hostile requests by staff to the newer admin pages (revisions, merges, stale merges, locks,
desk, urgent board, notifications, embargo): a 4xx or a message, never a 500, a bypass, a loss
or a leak."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from incidents.models import Incident, ReviewComment, Status
from incidents.services import incident_transition, merge_incidents, save_incident
from incidents.services.revisions import start_revision
from tests.conftest import verified_login
from tests.factories import published_incident
from tests.roles import staff
from tests.test_admin import page_data
from tests.test_desk import at_risk, section, titles_in

pytestmark = pytest.mark.django_db

NOTICE = "Merged with a second report of the same arrests."
HUGE = "99999999999999999999999"


def admin(name, *args):
    return reverse(f"admin:incidents_incident_{name}", args=args)


def as_(user) -> Client:
    return verified_login(Client(raise_request_exception=True), user)


@pytest.fixture
def cw():
    return staff("Caseworker", username="p-cw")


@pytest.fixture
def ed():
    return staff("Editor", username="p-ed")


def submitted_copy(user):
    live = published_incident()
    copy = start_revision(incident=live, user=user)
    save_incident(user=user, pk=copy.pk, values={"title": "Changed title"})
    copy = incident_transition(incident=copy, name="submit", user=user, notify=False)
    return live, copy


# -- huge / malformed numbers ------------------------------------------------------------------
@pytest.mark.parametrize(
    "path",
    [
        "{huge}/review/",
        "{huge}/change/",
        "{huge}/history/",
    ],
)
def test_huge_ids_on_get_pages(ed, path):
    url = admin("changelist") + path.format(huge=HUGE)
    assert as_(ed).get(url).status_code in (302, 404)


@pytest.mark.parametrize(
    "path,data",
    [
        ("{huge}/revise/", {}),
        ("{huge}/review/publish/", {"version": "1"}),
        ("{huge}/editing/", {"action": "heartbeat"}),
        ("{huge}/apply-onto-newer/", {"read_version": "1"}),
        ("{huge}/transition/publish/", {"version": "1"}),
    ],
)
def test_huge_ids_on_post_pages(ed, path, data):
    url = admin("changelist") + path.format(huge=HUGE)
    assert as_(ed).post(url, data).status_code in (302, 400, 404)


def test_huge_version_on_review_steps(ed):
    live, copy = submitted_copy(ed)
    client = as_(ed)
    for step in ("publish", "return"):
        response = client.post(
            admin("review_step", copy.pk, step), {"version": HUGE, "comment": "x", "notice": "n"}
        )
        assert response.status_code == 302
    assert Incident.objects.get(pk=copy.pk).status == Status.IN_REVIEW
    response = client.post(admin("transition", copy.pk, "return_to_draft"),
                           {"version": HUGE, "comment": "x"})  # fmt: skip
    assert response.status_code == 302
    response = client.post(admin("apply_onto_newer", copy.pk), {"read_version": HUGE})
    assert response.status_code in (200, 400)


def test_huge_numbers_on_the_merge_page(ed):
    a, b = published_incident(), published_incident()
    client = as_(ed)
    url = admin("merge")
    assert client.get(url, {"ids": f"{HUGE},{a.pk}"}).status_code == 302
    data = {"ids": f"{a.pk},{b.pk}", "survivor": HUGE,
            f"version_{a.pk}": HUGE, f"version_{b.pk}": HUGE}  # fmt: skip
    assert client.post(url, data).status_code == 200
    data["survivor"] = str(a.pk)
    assert client.post(url, data).status_code == 200
    assert Incident.objects.get(pk=b.pk).merged_into_id is None


# -- desk, urgent board, notifications ------------------------------------------------------------
@pytest.mark.parametrize("role", ["Caseworker", "Editor", "Administrator"])
def test_admin_pages_with_odd_params(role):
    user = staff(role, username=f"p-{role}")
    published_incident()
    live, copy = submitted_copy(staff("Editor", username=f"p2-{role}"))
    client = as_(user)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/", {"page": "abc"}).status_code == 200
    for params in ({"page": "abc"}, {"page": HUGE}, {"page": "-1"}, {"tab": "never_reported"},
                   {"page": "0", "tab": ""}):  # fmt: skip
        assert client.get("/admin/urgent/", params).status_code == 200, params
    assert client.get("/admin/urgent/", {"tab": "bogus"}).status_code == 400
    changelist = admin("changelist")
    for params in ({"kind": "bogus"}, {"author": "bogus"}, {"merged": "bogus"},
                   {"kind": "revisions", "author": "me"}, {"p": "abc"}, {"o": "abc"},
                   {"status__exact": "bogus"}, {"q": "\x00"}):  # fmt: skip
        assert client.get(changelist, params).status_code in (200, 302), params
    assert client.get("/admin/notifications/").status_code == 200
    assert client.post("/admin/notifications/", {"by_email": "maybe"}).status_code == 302
    assert client.put("/admin/notifications/").status_code == 405


# -- NUL characters (PostgreSQL refuses them in text) -------------------------------------------
def test_nul_characters_in_review_comments_and_notices(ed):
    """A 500 on PostgreSQL (DataError) before the services refused them."""
    live, copy = submitted_copy(ed)
    client = as_(ed)
    for data in ({"comment": "bad\x00"}, {"comment": "ok", "comment__title": "x\x00y"},
                 {"comment__ti\x00tle": "x"}):  # fmt: skip
        response = client.post(admin("review_step", copy.pk, "return"),
                               {"version": copy.version, **data})  # fmt: skip
        assert response.status_code == 302
    response = client.post(admin("review_step", copy.pk, "publish"),
                           {"version": copy.version, "notice": "n\x00"})  # fmt: skip
    assert response.status_code == 302
    assert Incident.objects.get(pk=copy.pk).status == Status.IN_REVIEW
    assert not ReviewComment.objects.exists()
    other = published_incident(status=Status.IN_REVIEW)
    response = client.post(admin("transition", other.pk, "return_to_draft"),
                           {"version": other.version, "comment": "c\x00",
                            "comment_field": "t"})  # fmt: skip
    assert response.status_code == 302
    assert Incident.objects.get(pk=other.pk).status == Status.IN_REVIEW


# -- embargo -----------------------------------------------------------------------------------
def test_absurd_embargo_times_on_the_change_page(ed):
    client = as_(ed)
    for day, time in (("9999-12-31", "23:59:59"), ("0001-01-01", "00:00:00"),
                      ("10000-01-01", "00:00:00"), ("2024-02-30", "25:61:00")):  # fmt: skip
        incident = published_incident(status=Status.IN_REVIEW)
        data = page_data(client.get(admin("change", incident.pk)))
        data |= {"publish_not_before_0": day, "publish_not_before_1": time}
        assert client.post(admin("change", incident.pk), data).status_code in (200, 302)
        incident.refresh_from_db()
        for step in ("schedule", "publish"):
            client.post(admin("transition", incident.pk, step), {"version": incident.version})
        assert client.get(admin("change", incident.pk)).status_code == 200
    assert client.get(admin("changelist")).status_code == 200
    assert client.get("/admin/").status_code == 200
    assert client.get(reverse("admin:incidents_reviewqueueitem_changelist")).status_code == 200


def test_merging_an_embargoed_incident_into_a_published_one_is_refused(ed):
    """Its groups and sources would be public before the embargo ends."""
    keep = published_incident(title="Published case")
    gone = published_incident(title="Embargoed case", status=Status.IN_REVIEW)
    Incident.objects.filter(pk=gone.pk).update(
        publish_not_before=timezone.now() + datetime.timedelta(days=30)
    )
    gone = incident_transition(incident=gone, name="schedule", user=ed, notify=False)
    with pytest.raises(ValidationError):
        merge_incidents(survivor=keep, merged=gone, user=ed, notice=NOTICE)
    assert Incident.objects.get(pk=gone.pk).status == Status.SCHEDULED
    assert keep.groups.count() == 1


def test_the_desk_follow_ups_include_scheduled_cases_like_the_staff_board(cw):
    case = at_risk("Embargoed, arrested 300 days ago", arrested=300)
    Incident.objects.filter(pk=case.pk).update(
        status=Status.SCHEDULED, publish_not_before=timezone.now() + datetime.timedelta(days=9)
    )
    client = as_(cw)
    assert "Embargoed, arrested 300 days ago" in client.get("/admin/urgent/").content.decode()
    html = section(client.get("/admin/").content.decode(), "urgent-follow-ups")
    assert titles_in(html) == ["Embargoed, arrested 300 days ago"]


# -- double clicks ---------------------------------------------------------------------------------
def test_double_clicks_on_review_steps(ed, cw):
    live, copy = submitted_copy(ed)
    client = as_(ed)
    for _ in range(2):
        response = client.post(admin("review_step", copy.pk, "publish"),
                               {"version": copy.version, "minor": "on"})  # fmt: skip
        assert response.status_code in (302, 404)
    assert live.revisions.count() == 1
    assert client.get(admin("review", copy.pk)).status_code in (302, 404)
    copy = start_revision(incident=Incident.objects.get(pk=live.pk), user=cw)
    mine = as_(cw)
    for _ in range(2):
        assert mine.post(admin("revise", live.pk)).status_code == 302
        assert mine.post(admin("review_step", copy.pk, "discard")).status_code in (302, 404)
    assert Incident.objects.filter(revision_of=live).count() == 1  # the second revise made one


def test_the_merge_page_with_copies_and_merged_incidents(ed):
    live, copy = submitted_copy(ed)
    a, b, c = published_incident(), published_incident(), published_incident()
    merge_incidents(survivor=a, merged=b, user=ed, notice=NOTICE)
    client = as_(ed)
    url = admin("merge")
    for pair in ((live, copy), (a, b), (b, c), (copy, c)):
        ids = f"{pair[0].pk},{pair[1].pk}"
        assert client.get(url, {"ids": ids}).status_code == 200, ids
        versions = {f"version_{i.pk}": Incident.objects.get(pk=i.pk).version for i in pair}
        for survivor in pair:
            data = {"ids": ids, "survivor": survivor.pk, **versions}
            assert client.post(url, data).status_code == 200, ids
    assert Incident.objects.get(pk=c.pk).merged_into_id is None
    assert Incident.objects.filter(pk=copy.pk).exists()


def test_apply_onto_newer_with_odd_data(ed):
    incident = published_incident(status=Status.IN_REVIEW)
    client = as_(ed)
    url = admin("apply_onto_newer", incident.pk)
    for data in ({"read_version": "-5"}, {"read_version": "1", "date_text": "\x00"},
                 {"read_version": "1", "title": ["a", "b"], "publish_not_before_0": "x"},
                 {"read_version": "1", "publish_not_before": "9999-99-99"}):  # fmt: skip
        assert client.post(url, data).status_code in (200, 400), data


def test_an_embargo_typed_on_a_refused_page_carries_over_onto_the_newer_version(ed):
    """The embargo is a split field (publish_not_before_0/_1): the merge skipped it, so the
    merged page silently dropped the editor's embargo."""
    incident = published_incident(status=Status.IN_REVIEW)
    mine, theirs = as_(ed), as_(staff("Editor", username="p-ed2"))
    stale = page_data(mine.get(admin("change", incident.pk)))
    newer = page_data(theirs.get(admin("change", incident.pk))) | {"title": "Their title"}
    assert theirs.post(admin("change", incident.pk), newer).status_code == 302
    stale |= {"publish_not_before_0": "2031-05-01", "publish_not_before_1": "09:30:00"}
    assert mine.post(admin("change", incident.pk), stale).status_code == 200  # refused
    merged = mine.post(admin("apply_onto_newer", incident.pk), stale)
    assert merged.status_code == 200
    page = page_data(merged)
    assert page["title"] == "Their title"
    assert (page["publish_not_before_0"], page["publish_not_before_1"]) == (
        "2031-05-01",
        "09:30:00",
    )
    assert mine.post(admin("change", incident.pk), page).status_code == 302
    saved = Incident.objects.get(pk=incident.pk)
    assert (saved.title, saved.publish_not_before.isoformat()) == (
        "Their title",
        "2031-05-01T09:30:00+00:00",
    )
    # Both changed it: theirs is filled in, mine offered beside it.
    stale = page_data(mine.get(admin("change", incident.pk)))
    newer = page_data(theirs.get(admin("change", incident.pk)))
    newer |= {"publish_not_before_0": "2032-01-01", "publish_not_before_1": "00:00:00"}
    assert theirs.post(admin("change", incident.pk), newer).status_code == 302
    stale |= {"publish_not_before_0": "2033-01-01", "publish_not_before_1": "00:00:00"}
    merged = mine.post(admin("apply_onto_newer", incident.pk), stale)
    assert "2033-01-01 00:00:00" in merged.content.decode()
    assert page_data(merged)["publish_not_before_0"] == "2032-01-01"


def test_saving_a_working_copy_does_not_call_its_live_incident_a_duplicate(cw):
    live = published_incident()
    client = as_(cw)
    client.post(admin("revise", live.pk))
    copy = Incident.objects.get(revision_of=live)
    data = page_data(client.get(admin("change", copy.pk))) | {"summary": "Better summary."}
    response = client.post(admin("change", copy.pk), data, follow=True)
    assert "Possible duplicates" not in response.content.decode()
