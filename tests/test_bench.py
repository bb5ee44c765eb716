"""The parts of the benchmark (bench/, config/bench.py) that run without servers: the floor
view and the query-count header exist only with BENCH on; the TOTP code, the wrk report and
the table are computed as the benchmark needs. `bash bench/run.sh --quick` (in .ci/run) runs
the rest."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_otp.oath import TOTP

from bench.run import markdown_table, median_of, parse_wrk, ratio, totp
from incidents.synthetic import generate


def test_floor_view_is_a_404_without_bench(client):
    assert client.get("/bench/floor/").status_code == 404


def test_floor_view_with_bench(settings):
    settings.BENCH = True
    response = Client().get("/bench/floor/")
    assert response.status_code == 200
    assert response.content == b"ok"


@pytest.mark.django_db
def test_no_query_count_header_without_bench(client):
    assert "X-Query-Count" not in client.get("/incidents/").headers


@pytest.mark.django_db
def test_query_count_header_counts_every_query(settings):
    generate(6)
    settings.BENCH = True
    client = Client()  # builds its middleware chain now, with BENCH on
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/incidents/")
    assert response.status_code == 200
    assert int(response["X-Query-Count"]) == len(queries) > 0
    assert client.get("/bench/floor/")["X-Query-Count"] == "0"


@pytest.mark.parametrize("at", [0, 59, 1_111_111_109, 1_234_567_890, 2_000_000_000])
def test_totp_matches_django_otp(at):
    key = bytes(range(20))
    reference = TOTP(key, step=30, t0=0, digits=6)
    reference.time = at
    assert totp(key, at) == f"{reference.token():06d}"


def test_wrk_report_medians_and_table():
    out = 'Running 1s test\nBENCHJSON {"requests": 10, "seconds": 1.0, "rps": 10.0, '
    out += '"p50_ms": 2.0, "p95_ms": 4.0, "p99_ms": 5.0, "max_ms": 6.0, "socket_errors": 0, '
    out += '"non2xx3xx": 1}\n'
    run = parse_wrk(out)
    assert run["p95_ms"] == 4.0
    runs = [run, run | {"p50_ms": 1.0, "rps": 30.0}, run | {"p50_ms": 9.0, "rps": 20.0}]
    assert median_of(runs) == {"p50_ms": 2.0, "p95_ms": 4.0, "rps": 20.0, "errors": 3}
    with pytest.raises(ValueError):
        parse_wrk("wrk: connection refused")
    assert median_of([run | {"requests": 0, "p50_ms": 0.0}])["p50_ms"] is None
    assert ratio(6.0, 2.0) == 3.0
    assert ratio(1.0, 3.0) == 0.333
    assert ratio(6.0, None) is None
    row = {
        "name": "list",
        "queries": 7,
        "first_ms": 50.0,
        "c1": median_of(runs),
        "x_floor": 3.0,
        "x_changelist": 0.25,
    }
    table = markdown_table([row]).splitlines()
    assert table[2] == "| list | 7 | 50.0 | 2.0 | 4.0 | 20.0 | – | – | – | 3.00 | 0.25 | 3 |"
