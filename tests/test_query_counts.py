"""Every public page and API list costs the same number of queries whatever the size of the
record: measured on a synthetic record (every field and relation filled) of two sizes.

Aggregates are cached (incidents/cache.py); the cache is cleared before each measurement, so
these are the cold costs. The per-page tests (test_views_*.py) hold the exact budgets."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents.models import Incident, Location
from incidents.synthetic import generate

pytestmark = pytest.mark.django_db

PAGES = [
    "/",
    "/incidents/",
    "/incidents/?page=2",
    "/incidents/?city={city}",
    "/incidents/?city={province}",
    "/incidents/?country=CN",
    "/incidents/?outcome=repatriated",
    "/incidents/?date_after=2000-01-01&date_before=2030-12-31",
    "/incidents/?q=arrested",
    "/incidents/?q={city_name}",
    "/incidents/?city={province}&country=CN&outcome=detained&date_after=2000-01-01&q=arrested",
    "/incidents/{slug}/",
    "/timeline/",
    "/statistics/",
    "/statistics/?country=CN&date_after=1995-01-01",
    "/statistics.csv",
    "/map/",
    "/urgent/",
    "/locations.geojson",
    "/feeds/incidents.atom",
    "/api/incidents/",
    "/api/incidents/?city={province}",
    "/api/incidents/{slug}/",
    "/api/locations/",
    "/api/sources/",
    "/api/actors/",
    "/incidents/export.csv",
    "/incidents/export.json",
    "/incidents/export.zip",
]


def fill(url: str, slug: str) -> str:
    city = Location.objects.filter(kind="city", parent__isnull=False).order_by("pk").first()
    return url.format(
        slug=slug, city=city.slug, province=city.parent.slug, city_name=city.name.split()[0]
    )


def queries_for(client, url: str) -> int:
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200, (url, response.status_code)
    return len(queries)


@pytest.fixture(scope="module")
def two_sizes(django_db_setup, django_db_blocker):
    """Query counts of every page on a record of 16 synthetic incidents, then of 56."""
    with django_db_blocker.unblock():
        from django.db import transaction
        from django.test import Client

        client = Client()
        counts = {}
        try:
            with transaction.atomic():
                generate(16, seed=1)
                slug = Incident.objects.published().order_by("pk").first().slug
                urls = {page: fill(page, slug) for page in PAGES}
                counts["few"] = {page: queries_for(client, url) for page, url in urls.items()}
                generate(40, seed=2)
                counts["many"] = {page: queries_for(client, url) for page, url in urls.items()}
                counts["published"] = Incident.objects.published().count()
                raise _Rollback
        except _Rollback:
            pass
        return counts


class _Rollback(Exception):
    """Leave the module's database as it was found."""


@pytest.mark.parametrize("page", PAGES)
def test_queries_do_not_grow_with_the_record(two_sizes, page):
    assert two_sizes["published"] > 25  # the list has a second page, the feed is full
    extra = CONDITIONAL.get(page, 0)
    assert two_sizes["many"][page] <= two_sizes["few"][page] + extra


# Queries asked only when a page holds a certain shape of data, whatever the record's size:
# either size may or may not need them.
CONDITIONAL = {
    "/map/": 1,  # two places on one spot (a city and a consulate in it) share a circle
    "/api/sources/": 1,  # the sources that the page's sources relay
}
