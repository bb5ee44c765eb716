"""Possible duplicates: the same event reported by several outlets, entered as several incidents.

For an incident, the other records (any status; not those already merged, see
IncidentQuerySet.records) that may describe the same event, each with a score from 0 to 100 and
the reasons, in the staff's language:

    dates        their vague date ranges overlap (35 for ranges of a month or less, less for
                 vaguer ones), or lie within DATE_WINDOW of each other (10)
    place        a place of arrest or of a custody event is the same, or one lies in the other
                 (Tumen in Jilin): 30 when the less specific of the two is a city or a site,
                 down to 5 for a shared country
    people       the people totals (or failing that two group sizes) agree within a tolerance
    title        the titles are alike (difflib, the same on SQLite and PostgreSQL)

Listed from THRESHOLD up. A shared date alone (35) is not enough; a date and a place are.

Cost, whatever the size of the record: candidates are chosen in SQL, by date window, on the
incidents' date index (the range of `date_latest` is bounded, so it is an index range scan),
at most CANDIDATE_LIMIT per incident; their groups and events are read in two queries for all
of them; scoring is Python. An undated incident has no candidates (a date is the one signal
that can be looked up by index), and a candidate whose date range is longer than LONGEST_SPAN
(years) is too vague to be looked up: neither says much about being the same event.

Read-only: nothing here writes. Merging is services.merging.
"""

from __future__ import annotations

import difflib
import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from incidents.models import (
    CustodyEvent,
    DetaineeGroup,
    Incident,
    IncidentPlace,
    Location,
)
from incidents.vague import CountTotal, EstimatedCount, VagueDate, total

THRESHOLD = 50  # the lowest score listed as a possible duplicate
DATE_WINDOW = timedelta(days=31)  # also compared: incidents this close without overlapping
LONGEST_SPAN = timedelta(days=3 * 366)  # candidates' date ranges no longer than this
CANDIDATE_LIMIT = 200  # candidates scored per incident (nearest in time, shared place first)
BATCH = 200  # incidents whose candidates are read in one query (imports)

WEIGHT_DATES = 35
WEIGHT_NEAR_DATES = 10
WEIGHT_PLACE = {0: 5, 1: 5, 2: 18, 3: 25, 4: 30, 5: 30}  # by the less specific place's level
WEIGHT_PEOPLE = 20
WEIGHT_PEOPLE_CLOSE = 14
WEIGHT_GROUP = 10
WEIGHT_TITLE = 15
TITLE_MIN_RATIO = 0.5
PEOPLE_TOLERANCE = (2, 0.2)  # numbers agree within max(2, 20% of the larger)


@dataclass(frozen=True)
class Place:
    pk: int
    name: str
    level: int
    ancestors: frozenset[int]


@dataclass
class Profile:
    """What the scoring compares, for one incident."""

    pk: int
    slug: str
    title: str
    status: str
    date: VagueDate | None
    places: dict[int, Place] = field(default_factory=dict)
    top_sizes: list[EstimatedCount] = field(default_factory=list)
    sizes: list[EstimatedCount] = field(default_factory=list)

    @property
    def people(self) -> CountTotal | None:
        known = [s for s in self.top_sizes if s.known]
        return total(known) if known else None


@dataclass(frozen=True)
class Duplicate:
    """Another incident that may describe the same event."""

    pk: int
    slug: str
    title: str
    status: str
    score: int
    reasons: tuple[str, ...]

    def describe(self) -> str:
        """'possible duplicate of <slug> (score N: reasons)', for import reports and messages."""
        return _("possible duplicate of %(slug)s (score %(score)s: %(reasons)s)") % {
            "slug": self.slug,
            "score": self.score,
            "reasons": "; ".join(self.reasons),
        }


# -- reading --------------------------------------------------------------------------------------
FIELDS = ("pk", "slug", "title", "status", "date_earliest", "date_latest", "date_precision")


def _level(kind: str) -> int:
    return Location.LEVEL.get(kind, Location.SITE_LEVEL)


def _ancestors(path: str | None) -> frozenset[int]:
    return frozenset(int(x) for x in (path or "").strip("/").split("/") if x)


