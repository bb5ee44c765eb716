"""Text search for the `q` filter.

On PostgreSQL: full-text search with the 'simple' configuration (no stemming, so Korean and
Chinese names match as written), prefix matching ("Shen" finds "Shenyang"), over one
maintained column, Incident.search_document (services.search_index), with one GIN index: a
search is one indexed condition however many words it has. Specific searches are ranked
(title above summary above places above sources); searches matching more than RANK_AT_MOST
incidents list newest first. On SQLite (the quick start and tests): substring match over the
same text.

Only public text is searched: titles, summaries (English and Korean), place names (at and
above the incident's places) and non-confidential sources. Internal notes and confidential
sources are never searchable.
"""

from __future__ import annotations

import re

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connections
from django.db.models import Exists, F, OuterRef, Q

CONFIG = "simple"
MAX_TERMS = 10
RANK_AT_MOST = 500  # matches; more are listed newest first, unranked


def terms(text: str) -> list[str]:
    """Words of the query: letters and digits in any script; everything else separates."""
    return re.findall(r"\w+", text)[:MAX_TERMS]


def _prefix_query(words: list[str]) -> SearchQuery:
    return SearchQuery(" & ".join(f"{w}:*" for w in words), search_type="raw", config=CONFIG)


def search(queryset, text: str):
    """Filter published incidents by the words in `text` (best_matches_first ranks them)."""
    from incidents.models import Citation, IncidentPlace, Location

    words = terms(text)
    if not words:
        return queryset
    if connections[queryset.db].vendor == "postgresql":
        return queryset.filter(search_document=_prefix_query(words))
    for word in words:
        places = Location.objects.filter(
            Q(name__icontains=word) | Q(name_ko__icontains=word) | Q(name_local__icontains=word)
            | Q(alternate_names__icontains=word)
        )  # fmt: skip
        sources = Citation.objects.filter(
            incident=OuterRef("pk"), source__confidential=False
        ).filter(Q(source__title__icontains=word) | Q(source__publisher__icontains=word))
        queryset = queryset.filter(
            Q(title__icontains=word)
            | Q(summary__icontains=word)
            | Q(title_ko__icontains=word)
            | Q(summary_ko__icontains=word)
            | Exists(IncidentPlace.objects.filter(incident=OuterRef("pk"), location__in=places))
            | Exists(sources)
        )
    return queryset


def best_matches_first(queryset, text: str):
    """On PostgreSQL, rank a search's matches for newest_first(): title above summary above
    places above sources. Ranking means scoring and sorting every match: worth it for a
    specific search ("Qingdao"), not for a word in most records ("arrested"), which lists
    newest first like every other filter. A bounded count (LIMIT) tells the two apart
    cheaply, and only the pages that order by relevance (the list, the API) ask it."""
    words = terms(text or "")
    if not words or connections[queryset.db].vendor != "postgresql":
        return queryset
    if queryset.order_by()[: RANK_AT_MOST + 1].count() > RANK_AT_MOST:
        return queryset
    return queryset.annotate(search_rank=SearchRank(F("search_document"), _prefix_query(words)))
