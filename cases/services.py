"""Every write to a case and what it holds: validated, atomic, and named <entity>_<action>.

Errors are django ValidationErrors keyed by field with translated messages; a failed call changes nothing.
Callers pass objects already checked for ownership (a view's `_case_for`); children are checked against their case.
"""

import hashlib
import logging
import re
import uuid
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.files.base import ContentFile
from django.core.validators import MaxLengthValidator
from django.db import models, transaction
from django.db.models import F, Max, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from . import pdf, plans, selectors, uploads
from .models import (
    CASE_TRANSITIONS,
    EVIDENCE_TRANSITIONS,
    MAX_AMOUNT,
    Agreement,
    Case,
    CaseGoal,
    CaseStatus,
    ContactLog,
    Debt,
    DocumentKind,
    DocumentStatus,
    Evidence,
    EvidenceEvent,
    EvidenceFile,
    EvidenceKind,
    EvidenceStatus,
    GeneratedDocument,
    Hardship,
    HardshipReason,
    Installment,
    InstallmentStatus,
    LenderKind,
    Payment,
    required_evidence,
)

logger = logging.getLogger(__name__)

# --- validation shared by the services ------------------------------------------------------------------------


def clean_amount(value: Any, *, field: str, allow_none: bool = False) -> Decimal | None:
    """A yuan amount: a number, at least 0, at most ten million, at most two decimals."""
    if value is None or value == "":
        if allow_none:
            return None
        raise ValidationError({field: _("请填写金额。")}, code="required")
    if isinstance(value, float):
        value = str(value)
    try:
        amount = Decimal(str(value).strip().replace(",", "").replace("，", ""))
    except InvalidOperation:
        raise ValidationError({field: _("请输入数字金额，例如 1234.56。")}, code="invalid") from None
    if not amount.is_finite():
        raise ValidationError({field: _("请输入数字金额，例如 1234.56。")}, code="invalid")
    if amount < 0:
        raise ValidationError({field: _("金额不能是负数。")}, code="negative")
    if amount > MAX_AMOUNT:
        raise ValidationError({field: _("金额不能超过 1000 万元，请检查是否多输了位数。")}, code="too_large")
    if amount != amount.quantize(plans.CENT):
        raise ValidationError({field: _("金额最多保留两位小数（精确到分）。")}, code="too_precise")
    return amount.quantize(plans.CENT)


def clean_past_date(value: date | None, *, field: str, allow_none: bool = True) -> date | None:
    """A date that has already happened: an overdue start, a payment, a signature cannot lie in the future."""
    if value is None:
        if allow_none:
            return None
        raise ValidationError({field: _("请填写日期。")}, code="required")
    if isinstance(value, datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if value > timezone.localdate():
        raise ValidationError({field: _("这个日期还没到，请检查年份和月份。")}, code="future")
    if value.year < 2000:
        raise ValidationError({field: _("日期太早了，请检查年份。")}, code="too_old")
    return value


def clean_daily_rate(value: Any, *, field: str = "daily_rate") -> Decimal:
    try:
        rate = Decimal(str(value))
    except InvalidOperation:
        raise ValidationError({field: _("请输入日利率，例如 0.0005（即 0.05%）。")}, code="invalid") from None
    if not rate.is_finite() or rate < 0 or rate > Decimal("0.01"):
        raise ValidationError({field: _("日利率应在 0 到 1%/天之间。")}, code="out_of_range")
    return rate


def clean_annual_rate(value: Any, *, field: str = "annual_rate") -> Decimal:
    try:
        rate = Decimal(str(value))
    except InvalidOperation:
        raise ValidationError({field: _("请输入年利率，例如 0.06（即 6%）。")}, code="invalid") from None
    if not rate.is_finite() or rate < 0 or rate > Decimal("0.36"):
        raise ValidationError({field: _("年利率应在 0 到 36% 之间。")}, code="out_of_range")
    return rate


def _months(value: Any, *, field: str, allow_none: bool = False) -> int | None:
    if value in (None, ""):
        if allow_none:
            return None
        raise ValidationError({field: _("请填写期数。")}, code="required")
    try:
        months = int(value)
    except (TypeError, ValueError):
        raise ValidationError({field: _("期数应是整数。")}, code="invalid") from None
    if not 1 <= months <= plans.MAX_MONTHS:
        raise ValidationError(
            {field: _("期数应在 1 到 %(max)s 个月之间。") % {"max": plans.MAX_MONTHS}}, code="out_of_range"
        )
    return months


def _only(fields: dict[str, Any], allowed: Iterable[str]) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise TypeError(f"unexpected fields: {', '.join(sorted(unknown))}")


def _save(instance, *, exclude: Iterable[str] = ()) -> None:
    """Run the model's own validation too (choices, lengths, validators), then save."""
    errors: dict[str, list[ValidationError]] = {}
    # Model validation ignores a TextField's max_length (only its form field applies it), so check it here.
    for field in instance._meta.concrete_fields:
        if isinstance(field, models.TextField) and field.max_length and field.name not in exclude:
            try:
                MaxLengthValidator(field.max_length)(getattr(instance, field.attname) or "")
            except ValidationError as error:
                errors[field.name] = error.error_list
    try:
        instance.full_clean(exclude=list(exclude), validate_unique=True)
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)
    instance.save()


