"""Tests for cases.plans: hand-checked figures, boundaries, and property tests against an independent oracle."""

import math
from datetime import date
from decimal import Decimal

import numpy_financial as npf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cases.plans import (
    CENT,
    DEFAULT_DEFERRAL_MONTHS,
    DEFAULT_LENDER_FLOOR,
    DEFAULT_MARGIN_RATE,
    HUABEI_DAILY_RATE,
    MAX_GRACE_MONTHS,
    MAX_MONTHS,
    MINIMUM_MARGIN,
    RECOMMENDATION_ORDER,
    Comparison,
    DebtFigures,
    Scenario,
    ScenarioKind,
    ScheduleRow,
    WaivedPart,
    add_months,
    affordable_months,
    amortize,
    available_for_lenders,
    compare_scenarios,
    credit_report_status,
    days_overdue,
    deferral,
    fair_shares,
    installments,
    interest_frozen,
    largest_down_payment,
    monthly_budget,
    overdue_charges,
    pause_interest,
    principal_only,
    safety_margin,
    to_cents,
)

D = Decimal
FIRST_DUE = date(2025, 1, 31)

# No example database: the tests must not leave files in the project.
PROPERTY = settings(max_examples=200, deadline=None, database=None)

cents = st.integers(1, 1_000_000_000).map(lambda fen: D(fen).scaleb(-2))  # 0.01 .. 10,000,000.00
rates = st.integers(0, 3600).map(lambda bp: D(bp).scaleb(-4))  # 0 .. 0.36 in 0.0001 steps
positive_rates = st.integers(1, 3600).map(lambda bp: D(bp).scaleb(-4))
terms = st.integers(1, MAX_MONTHS)


def two_places(value: Decimal) -> bool:
    return isinstance(value, Decimal) and value.as_tuple().exponent == -2


def check_schedule(rows: list[ScheduleRow] | tuple[ScheduleRow, ...], principal: Decimal, months: int) -> None:
    assert len(rows) == months
    assert [row.number for row in rows] == list(range(1, months + 1))
    assert sum(row.principal for row in rows) == principal
    assert sum(row.payment for row in rows) == principal + sum(row.interest + row.fee for row in rows)
    assert rows[-1].balance == D("0.00")
    balance = principal
    for row in rows:
        assert all(two_places(v) for v in (row.payment, row.principal, row.interest, row.balance, row.fee))
        assert row.payment == row.principal + row.interest + row.fee
        assert row.principal >= 0
        assert row.interest >= 0
        assert row.fee >= 0
        balance -= row.principal
        assert row.balance == balance >= 0


def largest_payment(total: Decimal, rate: Decimal, months: int) -> Decimal:
    return max(row.payment for row in amortize(total, rate, months, FIRST_DUE))


# --- to_cents, overdue charges, overdue days, credit report ---------------------------------------------------------


def test_constants():
    # 延期: one month by default, up to six; the budget: 15 % kept back, at least 100, a floor of 50 per lender.
    assert (D("0.01"), 60, D("0.0005"), 1, 6) == (
        CENT,
        MAX_MONTHS,
        HUABEI_DAILY_RATE,
        DEFAULT_DEFERRAL_MONTHS,
        MAX_GRACE_MONTHS,
    )
    assert (D("0.15"), D("100"), D("50")) == (DEFAULT_MARGIN_RATE, MINIMUM_MARGIN, DEFAULT_LENDER_FLOOR)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (D("0.005"), D("0.01")),
        (D("2.675"), D("2.68")),  # the float 2.675 would be 2.67499999...: why floats are refused
        (D("-0.005"), D("-0.01")),
        (D("1.004999"), D("1.00")),
        (12, D("12.00")),
        (" 3.1 ", D("3.10")),
    ],
)
def test_to_cents_rounds_half_up(value, expected):
    result = to_cents(value)
    assert result == expected
    assert two_places(result)


@pytest.mark.parametrize("value", [2.675, True, None])
def test_to_cents_refuses_floats_and_other_types(value):
    with pytest.raises(TypeError):
        to_cents(value)


@pytest.mark.parametrize("value", ["abc", "NaN", "Infinity", D("Infinity")])
def test_to_cents_refuses_non_numbers(value):
    with pytest.raises(ValueError):
        to_cents(value)


def test_overdue_charges_hand_checked():
    # 10,000 x 0.05 %/day x 30 days = 10,000 x 0.0005 x 30 = 150.00
    assert overdue_charges(D("10000"), HUABEI_DAILY_RATE, 30) == D("150.00")
    # Jiebei's 0.06 %/day on 2,500.50 for 45 days = 2,500.50 x 0.027 = 67.5135 -> 67.51
    assert overdue_charges(D("2500.50"), D("0.0006"), 45) == D("67.51")
    assert overdue_charges(D("10000"), HUABEI_DAILY_RATE, 0) == D("0.00")


def test_overdue_charges_round_once_not_daily():
    # 333.33 x 0.0005 = 0.166665 a day; x 3 days = 0.499995 -> 0.50. Rounding each day would give 3 x 0.17 = 0.51.
    assert overdue_charges(D("333.33"), HUABEI_DAILY_RATE, 3) == D("0.50")


@pytest.mark.parametrize(
    ("amount", "rate", "days"),
    [
        (D("-1"), HUABEI_DAILY_RATE, 30),
        (D("100"), D("-0.0005"), 30),
        (D("100"), HUABEI_DAILY_RATE, -1),
        (D("100"), D("0.05"), 30),  # 0.05 is 5 %/day: a percentage typed where a fraction belongs
    ],
)
def test_overdue_charges_rejects_invalid(amount, rate, days):
    with pytest.raises(ValueError):
        overdue_charges(amount, rate, days)


def test_overdue_charges_rejects_float_rate():
    with pytest.raises(TypeError):
        overdue_charges(D("100"), 0.0005, 30)


@pytest.mark.parametrize(
    ("since", "today", "expected"),
    [
        (date(2025, 3, 1), date(2025, 3, 1), 0),
        (date(2025, 3, 1), date(2025, 2, 1), 0),  # not yet overdue: never negative
        (date(2025, 3, 1), date(2025, 3, 2), 1),
        (date(2025, 1, 1), date(2025, 3, 1), 59),
        (date(2024, 2, 1), date(2024, 3, 1), 29),  # leap year
        (date(2024, 1, 1), date(2025, 1, 1), 366),
    ],
)
def test_days_overdue(since, today, expected):
    assert days_overdue(since, today) == expected


