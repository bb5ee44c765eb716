"""/incidents/export.csv and /incidents/export.json: exactly what the list shows, every page."""

import csv
import io
import json
import re
from pathlib import Path

import jsonschema
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incidents.interchange import CSV_COLUMNS
from incidents.models import (
    Actor,
    Circumstance,
    CountFields,
    CountQualifier,
    DatePrecision,
    Estimate,
    EventActor,
    EventKind,
    Location,
    Outcome,
    Source,
    Status,
)
from incidents.synthetic import MARKERS, generate
from tests.factories import LocationFactory, published_incident

pytestmark = pytest.mark.django_db

LIST_URL = reverse("incidents:list")
CSV_URL = reverse("incidents:export_csv")
JSON_URL = reverse("incidents:export_json")

FILTERS = [
    {},
    {"city": "syn-shenyang"},
    {"city": "Yanji"},
    {"city": "沈阳"},
    {"country": "RU"},
    {"country": "cn", "outcome": ["repatriated", "detained"]},
    {"date_after": "2005", "date_before": "2015-06"},
    {"date_after": "2010-03-15"},
    {"outcome": "died"},
    {"q": "Synthetic case 1"},
    {"q": "선양"},
    {"q": "nothing-matches-this"},
]


# -- the documented structure (docs/data-format.md), as a JSON Schema ---------------------------
def _object(properties: dict, optional: tuple[str, ...] = ()) -> dict:
    return {
        "type": "object",
        "properties": properties,
        "required": [k for k in properties if k not in optional],
        "additionalProperties": False,
    }


def _enum(choices) -> dict:
    return {"type": "string", "enum": list(choices)}


STR = {"type": "string"}
INT = {"type": "integer", "minimum": 0}
POSITION = {"type": ["integer", "null"], "minimum": 1}
DAY = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
MOMENT = {
    "type": "string",
    "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$",
}
VAGUE_DATE = {
    "oneOf": [
        {"type": "null"},
        _object({"text": STR, "earliest": DAY, "latest": DAY,
                 "precision": _enum(DatePrecision.values)}),
    ]
}  # fmt: skip
COUNT = _object({"value": {"type": ["integer", "null"], "minimum": 0},
                 "high": {"type": ["integer", "null"], "minimum": 0},
                 "qualifier": _enum(CountQualifier.values)})  # fmt: skip
SLUG_OR_NULL = {"type": ["string", "null"]}


