from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from config.env import env_int, env_str
from ops.backup import BackupError, backup, prune


class Command(BaseCommand):
    help = (
        "Back up the whole database, encrypted to a GnuPG public key (BACKUP_RECIPIENT_FILE), "
        "into BACKUP_DIR; then delete backups older than BACKUP_KEEP_DAYS. See "
        "docs/operations.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("--recipient-file", default=env_str("BACKUP_RECIPIENT_FILE"))
        parser.add_argument("--dir", default=env_str("BACKUP_DIR", "var/backups"))
        parser.add_argument("--keep-days", type=int, default=env_int("BACKUP_KEEP_DAYS", 35))

    def handle(self, *args, recipient_file, dir, keep_days, **options):
        if not recipient_file:
            raise CommandError("Set BACKUP_RECIPIENT_FILE to the backup public key (.asc).")
        try:
            path = backup(Path(recipient_file), Path(dir))
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        removed = prune(Path(dir), keep_days) if keep_days > 0 else []
        self.stdout.write(f"{path} ({path.stat().st_size} bytes, encrypted)")
        for old in removed:
            self.stdout.write(f"removed {old} (older than {keep_days} days)")
