"""The `q` filter: public text only, every word must match; on PostgreSQL also prefixes,
ranking and GIN indexes. Runs on both databases; PostgreSQL-only tests skip on SQLite."""

import pytest
from django.db import connection
from django.urls import reverse

from incidents import search
from incidents.models import Incident
from tests.factories import (
    CitationFactory,
    CustodyEventFactory,
    DetaineeGroupFactory,
    IncidentFactory,
    LocationFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db
URL = reverse("incidents:list")
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL full-text search only"
)


def matching(text: str) -> set[str]:
    """Titles of published incidents that the search finds."""
    found = search.search(Incident.objects.published(), text)
    return set(found.values_list("title", flat=True))


def listed(client, text: str) -> list[str]:
    """Titles in the order the public list shows them for ?q=text."""
    response = client.get(URL, {"q": text})
    assert response.status_code == 200
    body = response.content.decode()
    titles = Incident.objects.values_list("title", flat=True)
    return sorted((t for t in titles if t in body), key=body.index)


@pytest.fixture
def record():
    shenyang = LocationFactory(
        name="Shenyang", name_ko="선양", name_local="沈阳", province="Liaoning",
        notes_internal="safehouse-note",
    )  # fmt: skip
    tumen = LocationFactory(name="Tumen detention centre", city="Tumen", province="Jilin")
    arrested = IncidentFactory(
        title="Eight arrested at a checkpoint",
        summary="Stopped on the road and taken away.",
        notes_internal="Informant Kimsecret says the broker was paid.",
    )
    group = DetaineeGroupFactory(
        incident=arrested, arrest_location=shenyang, notes_internal="grouphiddenname"
    )
    CustodyEventFactory(group=group, location=shenyang, notes_internal="eventhiddennote")
    CitationFactory(incident=arrested, source=SourceFactory(title="Daily Chosun bulletin"))
    CitationFactory(
        incident=arrested,
        source=SourceFactory(
            title="Whisperline testimony", publisher="Privatepress", confidential=True,
            notes_internal="sourcehiddennote",
        ),
    )  # fmt: skip

    moved = IncidentFactory(
        title="Family transferred", summary="Held, then repatriated through the border."
    )
    moved_group = DetaineeGroupFactory(incident=moved, arrest_location=None)
    CustodyEventFactory(group=moved_group, location=tumen)
    CitationFactory(incident=moved, source=SourceFactory(title="Annual survey", publisher="NKDB"))

    draft = IncidentFactory(title="Draft Shenyang checkpoint repatriated", status="draft")
    DetaineeGroupFactory(incident=draft, arrest_location=shenyang)
    return {"arrested": arrested, "moved": moved}


ARRESTED, MOVED = "Eight arrested at a checkpoint", "Family transferred"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("checkpoint", {ARRESTED}),  # title
        ("road", {ARRESTED}),  # summary
        ("repatriated", {MOVED}),  # summary
        ("Shenyang", {ARRESTED}),  # place of arrest and of a custody event
        ("선양", {ARRESTED}),  # Korean place name
        ("沈阳", {ARRESTED}),  # Chinese place name
        ("Liaoning", {ARRESTED}),  # province
        ("Tumen", {MOVED}),  # a custody event's place only
        ("Jilin", {MOVED}),
        ("Chosun", {ARRESTED}),  # public source title
        ("NKDB", {MOVED}),  # public source publisher
        ("SHENYANG", {ARRESTED}),  # case does not matter
    ],
)
def test_public_text_matches(record, text, expected):
    assert matching(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Kimsecret",  # incident internal notes
        "grouphiddenname",  # group internal notes
        "eventhiddennote",  # event internal notes
        "safehouse",  # location internal notes
        "sourcehiddennote",  # source internal notes
        "Whisperline",  # confidential source title
        "Privatepress",  # confidential source publisher
        "Draft",  # a draft's title
    ],
)
def test_restricted_text_never_matches(client, record, text):
    assert matching(text) == set()
    assert listed(client, text) == []


def test_every_word_must_match(record):
    assert matching("Shenyang checkpoint") == {ARRESTED}
    assert matching("Shenyang repatriated") == set()
    assert matching("Tumen repatriated") == {MOVED}
    assert matching("Tumen Chosun") == set()
    # Words may match in different fields: place, source, title.
    assert matching("沈阳 Chosun eight") == {ARRESTED}


@pytest.mark.parametrize(
    "text", ["Shenyang!!!", "(Shenyang), checkpoint.", "  Shenyang\t", "'Shenyang'"]
)
def test_punctuation_and_spacing_are_ignored(record, text):
    assert matching(text) == {ARRESTED}


@pytest.mark.parametrize("text", ["", "   ", "!!!", "&|:*()"])
def test_no_words_means_no_search(record, text):
    assert matching(text) == {ARRESTED, MOVED}


