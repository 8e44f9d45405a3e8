"""The pages of cases/views/contacts.py: logging a contact with a lender (with a recording or screenshots through the
real upload checks), the follow-up suggested in working days, changing and deleting a contact, the talking points
for the next call, the case's timeline and its place on the case page (a flat number of queries), and the scam
check. Another user gets 404 and changes nothing; a visitor is sent to sign in; bad input keeps what was saved."""

import re
from datetime import date, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import services, uploads
from cases.forms import ContactLogForm
from cases.models import (
    Case,
    CaseStatus,
    ContactLog,
    Creditor,
    DocumentKind,
    Evidence,
    EvidenceFile,
    EvidenceKind,
    EvidenceStatus,
)

from . import files, recordings
from .builders import case_with_debts, make_case, make_contact, make_debt, make_document, photo, ready_lender
from .checks import database_state

pytestmark = pytest.mark.django_db

NARRATIVE = "去年十月公司裁员，我失去了工作。现在靠打零工，每月收入不到原来的一半。家里还有老人要照顾。"


@pytest.fixture
def case(owner) -> Case:
    """花呗 ¥10,000 and 招商银行's card ¥6,000, a budget, a plan for each lender, the hardship in three sentences."""
    case = case_with_debts(owner, "10000")
    make_debt(case, lender="credit_card", lender_name="招商银行", principal="6000", interest="0")
    services.hardship_save(case=case, narrative=NARRATIVE)
    ready_lender(case)
    return case


@pytest.fixture
def huabei(case) -> Creditor:
    return case.creditors.get(kind="huabei")


@pytest.fixture
def bank(case) -> Creditor:
    return case.creditors.get(kind="credit_card")


def new_url(case: Case, creditor: Creditor) -> str:
    return reverse("cases:contact_new", args=[case.code, creditor.code])


def edit_url(case: Case, entry: ContactLog) -> str:
    return reverse("cases:contact_edit", args=[case.code, entry.pk])


def page(response) -> str:
    return response.content.decode()


def visible_text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page(response)))


def contact_data(**overrides) -> dict:
    return {
        "channel": "phone_95188",
        "occurred_at": "2026-09-30T10:15",
        "direction": "outgoing",
        "agent_name": "小蚂蚁",
        "agent_id": "A1024",
        "summary": "说明了失业的情况，申请停息分 36 期",
        "offer": "",
        "outcome": "no_result",
        "follow_up": "",
        "follow_up_on": "",
        **overrides,
    }


# --- logging a contact ------------------------------------------------------------------------------------------------


