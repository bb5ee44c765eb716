"""Importing at archive scale: a bounded number of queries per incident, with the same checks,
history, derived data and cache invalidation as one record at a time."""

import re
from collections import Counter

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from incidents import cache as public_cache
from incidents.importer import ImportReport
from incidents.importer.run import check_constraints
from incidents.interchange import FULL, full_export_incidents, iter_json
from incidents.models import (
    Citation,
    CountClaim,
    CustodyEvent,
    DetaineeGroup,
    Incident,
    IncidentPlace,
    Source,
    history,
)
from incidents.services import integrity, search_index
from incidents.services.places import expected_index
from incidents.synthetic import generate
from tests.factories import SourceFactory
from tests.test_import import importer_user, run_import
from tests.wipe import wipe

pytestmark = pytest.mark.django_db

INCIDENTS = 12
# Every query of the import of a full export of the synthetic data (its places, sources, actors
# and estimates included) per incident: about 95 on SQLite, over 200 before issue 12.
QUERY_BUDGET = 120
# Django's check that a foreign key's row exists: `SELECT 1 … WHERE "…"."id" = 5 LIMIT 1`.
EXISTENCE = re.compile(r'^SELECT 1 AS "a" FROM "\w+" WHERE "\w+"\."id" = \S+ LIMIT 1$')


@pytest.fixture
def exported() -> str:
    """A full export of synthetic incidents, then an empty database to import it into."""
    generate(INCIDENTS)
    content = "".join(iter_json(full_export_incidents(), scope=FULL))
    wipe()
    return content


def test_queries_per_incident_are_bounded_and_none_asks_if_a_held_row_exists(exported):
    importer_user()
    with CaptureQueriesContext(connection) as queries:
        report = run_import(exported)
    assert report.ok, report.problems
    assert report.counts[("incident", "created")] == INCIDENTS
    kinds = Counter(" ".join(q["sql"].split()[:3]) for q in queries)
    assert len(queries) / INCIDENTS < QUERY_BUDGET, kinds.most_common(12)
    existence = [q["sql"] for q in queries if EXISTENCE.match(q["sql"])]
    assert not existence, existence[:3]


def test_history_has_one_creation_record_per_row_by_the_importer(exported):
    user = importer_user()
    report = run_import(exported)
    assert report.ok, report.problems
    for model in (Incident, DetaineeGroup, CustodyEvent, CountClaim, Citation, Source):
        ids = set(model.objects.values_list("pk", flat=True))
        created = model.history.filter(history_type="+")
        assert sorted(created.values_list("id", flat=True)) == sorted(ids), model
        assert set(created.values_list("history_user", flat=True)) == {user.pk}, model


def test_held_history_records_each_save_as_it_was():
    source = SourceFactory(title="First title")
    with history.collected():
        source.title = "Second title"
        source.save()
        source.title = "Third title"
        source.save()
        assert source.history.count() == 1  # held until the end
    records = list(source.history.order_by("history_date", "history_id"))
    assert [(r.history_type, r.title) for r in records] == [
        ("+", "First title"),
        ("~", "Second title"),
        ("~", "Third title"),
    ]


def test_a_failed_call_leaves_no_held_history():
    source = SourceFactory(title="Kept")
    with pytest.raises(RuntimeError), transaction.atomic(), history.collected():
        source.title = "Rolled back"
        source.save()
        raise RuntimeError
    assert list(source.history.values_list("title", flat=True)) == ["Kept"]


def test_derived_data_is_exact_after_an_import(exported):
    report = run_import(exported)
    assert report.ok, report.problems
    pairs = set(IncidentPlace.objects.values_list("incident_id", "location_id"))
    assert pairs == expected_index() and pairs
    assert search_index.drifted() == []


def test_an_import_invalidates_the_public_cache_once(exported, django_capture_on_commit_callbacks):
    importer_user()
    with django_capture_on_commit_callbacks() as callbacks:
        report = run_import(exported)
    assert report.ok, report.problems
    assert [c for c in callbacks if c is public_cache.bump] == [public_cache.bump]


def test_a_bare_id_is_still_checked_against_the_database():
    """Only rows the caller holds skip the existence query; an id alone is looked up."""
    citation = Citation(source_id=987654, claim="", locator="")
    with pytest.raises(ValidationError) as caught:
        integrity.full_clean(citation, exclude=["incident", "group", "event"])
    assert "source" in caught.value.message_dict


def test_a_held_row_skips_the_query_but_not_the_required_check():
    source = SourceFactory()
    assert [f.name for f in integrity.held_foreign_keys(Citation(source=source))] == ["source"]
    with CaptureQueriesContext(connection) as queries:
        integrity.full_clean(Citation(source=source), exclude=["incident", "group", "event"])
    assert len(queries) == 0
    with pytest.raises(ValidationError) as caught:
        integrity.full_clean(Citation(), exclude=["incident", "group", "event"])
    assert "source" in caught.value.message_dict


def test_a_broken_foreign_key_is_a_problem_before_commit(exported):
    report = run_import(exported)
    assert report.ok, report.problems
    incident = Incident.objects.first()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO incidents_citation (incident_id, source_id, claim, locator) "
                "VALUES (%s, %s, '', '')",
                [incident.pk, 987654],
            )
        found = ImportReport(dry_run=False)
        check_constraints(found)
        assert [str(p) for p in found.problems] == [
            "file: the database refused this file (IntegrityError)"
        ]
        transaction.set_rollback(True)
