"""generate() writes in batches: the rows are the same whatever the batch size, and the
derived rows (place index, search document) are exact after it."""

import pytest
from django.db import transaction

from incidents.models import (
    Citation,
    CountClaim,
    CustodyEvent,
    DetaineeGroup,
    Incident,
    IncidentPlace,
)
from incidents.services import search_index
from incidents.services.places import expected_index
from incidents.synthetic import generate

pytestmark = pytest.mark.django_db


def snapshot() -> dict:
    """Every written value that does not depend on primary keys."""
    return {
        "incidents": list(
            Incident.objects.order_by("slug").values_list(
                "slug", "title", "status", "date_earliest", "date_latest", "date_precision",
                "created_at", "updated_at", "staff_updated_at", "published_at",
            )
        ),
        "groups": list(
            DetaineeGroup.objects.order_by("incident__slug", "sequence").values_list(
                "incident__slug", "sequence", "size_value", "size_high", "size_qualifier",
                "parent__sequence", "arrest_location__slug", "outcome",
            )
        ),
        "events": list(
            CustodyEvent.objects.order_by("group__incident__slug", "group__sequence", "sequence")
            .values_list("group__incident__slug", "sequence", "kind", "date_earliest",
                         "location__slug")
        ),
        "claims": sorted(CountClaim.objects.values_list("group__incident__slug", "part", "value",
                                                        "qualifier", "source__slug")),
        "citations": sorted(Citation.objects.values_list("incident__slug", "source__slug",
                                                         "group__sequence", "event__sequence",
                                                         "claim")),
        "places": sorted(IncidentPlace.objects.values_list("incident__slug", "location__slug")),
    }  # fmt: skip


def generated(n: int, batch_size: int) -> dict:
    with transaction.atomic():
        generate(n, seed=2, batch_size=batch_size)
        rows = snapshot()
        transaction.set_rollback(True)
    return rows


def test_same_rows_whatever_the_batch_size():
    one_batch = generated(19, batch_size=1200)
    assert len(one_batch["incidents"]) == 19
    assert any(parent for *_, parent, _place, _outcome in one_batch["groups"])  # "of whom"
    assert generated(19, batch_size=4) == one_batch


def test_counts_without_keeping_rows_and_derived_rows_exact():
    data = generate(14, seed=5, batch_size=6, keep=False)
    assert data.incidents == [] and data.groups == []
    assert data.counts["incidents"] == Incident.objects.count() == 14
    assert data.counts["published"] == Incident.objects.filter(status="published").count()
    assert data.counts["groups"] == DetaineeGroup.objects.count()
    assert data.counts["citations"] == Citation.objects.count()
    assert set(IncidentPlace.objects.values_list("incident_id", "location_id")) == (
        expected_index()
    )
    assert search_index.drifted() == []  # PostgreSQL; nothing to compare on SQLite
