"""Deleting every record of the app in an order its PROTECT foreign keys allow."""

from __future__ import annotations

from incidents.models import (
    Actor,
    Citation,
    CountClaim,
    CustodyEvent,
    DateClaim,
    DetaineeGroup,
    Estimate,
    Incident,
    Location,
    Source,
)

# Incidents take their groups, events, claims, citations and place index with them; estimates
# their source links; places their name index.
RECORD_MODELS = [Citation, CountClaim, DateClaim, CustodyEvent, DetaineeGroup, Incident,
                 Estimate, Source, Actor, Location]  # fmt: skip


def delete_tree(model) -> None:
    """Delete every row of a model whose `parent` is PROTECTed: leaves first."""
    while model.objects.exists():
        model.objects.exclude(
            pk__in=model.objects.filter(parent__isnull=False).values("parent")
        ).delete()


def wipe(*models) -> None:
    """Delete every row of `models` (by default every record model), in a safe order."""
    for model in models or RECORD_MODELS:
        if model in (Location, Actor):
            delete_tree(model)
        else:
            model.objects.all().delete()
    assert not any(model.objects.exists() for model in models or RECORD_MODELS)
