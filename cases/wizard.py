"""The steps of the case wizard, and the engine that runs them.

A step is one `Step` entry: its form, template, condition, how it saves, what else its page shows and how it reads
back on the review page. The engine (`blank_form`, `submit`, `advance`) runs every step the same way, so adding a
step means one entry, one form and one template; the view never asks which step it is.

Every POST saves through a service at once, so nothing lives only in the session: reloading, the back button and a
second device all see what was saved. The review page is generated from the same step list.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any, Protocol

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import plans, presenters, selectors, services
from .forms import (
    BudgetForm,
    CaseForm,
    ContactForm,
    DebtForm,
    EvidenceUploadForm,
    ExtraEvidenceForm,
    HardshipForm,
    LenderPlanForm,
    ShareForm,
    SituationForm,
)
from .models import Case, CaseGoal, Creditor, LenderKind

FormData = Mapping[str, Any]


class StepForm(Protocol):
    """What the engine needs of a step's form: a CaseForm, or the plan step's PlanPage, its forms together."""

    def is_valid(self) -> bool: ...

    def add_service_error(self, error: ValidationError) -> None: ...


@dataclass(frozen=True)
class Answer:
    label: str | Promise
    value: str


@dataclass(frozen=True)
class Choice:
    """One option as a template shows it: its value, its name and a line that explains it."""

    value: str
    label: str | Promise
    help: str | Promise = ""


class Move(StrEnum):
    """Where a step goes once it has saved."""

    STAY = "stay"  # the same step again: another debt, the plans worked out again
    NEXT = "next"  # the next step that applies, or back to the review page when the edit came from there
    FINISH = "finish"  # the wizard is done: the case page


@dataclass
class Submission:
    """What a POST to a step did: saved, with where to go and what to say; or not, with the form and its errors."""

    form: StepForm | None = None
    move: Move | None = None
    message: str = ""

    @property
    def saved(self) -> bool:
        return self.move is not None


def _no_context(case: Case) -> dict:
    return {}


@dataclass(frozen=True)
class Step:
    name: str
    title: str | Promise
    form_class: Callable[..., StepForm]
    template: str
    help: str | Promise = ""
    applies: Callable[[Case], bool] = field(default=lambda case: True)
    is_done: Callable[[Case], bool] = field(default=lambda case: False)
    initial: Callable[[Case], dict] = field(default=_no_context)
    # What the form needs besides the data, e.g. the masked form of a number already saved.
    form_kwargs: Callable[[Case], dict] = field(default=_no_context)
    save: Callable[[Case, CaseForm], None] | None = None
    # What the page shows besides the form.
    context: Callable[[Case], dict] = field(default=_no_context)
    answers: Callable[[Case], list[Answer]] = field(default=lambda case: [])
    # A step with several actions handles its POST itself; the others validate the form, then call `save`.
    post: "Callable[[Step, Case, FormData], Submission] | None" = None
    # False for the review step, which lists the others and is not a section of itself.
    reviewed: bool = True


_hardship = selectors.case_hardship


def _labels(values: list[str], choices) -> str:
    names = dict(choices)
    return presenters.join_labels(names[v] for v in values if v in names)


def _passed(case: Case, name: str) -> bool:
    """Whether the user has gone beyond a step that asks nothing of them."""
    names = step_names()
    return case.wizard_step in names and names.index(case.wizard_step) > names.index(name)


def _bound(step: Step, case: Case, data: FormData) -> StepForm:
    return step.form_class(data, **step.form_kwargs(case))


def _saved(form: StepForm, save: Callable[[], object]) -> bool:
    """Validate the form, then save; a service's refusal lands on the form's fields."""
    if not form.is_valid():
        return False
    try:
        save()
    except ValidationError as error:
        form.add_service_error(error)
        return False
    return True


def _save_form(step: Step, case: Case, data: FormData) -> Submission:
    """The usual POST: the form, the step's save, then on to the next step."""
    form = _bound(step, case, data)
    if not isinstance(form, CaseForm):
        raise TypeError(f"the {step.name} step saves its form's cleaned data: its form must be a CaseForm")
    if _saved(form, lambda: step.save(case, form) if step.save is not None else None):
        return Submission(move=Move.NEXT)
    return Submission(form=form)


