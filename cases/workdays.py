"""Chinese working days: weekends, the public holidays and the make-up working days (调休) the State Council announces
each year, as `chinese_calendar` knows them. A year it does not know yet (announced each November or December for
the next year) falls back to Monday to Friday, and the result says so, so that the page can tell the user.

Pure date arithmetic: no Django, no database.
"""

import functools
from dataclasses import dataclass
from datetime import date, datetime

import chinese_calendar

# Lenders review an application in 3 to 7 working days (article 003): ask after 3, follow up again after 7.
FOLLOW_UP_SPANS = (3, 7)
# About a year of working days: more is a mistake, and the loop below must end.
MAX_WORKING_DAYS = 260


def _day(value: date) -> date:
    # A datetime is a date too; only its calendar day counts.
    if isinstance(value, datetime):
        return value.date()
    if not isinstance(value, date):
        raise TypeError(f"a date is needed, not {type(value).__name__}")
    return value


@functools.cache
def knows_year(year: int) -> bool:
    """Whether the calendar has the holidays and make-up days of this year."""
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def is_working_day(day: date) -> bool:
    """A working day in mainland China; in a year the calendar does not know, Monday to Friday."""
    day = _day(day)
    if not knows_year(day.year):
        return day.weekday() < 5
    return chinese_calendar.is_workday(day)


def add_working_days(day: date, n: int) -> date:
    """The n-th working day after `day` (the day itself is not counted; n = 0 is the day itself)."""
    day = _day(day)
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError("n must be an int")
    if not 0 <= n <= MAX_WORKING_DAYS:
        raise ValueError(f"n must be between 0 and {MAX_WORKING_DAYS}")
    current, counted = day, 0
    while counted < n:
        current = date.fromordinal(current.toordinal() + 1)
        if is_working_day(current):
            counted += 1
    return current


def weekends_only_between(start: date, end: date) -> list[int]:
    """The years from start to end (inclusive) whose holidays are not known: there, only weekends were skipped."""
    start, end = _day(start), _day(end)
    return [year for year in range(min(start, end).year, max(start, end).year + 1) if not knows_year(year)]


@dataclass(frozen=True)
class FollowUp:
    """A suggested follow-up date: `working_days` after the contact, on `on`; `unknown_years` lists the years in
    between whose holidays were not known (only weekends were skipped there)."""

    working_days: int
    on: date
    unknown_years: tuple[int, ...]

    @property
    def weekends_only(self) -> bool:
        return bool(self.unknown_years)


def follow_up(day: date, working_days: int) -> FollowUp:
    on = add_working_days(day, working_days)
    return FollowUp(working_days, on, tuple(weekends_only_between(day, on)))


def follow_ups(day: date, spans: tuple[int, ...] = FOLLOW_UP_SPANS) -> list[FollowUp]:
    """The suggested follow-up dates after a contact on `day`: 3 and 7 working days later by default."""
    return [follow_up(day, span) for span in spans]
