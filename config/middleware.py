"""Request plumbing: absolute staff session lifetime, and the client address that login
throttling and rate limits count against."""

import time

from django.conf import settings
from django.contrib.auth import logout

_STARTED = "_session_started_at"


class StaffSessionLifetimeMiddleware:
    """Absolute session lifetime for staff: the idle timeout alone would let a busy, stolen
    session live for ever."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            started = request.session.get(_STARTED)
            now = time.time()
            if started is None:
                request.session[_STARTED] = now
            elif now - started > settings.SESSION_ABSOLUTE_LIFETIME:
                logout(request)
        return self.get_response(request)


def client_ip(request) -> str | None:
    """The client's address: what login lockouts (AXES_CLIENT_IP_CALLABLE) and rate limits
    (config.ratelimit) count against.

    Directly exposed (the default), that is REMOTE_ADDR; a client cannot forge it. Behind one
    reverse proxy (BEHIND_PROXY=1) REMOTE_ADDR is the proxy's for everyone, so use the
    *last* X-Forwarded-For entry: the one the proxy appended. Entries to its left come from
    the client and can be anything, so they are never trusted. The header is believed only
    when the request really comes from the proxy (REMOTE_ADDR in TRUSTED_PROXIES): a client
    that reaches gunicorn directly, bypassing the proxy, is counted by its own address
    whatever header it sends.
    """
    remote = request.META.get("REMOTE_ADDR")
    if settings.BEHIND_PROXY and remote in settings.TRUSTED_PROXIES:
        hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        if hops[-1]:
            return hops[-1]
    return remote
