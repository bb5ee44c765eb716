"""incidents.vague: vague dates as reported, and estimated counts.

Expected ranges below are calendar facts (March has 31 days, 2016 is a leap year...), written
out by hand rather than computed with the code under test.
"""

import itertools
import time
from datetime import date

import pytest

from incidents.vague import (
    CountQualifier,
    DatePrecision,
    EstimatedCount,
    VagueDate,
    VagueDateError,
    parse_partial_date,
    parse_vague_date,
    total,
)

P = DatePrecision
Q = CountQualifier
D = date


# -- parsing: every supported form -----------------------------------------------------------------
PARSE_CASES = [
    # a single day
    ("15 July 2017", D(2017, 7, 15), D(2017, 7, 15), P.DAY),
    ("15th July 2017", D(2017, 7, 15), D(2017, 7, 15), P.DAY),
    ("1 Jan 2018", D(2018, 1, 1), D(2018, 1, 1), P.DAY),
    ("3 Sept 2016", D(2016, 9, 3), D(2016, 9, 3), P.DAY),
    ("29 February 2016", D(2016, 2, 29), D(2016, 2, 29), P.DAY),
    # a single day, US style
    ("July 15, 2017", D(2017, 7, 15), D(2017, 7, 15), P.DAY),
    ("July 15 2017", D(2017, 7, 15), D(2017, 7, 15), P.DAY),
    ("Jul. 2nd, 2017", D(2017, 7, 2), D(2017, 7, 2), P.DAY),
    # a range of days in one month
    ("15–17 July 2017", D(2017, 7, 15), D(2017, 7, 17), P.DAYS),
    ("15-17 July 2017", D(2017, 7, 15), D(2017, 7, 17), P.DAYS),
    ("15 to 17 July 2017", D(2017, 7, 15), D(2017, 7, 17), P.DAYS),
    ("July 15–17, 2017", D(2017, 7, 15), D(2017, 7, 17), P.DAYS),
    # a range of days across two months
    ("28 June – 3 July 2017", D(2017, 6, 28), D(2017, 7, 3), P.DAYS),
    ("28 June - 3 July, 2017", D(2017, 6, 28), D(2017, 7, 3), P.DAYS),
    # ... and across two years
    ("28 December 2016 – 3 January 2017", D(2016, 12, 28), D(2017, 1, 3), P.DAYS),
    # part of a month
    ("early March 2017", D(2017, 3, 1), D(2017, 3, 10), P.EARLY_MONTH),
    ("mid-March 2017", D(2017, 3, 11), D(2017, 3, 20), P.MID_MONTH),
    ("mid March 2017", D(2017, 3, 11), D(2017, 3, 20), P.MID_MONTH),
    ("late March 2017", D(2017, 3, 21), D(2017, 3, 31), P.LATE_MONTH),
    ("late April 2017", D(2017, 4, 21), D(2017, 4, 30), P.LATE_MONTH),
    ("late February 2017", D(2017, 2, 21), D(2017, 2, 28), P.LATE_MONTH),
    ("late February 2016", D(2016, 2, 21), D(2016, 2, 29), P.LATE_MONTH),
    # capitalised at the start of a sentence, as sources often write it
    ("Mid-March 2017", D(2017, 3, 11), D(2017, 3, 20), P.MID_MONTH),
    ("Early March 2017", D(2017, 3, 1), D(2017, 3, 10), P.EARLY_MONTH),
    # a month
    ("February 2012", D(2012, 2, 1), D(2012, 2, 29), P.MONTH),
    ("February 2013", D(2013, 2, 1), D(2013, 2, 28), P.MONTH),
    ("Feb 2012", D(2012, 2, 1), D(2012, 2, 29), P.MONTH),
    ("december 2010", D(2010, 12, 1), D(2010, 12, 31), P.MONTH),
    # a range of months
    ("March–May 2017", D(2017, 3, 1), D(2017, 5, 31), P.MONTHS),
    ("March to May 2017", D(2017, 3, 1), D(2017, 5, 31), P.MONTHS),
    ("November 2016 – February 2017", D(2016, 11, 1), D(2017, 2, 28), P.MONTHS),
    ("Nov 2011 to Feb 2012", D(2011, 11, 1), D(2012, 2, 29), P.MONTHS),
    # a year
    ("2003", D(2003, 1, 1), D(2003, 12, 31), P.YEAR),
    ("in 2003", D(2003, 1, 1), D(2003, 12, 31), P.YEAR),
    ("In 2003", D(2003, 1, 1), D(2003, 12, 31), P.YEAR),
    # a range of years
    ("2003–2005", D(2003, 1, 1), D(2005, 12, 31), P.YEARS),
    ("2003-2005", D(2003, 1, 1), D(2005, 12, 31), P.YEARS),
    ("2003 to 2005", D(2003, 1, 1), D(2005, 12, 31), P.YEARS),
    # ISO day and month
    ("2017-03-15", D(2017, 3, 15), D(2017, 3, 15), P.DAY),
    ("2017-3-5", D(2017, 3, 5), D(2017, 3, 5), P.DAY),
    ("2017-03", D(2017, 3, 1), D(2017, 3, 31), P.MONTH),
    ("2016-02", D(2016, 2, 1), D(2016, 2, 29), P.MONTH),
    # the export form
    ("2017-03-11/2017-03-20", D(2017, 3, 11), D(2017, 3, 20), P.DAYS),
    ("2017-03-15/2017-03-15", D(2017, 3, 15), D(2017, 3, 15), P.DAY),
    # stray whitespace is ignored
    ("  15   July\t2017 ", D(2017, 7, 15), D(2017, 7, 15), P.DAY),
]


