"""The contact log services (cases/services/contact.py): each call written down with its lender, changed and removed;
a bad time, summary, channel, lender or follow-up is refused with a keyed, translated error that writes nothing; a
recording or screenshots go through the upload checks into an evidence item of their own, all or nothing; the first
contact moves the case out of "preparing" and a submission to "submitted", each move kept for the timeline."""

from datetime import date, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cases import services
from cases.models import (
    Case,
    CaseStatus,
    CaseStatusChange,
    ContactLog,
    Evidence,
    EvidenceFile,
    EvidenceKind,
    EvidenceStatus,
)

from . import files, recordings
from .builders import make_case, make_contact, make_debt, pdf, photo, tomorrow
from .checks import assert_refused, make_stale, updated_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(owner) -> Case:
    """A case with one lender (花呗), whose calls these are."""
    case = make_case(owner)
    make_debt(case)
    return case


@pytest.fixture
def lender(case):
    return case.creditors.get()


class TestContactLog:
    def test_create_works(self, case, lender):
        stale = make_stale(case)
        entry = make_contact(
            case,
            occurred_at=datetime(2025, 3, 4, 10, 30),  # naive: read as local time
            agent_name=" 小蚂蚁 ",
            agent_id="A1024",
            summary="  要求补充收入证明  ",
            outcome="needs_documents",
            next_follow_up=date(2025, 3, 11),
        )
        stored = ContactLog.objects.get(pk=entry.pk)
        assert stored.creditor == lender
        assert timezone.is_aware(stored.occurred_at)
        assert timezone.localtime(stored.occurred_at).replace(tzinfo=None) == datetime(2025, 3, 4, 10, 30)
        assert stored.summary == "要求补充收入证明"
        assert (stored.agent_name, stored.agent_id, stored.outcome) == ("小蚂蚁", "A1024", "needs_documents")
        assert stored.evidence is None
        assert updated_at(case) > stale

    def test_a_few_minutes_of_clock_skew_is_allowed(self, case):
        make_contact(case, occurred_at=timezone.now() + timedelta(minutes=3))
        assert ContactLog.objects.count() == 1

    @pytest.mark.parametrize("channel", ["lender_called", "collector_call"])
    def test_when_they_called_it_is_incoming(self, case, channel):
        entry = make_contact(case, channel=channel, direction="outgoing")
        assert ContactLog.objects.get(pk=entry.pk).direction == "incoming"

    @pytest.mark.parametrize(
        ("fields", "field", "message"),
        [
            ({"occurred_at": None}, "occurred_at", "请填写沟通时间。"),
            ({"occurred_at": "future"}, "occurred_at", "沟通时间不能在将来。"),
            ({"occurred_at": datetime(1999, 12, 31, 12)}, "occurred_at", "日期太早了，请检查年份。"),
            ({"summary": "   "}, "summary", "请简单记下这次沟通说了什么。"),
            ({"summary": None}, "summary", "请简单记下这次沟通说了什么。"),
            ({"next_follow_up": "yesterday"}, "next_follow_up", "下次跟进日期不能早于这次沟通。"),
            ({"creditor": None}, "creditor", "请选择这次是和哪家平台或银行沟通的。"),
            ({"creditor": "elsewhere"}, "creditor", "这家平台或银行不在这个案件里。"),
            ({"channel": "pigeon"}, "channel", None),
            ({"outcome": "maybe"}, "outcome", None),
            ({"agent_name": "名" * 51}, "agent_name", None),
        ],
    )
    def test_create_refused(self, case, owner, fields, field, message):
        make_stale(case)
        if fields.get("occurred_at") == "future":
            fields = {"occurred_at": timezone.now() + timedelta(hours=1)}
        if fields.get("next_follow_up") == "yesterday":
            occurred_at = timezone.now() - timedelta(minutes=1)
            the_day_before = timezone.localtime(occurred_at).date() - timedelta(days=1)
            fields = {"occurred_at": occurred_at, "next_follow_up": the_day_before}
        if fields.get("creditor") == "elsewhere":
            other = make_case(owner, title="信用卡")
            fields = {"creditor": make_debt(other, lender="credit_card", lender_name="招商银行").creditor}
        messages = assert_refused(field, make_contact, case, **fields)
        if message:
            assert messages == [message]

    def test_update_works(self, case):
        entry = make_contact(case)
        services.contact_log_update(entry=entry, offer="停息 36 期", outcome="offer_made", next_follow_up=tomorrow())
        stored = ContactLog.objects.get(pk=entry.pk)
        assert (stored.offer, stored.outcome, stored.next_follow_up) == ("停息 36 期", "offer_made", tomorrow())

    def test_update_moves_the_contact_to_another_lender_of_the_case(self, case, lender):
        jiebei = make_debt(case, lender="jiebei").creditor
        entry = make_contact(case)
        services.contact_log_update(entry=entry, creditor=jiebei)
        assert ContactLog.objects.get(pk=entry.pk).creditor == jiebei

    @pytest.mark.parametrize(
        ("fields", "field"),
        [
            ({"summary": ""}, "summary"),
            ({"occurred_at": None}, "occurred_at"),
            ({"channel": "pigeon"}, "channel"),
            ({"creditor": None}, "creditor"),
            # Only the follow-up changes: it is still checked against the stored time of the call.
            ({"next_follow_up": date(2024, 12, 31)}, "next_follow_up"),
        ],
    )
    def test_update_refused(self, case, fields, field):
        entry = make_contact(case, occurred_at=datetime(2025, 1, 10, 9))
        assert_refused(field, services.contact_log_update, entry=entry, **fields)
        assert entry.summary == "问了停息" and entry.creditor is not None  # the caller's object is unchanged too

    def test_delete_works_and_keeps_the_recording(self, case, media):
        entry = make_contact(case, files=[photo("短信截图.jpg")])
        services.contact_log_delete(entry=entry)
        assert not ContactLog.objects.exists()
        assert Evidence.objects.get(kind=EvidenceKind.CALL_RECORD).files.count() == 1

    def test_a_lender_removed_leaves_its_calls(self, case, lender):
        entry = make_contact(case)
        make_debt(case, lender="jiebei")
        services.debt_delete(debt=lender.debts.get())
        assert ContactLog.objects.get(pk=entry.pk).creditor is None


