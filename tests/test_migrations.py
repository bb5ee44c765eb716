"""The version-2 data migrations (0008–0011), run forward on copies of data written by the
previous release: the demo data and a synthetic set (tests/data/*_v1.json, dumped by the
release before; see tests/data/README.md), then backward and forward again."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from incidents.models import (
    CountClaim,
    DetaineeGroup,
    Estimate,
    Incident,
    IncidentPlace,
    Location,
    LocationName,
    Source,
)
from incidents.places import name_variants
from incidents.services.places import expected_index

DATA = Path(__file__).parent / "data"
BEFORE = [("incidents", "0007_staff_timestamps_and_curation_roles")]
HELPERS_NOTE = importlib.import_module("incidents.migrations.0009_places_claims_data").HELPERS_NOTE

pytestmark = pytest.mark.django_db(transaction=True)


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def latest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


def load_v1(apps, name: str) -> list[dict]:
    """Insert a previous release's dump through the historical models of 0007."""
    rows = json.loads((DATA / name).read_text(encoding="utf-8"))
    for row in rows:
        model = apps.get_model(*row["model"].split("."))
        values = {}
        for field_name, value in row["fields"].items():
            field = model._meta.get_field(field_name)
            if field.is_relation:
                values[field.attname] = value
            else:
                values[field_name] = field.to_python(value)
        model(pk=row["pk"], **values).save_base(raw=True)
    return rows


def old(rows, model: str) -> dict[int, dict]:
    return {r["pk"]: r["fields"] for r in rows if r["model"] == f"incidents.{model}"}


@pytest.fixture
def at_0007():
    apps = migrate(BEFORE)
    yield apps
    migrate(latest())


@pytest.mark.parametrize("dump", ["demo_v1.json", "synthetic_v1.json"])
def test_forward_on_a_previous_release_s_data(at_0007, dump):
    rows = load_v1(at_0007, dump)
    migrate(latest())

    groups, sources = old(rows, "detaineegroup"), old(rows, "source")
    assert DetaineeGroup.objects.count() == len(groups)
    for group in DetaineeGroup.objects.all():
        before = groups[group.pk]
        helpers, size = before["helpers_value"], before["size_value"]
        if helpers is not None and size is not None:
            # Helpers were inside the size; now they are apart, never invented.
            assert HELPERS_NOTE in group.notes_internal
            if before["size_qualifier"] == before["helpers_qualifier"] == "exact":
                assert (group.size_value, group.size_qualifier) == (size - helpers, "exact")
            assert group.size_value is None or group.size_value <= size
        else:
            assert (group.size_value, group.size_qualifier) == (size, before["size_qualifier"])
        # Each known figure is now a preferred claim, citing the incident's (public) source.
        claim = group.claims.filter(part="size").first()
        if group.size_value is None:
            assert claim is None
        else:
            assert (claim.value, claim.qualifier, claim.preferred) == (
                group.size_value, group.size_qualifier, True,
            )  # fmt: skip
            cited = group.incident.citations.order_by("source__confidential", "pk").first()
            assert claim.source_id == (cited.source_id if cited else None)
    # Sources: the day becomes a vague date.
    for source in Source.objects.all():
        day = sources[source.pk]["published_on"]
        assert (source.date_earliest.isoformat() if source.date_earliest else None) == day
    # Estimates: their source and claim became the first of their sources.
    for estimate, fields in ((Estimate.objects.get(pk=pk), f)
                             for pk, f in old(rows, "estimate").items()):  # fmt: skip
        links = list(estimate.citations.values_list("source_id", "claim"))
        assert links == ([(fields["source"], fields["claim"])] if fields["source"] else [])
    # Places: a hierarchy built from the old city/province/country text, every place below a
    # country has a parent, the name index and the incident index are exact.
    for place in Location.objects.exclude(kind__in=["country", "region"]):
        assert place.parent_id is not None, place
    for pk, fields in old(rows, "location").items():
        place = Location.objects.get(pk=pk)
        assert place.country.code == fields["country"]
        if fields["province"] and place.kind != "province":
            # The old text names the same province, perhaps with "Province" after it.
            assert name_variants(place.province) & name_variants(fields["province"])
        assert LocationName.objects.filter(location=place).exists()
    assert set(IncidentPlace.objects.values_list("incident_id", "location_id")) == (
        expected_index()
    )
    assert Incident.objects.count() == len(old(rows, "incident"))


def test_backward_then_forward_again_keeps_the_figures(at_0007):
    load_v1(at_0007, "demo_v1.json")
    migrate(latest())
    figures = sorted(DetaineeGroup.objects.values_list("pk", "size_value", "helpers_value"))
    claims = CountClaim.objects.count()
    migrate(BEFORE)
    migrate(latest())
    assert sorted(DetaineeGroup.objects.values_list("pk", "size_value", "helpers_value")) == (
        figures
    )
    assert CountClaim.objects.count() == claims