class TestContactNew:
    def test_the_form_starts_with_now_and_the_lenders_usual_channel(self, owner_client, case, huabei, bank):
        response = owner_client.get(new_url(case, huabei))
        assert response.status_code == 200
        form = response.context["form"]
        assert form.initial["channel"] == "phone_95188"
        assert abs(form.initial["occurred_at"] - timezone.localtime()) < timedelta(minutes=2)
        # The suggestions are counted from today, in working days.
        assert [c[0] for c in form.fields["follow_up"].choices] == ["", "3", "7", "date"]
        assert owner_client.get(new_url(case, bank)).context["form"].initial["channel"] == "bank_hotline"

    def test_it_works(self, owner_client, case, huabei):
        response = owner_client.post(new_url(case, huabei), contact_data(offer="停息，分 24 期"), follow=True)
        entry = ContactLog.objects.get()
        assert (entry.case, entry.creditor, entry.agent_id, entry.offer) == (case, huabei, "A1024", "停息，分 24 期")
        assert timezone.localtime(entry.occurred_at).replace(tzinfo=None) == datetime(2026, 9, 30, 10, 15)
        assert entry.next_follow_up is None
        assert response.redirect_chain[-1][0].endswith(f"#lender-{huabei.code.hex}")
        assert "已记下和蚂蚁花呗的这次沟通。" in page(response)
        case.refresh_from_db()
        assert case.status == CaseStatus.CONTACTED

    def test_a_submission_gets_a_follow_up_three_working_days_later(self, owner_client, case, huabei):
        # 30 September 2026: the National Day week off, then 8, 9 and the make-up Saturday 10 October.
        response = owner_client.post(new_url(case, huabei), contact_data(outcome="submitted"), follow=True)
        entry = ContactLog.objects.get()
        assert entry.next_follow_up == date(2026, 10, 10)
        assert "下次跟进：10月10日。" in page(response)
        assert "先定在 3 个工作日后，可以修改" in page(response)
        case.refresh_from_db()
        assert case.status == CaseStatus.SUBMITTED

    @pytest.mark.parametrize(
        ("choice", "expected"),
        [("3", date(2026, 10, 10)), ("7", date(2026, 10, 15)), ("date", date(2026, 10, 20)), ("", None)],
    )
    def test_the_follow_up_chosen(self, owner_client, case, huabei, choice, expected):
        data = contact_data(follow_up=choice, follow_up_on="2026-10-20" if choice == "date" else "")
        owner_client.post(new_url(case, huabei), data)
        assert ContactLog.objects.get().next_follow_up == expected

    def test_a_screenshot_comes_along_through_the_upload_checks(self, owner_client, case, huabei, media):
        data = contact_data(files=[photo("短信截图.jpg")])
        owner_client.post(new_url(case, huabei), data)
        entry = ContactLog.objects.get()
        item = entry.evidence
        assert (item.kind, item.status) == (EvidenceKind.CALL_RECORD, EvidenceStatus.UPLOADED)
        [stored] = item.files.all()
        assert stored.original_name == "短信截图.jpg" and stored.content_type == "image/jpeg"
        # Cleaned like every photo: re-encoded, so the GPS position the phone wrote is gone.
        assert b"PhoneMaker" not in stored.file.read()

    def test_the_form_says_which_recordings_it_takes_and_how_large(self, owner_client, case, huabei):
        response = owner_client.get(new_url(case, huabei))
        assert "通话录音或截图（可不填）" in page(response)
        assert "这次通话的录音（MP3、M4A、AMR、WAV、AAC、OGG/Opus，每个不超过 20 MB，原样保存）" in page(response)
        assert f'accept="{uploads.RECORDING_ACCEPT_ATTRIBUTE}"' in page(response)
        assert "录音文件暂时不能上传" not in page(response)

    def test_a_recording_comes_along_as_it_came_and_is_played_back(self, owner_client, case, huabei, media):
        data = contact_data(files=[recordings.upload("新录音 3.m4a", recordings.m4a), photo("短信截图.jpg")])
        assert owner_client.post(new_url(case, huabei), data).status_code == 302
        entry = ContactLog.objects.get()
        recording, screenshot = entry.evidence.files.order_by("position")
        assert (recording.content_type, recording.file.read()) == ("audio/mp4", recordings.m4a())
        assert screenshot.content_type == "image/jpeg"
        play = reverse("cases:evidence_file_play", args=[case.code, entry.evidence.code, recording.code])
        player = f'<audio controls preload="none" class="d-block w-100" src="{play}"'
        # In the lender's log on the case page, on the timeline page, and on the contact's own page.
        assert page(owner_client.get(reverse("cases:detail", args=[case.code]))).count(player) == 1
        assert page(owner_client.get(reverse("cases:timeline", args=[case.code]))).count(player) == 1
        assert play in page(owner_client.get(edit_url(case, entry)))
        played = owner_client.get(play, HTTP_RANGE="bytes=0-99")
        assert played.status_code == 206 and b"".join(played.streaming_content) == recordings.m4a()[:100]

    def test_an_amr_recording_is_offered_for_download(self, owner_client, case, huabei, media):
        owner_client.post(new_url(case, huabei), contact_data(files=[recordings.upload("Call_95188.amr")]))
        entry = ContactLog.objects.get()
        [recording] = entry.evidence.files.all()
        html = page(owner_client.get(reverse("cases:detail", args=[case.code])))
        assert reverse("cases:evidence_file_download", args=[case.code, entry.evidence.code, recording.code]) in html
        assert "浏览器不能直接播放 AMR 格式的录音" in html and "下载录音“Call_95188.amr”" in html

    @pytest.mark.parametrize("bad", [recordings.zip_archive, recordings.windows_executable, files.html_page])
    def test_a_file_named_as_a_recording_saves_nothing(self, owner_client, case, huabei, media, bad):
        before = database_state()
        data = contact_data(files=[SimpleUploadedFile("通话录音.mp3", bad())], agent_name="王女士")
        response = owner_client.post(new_url(case, huabei), data)
        assert response.status_code == 200
        assert "“通话录音.mp3”没有保存：只能上传通话录音" in page(response)
        assert response.context["form"]["agent_name"].value() == "王女士"
        assert database_state() == before and not [path for path in media.rglob("*") if path.is_file()]

    def test_a_recording_past_20_mb_saves_nothing_and_says_why(self, owner_client, case, huabei, media):
        before = database_state()
        big = SimpleUploadedFile("一小时通话.mp3", recordings.twenty_one_megabytes())
        response = owner_client.post(new_url(case, huabei), contact_data(files=[big]))
        assert "“一小时通话.mp3”没有保存：文件太大：录音每个不超过 20 MB" in page(response)
        assert database_state() == before and not [path for path in media.rglob("*") if path.is_file()]

    def test_a_refused_file_saves_nothing_and_keeps_what_was_typed(self, owner_client, case, huabei, media):
        before = database_state()
        bad = SimpleUploadedFile("录音.jpg", files.html_page())
        response = owner_client.post(new_url(case, huabei), contact_data(files=[bad], agent_name="王女士"))
        assert response.status_code == 200
        assert "“录音.jpg”没有保存" in page(response)
        assert response.context["form"]["agent_name"].value() == "王女士"
        assert "请重新选择" in page(response)
        assert database_state() == before and not list(media.rglob("*.*"))

    @pytest.mark.parametrize(
        ("overrides", "field"),
        [
            ({"summary": "  "}, "summary"),
            ({"occurred_at": ""}, "occurred_at"),
            ({"occurred_at": "2099-01-01T10:00"}, "occurred_at"),
            ({"channel": "pigeon"}, "channel"),
            ({"follow_up": "date", "follow_up_on": ""}, "follow_up_on"),
            ({"follow_up": "date", "follow_up_on": "2026-09-01"}, "follow_up_on"),
        ],
    )
    def test_bad_input_is_refused_with_what_was_typed_kept(self, owner_client, case, huabei, overrides, field):
        before = database_state()
        response = owner_client.post(new_url(case, huabei), contact_data(**overrides))
        assert response.status_code == 200
        form = response.context["form"]
        assert form.errors
        assert field in form.errors
        assert form["agent_id"].value() == "A1024"
        assert 'id="error-summary"' in page(response)
        assert database_state() == before

    def test_they_called_me(self, owner_client, case, huabei):
        owner_client.post(new_url(case, huabei), contact_data(channel="lender_called", direction="outgoing"))
        assert ContactLog.objects.get().direction == "incoming"


