"""The urgent-cases board: groups whose latest known status is detained or unknown.

China is reported to return most people within weeks of arrest, so a group still in custody
is the most urgent thing on the site. Days in custody are a range when the arrest date is
vague; the board sorts by the smallest number consistent with the record.

The board counts North Koreans (`size`); helpers and brokers are shown apart, never added. A
group with subgroups ("of whom…") is on the board for its rest, the part no subgroup covers
(its outcome is the rest's): the row counts that rest, never the whole again, and a group
whose subgroups cover it entirely is not a case of its own (its subgroups are).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import F, OuterRef, Prefetch, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext

from incidents.models import (
    Citation,
    CountClaim,
    CustodyEvent,
    DetaineeGroup,
    EventActor,
    EventKind,
    Outcome,
    Status,
)
from incidents.public import korean, public_event, public_group, public_location, public_source
from incidents.querysets import CHRONOLOGICAL
from incidents.statistics import rest_of
from incidents.vague import EstimatedCount

STILL_AT_RISK = (Outcome.DETAINED, Outcome.UNKNOWN)
# "Recent" on the boards: arrested, or with news (an event or a dated source), in the last 24
# months. Older unresolved groups are the "fate never reported" tab, not mixed with this week's
# arrests.
RECENT_DAYS = 730
RECENT, NEVER_REPORTED = "recent", "never_reported"
TABS = (RECENT, NEVER_REPORTED)


@dataclass
class UrgentCase:
    group: DetaineeGroup
    arrest_event: CustodyEvent | None
    last_event: CustodyEvent | None
    place_event: CustodyEvent | None  # the latest event with a place: where they were last known
    days_min: int | None
    days_max: int | None
    last_citation: Citation | None  # the latest dated source; an undated one never is
    rest: EstimatedCount | None = None  # for a group with subgroups: the part none covers

    @property
    def last_news(self):
        """The latest event or dated source about the group (what its date says), or None."""
        news = [n for n in (self.last_event, self.last_citation and self.last_citation.source)
                if n is not None and n.date_latest is not None]  # fmt: skip
        return max(news, key=lambda n: n.date_latest) if news else None

    @property
    def days_display(self) -> str:
        if self.days_min is None:
            return gettext("unknown")
        if self.days_min == self.days_max:
            return f"{self.days_min:,}"
        return f"{self.days_min:,}–{self.days_max:,}"

    @property
    def last_place(self):
        """Where the group was last known to be: the place of the latest event that names one
        (a later event without a place, e.g. "reported", does not move them back to the place
        of arrest), else the place of arrest."""
        if self.place_event:
            return self.place_event.location
        return self.group.arrest_location


def public_row(case: UrgentCase) -> dict:
    """What the public board shows, built only from the public allow-list."""
    group = case.group
    return {
        "incident": {
            "title": group.incident.title,
            "display_title": (korean() and group.incident.title_ko) or group.incident.title,
            "url": group.incident.get_absolute_url(),
            "date_display": group.incident.date_display,
        },
        "group": public_group(group),
        "rest_display": case.rest.localized() if case.rest is not None else "",
        "rest_known": case.rest is not None and case.rest.known,
        "days_display": case.days_display,
        "arrest": public_event(case.arrest_event) if case.arrest_event else None,
        "last_event": public_event(case.last_event) if case.last_event else None,
        "place_event": public_event(case.place_event) if case.place_event else None,
        "last_place": public_location(case.last_place),
        "last_source": public_source(case.last_citation.source) if case.last_citation else None,
        "last_news_display": case.last_news.date_display if case.last_news else "",
    }


def at_risk_groups(*, statuses=(Status.PUBLISHED,), confidential: bool = False):
    """Groups at risk in incidents with these statuses. The public board uses the default;
    the staff board passes every working status and confidential=True (staff only)."""
    events = (
        CustodyEvent.objects.select_related("location")
        .prefetch_related(Prefetch("actors", queryset=EventActor.objects.select_related("actor")))
        .order_by(*CHRONOLOGICAL)
    )
    claims = CountClaim.objects.select_related("source__relays").order_by("part", "sequence", "pk")
    subgroups = DetaineeGroup.objects.only(
        "parent_id", "size_value", "size_high", "size_qualifier"
    ).order_by("sequence", "pk")
    citations = (
        Citation.objects.all()
        if confidential
        else Citation.objects.filter(source__confidential=False)
    )
    citations = citations.select_related("source__relays").order_by(
        # Oldest first, as CHRONOLOGICAL orders events (a vague later date after a precise
        # earlier one); undated sources first on every database. urgent_cases() takes the
        # last dated one.
        F("source__date_latest").asc(nulls_first=True),
        F("source__date_earliest").asc(nulls_first=True),
        "pk",
    )
    return (
        DetaineeGroup.objects.filter(
            incident__status__in=statuses,
            incident__revision_of__isnull=True,  # a pending revision repeats its live incident
            outcome__in=STILL_AT_RISK,
        )
        .select_related("incident", "arrest_location")
        .prefetch_related(
            Prefetch("events", queryset=events),
            Prefetch("claims", queryset=claims),
            Prefetch("subgroups", queryset=subgroups),
            Prefetch("incident__citations", queryset=citations, to_attr="public_citations"),
        )
    )


def longest_in_custody_first(groups, *, tab: str | None = None, confidential: bool = False,
                             today: date | None = None,
                             recent_days: int | None = None):  # fmt: skip
    """At-risk groups of one tab of the board, in board order, computed by the database:
    longest in custody first (by the latest possible date of the arrest, or of the incident
    when the arrest is undated: the smallest number of days the record allows), undated last.
    A group its subgroups cover entirely is left out (its subgroups are the cases). The board
    is then paginated: no page loads the whole record.

    `tab`: RECENT, groups arrested or with news (the latest event, or the latest dated source
    of the incident or the group; confidential ones only on the staff board) within
    RECENT_DAYS (or `recent_days`: the staff desk's follow-ups use a shorter window);
    NEVER_REPORTED, the others, undated ones included; None: both."""
    from incidents.statistics import _high, _low

    dated_arrest = CustodyEvent.objects.filter(
        group=OuterRef("pk"), kind=EventKind.ARRESTED, date_earliest__isnull=False
    ).order_by(*CHRONOLOGICAL)
    parts_low = (
        DetaineeGroup.objects.filter(parent=OuterRef("pk"))
        .order_by()
        .values("parent")
        .annotate(low=Sum(_low("size")))
        .values("low")
    )
    cutoff = (today or timezone.localdate()) - timedelta(days=recent_days or RECENT_DAYS)
    ordered = (
        groups.annotate(
            arrest_latest=Subquery(dated_arrest.values("date_latest")[:1]),
            anchor=Coalesce("arrest_latest", "incident__date_latest"),
            parts_low=Subquery(parts_low),
            whole_high=_high("size"),
        )
        .exclude(
            parts_low__isnull=False, whole_high__isnull=False, whole_high__lte=F("parts_low")
        )  # fmt: skip
        .order_by(F("anchor").asc(nulls_last=True), "pk")
    )
    if tab is None:
        return ordered
    # News since the cutoff, as uncorrelated IN (…) lists: the database reads the few recent
    # events and sources once (a hashed subplan), not two lookups per group at risk.
    sources = Citation.objects.filter(source__date_latest__gte=cutoff)
    if not confidential:
        sources = sources.filter(source__confidential=False)
    recent_arrest = Q(anchor__gte=cutoff)
    news = (
        Q(pk__in=CustodyEvent.objects.filter(date_latest__gte=cutoff).values("group_id"))
        | Q(incident_id__in=sources.filter(group__isnull=True).values("incident_id"))
        | Q(pk__in=sources.filter(group__isnull=False).values("group_id"))
    )
    if tab == NEVER_REPORTED:
        return ordered.filter(Q(anchor__isnull=True) | Q(anchor__lt=cutoff)).exclude(news)
    return ordered.filter(recent_arrest | news)


def urgent_cases(groups=None, *, today: date | None = None) -> list[UrgentCase]:
    """The board's rows for `groups` (a page of longest_in_custody_first(), in its order)."""
    today = today or timezone.localdate()
    cases = []
    if groups is None:
        groups = longest_in_custody_first(at_risk_groups(), today=today)
    for group in groups:
        rest = None
        parts = [part.size for part in group.subgroups.all()]
        if parts:
            rest = rest_of(group.size, parts)
            if rest is None:  # the subgroups cover the whole group: they are the cases
                continue
        events = list(group.events.all())
        arrest = next((e for e in events if e.kind == EventKind.ARRESTED), None)
        dated = arrest if arrest and arrest.date_earliest else group.incident
        days_min = days_max = None
        if dated.date_earliest is not None:
            days_min = max((today - dated.date_latest).days, 0)
            days_max = max((today - dated.date_earliest).days, 0)
        mine = [
            c
            for c in group.incident.public_citations
            if c.group_id in (None, group.pk) and c.source.date_latest is not None
        ]
        cases.append(
            UrgentCase(
                group=group,
                arrest_event=arrest,
                last_event=events[-1] if events else None,
                place_event=next((e for e in reversed(events) if e.location_id), None),
                days_min=days_min,
                days_max=days_max,
                last_citation=mine[-1] if mine else None,
                rest=rest,
            )
        )
    return cases
