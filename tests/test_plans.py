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
    DEFAULT_INSTALLMENT_RATE,
    HUABEI_DAILY_RATE,
    MAX_MONTHS,
    RECOMMENDATION_ORDER,
    Comparison,
    DebtFigures,
    Scenario,
    ScenarioKind,
    ScheduleRow,
    add_months,
    affordable_months,
    amortize,
    as_billed,
    compare_scenarios,
    credit_report_status,
    days_overdue,
    deferral,
    installments,
    interest_frozen,
    monthly_budget,
    overdue_charges,
    principal_only,
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
    assert sum(row.payment for row in rows) == principal + sum(row.interest for row in rows)
    assert rows[-1].balance == D("0.00")
    balance = principal
    for row in rows:
        assert all(two_places(v) for v in (row.payment, row.principal, row.interest, row.balance))
        assert row.payment == row.principal + row.interest
        assert row.principal >= 0
        assert row.interest >= 0
        balance -= row.principal
        assert row.balance == balance >= 0


def largest_payment(total: Decimal, rate: Decimal, months: int) -> Decimal:
    return max(row.payment for row in amortize(total, rate, months, FIRST_DUE))


# --- to_cents, overdue charges, overdue days, credit report ---------------------------------------------------------


def test_constants():
    assert (D("0.01"), 60, D("0.0005"), D("0.06")) == (CENT, MAX_MONTHS, HUABEI_DAILY_RATE, DEFAULT_INSTALLMENT_RATE)


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


# --- debts and the as-billed baseline --------------------------------------------------------------------------------

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


def test_as_billed():
    # 12 months = 360 days: 32,700 + 10,000 x 0.0005 x 360 (1,800) + 20,000 x 0.0006 x 360 (4,320) = 38,820
    assert as_billed(DEBTS, 12) == D("38820.00")
    assert as_billed([HUABEI], 1) == D("10950.00")  # 10,800 + 10,000 x 0.0005 x 30
    with pytest.raises(ValueError):
        as_billed(DEBTS, 0)
    with pytest.raises(ValueError):
        as_billed(DEBTS, 61)
    with pytest.raises(ValueError):
        as_billed([], 12)


# --- scenarios -------------------------------------------------------------------------------------------------------


def test_principal_only_by_budget():
    # 30,000 principal at 0 %; 3,000 a month -> 10 months of 3,000.00
    # as billed over 300 days: 32,700 + 1,500 + 3,600 = 37,800; saved 37,800 - 30,000 = 7,800
    s = principal_only(DEBTS, D("3000"), first_due=FIRST_DUE)
    assert (s.kind, s.months, s.monthly_payment, s.total_paid) == (
        ScenarioKind.PRINCIPAL_ONLY,
        10,
        D("3000.00"),
        D("30000.00"),
    )
    assert (s.as_billed, s.saved, s.waived) == (D("37800.00"), D("7800.00"), D("2700.00"))
    assert s.fits_budget and s.feasible
    assert (s.grace_months, s.annual_rate, s.down_payment) == (0, D("0"), D("0.00"))
    check_schedule(s.schedule, D("30000.00"), 10)


def test_principal_only_explicit_months_and_down_payment():
    s = principal_only(DEBTS, D("3000"), first_due=FIRST_DUE, months=12)
    assert (s.months, s.monthly_payment, s.fits_budget) == (12, D("2500.00"), True)
    # Five months need 6,000 a month: over budget, though another term would fit.
    s = principal_only(DEBTS, D("3000"), first_due=FIRST_DUE, months=5)
    assert (s.fits_budget, s.feasible) == (False, True)
    # 6,000 down leaves 24,000: 8 x 3,000. As billed over 240 days: 32,700 + 1,200 + 2,880 = 36,780.
    s = principal_only(DEBTS, D("3000"), first_due=FIRST_DUE, down_payment=D("6000"))
    assert (s.months, s.down_payment, s.total_paid) == (8, D("6000.00"), D("30000.00"))
    assert (s.as_billed, s.saved) == (D("36780.00"), D("6780.00"))
    assert sum(row.payment for row in s.schedule) == D("24000.00")


