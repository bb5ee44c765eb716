"""The admin import page (/admin/import/): dry run, real import, problems, permissions and
unreadable files, on the same importer as `manage.py import_incidents`."""

import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from incidents import admin_import
from incidents.interchange import PUBLIC, iter_csv, iter_json
from incidents.models import (
    Incident,
    Status,
)
from tests.factories import LocationFactory, SourceFactory, UserFactory
from tests.roles import staff
from tests.test_import import CSV_ROW, all_rows, csv_text, json_doc
from tests.wipe import wipe

pytestmark = pytest.mark.django_db

URL = "/admin/import/"
SLUG = "eight-stopped-in-shenyang"


def upload(content, name):
    if isinstance(content, dict):
        content = json.dumps(content, ensure_ascii=False)
    if isinstance(content, str):
        content = content.encode("utf-8")
    return SimpleUploadedFile(name, content)


def post(client, content, name, *, button="_check", publish=False):
    data = {"file": upload(content, name), button: "x"}
    if publish:
        data["publish"] = "on"
    return client.post(URL, data)


@pytest.fixture
def places():
    """The places and source that tests.test_import's json_doc() and CSV_ROW cite."""
    LocationFactory(name="Shenyang", slug="shenyang", name_ko="선양", name_local="沈阳")
    LocationFactory(name="Tumen", slug="tumen")
    SourceFactory(slug="hrw-report", title="China: Reveal whereabouts of eight")


@pytest.fixture
def caseworker(login):
    return login(staff("Caseworker"))


@pytest.fixture
def editor(login):
    return login(staff("Editor"))


def text(response) -> str:
    return response.content.decode()


def problem_rows(response) -> list[tuple[str, str]]:
    html = text(response)
    table = html.split('id="import-problems"', 1)[1].split("</table>", 1)[0]
    return [
        (where.strip(), message.strip())
        for where, message in re.findall(r"<td>(.*?)</td>\s*<td>(.*?)</td>", table, re.S)
    ]


def count_cells(response) -> dict[str, list[int]]:
    html = text(response)
    table = html.split('id="import-counts"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(
        r'<th scope="row">(.*?)</th>\s*<td>(\d+)</td>\s*<td>(\d+)</td>\s*<td>(\d+)</td>', table
    )
    return {kind: [int(n) for n in numbers] for kind, *numbers in rows}


# -- the page ------------------------------------------------------------------------------------
def test_the_page_has_a_multipart_form_and_no_inline_script_or_style(caseworker):
    response = caseworker.get(URL)
    assert response.status_code == 200
    html = text(response)
    assert "Import incidents" in html
    assert 'enctype="multipart/form-data"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert 'accept=".json,.csv"' in html
    assert 'name="_check"' in html and 'name="_import"' in html
    assert 'class="breadcrumbs"' in html
    assert 'name="publish"' not in html  # a caseworker cannot publish
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert not re.search(r"\sstyle\s*=", html)
    assert not re.search(r"\son[a-z]+\s*=", html)  # no inline event handlers


def test_the_page_after_a_check_has_no_inline_script_or_style(places, editor):
    response = post(editor, csv_text([{**CSV_ROW, "group_outcome": "deported"}]), "f.csv")
    html = text(response)
    assert 'id="import-problems"' in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert not re.search(r"\sstyle\s*=", html)


def test_the_incident_list_links_to_the_page(caseworker):
    response = caseworker.get(reverse("admin:incidents_incident_changelist"))
    assert f'href="{URL}"' in text(response)


