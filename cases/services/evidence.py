"""The evidence checklist, its items' files and history, and the stored files no row names."""

import logging
import uuid
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import uploads, validators
from ..models import (
    RECORDING_KINDS,
    Case,
    Evidence,
    EvidenceEvent,
    EvidenceFile,
    EvidenceKind,
    EvidenceStatus,
    GeneratedDocument,
    Hardship,
    HardshipReason,
    required_evidence,
)
from .common import UNSET, Unset, _delete_after_commit, _given, _save, _touch
from .limits import check_evidence_count, check_user_space

logger = logging.getLogger(__name__)

# --- Evidence -------------------------------------------------------------------------------------------------


def evidence_sync_checklist(*, case: Case) -> list[Evidence]:
    """Make the evidence list match what the case's reasons and the plans asked of its lenders need.

    Items still missing that no longer apply are removed, so a claim the user withdrew never reaches a document;
    items with a file are kept (the user uploaded them and may still want them) but lose the withdrawn claim.
    """
    hardship = Hardship.objects.filter(case=case).first()
    reasons = hardship.reasons if hardship else []
    goals = list(case.creditors.exclude(goal="").values_list("goal", flat=True))
    needed = required_evidence(reasons, goals)
    needed_kinds = {kind for kind, _reason in needed}
    with transaction.atomic():
        items = list(Evidence.objects.select_for_update().filter(case=case).prefetch_related("files"))
        present = {(item.kind, item.supports) for item in items}
        for item in items:
            untouched = item.status == EvidenceStatus.MISSING and not item.files.all()
            if item.from_checklist and untouched and item.kind not in needed_kinds:
                # Asked for by a goal or reason given up since (the bank statement of "principal only", say).
                item.delete()
                continue
            if item.supports and item.supports not in reasons:
                if untouched:
                    item.delete()
                    continue
                item.supports = ""
                item.save(update_fields=["supports", "updated_at"])
        kept = list(Evidence.objects.filter(case=case))
        kinds_present = {item.kind for item in kept}
        position = _next_position(case)
        for kind, reason in needed:
            if (kind, reason) in present or kind in kinds_present:
                # An item of this kind that backs nothing in particular (say, the bank statement a goal asked for
                # first) now backs the reason too, so the checklist does not depend on the order of the edits.
                unclaimed = [item for item in kept if item.kind == kind and not item.supports]
                if reason and unclaimed and not any(i.kind == kind and i.supports == reason for i in kept):
                    unclaimed[0].supports = reason
                    unclaimed[0].save(update_fields=["supports", "updated_at"])
                continue
            Evidence.objects.create(case=case, kind=kind, supports=reason, position=position, from_checklist=True)
            kinds_present.add(kind)
            position += 1
        _renumber(case)
    return list(Evidence.objects.filter(case=case))


def _next_position(case: Case) -> int:
    return (Evidence.objects.filter(case=case).aggregate(top=Max("position"))["top"] or 0) + 1


def _renumber(case: Case) -> None:
    """Attachment numbers run 1..n without gaps, in the order the case page shows."""
    items = list(Evidence.objects.filter(case=case).order_by("position", "id"))
    changed = []
    for number, item in enumerate(items, start=1):
        if item.position != number:
            item.position = number
            changed.append(item)
    Evidence.objects.bulk_update(changed, ["position"])


def _clean_evidence_fields(case: Case, fields: dict[str, Any]) -> dict[str, Any]:
    cleaned = dict(fields)
    if "kind" in cleaned and cleaned["kind"] not in EvidenceKind.values:
        raise ValidationError({"kind": _("请选择材料类型。")}, code="invalid_choice")
    if cleaned.get("supports"):
        hardship = Hardship.objects.filter(case=case).first()
        if (
            cleaned["supports"] not in HardshipReason.values
            or not hardship
            or (cleaned["supports"] not in hardship.reasons)
        ):
            raise ValidationError({"supports": _("这项困难不在您填写的困难原因里。")}, code="invalid_claim")
    for name in ("title", "note"):
        if name in cleaned:
            cleaned[name] = (cleaned[name] or "").strip()
    return cleaned


def evidence_create(*, case: Case, kind: str, supports: str = "", title: str = "", note: str = "") -> Evidence:
    """An item the user adds to the list, numbered after the last one; `supports` names the hardship it proves."""
    cleaned = _clean_evidence_fields(case, {"kind": kind, "supports": supports, "title": title, "note": note})
    with transaction.atomic():
        check_evidence_count(case_id=case.pk)
        evidence = Evidence(case=case, position=_next_position(case), **cleaned)
        _save(evidence)
        _touch(case.pk)
    return evidence