# --- 1. the situation -----------------------------------------------------------------------------------------


def _situation_save(case: Case, form: CaseForm) -> None:
    services.case_update(case=case, **form.cleaned_data)


def _situation_context(case: Case) -> dict:
    if not case.overdue_since:
        return {}
    days = plans.days_overdue(case.overdue_since, timezone.localdate())
    return {"overdue": {"days": days, "status": credit_status_text(days)}}


def _situation_answers(case: Case) -> list[Answer]:
    answers = [
        Answer(_("案件名称"), case.title),
        Answer(_("逾期的产品"), _labels(case.overdue_products, LenderKind.choices)),
    ]
    if case.overdue_since:
        days = plans.days_overdue(case.overdue_since, timezone.localdate())
        answers += [
            Answer(_("最早逾期日"), case.overdue_since.isoformat()),
            Answer(_("已逾期"), ngettext("%(days)s 天", "%(days)s 天", days) % {"days": days}),
            Answer(_("征信逾期状态"), credit_status_text(days)),
        ]
    return answers


def credit_status_text(days: int) -> str:
    code = plans.credit_report_status(days)
    if code == 0:
        return str(_("未逾期"))
    return str(_("%(code)s（征信报告上逾期 %(low)s 天以上的标记）") % {"code": code, "low": (code - 1) * 30 + 1})


# --- 2. the debts ---------------------------------------------------------------------------------------------

DEBT_AMOUNTS = ("principal", "interest", "penalty_interest", "fees")


def _debts_initial(case: Case) -> dict:
    """Prefill the next debt with a product the user said is overdue and has no debt yet."""
    entered = {debt.lender for debt in selectors.case_debts(case)}
    remaining = [p for p in case.overdue_products if p not in entered]
    return {
        "lender": remaining[0] if remaining else (case.overdue_products or [LenderKind.HUABEI])[0],
        "overdue_since": case.overdue_since,
    }


def _debts_post(step: Step, case: Case, data: FormData) -> Submission:
    """Debts are saved one at a time: "save and add another" stays here, "next" moves on.

    "Next" with no amount typed means the list is complete, as long as it holds at least one debt.
    """
    moving_on = data.get("action") == "next"
    form = DebtForm(data)
    if moving_on and not any(form[name].value() for name in DEBT_AMOUNTS):
        if selectors.case_has_debts(case):
            return Submission(move=Move.NEXT)
        form.is_valid()
        form.add_error(None, _("请至少填写一笔欠款。"))
        return Submission(form=form)
    if _saved(form, lambda: services.debt_create(case=case, **form.service_fields())):
        return Submission(move=Move.NEXT if moving_on else Move.STAY, message=str(_("这笔欠款已保存。")))
    return Submission(form=form)


def _debts_context(case: Case) -> dict:
    return {
        "debts": selectors.case_debts(case),
        "total": selectors.case_total_balance(case),
        "creditors": selectors.case_creditors(case),
    }


def _debts_answers(case: Case) -> list[Answer]:
    debts = selectors.case_debts(case)
    answers = [
        Answer(
            str(debt),
            _("本金 %(principal)s，利息 %(interest)s，罚息 %(penalty)s，费用 %(fees)s，合计 %(total)s")
            % {
                "principal": plans.format_yuan(debt.principal),
                "interest": plans.format_yuan(debt.interest),
                "penalty": plans.format_yuan(debt.penalty_interest),
                "fees": plans.format_yuan(debt.fees),
                "total": plans.format_yuan(debt.balance),
            },
        )
        for debt in debts
    ]
    answers.append(Answer(_("欠款合计"), plans.format_yuan(selectors.case_total_balance(case))))
    return answers


# --- 3. income and expenses -----------------------------------------------------------------------------------


def _budget_initial(case: Case) -> dict:
    hardship = _hardship(case)
    if hardship is None:
        return {}
    return {
        "monthly_income": hardship.monthly_income,
        "household_expenses": hardship.household_expenses,
        "dependents": hardship.dependents,
        "other_fixed_payments": hardship.other_fixed_payments,
        "income_before": hardship.income_before,
    }


