"""Value objects for what reports actually say: vague dates and estimated counts.

A vague date is stored as (earliest, latest, precision): "mid-March 2017" is 11–20 March 2017
with precision MID_MONTH. Filters compare ranges by overlap; rendering uses the precision so
the page says what the source said, not a false exact day.

An estimated count is stored as (value, qualifier): "at least 4" is (4, AT_LEAST).
Arithmetic on counts works on bounds, so totals never claim more precision than their parts.
"""

from __future__ import annotations

import calendar
import re
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
@dataclass(frozen=True)
class EstimatedCount:
    value: int | None
    qualifier: str = CountQualifier.EXACT

    @property
    def known(self) -> bool:
        return self.qualifier != CountQualifier.UNKNOWN and self.value is not None

    @property
    def low(self) -> int:
        """Smallest number consistent with the report."""
        if not self.known:
            return 0
        if self.qualifier == CountQualifier.MORE_THAN:
            return self.value + 1
        if self.qualifier == CountQualifier.AT_MOST:
            return 0
        return self.value

    @property
    def high(self) -> int | None:
        """Largest number consistent with the report (None: no upper bound)."""
        if not self.known or self.qualifier in (CountQualifier.AT_LEAST, CountQualifier.MORE_THAN):
            return None
        return self.value

    def render(self, noun: str = "", *, singular: str | None = None) -> str:
        """'at least 4 women'; `singular` is used when the number is exactly 1."""
        if singular and self.value == 1 and self.qualifier != CountQualifier.MORE_THAN:
            noun = singular
        tail = f" {noun}" if noun else ""
        if not self.known:
            return f"unknown number of {noun}" if noun else "unknown"
        # Plain English, never the (translatable) choice label: exports carry this text and
        # the importer reads it back with parse_count().
        q = self.qualifier
        prefix = "" if q == CountQualifier.EXACT else f"{_QUALIFIER_WORDS[q]} "
        return f"{prefix}{self.value:,}{tail}"

    def localized(self) -> str:
        """A count of people for pages, in the active language.

        Identical to render() in English ("at least 4"); Korean adds the counter: "최소 4명",
        "약 300명", "20명 이상", "인원 미상".
        """
        if not self.known:
            return str(_LOCAL_COUNTS[CountQualifier.UNKNOWN])
        return str(_LOCAL_COUNTS[self.qualifier]) % {"n": f"{self.value:,}"}

    def __str__(self) -> str:
        return self.render()

    def __add__(self, other: EstimatedCount) -> EstimatedCount:
        return total([self, other])


_QUALIFIER_WORDS = {
    CountQualifier.AT_LEAST: "at least",
    CountQualifier.MORE_THAN: "more than",
    CountQualifier.ABOUT: "about",
    CountQualifier.AT_MOST: "at most",
}

_LOCAL_COUNTS = {
    CountQualifier.EXACT: pgettext_lazy("count of people", "%(n)s"),
    CountQualifier.AT_LEAST: pgettext_lazy("count of people", "at least %(n)s"),
    CountQualifier.MORE_THAN: pgettext_lazy("count of people", "more than %(n)s"),
    CountQualifier.ABOUT: pgettext_lazy("count of people", "about %(n)s"),
    CountQualifier.AT_MOST: pgettext_lazy("count of people", "at most %(n)s"),
    CountQualifier.UNKNOWN: pgettext_lazy("count of people", "unknown"),
}


def local_range(low: int, high: int) -> str:
    """'50,000–300,000' people ('50,000–300,000명' in Korean)."""
    return pgettext("count of people", "%(low)s–%(high)s") % {
        "low": f"{low:,}",
        "high": f"{high:,}",
    }


def total(counts) -> EstimatedCount:
    """Sum of estimated counts, honest about uncertainty.

    exact+exact is exact; any open-ended or unknown part makes the total "at least";
    any "about" (with no open end) makes it "about".
    """
    counts = list(counts)
    if len(counts) == 1:
        return counts[0]  # one group: say exactly what the source said ("more than 20")
    if not counts or all(not c.known for c in counts):
        return EstimatedCount(None, CountQualifier.UNKNOWN)
    low = sum(c.low for c in counts)
    if any(c.high is None for c in counts):
        return EstimatedCount(low, CountQualifier.AT_LEAST)
    if any(c.qualifier == CountQualifier.ABOUT for c in counts):
        return EstimatedCount(sum(c.value for c in counts), CountQualifier.ABOUT)
    high = sum(c.high for c in counts)
    if any(c.qualifier == CountQualifier.AT_MOST for c in counts):
        return EstimatedCount(high, CountQualifier.AT_MOST)
    return EstimatedCount(high, CountQualifier.EXACT)


_COUNT_PATTERN = re.compile(
    r"^(?:(?P<q>exactly|at least|more than|over|about|around|approximately|some|at most|"
    r"up to)\s+)?(?P<n>\d[\d,]*)$",
    re.IGNORECASE,
)
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


def parse_count(text: str) -> EstimatedCount:
    """Parse a count as written ("31", "at least 4", "about 300", "unknown", "") for imports.

    Blank and "unknown" mean not reported. Raises CountError (a ValueError) otherwise.
    """
    s = " ".join(str(text or "").strip().split())
    if s == "" or s.lower() in {"unknown", "?", "n/a"}:
        return EstimatedCount(None, CountQualifier.UNKNOWN)
    m = _COUNT_PATTERN.match(s)
    if not m:
        raise CountError(
            gettext(
                "Could not read the number '%(text)s'. Write e.g. '31', 'at least 4', "
                "'about 300', 'more than 20', 'at most 5' or 'unknown'."
            )
            % {"text": text}
        )
    value = int(m["n"].replace(",", ""))
    qualifier = _COUNT_WORDS[m["q"].lower()] if m["q"] else CountQualifier.EXACT
    return EstimatedCount(value, qualifier)


class CountError(ValueError):
    """An estimated count that cannot be read; the message is for the person importing."""