class TestForm:
    def test_a_year_not_known_says_weekends_only(self):
        form = ContactLogForm(base_day=date(2027, 3, 1))
        labels = dict(form.fields["follow_up"].choices)
        assert labels["3"].endswith("（只跳过了周末）") and labels["7"].endswith("（只跳过了周末）")
        assert form.unknown_years == [2027]

    def test_the_form_page_says_so(self, rf, owner, case, huabei):
        from cases.views.contacts import _weekends_only_note

        form = ContactLogForm(base_day=date(2027, 3, 1))
        note = _weekends_only_note(form.unknown_years)
        html = render_to_string(
            "cases/contacts/form.html",
            {"case": case, "creditor": huabei, "form": form, "weekends_only_note": note},
            request=rf.get("/"),
        )
        assert "2027 年的法定节假日安排本应用还不知道" in html and 'id="weekends-only"' in html

    def test_a_known_year_says_nothing(self):
        form = ContactLogForm(base_day=date(2026, 9, 30))
        labels = dict(form.fields["follow_up"].choices)
        assert "周末" not in labels["3"] and form.unknown_years == []
        assert "10月10日" in labels["3"] and "10月15日" in labels["7"]


# --- changing and deleting --------------------------------------------------------------------------------------------


class TestContactEdit:
    def test_it_shows_the_contact(self, owner_client, case):
        entry = make_contact(case, agent_name="王女士", next_follow_up=timezone.localdate())
        response = owner_client.get(edit_url(case, entry))
        assert response.status_code == 200
        form = response.context["form"]
        assert form["agent_name"].value() == "王女士" and form["follow_up"].value() == "date"

    def test_it_works_and_moves_the_contact_to_another_lender(self, owner_client, case, bank, media):
        entry = make_contact(case)
        data = contact_data(creditor=bank.code.hex, summary="改成信用卡中心", files=[photo("短信.jpg")])
        response = owner_client.post(edit_url(case, entry), data)
        assert response.status_code == 302 and response["Location"].endswith(f"#lender-{bank.code.hex}")
        entry.refresh_from_db()
        assert (entry.creditor, entry.summary) == (bank, "改成信用卡中心")
        assert entry.evidence.files.count() == 1

    def test_bad_input_keeps_what_was_saved(self, owner_client, case):
        entry = make_contact(case)
        before = database_state()
        response = owner_client.post(edit_url(case, entry), contact_data(creditor=entry.creditor.code.hex, summary=""))
        assert response.status_code == 200 and response.context["form"].errors
        assert database_state() == before

    def test_a_lender_of_another_case_is_not_a_choice(self, owner_client, owner, case):
        entry = make_contact(case)
        elsewhere = make_debt(make_case(owner, title="另一个"), lender="jiebei").creditor
        before = database_state()
        response = owner_client.post(edit_url(case, entry), contact_data(creditor=elsewhere.code.hex))
        assert response.status_code == 200 and "creditor" in response.context["form"].errors
        assert database_state() == before

    def test_delete(self, owner_client, case, media):
        entry = make_contact(case, files=[photo("短信.jpg")])
        url = reverse("cases:contact_delete", args=[case.code, entry.pk])
        assert "会留在证明材料里" in page(owner_client.get(url))
        response = owner_client.post(url)
        assert response.status_code == 302
        assert not ContactLog.objects.exists()
        assert EvidenceFile.objects.count() == 1  # the screenshot stays on the evidence list


