"""Generated documents: the HTML, the version requested, the render claimed by one worker, the sweep."""

import hashlib
import logging
import re
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError as BrokerUnavailable

from .. import presenters, selectors
from ..models import (
    Case,
    Creditor,
    DocumentKind,
    DocumentStatus,
    GeneratedDocument,
)
from . import limits

logger = logging.getLogger(__name__)

# --- Generated documents --------------------------------------------------------------------------------------

DOCUMENT_TEMPLATES: dict[str, str] = {
    DocumentKind.PROPOSAL: "documents/proposal.html",
    DocumentKind.HARDSHIP_LETTER: "documents/hardship_letter.html",
}
_VERSION_FIELD: dict[str, str] = {
    DocumentKind.PROPOSAL: "last_proposal_version",
    DocumentKind.HARDSHIP_LETTER: "last_letter_version",
}
# A render that has run longer than the worker's hard limit was killed with its worker; it may be taken again.
STALE_AFTER = timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 30)
PENDING_TOO_LONG = timedelta(minutes=2)
MAX_ATTEMPTS = 3


def document_html(
    *, case: Case, creditor: Creditor, kind: str, language: str, back_url: str = "", style_nonce: str = ""
) -> str:
    """One lender's document as HTML: the browser preview shows exactly what the worker prints, under a bar leading
    back to the case (`back_url`, for the preview only; `style_nonce` lets its CSP accept the document's own
    <style>)."""
    with translation.override(language):
        context = presenters.document_context(case, creditor)
        context["doc"]["title"] = DocumentKind(kind).label
        context["back_url"] = back_url
        context["page_footer"] = page_footer_content()
        context["style_nonce"] = style_nonce
        return render_to_string(DOCUMENT_TEMPLATES[kind], context)


_FOOTER_COUNTER = re.compile(r"%\((page|pages)\)s")


def page_footer_content() -> SafeString:
    """The page footer in the active language, as the value of a CSS `content` property: the words quoted, the page
    numbers as WeasyPrint's counters. A margin box shows only what a stylesheet writes, so the translated words go
    into the document's <style> this way."""
    # Translators: the footer of every page of a printed document; keep %(page)s and %(pages)s.
    words = _("第 %(page)s 页 / 共 %(pages)s 页")
    parts = []
    for index, piece in enumerate(_FOOTER_COUNTER.split(words)):
        if index % 2:
            parts.append(f"counter({piece})")
        elif piece:
            parts.append(_css_string(piece))
    return mark_safe(" ".join(parts))  # noqa: S308 (every piece of text is escaped as a CSS string)


def _css_string(text: str) -> str:
    """`text` as a quoted CSS string that cannot end its <style> element: no quote, backslash, line break or <."""
    escaped = "".join(f"\\{ord(char):x} " if char in '"\\<>&\n\r\f' else char for char in text)
    return f'"{escaped}"'


def document_request(*, case: Case, creditor: Creditor, kind: str, language: str | None = None) -> GeneratedDocument:
    """Create the next version of one lender's document as pending and queue its rendering once the row is
    committed. Refused, naming what is missing, while the document would go out incomplete (a blank name, no plan)
    or with plans that together ask more than the debtor can pay.

    A version of it already on its way (limits.document_in_progress) is returned instead of a new one, so that
    pressing again changes nothing; new versions count against the owner's hourly allowance. When the broker cannot
    be reached the version is kept, marked not queued (`queued`), and the next sweep queues it."""
    if kind not in DocumentKind.values:
        raise ValidationError({"kind": _("未知的文书类型。")}, code="invalid_choice")
    if creditor.case_id != case.pk:
        raise ValidationError({"creditor": _("这家机构不属于这个案件。")}, code="other_case")
    missing = selectors.document_blockers(case, creditor)
    if missing:
        raise ValidationError(
            {
                "creditor": _("还不能生成，请先补上：%(missing)s。")
                % {"missing": presenters.join_labels(m.message for m in missing)}
            },
            code="incomplete",
        )
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    waiting = limits.document_in_progress(case=case, creditor_id=creditor.pk, kind=kind, language=language)
    if waiting is not None:
        return waiting
    if not limits.generation_allowed(owner_id=case.owner_id):
        raise limits.generation_refused()
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        # Checked again under the lock: of two presses at once, the second finds the first's version.
        waiting = limits.document_in_progress(case=locked, creditor_id=creditor.pk, kind=kind, language=language)
        if waiting is not None:
            return waiting
        field = _VERSION_FIELD[kind]
        version = getattr(locked, field) + 1
        setattr(locked, field, version)
        locked.save(update_fields=[field, "updated_at"])
        document = GeneratedDocument.objects.create(
            case=locked, creditor=creditor, kind=kind, version=version, language=language
        )
        transaction.on_commit(lambda: _queue_and_note(document))
    return document