def document_schema(scope: str) -> dict:
    """The interchange document for `scope` ("public" or "full"), nothing more."""
    full = scope == "full"

    def private(**fields) -> dict:
        return fields if full else {}

    claim_about = {
        "source": SLUG_OR_NULL, "wording": STR, "quotation": STR, "locator": STR,
        "preferred": {"type": "boolean"}, "preferred_reason": STR,
    }  # fmt: skip
    count_claim = _object({"part": _enum(CountFields.PARTS), "count": COUNT, **claim_about})
    date_claim = _object({"date": VAGUE_DATE, **claim_about})
    event = _object({
        "sequence": INT, "kind": _enum(EventKind.values), "description": STR,
        "date": VAGUE_DATE, "location": SLUG_OR_NULL,
        "circumstance": {"type": "string", "enum": ["", *Circumstance.values]},
        "circumstance_text": STR,
        "actors": {"type": "array", "items": _object(
            {"actor": STR, "role": _enum(EventActor.Role.values)})},
        **private(notes_internal=STR),
    })  # fmt: skip
    group = _object({
        "sequence": INT, "label": STR, "outcome": _enum(Outcome.values), "parent": POSITION,
        "size": COUNT, "women": COUNT, "men": COUNT, "minors": COUNT, "helpers": COUNT,
        "helpers_nationality": {"type": "array", "items": {"type": "string",
                                                           "pattern": "^[A-Z]{2}$"}},
        "helpers_description": STR,
        "arrest_location": SLUG_OR_NULL,
        "claims": {"type": "array", "items": count_claim},
        "events": {"type": "array", "items": event},
        **private(notes_internal=STR),
    })  # fmt: skip
    citation = _object(
        {"claim": STR, "locator": STR, "source": STR, "group": POSITION, "event": POSITION}
    )
    incident = _object({
        "slug": STR, "title": STR, "summary": STR, "title_ko": STR, "summary_ko": STR,
        "date": VAGUE_DATE, "date_claims": {"type": "array", "items": date_claim},
        "published_at": {"oneOf": [MOMENT, {"type": "null"}]}, "updated_at": MOMENT,
        "groups": {"type": "array", "items": group},
        "citations": {"type": "array", "items": citation},
        "corrected_at": {"oneOf": [MOMENT, {"type": "null"}]},
        **private(status=_enum(Status.values), notes_internal=STR, created_at=MOMENT,
                  version=INT, staff_updated_at=MOMENT,
                  publish_not_before={"oneOf": [MOMENT, {"type": "null"}]}),
    })  # fmt: skip
    estimate = _object({
        "subject": _enum(Estimate.Subject.values), "description": STR, "country": STR,
        "period_start": DAY, "period_end": DAY, "value_low": INT,
        "value_high": {"type": ["integer", "null"], "minimum": 0},
        "qualifier": _enum(CountQualifier.values), "attributed_to": STR,
        "sources": {"type": "array", "minItems": 0 if full else 1,
                    "items": _object({"source": STR, "claim": STR, "locator": STR})},
        **private(status=_enum(Status.values), version=INT),
    })  # fmt: skip
    coordinate = {"type": ["number", "null"]} if full else {"type": "number"}
    location = _object(
        {
            "slug": STR, "name": STR, "name_ko": STR, "name_local": STR,
            "alternate_names": STR, "code": STR, "parent": SLUG_OR_NULL,
            "kind": _enum(Location.Kind.values), "city": STR, "province": STR,
            "country": {"type": "string", "pattern": "^([A-Z]{2})?$"},
            "latitude": coordinate, "longitude": coordinate,
            "coordinate_precision": (
                {"type": "string", "enum": ["", *Location.CoordinatePrecision.values]}
                if full else _enum(Location.CoordinatePrecision.values)
            ),
            **private(coordinates_public={"type": "boolean"}, notes_internal=STR, version=INT),
        },
        # Public: the three coordinate fields appear only for a place whose
        # coordinates are public (checked separately below: all three or none).
        optional=() if full else ("latitude", "longitude", "coordinate_precision"),
    )  # fmt: skip
    source = _object({
        "slug": STR, "title": STR, "publisher": STR, "url": STR, "archive_url": STR,
        "date": VAGUE_DATE, "relays": SLUG_OR_NULL,
        "kind": _enum(Source.Kind.values), "language": STR,
        "reliability": _enum(Source.Reliability.values),
        **private(confidential={"type": "boolean"}, notes_internal=STR, version=INT),
    })  # fmt: skip
    actor = _object({
        "slug": STR, "name": STR, "name_ko": STR, "name_local": STR,
        "kind": _enum(Actor.Kind.values), "country": STR, "parent": SLUG_OR_NULL,
        **private(notes_internal=STR, version=INT),
    })  # fmt: skip
    return _object({
        "format": {"const": "refoulement-watch"}, "version": {"const": 2},
        "scope": {"const": scope},
        "incidents": {"type": "array", "items": incident},
        "estimates": {"type": "array", "items": estimate},
        "locations": {"type": "array", "items": location},
        "sources": {"type": "array", "items": source},
        "actors": {"type": "array", "items": actor},
        "incident_count": {"type": "integer", "minimum": 0},
    })  # fmt: skip


