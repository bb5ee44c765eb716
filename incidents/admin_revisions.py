"""Admin pages for revisions of published incidents and review comments (services.revisions).

    <live>/revise/          POST  propose a change: make (or open) the working copy
    <copy>/review/          GET   the diff live vs pending, comments, and the reviewer's forms
    <copy>/review/publish/  POST  editors: apply it, with the correction notice or "minor"
    <copy>/review/return/   POST  editors: back to its proposer, with comments (per field too)
    <copy>/review/discard/  POST  its proposer (draft) or an editor: drop it

Every write is a service call; these views only translate a POST into one and its refusal into
a message.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from incidents.models import Incident, ReviewComment, Status
from incidents.services import PUBLISH_PERMISSION, Conflict, incident_transition
from incidents.services.revisions import (
    discard_revision,
    pending_changes,
    proposer_id,
    publish_revision,
    start_revision,
)

FIELD_COMMENT_PREFIX = "comment__"


def _messages(exc) -> list[str]:
    if isinstance(exc, ValidationError):
        return exc.messages
    if isinstance(exc, Conflict):
        return [
            gettext(
                "The revision changed since you opened this page (version %(then)s, now "
                "%(now)s): nothing was done. Read it again."
            )
            % {"then": exc.expected_version, "now": exc.current_version}
        ]
    return [str(exc) or gettext("You are not allowed to do this.")]


def _version(request) -> int:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return -1  # a mangled form: refused as stale rather than acted on


def review_comments(incident: Incident, limit: int = 20) -> list[ReviewComment]:
    """The incident's comments, newest first (one query)."""
    return list(ReviewComment.objects.filter(incident=incident).select_related("author")[:limit])


def revision_context(incident: Incident, user) -> dict:
    """What the change page shows about revisions and review comments (≤ 2 queries)."""
    context = {"review_comments": review_comments(incident)}
    if incident.revision_of_id is not None:
        context["live_incident"] = Incident.objects.only("pk", "title", "slug").get(
            pk=incident.revision_of_id
        )
    elif incident.status == Status.PUBLISHED:
        context["working_copy"] = (
            Incident.objects.filter(revision_of=incident).only("pk", "status", "title").first()
        )
        context["can_propose"] = user.has_perm("incidents.change_incident") and user.has_perm(
            "incidents.add_incident"
        )
    return context


class RevisionViews:
    """Mixed into IncidentAdmin."""

    def revision_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<path:object_id>/revise/", wrap(require_POST(self.revise_view)),
                 name="incidents_incident_revise"),
            path("<path:object_id>/review/", wrap(self.review_view),
                 name="incidents_incident_review"),
            path("<path:object_id>/review/<str:step>/", wrap(require_POST(self.review_step_view)),
                 name="incidents_incident_review_step"),
        ]  # fmt: skip

    def _incident(self, request, object_id) -> Incident:
        incident = self.get_object(request, unquote(object_id))
        if incident is None or not self.has_view_or_change_permission(request, incident):
            raise Http404
        return incident

    def _to_change(self, incident_id):
        return redirect(f"{self.admin_site.name}:incidents_incident_change", incident_id)

    def _to_review(self, incident_id):
        return redirect(f"{self.admin_site.name}:incidents_incident_review", incident_id)

    def revise_view(self, request, object_id):
        live = self._incident(request, object_id)
        try:
            copy = start_revision(incident=live, user=request.user)
        except (ValidationError, PermissionDenied) as exc:
            for message in _messages(exc):
                self.message_user(request, message, messages.ERROR)
            return self._to_change(live.pk)
        self.message_user(
            request,
            gettext(
                "You are editing a pending revision. The published incident stays as it is "
                "until an editor publishes your changes."
            ),
            messages.INFO,
        )
        return self._to_change(copy.pk)

    def review_view(self, request, object_id):
        copy = self._incident(request, object_id)
        if copy.revision_of_id is None:
            raise Http404
        live = Incident.objects.get(pk=copy.revision_of_id)
        changes = pending_changes(copy)
        editor = request.user.has_perm(PUBLISH_PERMISSION)
        author = proposer_id(copy.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Review the change to “%(title)s”") % {"title": live.title},
            "copy": copy,
            "live": live,
            "changes": changes,
            "substantive": any(c.substantive for c in changes),
            "comments": review_comments(copy),
            "proposer": get_user_model().objects.filter(pk=author).first(),
            "can_review": editor and copy.status == Status.IN_REVIEW,
            "can_submit": copy.status == Status.DRAFT and self.has_change_permission(request, copy),
            "can_discard": editor or (author == request.user.pk and copy.status == Status.DRAFT),
            "stale": live.version != copy.revision_base_version,
            "field_prefix": FIELD_COMMENT_PREFIX,
        }
        return TemplateResponse(request, "admin/incidents/incident/revision_review.html", context)

    def review_step_view(self, request, object_id, step):
        copy = self._incident(request, object_id)
        if copy.revision_of_id is None:
            raise Http404
        live_id = copy.revision_of_id
        try:
            if step == "publish":
                revision = publish_revision(
                    working_copy=copy,
                    user=request.user,
                    notice=request.POST.get("notice", ""),
                    minor=request.POST.get("minor") == "on",
                    expected_version=_version(request),
                )
                self.message_user(
                    request,
                    gettext("Revision #%(n)s is published.") % {"n": revision.number},
                    messages.SUCCESS,
                )
                return self._to_change(live_id)
            if step == "return":
                comment = request.POST.get("comment", "")
                fields = {
                    key[len(FIELD_COMMENT_PREFIX) :]: value
                    for key, value in request.POST.items()
                    if key.startswith(FIELD_COMMENT_PREFIX)
                }
                if not comment.strip() and not any(v.strip() for v in fields.values()):
                    raise ValidationError(gettext("Say what needs fixing: write a comment."))
                incident_transition(
                    incident=copy,
                    name="return_to_draft",
                    user=request.user,
                    expected_version=_version(request),
                    comment=comment,
                    field_comments=fields,
                )
                self.message_user(
                    request, gettext("The revision went back to its proposer."), messages.SUCCESS
                )
                return self._to_review(copy.pk)
            if step == "discard":
                discard_revision(working_copy=copy, user=request.user)
                self.message_user(request, gettext("The revision was discarded."), messages.SUCCESS)
                return self._to_change(live_id)
        except (ValidationError, PermissionDenied, Conflict) as exc:
            for message in _messages(exc):
                self.message_user(request, message, messages.ERROR)
            return self._to_review(copy.pk)
        raise Http404
