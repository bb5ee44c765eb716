"""Value objects for what reports actually say: vague dates and estimated counts.

A vague date is stored as (earliest, latest, precision): "mid-March 2017" is 11–20 March 2017
with precision MID_MONTH. Filters compare ranges by overlap; rendering uses the precision so
the page says what the source said, not a false exact day.

An estimated count is stored as (value, qualifier[, value_high]): "at least 4" is
(4, AT_LEAST), "27–29" is (27, RANGE, 29). Totals (CountTotal) add up bounds, so they never
claim more certainty than their parts.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db import models
from django.utils.translation import gettext, pgettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _


class DatePrecision(models.TextChoices):
    DAY = "day", _("exact day")
    DAYS = "days", _("range of days")
    EARLY_MONTH = "early_month", _("early in the month (1–10)")
    MID_MONTH = "mid_month", _("mid-month (11–20)")
    LATE_MONTH = "late_month", _("late in the month (21–end)")
    MONTH = "month", _("month")
    MONTHS = "months", _("range of months")
    YEAR = "year", _("year")
    YEARS = "years", _("range of years")


class CountQualifier(models.TextChoices):
    EXACT = "exact", _("exactly")
    AT_LEAST = "at_least", _("at least")
    MORE_THAN = "more_than", _("more than")
    ABOUT = "about", _("about")
    AT_MOST = "at_most", _("at most")
    UNKNOWN = "unknown", _("unknown")
    RANGE = "range", _("range")


MONTHS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
_MONTH_ALIASES = {m[:3]: i + 1 for i, m in enumerate(MONTHS)} | {
    m: i + 1 for i, m in enumerate(MONTHS)
}
_MONTH_ALIASES["sept"] = 9
_PART_BOUNDS = {
    DatePrecision.EARLY_MONTH: (1, 10),
    DatePrecision.MID_MONTH: (11, 20),
    DatePrecision.LATE_MONTH: (21, 31),
}
_PART_WORDS = {
    "early": DatePrecision.EARLY_MONTH,
    "mid": DatePrecision.MID_MONTH,
    "late": DatePrecision.LATE_MONTH,
}


class VagueDateError(ValueError):
    """Raised with a message an editor can act on."""


def _last_day(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def _month_name(month: int) -> str:
    return MONTHS[month - 1].capitalize()


# -- localized rendering, for pages only ----------------------------------------------------------
# render() below is the English wording that exports carry and the importer parses back, so
# it never goes through gettext. Pages use localized(), which says the same thing in the active
# language ("mid-March 2017" / "2017년 3월 중순") and is identical to render() in English.
MONTH_NAMES = (
    pgettext_lazy("month name", "January"),
    pgettext_lazy("month name", "February"),
    pgettext_lazy("month name", "March"),
    pgettext_lazy("month name", "April"),
    pgettext_lazy("month name", "May"),
    pgettext_lazy("month name", "June"),
    pgettext_lazy("month name", "July"),
    pgettext_lazy("month name", "August"),
    pgettext_lazy("month name", "September"),
    pgettext_lazy("month name", "October"),
    pgettext_lazy("month name", "November"),
    pgettext_lazy("month name", "December"),
)


def local_month_name(month: int) -> str:
    return str(MONTH_NAMES[month - 1])


def local_year(year: int) -> str:
    """'2017' ('2017년' in Korean)."""
    return pgettext("vague date", "%(year)s") % {"year": year}


def local_month(year: int, month: int) -> str:
    """'March 2017' ('2017년 3월' in Korean)."""
    return pgettext("vague date", "%(month)s %(year)s") % {
        "month": local_month_name(month),
        "year": year,
    }


@dataclass(frozen=True)
class VagueDate:
    earliest: date
    latest: date
    precision: str

    def __post_init__(self):
        if self.latest < self.earliest:
            raise VagueDateError(gettext("The latest possible date is before the earliest."))

    # -- rendering -------------------------------------------------------------------------
    def __str__(self) -> str:
        return self.render()

    def render(self) -> str:
        e, la, p = self.earliest, self.latest, self.precision
        if p == DatePrecision.DAY:
            return f"{e.day} {_month_name(e.month)} {e.year}"
        if p in _PART_BOUNDS:
            word = {"early_month": "early", "mid_month": "mid-", "late_month": "late"}[p]
            sep = "" if word.endswith("-") else " "
            return f"{word}{sep}{_month_name(e.month)} {e.year}"
        if p == DatePrecision.MONTH:
            return f"{_month_name(e.month)} {e.year}"
        if p == DatePrecision.YEAR:
            return str(e.year)
        if p == DatePrecision.YEARS:
            return f"{e.year}–{la.year}"
        if p == DatePrecision.MONTHS:
            if e.year == la.year:
                return f"{_month_name(e.month)}–{_month_name(la.month)} {e.year}"
            return f"{_month_name(e.month)} {e.year} – {_month_name(la.month)} {la.year}"
        # DAYS
        if (e.year, e.month) == (la.year, la.month):
            return f"{e.day}–{la.day} {_month_name(e.month)} {e.year}"
        if e.year == la.year:
            return f"{e.day} {_month_name(e.month)} – {la.day} {_month_name(la.month)} {e.year}"
        return (
            f"{e.day} {_month_name(e.month)} {e.year} – {la.day} {_month_name(la.month)} {la.year}"
        )

    def localized(self) -> str:
        """The date as render() words it, in the active language: for pages, never exports."""
        e, la, p = self.earliest, self.latest, self.precision
        m = local_month_name
        if p == DatePrecision.DAY:
            return pgettext("vague date", "%(day)s %(month)s %(year)s") % {
                "day": e.day, "month": m(e.month), "year": e.year,
            }  # fmt: skip
        if p == DatePrecision.EARLY_MONTH:
            text = pgettext("vague date", "early %(month)s %(year)s")
            return text % {"month": m(e.month), "year": e.year}
        if p == DatePrecision.MID_MONTH:
            text = pgettext("vague date", "mid-%(month)s %(year)s")
            return text % {"month": m(e.month), "year": e.year}
        if p == DatePrecision.LATE_MONTH:
            text = pgettext("vague date", "late %(month)s %(year)s")
            return text % {"month": m(e.month), "year": e.year}
        if p == DatePrecision.MONTH:
            return local_month(e.year, e.month)
        if p == DatePrecision.YEAR:
            return local_year(e.year)
        if p == DatePrecision.YEARS:
            return pgettext("vague date", "%(start)s–%(end)s") % {"start": e.year, "end": la.year}
        if p == DatePrecision.MONTHS:
            if e.year == la.year:
                text = pgettext("vague date", "%(start_month)s–%(end_month)s %(year)s")
                return text % {"start_month": m(e.month), "end_month": m(la.month), "year": e.year}
            text = pgettext(
                "vague date", "%(start_month)s %(start_year)s – %(end_month)s %(end_year)s"
            )
            return text % {
                "start_month": m(e.month), "start_year": e.year,
                "end_month": m(la.month), "end_year": la.year,
            }  # fmt: skip
        # DAYS
        if (e.year, e.month) == (la.year, la.month):
            text = pgettext("vague date", "%(start_day)s–%(end_day)s %(month)s %(year)s")
            return text % {
                "start_day": e.day, "end_day": la.day, "month": m(e.month), "year": e.year,
            }  # fmt: skip
        if e.year == la.year:
            text = pgettext(
                "vague date",
                "%(start_day)s %(start_month)s – %(end_day)s %(end_month)s %(year)s",
            )
            return text % {
                "start_day": e.day, "start_month": m(e.month),
                "end_day": la.day, "end_month": m(la.month), "year": e.year,
            }  # fmt: skip
        text = pgettext(
            "vague date",
            "%(start_day)s %(start_month)s %(start_year)s – %(end_day)s %(end_month)s %(end_year)s",
        )
        return text % {
            "start_day": e.day, "start_month": m(e.month), "start_year": e.year,
            "end_day": la.day, "end_month": m(la.month), "end_year": la.year,
        }  # fmt: skip

    def iso(self) -> str:
        """Compact machine form used in exports: '2017-03-11/2017-03-20'."""
        if self.earliest == self.latest:
            return self.earliest.isoformat()
        return f"{self.earliest.isoformat()}/{self.latest.isoformat()}"

    # -- checking ----------------------------------------------------------------------------
    def problems(self) -> list[str]:
        """Ways in which the range does not fit the precision, for clean()."""
        e, la, p = self.earliest, self.latest, self.precision
        if p not in DatePrecision.values:
            return [gettext("Unknown date precision '%(precision)s'.") % {"precision": p}]
        try:
            expected = _expected_range(p, e, la)
        except ValueError as exc:
            return [str(exc)]
        if expected and expected != (e, la):
            return [
                gettext("For precision '%(precision)s' the range should be %(start)s to %(end)s.")
                % {
                    "precision": DatePrecision(p).label,
                    "start": expected[0].isoformat(),
                    "end": expected[1].isoformat(),
                }
            ]
        return []

    def overlaps(self, start: date | None, end: date | None) -> bool:
        return (start is None or self.latest >= start) and (end is None or self.earliest <= end)


def _expected_range(p: str, e: date, la: date) -> tuple[date, date] | None:
    if p == DatePrecision.DAY:
        return (e, e)
    if p in _PART_BOUNDS:
        lo, hi = _PART_BOUNDS[p]
        return (e.replace(day=lo), e.replace(day=min(hi, _last_day(e.year, e.month))))
    if p == DatePrecision.MONTH:
        return (e.replace(day=1), e.replace(day=_last_day(e.year, e.month)))
    if p == DatePrecision.MONTHS:
        return (e.replace(day=1), la.replace(day=_last_day(la.year, la.month)))
    if p == DatePrecision.YEAR:
        return (date(e.year, 1, 1), date(e.year, 12, 31))
    if p == DatePrecision.YEARS:
        return (date(e.year, 1, 1), date(la.year, 12, 31))
    return None  # DAYS: any range is fine


# -- parsing ----------------------------------------------------------------------------------
_DASH = r"\s*(?:-|–|—|to|until)\s*"
_MONTH = r"([A-Za-z]{3,9})\.?"
_PATTERNS = [
    # 2017-03-15 / 2017-03 / 2017
    ("iso_day", re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")),
    ("iso_month", re.compile(r"^(\d{4})-(\d{1,2})$")),
    ("year", re.compile(r"^(?:in\s+)?(\d{4})$")),
    ("years", re.compile(rf"^(\d{{4}}){_DASH}(\d{{4}})$")),
    # 15 July 2017 / July 15, 2017
    ("day", re.compile(rf"^(\d{{1,2}})(?:st|nd|rd|th)?\s+{_MONTH},?\s+(\d{{4}})$")),
    ("day_us", re.compile(rf"^{_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})$")),
    # 15-17 July 2017 / July 15-17, 2017
    ("days", re.compile(rf"^(\d{{1,2}}){_DASH}(\d{{1,2}})\s+{_MONTH},?\s+(\d{{4}})$")),
    ("days_us", re.compile(rf"^{_MONTH}\s+(\d{{1,2}}){_DASH}(\d{{1,2}}),?\s+(\d{{4}})$")),
    # 28 June - 3 July 2017
    (
        "days_x",
        re.compile(rf"^(\d{{1,2}})\s+{_MONTH}{_DASH}(\d{{1,2}})\s+{_MONTH},?\s+(\d{{4}})$"),
    ),
    # 28 December 2016 - 3 January 2017 (as rendered for a range across two years)
    (
        "days_y",
        re.compile(
            rf"^(\d{{1,2}})\s+{_MONTH},?\s+(\d{{4}}){_DASH}(\d{{1,2}})\s+{_MONTH},?\s+(\d{{4}})$"
        ),
    ),
    # mid-March 2017 / early March 2017
    ("part", re.compile(rf"^(early|mid|late)[\s-]*{_MONTH},?\s+(\d{{4}})$")),
    # March 2017
    ("month", re.compile(rf"^{_MONTH},?\s+(\d{{4}})$")),
    # March-May 2017
    ("months", re.compile(rf"^{_MONTH}{_DASH}{_MONTH},?\s+(\d{{4}})$")),
    # November 2016 - February 2017 (as rendered for a range across two years)
    ("months_y", re.compile(rf"^{_MONTH},?\s+(\d{{4}}){_DASH}{_MONTH},?\s+(\d{{4}})$")),
    # 2017-03-15/2017-03-20 (the export form)
    ("iso_range", re.compile(r"^(\d{4})-(\d{2})-(\d{2})/(\d{4})-(\d{2})-(\d{2})$")),
]
# Sources capitalise freely ("Mid-March 2017", "In 2003"); month names were already matched
# case-insensitively by _month(), the words around them now are too.
_PATTERNS = [(kind, re.compile(p.pattern, re.IGNORECASE)) for kind, p in _PATTERNS]


def _month(word: str) -> int:
    try:
        return _MONTH_ALIASES[word.lower()]
    except KeyError:
        raise VagueDateError(gettext("'%(word)s' is not a month name.") % {"word": word}) from None


def _mk(y: int, m: int, d: int) -> date:
    try:
        return date(y, m, d)
    except ValueError:
        raise VagueDateError(
            gettext("%(date)s is not a real date.") % {"date": f"{y:04d}-{m:02d}-{d:02d}"}
        ) from None


def parse_vague_date(text: str) -> VagueDate:
    """Parse what a report says ("mid-March 2017", "15–17 July 2017", "2003") into a range.

    Raises VagueDateError with a readable message for anything it cannot understand.
    """
    s = " ".join((text or "").strip().split())
    if not s:
        raise VagueDateError(
            gettext("Enter a date, e.g. '15 July 2017', 'mid-March 2017' or '2003'.")
        )
    for kind, pattern in _PATTERNS:
        m = pattern.match(s)
        if not m:
            continue
        g = m.groups()
        if kind == "iso_day":
            d = _mk(int(g[0]), int(g[1]), int(g[2]))
            return VagueDate(d, d, DatePrecision.DAY)
        if kind == "iso_month":
            y, mo = int(g[0]), int(g[1])
            return VagueDate(
                _mk(y, mo, 1),
                _mk(y, mo, _last_day(y, mo) if 1 <= mo <= 12 else 1),
                DatePrecision.MONTH,
            )
        if kind == "year":
            y = int(g[0])
            return VagueDate(_mk(y, 1, 1), _mk(y, 12, 31), DatePrecision.YEAR)
        if kind == "years":
            return VagueDate(_mk(int(g[0]), 1, 1), _mk(int(g[1]), 12, 31), DatePrecision.YEARS)
        if kind == "day":
            d = _mk(int(g[2]), _month(g[1]), int(g[0]))
            return VagueDate(d, d, DatePrecision.DAY)
        if kind == "day_us":
            d = _mk(int(g[2]), _month(g[0]), int(g[1]))
            return VagueDate(d, d, DatePrecision.DAY)
        if kind == "days":
            y, mo = int(g[3]), _month(g[2])
            return VagueDate(_mk(y, mo, int(g[0])), _mk(y, mo, int(g[1])), DatePrecision.DAYS)
        if kind == "days_us":
            y, mo = int(g[3]), _month(g[0])
            return VagueDate(_mk(y, mo, int(g[1])), _mk(y, mo, int(g[2])), DatePrecision.DAYS)
        if kind == "days_x":
            y = int(g[4])
            return VagueDate(
                _mk(y, _month(g[1]), int(g[0])), _mk(y, _month(g[3]), int(g[2])), DatePrecision.DAYS
            )
        if kind == "days_y":
            return VagueDate(
                _mk(int(g[2]), _month(g[1]), int(g[0])),
                _mk(int(g[5]), _month(g[4]), int(g[3])),
                DatePrecision.DAYS,
            )
        if kind == "part":
            y, mo = int(g[2]), _month(g[1])
            p = _PART_WORDS[g[0].lower()]
            lo, hi = _PART_BOUNDS[p]
            return VagueDate(_mk(y, mo, lo), _mk(y, mo, min(hi, _last_day(y, mo))), p)
        if kind == "month":
            y, mo = int(g[1]), _month(g[0])
            return VagueDate(_mk(y, mo, 1), _mk(y, mo, _last_day(y, mo)), DatePrecision.MONTH)
        if kind == "months":
            y, m1, m2 = int(g[2]), _month(g[0]), _month(g[1])
            return VagueDate(_mk(y, m1, 1), _mk(y, m2, _last_day(y, m2)), DatePrecision.MONTHS)
        if kind == "months_y":
            y1, m1, y2, m2 = int(g[1]), _month(g[0]), int(g[3]), _month(g[2])
            return VagueDate(_mk(y1, m1, 1), _mk(y2, m2, _last_day(y2, m2)), DatePrecision.MONTHS)
        if kind == "iso_range":
            n = [int(x) for x in g]
            e, la = _mk(n[0], n[1], n[2]), _mk(n[3], n[4], n[5])
            return VagueDate(e, la, DatePrecision.DAY if e == la else DatePrecision.DAYS)
    raise VagueDateError(
        gettext(
            "Could not read the date '%(text)s'. Write it as reported, e.g. '15 July 2017', "
            "'15–17 July 2017', 'mid-March 2017', 'February 2012', '2003' or '2017-03-15'."
        )
        % {"text": text}
    )


def parse_partial_date(text: str, *, end: bool) -> date:
    """Parse YYYY, YYYY-MM or YYYY-MM-DD for filters; `end` picks the last day of the period."""
    s = (text or "").strip()
    m = re.fullmatch(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?", s)
    if not m:
        raise VagueDateError(
            gettext("'%(text)s' is not a date: use YYYY, YYYY-MM or YYYY-MM-DD.") % {"text": text}
        )
    y, mo, d = int(m[1]), m[2], m[3]
    if y < 1 or (mo is not None and not 1 <= int(mo) <= 12):
        raise VagueDateError(gettext("'%(text)s' is not a real date.") % {"text": text})
    if mo is None:
        return date(y, 12, 31) if end else date(y, 1, 1)
    mo = int(mo)
    if d is None:
        return _mk(y, mo, _last_day(y, mo) if end else 1)
    return _mk(y, mo, int(d))


# -- estimated counts ---------------------------------------------------------------------------
COUNT_MAX = 2_147_483_647  # the largest number a PositiveIntegerField holds on every database
_QUALIFIER_CODES = frozenset(CountQualifier.values)


class _Wording:
    """render() and localized() for a count or a total, from the form of words it takes.

    _form() gives a key of _ENGLISH_COUNTS/_LOCAL_COUNTS and the numbers it needs.
    """

    def _form(self) -> tuple[str, dict[str, int]]:
        raise NotImplementedError

    def render(self, noun: str = "", *, singular: str | None = None) -> str:
        """'at least 4 women', '27–29 people'; `singular` is used when the number is 1.

        Plain English, never gettext: exports carry this text and the importer reads it back
        with parse_count().
        """
        form, numbers = self._form()
        if form == CountQualifier.UNKNOWN:
            return f"unknown number of {noun}" if noun else "unknown"
        if singular and numbers.get("n") == 1 and form in _SINGULAR_FORMS:
            noun = singular
        text = _ENGLISH_COUNTS[form] % _grouped(numbers)
        return f"{text} {noun}" if noun else text

    def localized(self) -> str:
        """A count of people for pages, in the active language.

        Identical to render() in English ("at least 4"); Korean adds the counter: "최소 4명",
        "약 300명", "20명 이상", "27~29명", "인원 미상".
        """
        form, numbers = self._form()
        return str(_LOCAL_COUNTS[form]) % _grouped(numbers)

    def __str__(self) -> str:
        return self.render()


@dataclass(frozen=True)
class EstimatedCount(_Wording):
    """A count as the source gives it: (4, AT_LEAST) is "at least 4", (27, RANGE, 29) "27–29".

    Only a range has value_high. A shape that makes no sense (a range without its high end, a
    negative number, a high end on "about") is no claim at all: it is not `known`, renders as
    "unknown", and problems() says what is wrong.
    """

    value: int | None
    qualifier: str = CountQualifier.EXACT
    value_high: int | None = None

    def problems(self) -> list[str]:
        """What makes the shape invalid, for clean(); [] when it is fine.

        A number without a qualifier (or the reverse) is the model's business, not a shape
        problem: the model says which field to fill in.
        """
        v, h, q = self.value, self.value_high, self.qualifier
        if q not in _QUALIFIER_CODES:
            return [gettext("Unknown count qualifier '%(qualifier)s'.") % {"qualifier": q}]
        problems = []
        if (v is not None and v < 0) or (h is not None and h < 0):
            problems.append(gettext("A count cannot be negative."))
        if q == CountQualifier.RANGE:
            if (v is None) != (h is None):
                problems.append(gettext("A range needs both a low and a high figure."))
            elif h is not None and h <= v:
                problems.append(gettext("The high end of a range must be above its low end."))
        elif h is not None:
            problems.append(gettext("Only a range has a high figure."))
        return problems

    @property
    def known(self) -> bool:
        return (
            self.qualifier != CountQualifier.UNKNOWN
            and self.value is not None
            and not self.problems()
        )

    @property
    def low(self) -> int:
        """Smallest number consistent with the report."""
        if not self.known or self.qualifier == CountQualifier.AT_MOST:
            return 0
        if self.qualifier == CountQualifier.MORE_THAN:
            return self.value + 1
        return self.value

    @property
    def high(self) -> int | None:
        """Largest number consistent with the report (None: no upper bound)."""
        if not self.known or self.qualifier in (CountQualifier.AT_LEAST, CountQualifier.MORE_THAN):
            return None
        if self.qualifier == CountQualifier.RANGE:
            return self.value_high
        return self.value

    @property
    def approximate(self) -> bool:
        """About 300 may be 290 or 310: the bounds are the nominal figure, not hard limits."""
        return self.known and self.qualifier == CountQualifier.ABOUT

    def _form(self) -> tuple[str, dict[str, int]]:
        if not self.known:
            return CountQualifier.UNKNOWN, {}
        if self.qualifier == CountQualifier.RANGE:
            return CountQualifier.RANGE, {"low": self.value, "high": self.value_high}
        return self.qualifier, {"n": self.value}

    def __add__(self, other: EstimatedCount | CountTotal) -> CountTotal:
        return CountTotal.of(self) + other


@dataclass(frozen=True)
class CountTotal(_Wording):
    """A sum of estimated counts, as bounds: low..high (high None: no upper bound).

    Bounds add up, so a total never claims more certainty than its parts: an open-ended part
    makes it open-ended, an unknown part adds nothing to `low` but removes the upper bound
    (an unknown number may be any size), an "about" part makes it `approximate`. `single`
    keeps the one count summed, so a total of one group says exactly what the source said
    ("more than 20", not "at least 21").
    """

    low: int
    high: int | None
    approximate: bool
    single: EstimatedCount | None = None

    @classmethod
    def zero(cls) -> CountTotal:
        """Exact 0, for "none recorded"; adding it changes nothing (a start for sum())."""
        return cls(0, 0, False)

    @classmethod
    def of(cls, count: EstimatedCount | CountTotal) -> CountTotal:
        """A total of one count (a total stays as it is)."""
        if isinstance(count, CountTotal):
            return count
        return cls(count.low, count.high, count.approximate, count)

    def __add__(self, other: EstimatedCount | CountTotal) -> CountTotal:
        if not isinstance(other, EstimatedCount | CountTotal):
            return NotImplemented
        other = CountTotal.of(other)
        # An exact 0 adds nothing, so the other side keeps its own wording.
        if other._is_zero():
            return self
        if self._is_zero():
            return other
        high = None if self.high is None or other.high is None else self.high + other.high
        return CountTotal(self.low + other.low, high, self.approximate or other.approximate)

    def _is_zero(self) -> bool:
        return self.low == self.high == 0 and not self.approximate

    @property
    def known(self) -> bool:
        """False when nothing is known: 0..unbounded says nothing, however it came about."""
        if self.single is not None:
            return self.single.known
        return self.high is not None or self.low > 0

    @property
    def exact(self) -> bool:
        return self.known and not self.approximate and self.low == self.high

    def _form(self) -> tuple[str, dict[str, int]]:
        if self.single is not None:
            return self.single._form()
        if not self.known:
            return CountQualifier.UNKNOWN, {}
        low, high = self.low, self.high
        if high is None:
            return ("about_or_more" if self.approximate else CountQualifier.AT_LEAST), {"n": low}
        if low == high:
            return (CountQualifier.ABOUT if self.approximate else CountQualifier.EXACT), {"n": low}
        if self.approximate:
            return "about_range", {"low": low, "high": high}
        if low == 0:
            return CountQualifier.AT_MOST, {"n": high}
        return CountQualifier.RANGE, {"low": low, "high": high}

    # Compatibility only: total() used to return an EstimatedCount, and callers still read
    # .qualifier and .value. New code should use low, high, approximate and exact.
    @property
    def qualifier(self) -> str:
        """The nearest old qualifier (an open end wins over "about", as it used to)."""
        if self.single is not None:
            return self.single.qualifier
        if not self.known:
            return CountQualifier.UNKNOWN
        if self.high is None:
            return CountQualifier.AT_LEAST
        if self.approximate:
            return CountQualifier.ABOUT
        if self.low == self.high:
            return CountQualifier.EXACT
        return CountQualifier.AT_MOST if self.low == 0 else CountQualifier.RANGE

    @property
    def value(self) -> int | None:
        """The number that goes with `qualifier`: the low end, or the high end for "at most"."""
        if self.single is not None:
            return self.single.value
        if not self.known:
            return None
        return self.high if self.qualifier == CountQualifier.AT_MOST else self.low


def total(counts: Iterable[EstimatedCount | CountTotal]) -> CountTotal:
    """Sum of estimated counts (or of totals), honest about uncertainty; see CountTotal.

    No parts, or only unknown ones, give an unknown total.
    """
    result = None
    for count in counts:
        result = CountTotal.of(count) if result is None else result + count
    return CountTotal(0, None, False) if result is None else result


def _grouped(numbers: dict[str, int]) -> dict[str, str]:
    return {key: f"{n:,}" for key, n in numbers.items()}


# Forms of words: the qualifiers, and two that only a total takes. Keys are shared by the
# English (exports, parsed back) and the translatable wording (pages), which must say the same.
_ENGLISH_COUNTS = {
    CountQualifier.EXACT: "%(n)s",
    CountQualifier.AT_LEAST: "at least %(n)s",
    CountQualifier.MORE_THAN: "more than %(n)s",
    CountQualifier.ABOUT: "about %(n)s",
    CountQualifier.AT_MOST: "at most %(n)s",
    CountQualifier.RANGE: "%(low)s–%(high)s",
    "about_or_more": "about %(n)s or more",
    "about_range": "about %(low)s–%(high)s",
}
_LOCAL_COUNTS = {
    CountQualifier.EXACT: pgettext_lazy("count of people", "%(n)s"),
    CountQualifier.AT_LEAST: pgettext_lazy("count of people", "at least %(n)s"),
    CountQualifier.MORE_THAN: pgettext_lazy("count of people", "more than %(n)s"),
    CountQualifier.ABOUT: pgettext_lazy("count of people", "about %(n)s"),
    CountQualifier.AT_MOST: pgettext_lazy("count of people", "at most %(n)s"),
    CountQualifier.RANGE: pgettext_lazy("count of people", "%(low)s–%(high)s"),
    "about_or_more": pgettext_lazy("count of people", "about %(n)s or more"),
    "about_range": pgettext_lazy("count of people", "about %(low)s–%(high)s"),
    CountQualifier.UNKNOWN: pgettext_lazy("count of people", "unknown"),
}
# "1 person", "at least 1 person", but "more than 1 people", "1–2 people".
_SINGULAR_FORMS = {
    CountQualifier.EXACT,
    CountQualifier.AT_LEAST,
    CountQualifier.ABOUT,
    CountQualifier.AT_MOST,
}


def local_range(low: int, high: int) -> str:
    """'50,000–300,000' people ('50,000~300,000명' in Korean)."""
    return pgettext("count of people", "%(low)s–%(high)s") % {
        "low": f"{low:,}",
        "high": f"{high:,}",
    }


# -- parsing counts ---------------------------------------------------------------------------
_COUNT_WORDS = {
    "exactly": CountQualifier.EXACT,
    "at least": CountQualifier.AT_LEAST,
    "more than": CountQualifier.MORE_THAN,
    "over": CountQualifier.MORE_THAN,
    "about": CountQualifier.ABOUT,
    "around": CountQualifier.ABOUT,
    "approximately": CountQualifier.ABOUT,
    "some": CountQualifier.ABOUT,
    "at most": CountQualifier.AT_MOST,
    "up to": CountQualifier.AT_MOST,
}
_UNITS = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen",
]  # fmt: skip
_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_WORD_VALUES = (
    {word: n for n, word in enumerate(_UNITS)}
    | {word: 20 + 10 * n for n, word in enumerate(_TENS)}
    | {"dozen": 12, "hundred": 100}
)
# 31, 1,200 (thousands grouped by three only: "27,29" is not a number), seven, twenty-one,
# a dozen, a hundred. Vague words ("several", "dozens") are deliberately not numbers.
_NUMBER = (
    r"(?:\d{1,3}(?:,\d{3})+|\d+"
    rf"|(?:{'|'.join(_TENS)})(?:[ -](?:{'|'.join(_UNITS[1:10])}))?|{'|'.join(_UNITS)}"
    r"|(?:a )?dozen|(?:a|one) hundred)"
)
_QUALIFIED = re.compile(rf"(?:(?P<q>{'|'.join(_COUNT_WORDS)}) )?(?P<rest>.+)", re.IGNORECASE)
_SINGLE = re.compile(_NUMBER, re.IGNORECASE)
_DASH = r" ?[-–—] ?"
_RANGES = [
    re.compile(rf"{lead}(?P<low>{_NUMBER})(?:{sep}|{_DASH})(?P<high>{_NUMBER})", re.IGNORECASE)
    for lead, sep in (("between ", " and "), ("from ", " to "), ("", " (?:to|or) "))
]


def parse_count(text: str) -> EstimatedCount:
    """Parse a count as written, for imports: "31", "at least 4", "about a dozen", "27–29",
    "between 27 and 29", "one or two", "unknown".

    Blank, "unknown", "?" and "n/a" mean not reported. A range with equal ends is exact; a
    range with a qualifier ("about 27–29") is refused, as an EstimatedCount has one qualifier
    and a range needs it. Raises CountError (a ValueError) with a message for the importer.
    """
    s = " ".join(str(text or "").split())
    if s.lower() in {"", "unknown", "?", "n/a"}:
        return EstimatedCount(None, CountQualifier.UNKNOWN)
    m = _QUALIFIED.fullmatch(s)
    qualifier, rest = (m["q"] or "").lower(), m["rest"]
    if _SINGLE.fullmatch(rest):
        return EstimatedCount(_number(rest), _COUNT_WORDS.get(qualifier, CountQualifier.EXACT))
    for pattern in _RANGES:
        r = pattern.fullmatch(rest)
        if not r:
            continue
        if qualifier:
            raise CountError(
                gettext(
                    "'%(text)s' puts a qualifier on a range: give the range alone ('27–29') "
                    "or one figure with its qualifier ('about 28')."
                )
                % {"text": text}
            )
        low, high = _number(r["low"]), _number(r["high"])
        if low > high:
            raise CountError(
                gettext(
                    "The range '%(text)s' runs backwards: give the lower figure first, "
                    "e.g. '27–29'."
                )
                % {"text": text}
            )
        if low == high:
            return EstimatedCount(low)
        return EstimatedCount(low, CountQualifier.RANGE, high)
    raise CountError(
        gettext(
            "Could not read the number '%(text)s'. Write e.g. '31', 'at least 4', "
            "'about 300', 'more than 20', 'at most 5', '27–29' or 'unknown'."
        )
        % {"text": text}
    )


def _number(text: str) -> int:
    """The value of a number matched by _NUMBER."""
    if text[0].isdigit():
        digits = text.replace(",", "").lstrip("0") or "0"
        # Compared as text first: int() refuses very long strings of digits.
        if len(digits) > len(str(COUNT_MAX)) or int(digits) > COUNT_MAX:
            raise CountError(
                gettext("%(number)s is out of range: a count can be at most %(max)s.")
                % {"number": text, "max": f"{COUNT_MAX:,}"}
            )
        return int(digits)
    words = text.lower().replace("-", " ").split()
    if words[-1] in ("dozen", "hundred"):  # "a dozen", "one hundred"
        return _WORD_VALUES[words[-1]]
    return sum(_WORD_VALUES[word] for word in words)  # "twenty one"


class CountError(ValueError):
    """An estimated count that cannot be read; the message is for the person importing."""
