"""The case itself, its debts, and its hardship and budget."""

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User

from .. import plans, validators
from ..models import (
    Case,
    CaseStatus,
    CaseStatusChange,
    Debt,
    EvidenceFile,
    Hardship,
    HardshipReason,
    LenderKind,
)
from ..validators import Amount, Rate
from .common import UNSET, ZERO, Unset, _amount_or_zero, _delete_after_commit, _given, _save, _touch, _validate
from .creditor import _creditor_for, _drop_if_empty
from .evidence import _stored_names, evidence_sync_checklist
from .limits import check_case_count, check_debt_count

# --- Case -----------------------------------------------------------------------------------------------------


def _clean_case_fields(fields: dict[str, Any]) -> dict[str, Any]:
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
        cleaned["overdue_since"] = validators.clean_past_date(cleaned["overdue_since"], field="overdue_since")
    if "first_due_date" in cleaned:
        cleaned["first_due_date"] = validators.clean_first_due_date(cleaned["first_due_date"], field="first_due_date")
    if cleaned.get("id_number"):
        cleaned["id_number"] = validate_id_number(cleaned["id_number"])
    if cleaned.get("contact_phone"):
        cleaned["contact_phone"] = cleaned["contact_phone"].strip()
    return cleaned


def validate_id_number(value: str) -> str:
    """The ID number in capitals, or the validators' refusal keyed to "id_number"."""
    return validators.clean_id_number(value, field="id_number")


def case_create(
    *,
    owner: User,
    title: str,
    overdue_products: Sequence[str] = (),
    overdue_since: date | None = None,
    first_due_date: date | None = None,
    debtor_name: str = "",
    id_number: str | None = None,
    contact_phone: str = "",
) -> Case:
    cleaned = _clean_case_fields(
        {
            "title": title,
            "overdue_products": overdue_products,
            "overdue_since": overdue_since,
            "first_due_date": first_due_date,
            "debtor_name": debtor_name,
            "id_number": id_number,
            "contact_phone": contact_phone,
        }
    )
    with transaction.atomic():
        check_case_count(owner_id=owner.pk)
        case = Case(owner=owner, **cleaned)
        _save(case)
    return case


def case_update(
    *,
    case: Case,
    title: str | Unset = UNSET,
    overdue_products: Sequence[str] | Unset = UNSET,
    overdue_since: date | None | Unset = UNSET,
    first_due_date: date | None | Unset = UNSET,
    debtor_name: str | Unset = UNSET,
    id_number: str | None | Unset = UNSET,
    contact_phone: str | Unset = UNSET,
) -> Case:
    """Change only the fields given."""
    cleaned = _clean_case_fields(
        _given(
            title=title,
            overdue_products=overdue_products,
            overdue_since=overdue_since,
            first_due_date=first_due_date,
            debtor_name=debtor_name,
            id_number=id_number,
            contact_phone=contact_phone,
        )
    )
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        for name, value in cleaned.items():
            setattr(locked, name, value)
        locked.documents_changed_at = timezone.now()
        _save(locked)
    for name in cleaned:
        setattr(case, name, getattr(locked, name))
    case.updated_at = locked.updated_at
    return case


def case_mark_step(*, case: Case, step: str) -> None:
    """Remember where the wizard goes next, so that the user resumes there on any device."""
    Case.objects.filter(pk=case.pk).update(wizard_step=step, updated_at=timezone.now())
    case.wizard_step = step


def case_change_status(*, case: Case, status: str) -> Case:
    """Move a case along its legal path only (Case.can_move_to); the move is kept for the case's timeline."""
    if status not in CaseStatus.values:
        raise ValidationError({"status": _("未知的案件状态。")}, code="invalid_choice")
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if not locked.can_move_to(status):
            raise ValidationError(
                {
                    "status": _("案件不能从“%(current)s”直接变为“%(new)s”。")
                    % {"current": locked.get_status_display(), "new": CaseStatus(status).label}
                },
                code="illegal_transition",
            )
        CaseStatusChange.objects.create(case=locked, old_status=locked.status, new_status=status)
        locked.status = status
        locked.save(update_fields=["status", "updated_at"])
    case.status = status
    return case


