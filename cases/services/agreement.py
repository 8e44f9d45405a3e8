"""What a lender offered, the agreement as signed, its installments, and the payments against them; the lender's
negotiation and the case move by themselves as the agreement is entered and paid."""

from collections import deque
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .. import plans, validators
from ..models import (
    CASE_TRANSITIONS,
    Agreement,
    Case,
    CaseGoal,
    CaseStatus,
    Creditor,
    Debt,
    Evidence,
    EvidenceKind,
    Installment,
    InstallmentStatus,
    Offer,
    Payment,
)
from ..validators import Amount, Months, Rate
from .case import case_change_status
from .common import ZERO, _amount_or_zero, _save
from .creditor import creditor_change_status
from .evidence import evidence_create, evidence_upload

# --- statuses that follow the agreement ------------------------------------------------------------------------

# How far along a negotiation is: a status moves on by itself only to one further along, never back, except from
# settled to repaying when a payment is removed.
_PROGRESS: dict[str, int] = {
    CaseStatus.PREPARING: 0,
    CaseStatus.CONTACTED: 1,
    CaseStatus.SUBMITTED: 1,
    CaseStatus.UNDER_REVIEW: 1,
    CaseStatus.REFUSED: 1,
    CaseStatus.AGREED: 2,
    CaseStatus.REPAYING: 3,
    CaseStatus.SETTLED: 4,
}


def _steps(current: str, target: str) -> list[str]:
    """The fewest legal moves (CASE_TRANSITIONS) from one status to another: each one goes through the service that
    checks it, so that nothing here jumps a step the rules forbid."""
    paths: dict[str, list[str]] = {current: []}
    queue = deque([current])
    while queue:
        status = queue.popleft()
        if status == target:
            return paths[status]
        for following in sorted(CASE_TRANSITIONS[status]):
            if following not in paths:
                paths[following] = [*paths[status], following]
                queue.append(following)
    return []


def _moves_on(current: str, target: str) -> bool:
    unsettled = current == CaseStatus.SETTLED and target == CaseStatus.REPAYING
    return unsettled or _PROGRESS[current] < _PROGRESS[target]


def _move_creditor(creditor: Creditor, target: str, *, unsettle_only: bool = False) -> None:
    current = Creditor.objects.values_list("status", flat=True).get(pk=creditor.pk)
    if unsettle_only and current != CaseStatus.SETTLED:
        return
    if _moves_on(current, target):
        for status in _steps(current, target):
            creditor_change_status(creditor=creditor, status=status)


def _case_follows_lenders(case: Case) -> None:
    """The case is as far along as its lenders: agreed once one agreed, repaying once one is repaid, settled when
    every lender is."""
    statuses = set(Creditor.objects.filter(case=case).values_list("status", flat=True))
    if statuses == {CaseStatus.SETTLED}:
        target = CaseStatus.SETTLED
    elif statuses & {CaseStatus.REPAYING, CaseStatus.SETTLED}:
        target = CaseStatus.REPAYING
    elif CaseStatus.AGREED in statuses:
        target = CaseStatus.AGREED
    else:
        return
    current = Case.objects.values_list("status", flat=True).get(pk=case.pk)
    if _moves_on(current, target):
        for status in _steps(current, target):
            case_change_status(case=case, status=status)


def _follow_payments(agreement: Agreement) -> None:
    """After the installments were filled in again: paid in full -> settled, anything paid -> repaying; a settled
    lender whose payments were all taken back is repaying again (nothing moves back to "agreed")."""
    statuses = set(agreement.installments.values_list("status", flat=True))
    target = CaseStatus.SETTLED if statuses == {InstallmentStatus.PAID} else CaseStatus.REPAYING
    unsettle_only = target == CaseStatus.REPAYING and not agreement.payments.exists()
    creditor = _creditor_of(agreement)
    if creditor is not None:
        _move_creditor(creditor, target, unsettle_only=unsettle_only)
        _case_follows_lenders(agreement.case)
    else:  # an agreement entered before agreements were per lender: the case follows it alone
        current = Case.objects.values_list("status", flat=True).get(pk=agreement.case_id)
        if _moves_on(current, target) and not (unsettle_only and current != CaseStatus.SETTLED):
            for status in _steps(current, target):
                case_change_status(case=agreement.case, status=status)


