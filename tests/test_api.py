"""/api/: the read-only JSON API, its OpenAPI schema and its documentation page."""

import json
import re
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incidents.api.views import PublicPagination
from incidents.filters import IncidentFilterSet
from incidents.interchange import PUBLIC, iter_json
from incidents.models import Incident, Location, Outcome
from tests.factories import (
    ActorFactory,
    CitationFactory,
    CountClaimFactory,
    CustodyEventFactory,
    DateClaimFactory,
    DetaineeGroupFactory,
    EstimateFactory,
    EventActorFactory,
    IncidentFactory,
    LocationFactory,
    SourceFactory,
    published_incident,
)

pytestmark = pytest.mark.django_db

INCIDENTS = reverse("api:incident-list")
LOCATIONS = reverse("api:location-list")
SOURCES = reverse("api:source-list")
ACTORS = reverse("api:actor-list")
SCHEMA = reverse("api:schema")
DOCS = reverse("api:docs")


def detail(slug: str) -> str:
    return reverse("api:incident-detail", kwargs={"slug": slug})


@pytest.fixture(autouse=True)
def _fresh_throttle():
    """Throttle counts live in the cache; no test may inherit another's (nor leave its own)."""
    cache.clear()
    yield
    cache.clear()


def get_json(client, url, params=None, status=200):
    response = client.get(url, params or {})
    assert response.status_code == status, (url, params, response.content[:500])
    assert re.match(r"application/([\w.]+\+)?json", response["Content-Type"])
    return json.loads(response.content)


def slugs(client, params=None) -> list[str]:
    data = get_json(client, INCIDENTS, {**(params or {}), "page_size": 100})
    assert data["next"] is None, "the test data must fit on one page"
    return [item["slug"] for item in data["results"]]


# -- same rows, same order as the list page -------------------------------------------------------
@pytest.fixture
def varied():
    """Incidents across places, countries, dates and outcomes, plus hidden ones."""
    shenyang = LocationFactory(name="Shenyang", name_ko="선양", name_local="沈阳")
    tumen = LocationFactory(name="Tumen detention centre", city="Tumen", kind="detention_centre")
    moscow = LocationFactory(name="Moscow", country="RU", province="")
    cases = [
        ("2003", "2003-01-01", "2003-12-31", "year", shenyang, Outcome.REPATRIATED, tumen),
        ("2008", "2008-05-01", "2008-05-31", "month", moscow, Outcome.DETAINED, None),
        ("2017a", "2017-03-11", "2017-03-20", "mid_month", shenyang, Outcome.DETAINED, tumen),
        ("2017b", "2017-03-11", "2017-03-20", "mid_month", tumen, Outcome.RELEASED_TO_SOUTH_KOREA,
         None),
        ("2019", "2019-07-15", "2019-07-17", "days", moscow, Outcome.ESCAPED, None),
        ("undated", None, None, "", shenyang, Outcome.UNKNOWN, None),
    ]  # fmt: skip
    incidents = {}
    for name, earliest, latest, precision, arrest, outcome, transfer in cases:
        incident = incidents[name] = IncidentFactory(
            slug=f"case-{name}",
            title=f"Case {name}",
            date_earliest=earliest,
            date_latest=latest,
            date_precision=precision,
        )
        group = DetaineeGroupFactory(incident=incident, arrest_location=arrest, outcome=outcome)
        CustodyEventFactory(group=group)
        if transfer:
            CustodyEventFactory(group=group, kind="transferred", location=transfer)
        CitationFactory(incident=incident)
    with_everything(incidents["2017a"])
    EstimateFactory(source=SourceFactory(slug="estimate-source"))
    for status in ("draft", "in_review", "archived"):
        hidden = IncidentFactory(slug=f"hidden-{status}", status=status, title="Hidden Shenyang")
        DetaineeGroupFactory(incident=hidden, arrest_location=shenyang)


