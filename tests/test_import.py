"""Importing the interchange format: problems by record/row and field, all-or-nothing,
dry runs, idempotence, and the import_incidents command."""

import copy
import csv
import io
import json

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from incidents.importer import ImportFileError, import_document, read_document
from incidents.interchange import (
    CSV_COLUMNS,
    FULL,
    PUBLIC,
    full_export_incidents,
    iter_csv,
    iter_json,
)
from incidents.management.commands.import_incidents import Command as ImportCommand
from incidents.models import Citation, CustodyEvent, DetaineeGroup, Incident, Location, Status
from incidents.synthetic import generate
from tests.factories import LocationFactory, SourceFactory
from tests.roles import staff
from tests.wipe import wipe

pytestmark = pytest.mark.django_db


# -- helpers ------------------------------------------------------------------------------------
def all_rows() -> dict[str, int]:
    """Row counts of every model of the app, historical records and access log included."""
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_app_config("incidents").get_models()
    }


@pytest.fixture
def places():
    LocationFactory(name="Shenyang", slug="shenyang", name_ko="선양", name_local="沈阳")
    LocationFactory(name="Tumen", slug="tumen")
    SourceFactory(slug="hrw-report", title="China: Reveal whereabouts of eight")


def json_doc() -> dict:
    """A valid document, written as a person would: dates and counts as reported."""
    return {
        "format": "refoulement-watch",
        "version": 1,
        "incidents": [
            {
                "slug": "eight-stopped-in-shenyang",
                "title": "Eight stopped in Shenyang 선양",
                "summary": "Eight North Koreans were stopped at a traffic check.",
                "date": "mid-March 2017",
                "groups": [
                    {
                        "label": "Group of eight",
                        "outcome": "detained",
                        "arrest_location": "shenyang",
                        "size": "8",
                        "women": {"value": 4, "qualifier": "at_least"},
                        "events": [
                            {
                                "kind": "arrested",
                                "date": "15 March 2017",
                                "location": "shenyang",
                                "description": "Stopped.",
                            },
                            {
                                "kind": "transferred",
                                "date": "late March 2017",
                                "location": "tumen",
                                "description": "Moved to Tumen.",
                            },
                        ],  # fmt: skip
                    }
                ],
                "citations": [
                    {
                        "source": "hrw-report",
                        "claim": "eight North Koreans",
                        "group": 1,
                        "event": 1,
                        "locator": "para. 1",
                    }
                ],  # fmt: skip
            }
        ],
    }


CSV_ROW = {
    "incident_slug": "eight-stopped-in-shenyang",
    "incident_title": "Eight stopped in Shenyang 선양",
    "incident_summary": "Eight North Koreans were stopped at a traffic check.",
    "incident_date": "mid-March 2017",
    "incident_sources": "hrw-report",
    "group_number": "1",
    "group_label": "Group of eight",
    "group_outcome": "detained",
    "group_arrest_location": "shenyang",
    "group_size": "8",
    "group_women": "at least 4",
    "group_events": "arrested | 15 March 2017 | shenyang | Stopped.\n"
    "transferred | late March 2017 | tumen | Moved to Tumen.",
}


def csv_text(rows: list[dict], columns=CSV_COLUMNS) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, restval="", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return "\ufeff" + out.getvalue()


def importer_user():
    """The staff member tests import as: an editor, unless a test says otherwise."""
    user = get_user_model().objects.filter(username=IMPORTER).first()
    return user or staff("Editor", username=IMPORTER)


IMPORTER = "importer"


def run_import(content, *, filename="file.json", user=None, **options):
    if isinstance(content, dict):
        content = json.dumps(content, ensure_ascii=False)
    document = read_document(content, filename=filename)
    return import_document(document, user=user or importer_user(), **options)


def problems(report) -> dict[str, str]:
    return {p.where: p.message for p in report.problems}


