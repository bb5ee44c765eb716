"""Honest outages (config/outage.py, config/sessions.py, incidents/exports.py).

In-process tests make every query fail with Django's execute_wrapper. The last test does it
for real: its own PostgreSQL (initdb in a temporary folder, its own port — never the shared
server), gunicorn with two workers, traffic, the database stopped and started again; it
writes the timeline it observed to artifacts/outage-timeline.txt.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from pathlib import Path

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import OperationalError, connection
from django.test import Client

from bench.htmlforms import form_fields
from incidents import interchange
from incidents.models import Source
from tests.factories import UserFactory, published_incident
from tests.servers import (
    PROJECT_ROOT,
    ThrowawayPostgres,
    app_env,
    gunicorn,
    http_get,
    initdb_unavailable,
    manage,
    wait_until,
)

pytestmark = pytest.mark.django_db

PAGES = ["/", "/incidents/", "/incidents/some-case/", "/timeline/", "/statistics/", "/map/"]
EXPORTS = ["/incidents/export.csv", "/incidents/export.json"]


def database_down(execute, sql, params, many, context):
    raise OperationalError("could not connect to server (simulated)")


def fail_after(n: int):
    """An execute_wrapper letting the first n queries through, then failing every one."""
    calls = {"n": 0}

    def wrapper(execute, sql, params, many, context):
        calls["n"] += 1
        if calls["n"] > n:
            raise OperationalError("server closed the connection unexpectedly (simulated)")
        return execute(sql, params, many, context)

    return wrapper


@pytest.fixture
def anonymous():
    return Client(raise_request_exception=False)


@pytest.mark.parametrize("url", PAGES)
def test_pages_answer_503_with_retry_after(anonymous, url):
    published_incident(slug="some-case")
    with connection.execute_wrapper(database_down):
        response = anonymous.get(url)
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assert response["Content-Type"].startswith("text/html")
    body = response.content.decode()
    assert "Temporarily unavailable" in body
    assert "Server Error" not in body


@pytest.mark.parametrize("url", ["/api/incidents/", "/api/incidents/x/", "/api/sources/"])
def test_api_answers_json_503(anonymous, url):
    with connection.execute_wrapper(database_down):
        response = anonymous.get(url)
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "The service is temporarily unavailable; try again later."}
    assert int(response["Retry-After"]) > 0


@pytest.mark.parametrize("url", EXPORTS)
def test_exports_answer_503_before_any_header(anonymous, url):
    published_incident()
    with connection.execute_wrapper(database_down):
        response = anonymous.get(url)
    assert response.status_code == 503
    assert not response.streaming
    assert "Content-Disposition" not in response
    assert int(response["Retry-After"]) > 0


def test_a_logged_in_staff_member_gets_503_not_500(login):
    client = login(UserFactory(is_staff=True, is_superuser=True))
    client.raise_request_exception = False
    with connection.execute_wrapper(database_down):
        for url in ("/", "/admin/", "/admin/incidents/incident/"):
            response = client.get(url)
            assert response.status_code == 503, url
            assert "Temporarily unavailable" in response.content.decode()


def test_other_errors_stay_500_on_a_static_page(anonymous, monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError("a bug")

    monkeypatch.setattr("incidents.views.render", broken)
    response = anonymous.get("/")
    assert response.status_code == 500
    assert "Retry-After" not in response
    assert "Server error" in response.content.decode()
    api = anonymous.get("/api/incidents/", HTTP_ACCEPT="application/json")
    assert api.status_code in {200, 500}  # the API does not use incidents.views.render


# The queries that fetch the first chunk: for the JSON its incidents, then groups, events, their
# actors, count claims, date claims, citations and correction dates (interchange.batch.Batches);
# for the CSV sheet its incidents, groups, events, citations and correction dates
# (interchange.sheetrows).
@pytest.mark.parametrize("url,queries", [(EXPORTS[0], 5), (EXPORTS[1], 8)])
def test_a_failure_mid_stream_raises_instead_of_ending_the_file(client, monkeypatch, url, queries):
    """The first chunk of incidents comes through, then the database fails: the generator must
    raise (gunicorn then aborts the connection), not end the body as if it were complete."""
    monkeypatch.setattr(interchange.jsondoc, "CHUNK", 2)
    monkeypatch.setattr(interchange.sheetrows, "CHUNK", 2)
    for n in range(5):
        published_incident(slug=f"case-{n}")
    with connection.execute_wrapper(fail_after(queries)):
        response = client.get(url)
        assert response.status_code == 200
        with pytest.raises(OperationalError):
            b"".join(response.streaming_content)


def test_json_export_ends_with_its_count(client):
    for n in range(3):
        published_incident(slug=f"case-{n}")
    body = b"".join(client.get(EXPORTS[1]).streaming_content).decode()
    assert body.rstrip().endswith('"incident_count": 3\n}')
    assert json.loads(body)["incident_count"] == len(json.loads(body)["incidents"]) == 3


def test_a_committed_save_is_not_shown_as_an_error(login, monkeypatch):
    """The database dies right after the admin's save committed, when the session (sliding idle
    timeout) is written: the caseworker sees the normal redirect, and the record is there."""
    client = login(UserFactory(is_staff=True, is_superuser=True))
    client.raise_request_exception = False
    url = "/admin/incidents/source/add/"
    data = form_fields(client.get(url).content.decode(), "source_form")
    data.update(title="Saved just before the outage", kind="news")

    def session_write_fails(self, *args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly (simulated)")

    monkeypatch.setattr(SessionStore, "save", session_write_fails)
    response = client.post(url, data)

    assert response.status_code == 302, response.content[:2000]
    assert Source.objects.filter(title="Saved just before the outage").exists()


# -- the real thing -------------------------------------------------------------------------------
class Traffic(threading.Thread):
    """Readers hitting pages, the API and an export in a loop, recording what they got."""

    URLS = ["/", "/incidents/", "/api/incidents/?page_size=5", "/timeline/"]

    def __init__(self, base: str, started: float):
        super().__init__(daemon=True)
        self.base, self.started = base, started
        self.results: list[tuple[float, str, int, str | None, str]] = []
        self.stop = threading.Event()

    def run(self):
        n = 0
        while not self.stop.is_set():
            url = self.URLS[n % len(self.URLS)]
            n += 1
            try:
                status, headers, _body = http_get(self.base + url, timeout=10)
                kind = headers.get("Content-Type", "")
            except OSError as error:
                status, headers, kind = 0, {}, type(error).__name__
            self.results.append(
                (time.monotonic() - self.started, url, status, headers.get("Retry-After"), kind)
            )
            time.sleep(0.05)


def cut_download(base: str, path: str, stop_database) -> tuple[bytes, bytes]:
    """GET `path` reading slowly: take the headers and a little body, call stop_database()
    while the server is blocked writing, then read to the end. (headers, body) raw."""
    host, port = base.removeprefix("http://").split(":")
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect((host, int(port)))
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(4096)
    time.sleep(1.0)  # the worker fills the socket buffers and blocks inside the first chunk
    stop_database()
    sock.settimeout(30)
    while chunk := sock.recv(65536):
        data += chunk
    sock.close()
    head, _, body = data.partition(b"\r\n\r\n")
    return head, body


@pytest.mark.skipif(bool(initdb_unavailable()), reason=initdb_unavailable() or "")
def test_a_real_postgresql_outage_mid_traffic(tmp_path):
    timeline: list[str] = []
    t0 = time.monotonic()

    def note(text: str):
        line = f"{time.monotonic() - t0:6.1f}s  {text}"
        timeline.append(line)

    pg = ThrowawayPostgres().init()
    try:
        pg.start()
        pg.createdb("refwatch_outage")
        env = app_env(
            DATABASE_URL=pg.url("refwatch_outage"),
            DB_CONN_MAX_AGE="60",  # persistent connections, as in production
            RATELIMIT_ENABLE="0",
            OUTAGE_RETRY_AFTER="15",
        )
        manage("migrate", "--noinput", "-v0", env=env)
        manage("generate_synthetic", "1200", env=env)
        # Big summaries: the first 500 incidents of the JSON export (one chunk) are ~10 MB,
        # more than the sockets buffer, so the server is still inside that chunk when the
        # database stops in the mid-stream test below.
        manage(
            "shell", "-c",
            "from incidents.models import Incident; "
            "Incident.objects.update(summary='x' * 20000)",
            env=env,
        )  # fmt: skip
        published = json.loads(manage("export_incidents", "-", env=env).stdout)["incident_count"]
        note(f"throwaway PostgreSQL on port {pg.port}; {published} published incidents")

        with gunicorn(env, workers=2) as (base, server):
            traffic = Traffic(base, t0)
            traffic.start()
            time.sleep(2)
            assert http_get(base + "/readyz")[0] == 200
            note("traffic running: pages, API, timeline; /readyz 200")

            pg.stop("fast")
            note("PostgreSQL stopped (pg_ctl stop -m fast)")
            time.sleep(1)
            down = {url: http_get(base + url) for url in [*PAGES[:2], "/api/incidents/", *EXPORTS]}
            for url, (status, headers, body) in down.items():
                assert status == 503, (url, status, body[:300])
                assert headers["Retry-After"] == "15", url
                assert "Content-Disposition" not in headers, url
            assert down["/api/incidents/"][1]["Content-Type"] == "application/json"
            assert json.loads(down["/api/incidents/"][2])["detail"]
            assert b"Temporarily unavailable" in down["/"][2]
            assert http_get(base + "/healthz")[0] == 200
            assert http_get(base + "/readyz")[0] == 503
            note("while down: pages 503 (HTML), API 503 (JSON), exports 503 before any header, "
                 "all with Retry-After: 15; /healthz 200, /readyz 503")  # fmt: skip
            time.sleep(5)

            pg.start()
            note("PostgreSQL started again")
            assert wait_until(lambda: http_get(base + "/incidents/")[0] == 200, 30)
            assert wait_until(lambda: http_get(base + "/readyz")[0] == 200, 30)
            note("recovered: /incidents/ 200 and /readyz 200, same gunicorn (no restart)")
            assert server.poll() is None
            time.sleep(2)
            traffic.stop.set()
            traffic.join(15)

            # A failure mid-stream: the transfer must end without the closing chunk.
            head, body = cut_download(base, "/incidents/export.json", lambda: pg.stop("immediate"))
            assert head.startswith(b"HTTP/1.1 200"), head
            assert b"transfer-encoding: chunked" in head.lower()
            assert not body.endswith(b"0\r\n\r\n"), "the cut download looked complete"
            assert b"incident_count" not in body
            note(f"mid-stream stop (-m immediate): 200 then connection closed after "
                 f"{len(body) / 1e6:.1f} MB, no final chunk, no incident_count")  # fmt: skip
            pg.start()
            assert wait_until(lambda: http_get(base + "/readyz")[0] == 200, 30)
            status, _headers, full = http_get(base + "/incidents/export.json", timeout=120)
            document = json.loads(full)
            assert status == 200
            assert document["incident_count"] == len(document["incidents"]) == published
            note(f"after restart: full JSON export {len(full) / 1e6:.1f} MB, "
                 f"incident_count {document['incident_count']} = incidents listed")  # fmt: skip

        by_phase = summarise(traffic.results)
        timeline.append("traffic (seconds since start: status counts):")
        timeline.extend(f"  {line}" for line in by_phase)
        statuses = {status for _t, _url, status, _retry, _kind in traffic.results}
        assert statuses <= {200, 503}, statuses  # never a 500, never a dropped connection
        assert 503 in statuses
        for _t, url, status, retry, kind in traffic.results:
            if status == 503:
                assert retry == "15"
                assert kind.startswith("application/json" if "/api/" in url else "text/html")
    finally:
        pg.destroy()
        out = PROJECT_ROOT / "artifacts"
        out.mkdir(exist_ok=True)
        Path(out / "outage-timeline.txt").write_text("\n".join(timeline) + "\n")
        print("\n".join(timeline))


def summarise(results) -> list[str]:
    """Consecutive runs of the same status: '12.3–18.9 s: 503 ×40'."""
    runs: list[list] = []
    for t, _url, status, _retry, _kind in results:
        if runs and runs[-1][2] == status:
            runs[-1][1], runs[-1][3] = t, runs[-1][3] + 1
        else:
            runs.append([t, t, status, 1])
    return [f"{a:5.1f}–{b:5.1f} s: {status} ×{n}" for a, b, status, n in runs]
