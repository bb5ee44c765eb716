"""incidents.vague: vague dates as reported, and estimated counts.

Expected ranges below are calendar facts (March has 31 days, 2016 is a leap year...), written
out by hand rather than computed with the code under test. Expected totals are sums done by
hand; the property tests check totals against true numbers drawn from each part's wording.
"""

import time
from datetime import date

import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from incidents.vague import (
    CountError,
    CountQualifier,
    CountTotal,
    DatePrecision,
    EstimatedCount,
    VagueDate,
    VagueDateError,
    local_range,
    parse_count,
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
E = EstimatedCount
UNKNOWN = E(None, Q.UNKNOWN)


@pytest.mark.parametrize(
    ("count", "noun", "text"),
    [
        (E(31), "", "31"),
        (E(31, Q.EXACT), "people", "31 people"),
        (E(4, Q.AT_LEAST), "women", "at least 4 women"),
        (E(300, Q.ABOUT), "", "about 300"),
        (E(20, Q.MORE_THAN), "", "more than 20"),
        (E(10, Q.AT_MOST), "", "at most 10"),
        (E(7800, Q.ABOUT), "", "about 7,800"),
        (E(0, Q.EXACT), "minors", "0 minors"),
        (E(27, Q.RANGE, 29), "", "27–29"),
        (E(27, Q.RANGE, 29), "people", "27–29 people"),
        (E(50_000, Q.RANGE, 300_000), "", "50,000–300,000"),
        (UNKNOWN, "", "unknown"),
        (UNKNOWN, "women", "unknown number of women"),
        # a number without a qualifier, or a qualifier without a number, is not a claim
        (E(5, Q.UNKNOWN), "", "unknown"),
        (E(None, Q.EXACT), "", "unknown"),
        # nor is a shape that makes no sense (see problems())
        (E(27, Q.RANGE), "", "unknown"),
        (E(29, Q.RANGE, 27), "", "unknown"),
        (E(27, Q.ABOUT, 29), "", "unknown"),
        (E(-3), "", "unknown"),
        (E(3, "fortnight"), "", "unknown"),
    ],
)
def test_estimated_count_render(count, noun, text):
    assert count.render(noun) == text
    if not noun:
        assert str(count) == text


@pytest.mark.parametrize(
    ("count", "text"),
    [
        (E(1), "1 person"),
        (E(1, Q.AT_LEAST), "at least 1 person"),
        (E(1, Q.ABOUT), "about 1 person"),
        (E(1, Q.AT_MOST), "at most 1 person"),
        (E(1, Q.MORE_THAN), "more than 1 people"),
        (E(1, Q.RANGE, 2), "1–2 people"),
        (E(2), "2 people"),
        (E(None, Q.UNKNOWN), "unknown number of people"),
        (E(1, Q.UNKNOWN), "unknown number of people"),
    ],
)
def test_singular_only_for_one(count, text):
    assert count.render("people", singular="person") == text


@pytest.mark.parametrize(
    ("count", "known"),
    [
        (E(0), True),
        (E(4, Q.AT_LEAST), True),
        (E(1, Q.RANGE, 2), True),
        (UNKNOWN, False),
        (E(5, Q.UNKNOWN), False),
        (E(None, Q.ABOUT), False),
        (E(5, Q.RANGE), False),
        (E(5, Q.RANGE, 5), False),
    ],
)
def test_known(count, known):
    assert count.known is known


@pytest.mark.parametrize(
    ("count", "low", "high", "approximate"),
    [
        (E(5, Q.EXACT), 5, 5, False),
        (E(5, Q.AT_LEAST), 5, None, False),
        (E(5, Q.MORE_THAN), 6, None, False),
        (E(5, Q.AT_MOST), 0, 5, False),
        (E(5, Q.ABOUT), 5, 5, True),
        (E(27, Q.RANGE, 29), 27, 29, False),
        (E(0, Q.RANGE, 3), 0, 3, False),
        (UNKNOWN, 0, None, False),
        (E(5, Q.UNKNOWN), 0, None, False),
        (E(5, Q.RANGE), 0, None, False),  # an invalid shape says nothing
        (E(None, Q.ABOUT), 0, None, False),
    ],
)
def test_bounds(count, low, high, approximate):
    assert (count.low, count.high, count.approximate) == (low, high, approximate)


@pytest.mark.parametrize(
    ("count", "message"),
    [
        (E(27, Q.RANGE), "needs both a low and a high figure"),
        (E(None, Q.RANGE, 29), "needs both a low and a high figure"),
        (E(29, Q.RANGE, 27), "must be above its low end"),
        (E(27, Q.RANGE, 27), "must be above its low end"),
        (E(27, Q.ABOUT, 29), "Only a range has a high figure"),
        (E(27, Q.EXACT, 29), "Only a range has a high figure"),
        (E(None, Q.UNKNOWN, 29), "Only a range has a high figure"),
        (E(-1), "cannot be negative"),
        (E(-3, Q.RANGE, 2), "cannot be negative"),
        (E(3, "fortnight"), "Unknown count qualifier 'fortnight'"),
    ],
)
def test_problems_with_invalid_shapes(count, message):
    problems = count.problems()
    assert len(problems) == 1
    assert message in problems[0]


@pytest.mark.parametrize(
    "count",
    [E(0), E(31), E(4, Q.AT_LEAST), E(20, Q.MORE_THAN), E(300, Q.ABOUT), E(5, Q.AT_MOST),
     E(0, Q.RANGE, 1), E(27, Q.RANGE, 29), UNKNOWN, E(None, Q.EXACT), E(5, Q.UNKNOWN)],
    ids=repr,
)  # fmt: skip
def test_no_problems_with_valid_shapes(count):
    """Number versus qualifier ("5, unknown") is for the model to report, per field."""
    assert count.problems() == []


# -- wording in English and Korean -----------------------------------------------------------------
COUNT_WORDING = [
    (E(31), "31", "31명"),
    (E(4, Q.AT_LEAST), "at least 4", "최소 4명"),
    (E(20, Q.MORE_THAN), "more than 20", "20명 이상"),
    (E(300, Q.ABOUT), "about 300", "약 300명"),
    (E(5, Q.AT_MOST), "at most 5", "최대 5명"),
    (E(27, Q.RANGE, 29), "27–29", "27~29명"),
    (E(50_000, Q.RANGE, 300_000), "50,000–300,000", "50,000~300,000명"),
    (E(1200), "1,200", "1,200명"),
    (UNKNOWN, "unknown", "인원 미상"),
]


@pytest.mark.parametrize(("count", "english", "korean"), COUNT_WORDING, ids=str)
def test_count_wording(count, english, korean):
    with translation.override("en"):
        assert count.render() == count.localized() == english
    with translation.override("ko"):
        assert count.localized() == korean
        assert count.render() == english  # exports: never translated


def test_local_range():
    with translation.override("en"):
        assert local_range(50_000, 300_000) == "50,000–300,000"
    with translation.override("ko"):
        assert local_range(50_000, 300_000) == "50,000~300,000명"


# -- parse_count -----------------------------------------------------------------------------------
COUNT_CASES = [
    # plain numbers
    ("31", E(31)),
    ("0", E(0)),
    ("1200", E(1200)),
    ("1,200", E(1200)),
    ("2,147,483,647", E(2_147_483_647)),
    # qualifiers, in any case and spacing
    ("exactly 7", E(7)),
    ("at least 4", E(4, Q.AT_LEAST)),
    ("At Least 4", E(4, Q.AT_LEAST)),
    ("  at   least\t4 ", E(4, Q.AT_LEAST)),
    ("more than 20", E(20, Q.MORE_THAN)),
    ("over 20", E(20, Q.MORE_THAN)),
    ("about 300", E(300, Q.ABOUT)),
    ("around 300", E(300, Q.ABOUT)),
    ("approximately 7,800", E(7800, Q.ABOUT)),
    ("some 300", E(300, Q.ABOUT)),
    ("at most 5", E(5, Q.AT_MOST)),
    ("up to 5", E(5, Q.AT_MOST)),
    # not reported
    ("", UNKNOWN),
    ("   ", UNKNOWN),
    (None, UNKNOWN),
    ("unknown", UNKNOWN),
    ("Unknown", UNKNOWN),
    ("?", UNKNOWN),
    ("n/a", UNKNOWN),
    ("N/A", UNKNOWN),
    # numbers in words
    ("zero", E(0)),
    ("two", E(2)),
    ("Seven", E(7)),
    ("nineteen", E(19)),
    ("twenty", E(20)),
    ("ninety", E(90)),
    ("twenty-one", E(21)),
    ("twenty one", E(21)),
    ("a dozen", E(12)),
    ("dozen", E(12)),
    ("a hundred", E(100)),
    ("one hundred", E(100)),
    ("exactly twelve", E(12)),
    ("about a dozen", E(12, Q.ABOUT)),
    ("some twenty", E(20, Q.ABOUT)),
    ("at least six", E(6, Q.AT_LEAST)),
    ("over a hundred", E(100, Q.MORE_THAN)),
    ("up to forty-five", E(45, Q.AT_MOST)),
    # ranges
    ("27–29", E(27, Q.RANGE, 29)),
    ("27-29", E(27, Q.RANGE, 29)),
    ("27 - 29", E(27, Q.RANGE, 29)),
    ("27 — 29", E(27, Q.RANGE, 29)),
    ("27—29", E(27, Q.RANGE, 29)),
    ("27 to 29", E(27, Q.RANGE, 29)),
    ("27 or 29", E(27, Q.RANGE, 29)),
    ("between 27 and 29", E(27, Q.RANGE, 29)),
    ("Between 27 and 29", E(27, Q.RANGE, 29)),
    ("between 27–29", E(27, Q.RANGE, 29)),
    ("from 27 to 29", E(27, Q.RANGE, 29)),
    ("from 27-29", E(27, Q.RANGE, 29)),
    ("50,000–300,000", E(50_000, Q.RANGE, 300_000)),
    ("50,000 to 300,000", E(50_000, Q.RANGE, 300_000)),
    ("50000-300000", E(50_000, Q.RANGE, 300_000)),
    ("0-5", E(0, Q.RANGE, 5)),
    ("one or two", E(1, Q.RANGE, 2)),
    ("two to three", E(2, Q.RANGE, 3)),
    ("between ten and twenty", E(10, Q.RANGE, 20)),
    ("twenty-one to thirty", E(21, Q.RANGE, 30)),
    # a range with equal ends is one number
    ("5-5", E(5)),
    ("one or one", E(1)),
]


@pytest.mark.parametrize(("text", "count"), COUNT_CASES)
def test_parse_count(text, count):
    assert parse_count(text) == count
    assert parse_count(text).problems() == []


COUNT_ERRORS = [
    # vague words are not numbers
    ("a few", "Could not read the number 'a few'"),
    ("dozens", "Could not read the number 'dozens'"),
    ("several", "Could not read the number 'several'"),
    ("many", "Could not read the number 'many'"),
    ("hundreds", "Could not read the number 'hundreds'"),
    ("two hundred", "Could not read the number"),
    # commas that do not group thousands: "27,29" is not 2,729
    ("27,29", "Could not read the number '27,29'"),
    ("1,00,000", "Could not read the number"),
    ("1,2,3", "Could not read the number"),
    # "27 and 29" may be two groups, i.e. 56: refused rather than guessed
    ("27 and 29", "Could not read the number"),
    ("-5", "Could not read the number"),
    ("5.5", "Could not read the number"),
    ("1 200", "Could not read the number"),
    ("1e3", "Could not read the number"),
    ("at least", "Could not read the number"),
    ("27–", "Could not read the number"),
    ("–29", "Could not read the number"),
    ("from 27", "Could not read the number"),
    ("between 27 and", "Could not read the number"),
    ("27~29명", "Could not read the number"),
    # ranges
    ("29-27", "The range '29-27' runs backwards"),
    ("three or two", "runs backwards"),
    ("about 27-29", "'about 27-29' puts a qualifier on a range"),
    ("at least one or two", "puts a qualifier on a range"),
    ("up to between 3 and 5", "puts a qualifier on a range"),
    # too large for the database
    ("2,147,483,648", "is out of range"),
    ("99999999999", "is out of range"),
    ("at least 99999999999", "is out of range"),
    ("1-99999999999", "is out of range"),
]


@pytest.mark.parametrize(("text", "message"), COUNT_ERRORS)
def test_parse_count_errors(text, message):
    with pytest.raises(CountError) as exc:
        parse_count(text)
    assert message in str(exc.value)


def test_unreadable_count_message_shows_examples_including_a_range():
    with pytest.raises(CountError) as exc:
        parse_count("several")
    for example in ("'31'", "'at least 4'", "'about 300'", "'27–29'", "'unknown'"):
        assert example in str(exc.value)


def test_count_error_is_a_value_error():
    assert issubclass(CountError, ValueError)


@pytest.mark.parametrize(
    "text",
    ["9" * 100_000, "1 - " * 20_000 + "2", "a" * 100_000, "twenty " * 20_000, "1," * 50_000,
     "between " * 20_000 + "1 and 2", "about " * 20_000 + "5"],
    ids=["digits", "many-ranges", "long-word", "many-words", "commas", "betweens", "abouts"],
)  # fmt: skip
def test_very_long_counts_fail_fast(text):
    started = time.monotonic()
    with pytest.raises(CountError):
        parse_count(text)
    assert time.monotonic() - started < 2


# -- round trip: exports write render(), the importer reads it with parse_count() ------------------
COUNT_ROUND_TRIP = [
    E(31),
    E(0),
    E(1200),
    E(4, Q.AT_LEAST),
    E(20, Q.MORE_THAN),
    E(7800, Q.ABOUT),
    E(5, Q.AT_MOST),
    E(27, Q.RANGE, 29),
    E(50_000, Q.RANGE, 300_000),
    E(0, Q.RANGE, 1),
    UNKNOWN,
]


def test_count_round_trip_covers_every_qualifier():
    assert {c.qualifier for c in COUNT_ROUND_TRIP} == set(CountQualifier.values)


@pytest.mark.parametrize("count", COUNT_ROUND_TRIP, ids=repr)
def test_count_render_round_trip(count):
    assert parse_count(count.render()) == count
    # the CSV export drops the thousands separators
    assert parse_count(count.render().replace(",", "")) == count


# -- total() ---------------------------------------------------------------------------------------
def T(low, high, approximate=False):
    return CountTotal(low, high, approximate)


@pytest.mark.parametrize(
    ("parts", "text"),
    [
        # the examples of the contract
        ([E(12, Q.ABOUT), E(20, Q.MORE_THAN)], "about 33 or more"),
        ([E(27, Q.RANGE, 29), E(5)], "32–34"),
        ([E(1, Q.RANGE, 2), E(3, Q.RANGE, 4)], "4–6"),
        ([E(4, Q.AT_LEAST), E(3)], "at least 7"),
        ([E(5, Q.AT_MOST), E(3)], "3–8"),
        ([E(5, Q.AT_MOST), E(3, Q.AT_MOST)], "at most 8"),
        ([UNKNOWN, E(5)], "at least 5"),
        ([E(20, Q.MORE_THAN)], "more than 20"),
        # and more
        ([E(20), E(9)], "29"),
        ([E(20), E(9), E(6, Q.AT_LEAST)], "at least 35"),
        ([E(20, Q.MORE_THAN), E(5)], "at least 26"),
        ([E(300, Q.ABOUT), E(20)], "about 320"),
        ([E(300, Q.ABOUT), E(100, Q.ABOUT)], "about 400"),
        ([E(300, Q.ABOUT), E(4, Q.AT_LEAST)], "about 304 or more"),
        ([E(12, Q.ABOUT), E(27, Q.RANGE, 29)], "about 39–41"),
        ([E(50_000, Q.RANGE, 300_000), E(1000)], "51,000–301,000"),
        ([E(12, Q.ABOUT)], "about 12"),
        ([E(27, Q.RANGE, 29)], "27–29"),
        ([E(0)], "0"),
        ([], "unknown"),
        ([UNKNOWN] * 3, "unknown"),
        ([UNKNOWN, E(0)], "unknown"),  # 0 and any number: nothing is known
        # an exact 0 adds nothing, so one real count keeps its wording
        ([E(0), E(20, Q.MORE_THAN), E(0)], "more than 20"),
    ],
)
def test_total_renders_as_a_person_writes_it(parts, text):
    assert total(parts).render() == text
    assert str(total(parts)) == text


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        ([E(20), E(9)], T(29, 29)),
        ([E(27, Q.RANGE, 29), E(5)], T(32, 34)),
        ([E(4, Q.AT_LEAST), E(3)], T(7, None)),
        ([E(5, Q.AT_MOST), E(3)], T(3, 8)),
        ([E(12, Q.ABOUT), E(20, Q.MORE_THAN)], T(33, None, True)),
        ([UNKNOWN, E(5)], T(5, None)),
        ([], T(0, None)),
        ([UNKNOWN, UNKNOWN], T(0, None)),
        ([E(20, Q.MORE_THAN)], CountTotal(21, None, False, E(20, Q.MORE_THAN))),
        ([UNKNOWN], CountTotal(0, None, False, UNKNOWN)),
    ],
)
def test_total_bounds(parts, expected):
    assert total(parts) == expected


