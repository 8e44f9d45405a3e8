"""Proof documents: an item's page, uploading, replacing and deleting its files, its status, downloads, and the
call recordings played on the page."""

from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods
from django_htmx.http import HttpResponseClientRedirect, HttpResponseClientRefresh

from .. import selectors, services, uploads
from ..forms import EvidenceReplaceForm, EvidenceStatusForm, EvidenceUploadForm
from ..models import Case, Evidence, EvidenceFile
from .common import case_for, file_login_required, private_file_response, private_media_response


def _evidence_for(case: Case, evidence_code) -> Evidence:
    """An item through its already-checked case, never by its own code alone."""
    return get_object_or_404(Evidence, case=case, code=evidence_code)


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


def _files_form_is_valid(request, form, *, recordings: bool) -> bool:
    """The form's own check, after the one the upload handler made: a file it dropped as too large is an error, and
    so is one past the limit of photos and PDFs where no recording may go (`recordings` False)."""
    refused = uploads.oversized_refusals(request, form.files.getlist("files"), recordings=recordings)
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
    case = case_for(request, code)
    return _evidence_page(request, case, _evidence_for(case, evidence_code))


@login_required
@require_http_methods(["POST"])
def evidence_upload(request, code, evidence_code):
    case = case_for(request, code)
    evidence = _evidence_for(case, evidence_code)
    form = EvidenceUploadForm(request.POST, request.FILES)
    if _files_form_is_valid(request, form, recordings=evidence.accepts_recordings):
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
    return _evidence_page(request, case, evidence, upload_form=form)


@login_required
@require_http_methods(["POST"])
def evidence_status(request, code, evidence_code):
    case = case_for(request, code)
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
    case = case_for(request, code)
    evidence = _evidence_for(case, evidence_code)
    if request.method == "POST":
        services.evidence_delete(evidence=evidence)
        messages.success(request, _("“%(title)s”及其文件已删除。") % {"title": evidence.display_title})
        return redirect(reverse("cases:detail", args=[case.code]) + "#evidence")
    context = {"case": case, "item": evidence, "files": selectors.evidence_files(evidence)}
    return render(request, "cases/evidence/delete.html", context)


@file_login_required
def evidence_file_download(request, code, evidence_code, file_code):
    case = case_for(request, code)
    stored = _evidence_file_for(_evidence_for(case, evidence_code), file_code)
    return private_file_response(
        stored.file.open("rb"), filename=stored.download_name, content_type=stored.content_type, as_attachment=True
    )


@file_login_required
def evidence_file_play(request, code, evidence_code, file_code):
    """A recording for the item's <audio> player: inline, in the ranges the player asks for; anything else is 404."""
    case = case_for(request, code)
    stored = _evidence_file_for(_evidence_for(case, evidence_code), file_code)
    if not stored.is_recording:
        raise Http404
    return private_media_response(
        request, stored.file.open("rb"), filename=stored.download_name, content_type=stored.content_type
    )


@file_login_required
def evidence_file_thumbnail(request, code, evidence_code, file_code):
    case = case_for(request, code)
    stored = _evidence_file_for(_evidence_for(case, evidence_code), file_code)
    if not stored.thumbnail:
        raise Http404
    return private_file_response(
        stored.thumbnail.open("rb"), filename="", content_type="image/jpeg", as_attachment=False
    )


@login_required
@require_http_methods(["GET", "POST"])
def evidence_file_replace(request, code, evidence_code, file_code):
    case = case_for(request, code)
    evidence = _evidence_for(case, evidence_code)
    stored = _evidence_file_for(evidence, file_code)
    recordings = evidence.accepts_recordings
    if request.method == "POST":
        form = EvidenceReplaceForm(request.POST, request.FILES, recordings=recordings)
    else:
        form = EvidenceReplaceForm(recordings=recordings)
    if request.method == "POST" and _files_form_is_valid(request, form, recordings=recordings):
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
    case = case_for(request, code)
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
