"""The remaining-balance chart's geometry (cases/charts.py): inside its viewBox, top and bottom where they belong,
a staircase, today marked; and the SVG as the dashboard renders it, readable at 360 px."""

from datetime import date
from decimal import Decimal

from django.template.loader import render_to_string

from cases import charts, plans

D = Decimal
START = date(2026, 1, 15)
PLANNED = plans.remaining_over_time(START, D("1200"), [(plans.add_months(START, k), D("100")) for k in range(1, 13)])
ACTUAL = plans.remaining_over_time(START, D("1200"), [(date(2026, 2, 14), D("100")), (date(2026, 3, 20), D("250"))])


def coordinates(points: str) -> list[tuple[Decimal, Decimal]]:
    return [tuple(D(value) for value in point.split(",")) for point in points.split()]


def test_the_lines_stay_inside_the_plot():
    chart = charts.balance_chart(PLANNED, ACTUAL, date(2026, 4, 1))
    for line in (chart.planned, chart.actual):
        for x, y in coordinates(line):
            assert chart.plot_left <= x <= chart.plot_right
            assert chart.plot_top <= y <= chart.plot_bottom


def test_the_whole_amount_at_the_top_and_nothing_left_on_the_axis():
    chart = charts.balance_chart(PLANNED, ACTUAL, date(2026, 4, 1))
    planned = coordinates(chart.planned)
    assert planned[0] == (D(chart.plot_left), D(chart.plot_top))
    assert planned[-1] == (D(chart.plot_right), D(chart.plot_bottom))
    assert chart.top == D("1200.00") and chart.top_label == "¥1,200.00"


def test_a_staircase_each_drop_on_its_date():
    chart = charts.balance_chart(PLANNED, ACTUAL, date(2026, 4, 1))
    points = coordinates(chart.actual)
    # start, then (x of 14 Feb, old y), (x of 14 Feb, new y), ... and on to today at the last amount
    assert points[1][0] == points[2][0] and points[1][1] < points[2][1]
    assert points[-1][1] == points[-2][1] and points[-1][0] > points[-2][0]
    assert chart.left_now == D("850.00")
    assert chart.last_point == points[-1]


def test_today_is_marked_only_within_the_plan():
    assert charts.balance_chart(PLANNED, ACTUAL, date(2026, 4, 1)).today_x is not None
    assert charts.balance_chart(PLANNED, ACTUAL, date(2030, 1, 1)).today_x is None


def test_nothing_to_draw():
    assert charts.balance_chart([], [], START) is None
    assert charts.balance_chart([(START, D("0"))], [], START) is None


def test_the_svg_is_drawn_without_script_or_inline_style():
    chart = charts.balance_chart(PLANNED, ACTUAL, date(2026, 4, 1))
    svg = render_to_string("cases/agreement/_chart.html", {"chart": chart, "chart_id": "c1"})
    assert 'viewBox="0 0 360 180"' in svg and 'width="100%"' in svg
    assert "<script" not in svg and "style=" not in svg
    assert 'font-size="11"' in svg  # 11 px at a 360-px width
    assert 'aria-labelledby="c1-title c1-desc"' in svg and "¥850.00" in svg