# -- a valid file --------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["json", "csv"])
def test_a_valid_file_is_imported_as_a_draft(places, kind):
    content = json_doc() if kind == "json" else csv_text([CSV_ROW])
    report = run_import(content, filename=f"f.{kind}")
    assert report.ok, report.problems
    assert report.counts[("incident", "created")] == 1
    incident = Incident.objects.get(slug="eight-stopped-in-shenyang")
    assert incident.status == Status.DRAFT  # imported records wait for review
    assert incident.title == "Eight stopped in Shenyang 선양"
    assert incident.date_display == "mid-March 2017"
    group = incident.groups.get()
    assert (group.size.render(), group.count("women").render()) == ("8", "at least 4")
    assert group.arrest_location.slug == "shenyang"
    assert [(e.kind, e.date_display, e.location.slug) for e in group.events.all()] == [
        ("arrested", "15 March 2017", "shenyang"),
        ("transferred", "late March 2017", "tumen"),
    ]
    citation = incident.citations.get()
    assert citation.source.slug == "hrw-report"
    if kind == "json":
        assert citation.group == group and citation.event.kind == "arrested"


# -- problems are reported where they are, and nothing is written ------------------------------
def _set_json(path: str, value):
    def change(doc):
        target = doc["incidents"][0]
        *parents, last = path.split(".")
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        target[int(last) if last.isdigit() else last] = value
        return doc

    return change


