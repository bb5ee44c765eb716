"""Deleting and restoring incidents.

An incident is deleted part by part, each historical "deleted" record carrying the same batch
label in history_change_reason. Restoring replays exactly that batch, so parts that were
deleted separately, earlier, stay deleted.
"""

from __future__ import annotations

from uuid import uuid4

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from incidents import cache as public_cache
from incidents.models import (
    Actor,
    Citation,
    CountClaim,
    CustodyEvent,
    DateClaim,
    DetaineeGroup,
    EventActor,
    Incident,
    Location,
    Source,
    Status,
)
from incidents.services import places as place_index
from incidents.services import policy, search_index
from incidents.services.workflow import publication_problems

DELETE_BATCH_PREFIX = "deleted with incident"


@transaction.atomic
def incident_delete(*, incident: Incident, user) -> str:
    """Delete an incident with its groups, events and citations; return the batch label."""
    policy.require_model_permission(user, "delete", Incident)
    incident = Incident.objects.select_for_update().filter(pk=incident.pk).first()
    if incident is None:
        raise ValidationError(_("This incident no longer exists."))
    if incident.merged_records.exists():
        raise ValidationError(
            _("Other incidents were merged into this one and their public addresses lead "
              "here; it cannot be deleted.")
        )  # fmt: skip
    batch = f"{DELETE_BATCH_PREFIX} {incident.pk} ({uuid4().hex[:12]})"
    # Every row under the incident, leaves first, each deleted with the batch label so that a
    # restore finds them all (a cascade would delete them without it).
    groups = list(incident.groups.all())
    parts = [
        *incident.citations.all(),
        *incident.date_claims.all(),
        *CountClaim.objects.filter(group__incident=incident),
        *EventActor.objects.filter(event__group__incident=incident),
        *CustodyEvent.objects.filter(group__incident=incident),
        *sorted(groups, key=lambda g: -_depth(g, groups)),  # subgroups before their groups
        incident,
    ]
    was_public = incident.status == Status.PUBLISHED
    for part in parts:
        part._change_reason = batch
        part._history_user = user
        part.delete()
    if was_public:
        public_cache.public_changed()
    return batch


def deleted_incidents():
    """Historical 'deleted' records of incidents that do not exist now, newest first."""
    existing = Incident.objects.values("pk")
    return (
        Incident.history.filter(
            history_type="-", history_change_reason__startswith=DELETE_BATCH_PREFIX
        )
        .exclude(id__in=existing)
        .filter(revision_of__isnull=True)  # a discarded or published revision is not restored
        .order_by("-history_date")
    )


@transaction.atomic
def incident_restore(*, incident_id: int, user) -> tuple[Incident, list[str]]:
    """Re-create a deleted incident with the groups, events and citations deleted with it.

    Returns the incident and notes for the user. A restore is a write like any other: it never
    publishes what the restoring user could not publish, nor what no longer meets the
    publication rules (a source may have become confidential since): such an incident comes
    back as a draft, and the notes say why.
    """
    if not user.has_perm(policy.RESTORE):
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
    for model in (Incident, DetaineeGroup, CustodyEvent, EventActor, CountClaim, DateClaim,
                  Citation):  # fmt: skip
        for record in model.history.filter(history_type="-", history_change_reason=batch):
            obj = record.instance
            _check_references(obj)
            obj._change_reason = f"restored ({batch})"
            obj._history_user = user
            if model is Incident:
                obj.version += 1
            obj.save(force_insert=True)
            if model is Incident:
                restored = obj
                # save() stamps created/updated with "now"; put the original times back.
                Incident.objects.filter(pk=obj.pk).update(
                    created_at=record.created_at,
                    updated_at=record.updated_at,
                    staff_updated_at=record.staff_updated_at,
                )
    notes = []
    if restored.status == Status.PUBLISHED:
        if not user.has_perm(policy.PUBLISH):
            notes.append(_("It was published, and only editors may publish."))
        else:
            notes.extend(publication_problems(restored))
    elif restored.status == Status.SCHEDULED:
        # Restored scheduled, it is published by publish_due once its embargo has passed.
        if not user.has_perm(policy.PUBLISH):
            notes.append(_("It was scheduled for publication, and only editors may schedule."))
        else:
            notes.extend(publication_problems(restored))
    if notes:
        Incident.objects.filter(pk=restored.pk).update(status=Status.DRAFT)
        fresh = Incident.objects.get(pk=restored.pk)
        Incident.history.bulk_history_create(
            [fresh], update=True, default_user=user, default_change_reason="restored as a draft"
        )
        notes.append(_("It is back as a draft."))
    restored.refresh_from_db()
    place_index.index_incidents([restored.pk])
    search_index.refresh([restored.pk])
    if restored.status == Status.PUBLISHED:
        public_cache.public_changed()
    return restored, notes


def _depth(group, groups) -> int:
    by_pk = {g.pk: g for g in groups}
    depth, parent = 0, group.parent_id
    while parent in by_pk and depth < len(groups):
        depth, parent = depth + 1, by_pk[parent].parent_id
    return depth


def _check_references(obj) -> None:
    """Locations and sources are not deleted with an incident; they may be gone since."""
    for field, model, label in (
        ("arrest_location_id", Location, _("place of arrest")),
        ("location_id", Location, _("place")),
        ("source_id", Source, _("source")),
        ("actor_id", Actor, _("authority")),
        ("merged_into_id", Incident, _("incident it was merged into")),
    ):
        pk = getattr(obj, field, None)
        if pk is not None and not model.objects.filter(pk=pk).exists():
            raise ValidationError(
                _("Cannot restore: the %(what)s it refers to (id %(id)s) has been deleted.")
                % {"what": label, "id": pk}
            )