def evidence_update(
    *,
    evidence: Evidence,
    kind: str | Unset = UNSET,
    supports: str | Unset = UNSET,
    title: str | Unset = UNSET,
    note: str | Unset = UNSET,
) -> Evidence:
    """Change only the fields given."""
    cleaned = _clean_evidence_fields(evidence.case, _given(kind=kind, supports=supports, title=title, note=note))
    with transaction.atomic():
        if "kind" in cleaned and cleaned["kind"] not in RECORDING_KINDS:
            _refuse_recordings_elsewhere(evidence)
        for name, value in cleaned.items():
            setattr(evidence, name, value)
        _save(evidence)
        _touch(evidence.case_id)
    return evidence


def _refuse_recordings_elsewhere(evidence: Evidence) -> None:
    """An item holding a recording stays the kind that may hold one (the lock waits for an upload under way)."""
    locked = Evidence.objects.select_for_update().get(pk=evidence.pk)
    if locked.files.filter(content_type__startswith="audio/").exists():
        raise ValidationError(
            {
                "kind": _("这项材料里有通话录音，只有“%(kind)s”可以保存录音。请先删掉录音，再改类型。")
                % {"kind": EvidenceKind.CALL_RECORD.label}
            },
            code="holds_recordings",
        )


def evidence_set_status(
    *, evidence: Evidence, status: str, on: date | None = None, note: str | None = None
) -> Evidence:
    """missing -> uploaded -> sent -> accepted / rejected, each with its date; a file is needed past "missing"."""
    if status not in EvidenceStatus.values:
        raise ValidationError({"status": _("未知的材料状态。")}, code="invalid_choice")
    on = validators.clean_past_date(on or timezone.localdate(), field="status_changed_on")
    with transaction.atomic():
        locked = Evidence.objects.select_for_update().get(pk=evidence.pk)
        if not locked.can_move_to(status):
            raise ValidationError(
                {
                    "status": _("材料不能从“%(current)s”直接变为“%(new)s”。")
                    % {"current": locked.get_status_display(), "new": EvidenceStatus(status).label}
                },
                code="illegal_transition",
            )
        if status != EvidenceStatus.MISSING and not locked.files.exists():
            raise ValidationError({"status": _("请先上传这份材料的文件。")}, code="no_file")
        # Dates the user recorded follow each other (sent, then accepted); the upload date is the app's own and a
        # hand-in recorded late may well predate it.
        recorded = locked.status in (EvidenceStatus.SENT, EvidenceStatus.ACCEPTED, EvidenceStatus.REJECTED)
        if recorded and locked.status_changed_on and on < locked.status_changed_on:
            raise ValidationError(
                {
                    "status_changed_on": _("日期不能早于上一次的状态日期（%(earlier)s）。")
                    % {"earlier": locked.status_changed_on.isoformat()}
                },
                code="before_previous",
            )
        note = (note or "").strip()
        _record_status(locked, status, on=on, note=note)
    evidence.status, evidence.status_changed_on, evidence.note = locked.status, on, locked.note
    return evidence


def _record_status(evidence: Evidence, status: str, *, on: date, note: str = "") -> None:
    """Move the item to `status` and add the step to its history; the item shows the note of its current step."""
    evidence.status = status
    evidence.status_changed_on = on
    evidence.note = note
    _save(evidence)
    event = EvidenceEvent(evidence=evidence, status=status, on=on, note=note)
    _save(event)


def evidence_delete(*, evidence: Evidence) -> None:
    """Remove an item with all its files; the files leave storage once the rows are gone for good."""
    names = _stored_names(evidence.files.all())
    storage = EvidenceFile._meta.get_field("file").storage
    with transaction.atomic():
        case = evidence.case
        evidence.delete()
        _renumber(case)
        _touch(case.pk)
        _delete_after_commit(storage, names)


def _stored_names(files: Iterable[EvidenceFile]) -> list[str]:
    return [name for item in files for name in (item.file.name, item.thumbnail.name) if name]


def case_evidence_bytes(case: Case) -> int:
    return EvidenceFile.objects.filter(evidence__case=case).aggregate(total=models.Sum("size"))["total"] or 0


def _check_case_space(case: Case, *, adding: int, freeing: int = 0) -> None:
    used = case_evidence_bytes(case) - freeing
    if used + adding > uploads.MAX_CASE_BYTES:
        raise ValidationError(
            {
                "files": _(
                    "一个案件的材料合计不能超过 %(limit)s MB（已用 %(used)s MB，这次要加 %(adding)s MB）。"
                    "请删掉不需要的文件，或把照片压缩后再上传。"
                )
                % {
                    "limit": uploads.MAX_CASE_BYTES // 1048576,
                    "used": f"{used / 1048576:.1f}",
                    "adding": f"{adding / 1048576:.1f}",
                }
            },
            code="case_full",
        )


