"""The wizard engine (cases/wizard.py): a step added as one entry, one form and one template runs like the others;
submit, advance, progress and the review sections read only the step list."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django import forms
from django.urls import reverse
from django.utils import timezone

from cases import selectors, services, wizard
from cases.forms import CaseForm
from cases.models import Case

TODAY = timezone.localdate()


FIRST_DUE = TODAY + timedelta(days=20)


class FirstPaymentForm(CaseForm):
    """A step the app does not have: the day the debtor can make the first payment."""

    first_due = forms.DateField(label="首期还款日")


def _first_payment_save(case: Case, form: forms.Form) -> None:
    services.case_update(case=case, first_due_date=form.cleaned_data["first_due"])


FIRST_PAYMENT = wizard.Step(
    name="first_payment",
    title="首期还款",
    form_class=FirstPaymentForm,
    template="throwaway/first_payment.html",
    help="哪天能还第一期。",
    is_done=lambda case: case.first_due_date is not None,
    initial=lambda case: {"first_due": case.first_due_date},
    save=_first_payment_save,
    context=lambda case: {"first_payment_hint": f"已有欠款 {len(case.debts.all())} 笔"},
    answers=lambda case: [wizard.Answer("首期还款日", case.first_due_date.isoformat() if case.first_due_date else "—")],
)

FIRST_PAYMENT_TEMPLATE = """{% extends "cases/wizard/_base.html" %}
{% block step %}<p id="first-payment-hint">{{ first_payment_hint }}</p>{% include "cases/wizard/_form.html" %}
{% endblock %}
"""


@pytest.fixture
def with_first_payment_step(monkeypatch, settings, tmp_path):
    """The first payment step registered just before the review: one entry, one form, one template."""
    (tmp_path / "throwaway").mkdir()
    (tmp_path / "throwaway" / "first_payment.html").write_text(FIRST_PAYMENT_TEMPLATE, encoding="utf-8")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], tmp_path]}]
    monkeypatch.setattr(wizard, "STEPS", (*wizard.STEPS[:-1], FIRST_PAYMENT, wizard.STEPS[-1]))
    return FIRST_PAYMENT


@pytest.fixture
def case(owner):
    case = services.case_create(owner=owner, title="我的案件", overdue_products=["huabei"], overdue_since=TODAY)
    services.debt_create(case=case, lender="huabei", principal=Decimal("12000"))
    services.hardship_save(
        case=case,
        monthly_income=Decimal("4000"),
        household_expenses=Decimal("2500"),
        dependents=0,
        other_fixed_payments=Decimal("0"),
        reasons=["unemployment"],
    )
    return Case.objects.get(pk=case.pk)


def step_url(case, name, **query):
    url = reverse("cases:wizard_step", args=[case.code, name])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


@pytest.mark.django_db
class TestAThrowawayStep:
    def test_its_page_shows_its_form_context_and_place(self, owner_client, case, with_first_payment_step):
        body = owner_client.get(step_url(case, "first_payment")).content.decode()
        assert 'id="first-payment-hint">已有欠款 1 笔<' in body
        assert 'name="first_due"' in body
        assert "第 8 步，共 9 步" in body
        assert step_url(case, "contact") in body  # "previous" leads to the step before it

    def test_the_step_before_it_leads_to_it(self, owner_client, case, with_first_payment_step):
        contact = {"debtor_name": "张三", "id_number": "11010519491231002X", "contact_phone": "13800138000"}
        response = owner_client.post(step_url(case, "contact"), contact)
        assert response["Location"] == step_url(case, "first_payment")
        assert Case.objects.get(pk=case.pk).wizard_step == "first_payment"

    def test_it_saves_through_its_service_and_moves_on(self, owner_client, case, with_first_payment_step):
        response = owner_client.post(step_url(case, "first_payment"), {"first_due": FIRST_DUE.isoformat()})
        assert response["Location"] == step_url(case, "review")
        case.refresh_from_db()
        assert case.first_due_date == FIRST_DUE and case.wizard_step == "review"

    def test_bad_input_stays_with_the_message_and_saves_nothing(self, owner_client, case, with_first_payment_step):
        response = owner_client.post(step_url(case, "first_payment"), {"first_due": ""})
        assert response.status_code == 200
        assert "这个字段是必填项" in response.content.decode() or "This field is required" in response.content.decode()
        case.refresh_from_db()
        assert case.first_due_date is None

    def test_the_review_page_lists_it_with_an_edit_link(self, owner_client, case, with_first_payment_step):
        services.case_update(case=case, first_due_date=FIRST_DUE)
        body = owner_client.get(step_url(case, "review")).content.decode()
        assert FIRST_DUE.isoformat() in body
        assert step_url(case, "first_payment", **{"return": "review"}) in body

    def test_resume_finds_it(self, owner_client, case, with_first_payment_step):
        services.case_mark_step(case=case, step="first_payment")
        response = owner_client.get(reverse("cases:wizard_resume", args=[case.code]))
        assert response["Location"] == step_url(case, "first_payment")

    def test_the_app_has_no_such_step_without_it(self, owner_client, case):
        assert owner_client.get(step_url(case, "first_payment")).status_code == 404


@pytest.mark.django_db
class TestEngine:
    def test_submit_with_bad_data_returns_the_form_and_saves_nothing(self, case):
        step = wizard.get_step("budget")
        submission = wizard.submit(case, step, {"monthly_income": "-1", "household_expenses": "100"})
        assert not submission.saved
        assert "monthly_income" in submission.form.errors
        assert Case.objects.get(pk=case.pk).hardship.monthly_income == Decimal("4000.00")

    def test_submit_saves_and_says_next(self, case):
        step = wizard.get_step("budget")
        data = {"monthly_income": "5000", "household_expenses": "2000", "dependents": "2", "other_fixed_payments": ""}
        submission = wizard.submit(case, step, data)
        assert submission.move is wizard.Move.NEXT
        assert Case.objects.get(pk=case.pk).hardship.monthly_income == Decimal("5000.00")

    def test_debts_next_with_an_empty_form_moves_on_when_a_debt_exists(self, case):
        step = wizard.get_step("debts")
        submission = wizard.submit(case, step, {"action": "next", "lender": "huabei", "principal": ""})
        assert submission.move is wizard.Move.NEXT

    def test_debts_next_with_an_empty_form_and_no_debt_is_an_error(self, owner):
        case = services.case_create(owner=owner, title="空的", overdue_products=["huabei"], overdue_since=TODAY)
        submission = wizard.submit(case, wizard.get_step("debts"), {"action": "next", "lender": "huabei"})
        assert not submission.saved
        assert "请至少填写一笔欠款。" in submission.form.non_field_errors()

    def test_debts_add_stays_on_the_step(self, case):
        data = {"action": "add", "lender": "jiebei", "principal": "3000", "daily_rate_percent": "0.05"}
        submission = wizard.submit(case, wizard.get_step("debts"), data)
        assert submission.move is wizard.Move.STAY
        assert case.debts.count() == 2

    def test_plan_recalculate_saves_the_numbers_of_each_lender_and_stays(self, case):
        creditor = case.creditors.get()
        prefix = creditor.code.hex
        data = {"action": "recalculate", f"{prefix}-requested_months": "24", f"{prefix}-down_payment": "500"}
        submission = wizard.submit(case, wizard.get_step("plan"), data)
        assert submission.move is wizard.Move.STAY
        creditor.refresh_from_db()
        assert (creditor.requested_months, creditor.down_payment, creditor.goal) == (24, Decimal("500.00"), "")

    def test_plan_next_needs_a_choice_for_every_lender(self, case):
        services.debt_create(case=case, lender="credit_card", lender_name="招商银行", principal=Decimal("8000"))
        huabei, card = case.creditors.order_by("position")
        data = {"action": "next", f"{huabei.code.hex}-goal": "installments"}
        submission = wizard.submit(case, wizard.get_step("plan"), data)
        assert not submission.saved
        assert "请为这家选择一种方案。" in str(dict(submission.form.errors))
        data[f"{card.code.hex}-goal"] = "interest_frozen"
        assert wizard.submit(case, wizard.get_step("plan"), data).move is wizard.Move.NEXT
        assert dict(case.creditors.values_list("name", "goal")) == {
            "蚂蚁花呗": "installments",
            "招商银行": "interest_frozen",
        }

    def test_plan_refuses_a_down_payment_that_leaves_nothing_to_spread(self, case):
        creditor = case.creditors.get()
        data = {f"{creditor.code.hex}-goal": "interest_frozen", f"{creditor.code.hex}-down_payment": "12000"}
        submission = wizard.submit(case, wizard.get_step("plan"), data)
        assert not submission.saved
        assert "首付不能达到或超过需要分期还的金额" in str(submission.form.lender_forms[0][1].errors["down_payment"])
        assert Case.objects.get(pk=case.pk).creditors.get().goal == ""

    def test_plan_saves_the_margin_and_a_share_moved_by_hand(self, case):
        services.debt_create(case=case, lender="credit_card", lender_name="招商银行", principal=Decimal("8000"))
        huabei, card = case.creditors.order_by("position")
        data = {"action": "recalculate", "safety_margin": "300", f"share_{card.code.hex}": "400"}
        assert wizard.submit(case, wizard.get_step("plan"), data).move is wizard.Move.STAY
        split = selectors.budget_split(Case.objects.get(pk=case.pk))
        assert (split.surplus, split.margin, split.available) == (
            Decimal("1500.00"),
            Decimal("300.00"),
            Decimal("1200.00"),
        )
        assert [(x.creditor.name, x.share, x.moved_by_hand) for x in split.lenders] == [
            ("蚂蚁花呗", Decimal("800.00"), False),
            ("招商银行", Decimal("400.00"), True),
        ]

    def test_review_finishes(self, case):
        submission = wizard.submit(case, wizard.review_step(), {})
        assert submission.move is wizard.Move.FINISH
        assert Case.objects.get(pk=case.pk).wizard_step == "review"

    def test_advance_remembers_the_next_step(self, case):
        following = wizard.advance(case, wizard.get_step("budget"))
        assert following.name == "hardship"
        assert Case.objects.get(pk=case.pk).wizard_step == "hardship"

    def test_advance_back_to_review(self, case):
        assert wizard.advance(case, wizard.get_step("budget"), to_review=True) is wizard.review_step()

    def test_advance_sees_what_the_save_changed_without_reloading(self, owner):
        """A hardship saved with no reason makes the evidence step inapplicable at once."""
        case = services.case_create(owner=owner, title="案件", overdue_products=["huabei"], overdue_since=TODAY)
        step = wizard.get_step("hardship")
        services.case_mark_step(case=case, step="plan")
        assert wizard.get_step("evidence") in wizard.applicable_steps(case)
        wizard.submit(case, step, {"reasons": ["illness"], "narrative": ""})
        assert wizard.advance(case, step).name == "evidence"

    def test_advance_sees_a_hardship_read_before_the_save(self, owner):
        """The case read its hardship (no reason yet) before the step saved one: the evidence step follows."""
        case = services.case_create(owner=owner, title="案件", overdue_products=["huabei"], overdue_since=TODAY)
        services.hardship_save(case=case, monthly_income=Decimal("3000"))
        case = Case.objects.get(pk=case.pk)
        services.case_mark_step(case=case, step="plan")
        assert wizard.get_step("evidence") not in wizard.applicable_steps(case)  # the hardship is now read
        services.case_mark_step(case=case, step="hardship")
        step = wizard.get_step("hardship")
        assert wizard.submit(case, step, {"reasons": ["illness"], "narrative": ""}).saved
        services.case_mark_step(case=case, step="plan")
        assert wizard.get_step("evidence") in wizard.applicable_steps(case)

    def test_review_sections_are_every_applicable_step_but_the_review(self, case):
        names = [step.name for step, _answers in wizard.review_sections(case)]
        assert names == [s.name for s in wizard.applicable_steps(case) if s is not wizard.review_step()]

    def test_progress_counts_applicable_steps(self, case):
        assert wizard.progress(case, wizard.get_step("budget")) == (3, 8)

    def test_goal_choices_are_rows_with_their_help(self):
        kinds = [choice.value for choice in wizard.GOAL_CHOICES]
        assert kinds == ["principal_only", "interest_frozen", "installments", "deferral", "other"]
        assert all(choice.label and choice.help for choice in wizard.GOAL_CHOICES)
