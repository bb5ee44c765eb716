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
    # Passed review, waiting for its embargo (Incident.publish_not_before) to end; published by
    # services.embargo.publish_due, run every minute by `manage.py publish_due`. Not public.
    SCHEDULED = "scheduled", _("Scheduled (embargoed)")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


# Estimates are published by hand (no review, no embargo): the statuses they may take.
ESTIMATE_STATUSES = [(value, label) for value, label in Status.choices if value != Status.SCHEDULED]


class IncidentQuerySet(models.QuerySet):
    def published(self):
        """Published only: drafts, incidents in review, scheduled (embargoed) and archived ones
        are never public. A merged incident is archived for good (constraint
        incident_merged_is_archived), and a working copy is never published (constraint
        incident_working_copy_not_public), so this filter alone keeps them out too."""
        return self.filter(status=Status.PUBLISHED)

    def records(self):
        """The incidents that are records in their own right, whatever their status: not the
        working copy of a pending revision (services.revisions), not merged into another
        (services.merging). Staff lists, boards, duplicates and full exports use it."""
        return self.filter(revision_of__isnull=True, merged_into__isnull=True)

    def embargo_due(self, now):
        """Scheduled incidents whose embargo has ended by `now` (services.embargo)."""
        return self.filter(status=Status.SCHEDULED, publish_not_before__lte=now)

    def authored_by(self, user_id: int):
        """Incidents `user_id` created: their first history record is the user's (the author
        the workflow e-mails write to, services.notifications.author_of). First a semi-join on
        the user's creation records (history_user is indexed), then the exact check on the
        first record of each incident found, so a large history is never scanned."""
        from incidents.models import Incident

        first = (
            Incident.history.filter(id=models.OuterRef("pk"))
            .order_by("history_date", "history_id")
            .values("history_user_id")[:1]
        )
        created = Incident.history.filter(history_type="+", history_user_id=user_id)
        return (
            self.filter(pk__in=created.values("id"))
            .annotate(first_author_id=models.Subquery(first))
            .filter(first_author_id=user_id)
        )

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

    def with_card_relations(self):
        """Prefetch what a list row shows (public.public_card): groups with their place of
        arrest, and their events with their places; two queries for a whole page."""
        from incidents.models import CustodyEvent, DetaineeGroup

        events = CustodyEvent.objects.select_related("location").order_by(*CHRONOLOGICAL)
        groups = (
            DetaineeGroup.objects.select_related("arrest_location")
            .prefetch_related(Prefetch("events", queryset=events))
            .order_by("sequence", "pk")
        )
        return self.prefetch_related(Prefetch("groups", queryset=groups))

    def with_public_relations(self, *, citations: bool = True):
        """Prefetch everything a public page shows, in a fixed number of queries.

        Confidential sources are filtered out here, at the database, so a template cannot
        reach them by accident (claims keep theirs, and public.public_claims drops them).
        """
        from incidents.models import (
            Citation,
            CountClaim,
            CustodyEvent,
            DateClaim,
            DetaineeGroup,
            EventActor,
        )

        actors = EventActor.objects.select_related("actor").order_by("pk")
        events = (
            CustodyEvent.objects.select_related("location")
            .prefetch_related(Prefetch("actors", queryset=actors))
            .order_by(*CHRONOLOGICAL)
        )
        claims = CountClaim.objects.select_related("source__relays").order_by(
            "part", "sequence", "pk"
        )
        groups = (
            DetaineeGroup.objects.select_related("arrest_location")
            .prefetch_related(
                Prefetch("events", queryset=events), Prefetch("claims", queryset=claims)
            )
            .order_by("sequence", "pk")
        )
        date_claims = DateClaim.objects.select_related("source__relays").order_by("sequence", "pk")
        lookups = [Prefetch("groups", queryset=groups)]
        if citations:
            public_citations = (
                Citation.objects.filter(source__confidential=False)
                .select_related("source__relays")
                .order_by(models.F("source__date_earliest").asc(nulls_first=True), "pk")
            )
            lookups += [
                Prefetch("citations", queryset=public_citations, to_attr="public_citations"),
                Prefetch("date_claims", queryset=date_claims),
            ]
        return self.prefetch_related(*lookups)

    def with_corrections(self):
        """Prefetch the public correction notices, newest first (one query)."""
        from incidents.models import IncidentRevision

        notices = IncidentRevision.objects.public_notices().order_by("-published_at", "-pk")
        return self.prefetch_related(
            Prefetch("revisions", queryset=notices, to_attr="public_corrections")
        )


class SourceQuerySet(models.QuerySet):
    def public(self):
        return self.filter(confidential=False)


class EstimateQuerySet(models.QuerySet):
    def published(self):
        """Published estimates resting on at least one source that may be shown."""
        from incidents.models import EstimateSource

        public_source = EstimateSource.objects.filter(
            estimate=models.OuterRef("pk"), source__confidential=False
        )
        return self.filter(models.Exists(public_source), status=Status.PUBLISHED)


MAX_MERGE_HOPS = 10


def published_survivor(slug: str):
    """The published incident that the incident at `slug` was merged into (following earlier
    merges), or None: when no incident there was merged, or its survivor is not published.
    One query when nothing was merged at that address."""
    from incidents.models import Incident

    row = Incident.objects.filter(slug=slug, merged_into__isnull=False).values("merged_into")
    target = row.first()
    seen: set[int] = set()
    pk = target["merged_into"] if target else None
    for _hop in range(MAX_MERGE_HOPS):
        if pk is None or pk in seen:
            return None
        seen.add(pk)
        found = Incident.objects.filter(pk=pk).only("pk", "slug", "status", "merged_into").first()
        if found is None:
            return None
        if found.merged_into_id is None:
            return found if found.status == Status.PUBLISHED else None
        pk = found.merged_into_id
    return None


def published_incidents_under(place_ids) -> dict[int, set[int]]:
    """{place: ids of the published incidents at it or under it}, in one query (for the few
    places whose incidents must be told apart, e.g. a city and a consulate in it)."""
    from collections import defaultdict

    from incidents.models import Incident, IncidentPlace

    found: dict[int, set[int]] = defaultdict(set)
    pairs = IncidentPlace.objects.filter(
        location_id__in=list(place_ids), incident__in=Incident.objects.published().values("pk")
    ).values_list("location_id", "incident_id")
    for place_id, incident_id in pairs:
        found[place_id].add(incident_id)
    return found


def published_place_counts() -> dict[int, int]:
    """{place a published incident names (arrest or custody event): the number of published
    incidents at it *or anywhere under it*}, the number its `?city=<slug>` list shows.

    Three queries, whatever the size of the record; used by the map page and the GeoJSON.
    """
    from django.db.models import Count

    from incidents.models import CustodyEvent, DetaineeGroup, Incident, IncidentPlace

    published = Incident.objects.published().values("pk")
    named = set(
        DetaineeGroup.objects.filter(incident__in=published, arrest_location__isnull=False)
        .order_by()
        .values_list("arrest_location_id", flat=True)
        .distinct()
    ) | set(
        CustodyEvent.objects.filter(group__incident__in=published, location__isnull=False)
        .order_by()
        .values_list("location_id", flat=True)
        .distinct()
    )
    # (place, incident) pairs are unique in the index: a plain COUNT is exact.
    counts = (
        IncidentPlace.objects.filter(incident__in=published, location_id__in=named)
        .order_by()
        .values("location_id")
        .annotate(n=Count("pk"))
    )
    return {row["location_id"]: row["n"] for row in counts}
