"""cases/validators.py: each rule's good and bad values with its one message, keyed to the field when one is named;
and the forms and the services that apply a rule say the same thing about the same bad value."""

from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases import forms, plans, services, validators
from cases.models import Case, Creditor, Debt, Evidence, EvidenceStatus, Hardship

from .builders import VALID_ID, make_agreement, make_debt, today, tomorrow, with_check_character
from .checks import assert_refused

AMOUNT_REQUIRED = "请填写金额。"
AMOUNT_INVALID = "请输入数字金额，例如 1234.56。"
AMOUNT_NEGATIVE = "金额不能是负数。"
AMOUNT_TOO_LARGE = "金额不能超过 1000 万元，请检查是否多输了位数。"
AMOUNT_TOO_PRECISE = "金额最多保留两位小数（精确到分）。"
MONTHS_REQUIRED = "请填写期数。"
MONTHS_INVALID = "期数应是整数。"
MONTHS_OUT_OF_RANGE = "期数应在 1 到 60 个月之间。"
DAILY_INVALID = "请输入日利率，例如 0.0005（即 0.05%）。"
DAILY_OUT_OF_RANGE = "日利率应在 0 到 1%/天之间。"
ANNUAL_INVALID = "请输入年利率，例如 0.06（即 6%）。"
ANNUAL_OUT_OF_RANGE = "年利率应在 0 到 36% 之间。"
DEPENDENTS_INVALID = "人数应是整数。"
DEPENDENTS_OUT_OF_RANGE = "人数应在 0 到 20 之间。"
DATE_REQUIRED = "请填写日期。"
DATE_FUTURE = "这个日期还没到，请检查年份和月份。"
DATE_TOO_OLD = "日期太早了，请检查年份。"
FIRST_DUE_PAST = "首期还款日不能早于今天。"
CONTACT_REQUIRED = "请填写沟通时间。"
CONTACT_FUTURE = "沟通时间不能在将来。"
ID_LENGTH = "身份证号应为 18 位，请核对（最后一位可能是 X）。"
ID_BIRTH = "身份证号第 7 到 14 位是出生日期，现在不是真实的日期，请核对。"
ID_CHECK = "身份证号有一位对不上（按最后一位校验码算），请对照身份证逐位核对。"
ACCOUNT_LABEL = "为保护您的账户，最多只填卡号或账号的末四位。"


LEAP_DAY_ID = with_check_character("11010520000229001")  # born 29 Feb 2000, a day that existed


def days_from_today(days: int) -> Callable[[], date]:
    def day() -> date:
        return today() + timedelta(days=days)

    day.__name__ = f"today{days:+d}"
    return day


def in_an_hour() -> datetime:
    return timezone.now() + timedelta(hours=1)


def resolve(value):
    """Dates relative to today are made when the test runs, not when it is collected."""
    return value() if callable(value) else value


# (cleaner, keyword arguments, value, what it becomes)
GOOD = [
    (validators.clean_amount, {}, "0", Decimal("0.00")),
    (validators.clean_amount, {}, "1,234.5", Decimal("1234.50")),
    (validators.clean_amount, {}, "1，234.5", Decimal("1234.50")),
    (validators.clean_amount, {}, " 12 ", Decimal("12.00")),
    (validators.clean_amount, {}, Decimal("0.10"), Decimal("0.10")),
    (validators.clean_amount, {}, 10_000_000, Decimal("10000000.00")),
    (validators.clean_amount, {"required": False}, "", None),
    (validators.clean_amount, {"required": False}, None, None),
    (validators.clean_months, {}, 1, 1),
    (validators.clean_months, {}, "60", 60),
    (validators.clean_months, {}, " 12 ", 12),
    (validators.clean_months, {"required": False}, "", None),
    (validators.clean_daily_rate, {}, "0", Decimal("0")),
    (validators.clean_daily_rate, {}, "0.0005", Decimal("0.0005")),
    (validators.clean_daily_rate, {}, Decimal("0.01"), Decimal("0.01")),
    (validators.clean_annual_rate, {}, 0, Decimal("0")),
    (validators.clean_annual_rate, {}, "0.36", Decimal("0.36")),
    (validators.clean_dependents, {}, 0, 0),
    (validators.clean_dependents, {}, "20", 20),
    (validators.clean_past_date, {}, None, None),
    (validators.clean_past_date, {}, today, today),
    (validators.clean_past_date, {}, date(2000, 1, 1), date(2000, 1, 1)),
    (validators.clean_past_date, {}, datetime(2024, 3, 1, 23, 30), date(2024, 3, 1)),
    (validators.clean_first_due_date, {}, None, None),
    (validators.clean_first_due_date, {}, today, today),
    (validators.clean_first_due_date, {}, tomorrow, tomorrow),
    (validators.clean_id_number, {}, VALID_ID, VALID_ID),
    (validators.clean_id_number, {}, f" {VALID_ID.lower()} ", VALID_ID),
    (validators.clean_id_number, {}, LEAP_DAY_ID, LEAP_DAY_ID),
]

