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
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import plans, presenters, selectors, services
from .forms import (
    BudgetForm,
    ContactForm,
    DebtForm,
    EvidenceUploadForm,
    ExtraEvidenceForm,
    HardshipForm,
    PlanForm,
    SituationForm,
)
from .models import Case, CaseGoal, LenderKind

FormData = Mapping[str, Any]


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

    form: forms.Form | None = None
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
    form_class: type[forms.Form]
    template: str
    help: str | Promise = ""
    applies: Callable[[Case], bool] = field(default=lambda case: True)
    is_done: Callable[[Case], bool] = field(default=lambda case: False)
    initial: Callable[[Case], dict] = field(default=_no_context)
    # What the form needs besides the data, e.g. the masked form of a number already saved.
    form_kwargs: Callable[[Case], dict] = field(default=_no_context)
    save: Callable[[Case, forms.Form], None] | None = None
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


def _bound(step: Step, case: Case, data: FormData) -> forms.Form:
    return step.form_class(data, **step.form_kwargs(case))


def _saved(form: forms.Form, save: Callable[[], object]) -> bool:
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
    if _saved(form, lambda: step.save(case, form) if step.save is not None else None):
        return Submission(move=Move.NEXT)
    return Submission(form=form)


# --- 1. the situation -----------------------------------------------------------------------------------------


def _situation_save(case: Case, form: forms.Form) -> None:
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
    return {"debts": selectors.case_debts(case), "total": selectors.case_total_balance(case)}


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
    }


def _budget_save(case: Case, form: forms.Form) -> None:
    data = dict(form.cleaned_data)
    data["other_fixed_payments"] = data["other_fixed_payments"] or Decimal("0")
    data["dependents"] = data["dependents"] or 0
    services.hardship_save(case=case, **data)


def _budget_context(case: Case) -> dict:
    return {"budget": selectors.case_budget(case)}


