"""Reads that take more than one query, or that compute from several rows: the case with its parts, the plans."""

from decimal import Decimal

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from . import plans
from .models import (
    Case,
    Debt,
    DocumentKind,
    DocumentStatus,
    Evidence,
    EvidenceEvent,
    EvidenceFile,
    EvidenceStatus,
    GeneratedDocument,
    Hardship,
)


def cases_for_owner(owner) -> QuerySet[Case]:
    return Case.objects.filter(owner=owner)


def case_for_owner(owner, code) -> Case:
    """The one way a case is found for a request: by its public code and its owner, 404 for anyone else."""
    return get_object_or_404(cases_for_owner(owner), code=code)


def case_debts(case: Case) -> list[Debt]:
    return list(case.debts.all())


def case_has_debts(case: Case) -> bool:
    return bool(case_debts(case))


def case_evidence(case: Case) -> list[Evidence]:
    """The case's proof documents in attachment order, each with its files."""
    return list(case.evidence.prefetch_related("files").order_by("position", "pk"))


def case_missing_evidence(case: Case) -> list[Evidence]:
    """What the case still has to supply: nothing uploaded yet, or what the lender turned down."""
    return [item for item in case_evidence(case) if item.status in (EvidenceStatus.MISSING, EvidenceStatus.REJECTED)]


def evidence_events(evidence: Evidence) -> list[EvidenceEvent]:
    """The item's history, newest first."""
    return list(evidence.events.order_by("-created_at", "-id"))


def evidence_files(evidence: Evidence) -> list[EvidenceFile]:
    return sorted(evidence.files.all(), key=lambda item: (item.position, item.pk))


def case_total_balance(case: Case) -> Decimal:
    return sum((debt.balance for debt in case_debts(case)), Decimal("0.00"))


def case_hardship(case: Case) -> Hardship | None:
    """The case's hardship row, or None before the budget or hardship step has been saved."""
    try:
        return case.hardship
    except Hardship.DoesNotExist:
        return None


def case_budget(case: Case) -> Decimal | None:
    hardship = case_hardship(case)
    return hardship.monthly_budget if hardship is not None else None


def _debt_figures(case: Case) -> list[plans.DebtFigures]:
    return [debt.figures() for debt in case_debts(case) if debt.balance > 0]


def down_payment_too_large(case: Case, down_payment: Decimal | None) -> bool:
    """Whether a down payment leaves nothing to spread over the months in some scenario."""
    debts = _debt_figures(case)
    return bool(debts and down_payment and down_payment >= plans.largest_down_payment(debts))


def case_comparison(
    case: Case, *, months: int | None = None, down_payment: Decimal | None = None
) -> plans.Comparison | None:
    """The four scenarios for this case's own debts and budget; None until both are known, or when the down payment
    leaves nothing to spread (`down_payment_too_large` says so)."""
    debts = _debt_figures(case)
    budget = case_budget(case)
    down = down_payment if down_payment is not None else Decimal("0")
    if not debts or budget is None or down >= plans.largest_down_payment(debts):
        return None
    preferred = plans.ScenarioKind(case.goal) if case.goal in set(plans.ScenarioKind) else None
    return plans.compare_scenarios(
        debts,
        budget,
        first_due=case.first_due_date or plans.default_first_due(timezone.localdate()),
        months=months,
        down_payment=down,
        preferred=preferred,
    )


def chosen_scenario(case: Case) -> plans.Scenario | None:
    """The scenario the user asked for, with their months and down payment; None for "other" or too early."""
    comparison = case_comparison(case, months=case.requested_months, down_payment=case.down_payment)
    if comparison is None:
        return None
    return next((s for s in comparison.scenarios if s.kind == case.goal), None)


def case_with_parts(case_id: int) -> Case:
    """A case with the rows its documents read, for the worker (which has no request and no owner check)."""
    return Case.objects.select_related("hardship").prefetch_related("debts", "evidence__files").get(pk=case_id)


def outdated_documents(case: Case, by_kind: dict[str, list]) -> set[int]:
    """The newest ready version of each document when the case changed after it was made: it prints old figures or
    an old attachment list, and must be generated again before it is sent."""
    changed = case.documents_changed_at
    latest = [next((d for d in versions if d.status == DocumentStatus.READY), None) for versions in by_kind.values()]
    return {d.pk for d in latest if d is not None and changed is not None and d.created_at < changed}


def case_documents(case: Case) -> dict[str, list]:
    """Every version of each document, newest first, keyed by kind."""
    documents = list(GeneratedDocument.objects.filter(case=case).order_by("kind", "-version"))
    return {kind: [d for d in documents if d.kind == kind] for kind in DocumentKind.values}
