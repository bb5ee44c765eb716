"""The main CSV sheet: one row per detainee group, for spreadsheets.

UTF-8 with a byte-order mark (so Excel shows 선양 and 沈阳); cells a spreadsheet would run as
formulas are protected (incidents.csvsafe). On its own it is the readable export
(/incidents/export.csv); with its companion sheets (csvzip) it is the complete CSV rendering.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

from incidents.interchange.records import COUNT_PARTS, FULL
from incidents.vague import EstimatedCount

CSV_COLUMNS = [
    "incident_slug", "incident_title", "incident_summary", "incident_title_ko",
    "incident_summary_ko",
    "incident_date", "incident_date_earliest", "incident_date_latest", "incident_date_precision",
    "incident_published_at", "incident_updated_at", "incident_sources",
    "group_number", "group_sequence", "group_parent", "group_label", "group_outcome",
    "group_arrest_location", "group_arrest_city", "group_arrest_province",
    "group_arrest_country",
    "group_size", "group_women", "group_men", "group_minors", "group_helpers",
    "group_helpers_nationality", "group_helpers_description", "group_events",
    # Last, so that every earlier column keeps its place: the date of the latest public
    # correction notice (services.revisions), blank if the record was never corrected.
    "incident_corrected_at",
]  # fmt: skip
CSV_FULL_COLUMNS = [
    "incident_status", "incident_notes_internal", "incident_created_at",
    "incident_staff_updated_at", "incident_version", "incident_publish_not_before",
    "group_notes_internal",
]  # fmt: skip
# Version 1 of the sheet (still read): no Korean title/summary, group order or parent,
# province, or helpers' nationality and description; size counted helpers in.
CSV_V1_COLUMNS = [
    "incident_slug", "incident_title", "incident_summary",
    "incident_date", "incident_date_earliest", "incident_date_latest", "incident_date_precision",
    "incident_published_at", "incident_updated_at", "incident_sources",
    "group_number", "group_label", "group_outcome", "group_arrest_location",
    "group_arrest_city", "group_arrest_country",
    "group_size", "group_women", "group_men", "group_minors", "group_helpers", "group_events",
]  # fmt: skip
CSV_V1_FULL_COLUMNS = ["incident_status", "incident_notes_internal", "group_notes_internal"]


def csv_columns(scope: str) -> list[str]:
    return CSV_COLUMNS + (CSV_FULL_COLUMNS if scope == FULL else [])


def count_text(count: dict) -> str:
    """'at least 4', '27–29', or '' when unknown; no thousands separators."""
    if count["value"] is None:
        return ""
    return count_figure(count["value"], count["qualifier"], count.get("high"))


@lru_cache(maxsize=4096)
def count_figure(value: int, qualifier: str, high: int | None) -> str:
    """count_text() of a known count, cached: a dataset repeats a few thousand figures."""
    return EstimatedCount(value, qualifier, high).render().replace(",", "")


def events_text(events: list[dict]) -> str:
    """One event per line: 'kind | date as written | location slug | description'.

    Empty trailing cells are left out; a line break inside a description becomes a space.
    Circumstances and actors are in the events sheet of the complete rendering.
    """
    lines = []
    for e in events:
        cells = [e["kind"], e["date"]["text"] if e["date"] else "", e["location"] or "",
                 " ".join(e["description"].splitlines())]  # fmt: skip
        while cells and not cells[-1]:
            cells.pop()
        lines.append(" | ".join(cells))
    return "\n".join(lines)


def _iso(value) -> str:
    return value.isoformat() if value else ""


def csv_rows(record: dict, scope: str, places: dict) -> Iterator[list]:
    """The record's rows; `places` maps arrest place slugs to batch.ArrestPlace."""
    date = record["date"] or {}
    incident = [
        record["slug"], record["title"], record["summary"], record["title_ko"],
        record["summary_ko"], date.get("text", ""), date.get("earliest", ""),
        date.get("latest", ""), date.get("precision", ""),
        _iso(record["published_at"]), _iso(record["updated_at"]),
        "; ".join(dict.fromkeys(c["source"] for c in record["citations"])),
    ]  # fmt: skip
    groups = record["groups"] or [None]
    for number, group in enumerate(groups, start=1):
        if group is None:
            row = incident + [""] * (len(CSV_COLUMNS) - len(incident) - 1)
        else:
            place = places.get(group["arrest_location"])
            row = incident + [
                number, group["sequence"], group["parent"] or "", group["label"],
                group["outcome"], group["arrest_location"] or "",
                place.city if place else "", place.province if place else "",
                place.country if place else "",
                *(count_text(group[p]) for p in COUNT_PARTS),
                "; ".join(group["helpers_nationality"]), group["helpers_description"],
                events_text(group["events"]),
            ]  # fmt: skip
        row.append(_iso(record.get("corrected_at")))
        if scope == FULL:
            row += [
                record["status"], record["notes_internal"], _iso(record["created_at"]),
                _iso(record["staff_updated_at"]), record["version"],
                _iso(record["publish_not_before"]), group["notes_internal"] if group else "",
            ]  # fmt: skip
        yield row