def _profile(row: dict) -> Profile:
    vague = None
    if row["date_earliest"] and row["date_latest"] and row["date_precision"]:
        vague = VagueDate(row["date_earliest"], row["date_latest"], row["date_precision"])
    return Profile(row["pk"], row["slug"], row["title"], row["status"], vague)


def _with_places_and_counts(profiles: dict[int, Profile]) -> None:
    """Fill in places and group sizes: two queries for any number of incidents."""
    ids = list(profiles)
    for start in range(0, len(ids), 2000):
        chunk = ids[start : start + 2000]
        groups = DetaineeGroup.objects.filter(incident_id__in=chunk).order_by().values_list(
            "incident_id", "parent_id", "size_value", "size_high", "size_qualifier",
            "arrest_location_id", "arrest_location__name", "arrest_location__kind",
            "arrest_location__path",
        )  # fmt: skip
        for incident_id, parent, value, high, qualifier, loc, name, kind, path in groups:
            profile = profiles[incident_id]
            size = EstimatedCount(value, qualifier, high) if value is not None else None
            if size is not None and size.known:
                profile.sizes.append(size)
                if parent is None:
                    profile.top_sizes.append(size)
            if loc is not None:
                profile.places[loc] = Place(loc, name, _level(kind), _ancestors(path))
        events = (
            CustodyEvent.objects.filter(group__incident_id__in=chunk, location__isnull=False)
            .order_by()
            .values_list(
                "group__incident_id",
                "location_id",
                "location__name",
                "location__kind",
                "location__path",
            )  # fmt: skip
            .distinct()
        )
        for incident_id, loc, name, kind, path in events:
            profiles[incident_id].places[loc] = Place(loc, name, _level(kind), _ancestors(path))


def _window(profile: Profile) -> tuple[date, date] | None:
    if profile.date is None:
        return None
    return profile.date.earliest - DATE_WINDOW, profile.date.latest + DATE_WINDOW


def _in_window(lo: date, hi: date) -> Q:
    # date_latest in a bounded range (an index range scan), and the ranges meet.
    return Q(date_latest__gte=lo, date_latest__lte=hi + LONGEST_SPAN, date_earliest__lte=hi)


def _candidates(chunk: list[Profile]) -> list[Profile]:
    """Incidents near any of these subjects in time, in one query."""
    condition = Q()
    for subject in chunk:
        lo, hi = _window(subject)
        condition |= _in_window(lo, hi)
    rows = Incident.objects.records().filter(condition)
    if len(chunk) == 1 and chunk[0].places:
        # One incident (its change page): those sharing one of its places first, then the
        # nearest in time, so the limit drops the least likely.
        shared = IncidentPlace.objects.filter(
            incident=OuterRef("pk"), location_id__in=list(chunk[0].places)
        )
        rows = rows.alias(shares=Exists(shared)).order_by("-shares", "date_latest", "pk")
    else:
        rows = rows.order_by("date_latest", "pk")
    if len(chunk) == 1:
        rows = rows.exclude(pk=chunk[0].pk)
    return [_profile(row) for row in rows.values(*FIELDS)[: CANDIDATE_LIMIT * len(chunk)]]


# -- scoring --------------------------------------------------------------------------------------
# Each part gives its points and, lazily, its reason: most pairs compared score below the
# threshold, and writing (translating, localizing) their reasons was most of the cost.
Reason = Callable[[], str] | None


def _date_score(a: Profile, b: Profile) -> tuple[int, Reason]:
    if a.date is None or b.date is None:
        return 0, None

    def both():
        return {"a": a.date.localized(), "b": b.date.localized()}

    if a.date.earliest <= b.date.latest and b.date.earliest <= a.date.latest:
        span = max(a.date.latest - a.date.earliest, b.date.latest - b.date.earliest).days
        points = WEIGHT_DATES if span <= 31 else (25 if span <= 366 else 15)
        return points, lambda: _("dates overlap (%(a)s / %(b)s)") % both()
    gap = max(a.date.earliest - b.date.latest, b.date.earliest - a.date.latest)
    if gap <= DATE_WINDOW:
        return (
            WEIGHT_NEAR_DATES,
            lambda: _("dates less than a month apart (%(a)s / %(b)s)") % both(),
        )
    return 0, None


