"""Interchange format version 2: version-1 files still read (and upgraded honestly), the ZIP of
sheets round-trips, the main CSV sheet alone says which sheet is missing, re-import is
idempotent whatever the order of the records, and bad codes are named with the valid ones."""

import io
import json
import random
import zipfile

import pytest
from django.core.management import call_command

from incidents.importer import import_document, read_document
from incidents.interchange import FULL, PUBLIC, full_export_incidents, iter_csv, iter_json
from incidents.interchange.csvzip import zip_bytes
from incidents.models import (
    CountClaim,
    DetaineeGroup,
    Estimate,
    Incident,
    Location,
    Source,
)
from incidents.synthetic import generate
from tests.test_import import importer_user
from tests.wipe import wipe

pytestmark = pytest.mark.django_db

# A full version-1 export as the previous release wrote it: helpers counted inside `size`,
# places as city/province text, a source's `published_on`, an estimate's single source.
V1_DOCUMENT = {
    "format": "refoulement-watch", "version": 1, "scope": "full",
    "incidents": [{
        "slug": "qingdao-kunming-2014", "title": "29 North Koreans and six helpers arrested",
        "summary": "Arrested in Qingdao and Kunming.", "title_ko": "", "summary_ko": "",
        "date": {"earliest": "2014-07-15", "latest": "2014-07-17", "precision": "days"},
        "published_at": "2014-08-01T00:00:00Z", "updated_at": "2014-08-01T00:00:00Z",
        "status": "published", "notes_internal": "", "created_at": "2014-08-01T00:00:00Z",
        "staff_updated_at": "2014-08-01T00:00:00Z", "version": 3,
        "groups": [{
            "sequence": 1, "label": "Qingdao and Kunming", "outcome": "repatriated",
            "size": {"value": 35, "qualifier": "exact"},
            "women": {"value": None, "qualifier": "unknown"},
            "men": {"value": None, "qualifier": "unknown"},
            "minors": {"value": 1, "qualifier": "at_least"},
            "helpers": {"value": 6, "qualifier": "exact"},
            "arrest_location": "qingdao", "notes_internal": "",
            "events": [{"sequence": 1, "kind": "arrested", "description": "",
                        "date": {"earliest": "2014-07-15", "latest": "2014-07-15",
                                 "precision": "day"},
                        "location": "qingdao", "notes_internal": ""}],
        }],
        "citations": [{"source": "korea-herald-2014", "claim": "29 North Koreans and six",
                       "locator": "", "group": 1, "event": None}],
    }],
    "estimates": [{
        "subject": "repatriated", "description": "North Koreans repatriated from China in 2003",
        "country": "CN", "period_start": "2003-01-01", "period_end": "2003-12-31",
        "value_low": 7800, "value_high": None, "qualifier": "at_least",
        "attributed_to": "U.S. Committee for Refugees", "claim": "At least 7,800",
        "source": "korea-herald-2014", "status": "published", "version": 1,
    }],
    "locations": [{
        "slug": "qingdao", "name": "Qingdao", "name_ko": "칭다오", "name_local": "青岛",
        "kind": "city", "city": "Qingdao", "province": "Shandong", "country": "CN",
        "latitude": 36.0671, "longitude": 120.3826, "coordinate_precision": "city",
        "coordinates_public": True, "notes_internal": "", "version": 1,
    }],
    "sources": [{
        "slug": "korea-herald-2014", "title": "Humane China", "publisher": "The Korea Herald",
        "url": "https://www.koreaherald.com/view.php?ud=20140728000820", "archive_url": "",
        "published_on": "2014-07-28", "kind": "news", "language": "en", "reliability": "B",
        "confidential": False, "notes_internal": "", "version": 1,
    }],
}  # fmt: skip


def run(content, filename, **options):
    report = import_document(read_document(content, filename=filename),
                             user=importer_user(), **options)  # fmt: skip
    return report


def export_json(scope=FULL) -> str:
    incidents = full_export_incidents()
    if scope == PUBLIC:
        incidents = Incident.objects.published().newest_first()
    return "".join(iter_json(incidents, scope=scope))


def test_a_version_1_file_is_upgraded_without_inventing_anything():
    report = run(json.dumps(V1_DOCUMENT), "old.json")
    assert report.ok, report.problems
    group = DetaineeGroup.objects.get()
    # v1 counted helpers inside the group; v2 counts North Koreans apart from them.
    assert (group.size_value, group.size_qualifier) == (29, "exact")
    assert (group.helpers_value, group.helpers_qualifier) == (6, "exact")
    assert "helpers" in group.notes_internal  # the change is said where staff will see it
    qingdao = Location.objects.get(slug="qingdao")
    parent = qingdao.parent
    assert (parent.kind, parent.name, parent.parent.kind, parent.parent.code) == (
        "province", "Shandong", "country", "CN",
    )  # fmt: skip
    assert (qingdao.country.code, qingdao.province) == ("CN", "Shandong")
    herald = Source.objects.get()
    assert herald.vague_date.render() == "28 July 2014"
    estimate = Estimate.objects.get()
    assert [(s.source, s.claim) for s in estimate.citations.all()] == [(herald, "At least 7,800")]


