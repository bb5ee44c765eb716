"""Fuzzing kept in the suite, bounded so that CI stays fast: no input is a server error.

- hypothesis: random query strings on every public page, export, feed and API list;
- hypothesis: random and mutated documents through the importer (dry run) and its file reader;
- schemathesis: requests generated from the API's own OpenAPI schema (/api/schema/).

FUZZ_EXAMPLES (default 60) sets how many examples each property tries.
"""

from __future__ import annotations

import copy
import json
import os

import pytest
import schemathesis
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error

from incidents.importer import ImportFileError, import_document, read_document
from incidents.interchange import FULL, iter_json
from incidents.models import Incident
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "60"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,  # the same examples on every run: CI failures are reproducible
)

PUBLIC_URLS = [
    "/", "/incidents/", "/timeline/", "/statistics/", "/map/", "/urgent/",
    "/incidents/export.csv", "/incidents/export.json", "/statistics.csv",
    "/feeds/incidents.atom", "/locations.geojson",
    "/api/incidents/", "/api/locations/", "/api/sources/",
]  # fmt: skip
PARAMETERS = ["city", "country", "date_after", "date_before", "outcome", "q", "page",
              "page_size", "format", "language"]  # fmt: skip
ODD_VALUES = ["", "0", "-1", "2017", "2017-02-30", "9999-99", "1e9", "shenyang", "CN", "xx",
              "repatriated", "../../etc", "%00", "\x00", "'; DROP TABLE x; --", "선양",
              "a" * 500, " ", "2017-03-15T00:00", "null", "[]"]  # fmt: skip

values = st.one_of(st.sampled_from(ODD_VALUES), st.text(max_size=40))
queries = st.lists(
    st.tuples(st.one_of(st.sampled_from(PARAMETERS), st.text(max_size=10)), values), max_size=5
)


@pytest.fixture
def demo(db):
    call_command("loaddata", "fixtures/demo.json", verbosity=0)


def _get(client: Client, url: str, query: list[tuple[str, str]]):
    response = client.get(url, query)
    if response.streaming:
        b"".join(response.streaming_content)  # a failure mid-stream would raise here
    return response


@FUZZ
@given(url=st.sampled_from(PUBLIC_URLS), query=queries)
def test_public_query_strings_never_cause_a_server_error(demo, url, query):
    response = _get(Client(), url, query)
    assert response.status_code < 500, (url, query, response.content[:300])


# -- the import ------------------------------------------------------------------------------------
@pytest.fixture
def editor(db):
    from django.contrib.auth.models import Group

    user = UserFactory(username="fuzz-editor", is_staff=True)
    user.groups.add(Group.objects.get(name="Editor"))
    return user


@pytest.fixture
def exported(demo) -> dict:
    return json.loads("".join(iter_json(Incident.objects.newest_first(), scope=FULL)))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


def _paths(node, prefix=()):
    """Every (path, value) in a JSON document."""
    yield prefix, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, (*prefix, index))


@FUZZ
@given(data=st.data())
def test_mutated_documents_are_reported_never_crash_the_import(exported, editor, data):
    doc = copy.deepcopy(exported)
    paths = [path for path, _value in _paths(doc) if path]
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(paths))
        parent = doc
        try:
            for step in path[:-1]:
                parent = parent[step]
            parent[path[-1]] = data.draw(json_values)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation replaced part of this path
    report = import_document(doc, user=editor, dry_run=True)
    assert report is not None


@FUZZ
@given(content=st.one_of(st.binary(max_size=300), st.text(max_size=300)),
       name=st.sampled_from(["cases.csv", "cases.json", "cases"]))  # fmt: skip
def test_arbitrary_files_are_refused_cleanly(editor, content, name):
    try:
        doc = read_document(content, filename=name)
    except ImportFileError:
        return
    import_document(doc, user=editor, dry_run=True)


# -- the API, from its own schema ------------------------------------------------------------------
@pytest.fixture
def api_schema(demo, settings):
    from config.wsgi import application

    settings.ALLOWED_HOSTS = ["localhost", "testserver"]  # schemathesis's WSGI client
    # Like Django's test client: the real WSGI handler would close the test's database
    # connection (and its transaction) at the end of every request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/schema/", application)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def test_api_from_its_schema_never_answers_5xx(api_schema):
    """Every operation of /api/schema/, with requests schemathesis derives from it (valid and
    invalid parameters alike)."""
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 4
    statuses = []
    for operation in operations:

        @FUZZ
        @given(case=operation.as_strategy())
        def check(case):
            statuses.append(case.call_and_validate(checks=[not_a_server_error]).status_code)

        check()
    assert len(statuses) >= len(operations) * min(EXAMPLES, 10)
    assert 200 in statuses and 400 in statuses  # both valid and invalid requests were made
