"""Request plumbing for staff login: absolute session lifetime and the client address that
login throttling counts failures against."""

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
    """The address django-axes locks a username out from (AXES_CLIENT_IP_CALLABLE).

    Directly exposed (the default), that is REMOTE_ADDR; a client cannot forge it. Behind one
    reverse proxy (BEHIND_PROXY=1) REMOTE_ADDR is the proxy's for everyone, so use the
    *last* X-Forwarded-For entry: the one the proxy appended. Entries to its left come from
    the client and can be anything, so they are never trusted. This assumes gunicorn is
    reachable only through that proxy.
    """
    if settings.BEHIND_PROXY:
        hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        if hops[-1]:
            return hops[-1]
    return request.META.get("REMOTE_ADDR")
