"""File values to model values, with a message instead of a crash for anything malformed.

Every value read from a file passes through `convert()` (or the date and count readers):
types are checked (a list is not a title), sizes are checked against the model's limits, and
text that a database cannot store (NUL, lone surrogates) is refused. Nothing here touches the
database.
"""

from __future__ import annotations

import json
import math
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils.dateparse import parse_datetime
from django.utils.timezone import is_naive, make_aware
from django_countries.fields import CountryField

from incidents.models import CountQualifier
from incidents.vague import CountError, parse_count, parse_vague_date

INT_LIMITS = {
    "PositiveSmallIntegerField": (0, 32767),
    "SmallIntegerField": (-32768, 32767),
    "PositiveIntegerField": (0, 2147483647),
    "IntegerField": (-2147483648, 2147483647),
}


class BadValue(ValueError):
    """A value from a file that cannot become a model value; the message says why."""


def check_text(value: str) -> str:
    if "\x00" in value:
        raise BadValue("contains a NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise BadValue("contains text that is not valid Unicode (a lone surrogate)") from None
    return value


def _text_limit(f: models.Field) -> int | None:
    if getattr(f, "max_length", None):
        return f.max_length
    for validator in f.validators:
        if isinstance(validator, MaxLengthValidator):
            return validator.limit_value
    return None


def _choices_message(value, f) -> str:
    codes = ", ".join(str(code) for code, _label in f.flatchoices)
    return f"{value!r} is not a valid choice; use one of: {codes}"


def convert(model, name: str, value: Any) -> Any:
    """`value` from a file as the model value of field `name`; BadValue if it cannot be."""
    f = model._meta.get_field(name)
    internal = f.get_internal_type()
    if value is None:
        if f.null:
            return None
        if internal in ("CharField", "TextField", "SlugField", "URLField") or isinstance(
            f, CountryField
        ):
            return ""
        raise BadValue("must not be empty")
    if isinstance(f, CountryField) or internal in (
        "CharField",
        "TextField",
        "SlugField",
        "URLField",
    ):
        if not isinstance(value, str):
            raise BadValue(f"must be text, not {_kind(value)}")
        check_text(value)
        limit = _text_limit(f)
        if limit is not None and len(value) > limit:
            raise BadValue(f"is too long ({len(value):,} characters; the limit is {limit:,})")
        if f.choices and value not in dict(f.flatchoices) and not (f.blank and value == ""):
            raise BadValue(_choices_message(value, f))
        return value
    if internal == "BooleanField":
        if not isinstance(value, bool):
            raise BadValue(f"must be true or false, not {_kind(value)}")
        return value
    if internal in INT_LIMITS:
        if isinstance(value, bool) or not isinstance(value, int):
            raise BadValue(f"must be a whole number, not {_kind(value)}")
        low, high = INT_LIMITS[internal]
        if not low <= value <= high:
            raise BadValue(f"must be between {low:,} and {high:,}")
        return value
    if internal == "DecimalField":
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise BadValue(f"must be a number, not {_kind(value)}")
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            raise BadValue(f"{value!r} is not a number") from None
        if not number.is_finite() or (isinstance(value, float) and not math.isfinite(value)):
            raise BadValue("must be a finite number")
        places = Decimal(1).scaleb(-f.decimal_places)
        number = number.quantize(places)
        if len(number.as_tuple().digits) > f.max_digits:
            raise BadValue(f"{value!r} is out of range")
        return number
    if internal == "DateField":
        if not isinstance(value, str):
            raise BadValue(f"must be a date as YYYY-MM-DD, not {_kind(value)}")
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise BadValue(f"{value!r} is not a date as YYYY-MM-DD") from None
    if internal == "DateTimeField":
        if not isinstance(value, str):
            raise BadValue(f"must be a date and time (ISO 8601), not {_kind(value)}")
        try:
            parsed = parse_datetime(value)
        except ValueError:
            parsed = None
        if parsed is None:
            raise BadValue(f"{value!r} is not a date and time (ISO 8601)")
        return make_aware(parsed) if is_naive(parsed) else parsed
    raise BadValue("cannot be imported")  # a field type this format never carries


def _kind(value) -> str:
    return {dict: "an object", list: "a list", bool: "true/false", type(None): "null"}.get(
        type(value), f"{type(value).__name__} {json.dumps(value, default=str)[:40]}"
    )


# -- dates and counts, as people write them --------------------------------------------------------
def read_date(value) -> tuple[date | None, date | None, str]:
    """A vague date as text ("mid-March 2017") or as the export writes it (an object)."""
    if value in (None, ""):
        return None, None, ""
    if isinstance(value, str):
        check_text(value)
        vd = parse_vague_date(value)  # VagueDateError is a ValueError with a message
        return vd.earliest, vd.latest, vd.precision
    if isinstance(value, dict):
        if value.get("earliest") or value.get("latest"):
            bounds = []
            for key in ("earliest", "latest"):
                text = value.get(key)
                try:
                    bounds.append(date.fromisoformat(text))
                except (TypeError, ValueError):
                    raise BadValue(f"'{key}' must be a date as YYYY-MM-DD, not {text!r}") from None
            precision = value.get("precision") or ""
            if not isinstance(precision, str):
                raise BadValue("'precision' must be text")
            return bounds[0], bounds[1], precision
        if value.get("text"):
            return read_date(value["text"])
        return None, None, ""
    raise BadValue("a date must be text such as 'mid-March 2017' or an object")


def read_count(value) -> tuple[int | None, str, int | None]:
    """(value, qualifier, high) from text ("at least 4", "27–29") or the export's object."""
    if isinstance(value, dict):
        number, high = value.get("value"), value.get("high")
        qualifier = value.get("qualifier") or CountQualifier.UNKNOWN
        for item in (number, high):
            if item is not None and (isinstance(item, bool) or not isinstance(item, int)):
                raise CountError(f"'{item}' is not a whole number")
            if item is not None and not 0 <= item <= INT_LIMITS["PositiveIntegerField"][1]:
                raise CountError(f"{item:,} is out of range")
        if not isinstance(qualifier, str) or qualifier not in CountQualifier.values:
            codes = ", ".join(CountQualifier.values)
            raise CountError(f"{qualifier!r} is not a valid qualifier; use one of: {codes}")
        return number, qualifier, high
    if value is not None and not isinstance(value, str | int) or isinstance(value, bool):
        raise CountError(f"a count must be text such as 'at least 4', not {_kind(value)}")
    count = parse_count("" if value is None else str(value))
    for item in (count.value, count.value_high):
        if item is not None and item > INT_LIMITS["PositiveIntegerField"][1]:
            raise CountError(f"{item:,} is out of range")
    return count.value, count.qualifier, count.value_high


def position(value) -> int:
    """A 1-based position from the file as a list index; ValueError if not a whole number >= 1."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(value)
    return value - 1