# --- another user, a visitor, a child through the wrong parent --------------------------------------------------------


def every_url(case: Case, entry: ContactLog) -> list[str]:
    lender = case.creditors.first()
    return [
        reverse("cases:contact_new", args=[case.code, lender.code]),
        reverse("cases:contact_edit", args=[case.code, entry.pk]),
        reverse("cases:contact_delete", args=[case.code, entry.pk]),
        reverse("cases:talking_points", args=[case.code, lender.code]),
        reverse("cases:timeline", args=[case.code]),
    ]


def test_another_user_gets_404_and_changes_nothing(outsider_client, case, media):
    entry = make_contact(case, summary="客服说可以申请停息")
    for url in every_url(case, entry):
        before = database_state()
        for response in (outsider_client.get(url), outsider_client.post(url, contact_data())):
            assert response.status_code in (404, 405), url
            assert "客服说可以申请停息" not in page(response)
        assert database_state() == before, url


def test_a_visitor_is_sent_to_sign_in(anonymous_client, case):
    entry = make_contact(case)
    for url in every_url(case, entry):
        response = anonymous_client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next="), url


def test_children_are_found_through_their_own_case(owner_client, owner, case):
    """A contact or lender of the owner's other case, asked for under this case's address: 404."""
    other = case_with_debts(owner, "3000", title="另一个案件")
    foreign_entry = make_contact(other)
    foreign_lender = other.creditors.first()
    before = database_state()
    for url in (
        reverse("cases:contact_edit", args=[case.code, foreign_entry.pk]),
        reverse("cases:contact_delete", args=[case.code, foreign_entry.pk]),
        reverse("cases:contact_new", args=[case.code, foreign_lender.code]),
        reverse("cases:talking_points", args=[case.code, foreign_lender.code]),
    ):
        assert owner_client.get(url).status_code == 404, url
        assert owner_client.post(url, contact_data()).status_code in (404, 405), url
    assert database_state() == before


# --- talking points ---------------------------------------------------------------------------------------------------


