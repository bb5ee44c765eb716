"""Edits of records: the one door every staff write goes through (admin forms and inlines, the
import page, `import_incidents`, and any future write API).

Each service checks, per record and per field: the model permission (add/change/delete), the
workflow (an incident's status never changes here; caseworkers edit drafts only) and the
protected fields (policy.PROTECTED_FIELDS). It then writes only the fields that changed, bumps
the record's version in the same UPDATE that checks it (optimistic concurrency), and moves the
public `updated_at` only when something the public can see changed.

Callers describe a write as Edits: field values for one row, new (pk None), changed or deleted,
with the rows under it (a group's events). Values are model values (instances for foreign keys);
a foreign key may also name another Edit of the same call, e.g. a citation pinned to a group
created in the same import.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, models, transaction
from django.db.models import F, signals
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents import cache as public_cache
from incidents.models import (
    Actor,
    Citation,
    CountClaim,
    CustodyEvent,
    DateClaim,
    DetaineeGroup,
    Estimate,
    EstimateSource,
    EventActor,
    Incident,
    Location,
    Source,
    Status,
    history,
)
from incidents.public import PUBLIC_FIELDS, RELATION_FIELDS
from incidents.services import derived, figures, integrity, policy, search_index
from incidents.services import places as place_index
from incidents.services.errors import Conflict

# Which rows live under which: the incident page edits these, and only these, with it.
CHILDREN = {
    Incident: (DetaineeGroup, Citation, DateClaim),
    DetaineeGroup: (CustodyEvent, CountClaim),
    CustodyEvent: (EventActor,),
}
PARENT_FIELD = {
    DetaineeGroup: "incident", Citation: "incident", DateClaim: "incident",
    CustodyEvent: "group", CountClaim: "group", EventActor: "event",
}  # fmt: skip
# Leaves first: deleting a row takes the rows under it.
DELETE_ORDER = (Citation, EventActor, CountClaim, DateClaim, CustodyEvent, DetaineeGroup)


@dataclass(eq=False)
class Edit:
    """One row to create (pk None), change or delete, and the rows under it."""

    model: type[models.Model]
    pk: int | None = None
    values: dict[str, Any] = field(default_factory=dict)
    delete: bool = False
    children: list[Edit] = field(default_factory=list)
    saved: models.Model | None = field(default=None, repr=False)  # set by the service


@dataclass
class SaveResult:
    instance: models.Model
    created: list[models.Model] = field(default_factory=list)
    changed: list[tuple[models.Model, list[str]]] = field(default_factory=list)
    deleted: list[models.Model] = field(default_factory=list)
    public_change: bool = False

    @property
    def wrote(self) -> bool:
        return bool(self.created or self.changed or self.deleted)


# -- shared steps ---------------------------------------------------------------------------------
def _lock(model, pk: int, expected_version: int | None):
    """Bump the version of row `pk` in the UPDATE that checks it, then read it (locked).

    On PostgreSQL the UPDATE holds the row lock until commit, so concurrent writers and
    workflow steps queue behind us; with `expected_version` the UPDATE matches only if nobody
    wrote since the caller read the row: otherwise Conflict, with what changed meanwhile.
    """
    rows = model._default_manager.filter(pk=pk)
    if expected_version is not None:
        rows = rows.filter(version=expected_version)
    if rows.update(version=F("version") + 1) != 1:
        current = model._default_manager.filter(pk=pk).first()
        if current is None:
            raise ValidationError(
                _("This %(thing)s no longer exists.") % {"thing": model._meta.verbose_name}
            )
        from incidents.services.changes import changes_since

        raise Conflict(
            instance=current,
            expected_version=expected_version,
            current_version=current.version,
            changes=changes_since(current, expected_version),
        )
    return model._default_manager.get(pk=pk)


def _resolve(values: dict) -> dict:
    """Foreign keys given as Edits of this same call become the rows they saved."""
    out = {}
    for name, value in values.items():
        if isinstance(value, Edit):
            if value.saved is None:
                raise ValidationError(_("A reference points at a row that was not saved."))
            value = value.saved
        out[name] = value
    return out


def _differs(obj, name: str, value) -> bool:
    f = obj._meta.get_field(name)
    if f.is_relation:
        return getattr(obj, f.attname) != (value.pk if value is not None else None)
    return getattr(obj, name) != value


def _apply(obj, values: dict) -> list[str]:
    """Set `values` on obj; return the names that really changed."""
    changed = [name for name, value in values.items() if _differs(obj, name, value)]
    for name in changed:
        setattr(obj, name, values[name])
    return changed


def _validate(obj, *, changed: list[str] | None = None, exclude=()) -> None:
    """Model validation (clean() mirrors every CheckConstraint with a message on the field).

    Constraint checks are left to the database: Django would run one query per constraint per
    row, and the constraints are still enforced on write. So is the existence of a row a
    foreign key names when the caller holds that row, read or saved: the foreign key constraint
    guarantees it (services.integrity), without one query per key per row. On a change, only
    the fields that changed are validated one by one; clean() still sees the whole row.
    """
    exclude = set(exclude)
    if changed is not None:
        exclude |= {f.name for f in obj._meta.fields if f.name not in changed}
    integrity.full_clean(obj, exclude=exclude)


def _stamp(obj, user, reason: str) -> None:
    obj._history_user = user
    if reason:
        obj._change_reason = reason


def _is_public_change(model, changed) -> bool:
    """Does changing these fields touch anything a public page, export, feed or API shows?"""
    visible = set(PUBLIC_FIELDS.get(model, ())) | set(RELATION_FIELDS.get(model, ()))
    return bool(set(changed) & visible)


def _row_is_public(obj) -> bool:
    """Whether adding or removing this row shows publicly: a citation or claim of a
    confidential source never does; groups, events and actors' parts always do."""
    if isinstance(obj, Citation | CountClaim | DateClaim):
        return not (obj.source_id and obj.source.confidential)
    return True


