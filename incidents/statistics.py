"""Figures for the statistics page, computed from published groups, honest about estimates.

Every figure is an EstimatedCount sum (see vague.total): exact parts give an exact figure,
"at least" parts an "at least" figure, "about" parts an "about" figure. Incidents are placed in
the year of their earliest possible date; the page says how many span more than one year.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.utils.translation import gettext

from incidents.models import DetaineeGroup, Estimate, Outcome
from incidents.public import public_estimate
from incidents.vague import EstimatedCount, local_year, total

RELEASED = {Outcome.RELEASED_TO_SOUTH_KOREA, Outcome.RELEASED_TO_THIRD_COUNTRY}
COLUMNS = ("arrested", "repatriated", "released", "detained")


@dataclass
class Row:
    label: str
    counts: dict[str, list[EstimatedCount]] = field(default_factory=lambda: defaultdict(list))
    incidents: set[int] = field(default_factory=set)

    def add(self, column: str, count: EstimatedCount) -> None:
        self.counts[column].append(count)

    @property
    def figures(self) -> dict[str, EstimatedCount]:
        return {column: self.figure(column) for column in COLUMNS}

    @property
    def display(self) -> dict[str, str]:
        """The figures as the page shows them, in the active language."""
        return {column: self.figure(column).localized() for column in COLUMNS}

    def figure(self, column: str) -> EstimatedCount:
        """No group in this column means none recorded: 0, not "unknown"."""
        counts = self.counts[column]
        return total(counts) if counts else EstimatedCount(0)


def _columns_for(outcome: str) -> list[str]:
    columns = ["arrested"]
    if outcome == Outcome.REPATRIATED:
        columns.append("repatriated")
    elif outcome in RELEASED:
        columns.append("released")
    elif outcome == Outcome.DETAINED:
        columns.append("detained")
    return columns


def published_groups(incidents=None):
    """Groups of published incidents (optionally of a filtered incident queryset)."""
    groups = DetaineeGroup.objects.filter(incident__status="published")
    if incidents is not None:
        groups = groups.filter(incident__in=incidents.values("pk"))
    return groups.select_related("incident", "arrest_location").order_by("pk")


def compute(incidents=None) -> dict:
    by_year: dict[str, Row] = {}
    by_place: dict[tuple[str, str], Row] = {}
    by_outcome: dict[str, Row] = {}
    spanning: set[int] = set()
    for group in published_groups(incidents):
        incident = group.incident
        if incident.date_earliest is None:
            year, year_label = "date unknown", gettext("date unknown")
        else:
            year = str(incident.date_earliest.year)
            year_label = local_year(incident.date_earliest.year)
            if incident.date_latest.year != incident.date_earliest.year:
                spanning.add(incident.pk)
        place = group.arrest_location
        place_key = (
            (str(place.country.name), place.province or "—")
            if place
            else (gettext("place unknown"), "—")
        )
        for row_map, key, label in (
            (by_year, year, year_label),
            (by_place, place_key, " / ".join(place_key)),
            (by_outcome, group.outcome, str(Outcome(group.outcome).label)),
        ):
            row = row_map.setdefault(key, Row(label))
            row.incidents.add(incident.pk)
            for column in _columns_for(group.outcome):
                row.add(column, group.size)
    years = [by_year[k] for k in sorted(by_year, key=lambda y: (not y.isdigit(), y))]
    everyone = total(r.figure("arrested") for r in by_outcome.values())
    return {
        "years": years,
        "total_display": everyone.localized(),
        "places": sorted(by_place.values(), key=lambda r: (-r.figure("arrested").low, r.label)),
        "outcomes": sorted(by_outcome.values(), key=lambda r: -r.figure("arrested").low),
        "total": everyone,
        "spanning_years": len(spanning),
        "estimates": [public_estimate(e) for e in published_estimates()],
    }


def published_estimates():
    return Estimate.objects.published().select_related("source").order_by("period_start", "pk")


def share(part: EstimatedCount, whole: EstimatedCount) -> str:
    """Share of people, from lower bounds; marked approximate unless both are exact."""
    if not whole.low:
        return "–"
    percent = round(100 * part.low / whole.low)
    exact = part.qualifier == whole.qualifier == "exact"
    return f"{percent}%" if exact else f"≈{percent}%"