@pytest.mark.parametrize(("text", "earliest", "latest", "precision"), PARSE_CASES)
def test_parse_vague_date(text, earliest, latest, precision):
    assert parse_vague_date(text) == VagueDate(earliest, latest, precision)


@pytest.mark.parametrize("text", [case[0] for case in PARSE_CASES])
def test_parsed_dates_are_self_consistent(text):
    """Whatever the parser returns must pass the model's own consistency check."""
    assert parse_vague_date(text).problems() == []


# -- rendering -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("vague", "text"),
    [
        (VagueDate(D(2017, 7, 15), D(2017, 7, 15), P.DAY), "15 July 2017"),
        (VagueDate(D(2017, 7, 15), D(2017, 7, 17), P.DAYS), "15–17 July 2017"),
        (VagueDate(D(2017, 6, 28), D(2017, 7, 3), P.DAYS), "28 June – 3 July 2017"),
        (VagueDate(D(2017, 3, 1), D(2017, 3, 10), P.EARLY_MONTH), "early March 2017"),
        (VagueDate(D(2017, 3, 11), D(2017, 3, 20), P.MID_MONTH), "mid-March 2017"),
        (VagueDate(D(2017, 3, 21), D(2017, 3, 31), P.LATE_MONTH), "late March 2017"),
        (VagueDate(D(2012, 2, 1), D(2012, 2, 29), P.MONTH), "February 2012"),
        (VagueDate(D(2017, 3, 1), D(2017, 5, 31), P.MONTHS), "March–May 2017"),
        (VagueDate(D(2003, 1, 1), D(2003, 12, 31), P.YEAR), "2003"),
        (VagueDate(D(2003, 1, 1), D(2005, 12, 31), P.YEARS), "2003–2005"),
    ],
)
def test_render_says_what_the_source_said(vague, text):
    assert vague.render() == text
    assert str(vague) == text


ROUND_TRIP = [
    VagueDate(D(2017, 7, 15), D(2017, 7, 15), P.DAY),
    VagueDate(D(2016, 2, 29), D(2016, 2, 29), P.DAY),
    VagueDate(D(2017, 7, 15), D(2017, 7, 17), P.DAYS),
    VagueDate(D(2017, 6, 28), D(2017, 7, 3), P.DAYS),
    VagueDate(D(2016, 12, 28), D(2017, 1, 3), P.DAYS),
    VagueDate(D(2017, 3, 1), D(2017, 3, 10), P.EARLY_MONTH),
    VagueDate(D(2017, 3, 11), D(2017, 3, 20), P.MID_MONTH),
    VagueDate(D(2017, 3, 21), D(2017, 3, 31), P.LATE_MONTH),
    VagueDate(D(2016, 2, 21), D(2016, 2, 29), P.LATE_MONTH),
    VagueDate(D(2017, 2, 21), D(2017, 2, 28), P.LATE_MONTH),
    VagueDate(D(2012, 2, 1), D(2012, 2, 29), P.MONTH),
    VagueDate(D(2017, 9, 1), D(2017, 9, 30), P.MONTH),
    VagueDate(D(2017, 3, 1), D(2017, 5, 31), P.MONTHS),
    VagueDate(D(2016, 11, 1), D(2017, 2, 28), P.MONTHS),
    VagueDate(D(2003, 1, 1), D(2003, 12, 31), P.YEAR),
    VagueDate(D(2003, 1, 1), D(2005, 12, 31), P.YEARS),
]


