"""Benchmark: stream the public CSV and JSON exports of N incidents (default 100,000).

    createdb -h 127.0.0.1 -U postgres refwatch_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/refwatch_bench \\
        .venv/bin/python bench/export_bench.py --incidents 100000

Creates the database content with bulk inserts (only if it has fewer incidents than asked),
then requests /incidents/export.csv and /incidents/export.json through Django's WSGI handler
in this process, consuming the streamed body chunk by chunk, and prints the time, the size,
and the growth of peak memory (ru_maxrss) while streaming. Nothing is asserted: the figures
go into the closing note of whoever changes the export path.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789abcdef0123456789")
os.environ.setdefault("HTTPS", "0")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

from incidents.models import (  # noqa: E402
    Citation,
    CustodyEvent,
    DetaineeGroup,
    Incident,
    Location,
    Source,
)

OUTCOMES = ["detained", "repatriated", "released_to_south_korea", "unknown", "sheltered"]
CITIES = [
    ("Shenyang", "선양", "Liaoning"),
    ("Dandong", "단둥", "Liaoning"),
    ("Yanji", "옌지", "Jilin"),
    ("Tumen", "투먼", "Jilin"),
    ("Qingdao", "칭다오", "Shandong"),
    ("Kunming", "쿤밍", "Yunnan"),
    ("Beijing", "베이징", "Beijing"),
    ("Shanghai", "상하이", "Shanghai"),
]


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def populate(n: int, batch: int = 5000) -> None:
    existing = Incident.objects.count()
    if existing >= n:
        print(f"database already has {existing:,} incidents")
        return
    rng = random.Random(42)
    places = [
        Location.objects.get_or_create(
            slug=f"bench-{name.lower()}",
            defaults={
                "name": name,
                "name_ko": ko,
                "city": name,
                "province": prov,
                "country": "CN",
                "latitude": 40,
                "longitude": 120,
                "coordinate_precision": "city",
                "coordinates_public": True,
            },
        )[0]
        for name, ko, prov in CITIES
    ]
    sources = [
        Source.objects.get_or_create(
            slug=f"bench-source-{i}", defaults={"title": f"Bench report {i}", "publisher": "Bench"}
        )[0]
        for i in range(50)
    ]
    start = time.perf_counter()
    for offset in range(existing, n, batch):
        size = min(batch, n - offset)
        incidents = []
        for i in range(offset, offset + size):
            day = date(2000, 1, 1) + timedelta(days=rng.randrange(9000))
            incidents.append(
                Incident(
                    title=f"Bench incident {i}",
                    slug=f"bench-incident-{i}",
                    status="published",
                    summary="A group was arrested at a checkpoint and taken to a detention centre.",
                    date_earliest=day,
                    date_latest=day + timedelta(days=2),
                    date_precision="days",
                    notes_internal="bench private note",
                )
            )
        Incident.objects.bulk_create(incidents)
        incidents = list(Incident.objects.filter(slug__in=[x.slug for x in incidents]))
        groups = [
            DetaineeGroup(
                incident=inc,
                sequence=g,
                arrest_location=rng.choice(places),
                size_value=rng.randint(1, 30),
                size_qualifier="exact",
                women_value=1,
                women_qualifier="at_least",
                outcome=rng.choice(OUTCOMES),
            )
            for inc in incidents
            for g in range(rng.choice((1, 1, 2)))
        ]
        groups = DetaineeGroup.objects.bulk_create(groups)
        events = []
        for group in groups:
            when = group.incident.date_earliest
            events.append(
                CustodyEvent(
                    group=group,
                    kind="arrested",
                    location=group.arrest_location,
                    date_earliest=when,
                    date_latest=when,
                    date_precision="day",
                )
            )
            events.append(
                CustodyEvent(
                    group=group,
                    kind="transferred",
                    location=places[3],
                    date_earliest=when.replace(day=1),
                    date_latest=(when.replace(day=28)),
                    date_precision="days",
                )
            )
        CustodyEvent.objects.bulk_create(events)
        Citation.objects.bulk_create(
            Citation(incident=inc, source=rng.choice(sources), claim="as reported")
            for inc in incidents
        )
        print(f"  {offset + size:,} incidents ({time.perf_counter() - start:.0f} s)", flush=True)


def measure(client: Client, url: str) -> None:
    before = peak_mb()
    start = time.perf_counter()
    response = client.get(url)
    first = None
    size = 0
    for chunk in response.streaming_content:
        if first is None:
            first = time.perf_counter() - start
        size += len(chunk)
    elapsed = time.perf_counter() - start
    print(
        f"{url}: HTTP {response.status_code}, {size / 1e6:,.1f} MB in {elapsed:.1f} s "
        f"(first byte after {first:.2f} s), peak RSS {before:.0f} -> {peak_mb():.0f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--incidents", type=int, default=100_000)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    populate(args.incidents)
    print(f"incidents: {Incident.objects.published().count():,}, peak RSS {peak_mb():.0f} MB")
    client = Client()
    for url in (
        "/incidents/export.csv",
        "/incidents/export.json",
        "/incidents/export.csv?city=shenyang&outcome=repatriated",
    ):
        measure(client, url)


if __name__ == "__main__":
    main()
