"""manage.py write_public_dataset: the nightly files are the public exports, checksummed, and
replace the previous set atomically (or not at all)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from incidents.synthetic import MARKERS, generate

pytestmark = pytest.mark.django_db

NAME = "refoulement-watch-incidents"


def _body(client, name: str) -> bytes:
    response = client.get(reverse(f"incidents:export_{name}"))
    return b"".join(response.streaming_content)


def _sums(folder) -> dict[str, str]:
    lines = (folder / "SHA256SUMS").read_text().splitlines()
    return {name: digest for digest, name in (line.split("  ") for line in lines)}


def test_the_files_are_the_public_exports_with_their_checksums(client, tmp_path):
    generate(12, seed=7)
    call_command("write_public_dataset", str(tmp_path))
    latest = tmp_path / "latest"
    assert latest.is_symlink()
    csv_file, json_file = latest / f"{NAME}.csv", latest / f"{NAME}.json"
    assert csv_file.read_bytes() == _body(client, "csv")
    document = json.loads(json_file.read_bytes())
    assert document == json.loads(_body(client, "json"))
    assert document["incident_count"] == len(document["incidents"]) > 0
    assert _sums(latest) == {
        f"{NAME}.csv": hashlib.sha256(csv_file.read_bytes()).hexdigest(),
        f"{NAME}.json": hashlib.sha256(json_file.read_bytes()).hexdigest(),
    }
    text = csv_file.read_text(encoding="utf-8") + json_file.read_text(encoding="utf-8")
    for marker in MARKERS.values():
        assert marker not in text


def test_a_failure_leaves_the_previous_set_in_place(tmp_path, monkeypatch):
    generate(3, seed=1)
    call_command("write_public_dataset", str(tmp_path))
    before = (tmp_path / "latest").resolve()
    sets_before = sorted(p.name for p in tmp_path.iterdir())

    def broken(*args, **kwargs):
        yield "incident_slug\n"
        raise OSError("disk full (simulated)")

    monkeypatch.setattr("incidents.management.commands.write_public_dataset.iter_csv", broken)
    monkeypatch.setattr(
        "incidents.management.commands.write_public_dataset.timezone.now",
        lambda: datetime(2099, 1, 1, tzinfo=UTC),
    )
    with pytest.raises(OSError, match="disk full"):
        call_command("write_public_dataset", str(tmp_path))
    assert (tmp_path / "latest").resolve() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sets_before  # no half-written set


def test_older_sets_beyond_keep_are_removed(tmp_path):
    for day in range(1, 5):
        (tmp_path / f"2020-01-0{day}T030000Z").mkdir()
    call_command("write_public_dataset", str(tmp_path), keep=2)
    sets = sorted(p.name for p in tmp_path.iterdir() if p.name != "latest")
    assert len(sets) == 2 and sets[0] == "2020-01-04T030000Z"
    assert (tmp_path / "latest").resolve().name == sets[1]


def test_keep_must_be_positive(tmp_path):
    with pytest.raises(CommandError):
        call_command("write_public_dataset", str(tmp_path), keep=0)