# -- incidents with their groups, events, claims and citations -------------------------------------
@transaction.atomic
@history.collecting
def save_incident(
    *,
    user,
    pk: int | None = None,
    values: dict[str, Any] | None = None,
    children: list[Edit] = (),
    expected_version: int | None = None,
    reason: str = "",
    stamps: dict[str, Any] | None = None,
) -> SaveResult:
    """Create (pk None) or change an incident and the rows under it, in one transaction.

    A new incident is always a draft; its status moves only through services.workflow.
    `stamps` (created_at, updated_at, staff_updated_at, published_at, version): for imports
    restoring a record made elsewhere, on creation only. A stamped published_at publishes
    nothing: only the workflow does.
    """
    values = dict(values or {})
    policy.require_service_fields_untouched(Incident, values)
    now = timezone.now()
    creating = pk is None
    if creating:
        policy.require_model_permission(user, "add", Incident)
        incident = Incident(status=Status.DRAFT, **_resolve(values))
        policy.require_incident_fields_allowed(user, incident, values, creating=True)
        incident.updated_at = now
        stamps = {k: v for k, v in (stamps or {}).items() if v is not None}
        _check_stamps(Incident, stamps)
        for name in ("updated_at", "version", "published_at"):
            if name in stamps:
                setattr(incident, name, stamps[name])
        _validate(incident)
        _stamp(incident, user, reason)
        incident.save()
        changed: list[str] = []
        result = SaveResult(incident, created=[incident], public_change=True)
    else:
        if stamps:
            raise PermissionDenied(_("Timestamps can only be given for a new incident."))
        incident = _lock(Incident, pk, expected_version)
        policy.require_incident_editable(user, incident)
        if (
            "slug" in values
            and values["slug"] != incident.slug
            and not user.has_perm(policy.PUBLISH)
        ):
            raise PermissionDenied(_("Only editors may change an incident's address (slug)."))
        changed = _apply(incident, _resolve(values))
        policy.require_incident_fields_allowed(user, incident, changed, creating=False)
        result = SaveResult(incident)
        if changed:
            _validate(incident, changed=changed)
            result.changed.append((incident, changed))
            result.public_change = _is_public_change(Incident, changed)

    _save_children(user, incident, list(children), result, reason, new=creating)
    synced = _follow_claims(
        user, incident, list(children), result, typed=set(changed), reason=reason
    )
    derived.incidents_written([incident.pk])

    if creating:
        if synced:
            incident.save(update_fields=synced)
        # auto_now(_add) columns take "now" on save: put a restored record's times back.
        late = {k: v for k, v in stamps.items() if k in ("created_at", "staff_updated_at")}
        if late:
            Incident.objects.filter(pk=incident.pk).update(**late)
            for name, value in late.items():
                setattr(incident, name, value)
        return result
    if not result.wrote:
        # Nothing to write: undo the version bump (the transaction is ours), so that pressing
        # "Save" on an unchanged page refuses nobody else.
        transaction.set_rollback(True)
        incident.version -= 1
        return result
    update = ["version", "staff_updated_at", *changed, *(c for c in synced if c not in changed)]
    if result.public_change:
        incident.updated_at = now
        update.append("updated_at")
    _stamp(incident, user, reason)
    incident.save(update_fields=update)
    if result.public_change and incident.status == Status.PUBLISHED:
        public_cache.public_changed()
    return result


