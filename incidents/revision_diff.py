"""Field-by-field differences between two incident records (interchange v2, FULL scope).

A pending revision is reviewed as the list of what it would change on the live incident: one
row per field, named by its path in the record ("groups[1].size", "citations[2].source"), with
the live and the pending value as staff would read them. Lists are compared by position (a
working copy keeps its rows' order). Whether a change is *substantive* — a figure, date, place,
outcome or source — decides whether publishing it needs a public correction notice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

# Bookkeeping, not content: never a difference a reviewer should read.
IGNORED = {
    "slug", "version", "status", "created_at", "updated_at", "staff_updated_at",
    "published_at", "sequence", "publish_not_before", "_where", "_row", "corrected_at",
}  # fmt: skip

# Leaf keys whose change is substantive (figures, dates, places, outcomes, sources).
SUBSTANTIVE_KEYS = {
    "date", "size", "women", "men", "minors", "helpers", "count", "outcome", "arrest_location",
    "location", "source", "kind", "parent", "helpers_nationality", "part", "preferred", "actor",
}  # fmt: skip
# Adding or removing a row of these is substantive whatever its fields.
SUBSTANTIVE_LISTS = {"groups", "events", "citations", "claims", "date_claims"}

COUNT_KEYS = {"value", "high", "qualifier"}
DATE_KEYS = {"text", "earliest", "latest", "precision"}


@dataclass(frozen=True)
class FieldChange:
    path: str
    before: str
    after: str
    substantive: bool

    @property
    def label(self) -> str:
        return humanize(self.path)

    def as_list(self) -> list:
        return [self.path, self.before, self.after, self.substantive]


def _is_count(value) -> bool:
    return isinstance(value, dict) and set(value) == COUNT_KEYS


def _is_date(value) -> bool:
    return isinstance(value, dict) and set(value) <= DATE_KEYS and "earliest" in value


def render(value) -> str:
    """A value as staff read it: counts and dates as words, lists joined, None as a dash."""
    if value is None or value == "" or value == []:
        return "—"
    if _is_count(value):
        q, n, high = value["qualifier"], value["value"], value["high"]
        if q == "unknown" or n is None:
            return _("unknown")
        if q == "range":
            return f"{n}–{high}"
        words = {"exact": "", "at_least": _("at least"), "more_than": _("more than"),
                 "about": _("about"), "at_most": _("at most")}  # fmt: skip
        return f"{words.get(q, q)} {n}".strip()
    if _is_date(value):
        text = value.get("text") or ""
        span = f"{value.get('earliest')} – {value.get('latest')}"
        return f"{text} ({span})" if text else span
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(render(v) for v in value) or "—"
    if isinstance(value, dict):
        return "; ".join(f"{k}: {render(v)}" for k, v in value.items() if k not in IGNORED)
    return str(value)


def flatten(record, prefix: str = "") -> dict[str, object]:
    """{path: leaf value}; counts and dates are leaves; lists of objects are numbered from 1."""
    out: dict[str, object] = {}
    if isinstance(record, dict) and not _is_count(record) and not _is_date(record):
        for key, value in record.items():
            if key in IGNORED:
                continue
            out.update(flatten(value, f"{prefix}.{key}" if prefix else key))
        return out
    if isinstance(record, list) and record and all(isinstance(v, dict) for v in record):
        for n, value in enumerate(record, start=1):
            out.update(flatten(value, f"{prefix}[{n}]"))
        # An empty row still exists: mark it so adding/removing one shows.
        out[f"{prefix}#"] = len(record)
        return out
    out[prefix] = record
    return out


def _substantive(path: str) -> bool:
    leaf = re.sub(r"\[\d+\]", "", path.rsplit(".", 1)[-1])
    if leaf.endswith("#"):
        return leaf[:-1] in SUBSTANTIVE_LISTS
    if path.startswith(("citations", "date_claims")):
        return True
    return leaf in SUBSTANTIVE_KEYS


def diff_records(before: dict, after: dict) -> list[FieldChange]:
    """What `after` changes on `before`, in the order of the record's fields."""
    old, new = flatten(before), flatten(after)
    paths = list(old) + [p for p in new if p not in old]
    changes = []
    for path in paths:
        a, b = old.get(path), new.get(path)
        if a == b or (a in (None, "", []) and b in (None, "", [])):
            continue
        if path.endswith("#"):
            changes.append(FieldChange(path, str(a or 0), str(b or 0), _substantive(path)))
            continue
        changes.append(FieldChange(path, render(a), render(b), _substantive(path)))
    return changes


def humanize(path: str) -> str:
    """'groups[1].events[2].date' → 'group 1 › event 2 › date'; 'groups#' → 'number of groups'."""
    if path.endswith("#"):
        head, _sep, last = path[:-1].rpartition(".")
        prefix = humanize(head) + " › " if head else ""
        return prefix + _("number of %(rows)s") % {"rows": last.replace("_", " ")}
    parts = []
    for part in path.split("."):
        m = re.fullmatch(r"(\w+)\[(\d+)\]", part)
        if m:
            noun = m.group(1).rstrip("s").replace("_", " ")
            parts.append(f"{noun} {m.group(2)}")
        else:
            parts.append(part.replace("_", " "))
    return " › ".join(parts)