def _none_saved() -> ValidationError:
    return ValidationError(_("这次选择的文件都没有保存，请去掉上面的文件后重新上传。"), code="none_saved")


def _check_uploads(files: list, *, recordings: bool) -> list[uploads.CheckedFile]:
    """Check every file first: one refused file means none is stored, so a retry never makes duplicates.

    `recordings`: the item takes call recordings too (Evidence.accepts_recordings)."""
    checked, refusals = [], []
    for upload in files:
        try:
            checked.append(uploads.check_upload(upload, recordings=recordings))
        except ValidationError as error:
            refusals.append(error)
    if refusals:
        if len(files) > 1:
            refusals.append(_none_saved())
        raise ValidationError({"files": refusals})
    return checked


def _store(storage, checked: uploads.CheckedFile, saved: list[str]) -> dict[str, Any]:
    """Write the file (and its thumbnail) under random names; `saved` collects them for cleanup on failure."""
    stem = uuid.uuid4().hex
    name = storage.save(f"evidence/{stem}.{checked.extension}", ContentFile(checked.content))
    saved.append(name)
    thumbnail = ""
    if checked.thumbnail is not None:
        thumbnail = storage.save(f"evidence/thumbnails/{stem}.jpg", ContentFile(checked.thumbnail))
        saved.append(thumbnail)
    return {
        "file": name,
        "thumbnail": thumbnail,
        "original_name": checked.original_name,
        "content_type": checked.content_type,
        "size": len(checked.content),
        "pages": checked.pages,
        "upload_checksum": checked.upload_checksum,
    }


def _refuse_duplicates(evidence: Evidence, checked: list[uploads.CheckedFile], *, replacing: int | None = None) -> None:
    """The same file twice in one item is almost always a double tap; say so instead of keeping two copies."""
    others = evidence.files.all() if replacing is None else evidence.files.exclude(pk=replacing)
    kept = dict(others.values_list("upload_checksum", "original_name"))
    seen: set[str] = set()
    refusals = []
    for item in checked:
        if item.upload_checksum in kept or item.upload_checksum in seen:
            earlier = kept.get(item.upload_checksum) or item.original_name
            refusals.append(
                uploads.refusal(
                    item.original_name,
                    _("这份文件已经上传过了（“%(earlier)s”）。") % {"earlier": earlier},
                    "duplicate",
                )
            )
        seen.add(item.upload_checksum)
    if refusals:
        if len(checked) > 1:
            refusals.append(_none_saved())
        raise ValidationError({"files": refusals})


def _refuse_recordings_if_not_taken(evidence: Evidence, checked: list[uploads.CheckedFile]) -> None:
    """The item's kind as it is now, under its lock: it may have changed since the files were checked."""
    if not evidence.accepts_recordings and any(item.is_recording for item in checked):
        raise ValidationError(
            {
                "files": _("录音只能上传到“%(kind)s”这一项，或者在记沟通时附上。")
                % {"kind": EvidenceKind.CALL_RECORD.label}
            },
            code="recording_not_here",
        )


def _mark_uploaded(evidence: Evidence) -> None:
    """A first file, or a new file for an item the lender rejected, makes the item "uploaded" again."""
    if evidence.status in (EvidenceStatus.MISSING, EvidenceStatus.REJECTED):
        _record_status(evidence, EvidenceStatus.UPLOADED, on=timezone.localdate())


def evidence_upload(*, evidence: Evidence, files: Iterable) -> list[EvidenceFile]:
    """Add one or several files to an item: each checked, images cleaned, all stored or none."""
    files = list(files)
    if not files:
        raise ValidationError({"files": _("请选择要上传的文件。")}, code="required")
    if len(files) > uploads.MAX_FILES_PER_UPLOAD:
        raise ValidationError(
            {"files": _("一次最多上传 %(count)s 个文件。") % {"count": uploads.MAX_FILES_PER_UPLOAD}},
            code="too_many_files",
        )
    checked = _check_uploads(files, recordings=evidence.accepts_recordings)
    storage = EvidenceFile._meta.get_field("file").storage
    saved: list[str] = []
    try:
        with transaction.atomic():
            case = Case.objects.select_for_update().get(pk=evidence.case_id)
            _check_case_space(case, adding=sum(len(item.content) for item in checked))
            check_user_space(owner_id=case.owner_id, adding=sum(len(item.content) for item in checked))
            locked = Evidence.objects.select_for_update().get(pk=evidence.pk)
            _refuse_recordings_if_not_taken(locked, checked)
            _refuse_duplicates(locked, checked)
            position = (locked.files.aggregate(top=Max("position"))["top"] or 0) + 1
            created = []
            for offset, item in enumerate(checked):
                created.append(
                    EvidenceFile.objects.create(
                        evidence=locked, position=position + offset, **_store(storage, item, saved)
                    )
                )
            _mark_uploaded(locked)
            _touch(case.pk)
    except BaseException:
        for name in saved:
            storage.delete(name)
        raise
    evidence.status, evidence.status_changed_on = locked.status, locked.status_changed_on
    return created