# --- Case -----------------------------------------------------------------------------------------------------

CASE_FIELDS = (
    "title",
    "overdue_products",
    "overdue_since",
    "goal",
    "goal_note",
    "requested_months",
    "down_payment",
    "first_due_date",
    "debtor_name",
    "id_number",
    "contact_phone",
)


def _clean_case_fields(fields: dict[str, Any]) -> dict[str, Any]:
    _only(fields, CASE_FIELDS)
    cleaned = dict(fields)
    if "title" in cleaned:
        cleaned["title"] = (cleaned["title"] or "").strip()
        if not cleaned["title"]:
            raise ValidationError({"title": _("请给案件起个名字，例如“花呗逾期协商”。")}, code="required")
    if "overdue_products" in cleaned:
        products = list(dict.fromkeys(cleaned["overdue_products"] or []))
        if any(product not in LenderKind.values for product in products):
            raise ValidationError({"overdue_products": _("请从列表中选择产品。")}, code="invalid_choice")
        cleaned["overdue_products"] = [p for p in LenderKind.values if p in products]
    if "overdue_since" in cleaned:
        cleaned["overdue_since"] = clean_past_date(cleaned["overdue_since"], field="overdue_since")
    if "goal" in cleaned and cleaned["goal"] and cleaned["goal"] not in CaseGoal.values:
        raise ValidationError({"goal": _("请选择一个协商目标。")}, code="invalid_choice")
    if "requested_months" in cleaned:
        cleaned["requested_months"] = _months(cleaned["requested_months"], field="requested_months", allow_none=True)
    if "down_payment" in cleaned:
        cleaned["down_payment"] = clean_amount(cleaned["down_payment"] or Decimal("0"), field="down_payment")
    if cleaned.get("first_due_date") and cleaned["first_due_date"] < timezone.localdate():
        raise ValidationError({"first_due_date": _("首期还款日不能早于今天。")}, code="past")
    if cleaned.get("id_number"):
        cleaned["id_number"] = validate_id_number(cleaned["id_number"])
    if cleaned.get("contact_phone"):
        cleaned["contact_phone"] = cleaned["contact_phone"].strip()
    return cleaned


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def validate_id_number(value: str) -> str:
    """A mainland resident ID number: 18 characters whose last one is the ISO 7064 check character."""
    number = (value or "").strip().upper()
    # ASCII only: str.isdigit() also accepts characters such as "²" that int() then refuses.
    if not re.fullmatch(r"[0-9]{17}[0-9X]", number):
        raise ValidationError({"id_number": _("身份证号应为 18 位，请核对（最后一位可能是 X）。")}, code="invalid")
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        born = None
    if born is None or born > timezone.localdate() or born.year < 1900:
        raise ValidationError(
            {"id_number": _("身份证号第 7 到 14 位是出生日期，现在不是真实的日期，请核对。")}, code="invalid_birth_date"
        )
    check = _ID_CHECK[sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True)) % 11]
    if number[17] != check:
        raise ValidationError(
            {"id_number": _("身份证号有一位对不上（按最后一位校验码算），请对照身份证逐位核对。")}, code="bad_check"
        )
    return number


