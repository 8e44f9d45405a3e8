"""Case pages and the wizard: find the case through its owner, call a form and a service, render or redirect."""

import tempfile
from functools import wraps
from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_htmx.http import HttpResponseClientRedirect, HttpResponseClientRefresh

from . import bundle, plans, presenters, selectors, services, uploads, wizard
from .forms import DebtForm, EvidenceReplaceForm, EvidenceStatusForm, EvidenceUploadForm, PlanForm, SituationForm
from .models import Case, CaseGoal, Debt, DocumentKind, DocumentStatus, Evidence, EvidenceFile, GeneratedDocument


def file_login_required(view):
    """Files answer 404 to anyone not logged in, as to anyone else not the owner: a file URL reveals nothing."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


def _case_for(request, code) -> Case:
    """The first line of every case view: the case by its public code, and only the owner's (404 otherwise)."""
    return selectors.case_for_owner(request.user, code)


def _debt_for(case: Case, debt_id: int) -> Debt:
    return get_object_or_404(Debt, case=case, pk=debt_id)


def _step_url(case: Case, step: wizard.Step, *, back_to_review: bool = False) -> str:
    url = reverse("cases:wizard_step", args=[case.code, step.name])
    return f"{url}?return=review" if back_to_review else url


def _returning_to_review(request) -> bool:
    return request.GET.get("return") == "review" or request.POST.get("return") == "review"


def _after_save(request, case: Case, step: wizard.Step):
    """Where a successful POST goes: back to review when it came from there, otherwise the next step."""
    # The save went through a service; drop the relations case_for_owner() cached (hardship, debts), or the
    # stale hardship (no reasons yet) makes the evidence step look inapplicable and it is skipped.
    case.refresh_from_db()
    following = wizard.next_step(case, step)
    if following is not None and following.name != case.wizard_step:
        services.case_mark_step(case=case, step=following.name)
    if _returning_to_review(request):
        return redirect(_step_url(case, wizard.get_step("review")))
    return redirect(_step_url(case, following) if following else reverse("cases:detail", args=[case.code]))


def home(request):
    """The landing page for visitors; for a signed-in user, their cases and where each one continues."""
    if not request.user.is_authenticated:
        return render(request, "home.html")
    cases = selectors.cases_for_owner(request.user)
    rows = [(case, wizard.resume_step(case)) for case in cases.select_related("hardship")]
    return render(request, "cases/home.html", {"rows": rows})