# (cleaner, keyword arguments, value, message, code)
BAD = [
    (validators.clean_amount, {}, "", AMOUNT_REQUIRED, "required"),
    (validators.clean_amount, {}, None, AMOUNT_REQUIRED, "required"),
    (validators.clean_amount, {}, "abc", AMOUNT_INVALID, "invalid"),
    (validators.clean_amount, {}, "12元", AMOUNT_INVALID, "invalid"),
    (validators.clean_amount, {}, "NaN", AMOUNT_INVALID, "invalid"),
    (validators.clean_amount, {}, "Infinity", AMOUNT_INVALID, "invalid"),
    (validators.clean_amount, {}, float("inf"), AMOUNT_INVALID, "invalid"),
    (validators.clean_amount, {}, "-0.01", AMOUNT_NEGATIVE, "negative"),
    (validators.clean_amount, {}, Decimal("-5"), AMOUNT_NEGATIVE, "negative"),
    (validators.clean_amount, {}, "10000000.01", AMOUNT_TOO_LARGE, "too_large"),
    (validators.clean_amount, {}, "1e8", AMOUNT_TOO_LARGE, "too_large"),
    (validators.clean_amount, {}, "1.234", AMOUNT_TOO_PRECISE, "too_precise"),
    (validators.clean_months, {}, "", MONTHS_REQUIRED, "required"),
    (validators.clean_months, {}, None, MONTHS_REQUIRED, "required"),
    (validators.clean_months, {}, "abc", MONTHS_INVALID, "invalid"),
    (validators.clean_months, {}, "1.5", MONTHS_INVALID, "invalid"),
    (validators.clean_months, {}, [3], MONTHS_INVALID, "invalid"),
    (validators.clean_months, {}, 0, MONTHS_OUT_OF_RANGE, "out_of_range"),
    (validators.clean_months, {}, "61", MONTHS_OUT_OF_RANGE, "out_of_range"),
    (validators.clean_months, {}, -1, MONTHS_OUT_OF_RANGE, "out_of_range"),
    (validators.clean_daily_rate, {}, "abc", DAILY_INVALID, "invalid"),
    (validators.clean_daily_rate, {}, "", DAILY_INVALID, "invalid"),
    (validators.clean_daily_rate, {}, None, DAILY_INVALID, "invalid"),
    (validators.clean_daily_rate, {}, "-0.0001", DAILY_OUT_OF_RANGE, "out_of_range"),
    (validators.clean_daily_rate, {}, "0.0101", DAILY_OUT_OF_RANGE, "out_of_range"),
    (validators.clean_daily_rate, {}, "NaN", DAILY_OUT_OF_RANGE, "out_of_range"),
    (validators.clean_annual_rate, {}, "abc", ANNUAL_INVALID, "invalid"),
    (validators.clean_annual_rate, {}, "-0.01", ANNUAL_OUT_OF_RANGE, "out_of_range"),
    (validators.clean_annual_rate, {}, "0.37", ANNUAL_OUT_OF_RANGE, "out_of_range"),
    (validators.clean_annual_rate, {}, "6", ANNUAL_OUT_OF_RANGE, "out_of_range"),  # 6 %, typed as a percentage
    (validators.clean_annual_rate, {}, "Infinity", ANNUAL_OUT_OF_RANGE, "out_of_range"),
    (validators.clean_dependents, {}, "abc", DEPENDENTS_INVALID, "invalid"),
    (validators.clean_dependents, {}, "1.5", DEPENDENTS_INVALID, "invalid"),
    (validators.clean_dependents, {}, None, DEPENDENTS_INVALID, "invalid"),
    (validators.clean_dependents, {}, -1, DEPENDENTS_OUT_OF_RANGE, "out_of_range"),
    (validators.clean_dependents, {}, 21, DEPENDENTS_OUT_OF_RANGE, "out_of_range"),
    (validators.clean_past_date, {"required": True}, None, DATE_REQUIRED, "required"),
    (validators.clean_past_date, {}, tomorrow, DATE_FUTURE, "future"),
    (validators.clean_past_date, {}, days_from_today(365), DATE_FUTURE, "future"),
    (validators.clean_past_date, {}, date(1999, 12, 31), DATE_TOO_OLD, "too_old"),
    (validators.clean_first_due_date, {}, days_from_today(-1), FIRST_DUE_PAST, "past"),
    (validators.clean_contact_time, {}, None, CONTACT_REQUIRED, "required"),
    (validators.clean_contact_time, {}, in_an_hour, CONTACT_FUTURE, "future"),
    (validators.clean_contact_time, {}, datetime(1999, 12, 31, 12), DATE_TOO_OLD, "too_old"),
    (validators.clean_id_number, {}, "", ID_LENGTH, "invalid"),
    (validators.clean_id_number, {}, VALID_ID[:-1], ID_LENGTH, "invalid"),
    (validators.clean_id_number, {}, "11010519491231", ID_LENGTH, "invalid"),  # an old 15-digit number
    (validators.clean_id_number, {}, "1101051949123100²X", ID_LENGTH, "invalid"),
    (validators.clean_id_number, {}, with_check_character("11010519491331002"), ID_BIRTH, "invalid_birth_date"),
    (validators.clean_id_number, {}, with_check_character("11010520990101002"), ID_BIRTH, "invalid_birth_date"),
    (validators.clean_id_number, {}, "110105194912310012", ID_CHECK, "bad_check"),
]