@pytest.mark.parametrize(
    ("days", "status"),
    [
        (-5, 0),
        (0, 0),
        (1, 1),
        (30, 1),
        (31, 2),
        (60, 2),
        (61, 3),
        (90, 3),
        (91, 4),
        (120, 4),
        (121, 5),
        (150, 5),
        (151, 6),
        (180, 6),
        (181, 7),
        (1000, 7),
    ],
)
def test_credit_report_status_boundaries(days, status):
    assert credit_report_status(days) == status


# --- due dates -------------------------------------------------------------------------------------------------------


def test_add_months_clamps_to_month_end_from_first_due():
    # Always from the first due date: 31 Jan -> 28 Feb -> 31 Mar, not 28 Mar.
    dates = [add_months(date(2025, 1, 31), k) for k in range(5)]
    assert dates == [date(2025, 1, 31), date(2025, 2, 28), date(2025, 3, 31), date(2025, 4, 30), date(2025, 5, 31)]


def test_add_months_leap_february():
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)


def test_add_months_across_the_year_end():
    assert [add_months(date(2024, 11, 30), k) for k in range(3)] == [
        date(2024, 11, 30),
        date(2024, 12, 30),
        date(2025, 1, 30),
    ]
    assert add_months(date(2025, 1, 15), 59) == date(2029, 12, 15)
    assert add_months(date(2025, 1, 15), -1) == date(2024, 12, 15)


def test_schedule_due_dates_keep_the_day():
    rows = amortize(D("1200"), D("0"), 4, date(2025, 1, 31))
    assert [row.due_date for row in rows] == [
        date(2025, 1, 31),
        date(2025, 2, 28),
        date(2025, 3, 31),
        date(2025, 4, 30),
    ]
    rows = amortize(D("1200"), D("0"), 2, date(2024, 1, 31))
    assert rows[1].due_date == date(2024, 2, 29)


# --- amortize --------------------------------------------------------------------------------------------------------


def test_amortize_hand_checked():
    # 1,000 at 12 %/yr over 3 months, monthly rate r = 0.01:
    #   payment = 1000 x 0.01 x 1.01^3 / (1.01^3 - 1) = 10.30301 / 0.030301 = 340.0221... -> 340.02
    #   month 1: interest 1000.00 x 0.01 = 10.00;   principal 340.02 - 10.00 = 330.02; balance 669.98
    #   month 2: interest 669.98 x 0.01 = 6.6998 -> 6.70; principal 333.32;          balance 336.66
    #   month 3: interest 336.66 x 0.01 = 3.3666 -> 3.37; principal = the rest 336.66, payment 340.03; balance 0.00
    #   payments 340.02 + 340.02 + 340.03 = 1,020.07 = 1,000 + (10.00 + 6.70 + 3.37)
    rows = amortize(D("1000"), D("0.12"), 3, date(2025, 1, 31))
    assert [(r.payment, r.principal, r.interest, r.balance) for r in rows] == [
        (D("340.02"), D("330.02"), D("10.00"), D("669.98")),
        (D("340.02"), D("333.32"), D("6.70"), D("336.66")),
        (D("340.03"), D("336.66"), D("3.37"), D("0.00")),
    ]
    assert sum(r.payment for r in rows) == D("1020.07")
    check_schedule(rows, D("1000.00"), 3)


def test_amortize_zero_rate_equal_parts():
    rows = amortize(D("12000"), D("0"), 12, FIRST_DUE)
    assert [r.payment for r in rows] == [D("1000.00")] * 12
    assert all(r.interest == D("0.00") for r in rows)
    check_schedule(rows, D("12000.00"), 12)


def test_amortize_zero_rate_last_row_takes_the_remainder():
    # 100 / 3 = 33.333... -> 33.33, 33.33, then 100 - 66.66 = 33.34
    rows = amortize(D("100"), D("0"), 3, FIRST_DUE)
    assert [r.payment for r in rows] == [D("33.33"), D("33.33"), D("33.34")]
    check_schedule(rows, D("100.00"), 3)


def test_amortize_tiny_sum_never_overshoots():
    # 0.35 / 10 = 0.035 -> 0.04: nine of those would be 0.36 > 0.35, so the ninth pays the last 0.03 and the tenth 0.
    rows = amortize(D("0.35"), D("0"), 10, FIRST_DUE)
    assert [r.payment for r in rows] == [D("0.04")] * 8 + [D("0.03"), D("0.00")]
    check_schedule(rows, D("0.35"), 10)


def test_amortize_one_month():
    # 1,000 + one month at 1 %: 1,010.00 at once.
    rows = amortize(D("1000"), D("0.12"), 1, FIRST_DUE)
    assert rows == [ScheduleRow(1, FIRST_DUE, D("1010.00"), D("1000.00"), D("10.00"), D("0.00"))]


def test_amortize_sixty_months():
    rows = amortize(D("30000"), D("0"), 60, FIRST_DUE)
    assert [r.payment for r in rows] == [D("500.00")] * 60
    assert rows[-1].due_date == date(2029, 12, 31)
    check_schedule(amortize(D("30000"), D("0.06"), 60, FIRST_DUE), D("30000.00"), 60)


@pytest.mark.parametrize("months", [0, 61, -1])
def test_amortize_months_out_of_range(months):
    with pytest.raises(ValueError):
        amortize(D("1000"), D("0"), months, FIRST_DUE)


@pytest.mark.parametrize(
    ("principal", "rate"),
    [(D("0"), D("0")), (D("-100"), D("0")), (D("1000"), D("-0.01")), (D("1000"), D("12"))],
)
def test_amortize_invalid_amounts(principal, rate):
    with pytest.raises(ValueError):
        amortize(principal, rate, 12, FIRST_DUE)


def test_amortize_refuses_floats():
    with pytest.raises(TypeError):
        amortize(1000.0, D("0"), 12, FIRST_DUE)
    with pytest.raises(TypeError):
        amortize(D("1000"), D("0"), 12.0, FIRST_DUE)


@PROPERTY
@given(principal=cents, rate=rates, months=terms)
def test_amortize_properties(principal, rate, months):
    rows = amortize(principal, rate, months, FIRST_DUE)
    assert len(rows) <= MAX_MONTHS
    check_schedule(rows, principal, months)


def near_half_fen(value: float) -> bool:
    fen = value * 100
    return abs(fen - math.floor(fen) - 0.5) < 1e-12 * max(1.0, fen) + 1e-9


@PROPERTY
@given(principal=cents, rate=positive_rates, months=terms)
def test_regular_payment_matches_numpy_financial(principal, rate, months):
    oracle_float = float(npf.pmt(float(rate) / 12, months, -float(principal)))
    oracle = to_cents(D(repr(oracle_float)))
    ours = amortize(principal, rate, months, FIRST_DUE)[0].payment
    if ours != oracle:
        # numpy works in binary floats: when the exact payment sits on a half fen, its result may fall a hair
        # below it and round down, while the Decimal annuity rounds up. Only that case may differ, by one fen.
        assert abs(ours - oracle) == CENT
        assert near_half_fen(oracle_float)


