"""incident_record() for a whole export at a time: the same dicts, built from values() rows.

records.incident_record() walks prefetched model instances, which is right for one incident
(the API, the importer) but costs ~2 ms an incident in object construction alone: too slow
for the full-dataset exports (100k incidents). Here the incidents come through a server-side
cursor (`.iterator()`), CHUNK at a time, and each chunk's groups, events, actors, claims,
date claims and citations arrive in one values() query each (7 queries a chunk, whatever its
size), with the referenced slugs joined in SQL.

The result must equal incident_record() exactly (tests/test_export_batch.py compares them):
fields come from the same allow-list (public.PUBLIC_FIELDS, plus the private ones in FULL
scope), and in PUBLIC scope claims and citations resting on a confidential source are filtered
out in SQL, as records._shown() does in Python.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from functools import lru_cache
from itertools import islice
from typing import NamedTuple

from django.db import connections
from django.db.models import Q
from django.db.models.expressions import RawSQL

from incidents.interchange.records import (
    COUNT_PARTS,
    FULL,
    NOT_IN_FILES,
    PUBLIC,
    count,
)
from incidents.models import (
    Citation,
    CountClaim,
    CustodyEvent,
    DateClaim,
    DetaineeGroup,
    EventActor,
    Incident,
    IncidentRevision,
)
from incidents.public import PRIVATE_FIELDS, PUBLIC_FIELDS
from incidents.querysets import CHRONOLOGICAL
from incidents.vague import VagueDate

CHUNK = 1000


class ArrestPlace(NamedTuple):
    """What the main CSV sheet shows of a group's arrest place."""

    city: str
    province: str
    country: str  # ISO code


def _names(model, scope: str) -> tuple[str, ...]:
    names = PUBLIC_FIELDS[model]
    if scope == FULL:
        names += tuple(n for n in PRIVATE_FIELDS[model] if n not in NOT_IN_FILES)
    return names


def _codes(value: str) -> list[str]:
    """A multiple CountryField as values() returns it ("CN,KR") -> ["CN", "KR"]."""
    return value.split(",") if value else []


@lru_cache(maxsize=8192)
def date_text(earliest, latest, precision) -> str:
    return VagueDate(earliest, latest, precision).render()


def vague_date(data: dict) -> dict | None:
    """records.vague_date(), with the wording cached: most dates repeat across a dataset."""
    earliest = data.pop("date_earliest")
    latest = data.pop("date_latest")
    precision = data.pop("date_precision")
    if earliest is None:
        return None
    return {
        "text": date_text(earliest, latest, precision),
        "earliest": earliest.isoformat(),
        "latest": latest.isoformat(),
        "precision": precision,
    }


def _public_source(scope: str) -> Q:
    """A claim without a source, or resting on one that may be shown (records._shown)."""
    return Q() if scope == FULL else Q(source__isnull=True) | Q(source__confidential=False)


def among(field: str, ids: list[int], vendor: str) -> Q:
    """`field IN ids`. On PostgreSQL the ids go as one array parameter: a list of 1000
    parameters costs Django and psycopg more time to build and send than the query takes."""
    if vendor == "postgresql":
        # as an array literal: psycopg would dump a list of ints element by element in Python
        ids_array = "{" + ",".join(map(str, ids)) + "}"
        return Q(**{f"{field}__in": RawSQL("SELECT unnest(%s::bigint[])", [ids_array])})
    return Q(**{f"{field}__in": ids})


def _rows(queryset, keys: tuple[str, ...], names: tuple[str, ...]):
    """values() rows as (the link columns, the allow-listed fields as a fresh dict)."""
    for row in queryset.values_list(*keys, *names):
        yield row[: len(keys)], dict(zip(names, row[len(keys) :], strict=True))


