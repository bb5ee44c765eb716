"""The staff start page (/admin/): a caseworker's desk instead of Django's list of models.

What a staff member has to do next, in sections: their own drafts, drafts returned to them with
comments and their pending revisions; for editors, the review queue; for everyone, groups at
risk with no news for a while and what others changed lately. The list of models stays below.

A section is one function here, `(request) -> Section | None` (None: not for this viewer),
listed in SECTIONS, and one template under templates/admin/desk/ for its table. Each section
costs one query with a LIMIT (ROWS), whatever the size of the record, and reads only what the
viewer may see: a caseworker's own drafts and their review comments (staff-only anyway), and
for the shared sections the incidents every staff member with the view permission can open.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import F, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy

from incidents.admin_urgent import WORKING_STATUSES
from incidents.models import (
    Citation,
    CustodyEvent,
    Incident,
    ReviewComment,
    ReviewStep,
    Status,
)
from incidents.urgent import NEVER_REPORTED, at_risk_groups, longest_in_custody_first
from incidents.vague import VagueDate

ROWS = 15  # rows per section; "see all" opens the full, filtered list
DUPLICATES_EACH = 3  # possible duplicates named per incident awaiting review
# Urgent follow-ups: a group still detained or of unknown fate with no news (an event or a
# dated source) for this many days needs someone to look for news.
FOLLOW_UP_AFTER_DAYS = 90
# The statuses the staff urgent board covers, scheduled (embargoed) cases included: their
# people may be the ones most at risk.
AT_RISK_STATUSES = WORKING_STATUSES

CHANGE = "incidents.change_incident"
VIEW = "incidents.view_incident"
PUBLISH = "incidents.publish_incident"


@dataclass
class Section:
    key: str  # the section's HTML id
    title: str
    template: str  # the table, under templates/admin/desk/
    rows: list
    empty: str  # what the section says when it has no row
    see_all: str = ""  # the full list (a filtered changelist), if there is one
    see_all_label: str = field(default=_("See all"))
    intro: str = ""  # a line under the title, if the section needs explaining


def desk_sections(request) -> list[Section]:
    """The viewer's sections, in page order."""
    sections = (build(request) for build in SECTIONS)
    return [section for section in sections if section is not None]


def _changelist(**params) -> str:
    url = reverse("admin:incidents_incident_changelist")
    return f"{url}?{urlencode(params)}" if params else url


def _review_url(incident) -> str:
    """Where to open a row: a working copy's review page (its diff), else the change page."""
    name = "incidents_incident_review" if incident.revision_of_id else "incidents_incident_change"
    return reverse(f"admin:{name}", args=[incident.pk])


def _with_links(incidents):
    for incident in incidents:
        incident.desk_url = _review_url(incident)
    return incidents


def _live_title():
    """The title of the live incident a working copy revises ('' for a record)."""
    return F("revision_of__title")


def _latest_returned(column: str):
    return Subquery(
        ReviewComment.objects.filter(incident=OuterRef("pk"), step=ReviewStep.RETURNED)
        .order_by("-created_at", "-pk")
        .values(column)[:1]
    )


def _last_submitted():
    """When the incident was last in review (its latest in-review history record)."""
    return Subquery(
        Incident.history.filter(id=OuterRef("pk"), status=Status.IN_REVIEW)
        .order_by("-history_date", "-history_id")
        .values("history_date")[:1]
    )


# -- the viewer's own work ---------------------------------------------------------------------


def my_drafts(request) -> Section | None:
    """Records in draft that the viewer created, last changed first (working copies are under
    "My pending revisions")."""
    if not request.user.has_perm(CHANGE):
        return None
    drafts = (
        Incident.objects.records()
        .authored_by(request.user.pk)
        .filter(status=Status.DRAFT)
        .only(
            "pk",
            "title",
            "revision_of_id",
            "staff_updated_at",
            "date_earliest",
            "date_latest",
            "date_precision",
        )  # fmt: skip
        .order_by("-staff_updated_at", "-pk")
    )
    return Section(
        key="my-drafts",
        title=_("My drafts"),
        template="admin/desk/drafts.html",
        rows=_with_links(list(drafts[:ROWS])),
        empty=_("You have no draft. New incidents you write start here."),
        see_all=_changelist(status__exact=Status.DRAFT, author="me"),
    )