def _budget_save(case: Case, form: CaseForm) -> None:
    services.hardship_save(case=case, **form.cleaned_data)  # blanks are 0 to the service


def _budget_context(case: Case) -> dict:
    return {"budget": selectors.case_budget(case)}


def _budget_answers(case: Case) -> list[Answer]:
    hardship = _hardship(case)
    if hardship is None:
        return []
    return [
        Answer(_("每月收入"), plans.format_yuan(hardship.monthly_income)),
        Answer(
            _("困难之前的月收入"),
            plans.format_yuan(hardship.income_before) if hardship.income_before is not None else "—",
        ),
        Answer(_("家庭必要支出"), plans.format_yuan(hardship.household_expenses)),
        Answer(_("抚养或赡养人数"), str(hardship.dependents)),
        Answer(_("其他固定月还款"), plans.format_yuan(hardship.other_fixed_payments)),
        Answer(_("每月可用于还款"), plans.format_yuan(hardship.monthly_budget)),
    ]


# --- 4. the hardship ------------------------------------------------------------------------------------------


def _hardship_initial(case: Case) -> dict:
    hardship = _hardship(case)
    if hardship is None:
        return {}
    return {"reasons": hardship.reasons, "since": hardship.since, "narrative": hardship.narrative}


def _hardship_save(case: Case, form: CaseForm) -> None:
    services.hardship_save(case=case, **form.cleaned_data)


def _hardship_answers(case: Case) -> list[Answer]:
    hardship = _hardship(case)
    if hardship is None:
        return []
    return [
        Answer(_("困难原因"), presenters.join_labels(hardship.reason_labels)),
        Answer(_("开始时间"), hardship.since.isoformat() if hardship.since else "—"),
        Answer(_("经过"), hardship.narrative or "—"),
    ]


# --- 5. the evidence checklist --------------------------------------------------------------------------------


def _evidence_applies(case: Case) -> bool:
    """Skipped only when the hardship step was passed naming no reason: then there is no claim to prove beyond the
    basics. Before that step the answer is not known yet, and the step counts, so "of 8" does not flicker."""
    hardship = _hardship(case)
    return hardship is None or bool(hardship.reasons) or not _passed(case, "hardship")


def _evidence_save(case: Case, form: CaseForm) -> None:
    if form.cleaned_data.get("kind"):
        services.evidence_create(case=case, kind=form.cleaned_data["kind"], title=form.cleaned_data["title"])


def _evidence_context(case: Case) -> dict:
    return {"evidence": selectors.case_evidence(case), "upload_form": EvidenceUploadForm()}


def _evidence_answers(case: Case) -> list[Answer]:
    return [
        Answer(_("附件 %(number)s") % {"number": item.position}, f"{item.display_title} · {item.get_status_display()}")
        for item in selectors.case_evidence(case)
    ]


# --- 6. the plan: the budget shared across lenders, one plan per lender --------------------------------------

GOAL_HELP: dict[str, str | Promise] = {
    CaseGoal.PRINCIPAL_ONLY: _(
        "免除利息、罚息和费用，只还本金。最难申请：要有充分的困难证明，逾期时间短、金额小、以前还款记录好更容易。"
    ),
    CaseGoal.INTEREST_FROZEN: _(
        "“停息挂账”是一种协商结果的俗称，不是法定权利：请平台从某天起不再计息和罚息，把现在的欠款分期还清。"
        "花呗、借呗一般不容易同意。"
    ),
    CaseGoal.INSTALLMENTS: _(
        "请平台减免罚息和费用，把本金和利息分期还清；默认按 0% 申请，平台报了利率或手续费再填上。"
    ),
    CaseGoal.DEFERRAL: _("先暂缓一个月（可以改长），之后再分期还清。暂缓期间一般照常计息，平台明确同意免息才不计。"),
    CaseGoal.OTHER: _("以上都不合适时，写下您自己的诉求。"),
}
GOAL_CHOICES = tuple(Choice(value, label, GOAL_HELP[value]) for value, label in CaseGoal.choices)
DOWN_PAYMENT_TOO_LARGE = _("首付不能达到或超过需要分期还的金额，请改小一些。")


