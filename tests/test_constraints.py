"""The database itself refuses what the services refuse: a write that bypasses them (QuerySet.update, raw SQL, an
old admin form) still cannot store a negative amount, a rate out of range, an unknown status or a second row where
the code counts on one."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import IntegrityError, models, transaction

from cases import services
from cases.models import (
    Agreement,
    Case,
    CaseBundle,
    CaseGoal,
    CaseStatusChange,
    ContactLog,
    Creditor,
    Debt,
    DocumentKind,
    Evidence,
    EvidenceEvent,
    EvidenceKind,
    GeneratedDocument,
    Hardship,
    Installment,
    Offer,
    Payment,
    Reminder,
)

from .builders import make_agreement, make_case, make_contact, make_debt, make_hardship, ready_lender, today, upload


@pytest.fixture
def rows(owner, settings, tmp_path) -> dict[type[models.Model], models.Model]:
    """One row of each model with rules, all in one case, made the way the app makes them."""
    settings.MEDIA_ROOT = tmp_path
    case = make_case(owner)
    debt = make_debt(case, minimum_payment="500")
    services.creditor_choose_plan(creditor=debt.creditor, goal=CaseGoal.INSTALLMENTS, requested_months=12)
    hardship = make_hardship(case, dependents=1)
    evidence = case.evidence.get(kind=EvidenceKind.ID_CARD)
    upload(evidence)
    agreement = make_agreement(case, [debt], annual_rate="0.06")
    offer = services.offer_create(
        creditor=debt.creditor, received_on=today(), kind=CaseGoal.INSTALLMENTS, total_to_repay="9000", months=12
    )
    services.reminders_create(today=agreement.first_due_date - timedelta(days=3))
    return {
        Case: case,
        Debt: debt,
        Creditor: debt.creditor,
        Hardship: hardship,
        Evidence: evidence,
        EvidenceEvent: evidence.events.get(),
        ContactLog: make_contact(case),
        CaseStatusChange: CaseStatusChange.objects.filter(case=case).first(),
        Agreement: agreement,
        Installment: agreement.installments.get(number=1),
        Payment: services.payment_record(agreement=agreement, paid_on=today(), amount="100"),
        Offer: offer,
        Reminder: Reminder.objects.get(),
        GeneratedDocument: services.document_request(
            case=case, creditor=ready_lender(case), kind=DocumentKind.PROPOSAL, language="zh-hans"
        ),
        CaseBundle: services.bundle_request(case=case),
    }


# (model, field, a value the rule refuses, the constraint that refuses it)
REFUSED = [
    (Case, "status", "closed", "case_status_valid"),
    (Debt, "principal", Decimal("-1"), "debt_amounts_not_negative"),
    (Debt, "interest", Decimal("-1"), "debt_amounts_not_negative"),
    (Debt, "penalty_interest", Decimal("-1"), "debt_amounts_not_negative"),
    (Debt, "fees", Decimal("-1"), "debt_amounts_not_negative"),
    (Debt, "minimum_payment", Decimal("-1"), "debt_amounts_not_negative"),
    (Debt, "daily_rate", Decimal("-0.000001"), "debt_daily_rate_in_range"),
    (Debt, "daily_rate", Decimal("0.010001"), "debt_daily_rate_in_range"),
    (Debt, "lender", "loan_shark", "debt_lender_valid"),
    (Creditor, "kind", "loan_shark", "creditor_kind_valid"),
    (Creditor, "goal", "forgive_everything", "creditor_goal_valid"),
    (Creditor, "down_payment", Decimal("-0.01"), "creditor_amounts_not_negative"),
    (Creditor, "installment_fee", Decimal("-1"), "creditor_amounts_not_negative"),
    (Creditor, "monthly_share", Decimal("-1"), "creditor_amounts_not_negative"),
    (Creditor, "installment_annual_rate", Decimal("0.360001"), "creditor_installment_rate_in_range"),
    (Creditor, "deferral_months", 0, "creditor_deferral_months_in_range"),
    (Creditor, "deferral_months", 7, "creditor_deferral_months_in_range"),
    (Creditor, "requested_months", 0, "creditor_requested_months_in_range"),
    (Creditor, "requested_months", 61, "creditor_requested_months_in_range"),
    (Hardship, "monthly_income", Decimal("-1"), "hardship_amounts_not_negative"),
    (Hardship, "income_before", Decimal("-1"), "hardship_amounts_not_negative"),
    (Hardship, "safety_margin", Decimal("-1"), "hardship_amounts_not_negative"),
    (Hardship, "household_expenses", Decimal("-1"), "hardship_amounts_not_negative"),
    (Hardship, "other_fixed_payments", Decimal("-1"), "hardship_amounts_not_negative"),
    (Hardship, "dependents", 21, "hardship_dependents_in_range"),
    (Evidence, "kind", "selfie", "evidence_kind_valid"),
    (Evidence, "supports", "boredom", "evidence_supports_valid"),
    (Evidence, "status", "lost", "evidence_status_valid"),
    (EvidenceEvent, "status", "lost", "evidence_event_status_valid"),
    (ContactLog, "channel", "carrier_pigeon", "contact_channel_valid"),
    (ContactLog, "direction", "sideways", "contact_direction_valid"),
    (ContactLog, "outcome", "maybe", "contact_outcome_valid"),
    (CaseStatusChange, "new_status", "closed", "status_change_statuses_valid"),
    (CaseStatusChange, "old_status", "closed", "status_change_statuses_valid"),
    (Agreement, "amount_waived", Decimal("-1"), "agreement_amounts_not_negative"),
    (Agreement, "total_to_repay", Decimal("-1"), "agreement_amounts_not_negative"),
    (Agreement, "down_payment", Decimal("-1"), "agreement_amounts_not_negative"),
    (Agreement, "installment_count", 0, "agreement_installment_count_in_range"),
    (Agreement, "installment_count", 61, "agreement_installment_count_in_range"),
    (Agreement, "annual_rate", Decimal("-0.000001"), "agreement_annual_rate_in_range"),
    (Agreement, "annual_rate", Decimal("0.360001"), "agreement_annual_rate_in_range"),
    (Agreement, "kind", "forgive_everything", "agreement_kind_valid"),
    (Agreement, "balance_principal", Decimal("-1"), "agreement_stated_amounts_not_negative"),
    (Agreement, "stated_installment", Decimal("-1"), "agreement_stated_amounts_not_negative"),
    (Agreement, "plan_fee", Decimal("-0.01"), "agreement_stated_amounts_not_negative"),
    (Creditor, "status", "closed", "creditor_status_valid"),
    (Offer, "total_to_repay", Decimal("0"), "offer_amounts_valid"),
    (Offer, "fee", Decimal("-1"), "offer_amounts_valid"),
    (Offer, "months", 61, "offer_months_in_range"),
    (Offer, "annual_rate", Decimal("0.360001"), "offer_annual_rate_in_range"),
    (Offer, "kind", "forgive_everything", "offer_kind_valid"),
    # A follow-up reminder about an installment, not a contact.
    (Reminder, "kind", "follow_up", "reminder_names_its_subject"),
    (Reminder, "email_status", "lost", "reminder_email_status_valid"),
    (Installment, "amount_due", Decimal("-1"), "installment_amounts_not_negative"),
    (Installment, "principal", Decimal("-1"), "installment_amounts_not_negative"),
    (Installment, "interest", Decimal("-1"), "installment_amounts_not_negative"),
    (Installment, "amount_paid", Decimal("-1"), "installment_amounts_not_negative"),
    (Installment, "status", "forgotten", "installment_status_valid"),
    (Payment, "amount", Decimal("0"), "payment_amount_positive"),
    (Payment, "amount", Decimal("-100"), "payment_amount_positive"),
    (GeneratedDocument, "kind", "love_letter", "document_kind_valid"),
    (GeneratedDocument, "status", "lost", "document_status_valid"),
    (CaseBundle, "status", "lost", "bundle_status_valid"),
]

# The edges of each range, and the empty values, are still allowed: the rules are not stricter than the services.
ALLOWED = [
    (Debt, "minimum_payment", None),
    (Debt, "daily_rate", Decimal("0")),
    (Debt, "daily_rate", Decimal("0.01")),
    (Hardship, "dependents", 20),
    (Hardship, "income_before", None),
    (Hardship, "safety_margin", None),
    (Creditor, "goal", ""),
    (Creditor, "down_payment", Decimal("0")),
    (Creditor, "requested_months", None),
    (Creditor, "requested_months", 1),
    (Creditor, "requested_months", 60),
    (Creditor, "monthly_share", None),
    (Creditor, "deferral_months", 6),
    (Evidence, "supports", ""),
    (Agreement, "installment_count", 60),
    (Agreement, "annual_rate", Decimal("0")),
    (Agreement, "annual_rate", Decimal("0.36")),
    (Payment, "amount", Decimal("0.01")),
    (Agreement, "plan_fee", None),
    (Agreement, "plan_fee", Decimal("0")),
    (Offer, "months", 60),
]


def _id(value) -> str:
    return value.__name__ if isinstance(value, type) else str(value)


def check_constraint_names() -> set[str]:
    return {
        constraint.name
        for model in apps.get_app_config("cases").get_models()
        for constraint in model._meta.constraints
        if isinstance(constraint, models.CheckConstraint)
    }


def test_every_check_constraint_has_a_refused_value():
    assert {name for *_, name in REFUSED} == check_constraint_names()


@pytest.mark.parametrize(("model", "field", "value", "constraint"), REFUSED, ids=_id)
def test_the_database_refuses(rows, model, field, value, constraint):
    row = rows[model]
    with pytest.raises(IntegrityError) as refusal, transaction.atomic():
        model.objects.filter(pk=row.pk).update(**{field: value})
    # SQLite and PostgreSQL both name the constraint in the error.
    assert constraint in str(refusal.value)
    row.refresh_from_db()
    assert getattr(row, field) != value


@pytest.mark.parametrize(("model", "field", "value"), ALLOWED, ids=_id)
def test_the_database_accepts_the_edges(rows, model, field, value):
    row = rows[model]
    assert model.objects.filter(pk=row.pk).update(**{field: value}) == 1
    row.refresh_from_db()
    assert getattr(row, field) == value


def refused(write) -> str:
    with pytest.raises(IntegrityError) as refusal, transaction.atomic():
        write()
    return str(refusal.value)


def test_one_document_per_version(rows):
    case = rows[Case]
    GeneratedDocument.objects.filter(case=case).update(status="failed")  # finished: pressing again is a new version
    second = services.document_request(
        case=case, creditor=ready_lender(case), kind=DocumentKind.PROPOSAL, language="zh-hans"
    )
    assert second.version == 2
    refused(lambda: GeneratedDocument.objects.filter(pk=second.pk).update(version=1))
    # The other kind numbers its own versions.
    letter = services.document_request(
        case=case, creditor=ready_lender(case), kind=DocumentKind.HARDSHIP_LETTER, language="zh-hans"
    )
    assert letter.version == 1


def test_one_installment_per_number(rows):
    agreement = rows[Agreement]
    second = agreement.installments.get(number=2)
    refused(lambda: Installment.objects.filter(pk=second.pk).update(number=1))


def test_one_hardship_per_case(rows, owner):
    case = rows[Case]
    refused(lambda: Hardship.objects.create(case=case))
    other_hardship = make_hardship(make_case(owner, title="借呗"))
    refused(lambda: Hardship.objects.filter(pk=other_hardship.pk).update(case=case))


def test_the_checklist_lists_each_kind_once(rows):
    case = rows[Case]
    checklist = {item.kind: item for item in case.evidence.filter(from_checklist=True)}
    assert {EvidenceKind.ID_CARD, EvidenceKind.STATEMENT} <= set(checklist)
    statement = checklist[EvidenceKind.STATEMENT]
    message = refused(lambda: Evidence.objects.filter(pk=statement.pk).update(kind=EvidenceKind.ID_CARD))
    assert "evidence_checklist_kind_once" in message or "UNIQUE" in message


def test_items_the_user_adds_may_repeat_a_kind(rows):
    case = rows[Case]
    first = services.evidence_create(case=case, kind=EvidenceKind.PAYMENT_RECEIPT, title="三月还款截图")
    second = services.evidence_create(case=case, kind=EvidenceKind.PAYMENT_RECEIPT, title="四月还款截图")
    services.evidence_create(case=case, kind=EvidenceKind.ID_CARD, title="身份证反面")
    assert case.evidence.filter(kind=EvidenceKind.ID_CARD).count() == 2
    # but they cannot pass for a second checklist item
    Evidence.objects.filter(pk=first.pk).update(from_checklist=True)
    refused(lambda: Evidence.objects.filter(pk=second.pk).update(from_checklist=True))


def test_one_lender_per_name_and_kind_in_a_case(rows):
    creditor = rows[Creditor]
    refused(lambda: Creditor.objects.create(case=creditor.case, kind=creditor.kind, name=creditor.name))


def test_a_debt_always_has_its_lender(rows):
    refused(lambda: Debt.objects.filter(pk=rows[Debt].pk).update(creditor=None))
