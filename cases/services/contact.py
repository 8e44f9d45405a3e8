"""The log of every contact with the lender."""

from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import (
    Case,
    ContactLog,
)
from .common import _only, _save

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
