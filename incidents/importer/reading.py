"""Files to documents: strict JSON, the main CSV sheet, or the ZIP of CSV sheets
(docs/data-format.md). Every rendering and version becomes one structure, a version-2 document
(version 1 is upgraded by incidents.importer.upgrade), which the importer then checks and writes.

Everything that makes a file unreadable as a whole (not UTF-8, not JSON, NaN or Infinity, a NUL
byte, the wrong format marker, missing CSV columns or sheets) is an ImportFileError with a
message that says where; problems inside readable records are found later.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from typing import Any

from incidents.csvsafe import unprotect
from incidents.importer.upgrade import upgrade_v1
from incidents.interchange import FORMAT, FULL, PUBLIC
from incidents.interchange.csvsheet import (
    CSV_COLUMNS,
    CSV_FULL_COLUMNS,
    CSV_V1_COLUMNS,
    CSV_V1_FULL_COLUMNS,
)
from incidents.interchange.csvzip import MAIN_SHEET, NO, YES, sheets
from incidents.interchange.records import COUNT_PARTS

SUPPORTED_VERSIONS = (1, 2)
MAX_ZIP_MEMBER = 200 * 1024 * 1024  # bytes, uncompressed: a zip bomb is refused, not read


class ImportFileError(ValueError):
    """The file cannot be read at all (not JSON, not our CSV, wrong format marker)."""


def read_document(content: bytes | str, *, filename: str = "") -> dict:
    """Turn an uploaded or local file into a version-2 document (see docs/data-format.md)."""
    if isinstance(content, bytes) and content[:4] == b"PK\x03\x04":
        return _zip_document(content)
    text = _text(content)
    if filename.lower().endswith(".json") or text.lstrip().startswith(("{", "[")):
        return _json_document(text)
    return _csv_document(text, companions={})


def _text(content: bytes | str, where: str = "") -> str:
    if isinstance(content, bytes):
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ImportFileError(
                f"{where}The file is not UTF-8 text (byte {exc.start} cannot be read)."
            ) from None
    else:
        text = content.lstrip("\ufeff")
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise ImportFileError(f"{where}Line {line} contains a NUL character; the file is not text.")
    return text


def _reject_constant(name: str):
    raise ImportFileError(f"{name} is not a number this format allows (use a plain number).")


def _json_document(text: str) -> dict:
    try:
        doc = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise ImportFileError(f"Not valid JSON: {exc}") from None
    except RecursionError:
        raise ImportFileError("Not valid JSON: nested too deeply.") from None
    except ValueError as exc:  # e.g. an integer with too many digits
        raise ImportFileError(f"Not valid JSON: {exc}") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ImportFileError('Not a Refoulement Watch file: "format" must be "refoulement-watch".')
    version = doc.get("version")
    if isinstance(version, bool) or version not in SUPPORTED_VERSIONS:
        raise ImportFileError(
            f"Unsupported format version {version!r} (expected "
            + " or ".join(str(v) for v in SUPPORTED_VERSIONS)
            + ")."
        )
    return upgrade_v1(doc) if version == 1 else doc


# -- CSV: the main sheet ------------------------------------------------------------------------
def _rows(text: str, where: str) -> tuple[list[str], list[tuple[int, dict]]]:
    reader = csv.DictReader(io.StringIO(text), restval="")
    try:
        header = reader.fieldnames or []
        rows = list(enumerate(reader, start=2))  # row 1 is the header
    except csv.Error as exc:
        raise ImportFileError(f"{where}CSV line {reader.line_num}: {exc}") from None
    # None keys: surplus cells past the header; each cell as written before protection.
    return header, [
        (n, {k: unprotect(v or "") for k, v in raw.items() if k is not None}) for n, raw in rows
    ]


def _csv_document(text: str, *, companions: dict[str, list[tuple[int, dict]]]) -> dict:
    header, rows = _rows(text, "")
    v1 = not set(CSV_COLUMNS) <= set(header)
    required, optional = (
        (CSV_V1_COLUMNS, CSV_V1_FULL_COLUMNS) if v1 else (CSV_COLUMNS, CSV_FULL_COLUMNS)
    )
    missing = [c for c in required if c not in header]
    if missing:
        raise ImportFileError(f"CSV is missing the columns: {', '.join(missing)}.")
    unknown = [c for c in header if c not in required + optional]
    if unknown:
        raise ImportFileError(f"CSV has unknown columns: {', '.join(unknown)}.")
    incident_columns = [c for c in required + optional if c.startswith("incident_")]
    incidents: dict[str, dict] = {}
    for row_number, row in rows:
        slug = row["incident_slug"].strip()
        incident = incidents.get(slug)
        if incident is None:
            incident = incidents[slug or f"row-{row_number}"] = _csv_incident(
                row, row_number, incident_columns
            )
        else:  # a further group: the incident's own columns must repeat the first row's
            incident["_conflicts"] += [
                (row_number, column) for column in incident_columns
                if column in row and row[column].strip() != incident["_cells"].get(column)
            ]  # fmt: skip
        if (row["group_number"] or "").strip():
            incident["groups"].append(_csv_group(row, row_number))
    # A CSV file carries statuses and internal notes only in the full rendering.
    scope = FULL if "incident_status" in header else PUBLIC
    doc = {"format": FORMAT, "version": 1 if v1 else 2, "scope": scope, "rendering": "csv",
           "incidents": list(incidents.values())}  # fmt: skip
    if v1:
        return upgrade_v1(doc)
    _attach_companions(doc, companions)
    return doc


def _csv_incident(row: dict, row_number: int, columns: list[str]) -> dict:
    record: dict[str, Any] = {
        "_row": row_number,
        "_cells": {c: row[c].strip() for c in columns if c in row},
        "_conflicts": [],
        "slug": row["incident_slug"].strip(),
        "title": row["incident_title"].strip(),
        "summary": row["incident_summary"],
        "date": _csv_date(row, "incident_date"),
        "groups": [],
        "citations": [
            {"source": s.strip(), "group": None, "event": None, "claim": "", "locator": ""}
            for s in (row["incident_sources"] or "").split(";")
            if s.strip()
        ],
    }
    if "incident_title_ko" in row:
        record["title_ko"] = row["incident_title_ko"].strip()
        record["summary_ko"] = row["incident_summary_ko"]
    for key in ("published_at", "updated_at", "created_at", "staff_updated_at"):
        if row.get(f"incident_{key}"):
            record[key] = row[f"incident_{key}"]
    if row.get("incident_version"):
        record["version"] = _int_or_text(row["incident_version"])
    if "incident_status" in row:
        record["status"] = row["incident_status"]
        record["notes_internal"] = row.get("incident_notes_internal", "")
    if "incident_publish_not_before" in row:  # full exports since the embargo; empty: none
        record["publish_not_before"] = row["incident_publish_not_before"].strip() or None
    return record


def _int_or_text(text: str):
    return int(text) if text.strip().isdigit() else text


def _csv_date(row: dict, prefix: str) -> dict | str | None:
    earliest = (row.get(f"{prefix}_earliest") or "").strip()
    if earliest:
        return {"earliest": earliest, "latest": (row.get(f"{prefix}_latest") or "").strip(),
                "precision": (row.get(f"{prefix}_precision") or "").strip()}  # fmt: skip
    return (row.get(prefix) or "").strip() or None


def _csv_group(row: dict, row_number: int) -> dict:
    number = row["group_number"].strip()
    group: dict[str, Any] = {
        "_row": row_number,
        "_number": number,  # checked for duplicates; groups take the order of their rows
        "label": row["group_label"].strip(),
        "outcome": row["group_outcome"].strip(),
        "arrest_location": row["group_arrest_location"].strip() or None,
        "events": [],
    }
    if "group_sequence" in row:
        group["sequence"] = _int_or_text(row["group_sequence"]) if row["group_sequence"] else 0
        parent = row["group_parent"].strip()
        group["parent"] = _int_or_text(parent) if parent else None
        nationality = row["group_helpers_nationality"]
        group["helpers_nationality"] = [c.strip() for c in nationality.split(";") if c.strip()]
        group["helpers_description"] = row["group_helpers_description"].strip()
    for part in COUNT_PARTS:
        group[part] = row[f"group_{part}"]  # text such as "at least 4", parsed later
    for line in (row["group_events"] or "").splitlines():
        if not line.strip():
            continue
        bits = [b.strip() for b in line.split("|", 3)] + ["", "", ""]
        group["events"].append({"kind": bits[0], "date": bits[1] or None,
                                "location": bits[2] or None, "description": bits[3]})  # fmt: skip
    if "group_notes_internal" in row:
        group["notes_internal"] = row["group_notes_internal"]
    return group


# -- CSV: the ZIP of sheets -----------------------------------------------------------------------
def _zip_document(content: bytes) -> dict:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError) as exc:
        raise ImportFileError(f"Not a readable ZIP file: {exc}") from None
    if MAIN_SHEET not in names:
        raise ImportFileError(f"The ZIP file has no {MAIN_SHEET} sheet (the main sheet).")

    def sheet(name: str) -> str:
        info = archive.getinfo(name)
        if info.file_size > MAX_ZIP_MEMBER:
            raise ImportFileError(f"{name} is too large ({info.file_size:,} bytes).")
        try:
            return _text(archive.read(name), where=f"{name}: ")
        except (zipfile.BadZipFile, RuntimeError, NotImplementedError) as exc:
            raise ImportFileError(f"{name} cannot be read: {exc}") from None

    main = sheet(MAIN_SHEET)
    full = "incident_status" in main.split("\n", 1)[0]
    expected = sheets(FULL if full else PUBLIC)
    unknown = sorted(names - set(expected) - {MAIN_SHEET})
    if unknown:
        raise ImportFileError(f"The ZIP file has unknown sheets: {', '.join(unknown)}.")
    companions = {}
    for name, columns in expected.items():
        if name not in names:
            raise ImportFileError(
                f"The ZIP file lacks the {name} sheet; export again, or import the main sheet "
                f"{MAIN_SHEET} on its own."
            )
        header, rows = _rows(sheet(name), f"{name}: ")
        missing = [c for c in columns if c not in header]
        extra = [c for c in header if c not in columns]
        if missing or extra:
            raise ImportFileError(
                f"{name}: "
                + "; ".join(
                    part
                    for part in (
                        f"missing columns {', '.join(missing)}" if missing else "",
                        f"unknown columns {', '.join(extra)}" if extra else "",
                    )
                    if part
                )  # fmt: skip
            )
        companions[name] = rows
    doc = _csv_document(main, companions=companions)
    doc["rendering"] = "csvzip"
    return doc


def _flag(text: str):
    value = text.strip().lower()
    return {YES: True, NO: False, "": False}.get(value, text)


def _attach_companions(doc: dict, companions: dict[str, list[tuple[int, dict]]]) -> None:
    """Fold the companion sheets into the document the main sheet started."""
    if not companions:
        return
    by_slug = {i["slug"]: i for i in doc["incidents"] if i["slug"]}

    def target(sheet: str, n: int, row: dict):
        incident = by_slug.get(row["incident_slug"].strip())
        if incident is None:
            doc.setdefault("_sheet_problems", []).append(
                (f"{sheet}, row {n}, column incident_slug",
                 f"no incident {row['incident_slug']!r} in {MAIN_SHEET}"))  # fmt: skip
        return incident

    for incident in doc["incidents"]:
        incident["date_claims"], incident["citations"] = [], []
        for group in incident["groups"]:
            group["claims"], group["events"] = [], []

    def group_of(incident, text, sheet, n):
        number = text.strip()
        for group in incident["groups"]:
            if group["_number"] == number:
                return group
        doc.setdefault("_sheet_problems", []).append(
            (f"{sheet}, row {n}, column group_number", f"no group {number!r} of that incident")
        )
        return None

    for n, row in companions["events.csv"]:
        incident = target("events.csv", n, row)
        group = incident and group_of(incident, row["group_number"], "events.csv", n)
        if group is None:
            continue
        actors = []
        for item in filter(None, (a.strip() for a in row["actors"].split(";"))):
            actor, _sep, role = item.partition(":")
            actors.append({"actor": actor.strip(), "role": role.strip()})
        event = {
            "_where": f"events.csv, row {n}",
            "sequence": _int_or_text(row["sequence"]) if row["sequence"] else 0,
            "kind": row["kind"].strip(), "date": _csv_date(row, "date"),
            "location": row["location"].strip() or None, "description": row["description"],
            "circumstance": row["circumstance"].strip(),
            "circumstance_text": row["circumstance_text"], "actors": actors,
        }  # fmt: skip
        if "notes_internal" in row:
            event["notes_internal"] = row["notes_internal"]
        group["events"].append(event)
    for n, row in companions["claims.csv"]:
        incident = target("claims.csv", n, row)
        if incident is None:
            continue
        claim = {
            "_where": f"claims.csv, row {n}",
            "wording": row["wording"], "source": row["source"].strip() or None,
            "quotation": row["quotation"], "locator": row["locator"],
            "preferred": _flag(row["preferred"]), "preferred_reason": row["preferred_reason"],
        }  # fmt: skip
        if row["part"].strip() == "date":
            claim["date"] = _csv_date({"date": row["figure"], **row}, "date")
            incident["date_claims"].append(claim)
        else:
            group = group_of(incident, row["group_number"], "claims.csv", n)
            if group is not None:
                group["claims"].append({**claim, "part": row["part"].strip(),
                                        "count": row["figure"]})  # fmt: skip
    for n, row in companions["citations.csv"]:
        incident = target("citations.csv", n, row)
        if incident is None:
            continue
        incident["citations"].append({
            "_where": f"citations.csv, row {n}", "source": row["source"].strip(),
            "group": _int_or_text(row["group_number"]) if row["group_number"] else None,
            "event": _int_or_text(row["event_number"]) if row["event_number"] else None,
            "claim": row["claim"], "locator": row["locator"],
        })  # fmt: skip
    doc["locations"] = [_place(n, row) for n, row in companions["places.csv"]]
    doc["sources"] = [_source(n, row) for n, row in companions["sources.csv"]]
    doc["actors"] = [_actor(n, row) for n, row in companions["actors.csv"]]
    doc["estimates"] = [_estimate(n, row) for n, row in companions["estimates.csv"]]


def _number(text: str):
    text = text.strip()
    if not text:
        return None
    try:
        return float(text) if "." in text else int(text)
    except ValueError:
        return text


def _place(n: int, row: dict) -> dict:
    record = {k: v for k, v in row.items() if k not in ("country", "province", "city")}
    record |= {"_where": f"places.csv, row {n}", "parent": row["parent"].strip() or None}
    for key in ("latitude", "longitude", "version"):
        if key in row:
            record[key] = _number(row[key])
    if not row.get("latitude", "").strip() and "coordinates_public" not in row:
        for key in ("latitude", "longitude", "coordinate_precision"):
            record.pop(key, None)  # a public file shows no private coordinates
    if "coordinates_public" in row:
        record["coordinates_public"] = _flag(row["coordinates_public"])
    return record


def _source(n: int, row: dict) -> dict:
    record = {k: v for k, v in row.items() if not k.startswith("date")}
    record |= {"_where": f"sources.csv, row {n}", "date": _csv_date(row, "date"),
               "relays": row["relays"].strip() or None}  # fmt: skip
    if "confidential" in row:
        record["confidential"] = _flag(row["confidential"])
    if "version" in row:
        record["version"] = _number(row["version"])
    return record


def _actor(n: int, row: dict) -> dict:
    record = dict(row) | {"_where": f"actors.csv, row {n}", "parent": row["parent"].strip() or None}
    if "version" in row:
        record["version"] = _number(row["version"])
    return record


def _estimate(n: int, row: dict) -> dict:
    record = dict(row) | {"_where": f"estimates.csv, row {n}"}
    for key in ("value_low", "value_high", "version"):
        if key in row:
            record[key] = _number(row[key])
    sources = []
    for line in filter(None, (x.strip() for x in row["sources"].splitlines())):
        bits = [b.strip() for b in line.split("|", 2)] + ["", ""]
        sources.append({"source": bits[0], "claim": bits[1], "locator": bits[2]})
    record["sources"] = sources
    return record
