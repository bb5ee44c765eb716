"""Staff side of duplicates: the "Possible duplicates" panel of an incident's change page, the
warning after a save, the changelist's merge action and the merge confirmation page.

The page shows both incidents side by side; the editor chooses which one survives and posts
the versions they were shown, so a merge never acts on a record that changed unseen. The write
is services.merging.merge_incidents; nothing here writes.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from incidents.duplicates import possible_duplicates
from incidents.models import Incident, Status
from incidents.models.common import MAX_ID
from incidents.services import Conflict, can_merge, merge_incidents

MESSAGE_LIMIT = 3  # duplicates named in the message after a save (the panel lists them all)


def merge_url(*pks: int) -> str:
    return (
        reverse("admin:incidents_incident_merge")
        + "?"
        + urlencode({"ids": ",".join(map(str, pks))})
    )


def duplicates_context(request, incident: Incident) -> dict:
    """For the change page: the panel's rows, or where a merged incident went."""
    if incident.merged_into_id is not None:
        return {"merged_into": Incident.objects.filter(pk=incident.merged_into_id).first()}
    rows = possible_duplicates(incident)
    allowed = can_merge(request.user)
    return {
        "possible_duplicates": [
            {
                "duplicate": d,
                "url": reverse("admin:incidents_incident_change", args=[d.pk]),
                "merge_url": merge_url(incident.pk, d.pk) if allowed else None,
                "status": Status(d.status).label,
            }
            for d in rows
        ]
    }


def warn_after_save(modeladmin, request, incident: Incident) -> None:
    """A message after saving: the best possible duplicates, with links."""
    rows = possible_duplicates(incident)
    if not rows:
        return
    links = format_html_join(
        ", ",
        '<a href="{}">{}</a> ({})',
        (
            (reverse("admin:incidents_incident_change", args=[d.pk]), d.title,
             gettext("score %(score)s: %(reasons)s") % {"score": d.score,
                                                         "reasons": "; ".join(d.reasons)})
            for d in rows[:MESSAGE_LIMIT]
        ),
    )  # fmt: skip
    more = len(rows) - MESSAGE_LIMIT
    tail = gettext(" and %(n)s more (see the panel)") % {"n": more} if more > 0 else ""
    modeladmin.message_user(
        request,
        format_html("{} {}{}", gettext("Possible duplicates of this incident:"), links, tail),
        messages.WARNING,
    )


@admin.action(description=_("Merge two duplicate incidents…"), permissions=["publish"])
def merge_selected(modeladmin, request, queryset):
    """Select exactly two: opens the confirmation page, where the survivor is chosen."""
    pks = list(queryset.values_list("pk", flat=True)[:3])
    if len(pks) != 2:
        modeladmin.message_user(
            request, gettext("Select exactly two incidents to merge."), messages.ERROR
        )
        return None
    return redirect(merge_url(*sorted(pks)))


def _two_ids(raw: str) -> list[int] | None:
    try:
        ids = [int(x) for x in raw.split(",") if x.strip()]
    except ValueError:
        return None
    if not all(0 < pk <= MAX_ID for pk in ids):
        return None
    return ids if len(ids) == 2 and ids[0] != ids[1] else None


def merge_view(modeladmin, request):
    """GET: both incidents and the choice of survivor. POST: the merge."""
    if not can_merge(request.user):
        raise PermissionDenied
    changelist = "admin:incidents_incident_changelist"
    data = request.POST if request.method == "POST" else request.GET
    ids = _two_ids(data.get("ids", ""))
    if ids is None:
        modeladmin.message_user(
            request, gettext("Choose two different incidents to merge."), messages.ERROR
        )
        return redirect(changelist)
    incidents = {
        i.pk: i
        for i in Incident.objects.filter(pk__in=ids)
        .select_related("merged_into")
        .prefetch_related("groups")
        .annotate(
            n_citations=Count("citations", distinct=True),
            n_date_claims=Count("date_claims", distinct=True),
        )
    }
    if len(incidents) != 2:
        modeladmin.message_user(
            request, gettext("One of these incidents no longer exists."), messages.ERROR
        )
        return redirect(changelist)
    if request.method == "POST":
        done = _merge(modeladmin, request, incidents)
        if done is not None:
            return redirect("admin:incidents_incident_change", done.pk)
    first, second = (incidents[pk] for pk in ids)
    default = request.POST.get("survivor") or _suggested_survivor(first, second).pk
    context = {
        **modeladmin.admin_site.each_context(request),
        "opts": Incident._meta,
        "title": gettext("Merge duplicate incidents"),
        "incidents": [first, second],
        "ids": ",".join(map(str, ids)),
        "survivor": str(default),
        "public_loss": _public_loss(first, second),
        # A published survivor changes in public: the correction notice (services.merging).
        "any_published": Status.PUBLISHED in (first.status, second.status),
        "notice": request.POST.get("notice", ""),
        "minor": request.POST.get("minor") == "on",
    }
    return TemplateResponse(request, "admin/incidents/incident/merge.html", context)


