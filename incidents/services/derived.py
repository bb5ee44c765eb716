"""An incident's derived data (its place index, IncidentPlace, and its search document) kept
exact after a write: at once, or once for a whole batch of writes.

save_incident calls `incidents_written`; inside `batch()` (the importer: one transaction for a
whole file) the ids are collected and both are refreshed set-wise when the batch ends, still
inside the caller's transaction, instead of a few queries per incident. Nothing reads them
during an import.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from incidents.services import places as place_index
from incidents.services import search_index

CHUNK = 2000
_pending: ContextVar[set[int] | None] = ContextVar("derived_pending", default=None)


def refresh(incident_ids: Iterable[int]) -> None:
    """The place index, then the search documents (which read it), of these incidents."""
    ids = sorted(set(incident_ids))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        place_index.index_incidents(chunk)
        search_index.refresh(chunk)


def incidents_written(incident_ids: Iterable[int]) -> None:
    pending = _pending.get()
    if pending is None:
        refresh(incident_ids)
    else:
        pending.update(incident_ids)


@contextmanager
def batch() -> Iterator[None]:
    """Refresh the derived data of every incident written inside, once, on leaving (not when
    leaving with an exception: the caller's transaction is rolled back then)."""
    if _pending.get() is not None:  # already batching: the outer batch refreshes
        yield
        return
    pending: set[int] = set()
    token = _pending.set(pending)
    try:
        yield
    finally:
        _pending.reset(token)
    refresh(pending)
