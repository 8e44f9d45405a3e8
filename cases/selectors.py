"""Reads that take more than one query, or that compute from several rows: the case with its parts, the plans."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from . import plans
from .models import Case, Debt, Evidence, EvidenceStatus


def cases_for_owner(owner) -> QuerySet[Case]:
    return Case.objects.filter(owner=owner)


def case_for_owner(owner, code) -> Case:
    """The one way a case is found for a request: by its public code and its owner, 404 for anyone else."""
    queryset = cases_for_owner(owner).select_related("hardship").prefetch_related("debts", "evidence")
    return get_object_or_404(queryset, code=code)


def case_debts(case: Case) -> list[Debt]:
    return list(case.debts.all())


def case_has_debts(case: Case) -> bool:
    return bool(case_debts(case))


def case_evidence(case: Case) -> list[Evidence]:
    return sorted(case.evidence.all(), key=lambda item: (item.position, item.pk))


def case_missing_evidence(case: Case) -> list[Evidence]:
    return [item for item in case_evidence(case) if item.status == EvidenceStatus.MISSING]


def case_total_balance(case: Case) -> Decimal:
    return sum((debt.balance for debt in case_debts(case)), Decimal("0.00"))


def case_budget(case: Case) -> Decimal | None:
    hardship = getattr(case, "hardship", None) if hasattr(case, "hardship") else None
    return hardship.monthly_budget if hardship is not None else None


def case_comparison(
    case: Case, *, months: int | None = None, down_payment: Decimal | None = None
) -> plans.Comparison | None:
    """The four scenarios for this case's own debts and budget; None until both are known."""
    debts = [debt.figures() for debt in case_debts(case) if debt.balance > 0]
    budget = case_budget(case)
    if not debts or budget is None:
        return None
    preferred = case.goal if case.goal in plans.ScenarioKind.__members__.values() else None
    try:
        return plans.compare_scenarios(
            debts,
            budget,
            first_due=case.first_due_date or plans.default_first_due(timezone.localdate()),
            months=months,
            down_payment=down_payment if down_payment is not None else Decimal("0"),
            preferred=preferred,
        )
    except ValueError:
        raise ValidationError(
            {"down_payment": _("首付不能达到或超过需要分期还的金额，请改小一些。")}, code="down_payment_too_large"
        ) from None


def chosen_scenario(case: Case) -> plans.Scenario | None:
    """The scenario the user asked for, with their months and down payment; None for "other" or too early."""
    try:
        comparison = case_comparison(case, months=case.requested_months, down_payment=case.down_payment)
    except ValidationError:
        return None
    if comparison is None:
        return None
    return next((s for s in comparison.scenarios if s.kind == case.goal), None)
