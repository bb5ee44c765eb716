"""Sessions that cannot turn a committed save into an error page.

With SESSION_SAVE_EVERY_REQUEST (the sliding idle timeout) Django writes the session *after*
the view, so a database that fails between a view's commit and that write would show a staff
member "Server error" for a save that did happen. The write only extends the idle timeout:
when the database fails there, keep the view's response and log a warning. The session then
expires a little earlier; nothing else is lost. Any other error is raised as before.
"""

import logging

from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware

from config.outage import DATABASE_UNAVAILABLE

logger = logging.getLogger(__name__)


class SessionMiddleware(DjangoSessionMiddleware):
    def process_response(self, request, response):
        try:
            return super().process_response(request, response)
        except DATABASE_UNAVAILABLE as exc:
            if response.status_code >= 400:
                raise  # an error page already: let handler500 make it an honest 503
            logger.warning(
                "session not saved after a %s response: %s",
                response.status_code,
                type(exc).__name__,
            )
            return response
