"""Staff entry. One incident page holds its groups, each group's custody events, and the
citations, so a report can be entered in one sitting (django-nested-admin).

Roles (see migrations/0003_roles.py): caseworkers edit drafts only; editors, who hold
incidents.publish_incident, edit at any status, publish, delete and restore. Status changes
only through incidents.services.incident_transition, never through a form.
"""

from __future__ import annotations

import copy

import nested_admin
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import models
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.forms import Textarea
from django.http import Http404, HttpResponseBadRequest, JsonResponse, QueryDict
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from django_countries import countries
from django_countries.filters import CountryFilter
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from incidents import admin_stale_merge
from incidents.admin_edits import all_values, changed_values, inline_edits, record_outcome
from incidents.admin_merge import (
    MergedFilter,
    duplicates_context,
    merge_selected,
    merge_view,
    warn_after_save,
)
from incidents.admin_revisions import RevisionViews, revision_context
from incidents.admin_rows import KnownPickers, KnownRowsFormSet
from incidents.forms import (
    ActorForm,
    CountClaimForm,
    CustodyEventForm,
    DateClaimForm,
    EstimateForm,
    IncidentForm,
    LocationForm,
    SourceForm,
)
from incidents.models import (
    Actor,
    Citation,
    CountClaim,
    CustodyEvent,
    DateClaim,
    DetaineeGroup,
    Estimate,
    EstimateSource,
    EventActor,
    Incident,
    Location,
    Outcome,
    ReviewQueueItem,
    Source,
    StaffAccessLog,
    Status,
)
from incidents.models.common import MAX_ID
from incidents.search import search, terms
from incidents.services import (
    PUBLISH_PERMISSION,
    RESTORE_PERMISSION,
    TRANSITIONS,
    Conflict,
    available_transitions,
    can_edit_incident,
    delete_record,
    deleted_incidents,
    embargo_text,
    incident_delete,
    incident_restore,
    incident_transition,
    log_staff_access,
    publication_problems,
    save_incident,
    save_record,
)
from incidents.services import locks as edit_locks

# Inline rows get small text boxes; the full-size default makes the tables unusable.
SMALL_TEXT = {models.TextField: {"widget": Textarea(attrs={"rows": 2, "cols": 40})}}


def _error_messages(exc: Exception) -> list[str]:
    if isinstance(exc, ValidationError):
        return exc.messages
    if isinstance(exc, Conflict):
        return [exc.message] + [
            f"{what}: {before} → {after}" for what, before, after in exc.changes
        ]
    return [str(exc) or gettext("You are not allowed to do this.")]


def _copy_saved(target, saved) -> None:
    """The admin keeps using the object its form built (for the log and the redirect): give it
    what the service stored."""
    for f in saved._meta.concrete_fields:
        setattr(target, f.attname, getattr(saved, f.attname))
    target._state.adding = False
    target._state.db = saved._state.db