def with_everything(incident: Incident) -> None:
    """Adds to `incident` every relation a record follows: a subgroup, an event whose actor is
    a unit of a body, sourced figures and dates (one from a confidential source each, which the
    public never sees), and a citation of a source that relays another."""
    tag = incident.slug
    group = incident.groups.first()
    DetaineeGroupFactory(incident=incident, parent=group, size_value=3, sequence=2)
    body = ActorFactory(slug=f"{tag}-ministry", kind="government")
    event = CustodyEventFactory(group=group, kind="transferred")
    EventActorFactory(event=event, actor=ActorFactory(slug=f"{tag}-bureau", parent=body))
    secret = SourceFactory(slug=f"{tag}-confidential", confidential=True)
    for source in (SourceFactory(slug=f"{tag}-figures"), secret):
        CountClaimFactory(group=group, source=source, wording=f"27 ({source.slug})")
        DateClaimFactory(incident=incident, source=source, wording=f"July ({source.slug})")
    wire = SourceFactory(slug=f"{tag}-wire")
    CitationFactory(incident=incident, source=SourceFactory(slug=f"{tag}-repost", relays=wire))


FILTER_COMBINATIONS = [
    {},
    {"city": "shenyang"},
    {"city": "Tumen"},
    {"city": "선양"},
    {"country": "ru"},
    {"country": "CN", "outcome": ["detained", "repatriated"]},
    {"date_after": "2017"},
    {"date_after": "2005", "date_before": "2017-03"},
    {"date_before": "2010"},
    {"outcome": "escaped"},
    {"q": "case"},
    {"q": "Shenyang 2017a"},
    {"q": "nothing-matches-this"},
]


@pytest.mark.parametrize("params", FILTER_COMBINATIONS)
def test_list_has_the_filtersets_rows_in_newest_first_order(client, varied, params):
    query = QueryDict(mutable=True)
    for key, value in params.items():
        query.setlist(key, value if isinstance(value, list) else [value])
    filterset = IncidentFilterSet(query, queryset=Incident.objects.published())
    assert filterset.is_valid()
    expected = list(filterset.qs.newest_first().values_list("slug", flat=True))
    assert slugs(client, params) == expected
    assert not any(slug.startswith("hidden-") for slug in expected)


def test_list_order_is_newest_first_with_undated_last(client, varied):
    assert slugs(client) == [
        "case-2019", "case-2017b", "case-2017a", "case-2008", "case-2003", "case-undated",
    ]  # fmt: skip


def test_items_are_the_json_exports_records_plus_links(client, varied):
    data = get_json(client, INCIDENTS, {"page_size": 100})
    export = public_export()
    items = data["results"]
    assert [i["slug"] for i in items] == [r["slug"] for r in export["incidents"]]
    for item, record in zip(items, export["incidents"], strict=True):
        url, html_url = item.pop("url"), item.pop("html_url")
        assert item == record
        assert url == f"http://testserver{detail(record['slug'])}"
        assert html_url == f"http://testserver/incidents/{record['slug']}/"
    # The case with everything kept all of it, bar what rests on the confidential source.
    case = next(i for i in items if i["slug"] == "case-2017a")
    assert [c["source"] for c in case["date_claims"]] == ["case-2017a-figures"]
    assert [c["source"] for c in case["groups"][0]["claims"]] == ["case-2017a-figures"]
    assert case["groups"][1]["parent"] == 1
    assert [a["actor"] for e in case["groups"][0]["events"] for a in e["actors"]] == [
        "case-2017a-bureau"
    ]
    assert "case-2017a-confidential" not in json.dumps(data)


def public_export() -> dict:
    export = json.loads(
        "".join(iter_json(Incident.objects.published().newest_first(), scope=PUBLIC))
    )
    assert export["scope"] == PUBLIC
    return export


def everything(client, url) -> list[dict]:
    data = get_json(client, url, {"page_size": 100})
    assert data["next"] is None, "the test data must fit on one page"
    return data["results"]


def test_places_sources_and_actors_are_the_json_exports(client, varied):
    """Every slug an incident names, and every `parent` or `relays` slug, resolves in the API
    as in the export: the lists hold the same records (places with a count added)."""
    export = public_export()
    places = everything(client, LOCATIONS)
    assert all(p.pop("published_incidents") >= 1 for p in places)
    assert places == export["locations"]
    assert everything(client, SOURCES) == export["sources"]
    assert everything(client, ACTORS) == export["actors"]
    slugs_of = {key: {r["slug"] for r in export[key]} for key in ("locations", "actors")}
    assert {"shenyang", "liaoning", "china", "moscow", "russia"} <= slugs_of["locations"]
    assert {"case-2017a-bureau", "case-2017a-ministry"} <= slugs_of["actors"]
    sources = {s["slug"]: s for s in export["sources"]}
    assert sources["case-2017a-repost"]["relays"] == "case-2017a-wire"
    assert {"case-2017a-wire", "case-2017a-figures", "estimate-source"} <= set(sources)
    assert "case-2017a-confidential" not in sources


