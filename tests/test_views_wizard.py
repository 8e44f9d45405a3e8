"""The case wizard, step by step: saves, moves on, keeps what was saved on bad input, 404s for outsiders."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from cases import services, wizard
from cases.models import Case, Debt, Evidence, EvidenceStatus

TODAY = timezone.localdate()


def step_url(case, name, **query):
    url = reverse("cases:wizard_step", args=[case.code, name])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


SITUATION = {"title": "花呗和信用卡协商", "overdue_products": ["huabei", "credit_card"], "overdue_since": "2026-05-10"}
DEBT = {
    "lender": "huabei",
    "principal": "12,000.00",
    "interest": "300",
    "penalty_interest": "150.50",
    "fees": "0",
    "daily_rate_percent": "0.05",
    "overdue_since": "2026-05-10",
}
BUDGET = {"monthly_income": "4000", "household_expenses": "2500", "dependents": "1", "other_fixed_payments": "0"}
HARDSHIP = {"reasons": ["unemployment", "illness"], "since": "2026-04-01", "narrative": "公司裁员后一直在找工作。"}
CONTACT = {"debtor_name": "张三", "id_number": "11010519491231002X", "contact_phone": "13800138000"}


@pytest.fixture
def case(owner):
    return services.case_create(owner=owner, title="我的案件", overdue_products=["huabei"], overdue_since=TODAY)


@pytest.fixture
def full_case(case):
    services.debt_create(case=case, lender="huabei", principal="12000", interest="300", penalty_interest="150")
    services.debt_create(case=case, lender="credit_card", lender_name="招商银行", principal="8000", fees="50")
    services.hardship_save(case=case, **{**BUDGET, "dependents": 1}, reasons=HARDSHIP["reasons"], since=None)
    for creditor in case.creditors.all():
        services.creditor_choose_plan(creditor=creditor, goal="interest_frozen")
    services.case_update(case=case, debtor_name="张三", contact_phone="13800138000")
    services.case_update(case=case, id_number=CONTACT["id_number"])
    return Case.objects.get(pk=case.pk)


@pytest.mark.django_db
class TestNewCase:
    def test_step_one_creates_the_case_and_moves_on(self, owner_client, owner):
        response = owner_client.post(reverse("cases:new"), SITUATION)
        case = Case.objects.get(owner=owner)
        assert response.status_code == 302
        assert response["Location"] == step_url(case, "debts")
        assert case.overdue_products == ["huabei", "credit_card"]
        assert case.wizard_step == "debts"

    def test_invalid_date_is_reported_and_nothing_created(self, owner_client, owner):
        response = owner_client.post(reverse("cases:new"), {**SITUATION, "overdue_since": "2026-02-30"})
        assert response.status_code == 200
        assert "请输入真实存在的日期" in response.content.decode()
        assert not Case.objects.exists()

    def test_future_date_is_refused(self, owner_client):
        future = (TODAY + timedelta(days=3)).isoformat()
        response = owner_client.post(reverse("cases:new"), {**SITUATION, "overdue_since": future})
        assert "这个日期还没到" in response.content.decode()
        assert not Case.objects.exists()

    def test_needs_login(self, anonymous_client):
        response = anonymous_client.get(reverse("cases:new"))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
class TestSteps:
    def test_situation_shows_days_and_credit_status(self, owner_client, case):
        services.case_update(case=case, overdue_since=TODAY - timedelta(days=45))
        body = owner_client.get(step_url(case, "situation")).content.decode()
        assert "45" in body and "征信报告" in body

    def test_debt_saves_and_stays_for_another(self, owner_client, case):
        response = owner_client.post(step_url(case, "debts"), {**DEBT, "action": "add"})
        assert response.status_code == 302 and response["Location"] == step_url(case, "debts")
        debt = case.debts.get()
        assert debt.principal == Decimal("12000.00") and debt.penalty_interest == Decimal("150.50")
        assert debt.daily_rate == Decimal("0.0005")
        body = owner_client.get(step_url(case, "debts")).content.decode()
        assert "¥12,450.50" in body  # the live total

    def test_debt_next_moves_on(self, owner_client, case):
        response = owner_client.post(step_url(case, "debts"), {**DEBT, "action": "next"})
        assert response["Location"] == step_url(case, "budget")

    def test_debts_next_with_empty_form_needs_one_debt(self, owner_client, case):
        response = owner_client.post(step_url(case, "debts"), {"lender": "huabei", "action": "next"})
        assert response.status_code == 200
        assert "请至少填写一笔欠款" in response.content.decode()

    @pytest.mark.parametrize(
        ("field", "value", "message"),
        [
            ("principal", "-5", "金额不能是负数"),
            ("principal", "abc", "请输入数字金额"),
            ("principal", "99999999", "不能超过 1000 万元"),
            ("interest", "1.234", "最多保留两位小数"),
            ("account_label", "6222021234567890", "末四位"),
            ("overdue_since", "2026-13-01", "请输入真实存在的日期"),
        ],
    )
    def test_bad_debt_input_keeps_saved_debts(self, owner_client, case, field, value, message):
        services.debt_create(case=case, lender="jiebei", principal="5000")
        response = owner_client.post(step_url(case, "debts"), {**DEBT, field: value, "action": "add"})
        assert response.status_code == 200
        body = response.content.decode()
        assert message in body
        assert 'id="error-summary"' in body
        assert value in body  # what was typed is still in the form
        assert list(case.debts.values_list("principal", flat=True)) == [Decimal("5000.00")]

    def test_debt_edit_and_delete(self, owner_client, case):
        debt = services.debt_create(case=case, lender="jiebei", principal="5000")
        edit = reverse("cases:debt_edit", args=[case.code, debt.pk])
        assert owner_client.get(edit).status_code == 200
        owner_client.post(edit, {**DEBT, "principal": "5100"})
        debt.refresh_from_db()
        assert debt.principal == Decimal("5100.00")
        delete = reverse("cases:debt_delete", args=[case.code, debt.pk])
        assert "确定删除" in owner_client.get(delete).content.decode()
        owner_client.post(delete)
        assert not case.debts.exists()

    def test_budget_saves_and_moves_on(self, owner_client, case):
        response = owner_client.post(step_url(case, "budget"), BUDGET)
        assert response["Location"] == step_url(case, "hardship")
        assert case.hardship.monthly_budget == Decimal("1500.00")

    def test_bad_budget_keeps_the_saved_one(self, owner_client, case):
        owner_client.post(step_url(case, "budget"), BUDGET)
        response = owner_client.post(step_url(case, "budget"), {**BUDGET, "monthly_income": "-1"})
        assert response.status_code == 200 and "金额不能是负数" in response.content.decode()
        case.refresh_from_db()
        assert case.hardship.monthly_income == Decimal("4000.00")

    def test_hardship_saves_and_builds_the_checklist(self, owner_client, case):
        response = owner_client.post(step_url(case, "hardship"), HARDSHIP)
        assert response["Location"] == step_url(case, "evidence")
        kinds = set(case.evidence.values_list("kind", flat=True))
        assert {"unemployment_certificate", "medical_record", "hospital_invoice", "id_card"} <= kinds

    def test_hardship_needs_a_reason(self, owner_client, case):
        response = owner_client.post(step_url(case, "hardship"), {**HARDSHIP, "reasons": []})
        body = response.content.decode()
        assert "请至少选择一个原因" in body
        # The summary links to the first checkbox, which exists, and the error is tied to the group.
        assert 'href="#id_reasons_0"' in body and 'id="id_reasons_0"' in body

    def test_changing_the_reason_prunes_evidence_that_no_longer_applies(self, owner_client, case):
        owner_client.post(step_url(case, "hardship"), HARDSHIP)
        owner_client.post(step_url(case, "hardship"), {**HARDSHIP, "reasons": ["unemployment"]})
        kinds = set(case.evidence.values_list("kind", flat=True))
        assert "medical_record" not in kinds and "hospital_invoice" not in kinds
        assert "unemployment_certificate" in kinds
        review = owner_client.get(step_url(case, "review")).content.decode()
        assert "病历" not in review

    def test_evidence_step_lists_items_and_accepts_an_extra_one(self, owner_client, full_case):
        body = owner_client.get(step_url(full_case, "evidence")).content.decode()
        assert "身份证" in body and "失业证明" in body
        response = owner_client.post(step_url(full_case, "evidence"), {"kind": "other", "title": "社区证明"})
        assert response["Location"] == step_url(full_case, "plan")
        assert full_case.evidence.filter(title="社区证明").exists()

    def test_evidence_step_is_skipped_when_the_hardship_names_no_reason(self, owner_client, case):
        services.hardship_save(case=case, monthly_income="3000", reasons=[])
        services.case_mark_step(case=case, step="evidence")  # the hardship step was passed with no reason
        response = owner_client.get(step_url(case, "evidence"))
        assert response.status_code == 302
        assert response["Location"] == step_url(case, "plan")

    def test_plan_shows_the_split_and_each_lenders_scenarios(self, owner_client, full_case):
        body = owner_client.get(step_url(full_case, "plan")).content.decode()
        # ¥1,500 left each month, ¥225 (15 %) kept back, ¥1,275 shared as the ¥12,450 and ¥8,050 owed.
        for text in ("¥1,500.00", "−¥225.00", "¥1,275.00", "蚂蚁花呗", "招商银行", "¥774.33", "¥500.67"):
            assert text in body, text
        for label in ("只还本金", "停息挂账", "协商分期", "延期还款"):
            assert label in body
        assert "推荐" in body and "比照常还款少付" not in body
        huabei = full_case.creditors.get(kind="huabei")
        assert re.search(rf'name="{huabei.code.hex}-goal" value="interest_frozen"[^>]*checked', body)

    def test_plan_saves_each_lenders_goal_months_and_down_payment(self, owner_client, full_case):
        huabei, card = full_case.creditors.order_by("position")
        data = {
            "action": "next",
            f"{huabei.code.hex}-goal": "installments",
            f"{huabei.code.hex}-requested_months": "24",
            f"{huabei.code.hex}-down_payment": "500",
            f"{card.code.hex}-goal": "deferral",
            f"{card.code.hex}-deferral_months": "2",
        }
        response = owner_client.post(step_url(full_case, "plan"), data)
        assert response["Location"] == step_url(full_case, "contact")
        huabei.refresh_from_db()
        card.refresh_from_db()
        assert (huabei.goal, huabei.requested_months, huabei.down_payment) == ("installments", 24, Decimal("500.00"))
        assert (card.goal, card.deferral_months, card.requested_months) == ("deferral", 2, None)

    def test_plan_recalculate_without_javascript(self, owner_client, full_case):
        huabei = full_case.creditors.get(kind="huabei")
        data = {f"{huabei.code.hex}-requested_months": "36", "action": "recalculate"}
        response = owner_client.post(step_url(full_case, "plan"), data)
        assert response["Location"] == step_url(full_case, "plan")
        huabei.refresh_from_db()
        assert huabei.requested_months == 36 and huabei.goal == "interest_frozen"
        body = owner_client.get(step_url(full_case, "plan")).content.decode()
        assert "36 个月" in body

    @pytest.mark.parametrize(
        ("field", "value", "message"),
        [
            ("requested_months", "61", "1 到 60"),
            ("requested_months", "0", "1 到 60"),
            ("down_payment", "999999", "首付不能达到或超过"),
            ("down_payment", "-3", "金额不能是负数"),
        ],
    )
    def test_bad_plan_input_keeps_the_saved_plan(self, owner_client, full_case, field, value, message):
        huabei = full_case.creditors.get(kind="huabei")
        services.creditor_choose_plan(creditor=huabei, goal="interest_frozen", requested_months=24)
        data = {"action": "next", f"{huabei.code.hex}-goal": "installments", f"{huabei.code.hex}-{field}": value}
        response = owner_client.post(step_url(full_case, "plan"), data)
        assert response.status_code == 200
        assert message in response.content.decode()
        huabei.refresh_from_db()
        assert (huabei.goal, huabei.requested_months) == ("interest_frozen", 24)

    def test_a_margin_above_the_surplus_is_refused_nothing_lost(self, owner_client, full_case):
        response = owner_client.post(step_url(full_case, "plan"), {"action": "recalculate", "safety_margin": "-5"})
        assert "金额不能是负数" in response.content.decode()
        assert Case.objects.get(pk=full_case.pk).hardship.safety_margin is None

    def test_plan_preview_fragment_does_not_save(self, owner_client, full_case):
        huabei = full_case.creditors.get(kind="huabei")
        url = reverse("cases:plan_preview", args=[full_case.code])
        query = {"lender": huabei.code.hex, f"{huabei.code.hex}-requested_months": "48"}
        response = owner_client.get(url, query, HTTP_HX_REQUEST="true")
        assert response.status_code == 200
        body = response.content.decode()
        assert f'id="scenarios-{huabei.code.hex}"' in body and "<html" not in body
        assert "48 个月" in body
        huabei.refresh_from_db()
        assert huabei.requested_months is None

    def test_plan_preview_of_another_cases_lender_is_404(self, owner_client, owner, full_case):
        other = services.case_create(owner=owner, title="另一个")
        huabei = full_case.creditors.get(kind="huabei")
        url = reverse("cases:plan_preview", args=[other.code])
        assert owner_client.get(url, {"lender": huabei.code.hex}).status_code == 404

    def test_too_few_chosen_months_are_blamed_on_the_months_not_on_the_budget(self, owner_client, full_case):
        # ¥12,450.50 on a ¥774.26 share fits in some term, but not in 6 months: say so, not "nothing fits in 60".
        huabei = full_case.creditors.get(kind="huabei")
        url = reverse("cases:plan_preview", args=[full_case.code])
        query = {"lender": huabei.code.hex, f"{huabei.code.hex}-requested_months": "6"}
        body = owner_client.get(url, query, HTTP_HX_REQUEST="true").content.decode()
        assert "按您选的 6 期，每种方案的月供都超出了分给这家的钱" in body
        assert "60 期以内的方案都超出" not in body
        body = owner_client.get(url, {"lender": huabei.code.hex}, HTTP_HX_REQUEST="true").content.decode()
        assert "超出了分给这家的钱" not in body

    def test_review_warns_when_the_plans_together_are_over_budget(self, owner_client, full_case):
        assert "签了还不上" not in owner_client.get(step_url(full_case, "review")).content.decode()
        for creditor in full_case.creditors.all():
            services.creditor_choose_plan(creditor=creditor, goal="interest_frozen", requested_months=12)
        body = owner_client.get(step_url(full_case, "review")).content.decode()
        assert "超出了可分给各家的 ¥1,275.00：签了还不上，协议会作废。" in body
        assert "超出了可分给各家的" in owner_client.get(step_url(full_case, "plan")).content.decode()

    def test_contact_saves_the_id_number_encrypted_and_masked(self, owner_client, case):
        response = owner_client.post(step_url(case, "contact"), CONTACT)
        assert response["Location"] == step_url(case, "review")
        case.refresh_from_db()
        assert case.id_number == CONTACT["id_number"]
        assert case.masked_id_number == "110105********002X"
        body = owner_client.get(step_url(case, "contact")).content.decode()
        assert "110105********002X" in body and CONTACT["id_number"] not in body

    def test_contact_blank_id_keeps_the_saved_one(self, owner_client, full_case):
        owner_client.post(step_url(full_case, "contact"), {**CONTACT, "id_number": "", "debtor_name": "张三丰"})
        full_case.refresh_from_db()
        assert full_case.id_number == CONTACT["id_number"] and full_case.debtor_name == "张三丰"

    def test_contact_rejects_a_bad_id_number(self, owner_client, full_case):
        response = owner_client.post(step_url(full_case, "contact"), {**CONTACT, "id_number": "110105194912310021"})
        assert "身份证号有一位对不上" in response.content.decode()
        full_case.refresh_from_db()
        assert full_case.id_number == CONTACT["id_number"]

    def test_review_shows_every_answer(self, owner_client, full_case):
        body = owner_client.get(step_url(full_case, "review")).content.decode()
        for text in (
            "我的案件",
            "招商银行",
            "¥20,500.00",
            "¥4,000.00",
            "¥1,500.00",
            "失业",
            "疾病或伤残",
            "身份证",
            "停息挂账",
            "张三",
            "110105********002X",
            "13800138000",
        ):
            assert text in body, text
        for step in wizard.applicable_steps(full_case)[:-1]:
            assert step_url(full_case, step.name) + "?return=review" in body

    def test_edit_from_review_returns_to_review(self, owner_client, full_case):
        response = owner_client.post(step_url(full_case, "budget"), {**BUDGET, "return": "review"})
        assert response["Location"] == step_url(full_case, "review")

    def test_finishing_goes_to_the_case_page(self, owner_client, full_case):
        response = owner_client.post(step_url(full_case, "review"))
        assert response["Location"] == reverse("cases:detail", args=[full_case.code])
        full_case.refresh_from_db()
        assert full_case.wizard_step == "review"

    def test_progress_counts_only_steps_that_apply(self, owner_client, case):
        body = owner_client.get(step_url(case, "budget")).content.decode()
        assert "第 3 步，共 8 步" in body
        services.hardship_save(case=case, monthly_income="3000")  # the budget saved, the reasons not asked yet
        services.case_mark_step(case=case, step="hardship")
        assert "第 4 步，共 8 步" in owner_client.get(step_url(case, "hardship")).content.decode()
        services.case_mark_step(case=case, step="evidence")
        body = owner_client.get(step_url(case, "plan")).content.decode()
        assert "第 5 步，共 7 步" in body  # a hardship without a reason has nothing to prove: no evidence step
        services.hardship_save(case=case, reasons=["illness"])
        body = owner_client.get(step_url(case, "plan")).content.decode()
        assert "第 6 步，共 8 步" in body

    def test_budget_then_hardship_leads_to_the_evidence_step(self, owner_client, case):
        owner_client.post(step_url(case, "budget"), BUDGET)
        response = owner_client.post(step_url(case, "hardship"), HARDSHIP)
        assert response["Location"] == step_url(case, "evidence")

    def test_unknown_step_is_404(self, owner_client, case):
        assert owner_client.get(step_url(case, "nope")).status_code == 404


@pytest.mark.django_db
class TestResume:
    def test_home_lists_cases_with_continue_link(self, owner_client, case):
        services.case_mark_step(case=case, step="budget")
        body = owner_client.get(reverse("home")).content.decode()
        assert "我的案件" in body and "准备中" in body
        assert step_url(case, "budget") in body

    def test_resume_redirects_to_the_saved_step(self, owner_client, case):
        services.case_mark_step(case=case, step="hardship")
        response = owner_client.get(reverse("cases:wizard_resume", args=[case.code]))
        assert response["Location"] == step_url(case, "hardship")


@pytest.mark.django_db
class TestOwnership:
    def urls(self, case):
        debt = case.debts.first()
        urls = [step_url(case, step.name) for step in wizard.STEPS]
        urls += [
            reverse("cases:detail", args=[case.code]),
            reverse("cases:delete", args=[case.code]),
            reverse("cases:wizard_resume", args=[case.code]),
            reverse("cases:plan_preview", args=[case.code]),
            reverse("cases:debt_edit", args=[case.code, debt.pk]),
            reverse("cases:debt_delete", args=[case.code, debt.pk]),
        ]
        return urls

    def test_outsider_gets_404_everywhere(self, outsider_client, full_case):
        for url in self.urls(full_case):
            assert outsider_client.get(url).status_code == 404, url
            assert outsider_client.post(url, {**DEBT, **BUDGET, **CONTACT, "goal": "deferral"}).status_code == 404, url
        full_case.refresh_from_db()
        assert full_case.debts.count() == 2
        assert set(full_case.creditors.values_list("goal", flat=True)) == {"interest_frozen"}
        assert full_case.debtor_name == "张三"

    def test_anonymous_is_sent_to_login(self, anonymous_client, full_case):
        for url in self.urls(full_case):
            response = anonymous_client.get(url)
            assert response.status_code == 302 and "/accounts/login/" in response["Location"], url

    def test_a_debt_of_another_case_is_404(self, owner_client, owner, full_case):
        other = services.case_create(owner=owner, title="另一个")
        debt = full_case.debts.first()
        assert owner_client.get(reverse("cases:debt_edit", args=[other.code, debt.pk])).status_code == 404

    def test_bad_uuid_is_404(self, owner_client):
        assert owner_client.get("/cases/not-a-uuid/").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("step", [s.name for s in wizard.STEPS])
def test_queries_do_not_grow_with_debts(owner_client, full_case, step):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert owner_client.get(step_url(full_case, step)).status_code == 200
        return len(ctx.captured_queries)

    for debt in Debt.objects.filter(case=full_case).exclude(pk=full_case.debts.first().pk):
        services.debt_delete(debt=debt)
    count()  # the session's first save is not the page's doing
    with_one = count()
    for n in range(9):
        services.debt_create(case=full_case, lender="online_lender", principal=str(1000 + n))
    assert full_case.debts.count() == 10
    assert count() == with_one


@pytest.mark.django_db
def test_case_detail_shows_missing_evidence(owner_client, full_case):
    body = owner_client.get(reverse("cases:detail", args=[full_case.code])).content.decode()
    missing = Evidence.objects.filter(case=full_case, status=EvidenceStatus.MISSING).count()
    assert f"还缺 {missing} 份材料" in body
