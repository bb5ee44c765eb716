"""interchange.batch: the bulk exports' records are exactly incident_record()'s.

The per-incident ORM path (records.incident_record, used by the API and the importer) is the
reference; the bulk path built from values() rows must give the same dicts, in both scopes,
on synthetic data that has every kind of record (subgroups, claims and citations on
confidential sources, date claims, actors, vague dates of every precision) and an incident
without groups. The CSV sheet's own direct path (interchange.sheetrows) is held to the rows
csvsheet.csv_rows() makes of those records.
"""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents.interchange import CSV_COLUMNS, FULL, PUBLIC, export_queryset, incident_record
from incidents.interchange.batch import ArrestPlace, Batches
from incidents.interchange.csvsheet import csv_rows
from incidents.interchange.jsondoc import dump
from incidents.interchange.records import JSONEncoder
from incidents.interchange.sheetrows import sheet_rows
from incidents.models import Incident
from incidents.synthetic import MARKERS, generate
from tests.factories import published_incident

pytestmark = pytest.mark.django_db


@pytest.fixture
def incidents():
    generate(40, seed=5)
    published_incident(groups=0, slug="no-groups")
    return Incident.objects.newest_first()


@pytest.mark.parametrize("scope", [PUBLIC, FULL])
@pytest.mark.parametrize("chunk", [1, 7, 1000])
def test_records_equal_the_per_incident_records(incidents, scope, chunk):
    qs = incidents.published() if scope == PUBLIC else incidents
    expected = [incident_record(i, scope) for i in export_queryset(qs, scope)]
    got = list(Batches(qs, scope, chunk).records())
    assert len(got) == qs.count() > 10
    assert got == expected


def test_the_data_has_what_the_comparison_must_cover(incidents):
    records = list(Batches(incidents.published(), PUBLIC).records())
    groups = [g for r in records for g in r["groups"]]
    assert any(g["parent"] for g in groups)
    assert any(g["claims"] for g in groups)
    assert any(g["helpers_nationality"] for g in groups)
    assert any(a for g in groups for e in g["events"] for a in e["actors"])
    assert any(r["date_claims"] for r in records)
    assert any(c["event"] for r in records for c in r["citations"])
    full = json.dumps(list(Batches(incidents, FULL).records()), cls=JSONEncoder)
    assert MARKERS["confidential claim"] in full  # so PUBLIC scope had something to drop


def test_public_records_leave_out_confidential_and_private_data(incidents):
    text = json.dumps(list(Batches(incidents.published(), PUBLIC).records()), cls=JSONEncoder)
    for marker in MARKERS.values():
        assert marker not in text
    for name in ("notes_internal", "status", "created_at", "version", "staff_updated_at"):
        assert f'"{name}"' not in text


def test_dump_writes_datetimes_as_the_json_encoder_does(incidents):
    records = list(Batches(incidents, FULL).records())
    assert json.loads(dump(records)) == json.loads(json.dumps(records, cls=JSONEncoder))
    assert any(r["created_at"].microsecond for r in records)  # the digits were there to keep


def test_queries_per_chunk_do_not_depend_on_its_size(incidents):
    def queries(chunk: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            list(Batches(incidents, FULL, chunk))
        return len(captured)

    # incidents, then groups, events, actors, count claims, date claims, citations per chunk
    assert queries(1000) == 8
    chunks = -(-incidents.count() // 20)
    assert chunks > 1 and queries(20) == 1 + 7 * chunks


@pytest.mark.parametrize("scope", [PUBLIC, FULL])
@pytest.mark.parametrize("chunk", [1, 7, 1000])
def test_sheet_rows_equal_the_rows_of_the_per_incident_records(incidents, scope, chunk):
    """The CSV sheet's direct path gives exactly csv_rows() of incident_record()."""
    qs = incidents.published() if scope == PUBLIC else incidents
    places = {}
    expected = []
    for incident in export_queryset(qs, scope):
        places.update({g.arrest_location.slug: ArrestPlace(g.arrest_location.city,
                       g.arrest_location.province, g.arrest_location.country.code)
                       for g in incident.groups.all() if g.arrest_location_id})  # fmt: skip
        expected += csv_rows(incident_record(incident, scope), scope, places)
    got = [row for rows in sheet_rows(qs, scope, chunk) for row in rows]
    assert len(got) > qs.count() > 10
    assert got == expected
    assert any(row[CSV_COLUMNS.index("group_parent")] for row in got)
    assert any(not row[CSV_COLUMNS.index("group_number")] for row in got)  # no groups


def test_batch_places_are_the_arrest_places(incidents):
    batches = Batches(incidents, FULL)
    records = list(batches.records())
    slugs = {g["arrest_location"] for r in records for g in r["groups"]} - {None}
    assert slugs and set(batches.places) == slugs
