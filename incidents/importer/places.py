"""A place record without a parent: put it in the hierarchy from what it does say.

Version-1 files (and hand-written ones) name a place's country by code and its province and
city as text. The importer finds those places in the database by any of their names (the
gazetteer seeds countries, provinces and cities), or creates them through the write services,
so that "Tumen detention centre, Tumen, Jilin, CN" lands under Jilin → Tumen.
"""

from __future__ import annotations

from django_countries import countries

from incidents.models import Location, LocationName
from incidents.places import name_variants
from incidents.services import save_record


def complete(imp, record: dict, values: dict, existing: Location | None, where) -> None:
    if "parent" in values:
        return
    kind = values.get("kind") or (existing.kind if existing else Location.Kind.CITY)
    if kind in (Location.Kind.REGION, Location.Kind.COUNTRY):
        if kind == Location.Kind.COUNTRY and not values.get("code") and not existing:
            code = str(record.get("country") or "").upper()
            if code in dict(countries):
                values["code"] = code
        return
    if existing is not None and existing.parent_id:
        return
    code = str(record.get("country") or "").upper()
    if code not in dict(countries):
        from incidents.importer.run import RecordFailed

        imp.problem(where("parent"), "say what this place is part of: the slug of its parent "
                                     "place, or at least its country code")  # fmt: skip
        raise RecordFailed
    parent = country_place(imp, code)
    province = (record.get("_v1_province") or "").strip()
    city = (record.get("_v1_city") or "").strip()
    name = values.get("name") or (existing.name if existing else "")
    if kind != Location.Kind.PROVINCE and province:
        parent = _find_or_create(imp, Location.Kind.PROVINCE, province, parent)
    in_a_city = kind not in (Location.Kind.PROVINCE, Location.Kind.CITY) and city
    if in_a_city and not (name_variants(city) & name_variants(name)):
        parent = _find_or_create(imp, Location.Kind.CITY, city, parent)
    values["parent"] = parent


def country_place(imp, code: str) -> Location:
    found = Location.objects.filter(kind=Location.Kind.COUNTRY, code=code).first()
    if found is None:
        result = save_record(user=imp.user, model=Location, values={
            "kind": Location.Kind.COUNTRY, "code": code, "name": str(countries.name(code)),
        })  # fmt: skip
        imp.report.count("location", "created")
        found = result.instance
    return found


def _find_or_create(imp, kind: str, name: str, parent: Location) -> Location:
    ids = LocationName.objects.filter(normalized__in=name_variants(name)).values("location_id")
    found = (
        Location.objects.filter(pk__in=ids, kind=kind, path__contains=f"/{parent.pk}/")
        .order_by("pk")
        .first()
    )
    if found is None:
        result = save_record(user=imp.user, model=Location,
                             values={"kind": kind, "name": name, "parent": parent})  # fmt: skip
        imp.report.count("location", "created")
        found = result.instance
    return found