@dataclass(frozen=True)
class ScenarioCard:
    """A scenario as a card to tap: its name, what it asks to waive, and whether it is the one to ask for first.
    What each scenario means is explained once under the cards (GOAL_CHOICES)."""

    scenario: plans.Scenario
    label: str | Promise
    waived: str
    recommended: bool


@dataclass
class LenderPanel:
    """One lender on the plan page: its share of the budget, its scenarios and the form of the plan asked of it."""

    creditor: Creditor
    owed: Decimal
    share: Decimal
    moved_by_hand: bool
    form: LenderPlanForm
    cards: list[ScenarioCard]
    error: str | Promise | None = None
    months: int | None = None  # the months asked for; None: the fewest that fit
    nothing_fits: bool = False  # no scenario's payment fits the share

    @property
    def chosen(self) -> ScenarioCard | None:
        return next((card for card in self.cards if card.scenario.kind == self.creditor.goal), None)


def _cards(comparison: plans.Comparison | None) -> list[ScenarioCard]:
    """The scenarios with the recommended one first, as the page offers them."""
    if comparison is None:
        return []
    labels = dict(CaseGoal.choices)
    cards = [
        ScenarioCard(
            scenario,
            labels[scenario.kind],
            presenters.waived_parts_text(scenario),
            scenario.kind == comparison.recommended,
        )
        for scenario in comparison.scenarios
    ]
    return sorted(cards, key=lambda card: not card.recommended)


def lender_panel(
    lender: selectors.LenderShare, form: LenderPlanForm, *, months: int | None, down_payment: Decimal | None
) -> LenderPanel:
    creditor = lender.creditor
    error, comparison = None, None
    if selectors.creditor_down_payment_too_large(creditor, down_payment):
        error = DOWN_PAYMENT_TOO_LARGE
    else:
        comparison = selectors.creditor_comparison(creditor, lender.share, months=months, down_payment=down_payment)
    return LenderPanel(
        creditor,
        lender.owed,
        lender.share,
        lender.moved_by_hand,
        form,
        _cards(comparison),
        error,
        months=months,
        nothing_fits=comparison is not None and comparison.recommended is None,
    )