def _place_score(a: Profile, b: Profile) -> tuple[int, Reason]:
    best: tuple[int, Reason] = (0, None)
    for p in a.places.values():
        for q in b.places.values():
            if p.pk == q.pk:
                level, reason = p.level, partial(_same_place, p)
            elif q.pk in p.ancestors:
                level, reason = q.level, partial(_lies_in, p, q)
            elif p.pk in q.ancestors:
                level, reason = p.level, partial(_lies_in, q, p)
            else:
                continue
            points = WEIGHT_PLACE.get(level, WEIGHT_PLACE[5])
            if points > best[0]:
                best = (points, reason)
    return best


def _same_place(place) -> str:
    return _("same place: %(place)s") % {"place": place.name}


def _lies_in(place, area) -> str:
    return _("%(place)s lies in %(area)s") % {"place": place.name, "area": area.name}


def _nominal(count: EstimatedCount | CountTotal) -> float:
    if count.high is None:
        return float(count.low)
    return (count.low + count.high) / 2


def _close(x: float, y: float) -> bool:
    absolute, relative = PEOPLE_TOLERANCE
    return abs(x - y) <= max(absolute, relative * max(x, y))


def _people_score(a: Profile, b: Profile) -> tuple[int, Reason]:
    ta, tb = a.people, b.people
    if ta is not None and tb is not None:
        x, y = _nominal(ta), _nominal(tb)
        if x == y:
            return WEIGHT_PEOPLE, partial(_counts, "same", ta, tb)
        if _close(x, y):
            return WEIGHT_PEOPLE_CLOSE, partial(_counts, "similar", ta, tb)
    for sa in a.sizes:
        for sb in b.sizes:
            if _close(_nominal(sa), _nominal(sb)):
                return WEIGHT_GROUP, partial(_counts, "groups", sa, sb)
    return 0, None


def _counts(kind: str, a, b) -> str:
    text = {
        "same": _("same number of people (%(a)s / %(b)s)"),
        "similar": _("similar numbers of people (%(a)s / %(b)s)"),
        "groups": _("groups of similar size (%(a)s / %(b)s)"),
    }[kind]
    return text % {"a": a.localized(), "b": b.localized()}


_WORDS = re.compile(r"\W+")


def _normal_title(title: str) -> str:
    return " ".join(_WORDS.split(title.casefold())).strip()


def _title_score(a: Profile, b: Profile, needed: int) -> tuple[int, Reason]:
    """Skips the full comparison when even identical titles could not reach `needed`."""
    if needed > WEIGHT_TITLE:
        return 0, None
    matcher = difflib.SequenceMatcher(None, _normal_title(a.title), _normal_title(b.title))
    floor = max(TITLE_MIN_RATIO, needed / WEIGHT_TITLE)
    if matcher.real_quick_ratio() < floor or matcher.quick_ratio() < floor:
        return 0, None
    ratio = matcher.ratio()
    if ratio < TITLE_MIN_RATIO:
        return 0, None
    return round(
        WEIGHT_TITLE * ratio
    ), lambda: _("similar titles (%(percent)s%%)") % {"percent": round(100 * ratio)}


def score(a: Profile, b: Profile) -> tuple[int, list[str]]:
    """(score 0–100, reasons) for two incidents."""
    points, reasons = _points(a, b)
    return points, [reason() for reason in reasons]


def _points(a: Profile, b: Profile) -> tuple[int, list[Callable[[], str]]]:
    """(score 0–100, the reasons, unwritten) for two incidents."""
    points, reasons = 0, []
    for part in (_date_score, _place_score, _people_score):
        got, reason = part(a, b)
        points += got
        if reason:
            reasons.append(reason)
    got, reason = _title_score(a, b, needed=THRESHOLD - points)
    points += got
    if reason:
        reasons.append(reason)
    return min(points, 100), reasons