def ids(rows) -> list[str]:
    return [f"{row[0].__name__}-{row[2].__name__ if callable(row[2]) else repr(row[2])}" for row in rows]


@pytest.mark.parametrize(("clean", "kwargs", "value", "expected"), GOOD, ids=ids(GOOD))
def test_good_values_are_made_clean(clean, kwargs, value, expected):
    value, expected = resolve(value), resolve(expected)
    assert clean(value, **kwargs) == expected
    assert clean(value, field="anything", **kwargs) == expected


@pytest.mark.parametrize(("clean", "kwargs", "value", "message", "code"), BAD, ids=ids(BAD))
def test_bad_values_get_their_one_message(clean, kwargs, value, message, code):
    with pytest.raises(ValidationError) as excinfo:
        clean(resolve(value), **kwargs)
    assert not hasattr(excinfo.value, "error_dict")  # for a form field, which shows it beside itself
    assert (excinfo.value.messages, excinfo.value.code) == ([message], code)


@pytest.mark.parametrize(("clean", "kwargs", "value", "message", "code"), BAD, ids=ids(BAD))
def test_bad_values_are_keyed_to_the_field_named(clean, kwargs, value, message, code):
    with pytest.raises(ValidationError) as excinfo:
        clean(resolve(value), field="some_field", **kwargs)
    assert excinfo.value.message_dict == {"some_field": [message]}
    assert [error.code for error in excinfo.value.error_dict["some_field"]] == [code]


def test_a_contact_time_without_a_zone_is_local_time_and_a_little_clock_skew_is_allowed():
    cleaned = validators.clean_contact_time(datetime(2025, 3, 4, 10, 30))
    assert timezone.is_aware(cleaned)
    assert timezone.localtime(cleaned).replace(tzinfo=None) == datetime(2025, 3, 4, 10, 30)
    soon = timezone.now() + validators.CLOCK_SKEW - timedelta(seconds=30)
    assert validators.clean_contact_time(soon) == soon


@pytest.mark.parametrize("label", ["", "尾号1234", "工资卡", "1-2-3-4"])
def test_account_labels_with_four_digits_at_most(label):
    validators.validate_account_label(label)


