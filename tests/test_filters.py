"""IncidentFilterSet: each filter alone, combined, and with bad input."""

import datetime
from urllib.parse import urlencode

import pytest
from django.http import QueryDict

from incidents.filters import IncidentFilterSet
from incidents.models import DatePrecision, EventKind, Incident, Outcome
from tests.factories import (
    CitationFactory,
    CustodyEventFactory,
    DetaineeGroupFactory,
    IncidentFactory,
    LocationFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db


def query(params) -> QueryDict:
    """Parameters as a browser sends them (?outcome=a&outcome=b)."""
    return QueryDict(urlencode(params, doseq=True))


def run(**params):
    fs = IncidentFilterSet(query(params), queryset=Incident.objects.published())
    assert fs.is_valid(), fs.errors
    return set(fs.qs.values_list("slug", flat=True))


def errors(**params):
    fs = IncidentFilterSet(query(params), queryset=Incident.objects.published())
    assert not fs.is_valid()
    return fs.errors


@pytest.fixture
def places():
    return {
        "shenyang": LocationFactory(
            name="Shenyang", name_ko="선양", name_local="沈阳", province="Liaoning"
        ),
        "qingdao": LocationFactory(name="Qingdao", province="Shandong"),
        "kunming": LocationFactory(name="Kunming", province="Yunnan"),
        "tumen_dc": LocationFactory(
            name="Tumen detention centre", kind="detention_centre", city="Tumen", province="Jilin"
        ),
        "moscow": LocationFactory(name="Moscow", country="RU", province="Moscow"),
    }


def make(slug, *, dates, precision, groups):
    incident = IncidentFactory(
        slug=slug,
        title=slug.replace("-", " "),
        date_earliest=dates[0],
        date_latest=dates[1],
        date_precision=precision,
    )
    for arrest_at, outcome, transfer_to in groups:
        group = DetaineeGroupFactory(incident=incident, arrest_location=arrest_at, outcome=outcome)
        if transfer_to:
            CustodyEventFactory(group=group, kind=EventKind.TRANSFERRED, location=transfer_to)
    return incident


@pytest.fixture
def incidents(places):
    d = datetime.date
    make(
        "qingdao-kunming",
        dates=(d(2017, 7, 15), d(2017, 7, 17)),
        precision=DatePrecision.DAYS,
        groups=[
            (places["qingdao"], Outcome.DETAINED, places["tumen_dc"]),
            (places["kunming"], Outcome.REPATRIATED, places["tumen_dc"]),
        ],
    )
    make(
        "shenyang-eight",
        dates=(d(2017, 3, 11), d(2017, 3, 20)),
        precision=DatePrecision.MID_MONTH,
        groups=[(places["shenyang"], Outcome.UNKNOWN, None)],
    )
    make(
        "year-2003",
        dates=(d(2003, 1, 1), d(2003, 12, 31)),
        precision=DatePrecision.YEAR,
        groups=[(places["shenyang"], Outcome.REPATRIATED, None)],
    )
    make(
        "moscow-workers",
        dates=(d(2016, 10, 1), d(2016, 10, 31)),
        precision=DatePrecision.MONTH,
        groups=[(places["moscow"], Outcome.RELEASED_TO_SOUTH_KOREA, None)],
    )
    IncidentFactory(
        slug="undated", title="undated", date_earliest=None, date_latest=None, date_precision=""
    )
    IncidentFactory(slug="draft-shenyang", status="draft")  # never matched by published()
    return places


ALL_PUBLISHED = {"qingdao-kunming", "shenyang-eight", "year-2003", "moscow-workers", "undated"}


def test_no_filters_returns_all_published(incidents):
    assert run() == ALL_PUBLISHED


@pytest.mark.parametrize(
    "value", ["shenyang", "Shenyang", "SHENYANG", "선양", "沈阳", " shenyang "]
)
def test_city_by_slug_name_korean_or_local_name(incidents, value):
    assert run(city=value) == {"shenyang-eight", "year-2003"}


def test_city_matches_transfer_places_too(incidents):
    # Tumen appears only as a transfer destination (custody), matched by its city field.
    assert run(city="tumen") == {"qingdao-kunming"}
    assert run(city=incidents["tumen_dc"].slug) == {"qingdao-kunming"}


def test_city_unknown_place_matches_nothing(incidents):
    assert run(city="atlantis") == set()


def test_country(incidents):
    assert run(country="RU") == {"moscow-workers"}
    assert run(country="cn") == {"qingdao-kunming", "shenyang-eight", "year-2003"}


def test_country_rejects_non_iso_code(incidents):
    assert "country" in errors(country="XX")
    assert "country" in errors(country="china")  # too long: max_length 2


@pytest.mark.parametrize(
    ("after", "before", "expected"),
    [
        # mid-March 2017 (11–20 March) overlaps a window that starts on 20 March...
        ("2017-03-20", "", {"shenyang-eight", "qingdao-kunming"}),
        # ...but not one that starts on 21 March.
        ("2017-03-21", "", {"qingdao-kunming"}),
        ("", "2017-03-11", {"shenyang-eight", "year-2003", "moscow-workers"}),
        ("", "2017-03-10", {"year-2003", "moscow-workers"}),
        # "2003" (a whole year) overlaps any window touching 2003.
        ("2003-06", "2003-06", {"year-2003"}),
        ("2017", "2017", {"shenyang-eight", "qingdao-kunming"}),
        ("2017-07-16", "2017-07-16", {"qingdao-kunming"}),
        ("2004", "2015", set()),
    ],
)
def test_date_overlap(incidents, after, before, expected):
    params = {k: v for k, v in {"date_after": after, "date_before": before}.items() if v}
    assert run(**params) == expected


def test_date_filter_excludes_undated(incidents):
    assert "undated" not in run(date_after="1900")


@pytest.mark.parametrize("bad", ["2017-13", "17", "yesterday", "2017-02-30", "2017/03/01", "0000"])
def test_bad_dates_are_form_errors(incidents, bad):
    assert "date_after" in errors(date_after=bad)


def test_reversed_date_range_is_an_error(incidents):
    assert "__all__" in errors(date_after="2018", date_before="2017")


def test_outcome_single_and_multiple(incidents):
    assert run(outcome="repatriated") == {"qingdao-kunming", "year-2003"}
    assert run(outcome=["released_to_south_korea", "unknown"]) == {
        "moscow-workers",
        "shenyang-eight",
    }


def test_outcome_rejects_unknown_code(incidents):
    assert "outcome" in errors(outcome="deported")


def test_q_matches_title_place_and_public_source(incidents):
    assert run(q="moscow") == {"moscow-workers"}
    assert run(q="tumen") == {"qingdao-kunming"}  # place of a transfer
    assert run(q="선양") == {"shenyang-eight", "year-2003"}
    incident = Incident.objects.get(slug="year-2003")
    CitationFactory(incident=incident, source=SourceFactory(title="Refugee committee survey"))
    assert run(q="committee survey") == {"year-2003"}


def test_q_never_matches_private_text(incidents):
    incident = Incident.objects.get(slug="year-2003")
    incident.notes_internal = "informant codename MAGPIE"
    incident.save()
    CitationFactory(
        incident=incident, source=SourceFactory(title="Kestrel testimony", confidential=True)
    )
    assert run(q="MAGPIE") == set()
    assert run(q="Kestrel") == set()


def test_q_blank_is_ignored(incidents):
    assert run(q="   ") == ALL_PUBLISHED


def test_filters_combine(incidents):
    assert run(city="shenyang", date_after="2010") == {"shenyang-eight"}
    assert run(city="shenyang", outcome="repatriated") == {"year-2003"}
    assert run(country="CN", outcome="detained", date_before="2017-07-15", q="qingdao") == {
        "qingdao-kunming"
    }
    assert run(country="RU", outcome="repatriated") == set()


def test_incident_with_many_matching_groups_appears_once(places):
    incident = IncidentFactory()
    for _ in range(3):
        DetaineeGroupFactory(incident=incident, arrest_location=places["qingdao"])
    fs = IncidentFilterSet({"city": "qingdao"}, queryset=Incident.objects.published())
    assert list(fs.qs) == [incident]
