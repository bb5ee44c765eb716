"""Figures for the statistics page: computed in the database, honest about estimates.

What each measure counts (the page and docs/statistics.md say the same):

- **Arrested**: North Koreans in groups with an arrest event. A group that is part of
  another ("of whom…") is counted in its parent, never twice; people sheltering in a mission,
  flown to Seoul or seeking asylum without an arrest are not "arrested".
- **Helpers**: helpers and brokers arrested with them, never added to the North Koreans.
- **Repatriated, released, still detained, fate unknown** (and the rest of the outcomes): the
  North Koreans of each group whose latest known fate that is, counted in the smallest groups
  the record has (a group with subgroups is counted through them, and "the rest" its subgroups
  do not cover is counted under the group's own fate, as bounds: 31 repatriated of whom 10
  held in Sinuiju leaves 21). When the group's fate is not reported ("at least 41 detained,
  of whom at least 9 returned"), the rest is counted as a group with an unreported rest, never
  as people.
- Every figure is a sum of what the sources say, with its uncertainty (vague.CountTotal):
  "about 12" plus "more than 20" is "about 33 or more". Each group counts its preferred figure;
  `spread` adds up the lowest and the highest figure any source gives.
- An incident is filed under the year of its earliest possible date.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, ExtractYear
from django.utils.translation import gettext
from django_countries import countries

from incidents.models import (
    Actor,
    CountClaim,
    CustodyEvent,
    DetaineeGroup,
    Estimate,
    EventActor,
    EventKind,
    Outcome,
    Status,
)
from incidents.public import public_estimate
from incidents.vague import CountQualifier, CountTotal, EstimatedCount, local_year

RELEASED = (Outcome.RELEASED_TO_SOUTH_KOREA, Outcome.RELEASED_TO_THIRD_COUNTRY)
COLUMNS = ("arrested", "helpers", "repatriated", "released", "detained", "unknown")


def _low(prefix: str):
    value, qualifier = F(f"{prefix}_value"), f"{prefix}_qualifier"
    return Case(
        When(**{qualifier: CountQualifier.MORE_THAN}, then=value + 1),
        When(**{qualifier: CountQualifier.AT_MOST}, then=Value(0)),
        When(**{f"{prefix}_value__isnull": False}, then=value),
        default=Value(0),
        output_field=IntegerField(),
    )


def _high(prefix: str):
    """The largest number consistent with the figure; NULL when it has no upper bound."""
    value, qualifier = F(f"{prefix}_value"), f"{prefix}_qualifier"
    return Case(
        When(**{qualifier: CountQualifier.RANGE}, then=F(f"{prefix}_high")),
        When(
            **{
                f"{qualifier}__in": [
                    CountQualifier.EXACT,
                    CountQualifier.ABOUT,
                    CountQualifier.AT_MOST,
                ]
            },
            then=value,
        ),  # fmt: skip
        default=None,
        output_field=IntegerField(),
    )


# Which groups count in which measure, and which of their figures.
MEASURES: dict[str, tuple[Q, str]] = {
    "arrested": (Q(is_top=True, was_arrested=True), "size"),
    "helpers": (Q(is_top=True, was_arrested=True), "helpers"),
    "repatriated": (Q(is_leaf=True, outcome=Outcome.REPATRIATED), "size"),
    "released": (Q(is_leaf=True, outcome__in=RELEASED), "size"),
    "detained": (Q(is_leaf=True, outcome=Outcome.DETAINED), "size"),
    "unknown": (Q(is_leaf=True, outcome=Outcome.UNKNOWN), "size"),
}


def _aggregates(name: str, condition: Q, prefix: str) -> dict:
    """Everything CountTotal needs about one measure, summed in one pass."""
    inside = {"filter": condition}
    return {
        f"m_{name}_n": Count("pk", filter=condition & Q(**{f"{prefix}_value__isnull": False})),
        f"m_{name}_low": Sum(f"{prefix}_low_", **inside),
        f"m_{name}_high": Sum(f"{prefix}_high_", **inside),
        f"m_{name}_open": Count("pk", filter=condition & Q(**{f"{prefix}_high_": None})),
        f"m_{name}_approx": Count(
            "pk", filter=condition & Q(**{f"{prefix}_qualifier": CountQualifier.ABOUT})
        ),  # fmt: skip
        # The single-group case keeps the source's wording ("more than 20").
        f"m_{name}_v": Min(f"{prefix}_value", filter=condition),
        f"m_{name}_vh": Min(f"{prefix}_high", filter=condition),
        f"m_{name}_q": Min(f"{prefix}_qualifier", filter=condition),
        f"m_{name}_groups": Count("pk", filter=condition),
    }


def _total(row: dict, name: str) -> CountTotal:
    groups = row[f"m_{name}_groups"] or 0
    if not groups:
        return CountTotal.zero()
    if groups == 1:
        if row[f"m_{name}_v"] is None:
            return CountTotal.of(EstimatedCount(None, CountQualifier.UNKNOWN))
        single = EstimatedCount(row[f"m_{name}_v"], row[f"m_{name}_q"], row[f"m_{name}_vh"])
        return CountTotal.of(single)
    known = row[f"m_{name}_n"] or 0
    if not known:
        return CountTotal.of(EstimatedCount(None, CountQualifier.UNKNOWN))
    # Unknown figures add nothing to the low end and leave the high end open.
    open_ended = (row[f"m_{name}_open"] or 0) > 0 or known < groups
    return CountTotal(
        low=row[f"m_{name}_low"] or 0,
        high=None if open_ended else (row[f"m_{name}_high"] or 0),
        approximate=(row[f"m_{name}_approx"] or 0) > 0,
    )


@dataclass
class Row:
    label: str
    figures: dict[str, CountTotal] = field(default_factory=dict)
    incidents: int = 0
    unreported_rests: int = 0
    spread: CountTotal | None = None
    slug: str = ""  # an actor's, to link the row to the list filtered by it

    def figure(self, column: str) -> CountTotal:
        return self.figures.get(column) or CountTotal.zero()

    @property
    def people_display(self) -> str:
        """The outcome table's figure: everyone of that fate."""
        return self.figure("people").localized()

    @property
    def display(self) -> dict[str, str]:
        """The figures as the page shows them, in the active language."""
        return {column: self.figure(column).localized() for column in COLUMNS}


