"""/feeds/incidents.atom: published incidents, most recently updated first, list filters."""

import datetime
import xml.etree.ElementTree as ET

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.dateparse import parse_datetime

from incidents.feeds import FEED_SIZE
from incidents.models import Incident, Status
from incidents.synthetic import MARKERS, generate
from tests.factories import LocationFactory, published_incident
from tests.test_exports import list_slugs

pytestmark = pytest.mark.django_db

URL = reverse("incidents:feed")
ATOM = "{http://www.w3.org/2005/Atom}"


def parse(response) -> ET.Element:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    return ET.fromstring(response.content)  # noqa: S314 (our own output)


def entries(response) -> list[dict]:
    root = parse(response)
    assert root.tag == f"{ATOM}feed"
    found = []
    for entry in root.findall(f"{ATOM}entry"):
        found.append(
            {
                "title": entry.findtext(f"{ATOM}title"),
                "link": entry.find(f"{ATOM}link").get("href"),
                "id": entry.findtext(f"{ATOM}id"),
                "published": parse_datetime(entry.findtext(f"{ATOM}published")),
                "updated": parse_datetime(entry.findtext(f"{ATOM}updated")),
                "summary": entry.findtext(f"{ATOM}summary"),
                "categories": [c.get("term") for c in entry.findall(f"{ATOM}category")],
            }
        )
    return found


def slug_of(entry: dict) -> str:
    return entry["link"].rstrip("/").rsplit("/", 1)[-1]


@pytest.fixture
def data(settings):
    settings.PUBLIC_PAGE_SIZE = 5
    return generate(30)


def test_entries_are_published_incidents_most_recently_updated_first(client, data):
    found = entries(client.get(URL))
    published = sorted(data.published, key=lambda i: i.updated_at, reverse=True)
    assert [slug_of(e) for e in found] == [i.slug for i in published]
    stored = {i.slug: i for i in Incident.objects.all()}
    for entry in found:
        incident = stored[slug_of(entry)]
        permalink = f"http://testserver/incidents/{incident.slug}/"
        assert entry["link"] == entry["id"] == permalink
        assert entry["title"] == incident.title
        assert entry["published"] == incident.published_at
        assert entry["updated"] == incident.updated_at
        assert incident.summary.split(".")[0] in entry["summary"]
        assert f"Date: {incident.date_display}." in entry["summary"]
        for outcome in incident.outcomes:
            assert outcome in entry["categories"]
    root = parse(client.get(URL))
    assert parse_datetime(root.findtext(f"{ATOM}updated")) == max(
        i.updated_at for i in data.published
    )


def test_the_summary_names_date_and_outcomes(client):
    incident = published_incident(title="Shenyang eight", summary="Eight were stopped.")
    incident.groups.update(outcome="repatriated")
    [entry] = entries(client.get(URL))
    assert "Eight were stopped." in entry["summary"]
    assert "Date: mid-March 2017." in entry["summary"]
    assert "Outcome: Repatriated to North Korea." in entry["summary"]
    assert "North Koreans: 8." in entry["summary"]


@pytest.mark.parametrize(
    "params",
    [
        {"city": "syn-shenyang"},
        {"city": "沈阳"},
        {"country": "RU"},
        {"outcome": ["died", "escaped"]},
        {"date_after": "2010", "date_before": "2020"},
        {"q": "선양"},
    ],
)
def test_filters_are_those_of_the_list(client, data, params):
    found = entries(client.get(URL, params))
    expected = list_slugs(client, params)
    assert expected and len(expected) < len(data.published)
    assert sorted(slug_of(e) for e in found) == sorted(expected)
    updated = [e["updated"] for e in found]
    assert updated == sorted(updated, reverse=True)


def test_feed_title_and_links_carry_the_filters(client, data):
    root = parse(client.get(URL, {"city": "syn-shenyang"}))
    assert "City or place: syn-shenyang" in root.findtext(f"{ATOM}title")
    links = {link.get("rel"): link.get("href") for link in root.findall(f"{ATOM}link")}
    assert links["alternate"] == "http://testserver/incidents/?city=syn-shenyang"
    assert links["self"] == "http://testserver/feeds/incidents.atom?city=syn-shenyang"


def test_feed_is_limited_to_the_latest_entries(client):
    generate(FEED_SIZE + 30)
    assert len(entries(client.get(URL))) == FEED_SIZE


@pytest.mark.parametrize(
    "params",
    [{"date_after": "yesterday"}, {"country": "XX"}, {"outcome": "deported"}, {"q": "x" * 500}],
)
def test_bad_filters_are_400(client, params):
    published_incident(title="Some case")
    response = client.get(URL, params)
    assert response.status_code == 400
    text = response.content.decode()
    assert "Invalid filters" in text and next(iter(params)) in text
    assert "Some case" not in text


def test_no_unpublished_or_restricted_data(client, data):
    body = client.get(URL).content.decode()
    for what, marker in MARKERS.items():
        assert marker not in body, f"{what} leaked"
    for incident in data.incidents:
        if incident.status != Status.PUBLISHED:
            assert incident.slug not in body
    for place in data.locations:
        if not place.coordinates_public:
            assert str(place.latitude) not in body


def test_markup_in_a_summary_is_escaped(client):
    published_incident(summary='<script>alert("x")</script> & <b>bold</b>')
    body = client.get(URL).content.decode()
    assert "<script>" not in body and "<b>" not in body
    [entry] = entries(client.get(URL))
    # The summary is HTML: the text must come out as text, not as markup.
    assert "&lt;script&gt;" in entry["summary"] and "&amp;" in entry["summary"]


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL, {"country": "CN"}).status_code == 200
    return len(queries)


def test_query_count_does_not_grow_with_the_number_of_incidents(client):
    generate(5, seed=1)
    few = _queries(client)
    generate(40, seed=2)
    for _ in range(5):
        published_incident(groups=3).groups.update(arrest_location=LocationFactory(country="CN"))
    assert _queries(client) == few


def test_updating_an_incident_moves_it_to_the_top(client, data):
    oldest = min(data.published, key=lambda i: i.updated_at)
    Incident.objects.filter(pk=oldest.pk).update(
        updated_at=datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC)
    )
    assert slug_of(entries(client.get(URL))[0]) == oldest.slug


def test_feed_stays_in_english_for_a_korean_reader(client):
    """Feed readers cache one URL; a reader's language cookie must not mix languages in it."""
    published_incident(title="Eight stopped in Shenyang")
    client.cookies["django_language"] = "ko"
    assert "년" in client.get(reverse("incidents:list")).content.decode()  # the page is Korean
    body = client.get(URL).content.decode()
    assert "mid-March 2017" in body
    assert "년" not in body and "명" not in body


@pytest.mark.parametrize("method", ["post", "put", "delete", "options", "trace"])
def test_feed_only_answers_get_and_head(client, method):
    assert getattr(client, method)(URL).status_code == 405
    assert client.head(URL).status_code == 200