@login_required
@require_http_methods(["GET", "POST"])
def case_new(request):
    """Step 1 for a case that does not exist yet: the first valid POST creates it."""
    step = wizard.get_step("situation")
    form = SituationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            case = services.case_create(owner=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_service_error(error)
        else:
            return _after_save(request, case, step)
    context = {"form": form, "step": step, "position": (1, len(wizard.STEPS)), "case": None}
    return render(request, step.template, context)


@login_required
def case_detail(request, code):
    case = _case_for(request, code)
    context = {
        "case": case,
        "debts": selectors.case_debts(case),
        "total": selectors.case_total_balance(case),
        "budget": selectors.case_budget(case),
        "evidence": selectors.case_evidence(case),
        "missing": selectors.case_missing_evidence(case),
        "upload_form": EvidenceUploadForm(),
        "scenario": selectors.chosen_scenario(case),
        "resume": wizard.resume_step(case),
        **_documents_context(case),
    }
    return render(request, "cases/detail.html", context)


@login_required
def wizard_resume(request, code):
    case = _case_for(request, code)
    return redirect(_step_url(case, wizard.resume_step(case)))


def _step_context(request, case: Case, step: wizard.Step, form) -> dict:
    number, count = wizard.progress(case, step)
    previous = wizard.previous_step(case, step)
    context = {
        "case": case,
        "step": step,
        "form": form,
        "position": (number, count),
        "previous_url": _step_url(case, previous) if previous else None,
        "returning": _returning_to_review(request),
        "steps": wizard.applicable_steps(case),
    }
    if step.name == "situation" and case.overdue_since:
        days = plans.days_overdue(case.overdue_since, timezone.localdate())
        context["overdue"] = {"days": days, "status": wizard.credit_status_text(days)}
    if step.name == "debts":
        context["debts"] = selectors.case_debts(case)
        context["total"] = selectors.case_total_balance(case)
    if step.name == "budget":
        context["budget"] = selectors.case_budget(case)
    if step.name == "evidence":
        context["evidence"] = selectors.case_evidence(case)
        context["upload_form"] = EvidenceUploadForm()
    if step.name == "plan":
        context.update(_plan_context(case, months=case.requested_months, down_payment=case.down_payment))
    if step.name == "review":
        context["sections"] = wizard.review_sections(case)
    return context


def _plan_context(case: Case, *, months, down_payment) -> dict:
    try:
        comparison = selectors.case_comparison(case, months=months, down_payment=down_payment)
        error = None
    except ValidationError as exc:
        comparison, error = None, exc.message_dict["down_payment"][0]
    return {
        "comparison": comparison,
        "comparison_error": error,
        "goal_help": wizard.GOAL_HELP,
        "goal_choices": CaseGoal.choices,
        "budget": selectors.case_budget(case),
        "total": selectors.case_total_balance(case),
        "requested_months": months,
    }


@login_required
@require_http_methods(["GET", "POST"])
def wizard_step(request, code, step_name):
    case = _case_for(request, code)
    step = wizard.get_step(step_name)
    if step is None:
        raise Http404
    if not step.applies(case):
        messages.info(request, _("根据您目前填写的内容，这一步不需要填写，已跳过。"))
        following = wizard.next_step(case, step) or wizard.get_step("review")
        return redirect(_step_url(case, following))
    if step.name == "debts":
        return _debts_step(request, case, step)
    if step.name == "plan" and request.POST.get("action") == "recalculate":
        return _plan_recalculate(request, case, step)
    form_kwargs = {"saved_id_number": case.masked_id_number} if step.name == "contact" else {}
    if request.method == "POST":
        form = step.form_class(request.POST, **form_kwargs)
        if form.is_valid():
            try:
                if step.save is not None:
                    step.save(case, form)
            except ValidationError as error:
                form.add_service_error(error)
            else:
                if step.name == "review":
                    services.case_mark_step(case=case, step="review")
                    messages.success(request, _("已全部填写完成。下一步：准备材料，然后联系平台。"))
                    return redirect("cases:detail", case.code)
                return _after_save(request, case, step)
    else:
        form = step.form_class(initial=step.initial(case), **form_kwargs)
    return render(request, step.template, _step_context(request, case, step, form))


def _debts_step(request, case: Case, step: wizard.Step):
    """Debts are saved one at a time: "save and add another" stays here, "next" moves on."""
    action = request.POST.get("action", "add")
    if request.method == "POST":
        amounts = ("principal", "interest", "penalty_interest", "fees")
        nothing_typed = not any(request.POST.get(name) for name in amounts)
        if action == "next" and nothing_typed:
            if selectors.case_has_debts(case):
                return _after_save(request, case, step)
            form = DebtForm(request.POST)
            form.is_valid()
            form.add_error(None, _("请至少填写一笔欠款。"))
            return render(request, step.template, _step_context(request, case, step, form))
        form = DebtForm(request.POST)
        if form.is_valid():
            try:
                services.debt_create(case=case, **form.service_fields())
            except ValidationError as error:
                form.add_service_error(error)
            else:
                messages.success(request, _("这笔欠款已保存。"))
                if action == "next":
                    return _after_save(request, case, step)
                return redirect(_step_url(case, step, back_to_review=_returning_to_review(request)))
    else:
        form = DebtForm(initial=_debt_initial(case))
    return render(request, step.template, _step_context(request, case, step, form))


def _debt_initial(case: Case) -> dict:
    """Prefill the next debt with a product the user said is overdue and has no debt yet."""
    entered = {debt.lender for debt in selectors.case_debts(case)}
    remaining = [p for p in case.overdue_products if p not in entered]
    return {
        "lender": remaining[0] if remaining else (case.overdue_products or ["huabei"])[0],
        "overdue_since": case.overdue_since,
    }


@login_required
@require_http_methods(["GET", "POST"])
def debt_edit(request, code, debt_id):
    case = _case_for(request, code)
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
                return redirect(_step_url(case, wizard.get_step("debts"), back_to_review=_returning_to_review(request)))
    else:
        form = DebtForm(initial=DebtForm.initial_for(debt))
    return render(request, "cases/debt_edit.html", {"case": case, "debt": debt, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def debt_delete(request, code, debt_id):
    case = _case_for(request, code)
    debt = _debt_for(case, debt_id)
    if request.method == "POST":
        try:
            services.debt_delete(debt=debt)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("这笔欠款已删除。"))
        return redirect(_step_url(case, wizard.get_step("debts")))
    return render(request, "cases/debt_delete.html", {"case": case, "debt": debt})


def _plan_recalculate(request, case: Case, step: wizard.Step):
    """The no-JavaScript path of "adjust months or down payment": save the two numbers and show the plans again."""
    form = PlanForm(request.POST)
    form.fields["goal"].required = False
    if form.is_valid():
        months, down = form.cleaned_data["requested_months"], form.cleaned_data["down_payment"]
        try:
            selectors.case_comparison(case, months=months, down_payment=down)
            services.case_update(case=case, requested_months=months, down_payment=down or 0)
        except ValidationError as error:
            form.add_service_error(error)
        else:
            return redirect(_step_url(case, step, back_to_review=_returning_to_review(request)))
    return render(request, step.template, _step_context(request, case, step, form))


@login_required
def plan_preview(request, code):
    """The scenarios for months and a down payment being typed, without saving them (htmx fragment)."""
    case = _case_for(request, code)
    form = PlanForm(request.GET)
    form.fields["goal"].required = False
    form.is_valid()
    months = form.cleaned_data.get("requested_months") if "requested_months" not in form.errors else None
    down = form.cleaned_data.get("down_payment") if "down_payment" not in form.errors else None
    context = _plan_context(case, months=months, down_payment=down)
    if form.errors:
        context["comparison_error"] = " ".join(str(m) for errors in form.errors.values() for m in errors)
    context["case"] = case
    return render(request, "cases/wizard/_scenarios.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def case_delete(request, code):
    case = _case_for(request, code)
    if request.method == "POST":
        services.case_delete(case=case)
        messages.success(request, _("案件及其全部材料已删除。"))
        return redirect("home")
    return render(request, "cases/case_delete.html", {"case": case})


# --- documents ------------------------------------------------------------------------------------------------


def _document_kind(kind: str) -> str:
    if kind not in DocumentKind.values:
        raise Http404
    return kind


@login_required
def document_preview(request, code, kind):
    """The document in the browser, from the same template the worker prints."""
    case = _case_for(request, code)
    back_url = reverse("cases:detail", args=[case.code]) + "#documents"
    html = services.document_html(case=case, kind=_document_kind(kind), language=get_language(), back_url=back_url)
    return HttpResponse(html)


@login_required
@require_http_methods(["POST"])
def document_generate(request, code, kind):
    case = _case_for(request, code)
    document = services.document_request(case=case, kind=_document_kind(kind), language=get_language())
    messages.success(
        request,
        _("已开始生成%(kind)s第 %(version)s 版，通常几秒钟完成。")
        % {"kind": document.get_kind_display(), "version": document.version},
    )
    return redirect(reverse("cases:detail", args=[case.code]) + "#documents")


@login_required
def document_status(request, code):
    """The documents section alone: htmx polls it while a version is being made; without JS, the case page."""
    case = _case_for(request, code)
    if not request.htmx:
        return redirect(reverse("cases:detail", args=[case.code]) + "#documents")
    return render(request, "cases/_documents.html", {"case": case, **_documents_context(case)})


def _documents_context(case: Case) -> dict:
    by_kind = selectors.case_documents(case)
    busy = any(not d.is_finished for versions in by_kind.values() for d in versions)
    return {
        "document_sections": [(kind, label, by_kind[kind]) for kind, label in DocumentKind.choices],
        "documents_busy": busy,
        "outdated": selectors.outdated_documents(case, by_kind),
    }


@file_login_required
def document_download(request, code, document_code):
    case = _case_for(request, code)
    document = get_object_or_404(GeneratedDocument, case=case, code=document_code, status=DocumentStatus.READY)
    return _private_file_response(
        document.file.open("rb"), filename=document.download_name, content_type="application/pdf", as_attachment=True
    )


# --- evidence -------------------------------------------------------------------------------------------------


def _evidence_for(case: Case, evidence_code) -> Evidence:
    return get_object_or_404(Evidence.objects.prefetch_related("files"), case=case, code=evidence_code)


def _evidence_file_for(evidence: Evidence, file_code) -> EvidenceFile:
    return get_object_or_404(EvidenceFile, evidence=evidence, code=file_code)


def _return_url(request, case: Case, evidence: Evidence) -> str:
    """Back to where the upload started: the wizard's checklist, the case page, or the item's own page."""
    origin = request.POST.get("return") or request.GET.get("return")
    if origin == "wizard":
        return reverse("cases:wizard_step", args=[case.code, "evidence"])
    if origin == "case":
        return reverse("cases:detail", args=[case.code]) + "#evidence"
    return reverse("cases:evidence_detail", args=[case.code, evidence.code])


def _redirect_after_upload(request, url: str):
    """htmx sent the files (to show progress) and navigates itself; the messages wait for the page it loads."""
    if not request.htmx:
        return redirect(url)
    # Back to the page the form is on: reload it, since a link that differs only by "#evidence" would not.
    if request.htmx.current_url and urlsplit(request.htmx.current_url).path == urlsplit(url).path:
        return HttpResponseClientRefresh()
    return HttpResponseClientRedirect(url)


def _files_form_is_valid(request, form) -> bool:
    """The form's own check, after the one the upload handler made: a file it dropped as too large is an error."""
    refused = uploads.oversized_refusals(request)
    if not refused:
        return form.is_valid()
    form.is_valid()
    form.errors.pop("files", None)
    form.add_error("files", refused)
    return False


def _evidence_page(request, case: Case, evidence: Evidence, **bound_forms):
    context = {
        "case": case,
        "item": evidence,
        "files": selectors.evidence_files(evidence),
        "upload_form": bound_forms.get("upload_form") or EvidenceUploadForm(),
        "status_form": bound_forms.get("status_form") or EvidenceStatusForm(current=evidence.status),
        "events": selectors.evidence_events(evidence),
        "return_to": request.POST.get("return") or request.GET.get("return") or "",
    }
    return render(request, "cases/evidence/detail.html", context)


@login_required
def evidence_detail(request, code, evidence_code):
    case = _case_for(request, code)
    return _evidence_page(request, case, _evidence_for(case, evidence_code))


@login_required
@require_http_methods(["POST"])
def evidence_upload(request, code, evidence_code):
    case = _case_for(request, code)
    evidence = _evidence_for(case, evidence_code)
    form = EvidenceUploadForm(request.POST, request.FILES)
    if _files_form_is_valid(request, form):
        try:
            stored = services.evidence_upload(evidence=evidence, files=form.cleaned_data["files"])
        except ValidationError as error:
            form.add_service_error(error)
        else:
            messages.success(
                request,
                ngettext("已上传 %(count)s 个文件：%(title)s。", "已上传 %(count)s 个文件：%(title)s。", len(stored))
                % {"count": len(stored), "title": evidence.display_title},
            )
            return _redirect_after_upload(request, _return_url(request, case, evidence))
    evidence = _evidence_for(case, evidence_code)
    return _evidence_page(request, case, evidence, upload_form=form)


@login_required
@require_http_methods(["POST"])
def evidence_status(request, code, evidence_code):
    case = _case_for(request, code)
    evidence = _evidence_for(case, evidence_code)
    form = EvidenceStatusForm(request.POST, current=evidence.status)
    if form.is_valid():
        try:
            services.evidence_set_status(
                evidence=evidence,
                status=form.cleaned_data["status"],
                on=form.cleaned_data["on"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            form.add_service_error(error)
        else:
            messages.success(
                request,
                _("已记录：%(title)s %(status)s。")
                % {"title": evidence.display_title, "status": evidence.get_status_display()},
            )
            return redirect(_return_url(request, case, evidence))
    return _evidence_page(request, case, evidence, status_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def evidence_delete(request, code, evidence_code):
    case = _case_for(request, code)
    evidence = _evidence_for(case, evidence_code)
    if request.method == "POST":
        services.evidence_delete(evidence=evidence)
        messages.success(request, _("“%(title)s”及其文件已删除。") % {"title": evidence.display_title})
        return redirect(reverse("cases:detail", args=[case.code]) + "#evidence")
    context = {"case": case, "item": evidence, "files": selectors.evidence_files(evidence)}
    return render(request, "cases/evidence/delete.html", context)


def _private_file_response(source, *, filename: str, content_type: str, as_attachment: bool) -> FileResponse:
    """A stored file handed to its owner only: never cached, never sniffed into something else."""
    response = FileResponse(source, as_attachment=as_attachment, filename=filename, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


@file_login_required
def evidence_file_download(request, code, evidence_code, file_code):
    case = _case_for(request, code)
    stored = _evidence_file_for(_evidence_for(case, evidence_code), file_code)
    return _private_file_response(
        stored.file.open("rb"), filename=stored.download_name, content_type=stored.content_type, as_attachment=True
    )


@file_login_required
def evidence_file_thumbnail(request, code, evidence_code, file_code):
    case = _case_for(request, code)
    stored = _evidence_file_for(_evidence_for(case, evidence_code), file_code)
    if not stored.thumbnail:
        raise Http404
    return _private_file_response(
        stored.thumbnail.open("rb"), filename="", content_type="image/jpeg", as_attachment=False
    )


@login_required
@require_http_methods(["GET", "POST"])
def evidence_file_replace(request, code, evidence_code, file_code):
    case = _case_for(request, code)
    evidence = _evidence_for(case, evidence_code)
    stored = _evidence_file_for(evidence, file_code)
    form = EvidenceReplaceForm(request.POST, request.FILES) if request.method == "POST" else EvidenceReplaceForm()
    if request.method == "POST" and _files_form_is_valid(request, form):
        try:
            services.evidence_file_replace(evidence_file=stored, upload=form.cleaned_data["files"])
        except ValidationError as error:
            form.add_service_error(error)
        else:
            messages.success(request, _("已替换“%(name)s”。") % {"name": stored.original_name})
            return _redirect_after_upload(request, reverse("cases:evidence_detail", args=[case.code, evidence.code]))
    context = {"case": case, "item": evidence, "stored": stored, "form": form}
    return render(request, "cases/evidence/replace.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def evidence_file_delete(request, code, evidence_code, file_code):
    case = _case_for(request, code)
    evidence = _evidence_for(case, evidence_code)
    stored = _evidence_file_for(evidence, file_code)
    if request.method == "POST":
        try:
            services.evidence_file_delete(evidence_file=stored)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("已删除“%(name)s”。") % {"name": stored.original_name})
        return redirect("cases:evidence_detail", case.code, evidence.code)
    return render(request, "cases/evidence/file_delete.html", {"case": case, "item": evidence, "stored": stored})


@file_login_required
def case_bundle(request, code):
    """Everything to send to the lender in one ZIP; built in a temporary file, since a case may hold 100 MB."""
    case = _case_for(request, code)
    # FileResponse closes the file once it has been sent.
    archive = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
    bundle.write_bundle(case, archive)
    archive.seek(0)
    filename = _("%(title)s-材料包.zip") % {"title": presenters.safe_file_name(case.title)}
    return _private_file_response(archive, filename=filename, content_type="application/zip", as_attachment=True)
