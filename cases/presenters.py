"""What a case looks like once written out: the documents' context, the names inside the case bundle, and the
text helpers that lists and file names go through. Built on the reads in selectors; nothing here writes."""

from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from . import plans, selectors
from .models import Case, DocumentStatus, EvidenceFile, GeneratedDocument


def join_labels(labels) -> str:
    """A list of names in a sentence: 失业、疾病 in Chinese, "job loss, illness" in English."""
    # Translators: the separator between items of a list inside a sentence.
    return _("、").join(str(label) for label in labels)


def safe_file_name(text: str) -> str:
    """A title usable as a file name on Windows, macOS and phones alike."""
    cleaned = "".join("_" if ch in '<>:"/\\|?*' or ord(ch) < 32 else ch for ch in str(text)).strip(" .")
    return cleaned[:60] or "_"


def first_two_sentences(text: str) -> str:
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


def case_bundle_entries(case: Case) -> list[tuple[str, EvidenceFile | GeneratedDocument]]:
    """What the case bundle (ZIP) holds, with the name each file gets inside it: the latest ready version of each
    document, then every evidence file under its attachment number, in the order of the case page."""
    entries: list[tuple[str, EvidenceFile | GeneratedDocument]] = []
    for versions in selectors.case_documents(case).values():
        ready = [d for d in versions if d.status == DocumentStatus.READY]
        if ready:
            entries.append((f"{safe_file_name(ready[0].get_kind_display())}-v{ready[0].version}.pdf", ready[0]))
    for item in selectors.case_evidence(case):
        files = selectors.evidence_files(item)
        for number, stored in enumerate(files, start=1):
            # Translators: a file name inside the case bundle, e.g. 附件03-身份证-2.jpg
            stem = _("附件%(number)02d-%(title)s") % {
                "number": item.position,
                "title": safe_file_name(item.display_title),
            }
            suffix = f"-{number}" if len(files) > 1 else ""
            entries.append((f"{stem}{suffix}.{stored.extension}", stored))
    return entries


def document_context(case: Case) -> dict:
    """Everything the proposal and the letter show, computed once: the preview and the PDF render the same."""
    today = timezone.localdate()
    debts = selectors.case_debts(case)
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
    hardship = selectors.case_hardship(case)
    hardship_context = {
        "reasons": join_labels(hardship.reason_labels) if hardship else "",
        "since": hardship.since if hardship else None,
        "summary": first_two_sentences(hardship.narrative) if hardship else "",
        "narrative": hardship.narrative if hardship else "",
        "monthly_income": hardship.monthly_income if hardship else Decimal("0.00"),
        "household_expenses": hardship.household_expenses if hardship else Decimal("0.00"),
        "other_fixed_payments": hardship.other_fixed_payments if hardship else Decimal("0.00"),
        "budget": hardship.monthly_budget if hardship else Decimal("0.00"),
        "dependents": hardship.dependents if hardship else 0,
    }
    scenario = selectors.chosen_scenario(case)
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
            "waived_parts": waived_parts_text(scenario),
            "relief": scenario.relief,
            "extra_cost": scenario.extra_cost,
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
            for item in selectors.case_evidence(case)
        ],
    }


WAIVED_PART_LABELS = {
    plans.WaivedPart.INTEREST: _lazy("利息"),
    plans.WaivedPart.PENALTY: _lazy("罚息"),
    plans.WaivedPart.FEES: _lazy("费用"),
    plans.WaivedPart.FUTURE_INTEREST_AND_PENALTY: _lazy("今后的利息和罚息"),
    plans.WaivedPart.PAUSE_INTEREST: _lazy("延期期间的利息"),
}


def waived_parts_text(scenario: plans.Scenario) -> str:
    """Exactly what a plan asks the lender to give up, named part by part: "利息 ¥300.00、罚息 ¥150.50"."""
    named = []
    for part, amount in scenario.waived_parts:
        label = str(WAIVED_PART_LABELS[part])
        named.append(f"{label} {plans.format_yuan(amount)}" if amount is not None else label)
    return join_labels(named)
