import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from tqdm import tqdm

from incidents.importer import ImportFileError, import_document, read_document


class Command(BaseCommand):
    help = (
        "Import incidents from the interchange format (JSON or CSV, see docs/data-format.md). "
        "Every record is validated like the admin does; nothing is written unless the whole "
        "file is valid. Importing the same file twice changes nothing. The import acts as "
        "--user and obeys that user's role exactly as the admin's import page does."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--user",
            required=True,
            help="Username of the staff member importing: the import has their permissions "
            "(caseworkers create drafts; editors may also publish and change published records).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Validate and report; write nothing."
        )
        parser.add_argument(
            "--publish",
            action="store_true",
            help="Publish records that are new here and whose status the file does not give "
            "(a public export). Without it they arrive as drafts for review.",
        )
        parser.add_argument(
            "--no-progress",
            action="store_true",
            help="No progress bar (there is none anyway for small files, with -v 0, or when "
            "standard error is not a terminal).",
        )

    def handle(
        self,
        *args,
        file: Path,
        user: str,
        dry_run=False,
        publish=False,
        no_progress=False,
        **options,
    ):
        staff = (
            get_user_model().objects.filter(username=user, is_active=True, is_staff=True).first()
        )
        if staff is None:
            raise CommandError(f"No active staff account '{user}': imports act as a staff member.")
        try:
            doc = read_document(file.read_bytes(), filename=file.name)
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}") from None
        except ImportFileError as exc:
            raise CommandError(f"{file}: {exc}") from None
        incidents = doc.get("incidents")
        total = len(incidents) if isinstance(incidents, list) else 0
        quiet = no_progress or options.get("verbosity", 1) == 0 or not sys.stderr.isatty()
        try:
            with tqdm(
                total=total, unit="incident", disable=quiet or total < 200, file=sys.stderr
            ) as bar:
                report = import_document(
                    doc,
                    user=staff,
                    dry_run=dry_run,
                    publish=publish,
                    progress=lambda n, _total: bar.update(n - bar.n),
                )
        except DatabaseError as exc:
            raise CommandError(
                f"The database is unavailable; nothing was imported ({exc})."
            ) from None
        for problem in report.problems:
            self.stderr.write(f"  {problem}")
        if not report.ok:
            raise CommandError(
                f"{report.reported} problem(s) found in {file}; nothing was imported."
            )
        verb = "Would import" if dry_run else "Imported"
        self.stdout.write(self.style.SUCCESS(f"{verb}: {report.summary()}."))
        if report.duplicates:
            self.stdout.write("Possible duplicates (nothing was merged; see the admin):")
            for line in report.duplicates:
                self.stdout.write(f"  {line}")
        if report.duplicates_unchecked:
            self.stdout.write(
                f"{report.duplicates_unchecked} incident(s) not checked for duplicates "
                "(a large file): their change pages list them."
            )
