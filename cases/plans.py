"""Pure money and date arithmetic for repayment plans: the budget and its fair share across lenders, overdue
charges, schedules, and the scenarios asked of each lender with exactly what each asks the lender to give up.

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
FROZEN_MIN_MONTHS = 12  # 停息挂账 is granted over 12-60 months in practice
MAX_GRACE_MONTHS = 6  # the longest pause 延期 may ask for
DEFAULT_DEFERRAL_MONTHS = 1  # the articles' 延期 is one month (an illness: one month more and part of the penalty)
DAYS_PER_MONTH = 30  # lenders accrue overdue charges per day; a plan month is counted as 30 of them

# The budget: a margin stays with the debtor for the unexpected, the rest is shared across lenders.
DEFAULT_MARGIN_RATE = Decimal("0.15")
MINIMUM_MARGIN = Decimal("100")
DEFAULT_LENDER_FLOOR = Decimal("50")

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
    payment: Decimal  # principal + interest + fee
    principal: Decimal
    interest: Decimal
    balance: Decimal
    fee: Decimal = _ZERO  # a fee the lender quoted for 协商分期; 0.00 everywhere else


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


@dataclass(frozen=True)
class _Fees:
    """A fee the lender quoted: once (with the first payment) and/or every month."""

    once: Decimal = _ZERO
    monthly: Decimal = _ZERO

    def on(self, number: int) -> Decimal:
        return self.monthly + (self.once if number == 1 else _ZERO)


_NO_FEES = _Fees()


def _rows(
    principal: Decimal, annual_rate: Decimal, months: int, fees: _Fees = _NO_FEES
) -> list[tuple[Decimal, Decimal, Decimal, Decimal, Decimal]]:
    """(payment, principal part, interest, fee, balance) for each month."""
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
        fee = fees.on(number)
        rows.append((part + interest + fee, part, interest, fee, balance))
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
    principal: Decimal,
    annual_rate: Decimal,
    months: int,
    first_due: date,
    offset: int = 0,
    fees: _Fees = _NO_FEES,
) -> list[ScheduleRow]:
    return [
        ScheduleRow(
            number=number,
            due_date=add_months(first_due, offset + number - 1),
            payment=payment,
            principal=part,
            interest=interest,
            balance=balance,
            fee=fee,
        )
        for number, (payment, part, interest, fee, balance) in enumerate(
            _rows(principal, annual_rate, months, fees), start=1
        )
    ]


@_exact
def monthly_budget(income: Decimal, expenses: Decimal, other_fixed_payments: Decimal) -> Decimal:
    """What is left each month for the plan; negative when the household already runs short."""
    return (
        _amount(income, "income")
        - _amount(expenses, "expenses")
        - _amount(other_fixed_payments, "other fixed payments")
    )


# --- the budget shared across lenders ---------------------------------------------------------------------------


@_exact
def safety_margin(
    surplus: Decimal, *, rate: Decimal = DEFAULT_MARGIN_RATE, minimum: Decimal = MINIMUM_MARGIN
) -> Decimal:
    """What stays with the debtor for the unexpected: rate of the surplus and at least minimum, never more than the
    surplus itself (so a surplus under the minimum is kept whole, and a surplus of 0 or less keeps nothing).

    A plan that takes every yuan left over is broken by the first doctor's bill; the user may set another margin
    (any amount from 0 to the surplus), this is the default.
    """
    surplus = to_cents(surplus)
    rate = _rate(rate, "margin rate", Decimal("1"))
    minimum = _amount(minimum, "minimum margin")
    if surplus <= 0:
        return _ZERO
    return min(surplus, max(to_cents(surplus * rate), minimum))


@_exact
def available_for_lenders(surplus: Decimal, margin: Decimal) -> Decimal:
    """What all lenders together can be offered each month: the surplus less the margin, never negative."""
    return max(_ZERO, to_cents(surplus) - _amount(margin, "margin"))


def _fen(amount: Decimal) -> int:
    return int(amount.scaleb(2))


def _yuan(fen: int) -> Decimal:
    return Decimal(fen).scaleb(-2).quantize(CENT)


def _proportional(pool: Decimal, owed: Sequence[Decimal], floor: Decimal) -> list[Decimal]:
    """The pool shared in proportion to what each (positive) amount owed is, with a floor each, to the fen."""
    if not owed:
        return []
    if pool >= sum(owed):
        # Enough to clear everything in a month: no lender is offered more than it is owed, the rest stays home.
        return list(owed)
    # A lender owed less than the floor is offered what it is owed; without room for every floor, no floor at all.
    lows = [min(floor, amount) for amount in owed]
    if pool < sum(lows):
        lows = [_ZERO] * len(owed)
    # In whole fen, so that the largest remainder is exact: P * owed_i / O for each, floored, then the fen left over
    # go one each to the largest remainders. A lender whose proportional part would fall below its floor gets the
    # floor and leaves the others a smaller pool; the lenders owed least reach their floor first, so they are taken in
    # that order until the next one's part stays above its floor (the part of every later one does too).
    rest, weights, floors = _fen(pool), [_fen(amount) for amount in owed], [_fen(low) for low in lows]
    weight = sum(weights)
    order = sorted(range(len(owed)), key=lambda i: weights[i])
    floored = 0
    while floored < len(order) - 1 and rest * weights[order[floored]] < floors[order[floored]] * weight:
        rest -= floors[order[floored]]
        weight -= weights[order[floored]]
        floored += 1
    shares = [0] * len(owed)
    for i in order[:floored]:
        shares[i] = floors[i]
    remainders = []
    for i in order[floored:]:
        shares[i], remainder = divmod(rest * weights[i], weight)
        remainders.append((remainder, weights[i], i))
    left_over = rest - sum(shares[i] for i in order[floored:])
    # Ties go to the lender owed more, so that a larger debt never gets a fen less than a smaller one.
    for _remainder, _weight, i in sorted(remainders, reverse=True)[:left_over]:
        shares[i] += 1
    return [_yuan(share) for share in shares]


@_exact
def fair_shares(
    available: Decimal,
    owed: Sequence[Decimal],
    *,
    floor: Decimal = DEFAULT_LENDER_FLOOR,
    fixed: Sequence[Decimal | None] | None = None,
) -> tuple[Decimal, ...]:
    """What each lender is offered each month out of what is available: in proportion to what each is owed.

    Debt charities abroad share a surplus this way, so that no lender is favoured and each can see why its share
    is what it is. Rules, in order:
    - `fixed` holds the amounts the user set by hand (None: shared automatically); they are kept as they are, and
      what is left is shared among the others. Fixed amounts above what is available, or above what that lender
      is owed, raise ValueError.
    - A lender owed 0 gets 0; no lender is offered more than it is owed (the surplus then stays with the debtor).
    - Each lender gets at least the floor (or what it is owed, if less) when what is left allows a floor for every
      one of them; otherwise the floor is dropped and the sharing is purely proportional.
    - Rounded to the fen by the largest remainder, so that nothing is lost or invented: the shares add up to
      exactly what is left to share, or to everything owed when that is less. A lender owed more never gets less
      than one owed less.
    """
    available = _amount(available, "available")
    owed = [_amount(amount, "amount owed") for amount in owed]
    if not owed:
        raise ValueError("at least one lender is needed")
    floor = _amount(floor, "floor")
    if fixed is not None and len(fixed) != len(owed):
        raise ValueError("fixed must give one amount or None per lender")
    by_hand = [None if amount is None else _amount(amount, "fixed share") for amount in fixed or [None] * len(owed)]
    if any(amount is not None and amount > debt for amount, debt in zip(by_hand, owed, strict=True)):
        raise ValueError("a fixed share is more than that lender is owed")
    rest = available - sum((amount for amount in by_hand if amount is not None), _ZERO)
    if rest < 0:
        raise ValueError("the fixed shares add up to more than is available")
    shares = [_ZERO if amount is None else amount for amount in by_hand]
    automatic = [i for i, amount in enumerate(by_hand) if amount is None and owed[i] > 0]
    for i, share in zip(automatic, _proportional(rest, [owed[i] for i in automatic], floor), strict=True):
        shares[i] = share
    return tuple(shares)


def _fewest_fitting(
    total: Decimal, budget: Decimal, annual_rate: Decimal, low: int, high: int, fees: _Fees = _NO_FEES
) -> int | None:
    if budget <= 0:
        return None
    # Row 1 always pays exactly the regular payment plus the fees due with it, and the regular payment never rises
    # with the term: every term whose first row is over budget fails and a binary search skips them.
    first_fees = fees.on(1)
    if _regular_payment(total, annual_rate, high) + first_fees > budget:
        return None
    first, last = low, high
    while first < last:
        middle = (first + last) // 2
        if _regular_payment(total, annual_rate, middle) + first_fees <= budget:
            last = middle
        else:
            first = middle + 1
    # The last row may still exceed the budget by the fen it absorbs, hence the real schedules.
    for months in range(first, high + 1):
        if max(row[0] for row in _rows(total, annual_rate, months, fees)) <= budget:
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


# --- the scenarios ----------------------------------------------------------------------------------------------


class ScenarioKind(StrEnum):
    PRINCIPAL_ONLY = "principal_only"  # 只还本金
    INTEREST_FROZEN = "interest_frozen"  # 停息挂账
    INSTALLMENTS = "installments"  # 协商分期
    DEFERRAL = "deferral"  # 延期


class WaivedPart(StrEnum):
    """What a plan asks the lender to give up, so that every screen and document names exactly that."""

    INTEREST = "interest"  # today's interest (利息)
    PENALTY = "penalty"  # today's penalty interest (罚息)
    FEES = "fees"  # today's fees (费用)
    FUTURE_INTEREST_AND_PENALTY = "future_interest_and_penalty"  # 停息挂账: interest and penalties from now on
    PAUSE_INTEREST = "pause_interest"  # 延期: the interest of the pause, when the lender agrees to waive it

    @property
    def of_balance_today(self) -> bool:
        """Whether the part is in today's balance (its amount is known) rather than what would accrue later."""
        return self in (WaivedPart.INTEREST, WaivedPart.PENALTY, WaivedPart.FEES)


