"""/incidents/: the public, filtered list."""

import pytest
from django.urls import reverse

from incidents.models import Outcome
from incidents.services.places import index_incidents
from tests.factories import (
    DetaineeGroupFactory,
    IncidentFactory,
    LocationFactory,
    published_incident,
)

pytestmark = pytest.mark.django_db
URL = reverse("incidents:list")


def test_lists_published_newest_first(client):
    old = published_incident(
        title="Older case",
        date_earliest="2003-01-01",
        date_latest="2003-12-31",
        date_precision="year",
    )
    new = published_incident(title="Newer case")
    response = client.get(URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert body.index(new.title) < body.index(old.title)
    assert "2 incidents match" in body
    assert "mid-March 2017" in body  # vague date rendered as reported
    assert "2003" in body


def test_drafts_in_review_and_archived_are_not_listed(client):
    published_incident(title="Visible case")
    for status in ("draft", "in_review", "archived"):
        published_incident(title=f"Hidden {status} case", status=status)
    body = client.get(URL).content.decode()
    assert "Visible case" in body
    assert "Hidden" not in body
    assert "1 incident matches" in body


def test_filter_by_city_shows_applied_filter_and_count(client):
    shenyang = LocationFactory(name="Shenyang")
    incident = published_incident(title="Shenyang eight")
    incident.groups.update(arrest_location=shenyang)
    index_incidents([incident.pk])  # as the write services do after a save
    published_incident(title="Elsewhere")
    response = client.get(URL, {"city": "shenyang"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Shenyang eight" in body and "Elsewhere" not in body
    assert "1 incident matches" in body
    assert 'aria-label="Applied filters"' in body
    assert 'value="shenyang"' in body  # the form keeps what was typed


@pytest.mark.parametrize(
    "params",
    [
        {"date_after": "yesterday"},
        {"date_before": "2017-02-30"},
        {"outcome": "deported"},
        {"country": "XX"},
        {"date_after": "2018", "date_before": "2017"},
        {"q": "x" * 500},
        {"city": "y" * 500},
    ],
)
def test_bad_query_strings_get_400_with_a_visible_message(client, params):
    published_incident(title="Some case")
    response = client.get(URL, params)
    assert response.status_code == 400
    body = response.content.decode()
    assert 'class="error' in body
    assert "Please correct the filters above." in body
    assert "Some case" not in body


@pytest.mark.parametrize("page", ["abc", "-1", "0", "999999", "1e9", "%00"])
def test_odd_page_numbers_never_500(client, page):
    published_incident()
    assert client.get(URL, {"page": page}).status_code == 200


def test_unknown_parameters_are_ignored(client):
    published_incident(title="Some case")
    response = client.get(URL, {"utm_source": "x", "sort": "drop table"})
    assert response.status_code == 200
    assert "Some case" in response.content.decode()


def test_pagination_keeps_filters(client, settings):
    settings.PUBLIC_PAGE_SIZE = 2
    for n in range(5):
        published_incident(title=f"Case {n}")
    body = client.get(URL, {"outcome": Outcome.DETAINED}).content.decode()
    assert "outcome=detained&amp;page=2" in body
    assert "Page 1 of 3" in body


def test_post_is_not_allowed(client):
    assert client.post(URL).status_code == 405


def test_query_count_is_constant(client, django_assert_num_queries, settings):
    """Queries: 1 COUNT for the paginator, 1 incidents page, 1 groups (+arrest places),
    1 custody events (+places), 1 place names for the city suggestions, 1 countries for the
    country choices (those two are cached in production: tests/test_public_cache.py)."""
    settings.PUBLIC_PAGE_SIZE = 50
    for _ in range(2):
        published_incident(groups=2)
    with django_assert_num_queries(6):
        assert client.get(URL).status_code == 200
    for _ in range(10):
        incident = published_incident(groups=3)
        DetaineeGroupFactory(incident=incident, arrest_location=LocationFactory())
    with django_assert_num_queries(6):
        response = client.get(URL)
    assert response.content.decode().count('class="card"') == 12


def test_filtered_query_count_is_constant(client, django_assert_num_queries):
    """Same six queries with every filter applied (filters are EXISTS subqueries), and on
    PostgreSQL one more for a search: a bounded count deciding whether to rank
    (incidents.search.RANK_AT_MOST)."""
    place = LocationFactory(name="Shenyang")
    for _ in range(5):
        incident = published_incident(groups=2)
        DetaineeGroupFactory(incident=incident, arrest_location=place)
    params = {
        "country": "CN",
        "outcome": ["detained", "repatriated"],
        "q": "group",
        "date_after": "2000",
        "city": "shenyang",
    }
    from django.db import connection

    with django_assert_num_queries(6 + (connection.vendor == "postgresql")):
        response = client.get(URL, params)
    assert response.content.decode().count('class="card"') == 5


def test_incident_with_unknown_date_is_listed_last(client):
    IncidentFactory(title="Undated case", date_earliest=None, date_latest=None, date_precision="")
    published_incident(title="Dated case")
    body = client.get(URL).content.decode()
    assert body.index("Dated case") < body.index("Undated case")
    assert "date unknown" in body