class TestRecordings:
    def test_files_go_into_an_item_of_their_own(self, case, media):
        entry = make_contact(
            case, occurred_at=datetime(2025, 3, 4, 10, 30), files=[photo("短信1.jpg"), photo("短信2.jpg")]
        )
        item = ContactLog.objects.get(pk=entry.pk).evidence
        assert (item.kind, item.status, item.case) == (EvidenceKind.CALL_RECORD, EvidenceStatus.UPLOADED, case)
        assert item.title == "蚂蚁花呗 2025-03-04 95188 电话"
        assert [f.original_name for f in item.files.order_by("position")] == ["短信1.jpg", "短信2.jpg"]

    def test_more_files_later_join_the_same_item(self, case, media):
        entry = make_contact(case, files=[photo("短信1.jpg")])
        services.contact_log_update(entry=entry, files=[pdf("通话详单.pdf")])
        assert Evidence.objects.filter(kind=EvidenceKind.CALL_RECORD).count() == 1
        assert entry.evidence.files.count() == 2

    def test_a_refused_file_saves_nothing(self, case, media):
        bad = SimpleUploadedFile("录音.jpg", files.html_page())
        messages = assert_refused("files", make_contact, case, files=[photo("短信1.jpg"), bad])
        assert "录音.jpg" in messages[0]
        assert not EvidenceFile.objects.exists() and not list(media.rglob("*.jpg"))

    def test_a_call_recording_goes_with_the_contact_as_it_came(self, case, media):
        original = recordings.amr()
        entry = make_contact(case, files=[recordings.upload("Call_95188.amr"), photo("短信1.jpg")])
        item = ContactLog.objects.get(pk=entry.pk).evidence
        recording, screenshot = item.files.order_by("position")
        assert (recording.content_type, recording.pages) == ("audio/amr", 0)
        assert (media / recording.file.name).read_bytes() == original
        assert screenshot.content_type == "image/jpeg"

    @pytest.mark.parametrize("name", ["通话.mp3", "通话.m4a"])
    def test_a_file_dressed_up_as_a_recording_saves_nothing(self, case, media, name):
        for bad in (recordings.zip_archive(), recordings.windows_executable(), files.html_page()):
            messages = assert_refused("files", make_contact, case, files=[SimpleUploadedFile(name, bad)])
            assert messages[0].startswith(f"“{name}”没有保存：只能上传通话录音")
        assert not ContactLog.objects.exists() and not EvidenceFile.objects.exists()
        assert not [path for path in media.rglob("*") if path.is_file()]

    def test_a_recording_past_20_mb_saves_nothing_and_says_why(self, case, media):
        big = SimpleUploadedFile("一小时.mp3", recordings.twenty_one_megabytes())
        messages = assert_refused("files", make_contact, case, files=[big, recordings.upload()])
        assert messages[0].startswith("“一小时.mp3”没有保存：文件太大：录音每个不超过 20 MB")
        assert not EvidenceFile.objects.exists() and not [path for path in media.rglob("*") if path.is_file()]

    def test_a_refused_file_on_update_changes_nothing(self, case, media):
        entry = make_contact(case)
        bad = SimpleUploadedFile("录音.jpg", files.html_page())
        assert_refused("files", services.contact_log_update, entry=entry, summary="改了", files=[bad])
        assert entry.evidence is None and entry.summary == "问了停息"


class TestCaseStatus:
    def test_the_first_contact_moves_the_case_on(self, case):
        make_contact(case)
        case.refresh_from_db()
        assert case.status == CaseStatus.CONTACTED
        change = CaseStatusChange.objects.get(case=case)
        assert (change.old_status, change.new_status) == (CaseStatus.PREPARING, CaseStatus.CONTACTED)

    def test_a_submission_moves_it_to_submitted(self, case):
        make_contact(case)
        entry = make_contact(case)
        services.contact_log_update(entry=entry, outcome="submitted")
        case.refresh_from_db()
        assert case.status == CaseStatus.SUBMITTED
        assert list(case.status_changes.values_list("new_status", flat=True)) == ["submitted", "contacted"]

    def test_a_later_contact_does_not_move_it_back(self, case):
        make_contact(case, outcome="submitted")
        services.case_change_status(case=case, status=CaseStatus.UNDER_REVIEW)
        make_contact(case, outcome="submitted")
        make_contact(case)
        case.refresh_from_db()
        assert case.status == CaseStatus.UNDER_REVIEW
        assert case.status_changes.count() == 2