@pytest.mark.parametrize("label", ["尾号12345", "6222021234567890", "6222 0212 3456", "1-2-3-4-5"])
def test_account_labels_with_more_digits_are_refused(label):
    with pytest.raises(ValidationError) as excinfo:
        validators.validate_account_label(label)
    assert (excinfo.value.messages, excinfo.value.code) == ([ACCOUNT_LABEL], "too_many_digits")


def test_the_bounds_are_the_ones_the_rest_of_the_app_uses():
    assert validators.clean_months(plans.MAX_MONTHS) == plans.MAX_MONTHS
    with pytest.raises(ValidationError, match=str(plans.MAX_MONTHS)):
        validators.clean_months(plans.MAX_MONTHS + 1)
    assert validators.clean_amount(validators.MAX_AMOUNT) == validators.MAX_AMOUNT
    assert validators.clean_dependents(validators.MAX_DEPENDENTS) == validators.MAX_DEPENDENTS
    assert validators.clean_daily_rate(validators.MAX_DAILY_RATE) == validators.MAX_DAILY_RATE
    assert validators.clean_annual_rate(validators.MAX_ANNUAL_RATE) == validators.MAX_ANNUAL_RATE


def test_the_plan_form_offers_the_months_the_rule_allows():
    field = forms.LenderPlanForm().fields["requested_months"]
    assert field.widget.attrs["max"] == plans.MAX_MONTHS
    # The help text is a translated sentence with the number written in it: it must follow the rule.
    assert f"{plans.MAX_MONTHS} 期" in str(field.help_text)


# --- the same message from a form and from a service -------------------------------------------------------------

DEBT_FORM = {"lender": "huabei", "principal": "100"}
BUDGET_FORM = {"monthly_income": "3000", "household_expenses": "2000", "dependents": "0"}
PLAN_FORM = {"goal": "installments"}
SITUATION_FORM = {"title": "花呗", "overdue_products": ["huabei"], "overdue_since": "2025-01-01"}
CONTACT_FORM = {"debtor_name": "张三", "contact_phone": "13800138000", "id_number": VALID_ID}


def form_messages(form_class: type, base: dict, field: str, value) -> list[str]:
    form = form_class(data={**base, field: value})
    assert not form.is_valid()
    return list(form.errors[field])


AS_TYPED = object()

# (form, its valid data, form field, value typed, the service call taking the same value, service field, value passed);
# "tomorrow" is typed as the form's date text and passed as a date.
SAME_RULE = [
    (forms.DebtForm, DEBT_FORM, "principal", "-1", "debt_create", "principal", "-1"),
    (forms.DebtForm, DEBT_FORM, "fees", "abc", "debt_create", "fees", "abc"),
    (forms.DebtForm, DEBT_FORM, "interest", "1.234", "debt_update", "interest", "1.234"),
    (forms.BudgetForm, BUDGET_FORM, "monthly_income", "10000000.01", "hardship_save", "monthly_income", "10000000.01"),
    (forms.LenderPlanForm, PLAN_FORM, "down_payment", "-3", "creditor_choose_plan", "down_payment", "-3"),
    (forms.LenderPlanForm, PLAN_FORM, "down_payment", "12元", "agreement_create", "down_payment", "12元"),
    (forms.LenderPlanForm, PLAN_FORM, "requested_months", "0", "creditor_choose_plan", "requested_months", "0"),
    (forms.LenderPlanForm, PLAN_FORM, "requested_months", "61", "agreement_create", "installment_count", "61"),
    (forms.LenderPlanForm, PLAN_FORM, "requested_months", "1.5", "creditor_choose_plan", "requested_months", "1.5"),
    (forms.LenderPlanForm, PLAN_FORM, "requested_months", "abc", "agreement_create", "installment_count", "abc"),
    # The form takes a percentage, the service a fraction: 2 % a day is 0.02.
    (forms.DebtForm, DEBT_FORM, "daily_rate_percent", "2", "debt_create", "daily_rate", "0.02"),
    (forms.DebtForm, DEBT_FORM, "daily_rate_percent", "-0.05", "debt_update", "daily_rate", "-0.0005"),
    (forms.BudgetForm, BUDGET_FORM, "dependents", "21", "hardship_save", "dependents", "21"),
    (forms.BudgetForm, BUDGET_FORM, "dependents", "-1", "hardship_save", "dependents", -1),
    (forms.BudgetForm, BUDGET_FORM, "dependents", "1.5", "hardship_save", "dependents", "1.5"),
    (forms.SituationForm, SITUATION_FORM, "overdue_since", "tomorrow", "case_update", "overdue_since", "tomorrow"),
    (forms.DebtForm, DEBT_FORM, "overdue_since", "1999-12-31", "debt_create", "overdue_since", date(1999, 12, 31)),
    (forms.HardshipForm, {"reasons": ["illness"]}, "since", "tomorrow", "hardship_save", "since", "tomorrow"),
    (forms.ContactForm, CONTACT_FORM, "id_number", "110105194912310012", "case_update", "id_number", AS_TYPED),
    (forms.ContactForm, CONTACT_FORM, "id_number", VALID_ID[:-1], "case_update", "id_number", AS_TYPED),
    (forms.DebtForm, DEBT_FORM, "account_label", "尾号12345", "debt_create", "account_label", AS_TYPED),
]