def _queue_and_note(document: GeneratedDocument) -> None:
    if _queue_render(document.pk) is False:  # the row says so already; the caller's copy learns it here
        document.queued = False


def _queue_render(document_id: int) -> bool:
    """Hand the job to the broker, or mark the row not queued and say so when the broker cannot be reached: a press
    never fails, nor waits long, because Redis is down."""
    from ..tasks import render_document

    try:
        render_document.delay(document_id)
    except BrokerUnavailable as error:
        logger.warning("document %s not queued, the sweep will (%s)", document_id, type(error).__name__)
        GeneratedDocument.objects.filter(pk=document_id).update(queued=False)
        return False
    return True


def document_render(*, document_id: int, task_id: str = "") -> GeneratedDocument | None:
    """Claim one document (pending, running but abandoned, or claimed by this very task: its message handed back
    after the worker died), render it, store it, mark it ready or failed, and prune the oldest versions.

    Returns None when another run has it or it is already finished: running the task twice does nothing twice.
    """
    now = timezone.now()
    claimable = Q(status=DocumentStatus.PENDING) | Q(status=DocumentStatus.RUNNING, started_at__lt=now - STALE_AFTER)
    if task_id:
        claimable |= Q(status=DocumentStatus.RUNNING, claimed_by=task_id, attempts__lt=MAX_ATTEMPTS)
    claimed = GeneratedDocument.objects.filter(claimable, pk=document_id).update(
        status=DocumentStatus.RUNNING, started_at=now, attempts=F("attempts") + 1, claimed_by=task_id
    )
    if not claimed:
        if task_id:  # handed back after each of its tries killed the worker: it will not render, say so
            mine = GeneratedDocument.objects.filter(pk=document_id, status=DocumentStatus.RUNNING, claimed_by=task_id)
            for document in mine:
                _give_up(mine, document)
        return None
    from .. import pdf  # WeasyPrint only in the process that renders, never in the web process

    document = GeneratedDocument.objects.select_related("case", "creditor").get(pk=document_id)
    case = selectors.case_with_parts(document.case_id)
    try:
        if document.creditor is None:  # requested before documents were per lender: nobody to address it to
            raise LookupError("document has no lender")
        html = document_html(case=case, creditor=document.creditor, kind=document.kind, language=document.language)
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
        limits.document_prune(document=document)
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
    limits.document_prune(document=document)
    return document


def document_sweep() -> dict[str, int]:
    """Re-queue documents never queued (Redis was down), left pending or running too long (a worker died); fail them
    after 3 tries."""
    now = timezone.now()
    stuck = GeneratedDocument.objects.filter(
        Q(status=DocumentStatus.PENDING, queued=False)
        | Q(status=DocumentStatus.PENDING, created_at__lt=now - PENDING_TOO_LONG)
        | Q(status=DocumentStatus.RUNNING, started_at__lt=now - STALE_AFTER)
    )
    requeued = failed = 0
    for document in stuck:
        if document.attempts >= MAX_ATTEMPTS:
            failed += _give_up(GeneratedDocument.objects.filter(pk=document.pk, status=document.status), document)
        elif GeneratedDocument.objects.filter(pk=document.pk, status=document.status).update(
            status=DocumentStatus.PENDING, created_at=now, queued=True
        ):
            requeued += 1
            _queue_render(document.pk)
    return {"requeued": requeued, "failed": failed}


def _give_up(rows, document: GeneratedDocument) -> int:
    with translation.override(document.language):
        message = _("生成失败：已尝试 %(count)s 次仍未完成。请重新生成。") % {"count": document.attempts}
    return rows.update(status=DocumentStatus.FAILED, error=message, finished_at=timezone.now())


def document_take_back(*, live_task_ids: set[str], claimed_before: datetime) -> int:
    """Queue again the renders claimed before `claimed_before` by a task that no worker runs any more: a worker
    killed outright, whose messages come back only after the broker's visibility timeout (an hour)."""
    abandoned = GeneratedDocument.objects.filter(
        status=DocumentStatus.RUNNING, started_at__lt=claimed_before, attempts__lt=MAX_ATTEMPTS
    ).exclude(claimed_by__in=live_task_ids)
    taken = 0
    for document in abandoned:
        claim = Q(pk=document.pk, status=DocumentStatus.RUNNING, claimed_by=document.claimed_by)
        if GeneratedDocument.objects.filter(claim).update(
            status=DocumentStatus.PENDING, created_at=timezone.now(), queued=True
        ):
            taken += 1
            _queue_render(document.pk)
    if taken:
        logger.warning("took back %s renders abandoned by a worker that died", taken)
    return taken
