from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from incidents.models import Incident

DEMO_FIXTURE = settings.BASE_DIR / "fixtures" / "demo.json"


class Command(BaseCommand):
    help = "Load the demo data set (fixtures/demo.json) into an empty database."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="Load even if incidents already exist."
        )

    def handle(self, *args, force=False, **options):
        if Incident.objects.exists() and not force:
            self.stdout.write("Demo data not loaded: the database already has incidents.")
            return
        call_command("loaddata", str(DEMO_FIXTURE), verbosity=0)
        self.stdout.write(
            self.style.SUCCESS(f"Loaded demo data: {Incident.objects.count()} incidents.")
        )
