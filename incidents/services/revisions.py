"""Revisions of published incidents: propose, review, publish or return, discard.

Storage (see models.review): the pending revision is a *working copy*, a draft Incident whose
`revision_of` is the live incident, made from the live one's FULL interchange record. Staff edit
it with the ordinary change page (every inline, picker and validation as for any draft), submit
it, and an editor reviews the field-by-field diff (revision_diff) against the live record. On
publish, the working copy's record is applied to the live incident through the importer — the
same code path as a file — under the live version the copy was made from, and an
IncidentRevision keeps both records, the changes and the correction notice. The live incident is
untouched until then: every public output reads it, and the working copy is a draft (and a
database constraint keeps it from ever being published itself).
"""

from __future__ import annotations

import json

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents import cache as public_cache
from incidents.interchange import FULL, PUBLIC, export_queryset, incident_record
from incidents.interchange.records import JSONEncoder
from incidents.models import (
    Incident,
    IncidentRevision,
    ReviewComment,
    ReviewStep,
    Status,
    unique_slug,
)
from incidents.revision_diff import FieldChange, diff_records
from incidents.services import policy
from incidents.services.errors import Conflict
from incidents.services.notifications import notify_transition
from incidents.services.workflow import publication_problems

# Keys of a record that a copy or an application must not carry over: bookkeeping, the
# embargo (the live incident's publication is over; only editors set one) and the derived
# correction date.
NOT_COPIED = (
    "status", "version", "published_at", "created_at", "updated_at", "staff_updated_at",
    "publish_not_before", "corrected_at",
)  # fmt: skip


def full_record(incident_id: int) -> dict:
    """The incident as a FULL interchange record (staff scope: notes, confidential claims)."""
    incident = export_queryset(Incident.objects.filter(pk=incident_id), FULL).get()
    # As plain JSON (dates as text…): what the file format says, stored and compared as such.
    return json.loads(json.dumps(incident_record(incident, FULL), cls=JSONEncoder))


def public_record(incident_id: int) -> dict:
    """What the public may know of the incident (PUBLIC scope: no notes, no confidential
    source), as plain JSON: whether a change is public, and substantive, is read from this."""
    incident = export_queryset(Incident.objects.filter(pk=incident_id), PUBLIC).get()
    return json.loads(json.dumps(incident_record(incident, PUBLIC), cls=JSONEncoder))


def working_copy_of(incident: Incident) -> Incident | None:
    return Incident.objects.filter(revision_of=incident).first()


def pending_changes(working_copy: Incident) -> list[FieldChange]:
    """What publishing `working_copy` would change on its live incident."""
    return diff_records(full_record(working_copy.revision_of_id), full_record(working_copy.pk))


def proposer_id(working_copy_id: int) -> int | None:
    first = (
        Incident.history.filter(id=working_copy_id)
        .order_by("history_date", "history_id")
        .values_list("history_user_id", flat=True)
        .first()
    )
    return first


@transaction.atomic
def start_revision(*, incident: Incident, user) -> Incident:
    """The working copy for a change to published `incident` (the open one if there is one)."""
    policy.require_model_permission(user, "add", Incident)
    policy.require_model_permission(user, "change", Incident)
    live = Incident.objects.select_for_update().filter(pk=incident.pk).first()
    if live is None:
        raise ValidationError(_("This incident no longer exists."))
    if live.revision_of_id is not None:
        raise ValidationError(_("This is already a pending revision; edit it."))
    if live.status != Status.PUBLISHED:
        raise ValidationError(
            _("Only a published incident is changed through a revision; edit this one directly.")
        )
    existing = working_copy_of(live)
    if existing is not None:
        return existing
    record = {k: v for k, v in full_record(live.pk).items() if k not in NOT_COPIED}
    record["slug"] = unique_slug(Incident, f"{live.slug[:60]}-revision")
    copy = _apply(record, user=user)
    Incident.objects.filter(pk=copy.pk).update(revision_of=live, revision_base_version=live.version)
    copy.refresh_from_db()
    _history(copy, user, _("Pending revision of incident #%(id)s started") % {"id": live.pk})
    _history(
        live, user, _("Change proposed (pending revision: incident #%(id)s)") % {"id": copy.pk}
    )
    return copy


