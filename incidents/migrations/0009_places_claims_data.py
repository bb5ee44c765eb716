"""Move existing records into the new shapes (issue "Say exactly what the sources say").

Forward, for every existing record:
- places: each place gets a parent (its country; its province, found or created from the old
  `province` text; a site its city, found or created from the old `city` text); the derived
  columns, the name index and every incident's place index are filled;
- groups: `size` now counts North Koreans only. Where the old size included helpers and both
  figures are known, the North Koreans are the old size minus the helpers, by bounds ("8
  including 2 helpers" → 6; "at least 10 including 2" → at least 8); where that cannot be said
  honestly the size becomes unknown and an internal note keeps the old figure. Every known
  figure becomes the group's preferred claim, citing the incident's first public source (or,
  failing that, its first source; unsourced otherwise);
- sources: a publication date becomes a vague date of precision "day";
- estimates: the single source and its quotation become the first of the estimate's sources.
Backward: the reverse of each step (places created here are removed again; sizes get their
helpers back where they were subtracted).
"""

from django.db import migrations

from incidents.places import name_variants
from incidents.vague import CountQualifier

NOTE = "Created by migration 0009 from the old place text."
HELPERS_NOTE = "[migration 0009] size entered before helpers were counted apart:"


# -- places ---------------------------------------------------------------------------------------
def _slug(Location, text):
    from django.utils.text import slugify

    base = slugify(text)[:70].strip("-") or "place"
    slug, n = base, 2
    while Location.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def _same(a: str, b: str) -> bool:
    return bool(name_variants(a) & name_variants(b))


def _node(Location, *, kind, name, parent, country, cache):
    key = (kind, country, parent.pk if parent else None, sorted(name_variants(name))[-1])
    if key in cache:
        return cache[key]
    for candidate in Location.objects.filter(kind=kind, country=country):
        if _same(candidate.name, name) and (parent is None or candidate.parent_id in (None, parent.pk)):
            cache[key] = candidate
            return candidate
    node = Location.objects.create(
        kind=kind, name=name, slug=_slug(Location, name), parent=parent, country=country,
        notes_internal=NOTE,
    )  # fmt: skip
    cache[key] = node
    return node


def _derive(location, parent):
    if parent is None:
        location.path = "/"
        location.province = location.city = ""
    else:
        location.path = f"{parent.path or '/'}{parent.pk}/"
        location.country = parent.country
        location.province = parent.name if parent.kind == "province" else parent.province
        location.city = parent.name if parent.kind == "city" else parent.city
    if location.kind == "province":
        location.province = location.name
    if location.kind == "city":
        location.city = location.name


def places_forward(apps, schema_editor):
    from django_countries import countries

    Location = apps.get_model("incidents", "Location")
    LocationName = apps.get_model("incidents", "LocationName")
    cache = {}
    existing = list(Location.objects.order_by("pk"))
    for place in existing:
        code = str(place.country or "")
        if not code or place.kind in ("country", "region"):
            continue
        country = Location.objects.filter(kind="country", code=code).first()
        if country is None:
            country = Location.objects.create(
                kind="country", code=code, name=str(countries.name(code)) or code,
                slug=_slug(Location, str(countries.name(code)) or code), country=code,
                notes_internal=NOTE,
            )  # fmt: skip
        parent = country
        old_province, old_city = place.province.strip(), place.city.strip()
        if place.kind != "province" and old_province:
            parent = _node(Location, kind="province", name=old_province, parent=country,
                           country=code, cache=cache)  # fmt: skip
        if place.kind not in ("province", "city") and old_city and not _same(old_city, place.name):
            parent = _node(Location, kind="city", name=old_city, parent=parent, country=code,
                           cache=cache)  # fmt: skip
        if place.pk != parent.pk:
            place.parent = parent
            place.save(update_fields=["parent"])
    # Derived columns, top down.
    by_pk = {p.pk: p for p in Location.objects.all()}
    done = set()

    def fix(place):
        if place.pk in done:
            return
        parent = by_pk.get(place.parent_id)
        if parent is not None:
            fix(parent)
        _derive(place, parent)
        done.add(place.pk)

    for place in by_pk.values():
        fix(place)
    Location.objects.bulk_update(by_pk.values(), ["path", "country", "province", "city"])
    names = []
    for place in by_pk.values():
        spellings = [place.name, place.name_ko, place.name_local, place.slug]
        if place.kind == "country" and place.code:
            spellings.append(place.code)
        variants = set()
        for text in filter(None, spellings):
            variants |= name_variants(text)
        names += [LocationName(location_id=place.pk, normalized=v[:200]) for v in variants]
    LocationName.objects.bulk_create(names, ignore_conflicts=True)


def places_backward(apps, schema_editor):
    Location = apps.get_model("incidents", "Location")
    Location.objects.update(parent=None)
    Location.objects.filter(notes_internal=NOTE).delete()


def index_forward(apps, schema_editor):
    Location = apps.get_model("incidents", "Location")
    IncidentPlace = apps.get_model("incidents", "IncidentPlace")
    DetaineeGroup = apps.get_model("incidents", "DetaineeGroup")
    CustodyEvent = apps.get_model("incidents", "CustodyEvent")
    paths = dict(Location.objects.values_list("pk", "path"))
    pairs = set()
    named = [*DetaineeGroup.objects.filter(arrest_location__isnull=False).values_list(
        "incident_id", "arrest_location_id"), *CustodyEvent.objects.filter(
        location__isnull=False).values_list("group__incident_id", "location_id")]  # fmt: skip
    for incident_id, location_id in named:
        for pk in [location_id, *(int(x) for x in paths[location_id].strip("/").split("/") if x)]:
            pairs.add((incident_id, pk))
    IncidentPlace.objects.bulk_create(
        [IncidentPlace(incident_id=i, location_id=loc) for i, loc in sorted(pairs)]
    )


