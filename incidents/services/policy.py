"""Who may write what: the role rules every write service asks, and nothing else decides.

Roles (migrations 0003 and 0007): caseworkers enter drafts; editors also publish, edit published
records and curate sources and places; administrators hold every permission. The rules are
phrased as permissions, never as role names, so an administrator can shape a new role in the
admin without touching code.
"""

from __future__ import annotations

import contextvars
from contextlib import contextmanager

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from incidents.models import Actor, Estimate, Incident, Location, Source, Status

PUBLISH = "incidents.publish_incident"
RESTORE = "incidents.restore_incident"

# Fields that change what the public may see, or the address a journalist linked to. Only
# holders of the model's curate permission may change them on an existing record.
PROTECTED_FIELDS: dict[type, tuple[str, ...]] = {
    Source: ("confidential", "slug"),
    Location: ("coordinates_public", "latitude", "longitude", "coordinate_precision", "slug"),
}
CURATE_PERMISSION = {
    Source: "incidents.curate_source",
    Location: "incidents.curate_location",
}

# Set by the services themselves, never by a caller: status moves only through the workflow
# (services.workflow), versions and timestamps only as a consequence of a write.
SERVICE_FIELDS: dict[type, frozenset[str]] = {
    Incident: frozenset(
        {
            "status",
            "published_at",
            "version",
            "created_at",
            "updated_at",
            "staff_updated_at",
            "id",
            "merged_into",
        }
    ),  # fmt: skip
    Source: frozenset({"version", "id"}),
    # A place's country, province, city and path follow its parent (services.places).
    Location: frozenset({"version", "id", "path", "country", "province", "city"}),
    Estimate: frozenset({"version", "id"}),
    Actor: frozenset({"version", "id"}),
}


def perm(action: str, model) -> str:
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"


def require_model_permission(user, action: str, model) -> None:
    """add/change/delete/view permission on `model`, or PermissionDenied saying which."""
    if not user.has_perm(perm(action, model)):
        verbs = {"add": _("add"), "change": _("change"), "delete": _("delete"), "view": _("view")}
        raise PermissionDenied(
            _("You are not allowed to %(verb)s %(things)s.")
            % {"verb": verbs.get(action, action), "things": model._meta.verbose_name_plural}
        )


# Set only by services.revisions while it applies a reviewed revision to a live incident.
_applying_revision = contextvars.ContextVar("applying_revision", default=False)


@contextmanager
def applying_revision():
    """The one way a published incident's content changes: a revision an editor publishes."""
    token = _applying_revision.set(True)
    try:
        yield
    finally:
        _applying_revision.reset(token)


def revision_being_applied() -> bool:
    return _applying_revision.get()


def can_edit_incident(user, incident: Incident) -> bool:
    """Caseworkers edit drafts only; holders of the publish permission also edit records in
    review and archived ones. Nobody edits a published incident in place: a change to it is a
    revision (services.revisions), reviewed, then applied by an editor. Nobody edits an
    incident merged into another: its content lives in the survivor."""
    if not user.has_perm(perm("change", Incident)) or incident.merged_into_id is not None:
        return False
    if incident.status == Status.PUBLISHED:
        return _applying_revision.get() and user.has_perm(PUBLISH)
    return incident.status == Status.DRAFT or user.has_perm(PUBLISH)


def require_incident_editable(user, incident: Incident) -> None:
    if not user.has_perm(perm("change", Incident)):
        require_model_permission(user, "change", Incident)
    if incident.merged_into_id is not None:
        raise PermissionDenied(
            _("This incident was merged into another one; edit that one instead.")
        )
    if not can_edit_incident(user, incident):
        if incident.status == Status.PUBLISHED:
            raise PermissionDenied(
                _(
                    "A published incident changes through a revision: use “Propose a change” "
                    "on its page; an editor reviews and publishes it."
                )
            )
        raise PermissionDenied(
            _("Only editors may change an incident that is %(status)s; caseworkers edit drafts.")
            % {"status": incident.get_status_display().lower()}
        )


def require_service_fields_untouched(model, fields) -> None:
    touched = sorted(set(fields) & SERVICE_FIELDS.get(model, frozenset()))
    if touched:
        if "status" in touched:
            raise PermissionDenied(
                _("The status changes only through the workflow (submit, publish, unpublish…).")
            )
        raise PermissionDenied(
            _("%(fields)s cannot be set directly.") % {"fields": ", ".join(touched)}
        )


def require_protected_fields_allowed(user, model, changed, *, creating: bool, values: dict) -> None:
    """Editors (the curate permission) change protected fields. Anyone who may add a record may
    create it with its fields at their safe values: a new place's coordinates stay private."""
    protected = PROTECTED_FIELDS.get(model, ())
    if not protected or user.has_perm(CURATE_PERMISSION[model]):
        return
    if creating:
        if model is Location and values.get("coordinates_public"):
            raise PermissionDenied(_("Only editors may make a place's coordinates public."))
        return
    touched = [name for name in changed if name in protected]
    if touched:
        labels = ", ".join(str(model._meta.get_field(n).verbose_name) for n in touched)
        raise PermissionDenied(
            _("Only editors may change %(fields)s of a %(thing)s.")
            % {"fields": labels, "thing": model._meta.verbose_name}
        )


# Incident fields only holders of the publish permission (editors) may set or change, on a new
# incident too: the embargo decides when an incident becomes public.
EDITOR_INCIDENT_FIELDS = ("publish_not_before",)


def require_incident_fields_allowed(user, incident: Incident, changed, *, creating: bool) -> None:
    """Caseworkers may neither set nor change nor clear an embargo (`publish_not_before`)."""
    if user.has_perm(PUBLISH):
        return
    touched = [
        name
        for name in EDITOR_INCIDENT_FIELDS
        if name in changed and (not creating or getattr(incident, name) is not None)
    ]
    if touched:
        labels = ", ".join(str(Incident._meta.get_field(n).verbose_name) for n in touched)
        raise PermissionDenied(
            _("Only editors may set or change %(fields)s of an incident.") % {"fields": labels}
        )


def require_estimate_status_allowed(user, changed, values) -> None:
    """An aggregate estimate is published by changing its status: editors only."""
    if "status" in changed and not user.has_perm(PUBLISH):
        raise PermissionDenied(_("Only editors may publish or unpublish estimates."))