def case_delete(*, case: Case) -> None:
    """Delete a case with its files: the rows go in one transaction, the files once it has committed."""
    names = _stored_names(EvidenceFile.objects.filter(evidence__case=case)) + [
        d.file.name for d in case.documents.exclude(file="") if d.file.name
    ]
    storage = EvidenceFile._meta.get_field("file").storage
    with transaction.atomic():
        case.delete()
        _delete_after_commit(storage, names)


# --- Debt -----------------------------------------------------------------------------------------------------


def _clean_debt_fields(fields: dict[str, Any]) -> dict[str, Any]:
    cleaned = dict(fields)
    for name in ("principal", "interest", "penalty_interest", "fees"):
        if name in cleaned:
            cleaned[name] = _amount_or_zero(cleaned[name], field=name)
    if "minimum_payment" in cleaned:
        cleaned["minimum_payment"] = validators.clean_amount(
            cleaned["minimum_payment"], field="minimum_payment", required=False
        )
    for name in ("overdue_since", "last_statement_date"):
        if name in cleaned:
            cleaned[name] = validators.clean_past_date(cleaned[name], field=name)
    if "daily_rate" in cleaned:
        cleaned["daily_rate"] = validators.clean_daily_rate(cleaned["daily_rate"], field="daily_rate")
    return cleaned


def _check_lender_named(kind: str, lender_name: str) -> None:
    """A card is negotiated with the bank that issued it: without its name the proposal has no addressee."""
    if kind == LenderKind.CREDIT_CARD and not (lender_name or "").strip():
        raise ValidationError({"lender_name": _("请填写发卡银行，例如“招商银行”。")}, code="bank_required")


def _check_debt_total(debt: Debt) -> None:
    if debt.balance <= 0:
        raise ValidationError({"principal": _("请至少填写本金。")}, code="empty_debt")
    if debt.balance > validators.MAX_AMOUNT:
        raise ValidationError({"principal": _("一笔欠款合计不能超过 1000 万元。")}, code="too_large")


def debt_create(
    *,
    case: Case,
    lender: str = LenderKind.HUABEI,
    lender_name: str = "",
    account_label: str = "",
    principal: Amount | None,
    interest: Amount | None = ZERO,
    penalty_interest: Amount | None = ZERO,
    fees: Amount | None = ZERO,
    overdue_since: date | None = None,
    daily_rate: Rate = plans.HUABEI_DAILY_RATE,
    minimum_payment: Amount | None = None,
    last_statement_date: date | None = None,
) -> Debt:
    """A debt of the case; blank amounts are 0, but the debt must owe something."""
    cleaned = _clean_debt_fields(
        {
            "lender": lender,
            "lender_name": lender_name,
            "account_label": account_label,
            "principal": principal,
            "interest": interest,
            "penalty_interest": penalty_interest,
            "fees": fees,
            "overdue_since": overdue_since,
            "daily_rate": daily_rate,
            "minimum_payment": minimum_payment,
            "last_statement_date": last_statement_date,
        }
    )
    _check_lender_named(cleaned["lender"], cleaned["lender_name"])
    with transaction.atomic():
        check_debt_count(case_id=case.pk)
        debt = Debt(case=case, **cleaned)
        _check_debt_total(debt)
        _validate(debt, exclude=["creditor"])  # the debt's own errors first, before its lender is looked for
        debt.creditor = _creditor_for(case=case, kind=debt.lender, lender_name=debt.lender_name)
        _save(debt)
        _touch(case.pk)
    return debt