def test_round_trip_covers_every_precision():
    assert {v.precision for v in ROUND_TRIP} == set(DatePrecision.values)


@pytest.mark.parametrize("vague", ROUND_TRIP, ids=str)
def test_render_round_trip(vague):
    assert parse_vague_date(vague.render()) == vague


@pytest.mark.parametrize("vague", ROUND_TRIP, ids=str)
def test_iso_export_round_trip_keeps_the_range(vague):
    """The export form keeps the range exactly (the precision becomes day/days)."""
    back = parse_vague_date(vague.iso())
    assert (back.earliest, back.latest) == (vague.earliest, vague.latest)


def test_iso_form():
    assert VagueDate(D(2017, 3, 15), D(2017, 3, 15), P.DAY).iso() == "2017-03-15"
    assert VagueDate(D(2017, 3, 11), D(2017, 3, 20), P.MID_MONTH).iso() == "2017-03-11/2017-03-20"


def test_vague_date_refuses_a_backwards_range():
    with pytest.raises(VagueDateError, match="before the earliest"):
        VagueDate(D(2017, 3, 20), D(2017, 3, 11), P.DAYS)


# -- problems(): range versus precision ------------------------------------------------------------
@pytest.mark.parametrize(
    ("precision", "earliest", "latest", "expected"),
    [
        (P.DAY, D(2017, 3, 15), D(2017, 3, 16), ("2017-03-15", "2017-03-15")),
        (P.EARLY_MONTH, D(2017, 3, 1), D(2017, 3, 11), ("2017-03-01", "2017-03-10")),
        (P.MID_MONTH, D(2017, 3, 10), D(2017, 3, 20), ("2017-03-11", "2017-03-20")),
        (P.LATE_MONTH, D(2017, 2, 21), D(2017, 3, 1), ("2017-02-21", "2017-02-28")),
        (P.MONTH, D(2017, 3, 1), D(2017, 4, 30), ("2017-03-01", "2017-03-31")),
        (P.MONTH, D(2017, 3, 2), D(2017, 3, 31), ("2017-03-01", "2017-03-31")),
        (P.MONTHS, D(2017, 3, 1), D(2017, 5, 30), ("2017-03-01", "2017-05-31")),
        (P.YEAR, D(2017, 1, 1), D(2017, 12, 30), ("2017-01-01", "2017-12-31")),
        (P.YEAR, D(2017, 1, 1), D(2018, 12, 31), ("2017-01-01", "2017-12-31")),
        (P.YEARS, D(2003, 2, 1), D(2005, 12, 31), ("2003-01-01", "2005-12-31")),
    ],
)
def test_problems_on_inconsistent_ranges(precision, earliest, latest, expected):
    problems = VagueDate(earliest, latest, precision).problems()
    assert len(problems) == 1
    # The message names the precision and the range that would fit it.
    assert str(DatePrecision(precision).label) in problems[0]
    assert f"{expected[0]} to {expected[1]}" in problems[0]


@pytest.mark.parametrize(
    ("precision", "earliest", "latest"),
    [
        (P.DAY, D(2017, 3, 15), D(2017, 3, 15)),
        (P.DAYS, D(2017, 3, 15), D(2017, 3, 15)),
        (P.DAYS, D(2016, 12, 30), D(2017, 2, 2)),
        (P.LATE_MONTH, D(2016, 2, 21), D(2016, 2, 29)),
        (P.MONTHS, D(2016, 11, 1), D(2017, 2, 28)),
        (P.YEARS, D(1998, 1, 1), D(2005, 12, 31)),
    ],
)
def test_no_problems_on_consistent_ranges(precision, earliest, latest):
    assert VagueDate(earliest, latest, precision).problems() == []


def test_problems_with_unknown_precision():
    problems = VagueDate(D(2017, 3, 1), D(2017, 3, 14), "fortnight").problems()
    assert len(problems) == 1
    assert "fortnight" in problems[0]


