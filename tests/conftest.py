import threading

import pytest
from django.core.servers.basehttp import ThreadedWSGIServer
from django.db import connection
from django.test.testcases import LiveServerThread
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice


class _OneRequestAtATimeOnSQLite(ThreadedWSGIServer):
    """The live server for browser tests, answering one request at a time on SQLite.

    On an in-memory SQLite test database every request thread shares the test's one
    connection, so two overlapping requests (a page's edit-lock heartbeat or its pagehide
    beacon beside a save) interleave their transactions on it: a session row written by one
    vanishes under the other ("Forced update did not affect any rows"). PostgreSQL gives each
    thread its own connection and keeps real concurrency.
    """

    _lock = threading.Lock()

    def set_app(self, app):
        def serialized(environ, start_response):
            if connection.vendor != "sqlite":
                return app(environ, start_response)
            with self._lock:  # the whole response: a streamed export reads as it goes
                response = app(environ, start_response)
                try:
                    return [b"".join(response)]
                finally:
                    response.close()  # request_finished, as the server would send it

        super().set_app(serialized)


LiveServerThread.server_class = _OneRequestAtATimeOnSQLite


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture(autouse=True)
def _no_rate_limits(settings):
    """The suite makes hundreds of requests from one address; tests/test_ratelimit.py turns
    the limits back on with the rates it needs."""
    settings.RATELIMIT_ENABLE = False


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache (throttle counters, cached pages)."""
    from django.core.cache import caches

    for cache in caches.all():
        cache.clear()


def verified_login(client, user, *, verified: bool = True):
    """Log `user` in on `client` the way the admin does after a password *and* a TOTP code.

    Tests run with REQUIRE_2FA on (as production), so a plain force_login is not enough
    to reach the admin; see tests/test_login.py for the real two-step login.
    """
    client.force_login(user)
    if verified:
        device = TOTPDevice.objects.filter(user=user, name="test").first()
        device = device or TOTPDevice.objects.create(user=user, name="test", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


@pytest.fixture
def login(client):
    """verified_login() on the test client."""

    def _login(user, *, verified: bool = True):
        return verified_login(client, user, verified=verified)

    return _login


@pytest.fixture
def admin_client(admin_user, login):
    """pytest-django's admin_client, but verified by a second factor."""
    return login(admin_user)
