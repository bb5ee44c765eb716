"""What an import tells the person running it: problems by place in the file, and counts."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from incidents.interchange import COUNT_PARTS

MAX_ERRORS = 200


@dataclass
class Problem:
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass
class ImportReport:
    dry_run: bool
    problems: list[Problem] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)  # ("incident", "created") -> n
    reported: int = 0  # problems found, including those past MAX_ERRORS
    # Not problems: "<slug>: possible duplicate of <slug> (score N: reasons)" for the incidents
    # created or updated, for staff to look at (nothing is merged on import).
    duplicates: list[Problem] = field(default_factory=list)
    duplicates_unchecked: int = 0  # written incidents past DUPLICATE_CHECK_LIMIT

    @property
    def ok(self) -> bool:
        return not self.reported

    def problem(self, where: str, message) -> None:
        self.reported += 1
        if self.reported <= MAX_ERRORS:
            self.problems.append(Problem(where, str(message)))

    def count(self, kind: str, what: str) -> None:
        self.counts[(kind, what)] += 1

    def summary(self) -> str:
        parts = [f"{n} {kind} {what}" for (kind, what), n in sorted(self.counts.items())]
        return ", ".join(parts) or "nothing to import"


# Record keys and the CSV columns they come from, so CSV problems name the column.
CSV_FIELD_COLUMNS = {
    "slug": "incident_slug", "title": "incident_title", "summary": "incident_summary",
    "date": "incident_date", "status": "incident_status", "published_at": "incident_published_at",
    "updated_at": "incident_updated_at", "notes_internal": "incident_notes_internal",
    "publish_not_before": "incident_publish_not_before",
    "citations": "incident_sources", "source": "incident_sources", "label": "group_label",
    "outcome": "group_outcome", "arrest_location": "group_arrest_location",
    "sequence": "group_number",
    **{part: f"group_{part}" for part in COUNT_PARTS},
}  # fmt: skip


@dataclass(frozen=True)
class Where:
    """Where a problem is, in the words of the file: 'incidents[2].groups[1].women' for JSON,
    'row 7, column group_women' for CSV."""

    path: str
    csv_row: int | None = None
    csv_column: str | None = None  # all keys map to this column (events live in one cell)
    detail: str = ""
    sheet: str | None = None  # "events.csv, row 7": a row of a companion sheet

    def __call__(self, key: str | None = None) -> str:
        if self.sheet is not None:
            return self.sheet if key is None else f"{self.sheet}, column {key}"
        if key is None:
            return self.path if self.csv_row is None else f"row {self.csv_row}"
        if self.csv_row is None:
            return f"{self.path}.{key}" if self.path else key
        column = self.csv_column or CSV_FIELD_COLUMNS.get(key, key)
        detail = f" ({self.detail}{key})" if self.csv_column else ""
        return f"row {self.csv_row}, column {column}{detail}"

    def child(self, name: str, n: int, record: dict) -> Where:
        if isinstance(record, dict) and "_where" in record:
            return Where(self.path, sheet=record["_where"])
        if isinstance(record, dict) and "_row" in record:
            return Where(f"row {record['_row']}", record["_row"])
        if self.csv_row is not None:  # an event inside a CSV cell
            return Where(self.path, self.csv_row, f"group_{name}s", f"{name} {n}: ")
        return Where(f"{self.path}.{name}s[{n}]" if self.path else f"{name}s[{n}]")
