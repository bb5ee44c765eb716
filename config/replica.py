"""Public reads from a PostgreSQL streaming replica, when DATABASE_REPLICA_URL is set.

Only an anonymous, safe-method (GET/HEAD) request outside /admin/ and the health probes is
a *public read*: PublicReadsMiddleware marks it so in a context variable, and ReplicaRouter
then sends its reads to the "replica" alias. Everything else uses the primary ("default"):
every write, every staff or admin request, every management command, any read inside an open
transaction (read your own writes), and every request for REPLICA_PIN_SECONDS after a write
that changed public data (incidents.cache.bump), so that a lagging replica cannot refill the
public page cache with what was just unpublished.

A replica that cannot be reached (its connect_timeout is short) is not an outage: reads go
to the primary, and the replica is not tried again for REPLICA_RETRY_SECONDS in this process.

The mark is set per request and cleared when the response is closed (request_finished), after
a streamed export's body, so the export's queries run on the replica too.
"""

from __future__ import annotations

import contextvars
import logging
import time

from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import DEFAULT_DB_ALIAS, connections

from config.outage import DATABASE_UNAVAILABLE

logger = logging.getLogger(__name__)

REPLICA = "replica"
PRIVATE_PREFIXES = ("/admin/", "/healthz", "/readyz")

_public_read: contextvars.ContextVar[bool] = contextvars.ContextVar("public_read", default=False)
_down_until = 0.0  # monotonic time until which this process does not try the replica


def _clear(**kwargs) -> None:
    _public_read.set(False)


request_started.connect(_clear, dispatch_uid="config.replica.request_started")
request_finished.connect(_clear, dispatch_uid="config.replica.request_finished")


def is_public_read(request) -> bool:
    if request.method not in ("GET", "HEAD") or request.path.startswith(PRIVATE_PREFIXES):
        return False
    user = getattr(request, "user", None)
    return not (user is not None and user.is_authenticated)


class PublicReadsMiddleware:
    """After authentication: marks public reads for ReplicaRouter (a no-op without one)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from incidents.cache import recently_changed

        _public_read.set(is_public_read(request) and not recently_changed())
        return self.get_response(request)


def replica_usable() -> bool:
    """Is the replica connected, or can it be connected now? Remembers a failure."""
    global _down_until
    if time.monotonic() < _down_until:
        return False
    replica = connections[REPLICA]
    if replica.connection is not None:
        return True
    try:
        replica.ensure_connection()
    except DATABASE_UNAVAILABLE as exc:
        _down_until = time.monotonic() + settings.REPLICA_RETRY_SECONDS
        logger.warning(
            "replica unavailable (%s): reading from the primary for %s s",
            type(exc).__name__,
            settings.REPLICA_RETRY_SECONDS,
        )
        return False
    return True


def forget_failure() -> None:
    """Try the replica again at the next read (tests; a deploy restarts the workers anyway)."""
    global _down_until
    _down_until = 0.0


class ReplicaRouter:
    """Reads of public requests to the replica; everything else to the primary."""

    def db_for_read(self, model, **hints):
        if not _public_read.get() or connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS
        return REPLICA if replica_usable() else DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the same data on both

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS  # the replica follows the primary's schema by itself