def returned_to_me(request) -> Section | None:
    """The viewer's drafts (records and working copies) that an editor returned with
    comments since they last submitted them, newest return first, with the latest comment."""
    if not request.user.has_perm(CHANGE):
        return None
    returned = ReviewComment.objects.filter(step=ReviewStep.RETURNED).values("incident_id")
    drafts = (
        Incident.objects.authored_by(request.user.pk)
        .filter(status=Status.DRAFT, pk__in=returned)
        .annotate(
            returned_at=_latest_returned("created_at"),
            returned_text=_latest_returned("text"),
            returned_field=_latest_returned("field"),
            returned_by=_latest_returned("author__username"),
            submitted_at=_last_submitted(),
            live_title=_live_title(),
        )
        .filter(Q(submitted_at__isnull=True) | Q(returned_at__gt=F("submitted_at")))
        .only("pk", "title", "revision_of_id")
        .order_by("-returned_at", "-pk")
    )
    return Section(
        key="returned-to-me",
        title=_("Returned to me with comments"),
        template="admin/desk/returned.html",
        rows=_with_links(list(drafts[:ROWS])),
        empty=_("Nothing was returned to you."),
        see_all=_changelist(status__exact=Status.DRAFT, author="me"),
        see_all_label=_("All my drafts"),
    )


def my_revisions(request) -> Section | None:
    """Pending revisions (working copies) the viewer proposed, last changed first."""
    if not request.user.has_perm(CHANGE):
        return None
    copies = (
        Incident.objects.authored_by(request.user.pk)
        .filter(revision_of__isnull=False)
        .annotate(live_title=_live_title())
        .only("pk", "title", "status", "revision_of_id", "staff_updated_at")
        .order_by("-staff_updated_at", "-pk")
    )
    return Section(
        key="my-revisions",
        title=_("My pending revisions"),
        template="admin/desk/revisions.html",
        rows=_with_links(list(copies[:ROWS])),
        empty=_(
            "You have no pending revision. To change a published incident, open it and "
            "propose a change."
        ),
        see_all=_changelist(kind="revisions", author="me"),
    )


# -- editors ------------------------------------------------------------------------------------


def awaiting_review(request) -> Section | None:
    """The review queue, oldest submission first, pending revisions included."""
    if not request.user.has_perm(PUBLISH):
        return None
    from incidents.admin import submitted_at

    queue = (
        Incident.objects.filter(status=Status.IN_REVIEW)
        .annotate(submitted=submitted_at(), live_title=_live_title())
        .only(
            "pk",
            "slug",
            "status",
            "title",
            "revision_of_id",
            "updated_at",
            "date_earliest",
            "date_latest",
            "date_precision",
        )  # fmt: skip
        .order_by("submitted", "pk")
    )
    rows = _with_links(list(queue[:ROWS]))
    request._desk_review_rows = rows  # duplicates_to_resolve reads the same incidents
    return Section(
        key="awaiting-review",
        title=_("Awaiting my review"),
        template="admin/desk/review_queue.html",
        rows=rows,
        empty=_("Nothing is waiting for review."),
        see_all=reverse("admin:incidents_reviewqueueitem_changelist"),
        see_all_label=_("Review queue"),
    )


def duplicates_to_resolve(request) -> Section | None:
    """Possible duplicates of the incidents awaiting review (incidents.duplicates), to merge
    before one of them is published: the queue's incidents, read once, scored in 3 queries."""
    if not request.user.has_perm(PUBLISH):
        return None
    from incidents.admin_merge import merge_url
    from incidents.duplicates import FIELDS, duplicates_of_rows

    queue = [i for i in getattr(request, "_desk_review_rows", []) if i.revision_of_id is None]
    found = duplicates_of_rows(
        [{name: getattr(i, name) for name in FIELDS} for i in queue], best=DUPLICATES_EACH
    )
    rows = [
        {
            "incident": incident,
            "duplicate": duplicate,
            "url": reverse("admin:incidents_incident_change", args=[duplicate.pk]),
            "merge_url": merge_url(*sorted((incident.pk, duplicate.pk))),
        }
        for incident in queue
        for duplicate in found.get(incident.pk, [])
    ]
    return Section(
        key="duplicates",
        title=_("Possible duplicates to resolve"),
        template="admin/desk/duplicates.html",
        rows=rows[:ROWS],
        empty=_("No incident awaiting review looks like another one."),
        intro=_(
            "Incidents awaiting review that may describe an event already recorded "
            "(dates, places, numbers and titles compared)."
        ),
    )


# -- everyone -----------------------------------------------------------------------------------


