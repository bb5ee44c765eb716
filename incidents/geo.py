"""/locations.geojson: the places used by published incidents, as a GeoJSON FeatureCollection.

A place whose coordinates are not public (a safe house, a worksite) is still listed, so its
incidents can be found, but with `"geometry": null`. Three queries, however many places.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

from django.http import HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_safe

from incidents import cache
from incidents.models import Location
from incidents.public import public_location
from incidents.querysets import published_place_counts

PROPERTIES = ("slug", "name", "name_ko", "name_local", "kind", "city", "province", "country")


def feature(location: Location, incident_count: int, list_url: str) -> dict:
    place = public_location(location)  # the allow-list: no notes, no private coordinates
    geometry = None
    if place["latitude"] is not None:
        geometry = {"type": "Point", "coordinates": [place["longitude"], place["latitude"]]}
    properties = {name: place[name] for name in PROPERTIES}
    properties |= {
        "kind_label": place["kind_label"],
        "country_name": place["country_name"],
        "coordinate_precision": place["coordinate_precision"],
        "incident_count": incident_count,
        "url": f"{list_url}?{urlencode({'city': place['slug']})}",
    }
    return {"type": "Feature", "id": place["slug"], "geometry": geometry, "properties": properties}


@require_safe
def locations_geojson(request):
    counts = cache.aggregate("place-counts", published_place_counts)
    places = Location.objects.filter(pk__in=list(counts)).order_by("country", "name", "slug")
    list_url = request.build_absolute_uri(reverse("incidents:list"))
    collection = {
        "type": "FeatureCollection",
        "features": [feature(p, counts[p.pk], list_url) for p in places],
    }
    return HttpResponse(
        json.dumps(collection, ensure_ascii=False),
        content_type="application/geo+json; charset=utf-8",
    )
