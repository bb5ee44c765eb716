"""Synthetic incidents with EVERY field filled, for tests, round-trip checks and benchmarks.

Nothing here is real: titles start with "Synthetic", and internal fields carry the MARKERS
below so a test can prove that none of them reaches a public output. The data is deterministic
for a given (n, seed), realistic in shape (several groups per incident, custody timelines,
vague dates of every precision, qualified counts, public and private coordinates, confidential
sources cited beside public ones, citations pinned to groups and events, estimates).

Rows are written with bulk_create, BATCH incidents at a time with all their children and
their derived rows (place index, search document), so 100,000 incidents take minutes and a
flat ~150 MB; no historical records are made for them.
"""

from __future__ import annotations

import calendar
import random
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.db import reset_queries

from incidents.models import (
    Actor,
    Circumstance,
    Citation,
    CountClaim,
    CountQualifier,
    CustodyEvent,
    DateClaim,
    DatePrecision,
    DetaineeGroup,
    Estimate,
    EstimateSource,
    EventActor,
    EventKind,
    Incident,
    IncidentPlace,
    Location,
    LocationName,
    Outcome,
    Source,
    Status,
)

MARKERS = {
    "incident note": "SYNTHETIC-INTERNAL-INCIDENT-NOTE",
    "group note": "SYNTHETIC-INTERNAL-GROUP-NOTE",
    "event note": "SYNTHETIC-INTERNAL-EVENT-NOTE",
    "location note": "SYNTHETIC-INTERNAL-LOCATION-NOTE",
    "source note": "SYNTHETIC-INTERNAL-SOURCE-NOTE",
    "actor note": "SYNTHETIC-INTERNAL-ACTOR-NOTE",
    "confidential source title": "SYNTHETIC-CONFIDENTIAL-SOURCE-TITLE",
    "confidential source publisher": "SYNTHETIC-CONFIDENTIAL-PUBLISHER",
    "confidential claim": "SYNTHETIC-CONFIDENTIAL-CLAIM",
    "confidential figure": "SYNTHETIC-CONFIDENTIAL-FIGURE-QUOTE",
    "confidential date": "SYNTHETIC-CONFIDENTIAL-DATE-QUOTE",
    "unpublished title": "SYNTHETIC-UNPUBLISHED-TITLE",
    "unpublished summary": "SYNTHETIC-UNPUBLISHED-SUMMARY",
    "unpublished estimate": "SYNTHETIC-UNPUBLISHED-ESTIMATE",
}

# The hierarchy above the places incidents name: (slug, name, Korean, kind, parent slug, code)
HIERARCHY = [
    ("syn-china", "China", "중국", "country", None, "CN"),
    ("syn-russia", "Russia", "러시아", "country", None, "RU"),
    ("syn-laos", "Laos", "라오스", "country", None, "LA"),
    ("syn-vietnam", "Viet Nam", "베트남", "country", None, "VN"),
    ("syn-mongolia", "Mongolia", "몽골", "country", None, "MN"),
    ("syn-south-korea", "South Korea", "대한민국", "country", None, "KR"),
    ("syn-liaoning", "Liaoning", "랴오닝성", "province", "syn-china", ""),
    ("syn-jilin", "Jilin", "지린성", "province", "syn-china", ""),
    ("syn-heilongjiang", "Heilongjiang", "헤이룽장성", "province", "syn-china", ""),
    ("syn-shandong", "Shandong", "산둥성", "province", "syn-china", ""),
    ("syn-yunnan", "Yunnan", "윈난성", "province", "syn-china", ""),
    ("syn-beijing-province", "Beijing", "베이징", "province", "syn-china", ""),
    ("syn-primorsky", "Primorsky Krai", "연해주", "province", "syn-russia", ""),
    ("syn-vientiane-prefecture", "Vientiane Prefecture", "비엔티안", "province", "syn-laos", ""),
    ("syn-hanoi-province", "Hanoi", "하노이", "province", "syn-vietnam", ""),
    ("syn-yanbian", "Yanbian Korean Autonomous Prefecture", "연변 조선족 자치주", "prefecture",
     "syn-jilin", ""),
    ("syn-tumen", "Tumen", "투먼", "city", "syn-yanbian", ""),
    ("syn-harbin", "Harbin", "하얼빈", "city", "syn-heilongjiang", ""),
    ("syn-beijing", "Beijing", "베이징", "city", "syn-beijing-province", ""),
    ("syn-vladivostok", "Vladivostok", "블라디보스토크", "city", "syn-primorsky", ""),
]  # fmt: skip