TOTAL_WORDING = [
    ([E(20), E(9)], "29", "29명"),
    ([E(27, Q.RANGE, 29), E(5)], "32–34", "32~34명"),
    ([E(4, Q.AT_LEAST), E(29)], "at least 33", "최소 33명"),
    ([E(5, Q.AT_MOST), E(3, Q.AT_MOST)], "at most 8", "최대 8명"),
    ([E(13, Q.ABOUT), E(20)], "about 33", "약 33명"),
    ([E(12, Q.ABOUT), E(20, Q.MORE_THAN)], "about 33 or more", "약 33명 이상"),
    ([E(10, Q.ABOUT), E(20, Q.RANGE, 25)], "about 30–35", "약 30~35명"),
    ([E(1200), E(34)], "1,234", "1,234명"),
    ([UNKNOWN, UNKNOWN], "unknown", "인원 미상"),
    ([E(20, Q.MORE_THAN)], "more than 20", "20명 이상"),
    ([E(300, Q.ABOUT)], "about 300", "약 300명"),
]


@pytest.mark.parametrize(("parts", "english", "korean"), TOTAL_WORDING)
def test_total_wording(parts, english, korean):
    result = total(parts)
    with translation.override("en"):
        assert result.render() == result.localized() == english
    with translation.override("ko"):
        assert result.localized() == korean
        assert result.render() == english


