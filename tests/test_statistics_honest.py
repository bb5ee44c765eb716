"""Statistics never claim more than the sources: who counts as arrested, helpers apart,
"of whom" subgroups counted once, conflicting claims, estimates that respect the filters."""

import datetime

import pytest

from incidents import statistics
from incidents.models import CountQualifier, EventKind, Outcome
from tests.factories import (
    ActorFactory,
    CountClaimFactory,
    CustodyEventFactory,
    DetaineeGroupFactory,
    EstimateFactory,
    EventActorFactory,
    IncidentFactory,
    LocationFactory,
    SourceFactory,
)
from tests.test_views_statistics import ACTORS, ESTIMATES, Tables, body_of, rows

pytestmark = pytest.mark.django_db
Q = CountQualifier


def group(incident, value, qualifier=Q.EXACT, *, outcome=Outcome.DETAINED, events=("arrested",),
          high=None, parent=None, helpers=None, where=None):  # fmt: skip
    g = DetaineeGroupFactory(
        incident=incident, parent=parent, outcome=outcome,
        size_value=value, size_high=high,
        size_qualifier=qualifier if value is not None else Q.UNKNOWN,
        helpers_value=helpers, helpers_qualifier=Q.EXACT if helpers is not None else Q.UNKNOWN,
        arrest_location=where or LocationFactory(name="Shenyang", province="Liaoning"),
    )  # fmt: skip
    for kind in events:
        CustodyEventFactory(group=g, kind=kind)
    return g


def dated(year=2016):
    return IncidentFactory(
        date_earliest=datetime.date(year, 3, 1), date_latest=datetime.date(year, 3, 31),
        date_precision="month",
    )  # fmt: skip


def figures(**measures):
    total = statistics.compute()["total"]
    return {name: total.figure(name).render() for name in measures or statistics.COLUMNS}


def test_people_who_were_not_arrested_are_never_counted_as_arrested():
    """Sheltering in a consulate, flown to Seoul from a third country, workers seeking asylum
    in Moscow: North Koreans in the record, but no arrest."""
    group(dated(), 468, outcome=Outcome.RELEASED_TO_SOUTH_KOREA, events=("released",))
    group(dated(), 12, Q.ABOUT, outcome=Outcome.SHELTERED, events=("sheltered",))
    group(dated(), 20, Q.MORE_THAN, outcome=Outcome.UNKNOWN, events=("asylum_sought",))
    group(dated(), 8, outcome=Outcome.DETAINED)
    totals = figures()
    assert totals["arrested"] == "8"
    # Their fates still count where they belong.
    assert totals["released"] == "468"
    assert totals["detained"] == "8"
    assert totals["unknown"] == "more than 20"


def test_sums_never_claim_more_certainty_than_their_weakest_part():
    group(dated(), 12, Q.ABOUT)
    group(dated(), 20, Q.MORE_THAN)
    assert figures()["arrested"] == "about 33 or more"  # not "at least 33": about 12 may be 10


def test_ranges_add_up_as_ranges():
    group(dated(), 27, Q.RANGE, high=29)
    group(dated(), 1, Q.RANGE, high=2)
    assert figures()["arrested"] == "28–31"


def test_helpers_are_never_added_to_the_north_koreans():
    """29 North Koreans and six helpers is 29 arrested, 6 helpers: never 35."""
    group(dated(), 29, helpers=6)
    totals = figures()
    assert (totals["arrested"], totals["helpers"]) == ("29", "6")


def test_a_parent_group_is_counted_once_and_its_rest_keeps_the_parents_fate():
    """31 repatriated, of whom 10 held in Sinuiju by the state security department: 31 people,
    not 41; 10 detained and the other 21 repatriated."""
    parent = group(dated(), 31, outcome=Outcome.REPATRIATED)
    group(parent.incident, 10, parent=parent, outcome=Outcome.DETAINED, events=())
    totals = figures()
    assert totals["arrested"] == "31"
    assert (totals["repatriated"], totals["detained"]) == ("21", "10")