def validate_document(doc: dict, scope: str) -> None:
    jsonschema.validate(doc, document_schema(scope))
    assert doc["incident_count"] == len(doc["incidents"])  # the closing count (completeness)
    locations = {x["slug"] for x in doc["locations"]}
    sources = {x["slug"] for x in doc["sources"]}
    for place in doc["locations"]:
        if scope == "public":
            assert len({"latitude", "longitude", "coordinate_precision"} & set(place)) in (0, 3)
    for incident in doc["incidents"]:
        groups = incident["groups"]
        for group in groups:
            assert group["arrest_location"] in locations | {None}
            for event in group["events"]:
                assert event["location"] in locations | {None}
        for citation in incident["citations"]:
            assert citation["source"] in sources
            if citation["group"] is not None:
                assert citation["group"] <= len(groups)
                if citation["event"] is not None:
                    assert citation["event"] <= len(groups[citation["group"] - 1]["events"])
            else:
                assert citation["event"] is None
    actors = {x["slug"] for x in doc["actors"]}
    for incident in doc["incidents"]:
        for claim in incident["date_claims"]:
            assert claim["source"] in sources | {None}
        for position, group in enumerate(incident["groups"], start=1):
            assert group["parent"] in {*range(1, len(incident["groups"]) + 1), None} - {position}
            for claim in group["claims"]:
                assert claim["source"] in sources | {None}
            for event in group["events"]:
                assert {a["actor"] for a in event["actors"]} <= actors
    for place in doc["locations"]:
        assert place["parent"] in locations | {None}, "a place's ancestors travel with it"
    for record in doc["sources"]:
        assert record["relays"] in sources | {None}
    for actor in doc["actors"]:
        assert actor["parent"] in actors | {None}
    for estimate in doc["estimates"]:
        assert {c["source"] for c in estimate["sources"]} <= sources


# -- helpers ------------------------------------------------------------------------------------
def list_slugs(client, params) -> list[str]:
    """Slugs on every page of the public list, in order."""
    slugs, page = [], 1
    while True:
        response = client.get(LIST_URL, {**params, "page": page})
        assert response.status_code == 200
        body = response.content.decode()
        slugs += re.findall(r'<h3 class="card-title"><a href="/incidents/([^/"]+)/">', body)
        if 'rel="next"' not in body:
            return slugs
        page += 1


def streamed(response) -> bytes:
    assert response.streaming
    return b"".join(response.streaming_content)


def csv_rows(body: bytes) -> tuple[list[str], list[dict]]:
    assert body.startswith(b"\xef\xbb\xbf"), "CSV must start with a UTF-8 BOM"
    reader = csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline=""))
    rows = list(reader)
    return reader.fieldnames, rows


@pytest.fixture
def data(settings):
    settings.PUBLIC_PAGE_SIZE = 4  # several pages, so "every page" is tested
    return generate(30)


# -- tests --------------------------------------------------------------------------------------
@pytest.mark.parametrize("params", FILTERS)
def test_csv_export_has_the_list_rows_of_every_page_in_order(client, data, params):
    expected = list_slugs(client, params)
    response = client.get(CSV_URL, params)
    assert response.status_code == 200
    header, rows = csv_rows(streamed(response))
    assert header == CSV_COLUMNS
    assert list(dict.fromkeys(r["incident_slug"] for r in rows)) == expected


@pytest.mark.parametrize("params", FILTERS)
def test_json_export_has_the_list_rows_of_every_page_in_order(client, data, params):
    expected = list_slugs(client, params)
    response = client.get(JSON_URL, params)
    assert response.status_code == 200
    doc = json.loads(streamed(response))
    validate_document(doc, "public")
    assert [i["slug"] for i in doc["incidents"]] == expected


def test_filters_select_something_and_not_everything(client, data):
    """Guard against a vacuous comparison: most filters return some but not all rows."""
    everything = list_slugs(client, {})
    sizes = [len(list_slugs(client, p)) for p in FILTERS[1:-1]]
    assert len(everything) == len(data.published) > 8
    assert all(0 < n < len(everything) for n in sizes), sizes