def test_total_render_with_a_noun():
    assert total([E(20), E(9), E(6, Q.AT_LEAST)]).render("people") == "at least 35 people"
    assert total([]).render("people") == "unknown number of people"
    assert total([E(1), E(0)]).render("people", singular="person") == "1 person"
    assert total([E(1, Q.RANGE, 2), E(0)]).render("people", singular="person") == "1–2 people"


@pytest.mark.parametrize(
    ("parts", "known", "exact", "approximate"),
    [
        ([E(20), E(9)], True, True, False),
        ([E(0)], True, True, False),
        ([E(20), E(9, Q.ABOUT)], True, False, True),
        ([E(27, Q.RANGE, 29)], True, False, False),
        ([E(4, Q.AT_LEAST), E(3)], True, False, False),
        ([], False, False, False),
        ([UNKNOWN, UNKNOWN], False, False, False),
    ],
)
def test_total_known_and_exact(parts, known, exact, approximate):
    result = total(parts)
    assert (result.known, result.exact, result.approximate) == (known, exact, approximate)


def test_total_accepts_a_generator():
    assert total(E(n) for n in (1, 2, 3)) == T(6, 6)


def test_total_of_totals():
    """Statistics add up rows that are themselves totals, and 0 for "none recorded"."""
    rows = [total([E(20), E(9)]), E(0), total([E(20, Q.MORE_THAN)])]
    assert total(rows).render() == "at least 50"
    assert total([total([E(20, Q.MORE_THAN)])]).render() == "more than 20"


