"""Per-client rate limits for anonymous readers, counted in the shared cache (Redis).

One middleware puts every public request in a bucket — `export` (CSV/JSON downloads, the
lowest), `search` (a page with a non-empty `q`), `feed`, `api` and `page` (every other public
page) — and counts it with django-ratelimit under the client's address from
config.middleware.client_ip (the same rule as the login lockout: behind our proxy, the hop it
appended; never a header a client wrote). Over the limit: 429 with Retry-After, a static page,
or {"detail": ...} under /api/.

Not limited: the admin (staff; the login has its own lockout), static files, the health probes,
and logged-in staff (only looked up when a session cookie is sent, so an anonymous request
costs no database query).

The counts live in settings.RATELIMIT_USE_CACHE, Redis in production (required there, see
settings), so every gunicorn worker shares them. If Redis fails, requests are let through and
a warning is logged: a broken counter must not take the public site down.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django_ratelimit.core import get_usage

from config.health import HEALTH_PATHS
from config.middleware import client_ip

logger = logging.getLogger(__name__)

EXEMPT_PREFIXES = ("/admin/", "/static/", "/favicon.ico", *HEALTH_PATHS)
EXPORT_PATHS = ("/incidents/export.csv", "/incidents/export.json", "/statistics.csv")


def bucket(request) -> str | None:
    """The rate-limit group of a request, or None when it is not limited."""
    path = request.path
    if path.startswith(EXEMPT_PREFIXES):
        return None
    if path.startswith("/api/"):
        return "api"
    if path in EXPORT_PATHS:
        return "export"
    if path.startswith("/feeds/"):
        return "feed"
    if request.GET.get("q", "").strip():
        return "search"
    return "page"


def _key(group, request) -> str:
    return client_ip(request) or "unknown"


def _is_staff(request) -> bool:
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return False
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and user.is_staff)


def too_many_requests(request, retry_after: int) -> HttpResponse:
    retry_after = max(retry_after, 1)
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {"detail": f"Request was throttled. Expected available in {retry_after} seconds."},
            status=429,
        )
    else:
        body = render_to_string("429.html", {"retry_after": retry_after})
        response = HttpResponse(body, status=429)
    response["Retry-After"] = str(retry_after)
    return response


class RateLimitMiddleware:
    """Placed after AuthenticationMiddleware (it needs request.user for the staff exemption)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        group = bucket(request)
        if group is not None and not _is_staff(request):
            usage = self._usage(request, group)
            if usage is not None and usage["should_limit"]:
                return too_many_requests(request, usage["time_left"])
        return self.get_response(request)

    @staticmethod
    def _usage(request, group: str) -> dict | None:
        try:
            return get_usage(
                request,
                group=group,
                key=_key,
                rate=settings.RATE_LIMITS[group],
                increment=True,
            )
        except Exception as exc:  # noqa: BLE001 - the cache is down: let readers through
            logger.warning("rate limit not applied: cache error %s", type(exc).__name__)
            return None
