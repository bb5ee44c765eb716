import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ops.backup import BackupError, restore, table_counts


class Command(BaseCommand):
    help = (
        "Restore an encrypted backup (FILE.gpg, decrypted with this machine's GnuPG key) or a "
        "decrypted one from standard input ('-') into the configured database, which must be "
        "empty unless --replace is given. Prints every table's row count afterwards."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--replace", action="store_true", help="Overwrite a database that has tables."
        )

    def handle(self, *args, file, replace=False, **options):
        try:
            engine = restore(None if file == "-" else Path(file), replace=replace)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stderr.write(f"Restored a {engine} backup. Row counts:")
        self.stdout.write(json.dumps(table_counts(), indent=1))