def debt_update(
    *,
    debt: Debt,
    lender: str | Unset = UNSET,
    lender_name: str | Unset = UNSET,
    account_label: str | Unset = UNSET,
    principal: Amount | None | Unset = UNSET,
    interest: Amount | None | Unset = UNSET,
    penalty_interest: Amount | None | Unset = UNSET,
    fees: Amount | None | Unset = UNSET,
    overdue_since: date | None | Unset = UNSET,
    daily_rate: Rate | Unset = UNSET,
    minimum_payment: Amount | None | Unset = UNSET,
    last_statement_date: date | None | Unset = UNSET,
) -> Debt:
    """Change only the fields given."""
    cleaned = _clean_debt_fields(
        _given(
            lender=lender,
            lender_name=lender_name,
            account_label=account_label,
            principal=principal,
            interest=interest,
            penalty_interest=penalty_interest,
            fees=fees,
            overdue_since=overdue_since,
            daily_rate=daily_rate,
            minimum_payment=minimum_payment,
            last_statement_date=last_statement_date,
        )
    )
    with transaction.atomic():
        locked = Debt.objects.select_for_update().get(pk=debt.pk)
        for name, value in cleaned.items():
            setattr(locked, name, value)
        _check_lender_named(locked.lender, locked.lender_name)
        _check_debt_total(locked)
        _validate(locked, exclude=["creditor"])
        previous = locked.creditor_id
        locked.creditor = _creditor_for(case=locked.case, kind=locked.lender, lender_name=locked.lender_name)
        _save(locked)
        if locked.creditor_id != previous:
            _drop_if_empty(previous)
        _touch(locked.case_id)
    for name in [*cleaned, "creditor"]:
        setattr(debt, name, getattr(locked, name))
    return debt


def debt_delete(*, debt: Debt) -> None:
    with transaction.atomic():
        if debt.agreements.exists():
            raise ValidationError({NON_FIELD_ERRORS: _("这笔欠款已写进还款协议，不能删除。")}, code="in_agreement")
        _touch(debt.case_id)
        debt.delete()
        _drop_if_empty(debt.creditor_id)


# --- Hardship and budget --------------------------------------------------------------------------------------

# A change to any of these is a new budget: the plan page says when the figures were last entered.
_BUDGET_FIELDS = frozenset({"monthly_income", "household_expenses", "dependents", "other_fixed_payments"})


def hardship_save(
    *,
    case: Case,
    reasons: Sequence[str] | Unset = UNSET,
    since: date | None | Unset = UNSET,
    narrative: str | Unset = UNSET,
    monthly_income: Amount | None | Unset = UNSET,
    household_expenses: Amount | None | Unset = UNSET,
    dependents: int | str | None | Unset = UNSET,
    other_fixed_payments: Amount | None | Unset = UNSET,
    income_before: Amount | None | Unset = UNSET,
    safety_margin: Amount | None | Unset = UNSET,
) -> Hardship:
    """Create or update the case's hardship with the fields given; a change of reasons re-derives the checklist.

    `income_before` (the monthly income before the hardship) and `safety_margin` (what is kept back for the
    unexpected) may be None: unknown, and the default margin of plans.safety_margin.
    """
    cleaned = _given(
        reasons=reasons,
        since=since,
        narrative=narrative,
        monthly_income=monthly_income,
        household_expenses=household_expenses,
        dependents=dependents,
        other_fixed_payments=other_fixed_payments,
        income_before=income_before,
        safety_margin=safety_margin,
    )
    for name in ("income_before", "safety_margin"):
        if name in cleaned:
            cleaned[name] = validators.clean_amount(cleaned[name], field=name, required=False)
    if "reasons" in cleaned:
        chosen = list(dict.fromkeys(cleaned["reasons"] or []))
        if any(reason not in HardshipReason.values for reason in chosen):
            raise ValidationError({"reasons": _("请从列表中选择困难原因。")}, code="invalid_choice")
        cleaned["reasons"] = [r for r in HardshipReason.values if r in chosen]
    if "since" in cleaned:
        cleaned["since"] = validators.clean_past_date(cleaned["since"], field="since")
    for name in ("monthly_income", "household_expenses", "other_fixed_payments"):
        if name in cleaned:
            cleaned[name] = _amount_or_zero(cleaned[name], field=name)
    if "dependents" in cleaned:
        cleaned["dependents"] = validators.clean_dependents(cleaned["dependents"] or 0, field="dependents")
    if "narrative" in cleaned:
        cleaned["narrative"] = (cleaned["narrative"] or "").strip()
    with transaction.atomic():
        hardship, _created = Hardship.objects.select_for_update().get_or_create(case=case)
        reasons_changed = "reasons" in cleaned and cleaned["reasons"] != hardship.reasons
        for name, value in cleaned.items():
            setattr(hardship, name, value)
        if _BUDGET_FIELDS & set(cleaned):
            hardship.budget_updated_at = timezone.now()
        _save(hardship)
        _touch(case.pk)
        if reasons_changed:
            evidence_sync_checklist(case=case)
    case.hardship = hardship  # the caller's case reads what was saved, without reloading
    return hardship
