"""The agreement as signed, its installments, and the payments against them."""

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .. import plans, validators
from ..models import (
    Agreement,
    Case,
    CaseGoal,
    Debt,
    Evidence,
    Installment,
    InstallmentStatus,
    Payment,
)
from ..validators import Amount, Months, Rate
from .common import ZERO, _amount_or_zero, _save

# --- Agreement, installments and payments ---------------------------------------------------------------------


def agreement_create(
    *,
    case: Case,
    debts: Iterable[Debt],
    kind: str,
    total_to_repay: Amount | None,
    installment_count: Months | None,
    first_due_date: date | None,
    down_payment: Amount | None = ZERO,
    amount_waived: Amount | None = ZERO,
    annual_rate: Rate | None = ZERO,
    interest_resumes: bool = True,
    breach_clause: str = "",
    signed_on: date | None = None,
    signed_copy: Evidence | None = None,
) -> Agreement:
    """Record the agreement as signed and generate its installments from plans.amortize."""
    debts = list(debts)
    if not debts:
        raise ValidationError({"debts": _("请选择协议涉及的欠款。")}, code="required")
    if any(debt.case_id != case.pk for debt in debts):
        raise ValidationError({"debts": _("只能选择本案件的欠款。")}, code="foreign_debt")
    if signed_copy is not None and signed_copy.case_id != case.pk:
        raise ValidationError({"signed_copy": _("只能选择本案件的材料。")}, code="foreign_evidence")
    if kind not in CaseGoal.values:
        raise ValidationError({"kind": _("请选择协议类型。")}, code="invalid_choice")
    total = validators.clean_amount(total_to_repay, field="total_to_repay")
    down = _amount_or_zero(down_payment, field="down_payment")
    waived = _amount_or_zero(amount_waived, field="amount_waived")
    rate = validators.clean_annual_rate(annual_rate or 0, field="annual_rate")
    count = validators.clean_months(installment_count, field="installment_count")
    if total <= 0:
        raise ValidationError({"total_to_repay": _("应还总额应大于 0。")}, code="zero")
    if down >= total:
        raise ValidationError({"down_payment": _("首付应小于应还总额。")}, code="too_large")
    if first_due_date is None:
        raise ValidationError({"first_due_date": _("请填写首期还款日。")}, code="required")
    signed_on = validators.clean_past_date(signed_on, field="signed_on")
    if signed_on and first_due_date < signed_on:
        raise ValidationError({"first_due_date": _("首期还款日不能早于签署日期。")}, code="before_signing")
    try:
        schedule = plans.amortize(total - down, rate, count, first_due_date)
    except ValueError:  # everything else is checked above: only due dates past the year 9999 are left
        raise ValidationError({"first_due_date": _("首期还款日不合理，请检查年份。")}, code="out_of_range") from None
    with transaction.atomic():
        agreement = Agreement(
            case=case,
            kind=kind,
            total_to_repay=total,
            down_payment=down,
            amount_waived=waived,
            annual_rate=rate,
            installment_count=count,
            first_due_date=first_due_date,
            interest_resumes=interest_resumes,
            breach_clause=(breach_clause or "").strip(),
            signed_on=signed_on,
            signed_copy=signed_copy,
        )
        _save(agreement)
        agreement.debts.set(debts)
        Installment.objects.bulk_create(
            Installment(
                agreement=agreement,
                number=row.number,
                due_date=row.due_date,
                amount_due=row.payment,
                principal=row.principal,
                interest=row.interest,
            )
            for row in schedule
        )
    return agreement


def _allocate_payments(agreement: Agreement) -> None:
    """Pour every payment, oldest first, into the installments in order.

    Recomputing from all payments (rather than adjusting one installment) keeps the figures right after a payment
    is corrected or deleted: an overpayment covers the next installments, an underpayment leaves one partly paid.
    """
    installments = list(Installment.objects.select_for_update().filter(agreement=agreement).order_by("number"))
    available = sum((p.amount for p in agreement.payments.all()), Decimal("0.00"))
    for installment in installments:
        paid = min(available, installment.amount_due)
        available -= paid
        installment.amount_paid = paid
        if paid >= installment.amount_due:
            installment.status = InstallmentStatus.PAID
        elif paid > 0:
            installment.status = InstallmentStatus.PARTIAL
        else:
            installment.status = InstallmentStatus.DUE
    Installment.objects.bulk_update(installments, ["amount_paid", "status"])


def agreement_outstanding(agreement: Agreement) -> Decimal:
    scheduled = sum((i.amount_due for i in agreement.installments.all()), Decimal("0.00"))
    paid = sum((p.amount for p in agreement.payments.all()), Decimal("0.00"))
    return scheduled - paid


def payment_record(
    *,
    agreement: Agreement,
    paid_on: date | None,
    amount: Amount | None,
    receipt: Evidence | None = None,
    note: str = "",
) -> Payment:
    """Record a payment and allocate it; more than what is still owed is refused, not silently kept."""
    value = validators.clean_amount(amount, field="amount")
    if value <= 0:
        raise ValidationError({"amount": _("还款金额应大于 0。")}, code="zero")
    paid_on = validators.clean_past_date(paid_on, field="paid_on", required=True)
    if receipt is not None and receipt.case_id != agreement.case_id:
        raise ValidationError({"receipt": _("只能选择本案件的材料。")}, code="foreign_evidence")
    with transaction.atomic():
        locked = Agreement.objects.select_for_update().get(pk=agreement.pk)
        outstanding = agreement_outstanding(locked)
        if value > outstanding:
            raise ValidationError(
                {
                    "amount": _("这笔还款超过了剩余应还金额 %(outstanding)s，请核对。")
                    % {"outstanding": plans.format_yuan(outstanding)}
                },
                code="overpayment",
            )
        payment = Payment(agreement=locked, paid_on=paid_on, amount=value, receipt=receipt, note=(note or "").strip())
        _save(payment)
        _allocate_payments(locked)
    return payment


def payment_delete(*, payment: Payment) -> None:
    with transaction.atomic():
        agreement = Agreement.objects.select_for_update().get(pk=payment.agreement_id)
        payment.delete()
        _allocate_payments(agreement)
