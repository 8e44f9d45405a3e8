"""Lenders (cases/services/creditor.py, the lender page in cases/views/case.py, the split in cases/selectors.py):
each debt belongs to the lender that has to agree; a lender comes with its first debt and goes with its last."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cases import selectors, services
from cases.models import Creditor

from .builders import make_case, make_debt, make_hardship


@pytest.fixture
def case(owner):
    return make_case(owner)


@pytest.mark.django_db
class TestLendersFollowTheDebts:
    def test_a_first_debt_brings_its_lender_with_the_usual_name_and_contact(self, case):
        make_debt(case, lender="huabei")
        creditor = case.creditors.get()
        assert (creditor.kind, creditor.name, creditor.legal_name) == ("huabei", "蚂蚁花呗", "重庆蚂蚁消费金融有限公司")
        assert "95188" in creditor.contact and "逾期账单" in creditor.contact
        assert not creditor.is_bank_card

    def test_a_card_goes_to_its_banks_card_centre(self, case):
        make_debt(case, lender="credit_card", lender_name="招商银行", account_label="尾号6688")
        creditor = case.creditors.get()
        assert (creditor.name, creditor.legal_name, creditor.is_bank_card) == ("招商银行", "招商银行信用卡中心", True)

    def test_a_card_without_its_bank_is_refused(self, case):
        with pytest.raises(ValidationError) as refusal:
            make_debt(case, lender="credit_card", lender_name=" ")
        assert "请填写发卡银行" in str(refusal.value.message_dict["lender_name"])
        assert not case.debts.exists() and not case.creditors.exists()

    def test_two_debts_of_one_lender_share_it(self, case):
        first = make_debt(case, lender="credit_card", lender_name="招商银行")
        second = make_debt(case, lender="credit_card", lender_name="招商银行 ")
        assert first.creditor_id == second.creditor_id
        assert case.creditors.count() == 1

    def test_the_same_page_in_english_finds_the_same_lender(self, case, settings):
        from django.utils import translation

        make_debt(case, lender="jiebei")
        with translation.override("en"):
            make_debt(case, lender="jiebei")
        assert list(case.creditors.values_list("name", flat=True)) == ["蚂蚁借呗"]

    def test_moving_a_debt_to_another_lender_drops_the_empty_one(self, case):
        debt = make_debt(case, lender="credit_card", lender_name="招商银行")
        services.debt_update(debt=debt, lender_name="工商银行")
        assert list(case.creditors.values_list("name", flat=True)) == ["工商银行"]
        assert debt.creditor.name == "工商银行"

    def test_the_last_debt_deleted_takes_its_lender(self, case):
        keep = make_debt(case, lender="huabei")
        gone = make_debt(case, lender="credit_card", lender_name="招商银行")
        services.debt_delete(debt=gone)
        assert list(case.creditors.all()) == [keep.creditor]

    def test_deleting_the_case_takes_every_lender(self, case):
        make_debt(case, lender="huabei")
        services.case_delete(case=case)
        assert not Creditor.objects.exists()


@pytest.mark.django_db
class TestPlanPerLender:
    def test_choose_plan_saves_the_quoted_terms(self, case):
        creditor = make_debt(case).creditor
        services.creditor_choose_plan(
            creditor=creditor,
            goal="installments",
            requested_months=24,
            installment_annual_rate=Decimal("0.06"),
            installment_fee="120",
            deferral_months=2,
        )
        creditor.refresh_from_db()
        assert (creditor.goal, creditor.requested_months, creditor.installment_annual_rate) == (
            "installments",
            24,
            Decimal("0.060000"),
        )
        assert (creditor.installment_fee, creditor.deferral_months) == (Decimal("120.00"), 2)

    @pytest.mark.parametrize(
        ("field", "value", "message"),
        [
            ("goal", "forgive_all", "请选择一个协商目标"),
            ("requested_months", 61, "1 到 60"),
            ("down_payment", "-1", "不能是负数"),
            ("installment_annual_rate", Decimal("0.5"), "0 到 36%"),
            ("deferral_months", 7, "最多 6 个月"),
        ],
    )
    def test_bad_plan_is_refused_and_nothing_changes(self, case, field, value, message):
        creditor = make_debt(case).creditor
        arguments = {"goal": "deferral", field: value}
        with pytest.raises(ValidationError) as refusal:
            services.creditor_choose_plan(creditor=creditor, **arguments)
        assert message in " ".join(refusal.value.message_dict[field])
        creditor.refresh_from_db()
        assert (creditor.goal, creditor.requested_months, creditor.deferral_months) == ("", None, 1)

    def test_principal_only_for_one_lender_asks_for_the_bank_statement(self, case):
        make_hardship(case, reasons=["illness"])
        creditor = make_debt(case).creditor
        assert not case.evidence.filter(kind="bank_statement").exists()
        services.creditor_choose_plan(creditor=creditor, goal="principal_only")
        assert case.evidence.filter(kind="bank_statement").exists()


@pytest.mark.django_db
class TestBudgetSplit:
    def test_none_before_the_budget(self, case):
        make_debt(case)
        assert selectors.budget_split(case) is None

    def test_shares_follow_what_each_is_owed_and_add_up(self, case):
        make_hardship(case, monthly_income="6000", household_expenses="3500")  # ¥2,500 left, ¥375 kept back
        make_debt(case, lender="huabei", principal="30000", interest="0")
        make_debt(case, lender="credit_card", lender_name="招商银行", principal="10000", interest="0")
        split = selectors.budget_split(case)
        assert (split.surplus, split.margin, split.available) == (
            Decimal("2500.00"),
            Decimal("375.00"),
            Decimal("2125.00"),
        )
        assert [lender.share for lender in split.lenders] == [Decimal("1593.75"), Decimal("531.25")]
        assert split.shared == split.available

    def test_amounts_moved_by_hand_beyond_what_is_available_are_flagged_not_used(self, case):
        make_hardship(case, monthly_income="6000", household_expenses="3500")
        make_debt(case, lender="huabei", principal="30000")
        card = make_debt(case, lender="credit_card", lender_name="招商银行", principal="10000").creditor
        services.creditor_set_share(creditor=card, monthly_share="5000")
        split = selectors.budget_split(case)
        assert split.moved_too_much and split.shared <= split.available
        assert not any(lender.moved_by_hand for lender in split.lenders)

    def test_a_margin_chosen_by_the_user(self, case):
        make_hardship(case, monthly_income="6000", household_expenses="3500", safety_margin="1000")
        make_debt(case)
        split = selectors.budget_split(case)
        assert (split.margin, split.margin_is_default, split.available) == (
            Decimal("1000.00"),
            False,
            Decimal("1500.00"),
        )


@pytest.mark.django_db
class TestLenderPage:
    def test_it_works(self, owner_client, case):
        creditor = make_debt(case, lender="jiebei").creditor
        url = reverse("cases:creditor_edit", args=[case.code, creditor.code])
        body = owner_client.get(url).content.decode()
        assert "重庆蚂蚁消费金融有限公司" in body and "合作银行" in body
        data = {"legal_name": "网商银行", "contact": "95188", "account_phone": "13800138000"}
        response = owner_client.post(url, data)
        assert response["Location"] == reverse("cases:wizard_step", args=[case.code, "debts"])
        creditor.refresh_from_db()
        assert (creditor.legal_name, creditor.account_phone) == ("网商银行", "13800138000")

    def test_the_debts_step_lists_the_lenders_to_check(self, owner_client, case):
        creditor = make_debt(case, lender="online_lender", lender_name="某某消费金融").creditor
        body = owner_client.get(reverse("cases:wizard_step", args=[case.code, "debts"])).content.decode()
        assert "还没有填写机构全称" in body
        assert reverse("cases:creditor_edit", args=[case.code, creditor.code]) in body

    def test_it_checks_ownership(self, outsider_client, case):
        creditor = make_debt(case).creditor
        url = reverse("cases:creditor_edit", args=[case.code, creditor.code])
        assert outsider_client.get(url).status_code == 404
        assert outsider_client.post(url, {"legal_name": "骗子公司"}).status_code == 404
        creditor.refresh_from_db()
        assert creditor.legal_name == "重庆蚂蚁消费金融有限公司"

    def test_a_lender_of_another_case_is_404(self, owner_client, owner, case):
        creditor = make_debt(case).creditor
        other = make_case(owner, title="另一个")
        assert owner_client.get(reverse("cases:creditor_edit", args=[other.code, creditor.code])).status_code == 404

    def test_it_handles_bad_uuid(self, owner_client, case):
        assert owner_client.get(f"/cases/{case.code}/lenders/not-a-uuid/").status_code == 404

    def test_visitors_are_sent_to_login(self, anonymous_client, case):
        creditor = make_debt(case).creditor
        response = anonymous_client.get(reverse("cases:creditor_edit", args=[case.code, creditor.code]))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
class TestDocumentBlockers:
    def test_an_empty_case_lists_everything_missing(self, case):
        creditor = make_debt(case, lender="online_lender", lender_name="某某消费金融").creditor
        missing = [(m.message, m.step) for m in selectors.document_blockers(case, creditor)]
        assert missing == [
            ("您的姓名", "contact"),
            ("身份证号", "contact"),
            ("联系电话", "contact"),
            ("某某消费金融的机构全称", "lender"),
            ("每月收入和支出", "budget"),
            ("向某某消费金融申请的方案", "plan"),
        ]

    def test_a_complete_case_has_nothing_missing(self, case):
        from .builders import VALID_ID

        services.case_update(case=case, debtor_name="张三", id_number=VALID_ID, contact_phone="13800138000")
        make_hardship(case)
        creditor = make_debt(case).creditor
        services.creditor_choose_plan(creditor=creditor, goal="interest_frozen")
        assert selectors.document_blockers(case, creditor) == []

    def test_plans_over_what_is_available_block_the_documents(self, case):
        from .builders import VALID_ID

        services.case_update(case=case, debtor_name="张三", id_number=VALID_ID, contact_phone="13800138000")
        make_hardship(case)  # ¥2,500 left, ¥2,125 available
        creditor = make_debt(case, principal="50000").creditor
        services.creditor_choose_plan(creditor=creditor, goal="interest_frozen", requested_months=12)
        (missing,) = selectors.document_blockers(case, creditor)
        assert missing.step == "plan" and "超出了可分给各家的 ¥2,125.00" in missing.message
