"""Rate limits for anonymous clients (config/ratelimit.py): per bucket, per client address,
429 with Retry-After, shared by every worker through Redis, not fooled by X-Forwarded-For.

The rest of the suite runs with limits off (tests/conftest.py); here they are on, with rates
small enough to reach.
"""

import concurrent.futures
import re
import uuid

import pytest
from django.core.cache import cache
from django.test import Client, override_settings

from config.ratelimit import bucket
from tests.factories import UserFactory, published_incident
from tests.servers import REDIS_TEST_URL, app_env, gunicorn, http_get, manage
from tests.test_settings import loaded, refused, start

pytestmark = pytest.mark.django_db

PROXY = "127.0.0.1"  # our reverse proxy, in TRUSTED_PROXIES by default
RATES = {"page": "3/m", "search": "2/m", "export": "1/m", "feed": "2/m", "api": "2/m"}


@pytest.fixture(autouse=True)
def _limits_on(settings):
    settings.RATELIMIT_ENABLE = True
    settings.RATE_LIMITS = dict(RATES)
    cache.clear()
    yield
    cache.clear()


def statuses(client, url, n, **meta) -> list[int]:
    return [client.get(url, **meta).status_code for _ in range(n)]


def test_every_public_output_has_a_bucket_and_exports_the_lowest_default():
    from django.conf import settings as django_settings

    class Req:
        def __init__(self, path, q=""):
            self.path = path
            self.GET = {"q": q} if q else {}

    assert bucket(Req("/incidents/")) == "page"
    assert bucket(Req("/incidents/", q="Qingdao")) == "search"
    assert bucket(Req("/incidents/export.csv")) == "export"
    assert bucket(Req("/incidents/export.json")) == "export"
    assert bucket(Req("/statistics.csv")) == "export"
    assert bucket(Req("/feeds/incidents.atom")) == "feed"
    assert bucket(Req("/api/incidents/")) == "api"
    for exempt in ("/healthz", "/readyz", "/admin/", "/admin/login/", "/static/css/site.css"):
        assert bucket(Req(exempt)) is None

    def per_minute(rate):
        count, period = re.fullmatch(r"(\d+)/(\d*)([smhd])", rate).group(1, 3)
        return int(count) * {"s": 60, "m": 1, "h": 1 / 60, "d": 1 / 1440}[period]

    defaults = {name: per_minute(rate) for name, rate in django_settings.RATE_LIMITS.items()}
    assert defaults["export"] == min(defaults.values())


def test_pages_answer_429_with_retry_after_once_over_the_limit(client):
    published_incident()
    assert statuses(client, "/incidents/", 3) == [200, 200, 200]

    response = client.get("/")
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert response["Content-Type"].startswith("text/html")
    assert "Too many requests" in response.content.decode()
    # another address has its own budget
    assert client.get("/", REMOTE_ADDR="203.0.113.9").status_code == 200


def test_buckets_are_counted_separately(client):
    published_incident()
    assert statuses(client, "/incidents/export.csv", 2) == [200, 429]
    assert statuses(client, "/incidents/", 1, QUERY_STRING="q=x") == [200]
    assert client.get("/incidents/", {"q": "x"}).status_code == 200
    assert client.get("/incidents/", {"q": "x"}).status_code == 429  # search: 2/m
    assert statuses(client, "/incidents/", 3) == [200, 200, 200]  # pages untouched so far
    assert statuses(client, "/feeds/incidents.atom", 3) == [200, 200, 429]


def test_api_answers_json_429(client):
    assert statuses(client, "/api/incidents/", 2) == [200, 200]
    response = client.get("/api/sources/")  # one budget for the whole API
    assert response.status_code == 429
    assert response["Content-Type"] == "application/json"
    assert "detail" in response.json()
    assert int(response["Retry-After"]) > 0


def test_health_admin_and_static_are_never_limited(client):
    for url in ("/healthz", "/readyz", "/admin/login/"):
        assert set(statuses(client, url, 5)) == {200}, url


def test_logged_in_staff_are_not_limited(login):
    client = login(UserFactory(is_staff=True))
    assert set(statuses(client, "/incidents/", 6)) == {200}


