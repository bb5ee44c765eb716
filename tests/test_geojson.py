"""/locations.geojson: places used by published incidents; coordinates only when public."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incidents.models import CustodyEvent, DetaineeGroup, Location, Status
from incidents.services.places import index_incidents
from incidents.synthetic import MARKERS, generate
from tests.factories import (
    CustodyEventFactory,
    DetaineeGroupFactory,
    IncidentFactory,
    LocationFactory,
    published_incident,
)

pytestmark = pytest.mark.django_db

URL = reverse("incidents:locations_geojson")
PROPERTIES = {
    "slug", "name", "name_ko", "name_local", "kind", "kind_label", "city", "province",
    "country", "country_name", "coordinate_precision", "incident_count", "url",
}  # fmt: skip


def collection(client, params=None) -> dict:
    response = client.get(URL, params or {})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json; charset=utf-8"
    data = json.loads(response.content)
    assert data["type"] == "FeatureCollection"
    return data


def features(client) -> dict[str, dict]:
    return {f["id"]: f for f in collection(client)["features"]}


def expected_counts() -> dict[str, int]:
    """For each place a published incident names: the published incidents at it or anywhere
    under it (what its ?city= list shows), computed the slow, obvious way."""
    found: dict[int, set[int]] = {}
    for group in DetaineeGroup.objects.filter(incident__status=Status.PUBLISHED):
        if group.arrest_location_id:
            found.setdefault(group.arrest_location_id, set()).add(group.incident_id)
    for event in CustodyEvent.objects.filter(group__incident__status=Status.PUBLISHED):
        if event.location_id:
            found.setdefault(event.location_id, set()).add(event.group.incident_id)
    places = {p.pk: p for p in Location.objects.all()}
    counts = {}
    for pk in found:
        under = [q for q in found if q == pk or pk in places[q].ancestor_ids()]
        counts[places[pk].slug] = len(set().union(*(found[q] for q in under)))
    return counts


def test_features_are_the_places_of_published_incidents_with_counts(client):
    generate(30)
    found = features(client)
    assert {slug: f["properties"]["incident_count"] for slug, f in found.items()} == (
        expected_counts()
    )
    for slug, feature in found.items():
        assert feature["type"] == "Feature"
        assert set(feature["properties"]) == PROPERTIES
        place = Location.objects.get(slug=slug)
        props = feature["properties"]
        assert props["slug"] == slug and props["name"] == place.name
        assert props["name_ko"] == place.name_ko and props["country"] == place.country.code
        assert props["url"] == f"http://testserver/incidents/?city={slug}"


def test_the_url_lists_the_same_number_of_incidents(client):
    generate(12)
    for slug, feature in features(client).items():
        body = client.get(feature["properties"]["url"]).content.decode()
        n = feature["properties"]["incident_count"]
        assert (f"{n} incidents match" if n != 1 else "1 incident matches") in body, slug


def test_geometry_only_for_public_coordinates(client):
    generate(20)
    found = features(client)
    assert found["syn-shenyang"]["geometry"] == {
        "type": "Point",
        "coordinates": [123.4315, 41.8057],  # GeoJSON order: longitude, latitude
    }
    assert found["syn-shenyang"]["properties"]["coordinate_precision"] == "city"
    body = client.get(URL).content.decode()
    private = Location.objects.filter(coordinates_public=False, latitude__isnull=False)
    assert private.exists()
    for place in private:
        if place.slug in found:
            assert found[place.slug]["geometry"] is None
            assert found[place.slug]["properties"]["coordinate_precision"] is None
        assert str(place.latitude).rstrip("0") not in body
        assert str(place.longitude).rstrip("0") not in body


def test_place_without_coordinates_has_null_geometry(client):
    place = LocationFactory(name="Unmapped town")
    incident = published_incident()
    incident.groups.update(arrest_location=place)
    index_incidents([incident.pk])
    assert features(client)[place.slug]["geometry"] is None


def test_places_of_drafts_only_are_not_listed_and_drafts_are_not_counted(client):
    shared = LocationFactory(name="Shared town")
    draft_only = LocationFactory(name="Draft town")
    event_only = LocationFactory(name="Transfer town")
    unused = LocationFactory(name="Unused town")
    published = published_incident()
    published.groups.update(arrest_location=shared)
    index_incidents([published.pk])
    CustodyEventFactory(group=published.groups.first(), location=event_only)
    for status in ("draft", "in_review", "archived"):
        draft = IncidentFactory(status=status)
        DetaineeGroupFactory(incident=draft, arrest_location=shared)
        DetaineeGroupFactory(incident=draft, arrest_location=draft_only)
    found = features(client)
    assert found[shared.slug]["properties"]["incident_count"] == 1
    assert found[event_only.slug]["properties"]["incident_count"] == 1
    assert draft_only.slug not in found and unused.slug not in found


def test_an_incident_is_counted_once_per_place(client):
    place = LocationFactory(name="Busy town")
    incident = published_incident(groups=3)
    incident.groups.update(arrest_location=place)
    CustodyEvent.objects.filter(group__incident=incident).update(location=place)
    index_incidents([incident.pk])
    assert features(client)[place.slug]["properties"]["incident_count"] == 1


def test_no_restricted_data(client):
    generate(20)
    body = client.get(URL).content.decode()
    for what, marker in MARKERS.items():
        assert marker not in body, f"{what} leaked"
    assert "notes_internal" not in body and "coordinates_public" not in body


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        collection(client)
    return len(queries)


def test_query_count_is_constant(client):
    generate(5, seed=1)
    few = _queries(client)
    generate(40, seed=2)
    for _ in range(10):
        published_incident().groups.update(arrest_location=LocationFactory())
    assert len(collection(client)["features"]) > 30
    assert _queries(client) == few
