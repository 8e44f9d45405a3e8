"""End to end, in a real browser on a phone-sized screen: sign up, start a case, leave halfway, come back, finish,
preview the documents.

Every page is saved as a full-page screenshot under test-output/e2e-wizard/ for a person to look at, and checked with
axe-core: no serious or critical accessibility violation.
"""

import re
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.e2e.conftest import PHONE, assert_accessible

EMAIL = "wizard.e2e@example.com"
PASSWORD = "Huankuan-e2e-2026!"
ID_NUMBER = "11010519491231002X"
MASKED_ID_NUMBER = "110105********002X"
CASE_TITLE = "花呗和信用卡协商"

NEXT = "保存，下一步"


class Journey:
    """The browser page, plus numbered screenshots, each with an accessibility check, and the phone-width check."""

    def __init__(self, page: Page, base_url: str, shots: Path):
        self.page, self.base_url, self.shots, self.number = page, base_url, shots, 0

    def url(self, pattern: str) -> re.Pattern:
        return re.compile(re.escape(self.base_url) + pattern)

    def snap(self, name: str, *, desktop: bool = False) -> None:
        """Screenshot, then axe-core on the same page (at desktop width too if asked)."""
        self.number += 1
        self.page.screenshot(path=self.shots / f"{self.number:02d}-{name}.png", full_page=True)
        assert_accessible(self.page, name, desktop=desktop)

    def assert_fits_phone(self) -> None:
        width = self.page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"] + 1, f"{self.page.url} scrolls sideways on a phone: {width}px wide"

    def next(self, url_pattern: str) -> None:
        self.page.get_by_role("button", name=NEXT).click()
        self.page.wait_for_url(self.url(url_pattern))

    def open_top_bar(self) -> None:
        """On a phone the top bar is collapsed behind the toggler."""
        toggler = self.page.get_by_role("button", name="展开菜单")
        expect(toggler).to_be_visible()
        toggler.click()
        expect(self.page.locator("#topbar")).to_be_visible()


