"""What one user may hold and ask for: cases, debts and evidence items per case, stored bytes, generations per
hour, document versions kept. A limit refuses with a sentence in the user's language and keeps what is saved."""

import logging

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django_ratelimit.core import is_ratelimited

from accounts.models import User

from ..models import Case, Debt, DocumentStatus, Evidence, EvidenceFile, GeneratedDocument
from .common import _delete_after_commit

logger = logging.getLogger(__name__)

MAX_CASES_PER_USER = 10
MAX_DEBTS_PER_CASE = 30
# The checklist asks for about a dozen items at most; the rest is room for what the user adds.
MAX_EVIDENCE_PER_CASE = 40
MAX_USER_BYTES = 300 * 1024 * 1024
# Versions of one lender's document kept, newest first; older finished ones go with their files.
KEPT_VERSIONS = 5
# New versions asked for by one user (presses that find one already on its way count nothing): enough to regenerate
# every document of several lenders a few times over, too few to keep the workers busy for anyone else.
GENERATION_RATE = "30/h"
_MB = 1024 * 1024


def _lock_owner(owner_id: int) -> None:
    """Two requests of one user counting what they hold take turns (one row lock; SQLite serialises anyway)."""
    list(User.objects.select_for_update().filter(pk=owner_id).values_list("pk", flat=True))


def check_case_count(*, owner_id: int) -> None:
    """Inside the transaction that adds a case."""
    _lock_owner(owner_id)
    if Case.objects.filter(owner_id=owner_id).count() >= MAX_CASES_PER_USER:
        raise ValidationError(
            {
                NON_FIELD_ERRORS: _("每个账号最多保存 %(limit)s 个案件。请先删掉不再需要的案件，再新建。")
                % {"limit": MAX_CASES_PER_USER}
            },
            code="too_many_cases",
        )


def check_debt_count(*, case_id: int) -> None:
    """Inside the transaction that adds a debt."""
    list(Case.objects.select_for_update().filter(pk=case_id).values_list("pk", flat=True))
    if Debt.objects.filter(case_id=case_id).count() >= MAX_DEBTS_PER_CASE:
        raise ValidationError(
            {
                NON_FIELD_ERRORS: _("一个案件最多记 %(limit)s 笔欠款。同一家机构的几笔可以合并成一笔填写。")
                % {"limit": MAX_DEBTS_PER_CASE}
            },
            code="too_many_debts",
        )


def check_evidence_count(*, case_id: int) -> None:
    """Inside the transaction that adds an item the user asked for (the checklist's own are never refused)."""
    list(Case.objects.select_for_update().filter(pk=case_id).values_list("pk", flat=True))
    if Evidence.objects.filter(case_id=case_id).count() >= MAX_EVIDENCE_PER_CASE:
        raise ValidationError(
            {
                NON_FIELD_ERRORS: _("一个案件最多列 %(limit)s 项材料。请删掉不需要的项目，或把同类文件上传到同一项里。")
                % {"limit": MAX_EVIDENCE_PER_CASE}
            },
            code="too_many_items",
        )


def user_evidence_bytes(owner_id: int) -> int:
    total = EvidenceFile.objects.filter(evidence__case__owner_id=owner_id).aggregate(total=models.Sum("size"))["total"]
    return total or 0


def check_user_space(*, owner_id: int, adding: int, freeing: int = 0) -> None:
    """Inside the transaction that stores files: all of a user's cases together hold at most MAX_USER_BYTES."""
    _lock_owner(owner_id)
    used = user_evidence_bytes(owner_id) - freeing
    if used + adding > MAX_USER_BYTES:
        raise ValidationError(
            {
                "files": _(
                    "您所有案件的材料合计不能超过 %(limit)s MB（已用 %(used)s MB，这次要加 %(adding)s MB）。"
                    "请删掉不需要的文件或案件，或把照片压缩后再上传。"
                )
                % {
                    "limit": MAX_USER_BYTES // _MB,
                    "used": f"{used / _MB:.1f}",
                    "adding": f"{adding / _MB:.1f}",
                }
            },
            code="user_full",
        )


def generation_allowed(*, owner_id: int) -> bool:
    """Count one new version against the owner's hourly allowance in the shared cache. Without the cache the press
    goes through (and the log says so): generating must not depend on Redis being up."""
    try:
        limited = is_ratelimited(
            None,
            group="document_generate",
            key=lambda _group, _request: str(owner_id),
            rate=GENERATION_RATE,
            increment=True,
        )
    except Exception as error:
        logger.warning("generation rate not applied: the cache is unreachable (%s)", type(error).__name__)
        return True
    return not limited


def generation_refused() -> ValidationError:
    return ValidationError(
        {NON_FIELD_ERRORS: _("这一小时里生成的文书太多了，请过一会儿再生成。已经生成的文书都还在，可以下载。")},
        code="too_many_generations",
    )


def document_in_progress(*, case: Case, creditor_id: int, kind: str, language: str) -> GeneratedDocument | None:
    """The version of this lender's document already on its way in this language, if it will print the case as it
    is now: one pending (it reads the case when it runs) or one running that started after the last change."""
    waiting = Q(status=DocumentStatus.PENDING) | Q(status=DocumentStatus.RUNNING)
    if case.documents_changed_at is not None:
        waiting = Q(status=DocumentStatus.PENDING) | Q(
            status=DocumentStatus.RUNNING, started_at__gte=case.documents_changed_at
        )
    return (
        GeneratedDocument.objects.filter(waiting, case=case, creditor_id=creditor_id, kind=kind, language=language)
        .order_by("-version")
        .first()
    )


def document_prune(*, document: GeneratedDocument) -> int:
    """Delete the finished versions of the same lender's document older than the newest KEPT_VERSIONS; their files
    leave storage once the rows are gone for good. Versions still pending or running are never touched."""
    versions = GeneratedDocument.objects.filter(
        case_id=document.case_id,
        # None is IS NULL to Django (the versions made before documents were per lender), refused by django-stubs.
        creditor_id=document.creditor_id,  # type: ignore[misc]
        kind=document.kind,
    ).order_by("-version")
    kept = list(versions.values_list("version", flat=True)[:KEPT_VERSIONS])
    if len(kept) < KEPT_VERSIONS:
        return 0
    old = versions.filter(version__lt=kept[-1], status__in=[DocumentStatus.READY, DocumentStatus.FAILED])
    storage = GeneratedDocument._meta.get_field("file").storage
    with transaction.atomic():
        names = [name for name in old.select_for_update().values_list("file", flat=True) if name]
        removed, _by_model = old.delete()
        _delete_after_commit(storage, names)
    return removed
