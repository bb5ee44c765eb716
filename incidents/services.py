"""Workflow and multi-model writes. Admin actions, imports and tests call these; nothing else
changes an incident's status.

    draft ──submit──▶ in_review ──publish──▶ published ──archive──▶ archived
      ▲                  │                       │                    │
      └────return────────┘◀───────unpublish──────┘◀────republish──────┘ (editors)
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents.models import Incident, Status

PUBLISH_PERMISSION = "incidents.publish_incident"


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    source: tuple[str, ...]
    target: str
    permission: str


TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in [
        Transition("submit", _("Submit for review"), (Status.DRAFT,), Status.IN_REVIEW,
                   "incidents.change_incident"),
        Transition("return_to_draft", _("Return to draft"), (Status.IN_REVIEW,), Status.DRAFT,
                   "incidents.change_incident"),
        Transition("publish", _("Publish"), (Status.IN_REVIEW, Status.ARCHIVED),
                   Status.PUBLISHED, PUBLISH_PERMISSION),
        Transition("unpublish", _("Unpublish (back to draft)"), (Status.PUBLISHED,), Status.DRAFT,
                   PUBLISH_PERMISSION),
        Transition("archive", _("Archive"), (Status.PUBLISHED, Status.DRAFT, Status.IN_REVIEW),
                   Status.ARCHIVED, PUBLISH_PERMISSION),
    ]
}  # fmt: skip


def available_transitions(*, incident: Incident, user) -> list[Transition]:
    return [
        t
        for t in TRANSITIONS.values()
        if incident.status in t.source and user.has_perm(t.permission)
    ]


def publication_problems(incident: Incident) -> list[str]:
    """Why this incident cannot be published yet (empty list: it can)."""
    problems = []
    if not incident.citations.filter(source__confidential=False).exists():
        problems.append(_("Cite at least one non-confidential source before publishing."))
    if not incident.groups.exists():
        problems.append(_("Add at least one detainee group before publishing."))
    return problems


@transaction.atomic
def incident_transition(*, incident: Incident, name: str, user) -> Incident:
    """Move `incident` along the workflow, checking permission and publication rules."""
    transition = TRANSITIONS.get(name)
    if transition is None:
        raise ValidationError(_("Unknown workflow step '%(name)s'.") % {"name": name})
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    if incident.status not in transition.source:
        raise ValidationError(
            _("Cannot %(step)s an incident that is %(status)s.")
            % {"step": transition.label.lower(), "status": incident.get_status_display().lower()}
        )
    if not user.has_perm(transition.permission):
        raise PermissionDenied(_("You are not allowed to %(step)s.") % {"step": transition.label})
    if transition.target == Status.PUBLISHED:
        problems = publication_problems(incident)
        if problems:
            raise ValidationError(problems)
    incident.status = transition.target
    if transition.target == Status.PUBLISHED and incident.published_at is None:
        incident.published_at = timezone.now()
    incident._change_reason = transition.label
    incident.save(update_fields=["status", "published_at", "updated_at"])
    return incident
