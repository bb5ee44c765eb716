"""/timeline/: published incidents in time order, placed no more precisely than reported."""

import datetime
import re

import pytest
from django.urls import reverse

from incidents import browse, timeline
from incidents.models import Outcome
from incidents.vague import parse_vague_date
from tests.factories import (
    DetaineeGroupFactory,
    IncidentFactory,
    LocationFactory,
    published_incident,
)

pytestmark = pytest.mark.django_db
URL = reverse("incidents:timeline")


def dated(text: str | None) -> dict:
    """Incident date fields for a date as reported ("mid-March 2017"), or undated."""
    if text is None:
        return {"date_earliest": None, "date_latest": None, "date_precision": ""}
    vd = parse_vague_date(text)
    return {"date_earliest": vd.earliest, "date_latest": vd.latest, "date_precision": vd.precision}


def incident(title: str, when: str | None, **kwargs):
    return published_incident(title=title, **dated(when), **kwargs)


def month_section(body: str, year: int, month: int) -> str:
    """The HTML of one month's section, from its heading to the end of the section."""
    start = body.index(f'<h3 id="m{year}-{month}">')
    return body[start : body.index("</section>", start)]


def vague_section(body: str, year: int) -> str:
    marker = f'aria-label="Dated only within or across years from {year}"'
    start = body.index(marker)
    return body[start : body.index("</section>", start)]


def undated_section(body: str) -> str:
    start = body.index('<h2 id="undated">')
    return body[start : body.index("</section>", start)]


REPORTED = {
    "Tumen raid": "15–17 July 2017",
    "Shenyang checkpoint": "mid-March 2017",
    "Year-only case": "2003",
    "Spring sweep": "March–May 2017",
    "Years-long sweep": "2001–2003",
    "Across months": "28 June – 3 July 2017",
    "Across new year": "28 December 2016 – 3 January 2017",
    "Undated case": None,
}


@pytest.fixture
def reported_dates():
    return {title: incident(title, when) for title, when in REPORTED.items()}


def test_month_placement_only_when_the_date_lies_within_one_month(client, reported_dates):
    response = client.get(URL)
    assert response.status_code == 200
    body = response.content.decode()

    july = month_section(body, 2017, 7)
    assert ">July 2017</h3>" in july
    assert "Tumen raid" in july and "15–17 July 2017" in july
    march = month_section(body, 2017, 3)
    assert ">March 2017</h3>" in march
    assert "Shenyang checkpoint" in march and "mid-March 2017" in march
    # No other month sections: every other date is vaguer than one month.
    assert sorted(re.findall(r'<h3 id="m(\d+)-(\d+)">', body)) == [("2017", "3"), ("2017", "7")]

    # Vaguer dates: under the earliest possible year, with the date as reported.
    in_2017 = vague_section(body, 2017)
    assert "Spring sweep" in in_2017 and "March–May 2017" in in_2017
    assert "Across months" in in_2017 and "28 June – 3 July 2017" in in_2017
    assert "Tumen raid" not in in_2017 and "Shenyang checkpoint" not in in_2017
    assert "Year-only case" in vague_section(body, 2003)
    in_2001 = vague_section(body, 2001)
    assert "Years-long sweep" in in_2001 and "2001–2003" in in_2001
    assert "Across new year" in vague_section(body, 2016)
    assert "28 December 2016 – 3 January 2017" in vague_section(body, 2016)

    # Years in order, each with its count; undated last.
    headings = re.findall(r'<h2 id="y(\d+)">(\d+) <span class="muted">\((\d+)\)</span>', body)
    assert headings == [
        ("2001", "2001", "1"),
        ("2003", "2003", "1"),
        ("2016", "2016", "1"),
        ("2017", "2017", "4"),
    ]
    undated = undated_section(body)
    assert "Undated case" in undated and "date unknown" in undated
    last_dated = max(body.index(title) for title in REPORTED if title != "Undated case")
    assert body.index("Undated case") > last_dated
    assert f"{len(REPORTED)} incidents" in body


def test_within_a_year_vague_bucket_comes_first_then_months_in_order(client, reported_dates):
    body = client.get(URL).content.decode()
    positions = [
        body.index("Spring sweep"),  # 2017, month not known
        body.index("Shenyang checkpoint"),  # March 2017
        body.index("Tumen raid"),  # July 2017
    ]
    assert positions == sorted(positions)


def test_build_places_public_dicts_by_their_range():
    items = [
        {"title": title, **dated(when)}
        for title, when in REPORTED.items()
        if when != "28 December 2016 – 3 January 2017"
    ]
    items.sort(key=lambda i: (i["date_earliest"] is None, i["date_earliest"] or datetime.date.min))
    years, undated = timeline.build(items)
    assert [y.year for y in years] == [2001, 2003, 2017]
    by_year = {y.year: y for y in years}
    assert [m.label for m in by_year[2017].month_list] == ["March 2017", "July 2017"]
    assert [i["title"] for i in by_year[2017].months[7].incidents] == ["Tumen raid"]
    assert [i["title"] for i in by_year[2017].vague] == ["Spring sweep", "Across months"]
    assert [i["title"] for i in by_year[2003].vague] == ["Year-only case"]
    assert by_year[2001].months == {} and by_year[2001].count == 1
    assert by_year[2017].count == 4
    assert [i["title"] for i in undated] == ["Undated case"]