def _touch(case_id: int) -> None:
    """Something the documents print has changed: the case moves up the list and its documents are out of date."""
    now = timezone.now()
    Case.objects.filter(pk=case_id).update(updated_at=now, documents_changed_at=now)


def case_create(*, owner, title: str, **fields: Any) -> Case:
    cleaned = _clean_case_fields({"title": title, **fields})
    with transaction.atomic():
        case = Case(owner=owner, **cleaned)
        _save(case)
    return case


def case_update(*, case: Case, **fields: Any) -> Case:
    cleaned = _clean_case_fields(fields)
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        for name, value in cleaned.items():
            setattr(locked, name, value)
        locked.documents_changed_at = timezone.now()
        _save(locked)
        if "goal" in cleaned:
            evidence_sync_checklist(case=locked)
    for name in cleaned:
        setattr(case, name, getattr(locked, name))
    case.updated_at = locked.updated_at
    return case


def case_mark_step(*, case: Case, step: str) -> None:
    """Remember where the wizard goes next, so that the user resumes there on any device."""
    Case.objects.filter(pk=case.pk).update(wizard_step=step, updated_at=timezone.now())
    case.wizard_step = step


def case_change_status(*, case: Case, status: str) -> Case:
    """Move a case along its legal path only (see CASE_TRANSITIONS)."""
    if status not in CaseStatus.values:
        raise ValidationError({"status": _("未知的案件状态。")}, code="invalid_choice")
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if status not in CASE_TRANSITIONS[locked.status]:
            raise ValidationError(
                {
                    "status": _("案件不能从“%(current)s”直接变为“%(new)s”。")
                    % {"current": locked.get_status_display(), "new": CaseStatus(status).label}
                },
                code="illegal_transition",
            )
        locked.status = status
        locked.save(update_fields=["status", "updated_at"])
    case.status = status
    return case


def case_delete(*, case: Case) -> None:
    """Delete a case with its files: the rows go in one transaction, the files once it has committed."""
    names = _stored_names(EvidenceFile.objects.filter(evidence__case=case)) + [
        d.file.name for d in case.documents.exclude(file="")
    ]
    storage = EvidenceFile._meta.get_field("file").storage
    with transaction.atomic():
        case.delete()
        transaction.on_commit(lambda: [storage.delete(name) for name in names])


# --- Debt -----------------------------------------------------------------------------------------------------

DEBT_FIELDS = (
    "lender",
    "lender_name",
    "account_label",
    "principal",
    "interest",
    "penalty_interest",
    "fees",
    "overdue_since",
    "daily_rate",
    "minimum_payment",
    "last_statement_date",
)


def _clean_debt_fields(fields: dict[str, Any]) -> dict[str, Any]:
    _only(fields, DEBT_FIELDS)
    cleaned = dict(fields)
    for name in ("principal", "interest", "penalty_interest", "fees"):
        if name in cleaned:
            cleaned[name] = clean_amount(cleaned[name] if cleaned[name] not in (None, "") else 0, field=name)
    if "minimum_payment" in cleaned:
        cleaned["minimum_payment"] = clean_amount(cleaned["minimum_payment"], field="minimum_payment", allow_none=True)
    for name in ("overdue_since", "last_statement_date"):
        if name in cleaned:
            cleaned[name] = clean_past_date(cleaned[name], field=name)
    if "daily_rate" in cleaned:
        cleaned["daily_rate"] = clean_daily_rate(cleaned["daily_rate"])
    return cleaned