class PlanPage:
    """The plan step's forms together: what stays with the debtor and how the rest is shared, then one plan form
    per lender (prefixed with its code). The engine treats it as the step's form."""

    def __init__(self, data: FormData | None = None, *, case: Case, initial: dict | None = None):
        self.case = case
        self.split = selectors.budget_split(case)
        creditors = [lender.creditor for lender in self.split.lenders] if self.split else []
        hardship = _hardship(case)
        share_initial = {"safety_margin": hardship.safety_margin if hardship else None}
        share_initial |= {ShareForm.share_field(c): c.monthly_share for c in creditors}
        self.shares = ShareForm(data, creditors=creditors, initial=share_initial)
        self.lender_forms = [
            (
                lender,
                LenderPlanForm(
                    data, prefix=lender.creditor.code.hex, initial=LenderPlanForm.initial_for(lender.creditor)
                ),
            )
            for lender in (self.split.lenders if self.split else ())
        ]

    @property
    def forms(self) -> list[forms.Form]:
        return [self.shares, *(form for _lender, form in self.lender_forms)]

    def is_valid(self) -> bool:
        valid = [form.is_valid() for form in self.forms]  # every form checked, so that each shows its errors
        return all(valid)

    @property
    def errors(self) -> dict:
        return {form.add_prefix(name): errors for form in self.forms for name, errors in form.errors.items()}

    def non_field_errors(self) -> list[str]:
        return [str(error) for form in self.forms for error in form.non_field_errors()]

    def __iter__(self):
        for form in self.forms:
            yield from form

    def add_service_error(self, error: ValidationError) -> None:
        self.shares.add_service_error(error)

    @property
    def open_code(self):
        """The lender shown open: the first without a chosen plan, or the first of all (one at a time on a phone)."""
        creditors = [lender.creditor for lender, _form in self.lender_forms]
        waiting = next((c for c in creditors if not c.goal), creditors[0] if creditors else None)
        return waiting.code if waiting else None

    @property
    def panels(self) -> list[LenderPanel]:
        """Each lender's scenarios for the months and down payment saved for it (the recalculated ones after
        "重新计算")."""
        return [
            lender_panel(
                lender, form, months=lender.creditor.requested_months, down_payment=lender.creditor.down_payment
            )
            for lender, form in self.lender_forms
        ]

    def save(self, *, choices: bool) -> bool:
        """The margin, the shares and each lender's numbers; with `choices`, the plan chosen for each as well."""
        if self.split is None:
            self.shares.add_error(None, _("先填写收入和支出，才能算出每家分到多少。"))
            return False
        for _lender, form in self.lender_forms:
            if not choices:
                form.fields["goal"].required = False
        valid = self.is_valid()
        for lender, form in self.lender_forms:
            down = form.cleaned_data.get("down_payment") if "down_payment" not in form.errors else None
            if selectors.creditor_down_payment_too_large(lender.creditor, down):
                form.add_error("down_payment", DOWN_PAYMENT_TOO_LARGE)
                valid = False
        if not valid:
            return False
        margin = self.shares.cleaned_data["safety_margin"]
        try:
            services.hardship_save(case=self.case, safety_margin=margin)
            for lender, _form in self.lender_forms:
                field = ShareForm.share_field(lender.creditor)
                services.creditor_set_share(creditor=lender.creditor, monthly_share=self.shares.cleaned_data[field])
        except ValidationError as error:
            self.shares.add_service_error(error)
            return False
        saved = True
        for lender, form in self.lender_forms:
            fields = form.service_fields()
            if not choices:
                fields["goal"] = fields["goal"] or lender.creditor.goal
            try:
                services.creditor_choose_plan(creditor=lender.creditor, **fields)
            except ValidationError as error:
                form.add_service_error(error)
                saved = False
        return saved


def _plan_form_kwargs(case: Case) -> dict:
    return {"case": case}


def _plan_post(step: Step, case: Case, data: FormData) -> Submission:
    """ "重新计算" (also the path without JavaScript) saves the margin, the shares and each lender's numbers and shows
    the plans again; "next" saves the plan chosen for each lender as well."""
    page = PlanPage(data, case=case)
    recalculating = data.get("action") == "recalculate"
    if page.save(choices=not recalculating):
        return Submission(move=Move.STAY if recalculating else Move.NEXT)
    return Submission(form=page)


def plans_over_budget(case: Case) -> tuple[Decimal, Decimal] | None:
    """(what the chosen plans ask each month, what is available) when the first is more; None when they fit."""
    split = selectors.budget_split(case)
    if split is None:
        return None
    asked = selectors.monthly_total_of_plans(selectors.chosen_plans(case, split))
    return (asked, split.available) if asked > split.available else None


def _plan_context(case: Case) -> dict:
    return {"goal_choices": GOAL_CHOICES, "over_budget": plans_over_budget(case)}


def _plan_answers(case: Case) -> list[Answer]:
    split = selectors.budget_split(case)
    if split is None:
        return []
    answers = [
        Answer(_("每月结余"), plans.format_yuan(split.surplus)),
        Answer(_("留作应急"), plans.format_yuan(split.margin)),
        Answer(_("可分给各家"), plans.format_yuan(split.available)),
    ]
    for plan in selectors.chosen_plans(case, split):
        creditor, scenario = plan.creditor, plan.scenario
        if scenario is None:
            text = creditor.get_goal_display() or str(_("还没有选择"))
            if creditor.goal_note:
                text = f"{text}：{creditor.goal_note}"
        else:
            text = _("%(goal)s，%(months)s 个月，每月 %(monthly)s，合计 %(total)s（每月分到 %(share)s）") % {
                "goal": creditor.get_goal_display(),
                "months": scenario.months,
                "monthly": plans.format_yuan(scenario.monthly_payment),
                "total": plans.format_yuan(scenario.total_paid),
                "share": plans.format_yuan(plan.share),
            }
            if scenario.waived_parts:
                text += "\n" + _("申请减免：%(parts)s") % {"parts": presenters.waived_parts_text(scenario)}
        answers.append(Answer(creditor.name, text))
    over = plans_over_budget(case)
    if over is not None:
        answers.append(
            Answer(
                _("注意"),
                _(
                    "各家方案每月合计 %(asked)s，超出了可分给各家的 %(available)s：签了还不上，协议会作废。"
                    "回到这一步，把期数改长、调低首付，或者调整每家分到的金额。"
                )
                % {"asked": plans.format_yuan(over[0]), "available": plans.format_yuan(over[1])},
            )
        )
    return answers


