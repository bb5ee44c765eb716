"""The main CSV sheet for a whole export (iter_csv), its rows straight from values() rows.

csvsheet.csv_rows() turns one incident record into rows; building the records first
(interchange.batch) and then the rows costs twice the Python work the sheet needs, which at
100k incidents is most of the export's time. Here each chunk of incidents costs three more
queries (groups with their arrest place, events, citations' sources) and the cells are
computed directly. tests/test_export_batch.py checks that the rows are exactly
csv_rows(incident_record(...))'s, in both scopes.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterator
from itertools import islice

from django.db import connections

from incidents.csvsafe import protect_row
from incidents.interchange.batch import among, date_text
from incidents.interchange.csvsheet import CSV_COLUMNS, count_figure, csv_columns
from incidents.interchange.records import COUNT_PARTS, FULL, PUBLIC
from incidents.models import Citation, CustodyEvent, DetaineeGroup, IncidentRevision
from incidents.querysets import CHRONOLOGICAL

INCIDENT = ("slug", "title", "summary", "title_ko", "summary_ko", "date_earliest",
            "date_latest", "date_precision", "published_at", "updated_at")  # fmt: skip
INCIDENT_FULL = ("status", "notes_internal", "created_at", "staff_updated_at", "version",
                 "publish_not_before")  # fmt: skip
PLACE = ("arrest_location__slug", "arrest_location__city", "arrest_location__province",
         "arrest_location__country")  # fmt: skip
GROUP = ("pk", "incident_id", "parent_id", "sequence", "label", "outcome", *PLACE,
         *(f"{part}_{col}" for part in COUNT_PARTS for col in ("value", "qualifier", "high")),
         "helpers_nationality", "helpers_description")  # fmt: skip
EVENT = ("group_id", "kind", "date_earliest", "date_latest", "date_precision", "location__slug",
         "description")  # fmt: skip
CHUNK = 2000  # incidents a query, and a chunk of the streamed body (1-4 MB)

NO_GROUP = [""] * (len(CSV_COLUMNS) - 13)  # the group columns of an incident without groups


def _iso(value) -> str:
    return value.isoformat() if value else ""


def _date(earliest, latest, precision) -> list[str]:
    if earliest is None:
        return ["", "", "", ""]
    return [date_text(earliest, latest, precision), earliest.isoformat(), latest.isoformat(),
            precision]  # fmt: skip


def _count(value, qualifier, high) -> str:
    """csvsheet.count_text()."""
    return "" if value is None else count_figure(value, qualifier, high)


def _event_line(kind, earliest, latest, precision, place, description) -> str:
    """csvsheet.events_text() for one event."""
    date = date_text(earliest, latest, precision) if earliest is not None else ""
    cells = [kind, date, place or "", " ".join(description.splitlines())]
    while cells and not cells[-1]:
        cells.pop()
    return " | ".join(cells)


def sheet_rows(incidents, scope: str, chunk: int) -> Iterator[list[list]]:
    """The rows of `incidents` (filtered and ordered), a list of rows per chunk of incidents."""
    assert scope in (PUBLIC, FULL)
    full = scope == FULL
    vendor = connections[incidents.db].vendor
    names = INCIDENT + (INCIDENT_FULL if full else ())
    rows = incidents.values_list("pk", *names).iterator(chunk_size=chunk)
    while batch := list(islice(rows, chunk)):
        ids = [row[0] for row in batch]
        groups = DetaineeGroup.objects.filter(among("incident_id", ids, vendor))
        groups = groups.order_by("sequence", "pk").values_list(
            *GROUP, *(("notes_internal",) if full else ())
        )
        by_incident = defaultdict(list)
        for group in groups:
            by_incident[group[1]].append(group)
        group_ids = [group[0] for group in groups]
        events = defaultdict(list)
        for group, *event in (
            CustodyEvent.objects.filter(among("group_id", group_ids, vendor))
            .order_by(*CHRONOLOGICAL)
            .values_list(*EVENT)
        ):
            events[group].append(_event_line(*event))
        cited = Citation.objects.filter(among("incident_id", ids, vendor))
        if not full:
            cited = cited.filter(source__confidential=False)
        sources = defaultdict(dict)  # {incident: {slug: None}}: first-cited order, no repeats
        for incident, slug in cited.order_by("pk").values_list("incident_id", "source__slug"):
            sources[incident][slug] = None
        corrected = IncidentRevision.objects.latest_notice_dates(ids)
        out = []
        for pk, slug, title, summary, title_ko, summary_ko, earliest, latest, precision, \
                published, updated, *private in batch:  # fmt: skip
            head = [slug, title, summary, title_ko, summary_ko,
                    *_date(earliest, latest, precision), _iso(published), _iso(updated),
                    "; ".join(sources.get(pk, ()))]  # fmt: skip
            tail = []
            if full:
                status, notes, created, staff_updated, version, embargo = private
                tail = [status, notes, _iso(created), _iso(staff_updated), version, _iso(embargo)]
            mine = by_incident.get(pk)
            if not mine:
                out.append(
                    head + NO_GROUP + [_iso(corrected.get(pk))] + (tail + [""] if full else [])
                )
                continue
            positions = {group[0]: n for n, group in enumerate(mine, start=1)}
            for number, group in enumerate(mine, start=1):
                (gpk, _incident, parent, sequence, label, outcome, place, city, province,
                 country, *counts) = group  # fmt: skip
                row = head + [
                    number, sequence, positions.get(parent) or "", label, outcome, place or "",
                    city if place else "", province if place else "", country if place else "",
                    _count(*counts[0:3]), _count(*counts[3:6]), _count(*counts[6:9]),
                    _count(*counts[9:12]), _count(*counts[12:15]),  # the five COUNT_PARTS
                    counts[15].replace(",", "; ") if counts[15] else "", counts[16],
                    "\n".join(events.get(gpk, ())),
                    _iso(corrected.get(pk)),
                ]  # fmt: skip
                if full:
                    row += tail + [counts[17]]
                out.append(row)
        yield out


def iter_csv(incidents, *, scope: str) -> Iterator[str]:
    """The main sheet, streamed: the header, then one piece of text per chunk of incidents
    (a write per row would cost the server a system call per row)."""
    header = io.StringIO()
    csv.writer(header).writerow(protect_row(csv_columns(scope)))
    yield "\ufeff" + header.getvalue()
    for rows in sheet_rows(incidents, scope, CHUNK):
        text = io.StringIO()
        csv.writer(text).writerows(protect_row(row) for row in rows)
        yield text.getvalue()
