"""/incidents/<slug>/: one incident with its groups, timeline, places and sources."""

import pytest

from incidents.models import EventKind
from tests.factories import (
    CitationFactory,
    CountClaimFactory,
    CustodyEventFactory,
    DateClaimFactory,
    DetaineeGroupFactory,
    EventActorFactory,
    IncidentFactory,
    LocationFactory,
    SourceFactory,
    published_incident,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def qingdao_case():
    """July 2014: 29 North Koreans (Korea Herald; KBS World said 27) and six helpers (Chosun
    Ilbo: five), of whom 20 arrested in Qingdao and 9 in Kunming."""
    incident = IncidentFactory(
        title="29 arrested in Qingdao and Kunming",
        date_earliest="2014-07-15",
        date_latest="2014-07-17",
        date_precision="days",
    )
    herald = SourceFactory(title="Humane China", publisher="Korea Herald")
    kbs = SourceFactory(title="Detienen a 27 norcoreanos", publisher="KBS World")
    chosun = SourceFactory(title="N.Korean defectors, helpers arrested", publisher="Chosun Ilbo")
    DateClaimFactory(incident=incident, source=herald, preferred=True,
                     preferred_reason="three sources agree")  # fmt: skip
    DateClaimFactory(incident=incident, source=kbs, date_earliest="2014-07-18",
                     date_latest="2014-07-19", wording="18–19 July")  # fmt: skip
    whole = DetaineeGroupFactory(
        incident=incident, label="All arrested", size_value=29, helpers_value=6,
        helpers_qualifier="exact", helpers_nationality=["KR"], arrest_location=None,
        outcome="repatriated",
    )  # fmt: skip
    CountClaimFactory(group=whole, value=29, source=herald, preferred=True,
                      preferred_reason="most sources")  # fmt: skip
    CountClaimFactory(group=whole, value=27, source=kbs)
    CountClaimFactory(group=whole, part="helpers", value=6, source=herald, preferred=True)
    CountClaimFactory(group=whole, part="helpers", value=5, source=chosun)
    tumen = LocationFactory(name="Tumen detention centre", kind="detention_centre", city="Tumen")
    for city, n in (("Qingdao", 20), ("Kunming", 9)):
        group = DetaineeGroupFactory(
            incident=incident, parent=whole, label=f"{city} group", size_value=n,
            arrest_location=LocationFactory(name=city), outcome="repatriated",
        )  # fmt: skip
        CustodyEventFactory(
            group=group, date_earliest="2014-07-15", date_latest="2014-07-17", date_precision="days"
        )
        CustodyEventFactory(
            group=group,
            kind=EventKind.TRANSFERRED,
            location=tumen,
            date_earliest="2014-07-01",
            date_latest="2014-07-31",
            date_precision="month",
            description="to await repatriation",
        )
    CitationFactory(incident=incident, source=herald, claim="arrested between July 15 and 17")
    return incident


def test_shows_groups_composition_timeline_places_and_sources(client, qingdao_case):
    response = client.get(qingdao_case.get_absolute_url())
    assert response.status_code == 200
    body = response.content.decode()
    for text in [
        "29 arrested in Qingdao and Kunming",
        "15–17 July 2014",
        "29 North Koreans",  # the parent once, not 29 + 20 + 9
        "6 helpers or brokers",  # apart, never added: not "35 people"
        "Qingdao group",
        "Kunming group",
        "(of whom)",
        "July 2014",
        "Transferred",
        "Tumen detention centre",
        "to await repatriation",
        "Humane China",
        "Korea Herald",
        "arrested between July 15 and 17",
        "Reliability",
    ]:
        assert text in body, text
    for absent in ("35 people", "35 North Koreans", "58 North Koreans"):
        assert absent not in body, absent


def test_every_claim_is_shown_with_its_source_and_the_preferred_one_marked(client, qingdao_case):
    body = client.get(qingdao_case.get_absolute_url()).content.decode()
    assert "What each source says" in body
    # Beside the figure, the others: "29 — also reported: 27 (KBS World)"
    assert '29 <span class="also">— also reported: 27 (KBS World)</span>' in body
    assert "also reported: 5 (Chosun Ilbo)" in body
    table = body[body.index('<table class="claims">') : body.index("</table>", body.index(
        '<table class="claims">'))]  # fmt: skip
    for text in ("Detienen a 27 norcoreanos", "18–19 July 2014", "15–17 July 2014",
                 "yes: most sources", "yes: three sources agree"):  # fmt: skip
        assert text in table, text
    assert table.count("<tr>") == 7  # header, 2 dates, 2 sizes, 2 helpers


def test_draft_is_404(client):
    incident = published_incident(status="draft")
    assert client.get(incident.get_absolute_url()).status_code == 404


def test_unknown_slug_is_404(client):
    assert client.get("/incidents/no-such-thing/").status_code == 404


def test_confidential_source_and_internal_notes_not_shown(client):
    incident = published_incident(notes_internal="INTERNAL-MARKER-1")
    secret = SourceFactory(
        title="SECRET-SOURCE-MARKER", confidential=True, notes_internal="SOURCE-NOTE-MARKER"
    )
    CitationFactory(incident=incident, source=secret, claim="CLAIM-FROM-SECRET-MARKER")
    group = incident.groups.first()
    group.notes_internal = "GROUP-NOTE-MARKER"
    group.save()
    body = client.get(incident.get_absolute_url()).content.decode()
    for marker in [
        "INTERNAL-MARKER-1",
        "SECRET-SOURCE-MARKER",
        "SOURCE-NOTE-MARKER",
        "CLAIM-FROM-SECRET-MARKER",
        "GROUP-NOTE-MARKER",
    ]:
        assert marker not in body


def test_query_count_is_constant(client, django_assert_num_queries):
    """Queries: 1 incident, 1 groups (+arrest places), 1 events (+places), 1 their
    authorities, 1 count claims (+sources), 1 date claims (+sources), 1 public citations
    (+sources), 1 correction notices."""
    small = published_incident(groups=1)
    big = published_incident(groups=6)
    for group in big.groups.all():
        for event in CustodyEventFactory.create_batch(3, group=group):
            EventActorFactory(event=event)
        CountClaimFactory.create_batch(2, group=group)
    DateClaimFactory.create_batch(2, incident=big)
    CitationFactory.create_batch(4, incident=big)
    with django_assert_num_queries(8):
        client.get(small.get_absolute_url())
    with django_assert_num_queries(8):
        client.get(big.get_absolute_url())
