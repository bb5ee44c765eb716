"""Plan one incident record: check and convert every value, match what is stored, and describe
the write as service Edits (nothing is written here).

Groups and events are matched to the stored ones by position and only what differs is written;
claims, date claims, an event's actors and the citations are replaced as a whole when they
differ. Every problem is reported where it is in the file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError

from incidents.importer import compare
from incidents.importer.report import Where
from incidents.importer.values import BadValue, convert, position, read_count, read_date
from incidents.interchange import COUNT_PARTS, FULL, export_queryset, incident_record
from incidents.models import (
    Citation,
    CountClaim,
    CustodyEvent,
    DateClaim,
    DetaineeGroup,
    EventActor,
    Incident,
    Status,
)
from incidents.services import Edit, integrity
from incidents.vague import CountError

INCIDENT_FIELDS = ("slug", "title", "summary", "title_ko", "summary_ko", "notes_internal",
                   "publish_not_before")  # fmt: skip
INCIDENT_KEYS = {
    *INCIDENT_FIELDS,
    "date",
    "status",
    "groups",
    "citations",
    "date_claims",
    "version",
    "created_at",
    "updated_at",
    "published_at",
    "staff_updated_at",
    "corrected_at",  # derived from the published revisions; read-only
}
GROUP_KEYS = {
    "sequence",
    "label",
    "outcome",
    "arrest_location",
    "notes_internal",
    "events",
    "parent",
    "claims",
    "helpers_nationality",
    "helpers_description",
    *COUNT_PARTS,
}
EVENT_KEYS = {"sequence", "kind", "date", "location", "description", "notes_internal",
              "circumstance", "circumstance_text", "actors"}  # fmt: skip
CITATION_KEYS = {"source", "group", "event", "claim", "locator"}
CLAIM_KEYS = {"part", "count", "wording", "source", "quotation", "locator", "preferred",
              "preferred_reason"}  # fmt: skip
DATE_CLAIM_KEYS = {"date", "wording", "source", "quotation", "locator", "preferred",
                   "preferred_reason"}  # fmt: skip
DATE_COLUMNS = ("date_earliest", "date_latest", "date_precision")

# The lists an incident record holds directly (groups hold events and claims; events, actors).
INCIDENT_LISTS = frozenset({"groups", "citations", "date_claims"})


@dataclass
class IncidentPlan:
    where: Where
    existing: Incident | None
    values: dict[str, Any] = field(default_factory=dict)
    children: list[Edit] = field(default_factory=list)
    target_status: str | None = None
    expected_version: int | None = None
    stamps: dict[str, Any] = field(default_factory=dict)


class Planner:
    """Plans incident records for one import (`imp` reports problems and knows the places,
    sources and actors the file and the database hold)."""

    def __init__(self, imp):
        self.imp = imp

    def problem(self, where: str, message) -> None:
        self.imp.problem(where, message)

    def put(self, values: dict, failed: set, model, name: str, raw, where: str) -> None:
        """values[name] = raw as a model value, or a problem at `where` and `name` in failed."""
        try:
            values[name] = convert(model, name, raw)
        except BadValue as exc:
            self.problem(where, str(exc))
            failed.add(name)

    def date(self, values: dict, failed: set, raw, where: str) -> None:
        try:
            earliest, latest, precision = read_date(raw)
        except ValueError as exc:  # VagueDateError and BadValue are ValueErrors
            self.problem(where, str(exc))
            failed.update(DATE_COLUMNS)
            return
        values |= {"date_earliest": earliest, "date_latest": latest, "date_precision": precision}

    def prevalidate(self, obj, where: Where, *, exclude=()) -> None:
        """Model validation, so every problem of a record is listed at once and in place (the
        services validate again before writing)."""
        parents = [f.name for f in obj._meta.fields
                   if f.is_relation and f.name in ("incident", "group", "event")]  # fmt: skip
        try:
            integrity.full_clean(obj, exclude=[*exclude, *parents], validate_unique=False)
        except ValidationError as exc:
            self.imp.problems_from(exc, where)

    # -- the incident -------------------------------------------------------------------------
    def plan(self, record: dict, where: Where) -> IncidentPlan | None:
        imp = self.imp
        for row_number, column in record.get("_conflicts", []) if "_row" in record else []:
            self.problem(
                f"row {row_number}, column {column}",
                f"differs from row {record['_row']}: every row of an incident repeats its "
                "incident columns",
            )
        if not self.well_formed(record, where):
            return None
        slug = record.get("slug")
        if slug is not None and not isinstance(slug, str):
            self.problem(where("slug"), "must be text")
            return None
        slug = (slug or "").strip()
        existing = imp.stored(Incident, slug) if slug else None
        plan = IncidentPlan(where=where, existing=existing)
        if existing is not None:
            for key in sorted(imp.required_lists & INCIDENT_LISTS):
                if key not in record:
                    self.problem(
                        where(key),
                        f"{key} missing: an update describes the whole record; "
                        f'to remove all {key} say "{key}": []',
                    )
            stored = stored_record(existing)
            if unchanged(imp, record, stored):
                imp.report.count("incident", "unchanged")
                return None
            if "version" in record:
                try:
                    plan.expected_version = convert(Incident, "version", record["version"])
                except BadValue as exc:
                    self.problem(where("version"), str(exc))
            record = carry_over(imp, record, stored)
        else:
            for name in ("created_at", "updated_at", "staff_updated_at", "published_at",
                         "version"):  # fmt: skip
                if record.get(name) is not None:
                    try:
                        plan.stamps[name] = convert(Incident, name, record[name])
                    except BadValue as exc:
                        self.problem(where(name), str(exc))

        failed: set[str] = set()
        for key in INCIDENT_FIELDS:
            if key in record:
                self.put(plan.values, failed, Incident, key, record[key], where(key))
        if "date" in record or existing is None:
            self.date(plan.values, failed, record.get("date"), where("date"))
        if "status" in record:
            try:
                plan.target_status = convert(Incident, "status", record["status"])
            except BadValue as exc:
                self.problem(where("status"), str(exc))
        elif existing is None and imp.publish:
            plan.target_status = Status.PUBLISHED
        candidate = _candidate(existing or Incident(status=Status.DRAFT), plan.values)
        self.prevalidate(candidate, where, exclude=("status", *failed))

        stored_groups = list(existing.groups.order_by("sequence", "pk")) if existing else []
        group_edits: list[Edit] = []
        event_edits: list[list[Edit]] = []
        datas = record.get("groups") or []
        for n, data in enumerate(datas, start=1):
            stored = stored_groups[n - 1] if n <= len(stored_groups) else None
            edit, events = self.group(data, where.child("group", n, data), n, stored)
            group_edits.append(edit)
            event_edits.append(events)
        for n, (data, edit) in enumerate(zip(datas, group_edits, strict=True), start=1):
            self.link_parent(data, edit, group_edits, where.child("group", n, data))
        group_edits += [Edit(DetaineeGroup, pk=g.pk, delete=True)
                        for g in stored_groups[len(datas):]]  # fmt: skip
        plan.children += group_edits
        plan.children += self.citations(record, where, group_edits, event_edits, existing)
        if "date_claims" in record:
            plan.children += self.date_claims(record, where, existing)
        return plan

    def well_formed(self, record: dict, where: Where) -> bool:
        """Lists where lists belong and no unknown keys, so a malformed file is reported, not a
        crash."""
        ok = True

        def check(obj, keys, w: Where, lists=()):
            nonlocal ok
            for key in obj:
                if not str(key).startswith("_") and key not in keys:
                    self.problem(w(key), "unknown field")
                    ok = False
            for key in lists:
                if not _is_list_of_objects(obj.get(key)):
                    self.problem(w(key), "must be a list of objects")
                    ok = False

        check(record, INCIDENT_KEYS, where, ("groups", "citations", "date_claims"))
        if not ok:
            return False
        for n, claim in enumerate(record.get("date_claims") or [], start=1):
            check(claim, DATE_CLAIM_KEYS, where.child("date_claim", n, claim))
        for n, citation in enumerate(record.get("citations") or [], start=1):
            check(citation, CITATION_KEYS, where.child("citation", n, citation))
        for n, group in enumerate(record.get("groups") or [], start=1):
            gwhere = where.child("group", n, group)
            check(group, GROUP_KEYS, gwhere, ("events", "claims"))
            if not ok:
                continue
            for m, claim in enumerate(group.get("claims") or [], start=1):
                check(claim, CLAIM_KEYS, gwhere.child("claim", m, claim))
            for m, event in enumerate(group.get("events") or [], start=1):
                ewhere = gwhere.child("event", m, event)
                check(event, EVENT_KEYS, ewhere, ("actors",))
                for k, actor in enumerate(event.get("actors") or [] if ok else [], start=1):
                    check(actor, {"actor", "role"}, ewhere.child("actor", k, actor))
        return ok

    # -- groups, their claims and events -----------------------------------------------------------
    def group(self, data: dict, where: Where, n: int, stored: DetaineeGroup | None):
        values: dict[str, Any] = {}
        failed: set[str] = set()
        new = stored is None
        if "sequence" in data or new:
            self.put(values, failed, DetaineeGroup, "sequence", data.get("sequence", n),
                     where("sequence"))  # fmt: skip
        for key in ("label", "outcome", "notes_internal", "helpers_description"):
            if key in data or new:
                raw = data.get(key, "")
                if key == "outcome" and raw in (None, ""):
                    raw = "unknown"
                self.put(values, failed, DetaineeGroup, key, raw, where(key))
        if "helpers_nationality" in data or new:
            self.nationalities(values, failed, data.get("helpers_nationality") or [],
                               where("helpers_nationality"))  # fmt: skip
        if "arrest_location" in data or new:
            values["arrest_location"] = self.imp.place(data.get("arrest_location"),
                                                       where("arrest_location"))  # fmt: skip
        for part in COUNT_PARTS:
            if part in data or new:
                try:
                    value, qualifier, high = read_count(data.get(part))
                except CountError as exc:
                    self.problem(where(part), str(exc))
                    failed.update((f"{part}_value", f"{part}_qualifier", f"{part}_high"))
                    continue
                values |= {f"{part}_value": value, f"{part}_qualifier": qualifier,
                           f"{part}_high": high}  # fmt: skip
        self.prevalidate(_candidate(stored or DetaineeGroup(), values), where,
                         exclude=(*failed, "parent"))  # fmt: skip
        if stored is not None and "events" not in data and "events" in self.imp.required_lists:
            self.problem(where("events"), 'events missing: to remove all events say "events": []')
        stored_events = list(stored.events.order_by(*CustodyEvent._meta.ordering)) if stored else []
        events: list[Edit] = []
        for m, edata in enumerate(data.get("events") or [], start=1):
            old = stored_events[m - 1] if m <= len(stored_events) else None
            events.append(self.event(edata, where.child("event", m, edata), m, old))
        children = events + [Edit(CustodyEvent, pk=e.pk, delete=True)
                             for e in stored_events[len(events):]]  # fmt: skip
        if stored is not None and "claims" not in data and "claims" in self.imp.required_lists:
            self.problem(where("claims"), 'claims missing: to remove all claims say "claims": []')
        if "claims" in data:
            children += self.claims(data, where, stored)
        edit = Edit(DetaineeGroup, pk=stored.pk if stored else None, values=values,
                    children=children)  # fmt: skip
        return edit, events

    def nationalities(self, values, failed, raw, where: str) -> None:
        from django_countries import countries

        if not isinstance(raw, list) or not all(isinstance(c, str) for c in raw):
            self.problem(where, 'must be a list of country codes such as ["CN", "KR"]')
            failed.add("helpers_nationality")
            return
        unknown = [c for c in raw if c.upper() not in dict(countries)]
        if unknown:
            self.problem(where, f"not ISO 3166 country codes: {', '.join(unknown)}")
            failed.add("helpers_nationality")
            return
        values["helpers_nationality"] = [c.upper() for c in raw]

    def link_parent(self, data: dict, edit: Edit, group_edits: list[Edit], where: Where) -> None:
        if "parent" not in data or edit.delete:
            return
        raw = data.get("parent")
        if raw in (None, ""):
            edit.values["parent"] = None
            return
        try:
            parent = group_edits[position(raw)]
        except (IndexError, ValueError, TypeError):
            self.problem(where("parent"), f"there is no group {raw!r} in this incident")
            return
        if parent is edit:
            self.problem(where("parent"), "a group cannot be part of itself")
            return
        edit.values["parent"] = parent

    def claims(self, data: dict, where: Where, stored: DetaineeGroup | None) -> list[Edit]:
        wanted = []
        for m, claim in enumerate(data.get("claims") or [], start=1):
            cwhere = where.child("claim", m, claim)
            values: dict[str, Any] = {"sequence": m}
            failed: set[str] = set()
            self.put(values, failed, CountClaim, "part", claim.get("part", "size"), cwhere("part"))
            try:
                value, qualifier, high = read_count(claim.get("count"))
                values |= {"value": value, "qualifier": qualifier, "value_high": high}
            except CountError as exc:
                self.problem(cwhere("count"), str(exc))
                failed.update(("value", "qualifier", "value_high"))
            self.claim_common(claim, values, failed, cwhere, CountClaim)
            self.prevalidate(_candidate(CountClaim(), values), cwhere, exclude=failed)
            wanted.append(values)
        stored_claims = list(stored.claims.order_by("part", "sequence", "pk")) if stored else []
        wanted += self.kept(stored_claims, ("part", "value", "value_high", "qualifier"))
        if _same_rows(wanted, stored_claims, ("part", "value", "value_high", "qualifier",
                                              "wording", "source", "quotation", "locator",
                                              "preferred", "preferred_reason")):  # fmt: skip
            return []
        return [Edit(CountClaim, pk=c.pk, delete=True) for c in stored_claims] + [
            Edit(CountClaim, values=v) for v in wanted
        ]

    def kept(self, stored: list, own: tuple[str, ...]) -> list[dict]:
        """Claims of confidential sources, which a file that is not a full export cannot
        carry: kept as they are."""
        if self.imp.full:
            return []
        common = ("wording", "quotation", "locator", "preferred", "preferred_reason", "sequence")
        return [
            {name: getattr(c, name) for name in (*own, *common)} | {"source": c.source}
            for c in stored
            if c.source_id and c.source.confidential
        ]

    def claim_common(self, claim: dict, values: dict, failed: set, where: Where, model) -> None:
        for key in ("wording", "quotation", "locator", "preferred_reason"):
            self.put(values, failed, model, key, claim.get(key, ""), where(key))
        self.put(values, failed, model, "preferred", claim.get("preferred", False),
                 where("preferred"))  # fmt: skip
        slug = claim.get("source")
        values["source"] = None if slug in (None, "") else self.imp.source(slug, where("source"))

    def date_claims(self, record: dict, where: Where, existing: Incident | None) -> list[Edit]:
        wanted = []
        for m, claim in enumerate(record.get("date_claims") or [], start=1):
            cwhere = where.child("date_claim", m, claim)
            values: dict[str, Any] = {"sequence": m}
            failed: set[str] = set()
            self.date(values, failed, claim.get("date"), cwhere("date"))
            self.claim_common(claim, values, failed, cwhere, DateClaim)
            self.prevalidate(_candidate(DateClaim(), values), cwhere, exclude=failed)
            wanted.append(values)
        stored = list(existing.date_claims.order_by("sequence", "pk")) if existing else []
        wanted += self.kept(stored, DATE_COLUMNS)
        if _same_rows(wanted, stored, (*DATE_COLUMNS, "wording", "source", "quotation",
                                       "locator", "preferred", "preferred_reason")):  # fmt: skip
            return []
        return [Edit(DateClaim, pk=c.pk, delete=True) for c in stored] + [
            Edit(DateClaim, values=v) for v in wanted
        ]

    def event(self, data: dict, where: Where, m: int, stored: CustodyEvent | None) -> Edit:
        values: dict[str, Any] = {}
        failed: set[str] = set()
        new = stored is None
        if "sequence" in data or new:
            # CSV lists events in time order; the position keeps ties in that order.
            self.put(values, failed, CustodyEvent, "sequence", data.get("sequence", m),
                     where("sequence"))  # fmt: skip
        for key in ("kind", "description", "notes_internal", "circumstance", "circumstance_text"):
            if key in data or new:
                self.put(values, failed, CustodyEvent, key, data.get(key, ""), where(key))
        if "location" in data or new:
            values["location"] = self.imp.place(data.get("location"), where("location"))
        if "date" in data or new:
            self.date(values, failed, data.get("date"), where("date"))
        self.prevalidate(_candidate(stored or CustodyEvent(), values), where, exclude=failed)
        children = []
        if stored is not None and "actors" not in data and "actors" in self.imp.required_lists:
            self.problem(where("actors"), 'actors missing: to remove all actors say "actors": []')
        if "actors" in data:
            wanted = []
            for k, item in enumerate(data.get("actors") or [], start=1):
                awhere = where.child("actor", k, item)
                row: dict[str, Any] = {}
                self.put(row, set(), EventActor, "role", item.get("role", ""), awhere("role"))
                row["actor"] = self.imp.actor(item.get("actor"), awhere("actor"))
                wanted.append(row)
            old = list(stored.actors.order_by("pk")) if stored else []
            if not _same_rows(wanted, old, ("actor", "role")):
                children = [Edit(EventActor, pk=a.pk, delete=True) for a in old] + [
                    Edit(EventActor, values=v) for v in wanted
                ]
        return Edit(CustodyEvent, pk=stored.pk if stored else None, values=values,
                    children=children)  # fmt: skip

    # -- citations ---------------------------------------------------------------------------------
    def citations(self, record, where, group_edits, event_edits, existing) -> list[Edit]:
        wanted = []
        for n, data in enumerate(record.get("citations") or [], start=1):
            cwhere = where if "_row" in record and "_where" not in data else where.child(
                "citation", n, data)  # fmt: skip
            slug = data.get("source")
            source = self.imp.source(slug, cwhere("source"))
            if source is None:
                continue
            values: dict[str, Any] = {"source": source}
            for key in ("claim", "locator"):
                self.put(values, set(), Citation, key, data.get(key, ""), cwhere(key))
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
                    self.problem(
                        cwhere("group"), f"there is no group {group_pos}, event {event_pos}"
                    )
                    continue
            key = (
                slug,
                values.get("claim", ""),
                values.get("locator", ""),
                group_pos if values["group"] else None,
                event_pos if values["event"] else None,
            )
            wanted.append((values, key))
        stored = (
            list(existing.citations.select_related("source").order_by("pk")) if existing else []
        )
        if existing is not None and [k for _v, k in wanted] == _citation_keys(existing, stored):
            return []
        return [Edit(Citation, pk=c.pk, delete=True) for c in stored] + [
            Edit(Citation, values=v) for v, _k in wanted
        ]


# -- helpers --------------------------------------------------------------------------------------
def _is_list_of_objects(value) -> bool:
    return value is None or (isinstance(value, list) and all(isinstance(x, dict) for x in value))


def _candidate(base, values: dict):
    """A copy of `base` with `values` applied, to validate before anything is written."""
    obj = type(base)(**{f.attname: getattr(base, f.attname) for f in base._meta.concrete_fields})
    obj._state.adding = base._state.adding
    for name, value in values.items():
        if isinstance(value, Edit):
            continue  # a reference to a row of this same file, checked by the service
        setattr(obj, name, value)
    return obj


def _same_rows(wanted: list[dict], stored: list, fields: tuple[str, ...]) -> bool:
    """Do these rows (values from the file) equal the stored ones, in order?"""
    if len(wanted) != len(stored):
        return False
    for values, row in zip(wanted, stored, strict=True):
        for name in fields:
            mine = values.get(name)
            theirs = getattr(row, name)
            if hasattr(mine, "pk") or hasattr(theirs, "pk"):
                mine = getattr(mine, "pk", mine)
                theirs = getattr(row, f"{name}_id")
            if mine != theirs:
                return False
    return True


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


def stored_record(existing: Incident) -> dict:
    """The stored record as a FULL-scope record with JSON values."""
    stored = export_queryset(Incident.objects.filter(pk=existing.pk), FULL).get()
    return json.loads(json.dumps(incident_record(stored, FULL), default=str))


def unchanged(imp, record: dict, stored: dict) -> bool:
    """True if every value the file gives equals what is stored (file forms normalised:
    "at least 4", "mid-March 2017", a CSV cell listing only the sources cited)."""
    incoming = compare.comparable(compare.normalise(record))
    stored = compare.comparable(stored)
    stored = {**stored, "citations": [c for c in stored["citations"]
                                      if not imp.hidden(c["source"])]}  # fmt: skip
    if imp.csv and "citations" not in imp.lists_from_sheets:
        listed = list(dict.fromkeys(c["source"] for c in incoming.pop("citations", [])))
        cited = list(dict.fromkeys(c["source"] for c in stored["citations"]))
        if listed != cited:
            return False
    return compare.subset_equal(incoming, stored)


def carry_over(imp, record: dict, stored: dict) -> dict:
    """Keep what an updating file does not carry, instead of erasing it.

    Internal notes of groups and events (absent from public files) are kept by position, as
    the unmatched fields of matched rows are; citations of confidential sources (absent from
    public files) are kept; a CSV main sheet lists only the sources cited, so their stored
    citations (claims, pins) are kept.
    """
    record = dict(record)
    citations = list(record.get("citations") or [])
    if imp.csv and "citations" not in imp.lists_from_sheets:
        listed = {c["source"] for c in citations}
        kept = [{**c, "_kept": True} for c in stored["citations"]
                if c["source"] in listed or imp.hidden(c["source"])]  # fmt: skip
        known = {c["source"] for c in kept}
        citations = kept + [c for c in citations if c["source"] not in known]
    elif not imp.full:
        citations += [{**c, "_kept": True} for c in stored["citations"]
                      if imp.hidden(c["source"])]  # fmt: skip
    record["citations"] = citations
    return record