def test_links_lead_to_the_same_record_and_the_public_page(client, varied):
    item = get_json(client, INCIDENTS)["results"][0]
    assert get_json(client, item["url"]) == item
    assert client.get(item["html_url"]).status_code == 200


# -- unpublished ----------------------------------------------------------------------------------
@pytest.mark.parametrize("status", ["draft", "in_review", "archived"])
def test_unpublished_incidents_are_never_listed_and_404_on_detail(client, status):
    published_incident(slug="visible")
    hidden = published_incident(slug=f"hidden-{status}", status=status)
    assert slugs(client) == ["visible"]
    assert slugs(client, {"q": "hidden"}) == []
    body = get_json(client, detail(hidden.slug), status=404)
    assert set(body) == {"detail"}
    get_json(client, detail("visible"))


def test_unknown_slug_is_404_json(client):
    assert "detail" in get_json(client, detail("no-such-incident"), status=404)


# -- nothing restricted in any response -----------------------------------------------------------
MARKERS = {
    "incident note": "MARKER-INCIDENT-NOTE",
    "group note": "MARKER-GROUP-NOTE",
    "event note": "MARKER-EVENT-NOTE",
    "location note": "MARKER-LOCATION-NOTE",
    "source note": "MARKER-SOURCE-NOTE",
    "confidential source title": "MARKER-CONFIDENTIAL-TITLE",
    "confidential source publisher": "MARKER-CONFIDENTIAL-PUBLISHER",
    "confidential source slug": "marker-confidential-slug",
    "confidential claim": "MARKER-CONFIDENTIAL-CLAIM",
    "draft title": "MARKER-DRAFT-TITLE",
    "draft summary": "MARKER-DRAFT-SUMMARY",
    "draft-only place": "marker-draft-place",
    "draft-only source": "marker-draft-source",
    "unpublished estimate source": "marker-estimate-draft-source",
    "private latitude": "43.123457",
    "private longitude": "129.765433",
    "actor note": "MARKER-ACTOR-NOTE",
    "draft-only actor": "marker-draft-actor",
    "draft-only province": "marker-draft-province",
    "source relayed by a draft only": "marker-draft-relayed",
    "confidential figure": "MARKER-CONFIDENTIAL-FIGURE",
    "confidential date": "MARKER-CONFIDENTIAL-DATE",
}