def test_exposed_directly_a_forged_forwarded_for_does_not_reset_the_budget(client, settings):
    settings.BEHIND_PROXY = False
    for n in range(3):
        assert client.get("/", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code == 200
    assert client.get("/", HTTP_X_FORWARDED_FOR="198.51.100.99").status_code == 429


def test_behind_the_proxy_the_address_it_appended_counts(client, settings):
    settings.BEHIND_PROXY = True
    for forged in ("1.1.1.1", "2.2.2.2", "3.3.3.3"):  # the client's own entries come first
        response = client.get("/", HTTP_X_FORWARDED_FOR=f"{forged}, 203.0.113.5", REMOTE_ADDR=PROXY)
        assert response.status_code == 200
    response = client.get("/", HTTP_X_FORWARDED_FOR="4.4.4.4, 203.0.113.5", REMOTE_ADDR=PROXY)
    assert response.status_code == 429
    other = client.get("/", HTTP_X_FORWARDED_FOR="203.0.113.6", REMOTE_ADDR=PROXY)
    assert other.status_code == 200


def test_a_client_bypassing_the_proxy_cannot_forge_addresses(client, settings):
    """BEHIND_PROXY=1, but this client reaches gunicorn directly: its X-Forwarded-For is not
    believed, because it does not come from a trusted proxy."""
    settings.BEHIND_PROXY = True
    direct = {"REMOTE_ADDR": "203.0.113.77"}
    for n in range(3):
        assert client.get("/", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}", **direct).status_code == 200
    assert client.get("/", HTTP_X_FORWARDED_FOR="198.51.100.50", **direct).status_code == 429


def test_a_broken_cache_lets_readers_through(caplog):
    broken = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
            "OPTIONS": {"socket_connect_timeout": 0.5},
        }
    }
    with override_settings(CACHES=broken):
        assert statuses(Client(), "/", 5) == [200] * 5
    assert "rate limit not applied" in caplog.text


# -- production settings -----------------------------------------------------------------------
def test_production_refuses_to_start_without_redis():
    message = refused(start(DEBUG="0", SECRET_KEY="prod-" + "k3y" * 20, ALLOWED_HOSTS="x.org"))
    assert "REDIS_URL must be set" in message


def test_production_with_redis_starts():
    env = {"DEBUG": "0", "SECRET_KEY": "prod-" + "k3y" * 20, "ALLOWED_HOSTS": "x.org"}
    assert loaded(start(**env, REDIS_URL=REDIS_TEST_URL))["DEBUG"] is False
    assert loaded(start(**env, LOCAL_CACHE="1"))["DEBUG"] is False  # the quick start's choice


def test_a_malformed_rate_is_refused():
    message = refused(start(DEBUG="1", RATE_LIMIT_EXPORTS="ten per minute"))
    assert "RATE_LIMIT" in message or "export" in message


# -- two gunicorn workers, one budget ----------------------------------------------------------
@pytest.fixture(scope="module")
def migrated_sqlite(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('rl') / 'db.sqlite3'}"
    manage("migrate", "--noinput", "-v0", env=app_env(DATABASE_URL=url))
    return url


def test_limits_are_shared_by_all_gunicorn_workers(migrated_sqlite, tmp_path):
    """Two worker processes, 40 concurrent requests from one address, a limit of 10: exactly 10
    succeed, whichever worker answered, because both count in Redis (db 5, own prefix)."""
    access_log = tmp_path / "access.log"
    env = app_env(
        DATABASE_URL=migrated_sqlite,
        REDIS_URL=REDIS_TEST_URL,
        CACHE_KEY_PREFIX=f"test-rl-{uuid.uuid4().hex}",
        RATE_LIMIT_PAGES="10/h",
    )
    args = ("--access-logfile", str(access_log), "--access-logformat", "%(p)s %(s)s")
    with (
        gunicorn(env, workers=2, args=args) as (base, _process),
        concurrent.futures.ThreadPoolExecutor(8) as pool,
    ):
        codes = list(pool.map(lambda _: http_get(base + "/timeline/")[0], range(40)))
    assert codes.count(200) == 10, codes
    assert codes.count(429) == 30, codes
    lines = [line.split() for line in access_log.read_text().splitlines() if line.strip()]
    pids = {pid for pid, status in lines if status in {"200", "429"}}
    assert len(pids) == 2, "both workers must have answered for this test to prove anything"