def evidence_file_replace(*, evidence_file: EvidenceFile, upload) -> EvidenceFile:
    """Put a new file in place of one: the old one stays until the new one is stored, then goes."""
    checked = _check_uploads([upload], recordings=evidence_file.evidence.accepts_recordings)[0]
    storage = evidence_file.file.storage
    saved: list[str] = []
    try:
        with transaction.atomic():
            case = Case.objects.select_for_update().get(pk=evidence_file.evidence.case_id)
            locked = EvidenceFile.objects.select_for_update().select_related("evidence").get(pk=evidence_file.pk)
            _check_case_space(case, adding=len(checked.content), freeing=locked.size)
            check_user_space(owner_id=case.owner_id, adding=len(checked.content), freeing=locked.size)
            _refuse_recordings_if_not_taken(Evidence.objects.select_for_update().get(pk=locked.evidence_id), [checked])
            _refuse_duplicates(locked.evidence, [checked], replacing=locked.pk)
            old_names = _stored_names([locked])
            for name, value in _store(storage, checked, saved).items():
                setattr(locked, name, value)
            locked.save()
            _mark_uploaded(locked.evidence)
            _touch(case.pk)
            _delete_after_commit(storage, old_names)
    except BaseException:
        for name in saved:
            storage.delete(name)
        raise
    return locked


def evidence_file_delete(*, evidence_file: EvidenceFile) -> None:
    """Delete one file; an item left without files is "missing" again, unless the lender already has it."""
    storage = evidence_file.file.storage
    with transaction.atomic():
        evidence = Evidence.objects.select_for_update().get(pk=evidence_file.evidence_id)
        remaining = evidence.files.exclude(pk=evidence_file.pk)
        if not remaining.exists() and evidence.status in (EvidenceStatus.SENT, EvidenceStatus.ACCEPTED):
            raise ValidationError(
                {
                    "files": _("这份材料已经“%(status)s”，不能删掉唯一的文件；如需更换，请用“替换”。")
                    % {"status": evidence.get_status_display()}
                },
                code="file_in_use",
            )
        names = _stored_names([evidence_file])
        evidence_file.delete()
        for number, item in enumerate(remaining.order_by("position", "id"), start=1):
            if item.position != number:
                EvidenceFile.objects.filter(pk=item.pk).update(position=number)
        if not remaining.exists() and evidence.status != EvidenceStatus.MISSING:
            _record_status(evidence, EvidenceStatus.MISSING, on=timezone.localdate())
        _touch(evidence.case_id)
        _delete_after_commit(storage, names)


# Long enough that no request or render still holding a file it has just written can be about to commit its row.
ORPHAN_GRACE = timedelta(hours=6)
STORED_FOLDERS = ("evidence", "evidence/thumbnails", "documents")


def storage_sweep_orphans(*, now: datetime | None = None) -> int:
    """Delete stored files that no row names: left behind when a process died between writing a file and committing
    its row. Files are private data, so none may linger once nothing in the app can reach it."""
    now = now or timezone.now()
    storage = EvidenceFile._meta.get_field("file").storage
    known = set(EvidenceFile.objects.values_list("file", flat=True))
    known |= set(EvidenceFile.objects.exclude(thumbnail="").values_list("thumbnail", flat=True))
    known |= set(GeneratedDocument.objects.exclude(file="").values_list("file", flat=True))
    removed = 0
    for folder in STORED_FOLDERS:
        try:
            _folders, names = storage.listdir(folder)
        except FileNotFoundError:
            continue
        for name in (f"{folder}/{base}" for base in names):
            if name not in known and storage.get_modified_time(name) < now - ORPHAN_GRACE:
                storage.delete(name)
                removed += 1
    if removed:
        logger.warning("removed %s stored files that no row names", removed)
    return removed