def test_version_1_then_version_2_round_trip_is_byte_identical():
    """v1 file → v2 database → export v2 → empty database → import → export: the same bytes."""
    assert run(json.dumps(V1_DOCUMENT), "old.json").ok
    first = export_json()
    assert json.loads(first)["version"] == 2
    wipe()
    assert run(first, "v2.json").ok
    assert export_json() == first


def test_the_zip_of_sheets_round_trips(tmp_path):
    generate(24)
    for scope in (FULL, PUBLIC):
        incidents = full_export_incidents() if scope == FULL else (
            Incident.objects.published().newest_first())  # fmt: skip
        before = zip_bytes(incidents, scope=scope)
        sheets = _sheets(before)
        assert set(sheets) >= {"incidents.csv", "events.csv", "claims.csv", "places.csv",
                               "sources.csv", "actors.csv", "estimates.csv"}  # fmt: skip
        path = tmp_path / f"{scope}.zip"
        path.write_bytes(before)
        wipe()
        call_command("import_incidents", str(path), user=importer_user().username,
                     publish=scope == PUBLIC, verbosity=0)  # fmt: skip
        incidents = full_export_incidents() if scope == FULL else (
            Incident.objects.published().newest_first())  # fmt: skip
        assert _sheets(zip_bytes(incidents, scope=scope)) == sheets, scope
        if scope == FULL:
            wipe()
            generate(24)


def _sheets(content: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name).decode("utf-8-sig") for name in archive.namelist()}


def test_the_main_sheet_alone_into_an_empty_database_says_which_sheets_are_missing():
    generate(6)
    main_sheet = "".join(iter_csv(full_export_incidents(), scope=FULL))
    wipe()
    report = run(main_sheet, "incidents.csv")
    assert not report.ok
    assert len(report.problems) == 1, report.problems
    (problem,) = report.problems
    assert problem.where == "file"
    for sheet in ("places.csv", "sources.csv"):
        assert sheet in problem.message
    assert not Incident.objects.exists()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_reimport_is_idempotent_whatever_the_order_of_the_records(seed):
    generate(18)
    before = export_json()
    doc = json.loads(before)
    rng = random.Random(seed)
    for key in ("incidents", "locations", "sources", "actors", "estimates"):
        rng.shuffle(doc[key])
    shuffled = json.dumps(doc, ensure_ascii=False)
    report = run(shuffled, "shuffled.json")
    assert report.ok, report.problems[:5]
    assert {outcome for (_kind, outcome) in report.counts} == {"unchanged"}, report.counts
    assert export_json() == before
    wipe()
    assert run(shuffled, "shuffled.json").ok
    assert export_json() == before


@pytest.mark.parametrize(
    ("path", "value", "codes"),
    [
        (("groups", 0, "outcome"), "deported", ["detained", "repatriated", "unknown"]),
        (("groups", 0, "events", 0, "kind"), "vanished", ["arrested", "transferred"]),
        (
            ("groups", 0, "events", 0, "circumstance"),
            "ambush",
            ["traffic_or_id_check", "safe_house_raid"],
        ),
        (("groups", 0, "claims", 0, "part"), "children", ["size", "helpers", "minors"]),
    ],
)
def test_a_bad_code_is_named_with_the_valid_ones(path, value, codes):
    generate(4)
    doc = json.loads(export_json())
    incident = next(i for i in doc["incidents"] if i["groups"] and i["groups"][0]["claims"]
                    and i["groups"][0]["events"])  # fmt: skip
    target = incident
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    report = run(json.dumps(doc), "bad.json")
    assert not report.ok
    messages = " ".join(p.message for p in report.problems)
    assert f"'{value}' is not a valid choice" in messages
    for code in codes:
        assert code in messages, code


def test_conflicting_claims_travel_with_their_sources_and_confidential_ones_stay_home():
    generate(8)
    public = json.loads(export_json(PUBLIC))
    full = json.loads(export_json(FULL))
    public_claims = [c for i in public["incidents"] for g in i["groups"] for c in g["claims"]]
    full_claims = [c for i in full["incidents"] for g in i["groups"] for c in g["claims"]]
    assert public_claims and len(full_claims) > len(public_claims)
    confidential = set(Source.objects.filter(confidential=True).values_list("slug", flat=True))
    assert not {c["source"] for c in public_claims} & confidential
    assert any(c["source"] in confidential for c in full_claims)
    # Several sources' figures for one group, one of them preferred.
    by_group = [g["claims"] for i in public["incidents"] for g in i["groups"] if g["claims"]]
    assert any(len({c["count"]["value"] for c in claims}) > 1 for claims in by_group)
    assert all(sum(c["preferred"] for c in claims if c["part"] == "size") <= 1
               for claims in by_group)  # fmt: skip
    assert CountClaim.objects.filter(preferred=True).exists()
