"""Each lender's proposal and hardship letter: preview, asking the worker for a new version, its progress, download."""

from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.middleware.csp import get_nonce
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.csp import CSP
from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_http_methods
from django_htmx.http import HttpResponseClientRefresh

from .. import selectors, services
from ..models import Case, Creditor, DocumentKind, DocumentStatus, GeneratedDocument
from .common import case_for, creditor_for, file_login_required, private_file_response


def _document_kind(kind: str) -> str:
    if kind not in DocumentKind.values:
        raise Http404
    return kind


@dataclass
class LenderDocuments:
    """One lender's part of the documents section: what is missing, and each document with its versions."""

    creditor: Creditor
    missing: list[tuple[str, str]]  # what is missing, and where it is filled in
    sections: Sequence[tuple[str, str | Promise, list[GeneratedDocument]]]  # each kind, its name, its versions


def _missing_url(case: Case, creditor: Creditor, missing: selectors.Missing) -> str:
    if missing.step == "lender":
        return reverse("cases:creditor_edit", args=[case.code, creditor.code])
    return reverse("cases:wizard_step", args=[case.code, missing.step])


def documents_context(
    case: Case,
    *,
    by_kind: dict[str, list] | None = None,
    creditors: list[Creditor] | None = None,
    split: selectors.BudgetSplit | None = None,
    evidence: list | None = None,
) -> dict:
    """The documents section of the case page: per lender, what stops its documents from being made and every
    version of each; the versions made before documents were per lender apart; which are out of date. What the
    caller has read already (the documents, the lenders and their split, the evidence) is not read again."""
    by_kind = selectors.case_documents(case) if by_kind is None else by_kind
    if creditors is None:
        creditors = selectors.case_creditors(case)
        split = selectors.budget_split(case, creditors)
    lenders = []
    for creditor in creditors:
        missing = [
            (m.message, _missing_url(case, creditor, m)) for m in selectors.document_blockers(case, creditor, split)
        ]
        sections = [
            (kind, label, [d for d in by_kind[kind] if d.creditor_id == creditor.pk])
            for kind, label in DocumentKind.choices
        ]
        lenders.append(LenderDocuments(creditor, missing, sections))
    earlier = [d for versions in by_kind.values() for d in versions if d.creditor_id is None]
    busy = any(not d.is_finished for versions in by_kind.values() for d in versions)
    return {
        "lender_documents": lenders,
        "earlier_documents": earlier,
        "documents_busy": busy,
        "outdated": selectors.outdated_documents(case, by_kind),
        "attachments_to_come": selectors.case_missing_evidence(case, evidence),
    }


# The document's own <style> (its page footer, in its language) is let in by a nonce, and nothing else inline.
_PREVIEW_CSP = {**settings.SECURE_CSP, "style-src": [*settings.SECURE_CSP["style-src"], CSP.NONCE]}


@login_required
@csp_override(_PREVIEW_CSP)
def document_preview(request, code, creditor_code, kind):
    """One lender's document in the browser, from the same template the worker prints."""
    case = case_for(request, code)
    creditor = creditor_for(case, creditor_code)
    back_url = reverse("cases:detail", args=[case.code]) + "#documents"
    html = services.document_html(
        case=case,
        creditor=creditor,
        kind=_document_kind(kind),
        language=get_language(),
        back_url=back_url,
        style_nonce=str(get_nonce(request)),
    )
    return HttpResponse(html)


@login_required
@require_http_methods(["POST"])
def document_generate(request, code, creditor_code, kind):
    """With htmx, the documents section comes back at once, the new version in it, and follows it from there; without
    JS, the case page, which refreshes itself while a version is being made."""
    case = case_for(request, code)
    creditor = creditor_for(case, creditor_code)
    try:
        document = services.document_request(
            case=case, creditor=creditor, kind=_document_kind(kind), language=get_language()
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        if request.htmx:
            return HttpResponseClientRefresh()  # the case page, with the message saying what is missing
    else:
        if request.htmx:
            return render(request, "cases/_documents.html", {"case": case, **documents_context(case)})
        names = {"lender": creditor.name, "kind": document.get_kind_display(), "version": document.version}
        if document.queued:
            messages.success(request, _("已开始生成给%(lender)s的%(kind)s第 %(version)s 版，通常几秒钟完成。") % names)
        else:  # the broker is down: the version is kept and the sweep queues it once it is back
            messages.warning(
                request,
                _("给%(lender)s的%(kind)s第 %(version)s 版已排队：后台服务暂时不可用，恢复后会自动生成，不用再点。")
                % names,
            )
    return redirect(reverse("cases:detail", args=[case.code]) + "#documents")


@login_required
def document_status(request, code):
    """The documents section alone: htmx asks for it again 0.3 s after each answer while a version is being made;
    without JS, the case page (the section's "refresh" link comes here, so that it sends a request)."""
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
