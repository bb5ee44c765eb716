import json

from django.core.management.base import BaseCommand

from ops.backup import table_counts


class Command(BaseCommand):
    help = "Print every table's row count as JSON (to compare a database with its restore)."

    def handle(self, *args, **options):
        self.stdout.write(json.dumps(table_counts(), indent=1))