STAMPS = {
    Incident: ("created_at", "updated_at", "staff_updated_at", "version", "published_at"),
    Source: ("version",),
    Location: ("version",),
    Estimate: ("version",),
    Actor: ("version",),
}


def _check_stamps(model, stamps: dict) -> None:
    unknown = sorted(set(stamps) - set(STAMPS[model]))
    if unknown:
        raise PermissionDenied(
            _("%(fields)s cannot be set directly.") % {"fields": ", ".join(unknown)}
        )


def _members(incident: Incident) -> dict[type, dict[int, models.Model]]:
    """The rows that belong to this incident: edits may only touch these."""
    return {
        DetaineeGroup: {g.pk: g for g in incident.groups.all()},
        CustodyEvent: {e.pk: e for e in CustodyEvent.objects.filter(group__incident=incident)},
        Citation: {c.pk: c for c in incident.citations.select_related("source")},
        DateClaim: {c.pk: c for c in incident.date_claims.select_related("source")},
        CountClaim: {
            c.pk: c
            for c in CountClaim.objects.filter(group__incident=incident).select_related("source")
        },
        EventActor: {a.pk: a for a in EventActor.objects.filter(event__group__incident=incident)},
    }


def _walk(edits, parent=None):
    for edit in edits:
        yield edit, parent
        yield from _walk(edit.children, edit)


def _save_children(
    user, incident, edits: list[Edit], result: SaveResult, reason: str, *, new: bool = False
) -> None:
    # A new incident has no rows yet: nothing to read.
    before = members = {model: {} for model in DELETE_ORDER} if new else _members(incident)
    deletions = sorted(
        (e for e, _p in _walk(edits) if e.delete and e.pk is not None),
        key=lambda e: DELETE_ORDER.index(e.model),
    )
    for edit in deletions:
        if edit.pk not in members.get(edit.model, {}) and edit.pk in before.get(edit.model, {}):
            continue  # went with a row deleted just before (its group)
        obj = _member(members, edit)
        policy.require_model_permission(user, "delete", edit.model)
        _stamp(obj, user, reason)
        obj.delete()
        result.deleted.append(obj)
        result.public_change = result.public_change or _row_is_public(obj)
        members = _members(incident)
    gone = {
        (model, pk) for model, rows in before.items() for pk in rows if pk not in members[model]
    }
    # Groups first (a subgroup after the group it is part of), then citations and date claims,
    # which may point at groups and events created in this same save.
    groups = _parents_first([e for e in edits if e.model is DetaineeGroup])
    others = [e for e in edits if e.model is not DetaineeGroup]
    if new and _all_new(edits):
        # The same checks, row by row and in the same order, but one INSERT per kind of row:
        # groups with their events, claims and actors, then citations and date claims.
        for phase in (groups, others):
            pending: list[models.Model] = []
            for edit in phase:
                _save_child(user, incident, incident, edit, members, gone, result, reason,
                            pending)  # fmt: skip
            _insert_pending(pending)
        return
    for edit in groups + others:
        _save_child(user, incident, incident, edit, members, gone, result, reason)


# Parents before the rows under them.
INSERT_ORDER = (DetaineeGroup, CustodyEvent, CountClaim, EventActor, Citation, DateClaim)


def _all_new(edits: list[Edit]) -> bool:
    """Only new rows, none of them a subgroup of a group new in this save (its checks read
    the group it is part of), on a database that returns the keys of a bulk insert."""
    return connection.features.can_return_rows_from_bulk_insert and all(
        e.pk is None
        and not e.delete
        and e.model in INSERT_ORDER
        and not isinstance(e.values.get("parent"), Edit)
        for e, _p in _walk(edits)
    )


def _insert_pending(pending: list[models.Model]) -> None:
    """Insert collected rows, one bulk INSERT per model (parents first), then send post_save
    for each in the order it was collected, as save() would (its history entry)."""
    for model in INSERT_ORDER:
        rows = [obj for obj in pending if type(obj) is model]
        if rows:
            model._default_manager.bulk_create(rows)
    for obj in pending:
        signals.post_save.send(sender=type(obj), instance=obj, created=True,
                               update_fields=None, raw=False, using=obj._state.db)  # fmt: skip


