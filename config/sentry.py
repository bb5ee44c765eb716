"""Error reports to Sentry (only when SENTRY_DSN is set), scrubbed before they leave.

What is sent: the exception's type and stack (file, line, function, source line), the
request's method and path, the request id and the user's numeric id. What is never sent:
exception messages and log arguments (they can quote a record), local variables, request
bodies, query strings, cookies and headers, breadcrumbs (they hold SQL parameters), and
performance traces. scrub_event() enforces this on every event whatever the SDK's defaults
(personal data collection stays at the SDK's default, off);
tests/test_logging.py proves it with a capturing transport.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

WITHHELD = "[withheld]"


def scrub_event(event: dict, hint: dict | None = None) -> dict:
    request = event.pop("request", None)
    if request:
        parts = urlsplit(request.get("url") or "")
        url = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
        kept = {"method": request.get("method"), "url": url}
        event["request"] = {key: value for key, value in kept.items() if value}

    for container in ("exception", "threads"):
        for value in (event.get(container) or {}).get("values", []):
            if container == "exception" and value.get("value"):
                value["value"] = WITHHELD
            for frame in (value.get("stacktrace") or {}).get("frames", []):
                frame.pop("vars", None)

    for key in ("logentry", "message"):
        entry = event.get(key)
        if isinstance(entry, dict):
            event[key] = {"message": entry.get("message", ""), "params": []}
            entry = event[key]
            entry.pop("formatted", None)
    if isinstance(event.get("message"), str):
        event["message"] = WITHHELD

    user = event.get("user") or {}
    event["user"] = {"id": user["id"]} if user.get("id") is not None else {}
    for key in ("breadcrumbs", "extra", "spans"):
        event.pop(key, None)
    return event


def init_sentry(dsn: str, *, environment: str = "production", transport=None) -> None:
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        integrations=[DjangoIntegration(middleware_spans=False, signals_spans=False)],
        include_local_variables=False,
        max_request_body_size="never",
        max_breadcrumbs=0,
        traces_sample_rate=0,
        before_send=scrub_event,
        transport=transport,
    )
