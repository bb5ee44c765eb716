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

import re
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connections
from django.db.models import (
    BooleanField,
    Case,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Value,
    When,
)
from django.db.models.functions import ExtractYear
from django.utils.translation import gettext
from django_countries import countries

from incidents.models import (
    Actor,
    CustodyEvent,
    DetaineeGroup,
    Estimate,
    EventActor,
    EventKind,
    Outcome,
    Status,
)
from incidents.public import Memo, public_estimate
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


def _sql_in(codes) -> str:
    """A list of choice codes as SQL literals (codes are constants like 'released_to_…')."""
    for code in codes:
        assert re.fullmatch(r"[a-z_]+", code), code
    return ", ".join(f"'{code}'" for code in codes)


# Which groups count in which measure (an SQL condition over the per-group rows of
# base_rows()), and which of their figures.
MEASURES: dict[str, tuple[str, str]] = {
    "arrested": ("is_top AND was_arrested", "size"),
    "helpers": ("is_top AND was_arrested", "helpers"),
    "repatriated": (f"is_leaf AND outcome IN ({_sql_in([Outcome.REPATRIATED])})", "size"),
    "released": (f"is_leaf AND outcome IN ({_sql_in(RELEASED)})", "size"),
    "detained": (f"is_leaf AND outcome IN ({_sql_in([Outcome.DETAINED])})", "size"),
    "unknown": (f"is_leaf AND outcome IN ({_sql_in([Outcome.UNKNOWN])})", "size"),
    # The outcomes table: everyone in the (leaf) groups of the row.
    "people": ("1 = 1", "size"),
}


def _aggregates(name: str, condition: str, p: str) -> list[str]:
    """Everything CountTotal needs about one measure, summed in one pass (SQL)."""
    about = _sql_in([CountQualifier.ABOUT])
    return [
        f"COUNT(*) FILTER (WHERE {condition} AND {p}_value IS NOT NULL) AS m_{name}_n",
        f"SUM({p}_low_) FILTER (WHERE {condition}) AS m_{name}_low",
        f"SUM({p}_high_) FILTER (WHERE {condition}) AS m_{name}_high",
        f"COUNT(*) FILTER (WHERE {condition} AND {p}_high_ IS NULL) AS m_{name}_open",
        f"COUNT(*) FILTER (WHERE {condition} AND {p}_qualifier = {about}) AS m_{name}_approx",
        # The single-group case keeps the source's wording ("more than 20").
        f"MIN({p}_value) FILTER (WHERE {condition}) AS m_{name}_v",
        f"MIN({p}_high) FILTER (WHERE {condition}) AS m_{name}_vh",
        f"MIN({p}_qualifier) FILTER (WHERE {condition}) AS m_{name}_q",
        f"COUNT(*) FILTER (WHERE {condition}) AS m_{name}_groups",
    ]


AGGREGATES = ",\n  ".join(
    [part for name, (cond, p) in MEASURES.items() for part in _aggregates(name, cond, p)]
    + ["COUNT(DISTINCT incident_id) AS incidents_n", "MIN(incident_id) AS incident_"]
)


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
    """Groups of published incidents (optionally of a filtered incident queryset)."""
    groups = DetaineeGroup.objects.filter(incident__status=Status.PUBLISHED)
    if incidents is not None:
        groups = groups.filter(incident__in=incidents.values("pk"))
    return groups.order_by()


def base_rows(groups):
    """One row per counted group: its place in the measures (top-level or part of another,
    with or without subgroups, arrested or not), its figures' bounds and the keys the tables
    group by. Evaluated once per page (a CTE), whatever the number of tables."""
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
        year=ExtractYear("incident__date_earliest"),
        country=F("arrest_location__country"),
        province=F("arrest_location__province"),
        gid=F("pk"),
    ).values(
        "gid", "incident_id", "outcome", "is_top", "is_leaf", "was_arrested",
        "size_value", "size_high", "size_qualifier", "size_low_", "size_high_",
        "helpers_value", "helpers_high", "helpers_qualifier", "helpers_low_", "helpers_high_",
        "year", "country", "province",
    )  # fmt: skip


