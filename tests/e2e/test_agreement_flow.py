"""End to end on a 360-px phone, after the lender answered: record its offer and see at once whether it fits, enter
the agreement it confirmed (told what the text is missing), record a payment with its receipt (told where an
overpayment went), then see the progress page with its balance chart.

Screenshots go to test-output/e2e-agreement/ for a person to look at; every page is checked with axe-core, and no
page is wider than the phone.
"""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from cases.models import Agreement, CaseStatus, EvidenceKind, Payment
from tests.builders import case_with_debts, today
from tests.e2e.conftest import assert_accessible, fresh_screenshot_dir
from tests.e2e.test_evidence_flow import signed_in_context
from tests.files import jpeg_with_gps, tiny_pdf


@pytest.fixture(scope="session")
def agreement_screenshot_dir():
    return fresh_screenshot_dir("e2e-agreement")


@pytest.mark.e2e
def test_offer_agreement_payment_and_progress_on_a_phone(
    live_server, transactional_db, owner, launch_browser, agreement_screenshot_dir, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    case = case_with_debts(owner, "10000", title="花呗逾期协商")  # ¥2,125 a month for 花呗
    receipt, signed = tmp_path / "还款截图.jpg", tmp_path / "协议.pdf"
    receipt.write_bytes(jpeg_with_gps(size=(720, 1280)))
    signed.write_bytes(tiny_pdf())
    shots = iter(range(1, 100))

    def snap(name, *, desktop=False):
        page.screenshot(path=agreement_screenshot_dir / f"{next(shots):02d}-{name}.png", full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, f"{name} is wider than the phone"
        assert_accessible(page, name, desktop=desktop)

    context = signed_in_context(launch_browser(), live_server, owner)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(f"{live_server.url}/cases/{case.code}/")
        page.get_by_role("link", name="蚂蚁花呗的方案、协议和还款（准备中）").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("蚂蚁花呗：方案、协议和还款")

        page.get_by_role("link", name="记下对方给出的方案").click()
        page.get_by_label("方案类型").select_option("installments")
        page.get_by_label("应还总额（元）").fill("10500")
        page.get_by_label("分几期").fill("3")
        page.get_by_label("方案有效期到哪天（可不填）").fill((today() + timedelta(days=7)).isoformat())
        snap("offer-form")
        page.get_by_role("button", name="保存并对比").click()
        offers = page.locator("#offers")
        expect(offers).to_contain_text("负担不起")
        expect(offers).to_contain_text("比您能分给这家的 ¥2,125.00 多 ¥1,375.00")
        snap("offer-does-not-fit", desktop=True)

        page.get_by_role("link", name="记下对方给出的方案").click()
        page.get_by_label("方案类型").select_option("installments")
        page.get_by_label("应还总额（元）").fill("10500")
        page.get_by_label("分几期").fill("6")
        page.get_by_role("button", name="保存并对比").click()
        expect(page.locator("#offers")).to_contain_text("负担得起")
        page.get_by_role("link", name="对方书面确认了这个方案：录入协议").first.click()

        expect(page.get_by_label("应还总额（元，含首付）")).to_have_value("10500.00")
        page.get_by_label("首期还款日").fill((today() + timedelta(days=2)).isoformat())
        page.get_by_label("协议写的每期金额（元）").fill("1750")
        page.get_by_label("还款方式").fill("每月还款日自动扣款")
        page.get_by_label("还款账户").fill("花呗账户")
        page.get_by_role("button", name="检查并保存").click()
        checklist = page.locator("#checklist")
        expect(checklist).to_contain_text("欠款余额及构成（本金、利息、罚息、费用各多少）（协议没有写明）")
        expect(checklist).to_contain_text("违约责任（几期没还算违约、违约后怎样处理）（协议没有写明）")
        snap("agreement-missing-terms")
        page.get_by_label("签字的协议或平台的书面确认（照片或 PDF）").set_input_files(str(signed))
        page.get_by_label("我知道协议缺少上面这些内容，仍然保存").check()
        page.get_by_role("button", name="检查并保存").click()
        expect(page.locator(".messages")).to_contain_text("协议已保存")
        agreement = Agreement.objects.get()
        assert agreement.signed_copy.kind == EvidenceKind.SIGNED_AGREEMENT
        expect(page.locator("#installment-1")).to_contain_text("即将到期")
        snap("agreement-saved", desktop=True)

        page.get_by_role("link", name="记录一笔还款").click()
        expect(page.get_by_label("还了多少（元）")).to_have_value("1750.00")
        page.get_by_label("还了多少（元）").fill("2000")
        page.get_by_label("还款凭证（截图或照片，可不传）").set_input_files(str(receipt))
        snap("payment-form")
        page.get_by_role("button", name="保存").click()
        expect(page.locator(".messages")).to_contain_text(
            "第 1 期已还清。多出的 ¥250.00 已计入第 2 期，这一期还需 ¥1,500.00。"
        )
        assert Payment.objects.get().receipt.kind == EvidenceKind.PAYMENT_RECEIPT
        case.refresh_from_db()
        assert case.status == CaseStatus.REPAYING
        snap("payment-recorded")

        page.goto(f"{live_server.url}/")
        page.get_by_role("link", name="我的进度：还款和下一步").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("我的进度")
        card = page.locator(f"#case-{case.code}")
        expect(card).to_contain_text("履约中")
        expect(card).to_contain_text("前还第 2 期 ¥1,500.00")
        expect(card.get_by_role("img", name="剩余应还金额")).to_be_visible()
        snap("dashboard", desktop=True)
        assert errors == []
    finally:
        context.close()