def _suggested_survivor(a: Incident, b: Incident) -> Incident:
    """The published one (its address is the one most linked to), else the older record."""
    if (a.status == Status.PUBLISHED) != (b.status == Status.PUBLISHED):
        return a if a.status == Status.PUBLISHED else b
    return a if a.pk < b.pk else b


def _public_loss(a: Incident, b: Incident) -> list[str]:
    """Warnings: a published record merged into an unpublished one leaves the site."""
    notes = []
    for gone, keep in ((a, b), (b, a)):
        if gone.status == Status.PUBLISHED and keep.status != Status.PUBLISHED:
            notes.append(
                gettext(
                    "If “%(gone)s” is merged into “%(keep)s”, it leaves the public site until "
                    "“%(keep)s” is published (its address then leads there)."
                )
                % {"gone": gone, "keep": keep}
            )
    return notes


def _merge(modeladmin, request, incidents: dict[int, Incident]) -> Incident | None:
    try:
        survivor_pk = int(request.POST.get("survivor", ""))
    except ValueError:
        survivor_pk = None
    if survivor_pk not in incidents:
        modeladmin.message_user(request, gettext("Choose which incident survives."), messages.ERROR)
        return None
    survivor = incidents[survivor_pk]
    merged = next(i for pk, i in incidents.items() if pk != survivor_pk)
    versions = {}
    for incident in (survivor, merged):
        try:
            versions[incident.pk] = int(request.POST.get(f"version_{incident.pk}", ""))
        except ValueError:
            versions[incident.pk] = -1  # a mangled form: refuse as stale rather than guess
    try:
        result = merge_incidents(
            survivor=survivor,
            merged=merged,
            user=request.user,
            survivor_version=versions[survivor.pk],
            merged_version=versions[merged.pk],
            notice=request.POST.get("notice", ""),
            minor=request.POST.get("minor") == "on",
        )
    except Conflict as exc:
        modeladmin.message_user(request, exc.message, messages.ERROR)
        for what, before, after in exc.changes:
            modeladmin.message_user(request, f"{what}: {before} → {after}", messages.ERROR)
        return None
    except (ValidationError, PermissionDenied) as exc:
        texts = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
        for text in texts:
            modeladmin.message_user(request, text, messages.ERROR)
        return None
    modeladmin.message_user(
        request,
        gettext(
            "“%(merged)s” was merged into “%(survivor)s”: %(groups)s groups, %(citations)s "
            "citations and %(dates)s sourced dates moved (%(dropped)s citations it already had)."
        )
        % {
            "merged": result.merged,
            "survivor": result.survivor,
            "groups": result.groups,
            "citations": result.citations,
            "dates": result.date_claims,
            "dropped": result.citations_dropped,
        },
        messages.SUCCESS,
    )
    return result.survivor


class MergedFilter(admin.SimpleListFilter):
    """Incidents merged into another are out of the way unless asked for."""

    title = _("merged")
    parameter_name = "merged"

    def lookups(self, request, model_admin):
        return [("yes", _("Merged into another")), ("all", _("All, merged included"))]

    def choices(self, changelist):
        yield {
            "selected": self.value() is None,
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "display": _("Not merged"),
        }
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(merged_into__isnull=False)
        if self.value() == "all":
            return queryset
        return queryset.filter(merged_into__isnull=True)