def tables(groups) -> dict[str, dict[tuple, dict]]:
    """Every table's aggregates in one statement: {table: {key: aggregate row}} for
    "year", "place" (country, province), "outcome" (leaf groups), "total" and "actor"."""
    sql, params = base_rows(groups).query.sql_with_params()
    actor_pairs = (
        "SELECT DISTINCT ea.actor_id, e.group_id FROM incidents_eventactor ea "
        "JOIN incidents_custodyevent e ON e.id = ea.event_id"
    )
    statement = f"""
WITH g AS ({sql})
SELECT 'year' AS tbl, CAST(year AS TEXT) AS k1, NULL AS k2, {AGGREGATES} FROM g GROUP BY year
UNION ALL
SELECT 'place', country, province, {AGGREGATES} FROM g GROUP BY country, province
UNION ALL
SELECT 'outcome', outcome, NULL, {AGGREGATES} FROM g WHERE is_leaf GROUP BY outcome
UNION ALL
SELECT 'total', NULL, NULL, {AGGREGATES} FROM g
UNION ALL
SELECT 'actor', CAST(p.actor_id AS TEXT), NULL, {AGGREGATES}
FROM g JOIN ({actor_pairs}) p ON p.group_id = g.gid GROUP BY p.actor_id
"""  # noqa: S608 - built from constants and Django's compiled SQL; values are parameters
    found: dict[str, dict[tuple, dict]] = defaultdict(dict)
    with connections[groups.db].cursor() as cursor:
        cursor.execute(statement, params)
        names = [column[0] for column in cursor.description]
        for values in cursor.fetchall():
            row = dict(zip(names, values, strict=True))
            found[row["tbl"]][(row["k1"], row["k2"])] = row
    return found


def _rows(table: dict[tuple, dict]) -> dict[tuple, Row]:
    out = {}
    for key, data in table.items():
        row = Row(label="")
        row.figures = {name: _total(data, name) for name in MEASURES}
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
    with_parts = DetaineeGroup.objects.filter(parent__isnull=False).values("parent_id")
    parents = list(
        groups.filter(pk__in=with_parts)
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
    sql, params = base_rows(groups).query.sql_with_params()
    low, high = _claim_bounds_sql()
    statement = f"""
WITH g AS ({sql}),
c AS (
  SELECT group_id, MIN({low}) AS lo, MAX({high}) AS hi,
         MAX(CASE WHEN ({high}) IS NULL THEN 1 ELSE 0 END) AS open_claim
  FROM incidents_countclaim WHERE part = 'size' GROUP BY group_id
)
SELECT SUM(COALESCE(c.lo, g.size_low_)),
       SUM(CASE WHEN c.group_id IS NULL THEN g.size_high_ ELSE c.hi END),
       COUNT(c.group_id),
       COUNT(*) FILTER (WHERE (c.group_id IS NULL AND g.size_high_ IS NULL)
                           OR c.open_claim = 1)
FROM g LEFT JOIN c ON c.group_id = g.gid
WHERE g.is_top AND g.was_arrested
"""  # noqa: S608 - constants and Django's compiled SQL; values are parameters
    with connections[groups.db].cursor() as cursor:
        cursor.execute(statement, params)
        total_low, total_high, with_claims, open_count = cursor.fetchone()
    if not with_claims:
        return None
    bounded = not open_count
    return CountTotal(
        low=total_low or 0, high=(total_high or 0) if bounded else None, approximate=False
    )


def _claim_bounds_sql() -> tuple[str, str]:
    """A claim's lowest and highest possible number, as SQL over incidents_countclaim."""
    low = (
        f"CASE WHEN qualifier = {_sql_in([CountQualifier.MORE_THAN])} THEN value + 1 "
        f"WHEN qualifier = {_sql_in([CountQualifier.AT_MOST])} THEN 0 ELSE value END"
    )
    bounded = _sql_in([CountQualifier.EXACT, CountQualifier.ABOUT, CountQualifier.AT_MOST])
    high = (
        f"CASE WHEN qualifier = {_sql_in([CountQualifier.RANGE])} THEN value_high "
        f"WHEN qualifier IN ({bounded}) THEN value END"
    )
    return low, high


def compute(incidents=None, *, estimate_filters: dict | None = None) -> dict:
    """Every table of the statistics page, in a fixed number of queries (one for all the
    aggregates; see tables())."""
    groups = counted_groups(incidents)
    found = tables(groups)
    rests = rests_of(groups)

    years = _rows(found["year"])
    _add_rests(years, rests, lambda r: (None if r.year is None else str(r.year), None))
    year_rows = []
    for (year, _), row in sorted(years.items(), key=lambda kv: (kv[0][0] is None, kv[0][0])):
        row.label = local_year(int(year)) if year is not None else gettext("date unknown")
        year_rows.append(row)

    places = _rows(found["place"])
    _add_rests(places, rests, lambda r: (r.country, r.province))
    place_rows = []
    for (country, province), row in places.items():
        if not country:
            row.label = gettext("place unknown")
        else:
            row.label = " / ".join([str(countries.name(country)) or country, province or "—"])
        place_rows.append(row)
    place_rows.sort(key=lambda r: (-r.figure("arrested").low, r.label))

    outcomes = _rows(found["outcome"])
    for rest in rests:
        if rest.outcome != Outcome.UNKNOWN:
            row = outcomes.setdefault((rest.outcome, None), Row(label=""))
            row.figures["people"] = row.figure("people") + rest.count
    outcome_rows = []
    for (code, _), row in outcomes.items():
        row.label = str(Outcome(code).label)
        outcome_rows.append(row)
    outcome_rows.sort(key=lambda r: -r.figure("people").low)

    totals = _rows(found["total"])
    _add_rests(totals, rests, lambda r: (None, None))
    everyone = totals.get((None, None)) or Row(label=gettext("All"))
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
        "actors": actor_rows(found["actor"], rests),
        "total": everyone,
        "total_display": everyone.figure("arrested").localized(),
        "spread": _differing(_spread(groups), everyone.figure("arrested")),
        "unreported_rests": sum(1 for r in rests if r.outcome == Outcome.UNKNOWN),
        "spanning_years": spanning,
        **_estimates(estimate_filters or {}),
    }


