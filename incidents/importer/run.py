"""Import a document: validate every record, then write it through the services, all in one
transaction. The services apply the importing user's role exactly as the admin does; every
refusal, like every other problem, is reported with where it is in the file, and then nothing
at all is written.

Semantics a user can predict (docs/data-format.md, "Importing"):
- records are matched by slug; an update is a full description of the record: `groups` and
  `citations` must be present (`[]` to remove them all), and so must each group's `events`;
  plain fields the file leaves out are kept;
- a file that is not a full export keeps what it cannot carry (internal notes, citations of
  confidential sources; a CSV's citations are the sources it lists);
- a record identical to what is stored is left alone, so importing a file twice changes nothing;
- a file from a full export carries each record's version: a record changed here since then is
  refused rather than overwritten;
- new incidents are drafts; a status in the file, or `publish`, is reached through the workflow
  with the importing user's permissions and the publication rules.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction

from incidents.importer import compare
from incidents.importer.report import ImportReport, Problem, Where
from incidents.importer.values import BadValue, convert, position, read_count, read_date
from incidents.interchange import COUNT_PARTS, FULL, export_queryset, incident_record
from incidents.models import (
    Citation,
    CustodyEvent,
    DetaineeGroup,
    Estimate,
    Incident,
    Location,
    Source,
    Status,
)
from incidents.public import PRIVATE_FIELDS, PUBLIC_FIELDS
from incidents.services import (
    PUBLISH_PERMISSION,
    Conflict,
    Edit,
    incident_transition,
    save_incident,
    save_record,
    transition_path,
)
from incidents.vague import CountError

logger = logging.getLogger(__name__)

# Incident keys that are plain model fields. The date is read from "date"; status, versions and
# timestamps are never set directly (see _IncidentPlan).
INCIDENT_FIELDS = ("slug", "title", "summary", "title_ko", "summary_ko", "notes_internal")
INCIDENT_KEYS = {
    *INCIDENT_FIELDS,
    "date",
    "status",
    "groups",
    "citations",
    "version",
    "created_at",
    "updated_at",
    "published_at",
    "staff_updated_at",
}
GROUP_KEYS = {
    "sequence",
    "label",
    "outcome",
    "arrest_location",
    "notes_internal",
    "events",
    *COUNT_PARTS,
}
EVENT_KEYS = {"sequence", "kind", "date", "location", "description", "notes_internal"}
CITATION_KEYS = {"source", "group", "event", "claim", "locator"}
MODEL_FIELD_TO_KEY = {
    "date_earliest": "date",
    "date_latest": "date",
    "date_precision": "date",
    **{f"{p}_{s}": p for p in COUNT_PARTS for s in ("value", "qualifier")},
}


class _Abort(Exception):
    """Raised inside the transaction to roll it back."""


class _RecordFailed(Exception):
    """A record has problems (already reported): skip its write."""


def import_document(
    doc: dict,
    *,
    user,
    dry_run: bool = False,
    publish: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Validate and write `doc` (from read_document) as `user`, in one transaction.

    `publish`: new records whose status the file does not give (a public export) are published,
    and new places' coordinates are public, as they were where the file came from; editors
    only. Without it they arrive as drafts with private coordinates, for review.
    """
    report = ImportReport(dry_run=dry_run)
    if user is None or not user.is_authenticated or not user.is_active:
        report.problem("file", "Only a signed-in staff member can import.")
        return report
    if publish and not user.has_perm(PUBLISH_PERMISSION):
        report.problem("publish", "Only editors may publish on import; import as drafts instead.")
        return report
    try:
        with transaction.atomic():
            _Importer(report, user=user, doc=doc, publish=publish, progress=progress).run()
            if not report.ok or dry_run:
                raise _Abort
    except _Abort:
        pass
    return report


@dataclass
class _IncidentPlan:
    where: Where
    existing: Incident | None
    values: dict[str, Any] = field(default_factory=dict)
    children: list[Edit] = field(default_factory=list)
    target_status: str | None = None
    expected_version: int | None = None
    stamps: dict[str, Any] = field(default_factory=dict)