# (slug, name, Korean, local, kind, parent slug, lat, lon, precision, public)
# City-level coordinates are public; the exact spot of a worksite or a holding place is not.
PLACES = [
    ("syn-shenyang", "Shenyang", "선양", "沈阳", "city", "syn-liaoning",
     "41.805700", "123.431500", "city", True),
    ("syn-yanji", "Yanji", "옌지", "延吉", "city", "syn-yanbian",
     "42.891300", "129.508800", "city", True),
    ("syn-dandong", "Dandong", "단둥", "丹东", "city", "syn-liaoning",
     "40.124300", "124.394500", "city", True),
    ("syn-tumen-detention-centre", "Tumen detention centre", "투먼 수용소", "图们边防拘留所",
     "detention_centre", "syn-tumen", "42.967123", "129.843456", "exact", False),
    ("syn-changchun", "Changchun", "창춘", "长春", "city", "syn-jilin",
     "43.817100", "125.323500", "city", True),
    ("syn-harbin-police-station", "Harbin police station", "하얼빈 공안국", "哈尔滨公安局",
     "police_station", "syn-harbin", "45.756789", "126.642345", "exact", False),
    ("syn-qingdao", "Qingdao", "칭다오", "青岛", "city", "syn-shandong",
     "36.067100", "120.382600", "city", True),
    ("syn-kunming", "Kunming", "쿤밍", "昆明", "city", "syn-yunnan",
     "25.038900", "102.718300", "city", True),
    ("syn-jilin-province", "Jilin province (area only)", "지린성 일대", "吉林省", "other",
     "syn-jilin", "43.666700", "126.200000", "province", True),
    ("syn-sinuiju-crossing", "Sinuiju–Dandong bridge", "신의주 세관", "中朝友谊桥",
     "border_crossing", "syn-dandong", "40.114500", "124.391200", "exact", True),
    ("syn-beijing-mission", "South Korean embassy in Beijing", "주중국 대한민국 대사관",
     "韩国驻华大使馆", "diplomatic_mission", "syn-beijing", "39.960123", "116.467890", "exact",
     True),
    ("syn-vladivostok-worksite", "Worksite near Vladivostok", "블라디보스토크 건설 현장",
     "стройка под Владивостоком", "worksite", "syn-vladivostok", "43.171234", "131.912345",
     "exact", False),
    ("syn-vientiane", "Vientiane", "비엔티안", "ວຽງຈັນ", "city", "syn-vientiane-prefecture",
     "17.975700", "102.633100", "city", True),
    ("syn-hanoi-prison", "Prison near Hanoi", "하노이 교도소", "Nhà tù gần Hà Nội", "prison",
     "syn-hanoi-province", "21.012345", "105.854321", "exact", False),
    ("syn-ulaanbaatar", "Ulaanbaatar", "울란바토르", "Улаанбаатар", "city", "syn-mongolia",
     "47.886400", "106.905700", "country", True),
    ("syn-seoul", "Seoul", "서울", "서울", "city", "syn-south-korea",
     "37.566500", "126.978000", "city", True),
    ("syn-safe-house", "Safe house (area only)", "은신처", "藏身处", "other", "syn-yanji",
     "42.901357", "129.512468", "exact", False),
]  # fmt: skip