# --- budget and affordable months ------------------------------------------------------------------------------------


def test_monthly_budget():
    assert monthly_budget(D("8000"), D("3000"), D("1500")) == D("3500.00")
    assert monthly_budget(D("3000"), D("2800.50"), D("500")) == D("-300.50")
    with pytest.raises(ValueError):
        monthly_budget(D("-1"), D("0"), D("0"))


def test_affordable_months_hand_checked():
    # 12,000 at 0 %: 1,000 a month over 12; 999.99 needs 13 (923.08 x 12 + 923.04)
    assert affordable_months(D("12000"), D("1000")) == 12
    assert affordable_months(D("12000"), D("999.99")) == 13
    assert affordable_months(D("12000"), D("12000")) == 1
    # 60 x 200.00 is the most that can be spread
    assert affordable_months(D("12000"), D("200")) == 60
    assert affordable_months(D("12000"), D("199.99")) is None


def test_affordable_months_counts_the_last_row():
    # 1,000 at 12 % over 3 months: 340.02, 340.02, 340.03 (see test_amortize_hand_checked). A budget of 340.02
    # covers the regular payment but not the last one, so 4 months (256.28 x 3 + 256.29) are needed.
    assert affordable_months(D("1000"), D("340.03"), D("0.12")) == 3
    assert affordable_months(D("1000"), D("340.02"), D("0.12")) == 4


def test_affordable_months_edge_cases():
    assert affordable_months(D("0"), D("100")) == 0  # nothing owed: no plan needed
    assert affordable_months(D("1000"), D("0")) is None
    assert affordable_months(D("1000"), D("-50")) is None
    with pytest.raises(ValueError):
        affordable_months(D("1000"), D("100"), D("-0.01"))


@st.composite
def affordability_cases(draw):
    total = draw(cents)
    # A budget near total / n for some n up to 80, so that every answer (1-60 and None) turns up.
    divisor = draw(st.integers(1, 80))
    jitter = draw(st.integers(-200, 200))
    budget = max(D("0.01"), to_cents(total / divisor) + D(jitter).scaleb(-2))
    return total, budget, draw(rates)


@PROPERTY
@given(case=affordability_cases())
def test_affordable_months_fits_and_one_less_does_not(case):
    total, budget, rate = case
    months = affordable_months(total, budget, rate)
    if months is None:
        assert largest_payment(total, rate, MAX_MONTHS) > budget
    else:
        assert 1 <= months <= MAX_MONTHS
        assert largest_payment(total, rate, months) <= budget
        if months > 1:
            assert largest_payment(total, rate, months - 1) > budget


@settings(max_examples=60, deadline=None, database=None)
@given(case=affordability_cases())
def test_affordable_months_is_the_fewest_by_brute_force(case):
    total, budget, rate = case
    fitting = [n for n in range(1, MAX_MONTHS + 1) if largest_payment(total, rate, n) <= budget]
    assert affordable_months(total, budget, rate) == (fitting[0] if fitting else None)


# --- the budget shared across lenders --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("surplus", "margin", "available"),
    [
        (D("1300"), D("195.00"), D("1105.00")),  # 15 % of 1,300
        (D("500"), D("100.00"), D("400.00")),  # 15 % would be 75: at least 100
        (D("80"), D("80.00"), D("0.00")),  # never more than the surplus: nothing left for the lenders
        (D("1000.10"), D("150.02"), D("850.08")),  # 150.015 rounded half up
        (D("0"), D("0.00"), D("0.00")),
        (D("-300"), D("0.00"), D("0.00")),  # a household already short keeps no margin and offers nothing
    ],
)
def test_safety_margin_hand_checked(surplus, margin, available):
    assert safety_margin(surplus) == margin
    assert two_places(safety_margin(surplus))
    assert available_for_lenders(surplus, safety_margin(surplus)) == available


def test_safety_margin_other_rates_and_a_margin_set_by_hand():
    assert safety_margin(D("1300"), rate=D("0.10"), minimum=D("0")) == D("130.00")
    assert safety_margin(D("1300"), rate=D("0"), minimum=D("0")) == D("0.00")
    # A margin set by hand, anywhere from 0 to the surplus; more than the surplus leaves 0, never a negative amount.
    assert available_for_lenders(D("1300"), D("0")) == D("1300.00")
    assert available_for_lenders(D("1300"), D("1300")) == D("0.00")
    assert available_for_lenders(D("1300"), D("2000")) == D("0.00")


@pytest.mark.parametrize(
    ("func", "args", "kwargs"),
    [
        (safety_margin, (D("1300"),), {"rate": D("-0.1")}),
        (safety_margin, (D("1300"),), {"rate": D("15")}),  # a percentage typed where a fraction belongs
        (safety_margin, (D("1300"),), {"minimum": D("-1")}),
        (available_for_lenders, (D("1300"), D("-1")), {}),
    ],
)
def test_margin_rejects_invalid(func, args, kwargs):
    with pytest.raises(ValueError):
        func(*args, **kwargs)


def test_margin_refuses_floats():
    with pytest.raises(TypeError):
        safety_margin(1300.0)
    with pytest.raises(TypeError):
        available_for_lenders(D("1300"), 195.0)


surpluses = st.integers(-100_000_000, 1_000_000_000).map(lambda fen: D(fen).scaleb(-2))


@PROPERTY
@given(surplus=surpluses)
def test_safety_margin_properties(surplus):
    margin = safety_margin(surplus)
    available = available_for_lenders(surplus, margin)
    assert two_places(margin) and two_places(available)
    assert D("0") <= margin <= max(surplus, D("0"))
    assert available >= 0
    assert margin + available == max(surplus, D("0.00"))  # nothing lost or invented
    if surplus > 0:
        # At least 15 % and at least 100, unless the surplus itself is less.
        assert margin >= min(surplus, MINIMUM_MARGIN)
        assert margin >= min(surplus, to_cents(surplus * DEFAULT_MARGIN_RATE))


def test_fair_shares_two_lenders_hand_checked():
    # 花呗 16,690.60 and a card 30,000.00 (46,690.60 in all); 1,105 available (1,300 less its 195 margin):
    #   1,105 x 16,690.60 / 46,690.60 = 395.0117... -> 395.01; 1,105 x 30,000 / 46,690.60 = 709.9888... -> 709.98
    #   395.01 + 709.98 = 1,104.99: the fen left over goes to the larger remainder (0.88 of a fen against 0.17).
    assert fair_shares(D("1105"), [D("16690.60"), D("30000")]) == (D("395.01"), D("709.99"))