CASES = [
    # name, JSON change, JSON where, CSV column change, CSV where, message
    ("bad incident date", _set_json("date", "31 February 2017"), "incidents[1].date",
     {"incident_date": "31 February 2017"}, "row 2, column incident_date", "not a real date"),
    ("unreadable date", _set_json("date", "sometime in spring"), "incidents[1].date",
     {"incident_date": "sometime in spring"}, "row 2, column incident_date",
     "Could not read the date"),
    ("bad event date", _set_json("groups.0.events.0.date", "32 March 2017"),
     "incidents[1].groups[1].events[1].date",
     {"group_events": "arrested | 32 March 2017 | shenyang"},
     "row 2, column group_events (event 1: date)", "not a real date"),
    ("unknown outcome", _set_json("groups.0.outcome", "deported"),
     "incidents[1].groups[1].outcome", {"group_outcome": "deported"},
     "row 2, column group_outcome", "'deported' is not a valid choice"),
    ("women beyond the size", _set_json("groups.0.women", "9"), "incidents[1].groups[1].women",
     {"group_women": "9"}, "row 2, column group_women", "cannot exceed the group size (8)"),
    ("unreadable count", _set_json("groups.0.size", "a few"), "incidents[1].groups[1].size",
     {"group_size": "a few"}, "row 2, column group_size", "Could not read the number"),
    ("unknown source", _set_json("citations.0.source", "no-such-source"),
     "incidents[1].citations[1].source", {"incident_sources": "hrw-report; no-such-source"},
     "row 2, column incident_sources", "unknown source 'no-such-source'"),
    ("unknown arrest location", _set_json("groups.0.arrest_location", "atlantis"),
     "incidents[1].groups[1].arrest_location", {"group_arrest_location": "atlantis"},
     "row 2, column group_arrest_location", "unknown place 'atlantis'"),
    ("unknown event location", _set_json("groups.0.events.1.location", "atlantis"),
     "incidents[1].groups[1].events[2].location",
     {"group_events": "arrested | 15 March 2017 | shenyang\ntransferred | 2017 | atlantis"},
     "row 2, column group_events (event 2: location)", "unknown place 'atlantis'"),
    ("unknown event kind", _set_json("groups.0.events.0.kind", "vanished"),
     "incidents[1].groups[1].events[1].kind", {"group_events": "vanished | 2017"},
     "row 2, column group_events (event 1: kind)", "'vanished' is not a valid choice"),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_json_problems_name_the_record_and_field_and_write_nothing(places, case):
    _name, change, where, _row, _csv_where, message = case
    before = all_rows()
    report = run_import(change(json_doc()))
    assert not report.ok
    found = problems(report)
    assert where in found, found
    assert message in found[where]
    assert all_rows() == before


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_csv_problems_name_the_row_and_column_and_write_nothing(places, case):
    _name, _change, _where, row, where, message = case
    before = all_rows()
    report = run_import(csv_text([{**CSV_ROW, **row}]), filename="f.csv")
    assert not report.ok
    found = problems(report)
    assert where in found, found
    assert message in found[where]
    assert all(w.startswith("row 2,") for w in found), found
    assert all_rows() == before


def test_a_problem_in_a_later_record_rolls_back_the_earlier_ones(places):
    doc = json_doc()
    second = copy.deepcopy(doc["incidents"][0])
    second["slug"] = "second-case"
    second["groups"][0]["outcome"] = "deported"
    doc["incidents"].append(second)
    before = all_rows()
    report = run_import(doc)
    assert list(problems(report)) == ["incidents[2].groups[1].outcome"]
    assert all_rows() == before

    rows = [CSV_ROW, {**CSV_ROW, "incident_slug": "second-case", "group_women": "9"}]
    report = run_import(csv_text(rows), filename="f.csv")
    assert list(problems(report)) == ["row 3, column group_women"]
    assert all_rows() == before


def test_csv_rows_of_one_incident_must_agree_on_the_incident_columns(places):
    second_group = {**CSV_ROW, "group_number": "2", "group_label": "Second group"}
    assert run_import(csv_text([CSV_ROW, second_group]), filename="f.csv").ok
    Incident.objects.all().delete()
    before = all_rows()
    report = run_import(
        csv_text([CSV_ROW, {**second_group, "incident_title": "Another title"}]), filename="f.csv"
    )
    assert list(problems(report)) == ["row 3, column incident_title"]
    assert "differs from row 2" in report.problems[0].message
    assert all_rows() == before


def test_problems_are_listed_in_file_order(places):
    doc = json_doc()
    for n in range(2, 5):
        extra = copy.deepcopy(doc["incidents"][0])
        extra["slug"] = f"case-{n}"
        extra["date"] = "not a date"
        doc["incidents"].append(extra)
    report = run_import(doc)
    assert [p.where for p in report.problems] == [f"incidents[{n}].date" for n in range(2, 5)]


@pytest.mark.parametrize(
    "change, where",
    [
        (_set_json("groups", "not a list"), "incidents[1].groups"),
        (_set_json("groups.0.events", {"kind": "arrested"}), "incidents[1].groups[1].events"),
        (_set_json("date", {"earliest": "2017-03-01"}), "incidents[1].date"),
        (_set_json("citations.0.group", 5), "incidents[1].citations[1].group"),
    ],
)
def test_malformed_records_are_problems_not_crashes(places, change, where):
    before = all_rows()
    report = run_import(change(json_doc()))
    assert where in problems(report), problems(report)
    assert all_rows() == before


@pytest.mark.parametrize(
    "content, filename, message",
    [
        ('{"format": "refoulement-watch", "version": 1, "incidents": [', "x.json",
         "Not valid JSON"),
        ("{not json at all", "x.txt", "Not valid JSON"),
        ('{"format": "something-else", "version": 1}', "x.json", "Not a Refoulement Watch file"),
        ('["refoulement-watch"]', "x.json", "Not a Refoulement Watch file"),
        ('{"format": "refoulement-watch", "version": 3}', "x.json", "Unsupported format version"),
        ("incident_slug,incident_title\nx,y\n", "x.csv", "CSV is missing the columns"),
        ("", "x.csv", "CSV is missing the columns"),
        (csv_text([CSV_ROW], CSV_COLUMNS + ["secret_column"]), "x.csv", "unknown columns"),
    ],
)  # fmt: skip
def test_unreadable_files_are_refused(content, filename, message):
    with pytest.raises(ImportFileError, match=message):
        read_document(content, filename=filename)


def test_csv_missing_columns_are_named():
    columns = [c for c in CSV_COLUMNS if c not in ("group_women", "group_events")]
    with pytest.raises(ImportFileError) as exc:
        read_document(csv_text([CSV_ROW], columns), filename="x.csv")
    assert "group_women, group_events" in str(exc.value)


def test_short_csv_rows_are_read_as_empty_cells(places):
    text = csv_text([CSV_ROW]) + "short-row,Only a title\n"
    report = run_import(text, filename="x.csv")
    assert report.ok, report.problems
    assert Incident.objects.get(slug="short-row").groups.count() == 0


# -- dry run and idempotence ----------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["json", "csv"])
def test_dry_run_reports_and_writes_nothing(places, kind):
    content = json_doc() if kind == "json" else csv_text([CSV_ROW])
    before = all_rows()
    report = run_import(content, filename=f"f.{kind}", dry_run=True)
    assert report.ok and report.dry_run
    assert report.counts[("incident", "created")] == 1
    assert all_rows() == before


@pytest.mark.parametrize("kind", ["json", "csv"])
def test_importing_the_same_file_twice_changes_nothing(places, kind):
    content = json_doc() if kind == "json" else csv_text([CSV_ROW])
    first = run_import(content, filename=f"f.{kind}")
    assert first.counts[("incident", "created")] == 1
    after_first = all_rows()
    second = run_import(content, filename=f"f.{kind}")
    assert second.ok
    assert set(second.counts) == {("incident", "unchanged")}, second.counts
    assert all_rows() == after_first  # historical records included


@pytest.mark.parametrize("render, filename", [(iter_json, "f.json"), (iter_csv, "f.csv")])
@pytest.mark.parametrize("scope", [FULL, PUBLIC])
def test_an_export_imported_over_its_own_database_changes_nothing(render, filename, scope):
    generate(15)
    incidents = full_export_incidents()
    if scope == PUBLIC:
        incidents = Incident.objects.published().newest_first()
    content = "".join(render(incidents, scope=scope))
    before = all_rows()
    report = run_import(content, filename=filename)
    assert report.ok, report.problems
    assert {what for _kind, what in report.counts} == {"unchanged"}, report.counts
    assert all_rows() == before


def test_a_changed_record_is_updated_and_the_rest_left_alone(places):
    run_import(json_doc())
    doc = json_doc()
    doc["incidents"][0]["title"] = "Eight stopped in Shenyang (corrected)"
    history = all_rows()["incidents.HistoricalIncident"]
    report = run_import(doc)
    assert report.counts == {("incident", "updated"): 1}
    assert Incident.objects.get().title.endswith("(corrected)")
    assert all_rows()["incidents.HistoricalIncident"] == history + 1


def test_updating_from_a_public_file_keeps_what_it_does_not_carry():
    """A public file has no internal notes or confidential citations, and a CSV file has no
    claims: updating a record from one must not erase them."""
    data = generate(6)
    incident = data.published[0]
    public_csv = "".join(iter_csv(Incident.objects.filter(pk=incident.pk), scope=PUBLIC))
    public_json = "".join(iter_json(Incident.objects.filter(pk=incident.pk), scope=PUBLIC))

    def private_state():
        groups = DetaineeGroup.objects.filter(incident__slug=incident.slug)
        return (
            sorted(groups.values_list("notes_internal", flat=True)),
            sorted(
                CustodyEvent.objects.filter(group__in=groups).values_list(
                    "notes_internal", flat=True
                )
            ),
            sorted(
                Citation.objects.filter(incident__slug=incident.slug).values_list(
                    "source__slug", "claim", "locator"
                )
            ),
        )

    kept = private_state()
    assert kept[0] and any(c[0] for c in kept[2])
    # (A published incident is not changed by a file but through a revision: services.revisions.)
    Incident.objects.filter(pk=incident.pk).update(status=Status.IN_REVIEW)
    for content, filename in ((public_csv, "f.csv"), (public_json, "f.json")):
        edited = content.replace(incident.title, incident.title + " (edited)")
        report = run_import(edited, filename=filename)
        assert report.counts[("incident", "updated")] == 1, report.counts
        assert private_state() == kept
        assert Incident.objects.get(pk=incident.pk).title.endswith("(edited)")
        Incident.objects.filter(pk=incident.pk).update(title=incident.title)


def test_publish_option_for_a_public_export():
    generate(8)
    content = "".join(iter_json(Incident.objects.published().newest_first(), scope=PUBLIC))
    published = set(Incident.objects.published().values_list("slug", flat=True))
    wipe()

    report = run_import(content, dry_run=True)
    assert report.ok
    run_import(content)
    assert set(Incident.objects.values_list("status", flat=True)) == {Status.DRAFT}
    assert not Location.objects.filter(coordinates_public=True).exists()

    Incident.objects.all().delete()
    Location.objects.update(coordinates_public=False)
    run_import(content, publish=True)
    assert set(Incident.objects.published().values_list("slug", flat=True)) == published
    shenyang = Location.objects.get(slug="syn-shenyang")
    assert shenyang.coordinates_public is False  # existing places keep their setting


def test_publish_never_changes_an_existing_record(places):
    run_import(json_doc())
    doc = json_doc()
    doc["incidents"][0]["summary"] = "Changed."
    run_import(doc, publish=True)
    assert Incident.objects.get().status == Status.DRAFT


# -- the command ---------------------------------------------------------------------------------
def test_command_imports_and_reports(places, tmp_path, capsys):
    path = tmp_path / "incidents.json"
    path.write_text(json.dumps(json_doc()), encoding="utf-8")
    call_command(
        "import_incidents",
        str(path),
        "--dry-run",
        "--no-progress",
        "--user",
        importer_user().username,
    )
    assert "Would import: 1 incident created." in capsys.readouterr().out
    assert not Incident.objects.exists()
    call_command("import_incidents", str(path), "--no-progress", "--user", importer_user().username)
    assert "Imported: 1 incident created." in capsys.readouterr().out
    call_command("import_incidents", str(path), "--no-progress", "--user", importer_user().username)
    assert "Imported: 1 incident unchanged." in capsys.readouterr().out


@pytest.mark.parametrize("kind", ["json", "csv"])
def test_command_fails_with_every_problem_listed(places, tmp_path, capsys, kind):
    if kind == "json":
        doc = _set_json("groups.0.women", "9")(_set_json("date", "someday")(json_doc()))
        content = json.dumps(doc)
    else:
        content = csv_text([{**CSV_ROW, "group_women": "9", "incident_date": "someday"}])
    path = tmp_path / f"incidents.{kind}"
    path.write_text(content, encoding="utf-8")
    before = all_rows()
    with pytest.raises(CommandError, match=r"2 problem\(s\) found .* nothing was imported"):
        call_command(
            "import_incidents", str(path), "--no-progress", "--user", importer_user().username
        )
    err = capsys.readouterr().err
    if kind == "json":
        assert "incidents[1].date:" in err and "incidents[1].groups[1].women:" in err
    else:
        assert "row 2, column incident_date:" in err and "row 2, column group_women:" in err
    assert all_rows() == before


@pytest.mark.parametrize(
    "content, message",
    [("{oops", "Not valid JSON"), ('{"format": "x", "version": 1}', "Not a Refoulement Watch")],
)
def test_command_refuses_unreadable_files(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        call_command(
            "import_incidents", str(path), "--no-progress", "--user", importer_user().username
        )
    with pytest.raises(CommandError, match="Cannot read"):
        call_command(
            "import_incidents",
            str(tmp_path / "missing.json"),
            "--no-progress",
            "--user",
            importer_user().username,
        )


def test_command_exits_non_zero_from_the_command_line(places, tmp_path, monkeypatch, capsys):
    from django.core.management import base

    monkeypatch.setattr(base.connections, "close_all", lambda: None)  # keep the test database
    path = tmp_path / "bad.csv"
    path.write_text(csv_text([{**CSV_ROW, "group_outcome": "deported"}]), encoding="utf-8")
    with pytest.raises(SystemExit) as exit_:
        ImportCommand().run_from_argv(
            [
                "manage.py",
                "import_incidents",
                str(path),
                "--no-progress",
                "--user",
                importer_user().username,
                "--skip-checks",
            ]
        )
    assert exit_.value.code == 1
    assert "row 2, column group_outcome" in capsys.readouterr().err


def test_a_document_whose_closing_count_disagrees_is_refused(places):
    """incident_count (written last by the JSON export) lets a cut file be told apart."""
    doc = json_doc()
    doc["incident_count"] = len(doc["incidents"]) + 1
    before = all_rows()
    report = run_import(doc)
    assert not report.ok
    assert "does not match the incidents listed" in problems(report)["incident_count"]
    assert all_rows() == before  # nothing written
    doc["incident_count"] = len(doc["incidents"])
    assert run_import(doc).ok