# (slug, name, kind, country, parent slug)
ACTORS = [
    ("syn-mps", "Ministry of Public Security (example)", "government", "CN", None),
    ("syn-liaoning-psb", "Liaoning Public Security Bureau (example)", "police", "CN", "syn-mps"),
    ("syn-jilin-border", "Jilin border defence (example)", "border_guard", "CN", "syn-mps"),
    ("syn-tumen-centre", "Tumen border detention centre (example)", "detention", "CN",
     "syn-jilin-border"),
    ("syn-kp-mss", "North Korean Ministry of State Security (example)", "state_security", "KP",
     None),
    ("syn-unhcr", "UN refugee agency (example)", "international", "", None),
]  # fmt: skip

PUBLISHERS = ["Example Daily", "Korea Example Herald", "Rights Example Watch", "UN Example"]
LANGUAGES = ["en", "ko", "zh", "ja", "ru"]
QUALIFIERS = [q for q in CountQualifier.values if q != CountQualifier.UNKNOWN]
ROLES = ["arrested", "held", "transferred", "received", "interrogated"]
PART_QUALIFIERS = [
    CountQualifier.EXACT,
    CountQualifier.AT_LEAST,
    CountQualifier.ABOUT,
    CountQualifier.MORE_THAN,
    CountQualifier.AT_MOST,
]
STATUSES = [Status.PUBLISHED] * 6 + [Status.DRAFT, Status.IN_REVIEW, Status.ARCHIVED]
NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
BATCH = 1200  # incidents written per batch (with their children): bounds the memory used


@dataclass
class SyntheticSet:
    locations: list[Location] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    incidents: list[Incident] = field(default_factory=list)
    groups: list[DetaineeGroup] = field(default_factory=list)
    events: list[CustodyEvent] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    estimates: list[Estimate] = field(default_factory=list)
    actors: list[Actor] = field(default_factory=list)
    claims: list[CountClaim] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)  # rows made, kept or not

    @property
    def published(self) -> list[Incident]:
        return [i for i in self.incidents if i.status == Status.PUBLISHED]


def _moment(i: int) -> datetime:
    return NOW - timedelta(days=3 * i, seconds=i)


def vague_range(rng: random.Random, precision: str, year: int) -> tuple[date, date, str]:
    """A (earliest, latest, precision) that passes VagueDate.problems() for `precision`."""
    month = rng.randint(1, 12)
    last = calendar.monthrange(year, month)[1]
    if precision == DatePrecision.DAY:
        d = date(year, month, rng.randint(1, last))
        return d, d, precision
    if precision == DatePrecision.DAYS:
        start = date(year, month, rng.randint(1, last))
        return start, start + timedelta(days=rng.randint(1, 40)), precision
    if precision == DatePrecision.EARLY_MONTH:
        return date(year, month, 1), date(year, month, 10), precision
    if precision == DatePrecision.MID_MONTH:
        return date(year, month, 11), date(year, month, 20), precision
    if precision == DatePrecision.LATE_MONTH:
        return date(year, month, 21), date(year, month, last), precision
    if precision == DatePrecision.MONTH:
        return date(year, month, 1), date(year, month, last), precision
    if precision == DatePrecision.MONTHS:
        end_year, end_month = (year, month + 2) if month <= 10 else (year + 1, month - 10)
        end_last = calendar.monthrange(end_year, end_month)[1]
        return date(year, month, 1), date(end_year, end_month, end_last), precision
    if precision == DatePrecision.YEAR:
        return date(year, 1, 1), date(year, 12, 31), precision
    return date(year, 1, 1), date(year + rng.randint(1, 2), 12, 31), DatePrecision.YEARS


