"""Malformed files, through the admin import page and the command line: a clear message, never
a 500 or a traceback, and the database exactly as it was (row counts and a full dump)."""

from __future__ import annotations

import copy
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from incidents.interchange import FULL, full_export_incidents, iter_json
from incidents.management.commands.import_incidents import Command as ImportCommand
from tests.factories import EstimateFactory, LocationFactory, SourceFactory, published_incident
from tests.roles import staff
from tests.test_import import CSV_ROW, all_rows, csv_text, json_doc

pytestmark = pytest.mark.django_db

URL = "/admin/import/"


def _json(doc) -> bytes:
    return json.dumps(doc, ensure_ascii=False).encode()


def _with(change):
    def build():
        doc = json_doc()
        change(doc)
        return _json(doc)

    return build


def _incident(key, value):
    return _with(lambda doc: doc["incidents"][0].__setitem__(key, value))


def _twice(doc):
    doc["incidents"].append(copy.deepcopy(doc["incidents"][0]))


# (name, file content, file name, what the message says, where)
CASES = [
    ("NaN coordinate", lambda: b'{"format": "refoulement-watch", "version": 1, "locations": '
     b'[{"slug": "x", "name": "X", "country": "CN", "latitude": NaN, "longitude": 1}]}',
     "f.json", "NaN is not a number", None),
    ("Infinity coordinate", lambda: b'{"format": "refoulement-watch", "version": 1, "locations": '
     b'[{"slug": "x", "name": "X", "country": "CN", "latitude": Infinity, "longitude": 1}]}',
     "f.json", "Infinity is not a number", None),
    ("NaN as text", _with(lambda d: d.__setitem__("locations", [
        {"slug": "x", "name": "X", "country": "CN", "latitude": "NaN", "longitude": 1,
         "coordinate_precision": "city"}])), "f.json", "finite", "locations[1].latitude"),
    ("NUL byte in JSON", lambda: _json(json_doc()).replace(b'"Eight', b'"\x00Eight', 1),
     "f.json", "NUL", None),
    ("escaped NUL in JSON text", _incident("title", "Eight\u0000stopped"), "f.json", "NUL",
     "incidents[1].title"),
    ("NUL byte in CSV", lambda: csv_text([CSV_ROW]).encode().replace(b"Eight", b"Ei\x00ght", 1),
     "f.csv", "NUL", None),
    ("lone surrogate", lambda: _json(json_doc()).replace(b"Eight stopped", b"Eight \\ud800", 1),
     "f.json", "lone surrogate", "incidents[1].title"),
    ("list as title", _incident("title", ["a", "b"]), "f.json", "must be text",
     "incidents[1].title"),
    ("object as summary", _incident("summary", {"text": "x"}), "f.json", "must be text",
     "incidents[1].summary"),
    ("number as slug", _incident("slug", 12), "f.json", "must be text", "incidents[1].slug"),
    ("10 MB summary", _incident("summary", "x" * 10_000_000), "f.json", "too long",
     "incidents[1].summary"),
    ("two records with one slug", _with(_twice), "f.json", "appears twice",
     "incidents[2].slug"),
    ("true as a count", _with(lambda d: d["incidents"][0]["groups"][0].__setitem__(
        "size", {"value": True, "qualifier": "exact"})), "f.json", "not a whole number",
     "incidents[1].groups[1].size"),
    ("huge count", _with(lambda d: d["incidents"][0]["groups"][0].__setitem__(
        "size", {"value": 10**30, "qualifier": "exact"})), "f.json", "out of range",
     "incidents[1].groups[1].size"),
    ("unknown group key", _with(lambda d: d["incidents"][0]["groups"][0].__setitem__(
        "names", ["someone"])), "f.json", "unknown field", "incidents[1].groups[1].names"),
    ("bad estimate figure", _with(lambda d: d.__setitem__("estimates", [
        {"source": "hrw-report", "subject": "repatriated", "description": "x",
         "period_start": "2003-01-01", "period_end": "2003-12-31", "value_low": "abc",
         "qualifier": "about"}])), "f.json", "whole number", "estimates[1].value_low"),
    ("negative estimate", _with(lambda d: d.__setitem__("estimates", [
        {"source": "hrw-report", "subject": "repatriated", "description": "x",
         "period_start": "2003-01-01", "period_end": "2003-12-31", "value_low": -5,
         "qualifier": "about"}])), "f.json", "between", "estimates[1].value_low"),
    ("estimate period as a number", _with(lambda d: d.__setitem__("estimates", [
        {"source": "hrw-report", "subject": "repatriated", "description": "x",
         "period_start": 2003, "period_end": "2003-12-31", "value_low": 5,
         "qualifier": "about"}])), "f.json", "YYYY-MM-DD", "estimates[1].period_start"),
    ("estimate with an unknown subject", _with(lambda d: d.__setitem__("estimates", [
        {"source": "hrw-report", "subject": "deported", "description": "x",
         "period_start": "2003-01-01", "period_end": "2003-12-31", "value_low": 5,
         "qualifier": "about"}])), "f.json", "use one of: repatriated", "estimates[1].subject"),
    ("not UTF-8", lambda: "Eight stopped in Shenyang".encode("utf-16"), "f.csv", "not UTF-8",
     None),
    ("incidents is an object", lambda: b'{"format": "refoulement-watch", "version": 1, '
     b'"incidents": {"slug": "x"}}', "f.json", "must be a list of objects", "incidents"),
    ("deeply nested", lambda: b'{"format": "refoulement-watch", "version": 1, "x": '
     + b"[" * 100_000 + b"]" * 100_000 + b"}", "f.json", "nested too deeply", None),
    ("a date as a list", _incident("date", ["2017"]), "f.json", "a date must be",
     "incidents[1].date"),
    ("a boolean as coordinates_public text", _with(lambda d: d.__setitem__("locations", [
        {"slug": "x", "name": "X", "country": "CN", "coordinates_public": "yes"}])),
     "f.json", "true or false", "locations[1].coordinates_public"),
]  # fmt: skip