def counted_groups(incidents=None):
    """Groups of published incidents (optionally of a filtered incident queryset), with each
    group's place in the measures: top-level or part of another, with or without subgroups,
    arrested or not, and its figures' bounds."""
    groups = DetaineeGroup.objects.filter(incident__status=Status.PUBLISHED)
    if incidents is not None:
        groups = groups.filter(incident__in=incidents.values("pk"))
    arrest = CustodyEvent.objects.filter(group=OuterRef("pk"), kind=EventKind.ARRESTED)
    parts = DetaineeGroup.objects.filter(parent=OuterRef("pk"))
    return groups.annotate(
        is_top=Case(
            When(parent__isnull=True, then=True), default=False, output_field=BooleanField()
        ),  # fmt: skip
        is_leaf=~Exists(parts),
        was_arrested=Exists(arrest),
        size_low_=_low("size"),
        size_high_=_high("size"),
        helpers_low_=_low("helpers"),
        helpers_high_=_high("helpers"),
    ).order_by()


def _table(groups, *keys, people: bool = False) -> list[tuple[tuple, dict]]:
    """One aggregate query: the measures (and, with `people`, everyone's figure) per `keys`."""
    aggregates = {}
    for name, (condition, prefix) in MEASURES.items():
        aggregates |= _aggregates(name, condition, prefix)
    if people:
        aggregates |= _aggregates("people", Q(pk__isnull=False), "size")
    aggregates["incidents_n"] = Count("incident", distinct=True)
    aggregates["incident_"] = Min("incident")
    rows = groups.values(*keys).annotate(**aggregates).order_by(*keys)
    return [(tuple(r[k] for k in keys), r) for r in rows]


def _rows(table) -> dict[tuple, Row]:
    out = {}
    for key, data in table:
        row = Row(label="")
        row.figures = {name: _total(data, name) for name in MEASURES}
        if "m_people_groups" in data:
            row.figures["people"] = _total(data, "people")
        row.incidents = data["incidents_n"]
        out[key] = row
    return out


@dataclass(frozen=True)
class Rest:
    """What a group's subgroups leave of it ("31 repatriated, of whom 10 held in Sinuiju"
    leaves 21 repatriated), with the keys the tables group by."""

    group: int
    outcome: str
    count: EstimatedCount
    year: int | None
    country: str | None
    province: str | None


REST_KEYS = {
    "year": ExtractYear("incident__date_earliest"),
    "country": F("arrest_location__country"),
    "province": F("arrest_location__province"),
}


def rests_of(groups) -> list[Rest]:
    """Every rest in `groups` (two queries, whatever the size of the record). A rest whose
    fate the group does not report has outcome "unknown": counted as a group, not as people."""
    parents = list(
        groups.filter(is_leaf=False)
        .annotate(**{f"r_{k}": v for k, v in REST_KEYS.items()})
        .values_list("pk", "outcome", "size_value", "size_high", "size_qualifier",
                     *(f"r_{k}" for k in REST_KEYS))
    )  # fmt: skip
    if not parents:
        return []
    parts = defaultdict(list)
    for parent, value, high, qualifier in DetaineeGroup.objects.filter(
        parent__in=[p[0] for p in parents]
    ).values_list("parent", "size_value", "size_high", "size_qualifier"):
        parts[parent].append(_count_of(value, high, qualifier))
    found = []
    for pk, outcome, value, high, qualifier, year, country, province in parents:
        rest = rest_of(_count_of(value, high, qualifier), parts[pk])
        if rest is not None:
            found.append(Rest(pk, outcome, rest, year, country, province))
    return found


