"""The nightly full-dataset files researchers download, written atomically.

    manage.py write_public_dataset /srv/refwatch/datasets [--keep 7]

writes DIR/<UTC time>/ with refoulement-watch-incidents.csv and .json (exactly the public
exports of every published incident: same scope, same code) and SHA256SUMS (`sha256sum -c`
reads it), then points DIR/latest at it. The set is built in a hidden folder and renamed
when complete, and `latest` is swapped with a rename, so a reader never sees a half-written
file or a checksum of another night's file; a failure leaves the previous set in place.
Older sets beyond --keep are removed. Cron and systemd timer lines: docs/deploy.md.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from incidents.interchange import PUBLIC, iter_csv
from incidents.interchange.jsondoc import json_chunks
from incidents.models import Incident

NAME = "refoulement-watch-incidents"
LATEST = "latest"
STAMP = "%Y-%m-%dT%H%M%SZ"


def _write(path: Path, chunks) -> str:
    """Write the chunks (str or bytes) to `path`, fsynced; their SHA-256."""
    digest = hashlib.sha256()
    with path.open("wb") as out:
        for chunk in chunks:
            data = chunk.encode("utf-8") if isinstance(chunk, str) else chunk
            digest.update(data)
            out.write(data)
        out.flush()
        os.fsync(out.fileno())
    return digest.hexdigest()


class Command(BaseCommand):
    help = (
        "Write the public full-dataset files (CSV, JSON, SHA256SUMS) into a new folder of "
        "DIR and point DIR/latest at it, atomically. Published records and public fields "
        "only, as the public exports."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory")
        parser.add_argument("--keep", type=int, default=7, help="Sets to keep (default 7).")

    def handle(self, *args, directory: str, keep: int, **options):
        if keep < 1:
            raise CommandError("--keep must be at least 1.")
        root = Path(directory)
        root.mkdir(parents=True, exist_ok=True)
        stamp = timezone.now().strftime(STAMP)
        final = root / stamp
        if final.exists():
            raise CommandError(f"{final} exists already.")
        building = root / f".building-{stamp}-{os.getpid()}"
        building.mkdir()
        try:
            incidents = Incident.objects.published().newest_first()
            sums = {
                f"{NAME}.csv": _write(building / f"{NAME}.csv", iter_csv(incidents, scope=PUBLIC)),
                f"{NAME}.json": _write(
                    building / f"{NAME}.json", json_chunks(incidents, scope=PUBLIC)
                ),
            }
            lines = "".join(f"{digest}  {name}\n" for name, digest in sums.items())
            _write(building / "SHA256SUMS", [lines])
            building.rename(final)
        except BaseException:
            shutil.rmtree(building, ignore_errors=True)
            raise
        link = root / f".{LATEST}-{os.getpid()}"
        link.unlink(missing_ok=True)
        link.symlink_to(stamp)
        link.replace(root / LATEST)  # rename(2): readers see the old set or the new one
        self._prune(root, keep)
        self.stderr.write(f"Wrote {final} and pointed {root / LATEST} at it.")

    def _prune(self, root: Path, keep: int) -> None:
        sets = sorted(p for p in root.iterdir() if p.is_dir() and not p.is_symlink()
                      and not p.name.startswith("."))  # fmt: skip
        for old in sets[:-keep]:
            shutil.rmtree(old)
