"""Reads that take more than one query, or that compute from several rows: the case with its parts, the plans."""

import functools
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from enum import StrEnum

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from . import charts, plans
from .models import (
    Agreement,
    Case,
    CaseStatus,
    CaseStatusChange,
    ContactLog,
    Creditor,
    Debt,
    DocumentKind,
    DocumentStatus,
    Evidence,
    EvidenceEvent,
    EvidenceFile,
    EvidenceStatus,
    GeneratedDocument,
    Hardship,
    Offer,
    Payment,
    Reminder,
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


def case_missing_evidence(case: Case, evidence: list[Evidence] | None = None) -> list[Evidence]:
    """What the case still has to supply: nothing uploaded yet, or what the lender turned down (from the evidence the
    caller has read, when it has)."""
    evidence = case_evidence(case) if evidence is None else evidence
    return [item for item in evidence if item.status in (EvidenceStatus.MISSING, EvidenceStatus.REJECTED)]


def evidence_events(evidence: Evidence) -> list[EvidenceEvent]:
    """The item's history, newest first."""
    return list(evidence.events.order_by("-created_at", "-id"))


def evidence_files(evidence: Evidence) -> list[EvidenceFile]:
    return sorted(evidence.files.all(), key=lambda item: (item.position, item.pk))


def case_total_balance(case: Case, debts: list[Debt] | None = None) -> Decimal:
    return sum((debt.balance for debt in (case_debts(case) if debts is None else debts)), Decimal("0.00"))


def case_hardship(case: Case) -> Hardship | None:
    """The case's hardship row, or None before the budget or hardship step has been saved."""
    try:
        return case.hardship
    except Hardship.DoesNotExist:
        return None


def case_budget(case: Case) -> Decimal | None:
    hardship = case_hardship(case)
    return hardship.monthly_budget if hardship is not None else None


def case_with_parts(case_id: int) -> Case:
    """A case with the rows its documents read, for the worker (which has no request and no owner check)."""
    return Case.objects.select_related("hardship").prefetch_related("debts", "evidence__files").get(pk=case_id)


def outdated_documents(case: Case, by_kind: dict[str, list]) -> set[int]:
    """The newest ready version of each document when the case changed after it was made: it prints old figures or
    an old attachment list, and must be generated again before it is sent."""
    changed = case.documents_changed_at
    return {d.pk for d in latest_ready_documents(by_kind) if changed is not None and d.created_at < changed}


def latest_ready_documents(by_kind: dict[str, list]) -> list[GeneratedDocument]:
    """The newest ready version of each lender's proposal and letter (and of the versions made before documents were
    per lender), in the order given."""
    latest: dict[tuple[int | None, str], GeneratedDocument] = {}
    for kind, versions in by_kind.items():
        for document in versions:
            if document.status == DocumentStatus.READY:
                latest.setdefault((document.creditor_id, kind), document)
    return list(latest.values())


def case_documents(case: Case) -> dict[str, list]:
    """Every version of each document, newest first, keyed by kind."""
    documents = list(
        GeneratedDocument.objects.filter(case=case).select_related("creditor").order_by("kind", "-version")
    )
    return {kind: [d for d in documents if d.kind == kind] for kind in DocumentKind.values}


# --- lenders and the budget shared across them ----------------------------------------------------------------


def case_creditors(case: Case) -> list[Creditor]:
    """The lenders of the case, each with its debts, in the order they were first entered."""
    return list(case.creditors.prefetch_related("debts").order_by("position", "pk"))


def creditor_owed(creditor: Creditor) -> Decimal:
    return sum((debt.balance for debt in creditor.debts.all()), Decimal("0.00"))


@dataclass(frozen=True)
class LenderShare:
    creditor: Creditor
    owed: Decimal
    share: Decimal
    moved_by_hand: bool


@dataclass(frozen=True)
class BudgetSplit:
    """The monthly surplus, what stays with the debtor, and what is left shared across the lenders."""

    surplus: Decimal
    margin: Decimal
    margin_is_default: bool
    available: Decimal
    lenders: tuple[LenderShare, ...]
    # The amounts moved by hand add up to more than is available: they are ignored until the user lowers them.
    moved_too_much: bool

    @property
    def shared(self) -> Decimal:
        return sum((lender.share for lender in self.lenders), Decimal("0.00"))

    def share_of(self, creditor: Creditor) -> Decimal:
        return next((lender.share for lender in self.lenders if lender.creditor.pk == creditor.pk), Decimal("0.00"))


def budget_split(case: Case, creditors: list[Creditor] | None = None) -> BudgetSplit | None:
    """The fair share of each lender (plans.fair_shares); None until the budget is known."""
    hardship = case_hardship(case)
    if hardship is None:
        return None
    creditors = case_creditors(case) if creditors is None else creditors
    surplus = hardship.monthly_budget
    margin_is_default = hardship.safety_margin is None
    margin = plans.safety_margin(surplus) if hardship.safety_margin is None else hardship.safety_margin
    margin = min(margin, max(surplus, Decimal("0.00")))
    available = plans.available_for_lenders(surplus, margin)
    owed = [creditor_owed(creditor) for creditor in creditors]
    moved = [creditor.monthly_share for creditor in creditors]
    if not creditors:
        return BudgetSplit(surplus, margin, margin_is_default, available, (), moved_too_much=False)
    try:
        shares = plans.fair_shares(available, owed, fixed=moved)
        moved_too_much = False
    except ValueError:
        shares = plans.fair_shares(available, owed)
        moved_too_much = True
    lenders = tuple(
        LenderShare(creditor, amount_owed, share, creditor.monthly_share is not None and not moved_too_much)
        for creditor, amount_owed, share in zip(creditors, owed, shares, strict=True)
    )
    return BudgetSplit(surplus, margin, margin_is_default, available, lenders, moved_too_much)


def creditor_comparison(
    creditor: Creditor, share: Decimal, *, months: int | None = None, down_payment: Decimal | None = None
) -> plans.Comparison | None:
    """The four scenarios for one lender's debts and its share of the budget, with what that lender quoted."""
    debts = [debt.figures() for debt in creditor.debts.all() if debt.balance > 0]
    down = down_payment if down_payment is not None else Decimal("0")
    if not debts or down >= plans.largest_down_payment(debts):
        return None
    preferred = plans.ScenarioKind(creditor.goal) if creditor.goal in set(plans.ScenarioKind) else None
    return _compare_scenarios(
        tuple(debts),
        share,
        first_due=creditor.case.first_due_date or plans.default_first_due(timezone.localdate()),
        months=months,
        down_payment=down,
        preferred=preferred,
        installment_annual_rate=creditor.installment_annual_rate,
        installment_fee=creditor.installment_fee,
        deferral_months=creditor.deferral_months,
        deferral_waives_interest=creditor.deferral_waives_interest,
    )


# plans.compare_scenarios is pure and its results are frozen: the same figures give the same plans, so a case shown
# again (its page, the documents section polled while a version renders, the plan step, each lender's checks)
# reuses them instead of working out four schedules per lender each time. The date is part of the key.
_compare_scenarios = functools.lru_cache(maxsize=1024)(plans.compare_scenarios)


def creditor_down_payment_too_large(creditor: Creditor, down_payment: Decimal | None) -> bool:
    debts = [debt.figures() for debt in creditor.debts.all() if debt.balance > 0]
    return bool(debts and down_payment and down_payment >= plans.largest_down_payment(debts))


@dataclass(frozen=True)
class LenderPlan:
    """A lender, its share, and the scenario chosen for it (None until chosen, or for "other")."""

    creditor: Creditor
    share: Decimal
    scenario: plans.Scenario | None


def chosen_plans(case: Case, split: BudgetSplit | None = None) -> list[LenderPlan]:
    """The plan chosen for each lender, with the months and down payment asked of it."""
    split = budget_split(case) if split is None else split
    if split is None:
        return []
    result = []
    for lender in split.lenders:
        creditor = lender.creditor
        comparison = creditor_comparison(
            creditor, lender.share, months=creditor.requested_months, down_payment=creditor.down_payment
        )
        scenario = None
        if comparison is not None:
            scenario = next((s for s in comparison.scenarios if s.kind == creditor.goal), None)
        result.append(LenderPlan(creditor, lender.share, scenario))
    return result


def lender_plan(case: Case, creditor: Creditor) -> LenderPlan | None:
    """One lender's share and chosen plan; None until the budget is known."""
    split = budget_split(case)
    if split is None:
        return None
    return next((plan for plan in chosen_plans(case, split) if plan.creditor.pk == creditor.pk), None)


def monthly_total_of_plans(plans_chosen: list[LenderPlan]) -> Decimal:
    """What the chosen plans ask each month, all lenders together, at their largest payment."""
    return sum((plan.scenario.largest_payment for plan in plans_chosen if plan.scenario is not None), Decimal("0.00"))


# --- what must be there before a lender's documents are made --------------------------------------------------


@dataclass(frozen=True)
class Missing:
    """Something a lender's documents cannot go out without, and the wizard step (or "lender": the lender's own
    page) where it is filled in."""

    message: str
    step: str


def document_blockers(case: Case, creditor: Creditor, split: BudgetSplit | None = None) -> list[Missing]:
    """What stops this lender's proposal and letter from being made: a document with a blank name or a plan the
    debtor cannot pay is worse than none."""
    missing = []
    if not case.debtor_name:
        missing.append(Missing(_("您的姓名"), "contact"))
    if not case.id_number:
        missing.append(Missing(_("身份证号"), "contact"))
    if not case.contact_phone:
        missing.append(Missing(_("联系电话"), "contact"))
    if not creditor.legal_name:
        missing.append(Missing(_("%(name)s的机构全称") % {"name": creditor.name}, "lender"))
    if case_hardship(case) is None or case.hardship.budget_updated_at is None:
        missing.append(Missing(_("每月收入和支出"), "budget"))
    if not creditor.goal:
        missing.append(Missing(_("向%(name)s申请的方案") % {"name": creditor.name}, "plan"))
    split = budget_split(case) if split is None else split
    if split is not None and creditor.goal:
        asked = monthly_total_of_plans(chosen_plans(case, split))
        if asked > split.available:
            missing.append(
                Missing(
                    _("各家方案每月合计 %(asked)s，超出了可分给各家的 %(available)s：请把期数改长或调整分配")
                    % {"asked": plans.format_yuan(asked), "available": plans.format_yuan(split.available)},
                    "plan",
                )
            )
    return missing


# --- contacts and the timeline ----------------------------------------------------------------------------------


def case_contacts(case: Case) -> list[ContactLog]:
    """Every contact of the case, newest first, each with its lender and its recording's or screenshots' files."""
    return list(
        case.contacts.select_related("creditor", "evidence")
        .prefetch_related("evidence__files")
        .order_by("-occurred_at", "-id")
    )


def creditor_contacts(creditor: Creditor) -> list[ContactLog]:
    """One lender's contacts, newest first."""
    return list(
        creditor.contacts.select_related("evidence").prefetch_related("evidence__files").order_by("-occurred_at", "-id")
    )


@dataclass(frozen=True)
class LenderContacts:
    """A lender and its contacts, newest first; `creditor` None holds the calls logged before contacts had one."""

    creditor: Creditor | None
    contacts: list[ContactLog]

    @property
    def next_follow_up(self) -> date | None:
        """The follow-up date the latest contact set: the next thing to do with this lender."""
        return self.contacts[0].next_follow_up if self.contacts else None


def contacts_by_lender(creditors: list[Creditor], contacts: list[ContactLog]) -> list[LenderContacts]:
    """The contacts grouped by lender, in the lenders' order; contacts without a lender last, if any."""
    groups = [LenderContacts(c, [x for x in contacts if x.creditor_id == c.pk]) for c in creditors]
    known = {creditor.pk for creditor in creditors}
    orphans = [x for x in contacts if x.creditor_id not in known]
    if orphans:
        groups.append(LenderContacts(None, orphans))
    return groups


class TimelineKind(StrEnum):
    CONTACT = "contact"
    DOCUMENT = "document"
    EVIDENCE = "evidence"
    STATUS = "status"


@dataclass(frozen=True)
class TimelineEntry:
    """One thing that happened in a case. `date_only`: the user gave the day, not the time (evidence sent on...)."""

    at: datetime
    kind: str
    item: ContactLog | GeneratedDocument | EvidenceEvent | CaseStatusChange
    date_only: bool = False


# What the timeline shows of an item's history: what happened with the lender, not the uploads themselves.
TIMELINE_EVIDENCE_STATUSES = (EvidenceStatus.SENT, EvidenceStatus.ACCEPTED, EvidenceStatus.REJECTED)


def _on_day(day: date, recorded: datetime) -> tuple[datetime, bool]:
    """When an evidence step happened: its recording time if it was recorded that day, else midday of its day."""
    if timezone.localtime(recorded).date() == day:
        return recorded, False
    return timezone.make_aware(datetime.combine(day, time(12))), True


def case_timeline(
    case: Case, contacts: list[ContactLog] | None = None, documents: list[GeneratedDocument] | None = None
) -> list[TimelineEntry]:
    """Contacts, documents made, evidence sent, accepted or rejected, and status changes, newest first, in the
    same few queries however long the case's history (the contacts and the documents (every version, each with its
    lender) may come from the caller, read once)."""
    contacts = case_contacts(case) if contacts is None else contacts
    entries = [TimelineEntry(contact.occurred_at, TimelineKind.CONTACT, contact) for contact in contacts]
    if documents is None:
        documents = list(GeneratedDocument.objects.filter(case=case).select_related("creditor"))
    entries += [
        TimelineEntry(document.finished_at or document.created_at, TimelineKind.DOCUMENT, document)
        for document in documents
        if document.status == DocumentStatus.READY
    ]
    events = EvidenceEvent.objects.select_related("evidence").filter(evidence__case=case)
    for event in events.filter(status__in=TIMELINE_EVIDENCE_STATUSES):
        at, date_only = _on_day(event.on, event.created_at)
        entries.append(TimelineEntry(at, TimelineKind.EVIDENCE, event, date_only))
    entries += [
        TimelineEntry(change.changed_at, TimelineKind.STATUS, change)
        for change in CaseStatusChange.objects.filter(case=case).select_related("creditor")
    ]
    return sorted(entries, key=lambda entry: (entry.at, entry.kind, entry.item.pk), reverse=True)


# --- what a lender offered, the agreement and its payments ------------------------------------------------------


def creditor_share(case: Case, creditor: Creditor) -> Decimal | None:
    """The lender's share of the budget each month; None until the budget is known."""
    split = budget_split(case)
    return None if split is None else split.share_of(creditor)


@dataclass(frozen=True)
class OfferFit:
    """An offer with its schedule and how its hardest month compares with the lender's share."""

    offer: Offer
    schedule: list[plans.ScheduleRow]
    fit: plans.Fit | None  # None until the budget is known
    expired: bool


def creditor_offers(creditor: Creditor, share: Decimal | None, today: date) -> list[OfferFit]:
    """The lender's offers, newest first, each compared at once with its share."""
    result = []
    for offer in creditor.offers.order_by("-received_on", "-id"):
        schedule = plans.agreed_schedule(
            offer.total_to_repay,
            offer.down_payment,
            offer.fee,
            offer.annual_rate,
            offer.months,
            offer.first_due_date or plans.default_first_due(offer.received_on),
        )
        fit = plans.fit_to_share(schedule, share) if share is not None else None
        expired = offer.valid_until is not None and offer.valid_until < today
        result.append(OfferFit(offer, schedule, fit, expired))
    return result


def creditor_agreement(creditor: Creditor) -> Agreement | None:
    return (
        Agreement.objects.filter(creditor=creditor)
        .select_related("signed_copy")
        .prefetch_related("installments", "payments__receipt")
        .first()
    )


@dataclass(frozen=True)
class AgreementProgress:
    """An agreement on a given day: each installment's state, what is paid and still owed, what to pay next and
    which installments were missed."""

    agreement: Agreement
    rows: list[plans.TrackedInstallment]
    payments: list[Payment]
    scheduled: Decimal
    paid: Decimal

    @property
    def outstanding(self) -> Decimal:
        return self.scheduled - self.paid

    @property
    def settled(self) -> bool:
        return self.outstanding <= 0

    @property
    def largest_installment(self) -> Decimal:
        """What has to be found in the hardest month: compared with the lender's share."""
        return max((row.amount_due for row in self.rows), default=Decimal("0.00"))

    @property
    def missed(self) -> list[plans.TrackedInstallment]:
        return [row for row in self.rows if row.state == plans.DueState.OVERDUE]

    @property
    def next(self) -> plans.TrackedInstallment | None:
        """The next installment to pay, carrying what missed ones still owe; None when only missed ones are left."""
        return next((row for row in self.rows if row.state not in (plans.DueState.PAID, plans.DueState.OVERDUE)), None)

    def schedule(self) -> list[plans.Due]:
        return [plans.Due(row.number, row.due_date, row.amount_due) for row in self.rows]


def agreement_progress(agreement: Agreement, today: date) -> AgreementProgress:
    """Reads the installments and payments through the agreement's prefetch when there is one."""
    installments = sorted(agreement.installments.all(), key=lambda item: item.number)
    payments = sorted(agreement.payments.all(), key=lambda item: (item.paid_on, item.pk))
    paid = sum((payment.amount for payment in payments), Decimal("0.00"))
    schedule = [plans.Due(i.number, i.due_date, i.amount_due) for i in installments]
    return AgreementProgress(
        agreement=agreement,
        rows=plans.track(schedule, paid, today),
        payments=payments,
        scheduled=sum((i.amount_due for i in installments), Decimal("0.00")),
        paid=paid,
    )


def payment_carry(progress: AgreementProgress, payment: Payment) -> plans.Carry:
    """Where a payment just recorded went: paid off installments, carried to the next one, or fell short."""
    return plans.carry(progress.schedule(), progress.paid - payment.amount, payment.amount)


# --- reminders --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Notice:
    """A reminder as the user reads it, in the app and in the e-mail."""

    reminder: Reminder
    lender: str
    lender_contact: str
    due_date: date
    days_left: int
    number: int | None = None  # the installment's number
    amount_left: Decimal | None = None  # what the installment still needs


def reminder_notice(reminder: Reminder, *, today: date) -> Notice:
    """Reads the reminder's installment, agreement and lender, or contact: select them with it."""
    days_left = (reminder.due_date - today).days
    installment = reminder.installment
    if installment is not None:
        creditor = installment.agreement.creditor
        return Notice(
            reminder,
            lender=creditor.name if creditor else reminder.case.title,
            lender_contact=creditor.contact if creditor else "",
            due_date=reminder.due_date,
            days_left=days_left,
            number=installment.number,
            amount_left=installment.outstanding,
        )
    creditor = reminder.contact.creditor if reminder.contact is not None else None
    return Notice(
        reminder,
        lender=creditor.name if creditor else reminder.case.title,
        lender_contact=creditor.contact if creditor else "",
        due_date=reminder.due_date,
        days_left=days_left,
    )


def unread_notices(owner, today: date, limit: int = 20) -> list[Notice]:
    """The user's reminders not yet marked as read, newest first: one query whatever their number."""
    reminders = (
        Reminder.objects.filter(case__owner=owner, read_at__isnull=True)
        .select_related("case", "installment__agreement__creditor", "contact__creditor")
        .order_by("-created_at", "-id")[:limit]
    )
    return [reminder_notice(reminder, today=today) for reminder in reminders]


# --- the dashboard ----------------------------------------------------------------------------------------------


class NextStep(StrEnum):
    OVERDUE = "overdue"  # an installment was missed: call the lender today
    PAY = "pay"  # the next installment
    SETTLED = "settled"
    ENTER_AGREEMENT = "enter_agreement"  # agreed, but the agreement is not entered yet
    FOLLOW_UP = "follow_up"  # a follow-up date set after a contact
    CONTACT = "contact"  # nothing asked of the lender yet
    WAIT = "wait"  # the lender is reviewing; no date set


@dataclass(frozen=True)
class NextAction:
    step: NextStep
    on: date | None = None
    amount: Decimal | None = None
    number: int | None = None


@dataclass(frozen=True)
class LenderLine:
    creditor: Creditor
    owed: Decimal  # what the agreement still asks, or what the debts come to before one
    progress: AgreementProgress | None
    action: NextAction


@dataclass(frozen=True)
class CaseLine:
    case: Case
    lenders: list[LenderLine]
    chart: charts.BalanceChart | None

    @property
    def owed(self) -> Decimal:
        return sum((lender.owed for lender in self.lenders), Decimal("0.00"))

    @property
    def action(self) -> tuple[Creditor, NextAction] | None:
        """The case's most pressing step: a missed installment first, then the earliest date, then the rest."""
        ranked = sorted(
            self.lenders,
            key=lambda line: (
                line.action.step != NextStep.OVERDUE,
                line.action.on is None,
                line.action.on or date.max,
                line.action.step == NextStep.SETTLED,
            ),
        )
        return (ranked[0].creditor, ranked[0].action) if ranked else None


def _lender_action(creditor: Creditor, progress: AgreementProgress | None, follow_up: date | None) -> NextAction:
    if progress is not None:
        if progress.missed:
            missed = progress.missed
            return NextAction(
                NextStep.OVERDUE, missed[0].due_date, sum((row.left for row in missed), Decimal()), missed[0].number
            )
        upcoming = progress.next
        if upcoming is not None:
            return NextAction(NextStep.PAY, upcoming.due_date, upcoming.to_pay, upcoming.number)
        return NextAction(NextStep.SETTLED)
    if creditor.status in (CaseStatus.AGREED, CaseStatus.REPAYING):
        return NextAction(NextStep.ENTER_AGREEMENT)
    if follow_up is not None:
        return NextAction(NextStep.FOLLOW_UP, follow_up)
    if creditor.status == CaseStatus.PREPARING:
        return NextAction(NextStep.CONTACT)
    return NextAction(NextStep.WAIT)


def _case_chart(progresses: list[AgreementProgress], today: date) -> charts.BalanceChart | None:
    """All of the case's agreements together: the scheduled balance after each due date, the actual one after each
    payment."""
    if not progresses:
        return None
    start = min(plans.add_months(p.agreement.first_due_date, -1) for p in progresses)
    total = sum((p.scheduled for p in progresses), Decimal("0.00"))
    due = [(row.due_date, row.amount_due) for p in progresses for row in p.rows]
    paid = [(payment.paid_on, payment.amount) for p in progresses for payment in p.payments]
    return charts.balance_chart(
        plans.remaining_over_time(start, total, due), plans.remaining_over_time(start, total, paid), today
    )


def dashboard(owner, today: date) -> list[CaseLine]:
    """Every case of the user with each lender's status, next step and its date, what is owed, and the chart.

    A fixed number of queries, whatever the number of cases, lenders, installments and payments: each kind of row
    is read once for all cases and put together here.
    """
    cases = list(cases_for_owner(owner).order_by("-updated_at", "-id"))
    creditors = list(
        Creditor.objects.filter(case__owner=owner).prefetch_related("debts").order_by("case", "position", "pk")
    )
    agreements = list(Agreement.objects.filter(case__owner=owner).prefetch_related("installments", "payments", "debts"))
    # The latest contact with each lender says when to follow up (a later contact replaces an earlier date).
    follow_ups: dict[int | None, date | None] = {}
    for creditor_id, follow_up in (
        ContactLog.objects.filter(case__owner=owner)
        .order_by("-occurred_at", "-id")
        .values_list("creditor_id", "next_follow_up")
    ):
        follow_ups.setdefault(creditor_id, follow_up)
    progress_by_creditor: dict[int, AgreementProgress] = {}
    progress_by_case: dict[int, list[AgreementProgress]] = {}
    for agreement in agreements:
        progress = agreement_progress(agreement, today)
        progress_by_case.setdefault(agreement.case_id, []).append(progress)
        of_debts = {debt.creditor_id for debt in agreement.debts.all()}
        lender_id = agreement.creditor_id or (of_debts.pop() if len(of_debts) == 1 else None)
        if lender_id is not None:
            progress_by_creditor[lender_id] = progress
    lines = []
    for case in cases:
        lenders = []
        for creditor in (c for c in creditors if c.case_id == case.pk):
            found = progress_by_creditor.get(creditor.pk)
            owed = found.outstanding if found is not None else creditor_owed(creditor)
            action = _lender_action(creditor, found, follow_ups.get(creditor.pk))
            lenders.append(LenderLine(creditor, owed, found, action))
        lines.append(CaseLine(case, lenders, _case_chart(progress_by_case.get(case.pk, []), today)))
    return lines
