"""Text search for the `q` filter.

On PostgreSQL: full-text search with the 'simple' configuration (no stemming, so Korean and
Chinese names match as written), prefix matching ("Shen" finds "Shenyang"), ranked. Each
searched table has a GIN index on exactly the expression used here (migration 0004), so the
search stays fast as the record grows. On SQLite (the quick start and tests): substring match.

Only public text is searched: titles, summaries, place names and non-confidential sources.
Internal notes and confidential sources are never searchable.
"""

from __future__ import annotations

import re

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connections
from django.db.models import Exists, OuterRef, Q

CONFIG = "simple"
MAX_TERMS = 10


def incident_vector():
    """The indexed expression (incident_search_gin): used to *find* incidents."""
    return SearchVector("title", "summary", config=CONFIG)


def incident_rank_vector():
    """Used only to *rank* the incidents found: a word in the title weighs more than one in
    the summary. (Computed for matching rows only, so it needs no index of its own.)"""
    return SearchVector("title", weight="A", config=CONFIG) + SearchVector(
        "summary", weight="B", config=CONFIG
    )


def location_vector():
    return SearchVector("name", "name_ko", "name_local", "city", "province", config=CONFIG)


def source_vector():
    return SearchVector("title", "publisher", config=CONFIG)


def terms(text: str) -> list[str]:
    """Words of the query: letters and digits in any script; everything else separates."""
    return re.findall(r"\w+", text)[:MAX_TERMS]


def _prefix_query(words: list[str]) -> SearchQuery:
    return SearchQuery(" & ".join(f"{w}:*" for w in words), search_type="raw", config=CONFIG)


def search(queryset, text: str):
    """Filter (and, on PostgreSQL, rank) published incidents by the words in `text`."""
    from incidents.models import Citation, DetaineeGroup, Location

    words = terms(text)
    if not words:
        return queryset
    if connections[queryset.db].vendor == "postgresql":
        for word in words:
            queryset = queryset.filter(pk__in=_incidents_matching(_prefix_query([word])))
        return queryset.annotate(
            search_rank=SearchRank(incident_rank_vector(), _prefix_query(words))
        )
    groups = DetaineeGroup.objects.filter(incident=OuterRef("pk"))
    for word in words:
        places = Location.objects.filter(
            Q(name__icontains=word) | Q(name_ko__icontains=word) | Q(name_local__icontains=word)
            | Q(city__icontains=word) | Q(province__icontains=word)
        )  # fmt: skip
        sources = Citation.objects.filter(
            incident=OuterRef("pk"), source__confidential=False
        ).filter(Q(source__title__icontains=word) | Q(source__publisher__icontains=word))
        queryset = queryset.filter(
            Q(title__icontains=word)
            | Q(summary__icontains=word)
            | Exists(groups.filter(Q(arrest_location__in=places) | Q(events__location__in=places)))
            | Exists(sources)
        )
    return queryset


def _incidents_matching(query: SearchQuery):
    """Ids of incidents whose text, places or public sources match `query` (PostgreSQL).

    A UNION of index scans rather than `text matches OR EXISTS(...)`: an OR with subqueries
    makes PostgreSQL test every incident row, while each branch here can use its GIN index
    (incident_search_gin, location_search_gin, source_search_gin).
    """
    from incidents.models import Citation, CustodyEvent, DetaineeGroup, Incident, Location, Source

    places = Location.objects.annotate(v=location_vector()).filter(v=query).values("pk")
    sources = Source.objects.public().annotate(v=source_vector()).filter(v=query).values("pk")
    by_text = Incident.objects.annotate(v=incident_vector()).filter(v=query).values("pk")
    return by_text.order_by().union(
        DetaineeGroup.objects.filter(arrest_location__in=places).order_by().values("incident_id"),
        CustodyEvent.objects.filter(location__in=places).order_by().values("group__incident_id"),
        Citation.objects.filter(source__in=sources).order_by().values("incident_id"),
    )
