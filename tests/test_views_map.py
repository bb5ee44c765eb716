"""/map/: an offline SVG map of places in published incidents; private positions never shown."""

import re

import pytest
from django.urls import reverse

from incidents import geomap
from incidents.browse import map_places
from incidents.models import Location
from tests.factories import (
    CustodyEventFactory,
    DetaineeGroupFactory,
    IncidentFactory,
    LocationFactory,
    published_incident,
)

pytestmark = pytest.mark.django_db
URL = reverse("incidents:map")

PRIVATE_LAT, PRIVATE_LON = "43.123457", "129.765433"


def located(name, lat, lon, precision, *, public=True, **kwargs):
    return LocationFactory(
        name=name,
        latitude=lat,
        longitude=lon,
        coordinate_precision=precision,
        coordinates_public=public,
        **kwargs,
    )


def used_by(location, *, status="published", as_event=False, title=None):
    """An incident (of `status`) arrested at `location`, or with only a custody event there."""
    incident = IncidentFactory(status=status, **({"title": title} if title else {}))
    if as_event:
        group = DetaineeGroupFactory(incident=incident, arrest_location=None)
        CustodyEventFactory(group=group, location=location)
    else:
        DetaineeGroupFactory(incident=incident, arrest_location=location)
    return incident


def circles(body):
    """[(cx, cy, r, classes)] of the place circles drawn."""
    return [
        (float(cx), float(cy), float(r), cls)
        for cls, cx, cy, r in re.findall(
            r'<circle class="([^"]+)" cx="([^"]+)" cy="([^"]+)" r="([^"]+)"', body
        )
    ]


@pytest.fixture
def places():
    shenyang = located("Shenyang", "41.805700", "123.431500", "city", name_ko="선양")
    consulate = located(
        "Consulate in Shenyang",
        "41.805700",
        "123.431500",
        "exact",
        kind=Location.Kind.DIPLOMATIC_MISSION,
        city="Shenyang",
    )
    jilin = located(
        "Jilin province", "43.600000", "126.200000", "province",
        kind=Location.Kind.PROVINCE, province="Jilin",
    )  # fmt: skip
    safe_house = located(
        "Yanji safe house",
        PRIVATE_LAT,
        PRIVATE_LON,
        "exact",
        public=False,
        kind=Location.Kind.OTHER,
        city="Yanji",
    )
    no_position = LocationFactory(name="Tumen")
    draft_only = located("MARKER-DRAFT-PLACE", "45.000000", "131.000000", "city")
    used_by(shenyang)
    used_by(shenyang)
    used_by(consulate, as_event=True)
    used_by(jilin)
    used_by(safe_house)
    used_by(no_position)
    for status in ("draft", "in_review", "archived"):
        used_by(draft_only, status=status, title=f"MARKER-DRAFT {status}")
    return {
        "shenyang": shenyang,
        "consulate": consulate,
        "jilin": jilin,
        "safe_house": safe_house,
        "no_position": no_position,
        "draft_only": draft_only,
    }


def public_frame():
    """The frame the page should use: fitted to public positions only."""
    return geomap.fit([(123.4315, 41.8057), (126.2, 43.6)])


def test_svg_map_with_country_outlines(client, places):
    response = client.get(URL)
    assert response.status_code == 200
    body = response.content.decode()
    frame = public_frame()
    assert f'<svg viewBox="0 0 {frame.width} {frame.height}" role="img"' in body
    assert '<title id="map-title">' in body and '<desc id="map-desc">' in body
    outlines = re.findall(r'<path class="land" d="([^"]+)"><title>([^<]+)</title>', body)
    assert {"China", "North Korea", "South Korea", "Russia"} <= {name for _, name in outlines}
    assert all(re.fullmatch(r"(M[-\d.,L]+Z)+", d) for d, _ in outlines)


def test_the_page_is_offline(client, places):
    body = client.get(URL).content.decode()
    # Nothing is fetched from another host: no external scripts, styles, images or tiles.
    assert not re.search(r"<script[^>]*\ssrc=", body)
    assert not re.search(
        r"<(?:link|img|image|iframe|source|use)\b[^>]*(?:src|href)=\"(?:https?:)?//", body
    )
    assert not re.search(r"url\(\s*['\"]?(?:https?:)?//", body)
    for hint in ("{z}", "tile.", "/tiles/", "openstreetmap", "mapbox", "googleapis", "leaflet"):
        assert hint not in body.lower(), hint
    # Any absolute http(s) URL is either the SVG namespace or a plain link (to a source).
    for match in re.finditer(r"https?://[^\"'\s<>]+", body):
        url = match.group(0)
        before = body[: match.start()]
        assert url == "http://www.w3.org/2000/svg" or re.search(r"<a\s[^>]*href=\"$", before), url


