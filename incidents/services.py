"""Workflow and multi-model writes. Admin actions, imports and tests call these; nothing else
changes an incident's status.

    draft ──submit──▶ in_review ──publish──▶ published ──archive──▶ archived
      ▲                  │                       │                    │
      └────return────────┘◀───────unpublish──────┘◀────republish──────┘ (editors)
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import uuid4

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents.models import (
    Citation,
    CustodyEvent,
    DetaineeGroup,
    Incident,
    Location,
    Source,
    StaffAccessLog,
    Status,
)

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
    incident._history_user = user  # also outside a request (imports, scripts)
    incident.save(update_fields=["status", "published_at", "updated_at"])
    return incident


# --- Deletion and restore -------------------------------------------------------------------
# An incident is deleted part by part, each historical "deleted" record carrying the same
# batch label in history_change_reason. Restoring replays exactly that batch, so parts that
# were deleted separately, earlier, stay deleted.

DELETE_BATCH_PREFIX = "deleted with incident"


@transaction.atomic
def incident_delete(*, incident: Incident, user) -> str:
    """Delete an incident with its groups, events and citations; return the batch label."""
    if not user.has_perm("incidents.delete_incident"):
        raise PermissionDenied(_("You are not allowed to delete incidents."))
    batch = f"{DELETE_BATCH_PREFIX} {incident.pk} ({uuid4().hex[:12]})"
    parts = [
        *incident.citations.all(),
        *CustodyEvent.objects.filter(group__incident=incident),
        *incident.groups.all(),
        incident,
    ]
    for part in parts:
        part._change_reason = batch
        part._history_user = user
        part.delete()
    return batch


def deleted_incidents():
    """Historical 'deleted' records of incidents that do not exist now, newest first."""
    existing = Incident.objects.values("pk")
    return (
        Incident.history.filter(
            history_type="-", history_change_reason__startswith=DELETE_BATCH_PREFIX
        )
        .exclude(id__in=existing)
        .order_by("-history_date")
    )


@transaction.atomic
def incident_restore(*, incident_id: int, user) -> Incident:
    """Re-create a deleted incident with the groups, events and citations deleted with it."""
    if not user.has_perm("incidents.restore_incident"):
        raise PermissionDenied(_("You are not allowed to restore incidents."))
    if Incident.objects.filter(pk=incident_id).exists():
        raise ValidationError(_("This incident has not been deleted."))
    deletion = deleted_incidents().filter(id=incident_id).first()
    if deletion is None:
        raise ValidationError(_("No deleted incident with id %(id)s.") % {"id": incident_id})
    batch = deletion.history_change_reason
    if Incident.objects.filter(slug=deletion.slug).exists():
        raise ValidationError(
            _("Another incident now uses the address '%(slug)s'; change its slug first.")
            % {"slug": deletion.slug}
        )
    restored = None
    for model in (Incident, DetaineeGroup, CustodyEvent, Citation):
        for record in model.history.filter(history_type="-", history_change_reason=batch):
            obj = record.instance
            _check_references(obj)
            obj._change_reason = f"restored ({batch})"
            obj._history_user = user
            obj.save(force_insert=True)
            if model is Incident:
                restored = obj
                # save() stamps created/updated with "now"; put the original times back.
                Incident.objects.filter(pk=obj.pk).update(
                    created_at=record.created_at, updated_at=record.updated_at
                )
    restored.refresh_from_db()
    return restored


def _check_references(obj) -> None:
    """Locations and sources are not deleted with an incident; they may be gone since."""
    for field, model, label in (
        ("arrest_location_id", Location, _("place of arrest")),
        ("location_id", Location, _("place")),
        ("source_id", Source, _("source")),
    ):
        pk = getattr(obj, field, None)
        if pk is not None and not model.objects.filter(pk=pk).exists():
            raise ValidationError(
                _("Cannot restore: the %(what)s it refers to (id %(id)s) has been deleted.")
                % {"what": label, "id": pk}
            )


def log_staff_access(*, user, obj, action: str = StaffAccessLog.Action.VIEW) -> None:
    """Record that `user` saw a record holding restricted data. Never records the values."""
    StaffAccessLog.objects.create(
        user=user if user.is_authenticated else None,
        username=user.get_username(),
        action=action,
        model=obj._meta.label,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
    )
