"""The remaining balance over time, drawn on the server as SVG: geometry only (dates and amounts in, coordinates
out); the template draws it, no JavaScript needed. The viewBox is 360 units wide, so that a unit is a CSS pixel on
a 360-px phone and the labels' 11 units stay readable there; wider screens scale it up.

Pixels are worked out in Decimal too, so that no amount ever passes through a float.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from . import plans

WIDTH = 360
HEIGHT = 180
# Room around the plot for the labels: the top amount above it, the dates under it.
LEFT, RIGHT, TOP, BOTTOM = 10, 10, 22, 30
_TENTH = Decimal("0.1")

type Series = Sequence[tuple[date, Decimal]]


@dataclass(frozen=True)
class BalanceChart:
    """What the template needs: polylines as SVG points, where today is, and the labels' text."""

    planned: str  # the schedule: what is left after each installment, if each is paid in full on its date
    actual: str  # what is left after each payment actually made, up to today
    today_x: Decimal | None  # None when today lies outside the plan's dates
    last_point: tuple[Decimal, Decimal]  # the end of the actual line: where the balance stands now
    top: Decimal  # the amount at the top of the plot
    left_now: Decimal
    start: date
    end: date
    width: int = WIDTH
    height: int = HEIGHT
    plot_left: int = LEFT
    plot_right: int = WIDTH - RIGHT
    plot_top: int = TOP
    plot_bottom: int = HEIGHT - BOTTOM

    @property
    def top_label(self) -> str:
        return plans.format_yuan(self.top)


def _steps(series: Series, until: date | None = None) -> list[tuple[date, Decimal]]:
    """A balance holds until the next date, then drops: two points per change, drawn as a staircase."""
    points: list[tuple[date, Decimal]] = []
    for day, amount in series:
        if points:
            points.append((day, points[-1][1]))
        points.append((day, amount))
    if until is not None and points and until > points[-1][0]:
        points.append((until, points[-1][1]))
    return points


def balance_chart(planned: Series, actual: Series, today: date) -> BalanceChart | None:
    """The chart of a plan: `planned` and `actual` from plans.remaining_over_time, both starting from the whole amount.
    None when there is nothing to draw (no plan, or nothing to repay)."""
    if not planned or planned[0][1] <= 0:
        return None
    start = min(planned[0][0], actual[0][0] if actual else planned[0][0])
    end = max(planned[-1][0], actual[-1][0] if actual else start)
    if end <= start:
        return None
    top = max(amount for _day, amount in [*planned, *actual])
    plot_width = Decimal(WIDTH - LEFT - RIGHT)
    plot_height = Decimal(HEIGHT - TOP - BOTTOM)
    span = Decimal((end - start).days)

    def x(day: date) -> Decimal:
        return (LEFT + plot_width * Decimal((min(max(day, start), end) - start).days) / span).quantize(_TENTH)

    def y(amount: Decimal) -> Decimal:
        return (TOP + plot_height * (top - max(amount, Decimal(0))) / top).quantize(_TENTH)

    def points(series: list[tuple[date, Decimal]]) -> str:
        return " ".join(f"{x(day)},{y(amount)}" for day, amount in series)

    drawn_actual = _steps(actual, until=min(today, end)) if actual else []
    left_now = drawn_actual[-1][1] if drawn_actual else planned[0][1]
    last = drawn_actual[-1] if drawn_actual else planned[0]
    return BalanceChart(
        planned=points(_steps(planned)),
        actual=points(drawn_actual),
        today_x=x(today) if start <= today <= end else None,
        last_point=(x(last[0]), y(last[1])),
        top=top,
        left_now=left_now,
        start=start,
        end=end,
    )
