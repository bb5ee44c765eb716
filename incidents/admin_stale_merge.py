"""Merge a refused edit onto the newer version, instead of typing it again.

A save against an old version is refused (forms.VersionedForm, then services.editing under a
row lock) with what changed meanwhile. From the refused page, "Apply my changes onto the newer
version" posts what the writer typed to IncidentAdmin.apply_onto_newer_view, which shows the
change form
built on the newest version (its version in the hidden field) with, field by field, a
three-way comparison of the version they opened (from history), what they typed and what is
stored now:

- a field only they changed keeps their value;
- a field only someone else changed keeps the newer value;
- a field both changed, differently, is a conflict: the newer value is filled in and theirs is
  shown beside it (with a button to use it), for them to choose.

Nothing is written here: the writer reviews the page and saves it as any other edit, through
services.save_incident, against the new version. Only the incident's own fields are merged;
inline rows (groups, events, figures, dates, citations) are shown as now stored, and the page
says when the refused page's rows differed from them, so they can be entered again.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.forms import MultiWidget
from django.utils.html import format_html
from django.utils.translation import gettext as _

from incidents.models import Incident

SKIPPED = {"read_version"}


@dataclass
class FieldMerge:
    """One field of the incident: what the writer opened, typed, and what is stored now."""

    name: str
    label: str
    mine: str
    theirs: str
    mine_changed: bool
    theirs_changed: bool
    differ: bool  # the writer's value and the newer one are not the same
    mine_data: object = None  # what they posted, as the widget reads it (a split field: a list)

    @property
    def conflict(self) -> bool:
        return self.mine_changed and self.theirs_changed and self.differ

    @property
    def kept(self) -> bool:
        """The writer's change carries over untouched (nobody else changed this field)."""
        return self.mine_changed and not self.theirs_changed and self.differ


@dataclass
class MergePlan:
    read_version: int
    current_version: int
    history_known: bool  # False: the opened version is not in history, every difference asks
    fields: list[FieldMerge] = field(default_factory=list)
    inline_differences: list[str] = field(default_factory=list)  # kinds of rows, for a notice

    @property
    def conflicts(self) -> list[FieldMerge]:
        return [f for f in self.fields if f.conflict]

    @property
    def kept(self) -> list[FieldMerge]:
        return [f for f in self.fields if f.kept]

    @property
    def initial(self) -> dict[str, str]:
        """Initial values for the merged form: the writer's value where it carries over."""
        return {f.name: f.mine_data for f in self.kept}


def _as_text(value) -> str:
    if isinstance(value, (list, tuple)):  # a split field's parts (the embargo: date, time)
        return " ".join(_as_text(part) for part in value).strip()
    return "" if value is None else str(value)


def _as_data(form_field, value):
    """A stored value as its widget posts it, to compare with another: a split field (the
    embargo's date and time) compares lists of parts."""
    if isinstance(form_field.widget, MultiWidget) and not isinstance(value, (list, tuple)):
        return form_field.widget.decompress(value)
    return value


def plan(form_class, incident: Incident, data, read_version: int) -> MergePlan:
    """Compare, field by field, the version the writer read, what they posted (`data`) and
    `incident` as stored now. `form_class` is the admin's form for the change page (so only
    the fields the writer could edit are considered). Reads history: two queries."""
    record = (
        Incident.history.filter(id=incident.pk, version=read_version)
        .order_by("-history_date", "-history_id")
        .first()
    )
    theirs_form = form_class(instance=incident)
    base_form = form_class(instance=record.instance) if record is not None else None
    mine_form = form_class(data, instance=incident)
    result = MergePlan(
        read_version=read_version,
        current_version=incident.version,
        history_known=record is not None,
    )
    for name, form_field in theirs_form.fields.items():
        if name in SKIPPED or form_field.disabled:
            continue
        # Not `name in data`: a split field posts name_0, name_1 (the embargo).
        if form_field.widget.value_omitted_from_data(data, {}, mine_form.add_prefix(name)):
            continue
        theirs = theirs_form.get_initial_for_field(form_field, name)
        mine = mine_form[name].data
        differ = form_field.has_changed(theirs, mine)
        if base_form is None:
            mine_changed = theirs_changed = differ
        else:
            base = base_form.get_initial_for_field(form_field, name)
            mine_changed = form_field.has_changed(base, mine)
            theirs_changed = form_field.has_changed(base, _as_data(form_field, theirs))
        result.fields.append(
            FieldMerge(
                name=name,
                label=str(form_field.label or name),
                mine=_as_text(mine),
                theirs=_as_text(theirs),
                mine_changed=mine_changed,
                theirs_changed=theirs_changed,
                differ=differ,
                mine_data=mine,
            )
        )
    return result


def inline_differences(formsets) -> list[str]:
    """The kinds of inline rows on the refused page that differ from the newer version's
    (the writer's edits, or changes made meanwhile): merging leaves those for re-entry."""
    kinds: list[str] = []
    for formset in formsets:
        try:
            changed = formset.has_changed()
        except (ValueError, KeyError, TypeError):  # a page too stale to even compare
            changed = True
        name = str(formset.model._meta.verbose_name_plural)
        if changed and name not in kinds:
            kinds.append(name)
    return kinds


def merged_form_class(form_class, merge: MergePlan):
    """The admin's form class, built on the newest version with the writer's changes filled
    in and, beside each conflicting field, the writer's value."""
    conflicts = {f.name: f for f in merge.conflicts}

    class MergedForm(form_class):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            if self.is_bound:
                return
            self.initial.update(merge.initial)
            for name, choice in conflicts.items():
                box = self.fields[name]
                box.help_text = format_html(
                    '<span class="merge-mine"><strong>{}</strong> <span class="merge-value">{}'
                    '</span> <button type="button" class="button merge-use-mine" '
                    'data-field="{}" data-value="{}">{}</button></span> {}',
                    _("Your value (someone else changed this field too):"),
                    choice.mine or "—",
                    self[name].auto_id,
                    choice.mine,
                    _("Use my value"),
                    box.help_text,
                )
                self._bound_fields_cache.pop(name, None)  # it copied the old help text

    MergedForm.__name__ = f"Merged{form_class.__name__}"
    return MergedForm
