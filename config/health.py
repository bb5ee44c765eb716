"""Health endpoints for load balancers and monitors. They never return any record data.

/healthz  the process is alive and answers HTTP; touches no database (a liveness probe: a
          failure means "restart me").
/readyz   the database answers, every migration is applied, and the shared cache (Redis) is
          reachable when REDIS_URL is configured (a readiness probe: a failure means "send no
          traffic here for now"). 503 with the names of the failing checks, never the errors
          themselves (they can name hosts and users); those go to the log.
          With DATABASE_REPLICA_URL, "replica" is reported too, but only for monitoring: a
          replica that is down does not make the host unready, since its reads fall back to
          the primary (config/replica.py).

Both are exempt from rate limits and from the request log (config/ratelimit.py,
config/logging.py: HEALTH_PATHS).
"""

from __future__ import annotations

import logging
import os

from django.conf import settings
from django.core.cache import cache
from django.db import connection, connections
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

HEALTH_PATHS = ("/healthz", "/readyz")

_migrated = False  # once true for this process, stays true: a deploy with migrations restarts


@never_cache
@require_safe
def healthz(request):
    return JsonResponse({"status": "ok"})


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_migrations() -> None:
    global _migrated
    if _migrated:
        return
    from django.db.migrations.executor import MigrationExecutor  # only when first needed

    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        raise RuntimeError("unapplied migrations")
    _migrated = True


def check_cache() -> None:
    key = f"readyz:{os.getpid()}"
    cache.set(key, "ok", 30)
    if cache.get(key) != "ok":
        raise RuntimeError("the cache did not return what was stored")


def check_replica() -> None:
    with connections["replica"].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


#: Reported, but not required for readiness.
OPTIONAL = ("replica",)


def _checks():
    yield "database", check_database
    yield "migrations", check_migrations
    if settings.REDIS_URL:
        yield "cache", check_cache
    if settings.DATABASE_REPLICA_URL:
        yield "replica", check_replica


@never_cache
@require_safe
def readyz(request):
    results = {}
    for name, check in _checks():
        if name == "migrations" and results.get("database") != "ok":
            results[name] = "skipped"
            continue
        try:
            check()
        except Exception as exc:  # noqa: BLE001 - whatever fails, the answer is "not ready"
            logger.warning("readyz: %s check failed: %s", name, type(exc).__name__)
            results[name] = "failed"
        else:
            results[name] = "ok"
    ready = all(value == "ok" for name, value in results.items() if name not in OPTIONAL)
    response = JsonResponse({"status": "ok" if ready else "unavailable", "checks": results})
    if not ready:
        response.status_code = 503
        response["Retry-After"] = str(settings.OUTAGE_RETRY_AFTER)
    return response
