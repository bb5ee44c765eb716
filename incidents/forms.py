"""Staff forms: a date is typed once, as the report words it, and stored as a range.

Models with VagueDateFields keep three columns (date_earliest, date_latest, date_precision).
Staff never edit those directly: they type "mid-March 2017" into `date_text`, and
parse_vague_date fills the three columns. Blank means the date is unknown.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from incidents.models import (
    Actor,
    CountClaim,
    CustodyEvent,
    DateClaim,
    Estimate,
    Incident,
    Location,
    Source,
)
from incidents.services.changes import changes_since
from incidents.vague import CountError, EstimatedCount, VagueDate, parse_count, parse_vague_date

#: The model columns that `date_text` writes; forms must not show them.
VAGUE_DATE_FIELDS = ("date_earliest", "date_latest", "date_precision")
#: The model columns that a claim's `count_text` writes.
CLAIM_COUNT_FIELDS = ("value", "value_high", "qualifier")


class VagueDateField(forms.CharField):
    """The text box for a date as reported. Parsing happens in VagueDateFormMixin."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Date as reported"))
        kwargs.setdefault(
            "help_text",
            _(
                "As the source words it, e.g. '15 July 2017', '15–17 July 2017', "
                "'mid-March 2017', 'February 2012' or '2003'. Leave blank if unknown."
            ),
        )
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 100)
        super().__init__(**kwargs)


class VagueDateFormMixin(forms.ModelForm):
    """ModelForm base for models with VagueDateFields (Incident, CustodyEvent).

    Subclasses leave VAGUE_DATE_FIELDS out of their Meta; this form sets them on the instance
    from `date_text` before model validation, so Model.clean() still checks them.
    """

    date_text = VagueDateField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        vague = self.instance.vague_date
        if vague is not None and "date_text" not in self.initial:
            self.initial["date_text"] = vague.render()

    def clean_date_text(self) -> VagueDate | None:
        text = self.cleaned_data["date_text"]
        if not text:
            return None
        # Unchanged text keeps what is stored, so an edit elsewhere on the page can never fail
        # or silently change the precision, should render() and the parser ever disagree
        # (e.g. on ranges imported from elsewhere).
        stored = self.instance.vague_date
        if stored is not None and text == self.initial.get("date_text"):
            return stored
        try:
            return parse_vague_date(text)
        except ValueError as exc:  # VagueDateError, or any stray ValueError: a message, not a 500
            raise ValidationError(str(exc), code="unreadable_date") from None

    def clean(self):
        cleaned = super().clean()
        if "date_text" in cleaned:  # absent when the text could not be read
            vague = cleaned["date_text"]
            self.instance.date_earliest = vague.earliest if vague else None
            self.instance.date_latest = vague.latest if vague else None
            self.instance.date_precision = vague.precision if vague else ""
        return cleaned

    def add_error(self, field, error):
        # Model.clean() reports date problems against the hidden columns; a form cannot hold
        # errors for fields it lacks (Django raises ValueError, i.e. a 500), so move them
        # onto the box the editor typed in.
        if not isinstance(error, ValidationError):
            error = ValidationError(error)
        if field is None and hasattr(error, "error_dict"):
            moved: dict[str, list] = {}
            for name, errors in error.error_dict.items():
                target = "date_text" if name in VAGUE_DATE_FIELDS else name
                moved.setdefault(target, []).extend(errors)
            error = ValidationError(moved)
        elif field in VAGUE_DATE_FIELDS:
            field = "date_text"
        super().add_error(field, error)


def conflict_error(instance, version: int) -> ValidationError:
    """The refusal shown when the record changed since the user opened it, with what changed."""
    lines = [
        _(
            "“%(record)s” was changed by someone else since you opened it (you opened version "
            "%(mine)s; it is now version %(now)s). Nothing was saved. What changed meanwhile:"
        )
        % {"record": instance, "mine": version, "now": instance.version}
    ]
    changes = changes_since(instance, version)
    lines += [f"{what}: {before} → {after}" for what, before, after in changes] or [
        _("(details are not in the history)")
    ]
    lines.append(
        _("Open the record again to see the current version, then make your change again.")
    )
    return ValidationError(lines, code="conflict")


