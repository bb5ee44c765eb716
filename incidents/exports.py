"""Public downloads of exactly what the list page shows: the same filters, every page.

The rows come from interchange.iter_csv / jsondoc.json_chunks in PUBLIC scope and are
streamed a chunk of incidents at a time (interchange.batch), so an export of every record
never holds the whole file in memory.

Streaming must not hide an outage (docs/operations.md):
- the first database query runs before any header is sent (`_started`), so a database that is
  down gives a 503 from config.outage, never a 200 with a cut body;
- a failure later in the stream propagates out of the generator: gunicorn then closes the
  connection without the final chunk, so the client sees an incomplete transfer; and the JSON
  document ends with `incident_count` for readers that want to check.
"""

from __future__ import annotations

import json
import tempfile
from itertools import chain, islice

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.views.decorators.http import require_safe

from incidents.filters import IncidentFilterSet
from incidents.interchange import PUBLIC, iter_csv
from incidents.interchange.csvzip import write_zip
from incidents.interchange.jsondoc import json_chunks
from incidents.search import best_matches_first


def filtered_incidents(request):
    """(published incidents matching the list page's filters, None) or (None, field errors).
    A specific search is ranked as on the list page, so the file lists the rows in its order."""
    filterset = IncidentFilterSet.public(request.GET)
    if not filterset.is_valid():
        return None, filter_errors(filterset)
    return best_matches_first(filterset.qs, filterset.form.cleaned_data.get("q")), None


def filter_errors(filterset) -> dict[str, list[str]]:
    """{"date_after": ["'yesterday' is not a date..."], "__all__": [...]} as plain text."""
    return {name: [str(m) for m in messages] for name, messages in filterset.errors.items()}


def bad_filters_text(errors: dict[str, list[str]]) -> HttpResponse:
    lines = ["Invalid filters:"] + [
        f"- {'filters' if name == '__all__' else name}: {message}"
        for name, messages in errors.items()
        for message in messages
    ]
    return HttpResponse(
        "\n".join(lines) + "\n", status=400, content_type="text/plain; charset=utf-8"
    )


def _filename(extension: str) -> str:
    return f"refoulement-watch-incidents-{timezone.localdate().isoformat()}.{extension}"


def _started(chunks):
    """The same chunks, with the first two already produced: iter_csv and json_chunks yield their
    header first and run their first query for the second chunk, so the database has answered
    (or raised) before the response, and its 200, exists."""
    head = list(islice(chunks, 2))
    return chain(head, chunks)


def _download(chunks, content_type: str, extension: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(_started(chunks), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{_filename(extension)}"'
    return response


@require_safe
def export_csv(request):
    incidents, errors = filtered_incidents(request)
    if errors:
        return bad_filters_text(errors)
    return _download(
        iter_csv(incidents.newest_first(), scope=PUBLIC), "text/csv; charset=utf-8", "csv"
    )


@require_safe
def export_json(request):
    incidents, errors = filtered_incidents(request)
    if errors:
        body = json.dumps({"errors": errors}, ensure_ascii=False)
        return HttpResponse(body, status=400, content_type="application/json; charset=utf-8")
    chunks = json_chunks(incidents.newest_first(), scope=PUBLIC)
    return _download(chunks, "application/json; charset=utf-8", "json")


@require_safe
def export_zip(request):
    """The complete CSV rendering: the main sheet and its companion sheets (claims, events,
    citations, places, sources, actors, estimates) in one ZIP."""
    incidents, errors = filtered_incidents(request)
    if errors:
        return bad_filters_text(errors)
    # Closed by the response when the download ends (the generator's finally).
    buffer = tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024)  # noqa: SIM115
    write_zip(incidents.newest_first(), scope=PUBLIC, fileobj=buffer)
    buffer.seek(0)
    return _download(_chunks(buffer), "application/zip", "zip")


def _chunks(fileobj, size: int = 1 << 16):
    try:
        while chunk := fileobj.read(size):
            yield chunk
    finally:
        fileobj.close()