def test_fair_shares_floor_per_lender():
    # Owed 40 (less than the floor): offered the 40 it is owed. Owed 100: 1,105 x 100 / 30,140 = 3.67 is under the
    # floor, so 50. The 30,000 lender gets what is left, 1,015; the lender owed nothing gets nothing.
    assert fair_shares(D("1105"), [D("100"), D("30000"), D("40"), D("0")]) == (
        D("50.00"),
        D("1015.00"),
        D("40.00"),
        D("0.00"),
    )
    # 60 cannot give each of the three its floor (50 + 50 + 40): shared in proportion, without a floor:
    # 6,000 fen x 100 / 30,140 = 19.9, x 30,000 / 30,140 = 5,972.13, x 40 / 30,140 = 7.96 -> 19 + 5,972 + 7 = 5,998;
    # the 2 fen left go to the largest remainders (0.96 and 0.91).
    assert fair_shares(D("60"), [D("100"), D("30000"), D("40")]) == (D("0.20"), D("59.72"), D("0.08"))
    assert fair_shares(D("60"), [D("100"), D("30000")], floor=D("0")) == (D("0.20"), D("59.80"))


def test_fair_shares_never_more_than_is_owed():
    # Enough to clear both in one month: each is offered what it is owed and the rest stays with the debtor.
    assert fair_shares(D("5000"), [D("1000"), D("2000")]) == (D("1000.00"), D("2000.00"))


def test_fair_shares_amounts_moved_by_hand():
    # 500 set by hand for the card: the other two share the 605 left, which covers both of them whole.
    assert fair_shares(D("1105"), [D("100"), D("30000"), D("40")], fixed=[None, D("500"), None]) == (
        D("100.00"),
        D("500.00"),
        D("40.00"),
    )
    # 300 set by hand for the first lender: the card gets the 805 left.
    assert fair_shares(D("1105"), [D("16690.60"), D("30000")], fixed=[D("300"), None]) == (D("300.00"), D("805.00"))
    assert fair_shares(D("1000"), [D("500"), D("600")], fixed=[D("300"), D("400")]) == (D("300.00"), D("400.00"))


@pytest.mark.parametrize(
    ("available", "owed", "kwargs"),
    [
        (D("1000"), [D("5000"), D("5000")], {"fixed": [D("600"), D("500")]}),  # fixed amounts above what is available
        (D("1000"), [D("5000"), D("5000")], {"fixed": [D("600")]}),  # not one per lender
        (D("1000"), [D("300"), D("5000")], {"fixed": [D("400"), None]}),  # more than that lender is owed
        (D("1000"), [D("0"), D("5000")], {"fixed": [D("10"), None]}),
        (D("1000"), [D("5000"), D("-1")], {}),
        (D("1000"), [], {}),
        (D("-1"), [D("5000")], {}),
        (D("1000"), [D("5000")], {"floor": D("-50")}),
    ],
)
def test_fair_shares_rejects_invalid(available, owed, kwargs):
    with pytest.raises(ValueError):
        fair_shares(available, owed, **kwargs)


def test_fair_shares_refuses_floats():
    with pytest.raises(TypeError):
        fair_shares(1000.0, [D("5000")])
    with pytest.raises(TypeError):
        fair_shares(D("1000"), [D("5000")], fixed=[500.0])


owed_amounts = st.one_of(st.just(D("0.00")), cents, st.integers(1, 30_000).map(lambda fen: D(fen).scaleb(-2)))
availables = st.integers(0, 1_000_000).map(lambda fen: D(fen).scaleb(-2))
floors = st.integers(0, 20_000).map(lambda fen: D(fen).scaleb(-2))


@PROPERTY
@given(available=availables, owed=st.lists(owed_amounts, min_size=1, max_size=7), floor=floors)
def test_fair_shares_properties(available, owed, floor):
    shares = fair_shares(available, owed, floor=floor)
    assert len(shares) == len(owed)
    assert all(two_places(share) and D("0") <= share <= debt for share, debt in zip(shares, owed, strict=True))
    assert sum(shares) <= available
    # Nothing lost or invented: exactly what is available, unless everything owed is less.
    assert sum(shares) == min(available, sum(owed))
    for share_a, debt_a in zip(shares, owed, strict=True):
        for share_b, debt_b in zip(shares, owed, strict=True):
            if debt_a > debt_b:
                assert share_a >= share_b  # a lender owed more never gets less
    lows = [min(floor, debt) for debt in owed]
    if sum(lows) <= available < sum(owed):
        assert all(share >= low for share, low in zip(shares, lows, strict=True))


@PROPERTY
@given(available=availables, owed=st.lists(owed_amounts, min_size=1, max_size=7))
def test_fair_shares_are_proportional_to_the_fen(available, owed):
    # Without a floor, each share is the exact proportional share rounded up or down by less than a fen.
    shares = fair_shares(available, owed, floor=D("0"))
    total = sum(owed)
    if 0 < available < total:
        for share, debt in zip(shares, owed, strict=True):
            assert abs(share - available * debt / total) < CENT


@st.composite
def shares_with_fixed(draw):
    owed = draw(st.lists(owed_amounts, min_size=1, max_size=6))
    fixed = [
        draw(st.one_of(st.none(), st.integers(0, int(debt.scaleb(2))).map(lambda fen: D(fen).scaleb(-2))))
        for debt in owed
    ]
    return draw(availables), owed, fixed


@PROPERTY
@given(case=shares_with_fixed())
def test_fair_shares_with_amounts_moved_by_hand(case):
    available, owed, fixed = case
    by_hand = sum(amount for amount in fixed if amount is not None)
    if by_hand > available:
        with pytest.raises(ValueError):
            fair_shares(available, owed, fixed=fixed)
        return
    shares = fair_shares(available, owed, fixed=fixed)
    assert sum(shares) <= available
    assert all(share >= 0 for share in shares)
    assert all(share == amount for share, amount in zip(shares, fixed, strict=True) if amount is not None)
    # The rest is shared among the others: all of it, unless they are owed less.
    others = [debt for debt, amount in zip(owed, fixed, strict=True) if amount is None]
    shared = sum(share for share, amount in zip(shares, fixed, strict=True) if amount is None)
    assert shared == min(available - by_hand, sum(others, D("0")))


# --- debts and the overdue interest of a pause -----------------------------------------------------------------------

HUABEI = DebtFigures(principal=D("10000"), interest=D("500"), penalty=D("300"), fees=D("0"))
JIEBEI = DebtFigures(principal=D("20000"), interest=D("1200"), penalty=D("600"), fees=D("100"), daily_rate=D("0.0006"))
DEBTS = (HUABEI, JIEBEI)
# balance 10,800 + 21,900 = 32,700; principal 30,000; interest 1,700; penalty 900; fees 100


