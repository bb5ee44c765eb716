"""Place incidents on a timeline without inventing precision.

An incident dated within one month goes under that month; anything vaguer ("2003",
"March–May 2017", "2001–2003") goes under its earliest possible year, in a "during the year"
bucket labelled with the date as reported. Undated incidents come last.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from incidents.vague import local_month, local_year


@dataclass
class MonthBucket:
    month: int
    label: str
    incidents: list[dict] = field(default_factory=list)


@dataclass
class YearBucket:
    year: int | None
    months: dict[int, MonthBucket] = field(default_factory=dict)
    vague: list[dict] = field(default_factory=list)  # dated no closer than the year

    @property
    def label(self) -> str:
        return local_year(self.year) if self.year else ""

    @property
    def month_list(self) -> list[MonthBucket]:
        return [self.months[m] for m in sorted(self.months)]

    @property
    def count(self) -> int:
        return len(self.vague) + sum(len(m.incidents) for m in self.months.values())


def build(incidents: list[dict]) -> tuple[list[YearBucket], list[dict]]:
    """`incidents` are public dicts in chronological order; returns (years, undated)."""
    years: dict[int, YearBucket] = {}
    undated: list[dict] = []
    for incident in incidents:
        earliest, latest = incident["date_earliest"], incident["date_latest"]
        if earliest is None:
            undated.append(incident)
            continue
        bucket = years.setdefault(earliest.year, YearBucket(earliest.year))
        if (earliest.year, earliest.month) == (latest.year, latest.month):
            month = bucket.months.setdefault(
                earliest.month,
                MonthBucket(earliest.month, local_month(earliest.year, earliest.month)),
            )
            month.incidents.append(incident)
        else:
            bucket.vague.append(incident)
    return [years[y] for y in sorted(years)], undated
