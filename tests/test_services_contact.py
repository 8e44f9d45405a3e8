"""The contact log services (cases/services/contact.py): each call written down, changed and removed; a bad time,
summary, channel or follow-up is refused with a keyed, translated error that writes nothing."""

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from cases import services
from cases.models import ContactLog

from .builders import make_contact, tomorrow
from .checks import assert_refused, make_stale, updated_at

pytestmark = pytest.mark.django_db


class TestContactLog:
    def test_create_works(self, case):
        stale = make_stale(case)
        entry = make_contact(
            case,
            occurred_at=datetime(2025, 3, 4, 10, 30),  # naive: read as local time
            agent_name="小蚂蚁",
            agent_id="A1024",
            summary="  要求补充收入证明  ",
            outcome="needs_documents",
            next_follow_up=date(2025, 3, 11),
        )
        stored = ContactLog.objects.get(pk=entry.pk)
        assert timezone.is_aware(stored.occurred_at)
        assert timezone.localtime(stored.occurred_at).replace(tzinfo=None) == datetime(2025, 3, 4, 10, 30)
        assert stored.summary == "要求补充收入证明"
        assert (stored.agent_name, stored.agent_id, stored.outcome) == ("小蚂蚁", "A1024", "needs_documents")
        assert updated_at(case) > stale

    def test_a_few_minutes_of_clock_skew_is_allowed(self, case):
        make_contact(case, occurred_at=timezone.now() + timedelta(minutes=3))
        assert ContactLog.objects.count() == 1

    @pytest.mark.parametrize(
        ("fields", "field", "message"),
        [
            ({"occurred_at": None}, "occurred_at", "请填写沟通时间。"),
            ({"occurred_at": "future"}, "occurred_at", "沟通时间不能在将来。"),
            ({"occurred_at": datetime(1999, 12, 31, 12)}, "occurred_at", "日期太早了，请检查年份。"),
            ({"summary": "   "}, "summary", "请简单记下这次沟通说了什么。"),
            ({"summary": None}, "summary", "请简单记下这次沟通说了什么。"),
            ({"next_follow_up": "yesterday"}, "next_follow_up", "下次跟进日期不能早于这次沟通。"),
            ({"channel": "pigeon"}, "channel", None),
            ({"outcome": "maybe"}, "outcome", None),
            ({"agent_name": "名" * 51}, "agent_name", None),
        ],
    )
    def test_create_refused(self, case, fields, field, message):
        make_stale(case)
        if fields.get("occurred_at") == "future":
            fields = {"occurred_at": timezone.now() + timedelta(hours=1)}
        if fields.get("next_follow_up") == "yesterday":
            occurred_at = timezone.now() - timedelta(minutes=1)
            the_day_before = timezone.localtime(occurred_at).date() - timedelta(days=1)
            fields = {"occurred_at": occurred_at, "next_follow_up": the_day_before}
        messages = assert_refused(field, make_contact, case, **fields)
        if message:
            assert messages == [message]

    def test_update_works(self, case):
        entry = make_contact(case)
        services.contact_log_update(entry=entry, offer="停息 36 期", outcome="offer_made", next_follow_up=tomorrow())
        stored = ContactLog.objects.get(pk=entry.pk)
        assert (stored.offer, stored.outcome, stored.next_follow_up) == ("停息 36 期", "offer_made", tomorrow())

    @pytest.mark.parametrize(
        ("fields", "field"),
        [
            ({"summary": ""}, "summary"),
            ({"occurred_at": None}, "occurred_at"),
            ({"channel": "pigeon"}, "channel"),
            # Only the follow-up changes: it is still checked against the stored time of the call.
            ({"next_follow_up": date(2024, 12, 31)}, "next_follow_up"),
        ],
    )
    def test_update_refused(self, case, fields, field):
        entry = make_contact(case, occurred_at=datetime(2025, 1, 10, 9))
        assert_refused(field, services.contact_log_update, entry=entry, **fields)

    def test_delete_works(self, case):
        entry = make_contact(case)
        services.contact_log_delete(entry=entry)
        assert not ContactLog.objects.exists()