@pytest.fixture
def restricted():
    """One published incident full of restricted details, and unpublished records around it."""
    safe_house = LocationFactory(
        name="Yanji",
        notes_internal=MARKERS["location note"],
        latitude="43.123457",
        longitude="129.765433",
        coordinate_precision=Location.CoordinatePrecision.EXACT,
        coordinates_public=False,
    )
    city = LocationFactory(
        name="Dandong",
        slug="dandong",
        latitude="40.124000",
        longitude="124.392000",
        coordinate_precision=Location.CoordinatePrecision.CITY,
        coordinates_public=True,
    )
    published = IncidentFactory(slug="published-case", notes_internal=MARKERS["incident note"])
    group = DetaineeGroupFactory(
        incident=published, arrest_location=safe_house, notes_internal=MARKERS["group note"]
    )
    event = CustodyEventFactory(group=group, location=city, notes_internal=MARKERS["event note"])
    ministry = ActorFactory(slug="border-ministry", notes_internal=MARKERS["actor note"])
    bureau = ActorFactory(slug="border-bureau", parent=ministry)
    unit = ActorFactory(slug="border-unit", parent=bureau, notes_internal=MARKERS["actor note"])
    EventActorFactory(event=event, actor=unit)
    ActorFactory(slug="unused-actor")  # in no event at all
    confidential = SourceFactory(
        slug=MARKERS["confidential source slug"],
        title=MARKERS["confidential source title"],
        publisher=MARKERS["confidential source publisher"],
        confidential=True,
    )
    # public-source relays wire-source, which relays agency-source, which relays a
    # confidential source (shown as "relays": null, and not followed further).
    agency = SourceFactory(slug="agency-source", relays=confidential)
    wire = SourceFactory(slug="wire-source", relays=agency)
    CitationFactory(
        incident=published,
        source=SourceFactory(
            slug="public-source", relays=wire, notes_internal=MARKERS["source note"]
        ),
    )
    CitationFactory(incident=published, claim=MARKERS["confidential claim"], source=confidential)
    CountClaimFactory(group=group, source=SourceFactory(slug="figure-source"))
    CountClaimFactory(
        group=group,
        source=confidential,
        value=31,
        wording=MARKERS["confidential figure"],
        quotation=MARKERS["confidential figure"],
    )
    DateClaimFactory(incident=published, source=SourceFactory(slug="date-source"))
    DateClaimFactory(
        incident=published,
        source=confidential,
        wording=MARKERS["confidential date"],
        quotation=MARKERS["confidential date"],
    )
    EstimateFactory(source=confidential)  # a published estimate cannot publish its source
    EstimateFactory(source=SourceFactory(slug="estimate-source"))
    EstimateFactory(
        source=SourceFactory(slug=MARKERS["unpublished estimate source"]), status="draft"
    )
    for status in ("draft", "in_review", "archived"):
        draft = IncidentFactory(
            slug=f"hidden-{status}",
            status=status,
            title=f"{MARKERS['draft title']} {status}",
            summary=MARKERS["draft summary"],
        )
        draft_group = DetaineeGroupFactory(
            incident=draft,
            arrest_location=LocationFactory(
                slug=MARKERS["draft-only place"] + f"-{status}", province="Marker Draft Province"
            ),
        )
        draft_actor = ActorFactory(
            slug=MARKERS["draft-only actor"] + f"-{status}",
            parent=ActorFactory(slug=MARKERS["draft-only actor"] + f"-{status}-body"),
        )
        EventActorFactory(event=CustodyEventFactory(group=draft_group), actor=draft_actor)
        relayed = SourceFactory(slug=MARKERS["source relayed by a draft only"] + f"-{status}")
        CitationFactory(
            incident=draft,
            source=SourceFactory(slug=MARKERS["draft-only source"] + f"-{status}", relays=relayed),
        )
    assert Location.objects.filter(slug=MARKERS["draft-only province"]).exists()
    return published


API_VARIANTS = [
    {},
    {"city": "yanji"},
    {"city": "marker-draft-place-draft"},
    {"country": "CN"},
    {"date_after": "2000", "date_before": "2030"},
    {"outcome": "detained"},
    {"q": "MARKER"},
    {"q": "Report"},
    {"page_size": "100"},
]


def test_no_restricted_detail_in_any_api_response(client, restricted):
    urls = [INCIDENTS, detail(restricted.slug), LOCATIONS, SOURCES, ACTORS, SCHEMA, DOCS]
    for url in urls:
        for params in API_VARIANTS:
            response = client.get(url, params)
            assert response.status_code == 200, (url, params)
            # The docs page (base.html) echoes the query string in links; that is no leak.
            body = response.content.decode().replace(urlencode(params), "")
            for what, marker in MARKERS.items():
                assert marker not in body, f"{what} leaked on {url} {params}"


def test_public_coordinates_only_where_allowed(client, restricted):
    places = {p["slug"]: p for p in get_json(client, LOCATIONS)["results"]}
    assert places["dandong"]["latitude"] == 40.124
    assert places["dandong"]["coordinate_precision"] == "city"
    yanji = places[restricted.groups.get().arrest_location.slug]
    assert not {"latitude", "longitude", "coordinate_precision"} & set(yanji)