def test_debt_figures():
    assert HUABEI.daily_rate == HUABEI_DAILY_RATE
    assert HUABEI.balance == D("10800.00")
    assert JIEBEI.balance == D("21900.00")
    assert two_places(HUABEI.principal)
    with pytest.raises(ValueError):
        DebtFigures(D("-1"), D("0"), D("0"), D("0"))
    with pytest.raises(ValueError):
        DebtFigures(D("1"), D("0"), D("0"), D("0"), daily_rate=D("0.05"))
    with pytest.raises(TypeError):
        DebtFigures(100.0, D("0"), D("0"), D("0"))


def test_pause_interest():
    # One month = 30 days: 10,000 x 0.0005 x 30 (150) + 20,000 x 0.0006 x 30 (360) = 510
    assert pause_interest(DEBTS, 1) == D("510.00")
    assert pause_interest(DEBTS, 6) == D("3060.00")
    assert pause_interest([HUABEI], 1) == D("150.00")
    for months in (0, 7):
        with pytest.raises(ValueError):
            pause_interest(DEBTS, months)
    with pytest.raises(ValueError):
        pause_interest([], 1)


# --- scenarios -------------------------------------------------------------------------------------------------------


def check_figures(s: Scenario) -> None:
    """The honest figures of any scenario, against today's balance."""
    assert s.total_paid == s.down_payment + sum(row.payment for row in s.schedule)
    assert s.total_paid == s.balance - s.waived + s.interest_added + s.fees_added
    assert s.relief - s.extra_cost == s.balance - s.total_paid
    assert min(s.relief, s.extra_cost) == 0 and s.relief >= 0 and s.extra_cost >= 0
    assert s.waived == sum(amount for part, amount in s.waived_parts if part.of_balance_today)
    assert all(amount is None or amount > 0 for _part, amount in s.waived_parts)
    assert s.fees_added == sum(row.fee for row in s.schedule)
    assert len(s.schedule) == s.months - s.grace_months
    financed = s.total_paid - s.down_payment - sum(row.interest + row.fee for row in s.schedule)
    check_schedule(s.schedule, financed, len(s.schedule))


def test_principal_only_by_budget():
    # 30,000 principal at 0 %; 3,000 a month -> 10 months of 3,000.00.
    # Asked to be waived: interest 1,700, penalty 900, fees 100 = 2,700 = 32,700 today - 30,000 paid.
    s = principal_only(DEBTS, D("3000"), first_due=FIRST_DUE)
    assert (s.kind, s.months, s.monthly_payment, s.total_paid) == (
        ScenarioKind.PRINCIPAL_ONLY,
        10,
        D("3000.00"),
        D("30000.00"),
    )
    assert s.waived_parts == (
        (WaivedPart.INTEREST, D("1700.00")),
        (WaivedPart.PENALTY, D("900.00")),
        (WaivedPart.FEES, D("100.00")),
    )
    assert (s.balance, s.waived, s.relief, s.extra_cost) == (D("32700.00"), D("2700.00"), D("2700.00"), D("0.00"))
    assert s.fits_budget and s.feasible
    assert (s.grace_months, s.annual_rate, s.down_payment) == (0, D("0"), D("0.00"))
    check_schedule(s.schedule, D("30000.00"), 10)
    check_figures(s)


def test_principal_only_explicit_months_and_down_payment():
    s = principal_only(DEBTS, D("3000"), first_due=FIRST_DUE, months=12)
    assert (s.months, s.monthly_payment, s.fits_budget) == (12, D("2500.00"), True)
    # Five months need 6,000 a month: over budget, though another term would fit.
    s = principal_only(DEBTS, D("3000"), first_due=FIRST_DUE, months=5)
    assert (s.fits_budget, s.feasible) == (False, True)
    # 6,000 down leaves 24,000: 8 x 3,000. The relief does not depend on the term or the down payment.
    s = principal_only(DEBTS, D("3000"), first_due=FIRST_DUE, down_payment=D("6000"))
    assert (s.months, s.down_payment, s.total_paid) == (8, D("6000.00"), D("30000.00"))
    assert (s.relief, s.waived) == (D("2700.00"), D("2700.00"))
    assert sum(row.payment for row in s.schedule) == D("24000.00")
    check_figures(s)


def test_interest_frozen_takes_at_least_twelve_months():
    # 32,700 / 11 = 2,972.73 would fit 3,000, but 停息挂账 runs 12-60 months: 12 x 2,725.00.
    # Nothing of today's balance is waived: what is asked is that interest and penalties stop from now on,
    # an amount no one knows today.
    s = interest_frozen(DEBTS, D("3000"), first_due=FIRST_DUE)
    assert (s.months, s.monthly_payment, s.total_paid) == (12, D("2725.00"), D("32700.00"))
    assert s.waived_parts == ((WaivedPart.FUTURE_INTEREST_AND_PENALTY, None),)
    assert (s.waived, s.relief, s.extra_cost) == (D("0.00"), D("0.00"), D("0.00"))
    assert s.fits_budget
    check_figures(s)
    # A tighter budget: 32,700 / 59 = 554.24 (last 554.08)
    s = interest_frozen(DEBTS, D("560"), first_due=FIRST_DUE)
    assert (s.months, s.monthly_payment, s.schedule[-1].payment) == (59, D("554.24"), D("554.08"))


def test_installments_at_zero_percent_by_default():
    # 31,700 (principal + interest) at 0 %; penalty 900 and fees 100 waived.
    # 10 months would be 3,170; 11 months: 31,700 / 11 = 2,881.818 -> 2,881.82 x 10 + 2,881.80.
    s = installments(DEBTS, D("3000"), first_due=FIRST_DUE)
    assert (s.months, s.monthly_payment, s.schedule[-1].payment, s.annual_rate) == (
        11,
        D("2881.82"),
        D("2881.80"),
        D("0"),
    )
    assert s.waived_parts == ((WaivedPart.PENALTY, D("900.00")), (WaivedPart.FEES, D("100.00")))
    assert (s.total_paid, s.waived, s.relief, s.interest_added, s.fees_added) == (
        D("31700.00"),
        D("1000.00"),
        D("1000.00"),
        D("0.00"),
        D("0.00"),
    )
    assert all(row.interest == row.fee == D("0.00") for row in s.schedule)
    check_figures(s)


