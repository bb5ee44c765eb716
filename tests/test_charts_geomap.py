"""Unit tests for the server-side SVG geometry: bar charts and the offline map."""

import re

import pytest

from incidents import geomap
from incidents.charts import bar_chart
from incidents.geomap import REGION, Frame, country_paths, fit
from incidents.vague import CountQualifier, EstimatedCount

EXACT, AT_LEAST, MORE_THAN, ABOUT, AT_MOST, UNKNOWN = (
    CountQualifier.EXACT,
    CountQualifier.AT_LEAST,
    CountQualifier.MORE_THAN,
    CountQualifier.ABOUT,
    CountQualifier.AT_MOST,
    CountQualifier.UNKNOWN,
)

ROWS = [
    ("2003", EstimatedCount(300, ABOUT)),
    ("2017", EstimatedCount(29)),
    ("2018", EstimatedCount(35, AT_LEAST)),
    ("2019", EstimatedCount(None, UNKNOWN)),
    ("2020", EstimatedCount(20, MORE_THAN)),
]


# -- bar charts ---------------------------------------------------------------------------------
def test_tallest_bar_fills_the_plot_and_others_are_proportional():
    chart = bar_chart("People", ROWS, width=600, height=300)
    bars = {bar.label: bar for bar in chart.bars}
    tallest = bars["2003"]
    plot_top = tallest.y
    plot_height = chart.baseline - plot_top
    assert tallest.height == pytest.approx(plot_height)
    assert 0 < plot_top < chart.baseline < chart.height
    assert all(bar.y >= plot_top and bar.height <= tallest.height for bar in chart.bars)
    for label, count in ROWS:
        bar = bars[label]
        assert bar.height == pytest.approx(plot_height * count.low / 300, abs=0.1)
        assert bar.y + bar.height == pytest.approx(chart.baseline, abs=0.1)  # all on the axis
    assert bars["2019"].height == 0  # unknown: nothing drawn
    assert bars["2020"].height == pytest.approx(plot_height * 21 / 300, abs=0.1)  # more than 20
    assert chart.max_label == "300"


def test_flags_and_labels_follow_the_qualifier():
    bars = {bar.label: bar for bar in bar_chart("People", ROWS).bars}
    assert [(label, bars[label].open_ended) for label, _ in ROWS] == [
        ("2003", False),
        ("2017", False),
        ("2018", True),  # at least: the true figure may be higher
        ("2019", False),  # unknown is not drawn as open-ended
        ("2020", True),
    ]
    assert [label for label, _ in ROWS if bars[label].approximate] == ["2003"]
    assert bars["2003"].value_label == "about 300"
    assert bars["2018"].value_label == "at least 35"
    assert bars["2019"].value_label == "unknown"
    assert bars["2017"].value_label == "29"


def test_bars_are_laid_out_left_to_right_within_the_width():
    chart = bar_chart("People", ROWS, width=700)
    xs = [bar.x for bar in chart.bars]
    assert xs == sorted(xs)
    widths = {bar.width for bar in chart.bars}
    assert len(widths) == 1
    assert chart.bars[-1].x + chart.bars[-1].width <= chart.width
    gaps = [b.x - (a.x + a.width) for a, b in zip(chart.bars, chart.bars[1:], strict=False)]
    assert all(gap > 0 for gap in gaps)  # bars never touch


def test_at_most_is_not_open_ended():
    (bar,) = bar_chart("People", [("2001", EstimatedCount(5, AT_MOST))]).bars
    assert not bar.open_ended and bar.height == 0  # lower bound of "at most 5" is 0


def test_empty_and_all_zero_charts_do_not_divide_by_zero():
    assert bar_chart("People", []).bars == []
    (bar,) = bar_chart("People", [("2001", EstimatedCount(0))]).bars
    assert bar.height == 0


def test_large_numbers_are_formatted():
    chart = bar_chart("People", [("2003", EstimatedCount(7800, ABOUT))])
    assert chart.max_label == "7,800"
    assert chart.bars[0].value_label == "about 7,800"