@transaction.atomic
def publish_revision(
    *,
    working_copy: Incident,
    user,
    notice: str = "",
    minor: bool = False,
    expected_version: int | None = None,
) -> IncidentRevision:
    """Apply a reviewed working copy to its live incident; editors only.

    Refused, with nothing written, when: the copy is not in review, it changed since the
    editor read it (`expected_version`), the live incident is no longer published or changed
    since the copy was made, it changes nothing, or it changes a figure, date, place, outcome or
    source without a correction notice and is not marked minor.
    """
    if not user.has_perm(policy.PUBLISH):
        raise PermissionDenied(_("Only editors may publish a revision."))
    copy = Incident.objects.select_for_update().filter(pk=working_copy.pk).first()
    if copy is None or copy.revision_of_id is None:
        raise ValidationError(_("This revision no longer exists (published or discarded)."))
    if expected_version is not None and copy.version != expected_version:
        from incidents.services.changes import changes_since

        raise Conflict(
            instance=copy,
            expected_version=expected_version,
            current_version=copy.version,
            changes=changes_since(copy, expected_version),
        )
    if copy.status != Status.IN_REVIEW:
        raise ValidationError(_("Submit the revision for review before publishing it."))
    live = Incident.objects.select_for_update().get(pk=copy.revision_of_id)
    if live.status != Status.PUBLISHED:
        raise ValidationError(
            _("The live incident is no longer published; this revision cannot be applied.")
        )
    if live.version != copy.revision_base_version:
        raise ValidationError(
            _(
                "The live incident changed after this revision was started (version %(then)s, "
                "now %(now)s). Discard this revision and propose the change again."
            )
            % {"then": copy.revision_base_version, "now": live.version}
        )
    problems = publication_problems(copy)
    if problems:
        raise ValidationError(problems)
    before = full_record(live.pk)
    proposed = full_record(copy.pk)
    changes = diff_records(before, proposed)
    if not changes:
        raise ValidationError(_("This revision changes nothing; discard it instead."))
    notice = clean_notice(notice)
    # What readers can see changed decides the notice: a change to a confidential claim, or
    # to internal notes, is never announced, whatever was typed (the notice itself would
    # tell that staff worked on the record).
    public_before = public_record(live.pk)
    public_changes = diff_records(public_before, public_record(copy.pk))
    notice, minor, substantive = notice_terms(
        public_changes,
        notice,
        minor,
        refusal=_(
            "This revision changes a figure, date, place, outcome or source: write the "
            "correction notice readers will see, or mark it minor."
        ),
    )

    record = {k: v for k, v in proposed.items() if k not in NOT_COPIED}
    record["slug"], record["version"] = live.slug, live.version
    with policy.applying_revision():
        _apply(record, user=user)
    now = timezone.now()
    if not public_changes:
        keep_public_updated_at(live.pk, public_before)
    revision = store_revision(
        incident=live,
        proposed_by_id=proposer_id(copy.pk),
        user=user,
        at=now,
        terms=(notice, minor, substantive),
        before=before,
        after=full_record(live.pk),
        changes=changes,
    )
    number = revision.number
    ReviewComment.objects.filter(incident=copy).update(incident=live)
    ReviewComment.objects.create(
        incident=live,
        author=user,
        step=ReviewStep.PUBLISHED,
        text=_("Published revision #%(n)s%(minor)s.")
        % {"n": number, "minor": _(" (minor)") if minor else ""},
    )
    _history(copy, user, _("Published onto incident #%(id)s") % {"id": live.pk})
    copy_id = copy.pk
    copy.delete()  # (sets copy.pk to None)
    fresh = Incident.objects.get(pk=live.pk)
    _history(fresh, user, _("Revision #%(n)s published") % {"n": number})
    public_cache.public_changed()
    notify_transition(
        incident_id=live.pk, name="publish", actor=user, step=_("Publish revision"),
        recipients_of=copy_id,
    )  # fmt: skip
    return revision


def clean_notice(notice: str | None) -> str:
    """A correction notice as typed, trimmed; a null character is refused (PostgreSQL
    refuses it in a text column)."""
    notice = (notice or "").strip()
    if "\x00" in notice:
        raise ValidationError(_("The correction notice cannot contain a null character."))
    return notice


def notice_terms(
    public_changes: list[FieldChange], notice: str, minor: bool, *, refusal: str
) -> tuple[str, bool, bool]:
    """(notice, minor, substantive) to store for a change readers see as `public_changes`
    (a published revision, a merge into a published incident). No public change: no notice.
    A substantive one (a figure, date, place, outcome or source) with neither a notice nor
    `minor` is refused with `refusal`. A minor change keeps no notice."""
    if not public_changes:
        return "", True, False
    substantive = any(c.substantive for c in public_changes)
    if substantive and not minor and not notice:
        raise ValidationError(refusal)
    return ("" if minor else notice), minor, substantive


def keep_public_updated_at(incident_id: int, public_before: dict) -> None:
    """Only internal parts changed: the public `updated_at` goes back to what it was
    (services.editing moves it for any rewritten row, and the importer rewrites a changed
    list of citations whole), so a feed reader cannot tell staff worked on the record."""
    Incident.objects.filter(pk=incident_id).update(updated_at=public_before["updated_at"])


def store_revision(
    *,
    incident: Incident,
    proposed_by_id,
    user,
    at,
    terms: tuple[str, bool, bool],
    before: dict,
    after: dict,
    changes: list[FieldChange],
) -> IncidentRevision:
    """The live incident's next numbered published revision (`terms`: notice_terms())."""
    notice, minor, substantive = terms
    return IncidentRevision.objects.create(
        incident=incident,
        number=IncidentRevision.objects.filter(incident=incident).count() + 1,
        proposed_by_id=proposed_by_id,
        published_by=user,
        published_at=at,
        notice=notice,
        minor=minor,
        substantive=substantive,
        before=before,
        after=after,
        changes=[c.as_list() for c in changes],
    )


@transaction.atomic
def discard_revision(*, working_copy: Incident, user) -> None:
    """Drop a pending revision: its proposer while it is a draft, or an editor."""
    copy = Incident.objects.select_for_update().filter(pk=working_copy.pk).first()
    if copy is None or copy.revision_of_id is None:
        raise ValidationError(_("This revision no longer exists (published or discarded)."))
    own = proposer_id(copy.pk) == user.pk and copy.status == Status.DRAFT
    if not (user.has_perm(policy.PUBLISH) or (own and policy.can_edit_incident(user, copy))):
        raise PermissionDenied(
            _("Only its proposer (while it is a draft) or an editor may discard a revision.")
        )
    live = Incident.objects.get(pk=copy.revision_of_id)
    _history(copy, user, _("Revision discarded"))
    copy_id = copy.pk
    copy.delete()
    _history(live, user, _("Pending revision discarded (incident #%(id)s)") % {"id": copy_id})


def _apply(record: dict, *, user) -> Incident:
    from incidents.importer.run import apply_record

    return apply_record(record, user=user)


def _history(incident: Incident, user, reason: str) -> None:
    incident._history_user = user
    Incident.history.bulk_history_create(
        [incident], update=True, default_user=user, default_change_reason=str(reason)
    )