def test_installments_at_a_rate_the_lender_quoted():
    # 31,700 at 6 %/yr: 10 months would be 3,252.xx; 11 months: 31,700 x 0.005 x 1.005^11 / (1.005^11 - 1) = 2,968.99
    # (numpy_financial.pmt(0.005, 11, -31700) = 2968.9913...). The plan's interest, 958.89, eats into the 1,000
    # waived: 41.11 less than today's balance.
    s = installments(DEBTS, D("3000"), first_due=FIRST_DUE, annual_rate=D("0.06"))
    assert (s.months, s.monthly_payment, s.annual_rate) == (11, D("2968.99"), D("0.06"))
    assert s.schedule[0].interest == D("158.50")  # 31,700 x 0.005
    assert (s.waived, s.total_paid, s.interest_added) == (D("1000.00"), D("32658.89"), D("958.89"))
    assert (s.relief, s.extra_cost) == (D("41.11"), D("0.00"))
    check_schedule(s.schedule, D("31700.00"), 11)
    check_figures(s)
    # Over 24 months the interest passes the 1,000 waived: the plan costs more than today's balance, and says so.
    s = installments(DEBTS, D("3000"), first_due=FIRST_DUE, months=24, annual_rate=D("0.06"))
    assert s.monthly_payment == to_cents(D(repr(float(npf.pmt(0.005, 24, -31700)))))
    assert s.relief == D("0.00") and s.extra_cost == s.total_paid - D("32700.00") > 0
    check_figures(s)


def test_installments_with_a_fee_the_lender_quoted():
    # A one-off fee of 200 comes with the first payment: 11 months would start at 2,881.82 + 200 > 3,000, so 12:
    # 31,700 / 12 = 2,641.67, the first 2,841.67, the last 31,700 - 11 x 2,641.67 = 2,641.63.
    s = installments(DEBTS, D("3000"), first_due=FIRST_DUE, fee=D("200"))
    assert (s.months, s.monthly_payment, s.schedule[1].payment, s.schedule[-1].payment) == (
        12,
        D("2841.67"),
        D("2641.67"),
        D("2641.63"),
    )
    assert [row.fee for row in s.schedule] == [D("200.00")] + [D("0.00")] * 11
    assert (s.total_paid, s.fees_added, s.relief) == (D("31900.00"), D("200.00"), D("800.00"))
    check_figures(s)
    # 50 a month: 2,881.82 + 50 fits 3,000 over 11 months; 550 of fees.
    s = installments(DEBTS, D("3000"), first_due=FIRST_DUE, fee=D("50"), fee_monthly=True)
    assert (s.months, s.monthly_payment, s.schedule[-1].payment) == (11, D("2931.82"), D("2931.80"))
    assert (s.total_paid, s.fees_added, s.relief) == (D("32250.00"), D("550.00"), D("450.00"))
    check_figures(s)
    # A fee as large as the share leaves no term that fits.
    s = installments(DEBTS, D("3000"), first_due=FIRST_DUE, fee=D("3000"))
    assert (s.fits_budget, s.feasible, s.months) == (False, False, MAX_MONTHS)


def test_deferral_one_month_with_interest_accruing():
    # One month without payment, its interest (510, see test_pause_interest) added to what is repaid after it:
    # 32,700 + 510 = 33,210, of which 12 x 2,767.50 fits 3,000 (11 months would be 3,019.09). 13 months in all.
    s = deferral(DEBTS, D("3000"), first_due=FIRST_DUE)
    assert (s.months, s.grace_months, len(s.schedule)) == (13, 1, 12)
    assert (s.monthly_payment, s.schedule[-1].payment) == (D("2767.50"), D("2767.50"))
    assert (s.total_paid, s.interest_added, s.extra_cost, s.relief) == (
        D("33210.00"),
        D("510.00"),
        D("510.00"),
        D("0.00"),
    )
    assert (s.waived_parts, s.waived) == ((), D("0.00"))  # it asks for time, nothing else
    assert s.schedule[0].due_date == date(2025, 2, 28)  # add_months(31 Jan, 1)
    assert s.schedule[1].due_date == date(2025, 3, 31)  # still the 31st, not drifting to the 28th
    assert s.schedule[-1].due_date == date(2026, 1, 31)
    assert all(row.interest == D("0.00") for row in s.schedule)
    check_schedule(s.schedule, D("33210.00"), 12)
    check_figures(s)


def test_deferral_longer_pause_accruing_or_waived():
    # Three months: 3 x 510 = 1,530 of interest; 34,230 / 12 = 2,852.50 (11 months: 3,111.82). 15 months in all.
    s = deferral(DEBTS, D("3000"), first_due=FIRST_DUE, deferral_months=3)
    assert (s.months, s.grace_months, len(s.schedule), s.monthly_payment) == (15, 3, 12, D("2852.50"))
    assert (s.total_paid, s.extra_cost) == (D("34230.00"), D("1530.00"))
    assert [s.schedule[0].due_date, s.schedule[1].due_date] == [date(2025, 4, 30), date(2025, 5, 31)]
    check_figures(s)
    # The lender waives the pause's interest: today's balance alone, 32,700 / 11 = 2,972.73 x 10 + 2,972.70.
    s = deferral(DEBTS, D("3000"), first_due=FIRST_DUE, deferral_months=3, waives_interest=True)
    assert (s.months, s.monthly_payment, s.schedule[-1].payment) == (14, D("2972.73"), D("2972.70"))
    assert s.waived_parts == ((WaivedPart.PAUSE_INTEREST, D("1530.00")),)
    # Not part of today's balance: nothing of it is written off, and the plan costs exactly today's balance.
    assert (s.waived, s.interest_added, s.total_paid, s.relief, s.extra_cost) == (
        D("0.00"),
        D("0.00"),
        D("32700.00"),
        D("0.00"),
        D("0.00"),
    )
    check_figures(s)


def test_deferral_explicit_months_and_pause():
    s = deferral(DEBTS, D("3000"), first_due=FIRST_DUE, months=60, deferral_months=6)
    assert (s.months, len(s.schedule), s.schedule[0].due_date) == (60, 54, date(2025, 7, 31))
    s = deferral(DEBTS, D("40000"), first_due=FIRST_DUE)
    assert (s.months, s.monthly_payment, s.schedule[0].due_date) == (2, D("33210.00"), date(2025, 2, 28))


def test_waived_parts_name_only_what_is_there():
    # 花呗 alone has no fees: no scenario names fees.
    assert principal_only([HUABEI], D("3000"), first_due=FIRST_DUE).waived_parts == (
        (WaivedPart.INTEREST, D("500.00")),
        (WaivedPart.PENALTY, D("300.00")),
    )
    assert installments([HUABEI], D("3000"), first_due=FIRST_DUE).waived_parts == ((WaivedPart.PENALTY, D("300.00")),)
    # A debt of principal only: 只还本金 and 协商分期 ask nothing to be waived.
    bare = [DebtFigures(principal=D("5000"), interest=D("0"), penalty=D("0"), fees=D("0"), daily_rate=D("0"))]
    for func in (principal_only, installments):
        s = func(bare, D("3000"), first_due=FIRST_DUE)
        assert (s.waived_parts, s.waived, s.relief) == ((), D("0.00"), D("0.00"))
    # Nothing accrues at a daily rate of 0: a lender "waiving" the pause's interest waives nothing.
    assert deferral(bare, D("3000"), first_due=FIRST_DUE, waives_interest=True).waived_parts == ()
    assert interest_frozen(bare, D("3000"), first_due=FIRST_DUE).waived_parts == (
        (WaivedPart.FUTURE_INTEREST_AND_PENALTY, None),
    )


