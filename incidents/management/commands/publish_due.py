"""Publish the scheduled incidents whose embargo ("publish not before") has ended.

Run it every minute from cron or a systemd timer (docs/deploy.md). Safe to run concurrently
and as often as you like: each incident is published once, never before its time, and an
embargo an editor moved later (or an unschedule) meanwhile wins. Prints what it published;
exits 0 also when an incident due cannot be published (it is left scheduled and named on
stderr, by number only: its title is not public yet).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from incidents.services import publish_due


class Command(BaseCommand):
    help = __doc__

    def handle(self, *args, **options):
        result = publish_due()
        for incident in result.published:
            self.stdout.write(
                f"Published incident #{incident.pk} ({incident.get_absolute_url()}), "
                f"embargoed until {incident.publish_not_before.isoformat()}"
            )
        for incident, problems in result.held:
            self.stderr.write(
                f"Incident #{incident.pk} is due but was not published, and stays scheduled: "
                + " ".join(problems)
            )
        if options["verbosity"] > 1 and not result.published and not result.held:
            self.stdout.write("Nothing due.")
