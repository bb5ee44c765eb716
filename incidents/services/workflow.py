"""The incident workflow. Nothing else changes an incident's status.

    draft ──submit──▶ in_review ──publish──▶ published ──archive──▶ archived
      ▲                  │                       │                    │
      └────return────────┘◀───────unpublish──────┘◀────republish──────┘ (editors)
                         │  ▲                    ▲
                 schedule│  │unschedule          │ end of embargo: services.embargo.publish_due
                         ▼  │                    │ (`manage.py publish_due`), never a person
                       scheduled ────────────────┘

An incident under embargo (`publish_not_before` in the future) is never published early: the
publish step refuses it, and a scheduled incident leaves `scheduled` for `published` only
through publish_due, once its time has passed.

Every step is compare-and-set: `UPDATE … WHERE status = <what the step starts from>`, with the
row locked first on PostgreSQL. Edits never write `status` or `published_at` (services.editing
writes only the fields a user changed), so a save in flight cannot undo a transition, and two
transitions racing cannot both win.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from incidents import cache as public_cache
from incidents.models import Incident, Status
from incidents.services.errors import Conflict
from incidents.services.notifications import notify_transition
from incidents.services.policy import PUBLISH, perm


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
        Transition("submit", gettext_lazy("Submit for review"), (Status.DRAFT,), Status.IN_REVIEW,
                   perm("change", Incident)),
        Transition("return_to_draft", gettext_lazy("Return to draft"), (Status.IN_REVIEW,),
                   Status.DRAFT, perm("change", Incident)),
        Transition("publish", gettext_lazy("Publish"), (Status.IN_REVIEW, Status.ARCHIVED),
                   Status.PUBLISHED, PUBLISH),
        Transition("unpublish", gettext_lazy("Unpublish (back to draft)"), (Status.PUBLISHED,),
                   Status.DRAFT, PUBLISH),
        Transition("schedule", gettext_lazy("Schedule (publish when the embargo ends)"),
                   (Status.IN_REVIEW,), Status.SCHEDULED, PUBLISH),
        Transition("unschedule", gettext_lazy("Unschedule (back to review)"),
                   (Status.SCHEDULED,), Status.IN_REVIEW, PUBLISH),
        Transition("archive", gettext_lazy("Archive"),
                   (Status.PUBLISHED, Status.DRAFT, Status.IN_REVIEW), Status.ARCHIVED, PUBLISH),
    ]
}  # fmt: skip


# A pending revision (a working copy, services.revisions) is submitted and returned like a
# draft; it is published onto its live incident by publish_revision, never by these steps.
WORKING_COPY_STEPS = ("submit", "return_to_draft")


def available_transitions(*, incident: Incident, user) -> list[Transition]:
    return [
        t
        for t in TRANSITIONS.values()
        if incident.status in t.source
        and user.has_perm(t.permission)
        and (incident.revision_of_id is None or t.name in WORKING_COPY_STEPS)
    ]


def transition_path(source: str, target: str) -> list[str]:
    """The shortest list of step names from `source` to `target` (imports use it to reach the
    status a file gives, one permitted step at a time). Empty if already there."""
    queue: deque[tuple[str, list[str]]] = deque([(source, [])])
    seen = {source}
    while queue:
        status, steps = queue.popleft()
        if status == target:
            return steps
        for t in TRANSITIONS.values():
            if status in t.source and t.target not in seen:
                seen.add(t.target)
                queue.append((t.target, [*steps, t.name]))
    raise ValidationError(_("No workflow path to '%(status)s'.") % {"status": target})


def publication_problems(incident: Incident) -> list[str]:
    """Why this incident cannot be published yet (empty list: it can)."""
    problems = []
    if not incident.citations.filter(source__confidential=False).exists():
        problems.append(_("Cite at least one non-confidential source before publishing."))
    if not incident.groups.exists():
        problems.append(_("Add at least one detainee group before publishing."))
    return problems


def embargo_text(moment) -> str:
    """An embargo's time as staff read it (the site's time zone)."""
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def embargo_problems(incident: Incident, target: str, *, now, as_imported: bool) -> list[str]:
    """Why this step would break the embargo (empty list: it would not).

    Publishing by hand while `publish_not_before` is still ahead would publish early. Scheduling
    needs a time, and one still ahead (a time already past is a typo or a plain publish);
    a record recreated from another database (`as_imported`) keeps the time it had there, and
    publish_due publishes it at its next run if that time has passed.
    """
    embargo = incident.publish_not_before
    if target == Status.PUBLISHED and embargo is not None and embargo > now:
        return [
            _(
                "This incident is embargoed until %(time)s: schedule it to be published then, "
                "or clear “publish not before” to publish it now."
            )
            % {"time": embargo_text(embargo)}
        ]
    if target == Status.SCHEDULED:
        if embargo is None:
            return [_("Set “publish not before” (and save) before scheduling.")]
        if embargo <= now and not as_imported:
            return [
                _(
                    "“Publish not before” (%(time)s) has already passed: set a later time, or "
                    "clear it and publish."
                )
                % {"time": embargo_text(embargo)}
            ]
    return []


@transaction.atomic
def incident_transition(
    *,
    incident: Incident,
    name: str,
    user,
    expected_version: int | None = None,
    as_imported: bool = False,
    notify: bool = True,
    comment: str = "",
    field_comments: dict[str, str] | None = None,
) -> Incident:
    """Move `incident` one step along the workflow, checking permission and publication rules.

    `expected_version`: the version the user was looking at (the change page sends it), so a
    step is never applied to a record that changed unseen. `as_imported`: the step recreates,
    for a record new to this database, a status it had where the file came from; the file's
    timestamps (set on creation by save_incident's stamps) then stand. `notify`: send the
    workflow e-mails (services.notifications); an import of many records does not.
    `comment`, `field_comments` ({field path: text}): the reviewer's comments on a return,
    kept staff-only with the incident (models.ReviewComment).
    """
    transition = TRANSITIONS.get(name)
    if transition is None:
        raise ValidationError(_("Unknown workflow step '%(name)s'.") % {"name": name})
    if not user.has_perm(transition.permission):
        raise PermissionDenied(_("You are not allowed to %(step)s.") % {"step": transition.label})
    current = Incident.objects.select_for_update().filter(pk=incident.pk).first()
    if current is None:
        raise ValidationError(_("This incident no longer exists."))
    if expected_version is not None and current.version != expected_version:
        from incidents.services.changes import changes_since

        raise Conflict(
            instance=current,
            expected_version=expected_version,
            current_version=current.version,
            changes=changes_since(current, expected_version),
        )
    if current.revision_of_id is not None and name not in WORKING_COPY_STEPS:
        raise ValidationError(
            _(
                "This is a pending revision of incident #%(id)s: an editor publishes it from its "
                "review page (or it is discarded); it has no status of its own."
            )
            % {"id": current.revision_of_id}
        )
    if current.merged_into_id is not None:
        raise ValidationError(
            _("This incident was merged into another one; its status no longer changes.")
        )
    if current.status not in transition.source:
        raise ValidationError(
            _("Cannot %(step)s: the incident is now %(status)s.")
            % {
                "step": str(transition.label).lower(),
                "status": current.get_status_display().lower(),
            }
        )
    now = timezone.now()
    problems = embargo_problems(current, transition.target, now=now, as_imported=as_imported)
    if transition.target in (Status.PUBLISHED, Status.SCHEDULED):
        # A scheduled incident is published unattended: it must be publishable when scheduled.
        problems += publication_problems(current)
    if problems:
        raise ValidationError(problems)

    changes = {"status": transition.target}
    if not as_imported:  # an import recreating a record keeps its version and times
        changes |= {"version": F("version") + 1, "staff_updated_at": now}
    if transition.target == Status.PUBLISHED:
        changes["published_at"] = Coalesce(F("published_at"), now)
        if not as_imported:
            # Becoming public is a public change: the feed and exports show it as updated.
            changes["updated_at"] = now
    # Compare-and-set: applies only if nobody moved the incident, or changed its embargo, since
    # we read it.
    moved = Incident.objects.filter(
        pk=current.pk, status=current.status, publish_not_before=current.publish_not_before
    ).update(**changes)
    if moved != 1:
        raise ValidationError(_("The incident's status changed meanwhile; nothing was done."))
    fresh = Incident.objects.get(pk=current.pk)
    _comment(fresh, user, name, comment, field_comments or {})
    fresh._history_user = user
    Incident.history.bulk_history_create(
        [fresh], update=True, default_user=user, default_change_reason=str(transition.label)
    )
    if Status.PUBLISHED in (current.status, transition.target):
        public_cache.public_changed()  # published or unpublished: every public page may change
    if notify and not as_imported:
        notify_transition(
            incident_id=fresh.pk, name=transition.name, actor=user, step=str(transition.label)
        )
    return fresh


def _comment(incident: Incident, user, name: str, comment: str, field_comments: dict) -> None:
    from incidents.models import ReviewComment, ReviewStep
    from incidents.models.common import LONG_TEXT

    step = ReviewStep.RETURNED if name == "return_to_draft" else ReviewStep.NOTE
    rows = [(str(f), str(t).strip()) for f, t in field_comments.items() if str(t).strip()]
    if str(comment).strip():
        rows.insert(0, ("", str(comment).strip()))
    for field, text in rows:
        if "\x00" in field or "\x00" in text:  # PostgreSQL refuses it in a text column
            raise ValidationError(_("A comment cannot contain a null character."))
        if len(text) > LONG_TEXT:
            raise ValidationError(_("A comment is too long (at most %(n)s characters).")
                                  % {"n": LONG_TEXT})  # fmt: skip
    ReviewComment.objects.bulk_create(
        ReviewComment(incident=incident, author=user, step=step, field=field[:200], text=text)
        for field, text in rows
    )
