"""The log of every contact with the lender."""

from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import validators
from ..models import (
    Case,
    ContactDirection,
    ContactLog,
    ContactOutcome,
)
from .common import UNSET, Unset, _given, _save

# --- Contact log ----------------------------------------------------------------------------------------------


def _clean_contact_fields(fields: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    cleaned = dict(fields)
    if creating or "occurred_at" in cleaned:
        cleaned["occurred_at"] = validators.clean_contact_time(cleaned.get("occurred_at"), field="occurred_at")
    if creating or "summary" in cleaned:
        cleaned["summary"] = (cleaned.get("summary") or "").strip()
        if not cleaned["summary"]:
            raise ValidationError({"summary": _("请简单记下这次沟通说了什么。")}, code="required")
    follow_up = cleaned.get("next_follow_up")
    occurred = cleaned.get("occurred_at")
    if follow_up and occurred and follow_up < timezone.localtime(occurred).date():
        raise ValidationError({"next_follow_up": _("下次跟进日期不能早于这次沟通。")}, code="before_contact")
    return cleaned


def contact_log_create(
    *,
    case: Case,
    occurred_at: datetime | None,
    channel: str,
    direction: str = ContactDirection.OUTGOING,
    agent_name: str = "",
    agent_id: str = "",
    summary: str | None,
    offer: str = "",
    outcome: str = ContactOutcome.NO_RESULT,
    next_follow_up: date | None = None,
) -> ContactLog:
    cleaned = _clean_contact_fields(
        {
            "occurred_at": occurred_at,
            "channel": channel,
            "direction": direction,
            "agent_name": agent_name,
            "agent_id": agent_id,
            "summary": summary,
            "offer": offer,
            "outcome": outcome,
            "next_follow_up": next_follow_up,
        },
        creating=True,
    )
    with transaction.atomic():
        entry = ContactLog(case=case, **cleaned)
        _save(entry)
        Case.objects.filter(pk=case.pk).update(updated_at=timezone.now())
    return entry


def contact_log_update(
    *,
    entry: ContactLog,
    occurred_at: datetime | None | Unset = UNSET,
    channel: str | Unset = UNSET,
    direction: str | Unset = UNSET,
    agent_name: str | Unset = UNSET,
    agent_id: str | Unset = UNSET,
    summary: str | None | Unset = UNSET,
    offer: str | Unset = UNSET,
    outcome: str | Unset = UNSET,
    next_follow_up: date | None | Unset = UNSET,
) -> ContactLog:
    """Change only the fields given."""
    given = _given(
        occurred_at=occurred_at,
        channel=channel,
        direction=direction,
        agent_name=agent_name,
        agent_id=agent_id,
        summary=summary,
        offer=offer,
        outcome=outcome,
        next_follow_up=next_follow_up,
    )
    # The stored time goes in too, so that a new follow-up date alone is still checked against the call.
    cleaned = _clean_contact_fields({"occurred_at": entry.occurred_at, **given}, creating=False)
    with transaction.atomic():
        for name, value in cleaned.items():
            setattr(entry, name, value)
        _save(entry)
    return entry


def contact_log_delete(*, entry: ContactLog) -> None:
    entry.delete()