type WaivedParts = tuple[tuple[WaivedPart, Decimal | None], ...]


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
    """One plan for one lender's debts. Honest figures, all against today's balance (a fixed baseline):

    total_paid = balance - waived + interest_added + fees_added, and relief - extra_cost = balance - total_paid,
    one of the two always 0.
    """

    kind: ScenarioKind
    months: int  # the whole term, a deferral's grace months included
    down_payment: Decimal
    monthly_payment: Decimal  # the first scheduled payment (after the grace months)
    total_paid: Decimal  # down payment + every scheduled payment
    balance: Decimal  # today's balance of these debts: principal, interest, penalty and fees as billed
    # Each part the lender is asked to give up, with its amount; None where it cannot be known today (停息挂账's
    # future interest and penalties: they depend on how long the lender would otherwise have charged them). Parts
    # whose amount is 0.00 are left out, so that a label never names what is not there.
    waived_parts: WaivedParts
    waived: Decimal  # the parts of today's balance given up: the sum of those amounts
    interest_added: Decimal  # interest the plan itself charges: at a quoted rate, or during a 延期 pause
    fees_added: Decimal  # fees the lender quoted for 协商分期
    relief: Decimal  # balance - total_paid when the plan costs less than today's balance, else 0.00
    extra_cost: Decimal  # total_paid - balance when the plan costs more (延期 with interest, a quoted rate), else 0.00
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


