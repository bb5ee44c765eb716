"""/urgent/: published groups still detained or of unknown fate, longest in custody first."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incidents import urgent
from incidents.models import CountQualifier, EventKind, Outcome
from incidents.urgent import public_row, urgent_cases
from incidents.vague import parse_vague_date
from tests.factories import (
    CitationFactory,
    CountClaimFactory,
    CustodyEventFactory,
    DetaineeGroupFactory,
    EventActorFactory,
    IncidentFactory,
    LocationFactory,
    SourceFactory,
    published_incident,
)

pytestmark = pytest.mark.django_db
URL = reverse("incidents:urgent")
TODAY = datetime.date(2020, 1, 1)


UNDATED = {"date_earliest": None, "date_latest": None, "date_precision": ""}


REAL_WINDOW = urgent.RECENT_DAYS


@pytest.fixture(autouse=True)
def everything_is_recent(monkeypatch):
    """Most tests here are about the rows, not the tabs: the whole board on its first tab
    (the staleness tests at the end ask for the real window)."""
    monkeypatch.setattr(urgent, "RECENT_DAYS", 365 * 200)


@pytest.fixture
def real_window(monkeypatch, everything_is_recent):
    monkeypatch.setattr(urgent, "RECENT_DAYS", REAL_WINDOW)


def dates(text):
    """Vague date fields for a date as reported ("mid-March 2017"); None: undated."""
    if text is None:
        return dict(UNDATED)
    vd = parse_vague_date(text)
    return {"date_earliest": vd.earliest, "date_latest": vd.latest, "date_precision": vd.precision}


def group_in(incident=None, *, outcome=Outcome.DETAINED, arrested=None, **kwargs):
    """A group (of a new published incident unless given) with an arrest event `arrested`."""
    group = DetaineeGroupFactory(
        outcome=outcome, **({"incident": incident} if incident else {}), **kwargs
    )
    if arrested:
        CustodyEventFactory(group=group, kind=EventKind.ARRESTED, **dates(arrested))
    return group


def event(group, kind, when, location=None, **kwargs):
    return CustodyEventFactory(group=group, kind=kind, location=location, **dates(when), **kwargs)


def row_of(body: str, title: str) -> str:
    """The HTML of the board's row for the incident titled `title`."""
    start = body.rindex("<tr>", 0, body.index(title))
    return body[start : body.index("</tr>", start)]


def test_only_detained_or_unknown_groups_of_published_incidents():
    incident = IncidentFactory(title="Mixed fates")
    detained = group_in(incident, outcome=Outcome.DETAINED, label="Held group")
    unknown = group_in(incident, outcome=Outcome.UNKNOWN, label="Unknown group")
    for outcome in Outcome.values:
        if outcome not in (Outcome.DETAINED, Outcome.UNKNOWN):
            group_in(incident, outcome=outcome, label=f"Group {outcome}")
    for status in ("draft", "in_review", "archived"):
        group_in(IncidentFactory(status=status), outcome=Outcome.DETAINED)
    assert {case.group.pk for case in urgent_cases(today=TODAY)} == {detained.pk, unknown.pk}


def test_days_since_arrest_come_from_the_arrest_event_as_a_range_for_vague_dates():
    # The incident is dated loosely; the arrest event more closely.
    incident = IncidentFactory(**dates("2017"))
    group = group_in(incident, arrested="mid-March 2017")
    event(group, EventKind.TRANSFERRED, "April 2017")
    (case,) = urgent_cases(today=TODAY)
    assert case.arrest_event.kind == EventKind.ARRESTED
    earliest, latest = datetime.date(2017, 3, 11), datetime.date(2017, 3, 20)
    assert case.days_min == (TODAY - latest).days
    assert case.days_max == (TODAY - earliest).days
    assert case.days_display == f"{(TODAY - latest).days:,}–{(TODAY - earliest).days:,}"


def test_an_exact_arrest_date_gives_one_number():
    group_in(arrested="15 July 2017")
    (case,) = urgent_cases(today=TODAY)
    days = (TODAY - datetime.date(2017, 7, 15)).days
    assert (case.days_min, case.days_max, case.days_display) == (days, days, f"{days:,}")


def test_without_a_dated_arrest_event_the_incident_date_is_used():
    incident = IncidentFactory(**dates("March–May 2017"))
    group = group_in(incident)
    event(group, EventKind.ARRESTED, None)
    (case,) = urgent_cases(today=TODAY)
    assert case.days_min == (TODAY - datetime.date(2017, 5, 31)).days
    assert case.days_max == (TODAY - datetime.date(2017, 3, 1)).days


