"""Keeping the place hierarchy's copies exact: every place's name index and derived columns,
and every incident's place index (IncidentPlace). Called by the write services after a place
or an incident changes; tests/test_places.py checks that nothing ever drifts.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q

from incidents.models import CustodyEvent, DetaineeGroup, IncidentPlace, Location, LocationName
from incidents.places import derive, normalized_names


def refresh_names(locations: Iterable[Location]) -> None:
    locations = list(locations)
    LocationName.objects.filter(location__in=locations).delete()
    LocationName.objects.bulk_create(
        [LocationName(location=place, normalized=n) for place in locations
         for n in normalized_names(place)],
        ignore_conflicts=True,
    )  # fmt: skip


def refresh_subtree(location: Location) -> list[int]:
    """Re-derive the place's descendants (after its name, kind or parent changed); returns the
    ids of the place and all its descendants."""
    # By the place's id anywhere in the path: descendants still carry the old path if the
    # place itself just moved.
    below = list(Location.objects.filter(path__contains=f"/{location.pk}/").order_by("pk"))
    by_pk = {location.pk: location} | {p.pk: p for p in below}
    for place in sorted(below, key=lambda p: len(p.ancestor_ids())):
        place.parent = by_pk.get(place.parent_id) or place.parent
        derive(place)
    if below:
        Location.objects.bulk_update(below, ["path", "country", "province", "city"])
    return list(by_pk)


def incidents_at(location_ids: Iterable[int]) -> set[int]:
    """Incidents naming any of these places (as a place of arrest or of an event)."""
    ids = list(location_ids)
    found = set(
        DetaineeGroup.objects.filter(arrest_location_id__in=ids).values_list(
            "incident_id", flat=True
        )
    )
    found |= set(
        CustodyEvent.objects.filter(location_id__in=ids).values_list(
            "group__incident_id", flat=True
        )
    )
    return found


def expected_index(incident_ids: Iterable[int] | None = None) -> set[tuple[int, int]]:
    """(incident, place) pairs the index should hold: each named place and its ancestors."""
    groups = DetaineeGroup.objects.filter(arrest_location__isnull=False)
    events = CustodyEvent.objects.filter(location__isnull=False)
    if incident_ids is not None:
        ids = list(incident_ids)
        groups, events = (
            groups.filter(incident_id__in=ids),
            events.filter(group__incident_id__in=ids),
        )
    named = [
        *groups.values_list("incident_id", "arrest_location_id"),
        *events.values_list("group__incident_id", "location_id"),
    ]
    paths = dict(
        Location.objects.filter(pk__in={loc for _i, loc in named}).values_list("pk", "path")
    )
    pairs = set()
    for incident_id, location_id in named:
        pairs.add((incident_id, location_id))
        for ancestor in (paths.get(location_id) or "").strip("/").split("/"):
            if ancestor:
                pairs.add((incident_id, int(ancestor)))
    return pairs


def index_incidents(incident_ids: Iterable[int]) -> None:
    """Make IncidentPlace exact for these incidents (only the differences are written)."""
    ids = set(incident_ids)
    if not ids:
        return
    want = expected_index(ids)
    have = set(
        IncidentPlace.objects.filter(incident_id__in=ids).values_list("incident_id", "location_id")
    )
    gone = have - want
    if gone:
        condition = Q()
        for incident_id, location_id in gone:
            condition |= Q(incident_id=incident_id, location_id=location_id)
        IncidentPlace.objects.filter(condition).delete()
    IncidentPlace.objects.bulk_create(
        [IncidentPlace(incident_id=i, location_id=loc) for i, loc in sorted(want - have)],
        ignore_conflicts=True,
    )


def after_place_saved(location: Location, changed: Iterable[str], *, created: bool) -> None:
    changed = set(changed)
    naming = {"name", "name_ko", "name_local", "alternate_names", "slug", "code", "kind"}
    if created or changed & naming:
        refresh_names([location])
    if not created and changed & {"parent", "name", "kind"}:
        subtree = refresh_subtree(location)
        if "parent" in changed:
            index_incidents(incidents_at(subtree))
    if not created and changed & {"parent", "name", "name_ko", "name_local", "alternate_names"}:
        from incidents.services import search_index

        # The search documents hold the names of every place at and above an incident's.
        search_index.refresh_at_places([location.pk])
