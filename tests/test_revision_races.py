"""Threaded races on PostgreSQL: publishing a revision while its proposer saves it, or while
another editor publishes it too. Never both: an edit is either in what was published or
refused, never silently lost; a revision is applied once."""

from __future__ import annotations

import threading
from functools import partial

import pytest
from django.db import connection, connections

from incidents.models import Incident, IncidentRevision, Status
from incidents.services import incident_transition, save_incident
from incidents.services.revisions import publish_revision, start_revision
from tests.factories import published_incident
from tests.roles import staff

ROUNDS = 15

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs real concurrent transactions (PostgreSQL)",
    ),
]


def together(*calls):
    """Run the calls in threads released at once; {index: result or exception}."""
    barrier = threading.Barrier(len(calls))
    results = {}

    def run(n, call):
        try:
            barrier.wait(5)
            results[n] = call()
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test reads
            results[n] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(n, c)) for n, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def submitted_revision(editor):
    live = published_incident()
    copy = start_revision(incident=live, user=editor)
    save_incident(user=editor, pk=copy.pk, values={"title": "Revised"})
    return live, incident_transition(incident=copy, name="submit", user=editor, notify=False)


def test_publishing_while_the_revision_is_saved_never_loses_the_save():
    editor, other = staff("Editor", username="e1"), staff("Editor", username="e2")
    outcomes = set()
    for n in range(ROUNDS):
        live, copy = submitted_revision(editor)
        seen = copy.version
        results = together(
            partial(publish_revision, working_copy=copy, user=editor, minor=True,
                    expected_version=seen),
            partial(save_incident, user=other, pk=copy.pk,
                    values={"summary": f"Late edit {n}"}, expected_version=seen),
        )  # fmt: skip
        published = not isinstance(results[0], Exception)
        saved = not isinstance(results[1], Exception)
        assert published != saved, results  # exactly one wins
        live.refresh_from_db()
        if published:
            assert live.title == "Revised" and not live.summary.startswith("Late edit")
        else:
            assert Incident.objects.get(pk=copy.pk).summary == f"Late edit {n}"
            assert live.title != "Revised"
        outcomes.add("published" if published else "saved")
    assert outcomes  # (which wins is the scheduler's choice)


def test_two_editors_publishing_one_revision_apply_it_once():
    editor, other = staff("Editor", username="e3"), staff("Editor", username="e4")
    for _ in range(ROUNDS):
        live, copy = submitted_revision(editor)
        results = together(
            partial(publish_revision, working_copy=copy, user=editor, minor=True),
            partial(publish_revision, working_copy=copy, user=other, minor=True),
        )
        wins = [r for r in results.values() if isinstance(r, IncidentRevision)]
        assert len(wins) == 1, results
        assert IncidentRevision.objects.filter(incident=live).count() == 1
        assert Incident.objects.get(pk=live.pk).status == Status.PUBLISHED