class _Importer:
    def __init__(self, report: ImportReport, *, user, doc: dict, publish: bool, progress):
        self.report = report
        self.user = user
        self.doc = doc
        self.publish = publish
        self.progress = progress
        self.csv = doc.get("rendering") == "csv"
        # A file that is not a full export lacks internal notes and confidential citations:
        # updating a record from it keeps those (see _carry_over).
        self.full = doc.get("scope") == FULL
        self.locations: dict[str, Location] = {}
        self.sources: dict[str, Source] = {}

    # problems ---------------------------------------------------------------------------------
    def problem(self, where: str, message) -> None:
        self.report.problem(where, message)

    def problems_from(self, exc: ValidationError, where: Where) -> None:
        if hasattr(exc, "error_dict"):
            for name, messages in exc.message_dict.items():
                key = None if name == "__all__" else MODEL_FIELD_TO_KEY.get(name, name)
                for message in messages:
                    self.problem(where(key), message)
        else:
            for message in exc.messages:
                self.problem(where(), message)

    def guarded(self, where: Where, write: Callable[[], Any]) -> Any:
        """Run one record's write in a savepoint; every refusal becomes a problem there."""
        try:
            with transaction.atomic():
                return write()
        except _RecordFailed:
            return None
        except ValidationError as exc:
            self.problems_from(exc, where)
        except PermissionDenied as exc:
            self.problem(where(), str(exc) or "You are not allowed to do this.")
        except Conflict as exc:
            changed = "; ".join(f"{w}: {b} → {a}" for w, b, a in exc.changes[:5])
            self.problem(
                where("version"),
                f"changed here since this file was exported (version {exc.expected_version} "
                f"in the file, {exc.current_version} now){': ' + changed if changed else ''}; "
                "export it again, or remove 'version' to overwrite",
            )
        except (BadValue, ValueError, TypeError) as exc:
            self.problem(where(), str(exc))
        except DatabaseError as exc:
            logger.warning("import: the database refused %s: %s", where(), exc)
            self.problem(where(), f"the database refused this record ({type(exc).__name__})")
        return None

    # the document -----------------------------------------------------------------------------
    def records(self, key: str) -> list[dict]:
        value = self.doc.get(key)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(x, dict) for x in value):
            self.problem(key, "must be a list of objects")
            return []
        return value

    def run(self) -> None:
        known = {
            "format",
            "version",
            "scope",
            "rendering",
            "incidents",
            "estimates",
            "locations",
            "sources",
            "exported_at",
            "incident_count",
        }
        for key in self.doc:
            if key not in known:
                self.problem(key, "unknown key")
        count, listed = self.doc.get("incident_count"), self.doc.get("incidents")
        if count is not None and isinstance(listed, list) and count != len(listed):
            self.problem("incident_count", "does not match the incidents listed: incomplete file?")
        self.check_duplicates()
        for model, key, registry in (
            (Location, "locations", self.locations),
            (Source, "sources", self.sources),
        ):
            for n, record in enumerate(self.records(key), start=1):
                where = Where(f"{key}[{n}]")
                obj = self.guarded(where, partial(self.upsert, model, record, where))
                if obj is not None:
                    registry[obj.slug] = obj
        self.locations.update(
            {x.slug: x for x in Location.objects.exclude(slug__in=self.locations)}
        )
        self.sources.update({x.slug: x for x in Source.objects.exclude(slug__in=self.sources)})
        incidents = self.records("incidents")
        # Exports list incidents newest first, and the public order breaks ties between equal
        # dates by creation order (newest record first). Creating them last-to-first keeps
        # that order, so an export imported elsewhere exports again identically. Problems are
        # still reported in file order.
        problems = self.report.problems
        found: list[tuple[int, list[Problem]]] = []
        for done, (n, record) in enumerate(reversed(list(enumerate(incidents, start=1))), 1):
            before = len(problems)
            self.incident(record, Where("").child("incident", n, record))
            found.append((n, problems[before:]))
            del problems[before:]
            if self.progress:
                self.progress(done, len(incidents))
        for _n, block in sorted(found, key=lambda item: item[0]):
            problems.extend(block)
        for n, record in enumerate(self.records("estimates"), start=1):
            where = Where(f"estimates[{n}]")
            self.guarded(where, partial(self.estimate, record, where))

    def check_duplicates(self) -> None:
        """Two records with one slug would silently merge: refuse the second."""
        for key in ("incidents", "locations", "sources"):
            seen: dict[str, str] = {}
            for n, record in enumerate(self.records(key), start=1):
                slug = record.get("slug")
                if not isinstance(slug, str) or not slug.strip():
                    continue
                where = (
                    Where("").child(key[:-1], n, record)("slug")
                    if key == "incidents"
                    else f"{key}[{n}].slug"
                )
                if slug.strip() in seen and not self.csv:
                    self.problem(
                        where,
                        f"'{slug}' appears twice in this file (first at {seen[slug.strip()]})",
                    )
                seen.setdefault(slug.strip(), where)
        if self.csv:
            for record in self.records("incidents"):
                numbers: dict[str, int] = {}
                for group in record.get("groups") or []:
                    number = group.get("_number")
                    if number in numbers:
                        self.problem(
                            f"row {group['_row']}, column group_number",
                            f"group {number} of '{record.get('slug')}' is also on row "
                            f"{numbers[number]}",
                        )
                    numbers.setdefault(number, group["_row"])

    # sources, places, estimates --------------------------------------------------------------
    def values_for(self, model, record: dict, where: Where, *, skip=()) -> dict:
        """Converted values for the model fields a record gives; unknown keys are problems."""
        importable = (set(PUBLIC_FIELDS[model]) | set(PRIVATE_FIELDS[model])) - {"id"}
        values, failed = {}, False
        for name, raw in record.items():
            if name in skip or name.startswith("_"):
                continue
            if name not in importable:
                self.problem(where(name), "unknown field")
                failed = True
                continue
            try:
                values[name] = convert(model, name, raw)
            except BadValue as exc:
                self.problem(where(name), str(exc))
                failed = True
        if failed:
            raise _RecordFailed
        return values

    def upsert(self, model, record: dict, where: Where):
        values = self.values_for(model, record, where)
        version = values.pop("version", None)
        slug = values.get("slug")
        existing = model._default_manager.filter(slug=slug).first() if slug else None
        kind = model._meta.model_name
        if existing is None:
            if self.publish and model is Location and "coordinates_public" not in values:
                values["coordinates_public"] = values.get("latitude") is not None
            result = save_record(
                user=self.user,
                model=model,
                values=values,
                stamps={"version": version} if version else None,
            )
            self.report.count(kind, "created")
            return result.instance
        if all(getattr(existing, name) == value for name, value in values.items()):
            self.report.count(kind, "unchanged")
            return existing
        result = save_record(
            user=self.user, model=model, pk=existing.pk, values=values, expected_version=version
        )
        self.report.count(kind, "updated" if result.wrote else "unchanged")
        return result.instance

    def estimate(self, record: dict, where: Where) -> None:
        source = (
            self.sources.get(record.get("source"))
            if isinstance(record.get("source"), str)
            else None
        )
        if source is None:
            self.problem(where("source"), f"unknown source {record.get('source')!r}")
            raise _RecordFailed
        values = self.values_for(Estimate, record, where, skip=("source",))
        version = values.pop("version", None)
        # Estimates have no slug: the same source, subject, period and wording is the same one.
        existing = Estimate.objects.filter(
            source=source,
            subject=values.get("subject"),
            period_start=values.get("period_start"),
            description=values.get("description"),
        ).first()
        if existing is None:
            if self.publish and "status" not in values:
                values["status"] = Status.PUBLISHED
            save_record(
                user=self.user,
                model=Estimate,
                values={**values, "source": source},
                stamps={"version": version} if version else None,
            )
            self.report.count("estimate", "created")
            return
        result = save_record(
            user=self.user,
            model=Estimate,
            pk=existing.pk,
            values={**values, "source": source},
            expected_version=version,
        )
        self.report.count("estimate", "updated" if result.wrote else "unchanged")

    # incidents ---------------------------------------------------------------------------------
    def incident(self, record: dict, where: Where) -> None:
        before = self.report.reported
        plan = self.guarded(where, lambda: _plan_incident(self, record, where))
        if plan is None or self.report.reported > before:
            return
        self.guarded(where, lambda: self.write(plan))

    def write(self, plan: _IncidentPlan) -> None:
        existing = plan.existing
        result = None
        if existing is None or plan.values or plan.children:
            result = save_incident(
                user=self.user,
                pk=existing.pk if existing else None,
                values=plan.values,
                children=plan.children,
                expected_version=plan.expected_version,
                stamps=plan.stamps if existing is None else None,
            )
        incident = result.instance if result else existing
        moved = False
        if plan.target_status and plan.target_status != incident.status:
            try:
                steps = transition_path(incident.status, plan.target_status)
            except ValidationError as exc:
                self.problems_from(exc, Where(plan.where.path, plan.where.csv_row))
                raise _RecordFailed from None
            for step in steps:
                try:
                    incident = incident_transition(
                        incident=incident,
                        name=step,
                        user=self.user,
                        as_imported=existing is None and bool(plan.stamps),
                    )
                except (PermissionDenied, ValidationError) as exc:
                    messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
                    for message in messages:
                        self.problem(plan.where("status"), message)
                    raise _RecordFailed from None
            moved = True
        if existing is None:
            self.report.count("incident", "created")
        elif (result and result.wrote) or moved:
            self.report.count("incident", "updated")
        else:
            self.report.count("incident", "unchanged")

    # helpers used by the planner ---------------------------------------------------------------
    def location(self, slug, where: str) -> Location | None:
        if slug in (None, ""):
            return None
        location = self.locations.get(slug) if isinstance(slug, str) else None
        if location is None:
            self.problem(where, f"unknown location {slug!r}")
        return location

    def hidden(self, source_slug: str) -> bool:
        """Cited in the database but absent from a file that is not a full export."""
        source = self.sources.get(source_slug)
        return not self.full and source is not None and source.confidential


