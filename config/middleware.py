"""Absolute session lifetime for staff: the idle timeout alone would let a busy, stolen
session live for ever."""

import time

from django.conf import settings
from django.contrib.auth import logout

_STARTED = "_session_started_at"


class StaffSessionLifetimeMiddleware:
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
