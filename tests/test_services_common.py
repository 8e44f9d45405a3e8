"""What every service refuses alike (cases/services/common.py): bad amounts, dates and numbers of months, each
keyed by its field, in Chinese, and writing nothing; good amounts are saved to the cent."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest

from cases import services
from cases.models import Agreement, Case, Creditor, Debt, EvidenceKind, EvidenceStatus, Hardship, Payment

from .builders import give_file, make_agreement, make_contact, make_debt, today, tomorrow
from .checks import assert_refused, pair_ids

pytestmark = pytest.mark.django_db


# --- amounts, dates and months across the services -------------------------------------------------------------

AMOUNT_ERRORS = {
    "negative": "金额不能是负数。",
    "too_large": "金额不能超过 1000 万元，请检查是否多输了位数。",
    "too_precise": "金额最多保留两位小数（精确到分）。",
    "invalid": "请输入数字金额，例如 1234.56。",
}
BAD_AMOUNTS = [
    ("-0.01", "negative"),
    ("-1", "negative"),
    (Decimal("-5"), "negative"),
    ("10000000.01", "too_large"),
    ("1e8", "too_large"),
    (10_000_001, "too_large"),
    ("1.234", "too_precise"),
    ("0.001", "too_precise"),
    ("abc", "invalid"),
    ("12元", "invalid"),
    ("Infinity", "invalid"),
    ("-Infinity", "invalid"),
    ("inf", "invalid"),
    ("NaN", "invalid"),
    ("sNaN", "invalid"),
    (float("inf"), "invalid"),
    (float("nan"), "invalid"),
]

AMOUNT_FIELDS = [
    ("creditor_choose_plan", "down_payment"),
    ("creditor_choose_plan", "installment_fee"),
    *[("debt_create", f) for f in ("principal", "interest", "penalty_interest", "fees", "minimum_payment")],
    ("debt_update", "principal"),
    ("debt_update", "fees"),
    *[("hardship_save", f) for f in ("monthly_income", "household_expenses", "other_fixed_payments")],
    *[("agreement_create", f) for f in ("total_to_repay", "down_payment", "amount_waived")],
    ("payment_record", "amount"),
]


# Only what a service needs is built, which keeps the hundreds of cases below fast.
NEEDS = {
    "debt_update": ("debt",),
    "creditor_choose_plan": ("debt",),
    "agreement_create": ("debt",),
    "payment_record": ("agreement",),
}


def world_for(request, service: str) -> dict:
    return {name: request.getfixturevalue(name) for name in NEEDS.get(service, ())}


def call_with_amount(
    service: str, field: str, value, case: Case, debt: Debt | None = None, agreement: Agreement | None = None
):
    """Call one service with one amount field set to value, everything else valid."""
    if service == "creditor_choose_plan":
        return services.creditor_choose_plan(creditor=debt.creditor, goal="installments", **{field: value})
    if service == "debt_create":
        return make_debt(case, **{field: value})
    if service == "debt_update":
        return services.debt_update(debt=debt, **{field: value})
    if service == "hardship_save":
        return services.hardship_save(case=case, **{field: value})
    if service == "agreement_create":
        return make_agreement(case, [debt], **{field: value})
    assert service == "payment_record"
    return services.payment_record(agreement=agreement, paid_on=today(), **{field: value})


@pytest.mark.parametrize(("value", "code"), BAD_AMOUNTS, ids=[repr(v) for v, _ in BAD_AMOUNTS])
@pytest.mark.parametrize(("service", "field"), AMOUNT_FIELDS, ids=pair_ids(AMOUNT_FIELDS, "-"))
def test_bad_amounts_are_refused(request, case, service, field, value, code):
    world = world_for(request, service)
    messages = assert_refused(field, call_with_amount, service, field, value, case, **world)
    assert messages == [AMOUNT_ERRORS[code]]


# (service, field): call it with "1,234.5" and read back what was stored.
SAVED_AMOUNTS = {
    ("creditor_choose_plan", "down_payment"): lambda w: (
        services.creditor_choose_plan(creditor=w[1].creditor, goal="installments", down_payment="1,234.5").down_payment
    ),
    ("debt_create", "penalty_interest"): lambda w: make_debt(w[0], penalty_interest="1,234.5").penalty_interest,
    ("debt_create", "minimum_payment"): lambda w: make_debt(w[0], minimum_payment="1，234.5").minimum_payment,
    ("debt_update", "fees"): lambda w: services.debt_update(debt=w[1], fees=" 1,234.5 ").fees,
    ("hardship_save", "monthly_income"): lambda w: (
        services.hardship_save(case=w[0], monthly_income="1,234.5").monthly_income
    ),
    # The 花呗 debt has its agreement already (one per lender): this one is with 借呗.
    ("agreement_create", "total_to_repay"): lambda w: (
        make_agreement(w[0], [make_debt(w[0], lender="jiebei")], total_to_repay="1,234.5").total_to_repay
    ),
    ("agreement_create", "amount_waived"): lambda w: (
        make_agreement(w[0], [make_debt(w[0], lender="jiebei")], amount_waived="1,234.5").amount_waived
    ),
    ("payment_record", "amount"): lambda w: (
        services.payment_record(agreement=w[2], paid_on=today(), amount="1,234.5").amount
    ),
}


@pytest.mark.parametrize(("service", "field"), list(SAVED_AMOUNTS), ids=pair_ids(SAVED_AMOUNTS, "-"))
def test_amounts_are_saved_to_the_cent(case, debt, agreement, service, field):
    instance_value = SAVED_AMOUNTS[service, field]((case, debt, agreement))
    assert instance_value == Decimal("1234.50")
    stored = {
        "creditor_choose_plan": lambda: Creditor.objects.get(pk=debt.creditor_id).down_payment,
        "debt_create": lambda: getattr(Debt.objects.exclude(pk=debt.pk).get(), field),
        "debt_update": lambda: Debt.objects.get(pk=debt.pk).fees,
        "hardship_save": lambda: Hardship.objects.get(case=case).monthly_income,
        "agreement_create": lambda: getattr(Agreement.objects.exclude(pk=agreement.pk).get(), field),
        "payment_record": lambda: Payment.objects.get().amount,
    }[service]()
    assert str(stored) == "1234.50"


DATE_FIELDS = [
    ("debt_create", "overdue_since"),
    ("debt_create", "last_statement_date"),
    ("debt_update", "overdue_since"),
    ("debt_update", "last_statement_date"),
    ("hardship_save", "since"),
    ("agreement_create", "signed_on"),
    ("payment_record", "paid_on"),
    ("evidence_set_status", "status_changed_on"),
    ("contact_log_create", "occurred_at"),
    ("contact_log_update", "occurred_at"),
]


def date_call(service: str, field: str, case: Case, debt: Debt | None = None, agreement: Agreement | None = None):
    """Whatever the service needs is made first; the returned call takes the date and must write nothing."""
    if service == "debt_create":
        return lambda value: make_debt(case, **{field: value})
    if service == "debt_update":
        return lambda value: services.debt_update(debt=debt, **{field: value})
    if service == "hardship_save":
        return lambda value: services.hardship_save(case=case, since=value)
    if service == "agreement_create":
        return lambda value: make_agreement(case, [debt], signed_on=value)
    if service == "payment_record":
        return lambda value: services.payment_record(agreement=agreement, paid_on=value, amount="10")
    if service == "evidence_set_status":
        evidence = give_file(services.evidence_create(case=case, kind=EvidenceKind.ID_CARD))
        return lambda value: services.evidence_set_status(evidence=evidence, status=EvidenceStatus.SENT, on=value)

    def at_noon(value: date) -> datetime:  # noon: "tomorrow" stays in the future even just before midnight
        return datetime.combine(value, time(12))

    creditor = (debt or make_debt(case)).creditor
    if service == "contact_log_create":
        return lambda value: services.contact_log_create(
            case=case, creditor=creditor, occurred_at=at_noon(value), channel="phone_95188", summary="打了电话"
        )
    assert service == "contact_log_update"
    entry = make_contact(case, creditor=creditor)
    return lambda value: services.contact_log_update(entry=entry, occurred_at=at_noon(value))


@pytest.mark.parametrize("when", ["tomorrow", "next_year", "1999-12-31", "1970-01-01"])
@pytest.mark.parametrize(("service", "field"), DATE_FIELDS, ids=pair_ids(DATE_FIELDS, "-"))
def test_bad_dates_are_refused(request, case, service, field, when):
    value = {"tomorrow": tomorrow(), "next_year": today() + timedelta(days=365)}.get(when)
    if value is None:
        value = date.fromisoformat(when)
        expected = "日期太早了，请检查年份。"
    else:
        expected = "沟通时间不能在将来。" if field == "occurred_at" else "这个日期还没到，请检查年份和月份。"
    messages = assert_refused(field, date_call(service, field, case, **world_for(request, service)), value)
    assert messages == [expected]


def test_a_payment_needs_a_date(agreement):
    assert assert_refused("paid_on", services.payment_record, agreement=agreement, paid_on=None, amount="10") == [
        "请填写日期。"
    ]


OUT_OF_RANGE, NOT_AN_INTEGER = "期数应在 1 到 60 个月之间。", "期数应是整数。"
BAD_MONTHS = [
    (0, OUT_OF_RANGE),
    (61, OUT_OF_RANGE),
    (-1, OUT_OF_RANGE),
    ("0", OUT_OF_RANGE),
    ("61", OUT_OF_RANGE),
    ("abc", NOT_AN_INTEGER),
    ("1.5", NOT_AN_INTEGER),
    ([3], NOT_AN_INTEGER),
]
MONTH_CALLS = {
    ("creditor_choose_plan", "requested_months"): lambda w, v: services.creditor_choose_plan(
        creditor=w[1].creditor, goal="installments", requested_months=v
    ),
    ("agreement_create", "installment_count"): lambda w, v: make_agreement(w[0], [w[1]], installment_count=v),
}


@pytest.mark.parametrize(("value", "message"), BAD_MONTHS, ids=[repr(value) for value, _ in BAD_MONTHS])
@pytest.mark.parametrize(("service", "field"), list(MONTH_CALLS), ids=pair_ids(MONTH_CALLS, "-"))
def test_bad_months_are_refused(case, debt, service, field, value, message):
    assert assert_refused(field, MONTH_CALLS[service, field], (case, debt), value) == [message]
