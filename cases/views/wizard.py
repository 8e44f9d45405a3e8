"""The case wizard: a new case, resuming, any step (run by the engine in cases/wizard.py), the live plan preview."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from .. import selectors, services, wizard
from ..forms import CaseForm, LenderPlanForm
from ..models import Case
from .common import case_for
from .page_cache import cached_page


def step_url(case: Case, step: wizard.Step | str, *, back_to_review: bool = False) -> str:
    """A step's address, by the step or its name."""
    name = step if isinstance(step, str) else step.name
    url = reverse("cases:wizard_step", args=[case.code, name])
    return f"{url}?return=review" if back_to_review else url


def returning_to_review(request) -> bool:
    return request.GET.get("return") == "review" or request.POST.get("return") == "review"


def _go_on(request, case: Case, step: wizard.Step, move: wizard.Move):
    """Where a saved step sends the user."""
    returning = returning_to_review(request)
    if move is wizard.Move.STAY:
        return redirect(step_url(case, step, back_to_review=returning))
    if move is wizard.Move.FINISH:
        return redirect("cases:detail", case.code)
    following = wizard.advance(case, step, to_review=returning)
    return redirect(step_url(case, following) if following else reverse("cases:detail", args=[case.code]))


def _step_page(request, case: Case | None, step: wizard.Step, form):
    number, count = wizard.progress(case, step) if case else (1, len(wizard.STEPS))
    previous = wizard.previous_step(case, step) if case else None
    context = {
        "case": case,
        "step": step,
        "form": form,
        "position": (number, count),
        "previous_url": step_url(case, previous) if case and previous else None,
        "returning": returning_to_review(request),
        **(step.context(case) if case else {}),
    }
    return render(request, step.template, context)


@login_required
@require_http_methods(["GET", "POST"])
def case_new(request):
    """The first step for a case that does not exist yet: its first valid POST creates the case."""
    step = wizard.first_step()
    form = step.form_class(request.POST or None)
    if not isinstance(form, CaseForm):
        raise TypeError(f"the {step.name} step makes the case from its cleaned data: its form must be a CaseForm")
    if request.method == "POST" and form.is_valid():
        try:
            case = services.case_create(owner=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_service_error(error)
        else:
            return _go_on(request, case, step, wizard.Move.NEXT)
    return _step_page(request, None, step, form)


@login_required
def wizard_resume(request, code):
    case = case_for(request, code)
    return redirect(step_url(case, wizard.resume_step(case)))


@login_required
@require_http_methods(["GET", "POST"])
def wizard_step(request, code, step_name):
    case = case_for(request, code)
    step = wizard.get_step(step_name)
    if step is None:
        raise Http404
    if not step.applies(case):
        messages.info(request, _("根据您目前填写的内容，这一步不需要填写，已跳过。"))
        return redirect(step_url(case, wizard.next_step(case, step) or wizard.review_step()))
    if request.method == "POST":
        submission = wizard.submit(case, step, request.POST)
        if submission.move is not None:
            if submission.message:
                messages.success(request, submission.message)
            return _go_on(request, case, step, submission.move)
        return _step_page(request, case, step, submission.form)
    return cached_page(request, case, lambda: _step_page(request, case, step, wizard.blank_form(case, step)))


@login_required
def plan_preview(request, code):
    """One lender's scenarios for the months, down payment and quoted terms being typed, without saving them (an
    htmx fragment)."""
    case = case_for(request, code)
    split = selectors.budget_split(case)
    lender = next(
        (x for x in (split.lenders if split else ()) if x.creditor.code.hex == request.GET.get("lender")), None
    )
    if lender is None:
        raise Http404
    form = LenderPlanForm(request.GET, prefix=lender.creditor.code.hex)
    form.fields["goal"].required = False
    form.is_valid()
    numbers = {name: form.cleaned_data.get(name) for name in ("requested_months", "down_payment")}
    creditor = lender.creditor
    # The quoted terms being typed count too, for this preview only: nothing is saved.
    for name, value in form.service_fields().items():
        if name.startswith(("installment_", "deferral_")) and name not in form.errors:
            setattr(creditor, name, value)
    panel = wizard.lender_panel(lender, form, months=numbers["requested_months"], down_payment=numbers["down_payment"])
    if form.errors:
        panel.error = " ".join(str(m) for errors in form.errors.values() for m in errors)
    context = {"case": case, "panel": panel, "goal_choices": wizard.GOAL_CHOICES}
    return render(request, "cases/wizard/_scenarios.html", context)
