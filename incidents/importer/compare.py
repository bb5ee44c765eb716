"""Is a file's record the same as what is stored? (So re-importing a file changes nothing.)

Files may write values as people do ("at least 4", "mid-March 2017") where exports write
objects; a public file lacks private fields and confidential citations; a CSV file lists only
the sources cited. These helpers compare like with like.
"""

from __future__ import annotations

import json
from typing import Any

from django.utils.dateparse import parse_datetime

from incidents.importer.values import read_count, read_date
from incidents.interchange import COUNT_PARTS
from incidents.vague import CountError

# Set by the services on every write; a file's values for them never make a record differ.
SERVICE_OWNED = ("version", "staff_updated_at", "updated_at", "created_at", "published_at",
                 "corrected_at")  # fmt: skip


def _date(value):
    try:
        earliest, latest, precision = read_date(value)
    except (ValueError, TypeError):
        return value  # unreadable: differs, and the import reports it
    if earliest is None:
        return None
    return {"earliest": earliest.isoformat(), "latest": latest.isoformat(),
            "precision": precision}  # fmt: skip


def _count(value):
    if isinstance(value, dict) and "high" not in value:
        value = {**value, "high": None}
    try:
        number, qualifier, high = read_count(value)
    except CountError:
        return value
    return {"value": number, "high": high, "qualifier": qualifier}


def comparable(record: dict) -> dict:
    """Written forms in a file ("at least 4", "mid-March 2017") as the export writes them;
    the date's `text` is ignored (the importer reads the bounds)."""
    record = {k: v for k, v in record.items() if k not in SERVICE_OWNED}
    if "date" in record:
        record["date"] = _date(record["date"])
    if "date_claims" in record:
        record["date_claims"] = [
            {**c, "date": _date(c.get("date"))} if isinstance(c, dict) else c
            for c in record["date_claims"] or []
        ]
    groups = []
    for group in record.get("groups") or []:
        group = dict(group)
        for part in COUNT_PARTS:
            if part in group:
                group[part] = _count(group[part])
        if "claims" in group:
            group["claims"] = [
                {**c, "count": _count(c.get("count"))} if isinstance(c, dict) else c
                for c in group["claims"] or []
            ]
        events = []
        for event in group.get("events") or []:
            event = dict(event)
            if "date" in event:
                event["date"] = _date(event["date"])
            events.append(event)
        if "events" in group:
            group["events"] = events
        groups.append(group)
    if "groups" in record:
        record["groups"] = groups
    return record


def normalise(record: Any) -> Any:
    """JSON values only, without the importer's own keys ("_row", "_kept") at any depth."""
    if isinstance(record, dict):
        return {k: normalise(v) for k, v in record.items() if not str(k).startswith("_")}
    if isinstance(record, list):
        return [normalise(v) for v in record]
    return json.loads(json.dumps(record, default=str))


def subset_equal(incoming: Any, current: Any) -> bool:
    """True if every key given in `incoming` has the same value in `current`."""
    if isinstance(incoming, dict) and isinstance(current, dict):
        return all(k in current and subset_equal(v, current[k]) for k, v in incoming.items())
    if isinstance(incoming, list) and isinstance(current, list):
        return len(incoming) == len(current) and all(
            subset_equal(a, b) for a, b in zip(incoming, current, strict=True)
        )
    if isinstance(incoming, str) and isinstance(current, str) and "T" in incoming:
        try:
            a, b = parse_datetime(incoming), parse_datetime(current)
        except ValueError:
            a = b = None
        if a and b:
            return a == b
    return incoming == current
