"""Request logs, error e-mails and Sentry reports carry no restricted value (config/logging.py,
config/sentry.py).

A view that fails holds restricted values everywhere a report could pick them up: in the
exception's message, in local variables, in the POST body, the query string and a cookie.
None of them may reach a log line, the e-mail to ADMINS or a Sentry event.
"""

from __future__ import annotations

import json
import logging

import pytest
import sentry_sdk
from django.http import HttpResponse
from django.test import Client
from django.urls import path
from sentry_sdk.transport import Transport

from config.logging import JSONFormatter, OncePerInterval, RequestLogMiddleware
from config.sentry import init_sentry, scrub_event
from config.urls import urlpatterns as project_urls
from incidents.models import Incident
from tests.factories import IncidentFactory, UserFactory

pytestmark = pytest.mark.django_db

SECRET = "MARKER-RESTRICTED-VALUE"


def failing_view(request):
    incident = Incident.objects.get(notes_internal__contains=SECRET)
    note = incident.notes_internal  # a local variable holding restricted data
    raise ValueError(f"could not process {note} for {request.POST.get('claim')}")


urlpatterns = [path("boom/", failing_view), *project_urls]
handler500 = "config.outage.server_error"


@pytest.fixture
def restricted():
    return IncidentFactory(notes_internal=f"Helper's name: {SECRET}")


def explode(client: Client):
    client.cookies["note"] = SECRET
    return client.post(f"/boom/?q={SECRET}", {"claim": SECRET, "password": SECRET})


@pytest.fixture
def sentry_events():
    """sentry-sdk initialised as in production, with a transport that keeps the envelopes."""
    captured: list[dict] = []

    class Capture(Transport):
        def capture_envelope(self, envelope):
            for item in envelope.items:
                if item.payload.json is not None:
                    captured.append(item.payload.json)

    init_sentry("https://public@sentry.invalid/1", environment="test", transport=Capture)
    yield captured
    sentry_sdk.get_client().close()
    sentry_sdk.init(dsn=None)


@pytest.mark.urls(__name__)
def test_sentry_events_are_scrubbed(restricted, sentry_events):
    response = explode(Client(raise_request_exception=False))
    assert response.status_code == 500
    sentry_sdk.flush()

    assert sentry_events, "the error must reach Sentry"
    text = json.dumps(sentry_events)
    assert SECRET not in text
    [event] = [e for e in sentry_events if e.get("exception")]
    [exception] = event["exception"]["values"]
    assert exception["type"] == "ValueError"
    assert exception["value"] == "[withheld]"
    frames = exception["stacktrace"]["frames"]
    assert any(f["function"] == "failing_view" for f in frames)
    assert all("vars" not in f for f in frames)
    # (The test client bypasses the WSGI handler sentry-sdk hooks for request details.)
    assert set(event.get("request", {})) <= {"method", "url"}
    assert event.get("request", {}).get("url") in (None, "http://testserver/boom/")
    assert "breadcrumbs" not in event


def test_scrubber_strips_every_place_a_value_can_hide():
    event = {
        "request": {"url": f"https://x.org/a/?q={SECRET}", "method": "POST", "data": SECRET,
                    "cookies": {"s": SECRET}, "headers": {"X": SECRET},
                    "query_string": f"q={SECRET}"},
        "exception": {"values": [{"type": "E", "value": SECRET,
                                  "stacktrace": {"frames": [{"vars": {"n": SECRET}}]}}]},
        "threads": {"values": [{"stacktrace": {"frames": [{"vars": {"n": SECRET}}]}}]},
        "logentry": {"message": "saved %s", "params": [SECRET], "formatted": f"saved {SECRET}"},
        "breadcrumbs": {"values": [{"message": SECRET}]},
        "extra": {"x": SECRET},
        "user": {"id": 7, "username": SECRET, "email": SECRET},
    }  # fmt: skip
    scrubbed = scrub_event(event)
    assert SECRET not in json.dumps(scrubbed)
    assert scrubbed["user"] == {"id": 7}
    assert scrubbed["logentry"]["message"] == "saved %s"


@pytest.fixture
def fresh_mail_filter():
    """The mail handler sends one e-mail per error kind and path every 5 minutes per process;
    start from none sent."""
    for handler in logging.getLogger("django").handlers:
        for kept in handler.filters:
            if isinstance(kept, OncePerInterval):
                kept.last_sent.clear()


def test_an_outage_sends_one_mail_not_one_per_request(fresh_mail_filter):
    limiter = OncePerInterval(seconds=300)
    records = [
        logging.LogRecord("django.request", logging.ERROR, __file__, 1, "x", (), None)
        for _ in range(50)
    ]
    assert sum(limiter.filter(r) for r in records) == 1


@pytest.mark.urls(__name__)
def test_error_mail_to_admins_has_no_restricted_value(
    restricted, settings, mailoutbox, fresh_mail_filter
):
    settings.ADMINS = [("Ops", "ops@example.org")]
    response = explode(Client(raise_request_exception=False))
    assert response.status_code == 500

    [mail] = mailoutbox
    assert mail.to == ["ops@example.org"]
    text = mail.subject + mail.body + "".join(str(a) for a in mail.alternatives)
    assert SECRET not in text
    assert "ValueError" in mail.subject
    assert response["X-Request-ID"] in mail.body
    assert "failing_view" in mail.body  # where it happened


@pytest.mark.urls(__name__)
def test_console_log_of_the_error_has_no_restricted_value(restricted, caplog):
    explode(Client(raise_request_exception=False))
    formatter = JSONFormatter()
    lines = [formatter.format(record) for record in caplog.records]
    assert any("ValueError (message withheld)" in line for line in lines)
    assert not [line for line in lines if SECRET in line]


def test_request_log_line_fields(login, caplog):
    user = UserFactory(is_staff=True, is_superuser=True)
    client = login(user)
    caplog.set_level(logging.INFO, logger="refwatch.request")
    response = client.get(f"/incidents/?q={SECRET}")
    [record] = [r for r in caplog.records if r.name == "refwatch.request"]
    line = json.loads(JSONFormatter().format(record))
    assert line["request_id"] == response["X-Request-ID"]
    assert line["path"] == "/incidents/"  # never the query string
    assert line["status"] == 200
    assert line["user_id"] == user.pk
    assert line["duration_ms"] >= 0
    assert SECRET not in json.dumps(line)


def test_request_log_of_an_admin_save_has_no_form_body(login, caplog):
    client = login(UserFactory(is_staff=True, is_superuser=True))
    caplog.set_level(logging.DEBUG)
    client.post("/admin/incidents/source/add/", {"title": SECRET, "kind": "news"})
    assert SECRET not in "\n".join(JSONFormatter().format(r) for r in caplog.records)


def test_middleware_adds_a_request_id_header():
    response = RequestLogMiddleware(lambda request: HttpResponse("ok"))(
        type("R", (), {"path": "/x", "method": "GET"})()
    )
    assert len(response["X-Request-ID"]) == 32
