"""Place incidents on a timeline without inventing precision.

An incident dated within one month goes under that month; one dated as a range of months of
one year ("July–August 2017") under that year as a month range, placed after the single month
it starts in; anything vaguer ("2003", "2001–2003", "28 June – 3 July 2017") under its
earliest possible year, in a "during the year" bucket labelled with the date as reported.
Undated incidents come last.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import pgettext

from incidents.vague import DatePrecision, local_month, local_month_name, local_year


def local_month_range(year: int, first: int, last: int) -> str:
    """'March–May 2017' ('2017년 3월–5월' in Korean): the wording of a MONTHS vague date."""
    text = pgettext("vague date", "%(start_month)s–%(end_month)s %(year)s")
    return text % {
        "start_month": local_month_name(first),
        "end_month": local_month_name(last),
        "year": year,
    }


@dataclass
class MonthBucket:
    year: int
    month: int
    label: str
    incidents: list[dict] = field(default_factory=list)
    last_month: int | None = None  # a month range: "July–August 2017"

    @property
    def order(self) -> tuple[int, int]:
        """March, then March–May, then April: by first month, a single month first."""
        return (self.month, self.last_month or self.month)

    @property
    def anchor(self) -> str:
        """A unique id for the section: "m2017-3", or "m2017-3-5" for March–May 2017."""
        if self.last_month:
            return f"m{self.year}-{self.month}-{self.last_month}"
        return f"m{self.year}-{self.month}"


@dataclass
class YearBucket:
    year: int | None
    months: dict[tuple[int, int], MonthBucket] = field(default_factory=dict)
    vague: list[dict] = field(default_factory=list)  # dated no closer than the year

    @property
    def label(self) -> str:
        return local_year(self.year) if self.year else ""

    @property
    def month_list(self) -> list[MonthBucket]:
        return sorted(self.months.values(), key=lambda m: m.order)

    @property
    def count(self) -> int:
        return len(self.vague) + sum(len(m.incidents) for m in self.months.values())


def build(incidents: list[dict]) -> tuple[list[YearBucket], list[dict]]:
    """`incidents` are public dicts in chronological order; returns (years, undated).

    Only the date fields (date_earliest, date_latest, date_precision) are read; bucket labels
    are worded here from the months, so every incident in a bucket shares its heading.
    """
    years: dict[int, YearBucket] = {}
    undated: list[dict] = []
    for incident in incidents:
        earliest, latest = incident["date_earliest"], incident["date_latest"]
        if earliest is None or latest is None:
            undated.append(incident)
            continue
        year = earliest.year
        bucket = years.setdefault(year, YearBucket(year))
        if (earliest.year, earliest.month) == (latest.year, latest.month):
            key = (earliest.month, earliest.month)
            if key not in bucket.months:
                bucket.months[key] = MonthBucket(
                    year, earliest.month, local_month(year, earliest.month)
                )
        elif earliest.year == latest.year and incident["date_precision"] == DatePrecision.MONTHS:
            key = (earliest.month, latest.month)
            if key not in bucket.months:
                bucket.months[key] = MonthBucket(
                    year,
                    earliest.month,
                    local_month_range(year, earliest.month, latest.month),
                    last_month=latest.month,
                )
        else:
            bucket.vague.append(incident)
            continue
        bucket.months[key].incidents.append(incident)
    return [years[y] for y in sorted(years)], undated