# --- 7. contact details ---------------------------------------------------------------------------------------


def _contact_initial(case: Case) -> dict:
    return {"debtor_name": case.debtor_name, "contact_phone": case.contact_phone}


def _contact_form_kwargs(case: Case) -> dict:
    return {"saved_id_number": case.masked_id_number}


def _contact_save(case: Case, form: CaseForm) -> None:
    data = dict(form.cleaned_data)
    if not data["id_number"]:
        data.pop("id_number")  # blank keeps the number already saved
    services.case_update(case=case, **data)


def _contact_answers(case: Case) -> list[Answer]:
    return [
        Answer(_("姓名"), case.debtor_name or "—"),
        Answer(_("身份证号"), case.masked_id_number or "—"),
        Answer(_("联系电话"), case.contact_phone or "—"),
    ]


# --- 8. review ------------------------------------------------------------------------------------------------


class ReviewForm(CaseForm):
    """The review step only confirms; everything was saved by the steps before it."""


def _review_context(case: Case) -> dict:
    return {"sections": review_sections(case)}


def _review_post(step: Step, case: Case, data: FormData) -> Submission:
    services.case_mark_step(case=case, step=step.name)
    return Submission(move=Move.FINISH, message=str(_("已全部填写完成。下一步：准备材料，然后联系平台。")))


STEPS: tuple[Step, ...] = (
    Step(
        name="situation",
        title=_("逾期情况"),
        form_class=SituationForm,
        template="cases/wizard/situation.html",
        help=_("先说说哪些产品逾期了、从什么时候开始。逾期越久，越要尽快主动联系平台。"),
        is_done=lambda case: bool(case.overdue_products and case.overdue_since),
        initial=lambda case: {
            "title": case.title,
            "overdue_products": case.overdue_products,
            "overdue_since": case.overdue_since,
        },
        save=_situation_save,
        context=_situation_context,
        answers=_situation_answers,
    ),
    Step(
        name="debts",
        title=_("每一笔欠款"),
        form_class=DebtForm,
        template="cases/wizard/debts.html",
        help=_("照着账单填：本金、利息、罚息和手续费分开填，协商时才能说清楚哪些可以减免。"),
        is_done=lambda case: selectors.case_has_debts(case),
        initial=_debts_initial,
        post=_debts_post,
        context=_debts_context,
        answers=_debts_answers,
    ),
    Step(
        name="budget",
        title=_("收入和支出"),
        form_class=BudgetForm,
        template="cases/wizard/budget.html",
        help=_("如实填写。平台会看您每月到底能拿出多少钱，方案也要按这个数来定，才不会再次违约。"),
        is_done=lambda case: bool((hardship := _hardship(case)) and hardship.budget_updated_at),
        initial=_budget_initial,
        save=_budget_save,
        context=_budget_context,
        answers=_budget_answers,
    ),
    Step(
        name="hardship",
        title=_("困难情况"),
        form_class=HardshipForm,
        template="cases/wizard/form.html",
        help=_("真实的困难加上证明，是平台同意停息或减免的主要理由。"),
        is_done=lambda case: bool((hardship := _hardship(case)) and hardship.reasons),
        initial=_hardship_initial,
        save=_hardship_save,
        answers=_hardship_answers,
    ),
    Step(
        name="evidence",
        title=_("证明材料清单"),
        form_class=ExtraEvidenceForm,
        template="cases/wizard/evidence.html",
        help=_("根据您的困难原因和申请的方案，需要准备下面这些材料。可以现在就上传，也可以之后在案件页面补上。"),
        applies=_evidence_applies,
        is_done=lambda case: _passed(case, "evidence"),
        save=_evidence_save,
        context=_evidence_context,
        answers=_evidence_answers,
    ),
    Step(
        name="plan",
        title=_("还款方案"),
        form_class=PlanPage,  # the step's forms together, validated and saved alike
        template="cases/wizard/plan.html",
        help=_("下面是按您自己的欠款和预算算出的几种方案。选一个您真正还得起的，宁可期数长一点，也不要再逾期。"),
        is_done=lambda case: case.creditors.exists() and not case.creditors.filter(goal="").exists(),
        form_kwargs=_plan_form_kwargs,
        post=_plan_post,
        context=_plan_context,
        answers=_plan_answers,
    ),
    Step(
        name="contact",
        title=_("联系方式"),
        form_class=ContactForm,
        template="cases/wizard/form.html",
        help=_("这些信息会写进申请书，方便平台核实身份、联系您。"),
        is_done=lambda case: bool(case.debtor_name and case.id_number and case.contact_phone),
        initial=_contact_initial,
        form_kwargs=_contact_form_kwargs,
        save=_contact_save,
        answers=_contact_answers,
    ),
    Step(
        name="review",
        title=_("核对"),
        form_class=ReviewForm,
        template="cases/wizard/review.html",
        help=_("请核对每一项。需要修改就点“修改”，改完会回到这一页。"),
        post=_review_post,
        context=_review_context,
        reviewed=False,
    ),
)