def _count(value: int, qualifier: str) -> tuple[int, int | None, str]:
    if qualifier == CountQualifier.RANGE:
        return value, value + 2, qualifier
    if qualifier == CountQualifier.MORE_THAN:
        return max(value - 1, 0), None, qualifier  # "more than v" starts at v + 1
    return value, None, qualifier


def _counts(rng: random.Random, n: int) -> dict:
    """Every count part filled, qualifiers cycling; parts never exceed the size."""
    size = rng.randint(5, 40)
    value, high, qualifier = _count(size, QUALIFIERS[n % len(QUALIFIERS)])
    data = {"size_value": value, "size_high": high, "size_qualifier": qualifier}
    parts = {"women": size // 3, "men": size // 3, "minors": size // 5}
    for k, (part, number) in enumerate(parts.items()):
        value, high, qualifier = _count(number, PART_QUALIFIERS[(n + k) % len(PART_QUALIFIERS)])
        data |= {f"{part}_value": value, f"{part}_high": high, f"{part}_qualifier": qualifier}
    value, high, qualifier = _count(1 + n % 7, QUALIFIERS[(n + 3) % len(QUALIFIERS)])
    data |= {"helpers_value": value, "helpers_high": high, "helpers_qualifier": qualifier}
    if n % 11 == 10:  # now and then a part is not reported
        data |= {"helpers_value": None, "helpers_high": None,
                 "helpers_qualifier": CountQualifier.UNKNOWN}  # fmt: skip
    return data


def _places(out: SyntheticSet, seed: int) -> None:
    """The hierarchy, then the places incidents name (saved one by one: each derives its
    country, province and city from its parent)."""
    by_slug: dict[str, Location] = {}

    def slug_of(slug):
        return f"{slug}-{seed}" if seed else slug

    for slug, name, ko, kind, parent, code in HIERARCHY:
        existing = Location.objects.filter(kind="country", code=code).first() if code else None
        place = existing or Location(
            slug=slug_of(slug), name=name, name_ko=ko, kind=kind, code=code,
            parent=by_slug.get(parent),
        )  # fmt: skip
        if existing is None:
            place.save()
        by_slug[slug] = place
    for row in PLACES:
        slug, name, ko, local, kind, parent, lat, lon, prec, public = row
        place = Location(
            slug=slug_of(slug), name=name, name_ko=ko, name_local=local, kind=kind,
            parent=by_slug[parent], latitude=Decimal(lat), longitude=Decimal(lon),
            coordinate_precision=prec, coordinates_public=public,
            notes_internal=f"{MARKERS['location note']}: contact via the Yanji partner.",
        )  # fmt: skip
        place.save()
        by_slug[slug] = place
        out.locations.append(place)
    from incidents.places import normalized_names

    LocationName.objects.bulk_create(
        [LocationName(location=place, normalized=n) for place in by_slug.values()
         for n in normalized_names(place)],
        ignore_conflicts=True,
    )  # fmt: skip


def _actors(out: SyntheticSet, seed: int) -> None:
    by_slug: dict[str, Actor] = {}
    for slug, name, kind, country, parent in ACTORS:
        actor = Actor(
            slug=f"{slug}-{seed}" if seed else slug, name=name, kind=kind, country=country,
            parent=by_slug.get(parent),
            notes_internal=f"{MARKERS['actor note']}: officer names in the case file.",
        )  # fmt: skip
        actor.save()
        by_slug[slug] = actor
        out.actors.append(actor)


def generate(
    n: int, *, seed: int = 0, progress=None, batch_size: int = BATCH, keep: bool = True
) -> SyntheticSet:
    """Create `n` incidents (about two thirds published) and everything they reference.

    Incidents are made and written `batch_size` at a time with all their children, so memory
    stays bounded; the rows are the same whatever the batch size. With keep=False the
    returned set holds the counts, the places, actors and sources, but not the incident
    rows (for 100,000 incidents). `progress(done, total)` is called after each batch.
    """
    rng = random.Random(seed)
    out = SyntheticSet()
    _places(out, seed)
    _actors(out, seed)

    source_kinds = list(Source.Kind.values)
    grades = list(Source.Reliability.values)
    for k in range(max(6, n // 5)):
        confidential = k % 5 == 4
        untitled = k % 7 == 6 and not confidential
        day = date(2000 + k % 25, 1 + k % 12, 1 + k % 28)
        out.sources.append(
            Source(
                slug=f"syn-source-{seed}-{k}",
                title=("" if untitled else
                       f"{MARKERS['confidential source title']} {k}" if confidential
                       else f"Synthetic report {k} on arrests of North Koreans"),
                publisher=(MARKERS["confidential source publisher"] if confidential
                           else PUBLISHERS[k % len(PUBLISHERS)]),
                url=f"https://example.org/reports/{seed}/{k}",
                archive_url=f"https://web.archive.example/2020/https://example.org/reports/{k}",
                date_earliest=day if k % 4 else day.replace(day=1),
                date_latest=(day if k % 4 else
                             day.replace(day=calendar.monthrange(day.year, day.month)[1])),
                date_precision=DatePrecision.DAY if k % 4 else DatePrecision.MONTH,
                kind=source_kinds[k % len(source_kinds)],
                language=LANGUAGES[k % len(LANGUAGES)],
                reliability=grades[k % len(grades)],
                confidential=confidential,
                notes_internal=f"{MARKERS['source note']} {k}: met the author in Seoul.",
            )
        )  # fmt: skip
    Source.objects.bulk_create(out.sources, batch_size=1000)
    public_sources = [s for s in out.sources if not s.confidential]
    secret_sources = [s for s in out.sources if s.confidential]
    for k, source in enumerate(public_sources):  # blogs relaying newspapers
        if k % 6 == 5:
            source.relays = public_sources[k - 1]
    Source.objects.bulk_update(public_sources, ["relays"], batch_size=500)

    context = _Context(
        seed=seed, rng=rng, out=out, public_sources=public_sources, secret_sources=secret_sources
    )
    with _own_timestamps(Incident):
        for start in range(0, n, batch_size):
            plan = [_incident(context, i) for i in range(start, min(n, start + batch_size))]
            _write(context, start, plan, keep)
            reset_queries()  # with DEBUG on, Django would keep every INSERT's SQL
            if progress:
                progress(start + len(plan), n)

    subjects = list(Estimate.Subject.values)
    estimate_sources = []
    for k in range(max(3, n // 10)):
        published = k % 3 != 2
        year = 2000 + k % 25
        value_low = 1000 + 100 * k
        ranged = k % 2 == 1
        out.estimates.append(
            Estimate(
                subject=subjects[k % len(subjects)],
                description=(f"Synthetic estimate {k}" if published
                             else f"{MARKERS['unpublished estimate']} {k}"),
                country=["CN", "RU", "KR"][k % 3],
                period_start=date(year, 1, 1),
                period_end=date(year + k % 2, 12, 31),
                value_low=value_low,
                value_high=(5000 + 100 * k) if ranged else None,
                qualifier=(CountQualifier.RANGE if ranged
                           else PART_QUALIFIERS[k % len(PART_QUALIFIERS)]),
                attributed_to=f"Synthetic NGO {k}",
                status=Status.PUBLISHED if published else Status.DRAFT,
            )
        )  # fmt: skip
    Estimate.objects.bulk_create(out.estimates, batch_size=1000)
    for k, estimate in enumerate(out.estimates):
        estimate_sources.append(
            EstimateSource(estimate=estimate, source=public_sources[k % len(public_sources)],
                           claim=f"Some {1000 + 100 * k} people (synthetic).", locator="p. 1")
        )  # fmt: skip
        if k % 4 == 0:
            estimate_sources.append(
                EstimateSource(estimate=estimate, source=secret_sources[k % len(secret_sources)],
                               claim=f"{MARKERS['confidential claim']} estimate {k}")
            )  # fmt: skip
    EstimateSource.objects.bulk_create(estimate_sources, batch_size=1000)

    out.counts["estimates"] = len(out.estimates)
    return out


@dataclass
class _Context:
    seed: int
    rng: random.Random
    out: SyntheticSet
    public_sources: list[Source]
    secret_sources: list[Source]
    precisions: list[str] = field(default_factory=lambda: list(DatePrecision.values))
    kinds: list[str] = field(default_factory=lambda: list(EventKind.values))
    outcomes: list[str] = field(default_factory=lambda: list(Outcome.values))
    circumstances: list[str] = field(default_factory=lambda: list(Circumstance.values))


@contextmanager
def _own_timestamps(model):
    """Let bulk_create write the times set on the objects instead of stamping "now" into
    auto_now(_add) fields (saves rewriting every row afterwards). The fields are shared by the
    process: fine for this command and tests, not for a server's threads."""
    fields = [
        f for f in model._meta.concrete_fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]  # fmt: skip
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    for f in fields:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def _incident(context: _Context, i: int):
    """Incident `i` and its children, unsaved: (incident, [(group, events, claims)], dates)."""
    rng, out, seed = context.rng, context.out, context.seed
    public_sources, secret_sources = context.public_sources, context.secret_sources
    precisions, kinds = context.precisions, context.kinds
    outcomes, circumstances = context.outcomes, context.circumstances
    status = STATUSES[i % len(STATUSES)]
    hidden = status != Status.PUBLISHED
    earliest, latest, precision = vague_range(rng, precisions[i % len(precisions)], 1998 + i % 27)
    place = out.locations[i % len(out.locations)]
    title = f"Synthetic case {i}: North Koreans arrested near {place.name}"
    summary = (
        f"Synthetic record {i}. A group was stopped near {place.name} "
        f"({place.name_ko}, {place.name_local}) and taken into custody."
    )
    title_ko = f"합성 사례 {i}: {place.name_ko} 인근에서 북한 주민 체포"
    summary_ko = f"합성 기록 {i}. {place.name_ko}({place.name_local}) 인근에서 붙잡혔다."
    if hidden:
        title = f"{MARKERS['unpublished title']} {i}"
        summary = f"{MARKERS['unpublished summary']} {i}: {summary}"
        title_ko = f"{MARKERS['unpublished title']} {i} {title_ko}"
        summary_ko = f"{MARKERS['unpublished summary']} {i} {summary_ko}"
    incident = Incident(
        slug=f"synthetic-case-{seed}-{i}",
        title=title,
        summary=summary,
        title_ko=title_ko,
        summary_ko=summary_ko,
        status=status,
        notes_internal=f"{MARKERS['incident note']} {i}: family in Hoeryong informed.",
        date_earliest=earliest,
        date_latest=latest,
        date_precision=precision,
        published_at=(_moment(i) + timedelta(microseconds=7 * i + 1)
                      if status in (Status.PUBLISHED, Status.ARCHIVED) else None),
        # fixed, distinct times (created, published, updated), with microseconds
        created_at=_moment(i) - timedelta(days=2, microseconds=123457),
        updated_at=_moment(i) + timedelta(hours=(7 * i) % 48, microseconds=999 * i + 1000),
    )  # fmt: skip
    incident.staff_updated_at = incident.updated_at + timedelta(hours=1)
    date_claims = []
    if i % 4 == 0:  # two sources, two dates: the record goes by the first
        other_earliest, other_latest = earliest + timedelta(days=3), latest + timedelta(days=3)
        date_claims = [
            DateClaim(source=public_sources[i % len(public_sources)], preferred=True,
                      preferred_reason="the earlier, more detailed report",
                      wording="as reported first", date_earliest=earliest,
                      date_latest=latest, date_precision=precision, sequence=1),
            DateClaim(source=public_sources[(i + 1) % len(public_sources)],
                      wording="a few days later, in a second report",
                      date_earliest=other_earliest, date_latest=other_latest,
                      date_precision=DatePrecision.DAYS, sequence=2),
            DateClaim(source=secret_sources[i % len(secret_sources)],
                      quotation=f"{MARKERS['confidential date']} {i}",
                      date_earliest=earliest, date_latest=earliest,
                      date_precision=DatePrecision.DAY, sequence=3),
        ]  # fmt: skip
    groups = []
    for g in range(1 + i % 3):
        m = i * 3 + g
        group = DetaineeGroup(
            sequence=g + 1,
            label=f"Group {g + 1} of case {i}",
            arrest_location=out.locations[m % len(out.locations)],
            outcome=outcomes[m % len(outcomes)],
            helpers_nationality=["CN"] if m % 2 else ["CN", "KR"],
            helpers_description="local guides" if m % 3 else "",
            notes_internal=f"{MARKERS['group note']} {i}.{g}: names kept offline.",
            **_counts(rng, m),
        )
        claims = []
        if group.size_value is not None:
            claims = [
                CountClaim(part="size", value=group.size_value, value_high=group.size_high,
                           qualifier=group.size_qualifier, preferred=True,
                           preferred_reason="most detailed report",
                           source=public_sources[m % len(public_sources)],
                           wording="as the first report has it", sequence=1),
                CountClaim(part="size", value=group.size_value + 2,
                           qualifier=CountQualifier.EXACT,
                           source=public_sources[(m + 1) % len(public_sources)],
                           wording="a later report", sequence=2),
                CountClaim(part="size", value=group.size_value + 5,
                           qualifier=CountQualifier.ABOUT,
                           source=secret_sources[m % len(secret_sources)],
                           quotation=f"{MARKERS['confidential figure']} {m}", sequence=3),
            ]  # fmt: skip
        if group.helpers_value is not None:
            claims.append(
                CountClaim(part="helpers", value=group.helpers_value,
                           value_high=group.helpers_high,
                           qualifier=group.helpers_qualifier, preferred=True,
                           preferred_reason="the only report", sequence=4,
                           source=public_sources[m % len(public_sources)],
                           quotation=f"and {group.helpers_value} helpers")
            )  # fmt: skip
        events = []
        for e in range(1 + m % 4):
            k = m * 4 + e
            kind = EventKind.ARRESTED if e == 0 else kinds[k % len(kinds)]
            e_earliest, e_latest, e_precision = vague_range(
                rng, precisions[k % len(precisions)], earliest.year
            )
            event = CustodyEvent(
                kind=kind,
                location=out.locations[k % len(out.locations)],
                description=f"Step {e + 1}: held for questioning, then moved",
                sequence=e + 1,
                notes_internal=f"{MARKERS['event note']} {i}.{g}.{e}",
                date_earliest=e_earliest,
                date_latest=e_latest,
                date_precision=e_precision,
                circumstance=circumstances[k % len(circumstances)] if e == 0 else "",
                circumstance_text="stopped at a checkpoint" if e == 0 and k % 2 else "",
            )
            actors = [
                EventActor(actor=out.actors[k % len(out.actors)], role=ROLES[k % len(ROLES)])
            ] if k % 3 else []  # fmt: skip
            events.append((event, actors))
        groups.append((group, events, claims))
    return incident, groups, date_claims


def _write(context: _Context, start: int, plan: list, keep: bool) -> None:
    """Insert one batch of incidents with their children, then their derived rows: the
    place index (each named place and its ancestors) and the search document."""
    out = context.out
    public_sources, secret_sources = context.public_sources, context.secret_sources
    Incident.objects.bulk_create([incident for incident, _, _ in plan], batch_size=1000)
    for incident, groups, date_claims in plan:
        for group, _events, _claims in groups:
            group.incident = incident
        for claim in date_claims:
            claim.incident = incident
    incidents = [incident for incident, _, _ in plan]
    groups_made = [group for _, groups, _ in plan for group, _, _ in groups]
    # "At least N arrested, of whom …": in every other incident with three groups (i % 6 == 2),
    # the third is part of the first, whose figure is made open-ended and large enough.
    nested = [groups for k, (_, groups, _) in enumerate(plan) if (start + k) % 6 == 2]
    for groups in nested:
        first, third = groups[0][0], groups[2][0]
        first.size_qualifier, first.size_high = CountQualifier.AT_LEAST, None
        inner = third.size_high or third.size_value or 0
        first.size_value = max(first.size_value or 1, inner + 1)
        for claim in groups[0][2]:  # the figure follows its preferred claim
            if claim.part == "size" and claim.preferred:
                claim.value, claim.qualifier, claim.value_high = first.size_value, "at_least", None
    DetaineeGroup.objects.bulk_create(groups_made, batch_size=1000)
    subgroups = []
    for groups in nested:
        third = groups[2][0]
        third.parent = groups[0][0]
        subgroups.append(third)
    DetaineeGroup.objects.bulk_update(subgroups, ["parent"], batch_size=1000)
    DateClaim.objects.bulk_create([c for _, _, claims in plan for c in claims], batch_size=1000)
    for _, groups, _ in plan:
        for group, events, claims in groups:
            for event, _parts in events:
                event.group = group
            for claim in claims:
                claim.group = group
    events_made = [e for _, groups, _ in plan for _, events, _ in groups for e, _p in events]
    CustodyEvent.objects.bulk_create(events_made, batch_size=1000)
    claims_made = [c for _, groups, _ in plan for _, _, claims in groups for c in claims]
    CountClaim.objects.bulk_create(claims_made, batch_size=1000)
    parts = []
    for _, groups, _ in plan:
        for _group, events, _claims in groups:
            for event, actors in events:
                for part in actors:
                    part.event = event
                    parts.append(part)
    EventActor.objects.bulk_create(parts, batch_size=1000)

    citations_made = []
    for k, (incident, groups, _dates) in enumerate(plan):
        i = start + k
        first_group, first_events, _ = groups[0]
        last_group, last_events, _ = groups[-1]
        citations = [
            Citation(incident=incident, source=public_sources[i % len(public_sources)],
                     claim=f"Synthetic quotation {i}: a group was arrested.", locator="p. 2"),
            Citation(incident=incident, source=public_sources[(i + 1) % len(public_sources)],
                     group=first_group, claim="The group was held together.", locator="§ 4"),
            Citation(incident=incident, source=public_sources[(i + 2) % len(public_sources)],
                     group=last_group, event=last_events[-1][0],
                     claim="They were moved afterwards.", locator="para. 7"),
            Citation(incident=incident, source=secret_sources[i % len(secret_sources)],
                     group=first_group, event=first_events[0][0],
                     claim=f"{MARKERS['confidential claim']} {i}", locator="interview 3"),
        ]  # fmt: skip
        citations_made += citations
    Citation.objects.bulk_create(citations_made, batch_size=1000)

    from incidents.services import search_index
    from incidents.services.places import expected_index

    ids = [x.pk for x in incidents]
    IncidentPlace.objects.bulk_create(
        [IncidentPlace(incident_id=i, location_id=loc) for i, loc in sorted(expected_index(ids))],
        batch_size=5000, ignore_conflicts=True,
    )  # fmt: skip
    search_index.refresh(ids)

    out.counts.update(
        incidents=len(incidents),
        published=sum(x.status == Status.PUBLISHED for x in incidents),
        groups=len(groups_made),
        events=len(events_made),
        citations=len(citations_made),
    )
    if keep:
        out.incidents += incidents
        out.groups += groups_made
        out.events += events_made
        out.claims += claims_made
        out.citations += citations_made
