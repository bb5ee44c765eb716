"""Public pages for understanding the record: timeline, statistics, map, urgent cases."""

from __future__ import annotations

import csv

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext
from django.views.decorators.http import require_safe

from incidents import cache, geomap, statistics, timeline, urgent
from incidents.charts import bar_chart
from incidents.csvsafe import protect_row
from incidents.exports import bad_filters_text, filter_errors
from incidents.filters import IncidentFilterSet
from incidents.listing import CountedPaginator, filter_form_context, filter_querystring
from incidents.models import Incident, Location
from incidents.public import Memo, korean, public_card, public_location
from incidents.querysets import published_incidents_under, published_place_counts
from incidents.urgent import at_risk_groups, longest_in_custody_first, public_row, urgent_cases
from incidents.vague import CountTotal

TIMELINE_PAGE_SIZE = 200


def _filtered(request):
    """(filterset, queryset or None if the filters are invalid) for published incidents."""
    filterset = IncidentFilterSet.public(request.GET)
    return filterset, (filterset.qs if filterset.is_valid() else None)


@require_safe
def timeline_view(request):
    filterset, incidents = _filtered(request)
    if incidents is None:
        incidents = Incident.objects.none()
    ordered = incidents.chronological().with_card_relations()
    paginator = CountedPaginator(
        ordered,
        TIMELINE_PAGE_SIZE,
        count=lambda: cache.aggregate(
            "timeline-count:" + filter_querystring(request.GET), ordered.count
        ),
    )
    page = paginator.get_page(request.GET.get("page"))
    memo = Memo()
    years, undated = timeline.build([public_card(i, memo) for i in page])
    context = filter_form_context(request, filterset) | {
        "page": page,
        "years": years,
        "undated": undated,
    }
    status = 400 if filterset.errors else 200
    return render(request, "incidents/timeline.html", context, status=status)


# Filters that select incidents by what estimates do not have (a place below the country, an
# outcome, an authority, words): with any of them, estimates are left out, and the page says so.
NOT_FOR_ESTIMATES = ("city", "outcome", "actor", "q")


def _statistics(request):
    filterset, incidents = _filtered(request)
    if incidents is None:
        return filterset, None
    data = filterset.form.cleaned_data
    # Seconds of aggregation at archive scale: cached per filter combination (and language)
    # until something public changes (incidents.cache).
    figures = cache.aggregate(
        "statistics:" + filter_querystring(request.GET),
        lambda: statistics.compute(
            incidents,
            estimate_filters={
                "country": data.get("country") or "",
                "start": data.get("date_after"),
                "end": data.get("date_before"),
            },
        ),
    )
    blocking = [
        str(filterset.form.fields[name].label) for name in NOT_FOR_ESTIMATES if data.get(name)
    ]
    if blocking:
        figures["estimates"] = []
        figures["estimates_left_out_for"] = blocking
    return filterset, figures


@require_safe
def statistics_view(request):
    filterset, figures = _statistics(request)
    context = filter_form_context(request, filterset) | {"figures": figures}
    if figures is not None:
        context["chart"] = bar_chart(
            gettext("North Koreans arrested per year (lower bounds)"),
            [(row.label, row.figure("arrested")) for row in figures["years"]],
        )
        everyone = CountTotal.zero()
        for row in figures["outcomes"]:
            everyone = everyone + row.figure("people")
        context["outcome_total"] = everyone.localized()
        context["outcome_rows"] = [
            (row, statistics.share(row.figure("people"), everyone)) for row in figures["outcomes"]
        ]
    status = 400 if figures is None else 200
    return render(request, "incidents/statistics.html", context, status=status)


@require_safe
def statistics_csv(request):
    # A download, like the exports: English and stable whatever language the page is read in.
    with translation.override("en"):
        return _statistics_csv(request)


