"""The demo fixture (fixtures/demo.json) loads, is valid, and exercises what the app needs.

It is built by scripts/build_demo_fixture.py; the last test checks the two agree.
"""

import importlib.util
import json
import os
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command

from incidents.models import (
    Citation,
    CountClaim,
    DateClaim,
    Estimate,
    EstimateSource,
    Incident,
    Location,
    Source,
    Status,
)

BASE_DIR = Path(__file__).resolve().parent.parent
FIXTURE = BASE_DIR / "fixtures" / "demo.json"
SCRIPT = BASE_DIR / "scripts" / "build_demo_fixture.py"
REFERENCE_DIR = Path(os.environ.get("REFERENCE_DIR", BASE_DIR.parent / "shared" / "reference"))

pytestmark = pytest.mark.django_db


def _fixture_rows() -> list[dict]:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


def _rows(model_label: str) -> list[dict]:
    return [row for row in _fixture_rows() if row["model"] == model_label]


def _load_script():
    spec = importlib.util.spec_from_file_location("build_demo_fixture", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def demo():
    call_command("loaddata", str(FIXTURE), verbosity=0)


def _published_incidents():
    return Incident.objects.published().prefetch_related(
        "groups__arrest_location", "groups__events__location", "citations__source"
    )


def _locations_of(incident) -> set[Location]:
    found = set()
    for group in incident.groups.all():
        if group.arrest_location:
            found.add(group.arrest_location)
        found.update(e.location for e in group.events.all() if e.location)
    return found


def test_every_object_loads_and_passes_full_clean(demo):
    rows = _fixture_rows()
    checked = 0
    for label in _load_script().RECORD_MODELS:
        for obj in apps.get_model(label)._default_manager.all():
            obj.full_clean()
            checked += 1
    assert checked == len(rows)


def test_every_published_incident_cites_a_public_source(demo):
    published = list(_published_incidents())
    assert published
    for incident in published:
        public = [c for c in incident.citations.all() if not c.source.confidential]
        assert public, f"{incident.title!r} cites no public source"


def test_status_counts_match_the_fixture(demo):
    statuses = [row["fields"]["status"] for row in _rows("incidents.incident")]
    for status in Status.values:
        assert Incident.objects.filter(status=status).count() == statuses.count(status)
    assert Incident.objects.published().count() == statuses.count(Status.PUBLISHED)
    assert statuses.count(Status.PUBLISHED) >= 5
    assert statuses.count(Status.DRAFT) >= 1
    assert statuses.count(Status.ARCHIVED) >= 1


def test_published_records_exercise_the_public_filters(demo):
    incidents = list(_published_incidents())
    countries = {loc.country.code for inc in incidents for loc in _locations_of(inc)}
    assert len(countries) >= 3, countries
    assert {"CN", "RU", "KR"} <= countries

    cities = {loc.city for inc in incidents for loc in _locations_of(inc) if loc.city}
    assert len(cities) >= 5, cities

    outcomes = {g.outcome for inc in incidents for g in inc.groups.all()}
    assert len(outcomes) >= 5, outcomes

    years = {inc.date_earliest.year for inc in incidents if inc.date_earliest}
    assert min(years) <= 2004
    assert max(years) >= 2017
    assert any(inc.date_earliest is None or inc.date_precision != "day" for inc in incidents)

    estimates = Estimate.objects.published()
    assert estimates.count() == len(_rows("incidents.estimate"))
    assert min(e.period_start.year for e in estimates) <= 2003


def test_confidential_source_is_cited_only_beside_a_public_one(demo):
    secret = Source.objects.filter(confidential=True)
    assert secret.exists()
    assert not Source.objects.public().filter(confidential=True).exists()
    citing = Incident.objects.filter(citations__source__in=secret).distinct()
    assert citing.exists()
    for incident in Incident.objects.with_public_relations().filter(pk__in=citing):
        assert incident.public_citations
        assert all(not c.source.confidential for c in incident.public_citations)
        assert incident.citations.filter(source__confidential=False).exists()


def test_internal_markers_exist_for_leak_tests(demo):
    script = _load_script()
    draft = Incident.objects.filter(status=Status.DRAFT)
    assert draft.filter(notes_internal__contains=script.MARKER_DRAFT).exists()
    archived = Incident.objects.filter(status=Status.ARCHIVED)
    assert archived.filter(notes_internal__contains=script.MARKER_ARCHIVED).exists()
    published = Incident.objects.published()
    assert published.filter(notes_internal__contains=script.MARKER_PUBLISHED_NOTE).exists()
    assert Source.objects.filter(
        confidential=True, notes_internal__contains=script.MARKER_CONFIDENTIAL_SOURCE
    ).exists()
    assert Citation.objects.filter(
        source__confidential=True, claim__contains=script.MARKER_CONFIDENTIAL_CLAIM
    ).exists()


def test_quoted_claims_are_short_and_come_from_the_articles(demo):
    """Quotations are short; each names a public source with its address, and where the
    source is one of the reference articles kept beside the repository, the words are in it."""
    claims = [(c.source, c.claim) for c in Citation.objects.select_related("source") if c.claim]
    claims += [(c.source, c.claim) for c in EstimateSource.objects.select_related("source")]
    claims += [(c.source, c.quotation) for c in CountClaim.objects.select_related("source")
               if c.quotation]  # fmt: skip
    claims += [(c.source, c.quotation) for c in DateClaim.objects.select_related("source")
               if c.quotation]  # fmt: skip
    assert len(claims) > 20
    have_reference = REFERENCE_DIR.is_dir()
    checked = 0
    for source, claim in claims:
        if source is None or source.confidential:
            continue
        assert len(claim) <= 300, claim
        match = re.search(r"Reference file (\S+\.txt)", source.notes_internal)
        assert source.url.startswith(("https://", "http://")) or match, source
        if not (have_reference and match):
            continue
        text = " ".join((REFERENCE_DIR / match[1]).read_text(encoding="utf-8").split())
        for fragment in claim.split(" ... "):
            assert fragment in text, f"not in {match[1]}: {fragment!r}"
        checked += 1
    assert checked or not have_reference


def test_script_reproduces_the_fixture():
    script = _load_script()
    script.build()
    assert script.dump() == FIXTURE.read_text(encoding="utf-8")