# -- errors ----------------------------------------------------------------------------------------
EXAMPLE_HINT = "e.g."


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("next tuesday", "Could not read the date 'next tuesday'"),
        ("sometime", "Could not read the date 'sometime'"),
        ("15/07/2017", "Could not read the date '15/07/2017'"),
        ("17", "Could not read the date '17'"),
        ("31 February 2017", "2017-02-31 is not a real date"),
        ("29 February 2017", "2017-02-29 is not a real date"),
        ("2017-02-30", "2017-02-30 is not a real date"),
        ("32 March 2017", "2017-03-32 is not a real date"),
        ("2017-13", "is not a real date"),
        ("2017-00", "is not a real date"),
        ("Smarch 2017", "'Smarch' is not a month name"),
        ("15 Smarch 2017", "'Smarch' is not a month name"),
        ("May–March 2017", "before the earliest"),
        ("2005–2003", "before the earliest"),
        ("17–15 July 2017", "before the earliest"),
        ("2017-03-20/2017-03-11", "before the earliest"),
    ],
)
def test_garbage_is_refused_with_a_readable_message(text, message):
    with pytest.raises(VagueDateError) as exc:
        parse_vague_date(text)
    assert message in str(exc.value)


@pytest.mark.parametrize("text", ["", "   ", "\t\n", None])
def test_empty_input_asks_for_a_date(text):
    with pytest.raises(VagueDateError) as exc:
        parse_vague_date(text)
    assert "Enter a date" in str(exc.value)
    assert EXAMPLE_HINT in str(exc.value)


def test_unreadable_message_shows_examples():
    with pytest.raises(VagueDateError) as exc:
        parse_vague_date("next tuesday")
    assert EXAMPLE_HINT in str(exc.value)
    assert "mid-March 2017" in str(exc.value)


@pytest.mark.parametrize(
    "text",
    [
        # Out of range for Python's date type: must still be a VagueDateError (forms catch
        # only that), not a bare ValueError that turns into a server error.
        "0000",
        "in 0000",
        "0000–2003",
        "2017-02-30/2017-03-01",
        "2017-03-01/2017-13-01",
    ],
)
def test_impossible_dates_raise_vague_date_error(text):
    with pytest.raises(VagueDateError):
        parse_vague_date(text)


@pytest.mark.parametrize(
    "text",
    [
        "15 July 2017 " * 5_000,
        "9" * 100_000,
        "-" * 100_000,
        "1 - " * 20_000 + "July 2017",
        "mid" + "x" * 50_000 + " March 2017",
        "a" * 100_000 + " 2017",
    ],
    ids=["repeated-date", "digits", "dashes", "many-ranges", "long-part", "long-word"],
)
def test_very_long_strings_fail_fast(text):
    started = time.monotonic()
    with pytest.raises(VagueDateError):
        parse_vague_date(text)
    assert time.monotonic() - started < 2


@pytest.mark.parametrize(
    "text",
    [
        "15 Julý 2017",
        "2017年3月",
        "３月 2017",
        "十五 July 2017",
        "🙂",
        "mid‐März 2017",
        "١٥ يوليو ٢٠١٧",
    ],
)
def test_unicode_garbage_is_refused_and_echoed(text):
    with pytest.raises(VagueDateError) as exc:
        parse_vague_date(text)
    assert text in str(exc.value)


def test_vague_date_error_is_a_value_error():
    assert issubclass(VagueDateError, ValueError)


# -- overlaps() ------------------------------------------------------------------------------------
MID_MARCH = VagueDate(D(2017, 3, 11), D(2017, 3, 20), P.MID_MONTH)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (None, None, True),
        (D(2017, 3, 20), None, True),  # starts on the last possible day
        (D(2017, 3, 21), None, False),  # starts after it
        (None, D(2017, 3, 11), True),  # ends on the first possible day
        (None, D(2017, 3, 10), False),  # ends before it
        (D(2017, 3, 15), D(2017, 3, 16), True),  # window inside the range
        (D(2017, 1, 1), D(2017, 12, 31), True),  # window around the range
        (D(2017, 3, 1), D(2017, 3, 11), True),  # touching at the start
        (D(2017, 3, 20), D(2017, 3, 31), True),  # touching at the end
        (D(2017, 3, 1), D(2017, 3, 10), False),  # entirely before
        (D(2017, 3, 21), D(2017, 3, 31), False),  # entirely after
        (D(2016, 1, 1), None, True),
        (None, D(2018, 1, 1), True),
    ],
)
def test_overlaps(start, end, expected):
    assert MID_MARCH.overlaps(start, end) is expected