# -- the questions --------------------------------------------------------------------------------
def duplicates_of_many(incident_ids: Iterable[int]) -> dict[int, list[Duplicate]]:
    """{incident: its possible duplicates, best first} for each of these incidents that has
    any; merged incidents are not checked. A constant number of queries per BATCH."""
    ids = sorted(set(incident_ids))
    subjects: dict[int, Profile] = {}
    for start in range(0, len(ids), 2000):
        rows = Incident.objects.records().filter(pk__in=ids[start : start + 2000])
        subjects |= {row["pk"]: _profile(row) for row in rows.order_by().values(*FIELDS)}
    if not subjects:
        return {}
    _with_places_and_counts(subjects)
    return _scored(list(subjects.values()))


def duplicates_of_rows(rows: list[dict], *, best: int | None = None) -> dict[int, list[Duplicate]]:
    """duplicates_of_many() for incidents already read (dicts with FIELDS): one query less,
    for a page that lists them anyway (the desk's review queue). `best`: only the best so
    many of each (the others are scored, not described)."""
    subjects = {row["pk"]: _profile(row) for row in rows}
    if not subjects:
        return {}
    # The subjects' places and sizes are read with their candidates': three queries in all.
    return _scored(list(subjects.values()), described=False, best=best)


def _scored(subjects: list[Profile], *, described: bool = True,
            best: int | None = None) -> dict[int, list[Duplicate]]:  # fmt: skip
    """`described`: the subjects' places and sizes are already read. `best`: keep only the
    best so many of each subject's duplicates (their reasons alone are written)."""
    found: dict[int, list[Duplicate]] = {}
    dated = [s for s in subjects if s.date is not None]
    for start in range(0, len(dated), BATCH):
        chunk = dated[start : start + BATCH]
        known = {s.pk: s for s in chunk}
        candidates = [known.get(c.pk, c) for c in _candidates(chunk)]
        unread = {c.pk: c for c in candidates if c.pk not in known}
        _with_places_and_counts(unread if described else unread | known)
        # By the end of their ranges, so each subject looks only at those in its window.
        candidates.sort(key=lambda c: (c.date.latest, c.pk))
        ends = [c.date.latest for c in candidates]
        for subject in chunk:
            lo, hi = _window(subject)
            listed = []
            window = candidates[bisect_left(ends, lo) : bisect_right(ends, hi + LONGEST_SPAN)]
            for other in _nearest(subject, window):
                points, reasons = _points(subject, other)
                if points >= THRESHOLD:
                    listed.append((-points, other.pk, other, reasons))
            listed.sort(key=lambda row: row[:2])
            if listed:
                found[subject.pk] = [
                    Duplicate(
                        other.pk,
                        other.slug,
                        other.title,
                        other.status,
                        -minus,
                        tuple(r() for r in reasons),
                    )  # fmt: skip
                    for minus, _pk, other, reasons in listed[:best]
                ]
    return found


def _nearest(subject: Profile, window: list[Profile]) -> list[Profile]:
    """The candidates in `subject`'s window it is compared with: at most CANDIDATE_LIMIT,
    those sharing a place first, then the nearest in time (a batch reads candidates for
    all its subjects at once, and a dense stretch of the record would otherwise have each
    subject compare with every one of them)."""
    last = _window(subject)[1]
    inside = [o for o in window if o.pk != subject.pk and o.date.earliest <= last]
    if len(inside) <= CANDIDATE_LIMIT:
        return inside
    at = subject.date.latest
    return sorted(
        inside,
        key=lambda o: (-_place_score(subject, o)[0], abs((o.date.latest - at).days), o.pk),
    )[:CANDIDATE_LIMIT]


def possible_duplicates(incident: Incident) -> list[Duplicate]:
    """The possible duplicates of one incident, best first (its change page). Five queries,
    whatever the size of the record."""
    if incident.merged_into_id is not None or incident.pk is None:
        return []
    if incident.revision_of_id is not None:  # a working copy repeats its live incident
        return []
    subject = _profile({name: getattr(incident, name) for name in FIELDS})
    _with_places_and_counts({incident.pk: subject})
    return _scored([subject]).get(incident.pk, [])