# -- groups: helpers apart, figures as claims -----------------------------------------------------
def _bounds(value, qualifier):
    if value is None:
        return 0, None
    return {
        "exact": (value, value), "about": (value, value), "at_least": (value, None),
        "more_than": (value + 1, None), "at_most": (0, value),
    }.get(qualifier, (0, None))  # fmt: skip


def _north_koreans(group):
    """(value, qualifier) for the old size minus helpers, or None if it cannot be said."""
    size_low, size_high = _bounds(group.size_value, group.size_qualifier)
    help_low, help_high = _bounds(group.helpers_value, group.helpers_qualifier)
    if help_high is None:
        return None
    low = max(size_low - help_high, 0)
    high = None if size_high is None else size_high - help_low
    about = "about" in (group.size_qualifier, group.helpers_qualifier)
    if high is not None and high < 0:
        return None
    if about:
        return (size_low - help_low, "about") if size_low - help_low > 0 else None
    if high is None:
        return (low, "at_least") if low > 0 else None
    if low == high:
        return (low, "exact")
    return (low, "range", high)


def groups_forward(apps, schema_editor):
    DetaineeGroup = apps.get_model("incidents", "DetaineeGroup")
    CountClaim = apps.get_model("incidents", "CountClaim")
    Citation = apps.get_model("incidents", "Citation")
    claims = []
    for group in DetaineeGroup.objects.order_by("pk"):
        if group.helpers_value is not None and group.size_value is not None:
            old = (group.size_value, group.size_qualifier)
            new = _north_koreans(group)
            group.notes_internal = (
                f"{group.notes_internal}\n\n" if group.notes_internal else ""
            ) + f"{HELPERS_NOTE} {old[0]} ({old[1]}) including the helpers."
            if new is None:
                group.size_value, group.size_qualifier, group.size_high = None, "unknown", None
            else:
                group.size_value, group.size_qualifier = new[0], new[1]
                group.size_high = new[2] if len(new) == 3 else None
            group.save(update_fields=["size_value", "size_qualifier", "size_high",
                                      "notes_internal"])  # fmt: skip
        cited = Citation.objects.filter(incident_id=group.incident_id).order_by(
            "source__confidential", "pk"
        )
        first = cited.first()
        for part in ("size", "women", "men", "minors", "helpers"):
            value = getattr(group, f"{part}_value")
            if value is None:
                continue
            claims.append(CountClaim(
                group=group, part=part, value=value, value_high=getattr(group, f"{part}_high"),
                qualifier=getattr(group, f"{part}_qualifier"),
                source_id=first.source_id if first else None, preferred=True,
                wording="as entered before claims were recorded",
            ))  # fmt: skip
    CountClaim.objects.bulk_create(claims)


def groups_backward(apps, schema_editor):
    DetaineeGroup = apps.get_model("incidents", "DetaineeGroup")
    for group in DetaineeGroup.objects.filter(notes_internal__contains=HELPERS_NOTE):
        note = group.notes_internal.split(HELPERS_NOTE, 1)[1].strip()
        value, qualifier = note.split(" ", 1)[0], note.split("(", 1)[1].split(")", 1)[0]
        group.size_value, group.size_qualifier, group.size_high = int(value), qualifier, None
        group.notes_internal = group.notes_internal.split(HELPERS_NOTE, 1)[0].rstrip()
        group.save(update_fields=["size_value", "size_qualifier", "size_high", "notes_internal"])
    DetaineeGroup.objects.filter(size_qualifier=CountQualifier.RANGE).update(
        size_value=None, size_high=None, size_qualifier="unknown"
    )


# -- sources and estimates ------------------------------------------------------------------------
def sources_forward(apps, schema_editor):
    Source = apps.get_model("incidents", "Source")
    for source in Source.objects.exclude(published_on=None):
        source.date_earliest = source.date_latest = source.published_on
        source.date_precision = "day"
        source.save(update_fields=["date_earliest", "date_latest", "date_precision"])
    Estimate = apps.get_model("incidents", "Estimate")
    EstimateSource = apps.get_model("incidents", "EstimateSource")
    EstimateSource.objects.bulk_create(
        EstimateSource(estimate_id=e.pk, source_id=e.source_id, claim=e.claim)
        for e in Estimate.objects.exclude(source=None)
    )


def sources_backward(apps, schema_editor):
    Source = apps.get_model("incidents", "Source")
    for source in Source.objects.filter(date_precision="day"):
        source.published_on = source.date_earliest
        source.save(update_fields=["published_on"])
    Estimate = apps.get_model("incidents", "Estimate")
    EstimateSource = apps.get_model("incidents", "EstimateSource")
    for estimate in Estimate.objects.all():
        first = EstimateSource.objects.filter(estimate_id=estimate.pk).order_by("pk").first()
        if first is not None:
            estimate.source_id, estimate.claim = first.source_id, first.claim
            estimate.save(update_fields=["source", "claim"])


class Migration(migrations.Migration):
    dependencies = [("incidents", "0008_places_claims_actors")]

    operations = [
        migrations.RunPython(sources_forward, sources_backward),
        migrations.RunPython(places_forward, places_backward),
        migrations.RunPython(index_forward, migrations.RunPython.noop),
        migrations.RunPython(groups_forward, groups_backward),
    ]
