"""Synthetic incidents with EVERY field filled, for tests, round-trip checks and benchmarks.

Nothing here is real: titles start with "Synthetic", and internal fields carry the MARKERS
below so a test can prove that none of them reaches a public output. The data is deterministic
for a given (n, seed), realistic in shape (several groups per incident, custody timelines,
vague dates of every precision, qualified counts, public and private coordinates, confidential
sources cited beside public ones, citations pinned to groups and events, estimates).

Rows are written with bulk_create (fast enough for tens of thousands of incidents), so no
historical records are made for them.
"""

from __future__ import annotations

import calendar
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from incidents.models import (
    Citation,
    CountQualifier,
    CustodyEvent,
    DatePrecision,
    DetaineeGroup,
    Estimate,
    EventKind,
    Incident,
    Location,
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
    "confidential source title": "SYNTHETIC-CONFIDENTIAL-SOURCE-TITLE",
    "confidential source publisher": "SYNTHETIC-CONFIDENTIAL-PUBLISHER",
    "confidential claim": "SYNTHETIC-CONFIDENTIAL-CLAIM",
    "unpublished title": "SYNTHETIC-UNPUBLISHED-TITLE",
    "unpublished summary": "SYNTHETIC-UNPUBLISHED-SUMMARY",
    "unpublished estimate": "SYNTHETIC-UNPUBLISHED-ESTIMATE",
}

# (slug, name, Korean, local, kind, city, province, country, lat, lon, precision, public)
# City-level coordinates are public; the exact spot of a worksite or a holding place is not.
PLACES = [
    ("syn-shenyang", "Shenyang", "선양", "沈阳", "city", "Shenyang", "Liaoning", "CN",
     "41.805700", "123.431500", "city", True),
    ("syn-yanji", "Yanji", "옌지", "延吉", "city", "Yanji", "Jilin", "CN",
     "42.891300", "129.508800", "city", True),
    ("syn-dandong", "Dandong", "단둥", "丹东", "city", "Dandong", "Liaoning", "CN",
     "40.124300", "124.394500", "city", True),
    ("syn-tumen-detention-centre", "Tumen detention centre", "투먼 수용소", "图们边防拘留所",
     "detention_centre", "Tumen", "Jilin", "CN", "42.967123", "129.843456", "exact", False),
    ("syn-changchun", "Changchun", "창춘", "长春", "city", "Changchun", "Jilin", "CN",
     "43.817100", "125.323500", "city", True),
    ("syn-harbin-police-station", "Harbin police station", "하얼빈 공안국", "哈尔滨公安局",
     "police_station", "Harbin", "Heilongjiang", "CN", "45.756789", "126.642345", "exact", False),
    ("syn-qingdao", "Qingdao", "칭다오", "青岛", "city", "Qingdao", "Shandong", "CN",
     "36.067100", "120.382600", "city", True),
    ("syn-kunming", "Kunming", "쿤밍", "昆明", "city", "Kunming", "Yunnan", "CN",
     "25.038900", "102.718300", "city", True),
    ("syn-jilin-province", "Jilin province", "지린성", "吉林省", "province", "", "Jilin", "CN",
     "43.666700", "126.200000", "province", True),
    ("syn-sinuiju-crossing", "Sinuiju–Dandong bridge", "신의주 세관", "中朝友谊桥",
     "border_crossing", "Dandong", "Liaoning", "CN", "40.114500", "124.391200", "exact", True),
    ("syn-beijing-mission", "South Korean embassy in Beijing", "주중국 대한민국 대사관",
     "韩国驻华大使馆", "diplomatic_mission", "Beijing", "Beijing", "CN",
     "39.960123", "116.467890", "exact", True),
    ("syn-vladivostok-worksite", "Worksite near Vladivostok", "블라디보스토크 건설 현장",
     "стройка под Владивостоком", "worksite", "Vladivostok", "Primorsky Krai", "RU",
     "43.171234", "131.912345", "exact", False),
    ("syn-vientiane", "Vientiane", "비엔티안", "ວຽງຈັນ", "city", "Vientiane", "Vientiane", "LA",
     "17.975700", "102.633100", "city", True),
    ("syn-hanoi-prison", "Prison near Hanoi", "하노이 교도소", "Nhà tù gần Hà Nội", "prison",
     "Hanoi", "Hanoi", "VN", "21.012345", "105.854321", "exact", False),
    ("syn-ulaanbaatar", "Ulaanbaatar", "울란바토르", "Улаанбаатар", "city", "Ulaanbaatar",
     "Ulaanbaatar", "MN", "47.886400", "106.905700", "country", True),
    ("syn-seoul", "Seoul", "서울", "서울", "city", "Seoul", "Seoul", "KR",
     "37.566500", "126.978000", "city", True),
    ("syn-safe-house", "Safe house (area only)", "은신처", "藏身处", "other", "Yanji", "Jilin",
     "CN", "42.901357", "129.512468", "exact", False),
]  # fmt: skip