def _creditor_of(agreement: Agreement) -> Creditor | None:
    if agreement.creditor_id is not None:
        return agreement.creditor
    lenders = {debt.creditor_id for debt in agreement.debts.all()}
    return Creditor.objects.get(pk=lenders.pop()) if len(lenders) == 1 else None


# --- Offer ------------------------------------------------------------------------------------------------------


def _check_plan(
    *, total: Decimal, down: Decimal, fee: Decimal, annual_rate: Decimal, count: int, first_due: date
) -> list[plans.ScheduleRow]:
    """The schedule of an offer or an agreement, or why there is none."""
    if total <= 0:
        raise ValidationError({"total_to_repay": _("应还总额应大于 0。")}, code="zero")
    if down >= total:
        raise ValidationError({"down_payment": _("首付应小于应还总额。")}, code="too_large")
    try:
        return plans.agreed_schedule(total, down, fee, annual_rate, count, first_due)
    except ValueError:  # everything else is checked above: only due dates past the year 9999 are left
        raise ValidationError({"first_due_date": _("首期还款日不合理，请检查年份。")}, code="out_of_range") from None


def offer_create(
    *,
    creditor: Creditor,
    received_on: date | None,
    kind: str,
    total_to_repay: Amount | None,
    months: Months | None,
    down_payment: Amount | None = ZERO,
    amount_waived: Amount | None = ZERO,
    annual_rate: Rate | None = ZERO,
    fee: Amount | None = ZERO,
    first_due_date: date | None = None,
    valid_until: date | None = None,
    note: str = "",
) -> Offer:
    """What the lender offered, as the user heard or read it."""
    if kind not in CaseGoal.values:
        raise ValidationError({"kind": _("请选择方案类型。")}, code="invalid_choice")
    received_on = validators.clean_past_date(received_on, field="received_on", required=True)
    total = validators.clean_amount(total_to_repay, field="total_to_repay")
    down = _amount_or_zero(down_payment, field="down_payment")
    count = validators.clean_months(months, field="months")
    rate = validators.clean_annual_rate(annual_rate or 0, field="annual_rate")
    charged = _amount_or_zero(fee, field="fee")
    if valid_until is not None and valid_until < received_on:
        raise ValidationError({"valid_until": _("有效期不能早于收到方案的日期。")}, code="before_received")
    _check_plan(
        total=total,
        down=down,
        count=count,
        first_due=first_due_date or plans.default_first_due(received_on),
        fee=charged,
        annual_rate=rate,
    )
    offer = Offer(
        creditor=creditor,
        received_on=received_on,
        kind=kind,
        total_to_repay=total,
        amount_waived=_amount_or_zero(amount_waived, field="amount_waived"),
        down_payment=down,
        months=count,
        annual_rate=rate,
        fee=charged,
        first_due_date=first_due_date,
        valid_until=valid_until,
        note=(note or "").strip(),
    )
    with transaction.atomic():
        _save(offer)
    return offer


def offer_delete(*, offer: Offer) -> None:
    offer.delete()


# --- Agreement --------------------------------------------------------------------------------------------------


def _lender_and_debts(case: Case, creditor: Creditor | None, debts: Iterable[Debt] | None) -> tuple[Creditor, list]:
    """The lender the agreement is with and the debts it covers: the debts of one lender of this case."""
    if creditor is not None and creditor.case_id != case.pk:
        raise ValidationError({"creditor": _("只能选择本案件的平台或银行。")}, code="foreign_creditor")
    chosen = list(debts) if debts is not None else list(creditor.debts.all()) if creditor is not None else []
    if not chosen:
        raise ValidationError({"debts": _("请选择协议涉及的欠款。")}, code="required")
    if any(debt.case_id != case.pk for debt in chosen):
        raise ValidationError({"debts": _("只能选择本案件的欠款。")}, code="foreign_debt")
    lenders = {debt.creditor_id for debt in chosen}
    if len(lenders) > 1 or (creditor is not None and lenders != {creditor.pk}):
        raise ValidationError({"debts": _("一份协议只对应一家平台或银行的欠款。")}, code="several_lenders")
    return creditor or Creditor.objects.get(pk=lenders.pop()), chosen


