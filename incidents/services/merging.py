"""Merging duplicates: one event entered twice (two outlets, two caseworkers) becomes one record.

Everything the merged incident holds moves into the survivor, sources included: its groups
(with their custody events, actors and sourced figures), its citations and its sourced dates.
The merged incident stays, empty and archived for good, with `merged_into` pointing at the
survivor: its history and internal notes remain readable in the admin, and its public address
redirects to the survivor's (views.incident_detail), so a link a journalist published keeps
working. Both histories say what happened ("Merged into …" / "Merged … into this").

Editors and administrators only (the publish permission): a merge can take a published record
off the site. Both incidents are checked against the versions the user was shown.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents import cache as public_cache
from incidents.models import (
    Citation,
    DateClaim,
    DetaineeGroup,
    Incident,
    IncidentRevision,
    Status,
    history,
)
from incidents.revision_diff import diff_records
from incidents.services import derived, figures, policy
from incidents.services.errors import Conflict
from incidents.services.revisions import (
    clean_notice,
    full_record,
    keep_public_updated_at,
    notice_terms,
    public_record,
    store_revision,
)
from incidents.services.workflow import embargo_text, publication_problems


@dataclass
class MergeResult:
    survivor: Incident
    merged: Incident
    groups: int = 0
    citations: int = 0
    citations_dropped: int = 0  # the survivor already cited the same source the same way
    date_claims: int = 0
    revision: IncidentRevision | None = None  # a published survivor's record of the change


def can_merge(user) -> bool:
    return user.has_perm(policy.perm("change", Incident)) and user.has_perm(policy.PUBLISH)


def _check_version(current: Incident, expected: int | None) -> None:
    if expected is not None and current.version != expected:
        from incidents.services.changes import changes_since

        raise Conflict(
            instance=current,
            expected_version=expected,
            current_version=current.version,
            changes=changes_since(current, expected),
        )


REASON_LENGTH = 100  # simple-history's history_change_reason column


def _history(rows, user, reason: str) -> None:
    if rows:
        type(rows[0]).history.bulk_history_create(
            rows, update=True, default_user=user, default_change_reason=reason[:REASON_LENGTH]
        )


@transaction.atomic
@history.collecting
def merge_incidents(
    *,
    survivor: Incident,
    merged: Incident,
    user,
    survivor_version: int | None = None,
    merged_version: int | None = None,
    notice: str = "",
    minor: bool = False,
) -> MergeResult:
    """Move everything `merged` holds into `survivor`, and retire `merged` (archived, with
    `merged_into`). `*_version`: the versions the user was shown; a record changed since is
    refused (Conflict), as is merging a record into itself, into a merged record, a record
    already merged, or one under an embargo still ahead into a published record.

    A published survivor changes in public like a published revision (services.revisions):
    a change readers can see to a figure, date, place, outcome or source needs a correction
    `notice` unless `minor`, and is kept as an IncidentRevision (before/after, the notice)."""
    if not can_merge(user):
        raise PermissionDenied(_("Only editors may merge incidents."))
    if survivor.pk == merged.pk:
        raise ValidationError(_("An incident cannot be merged into itself."))
    # Both rows locked, in a fixed order (two merges of the same pair cannot deadlock).
    locked = {
        row.pk: row
        for row in Incident.objects.select_for_update()
        .filter(pk__in=[survivor.pk, merged.pk])
        .order_by("pk")
    }
    if len(locked) != 2:
        raise ValidationError(_("One of these incidents no longer exists."))
    keep, gone = locked[survivor.pk], locked[merged.pk]
    _check_version(keep, survivor_version)
    _check_version(gone, merged_version)
    if gone.merged_into_id is not None:
        raise ValidationError(
            _("“%(title)s” has already been merged into another incident.") % {"title": gone}
        )
    if keep.merged_into_id is not None:
        raise ValidationError(
            _("“%(title)s” has itself been merged into another incident; merge into that one.")
            % {"title": keep}
        )

    now = timezone.now()
    embargo = gone.publish_not_before
    if keep.status == Status.PUBLISHED and embargo is not None and embargo > now:
        # Its groups and sources would be public at once: an embargo ends only by
        # publish_due, or by an editor clearing it (services.workflow.embargo_problems).
        raise ValidationError(
            _(
                "“%(title)s” is embargoed until %(time)s: merged into a published incident, "
                "what it holds would be public before then. Merge it once the embargo has "
                "ended, or lift the embargo first (unschedule it, then clear “publish not "
                "before”)."
            )
            % {"title": gone, "time": embargo_text(embargo)}
        )
    if keep.revision_of_id is not None or gone.revision_of_id is not None:
        raise ValidationError(_("A pending revision is not merged; merge the live incidents."))
    if Incident.objects.filter(revision_of=gone).exists():
        raise ValidationError(
            _("“%(title)s” has a pending revision: publish or discard it before merging.")
            % {"title": gone}
        )

    correction = _Correction.read(keep, notice, minor) if keep.status == Status.PUBLISHED else None
    # Reasons name slugs (at most 80 characters): the column holds 100.
    moved_here = _("Moved from %(slug)s (merge)") % {"slug": gone.slug}
    result = MergeResult(survivor=keep, merged=gone)
    result.groups = _move_groups(keep, gone, user, moved_here)
    result.citations, result.citations_dropped = _move_citations(keep, gone, user, moved_here)
    result.date_claims = _move_date_claims(keep, gone, user, moved_here)
    date_changed = figures.sync_incident_date(keep, typed=set())

    public_change = bool(result.groups or result.citations or result.date_claims or date_changed)
    changes = {"version": F("version") + 1, "staff_updated_at": now}
    changes |= {column: getattr(keep, column) for column in date_changed}
    if public_change:
        changes["updated_at"] = now
    if Incident.objects.filter(pk=keep.pk, version=keep.version).update(**changes) != 1:
        raise ValidationError(_("The incident changed meanwhile; nothing was merged."))
    # Compare-and-set, like every status change: only from the status we read.
    retired = Incident.objects.filter(pk=gone.pk, version=gone.version, status=gone.status).update(
        status=Status.ARCHIVED, merged_into=keep, version=F("version") + 1, staff_updated_at=now
    )
    if retired != 1:
        raise ValidationError(_("The incident's status changed meanwhile; nothing was merged."))
    # Records merged into `gone` earlier now point at the survivor: no chains to follow.
    earlier = list(Incident.objects.filter(merged_into=gone))
    if earlier:
        Incident.objects.filter(pk__in=[i.pk for i in earlier]).update(
            merged_into=keep, version=F("version") + 1, staff_updated_at=now
        )
        _history(
            list(Incident.objects.filter(pk__in=[i.pk for i in earlier])),
            user,
            _("Merged into %(slug)s (through %(through)s)")
            % {"slug": keep.slug, "through": gone.slug},
        )

    if correction is not None:
        result.revision = correction.record(keep, user, now)
    result.survivor = Incident.objects.get(pk=keep.pk)
    result.merged = Incident.objects.get(pk=gone.pk)
    _history(
        [result.survivor],
        user,
        _("Merged %(slug)s into this") % {"slug": gone.slug},
    )
    _history(
        [result.merged],
        user,
        _("Merged into %(slug)s") % {"slug": keep.slug},
    )
    derived.incidents_written([keep.pk, gone.pk])
    if Status.PUBLISHED in (keep.status, gone.status):
        public_cache.public_changed()
    return result


@dataclass
class _Correction:
    """A published survivor's record before the merge, to tell readers what changed (the
    rules of a published revision: services.revisions)."""

    notice: str
    minor: bool
    before: dict
    public_before: dict

    @classmethod
    def read(cls, keep: Incident, notice: str, minor: bool) -> _Correction:
        return cls(clean_notice(notice), minor, full_record(keep.pk), public_record(keep.pk))

    def record(self, keep: Incident, user, now) -> IncidentRevision | None:
        """The survivor's published revision for this merge (None if readers see no change);
        refused when it is substantive and neither a notice nor `minor` was given, or when
        the merged record would leave the survivor unpublishable."""
        problems = publication_problems(keep)
        if problems:
            raise ValidationError(problems)
        public_changes = diff_records(self.public_before, public_record(keep.pk))
        if not public_changes:  # only what readers cannot see moved (a confidential source)
            keep_public_updated_at(keep.pk, self.public_before)
            return None
        labels = ", ".join(c.label for c in public_changes[:3])
        terms = notice_terms(
            public_changes,
            self.notice,
            self.minor,
            refusal=_(
                "“%(title)s” is published, and this merge changes what readers see "
                "(%(what)s): write the correction notice readers will see, or mark the "
                "merge minor."
            )
            % {"title": keep, "what": labels},
        )
        after = full_record(keep.pk)
        return store_revision(
            incident=keep,
            proposed_by_id=user.pk,
            user=user,
            at=now,
            terms=terms,
            before=self.before,
            after=after,
            changes=diff_records(self.before, after),
        )


def _move_groups(keep: Incident, gone: Incident, user, reason: str) -> int:
    """The merged incident's groups, after the survivor's (their events, actors and figures go
    with them: they hang off the groups)."""
    start = keep.groups.aggregate(top=Max("sequence"))["top"]
    start = 0 if start is None else start + 1
    groups = list(gone.groups.order_by("sequence", "pk"))
    for n, group in enumerate(groups):
        group.incident = keep
        group.sequence = start + n
    DetaineeGroup.objects.bulk_update(groups, ["incident", "sequence"])
    _history(groups, user, reason)
    return len(groups)


def _move_citations(keep: Incident, gone: Incident, user, reason: str) -> tuple[int, int]:
    """Citations move; one saying exactly what the survivor already cites (same source, group,
    event, quotation and locator) is dropped rather than listed twice."""
    have = {
        (c.source_id, c.group_id, c.event_id, c.claim.strip(), c.locator.strip())
        for c in keep.citations.all()
    }
    moved, dropped = [], 0
    for citation in gone.citations.order_by("pk"):
        key = (citation.source_id, citation.group_id, citation.event_id,
               citation.claim.strip(), citation.locator.strip())  # fmt: skip
        if key in have:
            citation._history_user = user
            citation._change_reason = reason
            citation.delete()
            dropped += 1
            continue
        have.add(key)
        citation.incident = keep
        moved.append(citation)
    Citation.objects.bulk_update(moved, ["incident"])
    _history(moved, user, reason)
    return len(moved), dropped


def _move_date_claims(keep: Incident, gone: Incident, user, reason: str) -> int:
    """Sourced dates move after the survivor's. The survivor's preferred date stays preferred
    (one preferred claim per incident); without one, the merged incident's is."""
    mine = list(keep.date_claims.order_by("sequence", "pk"))
    theirs = list(gone.date_claims.order_by("sequence", "pk"))
    if not theirs:
        return 0
    start = max((c.sequence for c in mine), default=-1) + 1
    keep_preferred = any(c.preferred for c in mine)
    for n, claim in enumerate(theirs):
        claim.incident = keep
        claim.sequence = start + n
        if keep_preferred and claim.preferred:
            claim.preferred, claim.preferred_reason = False, ""
    DateClaim.objects.bulk_update(theirs, ["incident", "sequence", "preferred", "preferred_reason"])
    _history(theirs, user, reason)
    claims = mine + theirs
    preferred = [c for c in claims if c.preferred]
    if len(claims) > 1 and len(preferred) == 1 and not preferred[0].preferred_reason.strip():
        # Sources now disagree, and the record needs the reason for its choice: say where the
        # choice comes from until an editor gives a better one.
        preferred[0].preferred_reason = _merge_reason(gone)
        preferred[0].save(update_fields=["preferred_reason"])
    elif len(claims) > 1 and not preferred:
        # Neither had chosen (each had one claim, not yet marked): the survivor's goes first.
        claims[0].preferred, claims[0].preferred_reason = True, _merge_reason(gone)
        claims[0].save(update_fields=["preferred", "preferred_reason"])
    return len(theirs)


def _merge_reason(gone: Incident) -> str:
    text = _("The surviving record's date when “%(title)s” was merged into it") % {
        "title": gone.title[:150]
    }
    return text[:300]
