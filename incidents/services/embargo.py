"""The end of an embargo: scheduled incidents whose `publish_not_before` has passed are
published, by `manage.py publish_due` (cron or a systemd timer, every minute; docs/deploy.md).

This is the only way out of `scheduled` to `published` (services.workflow has no such step),
and it is never early: each incident is published by a compare-and-set
`UPDATE … WHERE status = 'scheduled' AND publish_not_before <= now`, so an embargo moved later
meanwhile, an unschedule, or another run of the command that got there first, wins. Two runs
racing publish each incident once. Each incident is its own transaction: one that cannot be
published (it lost its sources since it was scheduled) is reported and stays scheduled, and
holds back no other.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents import cache as public_cache
from incidents.models import Incident, Status
from incidents.services.notifications import notify_transition
from incidents.services.workflow import publication_problems


@dataclass
class DueResult:
    published: list[Incident] = field(default_factory=list)
    # (incident, why it cannot be published): left scheduled, for an editor to see to.
    held: list[tuple[Incident, list[str]]] = field(default_factory=list)


def change_reason() -> str:
    return _("Published at end of embargo")


def publish_due(*, now=None) -> DueResult:
    """Publish every scheduled incident whose embargo has ended by `now` (default: now)."""
    now = now or timezone.now()
    result = DueResult()
    due = Incident.objects.embargo_due(now).order_by("publish_not_before", "pk")
    for pk in list(due.values_list("pk", flat=True)):
        _publish_one(pk, now, result)
    return result


@transaction.atomic
def _publish_one(pk: int, now, result: DueResult) -> None:
    # Locked and read again (PostgreSQL): a concurrent run waits here, then finds it gone.
    current = Incident.objects.select_for_update().embargo_due(now).filter(pk=pk).first()
    if current is None:
        return  # unscheduled, moved later or published meanwhile
    problems = publication_problems(current)
    if problems:
        result.held.append((current, problems))
        return
    moved = (
        Incident.objects.embargo_due(now)
        .filter(pk=pk)
        .update(
            status=Status.PUBLISHED,
            published_at=Coalesce(F("published_at"), now),
            updated_at=now,  # becoming public is a public change (feed, exports)
            staff_updated_at=now,
            version=F("version") + 1,
        )
    )
    if moved != 1:
        return  # compare-and-set lost: someone else decided first
    fresh = Incident.objects.get(pk=pk)
    Incident.history.bulk_history_create(
        [fresh], update=True, default_user=None, default_change_reason=change_reason()
    )
    public_cache.public_changed()
    notify_transition(incident_id=pk, name="publish", actor=None, step=change_reason())
    result.published.append(fresh)