def agreement_create(
    *,
    case: Case,
    kind: str,
    total_to_repay: Amount | None,
    installment_count: Months | None,
    first_due_date: date | None,
    creditor: Creditor | None = None,
    debts: Iterable[Debt] | None = None,
    down_payment: Amount | None = ZERO,
    amount_waived: Amount | None = ZERO,
    annual_rate: Rate | None = ZERO,
    plan_fee: Amount | None = None,
    interest_resumes: bool = True,
    breach_clause: str = "",
    balance_principal: Amount | None = None,
    balance_interest: Amount | None = None,
    balance_penalty: Amount | None = None,
    balance_fees: Amount | None = None,
    repayment_method: str = "",
    repayment_account: str = "",
    stated_installment: Amount | None = None,
    rights_and_duties: str = "",
    signed_on: date | None = None,
    signed_copy: Evidence | None = None,
    signed_copy_files: Iterable = (),
) -> Agreement:
    """Record the agreement as the lender confirmed it and generate its installments from plans.agreed_schedule.

    One agreement per lender; the debts default to all of the lender's, the lender to the one the debts belong to.
    Files given as `signed_copy_files` become the case's evidence of the signed agreement, through the upload checks.
    The terms a written agreement must state (agreement_terms) may be missing: the form lists them before saving.
    The lender and the case move to "agreed".
    """
    creditor, debts = _lender_and_debts(case, creditor, debts)
    if signed_copy is not None and signed_copy.case_id != case.pk:
        raise ValidationError({"signed_copy": _("只能选择本案件的材料。")}, code="foreign_evidence")
    if kind not in CaseGoal.values:
        raise ValidationError({"kind": _("请选择协议类型。")}, code="invalid_choice")
    total = validators.clean_amount(total_to_repay, field="total_to_repay")
    down = _amount_or_zero(down_payment, field="down_payment")
    rate = validators.clean_annual_rate(annual_rate or 0, field="annual_rate")
    count = validators.clean_months(installment_count, field="installment_count")
    fee = validators.clean_amount(plan_fee, field="plan_fee", required=False)
    stated = {
        name: validators.clean_amount(value, field=name, required=False)
        for name, value in {
            "balance_principal": balance_principal,
            "balance_interest": balance_interest,
            "balance_penalty": balance_penalty,
            "balance_fees": balance_fees,
            "stated_installment": stated_installment,
        }.items()
    }
    if first_due_date is None:
        raise ValidationError({"first_due_date": _("请填写首期还款日。")}, code="required")
    signed_on = validators.clean_past_date(signed_on, field="signed_on")
    if signed_on and first_due_date < signed_on:
        raise ValidationError({"first_due_date": _("首期还款日不能早于签署日期。")}, code="before_signing")
    schedule = _check_plan(
        total=total, down=down, count=count, first_due=first_due_date, fee=fee or ZERO, annual_rate=rate
    )
    files = list(signed_copy_files)
    with transaction.atomic():
        locked = Creditor.objects.select_for_update().get(pk=creditor.pk)
        if Agreement.objects.filter(creditor=locked).exists():
            raise ValidationError(
                {NON_FIELD_ERRORS: _("与%(name)s的协议已经录入过了。") % {"name": locked.name}}, code="duplicate"
            )
        if files:
            signed_copy = _evidence_with_files(
                case, EvidenceKind.SIGNED_AGREEMENT, _("与%(name)s的还款协议") % {"name": locked.name}, files
            )
        agreement = Agreement(
            case=case,
            creditor=locked,
            kind=kind,
            total_to_repay=total,
            down_payment=down,
            amount_waived=_amount_or_zero(amount_waived, field="amount_waived"),
            annual_rate=rate,
            plan_fee=fee,
            installment_count=count,
            first_due_date=first_due_date,
            interest_resumes=interest_resumes,
            breach_clause=(breach_clause or "").strip(),
            repayment_method=(repayment_method or "").strip(),
            repayment_account=(repayment_account or "").strip(),
            rights_and_duties=(rights_and_duties or "").strip(),
            signed_on=signed_on,
            signed_copy=signed_copy,
            **stated,
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
        _move_creditor(locked, CaseStatus.AGREED)
        _case_follows_lenders(case)
    return agreement


def _evidence_with_files(case: Case, kind: str, title: str, files: list) -> Evidence:
    """A new evidence item of the case holding the files, checked and cleaned as every upload is."""
    evidence = evidence_create(case=case, kind=kind, title=title[:100])
    evidence_upload(evidence=evidence, files=files)
    return evidence


def agreement_attach_signed_copy(*, agreement: Agreement, files: Iterable) -> Evidence:
    """The signed agreement, when it comes after the agreement was entered."""
    files = list(files)
    if not files:
        raise ValidationError({"files": _("请选择要上传的文件。")}, code="required")
    name = agreement.creditor.name if agreement.creditor else agreement.case.title
    with transaction.atomic():
        evidence = _evidence_with_files(
            agreement.case, EvidenceKind.SIGNED_AGREEMENT, _("与%(name)s的还款协议") % {"name": name}, files
        )
        Agreement.objects.filter(pk=agreement.pk).update(signed_copy=evidence)
    agreement.signed_copy = evidence
    return evidence


# --- installments and payments ----------------------------------------------------------------------------------


def _allocate_payments(agreement: Agreement) -> None:
    """Pour every payment into the installments in order (plans.allocate): an overpayment covers the next
    installments, an underpayment leaves one partly paid; recomputed from all payments, so a payment corrected or
    deleted leaves the right figures."""
    installments = list(Installment.objects.select_for_update().filter(agreement=agreement).order_by("number"))
    paid = sum((p.amount for p in agreement.payments.all()), Decimal("0.00"))
    for installment, part in zip(installments, plans.allocate([i.amount_due for i in installments], paid), strict=True):
        installment.amount_paid = part
        if part >= installment.amount_due:
            installment.status = InstallmentStatus.PAID
        elif part > 0:
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
    receipt_files: Iterable = (),
    note: str = "",
) -> Payment:
    """Record a payment and allocate it; more than what is still owed is refused, not silently kept.

    Files given as `receipt_files` become the case's evidence of the payment, through the upload checks. The lender
    and the case move to "repaying", or to "settled" with the last fen.
    """
    value = validators.clean_amount(amount, field="amount")
    if value <= 0:
        raise ValidationError({"amount": _("还款金额应大于 0。")}, code="zero")
    paid_on = validators.clean_past_date(paid_on, field="paid_on", required=True)
    if receipt is not None and receipt.case_id != agreement.case_id:
        raise ValidationError({"receipt": _("只能选择本案件的材料。")}, code="foreign_evidence")
    files = list(receipt_files)
    with transaction.atomic():
        locked = (
            Agreement.objects.select_for_update(of=("self",)).select_related("case", "creditor").get(pk=agreement.pk)
        )
        outstanding = agreement_outstanding(locked)
        if value > outstanding:
            raise ValidationError(
                {
                    "amount": _("这笔还款超过了剩余应还金额 %(outstanding)s，请核对。")
                    % {"outstanding": plans.format_yuan(outstanding)}
                },
                code="overpayment",
            )
        if files:
            lender = locked.creditor.name if locked.creditor else locked.case.title
            title = _("%(name)s %(date)s 还款凭证") % {"name": lender, "date": paid_on.isoformat()}
            receipt = _evidence_with_files(locked.case, EvidenceKind.PAYMENT_RECEIPT, title, files)
        payment = Payment(agreement=locked, paid_on=paid_on, amount=value, receipt=receipt, note=(note or "").strip())
        _save(payment)
        _allocate_payments(locked)
        _follow_payments(locked)
    return payment


def payment_delete(*, payment: Payment) -> None:
    """Take a payment back (one typed wrong); a settled lender and case go back to repaying if something is owed."""
    with transaction.atomic():
        agreement = (
            Agreement.objects.select_for_update(of=("self",))
            .select_related("case", "creditor")
            .get(pk=payment.agreement_id)
        )
        payment.delete()
        _allocate_payments(agreement)
        _follow_payments(agreement)
