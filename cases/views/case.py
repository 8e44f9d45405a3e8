"""The case itself: the list of cases, the case page, its debts, deleting it, and its ZIP bundle (a job)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from .. import presenters, selectors, services, wizard
from ..forms import CreditorForm, DebtForm, EvidenceUploadForm
from ..models import Case, CaseBundle, Debt, DocumentStatus
from .common import case_for, creditor_for, file_login_required, private_file_response
from .contacts import contacts_context
from .documents import documents_context
from .page_cache import cached_page
from .wizard import returning_to_review, step_url


def _debt_for(case: Case, debt_id: int) -> Debt:
    """A debt through its already-checked case, never by its own id alone."""
    return get_object_or_404(Debt, case=case, pk=debt_id)


def home(request):
    """The landing page for visitors; for a signed-in user, their cases and where each one continues."""
    if not request.user.is_authenticated:
        return render(request, "home.html")
    cases = selectors.cases_for_owner(request.user).select_related("hardship")
    rows = [(case, wizard.resume_step(case)) for case in cases]
    return render(request, "cases/home.html", {"rows": rows})


@login_required
def case_detail(request, code):
    case = case_for(request, code)
    return cached_page(request, case, lambda: _case_page(request, case))


def _case_page(request, case: Case):
    # Each part of the case is read once and handed to every section that shows it.
    debts = selectors.case_debts(case)
    evidence = selectors.case_evidence(case)
    creditors = selectors.case_creditors(case)
    split = selectors.budget_split(case, creditors)
    by_kind = selectors.case_documents(case)
    context = {
        "case": case,
        "debts": debts,
        "total": selectors.case_total_balance(case, debts),
        "split": split,
        "lender_plans": selectors.chosen_plans(case, split) if split else [],
        "evidence": evidence,
        "missing": selectors.case_missing_evidence(case, evidence),
        "upload_form": EvidenceUploadForm(),
        "resume": wizard.resume_step(case),
        **documents_context(case, by_kind=by_kind, creditors=creditors, split=split, evidence=evidence),
        **contacts_context(case, creditors, [d for versions in by_kind.values() for d in versions]),
        **bundle_context(case),
    }
    return render(request, "cases/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def case_delete(request, code):
    case = case_for(request, code)
    if request.method == "POST":
        services.case_delete(case=case)
        messages.success(request, _("案件及其全部材料已删除。"))
        return redirect("home")
    return render(request, "cases/case_delete.html", {"case": case})


def bundle_context(case: Case) -> dict:
    """The bundle part of the case page: the latest bundle asked for, if any."""
    return {"case": case, "bundle": case.bundles.first()}


@login_required
@require_http_methods(["GET", "POST"])
def case_bundle(request, code):
    """Everything to send to the lender in one ZIP, made by the worker (a case may hold 100 MB): POST asks for one,
    GET shows how it is going, as the case page's fragment for htmx, or as a page that refreshes itself."""
    case = case_for(request, code)
    if request.method == "POST":
        services.bundle_request(case=case, language=get_language())
        if not request.htmx:
            return redirect("cases:bundle", case.code)
    template = "cases/_bundle.html" if request.htmx else "cases/bundle.html"
    return render(request, template, bundle_context(case))


@file_login_required
def bundle_download(request, code, bundle_code):
    case = case_for(request, code)
    made = get_object_or_404(CaseBundle, case=case, code=bundle_code, status=DocumentStatus.READY)
    filename = _("%(title)s-材料包.zip") % {"title": presenters.safe_file_name(case.title)}
    return private_file_response(
        made.file.open("rb"), filename=filename, content_type="application/zip", as_attachment=True
    )


@login_required
@require_http_methods(["GET", "POST"])
def debt_edit(request, code, debt_id):
    case = case_for(request, code)
    debt = _debt_for(case, debt_id)
    if request.method == "POST":
        form = DebtForm(request.POST)
        if form.is_valid():
            try:
                services.debt_update(debt=debt, **form.service_fields())
            except ValidationError as error:
                form.add_service_error(error)
            else:
                messages.success(request, _("已保存修改。"))
                return redirect(step_url(case, "debts", back_to_review=returning_to_review(request)))
    else:
        form = DebtForm(initial=DebtForm.initial_for(debt))
    return render(request, "cases/debt_edit.html", {"case": case, "debt": debt, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def debt_delete(request, code, debt_id):
    case = case_for(request, code)
    debt = _debt_for(case, debt_id)
    if request.method == "POST":
        try:
            services.debt_delete(debt=debt)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("这笔欠款已删除。"))
        return redirect(step_url(case, "debts"))
    return render(request, "cases/debt_delete.html", {"case": case, "debt": debt})


@login_required
@require_http_methods(["GET", "POST"])
def creditor_edit(request, code, creditor_code):
    """Check who a lender's documents are addressed to, and how it is reached."""
    case = case_for(request, code)
    creditor = creditor_for(case, creditor_code)
    if request.method == "POST":
        form = CreditorForm(request.POST)
        if form.is_valid():
            try:
                services.creditor_update(creditor=creditor, **form.cleaned_data)
            except ValidationError as error:
                form.add_service_error(error)
            else:
                messages.success(request, _("已保存%(name)s的信息。") % {"name": creditor.name})
                return redirect(step_url(case, "debts", back_to_review=returning_to_review(request)))
    else:
        initial = {
            "legal_name": creditor.legal_name,
            "contact": creditor.contact,
            "account_phone": creditor.account_phone,
        }
        form = CreditorForm(initial=initial)
    context = {"case": case, "creditor": creditor, "form": form, "debts": list(creditor.debts.all())}
    return render(request, "cases/creditor_edit.html", context)
