"""Exceptions the write services raise besides PermissionDenied and ValidationError."""

from __future__ import annotations

from django.utils.translation import gettext as _


class Conflict(Exception):
    """The record changed since the caller read it (optimistic concurrency).

    `changes` lists what changed meanwhile, as (what, before, after) strings, for the message
    shown to the refused writer (see services.changes.changes_since).
    """

    def __init__(self, *, instance, expected_version: int, current_version: int, changes=()):
        self.instance = instance
        self.expected_version = expected_version
        self.current_version = current_version
        self.changes = list(changes)
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return _(
            "“%(record)s” was changed by someone else since you opened it (your copy is "
            "version %(mine)s, it is now version %(now)s). Nothing was saved."
        ) % {
            "record": self.instance,
            "mine": self.expected_version,
            "now": self.current_version,
        }