class SavesThroughServices:
    """Saves through services.save_record / delete_record, for sources, places, actors and
    estimates (with their inline sources): the same permission, protected-field and version
    rules as every other write path. The forms validate; the service writes."""

    def save_model(self, request, obj, form, change):
        pass  # written with its inlines in save_related, by the service

    def save_related(self, request, form, formsets, change):
        result = save_record(
            user=request.user,
            model=self.model,
            pk=form.instance.pk if change else None,
            values=changed_values(form) if change else all_values(form),
            expected_version=form.cleaned_data.get("read_version") if change else None,
            children=inline_edits(formsets),
        )
        _copy_saved(form.instance, result.instance)
        record_outcome(formsets, result)

    def delete_model(self, request, obj):
        delete_record(user=request.user, instance=obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            delete_record(user=request.user, instance=obj)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        return retry_once_on_conflict(super().changeform_view)(
            request, object_id, form_url, extra_context
        )


def retry_once_on_conflict(view):
    """A save that lost a race with another save (after its form's version check passed) is
    refused by the service. Run the POST once more: the form's check now sees the newer
    version and shows what changed, keeping what the user typed on the page."""

    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except Conflict:
            if getattr(request, "_conflict_retried", False):
                raise
            request._conflict_retried = True
            return view(request, *args, **kwargs)

    return wrapped


class HistoryAdmin(SimpleHistoryAdmin):
    """History to read, never to revert: simple-history's revert saves the old row as it was,
    status included, so it would bypass the workflow, the role rules and the inlines."""

    object_history_list_template = "admin/history_list.html"

    def revert_disabled(self, request, obj=None):
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method != "GET":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


class LogsStaffAccess:
    """Logs every GET of a record's change/view page and history pages (who, what, when)."""

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        context = getattr(response, "context_data", None) or {}
        if request.method == "GET" and response.status_code == 200 and context.get("original"):
            log_staff_access(user=request.user, obj=context["original"])
        return response

    def render_history_view(self, request, template, context, **kwargs):
        if request.method == "GET":
            obj = context.get("object") or context["original"]
            log_staff_access(user=request.user, obj=obj, action=StaffAccessLog.Action.HISTORY)
        return super().render_history_view(request, template, context, **kwargs)


def _incident_of(obj):
    """The incident an inline's `obj` belongs to: inlines get the incident, a group or an
    event."""
    if isinstance(obj, CustodyEvent):
        obj = obj.group if obj.group_id else None
    if isinstance(obj, DetaineeGroup):
        return obj.incident if obj.incident_id else None
    return obj


class FollowsIncident:
    """Inline rows can be added, changed and deleted exactly when their incident can."""

    def _editable(self, request, obj) -> bool:
        incident = _incident_of(obj)
        return incident is None or incident.pk is None or can_edit_incident(request.user, incident)

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and self._editable(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._editable(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._editable(request, obj)


def transition_action(name: str):
    """A changelist action applying one workflow step to each selected incident."""
    transition = TRANSITIONS[name]

    def action(modeladmin, request, queryset):
        modeladmin.apply_transition(request, queryset, name)

    action.__name__ = f"transition_{name}"  # the action's id in the POST
    needs = "publish" if transition.permission == PUBLISH_PERMISSION else "change"
    return admin.action(description=transition.label, permissions=[needs])(action)


class WorkflowActions:
    """Changelist actions for workflow steps; each incident succeeds or fails on its own."""

    def has_publish_permission(self, request):
        return request.user.has_perm(PUBLISH_PERMISSION)

    def apply_transition(self, request, queryset, name):
        done = []
        for incident in queryset:
            try:
                incident_transition(incident=incident, name=name, user=request.user)
            except (ValidationError, PermissionDenied) as exc:
                reason = " ".join(_error_messages(exc))
                self.message_user(request, f"“{incident}”: {reason}", messages.ERROR)
            else:
                done.append(f"“{incident}”")
        if done:
            self.message_user(
                request,
                gettext("%(step)s done for %(count)d: %(titles)s")
                % {"step": TRANSITIONS[name].label, "count": len(done), "titles": ", ".join(done)},
                messages.SUCCESS,
            )


def _extra_on_add(obj) -> int:
    """One blank row when the parent is new (the usual case: typing up a fresh report)."""
    return 1 if obj is None or obj.pk is None else 0


class DateTextDisplay:
    """For staff with view permission only: admin then renders every field read-only, looking
    `date_text` up on the admin class, as it is a form field and not a model field."""

    @admin.display(description=_("Date as reported"))
    def date_text(self, obj):
        return obj.date_display


class EventActorInline(FollowsIncident, KnownPickers, nested_admin.NestedTabularInline):
    model = EventActor
    formset = KnownRowsFormSet
    fields = ["actor", "role"]
    autocomplete_fields = ["actor"]
    extra = 0
    is_sortable = False
    verbose_name_plural = _("who acted")


class CustodyEventInline(
    FollowsIncident, KnownPickers, DateTextDisplay, nested_admin.NestedStackedInline
):
    model = CustodyEvent
    formset = KnownRowsFormSet
    row_select_related = ("group__incident",)  # its nested rows ask its incident for permission
    form = CustodyEventForm
    inlines = [EventActorInline]
    fieldsets = [
        (None, {"fields": [("kind", "date_text", "sequence"), ("location", "description")]}),
        (_("Arrest"), {"fields": [("circumstance", "circumstance_text")]}),
        (_("Internal"), {"fields": ["notes_internal"]}),
    ]
    autocomplete_fields = ["location"]
    formfield_overrides = SMALL_TEXT
    is_sortable = False  # events are ordered by date; `sequence` only breaks ties

    def get_extra(self, request, obj=None, **kwargs):
        return _extra_on_add(obj)


class CountClaimInline(FollowsIncident, KnownPickers, nested_admin.NestedTabularInline):
    """What each source says of the group's figures; the preferred one is the figure."""

    model = CountClaim
    formset = KnownRowsFormSet
    form = CountClaimForm
    fields = ["part", "count_text", "source", "wording", "quotation", "locator", "preferred",
              "preferred_reason"]  # fmt: skip
    autocomplete_fields = ["source"]
    formfield_overrides = SMALL_TEXT
    extra = 0
    is_sortable = False
    verbose_name_plural = _("figures as each source gives them")


class GroupFormSet(KnownRowsFormSet):
    """A group can be part of another group of this incident (not of itself)."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        incident = self.instance if self.instance.pk else None
        groups = DetaineeGroup.objects.filter(incident=incident) if incident else None
        if groups is None:
            form.fields["parent"].queryset = DetaineeGroup.objects.none()
        else:
            field = form.fields["parent"]
            field.queryset = groups.select_related("arrest_location")
            everyone = self.shared_choices("parent", field)
            if form.instance.pk:
                field.queryset = field.queryset.exclude(pk=form.instance.pk)
            field.choices = [c for c in everyone if str(c[0]) != str(form.instance.pk)]


class DetaineeGroupInline(FollowsIncident, KnownPickers, nested_admin.NestedStackedInline):
    model = DetaineeGroup
    formset = GroupFormSet
    row_select_related = ("incident",)  # its nested rows ask its incident for permission
    inlines = [CustodyEventInline, CountClaimInline]
    # No drag-and-drop (sortable_field_name): nested_admin's formsetsort filter crashes
    # re-rendering a page with errors when two groups share a `sequence`, which the
    # default of 0 makes common. Staff type the order instead.
    is_sortable = False
    autocomplete_fields = ["arrest_location"]
    formfield_overrides = SMALL_TEXT
    fieldsets = [
        (None, {"fields": ["label", "arrest_location", "outcome", "sequence", "parent"]}),
        (
            _("How many North Koreans"),
            {
                "description": _(
                    "Women, men and minors are parts of the group and cannot exceed its size. "
                    "For a range such as 27–29 choose 'range' and give both numbers. Leave a "
                    "number empty when the report does not say. When sources disagree, enter "
                    "each version below as a sourced figure: the preferred one becomes the "
                    "figure here."
                ),
                "fields": [
                    ("size_value", "size_high", "size_qualifier"),
                    ("women_value", "women_high", "women_qualifier"),
                    ("men_value", "men_high", "men_qualifier"),
                    ("minors_value", "minors_high", "minors_qualifier"),
                ],
            },
        ),
        (
            _("Helpers and brokers (counted apart from the North Koreans)"),
            {
                "fields": [
                    ("helpers_value", "helpers_high", "helpers_qualifier"),
                    "helpers_nationality",
                    "helpers_description",
                ]
            },
        ),
        (_("Internal"), {"fields": ["notes_internal"]}),
    ]

    def get_extra(self, request, obj=None, **kwargs):
        return _extra_on_add(obj)


class DateClaimInline(
    FollowsIncident, KnownPickers, DateTextDisplay, nested_admin.NestedTabularInline
):
    """When sources give different dates: each version; the preferred one is the date."""

    model = DateClaim
    formset = KnownRowsFormSet
    form = DateClaimForm
    fields = ["date_text", "source", "wording", "quotation", "locator", "preferred",
              "preferred_reason"]  # fmt: skip
    autocomplete_fields = ["source"]
    formfield_overrides = SMALL_TEXT
    extra = 0
    is_sortable = False
    verbose_name_plural = _("dates as each source gives them")


class CitationFormSet(KnownRowsFormSet):
    """Offers only this incident's groups and events (none yet for a new incident)."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        incident = self.instance if self.instance.pk else None
        groups = DetaineeGroup.objects.select_related("arrest_location")
        events = CustodyEvent.objects.select_related("group__arrest_location")
        form.fields["group"].queryset = (
            groups.filter(incident=incident) if incident else groups.none()
        )
        form.fields["event"].queryset = (
            events.filter(group__incident=incident) if incident else events.none()
        )
        # "Arrested – 15 July 2017" is ambiguous across groups: name the group too.
        form.fields["event"].label_from_instance = lambda event: f"{event.group}: {event}"
        for name in ("group", "event"):
            form.fields[name].choices = self.shared_choices(name, form.fields[name])


class CitationInline(FollowsIncident, KnownPickers, nested_admin.NestedTabularInline):
    model = Citation
    formset = CitationFormSet
    row_select_related = ("incident",)  # a row's title names its incident
    fields = ["source", "group", "event", "claim", "locator"]
    autocomplete_fields = ["source"]
    formfield_overrides = SMALL_TEXT
    is_sortable = False

    def get_extra(self, request, obj=None, **kwargs):
        return _extra_on_add(obj)


class ArrestCountryFilter(admin.SimpleListFilter):
    """Country of any group's place of arrest; lists only countries that occur."""

    title = _("country of arrest")
    parameter_name = "arrest_country"

    def lookups(self, request, model_admin):
        # A semi-join per place (indexed), not a join over every group and DISTINCT.
        arrested_here = DetaineeGroup.objects.filter(arrest_location=OuterRef("pk"))
        codes = (
            Location.objects.filter(Exists(arrested_here))
            .order_by("country")
            .values_list("country", flat=True)
            .distinct()
        )
        return [(code, countries.name(code)) for code in codes]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        # A subquery rather than a join, so an incident with two groups there is listed once.
        arrested_there = DetaineeGroup.objects.filter(arrest_location__country=self.value())
        return queryset.filter(pk__in=arrested_there.values("incident"))


class YearFilter(admin.SimpleListFilter):
    """Incidents whose date range touches a year (recent years first). The choices need no
    query, unlike date_hierarchy's, which scanned every incident on each changelist view."""

    title = _("year")
    parameter_name = "year"
    FIRST_YEAR = 1990

    def lookups(self, request, model_admin):
        this_year = timezone.localdate().year
        years = [(str(y), str(y)) for y in range(this_year, self.FIRST_YEAR - 1, -1)]
        return [*years, ("undated", _("date unknown"))]

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        if value == "undated":
            return queryset.filter(date_earliest__isnull=True)
        try:
            year = int(value)
        except ValueError:
            return queryset.none()
        return queryset.filter(date_earliest__year__lte=year, date_latest__year__gte=year)


def related_history(incident_id: int, limit: int = 100) -> list:
    """Newest changes to the incident's groups, events and citations, deleted ones included."""
    group_ids = DetaineeGroup.history.filter(incident_id=incident_id).values("id")
    querysets = [
        DetaineeGroup.history.filter(incident_id=incident_id),
        CustodyEvent.history.filter(group_id__in=group_ids),
        Citation.history.filter(incident_id=incident_id),
    ]
    records = sorted(
        (r for qs in querysets for r in qs.select_related("history_user")[:limit]),
        key=lambda r: r.history_date,
        reverse=True,
    )[:limit]
    for record in records:
        model = record.instance_type
        record.model_name = model._meta.verbose_name
        try:
            record.label = str(record.instance)
        except ObjectDoesNotExist:  # e.g. a group's place of arrest deleted since
            record.label = f"#{record.id}"
        previous = record.prev_record if record.history_type == "~" else None
        record.changes = (
            HistoricalRecordContextHelper(model, record).context_for_delta_changes(
                record.diff_against(previous)
            )
            if previous
            else []
        )
    return records


class RecordKindFilter(admin.SimpleListFilter):
    """Records by default; pending revisions (working copies, services.revisions) on request,
    so a list of incidents never shows one incident twice."""

    title = _("kind")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return [("revisions", _("Pending revisions of published incidents"))]

    def queryset(self, request, queryset):
        if self.value() == "revisions":
            return queryset.filter(revision_of__isnull=False)
        return queryset.filter(revision_of__isnull=True)


class AuthorFilter(admin.SimpleListFilter):
    """Incidents the viewer created, on request ("author: me", the desk's "see all" links)."""

    title = _("author")
    parameter_name = "author"

    def lookups(self, request, model_admin):
        return [("me", _("Me"))]

    def queryset(self, request, queryset):
        if self.value() == "me":
            return queryset.authored_by(request.user.pk)
        return queryset


@admin.register(Incident)
class IncidentAdmin(
    RevisionViews,
    LogsStaffAccess,
    WorkflowActions,
    DateTextDisplay,
    HistoryAdmin,
    nested_admin.NestedModelAdmin,
):
    form = IncidentForm
    inlines = [DateClaimInline, DetaineeGroupInline, CitationInline]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "title",
                    "slug",
                    "date_text",
                    "status",
                    "publish_not_before",
                    "summary",
                    "read_version",
                ]
            },
        ),  # fmt: skip
        (_("Internal"), {"fields": ["notes_internal"]}),
        (_("Korean (optional)"), {"fields": ["title_ko", "summary_ko"], "classes": ["collapse"]}),
        (_("History"), {"fields": ["created_at", "updated_at", "published_at"]}),
    ]
    list_display = ["title", "date_display", "status_display", "outcome_list", "people",
                    "updated_at"]  # fmt: skip
    list_filter = [
        RecordKindFilter,
        AuthorFilter,
        "status",
        "groups__outcome",
        ArrestCountryFilter,
        YearFilter,
        "date_precision",
        MergedFilter,
    ]
    search_fields = ["title", "summary", "slug"]  # see get_search_results
    list_per_page = 50
    show_full_result_count = False  # a second COUNT over every incident on each search
    actions = [*(transition_action(name) for name in TRANSITIONS), merge_selected]
    object_history_template = "admin/incidents/incident/object_history.html"

    class Media:
        js = ["js/incident-editing.js"]

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("deleted/", wrap(self.deleted_view), name="incidents_incident_deleted"),
            path(
                "deleted/<int:incident_id>/restore/",
                wrap(require_POST(self.restore_view)),
                name="incidents_incident_restore",
            ),
            path(
                "merge/",
                wrap(self.merge_view),
                name="incidents_incident_merge",
            ),
            path(
                "<path:object_id>/transition/<str:name>/",
                wrap(require_POST(self.transition_view)),
                name="incidents_incident_transition",
            ),
            *self.revision_urls(),
            path(
                "<path:object_id>/editing/",
                wrap(require_POST(self.editing_view)),
                name="incidents_incident_editing",
            ),
            path(
                "<path:object_id>/apply-onto-newer/",
                wrap(require_POST(self.apply_onto_newer_view)),
                name="incidents_incident_apply_onto_newer",
            ),
            *super().get_urls(),
        ]

    def get_queryset(self, request):
        # outcome_list and people read groups.all(): one prefetch instead of a query per row.
        return super().get_queryset(request).prefetch_related("groups")

    def get_search_results(self, request, queryset, search_term):
        """Staff search by the words of the title, summary, places (at any level: "Jilin"
        finds Tumen) and public source titles: the public search (incidents/search.py; the
        indexed document on PostgreSQL) over every status, or an exact slug. No join, so no
        DISTINCT over the whole table."""
        term = search_term.strip()
        if not terms(term):
            return queryset, False
        return search(queryset, term) | queryset.filter(slug=term), False

    # -- roles -----------------------------------------------------------------------------
    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or can_edit_incident(request.user, obj)

    # -- workflow --------------------------------------------------------------------------
    def render_change_form(self, request, context, *args, obj=None, **kwargs):
        if obj is not None and obj.pk:
            context["transitions"] = available_transitions(incident=obj, user=request.user)
            context["workflow_status"] = status_with_embargo(obj)
            if obj.status == Status.IN_REVIEW and obj.revision_of_id is None:
                context["publication_problems"] = publication_problems(obj)
                context["embargo_note"] = embargo_note(obj)
            context.update(revision_context(obj, request.user))
            if obj.revision_of_id is None:  # a working copy repeats its live record
                context |= duplicates_context(request, obj)
            self._editing_context(request, context, obj)
            self._merge_context(request, context, obj)
        return super().render_change_form(request, context, *args, obj=obj, **kwargs)

    def merge_view(self, request):
        return merge_view(self, request)

    # -- who else is editing (soft locks; services.locks) -----------------------------------
    def _editing_context(self, request, context, obj):
        """The others editing this incident (one query) and, for a user who may edit it, the
        record that they are, refreshed by the page's heartbeat (static/js/incident-editing.js)."""
        editing = self.has_change_permission(request, obj)
        others = edit_locks.page_opened(incident=obj, user=request.user, editing=editing)
        context["edit_locks"] = [edit_locks.banner_text(lock) for lock in others]
        if editing:
            context["edit_heartbeat"] = {
                "url": reverse(f"{self.admin_site.name}:incidents_incident_editing", args=[obj.pk]),
                "seconds": edit_locks.HEARTBEAT_SECONDS,
            }

    def editing_view(self, request, object_id):
        """The open change page reports in (`action=heartbeat`) or leaves (`action=release`).
        Answers with the others editing, for the banner."""
        action = request.POST.get("action", "")
        if action not in ("heartbeat", "release"):
            return HttpResponseBadRequest(gettext("Unknown action."))
        try:
            incident = self.get_object(request, str(int(unquote(object_id))))
        except (ValueError, ValidationError):
            return HttpResponseBadRequest(gettext("Not an incident number."))
        if incident is None:
            raise Http404
        if not self.has_change_permission(request, incident):
            raise PermissionDenied
        if action == "release":
            edit_locks.release(incident=incident, user=request.user)
            return JsonResponse({"editing": []})
        others = edit_locks.heartbeat(incident=incident, user=request.user)
        return JsonResponse({"editing": [edit_locks.banner_text(lock) for lock in others]})

    # -- merging a refused edit onto the newer version (admin_stale_merge) ------------------------
    def _merge_context(self, request, context, obj):
        merge = getattr(request, "_incident_merge", None)
        if merge is not None:  # the merged page
            context["merge_plan"] = merge
            return
        form = context["adminform"].form
        read_version = form.cleaned_data.get("read_version") if form.is_bound else None
        if read_version is not None and read_version != obj.version:
            # The refused page (forms.VersionedForm): their values beside the newer ones, and
            # the way to merge.
            # Read it again: validating the form put the writer's values on `obj`.
            newer = self.get_object(request, str(obj.pk))
            context["merge_offer"] = {
                "plan": admin_stale_merge.plan(type(form), newer, form.data, read_version),
                "url": reverse(
                    f"{self.admin_site.name}:incidents_incident_apply_onto_newer", args=[obj.pk]
                ),
            }

    def apply_onto_newer_view(self, request, object_id):
        """The change form on the newest version with the refused page's changes applied
        (POSTed here by the refused page's "Apply my changes" button). Writes nothing: the
        writer saves the page as usual, against the new version."""
        try:
            incident = self.get_object(request, str(int(unquote(object_id))))
        except (ValueError, ValidationError):
            return HttpResponseBadRequest(gettext("Not an incident number."))
        if incident is None:
            raise Http404
        if not self.has_change_permission(request, incident):
            raise PermissionDenied
        try:
            read_version = int(request.POST.get("read_version", ""))
        except ValueError:
            return HttpResponseBadRequest(gettext("This form lacks the version it was read at."))
        form_class = self.get_form(request, incident, change=True)
        merge = admin_stale_merge.plan(form_class, incident, request.POST, read_version)
        formsets, _inlines = self._create_formsets(request, incident, change=True)
        merge.inline_differences = admin_stale_merge.inline_differences(formsets)
        # Render the change page as for a GET (unbound forms, rows as now stored) with the
        # merge applied to the incident's form (get_form below).
        page = copy.copy(request)
        page.method = "GET"
        page.POST = QueryDict()
        page._incident_merge = merge
        log_staff_access(user=request.user, obj=incident)
        # Saved as any edit: the page posts to the change view, not back here.
        change = reverse(f"{self.admin_site.name}:incidents_incident_change", args=[incident.pk])
        return super().changeform_view(page, str(incident.pk), form_url=change)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        merge = getattr(request, "_incident_merge", None)
        return admin_stale_merge.merged_form_class(form, merge) if merge is not None else form

    def transition_view(self, request, object_id, name):
        incident = self.get_object(request, unquote(object_id))
        if incident is None:
            raise Http404
        if not self.has_view_or_change_permission(request, incident):
            raise PermissionDenied
        try:
            expected = int(request.POST["version"]) if request.POST.get("version") else None
        except ValueError:
            expected = -1  # a mangled form: refuse as stale rather than act on it
        # A return carries the reviewer's comment, about one field if they chose one.
        comment, field = request.POST.get("comment", ""), request.POST.get("comment_field", "")
        try:
            if name == "return_to_draft" and not comment.strip():
                raise ValidationError(gettext("Say what needs fixing: write a comment."))
            incident = incident_transition(
                incident=incident,
                name=name,
                user=request.user,
                expected_version=expected,
                comment="" if field else comment,
                field_comments={field: comment} if field else None,
            )
        except (ValidationError, PermissionDenied, Conflict) as exc:
            for message in _error_messages(exc):
                self.message_user(request, message, messages.ERROR)
        else:
            self.message_user(
                request,
                gettext("“%(title)s” is now %(status)s.")
                % {"title": incident, "status": incident.get_status_display().lower()},
                messages.SUCCESS,
            )
        return redirect(f"{self.admin_site.name}:incidents_incident_change", incident.pk)

    # -- deletion and restore --------------------------------------------------------------
    # Always through the service, which labels the deletion so that restore can find it.
    def delete_model(self, request, obj):
        incident_delete(incident=obj, user=request.user)

    def delete_queryset(self, request, queryset):
        for incident in queryset:
            incident_delete(incident=incident, user=request.user)

    def changelist_view(self, request, extra_context=None):
        extra_context = {"can_restore": request.user.has_perm(RESTORE_PERMISSION)} | (
            extra_context or {}
        )
        return super().changelist_view(request, extra_context)

    def deleted_view(self, request):
        if not request.user.has_perm(RESTORE_PERMISSION):
            raise PermissionDenied
        latest = {}  # an incident deleted, restored and deleted again: its last deletion
        for record in deleted_incidents().select_related("history_user"):
            latest.setdefault(record.id, record)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Deleted incidents"),
            "records": list(latest.values()),
        }
        return TemplateResponse(request, "admin/incidents/incident/deleted_incidents.html", context)

    def restore_view(self, request, incident_id):
        if not request.user.has_perm(RESTORE_PERMISSION):
            raise PermissionDenied
        try:
            incident, notes = incident_restore(incident_id=incident_id, user=request.user)
        except ValidationError as exc:
            for message in exc.messages:
                self.message_user(request, message, messages.ERROR)
            return redirect(f"{self.admin_site.name}:incidents_incident_deleted")
        self.message_user(
            request,
            gettext("“%(title)s” has been restored.") % {"title": incident},
            messages.SUCCESS,
        )
        for note in notes:
            self.message_user(request, note, messages.WARNING)
        return redirect(f"{self.admin_site.name}:incidents_incident_change", incident.pk)

    # -- history ---------------------------------------------------------------------------
    def history_view(self, request, object_id, extra_context=None):
        try:
            incident_id = int(unquote(object_id))
        except ValueError:
            raise Http404 from None
        if not 0 < incident_id <= MAX_ID:
            raise Http404
        extra_context = {"related_history": related_history(incident_id)} | (extra_context or {})
        return super().history_view(request, object_id, extra_context)

    # -- editing ---------------------------------------------------------------------------
    # The forms validate; services.save_incident writes the incident and its inlines in one go,
    # only what changed, against the version the page was read at.
    def _create_formsets(self, request, obj, change):
        """Leave out the formsets under template rows ("groups-empty-events-0-actors"): they are
        the page's blueprints for rows added in the browser, never data. nested_admin binds
        them from the third level down, and would refuse a POST lacking their management
        forms."""
        formsets, inlines = super()._create_formsets(request, obj, change)
        kept = [(f, i) for f, i in zip(formsets, inlines, strict=True) if "-empty-" not in f.prefix]
        return [f for f, _i in kept], [i for _f, i in kept]

    def save_model(self, request, obj, form, change):
        pass  # written with its inlines in save_related, by the service

    def save_related(self, request, form, formsets, change):
        result = save_incident(
            user=request.user,
            pk=form.instance.pk if change else None,
            values=changed_values(form) if change else all_values(form),
            children=inline_edits(formsets),
            expected_version=form.cleaned_data.get("read_version") if change else None,
        )
        _copy_saved(form.instance, result.instance)
        record_outcome(formsets, result)
        warn_after_save(self, request, result.instance)
        if change:
            edit_locks.release(incident=result.instance, user=request.user)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        return retry_once_on_conflict(super().changeform_view)(
            request, object_id, form_url, extra_context
        )

    def get_readonly_fields(self, request, obj=None):
        # Status moves only through the workflow buttons and actions.
        fixed = ["status", "created_at", "updated_at", "published_at"]
        if not request.user.has_perm(PUBLISH_PERMISSION):
            fixed.append("publish_not_before")  # the embargo: editors only (services.policy)
        # The slug is the permanent public URL: optional on add (left blank, save() makes a
        # unique one from the title; no prepopulating JS, whose guess could collide) and
        # fixed afterwards so published links keep working.
        return [*fixed, "slug"] if obj is not None else fixed

    def get_fieldsets(self, request, obj=None):
        if obj is None:  # nothing to show in History yet
            return self.fieldsets[:3]  # no history yet on the add page
        return self.fieldsets

    @admin.display(description=_("date"), ordering="date_latest")
    def date_display(self, obj):
        return obj.date_display

    @admin.display(description=_("status"), ordering="status")
    def status_display(self, obj):
        """The status, and a scheduled incident's embargo ("Scheduled (embargoed) until …")."""
        return status_with_embargo(obj)

    @admin.display(description=_("outcomes"))
    def outcome_list(self, obj):
        return ", ".join(str(Outcome(code).label) for code in obj.outcomes) or "–"

    @admin.display(description=_("people"))
    def people(self, obj):
        return obj.people_total.render()


