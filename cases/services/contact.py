"""The log of every contact with a lender: each call or message written down with the lender it was with, its
recording or screenshots kept as evidence, and the case moved on from "preparing" by the first one."""

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import validators
from ..models import (
    INCOMING_CHANNELS,
    Case,
    CaseStatus,
    ContactChannel,
    ContactDirection,
    ContactLog,
    ContactOutcome,
    Creditor,
    Evidence,
    EvidenceFile,
    EvidenceKind,
)
from .case import case_change_status
from .common import UNSET, Unset, _given, _save
from .evidence import evidence_create, evidence_upload

# --- Contact log ----------------------------------------------------------------------------------------------


def _clean_creditor(case: Case, creditor: Creditor | None) -> Creditor:
    if creditor is None:
        raise ValidationError({"creditor": _("请选择这次是和哪家平台或银行沟通的。")}, code="required")
    if creditor.case_id != case.pk:
        raise ValidationError({"creditor": _("这家平台或银行不在这个案件里。")}, code="invalid")
    return creditor


def _clean_contact_fields(fields: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    cleaned = dict(fields)
    if creating or "occurred_at" in cleaned:
        cleaned["occurred_at"] = validators.clean_contact_time(cleaned.get("occurred_at"), field="occurred_at")
    if creating or "summary" in cleaned:
        cleaned["summary"] = (cleaned.get("summary") or "").strip()
        if not cleaned["summary"]:
            raise ValidationError({"summary": _("请简单记下这次沟通说了什么。")}, code="required")
    for name in ("agent_name", "agent_id", "offer"):
        if name in cleaned:
            cleaned[name] = (cleaned[name] or "").strip()
    # The other side called: incoming, whatever was picked.
    if cleaned.get("channel") in INCOMING_CHANNELS:
        cleaned["direction"] = ContactDirection.INCOMING
    follow_up = cleaned.get("next_follow_up")
    occurred = cleaned.get("occurred_at")
    if follow_up and occurred and follow_up < timezone.localtime(occurred).date():
        raise ValidationError({"next_follow_up": _("下次跟进日期不能早于这次沟通。")}, code="before_contact")
    return cleaned


def _advance_case(case: Case, outcome: str) -> None:
    """A first contact moves a case out of "preparing"; an application submitted moves it to "submitted"."""
    target = CaseStatus.SUBMITTED if outcome == ContactOutcome.SUBMITTED else CaseStatus.CONTACTED
    current = Case.objects.select_for_update().values_list("status", flat=True).get(pk=case.pk)
    if current == CaseStatus.PREPARING or (current == CaseStatus.CONTACTED and target == CaseStatus.SUBMITTED):
        case_change_status(case=case, status=target)


def _recording_title(entry: ContactLog) -> str:
    when = timezone.localtime(entry.occurred_at)
    lender = entry.creditor.name if entry.creditor else ""
    # Translators: the name of the evidence item holding a call's recording or screenshots, e.g.
    # "蚂蚁花呗 2026-11-30 95188 电话".
    title = _("%(lender)s %(date)s %(channel)s") % {
        "lender": lender,
        "date": f"{when:%Y-%m-%d}",
        "channel": ContactChannel(entry.channel).label,
    }
    return title.strip()[: Evidence._meta.get_field("title").max_length]


def _attach(entry: ContactLog, files: Sequence) -> list[EvidenceFile]:
    """The contact's files go into its own evidence item (通话录音或短信截图), made with the first of them."""
    evidence = entry.evidence
    if evidence is None:
        evidence = evidence_create(case=entry.case, kind=EvidenceKind.CALL_RECORD, title=_recording_title(entry))
        entry.evidence = evidence
        entry.save(update_fields=["evidence"])
    return evidence_upload(evidence=evidence, files=files)


def contact_log_create(
    *,
    case: Case,
    creditor: Creditor | None,
    occurred_at: datetime | None,
    channel: str,
    direction: str = ContactDirection.OUTGOING,
    agent_name: str = "",
    agent_id: str = "",
    summary: str | None,
    offer: str = "",
    outcome: str = ContactOutcome.NO_RESULT,
    next_follow_up: date | None = None,
    files: Sequence = (),
) -> ContactLog:
    """Write a contact down; `files` (a recording, SMS screenshots) go through the upload checks, all or none."""
    creditor = _clean_creditor(case, creditor)
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
        entry = ContactLog(case=case, creditor=creditor, **cleaned)
        _save(entry)
        if files:
            _attach(entry, files)
        _advance_case(case, entry.outcome)
        Case.objects.filter(pk=case.pk).update(updated_at=timezone.now())
    return entry


def contact_log_update(
    *,
    entry: ContactLog,
    creditor: Creditor | None | Unset = UNSET,
    occurred_at: datetime | None | Unset = UNSET,
    channel: str | Unset = UNSET,
    direction: str | Unset = UNSET,
    agent_name: str | Unset = UNSET,
    agent_id: str | Unset = UNSET,
    summary: str | None | Unset = UNSET,
    offer: str | Unset = UNSET,
    outcome: str | Unset = UNSET,
    next_follow_up: date | None | Unset = UNSET,
    files: Sequence = (),
) -> ContactLog:
    """Change only the fields given; `files` are added to the contact's recording or screenshots."""
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
    if creditor is not UNSET:
        given["creditor"] = _clean_creditor(entry.case, creditor)
    # The stored time goes in too, so that a new follow-up date alone is still checked against the call.
    cleaned = _clean_contact_fields({"occurred_at": entry.occurred_at, **given}, creating=False)
    saved = {name: getattr(entry, name) for name in [*cleaned, "evidence"]}
    try:
        with transaction.atomic():
            for name, value in cleaned.items():
                setattr(entry, name, value)
            _save(entry)
            if files:
                _attach(entry, files)
            if "outcome" in given:
                _advance_case(entry.case, entry.outcome)
    except BaseException:
        # The row was not changed: neither is the object the caller holds.
        for name, value in saved.items():
            setattr(entry, name, value)
        raise
    return entry


def contact_log_delete(*, entry: ContactLog) -> None:
    """The contact goes; its recording or screenshots stay on the case's evidence list, where they can be deleted."""
    entry.delete()