def _count_of(value, high, qualifier) -> EstimatedCount:
    if value is None:
        return EstimatedCount(None, CountQualifier.UNKNOWN)
    return EstimatedCount(value, qualifier, high)


OUTCOME_COLUMN = {
    Outcome.REPATRIATED: "repatriated",
    Outcome.RELEASED_TO_SOUTH_KOREA: "released",
    Outcome.RELEASED_TO_THIRD_COUNTRY: "released",
    Outcome.DETAINED: "detained",
}


def _add_rests(rows: dict[tuple, Row], rests: list[Rest], key) -> None:
    """Each rest counts under its group's reported fate, in the row `key(rest)` names."""
    for rest in rests:
        column = OUTCOME_COLUMN.get(rest.outcome)
        if column is None:
            continue
        row = rows.setdefault(key(rest), Row(label=""))
        row.figures[column] = row.figure(column) + rest.count


def rest_of(whole: EstimatedCount, parts: list[EstimatedCount]) -> EstimatedCount | None:
    """whole − parts, by bounds; None when nothing can be left over."""
    top = whole.high
    low_taken = sum(p.low for p in parts)
    if top is not None and top - low_taken <= 0:
        return None
    highs = [p.high for p in parts]
    low = 0 if None in highs else max(whole.low - sum(highs), 0)
    high = None if top is None else top - low_taken
    approximate = whole.approximate or any(p.approximate for p in parts)
    if high is None:
        if approximate:
            return EstimatedCount(low, CountQualifier.ABOUT) if low else None
        return EstimatedCount(low, CountQualifier.AT_LEAST) if low else EstimatedCount(
            None, CountQualifier.UNKNOWN)  # fmt: skip
    if approximate:
        return EstimatedCount(high, CountQualifier.ABOUT)
    if low == high:
        return EstimatedCount(low, CountQualifier.EXACT)
    if low == 0:
        return EstimatedCount(high, CountQualifier.AT_MOST)
    return EstimatedCount(low, CountQualifier.RANGE, high)


def _spread(groups) -> CountTotal | None:
    """The arrested North Koreans by the lowest and the highest figure any source gives (a
    group without claims counts its own figure); None when no arrested group has claims."""
    claims = CountClaim.objects.filter(group=OuterRef("pk"), part="size").annotate(
        low_=_low_claim(), high_=_high_claim()
    )
    lowest = claims.order_by("low_").values("low_")[:1]
    highest = claims.order_by(F("high_").desc(nulls_first=True)).values("high_")[:1]
    arrested = groups.filter(is_top=True, was_arrested=True).annotate(
        has_claims=Exists(claims),
        open_claim=Exists(claims.filter(high_=None)),
        lo=Coalesce(Subquery(lowest), "size_low_"),
        hi=Case(When(has_claims=True, then=Subquery(highest)), default=F("size_high_")),
    )
    row = arrested.aggregate(
        low=Sum("lo"), high=Sum("hi"), with_claims=Count("pk", filter=Q(has_claims=True)),
        open=Count("pk", filter=Q(hi=None) | Q(open_claim=True)),
    )  # fmt: skip
    if not row["with_claims"]:
        return None
    bounded = not row["open"]
    return CountTotal(low=row["low"] or 0, high=(row["high"] or 0) if bounded else None,
                      approximate=False)  # fmt: skip


def _low_claim():
    return Case(
        When(qualifier=CountQualifier.MORE_THAN, then=F("value") + 1),
        When(qualifier=CountQualifier.AT_MOST, then=Value(0)),
        default=F("value"),
        output_field=IntegerField(),
    )


def _high_claim():
    return Case(
        When(qualifier=CountQualifier.RANGE, then=F("value_high")),
        When(
            qualifier__in=[CountQualifier.EXACT, CountQualifier.ABOUT, CountQualifier.AT_MOST],
            then=F("value"),
        ),  # fmt: skip
        default=None,
        output_field=IntegerField(),
    )


