"""The case itself, its debts, and its hardship and budget."""

import re
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import (
    CASE_TRANSITIONS,
    MAX_AMOUNT,
    Case,
    CaseGoal,
    CaseStatus,
    Debt,
    EvidenceFile,
    Hardship,
    HardshipReason,
    LenderKind,
)
from .common import _months, _only, _save, _touch, clean_amount, clean_daily_rate, clean_past_date
from .evidence import _stored_names, evidence_sync_checklist

# --- Case -----------------------------------------------------------------------------------------------------

CASE_FIELDS = (
    "title",
    "overdue_products",
    "overdue_since",
    "goal",
    "goal_note",
    "requested_months",
    "down_payment",
    "first_due_date",
    "debtor_name",
    "id_number",
    "contact_phone",
)


def _clean_case_fields(fields: dict[str, Any]) -> dict[str, Any]:
    _only(fields, CASE_FIELDS)
    cleaned = dict(fields)
    if "title" in cleaned:
        cleaned["title"] = (cleaned["title"] or "").strip()
        if not cleaned["title"]:
            raise ValidationError({"title": _("请给案件起个名字，例如“花呗逾期协商”。")}, code="required")
    if "overdue_products" in cleaned:
        products = list(dict.fromkeys(cleaned["overdue_products"] or []))
        if any(product not in LenderKind.values for product in products):
            raise ValidationError({"overdue_products": _("请从列表中选择产品。")}, code="invalid_choice")
        cleaned["overdue_products"] = [p for p in LenderKind.values if p in products]
    if "overdue_since" in cleaned:
        cleaned["overdue_since"] = clean_past_date(cleaned["overdue_since"], field="overdue_since")
    if "goal" in cleaned and cleaned["goal"] and cleaned["goal"] not in CaseGoal.values:
        raise ValidationError({"goal": _("请选择一个协商目标。")}, code="invalid_choice")
    if "requested_months" in cleaned:
        cleaned["requested_months"] = _months(cleaned["requested_months"], field="requested_months", allow_none=True)
    if "down_payment" in cleaned:
        cleaned["down_payment"] = clean_amount(cleaned["down_payment"] or Decimal("0"), field="down_payment")
    if cleaned.get("first_due_date") and cleaned["first_due_date"] < timezone.localdate():
        raise ValidationError({"first_due_date": _("首期还款日不能早于今天。")}, code="past")
    if cleaned.get("id_number"):
        cleaned["id_number"] = validate_id_number(cleaned["id_number"])
    if cleaned.get("contact_phone"):
        cleaned["contact_phone"] = cleaned["contact_phone"].strip()
    return cleaned


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def validate_id_number(value: str) -> str:
    """A mainland resident ID number: 18 characters whose last one is the ISO 7064 check character."""
    number = (value or "").strip().upper()
    # ASCII only: str.isdigit() also accepts characters such as "²" that int() then refuses.
    if not re.fullmatch(r"[0-9]{17}[0-9X]", number):
        raise ValidationError({"id_number": _("身份证号应为 18 位，请核对（最后一位可能是 X）。")}, code="invalid")
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        born = None
    if born is None or born > timezone.localdate() or born.year < 1900:
        raise ValidationError(
            {"id_number": _("身份证号第 7 到 14 位是出生日期，现在不是真实的日期，请核对。")}, code="invalid_birth_date"
        )
    check = _ID_CHECK[sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True)) % 11]
    if number[17] != check:
        raise ValidationError(
            {"id_number": _("身份证号有一位对不上（按最后一位校验码算），请对照身份证逐位核对。")}, code="bad_check"
        )
    return number


def case_create(*, owner, title: str, **fields: Any) -> Case:
    cleaned = _clean_case_fields({"title": title, **fields})
    with transaction.atomic():
        case = Case(owner=owner, **cleaned)
        _save(case)
    return case


def case_update(*, case: Case, **fields: Any) -> Case:
    cleaned = _clean_case_fields(fields)
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        for name, value in cleaned.items():
            setattr(locked, name, value)
        locked.documents_changed_at = timezone.now()
        _save(locked)
        if "goal" in cleaned:
            evidence_sync_checklist(case=locked)
    for name in cleaned:
        setattr(case, name, getattr(locked, name))
    case.updated_at = locked.updated_at
    return case


def case_mark_step(*, case: Case, step: str) -> None:
    """Remember where the wizard goes next, so that the user resumes there on any device."""
    Case.objects.filter(pk=case.pk).update(wizard_step=step, updated_at=timezone.now())
    case.wizard_step = step


def case_change_status(*, case: Case, status: str) -> Case:
    """Move a case along its legal path only (see CASE_TRANSITIONS)."""
    if status not in CaseStatus.values:
        raise ValidationError({"status": _("未知的案件状态。")}, code="invalid_choice")
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if status not in CASE_TRANSITIONS[locked.status]:
            raise ValidationError(
                {
                    "status": _("案件不能从“%(current)s”直接变为“%(new)s”。")
                    % {"current": locked.get_status_display(), "new": CaseStatus(status).label}
                },
                code="illegal_transition",
            )
        locked.status = status
        locked.save(update_fields=["status", "updated_at"])
    case.status = status
    return case


