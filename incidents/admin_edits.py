"""Turn the admin's bound forms and (nested) inline formsets into service Edits.

The admin validates what staff typed with its forms; it never saves. What to write is handed
to services.save_incident / save_record as Edits carrying only the fields a form changed, so a
save never writes back a column the user did not touch (status, a colleague's edit, …).
"""

from __future__ import annotations

from incidents.forms import CLAIM_COUNT_FIELDS, VAGUE_DATE_FIELDS
from incidents.services import Edit


def _model_fields(form, parent: str | None = None) -> list[str]:
    """Model fields the form edits, without the key to the row it is under (`parent`: an
    inline formset's foreign key, set by the service)."""
    model = form._meta.model
    names = [
        f.name
        for f in model._meta.fields
        if f.name in form.fields and not f.primary_key and f.name != parent
    ]
    if "date_text" in form.fields:
        names += list(VAGUE_DATE_FIELDS)
    if "count_text" in form.fields:
        names += list(CLAIM_COUNT_FIELDS)
    return names


def changed_values(form, parent: str | None = None) -> dict:
    """{model field: new value} for what the user changed on this form."""
    changed = set(form.changed_data)
    if "date_text" in changed:
        changed.update(VAGUE_DATE_FIELDS)
    if "count_text" in changed:
        changed.update(CLAIM_COUNT_FIELDS)
    return {
        name: getattr(form.instance, name)
        for name in _model_fields(form, parent)
        if name in changed
    }


def all_values(form, parent: str | None = None) -> dict:
    """Every model field on a form for a new row."""
    return {name: getattr(form.instance, name) for name in _model_fields(form, parent)}


def _form_edit(formset, form) -> Edit | None:
    model = formset.model
    parent = formset.fk.name
    pk = form.instance.pk if form.instance._state.adding is False else None
    if formset.can_delete and formset._should_delete_form(form):
        return Edit(model, pk=pk, delete=True) if pk is not None else None
    if pk is None:
        return Edit(model, values=all_values(form, parent)) if form.has_changed() else None
    return Edit(model, pk=pk, values=changed_values(form, parent))


def inline_edits(formsets) -> list[Edit]:
    """Edits for the incident's inline rows, nested as the formsets are (group → events).

    nested_admin lists nested formsets flat, each with `parent_form`; the rows of a group
    that is being deleted are left out (they go with it).
    """
    by_form: dict[int, Edit | None] = {}
    top: list[Edit] = []
    for formset in formsets:
        parent_form = getattr(formset, "parent_form", None)
        parent_edit = None
        if parent_form is not None:
            parent_edit = by_form.get(id(parent_form))
            if parent_edit is None or parent_edit.delete:
                continue  # a blank new group left empty, or a deleted group
        for form in formset.forms:
            edit = _form_edit(formset, form)
            by_form[id(form)] = edit
            if edit is None:
                continue
            (parent_edit.children if parent_edit is not None else top).append(edit)
    return top


def record_outcome(formsets, result) -> None:
    """Fill the formset attributes Django's admin reads to write its change message; each
    model's rows are reported once, on its first formset."""
    reported = set()
    for formset in formsets:
        model = formset.model
        mine = model not in reported
        reported.add(model)
        formset.new_objects = [o for o in result.created if type(o) is model] if mine else []
        formset.changed_objects = (
            [(o, fields) for o, fields in result.changed if type(o) is model] if mine else []
        )
        formset.deleted_objects = [o for o in result.deleted if type(o) is model] if mine else []
