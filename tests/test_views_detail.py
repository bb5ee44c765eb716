"""/incidents/<slug>/: one incident with its groups, timeline, places and sources."""

import pytest

from incidents.models import EventKind
from tests.factories import (
    CitationFactory,
    CustodyEventFactory,
    DetaineeGroupFactory,
    IncidentFactory,
    LocationFactory,
    SourceFactory,
    published_incident,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def qingdao_case():
    incident = IncidentFactory(
        title="29 arrested in Qingdao and Kunming",
        date_earliest="2017-07-15",
        date_latest="2017-07-17",
        date_precision="days",
    )
    tumen = LocationFactory(name="Tumen detention centre", kind="detention_centre", city="Tumen")
    for city, n in (("Qingdao", 20), ("Kunming", 9)):
        group = DetaineeGroupFactory(
            incident=incident,
            label=f"{city} group",
            size_value=n,
            arrest_location=LocationFactory(name=city),
        )
        CustodyEventFactory(
            group=group, date_earliest="2017-07-15", date_latest="2017-07-17", date_precision="days"
        )
        CustodyEventFactory(
            group=group,
            kind=EventKind.TRANSFERRED,
            location=tumen,
            date_earliest="2017-07-01",
            date_latest="2017-07-31",
            date_precision="month",
            description="to await repatriation",
        )
    DetaineeGroupFactory(
        incident=incident,
        label="Helpers",
        size_value=6,
        helpers_value=6,
        helpers_qualifier="exact",
        arrest_location=None,
        outcome="unknown",
    )
    CitationFactory(
        incident=incident,
        source=SourceFactory(title="Humane China", publisher="Korea Herald"),
        claim="arrested between July 15 and 17",
    )
    return incident


def test_shows_groups_composition_timeline_places_and_sources(client, qingdao_case):
    response = client.get(qingdao_case.get_absolute_url())
    assert response.status_code == 200
    body = response.content.decode()
    for text in [
        "29 arrested in Qingdao and Kunming",
        "15–17 July 2017",
        "35 people",
        "Qingdao group",
        "Kunming group",
        "6 helpers or brokers",
        "July 2017",
        "Transferred",
        "Tumen detention centre",
        "to await repatriation",
        "Humane China",
        "Korea Herald",
        "arrested between July 15 and 17",
        "Reliability",
    ]:
        assert text in body, text


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
    """Queries: 1 incident, 1 groups (+arrest places), 1 events (+places), 1 public citations
    (+sources)."""
    small = published_incident(groups=1)
    big = published_incident(groups=6)
    for group in big.groups.all():
        CustodyEventFactory.create_batch(3, group=group)
    CitationFactory.create_batch(4, incident=big)
    with django_assert_num_queries(4):
        client.get(small.get_absolute_url())
    with django_assert_num_queries(4):
        client.get(big.get_absolute_url())