def _budget_answers(case: Case) -> list[Answer]:
    hardship = _hardship(case)
    if hardship is None:
        return []
    return [
        Answer(_("每月收入"), plans.format_yuan(hardship.monthly_income)),
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


def _hardship_save(case: Case, form: forms.Form) -> None:
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


def _evidence_save(case: Case, form: forms.Form) -> None:
    if form.cleaned_data.get("kind"):
        services.evidence_create(case=case, kind=form.cleaned_data["kind"], title=form.cleaned_data["title"])


def _evidence_context(case: Case) -> dict:
    return {"evidence": selectors.case_evidence(case), "upload_form": EvidenceUploadForm()}


def _evidence_answers(case: Case) -> list[Answer]:
    return [
        Answer(_("附件 %(number)s") % {"number": item.position}, f"{item.display_title} · {item.get_status_display()}")
        for item in selectors.case_evidence(case)
    ]


# --- 6. the plan ----------------------------------------------------------------------------------------------

GOAL_HELP: dict[str, str | Promise] = {
    CaseGoal.PRINCIPAL_ONLY: _("免除全部利息、罚息和费用，只还本金。最难申请，需要非常充分的困难证明。"),
    CaseGoal.INTEREST_FROZEN: _("停止计息，把现在的欠款分 12 到 60 期还清。平台最常同意的方案。"),
    CaseGoal.INSTALLMENTS: _("减免罚息和费用，按较低利率分期还本金和利息。"),
    CaseGoal.DEFERRAL: _("先缓几个月不还，之后再分期还清。适合收入很快能恢复的情况。"),
    CaseGoal.OTHER: _("以上都不合适时，写下您自己的诉求。"),
}
GOAL_CHOICES = tuple(Choice(value, label, GOAL_HELP[value]) for value, label in CaseGoal.choices)
DOWN_PAYMENT_TOO_LARGE = _("首付不能达到或超过需要分期还的金额，请改小一些。")


@dataclass(frozen=True)
class ScenarioCard:
    """A scenario with the name the page gives it and whether it is the one to ask for first."""

    scenario: plans.Scenario
    label: str | Promise
    recommended: bool


def plan_context(case: Case, *, months: int | None, down_payment: Decimal | None) -> dict:
    """The scenarios for these months and down payment, for the plan step and its live preview alike."""
    comparison, error = None, None
    if selectors.down_payment_too_large(case, down_payment):
        error = DOWN_PAYMENT_TOO_LARGE
    else:
        comparison = selectors.case_comparison(case, months=months, down_payment=down_payment)
    labels = dict(CaseGoal.choices)
    cards = []
    if comparison is not None:
        cards = [
            ScenarioCard(scenario, labels[scenario.kind], scenario.kind == comparison.recommended)
            for scenario in comparison.scenarios
        ]
    return {
        "comparison": comparison,
        "scenario_cards": cards,
        "comparison_error": error,
        "goal_choices": GOAL_CHOICES,
        "budget": selectors.case_budget(case),
        "total": selectors.case_total_balance(case),
        "requested_months": months,
    }


def _plan_context(case: Case) -> dict:
    return plan_context(case, months=case.requested_months, down_payment=case.down_payment)


def _plan_initial(case: Case) -> dict:
    return {
        "goal": case.goal,
        "requested_months": case.requested_months,
        "down_payment": case.down_payment or None,
        "goal_note": case.goal_note,
    }


def plan_form(data: FormData | None, *, goal_required: bool = True) -> PlanForm:
    """The plan form; recalculating and the live preview ask only for the numbers, not yet for a choice."""
    form = PlanForm(data)
    form.fields["goal"].required = goal_required
    return form


def _check_down_payment(case: Case, form: forms.Form) -> None:
    if selectors.down_payment_too_large(case, form.cleaned_data["down_payment"]):
        raise ValidationError({"down_payment": DOWN_PAYMENT_TOO_LARGE}, code="down_payment_too_large")


def _plan_save(case: Case, form: forms.Form) -> None:
    _check_down_payment(case, form)
    data = dict(form.cleaned_data)
    data["down_payment"] = data["down_payment"] or Decimal("0")
    services.case_update(case=case, **data)


def _plan_post(step: Step, case: Case, data: FormData) -> Submission:
    """ "Recalculate" (the path without JavaScript) saves the months and the down payment and shows the plans again;
    "next" saves the choice as well."""
    if data.get("action") != "recalculate":
        return _save_form(step, case, data)
    form = plan_form(data, goal_required=False)

    def save() -> None:
        _check_down_payment(case, form)
        months, down = form.cleaned_data["requested_months"], form.cleaned_data["down_payment"]
        services.case_update(case=case, requested_months=months, down_payment=down or Decimal("0"))

    if _saved(form, save):
        return Submission(move=Move.STAY)
    return Submission(form=form)


def _plan_answers(case: Case) -> list[Answer]:
    answers = [Answer(_("申请的方案"), case.get_goal_display() or "—")]
    if case.goal_note:
        answers.append(Answer(_("其他诉求"), case.goal_note))
    scenario = selectors.chosen_scenario(case)
    if scenario is not None:
        answers += [
            Answer(_("期数"), _("%(months)s 个月") % {"months": scenario.months}),
            Answer(_("每月还款"), plans.format_yuan(scenario.monthly_payment)),
            Answer(_("首付"), plans.format_yuan(scenario.down_payment)),
            Answer(_("合计还款"), plans.format_yuan(scenario.total_paid)),
            Answer(_("比照常还款少付"), plans.format_yuan(scenario.saved)),
        ]
        if not scenario.fits_budget:
            answers.append(
                Answer(
                    _("注意"),
                    _(
                        "每月还款超出了您每月能拿出的 %(budget)s：签了还不上，协议会作废。"
                        "建议回到这一步，把期数留空或改长。"
                    )
                    % {"budget": plans.format_yuan(selectors.case_budget(case) or 0)},
                )
            )
    return answers


# --- 7. contact details ---------------------------------------------------------------------------------------


def _contact_initial(case: Case) -> dict:
    return {"debtor_name": case.debtor_name, "contact_phone": case.contact_phone}


def _contact_form_kwargs(case: Case) -> dict:
    return {"saved_id_number": case.masked_id_number}


def _contact_save(case: Case, form: forms.Form) -> None:
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


class ReviewForm(forms.Form):
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
        form_class=PlanForm,
        template="cases/wizard/plan.html",
        help=_("下面是按您自己的欠款和预算算出的几种方案。选一个您真正还得起的，宁可期数长一点，也不要再逾期。"),
        is_done=lambda case: bool(case.goal),
        initial=_plan_initial,
        save=_plan_save,
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


def blank_form(case: Case, step: Step) -> forms.Form:
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
