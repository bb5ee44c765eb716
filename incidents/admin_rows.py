"""Inline rows that render without a query per row.

An incident's change page holds dozens of inline rows, each with a source, place or actor
picker and, for citations and groups, a choice of this incident's groups and events. Django
asks the database once per row and picker (the autocomplete widget looks up its selected
value; a select lists its choices). Here the rows' own related objects come with the inline
queryset (select_related), the pickers render from them, and the per-incident choices are
read once per formset. Validation of a submitted value still runs against the field's
queryset, so what a row may point at is unchanged.
"""

from __future__ import annotations

import nested_admin
from django.contrib.admin.widgets import AutocompleteSelect


class KnownAutocompleteSelect(AutocompleteSelect):
    """An autocomplete picker that renders its selected option from `known` ({pk: label},
    set per row from the row's already loaded related object) instead of a query."""

    known: dict[str, str] | None = None

    def optgroups(self, name, value, attr=None):
        known = self.known or {}
        empty = self.choices.field.empty_values
        selected = {str(v) for v in value if str(v) not in empty}
        if not selected or not selected <= known.keys():
            return super().optgroups(name, value, attr)
        options = []
        if not self.is_required and not self.allow_multiple_selected:
            options.append(self.create_option(name, "", "", False, 0))
        for pk in sorted(selected):
            options.append(self.create_option(name, pk, known[pk], selected, len(options)))
        return [(None, options, 0)]


class KnownPickers:
    """InlineModelAdmin mixin: related objects loaded with the rows; pickers render from them."""

    def get_queryset(self, request):
        related = [*self.get_autocomplete_fields(request), *getattr(self, "row_select_related", ())]
        return super().get_queryset(request).select_related(*related)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = KnownAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class KnownRowsFormSet(nested_admin.NestedInlineFormSet):
    """Gives each row's pickers the row's loaded related objects, and lets subclasses share
    one list of choices between rows (`shared_choices`)."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        for name, field in form.fields.items():
            widget = getattr(field.widget, "widget", field.widget)
            if not isinstance(widget, KnownAutocompleteSelect):
                continue
            related = form.instance._state.fields_cache.get(name)
            if related is not None:
                widget.known = {str(related.pk): field.label_from_instance(related)}

    def shared_choices(self, key: str, field) -> list:
        """The field's choices, listed once per formset (one query for all its rows)."""
        cache = self.__dict__.setdefault("_shared_choices", {})
        if key not in cache:
            cache[key] = list(field.choices)
        return cache[key]
