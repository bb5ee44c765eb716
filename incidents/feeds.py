"""Atom feed of published incidents, most recently updated first, with the list page's filters.

/feeds/incidents.atom?city=shenyang follows what /incidents/?city=shenyang shows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.contrib.syndication.views import Feed
from django.http import HttpRequest
from django.urls import reverse
from django.utils import translation
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape, linebreaks
from django.views.decorators.http import require_safe

from incidents.exports import bad_filters_text, filter_errors
from incidents.filters import IncidentFilterSet
from incidents.listing import active_filters, filter_querystring
from incidents.models import IncidentRevision
from incidents.public import Memo, public_card

FEED_SIZE = 50


_XML_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass
class FeedRequest:
    request: HttpRequest
    filterset: IncidentFilterSet

    @property
    def querystring(self) -> str:
        return filter_querystring(self.request.GET)

    def url(self, name: str) -> str:
        query = self.querystring
        return reverse(name) + (f"?{query}" if query else "")


class IncidentFeed(Feed):
    feed_type = Atom1Feed

    def __call__(self, request, *args, **kwargs):
        filterset = _filterset(request)
        if not filterset.is_valid():
            return bad_filters_text(filter_errors(filterset))
        # One feed URL, one language: feed readers cache by URL, so a reader's language
        # cookie must not turn half an entry into Korean (the feed declares language "en").
        with translation.override("en"):
            return super().__call__(request, *args, **kwargs)

    def get_object(self, request, *args, **kwargs) -> FeedRequest:
        return FeedRequest(request, _filterset(request))

    def title(self, obj: FeedRequest) -> str:
        applied = "; ".join(f"{f['label']}: {f['value']}" for f in active_filters(obj.filterset))
        # A filter value is the reader's text; XML 1.0 cannot carry control characters.
        applied = _XML_FORBIDDEN.sub("", applied)
        return "Refoulement Watch: incidents" + (f" ({applied})" if applied else "")

    def subtitle(self, obj: FeedRequest) -> str:
        return (
            "Published, source-backed records of North Koreans arrested in China and forcibly "
            "returned, most recently updated first."
        )

    def link(self, obj: FeedRequest) -> str:
        return obj.url("incidents:list")

    def feed_url(self, obj: FeedRequest) -> str:
        return obj.url("incidents:feed")

    def items(self, obj: FeedRequest) -> list[dict]:
        """The incidents most recently updated and, as entries of their own, the latest
        public correction notices of the same incidents; newest first."""
        incidents = obj.filterset.qs.order_by("-updated_at", "-pk").with_card_relations()
        items = []
        memo = Memo()
        for incident in incidents[:FEED_SIZE]:
            data = public_card(incident, memo)
            data["permalink"] = obj.request.build_absolute_uri(data["url"])
            items.append(data)
        notices = (
            IncidentRevision.objects.public_notices()
            .filter(incident__in=obj.filterset.qs.order_by().values("pk"))
            .select_related("incident")
            .order_by("-published_at", "-pk")[:FEED_SIZE]
        )
        for notice in notices:
            url = notice.incident.get_absolute_url() + f"#correction-{notice.number}"
            items.append({
                "correction": True, "title": f"Correction: {notice.incident.title}",
                "notice": notice.notice, "permalink": obj.request.build_absolute_uri(url),
                "published_at": notice.published_at, "updated_at": notice.published_at,
            })  # fmt: skip
        items.sort(key=lambda item: item["updated_at"], reverse=True)
        return items[:FEED_SIZE]

    def item_title(self, item: dict) -> str:
        return item["title"]

    def item_link(self, item: dict) -> str:
        return item["permalink"]

    def item_guid(self, item: dict) -> str:
        return item["permalink"]

    def item_description(self, item: dict) -> str:
        """HTML (Atom type="html"): every value escaped, so a summary cannot inject markup."""
        if item.get("correction"):
            return linebreaks(escape(item["notice"]))
        outcomes = ", ".join(str(o["label"]) for o in item["outcomes"]) or "unknown"
        facts = (
            f"Date: {item['date_display']}. North Koreans: {item['people_total']}."
            + (f" Helpers or brokers: {item['helpers_total']}." if item["helpers_total"] else "")
            + f" Outcome: {outcomes}."
        )
        return linebreaks(escape(item["summary"])) + f"<p>{escape(facts)}</p>"

    def item_pubdate(self, item: dict):
        return item["published_at"]

    def item_updateddate(self, item: dict):
        return item["updated_at"]

    def item_categories(self, item: dict) -> list[str]:
        if item.get("correction"):
            return ["correction"]
        return [o["code"] for o in item["outcomes"]]


def _filterset(request) -> IncidentFilterSet:
    return IncidentFilterSet.public(request.GET)


incident_feed = require_safe(IncidentFeed())