def test_locations_are_those_of_published_incidents_with_counts(client, restricted):
    """The places published incidents name, and the places those lie in (as in the JSON
    export, so that every `parent` slug resolves), each with the number of published incidents
    at it or within it: the number the incident list's place filter gives."""
    other = published_incident(slug="second-case")
    dandong = Location.objects.get(slug="dandong")
    CustodyEventFactory(group=other.groups.get(), kind="transferred", location=dandong)
    data = get_json(client, LOCATIONS)
    places = {p["slug"]: p for p in data["results"]}
    counts = {slug: p["published_incidents"] for slug, p in places.items()}
    yanji = restricted.groups.get().arrest_location
    town = other.groups.get().arrest_location
    liaoning = yanji.parent
    assert (liaoning.kind, liaoning.parent.slug) == ("province", "china")
    assert counts == {
        yanji.slug: 1,
        "dandong": 2,  # an event place in one, and a transfer in the other
        town.slug: 1,  # the second case's town
        liaoning.slug: 2,  # the three above lie in it; drafts in Liaoning are not counted
        "china": 2,
    }  # no draft-only place, nor the province only a draft-only place lies in
    assert data["count"] == 5
    for slug, place in places.items():
        assert place["parent"] is None or place["parent"] in places
        assert len(slugs(client, {"city": slug})) == place["published_incidents"], slug


def test_locations_filter_by_country(client, restricted):
    """Through the hierarchy: a detention centre in Moscow is in RU, and so are Moscow and
    Russia, which it lies in."""
    moscow = LocationFactory(name="Moscow", country="RU", province="")
    centre = LocationFactory(
        name="Moscow detention centre",
        kind="detention_centre",
        country="RU",
        province="",
        city="Moscow",
    )
    assert centre.parent == moscow and moscow.parent.code == "RU"
    russia = moscow.parent
    group = DetaineeGroupFactory(incident=IncidentFactory(slug="russia"), arrest_location=centre)
    CustodyEventFactory(group=group)
    in_russia = [p["slug"] for p in get_json(client, LOCATIONS, {"country": "ru"})["results"]]
    assert in_russia == sorted([centre.slug, moscow.slug, russia.slug])
    in_china = [p["slug"] for p in get_json(client, LOCATIONS, {"country": "CN"})["results"]]
    assert in_china and not set(in_china) & set(in_russia)
    assert len(in_china) + len(in_russia) == get_json(client, LOCATIONS)["count"]
    body = get_json(client, LOCATIONS, {"country": "ZZ"}, status=400)
    assert list(body["errors"]) == ["country"]


def test_sources_are_public_ones_cited_by_published_records(client, restricted):
    """Sources of citations, count claims, date claims and published estimates, and the
    sources those relay, at any depth; never a confidential one, nor past one."""
    listed = {s["slug"]: s for s in get_json(client, SOURCES)["results"]}
    assert list(listed) == [
        "agency-source",  # relayed by wire-source
        "date-source",
        "estimate-source",
        "figure-source",
        "public-source",
        "wire-source",  # relayed by public-source
    ]  # by slug
    assert listed["public-source"]["relays"] == "wire-source"
    assert listed["wire-source"]["relays"] == "agency-source"
    assert listed["agency-source"]["relays"] is None  # a confidential source


def test_actors_are_those_of_published_events_and_the_bodies_above(client, restricted):
    data = get_json(client, ACTORS)
    parents = {a["slug"]: a["parent"] for a in data["results"]}
    assert parents == {
        "border-bureau": "border-ministry",
        "border-ministry": None,
        "border-unit": "border-bureau",
    }  # by slug; not the unused actor, nor those only drafts name
    assert data["count"] == 3
    assert "notes_internal" not in json.dumps(data)


# -- bad input ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"date_after": "yesterday"}, "date_after"),
        ({"date_before": "2017-02-30"}, "date_before"),
        ({"outcome": "deported"}, "outcome"),
        ({"country": "XX"}, "country"),
        ({"date_after": "2018", "date_before": "2017"}, "__all__"),
        ({"q": "x" * 500}, "q"),
        ({"city": "y" * 500}, "city"),
    ],
)
def test_bad_filters_get_400_with_field_errors(client, params, field):
    published_incident(title="Some case")
    body = get_json(client, INCIDENTS, params, status=400)
    assert set(body) == {"errors"}
    assert list(body["errors"]) == [field]
    messages = body["errors"][field]
    assert messages and all(isinstance(m, str) and m for m in messages)
    assert "Some case" not in json.dumps(body)