def _parents_first(edits: list[Edit]) -> list[Edit]:
    ordered: list[Edit] = []
    placed: set[int] = set()

    def place(edit, trail=()):
        if id(edit) in placed or id(edit) in trail:
            return
        parent = edit.values.get("parent")
        if isinstance(parent, Edit) and parent in edits:
            place(parent, (*trail, id(edit)))
        placed.add(id(edit))
        ordered.append(edit)

    for edit in edits:
        place(edit)
    return ordered


def _follow_claims(user, incident, edits, result: SaveResult, *, typed: set, reason: str):
    """Figures follow their preferred claims and subgroups fit their groups; returns the
    incident's own columns that changed (its date, from its date claims)."""
    typed_groups = {
        e.saved.pk: set(e.values)
        for e, _p in _walk(edits)
        if e.model is DetaineeGroup and e.saved is not None
    }
    for group in incident.groups.select_related("parent").prefetch_related("claims"):
        changed = figures.sync_group(group, typed=typed_groups.get(group.pk, set()))
        if changed:
            _validate(group, changed=changed)
            _stamp(group, user, reason)
            group.save(update_fields=changed)
            result.changed.append((group, changed))
            result.public_change = True
    figures.check_subgroups(incident)
    synced = figures.sync_incident_date(incident, typed=typed)
    if synced:
        _validate(incident, changed=synced)
        result.changed.append((incident, synced))
        result.public_change = True
    return synced


def _member(members, edit: Edit):
    obj = members.get(edit.model, {}).get(edit.pk)
    if obj is None:
        raise PermissionDenied(
            _("%(thing)s #%(pk)s is not part of this incident.")
            % {"thing": edit.model._meta.verbose_name.capitalize(), "pk": edit.pk}
        )
    return obj


def _save_child(user, incident, parent, edit, members, gone, result, reason, pending=None):
    """Write one row and the rows under it. With `pending` (a list), new rows are validated
    and collected instead of saved, for _insert_pending."""
    if edit.delete:
        return
    model = edit.model
    allowed = CHILDREN.get(type(parent), ())
    if model not in allowed:
        raise PermissionDenied(
            _("A %(thing)s cannot be edited here.") % {"thing": model._meta.verbose_name}
        )
    if edit.pk is not None and (model, edit.pk) in gone:
        return  # went with a deleted row (its group) in this same save
    values = _resolve(edit.values)
    values.pop(PARENT_FIELD[model], None)
    if edit.pk is None:
        policy.require_model_permission(user, "add", model)
        obj = model(**values)
        setattr(obj, PARENT_FIELD[model], parent)
        # A parent collected in `pending` is not saved yet: it will be, first (so the key is
        # set), and there is nothing else to check about it.
        _validate(obj, exclude=[PARENT_FIELD[model]] if parent.pk is None else ())
        _stamp(obj, user, reason)
        if pending is None:
            obj.save()
        else:
            signals.pre_save.send(sender=model, instance=obj, raw=False, using=obj._state.db,
                                  update_fields=None)  # fmt: skip
            pending.append(obj)
        result.created.append(obj)
        result.public_change = result.public_change or _row_is_public(obj)
    else:
        obj = _member(members, edit)
        if getattr(obj, f"{PARENT_FIELD[model]}_id") != parent.pk:
            raise PermissionDenied(_("A row cannot be moved to another group or incident."))
        was_public = _row_is_public(obj)
        changed = _apply(obj, values)
        if changed:
            policy.require_model_permission(user, "change", model)
            _validate(obj, changed=changed)
            _stamp(obj, user, reason)
            obj.save(update_fields=changed)
            result.changed.append((obj, changed))
            public = (was_public or _row_is_public(obj)) and _is_public_change(model, changed)
            result.public_change = result.public_change or public
    edit.saved = obj
    for child in edit.children:
        _save_child(user, incident, obj, child, members, gone, result, reason, pending)


# -- sources, places and estimates ---------------------------------------------------------------
SIMPLE_MODELS = (Source, Location, Estimate, Actor)


