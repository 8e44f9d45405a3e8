"""Generated documents: the HTML, the version requested, the render claimed by one worker, the sweep."""

import hashlib
import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .. import pdf, presenters, selectors
from ..models import (
    Case,
    DocumentKind,
    DocumentStatus,
    GeneratedDocument,
)

logger = logging.getLogger(__name__)

# --- Generated documents --------------------------------------------------------------------------------------

DOCUMENT_TEMPLATES = {
    DocumentKind.PROPOSAL: "documents/proposal.html",
    DocumentKind.HARDSHIP_LETTER: "documents/hardship_letter.html",
}
_VERSION_FIELD = {
    DocumentKind.PROPOSAL: "last_proposal_version",
    DocumentKind.HARDSHIP_LETTER: "last_letter_version",
}
# A render that has run longer than the worker's hard limit was killed with its worker; it may be taken again.
STALE_AFTER = timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 30)
PENDING_TOO_LONG = timedelta(minutes=2)
MAX_ATTEMPTS = 3


def document_html(*, case: Case, kind: str, language: str, back_url: str = "") -> str:
    """The document as HTML: the browser preview shows exactly what the worker prints, under a bar leading back to
    the case (`back_url`, for the preview only)."""
    with translation.override(language):
        context = presenters.document_context(case)
        context["doc"]["title"] = DocumentKind(kind).label
        context["back_url"] = back_url
        return render_to_string(DOCUMENT_TEMPLATES[kind], context)


def document_request(*, case: Case, kind: str, language: str | None = None) -> GeneratedDocument:
    """Create the next version as pending and queue its rendering once the row is committed."""
    if kind not in DocumentKind.values:
        raise ValidationError({"kind": _("未知的文书类型。")}, code="invalid_choice")
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        field = _VERSION_FIELD[kind]
        version = getattr(locked, field) + 1
        setattr(locked, field, version)
        locked.save(update_fields=[field, "updated_at"])
        document = GeneratedDocument.objects.create(case=locked, kind=kind, version=version, language=language)
        transaction.on_commit(lambda: _queue_render(document.pk))
    return document


def _queue_render(document_id: int) -> None:
    from ..tasks import render_document

    render_document.delay(document_id)


def document_render(*, document_id: int) -> GeneratedDocument | None:
    """Claim one document (pending, or running but abandoned), render it, store it, mark it ready or failed.

    Returns None when another run has it or it is already finished: running the task twice does nothing twice.
    """
    now = timezone.now()
    claimable = Q(status=DocumentStatus.PENDING) | Q(status=DocumentStatus.RUNNING, started_at__lt=now - STALE_AFTER)
    claimed = GeneratedDocument.objects.filter(claimable, pk=document_id).update(
        status=DocumentStatus.RUNNING, started_at=now, attempts=F("attempts") + 1
    )
    if not claimed:
        return None
    document = GeneratedDocument.objects.select_related("case").get(pk=document_id)
    case = selectors.case_with_parts(document.case_id)
    try:
        html = document_html(case=case, kind=document.kind, language=document.language)
        content = pdf.render_pdf(html)
    except Exception as error:  # the user must learn that it failed and why, whatever broke
        logger.exception("rendering document %s failed", document_id)
        with translation.override(document.language):
            message = _("生成失败：%(reason)s。请稍后重新生成；如果一直失败，请检查填写的内容。") % {
                "reason": _("排版超时") if isinstance(error, pdf.RenderTimeout) else _("排版出错")
            }
        GeneratedDocument.objects.filter(pk=document_id, status=DocumentStatus.RUNNING).update(
            status=DocumentStatus.FAILED, error=message, finished_at=timezone.now()
        )
        document.refresh_from_db()
        return document
    storage = document.file.storage
    name = storage.save(f"documents/{uuid.uuid4().hex}.pdf", ContentFile(content))
    finished = GeneratedDocument.objects.filter(pk=document_id, status=DocumentStatus.RUNNING).update(
        status=DocumentStatus.READY,
        file=name,
        checksum=hashlib.sha256(content).hexdigest(),
        error="",
        finished_at=timezone.now(),
    )
    if not finished:  # someone else finished or failed it meanwhile: keep theirs, drop ours
        storage.delete(name)
    document.refresh_from_db()
    return document


def document_sweep() -> dict[str, int]:
    """Re-queue documents left pending or running too long (Redis was down, a worker died); fail them after 3 tries."""
    now = timezone.now()
    stuck = GeneratedDocument.objects.filter(
        Q(status=DocumentStatus.PENDING, created_at__lt=now - PENDING_TOO_LONG)
        | Q(status=DocumentStatus.RUNNING, started_at__lt=now - STALE_AFTER)
    )
    requeued = failed = 0
    for document in stuck:
        if document.attempts >= MAX_ATTEMPTS:
            with translation.override(document.language):
                message = _("生成失败：已尝试 %(count)s 次仍未完成。请重新生成。") % {"count": document.attempts}
            failed += GeneratedDocument.objects.filter(pk=document.pk, status=document.status).update(
                status=DocumentStatus.FAILED, error=message, finished_at=now
            )
        elif GeneratedDocument.objects.filter(pk=document.pk, status=document.status).update(
            status=DocumentStatus.PENDING, created_at=now
        ):
            requeued += 1
            _queue_render(document.pk)
    return {"requeued": requeued, "failed": failed}
