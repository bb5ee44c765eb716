"""What changed in a record since a given version, from its history: the diff a refused writer
sees ("summary: '…' → '…'", "group 2 deleted"), so they know what a colleague did meanwhile.

Staff-only: the result may quote internal notes. It is shown on admin pages and in import
reports, never on a public page.
"""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist

from incidents.models import Citation, CustodyEvent, DetaineeGroup, Incident

# Bookkeeping columns that always change with a write; they say nothing to a reader.
IGNORED = {"version", "staff_updated_at", "updated_at", "id", "history_id"}
MAX_LINES = 30


def _short(value) -> str:
    text = "—" if value in (None, "") else str(value)
    return text if len(text) <= 80 else text[:77] + "…"


def field_changes(model, old, new) -> list[tuple[str, str, str]]:
    """(field label, before, after) for every tracked field that differs."""
    lines = []
    for f in model._meta.concrete_fields:
        if f.attname in IGNORED:
            continue
        before, after = getattr(old, f.attname, None), getattr(new, f.attname, None)
        if before != after:
            lines.append((str(f.verbose_name), _short(before), _short(after)))
    return lines


def _record_at(instance, version: int):
    """The newest historical record of `instance` at `version` (None if history lacks it)."""
    return (
        type(instance)
        .history.filter(id=instance.pk, version=version)
        .order_by("-history_date", "-history_id")
        .first()
    )


def _related_changes(incident: Incident, since) -> list[tuple[str, str, str]]:
    """Groups, events and citations added, changed or deleted after `since`."""
    group_ids = DetaineeGroup.history.filter(incident_id=incident.pk).values("id")
    records = [
        *DetaineeGroup.history.filter(incident_id=incident.pk, history_date__gt=since),
        *CustodyEvent.history.filter(group_id__in=group_ids, history_date__gt=since),
        *Citation.history.filter(incident_id=incident.pk, history_date__gt=since),
    ]
    lines = []
    for record in sorted(records, key=lambda r: r.history_date):
        model = record.instance_type
        name = str(model._meta.verbose_name)
        try:
            label = str(record.instance)
        except ObjectDoesNotExist:
            label = f"#{record.id}"
        if record.history_type == "+":
            lines.append((f"{name} “{label}”", "—", "added"))
        elif record.history_type == "-":
            lines.append((f"{name} “{label}”", "was there", "deleted"))
        else:
            previous = record.prev_record
            if previous is not None:
                for what, before, after in field_changes(model, previous, record):
                    lines.append((f"{name} “{label}”: {what}", before, after))
    return lines


def changes_since(instance, version: int) -> list[tuple[str, str, str]]:
    """What differs between `instance` at `version` and now (instance is the current row)."""
    then = _record_at(instance, version)
    if then is None:
        return []
    lines = field_changes(type(instance), then, instance)
    if isinstance(instance, Incident):
        lines += _related_changes(instance, then.history_date)
    return lines[:MAX_LINES]
