"""/statistics/ and /statistics.csv: figures from published groups, honest about estimates."""

import csv
import datetime
import io
import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from incidents import statistics
from incidents.models import CountQualifier, Estimate, EventKind, Location, Outcome
from incidents.vague import CountTotal, EstimatedCount
from tests.factories import (
    CitationFactory,
    CountClaimFactory,
    CustodyEventFactory,
    DetaineeGroupFactory,
    EstimateFactory,
    EventActorFactory,
    IncidentFactory,
    LocationFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db
URL = reverse("incidents:statistics")
CSV_URL = reverse("incidents:statistics_csv")

EXACT, AT_LEAST, ABOUT = CountQualifier.EXACT, CountQualifier.AT_LEAST, CountQualifier.ABOUT


class Tables(HTMLParser):
    """{caption: [[cell text, ...], ...]} for every <table> in a page (header row included)."""

    def __init__(self, html: str):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._caption = self._row = self._cell = None
        self._in_caption = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._caption, self._rows = "", []
        elif tag == "caption":
            self._in_caption = True
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = ""

    def handle_endtag(self, tag):
        if tag == "caption":
            self._in_caption = False
        elif tag in ("td", "th"):
            self._row.append(" ".join(self._cell.split()))
            self._cell = None
        elif tag == "tr":
            self._rows.append(self._row)
        elif tag == "table":
            self.tables[self._caption.strip()] = self._rows

    def handle_data(self, data):
        if self._in_caption:
            self._caption += data
        elif self._cell is not None:
            self._cell += data


YEARS = "North Koreans in published incidents, by year of arrest"
PLACES = "North Koreans by place of arrest"
OUTCOMES = "What became of the North Koreans in published incidents, by the latest fate reported"
ACTORS = "North Koreans by authority"
ESTIMATES = "Aggregate estimates"


def place(name, province, country="CN"):
    return LocationFactory(name=name, province=province, country=country)


def case(when: tuple[str, str, str] | None, *groups, status="published", title=None):
    """An incident dated `when` (earliest, latest, precision) with groups given as
    (value, qualifier, outcome, place)."""
    dates = (
        dict(zip(("date_earliest", "date_latest", "date_precision"), when, strict=True))
        if when
        else {"date_earliest": None, "date_latest": None, "date_precision": ""}
    )
    incident = IncidentFactory(status=status, **({"title": title} if title else {}), **dates)
    for value, qualifier, outcome, where in groups:
        group = DetaineeGroupFactory(
            incident=incident,
            size_value=value,
            size_qualifier=qualifier if value is not None else CountQualifier.UNKNOWN,
            outcome=outcome,
            arrest_location=where,
        )
        CustodyEventFactory(group=group, kind=EventKind.ARRESTED)
    CitationFactory(incident=incident)
    return incident


Y2017 = ("2017-03-11", "2017-03-20", "mid_month")
Y2018 = ("2018-07-15", "2018-07-17", "days")
Y2003 = ("2003-01-01", "2003-12-31", "year")
Y2001_03 = ("2001-01-01", "2003-12-31", "years")


@pytest.fixture
def record():
    """2017: 20 repatriated + 9 detained (exact) = 29.
    2018: 20 + 9 exact and 'at least 6' released = at least 35.
    2003: 'about 300' repatriated. 2001–2003: 4 of unknown fate (counted in 2001).
    Undated: 3 released."""
    liaoning = place("Shenyang", "Liaoning")
    jilin = place("Tumen", "Jilin")
    russia = place("Vladivostok", "Primorsky Krai", country="RU")
    case(Y2017, (20, EXACT, Outcome.REPATRIATED, liaoning), (9, EXACT, Outcome.DETAINED, jilin))
    case(Y2018, (20, EXACT, Outcome.REPATRIATED, liaoning), (9, EXACT, Outcome.DETAINED, jilin))
    case(Y2018, (6, AT_LEAST, Outcome.RELEASED_TO_SOUTH_KOREA, russia))
    case(Y2003, (300, ABOUT, Outcome.REPATRIATED, liaoning))
    case(Y2001_03, (4, EXACT, Outcome.UNKNOWN, None))
    case(None, (3, EXACT, Outcome.RELEASED_TO_THIRD_COUNTRY, russia))


def body_of(client, params=None):
    response = client.get(URL, params or {})
    assert response.status_code == 200
    return response.content.decode()


def rows(tables, caption):
    header, *body = tables[caption]
    return {row[0]: row[1:] for row in body}


def test_per_year_figures_are_honest_about_estimates(client, record):
    tables = Tables(body_of(client)).tables
    years = rows(tables, YEARS)
    # Year: arrested, helpers, repatriated, released, still detained, fate unknown, incidents.
    # No source reports helpers here: "unknown", not 0.
    assert years == {
        "2001": ["4", "unknown", "0", "0", "0", "4", "1"],
        "2003": ["about 300", "unknown", "about 300", "0", "0", "0", "1"],
        "2017": ["29", "unknown", "20", "0", "9", "0", "1"],
        "2018": ["at least 35", "unknown", "20", "at least 6", "9", "0", "2"],
        "date unknown": ["3", "unknown", "0", "3", "0", "0", "1"],
    }
    assert list(years) == ["2001", "2003", "2017", "2018", "date unknown"]
    assert tables[YEARS][0] == [
        "Year", "Arrested", "Helpers", "Repatriated", "Released", "Still detained",
        "Fate unknown", "Incidents",
    ]  # fmt: skip


def test_spanning_incidents_are_counted_in_their_earliest_year_and_said_so(client, record):
    body = body_of(client)
    assert (
        "1 incident is dated across more than one year and is counted in its earliest "
        "possible year." in body
    )


def test_by_country_and_province(client, record):
    places = rows(Tables(body_of(client)).tables, PLACES)
    assert places == {
        "China / Liaoning": ["about 340", "unknown", "about 340", "0", "0", "0", "3"],
        "China / Jilin": ["18", "unknown", "0", "0", "18", "0", "2"],
        "Russia / Primorsky Krai": ["at least 9", "unknown", "0", "at least 9", "0", "0", "2"],
        "place unknown": ["4", "unknown", "0", "0", "0", "4", "1"],
    }
    # Sorted by the lower bound of people arrested, largest first.
    assert list(places) == [
        "China / Liaoning",
        "China / Jilin",
        "Russia / Primorsky Krai",
        "place unknown",
    ]


def test_outcome_shares(client, record):
    outcomes = rows(Tables(body_of(client)).tables, OUTCOMES)
    total_low = 29 + 35 + 300 + 4 + 3  # lower bounds of every group
    repatriated_low = 20 + 20 + 300
    # about 300 + at least 6 + exact figures: about 371, and maybe more.
    assert outcomes["All"] == ["about 371 or more", "", ""]
    assert outcomes["Repatriated to North Korea"] == [
        "about 340",
        f"≈{round(100 * repatriated_low / total_low)}%",
        "3",
    ]
    assert outcomes["Detained"] == ["18", f"≈{round(100 * 18 / total_low)}%", "2"]
    assert outcomes["Released to South Korea"] == [
        "at least 6",
        f"≈{round(100 * 6 / total_low)}%",
        "1",
    ]
    assert outcomes["Released to a third country"][0] == "3"
    assert outcomes["Unknown"][0] == "4"


def test_exact_shares_are_not_marked_approximate(client):
    where = place("Shenyang", "Liaoning")
    case(Y2017, (20, EXACT, Outcome.REPATRIATED, where), (9, EXACT, Outcome.DETAINED, where))
    outcomes = rows(Tables(body_of(client)).tables, OUTCOMES)
    assert outcomes["Repatriated to North Korea"] == ["20", f"{round(100 * 20 / 29)}%", "1"]
    assert outcomes["Detained"] == ["9", f"{round(100 * 9 / 29)}%", "1"]
    assert outcomes["All"] == ["29", "", ""]


def test_zero_is_shown_as_0(client):
    case(Y2017, (5, EXACT, Outcome.DETAINED, place("Yanji", "Jilin")))
    years = rows(Tables(body_of(client)).tables, YEARS)
    assert years["2017"] == ["5", "unknown", "0", "0", "5", "0", "1"]


def test_unknown_group_sizes_make_figures_open_ended():
    where = place("Yanji", "Jilin")
    case(Y2017, (None, None, Outcome.DETAINED, where), (5, EXACT, Outcome.DETAINED, where))
    case(Y2003, (None, None, Outcome.REPATRIATED, where))
    figures = statistics.compute()
    by_year = {row.label: row for row in figures["years"]}
    assert by_year["2017"].figure("arrested").render() == "at least 5"
    assert by_year["2003"].figure("arrested").render() == "unknown"
    assert by_year["2003"].figure("released").render() == "0"


def test_estimates_are_listed_with_their_source_and_labelled(client, record):
    source = SourceFactory(title="Annual refugee survey", publisher="USCR", url="")
    EstimateFactory(
        source=source,
        description="North Koreans repatriated from China in 2003",
        period_start=datetime.date(2003, 1, 1),
        period_end=datetime.date(2003, 12, 31),
        attributed_to="U.S. Committee for Refugees",
    )
    EstimateFactory(
        subject=Estimate.Subject.IN_HIDING,
        description="North Koreans hiding in China",
        period_start=datetime.date(1998, 1, 1),
        period_end=datetime.date(2002, 12, 31),
        value_low=50000,
        value_high=300000,
        source=SourceFactory(title="Hiding estimates report", url="https://ngo.example.org/r"),
    )
    EstimateFactory(description="MARKER-DRAFT-ESTIMATE", status="draft")
    EstimateFactory(
        description="MARKER-CONFIDENTIAL-ESTIMATE",
        source=SourceFactory(title="MARKER-CONFIDENTIAL-SOURCE", confidential=True),
    )
    body = body_of(client)
    assert "MARKER" not in body
    assert "Estimates from sources (not incidents)" in body
    estimates = Tables(body).tables[ESTIMATES]
    assert estimates[0] == ["Period", "What", "Estimate", "Estimated by", "Sources"]
    assert estimates[1:] == [
        [
            "1998–2002",
            "North Koreans hiding in China",
            "50,000–300,000 (estimate)",
            "—",
            "Hiding estimates report, Example News",
        ],
        [
            "2003",
            "North Koreans repatriated from China in 2003",
            "about 7,800 (estimate)",
            "U.S. Committee for Refugees",
            "Annual refugee survey, USCR",
        ],
    ]
    assert '<a href="https://ngo.example.org/r" rel="noopener noreferrer">' in body
    # Estimates are not added to the incident figures.
    assert rows(Tables(body).tables, OUTCOMES)["All"][0] == "about 371 or more"


def test_no_estimates_section_without_published_estimates(client, record):
    EstimateFactory(status="in_review", description="MARKER-UNPUBLISHED-ESTIMATE")
    body = body_of(client)
    assert "MARKER" not in body
    assert "No published estimate for this country and period." in body
    assert ESTIMATES not in Tables(body).tables


def test_chart_has_text_alternatives_and_the_numbers_are_in_a_table(client, record):
    body = body_of(client)
    svg = body[body.index('<svg class="bar-chart"') : body.index("</svg>")]
    assert 'role="img" aria-labelledby="chart-title chart-desc"' in svg
    assert '<title id="chart-title">North Koreans arrested per year (lower bounds)</title>' in svg
    desc = re.search(r'<desc id="chart-desc">(.*?)</desc>', svg).group(1)
    assert desc == "2001: 4; 2003: about 300; 2017: 29; 2018: at least 35; date unknown: 3"
    # Each figure in the chart is also in the per-year table.
    years = rows(Tables(body).tables, YEARS)
    for item in desc.split("; "):
        label, figure = item.split(": ")
        assert years[label][0] == figure
    assert svg.count("<rect ") == 5
    assert svg.count('class="bar open-ended"') == 1  # 2018: at least 35
    assert svg.count('class="bar approximate"') == 1  # 2003: about 300


def test_csv_has_bom_header_and_the_same_figures_as_the_page(client, record):
    EstimateFactory(attributed_to="U.S. Committee for Refugees")
    response = client.get(CSV_URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    table = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    header, *data = table
    assert header == [
        "table", "row", "arrested", "helpers", "repatriated", "released", "detained", "unknown",
        "people", "incidents", "estimate", "estimated by", "source",
    ]  # fmt: skip
    assert all(len(row) == len(header) for row in data)

    page = Tables(body_of(client)).tables
    for name, caption in (("years", YEARS), ("places", PLACES)):
        from_csv = {r[1]: [*r[2:8], r[9]] for r in data if r[0] == name}
        assert from_csv == rows(page, caption), name
    outcomes_csv = {r[1]: [r[8], r[9]] for r in data if r[0] == "outcomes"}
    outcomes_page = {k: [v[0], v[2]] for k, v in rows(page, OUTCOMES).items() if k != "All"}
    assert outcomes_csv == outcomes_page

    estimates = [r for r in data if r[0] == "source estimates"]
    assert estimates == [
        [
            "source estimates",
            "North Koreans repatriated from China (2003)",
            "", "", "", "", "", "", "", "",
            "about 7,800",
            "U.S. Committee for Refugees",
            estimates[0][-1],
        ]
    ]  # fmt: skip
    assert estimates[0][-1].startswith("Report number")


def test_csv_keeps_the_filters(client, record):
    body = body_of(client, {"country": "RU"})
    assert 'href="/statistics.csv?country=RU"' in body
    text = client.get(CSV_URL, {"country": "RU"}).content.decode("utf-8-sig")
    data = list(csv.reader(io.StringIO(text)))[1:]
    years = {r[1]: [*r[2:8], r[9]] for r in data if r[0] == "years"}
    assert years == {
        "2018": ["at least 6", "unknown", "0", "at least 6", "0", "0", "1"],
        "date unknown": ["3", "unknown", "0", "3", "0", "0", "1"],
    }
    assert years == rows(Tables(body).tables, YEARS)


def test_filters_apply(client, record):
    tables = Tables(body_of(client, {"outcome": "detained"})).tables
    assert rows(tables, YEARS) == {
        "2017": ["29", "unknown", "20", "0", "9", "0", "1"],
        "2018": ["29", "unknown", "20", "0", "9", "0", "1"],
    }
    tables = Tables(body_of(client, {"city": "shenyang"})).tables
    assert rows(tables, PLACES) == {
        "China / Liaoning": ["about 340", "unknown", "about 340", "0", "0", "0", "3"],
        "China / Jilin": ["18", "unknown", "0", "0", "18", "0", "2"],
    }
    tables = Tables(body_of(client, {"date_after": "2003", "date_before": "2017"})).tables
    assert list(rows(tables, YEARS)) == ["2001", "2003", "2017"]
    body = body_of(client, {"date_after": "2018"})
    assert rows(Tables(body).tables, YEARS) == {
        "2018": ["at least 35", "unknown", "20", "at least 6", "9", "0", "2"]
    }
    assert 'aria-label="Applied filters"' in body


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"date_after": "yesterday"}, "is not a date"),
        ({"outcome": "deported"}, "Select a valid choice"),
        ({"country": "XX"}, "is not an ISO 3166 country code"),
        ({"date_after": "2018", "date_before": "2017"}, "is after"),
    ],
)
def test_bad_filters_get_400(client, record, params, message):
    response = client.get(URL, params)
    assert response.status_code == 400
    body = response.content.decode()
    assert "Please correct the filters above." in body and message in body
    assert YEARS not in body and "<svg" not in body
    response = client.get(CSV_URL, params)
    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert message in response.content.decode()


