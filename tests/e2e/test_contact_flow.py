"""End to end on a phone-sized screen, after the first letter: open the talking points for the call, log the call
with its recording and an SMS screenshot and "submitted", play the recording back, see the follow-up 3 working days
later and the timeline on the case page, then check what a third party promised.

Screenshots go to test-output/e2e-contacts/ for a person to look at; every page is checked with axe-core.
"""

import pytest
from playwright.sync_api import expect

from cases import services, workdays
from cases.models import ContactLog, EvidenceKind
from tests.builders import case_with_debts, ready_lender
from tests.e2e.conftest import assert_accessible, fresh_screenshot_dir
from tests.e2e.test_evidence_flow import signed_in_context
from tests.files import jpeg_with_gps
from tests.recordings import wav


@pytest.fixture(scope="session")
def contacts_screenshot_dir():
    return fresh_screenshot_dir("e2e-contacts")


@pytest.mark.e2e
def test_log_a_call_from_a_phone(
    live_server, transactional_db, owner, launch_browser, contacts_screenshot_dir, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    case = case_with_debts(owner, "10000", title="花呗逾期协商")
    services.hardship_save(case=case, narrative="今年三月公司裁员，我失去了工作。现在每月只有打零工的收入。")
    lender = ready_lender(case)
    screenshot = tmp_path / "短信截图.jpg"
    screenshot.write_bytes(jpeg_with_gps(size=(720, 1280)))
    recording = tmp_path / "通话录音.wav"
    recording.write_bytes(wav(seconds=1.5))
    shots = iter(range(1, 100))

    def snap(name, *, desktop=False):
        page.screenshot(path=contacts_screenshot_dir / f"{next(shots):02d}-{name}.png", full_page=True)
        assert_accessible(page, name, desktop=desktop)

    context = signed_in_context(launch_browser(), live_server, owner)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(f"{live_server.url}/cases/{case.code}/")
        section = page.locator(f"#lender-{lender.code.hex}")
        expect(section).to_contain_text("还没有沟通记录")
        section.get_by_role("link", name="通话提纲").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("和蚂蚁花呗通话提纲")
        expect(page.locator("#talking-points")).to_contain_text("今年三月公司裁员，我失去了工作。")
        expect(page.locator("#talking-points")).to_contain_text("个人账户")
        snap("talking-points", desktop=True)

        page.get_by_role("link", name="打完了，记下这次沟通").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("记一次和蚂蚁花呗的沟通")
        # 95188 is already chosen for 花呗, and the time is now: a few taps and the summary.
        expect(page.get_by_label("95188 电话")).to_be_checked()
        page.get_by_label("客服姓名（可不填）").fill("王女士")
        page.get_by_label("工号（可不填）").fill("A1024")
        page.get_by_label("说了什么").fill("说明了失业的情况，提交了停息挂账申请和收入证明")
        page.get_by_label("结果").select_option("submitted")
        page.get_by_label("通话录音或截图（可不填）").set_input_files([str(recording), str(screenshot)])
        snap("contact-form")
        page.get_by_role("button", name="保存").click()

        entry = ContactLog.objects.get()
        suggested = workdays.add_working_days(entry.occurred_at, 3)
        assert entry.next_follow_up == suggested
        assert entry.evidence.kind == EvidenceKind.CALL_RECORD and entry.evidence.files.count() == 2
        expect(page.locator(".messages")).to_contain_text("先定在 3 个工作日后")
        section = page.locator(f"#lender-{lender.code.hex}")
        expect(section).to_contain_text(f"下次跟进：{suggested:%Y-%m-%d}")
        expect(section).to_contain_text("短信截图.jpg")
        # The browser's own player loads the recording from the owner-only address, in ranges, and knows its length.
        player = section.get_by_label("播放录音“通话录音.wav”")
        duration = player.evaluate(
            """audio => new Promise(done => {
                audio.addEventListener("loadedmetadata", () => done(audio.duration));
                audio.addEventListener("error", () => done(-1));
                audio.load();
            })"""
        )
        assert abs(duration - 1.5) < 0.05, duration
        expect(page.locator("#timeline")).to_contain_text("和蚂蚁花呗沟通（95188 电话）：已提交申请或材料")
        expect(page.locator("#timeline")).to_contain_text("案件进度：准备中 → 已提交申请")
        snap("case-page-after-the-call", desktop=True)

        page.get_by_role("link", name="有人说能帮您“代协商”“征信修复”？先查一查是不是骗局").click()
        page.get_by_label("先交服务费、手续费、保证金或“包过费”，才帮您协商").check()
        page.get_by_label("“征信修复”“征信洗白”“花钱删除逾期记录”").check()
        page.get_by_role("button", name="查一查").click()
        expect(page.locator("#scam-warning")).to_contain_text("这很可能是骗局")
        expect(page.locator("#scam-warning")).to_contain_text("和平台、银行协商不收任何费用")
        expect(page.get_by_role("main")).to_contain_text("96110")
        snap("scam-check")
    finally:
        context.close()
    assert not errors, errors
