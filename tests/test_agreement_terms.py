"""What a written installment agreement must state (cases/agreement_terms.py), and the agreement form that lists what
is missing before saving: Article 70's list for a bank's card, the same list without the article for 花呗/借呗."""

from datetime import date
from decimal import Decimal

import pytest

from cases import agreement_terms
from cases.agreement_forms import AgreementForm

D = Decimal

COMPLETE = {
    "balance_principal": D("10000"),
    "installment_count": 12,
    "first_due_date": date(2026, 5, 10),
    "repayment_method": "每月自动扣款",
    "repayment_account": "信用卡尾号1234",
    "stated_installment": D("1000"),
    "scheduled_installment": D("1000.00"),
    "plan_fee": D("0"),
    "rights_and_duties": "乙方按期还款，甲方停止催收",
    "breach_clause": "连续两期未还，协议失效",
    "signed_copy": True,
}


def missing_keys(**changes) -> list[str]:
    return [term.key for term in agreement_terms.unsatisfied(agreement_terms.check(**{**COMPLETE, **changes}))]


def test_a_complete_agreement_lacks_nothing():
    terms = agreement_terms.check(**COMPLETE)
    assert [term.key for term in terms] == [
        "balance",
        "cycle",
        "method",
        "account",
        "installment",
        "interest_and_fees",
        "rights_and_duties",
        "breach",
        "signed",
    ]
    assert agreement_terms.unsatisfied(terms) == []


@pytest.mark.parametrize(
    ("changes", "missing"),
    [
        ({"balance_principal": None}, ["balance"]),
        ({"installment_count": None}, ["cycle"]),
        ({"first_due_date": None}, ["cycle"]),
        ({"repayment_method": "  "}, ["method"]),
        ({"repayment_account": ""}, ["account"]),
        ({"stated_installment": None}, ["installment"]),
        ({"plan_fee": None}, ["interest_and_fees"]),
        ({"rights_and_duties": ""}, ["rights_and_duties"]),
        ({"breach_clause": ""}, ["breach"]),
        ({"signed_copy": False}, ["signed"]),
        (
            {"balance_principal": None, "plan_fee": None, "signed_copy": False},
            ["balance", "interest_and_fees", "signed"],
        ),
    ],
)
def test_each_missing_term_is_listed(changes, missing):
    assert missing_keys(**changes) == missing


def test_a_zero_fee_stated_is_stated():
    assert "interest_and_fees" not in missing_keys(plan_fee=D("0"))


def test_an_installment_that_does_not_add_up_is_a_problem():
    [term] = agreement_terms.unsatisfied(
        agreement_terms.check(**{**COMPLETE, "stated_installment": D("1000"), "scheduled_installment": D("1003.50")})
    )
    assert term.key == "installment" and term.present
    assert term.problem == "协议写的每期 ¥1,000.00，按总额、期数和利率算出每期 ¥1,003.50：请核对总额、期数和利率。"
    assert missing_keys(stated_installment=D("1000.01"), scheduled_installment=D("1000.00")) == []


def test_the_blank_list_is_everything_to_look_for():
    assert len(agreement_terms.unsatisfied(agreement_terms.blank())) == len(agreement_terms.blank()) == 9


# --- the form -----------------------------------------------------------------------------------------------------

FORM = {
    "kind": "installments",
    "total_to_repay": "12000",
    "installment_count": "12",
    "first_due_date": "2026-05-10",
    "annual_rate_percent": "",
    "plan_fee": "0",
    "stated_installment": "1000",
    "balance_principal": "12000",
    "repayment_method": "每月自动扣款",
    "repayment_account": "花呗账户",
    "rights_and_duties": "乙方按期还款",
    "breach_clause": "连续两期未还，协议失效",
    "interest_resumes": "on",
}


def test_the_form_lists_what_is_missing_and_asks_before_saving():
    form = AgreementForm({**FORM, "breach_clause": "", "plan_fee": ""})
    assert not form.is_valid()
    assert [term.key for term in form.missing] == ["interest_and_fees", "breach", "signed"]
    assert form.non_field_errors() == [
        "协议还缺少下面列出的内容。最好请对方补上再保存；确实拿不到，就勾选最下面的确认后保存。"
    ]
    confirmed = AgreementForm({**FORM, "breach_clause": "", "plan_fee": "", "accept_missing": "on"})
    assert confirmed.is_valid(), confirmed.errors
    fields = confirmed.service_fields()
    assert "accept_missing" not in fields and fields["annual_rate"] == 0 and fields["plan_fee"] is None


def test_the_form_counts_a_signed_copy_already_kept():
    form = AgreementForm(FORM, has_signed_copy=True)
    assert form.is_valid(), form.errors
    assert form.missing == []


def test_the_form_checks_the_stated_installment_against_the_schedule():
    form = AgreementForm({**FORM, "stated_installment": "1100"}, has_signed_copy=True)
    assert not form.is_valid()
    assert [term.key for term in form.missing] == ["installment"]
    assert "¥1,000.00" in form.missing[0].problem
