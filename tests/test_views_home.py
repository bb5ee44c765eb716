"""/ : the home page explains the project and shows the latest published incidents."""

import pytest

from tests.factories import published_incident

pytestmark = pytest.mark.django_db


def test_home_explains_and_lists_latest(client):
    published_incident(title="A published case")
    published_incident(title="A draft case", status="draft")
    response = client.get("/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Refoulement Watch is a record" in body
    assert "A published case" in body
    assert "A draft case" not in body


def test_home_query_count(client, django_assert_num_queries):
    """Queries: 1 latest incidents, 1 groups, 1 events, 1 published count (cached in
    production); the same with more incidents than the page shows."""
    for _ in range(2):
        published_incident(groups=2)
    with django_assert_num_queries(4):
        client.get("/")
    for _ in range(8):
        published_incident(groups=3)
    with django_assert_num_queries(4):
        client.get("/")


def test_favicon_redirects_to_the_shipped_svg(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith(".svg")
