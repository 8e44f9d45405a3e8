"""Reminders of due dates: an in-app notice and an e-mail 3 days and 1 day before each installment is due, and on the
day of a follow-up the user set after a contact. Each is made once (a unique row) and its e-mail sent once (claimed
by a conditional UPDATE), however often beat runs the task and however many workers run it at the same time."""

import logging
from collections import Counter
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import User

from .. import selectors
from ..models import (
    CaseStatus,
    ContactLog,
    EmailStatus,
    Installment,
    InstallmentStatus,
    Reminder,
    ReminderKind,
    ReminderPreference,
)

logger = logging.getLogger(__name__)

# Days before an installment's due date. Each reminder is made while it is still the right one: the 3-day one until
# the 1-day one takes over, the 1-day one until the due date itself, so that a day beat missed is caught up and a
# stale reminder ("3 days left" on the last day) is never sent.
INSTALLMENT_REMINDER_DAYS = (3, 1)


def _windows() -> list[tuple[int, int, int]]:
    """(days before, nearest, farthest) due date from today, for each installment reminder."""
    days = sorted(INSTALLMENT_REMINDER_DAYS)
    return [(d, (days[i - 1] + 1) if i else 0, d) for i, d in enumerate(days)]


def reminders_create(*, today: date) -> int:
    """Make the reminders due today that do not exist yet; returns how many were looked for.

    The unique keys (one per installment and number of days, one per contact and follow-up date) make a second run,
    or a run in another worker at the same time, find its rows already there: they are inserted with
    ignore_conflicts rather than looked up first, which would race.
    """
    rows = []
    for days_before, nearest, farthest in _windows():
        installments = (
            Installment.objects.filter(
                due_date__range=(today + timedelta(days=nearest), today + timedelta(days=farthest)),
                agreement__case__status__in=[CaseStatus.AGREED, CaseStatus.REPAYING],
            )
            .exclude(status=InstallmentStatus.PAID)
            .values_list("pk", "agreement__case_id", "due_date")
        )
        rows += [
            Reminder(
                case_id=case_id,
                kind=ReminderKind.INSTALLMENT,
                installment_id=pk,
                due_date=due,
                days_before=days_before,
            )
            for pk, case_id, due in installments
        ]
    # A follow-up is reminded only while no later contact with the same lender was logged: that one sets the next
    # date.
    later = ContactLog.objects.filter(
        case_id=OuterRef("case_id"), creditor_id=OuterRef("creditor_id"), occurred_at__gt=OuterRef("occurred_at")
    )
    follow_ups = ContactLog.objects.filter(next_follow_up=today).exclude(Exists(later)).values_list("pk", "case_id")
    rows += [
        Reminder(case_id=case_id, kind=ReminderKind.FOLLOW_UP, contact_id=pk, due_date=today, days_before=0)
        for pk, case_id in follow_ups
    ]
    Reminder.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def reminders_send(*, today: date | None = None) -> dict[str, int]:
    """The beat task's work: make today's reminders, then send every e-mail not sent yet; counts by outcome."""
    today = today or timezone.localdate()
    reminders_create(today=today)
    outcomes: Counter[str] = Counter()
    for reminder_id in Reminder.objects.filter(email_status=EmailStatus.PENDING).values_list("pk", flat=True):
        outcomes[reminder_email(reminder_id=reminder_id, today=today)] += 1
    return dict(outcomes)


def email_enabled(user: User) -> bool:
    preference = ReminderPreference.objects.filter(user=user).first()
    return preference is None or preference.email_enabled


def reminder_preference_set(*, user: User, email_enabled: bool) -> ReminderPreference:
    with transaction.atomic():
        preference, _created = ReminderPreference.objects.update_or_create(
            user=user, defaults={"email_enabled": bool(email_enabled)}
        )
    return preference


def _finish(reminder_id: int, status: str, reason: str = "") -> str:
    """Close a claimed e-mail: only the claim's own row in "sending" is changed."""
    fields: dict[str, Any] = {"email_status": status, "email_error": reason[:200]}
    if status == EmailStatus.SENT:
        fields["email_sent_at"] = timezone.now()
    Reminder.objects.filter(pk=reminder_id, email_status=EmailStatus.SENDING).update(**fields)
    return str(status)


def reminder_email(*, reminder_id: int, today: date | None = None) -> str:
    """Send one reminder's e-mail unless someone has: "pending" is claimed as "sending" by a conditional UPDATE, and
    only the caller whose UPDATE changed the row sends. A claim left by a worker that died while sending is not
    taken again: a reminder sent twice is worse than one left for the in-app notice."""
    claimed = Reminder.objects.filter(pk=reminder_id, email_status=EmailStatus.PENDING).update(
        email_status=EmailStatus.SENDING, email_claimed_at=timezone.now()
    )
    if not claimed:
        return "taken"
    reminder = Reminder.objects.select_related("case__owner", "installment__agreement__creditor", "contact").get(
        pk=reminder_id
    )
    owner = reminder.case.owner
    address = owner.email
    if not address:
        return _finish(reminder_id, EmailStatus.SKIPPED, "no e-mail address")
    if not email_enabled(owner):
        return _finish(reminder_id, EmailStatus.SKIPPED, "e-mail reminders turned off")
    if reminder.installment is not None and reminder.installment.status == InstallmentStatus.PAID:
        return _finish(reminder_id, EmailStatus.SKIPPED, "paid before the reminder went out")
    try:
        message = reminder_message(reminder, to=address, today=today or timezone.localdate())
        message.send()
    except Exception as error:
        # The class only: a mail server's message may quote the address.
        logger.warning("reminder %s: the e-mail was not sent (%s)", reminder_id, type(error).__name__)
        return _finish(reminder_id, EmailStatus.FAILED, type(error).__name__)
    return _finish(reminder_id, EmailStatus.SENT)


def reminder_message(reminder: Reminder, *, to: str, today: date) -> EmailMessage:
    """The e-mail, in the app's first language: the worker has no request to take another from."""
    context = {
        "reminder": reminder,
        "notice": selectors.reminder_notice(reminder, today=today),
        "site_url": settings.SITE_URL.rstrip("/"),
        "dashboard_url": reverse("cases:dashboard"),
        "settings_url": reverse("cases:reminder_settings"),
    }
    with translation.override(settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string("cases/agreement/reminder_subject.txt", context).split())
        body = render_to_string("cases/agreement/reminder_email.txt", context)
    return EmailMessage(subject=subject, body=body, to=[to])


def reminder_mark_read(*, reminder: Reminder) -> None:
    Reminder.objects.filter(pk=reminder.pk, read_at__isnull=True).update(read_at=timezone.now())
