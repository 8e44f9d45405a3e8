"""End to end on a phone-sized screen: upload proof from the checklist, see a bad file refused, track the item,
download the case bundle; and the same upload with JavaScript switched off.

Screenshots go to test-output/e2e-evidence/ for a person to look at. Every page of the first journey is checked with
axe-core; the second cannot be (axe-core is JavaScript), and shows the item page that the first one checks.
"""

import io
import re
import zipfile
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from cases import services
from cases.models import Evidence, EvidenceFile, EvidenceStatus, HardshipReason
from tests.e2e.conftest import PHONE, assert_accessible
from tests.files import GPS_IFD, jpeg_with_gps, png_polyglot, tiny_pdf


@pytest.fixture
def case_with_checklist(owner):
    case = services.case_create(
        owner=owner,
        title="材料上传",
        overdue_products=["huabei"],
        overdue_since=timezone.localdate() - timedelta(days=60),
    )
    services.debt_create(case=case, lender="huabei", principal="9000", overdue_since=case.overdue_since)
    services.hardship_save(
        case=case, reasons=[HardshipReason.ILLNESS], monthly_income="4000", household_expenses="2600"
    )
    return case


def signed_in_context(browser, live_server, user, **options):
    client = Client()
    client.force_login(user)
    context = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="zh-CN", **options
    )
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    context.set_default_timeout(10_000)
    return context


@pytest.mark.e2e
@pytest.mark.worker
def test_upload_track_and_bundle_from_a_phone(
    live_server,
    transactional_db,
    celery_worker,
    owner,
    case_with_checklist,
    launch_browser,
    evidence_screenshot_dir,
    tmp_path,
    settings,
):
    settings.MEDIA_ROOT = tmp_path / "media"
    case = case_with_checklist
    photo = tmp_path / "身份证正面.jpg"
    photo.write_bytes(jpeg_with_gps(size=(1200, 900), orientation=6))
    statement = tmp_path / "账单.pdf"
    statement.write_bytes(tiny_pdf(2))
    disguised = tmp_path / "收入证明.png"
    disguised.write_bytes(png_polyglot())
    shots = iter(range(1, 100))

    def snap(name, *, desktop=False):
        page.screenshot(path=evidence_screenshot_dir / f"{next(shots):02d}-{name}.png", full_page=True)
        assert_accessible(page, name, desktop=desktop)

    context = signed_in_context(launch_browser(), live_server, owner)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        # The checklist: upload the photo and the bill to the first item, in one go, through htmx.
        page.goto(f"{live_server.url}/cases/{case.code}/wizard/evidence/")
        items = page.locator("#evidence-checklist > li")
        expect(items.first).to_contain_text("身份证")
        snap("checklist")
        items.first.locator("input[type=file]").set_input_files([str(photo), str(statement)])
        items.first.get_by_role("button", name="上传", exact=True).click()
        expect(page.get_by_text("已上传 2 个文件：身份证。")).to_be_visible()
        items = page.locator("#evidence-checklist > li")
        expect(items.first.locator(".badge")).to_have_text("已上传")
        expect(items.first).to_contain_text("2 个文件")
        snap("uploaded")

        # A PNG carrying a web page is refused in place; nothing else changes.
        third = items.nth(2)
        expect(third).to_contain_text("收入证明")
        third.locator("input[type=file]").set_input_files(str(disguised))
        third.get_by_role("button", name="上传", exact=True).click()
        expect(third.get_by_role("alert")).to_contain_text("“收入证明.png”没有保存")
        expect(third.locator(".badge")).to_have_text("待上传")
        snap("refused")
        assert EvidenceFile.objects.filter(evidence__case=case).count() == 2

        # The case page says what is still missing; the item page shows the photo, upright, from the owner's view.
        page.goto(f"{live_server.url}/cases/{case.code}/")
        missing = page.locator("#evidence-missing")
        expect(missing).to_contain_text("收入证明")
        expect(missing).not_to_contain_text("身份证")
        snap("case-page", desktop=True)
        page.locator("#evidence").get_by_role("link", name="身份证").click()
        thumbnail = page.locator("#evidence-files img").first
        expect(thumbnail).to_be_visible()
        # Visible is not loaded: wait for the picture itself before measuring it.
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=thumbnail.element_handle())
        width, height = thumbnail.evaluate("img => [img.naturalWidth, img.naturalHeight]")
        assert height > width > 0  # the EXIF rotation was applied when the photo was cleaned

        # Track it: sent to the lender yesterday, with a note.
        page.locator("#id_status").select_option(EvidenceStatus.SENT)
        yesterday = timezone.localdate() - timedelta(days=1)
        page.locator("#id_on").fill(yesterday.isoformat())
        page.locator("#id_note").fill("在线客服收到了")
        snap("item-page")
        page.get_by_role("button", name="保存状态").click()
        expect(page.locator(".badge", has_text="已提交给平台")).to_be_visible()
        item = Evidence.objects.get(case=case, position=1)
        assert (item.status, item.status_changed_on, item.note) == (EvidenceStatus.SENT, yesterday, "在线客服收到了")

        # The bundle, made by the worker: both files, named by attachment number; the photo without its GPS position.
        page.goto(f"{live_server.url}/cases/{case.code}/")
        page.get_by_role("button", name="打包全部材料（ZIP）").click()
        ready = page.locator("#bundle").get_by_role("link", name=re.compile("下载材料包"))
        expect(ready).to_be_visible(timeout=30_000)
        snap("case-page-bundle")
        with page.expect_download() as download_info:
            ready.click()
        archive = zipfile.ZipFile(io.BytesIO(download_info.value.path().read_bytes()))
        assert archive.namelist() == ["附件01-身份证-1.jpg", "附件01-身份证-2.pdf"]
        assert not Image.open(io.BytesIO(archive.read("附件01-身份证-1.jpg"))).getexif().get_ifd(GPS_IFD)
        assert archive.read("附件01-身份证-2.pdf") == statement.read_bytes()

        # Straight from the case page: the page reloads with the item uploaded.
        row = page.locator("#evidence-list > li").nth(1)
        expect(row).to_contain_text("账单或欠款明细")
        row.locator("input[type=file]").set_input_files(str(statement))
        row.get_by_role("button", name="上传", exact=True).click()
        expect(page.get_by_text("已上传 1 个文件：账单或欠款明细。")).to_be_visible()
        expect(page.locator("#evidence-list > li").nth(1).locator(".badge")).to_have_text("已上传")
        snap("case-page-upload")
        assert not errors, f"JavaScript errors: {errors}"
    except Exception:
        page.screenshot(path=evidence_screenshot_dir / "failed-here.png", full_page=True)
        raise
    finally:
        context.close()