def test_month_precision_and_single_day_go_under_their_month():
    items = [
        {"title": "Whole month", **dated("February 2012")},
        {"title": "One day", **dated("29 February 2012")},
    ]
    years, undated = timeline.build(items)
    assert undated == [] and years[0].vague == []
    assert [i["title"] for i in years[0].months[2].incidents] == ["Whole month", "One day"]
    assert years[0].months[2].label == "February 2012"


def test_filters_apply(client):
    shenyang = LocationFactory(name="Shenyang")
    in_shenyang = incident("Shenyang checkpoint", "mid-March 2017")
    in_shenyang.groups.update(arrest_location=shenyang)
    sent_back = incident("Sent back", "15–17 July 2017")
    sent_back.groups.update(outcome=Outcome.REPATRIATED)
    incident("Old case", "2003")
    incident("Undated case", None)

    def titles(params):
        response = client.get(URL, params)
        assert response.status_code == 200
        body = response.content.decode()
        return {t for t in ("Shenyang checkpoint", "Sent back", "Old case", "Undated case")
                if t in body}  # fmt: skip

    assert titles({}) == {"Shenyang checkpoint", "Sent back", "Old case", "Undated case"}
    assert titles({"city": "shenyang"}) == {"Shenyang checkpoint"}
    assert titles({"outcome": "repatriated"}) == {"Sent back"}
    assert titles({"outcome": ["repatriated", "detained"]}) == {
        "Shenyang checkpoint",
        "Sent back",
        "Old case",
        "Undated case",
    }
    assert titles({"date_after": "2017-04"}) == {"Sent back"}
    assert titles({"date_before": "2010"}) == {"Old case"}
    assert titles({"date_after": "2017", "date_before": "2017-03"}) == {"Shenyang checkpoint"}
    assert titles({"q": "Shenyang"}) == {"Shenyang checkpoint"}
    body = client.get(URL, {"city": "shenyang"}).content.decode()
    assert "1 incident" in body and 'aria-label="Applied filters"' in body


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"date_after": "yesterday"}, "is not a date"),
        ({"date_before": "2017-02-30"}, "is not a real date"),
        ({"outcome": "deported"}, "Select a valid choice"),
        ({"country": "XX"}, "is not an ISO 3166 country code"),
        ({"date_after": "2018", "date_before": "2017"}, "is after"),
        ({"q": "x" * 500}, "at most 200 characters"),
    ],
)
def test_bad_filters_get_400_with_a_message(client, params, message):
    incident("Some case", "mid-March 2017")
    response = client.get(URL, params)
    assert response.status_code == 400
    body = response.content.decode()
    assert "Please correct the filters above." in body
    assert message in body
    assert "Some case" not in body


def test_drafts_never_appear(client):
    incident("Visible case", "mid-March 2017")
    for status in ("draft", "in_review", "archived"):
        draft = IncidentFactory(title=f"Hidden {status} case", status=status)
        DetaineeGroupFactory(incident=draft)
    for params in ({}, {"q": "Hidden"}, {"outcome": "detained"}, {"date_after": "2017"}):
        body = client.get(URL, params).content.decode()
        for status in ("draft", "in_review", "archived"):
            assert f"Hidden {status} case" not in body, params
    assert "1 incident" in client.get(URL).content.decode()


def test_pagination_labels_follow_time_order(client, monkeypatch):
    monkeypatch.setattr(browse, "TIMELINE_PAGE_SIZE", 2)
    for year in (2001, 2002, 2003, 2004, 2005):
        incident(f"Case of {year}", str(year))
    first = client.get(URL, {"outcome": "detained"}).content.decode()
    assert "Case of 2001" in first and "Case of 2003" not in first
    assert "Page 1 of 3" in first
    assert 'rel="next" href="?outcome=detained&amp;page=2">Later' in first
    second = client.get(URL, {"page": "2"}).content.decode()
    assert "Case of 2003" in second
    assert 'rel="prev" href="?page=1">← Earlier' in second


@pytest.mark.parametrize("page", ["abc", "-1", "0", "999999"])
def test_odd_page_numbers_never_500(client, page):
    incident("Some case", "2003")
    assert client.get(URL, {"page": page}).status_code == 200


def test_post_is_not_allowed(client):
    assert client.post(URL).status_code == 405


def test_query_count_is_constant(client, django_assert_num_queries):
    """Queries: 1 COUNT for the paginator, 1 incidents page, 1 groups (+arrest places),
    1 custody events (+places), 1 place names for the city suggestions, 1 countries for the
    country choices."""
    for when in ("2003", "mid-March 2017"):
        incident(f"Case {when}", when, groups=2)
    with django_assert_num_queries(6):
        assert client.get(URL).status_code == 200
    for n in range(12):
        case = incident(f"More {n}", f"{2000 + n}", groups=3)
        DetaineeGroupFactory(incident=case, arrest_location=LocationFactory())
    incident("Undated", None)
    with django_assert_num_queries(6):
        response = client.get(URL)
    assert response.content.decode().count("<time ") == 15


def test_filtered_query_count_is_constant(client, django_assert_num_queries):
    """The same six queries with every filter applied (filters are EXISTS subqueries)."""
    place = LocationFactory(name="Shenyang")
    for n in range(4):
        case = incident(f"Case {n}", "mid-March 2017", groups=2)
        DetaineeGroupFactory(incident=case, arrest_location=place)
    params = {
        "country": "CN",
        "outcome": ["detained", "repatriated"],
        "q": "case",
        "date_after": "2000",
        "date_before": "2020-12",
        "city": "shenyang",
    }
    with django_assert_num_queries(6):
        response = client.get(URL, params)
    assert response.content.decode().count("<time ") == 4