@pytest.mark.parametrize("page", ["2", "0", "abc", "-1"])
def test_bad_page_is_404_json(client, page):
    published_incident()
    assert set(get_json(client, INCIDENTS, {"page": page}, status=404)) == {"detail"}


# -- pagination and query count -------------------------------------------------------------------
def make_incidents(n: int) -> None:
    for i in range(n):
        published_incident(slug=f"case-{i:03}")


def test_pagination_default_size_cap_and_links_keep_filters(client, monkeypatch):
    make_incidents(30)
    data = get_json(client, INCIDENTS, {"country": "CN"})
    assert data["count"] == 30 and len(data["results"]) == PublicPagination.page_size == 25
    assert data["previous"] is None
    assert "country=CN" in data["next"] and "page=2" in data["next"]
    second = get_json(client, data["next"])
    assert len(second["results"]) == 5 and second["next"] is None
    monkeypatch.setattr(PublicPagination, "max_page_size", 10)
    assert len(get_json(client, INCIDENTS, {"page_size": "1000"})["results"]) == 10


def make_rich_incidents(n: int, start: int = 0) -> None:
    """Published incidents using every relation a record follows (see with_everything), each
    with places, sources and actors of its own, so that any query per row would show."""
    for i in range(start, start + n):
        incident = published_incident(slug=f"case-{i:03}")
        with_everything(incident)


# The queries for a page of incidents (export_queryset: prefetches, each with select_related).
RECORD_QUERIES = (
    "the incidents",
    "their groups, with places of arrest",
    "the groups' custody events, with places",
    "the events' actors, with the actor",
    "the groups' count claims, with sources",
    "the incidents' citations of non-confidential sources, with sources",
    "the incidents' date claims, with sources",
)


def count_queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        get_json(client, url, params)
    return len(queries)


def test_query_count_does_not_grow_with_page_size(client):
    make_rich_incidents(60)
    counts = {}
    for size in (5, 50):
        with CaptureQueriesContext(connection) as queries:
            data = get_json(client, INCIDENTS, {"page_size": size, "country": "CN"})
        assert len(data["results"]) == size
        counts[size] = len(queries)
    assert counts[5] == counts[50], counts
    assert counts[5] == 1 + len(RECORD_QUERIES), counts  # the paginator's COUNT(*), the page


def test_detail_and_other_lists_have_constant_query_counts(client):
    published_incident(slug="plain")
    make_rich_incidents(2)
    urls = [LOCATIONS, SOURCES, ACTORS]
    small = {url: count_queries(client, url, {"page_size": 100}) for url in urls}
    plain = count_queries(client, detail("plain"))
    make_rich_incidents(10, start=2)
    large = {url: count_queries(client, url, {"page_size": 100}) for url in urls}
    assert large == small
    assert count_queries(client, detail("case-011")) == plain == len(RECORD_QUERIES)
    assert small == {
        LOCATIONS: 2,  # count, page (with parents)
        # relays of the sources in use; the sources those relay (one query per level: here
        # one, the wire sources, which relay nothing); count; page (with relayed sources)
        SOURCES: 4,
        # parents of the actors in use; their rows (one query per level: the ministries,
        # which have no parent); count; page (with parents)
        ACTORS: 4,
    }


# -- schema and documentation ---------------------------------------------------------------------
def test_schema_is_openapi_3_with_every_endpoint(client):
    schema = get_json(client, SCHEMA)
    assert schema["openapi"].startswith("3.")
    assert set(schema["paths"]) == {
        "/api/incidents/",
        "/api/incidents/{slug}/",
        "/api/locations/",
        "/api/sources/",
        "/api/actors/",
    }
    incidents = schema["paths"]["/api/incidents/"]["get"]
    names = {p["name"] for p in incidents["parameters"]}
    assert set(IncidentFilterSet.base_filters) | {"page", "page_size"} <= names
    outcome = next(p for p in incidents["parameters"] if p["name"] == "outcome")
    assert set(outcome["schema"]["items"]["enum"]) == set(Outcome.values)
    assert {"200", "400", "429"} <= set(incidents["responses"])
    for operations in schema["paths"].values():
        assert set(operations) == {"get"}


