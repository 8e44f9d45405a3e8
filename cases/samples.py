"""A realistic sample case, built through the services as a user's own would be: the document tests render it and
the benchmark times it, so that what is measured is what is checked."""

from datetime import timedelta

from django.utils import timezone

from . import services
from .models import Case, Creditor

SAMPLE_NARRATIVE = "今年三月公司裁员，我失去了工作。随后母亲住院手术，家里积蓄用完了。现在做兼职，每月收入约六千元。"


def sample_case(*, owner, title: str, reasons: tuple[str, ...] = ("unemployment",)) -> Case:
    """Three debts (花呗, a bank card, 借呗: three lenders), a budget and a hardship with its checklist plus one
    hand-added item, a 36-month 停息挂账 request to each lender, and the debtor's name, phone and ID number."""
    case = services.case_create(owner=owner, title=title, overdue_products=["huabei", "credit_card"])
    services.debt_create(case=case, lender="huabei", principal="12000", interest="300", penalty_interest="150.50")
    services.debt_create(
        case=case, lender="credit_card", lender_name="招商银行", account_label="尾号1234", principal="8000", fees="50"
    )
    services.debt_create(case=case, lender="jiebei", principal="30000", interest="1200", penalty_interest="800")
    services.hardship_save(
        case=case,
        monthly_income="6000",
        household_expenses="3500",
        dependents=2,
        other_fixed_payments="0",
        reasons=list(reasons),
        since=timezone.localdate() - timedelta(days=200),
        narrative=SAMPLE_NARRATIVE,
    )
    services.evidence_create(case=case, kind="other", title="社区困难证明")
    for creditor in case.creditors.all():
        services.creditor_choose_plan(creditor=creditor, goal="interest_frozen", requested_months=36)
    services.case_update(case=case, debtor_name="张三", contact_phone="13800138000", id_number="11010519491231002X")
    return case


def sample_lender(case: Case) -> Creditor:
    """The sample's first lender (花呗): the one whose documents the tests and the benchmark print."""
    return case.creditors.order_by("position", "pk").first() or _no_lender(case)


def _no_lender(case: Case) -> Creditor:
    raise LookupError(f"case {case.pk} has no lender")
