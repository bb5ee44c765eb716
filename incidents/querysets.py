"""The one place that decides what the public may see.

Every public view, export, feed and API starts from one of these `published()`/`public()`
querysets; nothing public should call `.objects.all()`.
"""

from django.db import models
from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _

# Events in time order. Sorting by the *latest* possible date first keeps a vague later event
# ("July 2017") after a precise earlier one ("15–17 July 2017"); undated events go last on
# every database.
CHRONOLOGICAL = (
    models.F("date_latest").asc(nulls_last=True),
    models.F("date_earliest").asc(nulls_last=True),
    "sequence",
    "pk",
)


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


class IncidentQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Status.PUBLISHED)

    def newest_first(self):
        """Newest first; with a text search (PostgreSQL), best matches first."""
        ranked = ["-search_rank"] if "search_rank" in self.query.annotations else []
        return self.order_by(
            *ranked,
            models.F("date_latest").desc(nulls_last=True),
            "-date_earliest",
            models.F("published_at").desc(nulls_last=True),
            "slug",
        )

    def chronological(self):
        """Oldest first, for timelines; undated incidents last."""
        return self.order_by(models.F("date_earliest").asc(nulls_last=True), "date_latest", "slug")

    def with_public_relations(self, *, citations: bool = True):
        """Prefetch everything a public page shows, in a fixed number of queries.

        Confidential sources are filtered out here, at the database, so a template cannot
        reach them by accident.
        """
        from incidents.models import Citation, CustodyEvent, DetaineeGroup

        events = CustodyEvent.objects.select_related("location").order_by(*CHRONOLOGICAL)
        groups = (
            DetaineeGroup.objects.select_related("arrest_location")
            .prefetch_related(Prefetch("events", queryset=events))
            .order_by("sequence", "pk")
        )
        public_citations = (
            Citation.objects.filter(source__confidential=False)
            .select_related("source")
            .order_by("source__published_on", "pk")
        )
        lookups = [Prefetch("groups", queryset=groups)]
        if citations:
            lookups.append(
                Prefetch("citations", queryset=public_citations, to_attr="public_citations")
            )
        return self.prefetch_related(*lookups)


class SourceQuerySet(models.QuerySet):
    def public(self):
        return self.filter(confidential=False)


class EstimateQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Status.PUBLISHED, source__confidential=False)


def published_incidents_by_location() -> dict[int, set[int]]:
    """{location id: ids of the published incidents that name it (arrest or custody event)}.

    Two queries, whatever the size of the record; used by the map page and the GeoJSON.
    """
    from collections import defaultdict

    from incidents.models import CustodyEvent, DetaineeGroup, Incident

    published = Incident.objects.published().values("pk")
    pairs = DetaineeGroup.objects.filter(
        incident__in=published, arrest_location__isnull=False
    ).values_list("arrest_location_id", "incident_id")
    event_pairs = CustodyEvent.objects.filter(
        group__incident__in=published, location__isnull=False
    ).values_list("location_id", "group__incident_id")
    found: dict[int, set[int]] = defaultdict(set)
    for location_id, incident_id in [*pairs, *event_pairs]:
        found[location_id].add(incident_id)
    return found