PUBLISHERS = ["Example Daily", "Korea Example Herald", "Rights Example Watch", "UN Example"]
LANGUAGES = ["en", "ko", "zh", "ja", "ru"]
QUALIFIERS = [q for q in CountQualifier.values if q != CountQualifier.UNKNOWN]
PART_QUALIFIERS = [
    CountQualifier.EXACT,
    CountQualifier.AT_LEAST,
    CountQualifier.ABOUT,
    CountQualifier.MORE_THAN,
    CountQualifier.AT_MOST,
]
STATUSES = [Status.PUBLISHED] * 6 + [Status.DRAFT, Status.IN_REVIEW, Status.ARCHIVED]
NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


@dataclass
class SyntheticSet:
    locations: list[Location] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    incidents: list[Incident] = field(default_factory=list)
    groups: list[DetaineeGroup] = field(default_factory=list)
    events: list[CustodyEvent] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    estimates: list[Estimate] = field(default_factory=list)

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


def _counts(rng: random.Random, n: int) -> dict:
    """Every count part filled, qualifiers cycling; parts never exceed the size."""
    size = rng.randint(5, 40)
    size_q = QUALIFIERS[n % len(QUALIFIERS)]
    parts = {"women": size // 3, "men": size // 3, "minors": size // 5, "helpers": size // 8}
    data = {"size_value": size, "size_qualifier": size_q}
    for k, (part, value) in enumerate(parts.items()):
        qualifier = PART_QUALIFIERS[(n + k) % len(PART_QUALIFIERS)]
        if qualifier == CountQualifier.MORE_THAN:
            value = max(value - 1, 0)  # "more than v" starts at v + 1
        data[f"{part}_value"] = value
        data[f"{part}_qualifier"] = qualifier
    if n % 11 == 10:  # now and then a part is not reported
        data["helpers_value"], data["helpers_qualifier"] = None, CountQualifier.UNKNOWN
    return data


def generate(n: int, *, seed: int = 0) -> SyntheticSet:
    """Create `n` incidents (about two thirds published) and everything they reference."""
    rng = random.Random(seed)
    out = SyntheticSet()
    precisions = list(DatePrecision.values)
    kinds = list(EventKind.values)
    outcomes = list(Outcome.values)

    for row in PLACES:
        slug, name, ko, local, kind, city, province, country, lat, lon, prec, public = row
        out.locations.append(
            Location(
                slug=f"{slug}-{seed}" if seed else slug,
                name=name, name_ko=ko, name_local=local, kind=kind, city=city,
                province=province, country=country, latitude=Decimal(lat),
                longitude=Decimal(lon), coordinate_precision=prec, coordinates_public=public,
                notes_internal=f"{MARKERS['location note']}: contact via the Yanji partner.",
            )
        )  # fmt: skip
    Location.objects.bulk_create(out.locations)

    source_kinds = list(Source.Kind.values)
    grades = list(Source.Reliability.values)
    for k in range(max(6, n // 5)):
        confidential = k % 5 == 4
        out.sources.append(
            Source(
                slug=f"syn-source-{seed}-{k}",
                title=(f"{MARKERS['confidential source title']} {k}" if confidential
                       else f"Synthetic report {k} on arrests of North Koreans"),
                publisher=(MARKERS["confidential source publisher"] if confidential
                           else PUBLISHERS[k % len(PUBLISHERS)]),
                url=f"https://example.org/reports/{seed}/{k}",
                archive_url=f"https://web.archive.example/2020/https://example.org/reports/{k}",
                published_on=date(2000 + k % 25, 1 + k % 12, 1 + k % 28),
                kind=source_kinds[k % len(source_kinds)],
                language=LANGUAGES[k % len(LANGUAGES)],
                reliability=grades[k % len(grades)],
                confidential=confidential,
                notes_internal=f"{MARKERS['source note']} {k}: met the author in Seoul.",
            )
        )  # fmt: skip
    Source.objects.bulk_create(out.sources)
    public_sources = [s for s in out.sources if not s.confidential]
    secret_sources = [s for s in out.sources if s.confidential]

    plan = []  # (incident, [(group, [events])])
    for i in range(n):
        status = STATUSES[i % len(STATUSES)]
        hidden = status != Status.PUBLISHED
        earliest, latest, precision = vague_range(
            rng, precisions[i % len(precisions)], 1998 + i % 27
        )
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
        )  # fmt: skip
        groups = []
        for g in range(1 + i % 3):
            m = i * 3 + g
            group = DetaineeGroup(
                sequence=g + 1,
                label=f"Group {g + 1} of case {i}",
                arrest_location=out.locations[m % len(out.locations)],
                outcome=outcomes[m % len(outcomes)],
                notes_internal=f"{MARKERS['group note']} {i}.{g}: names kept offline.",
                **_counts(rng, m),
            )
            events = []
            for e in range(1 + m % 4):
                k = m * 4 + e
                e_earliest, e_latest, e_precision = vague_range(
                    rng, precisions[k % len(precisions)], earliest.year
                )
                events.append(
                    CustodyEvent(
                        kind=kinds[k % len(kinds)],
                        location=out.locations[k % len(out.locations)],
                        description=f"Step {e + 1}: held for questioning, then moved",
                        sequence=e + 1,
                        notes_internal=f"{MARKERS['event note']} {i}.{g}.{e}",
                        date_earliest=e_earliest,
                        date_latest=e_latest,
                        date_precision=e_precision,
                    )
                )
            groups.append((group, events))
        plan.append((incident, groups))

    Incident.objects.bulk_create([incident for incident, _ in plan], batch_size=500)
    for incident, groups in plan:
        for group, _events in groups:
            group.incident = incident
    out.incidents = [incident for incident, _ in plan]
    out.groups = [group for _, groups in plan for group, _ in groups]
    DetaineeGroup.objects.bulk_create(out.groups, batch_size=500)
    for _, groups in plan:
        for group, events in groups:
            for event in events:
                event.group = group
    out.events = [event for _, groups in plan for _, events in groups for event in events]
    CustodyEvent.objects.bulk_create(out.events, batch_size=500)

    for i, (incident, groups) in enumerate(plan):
        first_group, first_events = groups[0]
        last_group, last_events = groups[-1]
        out.citations += [
            Citation(incident=incident, source=public_sources[i % len(public_sources)],
                     claim=f"Synthetic quotation {i}: a group was arrested.", locator="p. 2"),
            Citation(incident=incident, source=public_sources[(i + 1) % len(public_sources)],
                     group=first_group, claim="The group was held together.", locator="§ 4"),
            Citation(incident=incident, source=public_sources[(i + 2) % len(public_sources)],
                     group=last_group, event=last_events[-1],
                     claim="They were moved afterwards.", locator="para. 7"),
            Citation(incident=incident, source=secret_sources[i % len(secret_sources)],
                     group=first_group, event=first_events[0],
                     claim=f"{MARKERS['confidential claim']} {i}", locator="interview 3"),
        ]  # fmt: skip
    Citation.objects.bulk_create(out.citations, batch_size=500)

    subjects = list(Estimate.Subject.values)
    for k in range(max(3, n // 10)):
        published = k % 3 != 2
        source = out.sources[k % len(out.sources)]
        year = 2000 + k % 25
        out.estimates.append(
            Estimate(
                subject=subjects[k % len(subjects)],
                description=(f"Synthetic estimate {k}" if published
                             else f"{MARKERS['unpublished estimate']} {k}"),
                country=["CN", "RU", "KR"][k % 3],
                period_start=date(year, 1, 1),
                period_end=date(year + k % 2, 12, 31),
                value_low=1000 + 100 * k,
                value_high=(5000 + 100 * k) if k % 2 else None,
                qualifier=QUALIFIERS[k % len(QUALIFIERS)],
                source=source,
                attributed_to=f"Synthetic NGO {k}",
                claim=f"Some {1000 + 100 * k} people (synthetic).",
                status=Status.PUBLISHED if published else Status.DRAFT,
            )
        )  # fmt: skip
    Estimate.objects.bulk_create(out.estimates, batch_size=500)

    # auto_now(_add) stamped "now" on insert; give every record fixed, distinct times
    # (created, then published, then updated; with microseconds, as real records have).
    for i, incident in enumerate(out.incidents):
        incident.created_at = _moment(i) - timedelta(days=2, microseconds=123457)
        incident.updated_at = _moment(i) + timedelta(
            hours=(7 * i) % 48, microseconds=999 * i + 1000
        )
    Incident.objects.bulk_update(out.incidents, ["created_at", "updated_at"], batch_size=500)
    return out