def compute(incidents=None, *, estimate_filters: dict | None = None) -> dict:
    """Every table of the statistics page, in a fixed number of queries."""
    groups = counted_groups(incidents)
    rests = rests_of(groups)

    years = _rows(_table(groups.annotate(year=REST_KEYS["year"]), "year"))
    _add_rests(years, rests, lambda r: (r.year,))
    year_rows = []
    for (year,), row in sorted(years.items(), key=lambda kv: (kv[0][0] is None, kv[0][0] or 0)):
        row.label = local_year(year) if year is not None else gettext("date unknown")
        year_rows.append(row)

    places = _rows(_table(groups, "arrest_location__country", "arrest_location__province"))
    _add_rests(places, rests, lambda r: (r.country, r.province))
    place_rows = []
    for (country, province), row in places.items():
        if not country:
            row.label = gettext("place unknown")
        else:
            row.label = " / ".join([str(countries.name(country)) or country, province or "—"])
        place_rows.append(row)
    place_rows.sort(key=lambda r: (-r.figure("arrested").low, r.label))

    outcomes = _rows(_table(groups.filter(is_leaf=True), "outcome", people=True))
    for rest in rests:
        if rest.outcome != Outcome.UNKNOWN:
            row = outcomes.setdefault((rest.outcome,), Row(label=""))
            row.figures["people"] = row.figure("people") + rest.count
    outcome_rows = []
    for (code,), row in outcomes.items():
        row.label = str(Outcome(code).label)
        outcome_rows.append(row)
    outcome_rows.sort(key=lambda r: -r.figure("people").low)

    totals = _rows(_table(groups.annotate(all_=Value(1)), "all_"))
    _add_rests(totals, rests, lambda r: (1,))
    everyone = next(iter(totals.values()), Row(label=gettext("All")))
    spanning = (
        groups.filter(incident__date_earliest__isnull=False)
        .exclude(incident__date_earliest__year=F("incident__date_latest__year"))
        .values("incident")
        .distinct()
        .count()
    )
    return {
        "years": year_rows,
        "places": place_rows,
        "outcomes": outcome_rows,
        "actors": actor_rows(groups, rests),
        "total": everyone,
        "total_display": everyone.figure("arrested").localized(),
        "spread": _differing(_spread(groups), everyone.figure("arrested")),
        "unreported_rests": sum(1 for r in rests if r.outcome == Outcome.UNKNOWN),
        "spanning_years": spanning,
        "estimates": [public_estimate(e) for e in published_estimates(**(estimate_filters or {}))],
    }


def _differing(spread: CountTotal | None, total: CountTotal) -> CountTotal | None:
    """The spread, if the sources' figures give anything other than the total."""
    return spread if spread is not None and spread.render() != total.render() else None


def actor_rows(groups, rests: list[Rest]) -> list[Row]:
    """Per actor: the groups with an event in which the actor took part, each group counted
    once however many of its events the actor took part in (three queries in all)."""
    pairs = (
        EventActor.objects.filter(event__group__in=groups.values("pk"))
        .values_list("actor_id", "event__group_id")
        .distinct()
    )
    by_group: dict[int, set[int]] = defaultdict(set)
    for actor_id, group_id in pairs:
        by_group[group_id].add(actor_id)
    if not by_group:
        return []
    # One aggregate query, grouped by (actor, group) pairs made unique by the group's key.
    table = _table(
        groups.filter(pk__in=list(by_group)).annotate(group_=F("pk")), "group_"
    )  # fmt: skip
    per_actor: dict[int, Row] = {}
    incidents_of: dict[int, set[int]] = defaultdict(set)
    for (group_id,), data in table:
        figures = {name: _total(data, name) for name in MEASURES}
        for actor_id in by_group[group_id]:
            row = per_actor.setdefault(actor_id, Row(label=""))
            for name, figure in figures.items():
                row.figures[name] = row.figure(name) + figure
            incidents_of[actor_id].add(data["incident_"])
    for rest in rests:
        for actor_id in by_group.get(rest.group, ()):
            _add_rests({(): per_actor[actor_id]}, [rest], lambda r: ())
    names = {a.pk: a for a in Actor.objects.filter(pk__in=per_actor)}
    for actor_id, row in per_actor.items():
        row.label, row.slug = names[actor_id].name, names[actor_id].slug
        row.incidents = len(incidents_of[actor_id])
    return sorted(per_actor.values(), key=lambda r: (-r.figure("arrested").low, r.label))


def published_estimates(*, country: str = "", start=None, end=None):
    """Published estimates whose country and period fit the page's filters."""
    estimates = Estimate.objects.published().prefetch_related("citations__source")
    if country:
        estimates = estimates.filter(country=country)
    if start:
        estimates = estimates.filter(period_end__gte=start)
    if end:
        estimates = estimates.filter(period_start__lte=end)
    return estimates.order_by("period_start", "pk")


def share(part: CountTotal, whole: CountTotal) -> str:
    """Share of people, from lower bounds; marked approximate unless both are exact."""
    if not whole.low:
        return "–"
    percent = round(100 * part.low / whole.low)
    return f"{percent}%" if part.exact and whole.exact else f"≈{percent}%"