# -- planning one incident -------------------------------------------------------------------------
def _plan_incident(imp: _Importer, record: dict, where: Where) -> _IncidentPlan | None:
    for row_number, column in record.get("_conflicts", []) if "_row" in record else []:
        imp.problem(
            f"row {row_number}, column {column}",
            f"differs from row {record['_row']}: every row of an incident repeats its "
            "incident columns",
        )
    if not _well_formed(imp, record, where):
        return None
    for key in record:
        if not key.startswith("_") and key not in INCIDENT_KEYS:
            imp.problem(where(key), "unknown field")
    slug = record.get("slug")
    if slug is not None and not isinstance(slug, str):
        imp.problem(where("slug"), "must be text")
        return None
    slug = (slug or "").strip()
    existing = Incident.objects.filter(slug=slug).first() if slug else None
    plan = _IncidentPlan(where=where, existing=existing)
    if existing is not None:
        if not imp.csv:
            for key in ("groups", "citations"):
                if key not in record:
                    imp.problem(
                        where(key),
                        f"{key} missing: an update describes the whole record; "
                        f'to remove all {key} say "{key}": []',
                    )
        stored = _stored(existing)
        if _unchanged(imp, record, stored):
            imp.report.count("incident", "unchanged")
            return None
        if "version" in record:
            try:
                plan.expected_version = convert(Incident, "version", record["version"])
            except BadValue as exc:
                imp.problem(where("version"), str(exc))
        record = _carry_over(imp, record, stored)
    else:
        for name in ("created_at", "updated_at", "staff_updated_at", "published_at", "version"):
            if record.get(name) is not None:
                try:
                    plan.stamps[name] = convert(Incident, name, record[name])
                except BadValue as exc:
                    imp.problem(where(name), str(exc))

    # the incident's own fields
    failed: set[str] = set()
    for key in INCIDENT_FIELDS:
        if key in record:
            _put(imp, plan.values, failed, Incident, key, record[key], where(key))
    if "date" in record or existing is None:
        try:
            earliest, latest, precision = read_date(record.get("date"))
            plan.values |= {
                "date_earliest": earliest,
                "date_latest": latest,
                "date_precision": precision,
            }
        except ValueError as exc:  # VagueDateError and BadValue are ValueErrors
            imp.problem(where("date"), str(exc))
            failed.update(("date_earliest", "date_latest", "date_precision"))
    if "status" in record:
        try:
            plan.target_status = convert(Incident, "status", record["status"])
        except BadValue as exc:
            imp.problem(where("status"), str(exc))
    elif existing is None and imp.publish:
        plan.target_status = Status.PUBLISHED
    candidate = _candidate(existing or Incident(status=Status.DRAFT), plan.values)
    _prevalidate(imp, candidate, where, exclude=("status", *failed))

    # groups and their events, matched to what is stored by position
    stored_groups = list(existing.groups.order_by("sequence", "pk")) if existing else []
    group_edits: list[Edit] = []
    event_edits: list[list[Edit]] = []
    for n, data in enumerate(record.get("groups") or [], start=1):
        stored = stored_groups[n - 1] if n <= len(stored_groups) else None
        gwhere = where.child("group", n, data)
        edit, events = _group_edit(imp, data, gwhere, n, stored)
        group_edits.append(edit)
        event_edits.append(events)
    group_edits += [
        Edit(DetaineeGroup, pk=g.pk, delete=True) for g in stored_groups[len(group_edits) :]
    ]
    plan.children += group_edits

    # citations: replaced as a whole when they differ (a CSV lists only sources)
    citations = _citation_edits(imp, record, where, group_edits, event_edits, existing)
    plan.children += citations
    return plan


