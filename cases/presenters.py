"""What a case looks like once written out: the documents' context, the names inside the case bundle, and the
text helpers that lists and file names go through. Built on the reads in selectors; nothing here writes."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import plans, selectors
from .models import Case, Creditor, EvidenceFile, EvidenceStatus, GeneratedDocument, HardshipReason


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
    for document in selectors.latest_ready_documents(selectors.case_documents(case)):
        lender = f"-{safe_file_name(document.creditor.name)}" if document.creditor else ""
        entries.append((f"{safe_file_name(document.get_kind_display())}{lender}-v{document.version}.pdf", document))
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


# A reason as the letter says it: a sentence, not a form's label.
REASON_SENTENCES = {
    HardshipReason.UNEMPLOYMENT: gettext_lazy("我失去了工作，没有了稳定的收入"),
    HardshipReason.ILLNESS: gettext_lazy("我（或家人）患病需要治疗，医疗开支增加，收入也受到影响"),
    HardshipReason.INCOME_DROP: gettext_lazy("我的收入大幅减少"),
    HardshipReason.FAMILY_CRISIS: gettext_lazy("家里发生了变故，开支骤增"),
    HardshipReason.DISASTER: gettext_lazy("我受到灾害或疫情的影响，收入中断"),
    HardshipReason.OTHER: gettext_lazy("我遇到了意外的困难"),
}
# Attachments still to come are promised within this many days of the document.
FOLLOW_UP_DAYS = 7


def _debt_row(debt, today) -> dict:
    return {
        "label": str(debt),
        "principal": debt.principal,
        "interest": debt.interest,
        "penalty": debt.penalty_interest,
        "fees": debt.fees,
        "total": debt.balance,
        "overdue_since": debt.overdue_since,
        "days_overdue": plans.days_overdue(debt.overdue_since, today) if debt.overdue_since else 0,
    }


def _plan(creditor: Creditor, scenario: plans.Scenario | None) -> dict | None:
    if scenario is None:
        return None
    return {
        "kind": scenario.kind,
        "goal": creditor.get_goal_display(),
        "months": scenario.months,
        "grace_months": scenario.grace_months,
        "monthly_payment": scenario.monthly_payment,
        "down_payment": scenario.down_payment,
        "total_paid": scenario.total_paid,
        "balance": scenario.balance,
        "waived": scenario.waived,
        "waived_parts": waived_parts_text(scenario),
        "relief": scenario.relief,
        "extra_cost": scenario.extra_cost,
        "annual_rate": scenario.annual_rate,
        "annual_rate_percent": (scenario.annual_rate * 100).normalize(),
        # What the schedule spreads over the months: the plan's total less the down payment.
        "financed": scenario.total_paid - scenario.down_payment,
        "payments": len(scenario.schedule),
        "fees_added": scenario.fees_added,
        "interest_added": scenario.interest_added,
        "first_due": scenario.schedule[0].due_date if scenario.schedule else None,
        "fits_budget": scenario.fits_budget,
        "schedule": list(scenario.schedule),
        # A plan without interest prints no principal and interest columns: every payment is principal.
        "charges_interest": any(row.interest for row in scenario.schedule),
        "pause_interest_waived": creditor.deferral_waives_interest,
    }


def document_context(case: Case, creditor: Creditor) -> dict:
    """Everything one lender's proposal and letter show, computed once: the preview and the PDF render the same.

    Only this lender's accounts and amounts; the other lenders appear as one sum, and in the statement of income and
    expenditure as the shares the budget was split into.
    """
    today = timezone.localdate()
    creditors = selectors.case_creditors(case)
    creditor = next((c for c in creditors if c.pk == creditor.pk), creditor)
    debts = list(creditor.debts.all())
    debt_rows = [_debt_row(debt, today) for debt in debts]
    totals: dict = {
        name: sum((row[name] for row in debt_rows), Decimal("0.00"))
        for name in ("principal", "interest", "penalty", "fees", "total")
    }
    dates = [debt.overdue_since for debt in debts if debt.overdue_since]
    earliest = min(dates) if dates else case.overdue_since
    days = plans.days_overdue(earliest, today) if earliest else 0
    totals.update(overdue_since=earliest, days_overdue=days, credit_status=str(plans.credit_report_status(days)))
    entered = max((timezone.localtime(debt.updated_at).date() for debt in debts), default=today)

    split = selectors.budget_split(case, creditors)
    lender_plans = selectors.chosen_plans(case, split) if split is not None else []
    own = next((plan for plan in lender_plans if plan.creditor.pk == creditor.pk), None)
    others = [c for c in creditors if c.pk != creditor.pk]
    others_owed = sum((selectors.creditor_owed(c) for c in others), Decimal("0.00"))

    hardship = selectors.case_hardship(case)
    hardship_context = {
        "reasons": join_labels(hardship.reason_labels) if hardship else "",
        # Translators: the separator between two clauses of one sentence (a semicolon).
        "reason_sentences": _("；").join(
            str(REASON_SENTENCES[reason])
            for reason in (hardship.reasons if hardship else [])
            if reason in REASON_SENTENCES
        ),
        "since": hardship.since if hardship else None,
        "summary": first_two_sentences(hardship.narrative) if hardship else "",
        "narrative": hardship.narrative if hardship else "",
        "monthly_income": hardship.monthly_income if hardship else Decimal("0.00"),
        "income_before": hardship.income_before if hardship else None,
        "household_expenses": hardship.household_expenses if hardship else Decimal("0.00"),
        "other_fixed_payments": hardship.other_fixed_payments if hardship else Decimal("0.00"),
        "budget": hardship.monthly_budget if hardship else Decimal("0.00"),
        "dependents": hardship.dependents if hardship else 0,
    }
    statement = None
    if split is not None:
        statement = {
            "surplus": split.surplus,
            "margin": split.margin,
            "margin_is_default": split.margin_is_default,
            "available": split.available,
            "shares": [
                {"name": x.creditor.name, "owed": x.owed, "share": x.share, "this": x.creditor.pk == creditor.pk}
                for x in split.lenders
            ],
            "share": split.share_of(creditor),
            "total_owed": sum((x.owed for x in split.lenders), Decimal("0.00")),
        }
    evidence = selectors.case_evidence(case)
    attachments = [
        {
            "number": item.position,
            "title": item.display_title,
            "supports": item.get_supports_display(),
            "pages": sum(stored.pages for stored in item.files.all()),
            "to_come": item.status in (EvidenceStatus.MISSING, EvidenceStatus.REJECTED),
        }
        for item in evidence
    ]
    return {
        "doc": {"today": today, "case_title": case.title, "figures_entered": entered},
        "debtor": {"name": case.debtor_name, "masked_id": case.masked_id_number, "phone": case.contact_phone},
        "lender": {
            "name": creditor.name,
            "addressee": creditor.addressee,
            "account_phone": creditor.account_phone,
            "is_bank_card": creditor.is_bank_card,
            "kind": creditor.kind,
        },
        "debts": debt_rows,
        "totals": totals,
        "others": {"count": len(others), "owed": others_owed},
        "hardship": hardship_context,
        "plan": _plan(creditor, own.scenario if own else None),
        "statement": statement,
        "goal_note": creditor.goal_note,
        "attachments": [item for item in attachments if not item["to_come"]],
        "attachments_to_come": [item for item in attachments if item["to_come"]],
        "to_come_by": today + timedelta(days=FOLLOW_UP_DAYS),
    }


WAIVED_PART_LABELS = {
    plans.WaivedPart.INTEREST: gettext_lazy("利息"),
    plans.WaivedPart.PENALTY: gettext_lazy("罚息"),
    plans.WaivedPart.FEES: gettext_lazy("费用"),
    plans.WaivedPart.FUTURE_INTEREST_AND_PENALTY: gettext_lazy("今后的利息和罚息"),
    plans.WaivedPart.PAUSE_INTEREST: gettext_lazy("延期期间的利息"),
}


def waived_parts_text(scenario: plans.Scenario) -> str:
    """Exactly what a plan asks the lender to give up, named part by part: "利息 ¥300.00、罚息 ¥150.50"."""
    named = []
    for part, amount in scenario.waived_parts:
        label = str(WAIVED_PART_LABELS[part])
        named.append(f"{label} {plans.format_yuan(amount)}" if amount is not None else label)
    return join_labels(named)


def _asks(creditor: Creditor, plan: dict | None) -> list[str]:
    """What to ask this lender for, in sentences with the figures of the plan chosen for it."""
    if plan is None:
        return []
    yuan = plans.format_yuan
    asks = [
        _("%(goal)s：分 %(months)s 期，每月 %(monthly)s，合计 %(total)s。")
        % {
            "goal": plan["goal"],
            "months": plan["months"],
            "monthly": yuan(plan["monthly_payment"]),
            "total": yuan(plan["total_paid"]),
        }
    ]
    if plan["grace_months"]:
        asks.append(_("前 %(months)s 个月暂停还款。") % {"months": plan["grace_months"]})
    if plan["down_payment"]:
        asks.append(_("签协议时先还 %(amount)s。") % {"amount": yuan(plan["down_payment"])})
    if plan["waived_parts"]:
        asks.append(_("请求减免：%(parts)s。") % {"parts": plan["waived_parts"]})
    if creditor.goal_note:
        asks.append(creditor.goal_note)
    return asks


def talking_points(case: Case, creditor: Creditor) -> dict:
    """What to have in front of you when calling one lender: its figures, its share of the budget and the plan asked
    of it, the hardship in two sentences, what to ask for, and what was said last time."""
    today = timezone.localdate()
    creditors = selectors.case_creditors(case)
    creditor = next((c for c in creditors if c.pk == creditor.pk), creditor)
    debt_rows = [_debt_row(debt, today) for debt in creditor.debts.all()]
    split = selectors.budget_split(case, creditors)
    own = None
    if split is not None:
        own = next((p for p in selectors.chosen_plans(case, split) if p.creditor.pk == creditor.pk), None)
    plan = _plan(creditor, own.scenario if own else None)
    hardship = selectors.case_hardship(case)
    contacts = selectors.creditor_contacts(creditor)
    return {
        "lender": creditor,
        "debts": debt_rows,
        "owed": sum((row["total"] for row in debt_rows), Decimal("0.00")),
        "share": split.share_of(creditor) if split is not None else None,
        "plan": plan,
        "asks": _asks(creditor, plan),
        "reasons": join_labels(hardship.reason_labels) if hardship else "",
        "summary": first_two_sentences(hardship.narrative) if hardship else "",
        "last_contact": contacts[0] if contacts else None,
        "contact_count": len(contacts),
    }
