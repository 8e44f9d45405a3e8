"""Reminders (cases/services/reminders.py): made 3 days and 1 day before each installment and on a follow-up date,
each once; the e-mail claimed before it is sent, so that it goes out exactly once, also when the beat task runs twice
at the same time on a real worker; e-mail turned off, or no address, leaves the in-app notice only."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.db import OperationalError, connection

from cases import services
from cases.models import EmailStatus, Installment, Reminder, ReminderKind, ReminderPreference

from .builders import make_agreement, make_case, make_contact, make_debt, today

pytestmark = pytest.mark.django_db


@pytest.fixture
def agreement(owner):
    """Three installments of ¥300.00, the first due in 3 days, then a month apart."""
    case = make_case(owner)
    debt = make_debt(case)
    return make_agreement(
        case, [debt], total_to_repay="900", installment_count=3, first_due_date=today() + timedelta(days=3)
    )


def reminders() -> list[tuple[int, int]]:
    return sorted(Reminder.objects.values_list("installment__number", "days_before"))


class TestWhenRemindersAreMade:
    def test_three_days_before(self, agreement):
        services.reminders_create(today=today())
        assert reminders() == [(1, 3)]

    def test_one_day_before_and_the_three_day_one_not_made_late(self, agreement):
        services.reminders_create(today=today() + timedelta(days=2))
        assert reminders() == [(1, 1)]

    def test_a_day_missed_is_caught_up_until_the_due_date(self, agreement):
        services.reminders_create(today=today() + timedelta(days=1))  # 2 days before: still the 3-day one
        services.reminders_create(today=today() + timedelta(days=3))  # the due date itself: the 1-day one
        assert reminders() == [(1, 1), (1, 3)]
        services.reminders_create(today=today() + timedelta(days=4))
        assert reminders() == [(1, 1), (1, 3)]

    def test_once_however_often(self, agreement):
        for _ in range(3):
            services.reminders_create(today=today())
        assert Reminder.objects.count() == 1

    def test_a_paid_installment_needs_none(self, agreement):
        services.payment_record(agreement=agreement, paid_on=today(), amount="300")
        services.reminders_create(today=today())
        assert reminders() == []

    def test_a_follow_up_on_its_day_while_no_later_contact_was_logged(self, owner):
        case = make_case(owner)
        make_debt(case)
        contact = make_contact(case, next_follow_up=today())
        services.reminders_create(today=today())
        reminder = Reminder.objects.get()
        assert (reminder.kind, reminder.contact, reminder.due_date, reminder.days_before) == (
            ReminderKind.FOLLOW_UP,
            contact,
            today(),
            0,
        )
        Reminder.objects.all().delete()
        make_contact(case, occurred_at=contact.occurred_at + timedelta(minutes=30), summary="又打了一次")
        services.reminders_create(today=today())
        assert not Reminder.objects.exists()


class TestEmail:
    def run(self):
        return services.reminders_send(today=today())

    def test_sent_once_with_what_to_do(self, agreement):
        assert self.run() == {"sent": 1}
        assert self.run() == {}
        [message] = mail.outbox
        assert message.to == ["owner@example.com"]
        assert message.subject == f"还款提醒：蚂蚁花呗第 1 期 ¥300.00，{(today() + timedelta(days=3)).isoformat()} 到期"
        assert "还有 3 天" in message.body and "¥300.00" in message.body
        assert "请在到期日之前联系蚂蚁花呗" in message.body and "95188" in message.body
        assert "http://localhost:8000/cases/dashboard/" in message.body
        assert "http://localhost:8000/cases/reminders/" in message.body
        reminder = Reminder.objects.get()
        assert reminder.email_status == EmailStatus.SENT and reminder.email_sent_at is not None
        assert reminder.read_at is None  # the in-app notice stays until the user reads it

    def test_a_follow_up_mail(self, owner):
        case = make_case(owner)
        make_debt(case)
        make_contact(case, next_follow_up=today())
        assert self.run() == {"sent": 1}
        assert mail.outbox[0].subject == "跟进提醒：今天跟进蚂蚁花呗"

    def test_turned_off(self, owner, agreement):
        services.reminder_preference_set(user=owner, email_enabled=False)
        assert self.run() == {"skipped": 1}
        assert mail.outbox == []
        reminder = Reminder.objects.get()
        assert (reminder.email_status, reminder.email_error) == (EmailStatus.SKIPPED, "e-mail reminders turned off")
        services.reminder_preference_set(user=owner, email_enabled=True)
        assert ReminderPreference.objects.get(user=owner).email_enabled is True

    def test_no_address_keeps_the_notice_only(self, outsider):
        case = make_case(outsider)
        make_agreement(case, [make_debt(case)], first_due_date=today() + timedelta(days=1))
        assert self.run() == {"skipped": 1}
        assert Reminder.objects.get().email_error == "no e-mail address"

    def test_paid_after_the_reminder_was_made(self, agreement):
        services.reminders_create(today=today())
        Installment.objects.filter(agreement=agreement, number=1).update(status="paid", amount_paid=Decimal("300"))
        assert self.run() == {"skipped": 1}

    def test_a_claimed_reminder_is_not_sent_again(self, agreement):
        services.reminders_create(today=today())
        reminder = Reminder.objects.get()
        Reminder.objects.filter(pk=reminder.pk).update(email_status=EmailStatus.SENDING)
        assert services.reminder_email(reminder_id=reminder.pk) == "taken"
        assert mail.outbox == []

    def test_a_failing_mail_server_is_recorded_without_the_address(self, agreement, settings, caplog):
        settings.MAILERS = {"default": {"BACKEND": "tests.test_services_reminders.BrokenBackend"}}
        assert self.run() == {"failed": 1}
        assert Reminder.objects.get().email_error == "ConnectionRefusedError"
        assert "owner@example.com" not in caplog.text

    def test_mark_read(self, agreement):
        services.reminders_create(today=today())
        services.reminder_mark_read(reminder=Reminder.objects.get())
        assert Reminder.objects.get().read_at is not None


class BrokenBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("smtp.example.org refused owner@example.com")


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_the_same_time_send_each_once(owner):
    """Two threads, each with its own database connection, run the whole task at once: each reminder is made once
    and mailed once."""
    for number in range(3):
        case = make_case(owner, title=f"案件{number}")
        make_agreement(case, [make_debt(case)], first_due_date=today() + timedelta(days=1 + number % 2))
    barrier = threading.Barrier(2)
    outcomes, refused = [], []

    def run():
        barrier.wait()
        try:
            outcomes.append(services.reminders_send(today=today()))
        except OperationalError as error:
            # SQLite's shared in-memory test database refuses a second writer at once instead of waiting for it
            # (a file or PostgreSQL waits): that run failed as a whole, as a run beat repeats an hour later would.
            refused.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(outcomes) + len(refused) == 2 and all("locked" in str(error) for error in refused), refused
    outcomes += [services.reminders_send(today=today()) for _ in refused]  # the next hour's run
    # Three reminders, three e-mails: none twice (a run refused after sending counts nothing, so "sent" may be fewer).
    assert Reminder.objects.count() == 3 and len(mail.outbox) == 3
    assert sum(outcome.get("sent", 0) for outcome in outcomes) <= 3


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_beat_task_run_twice_on_a_real_worker_sends_each_reminder_once(owner, celery_app, celery_worker):
    """The task by the name beat sends (CELERY_BEAT_SCHEDULE), through the real Redis to a real worker, queued twice
    and then once more: one notice and one e-mail per reminder. (Two runs at the same moment: the test above.)"""
    case = make_case(owner)
    make_agreement(case, [make_debt(case)], first_due_date=today() + timedelta(days=3))
    other = make_case(owner, title="信用卡协商")
    make_debt(other)
    make_contact(other, next_follow_up=today())
    [entry] = [e for e in celery_app.conf.beat_schedule.values() if e["task"] == "cases.send_reminders"]
    first, second = celery_app.send_task(entry["task"]), celery_app.send_task(entry["task"])
    results = [first.get(timeout=30), second.get(timeout=30)]
    assert sum(result.get("sent", 0) for result in results) == 2
    assert celery_app.send_task(entry["task"]).get(timeout=30) == {}
    assert sorted(Reminder.objects.values_list("kind", "email_status")) == [
        (ReminderKind.FOLLOW_UP, EmailStatus.SENT),
        (ReminderKind.INSTALLMENT, EmailStatus.SENT),
    ]
    assert len(mail.outbox) == 2 and {message.subject[:4] for message in mail.outbox} == {"还款提醒", "跟进提醒"}