def _put(imp: _Importer, values: dict, failed: set, model, name: str, raw, where: str) -> None:
    """values[name] = raw as a model value, or a problem at `where` and `name` in failed."""
    try:
        values[name] = convert(model, name, raw)
    except BadValue as exc:
        imp.problem(where, str(exc))
        failed.add(name)


def _well_formed(imp: _Importer, record: dict, where: Where) -> bool:
    """Lists where lists belong, so a malformed file is reported, not a crash."""
    ok = True
    for key in ("groups", "citations"):
        if not _is_list_of_objects(record.get(key)):
            imp.problem(where(key), "must be a list of objects")
            ok = False
    for n, group in enumerate(record.get("groups") or [], start=1) if ok else ():
        gwhere = where.child("group", n, group)
        if not _is_list_of_objects(group.get("events")):
            imp.problem(gwhere("events"), "must be a list of objects")
            ok = False
        for key in group:
            if not key.startswith("_") and key not in GROUP_KEYS:
                imp.problem(gwhere(key), "unknown field")
                ok = False
        for m, event in enumerate(group.get("events") or [], start=1) if ok else ():
            for key in event:
                if key not in EVENT_KEYS:
                    imp.problem(gwhere.child("event", m, event)(key), "unknown field")
                    ok = False
    for n, citation in enumerate(record.get("citations") or [], start=1) if ok else ():
        for key in citation:
            if not key.startswith("_") and key not in CITATION_KEYS:
                imp.problem(where.child("citation", n, citation)(key), "unknown field")
                ok = False
    return ok