class Batches:
    """Incident records of `incidents` (filtered and ordered), one chunk at a time.

    `places` maps each arrest place slug seen so far to its ArrestPlace, for the CSV sheet.
    """

    def __init__(self, incidents, scope: str, chunk: int = CHUNK):
        assert scope in (PUBLIC, FULL)
        self.incidents, self.scope, self.chunk = incidents, scope, chunk
        self.vendor = connections[incidents.db].vendor
        self.places: dict[str, ArrestPlace] = {}

    def _where(self, field: str, ids: list[int]) -> Q:
        return among(field, ids, self.vendor)

    def __iter__(self) -> Iterator[list[dict]]:
        names = _names(Incident, self.scope)
        rows = self.incidents.values_list("pk", *names).iterator(chunk_size=self.chunk)
        while chunk := list(islice(rows, self.chunk)):
            yield self._records([(pk, dict(zip(names, rest, strict=True))) for pk, *rest in chunk])

    def records(self) -> Iterator[dict]:
        for batch in self:
            yield from batch

    # -- one chunk -----------------------------------------------------------------------------
    def _records(self, incidents: list[tuple[int, dict]]) -> list[dict]:
        ids = [pk for pk, _data in incidents]
        groups = self._groups(ids)
        date_claims = self._date_claims(ids)
        citations = self._citations(ids)
        corrected = IncidentRevision.objects.latest_notice_dates(ids)
        records = []
        for pk, data in incidents:
            data["date"] = vague_date(data)
            data["date_claims"] = date_claims.get(pk, [])
            mine = groups.get(pk, [])
            positions = {gpk: n for n, (gpk, _parent, _g) in enumerate(mine, start=1)}
            event_positions = {}
            for gpk, parent, group in mine:
                group["parent"] = positions.get(parent)
                for n, epk in enumerate(group.pop("_event_ids"), start=1):
                    event_positions[epk] = (positions[gpk], n)
            data["groups"] = [group for _gpk, _parent, group in mine]
            cited = []
            for (group_id, event_id), record in citations.get(pk, []):
                group_pos, event_pos = None, None
                if event_id in event_positions:
                    group_pos, event_pos = event_positions[event_id]
                elif group_id in positions:
                    group_pos = positions[group_id]
                record["group"], record["event"] = group_pos, event_pos
                cited.append(record)
            data["citations"] = cited
            data["corrected_at"] = corrected.get(pk)
            records.append(data)
        return records

    def _groups(self, incident_ids: list[int]) -> dict[int, list[tuple[int, int | None, dict]]]:
        """{incident: [(group pk, parent pk, group record), ...]} in the export's order."""
        place = "arrest_location__"
        keys = ("pk", "incident_id", "parent_id", f"{place}slug", f"{place}city",
                f"{place}province", f"{place}country")  # fmt: skip
        queryset = DetaineeGroup.objects.filter(self._where("incident_id", incident_ids))
        rows = list(
            _rows(queryset.order_by("sequence", "pk"), keys, _names(DetaineeGroup, self.scope))
        )
        group_ids = [link[0] for link, _data in rows]
        events = self._events(group_ids)
        claims = self._claims(group_ids)
        found = defaultdict(list)
        for (pk, incident, parent, place, city, province, country), data in rows:
            data["helpers_nationality"] = _codes(data["helpers_nationality"])
            for part in COUNT_PARTS:
                data[part] = count(data, f"{part}_value", f"{part}_high", f"{part}_qualifier")
            data["arrest_location"] = place
            if place is not None and place not in self.places:
                self.places[place] = ArrestPlace(city, province, country)
            data["claims"] = claims.get(pk, [])
            mine = events.get(pk, [])
            data["events"] = [event for _epk, event in mine]
            data["_event_ids"] = [epk for epk, _event in mine]
            found[incident].append((pk, parent, data))
        return found

    def _events(self, group_ids: list[int]) -> dict[int, list[tuple[int, dict]]]:
        queryset = CustodyEvent.objects.filter(self._where("group_id", group_ids))
        rows = list(
            _rows(
                queryset.order_by(*CHRONOLOGICAL),
                ("pk", "group_id", "location__slug"),
                _names(CustodyEvent, self.scope),
            )
        )
        actors = self._actors([link[0] for link, _data in rows])
        found = defaultdict(list)
        for (pk, group, place), data in rows:
            data["date"] = vague_date(data)
            data["location"] = place
            data["actors"] = actors.get(pk, [])
            found[group].append((pk, data))
        return found

    def _actors(self, event_ids: list[int]) -> dict[int, list[dict]]:
        found = defaultdict(list)
        for event, slug, role in (
            EventActor.objects.filter(self._where("event_id", event_ids))
            .order_by("pk")
            .values_list("event_id", "actor__slug", "role")
        ):
            found[event].append({"actor": slug, "role": role})
        return found

    def _claims(self, group_ids: list[int]) -> dict[int, list[dict]]:
        queryset = CountClaim.objects.filter(
            _public_source(self.scope), self._where("group_id", group_ids)
        ).order_by("part", "sequence", "pk")
        found = defaultdict(list)
        for (group, source), data in _rows(
            queryset, ("group_id", "source__slug"), _names(CountClaim, self.scope)
        ):
            data.pop("sequence")  # the list's order
            data["count"] = count(data, "value", "value_high", "qualifier")
            data["source"] = source
            found[group].append(data)
        return found

    def _date_claims(self, incident_ids: list[int]) -> dict[int, list[dict]]:
        queryset = DateClaim.objects.filter(
            _public_source(self.scope), self._where("incident_id", incident_ids)
        ).order_by("sequence", "pk")
        found = defaultdict(list)
        for (incident, source), data in _rows(
            queryset, ("incident_id", "source__slug"), _names(DateClaim, self.scope)
        ):
            data.pop("sequence")
            data["date"] = vague_date(data)
            data["source"] = source
            found[incident].append(data)
        return found

    def _citations(self, incident_ids: list[int]) -> dict[int, list[tuple[tuple, dict]]]:
        queryset = Citation.objects.filter(self._where("incident_id", incident_ids)).order_by("pk")
        if self.scope == PUBLIC:
            queryset = queryset.filter(source__confidential=False)
        found = defaultdict(list)
        for (incident, source, group, event), data in _rows(
            queryset,
            ("incident_id", "source__slug", "group_id", "event_id"),
            _names(Citation, self.scope),
        ):
            data["source"] = source
            found[incident].append(((group, event), data))
        return found
