"""Thin public views: published() queryset + IncidentFilterSet + public dicts + template."""

from django.conf import settings
from django.http import Http404, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_safe

from incidents import cache
from incidents.filters import IncidentFilterSet
from incidents.listing import CountedPaginator, filter_form_context, filter_querystring
from incidents.models import Incident
from incidents.public import Memo, public_card, public_corrections, public_incident
from incidents.querysets import published_survivor
from incidents.search import best_matches_first


@require_safe
def home(request):
    latest = Incident.objects.published().newest_first().with_card_relations()[:5]
    memo = Memo()
    return render(
        request,
        "incidents/home.html",
        {
            "latest": [public_card(i, memo) for i in latest],
            "published_count": cache.aggregate("published-count", published_count),
        },
    )


def published_count() -> int:
    return Incident.objects.published().count()


@require_safe
def incident_list(request):
    filterset = IncidentFilterSet.public(request.GET)
    status = 200
    if filterset.is_valid():
        ranked = best_matches_first(filterset.qs, filterset.form.cleaned_data.get("q"))
        queryset = ranked.newest_first().with_card_relations()
    else:
        # A malformed query string is the client's error: say what is wrong, show no rows.
        queryset = Incident.objects.none()
        status = 400
    paginator = CountedPaginator(
        queryset,
        settings.PUBLIC_PAGE_SIZE,
        # An exact count costs a pass over every match (e.g. 66,667 for a common word); it is
        # the same for every page of the same filters until something public changes.
        count=lambda: cache.aggregate(
            "list-count:" + filter_querystring(request.GET), queryset.count
        ),
    )
    page = paginator.get_page(request.GET.get("page"))
    memo = Memo()
    context = filter_form_context(request, filterset) | {
        "page": page,
        "incidents": [public_card(i, memo) for i in page.object_list],
    }
    return render(request, "incidents/incident_list.html", context, status=status)


@require_safe
def incident_detail(request, slug):
    incident = (
        Incident.objects.published()
        .with_public_relations()
        .with_corrections()
        .filter(slug=slug)
        .first()
    )
    if incident is None:
        # A record merged into another: its old address leads to the survivor for good, once
        # that is published; otherwise this is a 404 like any unpublished record.
        survivor = published_survivor(slug)
        if survivor is not None:
            return HttpResponsePermanentRedirect(survivor.get_absolute_url())
        raise Http404(gettext("No published incident at this address."))
    data = public_incident(incident)
    data["corrections"] = public_corrections(incident)
    return render(
        request,
        "incidents/incident_detail.html",
        {
            "incident": data,
            "has_claims": any(g["claims"] for g in data["groups"]),
            "permalink": request.build_absolute_uri(data["url"]),
            "accessed_on": timezone.localdate(),
        },
    )
