"""What a value may be (an amount, a number of months, a rate, a date, an ID number...), for forms and services alike.

Each `clean_*` returns the value made clean or raises a ValidationError with the one message for that rule: keyed by
`field` when given (a service names the field it refuses), plain when not (a form field shows it beside itself).
Pure: no ORM, so the same rule runs before anything is read or written.
"""

import re
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Literal, overload

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from . import plans

if TYPE_CHECKING:
    from typing_extensions import TypeIs  # typing.TypeIs from Python 3.13

type Amount = Decimal | int | str
type Months = int | str
type Rate = Decimal | int | str

MAX_AMOUNT = Decimal("10000000.00")
MAX_DAILY_RATE = Decimal("0.01")
MAX_ANNUAL_RATE = Decimal("0.36")
MAX_DEPENDENTS = 20
EARLIEST_YEAR = 2000
# A phone's clock a little ahead of the server's must not make a call just logged "in the future".
CLOCK_SKEW = timedelta(minutes=5)


def _refusal(message: str, code: str, field: str | None) -> ValidationError:
    error = ValidationError(message, code=code)
    return ValidationError({field: error}) if field else error


def _blank(value: Any) -> "TypeIs[None | Literal['']]":
    return value is None or value == ""


# --- money ----------------------------------------------------------------------------------------------------


@overload
def clean_amount(value: Amount | None, *, field: str | None = None, required: Literal[True] = True) -> Decimal: ...
@overload
def clean_amount(value: Amount | None, *, field: str | None = None, required: bool) -> Decimal | None: ...
def clean_amount(value: Amount | None, *, field: str | None = None, required: bool = True) -> Decimal | None:
    """A yuan amount ("12,000.50" is fine): a number, at least 0, at most ten million, at most two decimals.

    Blank is refused, or None when not `required`.
    """
    if _blank(value):
        if not required:
            return None
        raise _refusal(_("请填写金额。"), "required", field)
    if isinstance(value, float):  # not a type money takes, but its text is what the user meant
        value = str(value)
    try:
        amount = Decimal(str(value).strip().replace(",", "").replace("，", ""))
    except InvalidOperation:
        raise _refusal(_("请输入数字金额，例如 1234.56。"), "invalid", field) from None
    if not amount.is_finite():
        raise _refusal(_("请输入数字金额，例如 1234.56。"), "invalid", field)
    if amount < 0:
        raise _refusal(_("金额不能是负数。"), "negative", field)
    if amount > MAX_AMOUNT:
        raise _refusal(_("金额不能超过 1000 万元，请检查是否多输了位数。"), "too_large", field)
    if amount != amount.quantize(plans.CENT):
        raise _refusal(_("金额最多保留两位小数（精确到分）。"), "too_precise", field)
    return amount.quantize(plans.CENT)


def clean_daily_rate(value: Rate, *, field: str | None = None) -> Decimal:
    """A daily rate as a fraction (0.0005 is 0.05 % a day), from 0 to 1 % a day."""
    try:
        rate = Decimal(str(value))
    except InvalidOperation:
        raise _refusal(_("请输入日利率，例如 0.0005（即 0.05%）。"), "invalid", field) from None
    if not rate.is_finite() or rate < 0 or rate > MAX_DAILY_RATE:
        raise _refusal(_("日利率应在 0 到 1%/天之间。"), "out_of_range", field)
    return rate


def clean_annual_rate(value: Rate, *, field: str | None = None) -> Decimal:
    """An annual rate as a fraction (0.06 is 6 % a year), from 0 to 36 %."""
    try:
        rate = Decimal(str(value))
    except InvalidOperation:
        raise _refusal(_("请输入年利率，例如 0.06（即 6%）。"), "invalid", field) from None
    if not rate.is_finite() or rate < 0 or rate > MAX_ANNUAL_RATE:
        raise _refusal(_("年利率应在 0 到 36% 之间。"), "out_of_range", field)
    return rate


# --- counts ---------------------------------------------------------------------------------------------------