def case_delete(*, case: Case) -> None:
    """Delete a case with its files: the rows go in one transaction, the files once it has committed."""
    names = _stored_names(EvidenceFile.objects.filter(evidence__case=case)) + [
        d.file.name for d in case.documents.exclude(file="")
    ]
    storage = EvidenceFile._meta.get_field("file").storage
    with transaction.atomic():
        case.delete()
        transaction.on_commit(lambda: [storage.delete(name) for name in names])


# --- Debt -----------------------------------------------------------------------------------------------------

DEBT_FIELDS = (
    "lender",
    "lender_name",
    "account_label",
    "principal",
    "interest",
    "penalty_interest",
    "fees",
    "overdue_since",
    "daily_rate",
    "minimum_payment",
    "last_statement_date",
)


def _clean_debt_fields(fields: dict[str, Any]) -> dict[str, Any]:
    _only(fields, DEBT_FIELDS)
    cleaned = dict(fields)
    for name in ("principal", "interest", "penalty_interest", "fees"):
        if name in cleaned:
            cleaned[name] = clean_amount(cleaned[name] if cleaned[name] not in (None, "") else 0, field=name)
    if "minimum_payment" in cleaned:
        cleaned["minimum_payment"] = clean_amount(cleaned["minimum_payment"], field="minimum_payment", allow_none=True)
    for name in ("overdue_since", "last_statement_date"):
        if name in cleaned:
            cleaned[name] = clean_past_date(cleaned[name], field=name)
    if "daily_rate" in cleaned:
        cleaned["daily_rate"] = clean_daily_rate(cleaned["daily_rate"])
    return cleaned


def _check_debt_total(debt: Debt) -> None:
    if debt.balance <= 0:
        raise ValidationError({"principal": _("请至少填写本金。")}, code="empty_debt")
    if debt.balance > MAX_AMOUNT:
        raise ValidationError({"principal": _("一笔欠款合计不能超过 1000 万元。")}, code="too_large")


def debt_create(*, case: Case, **fields: Any) -> Debt:
    cleaned = _clean_debt_fields(fields)
    with transaction.atomic():
        debt = Debt(case=case, **cleaned)
        _check_debt_total(debt)
        _save(debt)
        _touch(case.pk)
    return debt


def debt_update(*, debt: Debt, **fields: Any) -> Debt:
    cleaned = _clean_debt_fields(fields)
    with transaction.atomic():
        locked = Debt.objects.select_for_update().get(pk=debt.pk)
        for name, value in cleaned.items():
            setattr(locked, name, value)
        _check_debt_total(locked)
        _save(locked)
        _touch(locked.case_id)
    for name in cleaned:
        setattr(debt, name, getattr(locked, name))
    return debt


def debt_delete(*, debt: Debt) -> None:
    with transaction.atomic():
        if debt.agreements.exists():
            raise ValidationError({NON_FIELD_ERRORS: _("这笔欠款已写进还款协议，不能删除。")}, code="in_agreement")
        _touch(debt.case_id)
        debt.delete()


# --- Hardship and budget --------------------------------------------------------------------------------------

HARDSHIP_FIELDS = (
    "reasons",
    "since",
    "narrative",
    "monthly_income",
    "household_expenses",
    "dependents",
    "other_fixed_payments",
)


BUDGET_FIELDS = {"monthly_income", "household_expenses", "dependents", "other_fixed_payments"}


def hardship_save(*, case: Case, **fields: Any) -> Hardship:
    """Create or update the case's hardship; a change of reasons re-derives the evidence checklist."""
    _only(fields, HARDSHIP_FIELDS)
    cleaned = dict(fields)
    if "reasons" in cleaned:
        reasons = list(dict.fromkeys(cleaned["reasons"] or []))
        if any(reason not in HardshipReason.values for reason in reasons):
            raise ValidationError({"reasons": _("请从列表中选择困难原因。")}, code="invalid_choice")
        cleaned["reasons"] = [r for r in HardshipReason.values if r in reasons]
    if "since" in cleaned:
        cleaned["since"] = clean_past_date(cleaned["since"], field="since")
    for name in ("monthly_income", "household_expenses", "other_fixed_payments"):
        if name in cleaned:
            cleaned[name] = clean_amount(cleaned[name] if cleaned[name] not in (None, "") else 0, field=name)
    if "dependents" in cleaned:
        try:
            dependents = int(cleaned["dependents"] or 0)
        except (TypeError, ValueError):
            raise ValidationError({"dependents": _("人数应是整数。")}, code="invalid") from None
        if not 0 <= dependents <= 20:
            raise ValidationError({"dependents": _("人数应在 0 到 20 之间。")}, code="out_of_range")
        cleaned["dependents"] = dependents
    if "narrative" in cleaned:
        cleaned["narrative"] = (cleaned["narrative"] or "").strip()
    with transaction.atomic():
        hardship, _created = Hardship.objects.select_for_update().get_or_create(case=case)
        reasons_changed = "reasons" in cleaned and cleaned["reasons"] != hardship.reasons
        for name, value in cleaned.items():
            setattr(hardship, name, value)
        if BUDGET_FIELDS & set(cleaned):
            hardship.budget_updated_at = timezone.now()
        _save(hardship)
        _touch(case.pk)
        if reasons_changed:
            evidence_sync_checklist(case=case)
    return hardship
