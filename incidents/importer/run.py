"""Import a document: validate every record, then write it through the services, all in one
transaction. The services apply the importing user's role exactly as the admin does; every
refusal, like every other problem, is reported with where it is in the file, and then nothing
at all is written.

Semantics a user can predict (docs/data-format.md, "Importing"):
- records are matched by slug; an update is a full description of the record: its lists
  (groups, citations, date claims; a group's events and claims; an event's actors) must be
  present (`[]` to remove them all); plain fields the file leaves out are kept;
- a file that is not a full export keeps what it cannot carry (internal notes, claims and
  citations of confidential sources; a CSV main sheet's citations are the sources it lists);
- a record identical to what is stored is left alone, so importing a file twice changes
  nothing, whatever the order of its records;
- a file from a full export carries each record's version: a record changed here since then is
  refused rather than overwritten;
- new incidents are drafts; a status in the file, or `publish`, is reached through the workflow
  with the importing user's permissions and the publication rules.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, IntegrityError, transaction

from incidents.importer import places as v1_places
from incidents.importer.plan import IncidentPlan, Planner
from incidents.importer.report import ImportReport, Problem, Where
from incidents.importer.values import BadValue, convert, read_date
from incidents.interchange import COUNT_PARTS, FULL
from incidents.models import (
    Actor,
    Estimate,
    EstimateSource,
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
    derived,
    incident_transition,
    integrity,
    policy,
    save_incident,
    save_record,
    transition_path,
)

logger = logging.getLogger(__name__)

# Incidents of one file checked for possible duplicates (a constant number of queries per
# duplicates.BATCH of them); a bigger file is reported as not checked past this.
DUPLICATE_CHECK_LIMIT = 2000

MODEL_FIELD_TO_KEY = {
    "date_earliest": "date", "date_latest": "date", "date_precision": "date",
    **{f"{p}_{s}": p for p in COUNT_PARTS for s in ("value", "qualifier", "high")},
    "value": "count", "value_high": "count", "qualifier": "count",
}  # fmt: skip
DOCUMENT_KEYS = {
    "format",
    "version",
    "scope",
    "rendering",
    "incidents",
    "estimates",
    "locations",
    "sources",
    "actors",
    "exported_at",
    "count",
    "incident_count",
}
ALL_LISTS = {"groups", "citations", "date_claims", "events", "claims", "actors"}
V1_LISTS = {"groups", "citations", "events"}


class _Abort(Exception):
    """Raised inside the transaction to roll it back."""


class RecordFailed(Exception):
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
            with derived.batch():
                importer = Importer(report, user=user, doc=doc, publish=publish, progress=progress)
                importer.run()
            if report.ok:
                check_constraints(report)
            if report.ok:
                report_duplicates(report, importer.written)
            if not report.ok or dry_run:
                raise _Abort
    except _Abort:
        pass
    return report


def apply_record(record: dict, *, user) -> Incident:
    """Create or update one incident from a FULL-scope record as `user`, inside the caller's
    transaction (services.revisions: copying a live incident to a working copy, and applying a
    reviewed working copy to the live one). Any problem is a ValidationError naming it."""
    report = ImportReport(dry_run=False)
    doc = {"scope": FULL, "rendering": "json", "incidents": [record]}
    with derived.batch():
        Importer(report, user=user, doc=doc, publish=False, progress=None).run()
    if not report.ok:
        raise ValidationError([str(p) for p in report.problems])
    return Incident.objects.get(slug=record["slug"])


def check_constraints(report: ImportReport) -> None:
    """The deferred constraints (foreign keys the services did not query row by row, see
    services.integrity), checked before the end of the transaction: a refusal is a problem."""
    try:
        with transaction.atomic():
            integrity.check_now()
    except IntegrityError as exc:
        logger.warning("import: the database refused the file (%s)", type(exc).__name__)
        report.problem("file", f"the database refused this file ({type(exc).__name__})")


def report_duplicates(report: ImportReport, written: list[tuple[int, str]]) -> None:
    """Possible duplicates of the incidents created or updated, each pair once (a dry run
    too: this runs before its rollback)."""
    from incidents.duplicates import duplicates_of_many

    checked = list(reversed(written))[:DUPLICATE_CHECK_LIMIT]  # in file order
    report.duplicates_unchecked = len(written) - len(checked)
    found = duplicates_of_many(pk for pk, _slug in checked)
    seen: set[frozenset[int]] = set()
    for pk, slug in checked:
        for duplicate in found.get(pk, []):
            pair = frozenset((pk, duplicate.pk))
            if pair not in seen:
                seen.add(pair)
                report.duplicates.append(Problem(slug, duplicate.describe()))


class Importer:
    def __init__(self, report: ImportReport, *, user, doc: dict, publish: bool, progress):
        self.report = report
        self.user = user
        self.doc = doc
        self.publish = publish
        self.progress = progress
        rendering = doc.get("rendering")
        self.csv = rendering in ("csv", "csvzip")
        # A file that is not a full export lacks internal notes and confidential claims and
        # citations: updating a record from it keeps those (see plan.carry_over).
        self.full = doc.get("scope") == FULL
        if rendering == "csv":
            self.required_lists: set[str] = set()  # the main sheet alone: see carry_over
            self.lists_from_sheets: set[str] = set()
        elif doc.get("_from_version") == 1:
            self.required_lists, self.lists_from_sheets = set(V1_LISTS), set()
        else:
            self.required_lists, self.lists_from_sheets = set(ALL_LISTS), set(ALL_LISTS)
        self.locations: dict[str, Location] = {}
        self.sources: dict[str, Source] = {}
        self.actors: dict[str, Actor] = {}
        self.missing: dict[str, set[str]] = {"places": set(), "sources": set(), "actors": set()}
        self._populated: dict[type, bool] = {}
        self.stored_slugs: dict[type, set[str]] = {}
        self.written: list[tuple[int, str]] = []  # incidents created or updated: (pk, slug)

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
        """Run one record's work in a savepoint; every refusal becomes a problem there."""
        try:
            with transaction.atomic():
                return write()
        except RecordFailed:
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
            # The type only: the message can quote the refused values (names, notes).
            logger.warning("import: the database refused %s (%s)", where(), type(exc).__name__)
            self.problem(where(), f"the database refused this record ({type(exc).__name__})")
        return None

    # references used by the planner ---------------------------------------------------------------
    def _reference(self, registry, kind, model, slug, where: str):
        if slug in (None, ""):
            return None
        found = registry.get(slug) if isinstance(slug, str) else None
        if found is None and isinstance(slug, str):
            found = model.objects.filter(slug=slug).first()
            if found is not None:
                registry[slug] = found
        if found is None:
            if self.doc.get("rendering") == "csv" and not self._has_any(model):
                # A main sheet alone, into a database without any: one message, naming the
                # companion sheet (report_missing_sheets), not one per cell.
                self.missing[kind].add(str(slug))
            else:
                self.problem(where, f"unknown {kind[:-1]} {slug!r}")
        return found

    def _has_any(self, model) -> bool:
        if model not in self._populated:
            self._populated[model] = model.objects.exists()
        return self._populated[model]

    def place(self, slug, where: str) -> Location | None:
        return self._reference(self.locations, "places", Location, slug, where)

    def source(self, slug, where: str) -> Source | None:
        return self._reference(self.sources, "sources", Source, slug, where)

    def actor(self, slug, where: str) -> Actor | None:
        return self._reference(self.actors, "actors", Actor, slug, where)

    def hidden(self, source_slug: str) -> bool:
        """Cited in the database but absent from a file that is not a full export."""
        source = self.sources.get(source_slug) or Source.objects.filter(slug=source_slug).first()
        return not self.full and source is not None and source.confidential

    # the document ---------------------------------------------------------------------------------
    def records(self, key: str) -> list[dict]:
        value = self.doc.get(key)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(x, dict) for x in value):
            self.problem(key, "must be a list of objects")
            return []
        return value

    def run(self) -> None:
        for key in self.doc:
            if not str(key).startswith("_") and key not in DOCUMENT_KEYS:
                self.problem(key, "unknown key")
        for where, message in self.doc.get("_sheet_problems", []):
            self.problem(where, message)
        count, listed = self.doc.get("incident_count"), self.doc.get("incidents")
        if count is not None and isinstance(listed, list) and count != len(listed):
            self.problem("incident_count", "does not match the incidents listed: incomplete file?")
        self.check_duplicates()
        self.read_stored_slugs()
        self.run_references("locations", Location, self.locations, link="parent")
        self.run_references("sources", Source, self.sources, link="relays")
        self.run_references("actors", Actor, self.actors, link="parent")
        self.run_incidents()
        for n, record in enumerate(self.records("estimates"), start=1):
            where = Where("estimates").child("estimate", n, record)
            where = where if "_where" in record else Where(f"estimates[{n}]")
            self.guarded(where, partial(self.estimate, record, where))
        if self.missing["places"] or self.missing["sources"] or self.missing["actors"]:
            # What else went wrong follows from the missing records (an incident citing no
            # source it can find cannot be published): the one message says what to do.
            self.report.problems.clear()
            self.report.reported = 0
            self.report_missing_sheets()

    def report_missing_sheets(self) -> None:
        """A CSV main sheet alone names places, sources and actors by slug: the ones this
        database lacks come from the companion sheets. One message says which."""
        parts = []
        for kind, sheet in (("places", "places.csv"), ("sources", "sources.csv"),
                            ("actors", "actors.csv")):  # fmt: skip
            slugs = sorted(self.missing[kind])
            if slugs:
                shown = ", ".join(slugs[:8]) + (
                    f" and {len(slugs) - 8} more" if len(slugs) > 8 else ""
                )
                parts.append(f"{kind} {shown} (sheet {sheet})")
        self.problem(
            "file",
            "This CSV sheet names records this database does not have: "
            + "; ".join(parts)
            + ". Import the complete CSV export (the .zip with its companion sheets), or the "
            "JSON export, instead of the main sheet alone.",
        )

    def check_duplicates(self) -> None:
        """Two records with one slug would silently merge: refuse the second."""
        for key in ("incidents", "locations", "sources", "actors"):
            seen: dict[str, str] = {}
            for n, record in enumerate(self.records(key), start=1):
                slug = record.get("slug")
                if not isinstance(slug, str) or not slug.strip():
                    continue
                where = Where(key).child(key[:-1], n, record)
                label = where("slug") if "_where" in record or "_row" in record else (
                    f"{key}[{n}].slug")  # fmt: skip
                if slug.strip() in seen and not (key == "incidents" and self.csv):
                    self.problem(label, f"'{slug}' appears twice in this file (first at "
                                        f"{seen[slug.strip()]})")  # fmt: skip
                seen.setdefault(slug.strip(), label)
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

    # places, sources and actors -------------------------------------------------------------------
    def run_references(self, key: str, model, registry: dict, *, link: str) -> None:
        """Upsert the file's records of one kind, each after the record it links to (a place
        after its parent), whatever their order in the file."""
        records = list(enumerate(self.records(key), start=1))
        by_slug = {r.get("slug"): r for _n, r in records if isinstance(r.get("slug"), str)}
        done: set[int] = set()

        def upsert(n: int, record: dict, trail=()):
            if n in done:
                return
            up = record.get(link)
            if isinstance(up, str) and up in by_slug and up not in trail:
                upper = by_slug[up]
                upsert(
                    next(m for m, r in records if r is upper), upper, (*trail, record.get("slug"))
                )
            done.add(n)
            where = (
                Where(f"{key}[{n}]")
                if "_where" not in record
                else Where("", sheet=record["_where"])
            )
            obj = self.guarded(where, partial(self.upsert, model, record, where, link))
            if obj is not None:
                registry[obj.slug] = obj
                self.stored_slugs.get(model, set()).add(obj.slug)

        for n, record in records:
            upsert(n, record)

    def values_for(self, model, record: dict, where: Where, *, skip=()) -> dict:
        """Converted values for the model fields a record gives; unknown keys are problems."""
        importable = (set(PUBLIC_FIELDS[model]) | set(PRIVATE_FIELDS[model])) - {
            "id", "path", "revision_of", "revision_base_version"
        }  # fmt: skip
        values, failed = {}, False
        for name, raw in record.items():
            if name in skip or str(name).startswith("_"):
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
            raise RecordFailed
        return values

    def stored(self, model, slug: str):
        """The stored record with this slug: the file's slugs are read in one query per kind
        (stored_slugs), so only records that exist are fetched one by one."""
        if model in self.stored_slugs and slug not in self.stored_slugs[model]:
            return None
        return model._default_manager.filter(slug=slug).first()

    def read_stored_slugs(self) -> None:
        """Which of the file's slugs exist here, one query per kind. Records created by this
        import are added as they are written (an update of one is then found). Not places:
        a version-1 place record can create others (importer.places)."""
        for key, model in (("sources", Source), ("actors", Actor), ("incidents", Incident)):
            slugs = {form for r in self.records(key) if isinstance(r.get("slug"), str)
                     for form in (r["slug"], r["slug"].strip())}  # fmt: skip
            found: set[str] = set()
            listed = sorted(slugs)
            for start in range(0, len(listed), 5000):
                found.update(model._default_manager.filter(slug__in=listed[start : start + 5000])
                             .values_list("slug", flat=True))  # fmt: skip
            self.stored_slugs[model] = found

    def upsert(self, model, record: dict, where: Where, link: str):
        derived = ("country", "province", "city") if model is Location else ()
        values = self.values_for(model, record, where, skip=(link, "date", *derived))
        if model is Source and "date" in record:
            try:
                earliest, latest, precision = read_date(record["date"])
            except ValueError as exc:
                self.problem(where("date"), str(exc))
                raise RecordFailed from None
            values |= {"date_earliest": earliest, "date_latest": latest,
                       "date_precision": precision}  # fmt: skip
        registry = {Location: self.locations, Source: self.sources, Actor: self.actors}[model]
        slug = values.get("slug")
        existing = self.stored(model, slug) if slug else None
        if link in record:
            target = record[link]
            if target in (None, ""):
                values[link] = None
            else:
                found = registry.get(target) or model.objects.filter(slug=target).first()
                if found is None:
                    self.problem(where(link), f"unknown {model._meta.verbose_name} {target!r}")
                    raise RecordFailed
                values[link] = found
        if model is Location:
            v1_places.complete(self, record, values, existing, where)
        version = values.pop("version", None)
        kind = model._meta.model_name
        if existing is None:
            if self.publish and model is Location and "coordinates_public" not in values:
                values["coordinates_public"] = values.get("latitude") is not None
            result = save_record(user=self.user, model=model, values=values,
                                 stamps={"version": version} if version else None)  # fmt: skip
            self.report.count(kind, "created")
            return result.instance
        if all(_equal(existing, name, value) for name, value in values.items()):
            self.report.count(kind, "unchanged")
            return existing
        result = save_record(user=self.user, model=model, pk=existing.pk, values=values,
                             expected_version=version)  # fmt: skip
        self.report.count(kind, "updated" if result.wrote else "unchanged")
        return result.instance

    # estimates ------------------------------------------------------------------------------------
    def estimate(self, record: dict, where: Where) -> None:
        values = self.values_for(Estimate, record, where, skip=("sources",))
        sources = record.get("sources")
        if (
            not isinstance(sources, list)
            or not sources
            or not all(isinstance(s, dict) for s in sources)
        ):
            self.problem(where("sources"), "must be a list of at least one {source, claim}")
            raise RecordFailed
        rows = []
        for m, item in enumerate(sources, start=1):
            swhere = f"{where('sources')}[{m}]"
            source = self.source(item.get("source"), f"{swhere}.source")
            row = {"source": source}
            for key in ("claim", "locator"):
                try:
                    row[key] = convert(EstimateSource, key, item.get(key, ""))
                except BadValue as exc:
                    self.problem(f"{swhere}.{key}", str(exc))
                    raise RecordFailed from None
            rows.append(row)
        if any(r["source"] is None for r in rows):
            raise RecordFailed
        version = values.pop("version", None)
        # Estimates have no slug: one of the same sources, subject, period and wording is the
        # same estimate.
        existing = Estimate.objects.filter(
            citations__source__in=[r["source"] for r in rows],
            subject=values.get("subject"),
            period_start=values.get("period_start"),
            description=values.get("description"),
        ).first()
        if existing is None:
            if self.publish and "status" not in values:
                values["status"] = Status.PUBLISHED
            save_record(user=self.user, model=Estimate, values=values,
                        stamps={"version": version} if version else None,
                        children=[Edit(EstimateSource, values=r) for r in rows])  # fmt: skip
            self.report.count("estimate", "created")
            return
        # A file that is not a full export lacks confidential sources: those links are kept.
        stored = [
            s for s in existing.citations.select_related("source").order_by("pk")
            if self.full or not s.source.confidential
        ]  # fmt: skip
        same = [(s.source_id, s.claim, s.locator) for s in stored] == [
            (r["source"].pk, r["claim"], r["locator"]) for r in rows
        ]
        children = [] if same else [
            *(Edit(EstimateSource, pk=s.pk, delete=True) for s in stored),
            *(Edit(EstimateSource, values=r) for r in rows),
        ]  # fmt: skip
        result = save_record(user=self.user, model=Estimate, pk=existing.pk, values=values,
                             expected_version=version, children=children)  # fmt: skip
        self.report.count("estimate", "updated" if result.wrote else "unchanged")

    # incidents ------------------------------------------------------------------------------------
    def run_incidents(self) -> None:
        incidents = self.records("incidents")
        planner = Planner(self)
        # Exports list incidents newest first, and the public order breaks ties between equal
        # dates by creation order (newest record first). Creating them last-to-first keeps
        # that order, so an export imported elsewhere exports again identically. Problems are
        # still reported in file order.
        problems = self.report.problems
        found: list[tuple[int, list[Problem]]] = []
        for done, (n, record) in enumerate(reversed(list(enumerate(incidents, start=1))), 1):
            before = len(problems)
            self.incident(planner, record, Where("").child("incident", n, record))
            found.append((n, problems[before:]))
            del problems[before:]
            if self.progress:
                self.progress(done, len(incidents))
        for _n, block in sorted(found, key=lambda item: item[0]):
            problems.extend(block)

    def incident(self, planner: Planner, record: dict, where: Where) -> None:
        before = self.report.reported
        plan = self.guarded(where, partial(planner.plan, record, where))
        if plan is None or self.report.reported > before:
            return
        self.guarded(where, partial(self.write, plan))

    def leave_published_alone(self, save, plan: IncidentPlan):
        """A published incident changes only through a reviewed revision (services.revisions),
        never from a file. The plan is tried in a savepoint: a record that writes nothing is
        "unchanged" as before; one that would change the live record is refused, undone."""
        try:
            with transaction.atomic(), policy.applying_revision():
                result = save()
                if result.wrote:
                    raise _WouldChange
        except _WouldChange:
            self.problem(
                plan.where(),
                "this incident is published: a change to it goes through a revision (on its "
                "admin page, “Propose a change”), reviewed by an editor, not through an import",
            )
            raise RecordFailed from None
        return result

    def write(self, plan: IncidentPlan) -> None:
        existing = plan.existing
        result = None
        if existing is None or plan.values or plan.children:
            save = partial(
                save_incident,
                user=self.user,
                pk=existing.pk if existing else None,
                values=plan.values,
                children=plan.children,
                expected_version=plan.expected_version,
                stamps=plan.stamps if existing is None else None,
            )
            published = existing is not None and existing.status == Status.PUBLISHED
            if published and not policy.revision_being_applied():
                result = self.leave_published_alone(save, plan)
            else:
                result = save()
        incident = result.instance if result else existing
        self.stored_slugs[Incident].add(incident.slug)
        moved = False
        if plan.target_status and plan.target_status != incident.status:
            try:
                steps = transition_path(incident.status, plan.target_status)
            except ValidationError as exc:
                self.problems_from(exc, Where(plan.where.path, plan.where.csv_row))
                raise RecordFailed from None
            for step in steps:
                try:
                    incident = incident_transition(
                        incident=incident, name=step, user=self.user,
                        as_imported=existing is None and bool(plan.stamps),
                        notify=False,  # a file of many records: no e-mail per record
                    )  # fmt: skip
                except (PermissionDenied, ValidationError) as exc:
                    messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
                    for message in messages:
                        self.problem(plan.where("status"), message)
                    raise RecordFailed from None
            moved = True
        if existing is None:
            self.report.count("incident", "created")
            self.written.append((incident.pk, incident.slug))
        elif (result and result.wrote) or moved:
            self.report.count("incident", "updated")
            self.written.append((incident.pk, incident.slug))
        else:
            self.report.count("incident", "unchanged")


class _WouldChange(Exception):
    pass


def _equal(obj, name: str, value) -> bool:
    field = obj._meta.get_field(name)
    if field.is_relation:
        return getattr(obj, field.attname) == (value.pk if value is not None else None)
    current = getattr(obj, name)
    if name == "country" and hasattr(current, "code"):
        current = current.code
    return current == value
