"""Keeping Incident.search_document exact: the text the public search matches, in one
indexed column (incidents/search.py queries it; one GIN index, one condition per search).

The document holds public text only: title and summary (English and Korean), the names of
every place at or above the incident's places (the place index, so "Liaoning" finds an arrest
in Shenyang), and the titles and publishers of its non-confidential sources. Weights A–D let
the search rank a title match above a source match.

Refreshed in one UPDATE per batch by the write services: after an incident is saved or
restored, after a place is renamed or moved (every incident at or under it), after a source is
edited (every incident citing it: a source turning confidential leaves the documents at once).
PostgreSQL only: SQLite has no tsvector and searches by substring.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection

CONFIG = "simple"

# The document of incident `i`, as an SQL expression. (Built from constants only: every value
# is passed as a query parameter, hence the noqa: S608 below.)
DOCUMENT = f"""
    setweight(to_tsvector('{CONFIG}', coalesce(i.title, '') || ' ' || coalesce(i.title_ko, '')),
              'A')
 || setweight(to_tsvector('{CONFIG}', coalesce(i.summary, '') || ' '
                                    || coalesce(i.summary_ko, '')), 'B')
 || setweight(to_tsvector('{CONFIG}', coalesce((
        SELECT string_agg(concat_ws(' ', l.name, l.name_ko, l.name_local, l.alternate_names),
                          ' ')
        FROM incidents_incidentplace ip JOIN incidents_location l ON l.id = ip.location_id
        WHERE ip.incident_id = i.id), '')), 'C')
 || setweight(to_tsvector('{CONFIG}', coalesce((
        SELECT string_agg(concat_ws(' ', s.title, s.publisher), ' ')
        FROM incidents_citation c JOIN incidents_source s ON s.id = c.source_id
        WHERE c.incident_id = i.id AND NOT s.confidential), '')), 'D')
"""  # noqa: S608
# One statement for any set of incidents (`WHERE {where}`), so a batch costs one round trip.
_REFRESH = f"UPDATE incidents_incident AS i SET search_document = {DOCUMENT} WHERE {{where}}"  # noqa: S608, E501


def enabled() -> bool:
    return connection.vendor == "postgresql"


def refresh(incident_ids: Iterable[int]) -> None:
    """Recompute the documents of these incidents."""
    ids = sorted(set(incident_ids))
    if not ids or not enabled():
        return
    with connection.cursor() as cursor:
        cursor.execute(_REFRESH.format(where="i.id = ANY(%s)"), [ids])


def refresh_all() -> None:
    """Every incident's document (after a bulk load or a migration)."""
    if enabled():
        with connection.cursor() as cursor:
            cursor.execute(_REFRESH.format(where="TRUE"))


def refresh_at_places(location_ids: Iterable[int]) -> None:
    """After places were renamed or moved: every incident at or under them."""
    ids = sorted(set(location_ids))
    if not ids or not enabled():
        return
    where = "i.id IN (SELECT incident_id FROM incidents_incidentplace WHERE location_id = ANY(%s))"
    with connection.cursor() as cursor:
        cursor.execute(_REFRESH.format(where=where), [ids])


def refresh_citing(source_ids: Iterable[int]) -> None:
    """After sources were edited (a title, a publisher, confidentiality)."""
    ids = sorted(set(source_ids))
    if not ids or not enabled():
        return
    where = "i.id IN (SELECT incident_id FROM incidents_citation WHERE source_id = ANY(%s))"
    with connection.cursor() as cursor:
        cursor.execute(_REFRESH.format(where=where), [ids])


def drifted() -> list[int]:
    """Incidents whose stored document differs from a fresh one (for tests and checks)."""
    if not enabled():
        return []
    document = f"({DOCUMENT})"
    query = "SELECT i.id FROM incidents_incident AS i WHERE i.search_document IS DISTINCT FROM "
    query += document + " ORDER BY i.id"
    with connection.cursor() as cursor:
        cursor.execute(query)
        return [row[0] for row in cursor.fetchall()]
