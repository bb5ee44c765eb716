"""Nothing unpublished or restricted may reach any public URL.

The public URLs are collected from the URL conf, so a page added later is covered without
anyone remembering to add it here. Each is requested plain and with every filter.
"""

import datetime
import io
import zipfile

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from incidents.models import DetaineeGroup, Location, Status
from incidents.services import Edit, incident_transition, save_incident
from incidents.services.revisions import start_revision
from tests.factories import (
    CitationFactory,
    CustodyEventFactory,
    DetaineeGroupFactory,
    IncidentFactory,
    LocationFactory,
    SourceFactory,
    publish_change,
)
from tests.roles import staff

pytestmark = pytest.mark.django_db

# Prefixes that are not public pages (staff-only or framework endpoints).
# bench/floor/ is the benchmark's constant page: 404 unless BENCH is on (config/bench.py).
NON_PUBLIC_PREFIXES = ("admin/", "i18n/", "_nested_admin/", "favicon.ico", "bench/")

MARKERS = {
    "incident note": "MARKER-INCIDENT-NOTE",
    "group note": "MARKER-GROUP-NOTE",
    "event note": "MARKER-EVENT-NOTE",
    "location note": "MARKER-LOCATION-NOTE",
    "source note": "MARKER-SOURCE-NOTE",
    "confidential source title": "MARKER-CONFIDENTIAL-TITLE",
    "confidential source publisher": "MARKER-CONFIDENTIAL-PUBLISHER",
    "confidential claim": "MARKER-CONFIDENTIAL-CLAIM",
    "draft title": "MARKER-DRAFT-TITLE",
    "draft summary": "MARKER-DRAFT-SUMMARY",
    "draft-only place": "MARKER-DRAFT-PLACE",
    "pending revision title": "MARKER-REVISION-TITLE",
    "pending revision summary": "MARKER-REVISION-SUMMARY",
    "pending revision group": "MARKER-REVISION-GROUP",
    "review comment": "MARKER-REVIEW-COMMENT",
    "internal-only revision note": "MARKER-REVISED-NOTE",
    "private latitude": "43.123457",
    "private longitude": "129.765433",
    # An embargo's end (publish_not_before) is never public, even once it has passed.
    "embargo date": "2001-02-03",
    "embargo time": "06.789012",
}
EMBARGO = datetime.datetime(2001, 2, 3, 4, 5, 6, 789012, tzinfo=datetime.UTC)


@pytest.fixture
def records():
    place = LocationFactory(
        name="Yanji",
        notes_internal=MARKERS["location note"],
        latitude="43.123457",
        longitude="129.765433",
        coordinate_precision=Location.CoordinatePrecision.EXACT,
        coordinates_public=False,
    )
    published = IncidentFactory(
        title="Published case",
        slug="published-case",
        notes_internal=MARKERS["incident note"],
        publish_not_before=EMBARGO,  # published at the end of an embargo
    )
    group = DetaineeGroupFactory(
        incident=published, arrest_location=place, notes_internal=MARKERS["group note"]
    )
    CustodyEventFactory(group=group, notes_internal=MARKERS["event note"])
    CitationFactory(incident=published, source=SourceFactory(notes_internal=MARKERS["source note"]))
    CitationFactory(
        incident=published,
        claim=MARKERS["confidential claim"],
        source=SourceFactory(
            title=MARKERS["confidential source title"],
            publisher=MARKERS["confidential source publisher"],
            confidential=True,
        ),
    )
    drafts = []
    # Every status but published, a status added later included. A scheduled incident is hidden
    # until `publish_due` publishes it, even once its embargo has passed (here: long ago) and
    # the command has not run yet.
    for status in [s for s in Status.values if s != Status.PUBLISHED]:
        draft = IncidentFactory(
            title=f"{MARKERS['draft title']} {status}",
            slug=f"hidden-{status}",
            status=status,
            summary=MARKERS["draft summary"],
            publish_not_before=EMBARGO if status == "scheduled" else None,
        )
        DetaineeGroupFactory(
            incident=draft, arrest_location=LocationFactory(name=MARKERS["draft-only place"])
        )
        drafts.append(draft)
    drafts.append(pending_revision_of(published))
    return published, drafts


def pending_revision_of(published):
    """Two revisions of the published incident: one published (it changed internal notes
    only: its stored before/after records hold every private marker), and one pending, in
    review, with markers in its title, summary and a new group, and a review comment."""
    editor = staff("Editor", username="leak-editor")
    publish_change(
        published, editor=editor, values={"notes_internal": MARKERS["internal-only revision note"]}
    )
    copy = start_revision(incident=published, user=editor)
    save_incident(
        user=editor, pk=copy.pk,
        values={"title": MARKERS["pending revision title"],
                "summary": MARKERS["pending revision summary"]},
        children=[Edit(DetaineeGroup, values={"label": MARKERS["pending revision group"],
                                              "sequence": 9})],
    )  # fmt: skip
    copy = incident_transition(incident=copy, name="submit", user=editor, notify=False)
    return incident_transition(
        incident=copy, name="return_to_draft", user=editor, notify=False,
        comment=MARKERS["review comment"],
    )  # fmt: skip


def public_patterns(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if route.startswith(NON_PUBLIC_PREFIXES):
            continue
        if isinstance(entry, URLResolver):
            yield from public_patterns(entry, route)
        elif isinstance(entry, URLPattern):
            yield route, entry


def concrete(route: str, slug: str) -> str:
    return "/" + route.replace("<slug:slug>", slug).lstrip("^").rstrip("$")


FILTER_VARIANTS = [
    {},
    {"city": "yanji"},
    {"city": "marker-draft-place"},  # the slug of a place used only by drafts
    {"country": "CN"},
    {"date_after": "2000", "date_before": "2030"},
    {"outcome": "detained"},
    {"q": "MARKER"},
    {"q": "case"},
    {"page": "2"},
    {"tab": "never_reported"},  # the urgent board's older cases (ignored elsewhere)
]


def readable(content: bytes) -> str:
    """The response as text; a ZIP (the CSV sheets export) as the text of all its sheets."""
    if content.startswith(b"PK\x03\x04"):
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return "\n".join(archive.read(name).decode("utf-8-sig") for name in archive.namelist())
    return content.decode()


def test_the_url_conf_has_public_pages():
    routes = [route for route, _ in public_patterns()]
    assert "incidents/" in routes and "incidents/<slug:slug>/" in routes


def test_no_marker_on_any_public_url(client, records):
    published, drafts = records
    checked = 0
    for route, _pattern in public_patterns():
        url = concrete(route, published.slug)
        for params in FILTER_VARIANTS:
            response = client.get(url, params)
            # API lists answer a page past the end with 404, as DRF does; nothing may leak there
            # either, so the body is checked all the same.
            api_page = "page" in params and url.startswith("/api/")
            allowed = (200, 400, 404) if api_page else (200, 400)
            assert response.status_code in allowed, (url, params, response.status_code)
            content = (
                b"".join(response.streaming_content) if response.streaming else response.content
            )
            body = readable(content)
            for what, marker in MARKERS.items():
                assert marker not in body, f"{what} leaked on {url} {params}"
            checked += 1
    assert checked >= 3 * len(FILTER_VARIANTS)


def test_unpublished_incidents_are_404_on_every_slug_url(client, records):
    _, drafts = records
    slug_routes = [route for route, _ in public_patterns() if "<slug:slug>" in route]
    assert slug_routes
    for route in slug_routes:
        for draft in drafts:
            assert client.get(concrete(route, draft.slug)).status_code == 404