def test_waived_part_of_balance_today():
    assert {part for part in WaivedPart if part.of_balance_today} == {
        WaivedPart.INTEREST,
        WaivedPart.PENALTY,
        WaivedPart.FEES,
    }


@pytest.mark.parametrize(
    ("func", "kwargs"),
    [
        (principal_only, {"months": 0}),
        (principal_only, {"months": 61}),
        (interest_frozen, {"months": 11}),
        (interest_frozen, {"months": 61}),
        (installments, {"months": 61}),
        (installments, {"annual_rate": D("-0.01")}),
        (installments, {"annual_rate": D("6")}),  # 6 %, typed as a percentage
        (installments, {"fee": D("-1")}),
        (deferral, {"months": 1}),  # the month of pause leaves nothing to pay in
        (deferral, {"months": 3, "deferral_months": 3}),
        (deferral, {"months": 61}),
        (deferral, {"deferral_months": 0}),
        (deferral, {"deferral_months": 7}),
        (principal_only, {"down_payment": D("-1")}),
        (principal_only, {"down_payment": D("30000")}),  # nothing left to spread
        (interest_frozen, {"down_payment": D("32700")}),
        (installments, {"down_payment": D("40000")}),
    ],
)
def test_scenarios_reject_invalid_arguments(func, kwargs):
    with pytest.raises(ValueError):
        func(DEBTS, D("3000"), first_due=FIRST_DUE, **kwargs)


def test_scenarios_refuse_other_types():
    with pytest.raises(TypeError):
        installments(DEBTS, D("3000"), first_due=FIRST_DUE, fee=200.0)
    with pytest.raises(TypeError):
        installments(DEBTS, D("3000"), first_due=FIRST_DUE, fee_monthly="yes")
    with pytest.raises(TypeError):
        deferral(DEBTS, D("3000"), first_due=FIRST_DUE, waives_interest=1)


def test_scenarios_reject_no_debts():
    for func in (principal_only, interest_frozen, installments, deferral):
        with pytest.raises(ValueError):
            func([], D("3000"), first_due=FIRST_DUE)


def test_scenario_when_no_term_fits():
    # 30,000 / 60 = 500 > 400: shown at the longest term, flagged as not fitting.
    s = principal_only(DEBTS, D("400"), first_due=FIRST_DUE)
    assert (s.months, s.monthly_payment, s.fits_budget, s.feasible) == (60, D("500.00"), False, False)
    s = deferral(DEBTS, D("-100"), first_due=FIRST_DUE)
    assert (s.months, len(s.schedule), s.fits_budget, s.feasible) == (60, 59, False, False)


daily_rates = st.integers(0, 10).map(lambda tenth_bp: D(tenth_bp).scaleb(-4))  # 0 .. 0.1 %/day
parts = st.integers(0, 10_000_000).map(lambda fen: D(fen).scaleb(-2))


@st.composite
def lender_plans(draw):
    debts = draw(
        st.lists(
            st.builds(
                DebtFigures,
                principal=st.integers(1, 100_000_000).map(lambda fen: D(fen).scaleb(-2)),
                interest=parts,
                penalty=parts,
                fees=parts,
                daily_rate=daily_rates,
            ),
            min_size=1,
            max_size=3,
        )
    )
    largest = largest_down_payment(debts)
    down = draw(st.one_of(st.just(D("0")), st.integers(0, int(largest.scaleb(2)) - 1).map(lambda f: D(f).scaleb(-2))))
    return {
        "debts": debts,
        "budget": draw(st.integers(-10_000, 10_000_000).map(lambda fen: D(fen).scaleb(-2))),
        "months": draw(st.one_of(st.none(), terms)),
        "down_payment": down,
        "installment_annual_rate": draw(rates),
        "installment_fee": draw(st.integers(0, 100_000).map(lambda fen: D(fen).scaleb(-2))),
        "installment_fee_monthly": draw(st.booleans()),
        "deferral_months": draw(st.integers(1, MAX_GRACE_MONTHS)),
        "deferral_waives_interest": draw(st.booleans()),
    }


@settings(max_examples=100, deadline=None, database=None)
@given(plan=lender_plans())
def test_every_scenario_adds_up_to_the_cent(plan):
    debts, budget = plan.pop("debts"), plan.pop("budget")
    # Any down payment below largest_down_payment is accepted by every scenario.
    c = compare_scenarios(debts, budget, first_due=FIRST_DUE, **plan)
    for s in c.scenarios:
        check_figures(s)
        assert s.balance == c.total_balance
        assert s.fits_budget == (s.largest_payment <= to_cents(budget))
    principal, frozen, spread, deferred = c.scenarios
    assert {part for part, _amount in principal.waived_parts} <= {
        WaivedPart.INTEREST,
        WaivedPart.PENALTY,
        WaivedPart.FEES,
    }
    assert frozen.waived_parts == ((WaivedPart.FUTURE_INTEREST_AND_PENALTY, None),)
    assert {part for part, _amount in spread.waived_parts} <= {WaivedPart.PENALTY, WaivedPart.FEES}
    assert {part for part, _amount in deferred.waived_parts} <= (
        {WaivedPart.PAUSE_INTEREST} if plan["deferral_waives_interest"] else set()
    )
    # No scenario other than 延期 (whose pause may accrue) and 协商分期 (a quoted rate or fee) costs more than today.
    assert principal.extra_cost == frozen.extra_cost == 0
    assert principal.waived == principal.relief  # what it asks to be waived is exactly what it saves


def test_largest_down_payment_is_the_least_any_scenario_spreads():
    largest = largest_down_payment(DEBTS)
    assert largest == D("30000.00")
    c = compare_scenarios(DEBTS, D("3000"), first_due=FIRST_DUE, down_payment=largest - CENT)
    assert all(s.down_payment == D("29999.99") for s in c.scenarios)
    with pytest.raises(ValueError):
        compare_scenarios(DEBTS, D("3000"), first_due=FIRST_DUE, down_payment=largest)


# --- comparison and recommendation -----------------------------------------------------------------------------------


def kinds(comparison: Comparison) -> list[ScenarioKind]:
    return [s.kind for s in comparison.scenarios]


