"""Thin public views: published() queryset + IncidentFilterSet + public dicts + template."""

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_safe
from django_countries import countries

from incidents.filters import IncidentFilterSet
from incidents.listing import active_filters, filter_querystring
from incidents.models import DetaineeGroup, Incident, Location, Outcome
from incidents.public import public_incident
from incidents.querysets import Status


@require_safe
def home(request):
    latest = Incident.objects.published().newest_first().with_public_relations(citations=False)[:5]
    return render(
        request,
        "incidents/home.html",
        {
            "latest": [public_incident(i, with_citations=False) for i in latest],
            "published_count": Incident.objects.published().count(),
        },
    )


@require_safe
def incident_list(request):
    filterset = IncidentFilterSet(request.GET, queryset=Incident.objects.published())
    status = 200
    if filterset.is_valid():
        queryset = filterset.qs.newest_first().with_public_relations(citations=False)
    else:
        # A malformed query string is the client's error: say what is wrong, show no rows.
        queryset = Incident.objects.none()
        status = 400
    page = Paginator(queryset, settings.PUBLIC_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "filterset": filterset,
        "page": page,
        "incidents": [public_incident(i, with_citations=False) for i in page.object_list],
        "active_filters": active_filters(filterset),
        "querystring": filter_querystring(request.GET),
        "places": public_place_names(),
        "countries": public_countries(),
        "outcomes": Outcome.choices,
    }
    return render(request, "incidents/incident_list.html", context, status=status)


@require_safe
def incident_detail(request, slug):
    incident = Incident.objects.published().with_public_relations().filter(slug=slug).first()
    if incident is None:
        raise Http404(gettext("No published incident at this address."))
    data = public_incident(incident)
    return render(
        request,
        "incidents/incident_detail.html",
        {
            "incident": data,
            "permalink": request.build_absolute_uri(data["url"]),
            "accessed_on": timezone.localdate(),
        },
    )


def _public_places():
    """Places used by at least one published incident (others may belong to drafts only)."""
    used = DetaineeGroup.objects.filter(incident__status=Status.PUBLISHED)
    return Location.objects.filter(
        Exists(used.filter(arrest_location=OuterRef("pk")))
        | Exists(used.filter(events__location=OuterRef("pk")))
    )


def public_place_names() -> list[str]:
    """Suggestions for the city filter."""
    return list(_public_places().order_by("name").values_list("name", flat=True))


def public_countries() -> list[tuple[str, str]]:
    """(code, name) choices for the country filter, from published places only."""
    codes = set(_public_places().values_list("country", flat=True))
    return sorted(((code, str(countries.name(code))) for code in codes), key=lambda c: c[1])
