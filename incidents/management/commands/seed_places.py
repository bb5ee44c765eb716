"""Seed the place hierarchy from the gazetteers (incidents.gazetteer): countries, provinces and
cities, offline. Run by the quick start; safe to run again (it adds only what is missing and
never overwrites what staff typed)."""

from __future__ import annotations

from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from incidents import gazetteer
from incidents.models import Location, LocationName
from incidents.places import derive, name_variants, normalized_names
from incidents.services.places import index_incidents


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument(
            "--countries",
            default=",".join(gazetteer.DEFAULT_COUNTRIES),
            help="ISO codes whose provinces and cities to seed (all countries are always "
            "seeded). Default: %(default)s",
        )
        parser.add_argument(
            "--no-cities", action="store_true", help="Countries and provinces only."
        )

    @transaction.atomic
    def handle(self, *args, countries: str, no_cities=False, **options):
        codes = tuple(c.strip().upper() for c in countries.split(",") if c.strip())
        unknown = [c for c in codes if not gazetteer.pycountry.countries.get(alpha_2=c)]
        if unknown:
            raise CommandError(f"Not ISO 3166 country codes: {', '.join(unknown)}")
        seeder = Seeder()
        seeder.seed(gazetteer.countries())
        seeder.seed(gazetteer.subdivisions(codes))
        if not no_cities:
            seeder.seed(gazetteer.cities(codes))
        seeder.finish()
        self.stdout.write(
            f"Places: {seeder.created} added, {seeder.adopted} already there linked to the "
            f"gazetteer, {seeder.kept} unchanged."
        )


class Seeder:
    def __init__(self):
        self.by_code = {p.code: p for p in Location.objects.exclude(code="")}
        self.created = self.adopted = self.kept = 0
        self.touched: list[Location] = []

    def _existing(self, entry, parent):
        """An uncoded place staff (or the demo) already made: same kind, same country, one of
        the gazetteer's names."""
        names = set()
        for text in (entry.name, entry.name_ko, entry.name_local, *entry.alternates):
            names |= name_variants(text) if text else set()
        candidates = Location.objects.filter(
            code="", kind=entry.kind, country=entry.country if entry.kind != "region" else "",
            pk__in=LocationName.objects.filter(normalized__in=names).values("location_id"),
        )  # fmt: skip
        return candidates.order_by("pk").first()

    def seed(self, entries) -> None:
        new = []
        for entry in entries:
            if entry.code in self.by_code:
                self.kept += 1
                continue
            parent = self.by_code.get(entry.parent_code) if entry.parent_code else None
            if entry.kind != "country" and parent is None:
                parent = self.by_code.get(entry.country)
            found = self._existing(entry, parent)
            if found is not None:
                self._adopt(found, entry, parent)
                continue
            place = Location(
                kind=entry.kind, name=entry.name[:200], name_ko=entry.name_ko[:200],
                name_local=entry.name_local[:200], code=entry.code, parent=parent,
                alternate_names="\n".join(entry.alternates)[:5000],
            )  # fmt: skip
            if entry.latitude is not None:
                place.latitude = Decimal(str(entry.latitude)).quantize(Decimal("0.000001"))
                place.longitude = Decimal(str(entry.longitude)).quantize(Decimal("0.000001"))
                place.coordinate_precision = Location.CoordinatePrecision.CITY
                place.coordinates_public = True  # a city centre endangers nobody
            if entry.kind == "country":
                place.country = entry.code
            new.append(place)
        self._create(new)

    def _create(self, places: list[Location]) -> None:
        from incidents.models.common import unique_slug

        taken = set(Location.objects.values_list("slug", flat=True))
        for place in places:
            base = unique_slug(Location, place.name) if place.name else "place"
            slug, n = base, 2
            while slug in taken:
                slug, n = f"{base}-{n}", n + 1
            taken.add(slug)
            place.slug = slug
            derive(place)
        Location.objects.bulk_create(places, batch_size=1000)
        for place in places:
            self.by_code[place.code] = place
        LocationName.objects.bulk_create(
            [LocationName(location=p, normalized=n) for p in places for n in normalized_names(p)],
            batch_size=5000,
            ignore_conflicts=True,
        )
        self.created += len(places)

    def _adopt(self, place: Location, entry, parent) -> None:
        place.code = entry.code
        for name in ("name_ko", "name_local"):
            if not getattr(place, name) and getattr(entry, name):
                setattr(place, name, getattr(entry, name)[:200])
        extra = [a for a in entry.alternates if a not in place.alternate_names.splitlines()]
        place.alternate_names = "\n".join([*place.alternate_names.splitlines(), *extra])[:5000]
        # A better parent: the gazetteer's, if the place now hangs only under its country.
        if parent is not None and place.parent_id and place.parent.kind == "country" and (
            parent.kind != "country"
        ):  # fmt: skip
            place.parent = parent
        place.save()
        self.by_code[entry.code] = place
        self.touched.append(place)
        self.adopted += 1

    def finish(self) -> None:
        """Places that gained a parent move their descendants and incidents with them."""
        from incidents.services.places import incidents_at, refresh_names, refresh_subtree

        if not self.touched:
            return
        refresh_names(self.touched)
        moved = set()
        for place in self.touched:
            moved.update(refresh_subtree(place))
        index_incidents(incidents_at(moved))
