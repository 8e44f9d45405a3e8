"""End to end in Debian's Chromium, with the real worker: a document pressed for shows its link without a reload
(htmx), and, with JavaScript switched off, the case page refreshes itself until the link is there. The preview fits
a 360-px screen. Screenshots go to test-output/e2e-documents/."""

import re
import time

import pytest
from playwright.sync_api import expect

from cases import samples, services
from cases.models import GeneratedDocument
from tests.e2e.conftest import fresh_screenshot_dir
from tests.e2e.test_evidence_flow import signed_in_context


@pytest.fixture
def case(owner):
    return samples.sample_case(owner=owner, title="花呗和信用卡协商")


def lender_section(page, case):
    return page.locator(f"#documents-{samples.sample_lender(case).code.hex}")


@pytest.mark.e2e
@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_document_appears_without_a_reload_and_without_javascript_the_page_refreshes(
    live_server, owner, case, media, celery_worker, launch_browser, monkeypatch
):
    shots = fresh_screenshot_dir("e2e-documents")
    browser = launch_browser()
    download = re.compile("下载 PDF")

    # With JavaScript: the section comes back at once with the new version and follows it to its link.
    context = signed_in_context(browser, live_server, owner)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/cases/{case.code}/")
        reloads = []
        page.on("load", lambda _page: reloads.append(time.monotonic()))
        lender_section(page, case).get_by_role("button", name=re.compile("生成 PDF")).first.click()
        expect(lender_section(page, case).get_by_role("link", name=download)).to_be_visible(timeout=30_000)
        assert reloads == []  # htmx swapped the section in; the page never reloaded
        page.screenshot(path=shots / "with-js.png", full_page=True)

        # The preview fits a phone's 360-px screen and carries the favicon.
        preview = context.new_page()
        preview.set_viewport_size({"width": 360, "height": 780})
        lender = samples.sample_lender(case)
        preview.goto(f"{live_server.url}/cases/{case.code}/lenders/{lender.code}/documents/proposal/preview/")
        assert preview.evaluate("document.documentElement.scrollWidth") <= 360
        assert preview.locator('link[rel="icon"]').count() == 1
        preview.screenshot(path=shots / "preview-360.png")
    finally:
        context.close()

    # Without JavaScript: the form posts and the case page comes back with the version pending (the worker is kept
    # from it until the page has been seen so), then the page refreshes itself until the link is there.
    monkeypatch.setattr(services.documents, "_queue_render", lambda document_id: None)
    context = signed_in_context(browser, live_server, owner, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/cases/{case.code}/")
        lender_section(page, case).get_by_role("button", name=re.compile("生成 PDF")).nth(1).click()
        expect(lender_section(page, case).locator('[data-status="pending"]')).to_have_count(1)
        assert page.locator('meta[http-equiv="refresh"]').count() == 1
        page.screenshot(path=shots / "without-js-pending.png", full_page=True)
        pending = GeneratedDocument.objects.get(case=case, status="pending")
        services.document_render(document_id=pending.pk)
        # No reload from the test: the page's own refresh brings the link.
        expect(lender_section(page, case).get_by_role("link", name=download)).to_have_count(2, timeout=10_000)
        assert page.locator('meta[http-equiv="refresh"]').count() == 0  # nothing being made: no more refreshes
        page.screenshot(path=shots / "without-js-ready.png", full_page=True)
    finally:
        context.close()
