"""The whole document as JSON, streamed: incidents first, then what they reference."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import orjson

from incidents.interchange.batch import Batches
from incidents.interchange.records import (
    FORMAT,
    FULL,
    VERSION,
    JSONEncoder,
    actor_record,
    estimate_record,
    estimates_queryset,
    location_record,
    source_record,
)
from incidents.models import Actor, Location, Source

CHUNK = 500  # incidents a query (batch.Batches) and a chunk of the streamed body

# orjson: ~3x faster than json.dumps with records.JSONEncoder (measured on synthetic data).
# UTC datetimes end in "Z" and keep their microseconds, as records.JSONEncoder writes them;
# what orjson does not know (Decimal, lazy translations) goes to that encoder.
_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_UTC_Z
_default = JSONEncoder().default


def dump(obj) -> str:
    return orjson.dumps(obj, default=_default, option=_OPTIONS).decode()


def _dump_list(records: Iterable[dict]) -> str:
    items = [dump(r) for r in records]
    return "[\n" + ",\n".join(items) + "\n]" if items else "[]"


class References:
    """Slugs of the places, sources and actors the incidents and estimates refer to."""

    def __init__(self):
        self.locations: set[str] = set()
        self.sources: set[str] = set()
        self.actors: set[str] = set()

    def add_incident(self, record: dict) -> None:
        for group in record["groups"]:
            self.locations.add(group["arrest_location"])
            self.sources.update(c["source"] for c in group["claims"])
            for event in group["events"]:
                self.locations.add(event["location"])
                self.actors.update(a["actor"] for a in event["actors"])
        self.sources.update(c["source"] for c in record["citations"])
        self.sources.update(c["source"] for c in record["date_claims"])

    def closed(self):
        """With every ancestor place, relayed public source and parent actor."""
        locations = _with_ancestors(Location, "parent", self.locations - {None})
        sources = _with_ancestors(Source.objects.public(), "relays", self.sources - {None})
        actors = _with_ancestors(Actor, "parent", self.actors - {None})
        return locations, sources, actors


def _with_ancestors(model_or_qs, link: str, slugs: set[str]) -> set[str]:
    manager = getattr(model_or_qs, "objects", model_or_qs)
    found, todo = set(), set(slugs)
    while todo:
        rows = list(manager.filter(slug__in=todo).values_list("slug", f"{link}__slug"))
        found |= {slug for slug, _up in rows}
        todo = {up for _slug, up in rows if up and up not in found}
    return found


def iter_json(incidents, *, scope: str) -> Iterator[str]:
    """The whole document as chunks of text; see json_chunks()."""
    for chunk in json_chunks(incidents, scope=scope):
        yield chunk.decode("utf-8")


def json_chunks(incidents, *, scope: str) -> Iterator[bytes]:
    """The whole document as chunks of UTF-8; incidents first, then what they reference, and
    last `incident_count`, so that a reader can tell a complete document from a cut one.

    Bytes straight from orjson, for the HTTP export: as a str, a chunk with Korean text would
    take two to four bytes a character, and be encoded again on its way out."""
    refs = References()
    yield (
        f'{{"format": "{FORMAT}", "version": {VERSION}, "scope": "{scope}",\n"incidents": ['
    ).encode()
    first = True
    count = 0
    for records in Batches(incidents, scope, CHUNK):
        for record in records:
            refs.add_incident(record)
        text = b",\n".join(orjson.dumps(r, default=_default, option=_OPTIONS) for r in records)
        yield (b"\n" if first else b",\n") + text
        first = False
        count += len(records)
    yield b"\n],\n"

    estimates = [estimate_record(e, scope) for e in estimates_queryset(scope)]
    if scope == FULL:
        locations = Location.objects.select_related("parent").order_by("slug")
        sources = Source.objects.select_related("relays").order_by("slug")
        actors = Actor.objects.select_related("parent").order_by("slug")
    else:
        refs.sources.update(s["source"] for e in estimates for s in e["sources"])
        place_slugs, source_slugs, actor_slugs = refs.closed()
        locations = Location.objects.filter(slug__in=place_slugs)
        locations = locations.select_related("parent").order_by("slug")
        sources = Source.objects.public().filter(slug__in=source_slugs)
        sources = sources.select_related("relays").order_by("slug")
        actors = (
            Actor.objects.filter(slug__in=actor_slugs).select_related("parent").order_by("slug")
        )
    tail = (
        '"estimates": ' + _dump_list(estimates) + ",\n"
        '"locations": ' + _dump_list(location_record(x, scope) for x in locations) + ",\n"
        '"sources": ' + _dump_list(source_record(x, scope) for x in sources) + ",\n"
        '"actors": ' + _dump_list(actor_record(x, scope) for x in actors) + ",\n"
        f'"incident_count": {count}\n}}\n'
    )  # fmt: skip
    yield tail.encode()