def test_addition():
    a, b, c = E(4, Q.AT_LEAST), E(2), E(10, Q.ABOUT)
    assert a + b == total([a, b]) == T(6, None)
    assert total([a]) + b == a + total([b]) == total([a, b])
    assert a + b + c == total([a, b, c]) == T(16, None, True)
    with pytest.raises(TypeError):
        total([a]) + 5
    with pytest.raises(TypeError):
        a + 5


def test_zero():
    zero = CountTotal.zero()
    assert zero.render() == "0"
    assert zero.exact and zero.known
    more = E(20, Q.MORE_THAN)
    assert (zero + more).render() == "more than 20"
    assert zero + more == total([more])
    assert sum([E(3), E(4)], CountTotal.zero()) == total([E(3), E(4)])
    assert zero + zero == zero


@pytest.mark.parametrize(
    ("parts", "qualifier", "value"),
    [
        ([E(20), E(9)], Q.EXACT, 29),
        ([E(20), E(6, Q.AT_LEAST)], Q.AT_LEAST, 26),
        ([E(12, Q.ABOUT), E(20)], Q.ABOUT, 32),
        ([E(12, Q.ABOUT), E(20, Q.MORE_THAN)], Q.AT_LEAST, 33),  # an open end wins, as it used to
        ([E(5, Q.AT_MOST), E(3, Q.AT_MOST)], Q.AT_MOST, 8),
        ([E(5, Q.AT_MOST), E(3)], Q.RANGE, 3),
        ([E(27, Q.RANGE, 29), E(5)], Q.RANGE, 32),
        ([], Q.UNKNOWN, None),
        ([E(20, Q.MORE_THAN)], Q.MORE_THAN, 20),  # one count: its own qualifier
        ([E(27, Q.RANGE, 29)], Q.RANGE, 27),
    ],
)
def test_total_compatibility_qualifier_and_value(parts, qualifier, value):
    result = total(parts)
    assert (result.qualifier, result.value) == (qualifier, value)