def _check_debt_total(debt: Debt) -> None:
    if debt.balance <= 0:
        raise ValidationError({"principal": _("请至少填写本金。")}, code="empty_debt")
    if debt.balance > MAX_AMOUNT:
        raise ValidationError({"principal": _("一笔欠款合计不能超过 1000 万元。")}, code="too_large")


def debt_create(*, case: Case, **fields: Any) -> Debt:
    cleaned = _clean_debt_fields(fields)
    with transaction.atomic():
        debt = Debt(case=case, **cleaned)
        _check_debt_total(debt)
        _save(debt)
        _touch(case.pk)
    return debt


def debt_update(*, debt: Debt, **fields: Any) -> Debt:
    cleaned = _clean_debt_fields(fields)
    with transaction.atomic():
        locked = Debt.objects.select_for_update().get(pk=debt.pk)
        for name, value in cleaned.items():
            setattr(locked, name, value)
        _check_debt_total(locked)
        _save(locked)
        _touch(locked.case_id)
    for name in cleaned:
        setattr(debt, name, getattr(locked, name))
    return debt


def debt_delete(*, debt: Debt) -> None:
    with transaction.atomic():
        if debt.agreements.exists():
            raise ValidationError({NON_FIELD_ERRORS: _("这笔欠款已写进还款协议，不能删除。")}, code="in_agreement")
        _touch(debt.case_id)
        debt.delete()


# --- Hardship and budget --------------------------------------------------------------------------------------

HARDSHIP_FIELDS = (
    "reasons",
    "since",
    "narrative",
    "monthly_income",
    "household_expenses",
    "dependents",
    "other_fixed_payments",
)


BUDGET_FIELDS = {"monthly_income", "household_expenses", "dependents", "other_fixed_payments"}


def hardship_save(*, case: Case, **fields: Any) -> Hardship:
    """Create or update the case's hardship; a change of reasons re-derives the evidence checklist."""
    _only(fields, HARDSHIP_FIELDS)
    cleaned = dict(fields)
    if "reasons" in cleaned:
        reasons = list(dict.fromkeys(cleaned["reasons"] or []))
        if any(reason not in HardshipReason.values for reason in reasons):
            raise ValidationError({"reasons": _("请从列表中选择困难原因。")}, code="invalid_choice")
        cleaned["reasons"] = [r for r in HardshipReason.values if r in reasons]
    if "since" in cleaned:
        cleaned["since"] = clean_past_date(cleaned["since"], field="since")
    for name in ("monthly_income", "household_expenses", "other_fixed_payments"):
        if name in cleaned:
            cleaned[name] = clean_amount(cleaned[name] if cleaned[name] not in (None, "") else 0, field=name)
    if "dependents" in cleaned:
        try:
            dependents = int(cleaned["dependents"] or 0)
        except (TypeError, ValueError):
            raise ValidationError({"dependents": _("人数应是整数。")}, code="invalid") from None
        if not 0 <= dependents <= 20:
            raise ValidationError({"dependents": _("人数应在 0 到 20 之间。")}, code="out_of_range")
        cleaned["dependents"] = dependents
    if "narrative" in cleaned:
        cleaned["narrative"] = (cleaned["narrative"] or "").strip()
    with transaction.atomic():
        hardship, _created = Hardship.objects.select_for_update().get_or_create(case=case)
        reasons_changed = "reasons" in cleaned and cleaned["reasons"] != hardship.reasons
        for name, value in cleaned.items():
            setattr(hardship, name, value)
        if BUDGET_FIELDS & set(cleaned):
            hardship.budget_updated_at = timezone.now()
        _save(hardship)
        _touch(case.pk)
        if reasons_changed:
            evidence_sync_checklist(case=case)
    return hardship