class TestTalkingPoints:
    def test_the_figures_the_hardship_and_what_to_ask(self, owner_client, case, huabei):
        make_contact(case, summary="上次客服说要收入证明", offer="停息 12 期")
        response = owner_client.get(reverse("cases:talking_points", args=[case.code, huabei.code]))
        assert response.status_code == 200
        text = visible_text(response)
        share = response.context["share"]
        plan = response.context["plan"]
        assert share is not None and plan is not None
        assert "¥10,500.00" in text  # what 花呗 is owed, its own debts only
        assert "¥6,000.00" not in text  # not the bank's
        assert f"每月最多能还给这家 ¥{share:,.2f}" in text
        assert f"每月超过 ¥{share:,.2f} 的方案" in text
        assert f"{plan['months']} 期，每月 ¥{plan['monthly_payment']:,.2f}" in text
        # The hardship in two sentences, not three.
        assert "去年十月公司裁员，我失去了工作。现在靠打零工，每月收入不到原来的一半。" in text
        assert "家里还有老人要照顾" not in text
        assert "个人账户" in text and "只有口头承诺" in text and "客服的姓名或工号" in text
        assert "上次客服说要收入证明" in text and "停息 12 期" in text
        assert "第七十条" not in text  # never cited to 花呗

    def test_article_70_is_cited_to_the_bank(self, owner_client, case, bank):
        response = owner_client.get(reverse("cases:talking_points", args=[case.code, bank.code]))
        assert "第七十条" in visible_text(response)

    def test_without_a_budget_or_plan_it_says_what_is_missing(self, owner_client, owner):
        bare = make_case(owner, title="刚开始")
        lender = make_debt(bare).creditor
        response = owner_client.get(reverse("cases:talking_points", args=[bare.code, lender.code]))
        assert response.status_code == 200
        assert response.context["share"] is None and response.context["plan"] is None
        assert "还没有为这家选方案" in visible_text(response)


# --- the timeline and the case page -----------------------------------------------------------------------------------


def fill_history(case: Case, contacts: int) -> None:
    """Contacts with screenshots and recordings, a document per lender, evidence sent and accepted, and the status
    moves they make."""
    for creditor in case.creditors.all():
        for number in range(contacts):
            make_contact(
                case,
                creditor=creditor,
                occurred_at=timezone.now() - timedelta(days=number + 1),
                files=[photo(f"{creditor.name}-{number}.jpg"), recordings.upload(f"{number}.m4a", recordings.m4a)],
            )
        document = make_document(case, case.documents.count() + 1)
        document.creditor = creditor
        document.save()
    for item in Evidence.objects.filter(case=case, kind=EvidenceKind.ID_CARD):
        services.evidence_upload(evidence=item, files=[photo("身份证.jpg")])
        services.evidence_set_status(evidence=item, status=EvidenceStatus.SENT)
        services.evidence_set_status(evidence=item, status=EvidenceStatus.ACCEPTED)


