"""Threaded races on PostgreSQL: a merge against a workflow step on the incident it retires,
and two editors merging the same pair. Exactly one wins; a merged incident is never public."""

from __future__ import annotations

from functools import partial

import pytest
from django.db import connection

from incidents.models import Incident, Status
from incidents.services import incident_transition
from incidents.services.merging import merge_incidents
from tests.factories import LocationFactory, region_place
from tests.roles import staff
from tests.test_duplicates import incident
from tests.test_revision_races import together

ROUNDS = 10

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs real concurrent transactions (PostgreSQL)",
    ),
]


NOTICE = "Merged with a second report of the same arrests."


def pair(n: int):
    place = LocationFactory(name=f"Tumen {n}", parent=region_place("CN", "Jilin"))
    keep = incident(f"29 arrested in Tumen ({n})", place)
    gone = incident(f"29 North Koreans arrested in Tumen ({n})", place, status=Status.IN_REVIEW)
    return keep, gone


def test_a_merge_and_a_publish_of_the_retired_incident_never_both_win():
    editor, other = staff("Editor", username="m1"), staff("Editor", username="m2")
    for n in range(ROUNDS):
        keep, gone = pair(n)
        results = together(
            partial(merge_incidents, survivor=keep, merged=gone, user=editor, notice=NOTICE),
            partial(incident_transition, incident=gone, name="publish", user=other, notify=False),
        )
        merged = not isinstance(results[0], Exception)
        published = not isinstance(results[1], Exception)
        gone.refresh_from_db()
        if merged:
            assert gone.status == Status.ARCHIVED and gone.merged_into_id == keep.pk
        assert not (merged and gone.status == Status.PUBLISHED), results
        assert merged or published, results


def test_two_editors_merging_one_pair_merge_it_once():
    editor, other = staff("Editor", username="m3"), staff("Editor", username="m4")
    for n in range(ROUNDS):
        keep, gone = pair(n)
        groups = keep.groups.count() + gone.groups.count()
        results = together(
            partial(merge_incidents, survivor=keep, merged=gone, user=editor, notice=NOTICE),
            partial(merge_incidents, survivor=keep, merged=gone, user=other, notice=NOTICE),
        )
        wins = [r for r in results.values() if not isinstance(r, Exception)]
        assert len(wins) == 1, results
        assert Incident.objects.get(pk=keep.pk).groups.count() == groups
