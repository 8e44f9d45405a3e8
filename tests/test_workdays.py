"""Tests for cases.workdays: the follow-up dates across the 2026 National Day and Spring Festival holidays and their
make-up working days (chinesecalendar 1.11.0's data), a year the calendar does not know (weekends only, and said
so), and properties against chinesecalendar's own count of working days."""

from datetime import date, datetime, timedelta

import chinese_calendar
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cases.workdays import (
    FOLLOW_UP_SPANS,
    MAX_WORKING_DAYS,
    add_working_days,
    follow_ups,
    is_working_day,
    knows_year,
    weekends_only_between,
)

# The first year chinesecalendar 1.11.0 does not know: its data end with 2026.
UNKNOWN_YEAR = 2027


def test_the_calendar_data_this_relies_on():
    """2026: National Day 1-7 October, made up on Sunday 20 September and Saturday 10 October; Spring Festival 15-23
    February, made up on Saturdays 14 and 28 February."""
    assert all(chinese_calendar.is_holiday(date(2026, 10, day)) for day in range(1, 8))
    assert chinese_calendar.is_workday(date(2026, 9, 20)) and date(2026, 9, 20).weekday() == 6
    assert chinese_calendar.is_workday(date(2026, 10, 10)) and date(2026, 10, 10).weekday() == 5
    assert all(chinese_calendar.is_holiday(date(2026, 2, day)) for day in range(15, 24))
    assert chinese_calendar.is_workday(date(2026, 2, 14)) and chinese_calendar.is_workday(date(2026, 2, 28))
    assert knows_year(2026) and not knows_year(UNKNOWN_YEAR)


class TestNationalDay2026:
    def test_the_week_off_is_skipped(self):
        # Wednesday 30 September: the next working day is Thursday 8 October.
        assert add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)

    def test_the_make_up_saturday_counts(self):
        # 8 (Thu), 9 (Fri), 10 (the make-up Saturday).
        assert add_working_days(date(2026, 9, 30), 3) == date(2026, 10, 10)

    def test_seven_working_days(self):
        # 8, 9, 10 (Sat), then 12, 13, 14, 15: Sunday 11 October is a day off again.
        assert add_working_days(date(2026, 9, 30), 7) == date(2026, 10, 15)

    def test_the_make_up_sunday_before_counts(self):
        # Saturday 19 September: Sunday 20 September is a working day.
        assert add_working_days(date(2026, 9, 19), 1) == date(2026, 9, 20)

    def test_the_suggestions_after_a_submission(self):
        suggested = follow_ups(date(2026, 9, 30))
        assert [(s.working_days, s.on, s.weekends_only) for s in suggested] == [
            (3, date(2026, 10, 10), False),
            (7, date(2026, 10, 15), False),
        ]


class TestSpringFestival2026:
    def test_the_make_up_saturday_before(self):
        # Friday 13 February: Saturday 14 February is a working day.
        assert add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 14)

    def test_nine_days_off(self):
        # Submitted on the make-up Saturday: nothing until Tuesday 24 February.
        assert add_working_days(date(2026, 2, 14), 1) == date(2026, 2, 24)
        assert add_working_days(date(2026, 2, 14), 3) == date(2026, 2, 26)

    def test_the_make_up_saturday_after_counts(self):
        # 24, 25, 26, 27, 28 (Sat), then Monday 2 and Tuesday 3 March.
        assert add_working_days(date(2026, 2, 14), 7) == date(2026, 3, 3)

    def test_a_holiday_is_not_a_working_day_and_a_make_up_day_is(self):
        assert not is_working_day(date(2026, 2, 17))  # a Tuesday
        assert is_working_day(date(2026, 2, 28))  # a Saturday


class TestUnknownYear:
    def test_weekends_only(self):
        # Friday 29 January 2027: Monday 1 February, whatever the holidays turn out to be.
        assert add_working_days(date(UNKNOWN_YEAR, 1, 29), 1) == date(UNKNOWN_YEAR, 2, 1)
        assert add_working_days(date(UNKNOWN_YEAR, 1, 29), 7) == date(UNKNOWN_YEAR, 2, 9)

    def test_a_saturday_is_not_a_working_day_and_a_weekday_is(self):
        assert not is_working_day(date(UNKNOWN_YEAR, 2, 6))
        assert is_working_day(date(UNKNOWN_YEAR, 1, 1))  # New Year's Day itself: not known to be off

    def test_the_suggestions_say_so(self):
        suggested = follow_ups(date(UNKNOWN_YEAR, 3, 1))
        assert all(s.weekends_only and s.unknown_years == (UNKNOWN_YEAR,) for s in suggested)

    def test_crossing_into_it_from_a_known_year(self):
        # Monday 28 December 2026: 29, 30, 31 are known; 1 January 2027 (a Friday) counts as a working day.
        three, seven = follow_ups(date(2026, 12, 28))
        assert (three.on, three.weekends_only) == (date(2026, 12, 31), False)
        assert (seven.on, seven.unknown_years) == (date(UNKNOWN_YEAR, 1, 6), (UNKNOWN_YEAR,))

    def test_weekends_only_between(self):
        assert weekends_only_between(date(2026, 1, 1), date(2026, 12, 31)) == []
        assert weekends_only_between(date(2026, 12, 1), date(2028, 1, 1)) == [2027, 2028]
        assert weekends_only_between(date(1999, 12, 1), date(2003, 1, 1)) == [1999, 2000, 2001, 2002, 2003]


class TestArguments:
    def test_zero_is_the_day_itself(self):
        assert add_working_days(date(2026, 10, 3), 0) == date(2026, 10, 3)

    def test_a_datetime_counts_by_its_day(self):
        assert add_working_days(datetime(2026, 9, 30, 23, 59), 1) == date(2026, 10, 8)

    @pytest.mark.parametrize("n", [-1, MAX_WORKING_DAYS + 1])
    def test_out_of_range(self, n):
        with pytest.raises(ValueError):
            add_working_days(date(2026, 1, 5), n)

    @pytest.mark.parametrize(("day", "n"), [("2026-01-05", 1), (date(2026, 1, 5), 1.0), (date(2026, 1, 5), True)])
    def test_wrong_types(self, day, n):
        with pytest.raises(TypeError):
            add_working_days(day, n)

    def test_the_default_spans(self):
        assert FOLLOW_UP_SPANS == (3, 7)


known_days = st.dates(min_value=date(2005, 1, 1), max_value=date(2025, 6, 30))


@given(day=known_days, n=st.integers(min_value=1, max_value=40))
def test_counts_as_chinese_calendar_does(day, n):
    """Exactly n working days in (day, result], the result one of them; checked by the library's own counter."""
    result = add_working_days(day, n)
    assert is_working_day(result) and chinese_calendar.is_workday(result)
    assert len(chinese_calendar.get_workdays(day + timedelta(days=1), result)) == n


@given(day=st.dates(min_value=date(2028, 1, 1), max_value=date(2090, 12, 1)), n=st.integers(min_value=1, max_value=40))
def test_in_unknown_years_five_working_days_are_a_week(day, n):
    result = add_working_days(day, n)
    assert result.weekday() < 5
    assert add_working_days(result, 5) == result + timedelta(days=7)
    weekdays_between = sum(1 for k in range(1, (result - day).days + 1) if (day + timedelta(days=k)).weekday() < 5)
    assert weekdays_between == n