# --- Evidence -------------------------------------------------------------------------------------------------


def evidence_sync_checklist(*, case: Case) -> list[Evidence]:
    """Make the evidence list match what the case's reasons and goal need.

    Items still missing that no longer apply are removed, so a claim the user withdrew never reaches a document;
    items with a file are kept (the user uploaded them and may still want them) but lose the withdrawn claim.
    """
    hardship = Hardship.objects.filter(case=case).first()
    reasons = hardship.reasons if hardship else []
    needed = required_evidence(reasons, case.goal)
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


EVIDENCE_FIELDS = ("kind", "supports", "title", "note")


def _clean_evidence_fields(case: Case, fields: dict[str, Any]) -> dict[str, Any]:
    _only(fields, EVIDENCE_FIELDS)
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


def evidence_create(*, case: Case, kind: str, **fields: Any) -> Evidence:
    cleaned = _clean_evidence_fields(case, {"kind": kind, **fields})
    with transaction.atomic():
        evidence = Evidence(case=case, position=_next_position(case), **cleaned)
        _save(evidence)
        _touch(case.pk)
    return evidence


def evidence_update(*, evidence: Evidence, **fields: Any) -> Evidence:
    cleaned = _clean_evidence_fields(evidence.case, fields)
    with transaction.atomic():
        for name, value in cleaned.items():
            setattr(evidence, name, value)
        _save(evidence)
        _touch(evidence.case_id)
    return evidence


def evidence_set_status(
    *, evidence: Evidence, status: str, on: date | None = None, note: str | None = None
) -> Evidence:
    """missing -> uploaded -> sent -> accepted / rejected, each with its date; a file is needed past "missing"."""
    if status not in EvidenceStatus.values:
        raise ValidationError({"status": _("未知的材料状态。")}, code="invalid_choice")
    on = clean_past_date(on or timezone.localdate(), field="status_changed_on")
    with transaction.atomic():
        locked = Evidence.objects.select_for_update().get(pk=evidence.pk)
        if status not in EVIDENCE_TRANSITIONS[locked.status]:
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


def _delete_after_commit(storage, names: list[str]) -> None:
    if names:
        transaction.on_commit(lambda: [storage.delete(name) for name in names])


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


def _check_uploads(files: list) -> list[uploads.CheckedFile]:
    """Check every file first: one refused file means none is stored, so a retry never makes duplicates."""
    checked, refusals = [], []
    for upload in files:
        try:
            checked.append(uploads.check_upload(upload))
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
    kept = dict(evidence.files.exclude(pk=replacing).values_list("upload_checksum", "original_name"))
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
    checked = _check_uploads(files)
    storage = EvidenceFile._meta.get_field("file").storage
    saved: list[str] = []
    try:
        with transaction.atomic():
            case = Case.objects.select_for_update().get(pk=evidence.case_id)
            _check_case_space(case, adding=sum(len(item.content) for item in checked))
            locked = Evidence.objects.select_for_update().get(pk=evidence.pk)
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
    checked = _check_uploads([upload])[0]
    storage = evidence_file.file.storage
    saved: list[str] = []
    try:
        with transaction.atomic():
            case = Case.objects.select_for_update().get(pk=evidence_file.evidence.case_id)
            locked = EvidenceFile.objects.select_for_update().select_related("evidence").get(pk=evidence_file.pk)
            _check_case_space(case, adding=len(checked.content), freeing=locked.size)
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


# --- Contact log ----------------------------------------------------------------------------------------------

CONTACT_FIELDS = (
    "occurred_at",
    "channel",
    "direction",
    "agent_name",
    "agent_id",
    "summary",
    "offer",
    "outcome",
    "next_follow_up",
)