@pytest.mark.e2e
def test_wizard_from_sign_up_to_plan_with_a_break_in_the_middle(
    live_server, transactional_db, celery_worker, launch_browser, screenshot_dir
):
    overdue_since = (timezone.localdate() - timedelta(days=75)).isoformat()
    hardship_since = (timezone.localdate() - timedelta(days=100)).isoformat()
    context = launch_browser().new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="zh-CN"
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    case_path = r"/cases/[0-9a-f-]{36}/"
    journey = Journey(page, live_server.url, screenshot_dir)
    finished = False
    try:
        # 1. Sign up, with both consents.
        page.goto(live_server.url + "/accounts/signup/")
        expect(page.get_by_role("heading", name="注册账户")).to_be_visible()
        page.locator("#id_identifier").fill(EMAIL)
        page.locator("#id_display_name").fill("小王")
        page.locator("#id_password1").fill(PASSWORD)
        page.locator("#id_password2").fill(PASSWORD)
        page.locator("#id_accept_privacy").check()
        page.locator("#id_consent_sensitive").check()
        journey.assert_fits_phone()
        journey.snap("signup")
        page.get_by_role("button", name="同意并注册").click()
        page.wait_for_url(journey.url(r"/$"))
        expect(page.get_by_text("注册成功")).to_be_visible()
        journey.snap("home-new-user")

        # 2. Step 1: the situation.
        page.get_by_role("link", name="开始").click()
        page.wait_for_url(journey.url(r"/cases/new/$"))
        expect(page.get_by_role("heading", name="逾期情况")).to_be_visible()
        page.locator("#id_title").fill(CASE_TITLE)
        page.locator("input[name=overdue_products][value=huabei]").check()
        page.locator("input[name=overdue_products][value=credit_card]").check()
        page.locator("#id_overdue_since").fill(overdue_since)
        journey.assert_fits_phone()
        journey.snap("step1-situation")
        journey.next(case_path + r"wizard/debts/$")

        # Step 2: two debts, the first with "save and add another", the second with "next".
        expect(page.get_by_role("heading", name="每一笔欠款")).to_be_visible()
        expect(page.locator("#id_lender")).to_have_value("huabei")
        page.locator("#id_principal").fill("12,000")
        page.locator("#id_interest").fill("300")
        page.locator("#id_penalty_interest").fill("150.50")
        journey.snap("step2-debts-first")
        page.get_by_role("button", name="保存这笔，再添一笔").click()
        expect(page.get_by_text("这笔欠款已保存。")).to_be_visible()
        expect(page.locator("#debt-list li")).to_have_count(1)
        expect(page.locator("#debt-total")).to_contain_text("¥12,450.50")
        expect(page.locator("#id_lender")).to_have_value("credit_card")  # prefilled with the product not yet entered
        page.locator("#id_lender_name").fill("招商银行")
        page.locator("#id_account_label").fill("尾号1234")
        page.locator("#id_principal").fill("8000")
        page.locator("#id_fees").fill("50")
        journey.assert_fits_phone()
        journey.snap("step2-debts-second")
        journey.next(case_path + r"wizard/budget/$")

        # Step 3: the budget, keyboard only: type, Tab from field to field, Tab to the button, Enter.
        expect(page.get_by_role("heading", name="收入和支出")).to_be_visible()
        page.locator("#id_monthly_income").focus()
        # In the form's order: income now, income before the hardship, expenses, dependents, other payments.
        for value in ("4000", "6500", "2500", "1", "0"):
            page.keyboard.press("ControlOrMeta+A")
            page.keyboard.type(value)
            page.keyboard.press("Tab")
        submit = page.get_by_role("button", name=NEXT)
        for _ in range(5):
            if submit.evaluate("button => button === document.activeElement"):
                break
            page.keyboard.press("Tab")
        expect(submit).to_be_focused()
        expect(page.locator("#id_dependents")).to_have_value("1")
        journey.assert_fits_phone()
        journey.snap("step3-budget")
        page.keyboard.press("Enter")
        page.wait_for_url(journey.url(case_path + r"wizard/hardship/$"))
        hardship_url = page.url
        expect(page.get_by_role("heading", name="困难情况")).to_be_visible()
        journey.snap("step4-hardship-before-leaving")

        # 3. Leave in the middle: log out from the collapsed top bar, then log in again.
        journey.open_top_bar()
        page.get_by_role("button", name="退出").click()
        page.wait_for_url(journey.url(r"/$"))
        expect(page.get_by_role("button", name="展开菜单")).to_be_visible()
        journey.open_top_bar()
        page.locator("#topbar").get_by_role("link", name="登录").click()
        page.wait_for_url(journey.url(r"/accounts/login/"))
        page.locator("#id_username").fill(EMAIL)
        page.locator("#id_password").fill(PASSWORD)
        journey.snap("login")
        page.locator("main").get_by_role("button", name="登录").click()
        page.wait_for_url(journey.url(r"/$"))
        row = page.locator(".list-group-item").filter(has_text=CASE_TITLE)
        expect(row).to_have_count(1)
        resume = row.get_by_role("link", name=re.compile("从上次的地方继续"))
        expect(resume).to_contain_text("困难情况")
        expect(resume).to_have_attribute("href", re.compile(r"/wizard/hardship/$"))
        journey.assert_fits_phone()
        journey.snap("home-resume")
        resume.click()
        page.wait_for_url(hardship_url)

        # 4. Step 4: the hardship.
        expect(page.get_by_role("heading", name="困难情况")).to_be_visible()
        page.locator("input[name=reasons][value=unemployment]").check()
        page.locator("input[name=reasons][value=illness]").check()
        page.locator("#id_since").fill(hardship_since)
        page.locator("#id_narrative").fill("公司裁员后一直在找工作，期间又生病住院，收入少了一大半。以前一直按时还款。")
        journey.assert_fits_phone()
        journey.snap("step4-hardship")
        journey.next(case_path + r"wizard/evidence/$")

        # Step 5: the evidence checklist, nothing to add.
        expect(page.get_by_role("heading", name="证明材料清单")).to_be_visible()
        expect(page.locator("#evidence-checklist li").first).to_be_visible()
        journey.assert_fits_phone()
        journey.snap("step5-evidence")
        journey.next(case_path + r"wizard/plan/$")

        # Step 6: the plan: the budget shared between the two lenders, and for each lender its scenarios, one of them
        # recommended; choose that one by tapping its card.
        expect(page.get_by_role("heading", name="还款方案")).to_be_visible()
        expect(page.locator("#lender-shares li")).to_have_count(2)
        panels = page.locator("details.lender-panel")
        expect(panels).to_have_count(2)
        monthly_by_lender = []
        for index in range(2):
            panel = panels.nth(index)
            if not panel.evaluate("details => details.open"):
                panel.locator(":scope > summary").click()
            scenarios = panel.locator(".scenario")
            expect(scenarios.first).to_be_visible()
            assert scenarios.count() >= 2
            recommended = scenarios.filter(has=page.locator(".badge", has_text="推荐"))
            expect(recommended).to_have_count(1)
            monthly = recommended.locator("span.col-6", has_text="每月还款").locator("xpath=following-sibling::span[1]")
            monthly_by_lender.append(monthly.inner_text())
            assert monthly_by_lender[-1].startswith("¥"), monthly_by_lender
            recommended.locator(".card-header").click()
            expect(recommended.locator("input[type=radio]")).to_be_checked()
        journey.assert_fits_phone()
        journey.snap("step6-plan")
        journey.next(case_path + r"wizard/contact/$")

        # Step 7: contact details.
        expect(page.get_by_role("heading", name="联系方式")).to_be_visible()
        page.locator("#id_debtor_name").fill("王小明")
        page.locator("#id_id_number").fill(ID_NUMBER)
        page.locator("#id_contact_phone").fill("13800138000")
        journey.assert_fits_phone()
        journey.snap("step7-contact")
        journey.next(case_path + r"wizard/review/$")

        # Step 8: review: both debts, the masked ID number and never the full one.
        expect(page.get_by_role("heading", name="核对", exact=True)).to_be_visible()
        debts = page.locator("section", has=page.get_by_role("heading", name="每一笔欠款"))
        expect(debts).to_contain_text("蚂蚁花呗")
        expect(debts).to_contain_text("¥12,450.50")
        expect(debts).to_contain_text("招商银行 尾号1234")
        expect(debts).to_contain_text("¥8,050.00")
        expect(debts).to_contain_text("¥20,500.50")
        expect(page.locator("section", has_text="身份证号")).to_contain_text(MASKED_ID_NUMBER)
        assert ID_NUMBER not in page.content()
        journey.assert_fits_phone()
        journey.snap("step8-review", desktop=True)
        page.get_by_role("button", name="确认无误，完成").click()

        # 5. The case page shows the plan chosen for each lender.
        page.wait_for_url(journey.url(case_path + r"$"))
        expect(page.get_by_text("已全部填写完成")).to_be_visible()
        expect(page.get_by_role("heading", name=CASE_TITLE)).to_be_visible()
        for monthly in monthly_by_lender:
            expect(page.locator("main")).to_contain_text(monthly)
        assert ID_NUMBER not in page.content()
        journey.assert_fits_phone()
        journey.snap("case-detail", desktop=True)
        case_url = page.url

        # 6. The previews of both documents, each with its way back to the case.
        for kind, title in (("proposal", "协商还款申请书"), ("hardship_letter", "困难情况说明")):
            preview = page.locator(f"#documents a[href$='/documents/{kind}/preview/']").first
            expect(preview).to_contain_text("预览")
            page.goto(live_server.url + preview.get_attribute("href"))
            expect(page.get_by_role("heading", name=title, level=1)).to_be_visible()
            expect(page.get_by_role("link", name="返回案件")).to_have_attribute("href", re.compile(r"#documents$"))
            journey.assert_fits_phone()
            journey.snap(f"preview-{kind}")
            page.goto(case_url)

        # 7. One proposal per lender, made by the worker and downloaded: each addressed to its own lender only.
        lenders = page.locator(".lender-documents")
        expect(lenders).to_have_count(2)
        for index, (addressee, other) in enumerate(
            (("重庆蚂蚁消费金融有限公司", "招商银行"), ("招商银行信用卡中心", "蚂蚁花呗"))
        ):
            block = page.locator(".lender-documents").nth(index)
            block.get_by_role("button", name=re.compile("生成 PDF")).first.click()
            block = page.locator(".lender-documents").nth(index)
            link = block.get_by_role("link", name="下载 PDF").first
            expect(link).to_be_visible(timeout=60_000)
            with page.expect_download() as download_info:
                link.click()
            text = "".join(
                subprocess.run(
                    ["pdftotext", str(download_info.value.path()), "-"], capture_output=True, text=True, check=True
                ).stdout.split()
            )
            assert f"致：{addressee}" in text and other not in text.split("收支情况表")[0], text[:200]
        journey.snap("case-documents-ready")
        assert not errors, f"JavaScript errors: {errors}"
        finished = True
    finally:
        if not finished and page.url.startswith(live_server.url):
            page.screenshot(path=screenshot_dir / "failed-here.png", full_page=True)
        context.close()