def _is_list_of_objects(value) -> bool:
    return value is None or (isinstance(value, list) and all(isinstance(x, dict) for x in value))


def _candidate(base, values: dict):
    """A copy of `base` with `values` applied, to validate before anything is written."""
    obj = type(base)(**{f.attname: getattr(base, f.attname) for f in base._meta.concrete_fields})
    obj._state.adding = base._state.adding
    for name, value in values.items():
        setattr(obj, name, value)
    return obj


def _prevalidate(imp: _Importer, obj, where: Where, *, exclude=()) -> None:
    """Model validation, so every problem of a record is listed at once and in place (the
    services validate again before writing)."""
    parents = [
        f.name for f in obj._meta.fields if f.is_relation and f.name in ("incident", "group")
    ]
    try:
        obj.full_clean(
            exclude=[*exclude, *parents], validate_unique=False, validate_constraints=False
        )
    except ValidationError as exc:
        imp.problems_from(exc, where)


def _group_edit(imp: _Importer, data: dict, where: Where, n: int, stored: DetaineeGroup | None):
    values: dict[str, Any] = {}
    failed: set[str] = set()
    if "sequence" in data or stored is None:
        _put(
            imp,
            values,
            failed,
            DetaineeGroup,
            "sequence",
            data.get("sequence", n),
            where("sequence"),
        )
    for key in ("label", "outcome", "notes_internal"):
        if key in data or stored is None:
            raw = data.get(key, "")
            if key == "outcome" and raw in (None, ""):
                raw = "unknown"
            _put(imp, values, failed, DetaineeGroup, key, raw, where(key))
    if "arrest_location" in data or stored is None:
        values["arrest_location"] = imp.location(
            data.get("arrest_location"), where("arrest_location")
        )
    for part in COUNT_PARTS:
        if part in data or stored is None:
            try:
                value, qualifier = read_count(data.get(part))
            except CountError as exc:
                imp.problem(where(part), str(exc))
                failed.update((f"{part}_value", f"{part}_qualifier"))
                continue
            values[f"{part}_value"], values[f"{part}_qualifier"] = value, qualifier
    _prevalidate(imp, _candidate(stored or DetaineeGroup(), values), where, exclude=failed)
    if stored is not None and "events" not in data and not imp.csv:
        imp.problem(where("events"), 'events missing: to remove all events say "events": []')
    stored_events = list(stored.events.order_by(*CustodyEvent._meta.ordering)) if stored else []
    events: list[Edit] = []
    for m, edata in enumerate(data.get("events") or [], start=1):
        old = stored_events[m - 1] if m <= len(stored_events) else None
        events.append(_event_edit(imp, edata, where.child("event", m, edata), m, old))
    deleted = [Edit(CustodyEvent, pk=e.pk, delete=True) for e in stored_events[len(events) :]]
    edit = Edit(
        DetaineeGroup, pk=stored.pk if stored else None, values=values, children=events + deleted
    )
    return edit, events