def test_unknown_dates_say_unknown_and_go_last():
    undated = group_in(IncidentFactory(date_earliest=None, date_latest=None, date_precision=""))
    recent = group_in(arrested="2019")
    oldest = group_in(arrested="2003")
    middle = group_in(arrested="mid-March 2017")
    cases = urgent_cases(today=TODAY)
    assert [c.group.pk for c in cases] == [oldest.pk, middle.pk, recent.pk, undated.pk]
    assert cases[-1].days_display == "unknown"
    mins = [c.days_min for c in cases[:-1]]
    assert mins == sorted(mins, reverse=True)


def test_future_dates_never_give_negative_days():
    group_in(arrested="2019")
    (case,) = urgent_cases(today=datetime.date(2019, 6, 1))
    assert case.days_min == 0
    assert case.days_max == (datetime.date(2019, 6, 1) - datetime.date(2019, 1, 1)).days


def test_last_known_place_is_the_place_of_the_latest_event():
    shenyang = LocationFactory(name="Shenyang")
    tumen = LocationFactory(
        name="Tumen detention centre", kind="detention_centre", city="Tumen", province="Jilin"
    )
    group = group_in(arrest_location=shenyang)
    event(group, EventKind.ARRESTED, "mid-March 2017", shenyang)
    event(group, EventKind.TRANSFERRED, "April 2017", tumen)
    (case,) = urgent_cases(today=TODAY)
    assert case.last_place == tumen
    assert case.last_event.kind == EventKind.TRANSFERRED
    # A later report without a place does not move them back to the place of arrest.
    event(group, EventKind.REPORTED, "June 2017")
    (case,) = urgent_cases(today=TODAY)
    assert case.last_event.kind == EventKind.REPORTED
    assert case.last_place == tumen
    row = public_row(case)
    assert row["last_place"]["name"] == "Tumen detention centre"
    assert row["place_event"]["kind"] == EventKind.TRANSFERRED


def test_without_events_the_place_of_arrest_is_the_last_known_place():
    shenyang = LocationFactory(name="Shenyang")
    group_in(arrest_location=shenyang)
    (case,) = urgent_cases(today=TODAY)
    assert case.last_event is None and case.last_place == shenyang


def test_last_source_is_the_latest_public_source_of_the_group_or_incident():
    incident = IncidentFactory()
    group = group_in(incident, arrested="mid-March 2017")
    other = group_in(incident, arrested="mid-March 2017")

    def cite(title, when, *, confidential=False, **kwargs):
        source = SourceFactory(title=title, confidential=confidential, **dates(when))
        return CitationFactory(incident=incident, source=source, **kwargs)

    cite("Undated source", None)
    cite("Old report", "25 March 2017")
    cite("Newer group report", "1 June 2017", group=group)
    cite("Newest, about the other group", "1 January 2018", group=other)
    cite("MARKER-CONFIDENTIAL-TITLE", "1 January 2019", confidential=True)
    cases = {c.group.pk: c for c in urgent_cases(today=TODAY)}
    assert cases[group.pk].last_citation.source.title == "Newer group report"
    assert cases[other.pk].last_citation.source.title == "Newest, about the other group"


def test_the_latest_source_is_found_by_its_vague_date():
    incident = IncidentFactory()
    group_in(incident)
    for title, when in [
        ("Mid-May report", "mid-May 2018"),
        ("A report of June", "June 2018"),  # vague, but after everything else
        ("Year-only report", "2017"),
        ("Exact report", "1 March 2018"),
    ]:
        CitationFactory(incident=incident, source=SourceFactory(title=title, **dates(when)))
    (case,) = urgent_cases(today=TODAY)
    assert case.last_citation.source.title == "A report of June"
    assert public_row(case)["last_source"]["date_display"] == "June 2018"


def test_an_undated_source_is_not_taken_as_the_latest(client):
    incident = IncidentFactory(title="Sourced case")
    group_in(incident)
    CitationFactory(incident=incident, source=SourceFactory(title="Dated", **dates("1 April 2017")))
    CitationFactory(incident=incident, source=SourceFactory(title="No date", **UNDATED))
    (case,) = urgent_cases(today=TODAY)
    assert case.last_citation.source.title == "Dated"
    # With only undated sources, none is "the last": the board says so rather than guess.
    undated = IncidentFactory(title="Undated sources only")
    group_in(undated)
    CitationFactory(incident=undated, source=SourceFactory(title="Undated report", **UNDATED))
    cases = {c.group.incident.title: c for c in urgent_cases(today=TODAY)}
    assert cases["Undated sources only"].last_citation is None
    assert cases["Sourced case"].last_citation.source.title == "Dated"
    body = client.get(URL).content.decode()
    assert "Undated report" not in body
    last_source_cell = row_of(body, "Undated sources only").rsplit("<td>", 1)[1]
    assert last_source_cell.startswith("—</td>")
    assert ">Dated</a>" in row_of(body, "Sourced case")