def _latest_dated(queryset, prefix: str = "") -> dict:
    """Subqueries for the earliest/latest/precision of the latest dated row of `queryset`."""
    latest = queryset.filter(**{f"{prefix}date_latest__isnull": False}).order_by(
        F(f"{prefix}date_latest").desc(), F(f"{prefix}date_earliest").desc(), "-pk"
    )
    return {
        part: Subquery(latest.values(f"{prefix}{part}")[:1])
        for part in ("date_earliest", "date_latest", "date_precision")
    }


def _vague(row, name: str) -> VagueDate | None:
    earliest, latest, precision = (getattr(row, f"{name}_{part}") for part in
                                   ("date_earliest", "date_latest", "date_precision"))  # fmt: skip
    return VagueDate(earliest, latest, precision) if latest and precision else None


def urgent_follow_ups(request, *, today=None) -> Section | None:
    """Groups detained or of unknown fate, in any working status, with no news (no event or
    dated source, confidential ones included: staff only) for FOLLOW_UP_AFTER_DAYS, nor an
    arrest that recent: newest arrests first, undated ones last. The "fate never reported"
    tab of the staff urgent board, with a shorter window."""
    if not request.user.has_perm(VIEW):
        return None
    events = CustodyEvent.objects.filter(group=OuterRef("pk"))
    # The incident's citations (by its index), then those about the whole incident or this group.
    sources = Citation.objects.filter(incident=OuterRef("incident_id")).filter(
        Q(group__isnull=True) | Q(group=OuterRef("pk"))
    )
    groups = longest_in_custody_first(
        at_risk_groups(statuses=AT_RISK_STATUSES, confidential=True).prefetch_related(None),
        tab=NEVER_REPORTED,
        confidential=True,
        today=today,
        recent_days=FOLLOW_UP_AFTER_DAYS,
    )
    groups = (
        groups.annotate(
            **{f"event_{k}": v for k, v in _latest_dated(events).items()},
            **{f"source_{k}": v for k, v in _latest_dated(sources, "source__").items()},
        )
        .select_related(None)
        .select_related("incident")
        .order_by(F("anchor").desc(nulls_last=True), "-pk")
    )
    rows = list(groups[:ROWS])
    for group in rows:
        news = [d for d in (_vague(group, "event"), _vague(group, "source")) if d is not None]
        group.last_news = max(news, key=lambda d: d.latest) if news else None
        group.desk_url = reverse("admin:incidents_incident_change", args=[group.incident_id])
    board = reverse("admin:urgent_board")
    return Section(
        key="urgent-follow-ups",
        title=_("Urgent follow-ups"),
        template="admin/desk/follow_ups.html",
        rows=rows,
        empty=_("Every group still detained or of unknown fate has had news recently."),
        see_all=f"{board}?{urlencode({'tab': NEVER_REPORTED})}",
        see_all_label=_("Staff urgent board"),
        intro=ngettext(
            "Still detained or of unknown fate, with no news for more than %(days)d day. "
            "Newest arrests first.",
            "Still detained or of unknown fate, with no news for more than %(days)d days. "
            "Newest arrests first.",
            FOLLOW_UP_AFTER_DAYS,
        )
        % {"days": FOLLOW_UP_AFTER_DAYS},
    )


HISTORY_ACTIONS = {
    "+": pgettext_lazy("history action", "created"),
    "~": pgettext_lazy("history action", "changed"),
    "-": pgettext_lazy("history action", "deleted"),
}


def recent_changes(request) -> Section | None:
    """The latest history records of incidents written by others (or by the system)."""
    if not request.user.has_perm(VIEW):
        return None
    records = (
        Incident.history.exclude(history_user_id=request.user.pk)
        .select_related("history_user")
        .only(
            "history_id",
            "history_date",
            "history_type",
            "history_change_reason",
            "history_user__username",
            "id",
            "title",
            "status",
            "revision_of_id",
        )  # fmt: skip
        .order_by("-history_date", "-history_id")
    )
    rows = list(records[:ROWS])
    for record in rows:
        record.action = HISTORY_ACTIONS.get(record.history_type, record.history_type)
        record.desk_url = (
            reverse("admin:incidents_incident_history", args=[record.id])
            if record.history_type != "-"
            else ""
        )
    return Section(
        key="recent-changes",
        title=_("Recent changes by others"),
        template="admin/desk/recent_changes.html",
        rows=rows,
        empty=_("Nobody else changed an incident yet."),
    )


SECTIONS = [
    returned_to_me,
    awaiting_review,
    duplicates_to_resolve,  # after awaiting_review: it reads that section's incidents
    my_drafts,
    my_revisions,
    urgent_follow_ups,
    recent_changes,
]