def test_drafts_are_excluded(client, record):
    before = Tables(body_of(client)).tables
    before_csv = client.get(CSV_URL).content
    for status in ("draft", "in_review", "archived"):
        case(
            Y2017,
            (1000, EXACT, Outcome.DETAINED, place("MARKER-DRAFT-PLACE", "MARKER-PROVINCE")),
            status=status,
            title=f"MARKER-DRAFT {status}",
        )
    body = body_of(client)
    assert "MARKER" not in body
    assert Tables(body).tables == before
    assert client.get(CSV_URL).content == before_csv


def test_empty_record(client):
    body = body_of(client)
    tables = Tables(body).tables
    assert rows(tables, YEARS) == {}
    assert rows(tables, OUTCOMES) == {"All": ["0", "", ""]}
    assert '<desc id="chart-desc"></desc>' in body


def test_share():
    def total(value, qualifier=EXACT):
        return CountTotal.of(EstimatedCount(value, qualifier))

    assert statistics.share(total(1), total(3)) == "33%"
    assert statistics.share(total(1, ABOUT), total(3)) == "≈33%"
    assert statistics.share(total(1), total(3, AT_LEAST)) == "≈33%"
    assert statistics.share(total(0), total(None, CountQualifier.UNKNOWN)) == "–"


def _queries(client, django_assert_max_num_queries, url, params=None) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params or {}).status_code == 200
    return len(queries)


