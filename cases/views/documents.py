"""The proposal and the hardship letter: preview, asking the worker for a new version, its progress, download."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from .. import selectors, services
from ..models import Case, DocumentKind, DocumentStatus, GeneratedDocument
from .common import case_for, file_login_required, private_file_response


def _document_kind(kind: str) -> str:
    if kind not in DocumentKind.values:
        raise Http404
    return kind


def documents_context(case: Case) -> dict:
    """The documents section of the case page: every version of each document, and which are out of date."""
    by_kind = selectors.case_documents(case)
    busy = any(not d.is_finished for versions in by_kind.values() for d in versions)
    return {
        "document_sections": [(kind, label, by_kind[kind]) for kind, label in DocumentKind.choices],
        "documents_busy": busy,
        "outdated": selectors.outdated_documents(case, by_kind),
    }


@login_required
def document_preview(request, code, kind):
    """The document in the browser, from the same template the worker prints."""
    case = case_for(request, code)
    back_url = reverse("cases:detail", args=[case.code]) + "#documents"
    html = services.document_html(case=case, kind=_document_kind(kind), language=get_language(), back_url=back_url)
    return HttpResponse(html)


@login_required
@require_http_methods(["POST"])
def document_generate(request, code, kind):
    case = case_for(request, code)
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
    case = case_for(request, code)
    if not request.htmx:
        return redirect(reverse("cases:detail", args=[case.code]) + "#documents")
    return render(request, "cases/_documents.html", {"case": case, **documents_context(case)})


@file_login_required
def document_download(request, code, document_code):
    case = case_for(request, code)
    document = get_object_or_404(GeneratedDocument, case=case, code=document_code, status=DocumentStatus.READY)
    return private_file_response(
        document.file.open("rb"), filename=document.download_name, content_type="application/pdf", as_attachment=True
    )
