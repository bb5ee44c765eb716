import sys
from pathlib import Path

from django.core.management.base import BaseCommand

from incidents.interchange import FULL, PUBLIC, full_export_incidents, iter_csv, iter_json
from incidents.interchange.csvzip import write_zip
from incidents.models import Incident


class Command(BaseCommand):
    help = (
        "Export incidents in the interchange format (JSON; the main CSV sheet if FILE ends in "
        ".csv; the complete CSV rendering, every sheet, if it ends in .zip; '-' for standard "
        "output). Without --all: published records and public fields only, "
        "exactly as the public export. With --all: every record and every field, including "
        "drafts, internal notes and confidential sources — for backups and moving instances. "
        "Keep such files as safe as the database itself."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--all", action="store_true", help="Include drafts and restricted data."
        )

    def handle(self, *args, file: str, all=False, **options):
        scope = FULL if all else PUBLIC
        incidents = full_export_incidents()
        if scope == PUBLIC:
            incidents = Incident.objects.published().newest_first()
        if file.endswith(".zip"):
            with Path(file).open("wb") as out:
                write_zip(incidents, scope=scope, fileobj=out)
            self.stderr.write(f"Wrote {file} ({scope} scope).")
            return
        render = iter_csv if file.endswith(".csv") else iter_json
        if file == "-":
            self._write(sys.stdout, render(incidents, scope=scope))
            return
        with Path(file).open("w", encoding="utf-8", newline="") as out:
            self._write(out, render(incidents, scope=scope))
        self.stderr.write(f"Wrote {file} ({scope} scope).")

    def _write(self, out, chunks) -> None:
        for chunk in chunks:
            out.write(chunk)