def test_query_count_does_not_grow_with_the_record(client, django_assert_max_num_queries):
    """A fixed number of queries (one aggregate per table, two for the subgroups' rests,
    three for the authorities, one for the spread across claims, the estimates and the form's
    choices), whatever the number of incidents, groups, places, authorities and estimates."""

    def add(n, *groups):
        incident = case(Y2018, *groups)
        group = incident.groups.order_by("pk").first()
        DetaineeGroupFactory(incident=incident, parent=group, size_value=1, size_qualifier=EXACT)
        EventActorFactory(event=group.events.first())
        CountClaimFactory(group=group, value=n + 2)
        EstimateFactory()

    add(0, (20, EXACT, Outcome.DETAINED, place("Shenyang", "Liaoning")))
    params = {"country": "CN", "outcome": ["detained"], "q": "case", "date_after": "2000"}
    small = [_queries(client, None, u, p) for u in (URL, CSV_URL) for p in (None, params)]
    for n in range(1, 11):
        add(
            n,
            (n + 1, AT_LEAST, Outcome.DETAINED, place(f"Town {n}", f"Province {n}")),
            (3, ABOUT, Outcome.REPATRIATED, place(f"City {n}", "Jilin", country="RU")),
        )
    large = [_queries(client, None, u, p) for u in (URL, CSV_URL) for p in (None, params)]
    assert large == small
    tables = Tables(body_of(client)).tables
    assert len(rows(tables, PLACES)) == 12  # Liaoning, 10 provinces, Russia / Jilin
    assert len(rows(tables, ACTORS)) == 11
    assert max(large) <= 20, large


