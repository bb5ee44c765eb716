"""The anonymous page cache (config/pagecache.py, incidents/cache.py): a hit costs no query,
and publish, edit and unpublish through the write services change what anonymous readers see
at once, on every public page."""

import pytest
from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache
from django.test import Client

from incidents import cache as public_cache
from incidents.models import Incident, Location, Status
from incidents.services import incident_transition
from incidents.services.deletion import incident_delete
from incidents.services.editing import save_incident, save_record
from tests.factories import CitationFactory, CustodyEventFactory, publish_change, published_incident
from tests.roles import staff

pytestmark = pytest.mark.django_db

PAGES = ["/", "/incidents/", "/timeline/", "/statistics/", "/map/", "/urgent/",
         "/locations.geojson", "/feeds/incidents.atom", "/api/incidents/"]  # fmt: skip


@pytest.fixture(autouse=True)
def cached(settings):
    settings.PUBLIC_CACHE_SECONDS = 600
    cache.clear()


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run the write as if its transaction committed (tests run inside one that never does):
    the invalidation is an on-commit callback, as in production."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def editor():
    return staff("Editor", username="cache-editor")


def ready_for_review(title):
    incident = published_incident(title=title, status=Status.IN_REVIEW)
    CustodyEventFactory(group=incident.groups.first())
    return incident


def body(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_a_second_anonymous_request_is_a_hit_and_costs_no_query(client, django_assert_num_queries):
    incident = published_incident(title="Cached case")
    for url in [*PAGES, incident.get_absolute_url(), "/incidents/?outcome=detained"]:
        first = client.get(url)
        assert first["X-Cache"] == "miss", url
        with django_assert_num_queries(0):
            second = client.get(url)
        assert second["X-Cache"] == "hit", url
        assert second.content == first.content
        assert second["Content-Type"] == first["Content-Type"]
        # the security headers are still those of a live page
        for header in ("Content-Security-Policy", "X-Frame-Options"):
            assert second.get(header) == first.get(header), (url, header)


def test_publishing_shows_at_once_everywhere(client, editor, committed):
    incident = ready_for_review("Newly published case")
    before = {url: body(client, url) for url in PAGES}
    assert all("Newly published case" not in text for text in before.values())
    with committed():
        incident_transition(incident=incident, name="publish", user=editor)
    for url in ("/", "/incidents/", "/timeline/", "/feeds/incidents.atom", "/api/incidents/"):
        assert "Newly published case" in body(client, url), url
    assert client.get(incident.get_absolute_url()).status_code == 200


def test_an_edit_shows_at_once(client, editor, committed):
    incident = published_incident(title="Old title")
    assert "Old title" in body(client, incident.get_absolute_url())
    assert "Old title" in body(client, "/incidents/")
    with committed():
        publish_change(incident, editor=editor, values={"title": "New title"})
    for url in (incident.get_absolute_url(), "/incidents/", "/api/incidents/"):
        text = body(client, url)
        assert "New title" in text and "Old title" not in text, url


def test_unpublish_is_never_served_from_the_cache_again(client, editor, committed):
    incident = published_incident(title="SOON-UNPUBLISHED-CASE")
    CitationFactory(incident=incident)
    urls = [*PAGES, incident.get_absolute_url(), f"/api/incidents/{incident.slug}/"]
    for url in urls:  # warm every page
        client.get(url)
        assert client.get(url)["X-Cache"] == "hit"
    with committed():
        incident_transition(incident=incident, name="unpublish", user=editor)
    for url in urls:
        response = client.get(url)
        assert "SOON-UNPUBLISHED-CASE" not in response.content.decode(), url
    assert client.get(incident.get_absolute_url()).status_code == 404


def test_deleting_a_published_incident_invalidates(client, committed):
    incident = published_incident(title="SOON-DELETED-CASE")
    assert "SOON-DELETED-CASE" in body(client, "/incidents/")
    with committed():
        incident_delete(incident=incident, user=staff("Administrator", username="deleter"))
    assert "SOON-DELETED-CASE" not in body(client, "/incidents/")


def test_a_place_renamed_shows_at_once(client, editor, committed):
    incident = published_incident()
    place = incident.groups.first().arrest_location
    assert place.name in body(client, "/incidents/")
    with committed():
        save_record(user=editor, model=Location, pk=place.pk, values={"name": "Renamed town"},
                    expected_version=place.version)  # fmt: skip
    assert "Renamed town" in body(client, "/incidents/")


def test_a_draft_edit_does_not_throw_the_cache_away(editor):
    draft = published_incident(status=Status.DRAFT)
    before = public_cache.version()
    save_incident(user=editor, pk=draft.pk, values={"title": "Draft retitled"},
                  expected_version=draft.version)  # fmt: skip
    assert public_cache.version() == before


def test_staff_always_see_the_live_page(login):
    user = staff("Editor", username="live-reader")
    client = login(user)
    published_incident(title="Staff view")
    for _ in range(2):
        response = client.get("/incidents/")
        assert "X-Cache" not in response


def test_each_language_has_its_own_page(client):
    published_incident()
    english = body(client, "/incidents/")
    korean = client.get("/incidents/", HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert english != korean and 'lang="ko"' in korean
    assert body(client, "/incidents/") == english


def test_language_form_carries_no_per_visitor_token(client):
    text = body(client, "/incidents/")
    assert "csrfmiddlewaretoken" not in text
    response = Client(enforce_csrf_checks=True).post(
        "/i18n/setlang/", {"language": "ko", "next": "/incidents/"}
    )
    assert response.status_code == 302


def test_bad_requests_and_errors_are_not_cached(client):
    assert client.get("/incidents/?date_after=yesterday").status_code == 400
    assert "X-Cache" not in client.get("/incidents/?date_after=yesterday")
    assert client.get("/incidents/no-such-case/").status_code == 404


class BrokenCache(LocMemCache):
    def get(self, *args, **kwargs):
        raise ConnectionError("redis is down (simulated)")

    def set(self, *args, **kwargs):
        raise ConnectionError("redis is down (simulated)")

    def add(self, *args, **kwargs):
        raise ConnectionError("redis is down (simulated)")


def test_a_broken_cache_serves_live_pages(client, settings):
    settings.CACHES = {"default": {"BACKEND": "tests.test_public_cache.BrokenCache"}}
    settings.RATELIMIT_ENABLE = False
    published_incident(title="Live despite the cache")
    for url in PAGES:
        assert client.get(url).status_code == 200, url
    assert "Live despite the cache" in body(client, "/incidents/")
    assert Incident.objects.exists()