def test_only_confidential_sources_means_no_source_shown(client):
    incident = IncidentFactory(title="Only an informant")
    group_in(incident, arrested="mid-March 2017")
    CitationFactory(
        incident=incident,
        claim="MARKER-CONFIDENTIAL-CLAIM",
        source=SourceFactory(title="MARKER-CONFIDENTIAL-TITLE", confidential=True),
    )
    (case,) = urgent_cases(today=TODAY)
    assert case.last_citation is None
    body = client.get(URL).content.decode()
    assert "Only an informant" in body and "MARKER" not in body


@pytest.fixture
def fixed_today(monkeypatch):
    monkeypatch.setattr(urgent.timezone, "localdate", lambda *a, **k: TODAY)
    return TODAY


def test_page_shows_the_board_longest_first(client, fixed_today):
    shenyang = LocationFactory(name="Shenyang")
    tumen = LocationFactory(
        name="Tumen detention centre", kind="detention_centre", city="Tumen", province="Jilin"
    )
    old = IncidentFactory(title="Held since 2003", **dates("2003"))
    group = group_in(old, arrested="2003", arrest_location=shenyang, label="Shenyang group")
    event(group, EventKind.TRANSFERRED, "15 July 2004", tumen)
    CitationFactory(
        incident=old,
        source=SourceFactory(title="Survivor account", url="https://ngo.example.org/a",
                             **dates("1 February 2005")),
    )  # fmt: skip
    new = IncidentFactory(title="Held since 2017")
    group_in(new, outcome=Outcome.UNKNOWN, arrested="mid-March 2017")
    sent_back = IncidentFactory(title="Returned group")
    group_in(sent_back, outcome=Outcome.REPATRIATED, arrested="mid-March 2017")

    response = client.get(URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert "2 groups at risk" in body
    assert "Returned group" not in body
    assert body.index("Held since 2003") < body.index("Held since 2017")
    row = body[body.index("Held since 2003") : body.index("Held since 2017")]
    low = (TODAY - datetime.date(2003, 12, 31)).days
    high = (TODAY - datetime.date(2003, 1, 1)).days
    assert f"<td>{low:,}–{high:,}</td>" in row
    assert "Shenyang group" in row and "8 North Koreans" in row
    assert "Tumen detention centre, Tumen, Jilin, China" in row
    assert "Transferred, 15 July 2004" in row
    assert (
        '<a href="https://ngo.example.org/a" rel="noopener noreferrer">Survivor account</a>' in row
    )
    assert "1 February 2005" in row
    assert 'badge-detained">Detained' in row
    later = body[body.index("Held since 2017") :]
    assert 'badge-unknown">Unknown' in later
    low, high = (TODAY - datetime.date(2017, 3, 20)).days, (TODAY - datetime.date(2017, 3, 11)).days
    assert f"<td>{low:,}–{high:,}</td>" in later


def test_empty_board(client):
    group_in(outcome=Outcome.REPATRIATED)
    body = client.get(URL).content.decode()
    assert "No published group on this list is recorded as detained or of unknown fate." in body


def test_restricted_markers_never_appear(client):
    private = LocationFactory(
        name="Yanji safe house",
        notes_internal="MARKER-LOCATION-NOTE",
        latitude="43.123457",
        longitude="129.765433",
        coordinate_precision="exact",
        coordinates_public=False,
    )
    incident = IncidentFactory(title="Published case", notes_internal="MARKER-INCIDENT-NOTE")
    group = group_in(incident, arrest_location=private, notes_internal="MARKER-GROUP-NOTE")
    event(group, EventKind.ARRESTED, "mid-March 2017", private, notes_internal="MARKER-EVENT-NOTE")
    CitationFactory(incident=incident, source=SourceFactory(notes_internal="MARKER-SOURCE-NOTE"))
    CitationFactory(
        incident=incident,
        group=group,
        claim="MARKER-CONFIDENTIAL-CLAIM",
        source=SourceFactory(
            title="MARKER-CONFIDENTIAL-TITLE",
            publisher="MARKER-CONFIDENTIAL-PUBLISHER",
            **dates("1 January 2030"),
            confidential=True,
        ),
    )
    # A figure resting on a confidential source, and a subgroup with internal notes.
    CountClaimFactory(
        group=group,
        value=9,
        wording="MARKER-CLAIM-WORDING",
        source=SourceFactory(title="MARKER-CLAIM-SOURCE", confidential=True),
    )
    DetaineeGroupFactory(
        incident=incident, parent=group, size_value=3, notes_internal="MARKER-SUBGROUP-NOTE"
    )
    for status in ("draft", "in_review", "archived"):
        draft = IncidentFactory(
            title=f"MARKER-DRAFT-TITLE {status}", summary="MARKER-DRAFT", status=status
        )
        group_in(draft, arrest_location=LocationFactory(name="MARKER-DRAFT-PLACE"))
    body = client.get(URL).content.decode()
    assert "Published case" in body
    assert "MARKER" not in body
    assert "43.123457" not in body and "129.765433" not in body
    assert not re.search(r"43\.12|129\.76", body)


def test_north_koreans_are_counted_and_helpers_shown_apart(client):
    """29 North Koreans and six helpers are 29 North Koreans and 6 helpers: never 35."""
    incident = IncidentFactory(title="Qingdao arrests")
    group_in(
        incident, arrested="mid-March 2017", size_value=29,
        helpers_value=6, helpers_qualifier=CountQualifier.EXACT,
    )  # fmt: skip
    group_in(
        IncidentFactory(title="A range"), size_value=27, size_high=29,
        size_qualifier=CountQualifier.RANGE,
    )  # fmt: skip
    body = client.get(URL).content.decode()
    cell = row_of(body, "Qingdao arrests").split("</th>")[0]
    assert "29 North Koreans · 6 helpers or brokers" in cell
    assert "35" not in cell
    assert "27–29 North Koreans</span>" in row_of(body, "A range")  # no helpers: not shown


def test_a_group_with_subgroups_is_on_the_board_for_its_rest_only(client):
    # 10 arrested, of whom 4 returned and 6 still held: the 6 are the case, not the 10.
    covered = IncidentFactory(title="Fully split")
    whole = group_in(covered, outcome=Outcome.UNKNOWN, size_value=10, label="All ten")
    group_in(covered, outcome=Outcome.REPATRIATED, size_value=4, parent=whole)
    held = group_in(covered, outcome=Outcome.DETAINED, size_value=6, parent=whole, label="Six")
    # 31 held, of whom 10 returned: 21 still held.
    partly = IncidentFactory(title="Partly returned")
    held_rest = group_in(partly, outcome=Outcome.DETAINED, size_value=31, label="Thirty-one")
    group_in(partly, outcome=Outcome.REPATRIATED, size_value=10, parent=held_rest)
    # At least 41, of whom at least 9 returned: the rest's number and fate are not reported.
    vague = IncidentFactory(title="Vague split")
    vague_rest = group_in(
        vague, outcome=Outcome.UNKNOWN, size_value=41, size_qualifier=CountQualifier.AT_LEAST,
        label="Forty-one",
    )  # fmt: skip
    group_in(
        vague, outcome=Outcome.REPATRIATED, size_value=9, size_qualifier=CountQualifier.AT_LEAST,
        parent=vague_rest,
    )  # fmt: skip
    cases = {c.group.pk: c for c in urgent_cases(today=TODAY)}
    assert set(cases) == {held.pk, held_rest.pk, vague_rest.pk}
    assert cases[held.pk].rest is None
    assert cases[held_rest.pk].rest.localized() == "21"
    assert not cases[vague_rest.pk].rest.known
    body = client.get(URL).content.decode()
    assert "3 groups at risk" in body and "All ten" not in body
    assert "Six · 6 North Koreans</span>" in row_of(body, "Fully split")
    assert "21 North Koreans (the rest of 31)" in row_of(body, "Partly returned")
    assert "31 North Koreans</span>" not in body
    vague_row = row_of(body, "Vague split")
    assert "The rest of at least 41 North Koreans (number not reported)" in vague_row
    assert 'badge-unknown">Unknown' in vague_row


def board_queries(client) -> tuple[int, str]:
    """(number of queries, HTML) for the public board."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL)
    assert response.status_code == 200
    return len(queries), response.content.decode()


def at_risk_incident(n: int):
    """A published incident with every relation the board reads: groups at risk with events
    (one naming an authority), a subgroup, sourced figures and citations (one confidential,
    one about a group)."""
    incident = published_incident(groups=2)
    group = group_in(incident, outcome=Outcome.UNKNOWN, arrested="2003", size_value=12)
    EventActorFactory(event=event(group, EventKind.TRANSFERRED, "2004", LocationFactory()))
    group_in(incident, outcome=Outcome.REPATRIATED, size_value=2, parent=group)
    CountClaimFactory(group=group, value=12, preferred=True)
    CountClaimFactory(group=group, value=13, source=SourceFactory(confidential=True))
    CitationFactory(incident=incident, group=group, source=SourceFactory(**dates(f"{2004 + n}")))
    CitationFactory(incident=incident, source=SourceFactory(confidential=True))
    return incident


def test_query_count_is_constant(client):
    """The board's queries do not grow with its groups, nor with their events, authorities,
    subgroups, sourced figures or citations: all are prefetched (urgent.at_risk_groups), so
    3 groups and 33 cost the same."""
    at_risk_incident(0)
    few, body = board_queries(client)
    assert "3 groups at risk" in body
    for n in range(1, 11):
        at_risk_incident(n)
    many, body = board_queries(client)
    assert "33 groups at risk" in body
    assert many == few


def test_the_board_is_paginated_longest_first_across_pages(client, monkeypatch, fixed_today):
    """No page loads the whole board: it comes a page at a time, in board order across
    pages, and the caption counts every group at risk."""
    from incidents import browse

    monkeypatch.setattr(browse, "URGENT_PAGE_SIZE", 2)
    for year in (2011, 2005, 2019, 2008, 2015):
        group_in(IncidentFactory(title=f"Held since {year}"), arrested=str(year))
    first = client.get(URL).content.decode()
    second = client.get(URL, {"page": 2}).content.decode()
    last = client.get(URL, {"page": 3}).content.decode()
    assert "5 groups at risk" in first and "5 groups at risk" in last
    titles = [re.findall(r"Held since (\d{4})", page) for page in (first, second, last)]
    assert titles == [["2005", "2008"], ["2011", "2015"], ["2019"]]
    assert 'rel="next" href="?page=2"' in first and "Page 1 of 3" in first
    # A page number past the end shows the last page (never an error page).
    assert re.findall(r"Held since (\d{4})", client.get(URL, {"page": 99}).content.decode()) == [
        "2019"
    ]
    assert client.get(URL, {"page": "x"}).status_code == 200


def test_old_unresolved_groups_are_behind_the_never_reported_tab(client, fixed_today, real_window):
    """Default: groups arrested, or with news, in the last 24 months. An arrest of 2003 with
    no news since is under "fate never reported", unless a source or an event is recent."""
    group_in(IncidentFactory(title="Arrested last year", **dates("2019")), arrested="June 2019")
    group_in(IncidentFactory(title="Held since 2003", **dates("2003")), arrested="2003")
    old_news = group_in(IncidentFactory(title="Old arrest, new report", **dates("2004")),
                        arrested="2004")  # fmt: skip
    CitationFactory(incident=old_news.incident,
                    source=SourceFactory(title="Recent report", **dates("March 2019")))  # fmt: skip
    moved = group_in(IncidentFactory(title="Old arrest, moved", **dates("2005")), arrested="2005")
    event(moved, EventKind.TRANSFERRED, "1 December 2018")
    group_in(IncidentFactory(title="Undated case", **UNDATED))

    recent = client.get(URL).content.decode()
    never = client.get(URL, {"tab": "never_reported"}).content.decode()
    shown = {title: (title in recent, title in never) for title in (
        "Arrested last year", "Held since 2003", "Old arrest, new report", "Old arrest, moved",
        "Undated case")}  # fmt: skip
    assert shown == {
        "Arrested last year": (True, False),
        "Held since 2003": (False, True),
        "Old arrest, new report": (True, False),
        "Old arrest, moved": (True, False),
        "Undated case": (False, True),
    }
    assert "(3)" in recent and "(2)" in never  # each tab says how many it holds
    # The last news column: the later of the latest event and the latest dated source.
    assert "<td>March 2019</td>" in row_of(recent, "Old arrest, new report")
    assert "<td>1 December 2018</td>" in row_of(recent, "Old arrest, moved")
    assert client.get(URL, {"tab": "bogus"}).status_code == 400


def test_a_confidential_source_is_no_news_on_the_public_board(client, fixed_today, real_window):
    old = group_in(IncidentFactory(title="Held since 2003", **dates("2003")), arrested="2003")
    CitationFactory(incident=old.incident,
                    source=SourceFactory(confidential=True, **dates("March 2019")))  # fmt: skip
    assert "Held since 2003" not in client.get(URL).content.decode()
    assert "Held since 2003" in client.get(URL, {"tab": "never_reported"}).content.decode()
