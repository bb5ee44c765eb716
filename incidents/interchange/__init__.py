"""The interchange format (docs/data-format.md): one structure, rendered as JSON or CSV.

Two scopes:
- PUBLIC: published incidents, fields from the public allow-list only (public.PUBLIC_FIELDS),
  non-confidential sources and the claims and citations that rest on them, public
  coordinates. Used by every HTTP export and the API.
- FULL: every record and every field, for moving between instances. Only the
  `export_incidents --all` management command produces it; no URL does.

    records    one record each (incident, group, event, claim, place, source, actor, estimate)
    jsondoc    the whole document as streamed JSON
    csvsheet   the main CSV sheet: one row per detainee group, for spreadsheets
    batch      the records of a whole export, a chunk of incidents at a time
    sheetrows  the main CSV sheet of a whole export, streamed (iter_csv)
    csvzip     the main sheet with its companion sheets (events, claims, citations, places,
               sources, actors, estimates) in one ZIP: the complete CSV rendering
"""

from incidents.interchange.csvsheet import CSV_COLUMNS, CSV_FULL_COLUMNS, csv_columns
from incidents.interchange.jsondoc import iter_json
from incidents.interchange.records import (
    COUNT_PARTS,
    DATE_FIELDS,
    FORMAT,
    FULL,
    PUBLIC,
    VERSION,
    JSONEncoder,
    actor_record,
    estimate_record,
    export_queryset,
    full_export_incidents,
    incident_record,
    location_record,
    source_record,
)
from incidents.interchange.sheetrows import iter_csv

__all__ = [
    "COUNT_PARTS",
    "CSV_COLUMNS",
    "CSV_FULL_COLUMNS",
    "DATE_FIELDS",
    "FORMAT",
    "FULL",
    "PUBLIC",
    "VERSION",
    "JSONEncoder",
    "actor_record",
    "csv_columns",
    "estimate_record",
    "export_queryset",
    "full_export_incidents",
    "incident_record",
    "iter_csv",
    "iter_json",
    "location_record",
    "source_record",
]
