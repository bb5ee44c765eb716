"""Logs and error e-mails that never carry restricted data.

The rule: a log line or an e-mail says *where* and *what kind*, never *what*. Request lines
carry the request id, method, path (never the query string: a search can name a person),
status, duration and the user's numeric id. Exceptions are shown as their type and stack
(file, line, function), never their message or local variables, because either can hold an
internal note, a source's words, a password or a form body. Django's own error e-mail (the
request's POST data, cookies and every frame's variables) is replaced by SafeAdminEmailHandler.
"""

from __future__ import annotations

import json
import logging
import time
import traceback
import uuid

from django.utils.log import AdminEmailHandler

from config.health import HEALTH_PATHS

REQUEST_FIELDS = ("request_id", "method", "path", "status", "duration_ms", "user_id")

request_logger = logging.getLogger("refwatch.request")


def safe_traceback(exc_info) -> str:
    """'Traceback: file:line in function / code' lines and the exception's type, no message."""
    exc_type, _exc, tb = exc_info
    lines = [
        f'  File "{frame.filename}", line {frame.lineno}, in {frame.name}\n    {frame.line}'
        for frame in traceback.extract_tb(tb)
    ]
    name = f"{exc_type.__module__}.{exc_type.__qualname__}" if exc_type else "?"
    return (
        "Traceback (most recent call last):\n" + "\n".join(lines) + f"\n{name} (message withheld)"
    )


class SafeFormatter(logging.Formatter):
    """Plain text lines whose tracebacks omit exception messages."""

    def formatException(self, ei) -> str:  # noqa: N802 - logging's name
        return safe_traceback(ei)


class JSONFormatter(SafeFormatter):
    """One JSON object per line: time, level, logger, message and the request fields."""

    def format(self, record: logging.LogRecord) -> str:
        data = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in REQUEST_FIELDS:
            if hasattr(record, name):
                data[name] = getattr(record, name)
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False, default=str)


class OncePerInterval(logging.Filter):
    """Lets one record per (logger, exception type, path) through every `seconds`, per process,
    so that an outage sends a handful of e-mails, not one per request."""

    def __init__(self, seconds: float = 300):
        super().__init__()
        self.seconds = seconds
        self.last_sent: dict[tuple, float] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        exc_type = record.exc_info[0].__name__ if record.exc_info else ""
        request = getattr(record, "request", None)
        key = (record.name, exc_type, getattr(request, "path", ""))
        now = time.monotonic()
        if now - self.last_sent.get(key, -self.seconds) < self.seconds:
            return False
        self.last_sent[key] = now
        return True


class SafeAdminEmailHandler(AdminEmailHandler):
    """Django's error e-mail to ADMINS, with only the request id, method, path, status, user id
    and a message-less traceback (Django's would include POST data and frame variables)."""

    def emit(self, record: logging.LogRecord) -> None:
        request = getattr(record, "request", None)
        details = {
            "request id": getattr(request, "request_id", "-"),
            "method": getattr(request, "method", "-"),
            "path": getattr(request, "path", "-"),
            "status": getattr(record, "status_code", "-"),
            "user id": _user_id(request) if request is not None else None,
        }
        exc_name = record.exc_info[0].__name__ if record.exc_info else "no exception"
        subject = self.format_subject(
            f"{record.levelname}: {exc_name} at {details['path']} ({details['request id']})"
        )
        body = "\n".join(f"{key}: {value}" for key, value in details.items())
        if record.exc_info:
            body += "\n\n" + safe_traceback(record.exc_info)
        body += "\n\nDetails (never the data) are in the server log under the request id above.\n"
        self.send_mail(subject, body, fail_silently=True)


def _user_id(request) -> int | None:
    """The logged-in user's id if the request already looked the user up (no new query)."""
    user = getattr(request, "_cached_user", None)
    return user.pk if user is not None and user.is_authenticated else None


class RequestLogMiddleware:
    """One log line per request (logger refwatch.request), and an X-Request-ID header that
    ties a user's report, the log line, an error e-mail and a Sentry event together."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = uuid.uuid4().hex
        started = time.monotonic()
        response = self.get_response(request)
        response["X-Request-ID"] = request.request_id
        if not request.path.startswith(HEALTH_PATHS):
            request_logger.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "request_id": request.request_id,
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.monotonic() - started) * 1000, 1),
                    "user_id": _user_id(request),
                },
            )
        return response