def _clean_contact_fields(fields: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    _only(fields, CONTACT_FIELDS)
    cleaned = dict(fields)
    if creating or "occurred_at" in cleaned:
        occurred_at = cleaned.get("occurred_at")
        if occurred_at is None:
            raise ValidationError({"occurred_at": _("请填写沟通时间。")}, code="required")
        if isinstance(occurred_at, datetime) and timezone.is_naive(occurred_at):
            occurred_at = timezone.make_aware(occurred_at)
            cleaned["occurred_at"] = occurred_at
        if occurred_at > timezone.now() + timedelta(minutes=5):
            raise ValidationError({"occurred_at": _("沟通时间不能在将来。")}, code="future")
        if timezone.localtime(occurred_at).year < 2000:
            raise ValidationError({"occurred_at": _("日期太早了，请检查年份。")}, code="too_old")
    if creating or "summary" in cleaned:
        cleaned["summary"] = (cleaned.get("summary") or "").strip()
        if not cleaned["summary"]:
            raise ValidationError({"summary": _("请简单记下这次沟通说了什么。")}, code="required")
    follow_up = cleaned.get("next_follow_up")
    occurred = cleaned.get("occurred_at")
    if follow_up and occurred and follow_up < timezone.localtime(occurred).date():
        raise ValidationError({"next_follow_up": _("下次跟进日期不能早于这次沟通。")}, code="before_contact")
    return cleaned


def contact_log_create(*, case: Case, **fields: Any) -> ContactLog:
    cleaned = _clean_contact_fields(fields, creating=True)
    with transaction.atomic():
        entry = ContactLog(case=case, **cleaned)
        _save(entry)
        Case.objects.filter(pk=case.pk).update(updated_at=timezone.now())
    return entry


def contact_log_update(*, entry: ContactLog, **fields: Any) -> ContactLog:
    # The stored time goes in too, so that a new follow-up date alone is still checked against the call.
    cleaned = _clean_contact_fields({"occurred_at": entry.occurred_at, **fields}, creating=False)
    with transaction.atomic():
        for name, value in cleaned.items():
            setattr(entry, name, value)
        _save(entry)
    return entry


def contact_log_delete(*, entry: ContactLog) -> None:
    entry.delete()


# --- Agreement, installments and payments ---------------------------------------------------------------------


def agreement_create(
    *,
    case: Case,
    debts: Iterable[Debt],
    kind: str,
    total_to_repay: Any,
    installment_count: Any,
    first_due_date: date,
    down_payment: Any = Decimal("0"),
    amount_waived: Any = Decimal("0"),
    annual_rate: Any = Decimal("0"),
    interest_resumes: bool = True,
    breach_clause: str = "",
    signed_on: date | None = None,
    signed_copy: Evidence | None = None,
) -> Agreement:
    """Record the agreement as signed and generate its installments from plans.amortize."""
    debts = list(debts)
    if not debts:
        raise ValidationError({"debts": _("请选择协议涉及的欠款。")}, code="required")
    if any(debt.case_id != case.pk for debt in debts):
        raise ValidationError({"debts": _("只能选择本案件的欠款。")}, code="foreign_debt")
    if signed_copy is not None and signed_copy.case_id != case.pk:
        raise ValidationError({"signed_copy": _("只能选择本案件的材料。")}, code="foreign_evidence")
    if kind not in CaseGoal.values:
        raise ValidationError({"kind": _("请选择协议类型。")}, code="invalid_choice")
    total = clean_amount(total_to_repay, field="total_to_repay")
    down = clean_amount(down_payment or 0, field="down_payment")
    waived = clean_amount(amount_waived or 0, field="amount_waived")
    rate = clean_annual_rate(annual_rate or 0)
    count = _months(installment_count, field="installment_count")
    if total <= 0:
        raise ValidationError({"total_to_repay": _("应还总额应大于 0。")}, code="zero")
    if down >= total:
        raise ValidationError({"down_payment": _("首付应小于应还总额。")}, code="too_large")
    if first_due_date is None:
        raise ValidationError({"first_due_date": _("请填写首期还款日。")}, code="required")
    signed_on = clean_past_date(signed_on, field="signed_on")
    if signed_on and first_due_date < signed_on:
        raise ValidationError({"first_due_date": _("首期还款日不能早于签署日期。")}, code="before_signing")
    try:
        schedule = plans.amortize(total - down, rate, count, first_due_date)
    except ValueError:  # everything else is checked above: only due dates past the year 9999 are left
        raise ValidationError({"first_due_date": _("首期还款日不合理，请检查年份。")}, code="out_of_range") from None
    with transaction.atomic():
        agreement = Agreement(
            case=case,
            kind=kind,
            total_to_repay=total,
            down_payment=down,
            amount_waived=waived,
            annual_rate=rate,
            installment_count=count,
            first_due_date=first_due_date,
            interest_resumes=interest_resumes,
            breach_clause=(breach_clause or "").strip(),
            signed_on=signed_on,
            signed_copy=signed_copy,
        )
        _save(agreement)
        agreement.debts.set(debts)
        Installment.objects.bulk_create(
            Installment(
                agreement=agreement,
                number=row.number,
                due_date=row.due_date,
                amount_due=row.payment,
                principal=row.principal,
                interest=row.interest,
            )
            for row in schedule
        )
    return agreement


def _allocate_payments(agreement: Agreement) -> None:
    """Pour every payment, oldest first, into the installments in order.

    Recomputing from all payments (rather than adjusting one installment) keeps the figures right after a payment
    is corrected or deleted: an overpayment covers the next installments, an underpayment leaves one partly paid.
    """
    installments = list(Installment.objects.select_for_update().filter(agreement=agreement).order_by("number"))
    available = sum((p.amount for p in agreement.payments.all()), Decimal("0.00"))
    for installment in installments:
        paid = min(available, installment.amount_due)
        available -= paid
        installment.amount_paid = paid
        if paid >= installment.amount_due:
            installment.status = InstallmentStatus.PAID
        elif paid > 0:
            installment.status = InstallmentStatus.PARTIAL
        else:
            installment.status = InstallmentStatus.DUE
    Installment.objects.bulk_update(installments, ["amount_paid", "status"])


def agreement_outstanding(agreement: Agreement) -> Decimal:
    scheduled = sum((i.amount_due for i in agreement.installments.all()), Decimal("0.00"))
    paid = sum((p.amount for p in agreement.payments.all()), Decimal("0.00"))
    return scheduled - paid


def payment_record(
    *, agreement: Agreement, paid_on: date, amount: Any, receipt: Evidence | None = None, note: str = ""
) -> Payment:
    """Record a payment and allocate it; more than what is still owed is refused, not silently kept."""
    value = clean_amount(amount, field="amount")
    if value <= 0:
        raise ValidationError({"amount": _("还款金额应大于 0。")}, code="zero")
    paid_on = clean_past_date(paid_on, field="paid_on", allow_none=False)
    if receipt is not None and receipt.case_id != agreement.case_id:
        raise ValidationError({"receipt": _("只能选择本案件的材料。")}, code="foreign_evidence")
    with transaction.atomic():
        locked = Agreement.objects.select_for_update().get(pk=agreement.pk)
        outstanding = agreement_outstanding(locked)
        if value > outstanding:
            raise ValidationError(
                {
                    "amount": _("这笔还款超过了剩余应还金额 %(outstanding)s，请核对。")
                    % {"outstanding": plans.format_yuan(outstanding)}
                },
                code="overpayment",
            )
        payment = Payment(agreement=locked, paid_on=paid_on, amount=value, receipt=receipt, note=(note or "").strip())
        _save(payment)
        _allocate_payments(locked)
    return payment


def payment_delete(*, payment: Payment) -> None:
    with transaction.atomic():
        agreement = Agreement.objects.select_for_update().get(pk=payment.agreement_id)
        payment.delete()
        _allocate_payments(agreement)


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
        context = selectors.document_context(case)
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
    from .tasks import render_document

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
