"""Counts as the sources give them, stored as (value, high, qualifier) columns.

"at least 4" is (4, NULL, at_least); "27–29" is (27, 29, range); "unknown" is (NULL, NULL,
unknown). incidents.vague.EstimatedCount reads them, renders them and adds them up honestly.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from incidents.vague import CountQualifier, EstimatedCount


def value_field(label) -> models.PositiveIntegerField:
    return models.PositiveIntegerField(label, null=True, blank=True)


def high_field() -> models.PositiveIntegerField:
    return models.PositiveIntegerField(
        _("up to"), null=True, blank=True, help_text=_("For a range such as '27–29'.")
    )


def qualifier_field() -> models.CharField:
    return models.CharField(
        _("qualifier"),
        max_length=10,
        choices=CountQualifier.choices,
        default=CountQualifier.UNKNOWN,
    )


def read(obj, value: str, high: str, qualifier: str) -> EstimatedCount:
    number = getattr(obj, value)
    if number is None:
        return EstimatedCount(None, CountQualifier.UNKNOWN)
    return EstimatedCount(number, getattr(obj, qualifier), getattr(obj, high))


def problems(obj, value: str, high: str, qualifier: str) -> dict[str, str]:
    """Field errors for a count's three columns, as a form should show them."""
    number, top, q = getattr(obj, value), getattr(obj, high), getattr(obj, qualifier)
    if number is not None and q == CountQualifier.UNKNOWN:
        return {qualifier: _("You gave a number: say if it is exact, 'at least', 'about'…")}
    if number is None and q != CountQualifier.UNKNOWN:
        return {value: _("Give the number, or set the qualifier to 'unknown'.")}
    if q == CountQualifier.RANGE and (top is None or number is None or top <= number):
        return {high: _("A range needs a higher second number, e.g. 27 to 29.")}
    if q != CountQualifier.RANGE and top is not None:
        return {high: _("Only a range has a second number.")}
    return {}


def shape_constraints(value: str, high: str, qualifier: str, name: str) -> list:
    """The database's copy of problems(): a count is never half-written."""
    return [
        models.CheckConstraint(
            condition=Q(**{f"{value}__isnull": True}) | ~Q(**{qualifier: CountQualifier.UNKNOWN}),
            name=f"{name}_qualified",
            violation_error_message=_("A number needs a qualifier other than 'unknown'."),
        ),
        models.CheckConstraint(
            condition=Q(**{f"{value}__isnull": False}) | Q(**{qualifier: CountQualifier.UNKNOWN}),
            name=f"{name}_number_given",
            violation_error_message=_("A qualifier such as 'at least' needs a number."),
        ),
        models.CheckConstraint(
            condition=(Q(**{qualifier: CountQualifier.RANGE}) & Q(**{f"{high}__gt": F(value)}))
            | (~Q(**{qualifier: CountQualifier.RANGE}) & Q(**{f"{high}__isnull": True})),
            name=f"{name}_range_shape",
            violation_error_message=_(
                "A range needs a higher second number; nothing else has one."
            ),
        ),
    ]