class TestTimeline:
    def test_newest_first_with_every_kind(self, owner_client, case, huabei, media):
        make_contact(case, occurred_at=timezone.now() - timedelta(days=3), summary="第一次打 95188")
        document = make_document(case, 1, kind=DocumentKind.PROPOSAL)
        document.creditor = huabei
        document.save()
        item = Evidence.objects.get(case=case, kind=EvidenceKind.ID_CARD)
        services.evidence_upload(evidence=item, files=[photo()])
        services.evidence_set_status(evidence=item, status=EvidenceStatus.SENT, on=timezone.localdate())
        make_contact(case, outcome="submitted", summary="提交了申请")
        response = owner_client.get(reverse("cases:timeline", args=[case.code]))
        kinds = [entry.kind for entry in response.context["timeline"]]
        assert sorted(kinds) == ["contact", "contact", "document", "evidence", "status", "status"]
        times = [entry.at for entry in response.context["timeline"]]
        assert times == sorted(times, reverse=True)
        text = visible_text(response)
        assert "附件1“身份证”：已提交给平台" in text
        assert "案件进度：准备中 → 已联系" in text and "案件进度：已联系 → 已提交申请" in text
        assert "生成了给蚂蚁花呗的协商还款申请书（第 1 版）" in text
        assert text.index("提交了申请") < text.index("第一次打 95188")

    def test_an_evidence_step_dated_earlier_sorts_by_its_day(self, owner_client, case, media):
        item = Evidence.objects.get(case=case, kind=EvidenceKind.ID_CARD)
        services.evidence_upload(evidence=item, files=[photo()])
        services.evidence_set_status(evidence=item, status=EvidenceStatus.SENT, on=timezone.localdate() - timedelta(5))
        make_contact(case, occurred_at=timezone.now() - timedelta(days=2))
        entries = owner_client.get(reverse("cases:timeline", args=[case.code])).context["timeline"]
        evidence = next(entry for entry in entries if entry.kind == "evidence")
        assert evidence.date_only and entries[-1] is evidence

    def test_the_case_page_shows_the_log_per_lender_and_the_timeline(self, owner_client, case, huabei, bank, media):
        make_contact(case, creditor=bank, summary="信用卡中心说要材料", next_follow_up=timezone.localdate())
        response = owner_client.get(reverse("cases:detail", args=[case.code]))
        text = visible_text(response)
        html = page(response)
        assert f'id="lender-{huabei.code.hex}"' in html and f'id="lender-{bank.code.hex}"' in html
        assert reverse("cases:contact_new", args=[case.code, huabei.code]) in html
        assert reverse("cases:talking_points", args=[case.code, bank.code]) in html
        assert "今天该跟进了。" in text and "信用卡中心说要材料" in text
        assert 'id="timeline"' in html and reverse("cases:scam_check") in html

    def test_an_overdue_follow_up_is_flagged(self, owner_client, case):
        two_days_ago = timezone.localdate() - timedelta(days=2)
        make_contact(case, occurred_at=timezone.now() - timedelta(days=10), next_follow_up=two_days_ago)
        text = visible_text(owner_client.get(reverse("cases:detail", args=[case.code])))
        assert "已经过了：该再联系一次了" in text

    def test_the_case_page_queries_do_not_grow_with_the_history(self, owner, media):
        def queries(contacts: int, lenders: int) -> int:
            # A browser of its own each time, so that the page measured is rendered, not served from the page cache.
            owner_client = Client()
            owner_client.force_login(owner)
            case = case_with_debts(owner, *["5000"] * 1, title=f"{contacts}-{lenders}")
            for number in range(1, lenders):
                make_debt(case, lender="online_lender", lender_name=f"网贷{number}")
            ready_lender(case)
            fill_history(case, contacts)
            url = reverse("cases:detail", args=[case.code])
            owner_client.get(url)  # warm: sessions, content types
            with CaptureQueriesContext(connection) as context:
                assert owner_client.get(url).status_code == 200
            return len(context.captured_queries)

        small, large = queries(1, 1), queries(6, 3)
        assert small == large, (small, large)


# --- scam check -------------------------------------------------------------------------------------------------------


class TestScamCheck:
    url = reverse("cases:scam_check")

    def test_anyone_may_use_it(self, anonymous_client, owner_client):
        for client in (anonymous_client, owner_client):
            response = client.get(self.url)
            assert response.status_code == 200
            assert 'id="scam-warning"' not in page(response)
            text = visible_text(response)
            assert all(number in text for number in ("96110", "12378", "12363", "110"))

    def test_a_promise_is_warned_about_with_why(self, anonymous_client):
        response = anonymous_client.get(self.url, {"checked": "1", "sign": ["upfront_fee", "credit_repair"]})
        html = page(response)
        assert 'id="scam-warning"' in html
        warning = visible_text(response)
        assert "和平台、银行协商不收任何费用" in warning and "真实的逾期记录谁也删不掉" in warning
        assert "伪造证明材料是欺诈" not in warning
        assert html.count("checked>") == 2

    def test_nothing_ticked(self, anonymous_client):
        response = anonymous_client.get(self.url, {"checked": "1", "sign": ["nonsense"]})
        assert 'id="scam-none"' in page(response) and 'id="scam-warning"' not in page(response)

    def test_nothing_is_saved_and_post_is_refused(self, anonymous_client, case):
        before = database_state()
        assert anonymous_client.post(self.url, {"sign": "cards"}).status_code == 405
        anonymous_client.get(self.url, {"checked": "1", "sign": "cards"})
        assert database_state() == before