def test_csv_headers_encoding_and_names_in_korean_and_chinese(client, data):
    response = client.get(CSV_URL, {"city": "syn-shenyang"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    disposition = response["Content-Disposition"]
    assert re.fullmatch(
        r'attachment; filename="refoulement-watch-incidents-[\d-]+\.csv"', disposition
    )
    header, rows = csv_rows(streamed(response))
    assert rows
    text = " ".join(r["incident_summary"] for r in rows)
    assert "선양" in text and "沈阳" in text
    # one row per group; counts as written; events one per line
    shenyang = next(r for r in rows if r["group_arrest_location"] == "syn-shenyang")
    assert shenyang["group_arrest_city"] == "Shenyang"
    assert shenyang["group_arrest_country"] == "CN"
    assert re.fullmatch(r"((at least|about|more than|at most) )?\d+", shenyang["group_size"])
    for line in shenyang["group_events"].splitlines():
        kind, *_rest = [cell.strip() for cell in line.split("|")]
        assert kind in EventKind.values


def test_json_headers(client, data):
    response = client.get(JSON_URL)
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert re.fullmatch(
        r'attachment; filename="refoulement-watch-incidents-[\d-]+\.json"',
        response["Content-Disposition"],
    )
    doc = json.loads(streamed(response))
    assert doc["scope"] == "public"
    assert doc["estimates"], "published estimates are part of every export"


def test_korean_and_chinese_names_survive_in_json(client, data):
    doc = json.loads(streamed(client.get(JSON_URL, {"city": "syn-shenyang"})))
    shenyang = next(p for p in doc["locations"] if p["slug"] == "syn-shenyang")
    assert (shenyang["name_ko"], shenyang["name_local"]) == ("선양", "沈阳")


@pytest.mark.parametrize("url", [CSV_URL, JSON_URL])
def test_no_unpublished_or_restricted_data(client, data, url):
    body = streamed(client.get(url)).decode("utf-8-sig")
    for what, marker in MARKERS.items():
        assert marker not in body, f"{what} leaked"
    for place in data.locations:
        if not place.coordinates_public:
            assert str(place.latitude) not in body and str(place.longitude) not in body
    for incident in data.incidents:
        if incident.status != Status.PUBLISHED:
            assert incident.slug not in body
    for source in data.sources:
        if source.confidential:
            assert source.slug not in body
    assert "notes_internal" not in body and "confidential" not in body


def test_public_coordinates_are_exported(client, data):
    doc = json.loads(streamed(client.get(JSON_URL)))
    places = {p["slug"]: p for p in doc["locations"]}
    assert places["syn-shenyang"]["latitude"] == pytest.approx(41.8057)
    assert "latitude" not in places["syn-tumen-detention-centre"]


def test_the_demo_data_exports_without_restricted_data(client):
    from django.core.management import call_command

    from incidents.models import Citation, Incident

    call_command("loaddata", "fixtures/demo.json", verbosity=0)
    hidden = list(Incident.objects.exclude(status=Status.PUBLISHED))
    secret_claims = [c.claim for c in Citation.objects.filter(source__confidential=True)]
    for url in (CSV_URL, JSON_URL):
        body = streamed(client.get(url)).decode("utf-8-sig")
        assert "DEMO-INTERNAL" not in body
        for incident in hidden:
            assert incident.title not in body
        for claim in secret_claims:
            assert claim not in body
    validate_document(json.loads(streamed(client.get(JSON_URL))), "public")


@pytest.mark.parametrize(
    "params, field",
    [
        ({"date_after": "yesterday"}, "date_after"),
        ({"date_before": "2017-02-30"}, "date_before"),
        ({"outcome": "deported"}, "outcome"),
        ({"country": "XX"}, "country"),
        ({"date_after": "2018", "date_before": "2017"}, "__all__"),
        ({"q": "x" * 500}, "q"),
    ],
)
def test_bad_filters_are_400_with_the_field_errors(client, params, field):
    published_incident(title="Some case")
    response = client.get(CSV_URL, params)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert "Invalid filters" in text and "Some case" not in text
    assert (field if field != "__all__" else "filters") in text

    response = client.get(JSON_URL, params)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    errors = json.loads(response.content)["errors"]
    assert list(errors) == [field] and all(isinstance(m, str) for m in errors[field])


def test_only_get_and_head(client, data):
    assert client.post(CSV_URL).status_code == 405
    assert client.head(JSON_URL).status_code == 200


def _export_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, {"country": "CN"})
        streamed(response)
    return len(queries)


@pytest.mark.parametrize("url", [CSV_URL, JSON_URL])
def test_query_count_does_not_grow_with_the_number_of_incidents(client, url):
    generate(5, seed=2)
    few = _export_queries(client, url)
    generate(40, seed=3)
    for _ in range(5):  # and more places
        published_incident().groups.update(arrest_location=LocationFactory(country="CN"))
    assert _export_queries(client, url) == few


def test_list_page_links_to_the_exports_and_feed_with_its_filters(client, data):
    body = client.get(LIST_URL, {"city": "syn-shenyang", "outcome": "died", "page": 2}).content
    body = body.decode()
    assert f'href="{CSV_URL}?city=syn-shenyang&amp;outcome=died"' in body
    assert f'href="{JSON_URL}?city=syn-shenyang&amp;outcome=died"' in body
    feed = reverse("incidents:feed")
    assert (
        f'<link rel="alternate" type="application/atom+xml" title="Refoulement Watch: incidents '
        f'(Atom feed)" href="{feed}?city=syn-shenyang&amp;outcome=died">'
    ) in body
    plain = client.get(LIST_URL).content.decode()
    assert f'href="{CSV_URL}"' in plain and f'href="{JSON_URL}"' in plain


# -- docs/data-format.md is generated from, and kept in step with, the code ----------------------
DOC = (Path(__file__).resolve().parent.parent / "docs" / "data-format.md").read_text("utf-8")


def _code_block(after: str, language: str) -> str:
    start = DOC.index(f"```{language}\n", DOC.index(after)) + len(language) + 4
    return DOC[start : DOC.index("```", start)]


def test_documentation_names_every_column_and_code():
    from incidents.interchange import CSV_FULL_COLUMNS

    for column in CSV_COLUMNS + CSV_FULL_COLUMNS:
        assert f"`{column}" in DOC, column
    for choices in (Outcome, EventKind, DatePrecision, CountQualifier, Location.Kind,
                    Source.Kind, Source.Reliability, Estimate.Subject, Status):  # fmt: skip
        for code in choices.values:
            assert f"`{code}`" in DOC, code


def test_documentation_example_is_what_the_demo_data_exports(client):
    from django.core.management import call_command

    call_command("loaddata", "fixtures/demo.json", verbosity=0)
    exported = json.loads(streamed(client.get(JSON_URL, {"q": "traffic"})))
    assert json.loads(_code_block("## Example", "json")) == exported
    body = streamed(client.get(CSV_URL, {"q": "traffic"})).decode("utf-8-sig")
    assert _code_block("The same record from", "csv") == body.replace("\r\n", "\n")


# -- the detail page: permalink and "cite this record" ------------------------------------------
def test_detail_page_has_a_permalink_and_a_citation(client):
    from django.utils import timezone
    from django.utils.formats import date_format

    incident = published_incident(title="Eight stopped in Shenyang")
    body = client.get(incident.get_absolute_url()).content.decode()
    permalink = f"http://testserver/incidents/{incident.slug}/"
    assert f'<a href="{permalink}" rel="bookmark">{permalink}</a>' in body
    updated = date_format(timezone.localtime(incident.updated_at), "j F Y")
    today = date_format(timezone.localdate(), "j F Y")
    assert (
        f'Refoulement Watch, "Eight stopped in Shenyang", incident record {incident.slug}, '
        f"last updated {updated}. {permalink} (accessed {today})."
    ) in body
    secure = client.get(incident.get_absolute_url(), secure=True).content.decode()
    assert f"https://testserver/incidents/{incident.slug}/ (accessed" in secure