class VersionedForm(forms.ModelForm):
    """Carries the version the user read; a save against a newer version is refused here with
    a diff (and again by the service, under a row lock, for a save that races this check)."""

    # Not named "version": the model field is not editable, and the admin refuses a form field
    # that shadows one.
    read_version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None and "read_version" not in self.initial:
            self.initial["read_version"] = self.instance.version

    def clean(self):
        cleaned = super().clean()
        version = cleaned.get("read_version")
        if self.instance.pk is not None:
            if version is None:
                raise ValidationError(
                    _("This form lacks the version it was read at; open the record again."),
                    code="no_version",
                )
            if version != self.instance.version:
                raise conflict_error(self.instance, version)
        return cleaned


class IncidentForm(VersionedForm, VagueDateFormMixin):
    class Meta:
        model = Incident
        fields = [
            "title",
            "slug",
            "date_text",
            "summary",
            "notes_internal",
            "title_ko",
            "summary_ko",
            "publish_not_before",
        ]


class CustodyEventForm(VagueDateFormMixin):
    class Meta:
        model = CustodyEvent
        fields = [
            "group",
            "kind",
            "date_text",
            "location",
            "description",
            "sequence",
            "notes_internal",
        ]


def _editable(model) -> list[str]:
    return [f.name for f in model._meta.fields if f.editable and not f.primary_key]


class SourceForm(VersionedForm, VagueDateFormMixin):
    class Meta:
        model = Source
        fields = [f for f in _editable(Source) if f not in VAGUE_DATE_FIELDS] + ["date_text"]


class LocationForm(VersionedForm):
    class Meta:
        model = Location
        fields = _editable(Location)


class EstimateForm(VersionedForm):
    class Meta:
        model = Estimate
        fields = _editable(Estimate)


class CountClaimForm(forms.ModelForm):
    """One source's figure, typed as the source gives it ("at least 13", "27–29")."""

    count_text = forms.CharField(
        label=_("Figure as reported"),
        max_length=60,
        help_text=_("e.g. 29, at least 13, about 12, 27–29, one or two."),
    )

    class Meta:
        model = CountClaim
        fields = ["part", "count_text", "wording", "source", "quotation", "locator",
                  "preferred", "preferred_reason"]  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.value is not None and "count_text" not in self.initial:
            self.initial["count_text"] = self.instance.count.render()

    def clean_count_text(self) -> EstimatedCount:
        text = self.cleaned_data["count_text"]
        if self.instance.value is not None and text == self.initial.get("count_text"):
            return self.instance.count
        try:
            count = parse_count(text)
        except CountError as exc:
            raise ValidationError(str(exc), code="unreadable_count") from None
        if not count.known:
            raise ValidationError(_("A claim gives a number; delete the row if none is given."))
        return count

    def clean(self):
        cleaned = super().clean()
        count = cleaned.get("count_text")
        if count is not None:
            self.instance.value = count.value
            self.instance.value_high = count.value_high
            self.instance.qualifier = count.qualifier
        return cleaned

    def add_error(self, field, error):
        if field in CLAIM_COUNT_FIELDS:
            field = "count_text"
        elif field is None and isinstance(error, ValidationError) and hasattr(error, "error_dict"):
            moved = {}
            for name, errors in error.error_dict.items():
                moved.setdefault("count_text" if name in CLAIM_COUNT_FIELDS else name, []).extend(
                    errors
                )
            error = ValidationError(moved)
        super().add_error(field, error)


class DateClaimForm(VagueDateFormMixin):
    class Meta:
        model = DateClaim
        fields = ["date_text", "wording", "source", "quotation", "locator", "preferred",
                  "preferred_reason"]  # fmt: skip


class ActorForm(VersionedForm):
    class Meta:
        model = Actor
        fields = _editable(Actor)