# -- map frames -------------------------------------------------------------------------------
def test_frame_xy_maps_corners_and_keeps_the_aspect():
    frame = Frame(west=100.0, east=140.0, south=30.0, north=60.0, width=800)
    assert frame.scale == 800 / 40
    assert frame.height == round(30 * 800 / 40)
    assert frame.xy(100, 60) == (0, 0)  # north-west corner
    assert frame.xy(140, 30) == (800, frame.height)  # south-east corner
    assert frame.xy(120, 45) == (400, frame.height / 2)
    # Same scale on both axes (equirectangular): one degree is the same length both ways.
    x1, y1 = frame.xy(110, 50)
    x2, y2 = frame.xy(111, 49)
    assert x2 - x1 == pytest.approx(y2 - y1)


def test_frame_contains_is_inclusive():
    frame = Frame(west=100.0, east=140.0, south=30.0, north=60.0)
    assert frame.contains(100, 30) and frame.contains(140, 60) and frame.contains(120, 45)
    assert not frame.contains(99.9, 45)
    assert not frame.contains(120, 60.1)
    assert not frame.contains(141, 29)


def test_default_region_covers_the_two_koreas_china_and_the_russian_far_east():
    for lon, lat in [(125.75, 39.03), (126.98, 37.57), (116.4, 39.9), (131.9, 43.1)]:
        assert REGION.contains(lon, lat)


def test_fit_without_points_is_the_default_region():
    assert fit([]) == REGION


def test_fit_one_point_is_centred_at_least_min_span_wide_and_4_by_3():
    frame = fit([(123.43, 41.8)])
    assert frame.east - frame.west == pytest.approx(28.0, abs=0.02)
    assert frame.north - frame.south == pytest.approx(28.0 * 3 / 4, abs=0.02)
    assert (frame.west + frame.east) / 2 == pytest.approx(123.43, abs=0.01)
    assert (frame.south + frame.north) / 2 == pytest.approx(41.8, abs=0.01)
    x, y = frame.xy(123.43, 41.8)
    assert x == pytest.approx(frame.width / 2, abs=1) and y == pytest.approx(
        frame.height / 2, abs=1
    )


@pytest.mark.parametrize(
    "points",
    [
        [(123.4, 41.8), (126.2, 43.6)],
        [(100.0, 20.0), (140.0, 50.0)],  # wide: the span follows the points
        [(125.0, 20.0), (126.0, 55.0)],  # tall: the span grows to keep 4:3
    ],
)
def test_fit_contains_every_point_with_a_margin(points):
    margin = 7.0
    frame = fit(points, margin=margin)
    for lon, lat in points:
        assert frame.contains(lon, lat)
        assert frame.contains(lon - margin + 0.02, lat) and frame.contains(lon + margin - 0.02, lat)
        assert frame.contains(lon, lat - margin + 0.02) and frame.contains(lon, lat + margin - 0.02)
    assert (frame.east - frame.west) * 3 / 4 == pytest.approx(frame.north - frame.south, abs=0.03)
    assert frame.height == round(frame.width * 3 / 4)


# -- country outlines -------------------------------------------------------------------------
def test_country_paths_for_the_default_region():
    paths = dict(country_paths())
    assert {"China", "North Korea", "South Korea", "Russia", "Japan", "Mongolia"} <= set(paths)
    assert "Brazil" not in paths and "France" not in paths
    for name in ("China", "North Korea", "South Korea", "Russia"):
        assert re.fullmatch(r"(M-?[\d.]+,-?[\d.]+(L-?[\d.]+,-?[\d.]+){2,}Z)+", paths[name]), name


def test_north_korea_is_drawn_around_pyongyang():
    frame = REGION
    numbers = [float(n) for n in re.findall(r"-?[\d.]+", dict(country_paths(frame))["North Korea"])]
    xs, ys = numbers[0::2], numbers[1::2]
    px, py = frame.xy(125.75, 39.03)  # Pyongyang
    assert min(xs) < px < max(xs) and min(ys) < py < max(ys)


def test_country_paths_follow_the_frame():
    frame = fit([(129.5, 42.9)])  # Yanji: a small frame near the border
    paths = dict(country_paths(frame))
    assert {"China", "North Korea", "Russia"} <= set(paths)
    assert "Australia" not in paths
    assert paths["China"] != dict(country_paths())["China"]


def test_decimate_drops_invisible_detail_but_keeps_the_start():
    coords = [(0.0, 0.0), (0.5, 0.5), (1.0, 1.0), (5.0, 5.0), (5.5, 5.0)]
    assert geomap._decimate(coords) == [(0.0, 0.0), (1.0, 1.0), (5.0, 5.0)]
