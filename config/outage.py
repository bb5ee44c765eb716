"""Honest outages: when the database is unreachable, say so (503 + Retry-After), never 500.

Django turns every exception raised by a view *or a middleware* into a response through
`handler500` (config/urls.py), called while the exception is being handled, so
`sys.exc_info()` tells what went wrong. A database connection error becomes a 503 with a
Retry-After header; anything else stays a 500. Both pages are static: rendering them needs no
database, session, message or user (no request context), so they work in the middle of an
outage. Under /api/ the body is JSON ({"detail": ...}), like every other API error.
"""

from __future__ import annotations

import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string

#: Errors that mean "the database did not answer", not "this request is wrong". Django wraps
#: the driver's errors (psycopg's connection errors included) into these two.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)


def database_unavailable(exc: BaseException | None) -> bool:
    return isinstance(exc, DATABASE_UNAVAILABLE)


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def unavailable_response(request) -> HttpResponse:
    """503 with Retry-After: plain HTML for pages, JSON under /api/, plain text for exports."""
    retry = str(settings.OUTAGE_RETRY_AFTER)
    if _is_api(request):
        response = JsonResponse(
            {"detail": "The service is temporarily unavailable; try again later."}, status=503
        )
    else:
        response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = retry
    response["Cache-Control"] = "no-store"
    return response


def server_error(request, *args, **kwargs) -> HttpResponse:
    """handler500: 503 for a database outage, a static 500 page (or JSON) otherwise."""
    if database_unavailable(sys.exc_info()[1]):
        return unavailable_response(request)
    if _is_api(request):
        return JsonResponse({"detail": "Server error."}, status=500)
    return HttpResponse(render_to_string("500.html"), status=500)