def test_interest_frozen_takes_at_least_twelve_months():
    # 32,700 / 11 = 2,972.73 would fit 3,000, but 停息挂账 runs 12-60 months: 12 x 2,725.00.
    # Nothing of today's balance is waived; the saving is the 1,800 + 4,320 that stops accruing.
    s = interest_frozen(DEBTS, D("3000"), first_due=FIRST_DUE)
    assert (s.months, s.monthly_payment, s.total_paid) == (12, D("2725.00"), D("32700.00"))
    assert (s.waived, s.as_billed, s.saved) == (D("0.00"), D("38820.00"), D("6120.00"))
    assert s.fits_budget
    # A tighter budget: 32,700 / 59 = 554.24 (last 554.08)
    s = interest_frozen(DEBTS, D("560"), first_due=FIRST_DUE)
    assert (s.months, s.monthly_payment, s.schedule[-1].payment) == (59, D("554.24"), D("554.08"))


def test_installments_at_the_reduced_rate():
    # 31,700 (principal + interest) at 6 %/yr; penalty 900 and fees 100 waived.
    # 10 months would be 3,252.xx; 11 months: 31,700 x 0.005 x 1.005^11 / (1.005^11 - 1) = 2,968.99
    # (numpy_financial.pmt(0.005, 11, -31700) = 2968.9913...). As billed over 330 days: 32,700 + 1,650 + 3,960.
    s = installments(DEBTS, D("3000"), first_due=FIRST_DUE)
    assert (s.months, s.monthly_payment, s.annual_rate) == (11, D("2968.99"), D("0.06"))
    assert s.schedule[0].interest == D("158.50")  # 31,700 x 0.005
    assert (s.waived, s.total_paid) == (D("1000.00"), D("32658.89"))
    assert (s.as_billed, s.saved) == (D("38310.00"), D("5651.11"))
    check_schedule(s.schedule, D("31700.00"), 11)
    s = installments(DEBTS, D("3000"), first_due=FIRST_DUE, months=12, annual_rate=D("0"))
    assert (s.monthly_payment, s.total_paid) == (D("2641.67"), D("31700.00"))


def test_deferral_grace_period():
    # 3 months without payment, then 31,800 (balance less the 900 penalty) at 0 %:
    # 31,800 / 11 = 2,890.909 -> 2,890.91 x 10 + 2,890.90; 14 months in all, 420 days as billed.
    s = deferral(DEBTS, D("3000"), first_due=FIRST_DUE)
    assert (s.months, s.grace_months, len(s.schedule)) == (14, 3, 11)
    assert (s.monthly_payment, s.schedule[-1].payment) == (D("2890.91"), D("2890.90"))
    assert (s.waived, s.total_paid) == (D("900.00"), D("31800.00"))
    assert s.as_billed == D("32700") + D("2100") + D("5040")
    assert s.schedule[0].due_date == date(2025, 4, 30)  # add_months(31 Jan, 3)
    assert s.schedule[1].due_date == date(2025, 5, 31)  # still the 31st, not drifting to the 30th
    assert s.schedule[-1].due_date == date(2026, 2, 28)
    assert all(row.interest == D("0.00") for row in s.schedule)
    check_schedule(s.schedule, D("31800.00"), 11)


def test_deferral_explicit_months_and_grace():
    s = deferral(DEBTS, D("3000"), first_due=FIRST_DUE, months=60, grace_months=6)
    assert (s.months, len(s.schedule), s.schedule[0].due_date) == (60, 54, date(2025, 7, 31))
    s = deferral(DEBTS, D("40000"), first_due=FIRST_DUE, grace_months=1)
    assert (s.months, s.monthly_payment, s.schedule[0].due_date) == (2, D("31800.00"), date(2025, 2, 28))


@pytest.mark.parametrize(
    ("func", "kwargs"),
    [
        (principal_only, {"months": 0}),
        (principal_only, {"months": 61}),
        (interest_frozen, {"months": 11}),
        (interest_frozen, {"months": 61}),
        (installments, {"months": 61}),
        (installments, {"annual_rate": D("-0.01")}),
        (deferral, {"months": 3}),  # the 3 grace months leave nothing to pay in
        (deferral, {"months": 61}),
        (deferral, {"grace_months": 0}),
        (deferral, {"grace_months": 7}),
        (principal_only, {"down_payment": D("-1")}),
        (principal_only, {"down_payment": D("30000")}),  # nothing left to spread
        (interest_frozen, {"down_payment": D("32700")}),
        (installments, {"down_payment": D("40000")}),
    ],
)
def test_scenarios_reject_invalid_arguments(func, kwargs):
    with pytest.raises(ValueError):
        func(DEBTS, D("3000"), first_due=FIRST_DUE, **kwargs)