def _differing(spread: CountTotal | None, total: CountTotal) -> CountTotal | None:
    """The spread, if the sources' figures give anything other than the total."""
    return spread if spread is not None and spread.render() != total.render() else None


def actor_rows(table: dict[tuple, dict], rests: list[Rest]) -> list[Row]:
    """Per actor: the groups with an event in which the actor took part, each group counted
    once however many of its events the actor took part in (the "actor" table of tables())."""
    per_actor = {int(actor): row for (actor, _), row in _rows(table).items()}
    if not per_actor:
        return []
    if rests:  # a group's rest counts under every authority the group had
        pairs = (
            EventActor.objects.filter(event__group__in=[r.group for r in rests])
            .order_by()
            .values_list("actor_id", "event__group_id")
            .distinct()
        )
        actors_of: dict[int, set[int]] = defaultdict(set)
        for actor_id, group_id in pairs:
            actors_of[group_id].add(actor_id)
        for rest in rests:
            for actor_id in actors_of.get(rest.group, ()):
                if actor_id in per_actor:
                    _add_rests({(): per_actor[actor_id]}, [rest], lambda r: ())
    names = {a.pk: a for a in Actor.objects.filter(pk__in=per_actor)}
    for actor_id, row in per_actor.items():
        row.label, row.slug = names[actor_id].name, names[actor_id].slug
    return sorted(per_actor.values(), key=lambda r: (-r.figure("arrested").low, r.label))


# The page lists this many estimates, oldest period first, and says how many there are: a
# page never loads the whole record (a synthetic archive of 100k incidents has 6,667).
ESTIMATES_SHOWN = 100


def _estimates(filters: dict) -> dict:
    estimates = published_estimates(**filters)
    memo = Memo()
    shown = [public_estimate(e, memo) for e in estimates[:ESTIMATES_SHOWN]]
    total = len(shown) if len(shown) < ESTIMATES_SHOWN else estimates.count()
    return {"estimates": shown, "estimates_total": total}


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
