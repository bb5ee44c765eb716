import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from incidents.importer import ImportFileError, import_document, read_document


class Command(BaseCommand):
    help = (
        "Import incidents from the interchange format (JSON or CSV, see docs/data-format.md). "
        "Every record is validated like the admin does; nothing is written unless the whole "
        "file is valid. Importing the same file twice changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--dry-run", action="store_true", help="Validate and report; write nothing."
        )
        parser.add_argument(
            "--publish",
            action="store_true",
            help="Publish records that are new here and whose status the file does not give "
            "(a public export). Without it they arrive as drafts for review.",
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, file: Path, dry_run=False, publish=False, no_progress=False, **options):
        try:
            doc = read_document(file.read_bytes(), filename=file.name)
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}") from None
        except (ImportFileError, UnicodeDecodeError) as exc:
            raise CommandError(f"{file}: {exc}") from None
        total = len(doc.get("incidents") or [])
        with tqdm(
            total=total, unit="incident", disable=no_progress or total < 200, file=sys.stderr
        ) as bar:
            report = import_document(
                doc,
                dry_run=dry_run,
                publish=publish,
                progress=lambda n, _total: bar.update(n - bar.n),
            )
        for problem in report.problems:
            self.stderr.write(f"  {problem}")
        if not report.ok:
            raise CommandError(
                f"{len(report.problems)} problem(s) found in {file}; nothing was imported."
            )
        verb = "Would import" if dry_run else "Imported"
        self.stdout.write(self.style.SUCCESS(f"{verb}: {report.summary()}."))