@pytest.mark.e2e
def test_upload_works_without_javascript(
    live_server,
    transactional_db,
    owner,
    case_with_checklist,
    launch_browser,
    evidence_screenshot_dir,
    tmp_path,
    settings,
):
    settings.MEDIA_ROOT = tmp_path / "media"
    case = case_with_checklist
    statement = tmp_path / "bill.pdf"
    statement.write_bytes(tiny_pdf(1))
    context = signed_in_context(launch_browser(), live_server, owner, java_script_enabled=False)
    page = context.new_page()
    try:
        item = Evidence.objects.get(case=case, position=2)
        page.goto(f"{live_server.url}/cases/{case.code}/evidence/{item.code}/")
        page.locator("#evidence-files, form.evidence-upload").first.wait_for()
        page.locator("form.evidence-upload input[type=file]").set_input_files(str(statement))
        page.locator("form.evidence-upload").get_by_role("button", name="上传", exact=True).click()
        page.wait_for_url(re.compile(rf".*/evidence/{item.code}/$"))
        expect(page.get_by_text("已上传 1 个文件")).to_be_visible()
        expect(page.locator("#evidence-files")).to_contain_text("bill.pdf")
        page.screenshot(path=evidence_screenshot_dir / "no-js-uploaded.png", full_page=True)
        # The menu cannot be toggled without JavaScript: it is shown open, with the way out.
        expect(page.get_by_role("button", name="退出")).to_be_visible()
        assert [f.original_name for f in item.files.all()] == ["bill.pdf"]
    finally:
        context.close()
