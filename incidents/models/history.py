"""The audit trail (django-simple-history), with its rows written in one INSERT per model at
the end of a write service call instead of one INSERT per saved row.

Every model's `history = HistoricalRecords()` comes from here. Inside `collected()` (the write
services wrap each call in it) a historical record is built exactly when and as
simple-history builds it (the row's values, user, reason and time at that save), but held
until the call ends, then inserted with bulk_create in the order the rows were saved. Outside
it, records are saved one by one as simple-history does. If the call fails, nothing is
inserted: its transaction is rolled back anyway.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import models
from simple_history import models as simple_history

_held: ContextVar[list | None] = ContextVar("history_held", default=None)


class HeldHistory(models.Model):
    """Base of the historical models: save() holds the record inside collected()."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        held = _held.get()
        if held is None or self.pk is not None or args or kwargs.get("update_fields"):
            return super().save(*args, **kwargs)
        held.append((self, kwargs.get("using")))
        return None


class HistoricalRecords(simple_history.HistoricalRecords):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("bases", (HeldHistory,))
        super().__init__(*args, **kwargs)


@contextmanager
def collected() -> Iterator[None]:
    """Hold the historical records saved inside; insert them on leaving without an error.
    Nested calls join the outermost one."""
    if _held.get() is not None:
        yield
        return
    held: list = []
    token = _held.set(held)
    try:
        yield
    finally:
        _held.reset(token)
    flush(held)


def collecting(func):
    """Decorator: run `func` inside collected()."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with collected():
            return func(*args, **kwargs)

    return wrapper


def flush(held: list) -> None:
    by_model: dict[tuple, list] = {}
    for record, using in held:
        by_model.setdefault((type(record), using), []).append(record)
    for (model, using), records in by_model.items():
        model._default_manager.using(using).bulk_create(records)