def test_places_with_public_coordinates_are_drawn(client, places):
    body = client.get(URL).content.decode()
    frame = public_frame()
    drawn = circles(body)
    shenyang_xy = frame.xy(123.4315, 41.8057)
    jilin_xy = frame.xy(126.2, 43.6)
    assert {(cx, cy) for cx, cy, _r, _cls in drawn} == {shenyang_xy, jilin_xy}
    by_xy = {(cx, cy): (r, cls) for cx, cy, r, cls in drawn}
    # The city and the consulate in it share one circle, sized by their 3 incidents.
    assert by_xy[shenyang_xy] == (min(5 + 3 * 3, 24), "place")
    assert "~Shenyang (2)</text>" not in body and ">Shenyang (2)</text>" in body
    assert f'href="/incidents/?city={places["shenyang"].slug}"' in body


def test_province_precision_is_drawn_as_approximate(client, places):
    body = client.get(URL).content.decode()
    frame = public_frame()
    by_xy = {(cx, cy): (r, cls) for cx, cy, r, cls in circles(body)}
    r, cls = by_xy[frame.xy(126.2, 43.6)]
    assert cls == "place approximate"
    assert r == min(5 + 3 * 1, 24) + 16  # larger: the position is only approximate
    assert "(approximate position)</title>" in body
    assert ">~Jilin province</text>" in body
    table = body[body.index('<h2 id="places-table">') :]
    row = table[table.index("Jilin province") :]
    assert row[: row.index("</tr>")].endswith("<td>approximate</td>")


def test_private_coordinates_never_reach_the_page(client, places):
    body = client.get(URL).content.decode()
    for number in (PRIVATE_LAT, PRIVATE_LON, PRIVATE_LAT[:5], PRIVATE_LON[:6]):
        assert number not in body
    # No circle where the private place would have been drawn, in the page's frame or in one
    # fitted with it, and the frame itself is fitted to public positions only.
    x, y = public_frame().xy(float(PRIVATE_LON), float(PRIVATE_LAT))
    assert f'cx="{x}" cy="{y}"' not in body
    with_private = geomap.fit(
        [(123.4315, 41.8057), (126.2, 43.6), (float(PRIVATE_LON), float(PRIVATE_LAT))]
    )
    assert with_private != public_frame()
    x, y = with_private.xy(float(PRIVATE_LON), float(PRIVATE_LAT))
    assert f'cx="{x}" cy="{y}"' not in body
    frame = public_frame()
    assert f'<svg viewBox="0 0 {frame.width} {frame.height}"' in body
    assert len(circles(body)) == 2
    # It is still listed, without a position.
    table = body[body.index('<h2 id="places-table">') :]
    row = table[table.index("Yanji safe house") :]
    assert row[: row.index("</tr>")].endswith("<td>no public position</td>")


def test_places_used_only_by_drafts_are_absent(client, places):
    body = client.get(URL).content.decode()
    assert "MARKER" not in body
    assert 'cx="{}" cy="{}"'.format(*public_frame().xy(131.0, 45.0)) not in body
    listed = {place.pk for place, _count in map_places()}
    assert places["draft_only"].pk not in listed


def test_every_published_place_is_listed_with_its_incident_count(client, places):
    counted = {place.name: count for place, count in map_places()}
    # A place counts the incidents at it or anywhere under it, as its ?city= list does: the
    # consulate is in Shenyang.
    assert counted == {
        "Shenyang": 3,
        "Consulate in Shenyang": 1,
        "Jilin province": 1,
        "Yanji safe house": 1,
        "Tumen": 1,
    }
    body = client.get(URL).content.decode()
    table = body[body.index('<h2 id="places-table">') :]
    assert table.index("Shenyang, Liaoning, China") < table.index("Tumen, Liaoning, China")
    assert '<span lang="ko">선양</span>' in table


def test_an_incident_is_counted_once_per_place():
    place = located("Shenyang", "41.805700", "123.431500", "city")
    incident = published_incident()
    incident.groups.update(arrest_location=place)
    group = DetaineeGroupFactory(incident=incident, arrest_location=place)
    CustodyEventFactory(group=group, location=place)
    assert {p.name: n for p, n in map_places()}["Shenyang"] == 1


def test_empty_map_uses_the_default_region(client):
    body = client.get(URL).content.decode()
    region = geomap.REGION
    assert f'viewBox="0 0 {region.width} {region.height}"' in body
    assert circles(body) == []


def test_query_count_is_constant(client, django_assert_num_queries):
    """Queries: 1 places named by published groups' arrests, 1 by their custody events,
    1 incidents at or under each (the place index), 1 the places themselves, 1 the incidents
    of places drawn at one spot (told apart, each counted once)."""
    for n in range(2):
        used_by(located(f"Town {n}", f"{40 + n}.5", f"{120 + n}.5", "city"))
    used_by(located("Consulate", "40.5", "120.5", "exact", city="Town 0"), as_event=True)
    with django_assert_num_queries(5):
        assert client.get(URL).status_code == 200
    for n in range(2, 14):
        place = located(f"Town {n}", f"{40 + n % 5}.5", f"{120 + n}.5", "city")
        used_by(place)
        used_by(LocationFactory(), as_event=True)
        used_by(located(f"Consulate {n}", f"{40 + n % 5}.5", f"{120 + n}.5", "exact"))
    with django_assert_num_queries(5):
        body = client.get(URL).content.decode()
    assert len(circles(body)) == 14