def status_with_embargo(incident) -> str:
    if incident.status == Status.SCHEDULED and incident.publish_not_before is not None:
        return gettext("%(status)s until %(time)s") % {
            "status": incident.get_status_display(),
            "time": embargo_text(incident.publish_not_before),
        }
    return incident.get_status_display()


def embargo_note(incident) -> str:
    """For an incident in review with an embargo still ahead: publishing waits for it."""
    embargo = incident.publish_not_before
    if embargo is None or embargo <= timezone.now():
        return ""
    return gettext(
        "Embargoed until %(time)s: “Schedule” publishes it then, automatically; “Publish” is "
        "refused until then."
    ) % {"time": embargo_text(embargo)}


def submitted_at():
    """When the incident last entered review: its first in-review history record since it
    was last in any other status (the incident's `updated_at` if history has none)."""
    history = Incident.history
    left = (
        history.filter(id=OuterRef("id"))
        .exclude(status=Status.IN_REVIEW)
        .order_by("-history_date")
        .values("history_date")[:1]
    )
    entered = (
        history.filter(id=OuterRef("pk"), status=Status.IN_REVIEW)
        .annotate(left=Subquery(left))
        .filter(Q(left__isnull=True) | Q(history_date__gt=F("left")))
        .order_by("history_date")
        .values("history_date")[:1]
    )
    return Coalesce(Subquery(entered), F("updated_at"))


