from django.contrib import admin
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import set_language

from config import bench, health


def favicon(request):
    """Browsers ask for /favicon.ico on every page, admin included: point them at the SVG."""
    return redirect(static("favicon.svg"), permanent=True)


urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("favicon.ico", favicon),
    path("bench/floor/", bench.floor),  # 404 unless BENCH is on (config/bench.py)
    path("admin/", admin.site.urls),
    # Changing the display language only sets a cookie, so it needs no CSRF token; public pages
    # carry this form and are cached for every anonymous reader (config/pagecache.py), so they
    # must not hold a per-visitor token.
    path("i18n/setlang/", csrf_exempt(set_language), name="set_language"),
    path("api/", include("incidents.api.urls")),
    path("", include("incidents.urls")),
]

# Static error pages that need no database; a database outage is a 503 (config/outage.py).
handler500 = "config.outage.server_error"