def test_a_rest_whose_fate_is_not_reported_is_never_given_a_number(client):
    """ "At least 41 detained, of whom at least 9 believed returned": the other 32 or more are
    not a number any source gave."""
    parent = group(dated(), 41, Q.AT_LEAST, outcome=Outcome.UNKNOWN)
    group(parent.incident, 9, Q.AT_LEAST, parent=parent, outcome=Outcome.REPATRIATED, events=())
    data = statistics.compute()
    total = data["total"]
    assert total.figure("arrested").render() == "at least 41"
    assert total.figure("repatriated").render() == "at least 9"
    assert total.figure("unknown").render() == "0"
    assert data["unreported_rests"] == 1
    body = body_of(client)
    assert "1 group whose remaining members' fate was not reported" in body
    assert "range across sources:" not in body  # no source disagrees
    assert "32" not in Tables(body).tables.__repr__()


def test_conflicting_claims_use_the_preferred_figure_and_show_the_spread(client):
    """Korea Herald 29, KBS World 27: the editors preferred 29; the range across sources
    is 27–29."""
    herald, kbs = SourceFactory(title="Korea Herald"), SourceFactory(title="KBS World")
    qingdao = group(dated(2014), 29)
    CountClaimFactory(group=qingdao, value=29, source=herald, preferred=True,
                      preferred_reason="most sources")  # fmt: skip
    CountClaimFactory(group=qingdao, value=27, source=kbs)
    other = group(dated(2014), 8)
    CountClaimFactory(group=other, value=8, preferred=True)
    data = statistics.compute()
    assert data["total"].figure("arrested").render() == "37"
    assert data["spread"].render() == "35–37"
    body = body_of(client)
    assert "North Koreans arrested: 37" in body and "range across sources: 35–37" in body


def test_per_authority_rows_count_each_group_once():
    police = ActorFactory(name="Liaoning Public Security Bureau", slug="liaoning-psb")
    g = group(dated(), 15)
    for event in g.events.all():
        EventActorFactory(event=event, actor=police)
    transfer = CustodyEventFactory(group=g, kind=EventKind.TRANSFERRED)
    EventActorFactory(event=transfer, actor=police, role="transferred")
    group(dated(), 4)  # no authority named
    (row,) = statistics.compute()["actors"]
    assert (row.label, row.figure("arrested").render(), row.incidents) == (
        "Liaoning Public Security Bureau", "15", 1,
    )  # fmt: skip


def test_the_authority_table_links_to_the_filtered_list(client):
    police = ActorFactory(name="Kunming PSB", slug="kunming-psb")
    g = group(dated(), 11)
    EventActorFactory(event=g.events.first(), actor=police)
    body = body_of(client)
    assert rows(Tables(body).tables, ACTORS)["Kunming PSB"][0] == "11"
    assert 'href="/incidents/?actor=kunming-psb"' in body


@pytest.mark.parametrize(
    ("params", "shown"),
    [
        ({}, {"China 2003", "Russia 2016"}),
        ({"country": "RU"}, {"Russia 2016"}),
        ({"date_after": "2010"}, {"Russia 2016"}),
        ({"date_before": "2005"}, {"China 2003"}),
        ({"country": "CN", "date_after": "2010"}, set()),
    ],
)
def test_estimates_respect_the_country_and_period_filters(client, params, shown):
    EstimateFactory(description="China 2003", country="CN")
    EstimateFactory(description="Russia 2016", country="RU",
                    period_start=datetime.date(2016, 1, 1),
                    period_end=datetime.date(2016, 12, 31))  # fmt: skip
    tables = Tables(body_of(client, params)).tables
    listed = {r[1] for r in tables.get(ESTIMATES, [[]])[1:]}
    assert listed == shown


@pytest.mark.parametrize("params", [{"city": "Shenyang"}, {"outcome": "detained"},
                                    {"q": "case"}, {"actor": "x"}])  # fmt: skip
def test_estimates_are_left_out_under_filters_they_cannot_answer(client, params):
    EstimateFactory(description="China 2003")
    group(dated(), 3)
    body = body_of(client, params)
    assert ESTIMATES not in Tables(body).tables
    assert "they would not match what is counted above, so they are left out" in body
