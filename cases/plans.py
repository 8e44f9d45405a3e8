"""Pure money and date arithmetic for repayment plans: overdue charges, schedules, scenarios.

Amounts are Decimal yuan rounded half-up to the fen; rates are Decimal fractions, never percentages.
"""

import calendar
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import (
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
    localcontext,
)
from enum import StrEnum

CENT = Decimal("0.01")
MAX_MONTHS = 60  # Art. 70 of the credit-card business rules caps personalised installments at 60
HUABEI_DAILY_RATE = Decimal("0.0005")
DEFAULT_INSTALLMENT_RATE = Decimal("0.06")
FROZEN_MIN_MONTHS = 12  # 停息挂账 is granted over 12-60 months in practice
MAX_GRACE_MONTHS = 6
DEFAULT_GRACE_MONTHS = 3
DAYS_PER_MONTH = 30  # lenders accrue overdue charges per day; a plan month is counted as 30 of them

# Rates above these are almost surely percentages typed where fractions belong (12 for 12 %).
_MAX_ANNUAL_RATE = Decimal("1")
_MAX_DAILY_RATE = Decimal("0.01")
_ZERO = Decimal("0.00")

# Results must not depend on whatever decimal context the caller happens to run in, and
# the annuity formula needs more digits than the 28 of the default context to round right.
_CONTEXT = Context(
    prec=40,
    rounding=ROUND_HALF_EVEN,
    Emin=-999999,
    Emax=999999,
    traps=[InvalidOperation, DivisionByZero, Overflow],
)


def _exact[**P, R](func: Callable[P, R]) -> Callable[P, R]:
    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with localcontext(_CONTEXT):
            return func(*args, **kwargs)

    return wrapper


def _decimal(value: Decimal | int | str, name: str) -> Decimal:
    # bool is an int, and a float has already lost the fen it was meant to carry.
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise TypeError(f"{name} must be a Decimal, int or str, not {type(value).__name__}")
    try:
        result = Decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation:
        raise ValueError(f"{name} is not a number: {value!r}") from None
    if not result.is_finite():
        raise ValueError(f"{name} must be finite")
    return result


def _amount(value: Decimal | int | str, name: str) -> Decimal:
    result = to_cents(value)
    if result < 0:
        raise ValueError(f"{name} must not be negative")
    return result


def _rate(value: Decimal | int | str, name: str, maximum: Decimal) -> Decimal:
    result = _decimal(value, name)
    if not 0 <= result <= maximum:
        raise ValueError(f"{name} must be a fraction between 0 and {maximum}")
    return result


