from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from incidents.models import Incident
from incidents.synthetic import generate


class Command(BaseCommand):
    help = (
        "Create N synthetic incidents with every field filled (for benchmarks and trying out "
        "exports). About two thirds are PUBLISHED, so never run this on a production database: "
        "it refuses when incidents exist unless --force is given."
    )

    def add_arguments(self, parser):
        parser.add_argument("count", type=int)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument(
            "--force", action="store_true", help="Add to a database that already has incidents."
        )

    def handle(self, *args, count: int, seed: int = 0, force=False, **options):
        if count < 1:
            raise CommandError("COUNT must be at least 1.")
        if Incident.objects.exists() and not force:
            raise CommandError(
                "The database already has incidents; synthetic records would be published "
                "beside them. Use an empty database, or --force on a scratch copy."
            )
        with transaction.atomic():
            data = generate(count, seed=seed)
        self.stdout.write(
            self.style.SUCCESS(
                f"Created {len(data.incidents)} synthetic incidents "
                f"({len(data.published)} published), {len(data.groups)} groups, "
                f"{len(data.events)} events, {len(data.citations)} citations, "
                f"{len(data.estimates)} estimates."
            )
        )
