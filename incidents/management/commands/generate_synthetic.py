from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from tqdm import tqdm

from incidents.models import Incident
from incidents.synthetic import BATCH, generate


class Command(BaseCommand):
    help = (
        "Create N synthetic incidents with every field filled (for benchmarks and trying out "
        "exports). About two thirds are PUBLISHED, so never run this on a production database: "
        "it refuses when incidents exist unless --force is given. Written in batches, in one "
        "transaction; VACUUM ANALYZE follows on PostgreSQL."
    )

    def add_arguments(self, parser):
        parser.add_argument("count", type=int)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument(
            "--force", action="store_true", help="Add to a database that already has incidents."
        )
        parser.add_argument(
            "--batch-size", type=int, default=BATCH, help="Incidents written per batch."
        )

    def handle(self, *args, count: int, seed: int = 0, force=False, batch_size=BATCH, **options):
        if count < 1:
            raise CommandError("COUNT must be at least 1.")
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        if Incident.objects.exists() and not force:
            raise CommandError(
                "The database already has incidents; synthetic records would be published "
                "beside them. Use an empty database, or --force on a scratch copy."
            )
        # A bar on a terminal only (disable=None): logs and tests stay quiet.
        with tqdm(total=count, unit="incident", disable=None) as bar:

            def progress(done, _total):
                bar.update(done - bar.n)

            with transaction.atomic():
                data = generate(
                    count, seed=seed, progress=progress, batch_size=batch_size, keep=False
                )
        if connection.vendor == "postgresql":
            # Fresh planner statistics for the new rows; VACUUM also sets the visibility map,
            # without which counts cannot be index-only scans (55 -> 6 ms for the published
            # count at 100k; docs/performance.md). VACUUM cannot run inside a transaction.
            statement = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
            with connection.cursor() as cursor:
                cursor.execute(statement)
        made = data.counts
        self.stdout.write(
            self.style.SUCCESS(
                f"Created {made['incidents']} synthetic incidents "
                f"({made['published']} published), {made['groups']} groups, "
                f"{made['events']} events, {made['citations']} citations, "
                f"{made['estimates']} estimates."
            )
        )