def test_a_year_overlaps_a_filter_on_one_of_its_months():
    year = parse_vague_date("2003")
    assert year.overlaps(D(2003, 6, 1), D(2003, 6, 30))
    assert not year.overlaps(D(2004, 1, 1), D(2004, 1, 31))


# -- parse_partial_date ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2017", D(2017, 1, 1), D(2017, 12, 31)),
        ("2017-03", D(2017, 3, 1), D(2017, 3, 31)),
        ("2017-3", D(2017, 3, 1), D(2017, 3, 31)),
        ("2017-04", D(2017, 4, 1), D(2017, 4, 30)),
        ("2017-12", D(2017, 12, 1), D(2017, 12, 31)),
        ("2017-03-15", D(2017, 3, 15), D(2017, 3, 15)),
        (" 2017-03-15 ", D(2017, 3, 15), D(2017, 3, 15)),
        # leap years: divisible by 4, except centuries not divisible by 400
        ("2016-02", D(2016, 2, 1), D(2016, 2, 29)),
        ("2017-02", D(2017, 2, 1), D(2017, 2, 28)),
        ("2000-02", D(2000, 2, 1), D(2000, 2, 29)),
        ("1900-02", D(1900, 2, 1), D(1900, 2, 28)),
        ("2016-02-29", D(2016, 2, 29), D(2016, 2, 29)),
    ],
)
def test_parse_partial_date(text, start, end):
    assert parse_partial_date(text, end=False) == start
    assert parse_partial_date(text, end=True) == end


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "use YYYY, YYYY-MM or YYYY-MM-DD"),
        (None, "use YYYY, YYYY-MM or YYYY-MM-DD"),
        ("17", "use YYYY, YYYY-MM or YYYY-MM-DD"),
        ("March 2017", "use YYYY, YYYY-MM or YYYY-MM-DD"),
        ("2017/03/01", "use YYYY, YYYY-MM or YYYY-MM-DD"),
        ("2017-03-15T00:00", "use YYYY, YYYY-MM or YYYY-MM-DD"),
        ("2017-03-15; DROP TABLE", "use YYYY, YYYY-MM or YYYY-MM-DD"),
        ("2017-13", "not a real date"),
        ("2017-00", "not a real date"),
        ("2017-02-29", "not a real date"),
        ("2017-04-31", "not a real date"),
        ("2017-13-01", "not a real date"),
        ("0000", "not a real date"),
    ],
)
@pytest.mark.parametrize("end", [False, True])
def test_parse_partial_date_invalid(text, message, end):
    with pytest.raises(VagueDateError) as exc:
        parse_partial_date(text, end=end)
    assert message in str(exc.value)


# -- EstimatedCount --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("count", "noun", "text"),
    [
        (EstimatedCount(31), "", "31"),
        (EstimatedCount(31, Q.EXACT), "people", "31 people"),
        (EstimatedCount(4, Q.AT_LEAST), "women", "at least 4 women"),
        (EstimatedCount(300, Q.ABOUT), "", "about 300"),
        (EstimatedCount(20, Q.MORE_THAN), "", "more than 20"),
        (EstimatedCount(10, Q.AT_MOST), "", "at most 10"),
        (EstimatedCount(7800, Q.ABOUT), "", "about 7,800"),
        (EstimatedCount(0, Q.EXACT), "minors", "0 minors"),
        (EstimatedCount(None, Q.UNKNOWN), "", "unknown"),
        (EstimatedCount(None, Q.UNKNOWN), "women", "unknown number of women"),
        # a number without a qualifier, or a qualifier without a number, is not a claim
        (EstimatedCount(5, Q.UNKNOWN), "", "unknown"),
        (EstimatedCount(None, Q.EXACT), "", "unknown"),
    ],
)
def test_estimated_count_render(count, noun, text):
    assert count.render(noun) == text
    if not noun:
        assert str(count) == text


@pytest.mark.parametrize(
    ("count", "known"),
    [
        (EstimatedCount(0), True),
        (EstimatedCount(4, Q.AT_LEAST), True),
        (EstimatedCount(None, Q.UNKNOWN), False),
        (EstimatedCount(5, Q.UNKNOWN), False),
        (EstimatedCount(None, Q.ABOUT), False),
    ],
)
def test_known(count, known):
    assert count.known is known


