"""The review workflow: the service's rules, then the admin buttons, actions and review queue."""

import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from incidents.models import Incident, Status
from incidents.services import available_transitions, incident_transition
from tests.factories import (
    CitationFactory,
    DetaineeGroupFactory,
    IncidentFactory,
    SourceFactory,
)
from tests.roles import staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def caseworker():
    return staff("Caseworker")


@pytest.fixture
def editor():
    return staff("Editor")


def ready(status=Status.DRAFT, **kwargs):
    """An incident that may be published: a group and a non-confidential source."""
    incident = IncidentFactory(status=status, **kwargs)
    DetaineeGroupFactory(incident=incident)
    CitationFactory(incident=incident)
    return incident


def step(incident, name, user):
    return incident_transition(incident=incident, name=name, user=user)


def status_of(incident):
    return Incident.objects.values_list("status", flat=True).get(pk=incident.pk)


# -- the service -------------------------------------------------------------------------------
def test_caseworker_submits_and_editor_publishes(caseworker, editor):
    incident = ready()
    assert step(incident, "submit", caseworker).status == Status.IN_REVIEW
    published = step(incident, "publish", editor)
    assert published.status == Status.PUBLISHED
    assert published.published_at is not None
    record = incident.history.first()
    assert (record.history_change_reason, record.status) == ("Publish", Status.PUBLISHED)
    assert record.history_user == editor


def test_caseworker_may_pull_back_a_submission(caseworker):
    incident = ready(Status.IN_REVIEW)
    assert step(incident, "return_to_draft", caseworker).status == Status.DRAFT


@pytest.mark.parametrize(
    ("status", "name"),
    [
        (Status.IN_REVIEW, "publish"),
        (Status.PUBLISHED, "unpublish"),
        (Status.DRAFT, "archive"),
    ],
)
def test_caseworker_cannot_publish_unpublish_or_archive(caseworker, status, name):
    incident = ready(status)
    with pytest.raises(PermissionDenied):
        step(incident, name, caseworker)
    assert status_of(incident) == status


@pytest.mark.parametrize(
    ("status", "name"),
    [
        (Status.DRAFT, "publish"),  # must be reviewed first
        (Status.PUBLISHED, "submit"),
        (Status.DRAFT, "return_to_draft"),
        (Status.ARCHIVED, "unpublish"),
        (Status.ARCHIVED, "archive"),
    ],
)
def test_steps_that_do_not_start_from_this_status_are_refused(editor, status, name):
    incident = ready(status)
    with pytest.raises(ValidationError, match="Cannot"):
        step(incident, name, editor)
    assert status_of(incident) == status


def test_unknown_step(editor):
    with pytest.raises(ValidationError, match="Unknown workflow step"):
        step(ready(), "delete_everything", editor)


def test_editor_republishes_an_archived_incident(editor):
    incident = ready(Status.ARCHIVED)
    assert step(incident, "publish", editor).status == Status.PUBLISHED


def test_publishing_needs_a_non_confidential_source(editor):
    incident = IncidentFactory(status=Status.IN_REVIEW)
    DetaineeGroupFactory(incident=incident)
    CitationFactory(incident=incident, source=SourceFactory(confidential=True))
    CitationFactory(incident=incident, source=SourceFactory(confidential=True))

    with pytest.raises(ValidationError) as refused:
        step(incident, "publish", editor)

    assert refused.value.messages == [
        "Cite at least one non-confidential source before publishing."
    ]
    assert status_of(incident) == Status.IN_REVIEW
    CitationFactory(incident=incident)  # a public source
    assert step(incident, "publish", editor).status == Status.PUBLISHED


def test_publishing_needs_a_group(editor):
    incident = IncidentFactory(status=Status.IN_REVIEW)
    CitationFactory(incident=incident)
    with pytest.raises(ValidationError, match="detainee group"):
        step(incident, "publish", editor)


def test_published_at_is_set_once(editor):
    incident = ready(Status.IN_REVIEW)
    first = step(incident, "publish", editor).published_at
    step(incident, "unpublish", editor)
    step(incident, "submit", editor)
    again = step(incident, "publish", editor)
    step(incident, "archive", editor)
    assert again.published_at == first
    incident.refresh_from_db()
    assert incident.published_at == first