@overload
def clean_months(value: Months | None, *, field: str | None = None, required: Literal[True] = True) -> int: ...
@overload
def clean_months(value: Months | None, *, field: str | None = None, required: bool) -> int | None: ...
def clean_months(value: Months | None, *, field: str | None = None, required: bool = True) -> int | None:
    """A number of monthly installments: a whole number from 1 to plans.MAX_MONTHS. Blank is None if not `required`."""
    if _blank(value):
        if not required:
            return None
        raise _refusal(_("请填写期数。"), "required", field)
    try:
        months = int(value)
    except (TypeError, ValueError):
        raise _refusal(_("期数应是整数。"), "invalid", field) from None
    if not 1 <= months <= plans.MAX_MONTHS:
        raise _refusal(_("期数应在 1 到 %(max)s 个月之间。") % {"max": plans.MAX_MONTHS}, "out_of_range", field)
    return months


def clean_dependents(value: int | str, *, field: str | None = None) -> int:
    """How many people the debtor supports: a whole number from 0 to MAX_DEPENDENTS."""
    try:
        dependents = int(value)
    except (TypeError, ValueError):
        raise _refusal(_("人数应是整数。"), "invalid", field) from None
    if not 0 <= dependents <= MAX_DEPENDENTS:
        raise _refusal(_("人数应在 0 到 20 之间。"), "out_of_range", field)
    return dependents


# --- dates ----------------------------------------------------------------------------------------------------


def _check_not_too_old(day: date, field: str | None) -> None:
    if day.year < EARLIEST_YEAR:
        raise _refusal(_("日期太早了，请检查年份。"), "too_old", field)


@overload
def clean_past_date(value: date, *, field: str | None = None, required: bool = False) -> date: ...
@overload
def clean_past_date(value: date | None, *, field: str | None = None, required: Literal[True]) -> date: ...
@overload
def clean_past_date(value: date | None, *, field: str | None = None, required: bool = False) -> date | None: ...
def clean_past_date(value: date | None, *, field: str | None = None, required: bool = False) -> date | None:
    """A date that has already happened: an overdue start, a payment, a signature cannot lie in the future.

    A datetime becomes its local date. Blank is None unless `required`.
    """
    if value is None:
        if not required:
            return None
        raise _refusal(_("请填写日期。"), "required", field)
    if isinstance(value, datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if value > timezone.localdate():
        raise _refusal(_("这个日期还没到，请检查年份和月份。"), "future", field)
    _check_not_too_old(value, field)
    return value


def clean_first_due_date(value: date | None, *, field: str | None = None) -> date | None:
    """The first installment of a plan still to be proposed: today or later (None: not chosen yet)."""
    if value is not None and value < timezone.localdate():
        raise _refusal(_("首期还款日不能早于今天。"), "past", field)
    return value


def clean_contact_time(value: datetime | None, *, field: str | None = None) -> datetime:
    """When a call or message with the lender happened: given, not in the future; a naive time is local time."""
    if value is None:
        raise _refusal(_("请填写沟通时间。"), "required", field)
    if isinstance(value, datetime) and timezone.is_naive(value):
        value = timezone.make_aware(value)
    if value > timezone.now() + CLOCK_SKEW:
        raise _refusal(_("沟通时间不能在将来。"), "future", field)
    _check_not_too_old(timezone.localtime(value).date(), field)
    return value


# --- identity and accounts ------------------------------------------------------------------------------------

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def clean_id_number(value: str | None, *, field: str | None = None) -> str:
    """A mainland resident ID number, in capitals: 18 characters, a real birth date, the ISO 7064 check character."""
    number = (value or "").strip().upper()
    # ASCII only: str.isdigit() also accepts characters such as "²" that int() then refuses.
    if not re.fullmatch(r"[0-9]{17}[0-9X]", number):
        raise _refusal(_("身份证号应为 18 位，请核对（最后一位可能是 X）。"), "invalid", field)
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        born = None
    if born is None or born > timezone.localdate() or born.year < 1900:
        raise _refusal(_("身份证号第 7 到 14 位是出生日期，现在不是真实的日期，请核对。"), "invalid_birth_date", field)
    check = _ID_CHECK[sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True)) % 11]
    if number[17] != check:
        raise _refusal(_("身份证号有一位对不上（按最后一位校验码算），请对照身份证逐位核对。"), "bad_check", field)
    return number


def validate_account_label(value: str) -> None:
    """A Django field validator (the model and the form use it): at most the last four digits of an account."""
    if len(re.findall(r"\d", value)) > 4:
        raise ValidationError(_("为保护您的账户，最多只填卡号或账号的末四位。"), code="too_many_digits")
