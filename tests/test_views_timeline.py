"""/timeline/: published incidents in time order, placed no more precisely than reported."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from incidents import browse, timeline
from incidents.models import CountQualifier, Incident, Outcome
from incidents.vague import parse_vague_date
from tests.factories import (
    CountClaimFactory,
    CustodyEventFactory,
    DateClaimFactory,
    DetaineeGroupFactory,
    EventActorFactory,
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


def incident_at(title: str, when: str | None, place) -> Incident:
    """A published incident whose one group was arrested at `place` (the factories keep the
    place index that the city and country filters read)."""
    case = incident(title, when, groups=0)
    CustodyEventFactory(group=DetaineeGroupFactory(incident=case, arrest_location=place))
    return case


def month_section(body: str, anchor: str) -> str:
    """The HTML of one month's (or month range's) section, from its heading to its end:
    anchor "m2017-3" for March 2017, "m2017-3-5" for March–May 2017."""
    start = body.index(f'<h3 id="{anchor}">')
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


def test_month_placement_only_within_one_month_or_one_range_of_months(client, reported_dates):
    response = client.get(URL)
    assert response.status_code == 200
    body = response.content.decode()

    july = month_section(body, "m2017-7")
    assert ">July 2017</h3>" in july
    assert "Tumen raid" in july and "15–17 July 2017" in july
    march = month_section(body, "m2017-3")
    assert ">March 2017</h3>" in march
    assert "Shenyang checkpoint" in march and "mid-March 2017" in march
    assert "Spring sweep" not in march  # March–May is not "in March"
    # A range of months of one year is a section of its own, after the month it starts in.
    spring = month_section(body, "m2017-3-5")
    assert ">March–May 2017</h3>" in spring
    assert "Spring sweep" in spring and "Shenyang checkpoint" not in spring
    # No other month sections (and no id twice): every other date is vaguer than that.
    assert re.findall(r'<h3 id="m(\d+)-(\d+)(?:-(\d+))?">', body) == [
        ("2017", "3", ""),
        ("2017", "3", "5"),
        ("2017", "7", ""),
    ]

    # Vaguer dates: under the earliest possible year, with the date as reported.
    in_2017 = vague_section(body, 2017)
    assert "Across months" in in_2017 and "28 June – 3 July 2017" in in_2017
    assert "Tumen raid" not in in_2017 and "Shenyang checkpoint" not in in_2017
    assert "Spring sweep" not in in_2017
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
        body.index("Across months"),  # 2017, no one month or range of months
        body.index("Shenyang checkpoint"),  # March 2017
        body.index("Spring sweep"),  # March–May 2017
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
    # Only the date fields are read: the dicts carry no date_display.
    years, undated = timeline.build(items)
    assert [y.year for y in years] == [2001, 2003, 2017]
    by_year = {y.year: y for y in years}
    months_2017 = by_year[2017].month_list
    assert [m.label for m in months_2017] == ["March 2017", "March–May 2017", "July 2017"]
    assert [[i["title"] for i in m.incidents] for m in months_2017] == [
        ["Shenyang checkpoint"],
        ["Spring sweep"],
        ["Tumen raid"],
    ]
    assert [m.anchor for m in months_2017] == ["m2017-3", "m2017-3-5", "m2017-7"]
    assert [i["title"] for i in by_year[2017].vague] == ["Across months"]
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
    (february,) = years[0].month_list
    assert [i["title"] for i in february.incidents] == ["Whole month", "One day"]
    assert february.label == "February 2012" and february.last_month is None


def test_month_ranges_share_a_section_only_within_one_year():
    items = [
        {"title": "Spring", **dated("March–May 2017")},
        {"title": "Also spring", **dated("March–May 2017")},
        {"title": "March only", **dated("March 2017")},
        {"title": "April only", **dated("early April 2017")},
        {"title": "Winter", **dated("November 2016 – February 2017")},
    ]
    items.sort(key=lambda i: (i["date_earliest"], i["date_latest"]))
    years, undated = timeline.build(items)
    by_year = {y.year: y for y in years}
    # A range of months over the new year is vaguer than one year's months: the 2016 bucket.
    assert [i["title"] for i in by_year[2016].vague] == ["Winter"]
    assert by_year[2016].months == {}
    months = by_year[2017].month_list
    assert [(m.label, [i["title"] for i in m.incidents]) for m in months] == [
        ("March 2017", ["March only"]),
        ("March–May 2017", ["Spring", "Also spring"]),
        ("April 2017", ["April only"]),
    ]
    assert by_year[2017].count == 4 and undated == []
    with translation.override("ko"):
        korean_years, _undated = timeline.build(items)
        labels = [m.label for m in korean_years[1].month_list]
    assert labels == ["2017년 3월", "2017년 3월–5월", "2017년 4월"]


def test_filters_apply(client):
    incident_at("Shenyang checkpoint", "mid-March 2017", LocationFactory(name="Shenyang"))
    sent_back = incident("Sent back", "15–17 July 2017")
    sent_back.groups.update(outcome=Outcome.REPATRIATED)
    vladivostok = LocationFactory(name="Vladivostok", country="RU", province="Primorsky Krai")
    incident_at("Old case", "2003", vladivostok)
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
    assert titles({"country": "RU"}) == {"Old case"}
    assert titles({"country": "CN"}) == {"Shenyang checkpoint", "Sent back", "Undated case"}
    assert titles({"city": "Primorsky Krai"}) == {"Old case"}  # a place above the arrest
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


def rich_incident(title: str, when: str | None, place=None):
    """A published incident with every relation the timeline reads per incident: a group
    with a subgroup ("of whom"), sourced figures for its size and helpers, an arrest event
    with an authority, a sourced date, and places in the hierarchy."""
    case = incident(title, when, groups=0)
    group = DetaineeGroupFactory(
        incident=case, arrest_location=place or LocationFactory(), helpers_value=2,
        helpers_qualifier=CountQualifier.EXACT,
    )  # fmt: skip
    EventActorFactory(event=CustodyEventFactory(group=group))
    DetaineeGroupFactory(
        incident=case, parent=group, size_value=3, outcome=Outcome.REPATRIATED,
        arrest_location=LocationFactory(kind="detention_centre", city="Tumen", province="Jilin"),
    )  # fmt: skip
    CountClaimFactory(group=group, value=8, preferred=True)
    CountClaimFactory(group=group, value=9)  # another source's figure
    CountClaimFactory(group=group, part="helpers", value=2)
    DateClaimFactory(incident=case)
    return case


def page_queries(client, params=None) -> tuple[int, str]:
    """(number of queries, HTML) for one timeline page."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL, params or {})
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_query_count_is_constant(client):
    """The queries do not grow with the incidents on the page, nor with their groups,
    subgroups, sourced figures, events, authorities or places: all are prefetched (see
    IncidentQuerySet.with_public_relations), so 2 incidents and 15 cost the same."""
    for when in ("2003", "mid-March 2017"):
        rich_incident(f"Case {when}", when)
    few, body = page_queries(client)
    assert body.count("<time ") == 2
    for n in range(12):
        rich_incident(f"More {n}", f"{2000 + n}")
    incident("Undated", None)
    many, body = page_queries(client)
    assert body.count("<time ") == 15
    assert many == few


def test_filtered_query_count_is_constant(client):
    """Every filter is a subquery of the page's one incidents query (EXISTS on the place
    index, the groups, the words): filtering adds no query, and the count stays constant."""
    place = LocationFactory(name="Shenyang")
    params = {
        "country": "CN",
        "outcome": ["detained", "repatriated"],
        "q": "case",
        "date_after": "2000",
        "date_before": "2020-12",
        "city": "shenyang",
    }
    rich_incident("Case 0", "mid-March 2017", place)
    rich_incident("Elsewhere", "mid-March 2017")  # filtered out by the city
    unfiltered, _body = page_queries(client)
    few, body = page_queries(client, params)
    assert body.count("<time ") == 1
    for n in range(1, 5):
        rich_incident(f"Case {n}", "mid-March 2017", place)
    many, body = page_queries(client, params)
    assert body.count("<time ") == 5 and "Elsewhere" not in body
    assert few == many == unfiltered