def _event_edit(imp: _Importer, data: dict, where: Where, m: int, stored: CustodyEvent | None):
    values: dict[str, Any] = {}
    failed: set[str] = set()
    if "sequence" in data or stored is None:
        # CSV lists events in time order; the position keeps ties in that order.
        _put(
            imp,
            values,
            failed,
            CustodyEvent,
            "sequence",
            data.get("sequence", m),
            where("sequence"),
        )
    for key in ("kind", "description", "notes_internal"):
        if key in data or stored is None:
            _put(imp, values, failed, CustodyEvent, key, data.get(key, ""), where(key))
    if "location" in data or stored is None:
        values["location"] = imp.location(data.get("location"), where("location"))
    if "date" in data or stored is None:
        try:
            earliest, latest, precision = read_date(data.get("date"))
            values |= {
                "date_earliest": earliest,
                "date_latest": latest,
                "date_precision": precision,
            }
        except ValueError as exc:
            imp.problem(where("date"), str(exc))
            failed.update(("date_earliest", "date_latest", "date_precision"))
    _prevalidate(imp, _candidate(stored or CustodyEvent(), values), where, exclude=failed)
    return Edit(CustodyEvent, pk=stored.pk if stored else None, values=values)


def _citation_edits(imp, record, where, group_edits, event_edits, existing) -> list[Edit]:
    wanted = []
    for n, data in enumerate(record.get("citations") or [], start=1):
        cwhere = where if "_row" in record else where.child("citation", n, data)
        slug = data.get("source")
        source = imp.sources.get(slug) if isinstance(slug, str) else None
        if source is None:
            imp.problem(cwhere("source"), f"unknown source {slug!r}")
            continue
        values: dict[str, Any] = {"source": source}
        for key in ("claim", "locator"):
            try:
                values[key] = convert(Citation, key, data.get(key, ""))
            except BadValue as exc:
                imp.problem(cwhere(key), str(exc))
        group_pos, event_pos = data.get("group"), data.get("event")
        values["group"] = values["event"] = None
        try:
            if group_pos is not None:
                values["group"] = group_edits[position(group_pos)]
                if event_pos is not None:
                    values["event"] = event_edits[position(group_pos)][position(event_pos)]
            elif event_pos is not None:
                raise IndexError
        except (IndexError, ValueError, TypeError):
            if data.get("_kept"):  # a kept citation whose group is gone: keep it unpinned
                values["group"] = values["event"] = None
            else:
                imp.problem(cwhere("group"), f"there is no group {group_pos}, event {event_pos}")
                continue
        wanted.append(
            (
                values,
                (
                    slug,
                    values.get("claim", ""),
                    values.get("locator", ""),
                    group_pos if values["group"] else None,
                    event_pos if values["event"] else None,
                ),
            )
        )
    stored = list(existing.citations.select_related("source").order_by("pk")) if existing else []
    if existing is not None and [key for _v, key in wanted] == _citation_keys(existing, stored):
        return []
    return [Edit(Citation, pk=c.pk, delete=True) for c in stored] + [
        Edit(Citation, values=values) for values, _key in wanted
    ]