@pytest.fixture
def world():
    """Records the files refer to, and others a broken import must leave alone."""
    LocationFactory(name="Shenyang", slug="shenyang", country="CN", province="Liaoning")
    LocationFactory(name="Tumen", slug="tumen", country="CN", province="Jilin")
    source = SourceFactory(slug="hrw-report", title="China: Reveal whereabouts of eight")
    published_incident(slug="already-here")
    EstimateFactory(source=source)


def dump() -> str:
    return "".join(iter_json(full_export_incidents(), scope=FULL))


def snapshot():
    return all_rows(), dump()


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_the_import_page_explains_and_changes_nothing(client, login, world, case):
    _name, content, filename, message, where = case
    login(staff("Editor"))
    before = snapshot()
    response = client.post(URL, {"file": SimpleUploadedFile(filename, content()), "_import": "x"})
    assert response.status_code == 200
    body = response.content.decode()
    assert message in body, body[-3000:]
    if where:
        assert where in body
    assert "Traceback" not in body
    assert snapshot() == before


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_the_command_explains_exits_1_and_changes_nothing(
    world, case, tmp_path, monkeypatch, capsys
):
    from django.core.management import base

    _name, content, filename, message, where = case
    staff("Editor", username="cli-editor")
    monkeypatch.setattr(base.connections, "close_all", lambda: None)  # keep the test database
    path = tmp_path / filename
    path.write_bytes(content())
    before = snapshot()
    with pytest.raises(SystemExit) as exit_:
        ImportCommand().run_from_argv(
            ["manage.py", "import_incidents", str(path), "--no-progress", "--user",
             "cli-editor", "--skip-checks"]
        )  # fmt: skip
    assert exit_.value.code == 1
    err = capsys.readouterr().err
    assert message in err
    if where:
        assert where in err
    assert "Traceback" not in err
    assert snapshot() == before


def test_an_update_that_omits_its_groups_is_refused(world):
    """Omitting a list never means "delete them all": say `groups: []` for that."""
    before = snapshot()
    doc = {"format": "refoulement-watch", "version": 1,
           "incidents": [{"slug": "already-here", "status": "published"}]}  # fmt: skip
    from incidents.importer import import_document

    report = import_document(doc, user=staff("Editor"))
    assert not report.ok
    messages = {p.where: p.message for p in report.problems}
    assert 'to remove all groups say "groups": []' in messages["incidents[1].groups"]
    assert "incidents[1].citations" in messages
    assert snapshot() == before


def test_a_missing_user_is_a_message(world, tmp_path):
    path = tmp_path / "f.json"
    path.write_bytes(_json(json_doc()))
    with pytest.raises(Exception, match="No active staff account 'ghost'"):
        call_command("import_incidents", str(path), "--no-progress", "--user", "ghost")
