"""Foreign keys the database vouches for: a write service validating a row does not ask the
database, one query per key, whether a row it already holds exists.

Django's model validation runs `SELECT 1 … LIMIT 1` for every foreign key of every row. When
the value is a row read from or saved to the database (not a bare id), its existence is
guaranteed by the foreign key constraint, which the database checks on write, at the latest
when the transaction commits; `check_now` checks the deferred ones earlier, where a caller
(the importer) can still report a refusal as a problem. Only the checks that need no query
(null, blank, choices) are run for those keys.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import connection, models


def held_foreign_keys(obj: models.Model) -> list[models.ForeignKey]:
    """Foreign keys of `obj` whose value is a row read or saved in this process."""
    held = []
    for f in obj._meta.concrete_fields:
        if not f.many_to_one or f.remote_field.parent_link or f.get_limit_choices_to():
            continue
        if not f.is_cached(obj):
            continue
        row = f.get_cached_value(obj)
        if row is None or row.pk is None or row._state.adding:
            continue
        if getattr(obj, f.attname) == getattr(row, f.target_field.attname):
            held.append(f)
    return held


def check_held(obj: models.Model, fields: list[models.ForeignKey]) -> dict:
    """Field.validate's own checks (null, blank, choices) for these keys, as an error dict."""
    errors: dict = {}
    for f in fields:
        value = getattr(obj, f.attname)
        if f.blank and value in f.empty_values:
            continue
        try:
            models.Field.validate(f, value, obj)
        except ValidationError as exc:
            errors[f.name] = exc.error_list
    return errors


def full_clean(obj: models.Model, *, exclude=(), validate_unique: bool = True) -> None:
    """obj.full_clean without constraint queries and without a query per held foreign key
    (the same messages: the checks that need no query still run)."""
    exclude = set(exclude)
    held = [f for f in held_foreign_keys(obj) if f.name not in exclude]
    errors = check_held(obj, held)
    try:
        obj.full_clean(exclude=exclude | {f.name for f in held},
                       validate_unique=validate_unique, validate_constraints=False)  # fmt: skip
    except ValidationError as exc:
        errors = exc.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)


def check_now() -> None:
    """Check the deferred constraints of this transaction now (IntegrityError if broken)."""
    connection.check_constraints()
