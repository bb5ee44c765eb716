from django.contrib import admin
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path

from config import health


def favicon(request):
    """Browsers ask for /favicon.ico on every page, admin included: point them at the SVG."""
    return redirect(static("favicon.svg"), permanent=True)


urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("favicon.ico", favicon),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include("incidents.api.urls")),
    path("", include("incidents.urls")),
]

# Static error pages that need no database; a database outage is a 503 (config/outage.py).
handler500 = "config.outage.server_error"