def test_available_transitions_follow_status_and_permission(caseworker, editor):
    def names(status, user):
        incident = IncidentFactory.build(status=status)
        return [t.name for t in available_transitions(incident=incident, user=user)]

    assert names(Status.DRAFT, caseworker) == ["submit"]
    assert names(Status.IN_REVIEW, caseworker) == ["return_to_draft"]
    assert names(Status.PUBLISHED, caseworker) == []
    assert names(Status.DRAFT, editor) == ["submit", "archive"]
    assert names(Status.IN_REVIEW, editor) == ["return_to_draft", "publish", "schedule", "archive"]
    assert names(Status.SCHEDULED, caseworker) == []
    assert names(Status.SCHEDULED, editor) == ["unschedule"]
    assert names(Status.PUBLISHED, editor) == ["unpublish", "archive"]
    assert names(Status.ARCHIVED, editor) == ["publish"]


# -- the admin change page ---------------------------------------------------------------------
def change_url(incident):
    return reverse("admin:incidents_incident_change", args=[incident.pk])


def transition_url(incident, name):
    return reverse("admin:incidents_incident_transition", args=[incident.pk, name])


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


def test_buttons_take_a_draft_through_review_to_publication(client, login, caseworker, editor):
    incident = ready(title="Nine arrested in Shenyang")

    login(caseworker)
    page = client.get(change_url(incident)).content.decode()
    assert f'action="{transition_url(incident, "submit")}"' in page
    assert transition_url(incident, "publish") not in page
    response = client.post(transition_url(incident, "submit"), follow=True)
    assert response.redirect_chain == [(change_url(incident), 302)]
    assert messages_of(response) == ["“Nine arrested in Shenyang” is now in review."]
    assert status_of(incident) == Status.IN_REVIEW

    login(editor)
    page = client.get(change_url(incident)).content.decode()
    assert f'action="{transition_url(incident, "publish")}"' in page
    response = client.post(transition_url(incident, "publish"), follow=True)
    assert messages_of(response) == ["“Nine arrested in Shenyang” is now published."]
    assert status_of(incident) == Status.PUBLISHED


def test_refusals_are_messages_not_errors(client, login, caseworker, editor):
    incident = IncidentFactory(status=Status.IN_REVIEW)  # no group, no source

    login(editor)
    page = client.get(change_url(incident)).content.decode()
    assert "Cite at least one non-confidential source before publishing." in page
    response = client.post(transition_url(incident, "publish"), follow=True)
    assert response.status_code == 200
    assert messages_of(response) == [
        "Cite at least one non-confidential source before publishing.",
        "Add at least one detainee group before publishing.",
    ]

    login(caseworker)
    response = client.post(transition_url(ready(Status.IN_REVIEW), "publish"), follow=True)
    assert messages_of(response) == ["You are not allowed to Publish."]
    response = client.post(transition_url(incident, "no_such_step"), follow=True)
    assert messages_of(response) == ["Unknown workflow step 'no_such_step'."]
    assert status_of(incident) == Status.IN_REVIEW


def test_transition_url_is_post_only_and_csrf_protected(client, login, editor):
    incident = ready(Status.IN_REVIEW)
    login(editor)
    assert client.get(transition_url(incident, "publish")).status_code == 405

    strict = Client(enforce_csrf_checks=True)
    strict.cookies = client.cookies
    assert strict.post(transition_url(incident, "publish")).status_code == 403
    assert status_of(incident) == Status.IN_REVIEW


def test_transition_on_a_missing_incident_is_404(client, login, editor):
    login(editor)
    assert client.post(transition_url(Incident(pk=999), "publish")).status_code == 404


def test_status_cannot_be_set_through_the_form(client, login, editor):
    login(editor)
    from tests.test_admin import page_data

    add = reverse("admin:incidents_incident_add")
    form = page_data(client.get(add))
    response = client.post(add, form | {"title": "Typed in as published", "status": "published"})
    assert response.status_code == 302
    incident = Incident.objects.get()
    assert incident.status == Status.DRAFT

    response = client.get(change_url(incident))
    assert "status" not in response.context["adminform"].form.fields


