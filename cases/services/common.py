"""Validation and saving shared by the services: amounts, dates, rates, model validation, "the case changed"."""

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import plans
from ..models import (
    MAX_AMOUNT,
    Case,
)

# --- validation shared by the services ------------------------------------------------------------------------


def clean_amount(value: Any, *, field: str, allow_none: bool = False) -> Decimal | None:
    """A yuan amount: a number, at least 0, at most ten million, at most two decimals."""
    if value is None or value == "":
        if allow_none:
            return None
        raise ValidationError({field: _("请填写金额。")}, code="required")
    if isinstance(value, float):
        value = str(value)
    try:
        amount = Decimal(str(value).strip().replace(",", "").replace("，", ""))
    except InvalidOperation:
        raise ValidationError({field: _("请输入数字金额，例如 1234.56。")}, code="invalid") from None
    if not amount.is_finite():
        raise ValidationError({field: _("请输入数字金额，例如 1234.56。")}, code="invalid")
    if amount < 0:
        raise ValidationError({field: _("金额不能是负数。")}, code="negative")
    if amount > MAX_AMOUNT:
        raise ValidationError({field: _("金额不能超过 1000 万元，请检查是否多输了位数。")}, code="too_large")
    if amount != amount.quantize(plans.CENT):
        raise ValidationError({field: _("金额最多保留两位小数（精确到分）。")}, code="too_precise")
    return amount.quantize(plans.CENT)


def clean_past_date(value: date | None, *, field: str, allow_none: bool = True) -> date | None:
    """A date that has already happened: an overdue start, a payment, a signature cannot lie in the future."""
    if value is None:
        if allow_none:
            return None
        raise ValidationError({field: _("请填写日期。")}, code="required")
    if isinstance(value, datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if value > timezone.localdate():
        raise ValidationError({field: _("这个日期还没到，请检查年份和月份。")}, code="future")
    if value.year < 2000:
        raise ValidationError({field: _("日期太早了，请检查年份。")}, code="too_old")
    return value


def clean_daily_rate(value: Any, *, field: str = "daily_rate") -> Decimal:
    try:
        rate = Decimal(str(value))
    except InvalidOperation:
        raise ValidationError({field: _("请输入日利率，例如 0.0005（即 0.05%）。")}, code="invalid") from None
    if not rate.is_finite() or rate < 0 or rate > Decimal("0.01"):
        raise ValidationError({field: _("日利率应在 0 到 1%/天之间。")}, code="out_of_range")
    return rate


def clean_annual_rate(value: Any, *, field: str = "annual_rate") -> Decimal:
    try:
        rate = Decimal(str(value))
    except InvalidOperation:
        raise ValidationError({field: _("请输入年利率，例如 0.06（即 6%）。")}, code="invalid") from None
    if not rate.is_finite() or rate < 0 or rate > Decimal("0.36"):
        raise ValidationError({field: _("年利率应在 0 到 36% 之间。")}, code="out_of_range")
    return rate


def _months(value: Any, *, field: str, allow_none: bool = False) -> int | None:
    if value in (None, ""):
        if allow_none:
            return None
        raise ValidationError({field: _("请填写期数。")}, code="required")
    try:
        months = int(value)
    except (TypeError, ValueError):
        raise ValidationError({field: _("期数应是整数。")}, code="invalid") from None
    if not 1 <= months <= plans.MAX_MONTHS:
        raise ValidationError(
            {field: _("期数应在 1 到 %(max)s 个月之间。") % {"max": plans.MAX_MONTHS}}, code="out_of_range"
        )
    return months


def _only(fields: dict[str, Any], allowed: Iterable[str]) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise TypeError(f"unexpected fields: {', '.join(sorted(unknown))}")


def _save(instance, *, exclude: Iterable[str] = ()) -> None:
    """Run the model's own validation too (choices, lengths, validators), then save."""
    errors: dict[str, list[ValidationError]] = {}
    # Model validation ignores a TextField's max_length (only its form field applies it), so check it here.
    for field in instance._meta.concrete_fields:
        if isinstance(field, models.TextField) and field.max_length and field.name not in exclude:
            try:
                MaxLengthValidator(field.max_length)(getattr(instance, field.attname) or "")
            except ValidationError as error:
                errors[field.name] = error.error_list
    try:
        instance.full_clean(exclude=list(exclude), validate_unique=True)
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)
    instance.save()


def _touch(case_id: int) -> None:
    """Something the documents print has changed: the case moves up the list and its documents are out of date."""
    now = timezone.now()
    Case.objects.filter(pk=case_id).update(updated_at=now, documents_changed_at=now)