@transaction.atomic
@history.collecting
def save_record(
    *,
    user,
    model,
    pk: int | None = None,
    values: dict[str, Any],
    expected_version: int | None = None,
    reason: str = "",
    stamps: dict[str, Any] | None = None,
    children: list[Edit] = (),
) -> SaveResult:
    """Create or change a source, a place, an actor or an aggregate estimate (with its
    sources, as `children` Edits of EstimateSource). `stamps` (version): for imports restoring
    a record made elsewhere, on creation only."""
    if model not in SIMPLE_MODELS:
        raise PermissionDenied(_("This kind of record is not edited here."))
    values = _resolve(dict(values))
    policy.require_service_fields_untouched(model, values)
    if pk is None:
        policy.require_model_permission(user, "add", model)
        policy.require_protected_fields_allowed(user, model, values, creating=True, values=values)
        if model is Estimate:
            policy.require_estimate_status_allowed(
                user,
                ["status"] if values.get("status", Status.DRAFT) != Status.DRAFT else [],
                values,
            )
        obj = model(**values)
        stamps = {k: v for k, v in (stamps or {}).items() if v is not None}
        _check_stamps(model, stamps)
        for name, value in stamps.items():
            setattr(obj, name, value)
        _validate(obj)
        _stamp(obj, user, reason)
        obj.save()
        result = SaveResult(obj, created=[obj], public_change=True)
        _save_estimate_sources(user, obj, list(children), result, reason)
        if model is Location:
            place_index.after_place_saved(obj, values, created=True)
        public_cache.public_changed()
        return result

    if stamps:
        raise PermissionDenied(_("Stamps can only be given for a new record."))
    obj = _lock(model, pk, expected_version)
    changed = _apply(obj, values)
    result = SaveResult(obj, changed=[(obj, changed)] if changed else [], public_change=True)
    if changed:
        policy.require_model_permission(user, "change", model)
        policy.require_protected_fields_allowed(user, model, changed, creating=False, values=values)
        if model is Estimate:
            policy.require_estimate_status_allowed(user, changed, values)
        _validate(obj, changed=changed)
    _save_estimate_sources(user, obj, list(children), result, reason)
    if not result.wrote:
        transaction.set_rollback(True)
        obj.version -= 1
        return SaveResult(obj)
    derived = ["path", "country", "province", "city"] if model is Location else []
    _stamp(obj, user, reason)
    obj.save(update_fields=["version", *changed, *derived])
    if model is Location:
        place_index.after_place_saved(obj, changed, created=False)
    if model is Source and set(changed) & {"title", "publisher", "confidential"}:
        search_index.refresh_citing([obj.pk])
    public_cache.public_changed()
    return result


def _save_estimate_sources(user, estimate, edits: list[Edit], result: SaveResult, reason) -> None:
    if not edits:
        return
    if not isinstance(estimate, Estimate):
        raise PermissionDenied(_("Only an estimate has sources listed under it."))
    members = {c.pk: c for c in estimate.citations.all()}
    for edit in edits:
        if edit.model is not EstimateSource:
            raise PermissionDenied(_("A %(thing)s cannot be edited here.") % {
                "thing": edit.model._meta.verbose_name})  # fmt: skip
        if edit.pk is not None and edit.pk not in members:
            raise PermissionDenied(_("This source is not listed under this estimate."))
        if edit.delete:
            if edit.pk is not None:
                policy.require_model_permission(user, "delete", EstimateSource)
                members[edit.pk].delete()
                result.deleted.append(members[edit.pk])
            continue
        values = _resolve(edit.values)
        values.pop("estimate", None)
        if edit.pk is None:
            policy.require_model_permission(user, "add", EstimateSource)
            row = EstimateSource(estimate=estimate, **values)
            _validate(row)
            _stamp(row, user, reason)
            row.save()
            result.created.append(row)
        else:
            row = members[edit.pk]
            changed = _apply(row, values)
            if changed:
                policy.require_model_permission(user, "change", EstimateSource)
                _validate(row, changed=changed)
                _stamp(row, user, reason)
                row.save(update_fields=changed)
                result.changed.append((row, changed))
        edit.saved = row


@transaction.atomic
def delete_record(*, user, instance, reason: str = "") -> None:
    """Delete a source, place or estimate. Records still cited are protected by the database
    (PROTECT): the error says so instead of deleting what incidents rest on."""
    model = type(instance)
    if model not in SIMPLE_MODELS:
        raise PermissionDenied(_("This kind of record is not deleted here."))
    policy.require_model_permission(user, "delete", model)
    _stamp(instance, user, reason)
    try:
        with transaction.atomic():
            instance.delete()
    except models.ProtectedError:
        raise ValidationError(
            _("“%(record)s” is still used by other records and cannot be deleted.")
            % {"record": instance}
        ) from None
    public_cache.public_changed()