def _statistics_csv(request):
    filterset, figures = _statistics(request)
    if figures is None:
        return bad_filters_text(filter_errors(filterset))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="refoulement-watch-statistics.csv"'
    response.write("\ufeff")
    writer = _ProtectedWriter(csv.writer(response))
    writer.writerow(["table", "row", *statistics.COLUMNS, "people", "incidents",
                     *ESTIMATE_COLUMNS])  # fmt: skip
    for table in ("years", "places", "outcomes", "actors"):
        for row in figures[table]:
            writer.writerow(
                [table, row.label, *(row.figure(c).render() for c in statistics.COLUMNS),
                 row.figure("people").render() if table == "outcomes" else "",
                 row.incidents, *("" for _ in ESTIMATE_COLUMNS)]
            )  # fmt: skip
    # Estimates are not counts of incidents: their figure goes in its own column, never under
    # "arrested" or "incidents", with who made it and the sources, as on the page.
    for estimate in figures["estimates"]:
        writer.writerow(
            ["source estimates", f"{estimate['description']} ({_period(estimate)})",
             *("" for _ in statistics.COLUMNS), "", "",
             estimate["figure"], estimate["attributed_to"],
             "; ".join(s["source"]["display_title"] for s in estimate["sources"])]
        )  # fmt: skip
    return response


ESTIMATE_COLUMNS = ("estimate", "estimated by", "source")


class _ProtectedWriter:
    """csv.writer whose cells cannot run as spreadsheet formulas (incidents.csvsafe)."""

    def __init__(self, writer):
        self.writer = writer

    def writerow(self, row):
        return self.writer.writerow(protect_row(row))


def _period(estimate: dict) -> str:
    start, end = estimate["period_start"].year, estimate["period_end"].year
    return str(start) if start == end else f"{start}–{end}"


def map_places() -> list[tuple[Location, int]]:
    """Places used by published incidents, with the number of incidents each appears in."""
    counts = cache.aggregate("place-counts", published_place_counts)
    places = Location.objects.filter(pk__in=counts)
    return sorted(((p, counts[p.pk]) for p in places), key=lambda pc: (-pc[1], pc[0].name))


@require_safe
def map_view(request):
    listed = []
    for place, incident_count in map_places():
        listed.append(public_location(place) | {"incident_count": incident_count, "id": place.pk})
    positioned = [p for p in listed if p["latitude"] is not None]
    frame = geomap.fit([(p["longitude"], p["latitude"]) for p in positioned])
    # Places at the same spot (a city and a consulate in it) share one circle.
    spots: dict[tuple[float, float], list[dict]] = {}
    for place in positioned:
        spots.setdefault(frame.xy(place["longitude"], place["latitude"]), []).append(place)
    # Each incident once per circle, though it may be at both the city and the consulate.
    shared = [p["id"] for places in spots.values() if len(places) > 1 for p in places]
    under = published_incidents_under(shared) if shared else {}
    drawn = []
    for (x, y), places in spots.items():
        if len(places) > 1:
            count = len(set().union(*(under.get(p["id"], set()) for p in places)))
        else:
            count = places[0]["incident_count"]
        approximate = all(p["coordinate_precision"] in ("province", "country") for p in places)
        drawn.append({
            "x": x, "y": y, "places": places, "incident_count": count,
            "approximate": approximate, "slug": places[0]["slug"],
            "name": (korean() and places[0]["name_ko"]) or places[0]["city"] or places[0]["name"],
            "r": min(5 + 3 * count, 24) + (16 if approximate else 0),
        })  # fmt: skip
    context = {
        "frame": frame,
        "countries": [(geomap.country_name(n), path) for n, path in geomap.country_paths(frame)],
        "drawn": drawn,
        "listed": listed,
    }
    return render(request, "incidents/map.html", context)


URGENT_PAGE_SIZE = 50


@require_safe
def urgent_view(request):
    tab = request.GET.get("tab") or urgent.RECENT
    if tab not in urgent.TABS:
        context = {"cases": [], "page": None, "tabs": [], "error": gettext("Unknown tab.")}
        return render(request, "incidents/urgent.html", context, status=400)
    tabs = []
    for name in urgent.TABS:
        groups = longest_in_custody_first(at_risk_groups(), tab=name)
        count = cache.aggregate(f"urgent-count:{name}", groups.count)
        tabs.append({"name": name, "count": count, "active": name == tab})
        if name == tab:
            chosen, total = groups, count
    page = CountedPaginator(chosen, URGENT_PAGE_SIZE, count=lambda: total).get_page(
        request.GET.get("page")
    )
    rows = [public_row(case) for case in urgent_cases(page.object_list)]
    context = {"cases": rows, "page": page, "tab": tab, "tabs": tabs,
               "querystring": "" if tab == urgent.RECENT else f"tab={tab}",
               "recent_months": urgent.RECENT_DAYS * 12 // 365}  # fmt: skip
    return render(request, "incidents/urgent.html", context)
