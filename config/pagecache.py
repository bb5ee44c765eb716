"""Whole-page cache for anonymous readers of public pages (incidents.cache has the rules).

Innermost middleware (only django-axes, which acts on logins, is below it), so that a cached
page still goes out through the rate limits, the security headers, CSP and the request log.
Only complete 200 answers to anonymous GETs without cookies are stored; staff always see the
live page. The key holds the public version, the language and the full path (and, for the
API, the Accept header), so invalidation is exact and immediate (incidents.cache.bump).
"""

from __future__ import annotations

import logging

from django.core.cache import cache
from django.http import HttpResponse
from django.utils.cache import patch_vary_headers

from incidents import cache as public_cache

logger = logging.getLogger(__name__)

CACHEABLE_PREFIXES = ("/incidents/", "/timeline/", "/statistics", "/map/", "/urgent/",
                      "/locations.geojson", "/feeds/", "/api/")  # fmt: skip
NEVER = ("/incidents/export.",)  # streamed downloads
KEPT_HEADERS = ("Content-Type", "Content-Disposition", "Content-Language", "Vary", "Link",
                "Allow")  # fmt: skip


def _cacheable_request(request) -> bool:
    if request.method != "GET" or public_cache.seconds() <= 0:
        return False
    path = request.path
    if not (path == "/" or path.startswith(CACHEABLE_PREFIXES)) or path.startswith(NEVER):
        return False
    user = getattr(request, "user", None)
    return not (user is not None and user.is_authenticated)


def _cacheable_response(response) -> bool:
    control = response.get("Cache-Control", "")
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and "private" not in control
        and "no-store" not in control
    )


class PublicPageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _cacheable_request(request):
            return self.get_response(request)
        current = public_cache.version()
        if current is None:  # the cache is down: serve live
            return self.get_response(request)
        name = request.get_full_path()
        if request.path.startswith("/api/"):
            name += "\n" + request.META.get("HTTP_ACCEPT", "")
        key = public_cache.key("page", name, current)
        try:
            stored = cache.get(key)
        except Exception:  # noqa: BLE001 - a broken cache must not break the page
            stored = None
        if stored is not None:
            status, headers, content = stored
            response = HttpResponse(content, status=status)
            for header, value in headers:
                response[header] = value
            response["X-Cache"] = "hit"
            return response
        response = self.get_response(request)
        if _cacheable_response(response) and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
            if hasattr(response, "render") and callable(response.render):
                response = response.render()
            headers = [(h, response[h]) for h in KEPT_HEADERS if h in response]
            try:
                cache.set(key, (response.status_code, headers, response.content),
                          public_cache.seconds())  # fmt: skip
            except Exception:  # noqa: BLE001
                logger.warning("public cache unavailable; page not stored")
            response["X-Cache"] = "miss"
        patch_vary_headers(response, ("Cookie",))
        return response