# -- properties ------------------------------------------------------------------------------------
NUMBERS = st.integers(0, 10_000)
WIDTHS = st.integers(1, 10_000)
CERTAIN_COUNTS = st.one_of(
    NUMBERS.map(E),
    NUMBERS.map(lambda n: E(n, Q.AT_LEAST)),
    NUMBERS.map(lambda n: E(n, Q.MORE_THAN)),
    NUMBERS.map(lambda n: E(n, Q.AT_MOST)),
    st.tuples(NUMBERS, WIDTHS).map(lambda t: E(t[0], Q.RANGE, t[0] + t[1])),
    st.just(UNKNOWN),
)
ABOUT_COUNTS = NUMBERS.map(lambda n: E(n, Q.ABOUT))
ANY_COUNTS = st.one_of(CERTAIN_COUNTS, ABOUT_COUNTS)
PROPERTY = settings(max_examples=200, deadline=None)


def _true_number(data, count) -> int:
    """A number of people the report is consistent with, read off the qualifier by hand."""
    q, v = count.qualifier, count.value
    if q == Q.EXACT:
        return v
    if q == Q.AT_LEAST:
        return v + data.draw(st.integers(0, 1000))
    if q == Q.MORE_THAN:
        return v + data.draw(st.integers(1, 1000))
    if q == Q.AT_MOST:
        return data.draw(st.integers(0, v))
    if q == Q.RANGE:
        return data.draw(st.integers(v, count.value_high))
    return data.draw(st.integers(0, 100_000))  # unknown: any number at all