def test_schema_is_served_as_openapi_json_or_yaml(client):
    response = client.get(SCHEMA)
    assert response["Content-Type"].startswith("application/vnd.oai.openapi+json")
    response = client.get(SCHEMA, HTTP_ACCEPT="application/json")
    assert response["Content-Type"].startswith("application/json")
    response = client.get(SCHEMA, {"format": "yaml"})
    assert response.status_code == 200
    assert response.content.decode().startswith("openapi: 3.")


def _shape(schema: dict, name: str) -> tuple[set, set]:
    component = schema["components"]["schemas"][name]
    return set(component["properties"]), set(component.get("required", []))


def _check(schema, name, record):
    properties, required = _shape(schema, name)
    assert set(record) <= properties, (name, set(record) - properties)
    assert required <= set(record), (name, required - set(record))


def test_documented_shapes_match_the_records(client, restricted):
    schema = get_json(client, SCHEMA)
    incident = get_json(client, detail(restricted.slug))
    _check(schema, "IncidentRecord", incident)
    group = incident["groups"][0]
    _check(schema, "GroupRecord", group)
    _check(schema, "Count", group["size"])
    _check(schema, "EventRecord", group["events"][0])
    _check(schema, "VagueDate", incident["date"])
    _check(schema, "CitationRecord", incident["citations"][0])
    _check(schema, "CountClaim", group["claims"][0])
    _check(schema, "Count", group["claims"][0]["count"])
    _check(schema, "DateClaim", incident["date_claims"][0])
    _check(schema, "EventActor", group["events"][0]["actors"][0])
    for place in get_json(client, LOCATIONS)["results"]:
        _check(schema, "LocationListItem", place)
    for source in get_json(client, SOURCES)["results"]:
        _check(schema, "SourceRecord", source)
        if source["date"] is not None:
            _check(schema, "VagueDate", source["date"])
    for actor in get_json(client, ACTORS)["results"]:
        _check(schema, "ActorRecord", actor)
    _check(schema, "Error", get_json(client, INCIDENTS, {"country": "XX"}, status=400))


def test_docs_page_renders_without_inline_or_external_script(client):
    response = client.get(DOCS)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    body = response.content.decode()
    for path in (
        "/api/incidents/",
        "/api/incidents/{slug}/",
        "/api/locations/",
        "/api/sources/",
        "/api/actors/",
    ):
        assert path in body
    for name in IncidentFilterSet.base_filters:
        assert f"<code>{name}</code>" in body
    assert "&quot;results&quot;" in body  # an example response
    for tag in re.findall(r"<script\b[^>]*>", body, flags=re.IGNORECASE):
        assert re.search(r"\bsrc=[\"']/", tag), tag  # only our own files, never inline
    assert not re.search(r"\sstyle=", body)  # CSP: style-src 'self'
    assert not re.search(r"(src|href)=[\"']https?://", body)  # no CDN
    assert "script-src 'self'" in response["Content-Security-Policy"]


# -- read-only -------------------------------------------------------------------------
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize(
    "url", [INCIDENTS, "/api/incidents/some-case/", LOCATIONS, SOURCES, ACTORS, SCHEMA]
)
def test_writes_are_405(client, url, method):
    published_incident(slug="some-case")
    response = getattr(client, method)(url, data={}, content_type="application/json")
    assert response.status_code == 405
    assert "POST" not in response["Allow"]


def test_docs_page_is_read_only(client):
    assert client.post(DOCS).status_code == 405


def test_head_and_options(client):
    published_incident()
    assert client.head(INCIDENTS).status_code == 200
    response = client.options(INCIDENTS)
    assert response.status_code == 200
    assert set(response["Allow"].replace(" ", "").split(",")) == {"GET", "HEAD", "OPTIONS"}


# Rate limits (429 with Retry-After, JSON under /api/, per client address): tests/test_ratelimit.py


@pytest.mark.parametrize("size", ["0", "-1", "abc", "1.5", "%00", ""])
def test_bad_page_size_is_a_400(client, size):
    response = client.get("/api/incidents/", {"page_size": size})
    assert response.status_code == 400
    assert "page_size" in response.json()["errors"]