def test_query_syntax_is_not_interpreted(record):
    # tsquery operators and SQL wildcards are separators, not syntax.
    assert matching("Shenyang & !checkpoint") == {ARRESTED}
    assert matching("Shen%") == {ARRESTED}  # a prefix on PostgreSQL, a substring on SQLite
    assert matching("Shenyang | Tumen") == set()


def test_the_list_page_searches_the_same_way(client, record):
    assert listed(client, "沈阳") == [ARRESTED]
    assert listed(client, "Tumen repatriated") == [MOVED]
    body = client.get(URL, {"q": "Whisperline"}).content.decode()
    assert "0 incidents match" in body


def test_only_the_first_words_are_used():
    assert search.terms(" ".join(f"w{n}" for n in range(30))) == [f"w{n}" for n in range(10)]
    assert search.terms("沈阳, 선양; Shen-yang") == ["沈阳", "선양", "Shen", "yang"]


@postgres_only
def test_prefix_match(client, record):
    assert matching("Shen") == {ARRESTED}
    assert matching("checkp") == {ARRESTED}
    assert matching("Tum rep") == {MOVED}
    assert matching("선") == {ARRESTED}
    assert listed(client, "Shen") == [ARRESTED]


@postgres_only
def test_word_in_title_ranks_above_word_only_in_summary(client):
    in_title = IncidentFactory(
        title="Kunming bus check",
        summary="Nine people were stopped.",
        date_earliest="2003-01-01",
        date_latest="2003-12-31",
        date_precision="year",
    )
    in_summary = IncidentFactory(
        title="Nine stopped on a bus",
        summary="The group was stopped near Kunming station.",
        date_earliest="2019-05-01",
        date_latest="2019-05-31",
        date_precision="month",
    )
    for incident in (in_title, in_summary):
        DetaineeGroupFactory(incident=incident)
    # Without a search the newer one comes first; with it, the better match does.
    plain = client.get(URL).content.decode()
    assert plain.index(in_summary.title) < plain.index(in_title.title)
    assert listed(client, "Kunming") == [in_title.title, in_summary.title]
    assert listed(client, "kunm") == [in_title.title, in_summary.title]
    ranked = dict(
        search.best_matches_first(
            search.search(Incident.objects.published(), "Kunming"), "Kunming"
        ).values_list("title", "search_rank")
    )
    assert ranked[in_title.title] > ranked[in_summary.title]


@postgres_only
def test_the_search_document_has_its_gin_index():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename, indexdef FROM pg_indexes WHERE indexname = %s",
            ["incident_search_document_gin"],
        )
        ((table, definition),) = cursor.fetchall()
    assert table == "incidents_incident"
    assert "USING gin (search_document)" in definition


def _plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        try:
            cursor.execute(f"EXPLAIN {sql}", params)
            return "\n".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.execute("RESET enable_seqscan")


@postgres_only
def test_the_search_is_one_condition_on_the_indexed_document(record):
    plan = _plan(search.search(Incident.objects.published(), "Shenyang arrested").newest_first())
    # Both words in one condition on the document (at 100k incidents PostgreSQL answers it
    # from incident_search_document_gin: docs/performance.md).
    assert plan.count("search_document @@") == 1
    assert "''shenyang'':* & ''arrested'':*" in plan


@postgres_only
def test_the_documents_never_drift(record):
    """Every write path that changes what a document holds refreshes it: incidents saved,
    places renamed or moved, sources edited or made confidential."""
    from incidents.models import Location, Source
    from incidents.services import search_index
    from incidents.services.editing import save_record
    from tests.roles import staff

    assert search_index.drifted() == []
    editor = staff("Editor", username="search-editor")
    place = Location.objects.filter(kind="city").first()
    save_record(user=editor, model=Location, pk=place.pk, values={"name_local": "新名"},
                expected_version=place.version)  # fmt: skip
    source = Source.objects.filter(citations__isnull=False).first()
    save_record(user=editor, model=Source, pk=source.pk,
                values={"title": "Renamed report", "confidential": True},
                expected_version=source.version)  # fmt: skip
    assert search_index.drifted() == []


@postgres_only
def test_a_common_word_lists_newest_first_and_a_rare_one_is_ranked(monkeypatch, record):
    monkeypatch.setattr(search, "RANK_AT_MOST", 1)

    def ranked(text):
        return search.best_matches_first(search.search(Incident.objects.published(), text), text)

    common = ranked("the")  # in both summaries
    assert common.count() == 2 and "search_rank" not in common.query.annotations
    rare = ranked("Tumen")
    assert rare.count() == 1 and "search_rank" in rare.query.annotations
    # Pages that never order by relevance (timeline, statistics, map) never ask the count.
    assert (
        "search_rank" not in search.search(Incident.objects.published(), "Tumen").query.annotations
    )