@PROPERTY
@given(st.lists(CERTAIN_COUNTS, max_size=6), st.data())
def test_total_contains_every_true_sum(counts, data):
    result = total(counts)
    true_sum = sum(_true_number(data, c) for c in counts)
    assert result.low <= true_sum
    assert result.high is None or true_sum <= result.high
    assert not result.approximate
    if result.exact:
        assert all(c.low == c.high for c in counts)  # never exact unless every part is


@PROPERTY
@given(st.lists(ANY_COUNTS, max_size=5), ABOUT_COUNTS, st.randoms())
def test_an_about_part_makes_the_total_approximate(counts, about, random):
    counts.insert(random.randint(0, len(counts)), about)
    result = total(counts)
    assert result.approximate
    assert not result.exact
    if result.known:
        assert result.render().startswith("about ")


@PROPERTY
@given(ANY_COUNTS)
def test_total_of_one_count_says_what_the_count_says(count):
    result = total([count])
    assert result.render() == count.render()
    assert (result.low, result.high, result.known) == (count.low, count.high, count.known)
    assert (result.qualifier, result.value) == (count.qualifier, count.value)
    with translation.override("ko"):
        assert result.localized() == count.localized()


@PROPERTY
@given(ANY_COUNTS, ANY_COUNTS, ANY_COUNTS)
def test_adding_totals_is_associative_on_bounds(a, b, c):
    def bounds(t):
        return (t.low, t.high, t.approximate, t.known)

    left, right = (total([a]) + b) + c, total([a]) + (total([b]) + c)
    assert bounds(left) == bounds(right) == bounds(total([a, b, c])) == bounds(total([c, b, a]))


@PROPERTY
@given(ANY_COUNTS)
def test_every_count_round_trips_through_its_text(count):
    assert parse_count(count.render()) == count
    assert count.low >= 0 and (count.high is None or count.low <= count.high)


@PROPERTY
@given(st.lists(ANY_COUNTS, max_size=6))
def test_total_wording_is_consistent(counts):
    """English pages and exports agree; Korean always carries the counter."""
    result = total(counts)
    with translation.override("en"):
        assert result.localized() == result.render()
    with translation.override("ko"):
        korean = result.localized()
    if result.known:
        assert korean.endswith(("명", "명 이상"))
    else:
        assert korean == "인원 미상"
