"""Reads that take more than one query, or that compute from several rows: the case with its parts, the plans."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

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


def join_labels(labels) -> str:
    """A list of names in a sentence: 失业、疾病 in Chinese, "job loss, illness" in English."""
    # Translators: the separator between items of a list inside a sentence.
    return _("、").join(str(label) for label in labels)


def cases_for_owner(owner) -> QuerySet[Case]:
    return Case.objects.filter(owner=owner)


def case_for_owner(owner, code) -> Case:
    """The one way a case is found for a request: by its public code and its owner, 404 for anyone else."""
    queryset = cases_for_owner(owner).select_related("hardship").prefetch_related("debts", "evidence__files")
    return get_object_or_404(queryset, code=code)


def case_debts(case: Case) -> list[Debt]:
    return list(case.debts.all())


def case_has_debts(case: Case) -> bool:
    return bool(case_debts(case))


def case_evidence(case: Case) -> list[Evidence]:
    return sorted(case.evidence.all(), key=lambda item: (item.position, item.pk))


def case_missing_evidence(case: Case) -> list[Evidence]:
    """What the case still has to supply: nothing uploaded yet, or what the lender turned down."""
    return [item for item in case_evidence(case) if item.status in (EvidenceStatus.MISSING, EvidenceStatus.REJECTED)]


def evidence_events(evidence: Evidence) -> list[EvidenceEvent]:
    """The item's history, newest first."""
    return list(evidence.events.order_by("-created_at", "-id"))


def evidence_files(evidence: Evidence) -> list[EvidenceFile]:
    return sorted(evidence.files.all(), key=lambda item: (item.position, item.pk))


def case_bundle_entries(case: Case) -> list[tuple[str, EvidenceFile | GeneratedDocument]]:
    """What the case bundle (ZIP) holds, with the name each file gets inside it: the latest ready version of each
    document, then every evidence file under its attachment number, in the order of the case page."""
    entries: list[tuple[str, EvidenceFile | GeneratedDocument]] = []
    for versions in case_documents(case).values():
        ready = [d for d in versions if d.status == DocumentStatus.READY]
        if ready:
            entries.append((f"{safe_file_name(ready[0].get_kind_display())}-v{ready[0].version}.pdf", ready[0]))
    for item in case_evidence(case):
        files = evidence_files(item)
        for number, stored in enumerate(files, start=1):
            # Translators: a file name inside the case bundle, e.g. 附件03-身份证-2.jpg
            stem = _("附件%(number)02d-%(title)s") % {
                "number": item.position,
                "title": safe_file_name(item.display_title),
            }
            suffix = f"-{number}" if len(files) > 1 else ""
            entries.append((f"{stem}{suffix}.{stored.extension}", stored))
    return entries


def safe_file_name(text: str) -> str:
    """A title usable as a file name on Windows, macOS and phones alike."""
    cleaned = "".join("_" if ch in '<>:"/\\|?*' or ord(ch) < 32 else ch for ch in str(text)).strip(" .")
    return cleaned[:60] or "_"


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


def _two_sentences(text: str) -> str:
    """The first two sentences of the user's own story, for the proposal's short summary."""
    text = " ".join((text or "").split())
    sentences, start = [], 0
    for index, char in enumerate(text):
        if char in "。！？!?；;" or (char == "." and index + 1 < len(text) and text[index + 1] == " "):
            sentences.append(text[start : index + 1].strip())
            start = index + 1
            if len(sentences) == 2:
                break
    if len(sentences) < 2 and text[start:].strip():
        sentences.append(text[start:].strip())
    return "".join(s if s[-1] not in "." else s + " " for s in sentences[:2]).strip()


def document_context(case: Case) -> dict:
    """Everything the proposal and the letter show, computed once: the preview and the PDF render the same."""
    today = timezone.localdate()
    debts = case_debts(case)
    debt_rows = []
    for debt in debts:
        days = plans.days_overdue(debt.overdue_since, today) if debt.overdue_since else 0
        debt_rows.append(
            {
                "label": str(debt),
                "principal": debt.principal,
                "interest": debt.interest,
                "penalty": debt.penalty_interest,
                "fees": debt.fees,
                "total": debt.balance,
                "overdue_since": debt.overdue_since,
                "days_overdue": days,
            }
        )
    dates = [d.overdue_since for d in debts if d.overdue_since] + ([case.overdue_since] if case.overdue_since else [])
    earliest = min(dates) if dates else None
    days = plans.days_overdue(earliest, today) if earliest else 0
    totals = {
        name: sum((row[name] for row in debt_rows), Decimal("0.00"))
        for name in ("principal", "interest", "penalty", "fees", "total")
    }
    totals.update(overdue_since=earliest, days_overdue=days, credit_status=str(plans.credit_report_status(days)))
    hardship = case_hardship(case)
    hardship_context = {
        "reasons": join_labels(hardship.reason_labels) if hardship else "",
        "since": hardship.since if hardship else None,
        "summary": _two_sentences(hardship.narrative) if hardship else "",
        "narrative": hardship.narrative if hardship else "",
        "monthly_income": hardship.monthly_income if hardship else Decimal("0.00"),
        "household_expenses": hardship.household_expenses if hardship else Decimal("0.00"),
        "other_fixed_payments": hardship.other_fixed_payments if hardship else Decimal("0.00"),
        "budget": hardship.monthly_budget if hardship else Decimal("0.00"),
        "dependents": hardship.dependents if hardship else 0,
    }
    scenario = chosen_scenario(case)
    plan = None
    if scenario is not None:
        plan = {
            "goal": case.get_goal_display(),
            "months": scenario.months,
            "grace_months": scenario.grace_months,
            "monthly_payment": scenario.monthly_payment,
            "down_payment": scenario.down_payment,
            "total_paid": scenario.total_paid,
            "waived": scenario.waived,
            "saved": scenario.saved,
            "first_due": scenario.schedule[0].due_date if scenario.schedule else None,
            "fits_budget": scenario.fits_budget,
            "schedule": list(scenario.schedule),
        }
    lenders = list(dict.fromkeys(str(debt) if debt.lender_name else debt.get_lender_display() for debt in debts))
    return {
        "doc": {"today": today, "case_title": case.title},
        "debtor": {"name": case.debtor_name, "masked_id": case.masked_id_number, "phone": case.contact_phone},
        "lenders": join_labels(lenders),
        "debts": debt_rows,
        "totals": totals,
        "hardship": hardship_context,
        "plan": plan,
        "goal_note": case.goal_note,
        "attachments": [
            {
                "number": item.position,
                "title": item.display_title,
                "supports": item.get_supports_display(),
                "pages": sum(stored.pages for stored in item.files.all()),
            }
            for item in case_evidence(case)
        ],
    }


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