def call_service(service: str, field: str, value, case: Case, debt: Debt):
    if service == "debt_create":
        return make_debt(case, **{field: value})
    if service == "debt_update":
        return services.debt_update(debt=debt, **{field: value})
    if service == "hardship_save":
        return services.hardship_save(case=case, **{field: value})
    if service == "case_update":
        return services.case_update(case=case, **{field: value})
    if service == "creditor_choose_plan":
        return services.creditor_choose_plan(creditor=debt.creditor, goal="installments", **{field: value})
    assert service == "agreement_create"
    return make_agreement(case, [debt], **{field: value})


@pytest.mark.parametrize(
    ("form_class", "base", "form_field", "typed", "service", "field", "passed"),
    SAME_RULE,
    ids=[f"{row[0].__name__}.{row[2]}={row[3]}-{row[4]}" for row in SAME_RULE],
)
def test_a_form_and_a_service_say_the_same_about_the_same_bad_value(
    case, debt, form_class, base, form_field, typed, service, field, passed
):
    if typed == "tomorrow":
        typed, passed = tomorrow().isoformat(), tomorrow()
    if passed is AS_TYPED:
        passed = typed
    from_the_form = form_messages(form_class, base, form_field, typed)
    from_the_service = assert_refused(field, call_service, service, field, passed, case, debt)
    assert from_the_form == from_the_service
    assert len(from_the_form) == 1


def test_an_evidence_date_still_to_come_gets_the_same_message_from_the_form_and_the_service(case):
    item = services.evidence_create(case=case, kind="id_card")
    Evidence.objects.filter(pk=item.pk).update(status=EvidenceStatus.UPLOADED)
    item.refresh_from_db()
    form = forms.EvidenceStatusForm(data={"status": "sent", "on": tomorrow().isoformat()}, current=item.status)
    assert not form.is_valid()
    from_the_service = assert_refused(
        "status_changed_on", services.evidence_set_status, evidence=item, status="sent", on=tomorrow()
    )
    assert list(form.errors["on"]) == from_the_service == [DATE_FUTURE]


def test_the_forms_hand_the_services_clean_values(case):
    form = forms.DebtForm(data={**DEBT_FORM, "principal": "1,234.5", "daily_rate_percent": "0.05"})
    assert form.is_valid(), form.errors
    debt = services.debt_create(case=case, **form.service_fields())
    assert (debt.principal, debt.interest, debt.daily_rate) == (Decimal("1234.50"), Decimal("0.00"), Decimal("0.0005"))
    budget = forms.BudgetForm(data={**BUDGET_FORM, "dependents": "2", "other_fixed_payments": ""})
    assert budget.is_valid(), budget.errors
    services.hardship_save(case=case, **budget.cleaned_data)
    stored = Hardship.objects.get(case=case)
    assert (stored.dependents, stored.other_fixed_payments) == (2, Decimal("0.00"))
    plan = forms.LenderPlanForm(data={**PLAN_FORM, "requested_months": " 24 "})
    assert plan.is_valid(), plan.errors
    services.creditor_choose_plan(creditor=debt.creditor, **plan.service_fields())
    stored_plan = Creditor.objects.values_list("goal", "requested_months", "down_payment").get(pk=debt.creditor_id)
    assert stored_plan == ("installments", 24, Decimal("0.00"))