def _scenario(
    kind: ScenarioKind,
    debts: Sequence[DebtFigures],
    budget: Decimal,
    *,
    spread: Decimal,
    waived_parts: WaivedParts,
    first_due: date,
    months: int | None,
    down_payment: Decimal,
    min_months: int,
    annual_rate: Decimal = _ZERO,
    grace_months: int = 0,
    accrued: Decimal = _ZERO,
    fees: _Fees = _NO_FEES,
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
    fewest = _fewest_fitting(financed, budget, annual_rate, low, high, fees)
    if months is None:
        paying = high if fewest is None else fewest
    else:
        paying = _months(months, min_months, MAX_MONTHS) - grace_months
    schedule = tuple(_schedule(financed, annual_rate, paying, first_due, grace_months, fees))
    total_paid = down_payment + sum((row.payment for row in schedule), _ZERO)
    balance = _total(debts, "principal", "interest", "penalty", "fees")
    parts = tuple((part, amount) for part, amount in waived_parts if amount is None or amount > 0)
    return Scenario(
        kind=kind,
        months=paying + grace_months,
        down_payment=down_payment,
        monthly_payment=schedule[0].payment,
        total_paid=total_paid,
        balance=balance,
        waived_parts=parts,
        waived=sum((amount for part, amount in parts if part.of_balance_today and amount is not None), _ZERO),
        interest_added=accrued + sum((row.interest for row in schedule), _ZERO),
        fees_added=sum((row.fee for row in schedule), _ZERO),
        relief=max(_ZERO, balance - total_paid),
        extra_cost=max(_ZERO, total_paid - balance),
        fits_budget=max(row.payment for row in schedule) <= budget,
        grace_months=grace_months,
        annual_rate=annual_rate,
        schedule=schedule,
        feasible=fewest is not None,
    )


def _total(debts: Sequence[DebtFigures], *parts: str) -> Decimal:
    return sum((getattr(debt, part) for debt in _debts(debts) for part in parts), _ZERO)


def _parts(debts: Sequence[DebtFigures], *parts: WaivedPart) -> WaivedParts:
    return tuple((part, _total(debts, str(part))) for part in parts)


def largest_down_payment(debts: Sequence[DebtFigures]) -> Decimal:
    """A down payment must stay below this: the least any scenario spreads over months, the principal that
    只还本金 repays alone (the others add interest, penalties, fees or the interest of a pause to it)."""
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
        waived_parts=_parts(debts, WaivedPart.INTEREST, WaivedPart.PENALTY, WaivedPart.FEES),
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
    """停息挂账: today's whole balance in equal parts at 0 % over 12-60 months, interest and penalties stopped.

    Nothing of today's balance is waived: what is asked is that the future interest and penalties stop, an amount
    no one can know today (it depends on how long the lender would otherwise have charged them), hence None rather
    than a figure that grows with whatever term it is compared over.
    """
    return _scenario(
        ScenarioKind.INTEREST_FROZEN,
        debts,
        budget,
        spread=_total(debts, "principal", "interest", "penalty", "fees"),
        waived_parts=((WaivedPart.FUTURE_INTEREST_AND_PENALTY, None),),
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
    annual_rate: Decimal = _ZERO,
    fee: Decimal = _ZERO,
    fee_monthly: bool = False,
) -> Scenario:
    """协商分期: penalty and fees waived; principal + interest in equal parts over 1-60 months.

    0 % during the plan unless the lender quoted a rate (annual_rate); a fee the lender quoted is added to what is
    repaid: once with the first payment, or with every payment when fee_monthly.
    """
    fee = _amount(fee, "fee")
    return _scenario(
        ScenarioKind.INSTALLMENTS,
        debts,
        budget,
        spread=_total(debts, "principal", "interest"),
        waived_parts=_parts(debts, WaivedPart.PENALTY, WaivedPart.FEES),
        first_due=first_due,
        months=months,
        down_payment=down_payment,
        min_months=1,
        annual_rate=_rate(annual_rate, "annual rate", _MAX_ANNUAL_RATE),
        fees=_Fees(monthly=fee) if _bool(fee_monthly, "fee_monthly") else _Fees(once=fee),
    )


def _bool(value: bool, name: str) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be a bool, not {type(value).__name__}")
    return value


@_exact
def pause_interest(debts: Sequence[DebtFigures], months: int) -> Decimal:
    """The interest a pause of `months` adds: each debt's principal at its own daily rate, 30 days a month."""
    days = _months(months, 1, MAX_GRACE_MONTHS) * DAYS_PER_MONTH
    return sum((overdue_charges(debt.principal, debt.daily_rate, days) for debt in _debts(debts)), _ZERO)


@_exact
def deferral(
    debts: Sequence[DebtFigures],
    budget: Decimal,
    *,
    first_due: date,
    months: int | None = None,
    down_payment: Decimal = _ZERO,
    deferral_months: int = DEFAULT_DEFERRAL_MONTHS,
    waives_interest: bool = False,
) -> Scenario:
    """延期: nothing due for deferral_months (1-6, one by default), then the rest in equal parts at 0 %.

    Interest keeps accruing during the pause (pause_interest) and is added to what is repaid after it, unless the
    lender agreed to waive it (waives_interest: what the user records the lender said). Nothing of today's balance
    is waived. months counts the pause too (at most 60 in all); the schedule holds only the paying months, the first
    due add_months(first_due, deferral_months).
    """
    deferral_months = _months(deferral_months, 1, MAX_GRACE_MONTHS, "deferral months")
    accrued = pause_interest(debts, deferral_months)
    balance = _total(debts, "principal", "interest", "penalty", "fees")
    waived = _bool(waives_interest, "waives_interest")
    return _scenario(
        ScenarioKind.DEFERRAL,
        debts,
        budget,
        spread=balance if waived else balance + accrued,
        waived_parts=((WaivedPart.PAUSE_INTEREST, accrued),) if waived else (),
        first_due=first_due,
        months=months,
        down_payment=down_payment,
        min_months=deferral_months + 1,
        grace_months=deferral_months,
        accrued=_ZERO if waived else accrued,
    )


# The scenario to ask for first, among those whose payments fit the lender's share: the one lenders grant as a
# matter of course and that asks the least of them, down to the one hardest to obtain.
# - 协商分期 (0 %, penalty and fees waived): what lenders themselves propose when a debtor explains (a longer term,
#   a lower payment; an unemployed debtor was given an installment plan), and it leaves principal and interest whole.
# - 延期: asks for time alone (the interest of the pause is still paid), but only suits a short drop in income
#   (the articles' example: one month more after an illness).
# - 停息挂账: the colloquial name of a negotiated plan, not a right; for 花呗/借呗 not easy to get.
# - 只还本金: asks the lender to give up all interest, penalties and fees; the hardest, needing the strongest proof.
RECOMMENDATION_ORDER = (
    ScenarioKind.INSTALLMENTS,
    ScenarioKind.DEFERRAL,
    ScenarioKind.INTEREST_FROZEN,
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
    installment_annual_rate: Decimal = _ZERO,
    installment_fee: Decimal = _ZERO,
    installment_fee_monthly: bool = False,
    deferral_months: int = DEFAULT_DEFERRAL_MONTHS,
    deferral_waives_interest: bool = False,
) -> Comparison:
    """The four scenarios for one lender's debts and its share of the budget, with the one to ask for first.

    A given months is clamped into each scenario's own range. The preferred scenario is recommended if it fits the
    budget; otherwise the first that fits in RECOMMENDATION_ORDER (协商分期, 延期, 停息挂账, 只还本金); None when
    none fits. The installment_* arguments are what the lender quoted for 协商分期, the deferral_* ones the pause
    asked for and whether the lender waives its interest.
    """
    _debts(debts)
    if preferred is not None:
        preferred = ScenarioKind(preferred)
    deferral_months = _months(deferral_months, 1, MAX_GRACE_MONTHS, "deferral months")
    due, down = first_due, down_payment
    scenarios = (
        principal_only(debts, budget, first_due=due, months=_clamp(months, 1), down_payment=down),
        interest_frozen(debts, budget, first_due=due, months=_clamp(months, FROZEN_MIN_MONTHS), down_payment=down),
        installments(
            debts,
            budget,
            first_due=due,
            months=_clamp(months, 1),
            down_payment=down,
            annual_rate=installment_annual_rate,
            fee=installment_fee,
            fee_monthly=installment_fee_monthly,
        ),
        deferral(
            debts,
            budget,
            first_due=due,
            months=_clamp(months, deferral_months + 1),
            down_payment=down,
            deferral_months=deferral_months,
            waives_interest=deferral_waives_interest,
        ),
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


# --- an agreement's installments against what was paid ----------------------------------------------------------

DUE_SOON_DAYS = 3  # the first reminder goes out this many days before a due date


class DueState(StrEnum):
    PAID = "paid"  # 已还清
    PARTIAL = "partial"  # 部分已还, its date still to come
    DUE_SOON = "due_soon"  # due within DUE_SOON_DAYS
    DUE_TODAY = "due_today"
    OVERDUE = "overdue"  # its date has passed with something still owed: a missed installment
    UPCOMING = "upcoming"


@dataclass(frozen=True)
class Due:
    """One installment as the agreement's schedule has it."""

    number: int
    due_date: date
    amount: Decimal


@dataclass(frozen=True)
class TrackedInstallment:
    """An installment on a given day: what was paid towards it, its state, and on the next one to pay, what earlier
    missed installments still owe (carried onto it)."""

    number: int
    due_date: date
    amount_due: Decimal
    paid: Decimal
    state: DueState
    arrears: Decimal = _ZERO

    @property
    def left(self) -> Decimal:
        return self.amount_due - self.paid

    @property
    def to_pay(self) -> Decimal:
        return self.left + self.arrears


@_exact
def allocate(amounts_due: Sequence[Decimal], paid: Decimal) -> list[Decimal]:
    """Everything paid, poured into the installments in order, each filled before the next gets anything: an
    overpayment is carried to the next installment, an underpayment leaves one partly paid. Recomputed from the total
    rather than payment by payment, so that a payment corrected or removed leaves the right figures."""
    left = _amount(paid, "paid")
    parts = []
    for amount in amounts_due:
        part = min(left, _amount(amount, "amount due"))
        parts.append(part)
        left -= part
    return parts


def due_state(due_date: date, amount_due: Decimal, paid: Decimal, today: date) -> DueState:
    if paid >= amount_due:
        return DueState.PAID
    if due_date < today:
        return DueState.OVERDUE
    if due_date == today:
        return DueState.DUE_TODAY
    if paid > 0:
        return DueState.PARTIAL
    if (due_date - today).days <= DUE_SOON_DAYS:
        return DueState.DUE_SOON
    return DueState.UPCOMING


@_exact
def track(schedule: Sequence[Due], paid: Decimal, today: date) -> list[TrackedInstallment]:
    """Each installment on `today`, given everything paid so far; what missed installments still owe is carried onto
    the next one still to pay, so that its figure is what the lender will expect."""
    parts = allocate([row.amount for row in schedule], paid)
    rows, arrears, carried = [], _ZERO, False
    for row, part in zip(schedule, parts, strict=True):
        state = due_state(row.due_date, row.amount, part, today)
        carry = _ZERO
        if state not in (DueState.PAID, DueState.OVERDUE) and not carried:
            carry, carried = arrears, True
        if state == DueState.OVERDUE:
            arrears += row.amount - part
        rows.append(TrackedInstallment(row.number, row.due_date, row.amount, part, state, carry))
    return rows


@dataclass(frozen=True)
class Carry:
    """Where one payment went: the installments it paid off, and the one it ended on, left partly paid (None when it
    ended exactly on an installment's last fen)."""

    paid_off: tuple[int, ...]
    ended_on: int | None
    ended_paid: Decimal
    ended_left: Decimal

    @property
    def overpaid(self) -> bool:
        """More than the installment needed: the rest went to the next one."""
        return bool(self.paid_off) and self.ended_on is not None

    @property
    def underpaid(self) -> bool:
        """Less than the installment needed."""
        return not self.paid_off and self.ended_on is not None


@_exact
def carry(schedule: Sequence[Due], paid_before: Decimal, amount: Decimal) -> Carry:
    """What a payment of `amount` did, after `paid_before` in all."""
    dues = [row.amount for row in schedule]
    before = allocate(dues, paid_before)
    after = allocate(dues, _amount(paid_before, "paid") + _amount(amount, "amount"))
    touched = [i for i, (old, new) in enumerate(zip(before, after, strict=True)) if new != old]
    paid_off = tuple(schedule[i].number for i in touched if after[i] == dues[i])
    if not touched or after[touched[-1]] == dues[touched[-1]]:
        return Carry(paid_off, None, _ZERO, _ZERO)
    last = touched[-1]
    return Carry(paid_off, schedule[last].number, after[last], dues[last] - after[last])


@dataclass(frozen=True)
class Fit:
    """A plan's monthly payment against the lender's share of the budget."""

    payment: Decimal
    share: Decimal

    @property
    def fits(self) -> bool:
        return self.payment <= self.share

    @property
    def difference(self) -> Decimal:
        """The room left each month when it fits, what it asks beyond the share when it does not."""
        return abs(self.share - self.payment)


@_exact
def fit_to_share(schedule: Sequence[ScheduleRow], share: Decimal) -> Fit:
    """The largest payment of a schedule (what has to be found in the hardest month) against the share."""
    return Fit(max(row.payment for row in schedule), to_cents(share))


@_exact
def remaining_over_time(
    start: date, total: Decimal, decrements: Sequence[tuple[date, Decimal]]
) -> list[tuple[date, Decimal]]:
    """What is left of `total` after each date that lowers it (installments due, payments made), from `start`:
    one point a date, several amounts on one date taken together."""
    points = [(start, to_cents(total))]
    left = to_cents(total)
    for day, amount in sorted(decrements, key=lambda item: item[0]):
        left -= _amount(amount, "amount")
        if points[-1][0] == day:
            points[-1] = (day, left)
        else:
            points.append((day, left))
    return points


def agreed_schedule(
    total: Decimal, down_payment: Decimal, fee: Decimal, annual_rate: Decimal, months: int, first_due: date
) -> list[ScheduleRow]:
    """An offer's or an agreement's installments: the total less the down payment, plus the fee the lender charges
    for the plan (repaid with the installments), in equal payments at the agreed rate."""
    return amortize(to_cents(total) - to_cents(down_payment) + to_cents(fee), annual_rate, months, first_due)