def _int(value: int, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    return value


def _months(value: int, low: int, high: int, name: str = "months") -> int:
    if not low <= _int(value, name) <= high:
        raise ValueError(f"{name} must be between {low} and {high}")
    return value


@_exact
def to_cents(value: Decimal | int | str) -> Decimal:
    """Round to the fen, half up; floats are refused with TypeError."""
    result = _decimal(value, "amount")
    try:
        return result.quantize(CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation:
        raise ValueError("amount is too large") from None


@_exact
def overdue_charges(amount: Decimal, daily_rate: Decimal, days: int) -> Decimal:
    """Simple daily interest ``amount * daily_rate * days``, rounded once at the end."""
    amount = _decimal(amount, "amount")
    if amount < 0:
        raise ValueError("amount must not be negative")
    daily_rate = _rate(daily_rate, "daily rate", _MAX_DAILY_RATE)
    if _int(days, "days") < 0:
        raise ValueError("days must not be negative")
    return to_cents(amount * daily_rate * days)


def days_overdue(overdue_since: date, today: date) -> int:
    """Days from the first overdue day to today: 0 on that day itself and before it."""
    return max(0, (today - overdue_since).days)


def credit_report_status(days: int) -> int:
    """The credit report's overdue code: 0 when current, 1 for 1-30 days ... 7 beyond 180 days."""
    days = _int(days, "days")
    if days <= 0:
        return 0
    return min(7, (days - 1) // 30 + 1)


def add_months(first_due: date, k: int) -> date:
    """The date k months after first_due, on its day of month clamped to the month's end.

    Always counted from first_due, so 31 Jan, 28/29 Feb, 31 Mar rather than drifting to the 28th.
    """
    month_index = first_due.month - 1 + _int(k, "k")
    year, month = first_due.year + month_index // 12, month_index % 12 + 1
    if not 1 <= year <= 9999:
        raise ValueError("due date out of range")
    return date(year, month, min(first_due.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class ScheduleRow:
    number: int
    due_date: date
    payment: Decimal
    principal: Decimal
    interest: Decimal
    balance: Decimal


def _monthly_interest(balance: Decimal, annual_rate: Decimal) -> Decimal:
    # Multiplying before dividing keeps the only inexact step last, so exact half-fen
    # interest (e.g. 0.005) is seen as such and rounded up.
    return to_cents(balance * annual_rate / 12)


def _regular_payment(principal: Decimal, annual_rate: Decimal, months: int) -> Decimal:
    if annual_rate == 0:
        return to_cents(principal / months)
    monthly = annual_rate / 12
    growth = (1 + monthly) ** months
    return to_cents(principal * monthly * growth / (growth - 1))


def _rows(principal: Decimal, annual_rate: Decimal, months: int) -> list[tuple[Decimal, Decimal, Decimal, Decimal]]:
    """(payment, principal part, interest, balance) for each month."""
    regular = _regular_payment(principal, annual_rate, months)
    balance = principal
    rows = []
    for number in range(1, months + 1):
        interest = _monthly_interest(balance, annual_rate)
        # The last row takes whatever is left. Before it, the rounded payment never falls
        # below the rounded interest while the balance does not grow, so the part is never
        # negative; the cap matters only for tiny sums, where fen rounded up month after
        # month would overshoot the balance.
        part = balance if number == months else min(regular - interest, balance)
        balance -= part
        rows.append((part + interest, part, interest, balance))
    return rows


@_exact
def amortize(principal: Decimal, annual_rate: Decimal, months: int, first_due: date) -> list[ScheduleRow]:
    """Equal installments (等额本息) at annual_rate / 12 a month, due monthly from first_due.

    Each month's interest is charged on the remaining balance and rounded; the last row
    takes whatever is left, so the principal parts add up to the principal to the fen and
    the last balance is 0.00. The principal is rounded to the fen first. For a sum of a few
    fen spread thin, rows after it is paid off are 0.00 rather than a negative balance.
    """
    return _schedule(
        _positive(principal, "principal"),
        _rate(annual_rate, "annual rate", _MAX_ANNUAL_RATE),
        _months(months, 1, MAX_MONTHS),
        first_due,
    )


def _positive(value: Decimal, name: str) -> Decimal:
    result = to_cents(value)
    if result <= 0:
        raise ValueError(f"{name} must be positive")
    return result


def _schedule(
    principal: Decimal, annual_rate: Decimal, months: int, first_due: date, offset: int = 0
) -> list[ScheduleRow]:
    return [
        ScheduleRow(number, add_months(first_due, offset + number - 1), *row)
        for number, row in enumerate(_rows(principal, annual_rate, months), start=1)
    ]


@_exact
def monthly_budget(income: Decimal, expenses: Decimal, other_fixed_payments: Decimal) -> Decimal:
    """What is left each month for the plan; negative when the household already runs short."""
    return (
        _amount(income, "income")
        - _amount(expenses, "expenses")
        - _amount(other_fixed_payments, "other fixed payments")
    )


def _fewest_fitting(total: Decimal, budget: Decimal, annual_rate: Decimal, low: int, high: int) -> int | None:
    if budget <= 0:
        return None
    # Row 1 always pays exactly the regular payment, which never rises with the term:
    # every term whose regular payment is over budget fails and a binary search skips them.
    if _regular_payment(total, annual_rate, high) > budget:
        return None
    first, last = low, high
    while first < last:
        middle = (first + last) // 2
        if _regular_payment(total, annual_rate, middle) <= budget:
            last = middle
        else:
            first = middle + 1
    # The last row may still exceed the budget by the fen it absorbs, hence the real schedules.
    for months in range(first, high + 1):
        if max(row[0] for row in _rows(total, annual_rate, months)) <= budget:
            return months
    return None


@_exact
def affordable_months(total: Decimal, monthly_budget: Decimal, annual_rate: Decimal = Decimal("0")) -> int | None:
    """The fewest months (1-60) whose largest payment fits the budget; None if none does.

    A total of 0 or less needs no plan: 0 months.
    """
    total = to_cents(total)
    budget = to_cents(monthly_budget)
    annual_rate = _rate(annual_rate, "annual rate", _MAX_ANNUAL_RATE)
    if total <= 0:
        return 0
    return _fewest_fitting(total, budget, annual_rate, 1, MAX_MONTHS)


class ScenarioKind(StrEnum):
    PRINCIPAL_ONLY = "principal_only"  # 只还本金
    INTEREST_FROZEN = "interest_frozen"  # 停息挂账
    INSTALLMENTS = "installments"  # 协商分期
    DEFERRAL = "deferral"  # 延期


@dataclass(frozen=True)
class DebtFigures:
    """One debt's current balance as the lender bills it, and the daily rate still accruing."""

    principal: Decimal
    interest: Decimal
    penalty: Decimal
    fees: Decimal
    daily_rate: Decimal = HUABEI_DAILY_RATE

    @_exact
    def __post_init__(self) -> None:
        # Frozen, so normalising to the fen must go through object.__setattr__.
        for name in ("principal", "interest", "penalty", "fees"):
            object.__setattr__(self, name, _amount(getattr(self, name), name))
        object.__setattr__(self, "daily_rate", _rate(self.daily_rate, "daily rate", _MAX_DAILY_RATE))

    @property
    @_exact
    def balance(self) -> Decimal:
        return self.principal + self.interest + self.penalty + self.fees


@dataclass(frozen=True)
class Scenario:
    kind: ScenarioKind
    months: int  # the whole term, a deferral's grace months included
    down_payment: Decimal
    monthly_payment: Decimal  # the first scheduled payment (after the grace months)
    total_paid: Decimal  # down payment + every scheduled payment
    as_billed: Decimal
    saved: Decimal  # as_billed - total_paid, shown as is even if negative
    waived: Decimal  # the part of today's balance the lender gives up
    fits_budget: bool  # the largest scheduled payment fits; the down payment is apart
    grace_months: int
    annual_rate: Decimal
    schedule: tuple[ScheduleRow, ...]
    feasible: bool  # some term in this scenario's range fits the budget

    @property
    def largest_payment(self) -> Decimal:
        return max(row.payment for row in self.schedule)


@dataclass(frozen=True)
class Comparison:
    scenarios: tuple[Scenario, ...]
    recommended: ScenarioKind | None
    total_balance: Decimal
    budget: Decimal


def _debts(debts: Sequence[DebtFigures]) -> Sequence[DebtFigures]:
    if not debts:
        raise ValueError("at least one debt is needed")
    for debt in debts:
        if not isinstance(debt, DebtFigures):
            raise TypeError("debts must be DebtFigures")
    return debts


@_exact
def as_billed(debts: Sequence[DebtFigures], months: int) -> Decimal:
    """What paying as billed would cost if nothing were agreed for the plan's term.

    Today's balance of every debt (principal, interest, penalty, fees) plus the overdue
    charges its principal keeps accruing at the debt's own daily rate for months * 30 days.
    """
    days = _months(months, 1, MAX_MONTHS) * DAYS_PER_MONTH
    return sum(
        (debt.balance + overdue_charges(debt.principal, debt.daily_rate, days) for debt in _debts(debts)),
        _ZERO,
    )


def _scenario(
    kind: ScenarioKind,
    debts: Sequence[DebtFigures],
    budget: Decimal,
    *,
    spread: Decimal,
    waived: Decimal,
    first_due: date,
    months: int | None,
    down_payment: Decimal,
    min_months: int,
    annual_rate: Decimal = _ZERO,
    grace_months: int = 0,
) -> Scenario:
    budget = to_cents(budget)
    down_payment = _amount(down_payment, "down payment")
    if spread <= 0:
        raise ValueError("nothing to repay in this scenario")
    if down_payment >= spread:
        raise ValueError("down payment must be less than the amount to repay")
    financed = spread - down_payment
    # The schedule covers only the paying months; the grace months come before it.
    low, high = min_months - grace_months, MAX_MONTHS - grace_months
    fewest = _fewest_fitting(financed, budget, annual_rate, low, high)
    if months is None:
        paying = high if fewest is None else fewest
    else:
        paying = _months(months, min_months, MAX_MONTHS) - grace_months
    schedule = tuple(_schedule(financed, annual_rate, paying, first_due, grace_months))
    total_paid = down_payment + sum((row.payment for row in schedule), _ZERO)
    billed = as_billed(debts, paying + grace_months)
    return Scenario(
        kind=kind,
        months=paying + grace_months,
        down_payment=down_payment,
        monthly_payment=schedule[0].payment,
        total_paid=total_paid,
        as_billed=billed,
        saved=billed - total_paid,
        waived=waived,
        fits_budget=max(row.payment for row in schedule) <= budget,
        grace_months=grace_months,
        annual_rate=annual_rate,
        schedule=schedule,
        feasible=fewest is not None,
    )


def _total(debts: Sequence[DebtFigures], *parts: str) -> Decimal:
    return sum((getattr(debt, part) for debt in _debts(debts) for part in parts), _ZERO)


def largest_down_payment(debts: Sequence[DebtFigures]) -> Decimal:
    """A down payment must stay below this: the least any scenario spreads over months, the principal that
    只还本金 repays alone."""
    return _total(debts, "principal")


@_exact
def principal_only(
    debts: Sequence[DebtFigures],
    budget: Decimal,
    *,
    first_due: date,
    months: int | None = None,
    down_payment: Decimal = _ZERO,
) -> Scenario:
    """只还本金: interest, penalty and fees waived; the principal in equal parts at 0 % over 1-60 months."""
    return _scenario(
        ScenarioKind.PRINCIPAL_ONLY,
        debts,
        budget,
        spread=_total(debts, "principal"),
        waived=_total(debts, "interest", "penalty", "fees"),
        first_due=first_due,
        months=months,
        down_payment=down_payment,
        min_months=1,
    )


@_exact
def interest_frozen(
    debts: Sequence[DebtFigures],
    budget: Decimal,
    *,
    first_due: date,
    months: int | None = None,
    down_payment: Decimal = _ZERO,
) -> Scenario:
    """停息挂账: today's whole balance frozen, nothing waived, in equal parts at 0 % over 12-60 months."""
    return _scenario(
        ScenarioKind.INTEREST_FROZEN,
        debts,
        budget,
        spread=_total(debts, "principal", "interest", "penalty", "fees"),
        waived=_ZERO,
        first_due=first_due,
        months=months,
        down_payment=down_payment,
        min_months=FROZEN_MIN_MONTHS,
    )


@_exact
def installments(
    debts: Sequence[DebtFigures],
    budget: Decimal,
    *,
    first_due: date,
    months: int | None = None,
    down_payment: Decimal = _ZERO,
    annual_rate: Decimal = DEFAULT_INSTALLMENT_RATE,
) -> Scenario:
    """协商分期: penalty and fees waived; principal + interest amortised at a reduced rate over 1-60 months."""
    return _scenario(
        ScenarioKind.INSTALLMENTS,
        debts,
        budget,
        spread=_total(debts, "principal", "interest"),
        waived=_total(debts, "penalty", "fees"),
        first_due=first_due,
        months=months,
        down_payment=down_payment,
        min_months=1,
        annual_rate=_rate(annual_rate, "annual rate", _MAX_ANNUAL_RATE),
    )


@_exact
def deferral(
    debts: Sequence[DebtFigures],
    budget: Decimal,
    *,
    first_due: date,
    months: int | None = None,
    down_payment: Decimal = _ZERO,
    grace_months: int = DEFAULT_GRACE_MONTHS,
) -> Scenario:
    """延期: nothing due for grace_months (1-6), then the balance less the penalty at 0 % in equal parts.

    months counts the grace months too (at most 60 in all); the schedule holds only the
    paying months, the first due add_months(first_due, grace_months).
    """
    grace_months = _months(grace_months, 1, MAX_GRACE_MONTHS, "grace months")
    return _scenario(
        ScenarioKind.DEFERRAL,
        debts,
        budget,
        spread=_total(debts, "principal", "interest", "fees"),
        waived=_total(debts, "penalty"),
        first_due=first_due,
        months=months,
        down_payment=down_payment,
        min_months=grace_months + 1,
        grace_months=grace_months,
    )


# 停息挂账 is what lenders grant most often and 只还本金 is the hardest to obtain.
RECOMMENDATION_ORDER = (
    ScenarioKind.INTEREST_FROZEN,
    ScenarioKind.INSTALLMENTS,
    ScenarioKind.DEFERRAL,
    ScenarioKind.PRINCIPAL_ONLY,
)


def _clamp(months: int | None, low: int) -> int | None:
    return None if months is None else min(max(_int(months, "months"), low), MAX_MONTHS)


@_exact
def compare_scenarios(
    debts: Sequence[DebtFigures],
    budget: Decimal,
    *,
    first_due: date,
    months: int | None = None,
    down_payment: Decimal = _ZERO,
    preferred: ScenarioKind | None = None,
) -> Comparison:
    """The four scenarios side by side, with the one to ask for first.

    A given months is clamped into each scenario's own range. The preferred scenario is
    recommended if it fits the budget; otherwise the first that fits in
    RECOMMENDATION_ORDER (停息挂账, 协商分期, 延期, 只还本金); None when none fits.
    """
    _debts(debts)
    if preferred is not None:
        preferred = ScenarioKind(preferred)
    due, down = first_due, down_payment
    scenarios = (
        principal_only(debts, budget, first_due=due, months=_clamp(months, 1), down_payment=down),
        interest_frozen(debts, budget, first_due=due, months=_clamp(months, FROZEN_MIN_MONTHS), down_payment=down),
        installments(debts, budget, first_due=due, months=_clamp(months, 1), down_payment=down),
        deferral(debts, budget, first_due=due, months=_clamp(months, DEFAULT_GRACE_MONTHS + 1), down_payment=down),
    )
    fitting = {scenario.kind for scenario in scenarios if scenario.fits_budget}
    order = ((preferred,) if preferred is not None else ()) + RECOMMENDATION_ORDER
    return Comparison(
        scenarios=scenarios,
        recommended=next((kind for kind in order if kind in fitting), None),
        total_balance=_total(debts, "principal", "interest", "penalty", "fees"),
        budget=to_cents(budget),
    )


def format_yuan(amount: Decimal | int | str, *, symbol: bool = True) -> str:
    """The one way an amount is shown: "¥12,345.60", a minus sign in front when negative."""
    value = to_cents(amount)
    text = f"{abs(value):,.2f}"
    sign = "-" if value < 0 else ""
    return f"{sign}¥{text}" if symbol else f"{sign}{text}"


def default_first_due(today: date) -> date:
    """A plan's first payment is proposed one month after the day it is worked out."""
    return add_months(today, 1)