def test_compare_scenarios_order_and_totals():
    c = compare_scenarios(DEBTS, D("3000"), first_due=FIRST_DUE)
    assert kinds(c) == [
        ScenarioKind.PRINCIPAL_ONLY,
        ScenarioKind.INTEREST_FROZEN,
        ScenarioKind.INSTALLMENTS,
        ScenarioKind.DEFERRAL,
    ]
    assert all(isinstance(s, Scenario) for s in c.scenarios)
    assert (c.total_balance, c.budget) == (D("32700.00"), D("3000.00"))
    assert [s.months for s in c.scenarios] == [10, 12, 11, 13]
    # All fit: 协商分期 first, the plan lenders themselves propose; 只还本金, the hardest to obtain, last.
    assert c.recommended == ScenarioKind.INSTALLMENTS
    assert RECOMMENDATION_ORDER == (
        ScenarioKind.INSTALLMENTS,
        ScenarioKind.DEFERRAL,
        ScenarioKind.INTEREST_FROZEN,
        ScenarioKind.PRINCIPAL_ONLY,
    )


def test_compare_scenarios_preferred():
    c = compare_scenarios(DEBTS, D("3000"), first_due=FIRST_DUE, preferred=ScenarioKind.DEFERRAL)
    assert c.recommended == ScenarioKind.DEFERRAL
    c = compare_scenarios(DEBTS, D("3000"), first_due=FIRST_DUE, preferred="principal_only")
    assert c.recommended == ScenarioKind.PRINCIPAL_ONLY


def test_compare_scenarios_passes_on_what_the_lender_quoted():
    c = compare_scenarios(
        DEBTS,
        D("3000"),
        first_due=FIRST_DUE,
        installment_annual_rate=D("0.06"),
        installment_fee=D("200"),
        deferral_months=3,
        deferral_waives_interest=True,
    )
    _principal, _frozen, spread, deferred = c.scenarios
    assert (spread.annual_rate, spread.fees_added, spread.schedule[0].fee) == (D("0.06"), D("200.00"), D("200.00"))
    assert deferred.grace_months == 3
    assert deferred.waived_parts == ((WaivedPart.PAUSE_INTEREST, D("1530.00")),)
    c = compare_scenarios(DEBTS, D("3000"), first_due=FIRST_DUE, installment_fee=D("10"), installment_fee_monthly=True)
    assert c.scenarios[2].fees_added == D("10.00") * c.scenarios[2].months
    for bad in (0, 7):
        with pytest.raises(ValueError):
            compare_scenarios(DEBTS, D("3000"), first_due=FIRST_DUE, deferral_months=bad)


def test_compare_scenarios_falls_back_when_preferred_does_not_fit():
    # Budget 520: only principal-only fits (30,000 / 58 = 517.24, last 517.32); frozen needs 545.00 at 60 months,
    # installments 528.33 (31,700 / 60), deferral 562.88 (33,210 / 59).
    c = compare_scenarios(DEBTS, D("520"), first_due=FIRST_DUE, preferred=ScenarioKind.INSTALLMENTS)
    assert [s.fits_budget for s in c.scenarios] == [True, False, False, False]
    assert c.recommended == ScenarioKind.PRINCIPAL_ONLY


def test_compare_scenarios_deferral_before_interest_frozen():
    # A lender quoting 24 %/yr puts 协商分期 out of reach (10,000 over 60 months: 287.68); nothing accrues at a
    # daily rate of 0, so 延期 (10,000 / 59 = 169.49) fits 180 like 停息挂账 (166.67) and 只还本金, and comes first.
    debts = [DebtFigures(principal=D("10000"), interest=D("0"), penalty=D("0"), fees=D("0"), daily_rate=D("0"))]
    c = compare_scenarios(debts, D("180"), first_due=FIRST_DUE, installment_annual_rate=D("0.24"))
    assert [s.fits_budget for s in c.scenarios] == [True, True, False, True]
    assert c.scenarios[2].monthly_payment == D("287.68")
    assert c.recommended == ScenarioKind.DEFERRAL


def test_compare_scenarios_interest_frozen_before_principal_only():
    # The month of pause adds 150 (10,000 x 0.0005 x 30): 延期 needs 10,150 / 59 = 172.03 > 170; 停息挂账 and
    # 只还本金 both fit with 166.67; 停息挂账 asks less of the lender.
    debts = [DebtFigures(principal=D("10000"), interest=D("0"), penalty=D("0"), fees=D("0"))]
    c = compare_scenarios(debts, D("170"), first_due=FIRST_DUE, installment_annual_rate=D("0.24"))
    assert [s.fits_budget for s in c.scenarios] == [True, True, False, False]
    assert c.recommended == ScenarioKind.INTEREST_FROZEN


def test_compare_scenarios_none_fits():
    c = compare_scenarios(DEBTS, D("400"), first_due=FIRST_DUE, preferred=ScenarioKind.INTEREST_FROZEN)
    assert c.recommended is None
    assert not any(s.fits_budget or s.feasible for s in c.scenarios)
    assert [s.months for s in c.scenarios] == [60, 60, 60, 60]


def test_compare_scenarios_clamps_months_into_each_range():
    c = compare_scenarios(DEBTS, D("3000"), first_due=FIRST_DUE, months=6)
    assert [s.months for s in c.scenarios] == [6, 12, 6, 6]
    assert len(c.scenarios[3].schedule) == 5  # 6 months less the month of pause
    c = compare_scenarios(DEBTS, D("3000"), first_due=FIRST_DUE, months=1)
    assert [s.months for s in c.scenarios] == [1, 12, 1, 2]
    c = compare_scenarios(DEBTS, D("3000"), first_due=FIRST_DUE, months=2, deferral_months=3)
    assert [s.months for s in c.scenarios] == [2, 12, 2, 4]
    c = compare_scenarios(DEBTS, D("3000"), first_due=FIRST_DUE, months=100)
    assert [s.months for s in c.scenarios] == [60, 60, 60, 60]


def test_compare_scenarios_down_payment_applies_to_each():
    c = compare_scenarios(DEBTS, D("3000"), first_due=FIRST_DUE, down_payment=D("1000"))
    assert all(s.down_payment == D("1000.00") for s in c.scenarios)
    # What each spreads, less the 1,000: 30,000; 32,700; 31,700; 32,700 + the month's 510.
    assert [sum(r.payment for r in s.schedule) for s in c.scenarios] == [
        D("29000.00"),
        D("31700.00"),
        D("30700.00"),
        D("32210.00"),
    ]


def test_compare_scenarios_rejects_no_debts():
    with pytest.raises(ValueError):
        compare_scenarios([], D("3000"), first_due=FIRST_DUE)
