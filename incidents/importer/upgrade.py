"""Read version-1 documents as version 2 (docs/data-format.md, "Version 1").

What changed, and how a version-1 record is read:
- a group's `size` counted its helpers too; in version 2 it counts North Koreans only. Where
  both figures are known the helpers are taken off by bounds ("8 including 2 helpers" → 6,
  "at least 10 including 2" → at least 8); where that cannot be said honestly the size is read
  as unknown. The old figure is kept in the group's internal notes when the file carries them;
- a place named its city and province as text; it now has a parent (found by name in the
  database, or created: see the importer's places step), marked here as `_v1_city` and
  `_v1_province`;
- a source's `published_on` became a vague `date`; an estimate's single `source` and `claim`
  became its first entry in `sources`.
Lists that version 1 did not have (claims, date claims, actors) are left out, so an update from
a version-1 file keeps whatever the database holds for them.
"""

from __future__ import annotations

import copy

from incidents.vague import CountError, CountQualifier, EstimatedCount, parse_count

HELPERS_NOTE = "Version-1 size, which counted the helpers too:"


def _count(value) -> EstimatedCount | None:
    if isinstance(value, dict):
        number = value.get("value")
        if number is None or isinstance(number, bool) or not isinstance(number, int):
            return None
        return EstimatedCount(number, value.get("qualifier") or CountQualifier.EXACT)
    try:
        count = parse_count("" if value is None else str(value))
    except CountError:
        return None
    return count if count.known else None


def north_koreans(size: EstimatedCount, helpers: EstimatedCount) -> EstimatedCount:
    """`size` counted everyone, helpers included: the North Koreans, as honestly as the two
    figures allow (unknown when they allow nothing)."""
    unknown = EstimatedCount(None, CountQualifier.UNKNOWN)
    if helpers.high is None:
        return unknown
    if size.approximate or helpers.approximate:
        rest = size.low - helpers.low
        return EstimatedCount(rest, CountQualifier.ABOUT) if rest > 0 else unknown
    low = max(size.low - helpers.high, 0)
    if size.high is None:
        return EstimatedCount(low, CountQualifier.AT_LEAST) if low > 0 else unknown
    high = size.high - helpers.low
    if high < 0:
        return unknown
    if low == high:
        return EstimatedCount(low, CountQualifier.EXACT)
    if low == 0:
        return EstimatedCount(high, CountQualifier.AT_MOST)
    return EstimatedCount(low, CountQualifier.RANGE, high)


def _group(group: dict) -> dict:
    size, helpers = _count(group.get("size")), _count(group.get("helpers"))
    if size is not None and helpers is not None:
        counted = north_koreans(size, helpers)
        group["size"] = {"value": counted.value, "high": counted.value_high,
                         "qualifier": counted.qualifier}  # fmt: skip
        if "notes_internal" in group:
            note = f"{HELPERS_NOTE} {size.render()} (helpers: {helpers.render()})."
            group["notes_internal"] = "\n\n".join(x for x in (group["notes_internal"], note) if x)
    return group


def upgrade_v1(doc: dict) -> dict:
    doc = copy.deepcopy(doc)
    doc["version"] = 2
    doc["_from_version"] = 1
    for incident in doc.get("incidents") or []:
        if isinstance(incident, dict):
            for group in incident.get("groups") or []:
                if isinstance(group, dict):
                    _group(group)
    for place in doc.get("locations") or []:
        if isinstance(place, dict):
            place["_v1_city"] = place.pop("city", "")
            place["_v1_province"] = place.pop("province", "")
    for source in doc.get("sources") or []:
        if isinstance(source, dict) and "published_on" in source:
            source["date"] = source.pop("published_on")
    for estimate in doc.get("estimates") or []:
        if isinstance(estimate, dict) and "source" in estimate:
            estimate["sources"] = [
                {"source": estimate.pop("source"), "claim": estimate.pop("claim", ""),
                 "locator": ""}
            ]  # fmt: skip
    return doc
