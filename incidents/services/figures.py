"""Figures follow their claims: a group's size (and composition) and an incident's date are
the preferred claim's values, copied into the group or incident by the write services so that
lists, filters and statistics read one column. Also checks that subgroups never claim more
people than their group.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from incidents.models import CountClaim, CountFields, DetaineeGroup, Incident

DATE_COLUMNS = ("date_earliest", "date_latest", "date_precision")


def _columns(part: str) -> tuple[str, str, str]:
    return f"{part}_value", f"{part}_high", f"{part}_qualifier"


def sync_group(group: DetaineeGroup, *, typed: set[str]) -> list[str]:
    """Copy each part's preferred claim into the group; returns the columns that changed.

    `typed`: group columns the user changed in this same save. Typing a figure that its claims
    contradict is refused (the claims are the record; change them instead), so nothing typed
    is ever silently replaced.
    """
    claims = list(group.claims.all())
    changed: list[str] = []
    for part in CountFields.PARTS:
        mine = [c for c in claims if c.part == part]
        if not mine:
            continue
        preferred = [c for c in mine if c.preferred]
        label = CountClaim.Part(part).label
        if len(mine) == 1 and not preferred:
            mine[0].preferred = True
            mine[0].save(update_fields=["preferred"])
            preferred = mine
        if len(preferred) != 1:
            raise ValidationError(
                _("“%(group)s”: mark one of the %(n)s claims for %(part)s as preferred.")
                % {"group": group, "n": len(mine), "part": label}
            )
        choice = preferred[0]
        if len(mine) > 1 and not choice.preferred_reason.strip():
            raise ValidationError(
                _("“%(group)s”: sources disagree on %(part)s; say why the preferred claim is "
                  "preferred.") % {"group": group, "part": label}
            )  # fmt: skip
        value, high, qualifier = _columns(part)
        wanted = {value: choice.value, high: choice.value_high, qualifier: choice.qualifier}
        for column, figure in wanted.items():
            if getattr(group, column) != figure:
                if column in typed:
                    raise ValidationError(
                        _("“%(group)s”: %(part)s comes from its sources' claims (preferred: "
                          "%(figure)s). Change the claims, not the figure.")
                        % {"group": group, "part": label, "figure": choice.count.render()}
                    )  # fmt: skip
                setattr(group, column, figure)
                changed.append(column)
    return changed


def sync_incident_date(incident: Incident, *, typed: set[str]) -> list[str]:
    claims = list(incident.date_claims.all())
    if not claims:
        return []
    preferred = [c for c in claims if c.preferred]
    if len(claims) == 1 and not preferred:
        claims[0].preferred = True
        claims[0].save(update_fields=["preferred"])
        preferred = claims
    if len(preferred) != 1:
        raise ValidationError(_("Mark one of the date claims as preferred."))
    choice = preferred[0]
    if len(claims) > 1 and not choice.preferred_reason.strip():
        raise ValidationError(_("Sources disagree on the date; say why the preferred one is."))
    changed = []
    for column in DATE_COLUMNS:
        if getattr(incident, column) != getattr(choice, column):
            if typed & set(DATE_COLUMNS):
                raise ValidationError(
                    _("The date comes from its sources' claims (preferred: %(date)s). Change the "
                      "claims, not the date.") % {"date": choice.date_display}
                )  # fmt: skip
            setattr(incident, column, getattr(choice, column))
            changed.append(column)
    return changed


def check_subgroups(incident: Incident) -> None:
    """Known parts never exceed a known whole: the subgroups' smallest possible sizes add up
    to no more than their group's largest possible size."""
    groups = list(incident.groups.all())
    for group in groups:
        parts = [g for g in groups if g.parent_id == group.pk]
        ceiling = group.size.high
        if not parts or ceiling is None:
            continue
        floor = sum(g.size.low for g in parts)
        if floor > ceiling:
            raise ValidationError(
                _("The subgroups of “%(group)s” add up to at least %(floor)s people, more than "
                  "the group's %(size)s.") % {"group": group, "floor": floor,
                                              "size": group.size.render()}
            )  # fmt: skip
