"""The lenders of a case: who has to agree, how to reach them, the share of the budget and the plan asked of each.

A lender appears with its first debt and goes with its last one: the debt services call `_creditor_for` and
`_drop_if_empty`, so a case never holds a lender without debts or a debt without a lender.
"""

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from .. import plans, validators
from ..models import (
    LENDER_CONTACTS,
    LENDER_LEGAL_NAMES,
    Case,
    CaseGoal,
    CaseStatus,
    CaseStatusChange,
    Creditor,
    LenderKind,
)
from ..validators import Amount, Months, Rate
from .common import UNSET, ZERO, Unset, _amount_or_zero, _given, _save, _touch
from .evidence import evidence_sync_checklist


def _default_name(kind: str, lender_name: str) -> str:
    """What a lender is called when the user named none: the product's name in the app's source language, so that
    the same lender is found again whatever language the page is in."""
    if lender_name.strip():
        return lender_name.strip()
    with translation.override("zh-hans"):
        return str(LenderKind(kind).label)


def _default_legal_name(kind: str, lender_name: str) -> str:
    if kind == LenderKind.CREDIT_CARD and lender_name.strip():
        # A card's negotiations are handled by the bank's card centre, e.g. 招商银行信用卡中心.
        return f"{lender_name.strip()}信用卡中心"
    return LENDER_LEGAL_NAMES.get(kind, "")


def _creditor_for(*, case: Case, kind: str, lender_name: str) -> Creditor:
    """The lender a new or changed debt belongs to, created with the usual legal name and contact the first time."""
    name = _default_name(kind, lender_name)
    existing = Creditor.objects.filter(case=case, kind=kind, name=name).first()
    if existing is not None:
        return existing
    with translation.override("zh-hans"):
        contact = str(LENDER_CONTACTS.get(kind, ""))
    creditor = Creditor(
        case=case,
        kind=kind,
        name=name,
        legal_name=_default_legal_name(kind, lender_name),
        contact=contact,
        position=Creditor.objects.filter(case=case).count() + 1,
    )
    _save(creditor)
    return creditor


def _drop_if_empty(creditor_id: int) -> None:
    """A lender whose last debt went has nothing left to negotiate."""
    Creditor.objects.filter(pk=creditor_id, debts__isnull=True).delete()


def creditor_update(
    *,
    creditor: Creditor,
    legal_name: str | Unset = UNSET,
    contact: str | Unset = UNSET,
    account_phone: str | Unset = UNSET,
) -> Creditor:
    """Who the documents are addressed to and how the lender is reached; the name comes from the debts."""
    cleaned = {
        name: (value or "").strip()
        for name, value in _given(legal_name=legal_name, contact=contact, account_phone=account_phone).items()
    }
    with transaction.atomic():
        locked = Creditor.objects.select_for_update().get(pk=creditor.pk)
        for name, value in cleaned.items():
            setattr(locked, name, value)
        _save(locked)
        _touch(locked.case_id)
    for name in cleaned:
        setattr(creditor, name, getattr(locked, name))
    return creditor


def creditor_choose_plan(
    *,
    creditor: Creditor,
    goal: str,
    goal_note: str = "",
    requested_months: Months | None = None,
    down_payment: Amount | None = ZERO,
    installment_annual_rate: Rate = Decimal("0"),
    installment_fee: Amount | None = ZERO,
    deferral_months: Months = 1,
    deferral_waives_interest: bool = False,
) -> Creditor:
    """The plan asked of one lender, with what the lender quoted for 协商分期 and 延期."""
    if goal and goal not in CaseGoal.values:
        raise ValidationError({"goal": _("请选择一个协商目标。")}, code="invalid_choice")
    cleaned: dict[str, Any] = {
        "goal": goal,
        "goal_note": (goal_note or "").strip(),
        "requested_months": validators.clean_months(requested_months, field="requested_months", required=False),
        "down_payment": _amount_or_zero(down_payment, field="down_payment"),
        "installment_annual_rate": validators.clean_annual_rate(
            installment_annual_rate, field="installment_annual_rate"
        ),
        "installment_fee": _amount_or_zero(installment_fee, field="installment_fee"),
        "deferral_months": validators.clean_months(deferral_months, field="deferral_months"),
        "deferral_waives_interest": bool(deferral_waives_interest),
    }
    if cleaned["deferral_months"] > plans.MAX_GRACE_MONTHS:
        raise ValidationError(
            {"deferral_months": _("延期最多 %(max)s 个月。") % {"max": plans.MAX_GRACE_MONTHS}}, code="out_of_range"
        )
    with transaction.atomic():
        locked = Creditor.objects.select_for_update().get(pk=creditor.pk)
        goal_changed = locked.goal != cleaned["goal"]
        for name, value in cleaned.items():
            setattr(locked, name, value)
        _save(locked)
        _touch(locked.case_id)
        if goal_changed:
            evidence_sync_checklist(case=locked.case)
    for name in cleaned:
        setattr(creditor, name, getattr(locked, name))
    return creditor


def creditor_set_share(*, creditor: Creditor, monthly_share: Amount | None) -> Creditor:
    """Move part of the budget to or from a lender by hand; None gives it back its fair share."""
    share = validators.clean_amount(monthly_share, field="monthly_share", required=False)
    with transaction.atomic():
        updated = Creditor.objects.filter(pk=creditor.pk).update(monthly_share=share)
        if updated:
            _touch(creditor.case_id)
    creditor.monthly_share = share
    return creditor


def creditor_change_status(*, creditor: Creditor, status: str) -> Creditor:
    """Move the negotiation with one lender along its legal path only (Creditor.can_move_to, as for a case); the move
    is kept for the case's timeline."""
    if status not in CaseStatus.values:
        raise ValidationError({"status": _("未知的协商进度。")}, code="invalid_choice")
    with transaction.atomic():
        locked = Creditor.objects.select_for_update().get(pk=creditor.pk)
        if not locked.can_move_to(status):
            raise ValidationError(
                {
                    "status": _("与%(name)s的协商不能从“%(current)s”直接变为“%(new)s”。")
                    % {"name": locked.name, "current": locked.get_status_display(), "new": CaseStatus(status).label}
                },
                code="illegal_transition",
            )
        CaseStatusChange.objects.create(
            case_id=locked.case_id, creditor=locked, old_status=locked.status, new_status=status
        )
        locked.status = status
        locked.save(update_fields=["status"])
    creditor.status = status
    return creditor