def _citation_keys(incident: Incident, citations: list[Citation]) -> list[tuple]:
    groups = list(incident.groups.order_by("sequence", "pk"))
    gpos = {g.pk: n for n, g in enumerate(groups, start=1)}
    epos = {}
    for g in groups:
        for m, e in enumerate(g.events.order_by(*CustodyEvent._meta.ordering), start=1):
            epos[e.pk] = m
    return [
        (c.source.slug, c.claim, c.locator, gpos.get(c.group_id), epos.get(c.event_id))
        for c in citations
    ]


def _stored(existing: Incident) -> dict:
    """The stored record as a FULL-scope record with JSON values."""
    stored = export_queryset(Incident.objects.filter(pk=existing.pk), FULL).get()
    return json.loads(json.dumps(incident_record(stored, FULL), default=str))


def _unchanged(imp: _Importer, record: dict, stored: dict) -> bool:
    """True if every value the file gives equals what is stored (file forms normalised:
    "at least 4", "mid-March 2017", a CSV cell listing only the sources cited)."""
    incoming = compare.comparable(compare.normalise(record))
    stored = {
        **stored,
        "citations": [c for c in stored["citations"] if not imp.hidden(c["source"])],
    }
    if imp.csv:
        listed = list(dict.fromkeys(c["source"] for c in incoming.pop("citations", [])))
        cited = list(dict.fromkeys(c["source"] for c in stored["citations"]))
        if listed != cited:
            return False
    return compare.subset_equal(incoming, stored)


def _carry_over(imp: _Importer, record: dict, stored: dict) -> dict:
    """Keep what an updating file does not carry, instead of erasing it.

    Internal notes of groups and events (absent from public files) are kept by position, as
    the unmatched fields of matched rows are; citations of confidential sources (absent from
    public files) are kept; a CSV file lists only the sources cited, so their stored citations
    (claims, pins) are kept.
    """
    record = dict(record)
    citations = list(record.get("citations") or [])
    if imp.csv:
        listed = {c["source"] for c in citations}
        kept = [
            {**c, "_kept": True}
            for c in stored["citations"]
            if c["source"] in listed or imp.hidden(c["source"])
        ]
        known = {c["source"] for c in kept}
        citations = kept + [c for c in citations if c["source"] not in known]
    elif not imp.full:
        citations += [{**c, "_kept": True} for c in stored["citations"] if imp.hidden(c["source"])]
    record["citations"] = citations
    return record
