"""Soft edit locks: "being edited by alice since 10:32" on an incident's change page.

A lock informs and never blocks: saving is guarded by the version check (services.editing),
and a refused writer merges their change onto the newer version (admin_stale_merge). A lock lives
while its page reports in (a heartbeat every HEARTBEAT_SECONDS), is released on a successful
save or when the page is left (best effort: a browser may close without saying so), and is
ignored, then pruned, once LOCK_TTL has passed since it was last seen. So a lock can never keep
anyone out of a record for good.

Lock rows are bookkeeping, not record data (no history, no version), but their writes still go
through here, keyword-only and atomic, like every other write.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _

from incidents.models import EditLock

LOCK_TTL = timedelta(minutes=15)
HEARTBEAT_SECONDS = 60


def _now() -> datetime:
    """The clock locks run on (tests set it; sessions and logins keep the real one)."""
    return timezone.now()


def _cutoff(now: datetime) -> datetime:
    return now - LOCK_TTL


def since_label(lock: EditLock, *, now: datetime | None = None) -> str:
    """When the lock started, in the active time zone: "10:32", or "3 May 10:32" if not today."""
    now = timezone.localtime(now or _now())
    started = timezone.localtime(lock.started_at)
    if started.date() == now.date():
        return date_format(started, "H:i")
    return date_format(started, "j M H:i")


def banner_text(lock: EditLock, *, now: datetime | None = None) -> str:
    return _("Being edited by %(user)s since %(time)s") % {
        "user": lock.user.get_username(),
        "time": since_label(lock, now=now),
    }


@transaction.atomic
def page_opened(*, incident, user, editing: bool, now: datetime | None = None) -> list[EditLock]:
    """The others editing `incident` now (live locks, oldest first): one query. When `user`
    can edit it (`editing`), also record that they are: one more query (an upsert), and one
    to drop this incident's expired locks if any were read."""
    now = now or _now()
    rows = list(
        EditLock.objects.filter(incident_id=incident.pk)
        .select_related("user")
        .order_by("started_at", "pk")
    )
    cutoff = _cutoff(now)
    expired = [row.pk for row in rows if row.last_seen < cutoff]
    if expired:
        EditLock.objects.filter(pk__in=expired, last_seen__lt=cutoff).delete()
    if editing:
        _upsert(incident.pk, user, now)
    return [row for row in rows if row.last_seen >= cutoff and row.user_id != user.pk]


@transaction.atomic
def heartbeat(*, incident, user, now: datetime | None = None) -> list[EditLock]:
    """The open page reports in: refresh `user`'s own lock (re-creating it if it expired or
    was released meanwhile), prune expired locks everywhere, and return the others' live
    locks. Only ever touches the caller's own row: a heartbeat cannot take over another's."""
    now = now or _now()
    prune(now=now)
    _upsert(incident.pk, user, now)
    return list(
        EditLock.objects.filter(incident_id=incident.pk, last_seen__gte=_cutoff(now))
        .exclude(user_id=user.pk)
        .select_related("user")
        .order_by("started_at", "pk")
    )


@transaction.atomic
def release(*, incident, user) -> bool:
    """`user` stopped editing `incident` (saved, or left the page)."""
    deleted, _by_model = EditLock.objects.filter(incident_id=incident.pk, user_id=user.pk).delete()
    return bool(deleted)


@transaction.atomic
def prune(*, now: datetime | None = None) -> int:
    """Delete every expired lock."""
    now = now or _now()
    deleted, _by_model = EditLock.objects.filter(last_seen__lt=_cutoff(now)).delete()
    return deleted


def _upsert(incident_id: int, user, now: datetime) -> None:
    """Insert the (incident, user) lock, or refresh last_seen of the live one: one query, safe
    against the same user's two tabs racing. Callers drop an expired row first, so a lock
    that lapsed restarts (its started_at is now)."""
    EditLock.objects.bulk_create(
        [EditLock(incident_id=incident_id, user=user, started_at=now, last_seen=now)],
        update_conflicts=True,
        unique_fields=["incident", "user"],
        update_fields=["last_seen"],
    )