def test_new_admin_pages_have_no_inline_script_or_style(client, login, editor):
    incident = ready(Status.IN_REVIEW)
    step(incident, "return_to_draft", editor)  # some history to list
    incident.groups.get().delete()
    deleted = ready()
    login(editor)
    client.post(reverse("admin:incidents_incident_delete", args=[deleted.pk]), {"post": "yes"})
    for page in [
        change_url(incident),
        reverse("admin:incidents_incident_changelist"),
        reverse("admin:incidents_reviewqueueitem_changelist"),
        reverse("admin:incidents_incident_history", args=[incident.pk]),
        reverse("admin:incidents_incident_deleted"),
    ]:
        response = client.get(page)
        assert response.status_code == 200, page
        html = response.content.decode()
        assert re.findall(r"<script(?![^>]*\ssrc=)[^>]*>", html) == [], page
        assert not re.findall(r"<[^>]+\s(on[a-z]+|style)=", html), page


# -- changelist actions ------------------------------------------------------------------------
def test_changelist_action_reports_per_incident(client, login, editor):
    good = ready(Status.IN_REVIEW, title="Good")
    unsourced = IncidentFactory(status=Status.IN_REVIEW, title="Unsourced")
    draft = ready(Status.DRAFT, title="Draft")
    login(editor)

    response = client.post(
        reverse("admin:incidents_incident_changelist"),
        {"action": "transition_publish", "_selected_action": [good.pk, unsourced.pk, draft.pk]},
        follow=True,
    )

    assert sorted(messages_of(response)) == sorted(
        [
            "“Unsourced”: Cite at least one non-confidential source before publishing. "
            "Add at least one detainee group before publishing.",
            "“Draft”: Cannot publish: the incident is now draft.",
            "Publish done for 1: “Good”",
        ]
    )
    assert [status_of(i) for i in (good, unsourced, draft)] == [
        Status.PUBLISHED,
        Status.IN_REVIEW,
        Status.DRAFT,
    ]


def test_caseworker_is_offered_only_their_steps(client, login, caseworker):
    IncidentFactory()
    login(caseworker)
    response = client.get(reverse("admin:incidents_incident_changelist"))
    offered = {name for name, _ in response.context["action_form"].fields["action"].choices}
    assert offered == {"", "transition_submit", "transition_return_to_draft"}


# -- the review queue --------------------------------------------------------------------------
QUEUE = reverse("admin:incidents_reviewqueueitem_changelist")


def test_queue_lists_in_review_incidents_oldest_submission_first(client, login, editor):
    first = ready(title="Submitted first")
    second = IncidentFactory(status=Status.DRAFT, title="Submitted second")
    resubmitted = ready(title="Resubmitted last")
    ready(Status.PUBLISHED, title="Already out")
    for incident in (resubmitted, first, second):
        step(incident, "submit", editor)
    step(resubmitted, "return_to_draft", editor)
    step(resubmitted, "submit", editor)
    first.refresh_from_db()
    first.summary = "Edited while in review"  # edits in review do not move it back
    first.save()

    login(editor)
    response = client.get(QUEUE)

    rows = list(response.context["cl"].result_list)
    assert [r.title for r in rows] == ["Submitted first", "Submitted second", "Resubmitted last"]
    html = response.content.decode()
    assert f'<a href="{change_url(first)}">Submitted first</a>' in html
    assert html.count('<td class="field-ready">Yes</td>') == 2
    assert "No: Cite at least one non-confidential source before publishing." in html


def test_queue_row_opens_the_incident(client, login, editor):
    incident = ready(Status.IN_REVIEW)
    login(editor)
    url = reverse("admin:incidents_reviewqueueitem_change", args=[incident.pk])
    assert client.get(url).url == change_url(incident)


def test_queue_actions(client, login, editor, caseworker):
    to_publish, to_return = ready(Status.IN_REVIEW), ready(Status.IN_REVIEW)
    login(caseworker)
    assert client.get(QUEUE).context["action_form"] is None  # caseworkers only look

    login(editor)
    for incident, name in [(to_publish, "publish"), (to_return, "return_to_draft")]:
        response = client.post(
            QUEUE, {"action": f"transition_{name}", "_selected_action": [incident.pk]}
        )
        assert response.status_code == 302
    assert status_of(to_publish) == Status.PUBLISHED
    assert status_of(to_return) == Status.DRAFT
    assert list(client.get(QUEUE).context["cl"].result_list) == []