@admin.register(ReviewQueueItem)
class ReviewQueueAdmin(WorkflowActions, admin.ModelAdmin):
    """Incidents waiting for an editor, oldest submission first. Rows open the incident."""

    list_display = ["incident", "submitted", "date_display", "ready"]
    list_display_links = None
    actions = [transition_action("publish"), transition_action("return_to_draft")]

    def get_queryset(self, request):
        # Not super(): it orders by get_ordering() before the annotation exists.
        queue = self.model._default_manager.filter(status=Status.IN_REVIEW)
        return queue.annotate(submitted_at=submitted_at()).order_by("submitted_at", "pk")

    def get_ordering(self, request):
        return ["submitted_at", "pk"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return redirect(f"{self.admin_site.name}:incidents_incident_change", object_id)

    @admin.display(description=_("incident"), ordering="title")
    def incident(self, obj):
        url = reverse(f"{self.admin_site.name}:incidents_incident_change", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.title)

    @admin.display(description=_("submitted"), ordering="submitted_at")
    def submitted(self, obj):
        return obj.submitted_at

    @admin.display(description=_("date"))
    def date_display(self, obj):
        return obj.date_display

    @admin.display(description=_("ready to publish?"))
    def ready(self, obj):
        problems = publication_problems(obj)
        return " ".join([gettext("No:"), *problems]) if problems else gettext("Yes")


@admin.register(Location)
class LocationAdmin(SavesThroughServices, LogsStaffAccess, HistoryAdmin):
    form = LocationForm
    list_display = ["name", "kind", "city", "province", "country", "coordinates_public"]
    list_filter = ["kind", ("country", CountryFilter)]  # only countries in use, not all 250
    search_fields = ["name", "name_ko", "name_local", "alternate_names", "city", "province",
                     "slug", "code"]  # fmt: skip
    autocomplete_fields = ["parent"]
    readonly_fields = ["country", "province", "city"]
    list_select_related = ["parent"]
    fieldsets = [
        (
            None,
            {"fields": ["name", "kind", "parent", ("country", "province", "city"), "read_version"]},
        ),  # fmt: skip
        (
            _("Other names"),
            {"fields": ["name_ko", "name_local", "alternate_names", "slug", "code"]},
        ),  # fmt: skip
        (
            _("Coordinates"),
            {"fields": [("latitude", "longitude"), "coordinate_precision", "coordinates_public"]},
        ),  # fmt: skip
        (_("Internal"), {"fields": ["notes_internal"]}),
    ]


@admin.register(Actor)
class ActorAdmin(SavesThroughServices, LogsStaffAccess, HistoryAdmin):
    form = ActorForm
    list_display = ["name", "kind", "country", "parent"]
    list_filter = ["kind", ("country", CountryFilter)]
    search_fields = ["name", "name_ko", "name_local", "slug"]
    autocomplete_fields = ["parent"]
    list_select_related = ["parent"]


@admin.register(Source)
class SourceAdmin(SavesThroughServices, LogsStaffAccess, DateTextDisplay, HistoryAdmin):
    form = SourceForm
    list_display = ["__str__", "publisher", "date_display", "kind", "reliability", "confidential"]
    list_filter = ["kind", "reliability", "confidential", "language"]
    search_fields = ["title", "publisher", "slug"]
    autocomplete_fields = ["relays"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    date_hierarchy = "date_latest"

    @admin.display(description=_("date"), ordering="date_latest")
    def date_display(self, obj):
        return obj.date_display


class EstimateSourceInline(admin.TabularInline):
    """The sources an estimate rests on; written with the estimate by the service."""

    model = EstimateSource
    fields = ["source", "claim", "locator"]
    autocomplete_fields = ["source"]
    formfield_overrides = SMALL_TEXT
    extra = 1


@admin.register(Estimate)
class EstimateAdmin(SavesThroughServices, HistoryAdmin):
    form = EstimateForm
    inlines = [EstimateSourceInline]
    list_display = ["description", "figure", "period_start", "period_end", "status"]
    list_filter = ["status", "subject", ("country", CountryFilter)]
    search_fields = ["description", "attributed_to", "citations__claim"]


@admin.register(StaffAccessLog)
class StaffAccessLogAdmin(admin.ModelAdmin):
    """Read-only for everyone; only Administrators (all permissions) may view it."""

    list_display = ["at", "username", "action", "model", "object_id", "object_repr"]
    list_filter = ["action", "model"]
    search_fields = ["username", "object_id"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
