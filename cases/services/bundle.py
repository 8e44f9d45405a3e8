"""The case bundle as a job: the request makes a row, the worker builds the ZIP into storage, the owner downloads it,
the sweep removes it a day later (and takes up jobs that Redis or a dead worker lost)."""

import logging
import tempfile
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import F, Q
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .. import bundle, selectors
from ..models import Case, CaseBundle, DocumentStatus

logger = logging.getLogger(__name__)

BUNDLE_KEPT_FOR = timedelta(days=1)
BUNDLE_FOLDER = "bundles"
# A build that has run longer than the worker's hard limit was killed with its worker; it may be taken again.
BUNDLE_STALE_AFTER = timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 30)
BUNDLE_PENDING_TOO_LONG = timedelta(minutes=2)
BUNDLE_MAX_ATTEMPTS = 3
# Up to this much of a ZIP stays in memory while it is written; the rest goes to a temporary file.
_SPOOL_BYTES = 8 * 1024 * 1024
_UNFINISHED = (DocumentStatus.PENDING, DocumentStatus.RUNNING)


def bundle_request(*, case: Case, language: str | None = None) -> CaseBundle:
    """A new bundle, pending, queued once the row is committed; the one already being made if there is one, so that
    pressing the button again queues nothing more."""
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        unfinished = locked.bundles.filter(status__in=_UNFINISHED).first()
        if unfinished is not None:
            return unfinished
        made = CaseBundle.objects.create(case=locked, language=language)
        transaction.on_commit(lambda: _queue_build(made.pk))
    return made


def _queue_build(bundle_id: int) -> None:
    from ..tasks import build_bundle

    build_bundle.delay(bundle_id)


def bundle_build(*, bundle_id: int) -> CaseBundle | None:
    """Claim one bundle (pending, or running but abandoned), write its ZIP to storage, mark it ready or failed.

    Returns None when another run has it or it is already finished: running the task twice does nothing twice.
    """
    now = timezone.now()
    claimable = Q(status=DocumentStatus.PENDING) | Q(
        status=DocumentStatus.RUNNING, started_at__lt=now - BUNDLE_STALE_AFTER
    )
    claimed = CaseBundle.objects.filter(claimable, pk=bundle_id).update(
        status=DocumentStatus.RUNNING, started_at=now, attempts=F("attempts") + 1
    )
    if not claimed:
        return None
    made = CaseBundle.objects.get(pk=bundle_id)
    storage = made.file.storage
    try:
        case = selectors.case_with_parts(made.case_id)
        with tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES) as archive:
            with translation.override(made.language):
                names = bundle.write_bundle(case, archive)
            size = archive.tell()
            archive.seek(0)
            name = storage.save(f"{BUNDLE_FOLDER}/{uuid.uuid4().hex}.zip", File(archive))
    except Exception:  # the user must learn that it failed, whatever broke
        logger.exception("building bundle %s failed", bundle_id)
        with translation.override(made.language):
            message = _("材料包生成失败，请稍后重试。")
        CaseBundle.objects.filter(pk=bundle_id, status=DocumentStatus.RUNNING).update(
            status=DocumentStatus.FAILED, error=message, finished_at=timezone.now()
        )
        made.refresh_from_db()
        return made
    finished = CaseBundle.objects.filter(pk=bundle_id, status=DocumentStatus.RUNNING).update(
        status=DocumentStatus.READY, file=name, size=size, entries=len(names), error="", finished_at=timezone.now()
    )
    if not finished:  # someone else finished or failed it meanwhile, or the case was deleted: keep theirs, drop ours
        storage.delete(name)
    made.refresh_from_db()
    return made


def bundle_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Remove bundles older than a day with their files, and stored bundles that no row names; take up again the ones
    left pending or running too long (Redis was down, a worker died), failing them after three tries."""
    now = now or timezone.now()
    storage = CaseBundle._meta.get_field("file").storage
    removed = 0
    going = set()  # the files of the rows removed here, which go once that is committed (_delete_file below)
    for old in CaseBundle.objects.filter(created_at__lt=now - BUNDLE_KEPT_FOR):
        going.add(old.file.name)
        old.delete()
        removed += 1
    requeued = failed = 0
    stuck = CaseBundle.objects.filter(
        Q(status=DocumentStatus.PENDING, created_at__lt=now - BUNDLE_PENDING_TOO_LONG)
        | Q(status=DocumentStatus.RUNNING, started_at__lt=now - BUNDLE_STALE_AFTER)
    )
    for made in stuck:
        if made.attempts >= BUNDLE_MAX_ATTEMPTS:
            with translation.override(made.language):
                message = _("材料包生成失败：已尝试 %(count)s 次仍未完成。请重新生成。") % {"count": made.attempts}
            failed += CaseBundle.objects.filter(pk=made.pk, status=made.status).update(
                status=DocumentStatus.FAILED, error=message, finished_at=now
            )
        elif CaseBundle.objects.filter(pk=made.pk, status=made.status).update(
            status=DocumentStatus.PENDING, created_at=now
        ):
            requeued += 1
            _queue_build(made.pk)
    known = going | set(CaseBundle.objects.exclude(file="").values_list("file", flat=True))
    try:
        _folders, stored = storage.listdir(BUNDLE_FOLDER)
    except FileNotFoundError:
        stored = []
    for name in (f"{BUNDLE_FOLDER}/{base}" for base in stored):
        if name not in known and storage.get_modified_time(name) < now - BUNDLE_KEPT_FOR:
            storage.delete(name)
            removed += 1
    return {"removed": removed, "requeued": requeued, "failed": failed}


@receiver(post_delete, sender=CaseBundle, dispatch_uid="cases.bundle_file")
def _delete_file(sender, instance: CaseBundle, **kwargs) -> None:
    """A bundle's file goes with its row, whatever deleted it (the sweep, the case, the account), once committed."""
    name, storage = instance.file.name, instance.file.storage
    if name:
        transaction.on_commit(lambda: storage.delete(name))