# -- permissions ---------------------------------------------------------------------------------
def test_anonymous_users_are_sent_to_the_login_page(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_non_staff_users_are_sent_to_the_login_page(login):
    client = login(UserFactory(is_staff=False, password=None))
    response = client.get(URL)
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_staff_without_a_second_factor_are_sent_to_the_login_page(login):
    client = login(staff("Caseworker"), verified=False)
    assert client.get(URL).status_code == 302


def test_staff_without_the_add_permission_are_refused(login, places):
    client = login(UserFactory(is_staff=True, password=None))
    assert client.get(URL).status_code == 403
    before = all_rows()
    response = post(client, json_doc(), "f.json", button="_import")
    assert response.status_code == 403
    assert all_rows() == before


@pytest.mark.parametrize("role", ["Caseworker", "Editor", "Administrator"])
def test_every_role_may_import(login, role):
    assert login(staff(role)).get(URL).status_code == 200


# -- dry run -------------------------------------------------------------------------------------
def test_a_dry_run_shows_the_counts_and_writes_nothing(places, caseworker):
    second = {**CSV_ROW, "incident_slug": "second-case", "incident_title": "Second case"}
    before = all_rows()
    response = post(caseworker, csv_text([CSV_ROW, second]), "f.csv")
    assert response.status_code == 200
    assert all_rows() == before
    assert count_cells(response) == {"Incidents": [2, 0, 0]}
    html = text(response)
    assert "Check passed: nothing was written" in html
    assert 'id="import-problems"' not in html


# -- problems ------------------------------------------------------------------------------------
PROBLEMS = [
    ({"incident_date": "31 February 2017"}, "row 2, column incident_date", "not a real date"),
    ({"group_outcome": "deported"}, "row 3, column group_outcome", "is not a valid choice"),
    ({"group_women": "9"}, "row 4, column group_women", "cannot exceed the group size (8)"),
    ({"incident_sources": "no-such-source"}, "row 5, column incident_sources",
     "unknown source &#x27;no-such-source&#x27;"),
]  # fmt: skip


@pytest.mark.parametrize("button", ["_check", "_import"])
def test_every_problem_is_shown_with_row_and_column_and_nothing_is_written(
    places, caseworker, button
):
    rows = [
        {**CSV_ROW, "incident_slug": f"case-{n}", **change}
        for n, (change, _where, _message) in enumerate(PROBLEMS)
    ]
    before = all_rows()
    response = post(caseworker, csv_text(rows), "f.csv", button=button)
    assert response.status_code == 200
    assert all_rows() == before
    shown = problem_rows(response)
    assert [where for where, _message in shown] == [where for _c, where, _m in PROBLEMS]
    for (_where, message), (_change, _w, expected) in zip(shown, PROBLEMS, strict=True):
        assert expected in message
    html = text(response)
    assert "4 problems found" in html
    if button == "_import":
        assert "Nothing was imported" in html
    else:
        assert "Nothing was written" in html


def test_json_problems_are_shown_by_record_path(places, caseworker):
    doc = json_doc()
    doc["incidents"][0]["groups"][0]["outcome"] = "deported"
    before = all_rows()
    response = post(caseworker, doc, "f.json", button="_import")
    assert all_rows() == before
    assert [w for w, _m in problem_rows(response)] == ["incidents[1].groups[1].outcome"]


# -- importing ----------------------------------------------------------------------------------
def test_a_valid_json_file_is_imported_as_drafts(places, caseworker):
    response = post(caseworker, json_doc(), "f.json", button="_import")
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:incidents_incident_changelist")
    incident = Incident.objects.get(slug=SLUG)
    assert incident.status == Status.DRAFT
    assert incident.groups.get().events.count() == 2
    page = caseworker.get(response["Location"])
    assert "Imported f.json: 1 incident created." in text(page)


def test_a_caseworker_cannot_import_estimates(caseworker):
    """The public demo export carries published aggregate estimates; caseworkers may not add
    estimates (they have view permission only), through this page as anywhere else."""
    call_command("loaddata", "fixtures/demo.json", verbosity=0)
    content = "".join(iter_json(Incident.objects.published().newest_first(), scope=PUBLIC))
    wipe()
    before = all_rows()
    response = post(caseworker, content, "demo.json", button="_import")
    assert response.status_code == 200
    assert all_rows() == before
    refusals = [m for where, m in problem_rows(response) if where.startswith("estimates[")]
    assert refusals and all("not allowed to add aggregate estimates" in m for m in refusals)


def test_the_demo_data_exported_and_imported_again(editor):
    caseworker = editor  # the steps below need an editor only for the demo's estimates
    call_command("loaddata", "fixtures/demo.json", verbosity=0)
    published = Incident.objects.published().newest_first()
    slugs = set(published.values_list("slug", flat=True))
    assert slugs
    content = "".join(iter_json(published, scope=PUBLIC))
    wipe()

    before = all_rows()
    response = post(caseworker, content, "demo.json")
    assert all_rows() == before
    assert count_cells(response)["Incidents"] == [len(slugs), 0, 0]

    response = post(caseworker, content, "demo.json", button="_import")
    assert response.status_code == 302
    assert set(Incident.objects.values_list("slug", flat=True)) == slugs
    assert set(Incident.objects.values_list("status", flat=True)) == {Status.DRAFT}

    # the same file again: nothing changes
    before = all_rows()
    response = post(caseworker, content, "demo.json")
    assert count_cells(response)["Incidents"] == [0, 0, len(slugs)]
    response = post(caseworker, content, "demo.json", button="_import")
    assert response.status_code == 302
    assert all_rows() == before
    page = caseworker.get(response["Location"])
    assert f"{len(slugs)} incident unchanged" in text(page)


def test_a_second_import_of_the_same_csv_reports_unchanged(places, caseworker):
    content = csv_text([CSV_ROW])
    assert post(caseworker, content, "f.csv", button="_import").status_code == 302
    before = all_rows()
    response = post(caseworker, content, "f.csv")
    assert count_cells(response) == {"Incidents": [0, 0, 1]}
    response = post(caseworker, content, "f.csv", button="_import")
    assert response.status_code == 302
    assert all_rows() == before


def test_an_exported_csv_imports_again_unchanged(places, caseworker):
    post(caseworker, json_doc(), "f.json", button="_import")
    Incident.objects.update(status=Status.PUBLISHED)
    content = "".join(iter_csv(Incident.objects.published(), scope=PUBLIC))
    response = post(caseworker, content, "export.csv")
    assert count_cells(response) == {"Incidents": [0, 0, 1]}


# -- publishing ---------------------------------------------------------------------------------
def test_editors_may_publish_new_records(places, editor):
    assert 'name="publish"' in text(editor.get(URL))
    response = post(editor, json_doc(), "f.json", button="_import", publish=True)
    assert response.status_code == 302
    assert Incident.objects.get(slug=SLUG).status == Status.PUBLISHED


def test_editors_import_drafts_unless_they_tick_publish(places, editor):
    post(editor, json_doc(), "f.json", button="_import")
    assert Incident.objects.get(slug=SLUG).status == Status.DRAFT


def test_a_caseworker_asking_to_publish_is_told_no(places, caseworker):
    """The box is not shown to caseworkers; a hand-made POST asking for it is refused with a
    message rather than silently ignored, and nothing is imported."""
    assert 'name="publish"' not in text(caseworker.get(URL))
    response = post(caseworker, json_doc(), "f.json", button="_import", publish=True)
    assert response.status_code == 200
    assert "Only editors may publish on import." in text(response)
    assert not Incident.objects.filter(slug=SLUG).exists()


# -- unreadable files ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "content, name, message",
    [
        (b"\xff\xfe\x00garbage\x9c\x81", "f.csv", "not UTF-8"),
        (bytes(range(256)) * 4, "f.json", "not UTF-8"),
        (b"", "f.json", "empty"),
        (b"  \n\n", "f.csv", "empty"),
        (b"%PDF-1.4 not a spreadsheet", "f.csv", "CSV is missing the columns"),
        (b'{"format": "refoulement-watch", "version": 1, "incidents": [', "f.json",
         "Not valid JSON"),
        (b'{"format": "something-else", "version": 1}', "f.json",
         "Not a Refoulement Watch file"),
        (b"incident_slug\x00,x\n", "f.csv", "Line 1 contains a NUL character"),
        (b"[" * 100_000, "f.json", "cannot be read"),
        (json.dumps({"format": "refoulement-watch"}).encode(), "f.txt",
         "Choose a .json or .csv file"),
    ],
)  # fmt: skip
@pytest.mark.parametrize("button", ["_check", "_import"])
def test_unreadable_files_are_form_errors(caseworker, content, name, message, button):
    before = all_rows()
    response = post(caseworker, content, name, button=button)
    assert response.status_code == 200
    assert message in text(response)
    assert 'class="errorlist' in text(response)
    assert all_rows() == before


def test_a_missing_file_is_a_form_error(caseworker):
    response = caseworker.post(URL, {"_check": "x"})
    assert response.status_code == 200
    assert "This field is required" in text(response)


def test_an_oversized_file_is_a_form_error(caseworker, places, monkeypatch):
    monkeypatch.setattr(admin_import, "MAX_UPLOAD_SIZE", 1000)
    before = all_rows()
    response = post(caseworker, json.dumps(json_doc()) + " " * 1000, "f.json", button="_import")
    assert response.status_code == 200
    assert "The file is too large" in text(response)
    assert all_rows() == before
    assert not Incident.objects.exists()
