"""Export → import into an empty database → export gives the same bytes.

FULL scope (JSON and CSV) must lose nothing: every field, internal notes, confidential sources,
citations pinned to groups and events, estimates, coordinates. PUBLIC scope must come back
identical too when a public export is imported as published (--publish).
"""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from incidents.importer import import_document, read_document
from incidents.interchange import FULL, PUBLIC, full_export_incidents, iter_csv, iter_json
from incidents.models import (
    Citation,
    CountFields,
    CustodyEvent,
    DatePrecision,
    DetaineeGroup,
    Incident,
)
from incidents.synthetic import generate
from tests.test_exports import validate_document
from tests.test_import import all_rows, importer_user
from tests.wipe import RECORD_MODELS, wipe

pytestmark = pytest.mark.django_db


def export(render, scope: str) -> str:
    incidents = full_export_incidents()
    if scope == PUBLIC:
        incidents = Incident.objects.published().newest_first()
    return "".join(render(incidents, scope=scope))


def reimport(content: str, filename: str, **options) -> None:
    document = read_document(content, filename=filename)
    report = import_document(document, user=importer_user(), **options)
    assert report.ok, report.problems[:10]


@pytest.fixture
def demo():
    call_command("loaddata", "fixtures/demo.json", verbosity=0)


@pytest.fixture
def synthetic():
    return generate(36)


def assert_everything_is_exercised(doc: dict) -> None:
    """The synthetic set must really fill every field the round trip is meant to cover."""
    incidents, groups = doc["incidents"], [g for i in doc["incidents"] for g in i["groups"]]
    events = [e for g in groups for e in g["events"]]
    dates = [i["date"] for i in incidents] + [e["date"] for e in events]
    assert {d["precision"] for d in dates if d} == set(DatePrecision.values)
    for part in CountFields.PARTS:
        assert {g[part]["qualifier"] for g in groups} >= {
            "exact", "at_least", "more_than", "about", "at_most",
        }  # fmt: skip
    assert all(i["notes_internal"] and i["title_ko"] and i["summary_ko"] for i in incidents)
    assert all(g["notes_internal"] for g in groups) and all(e["notes_internal"] for e in events)
    assert {i["status"] for i in incidents} == {"draft", "in_review", "published", "archived"}
    citations = [c for i in incidents for c in i["citations"]]
    assert any(c["group"] and c["event"] for c in citations)
    assert any(c["group"] and not c["event"] for c in citations)
    assert any(not c["group"] for c in citations)
    assert any(s["confidential"] for s in doc["sources"])
    assert all(s["notes_internal"] and s["archive_url"] for s in doc["sources"])
    assert any(p["latitude"] and not p["coordinates_public"] for p in doc["locations"])
    assert any(p["latitude"] and p["coordinates_public"] for p in doc["locations"])
    assert all(p["name_ko"] for p in doc["locations"])
    assert all(p["name_local"] for p in doc["locations"] if p["latitude"])
    # Version 2's structures
    assert {p["kind"] for p in doc["locations"]} >= {"country", "province", "prefecture", "city"}
    claims = [c for g in groups for c in g["claims"]]
    assert {c["part"] for c in claims} >= {"size", "helpers"}
    assert any(c["preferred"] and c["preferred_reason"] for c in claims)
    assert any(not c["preferred"] for c in claims) and any(c["quotation"] for c in claims)
    assert any(g["size"]["qualifier"] == "range" and g["size"]["high"] for g in groups)
    assert any(g["parent"] for g in groups)
    assert any(g["helpers_nationality"] and g["helpers_description"] for g in groups)
    assert any(i["date_claims"] for i in incidents)
    assert any(e["actors"] for e in events) and any(e["circumstance"] for e in events)
    assert any(a["parent"] for a in doc["actors"])
    assert any(s["relays"] for s in doc["sources"])
    assert any(s["date"] and s["date"]["precision"] != "day" for s in doc["sources"])
    assert any(len(e["sources"]) > 1 for e in doc["estimates"])
    assert any(e["value_high"] for e in doc["estimates"])
    assert {e["status"] for e in doc["estimates"]} == {"draft", "published"}
    assert any(".%06d" not in i["updated_at"] and "." in i["updated_at"] for i in incidents)


@pytest.mark.parametrize("dataset", ["demo", "synthetic"])
def test_full_json_round_trip_is_byte_identical(dataset, request):
    request.getfixturevalue(dataset)
    before = export(iter_json, FULL)
    validate_document(json.loads(before), FULL)
    if dataset == "synthetic":
        assert_everything_is_exercised(json.loads(before))
    wipe()
    reimport(before, "backup.json")
    assert export(iter_json, FULL) == before


@pytest.mark.parametrize("dataset", ["demo", "synthetic"])
def test_full_round_trip_restores_csv_too(dataset, request):
    """The CSV rendering of a database restored from the JSON backup is the same."""
    request.getfixturevalue(dataset)
    csv_before = export(iter_csv, FULL)
    public_before = export(iter_json, PUBLIC)
    backup = export(iter_json, FULL)
    wipe()
    reimport(backup, "backup.json")
    assert export(iter_csv, FULL) == csv_before
    assert export(iter_json, PUBLIC) == public_before


@pytest.mark.parametrize("dataset", ["demo", "synthetic"])
def test_full_csv_round_trip_is_byte_identical(dataset, request):
    """CSV carries incidents only: places and sources stay, incidents are re-created."""
    request.getfixturevalue(dataset)
    before = export(iter_csv, FULL)
    for model in (Citation, CustodyEvent, DetaineeGroup, Incident):
        model.objects.all().delete()
    reimport(before, "backup.csv")
    assert export(iter_csv, FULL) == before


@pytest.mark.parametrize("dataset", ["demo", "synthetic"])
def test_public_json_round_trip_is_byte_identical(dataset, request):
    request.getfixturevalue(dataset)
    before = export(iter_json, PUBLIC)
    validate_document(json.loads(before), PUBLIC)
    wipe()
    reimport(before, "public.json", publish=True)
    assert export(iter_json, PUBLIC) == before


@pytest.mark.parametrize("dataset", ["demo", "synthetic"])
def test_public_csv_round_trip_is_byte_identical(dataset, request):
    request.getfixturevalue(dataset)
    before = export(iter_csv, PUBLIC)
    for model in (Citation, CustodyEvent, DetaineeGroup, Incident):
        model.objects.all().delete()
    reimport(before, "public.csv", publish=True)
    assert export(iter_csv, PUBLIC) == before


def test_round_trip_then_reimport_changes_nothing(synthetic):
    backup = export(iter_json, FULL)
    wipe()
    reimport(backup, "backup.json")
    rows = all_rows()
    report = import_document(read_document(backup, filename="backup.json"), user=importer_user())
    assert {what for _kind, what in report.counts} == {"unchanged"}
    assert all_rows() == rows


def test_generate_synthetic_command(capsys):
    call_command("generate_synthetic", "12", "--seed", "4")
    assert "Created 12 synthetic incidents" in capsys.readouterr().out
    assert Incident.objects.count() == 12
    with pytest.raises(CommandError, match="already has incidents"):
        call_command("generate_synthetic", "3")
    call_command("generate_synthetic", "3", "--seed", "5", "--force")
    assert Incident.objects.count() == 15
    for model in RECORD_MODELS:  # everything it makes is valid as the admin sees it
        for obj in model.objects.all():
            obj.full_clean()