# --- the engine -----------------------------------------------------------------------------------------------
# Everything below reads STEPS when it is called, so that the list is the one place a step is added.


def step_names() -> list[str]:
    return [step.name for step in STEPS]


def get_step(name: str) -> Step | None:
    return {step.name: step for step in STEPS}.get(name)


def first_step() -> Step:
    return STEPS[0]


def review_step() -> Step:
    """The last step: it confirms what the others saved."""
    return STEPS[-1]


def applicable_steps(case: Case) -> list[Step]:
    return [step for step in STEPS if step.applies(case)]


def next_step(case: Case, step: Step) -> Step | None:
    steps = applicable_steps(case)
    later = STEPS[STEPS.index(step) + 1 :]
    return next((s for s in later if s in steps), None)


def previous_step(case: Case, step: Step) -> Step | None:
    steps = applicable_steps(case)
    earlier = STEPS[: STEPS.index(step)]
    return next((s for s in reversed(earlier) if s in steps), None)


def resume_step(case: Case) -> Step:
    """Where "continue" takes the user: the step after the last one saved, if it still applies."""
    steps = applicable_steps(case)
    saved = get_step(case.wizard_step)
    if saved is not None and saved in steps:
        return saved
    return next((step for step in steps if not step.is_done(case)), steps[-1])


def progress(case: Case, step: Step) -> tuple[int, int]:
    """(number of this step, number of steps) counting only the steps that apply."""
    steps = applicable_steps(case)
    return (steps.index(step) + 1 if step in steps else 0), len(steps)


def review_sections(case: Case) -> list[tuple[Step, list[Answer]]]:
    return [(step, step.answers(case)) for step in applicable_steps(case) if step.reviewed]


def blank_form(case: Case, step: Step) -> StepForm:
    """The step's form as the page first shows it: filled with what is saved."""
    return step.form_class(initial=step.initial(case), **step.form_kwargs(case))


def submit(case: Case, step: Step, data: FormData) -> Submission:
    """Validate and save one POST to a step."""
    return (step.post or _save_form)(step, case, data)


def advance(case: Case, step: Step, *, to_review: bool = False) -> Step | None:
    """After `step` saved: remember the step that follows, and say where to go (None: the case page).

    Reads the case as the save left it (the services keep the object they are given up to date), so a step that
    the save made applicable, or no longer applicable, is counted or skipped at once.
    """
    following = next_step(case, step)
    if following is not None and following.name != case.wizard_step:
        services.case_mark_step(case=case, step=following.name)
    if to_review:
        return review_step()
    return following