def test_location_kinds_do_not_matter_only_country_and_province():
    city = place("Shenyang", "Liaoning")
    centre = LocationFactory(
        name="Shenyang detention centre",
        kind=Location.Kind.DETENTION_CENTRE,
        city="Shenyang",
        province="Liaoning",
    )
    case(Y2017, (2, EXACT, Outcome.DETAINED, city), (3, EXACT, Outcome.DETAINED, centre))
    places = statistics.compute()["places"]
    assert [(r.label, r.figure("arrested").render(), r.incidents) for r in places] == [
        ("China / Liaoning", "5", 1)
    ]


def test_the_page_lists_a_bounded_number_of_estimates_and_says_how_many(client, monkeypatch):
    """A page never loads the whole record: the earliest ESTIMATES_SHOWN estimates, and the
    total."""
    import datetime

    from incidents import statistics as stats
    from tests.factories import EstimateFactory

    monkeypatch.setattr(stats, "ESTIMATES_SHOWN", 2)
    for year in (2005, 2003, 2004):
        EstimateFactory(description=f"Repatriated in {year}",
                        period_start=datetime.date(year, 1, 1),
                        period_end=datetime.date(year, 12, 31))  # fmt: skip
    body = client.get("/statistics/").content.decode()
    assert "Repatriated in 2003" in body and "Repatriated in 2004" in body
    assert "Repatriated in 2005" not in body
    assert "The 2 earliest of 3 estimates" in body