def test_scenarios_reject_no_debts():
    for func in (principal_only, interest_frozen, installments, deferral):
        with pytest.raises(ValueError):
            func([], D("3000"), first_due=FIRST_DUE)


def test_scenario_when_no_term_fits():
    # 30,000 / 60 = 500 > 400: shown at the longest term, flagged as not fitting.
    s = principal_only(DEBTS, D("400"), first_due=FIRST_DUE)
    assert (s.months, s.monthly_payment, s.fits_budget, s.feasible) == (60, D("500.00"), False, False)
    s = deferral(DEBTS, D("-100"), first_due=FIRST_DUE)
    assert (s.months, len(s.schedule), s.fits_budget, s.feasible) == (60, 57, False, False)


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
    assert [s.months for s in c.scenarios] == [10, 12, 11, 14]
    # All fit: 停息挂账 first, as lenders grant it most often.
    assert c.recommended == ScenarioKind.INTEREST_FROZEN
    assert RECOMMENDATION_ORDER[0] == ScenarioKind.INTEREST_FROZEN


def test_compare_scenarios_preferred():
    c = compare_scenarios(DEBTS, D("3000"), first_due=FIRST_DUE, preferred=ScenarioKind.DEFERRAL)
    assert c.recommended == ScenarioKind.DEFERRAL
    c = compare_scenarios(DEBTS, D("3000"), first_due=FIRST_DUE, preferred="principal_only")
    assert c.recommended == ScenarioKind.PRINCIPAL_ONLY


def test_compare_scenarios_falls_back_when_preferred_does_not_fit():
    # Budget 520: only principal-only fits (30,000 / 58 = 517.24, last 517.32); frozen needs 545.00 at 60 months,
    # installments 612.85, deferral 557.89 / 558.16.
    c = compare_scenarios(DEBTS, D("520"), first_due=FIRST_DUE, preferred=ScenarioKind.INSTALLMENTS)
    assert [s.fits_budget for s in c.scenarios] == [True, False, False, False]
    assert c.recommended == ScenarioKind.PRINCIPAL_ONLY


def test_compare_scenarios_deferral_before_principal_only():
    # A large penalty makes 停息挂账 (15,000 / 60 = 250) too dear and 6 % installments (193.33) too;
    # deferral (10,000 over 56 paying months: 178.57, last 178.65) and principal-only both fit 180.
    debts = [DebtFigures(principal=D("10000"), interest=D("0"), penalty=D("5000"), fees=D("0"))]
    c = compare_scenarios(debts, D("180"), first_due=FIRST_DUE)
    assert [s.fits_budget for s in c.scenarios] == [True, False, False, True]
    assert c.recommended == ScenarioKind.DEFERRAL


def test_compare_scenarios_none_fits():
    c = compare_scenarios(DEBTS, D("400"), first_due=FIRST_DUE, preferred=ScenarioKind.INTEREST_FROZEN)
    assert c.recommended is None
    assert not any(s.fits_budget or s.feasible for s in c.scenarios)
    assert [s.months for s in c.scenarios] == [60, 60, 60, 60]


def test_compare_scenarios_clamps_months_into_each_range():
    c = compare_scenarios(DEBTS, D("3000"), first_due=FIRST_DUE, months=6)
    assert [s.months for s in c.scenarios] == [6, 12, 6, 6]
    assert len(c.scenarios[3].schedule) == 3  # 6 months less the 3 of grace
    c = compare_scenarios(DEBTS, D("3000"), first_due=FIRST_DUE, months=2)
    assert [s.months for s in c.scenarios] == [2, 12, 2, 4]
    c = compare_scenarios(DEBTS, D("3000"), first_due=FIRST_DUE, months=100)
    assert [s.months for s in c.scenarios] == [60, 60, 60, 60]


def test_compare_scenarios_down_payment_applies_to_each():
    c = compare_scenarios(DEBTS, D("3000"), first_due=FIRST_DUE, down_payment=D("1000"))
    assert all(s.down_payment == D("1000.00") for s in c.scenarios)
    assert [sum(r.payment for r in s.schedule) for s in c.scenarios if s.annual_rate == 0] == [
        D("29000.00"),
        D("31700.00"),
        D("30800.00"),
    ]


def test_compare_scenarios_rejects_no_debts():
    with pytest.raises(ValueError):
        compare_scenarios([], D("3000"), first_due=FIRST_DUE)