@pytest.mark.parametrize(
    ("count", "low", "high"),
    [
        (EstimatedCount(5, Q.EXACT), 5, 5),
        (EstimatedCount(5, Q.AT_LEAST), 5, None),
        (EstimatedCount(5, Q.MORE_THAN), 6, None),
        (EstimatedCount(5, Q.AT_MOST), 0, 5),
        (EstimatedCount(None, Q.UNKNOWN), 0, None),
        (EstimatedCount(5, Q.UNKNOWN), 0, None),
    ],
)
def test_bounds(count, low, high):
    assert count.low == low
    assert count.high == high


def test_about_bounds_contain_the_figure():
    about = EstimatedCount(300, Q.ABOUT)
    assert about.low <= 300 <= about.high


SAMPLES = [
    EstimatedCount(20, Q.EXACT),
    EstimatedCount(9, Q.EXACT),
    EstimatedCount(6, Q.AT_LEAST),
    EstimatedCount(20, Q.MORE_THAN),
    EstimatedCount(300, Q.ABOUT),
    EstimatedCount(10, Q.AT_MOST),
    EstimatedCount(None, Q.UNKNOWN),
    EstimatedCount(0, Q.EXACT),
]


@pytest.mark.parametrize("count", SAMPLES, ids=str)
def test_low_never_exceeds_high(count):
    assert count.low >= 0
    assert count.high is None or count.low <= count.high


# -- total() ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        ([], EstimatedCount(None, Q.UNKNOWN)),
        ([EstimatedCount(None, Q.UNKNOWN)] * 3, EstimatedCount(None, Q.UNKNOWN)),
        ([EstimatedCount(20)], EstimatedCount(20)),
        ([EstimatedCount(20), EstimatedCount(9)], EstimatedCount(29, Q.EXACT)),
        (
            [EstimatedCount(20), EstimatedCount(9), EstimatedCount(6, Q.AT_LEAST)],
            EstimatedCount(35, Q.AT_LEAST),
        ),
        # "more than 20" is at least 21
        ([EstimatedCount(20, Q.MORE_THAN), EstimatedCount(5)], EstimatedCount(26, Q.AT_LEAST)),
        # an unknown part means the total is at least the known parts
        ([EstimatedCount(5), EstimatedCount(None, Q.UNKNOWN)], EstimatedCount(5, Q.AT_LEAST)),
        ([EstimatedCount(300, Q.ABOUT), EstimatedCount(20)], EstimatedCount(320, Q.ABOUT)),
        (
            [EstimatedCount(300, Q.ABOUT), EstimatedCount(100, Q.ABOUT)],
            EstimatedCount(400, Q.ABOUT),
        ),
        # an open end wins over "about"
        (
            [EstimatedCount(300, Q.ABOUT), EstimatedCount(4, Q.AT_LEAST)],
            EstimatedCount(304, Q.AT_LEAST),
        ),
        ([EstimatedCount(10, Q.AT_MOST), EstimatedCount(5)], EstimatedCount(15, Q.AT_MOST)),
    ],
)
def test_total(parts, expected):
    assert total(parts) == expected


def test_total_renders_honestly():
    groups = [EstimatedCount(20), EstimatedCount(9), EstimatedCount(6, Q.AT_LEAST)]
    assert total(groups).render("people") == "at least 35 people"
    assert total([]).render() == "unknown"


def test_total_accepts_a_generator():
    assert total(EstimatedCount(n) for n in (1, 2, 3)) == EstimatedCount(6, Q.EXACT)


def test_addition_is_total():
    a, b = EstimatedCount(4, Q.AT_LEAST), EstimatedCount(2)
    assert a + b == total([a, b]) == EstimatedCount(6, Q.AT_LEAST)


@pytest.mark.parametrize(
    "parts", list(itertools.combinations_with_replacement(SAMPLES, 2)), ids=str
)
def test_total_never_claims_more_precision_than_its_parts(parts):
    """The total's bounds must contain every sum the parts allow ("about" is fuzzy both ways)."""
    result = total(parts)
    if not any(c.known for c in parts):
        assert not result.known
        return
    if result.qualifier == Q.ABOUT:
        assert any(c.qualifier == Q.ABOUT for c in parts)
    else:
        assert result.low <= sum(c.low for c in parts)
    if any(c.high is None for c in parts):
        assert result.high is None
    else:
        assert result.high is not None
        assert result.high >= sum(c.high for c in parts)
    if all(c.qualifier == Q.EXACT for c in parts):
        assert result.qualifier == Q.EXACT
    else:
        assert result.qualifier != Q.EXACT
