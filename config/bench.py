"""What the benchmark (bench/, docs/performance.md) needs from the running site, and only
when the BENCH setting is on: a floor view (a constant through the full middleware stack, the
cost every page pays before its own work) and a count of SQL queries per response.
"""

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.db import connection
from django.http import Http404, HttpResponse


def floor(request):
    """A constant, so a page's time can be read as a multiple of the framework's own."""
    if not settings.BENCH:
        raise Http404
    return HttpResponse(b"ok", content_type="text/plain")


class QueryCountMiddleware:
    """X-Query-Count: queries run while the response was made (a streamed body's queries,
    run later as it is sent, are not counted). Removed from the stack when BENCH is off."""

    def __init__(self, get_response):
        if not settings.BENCH:
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request):
        count = 0

        def counter(execute, sql, params, many, context):
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counter):
            response = self.get_response(request)
        response["X-Query-Count"] = str(count)
        return response
