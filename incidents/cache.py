"""Anonymous public pages and aggregates, cached in the shared cache (Redis in production).

Invalidation is one number: `public:version`. Every cache key includes it, and the write
services bump it (after their transaction commits) whenever something the public can see may
have changed: a published incident edited, an incident published, unpublished, deleted or
restored, a place, source, actor or estimate saved. Old entries are then never read again and
expire on their own (PUBLIC_CACHE_SECONDS).

Order matters for correctness: a reader takes the version *before* it reads the database. A
page built from data read before a commit is stored under the old version, which nobody reads
after the bump; the bump runs only once the commit is visible. So an unpublished incident is
never served from the cache after its unpublish returns.

The cache is an optimisation: if it is down, pages are built as if it were empty.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils.translation import get_language

logger = logging.getLogger(__name__)
VERSION_KEY = "public:version"
# Set by bump() for REPLICA_PIN_SECONDS: public reads then go to the primary (config.replica),
# so a lagging replica cannot put what was just unpublished back into the cache.
CHANGED_KEY = "public:recently-changed"
T = TypeVar("T")


def seconds() -> int:
    return getattr(settings, "PUBLIC_CACHE_SECONDS", 0)


def version() -> int | None:
    """The current public version, or None when the cache cannot be used."""
    try:
        found = cache.get(VERSION_KEY)
        if found is None:
            cache.add(VERSION_KEY, 1, timeout=None)
            found = cache.get(VERSION_KEY, 1)
        return int(found)
    except Exception:  # noqa: BLE001 - any cache failure: work without it
        logger.warning("public cache unavailable; serving uncached")
        return None


def bump() -> None:
    """Make every cached public page and aggregate stale (now: call after commit)."""
    try:
        pin = getattr(settings, "REPLICA_PIN_SECONDS", 0)
        if pin > 0:
            cache.set(CHANGED_KEY, 1, timeout=pin)
        try:
            cache.incr(VERSION_KEY)
        except ValueError:  # not set yet (or evicted): any fresh number will do
            cache.set(VERSION_KEY, 2, timeout=None)
    except Exception:  # noqa: BLE001
        # The cache is down: nothing can be served from it either; entries written before the
        # outage carry the old version and a short lifetime.
        logger.warning("public cache unavailable; could not invalidate")


def recently_changed() -> bool:
    """Did public data change in the last REPLICA_PIN_SECONDS? (False without a replica.)"""
    if getattr(settings, "REPLICA_PIN_SECONDS", 0) <= 0:
        return False
    try:
        return cache.get(CHANGED_KEY) is not None
    except Exception:  # noqa: BLE001 - no cache, no cached pages to protect
        return False


def public_changed() -> None:
    """Called by the write services: invalidate once the transaction has committed.

    Once per transaction: a bump already waiting for this commit does. A waiting callback is
    dropped only when a savepoint it was registered in rolls back, and every savepoint still
    open encloses this write, which would be rolled back with it. An import of thousands of
    records bumps the version once.
    """
    connection = transaction.get_connection()
    if connection.in_atomic_block and any(
        func is bump for _sids, func, _robust in connection.run_on_commit
    ):
        return
    transaction.on_commit(bump)


def key(kind: str, name: str, current: int) -> str:
    digest = hashlib.sha256(name.encode()).hexdigest()[:32]
    return f"public:{current}:{get_language() or ''}:{kind}:{digest}"


def aggregate(name: str, build: Callable[[], T]) -> T:
    """`build()`, cached under the current public version and language."""
    if seconds() <= 0:
        return build()
    current = version()
    if current is None:
        return build()
    cache_key = key("aggregate", name, current)
    try:
        found = cache.get(cache_key)
    except Exception:  # noqa: BLE001
        return build()
    if found is not None:
        return found
    value = build()
    try:
        cache.set(cache_key, value, seconds())
    except Exception:  # noqa: BLE001
        logger.warning("public cache unavailable; not stored")
    return value
