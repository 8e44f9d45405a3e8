"""The proposal and the letter: real WeasyPrint output read back with pdftotext, pdffonts and pdftoppm on both routes
(the worker's, with cases/pdf_compact_fonts.py applied, and the public interface alone), compared pixel for pixel
with stock WeasyPrint drawing the same HTML with the system's fonts; the worker flow through Redis."""

import os
import re
import subprocess
import time
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from fontTools.fontBuilder import FontBuilder
from fontTools.pens.t2CharStringPen import T2CharStringPen
from weasyprint import HTML
from weasyprint.text import line_break

from cases import pdf, pdf_compact_fonts, selectors, services
from cases.models import CaseGoal, DocumentKind, DocumentStatus, GeneratedDocument
from cases.samples import sample_case
from tests.files import tiny_pdf

from .builders import ready_lender

OUTPUT = Path(os.environ.get("TEST_OUTPUT_DIR", "test-output")) / "documents"
LANGUAGES = ["zh-hans", "zh-hant", "en"]
SCRIPT = {"zh-hans": "SC", "zh-hant": "TC", "en": "SC"}


@pytest.fixture
def case(owner):
    case = sample_case(owner=owner, title="花呗和信用卡协商", reasons=("unemployment", "illness"))
    return selectors.case_with_parts(case.pk)


@pytest.fixture(params=["compact", "public"])
def route(request):
    """Each test that takes this runs twice: as the worker renders on WeasyPrint 70, and through the public
    interface alone, as it would on a WeasyPrint version that cases/pdf_compact_fonts.py refuses."""
    if request.param == "compact":
        assert pdf_compact_fonts.apply()
    try:
        yield request.param
    finally:
        pdf_compact_fonts.remove()


class SystemFontsFetcher(pdf.StaticOnlyFetcher):
    """Stock WeasyPrint's view of the documents: the subset faces refused, so that the system's full faces draw."""

    def fetch(self, url, headers=None):
        if "/documents/fonts/" in url:
            raise ValueError("the system's fonts only")
        return super().fetch(url, headers)


def stock_pdf(html: str) -> bytes:
    return HTML(string=html, base_url=pdf.BASE_URL, url_fetcher=SystemFontsFetcher()).write_pdf()


def pdf_text(content: bytes, tmp_path: Path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(content)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def pdf_fonts(content: bytes, tmp_path: Path) -> list[list[str]]:
    path = tmp_path / "fonts.pdf"
    path.write_bytes(content)
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    return [line.split() for line in out.splitlines()[2:] if line.strip()]


def save_page_images(content: bytes, name: str) -> None:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    pdf_path = OUTPUT / f"{name}.pdf"
    pdf_path.write_bytes(content)
    subprocess.run(["pdftoppm", "-png", "-r", "70", str(pdf_path), str(OUTPUT / name)], check=True)


@pytest.mark.django_db
def test_proposal_holds_every_figure(case, tmp_path, route):
    content = pdf.render_pdf(
        services.document_html(case=case, creditor=ready_lender(case), kind=DocumentKind.PROPOSAL, language="zh-hans")
    )
    save_page_images(content, f"proposal-{route}")
    text = pdf_text(content, tmp_path)
    assert "张三" in text and "110105********002X" in text and "11010519491231002X" not in text
    scenario = selectors.chosen_plans(case)[0].scenario
    assert len(scenario.schedule) == 36
    for row in scenario.schedule:
        assert f"{row.payment:,.2f}" in text, row
    assert f"{scenario.total_paid:,.2f}" in text
    assert "52,500.50" in text  # the debts' total
    for item in selectors.case_evidence(case):
        assert item.display_title in text, item.display_title
    pages = re.findall(r"第\s*(\d+)\s*页\s*/\s*共\s*(\d+)\s*页", text)
    assert pages and pages[0] == ("1", pages[-1][1]) and pages[-1][0] == pages[-1][1]


@pytest.mark.django_db
def test_the_schedule_splits_principal_and_interest_only_when_the_plan_charges_interest(case, tmp_path):
    """停息挂账 charges none: its schedule has no principal and interest columns, and says why; 协商分期 at the rate
    the lender quoted shows how each payment splits."""
    lender = ready_lender(case)

    def schedule_text() -> str:
        html = services.document_html(case=case, creditor=lender, kind=DocumentKind.PROPOSAL, language="zh-hans")
        text = pdf_text(pdf.render_pdf(html), tmp_path)
        return text[text.index("还款计划表") :]

    without = schedule_text()
    assert "分期期间不计利息，每期还款全部用于归还本金。" in without
    assert "其中本金" not in without and "其中利息" not in without
    services.creditor_choose_plan(
        creditor=lender, goal=CaseGoal.INSTALLMENTS, requested_months=24, installment_annual_rate=Decimal("0.06")
    )
    case.refresh_from_db()
    lender.refresh_from_db()
    charged = schedule_text()
    assert "其中本金" in charged and "其中利息" in charged
    assert "不计利息" not in charged


@pytest.mark.django_db
def test_letter_names_the_hardship_and_attachments(case, tmp_path, route):
    content = pdf.render_pdf(
        services.document_html(
            case=case, creditor=ready_lender(case), kind=DocumentKind.HARDSHIP_LETTER, language="zh-hans"
        )
    )
    save_page_images(content, f"hardship_letter-{route}")
    text = pdf_text(content, tmp_path)
    assert "困难情况说明" in text and "张三" in text and "13800138000" in text
    for item in selectors.case_evidence(case):
        assert item.display_title in text


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", DocumentKind.values)
def test_each_language_embeds_exactly_its_two_subset_faces(case, tmp_path, route, kind, language):
    """Regular and Bold of the language's own subset (Traditional faces for zh-hant), embedded as subsets; on the
    worker's route as bare CFF holding only the glyphs used."""
    content = pdf.render_pdf(
        services.document_html(case=case, creditor=ready_lender(case), kind=kind, language=language)
    )
    fonts = pdf_fonts(content, tmp_path)
    face = f"Noto-Sans-CJK-{SCRIPT[language]}-Subset"
    assert sorted(row[0].split("+", 1)[1] for row in fonts) == [face, f"{face}-Bold"]
    for row in fonts:
        assert re.fullmatch(r"[A-Z]{6}", row[0].split("+", 1)[0]), row  # a subset carries a six-letter tag
        assert row[-5:-3] == ["yes", "yes"], row  # embedded, subset
    if route == "compact":
        assert all(row[1:4] == ["CID", "Type", "0C"] for row in fonts), fonts
    limit = {"compact": 100, "public": 200}[route]
    assert len(content) < limit * 1024


FOOTERS = {
    "zh-hans": r"第\s*(\d+)\s*页\s*/\s*共\s*(\d+)\s*页",
    "zh-hant": r"第\s*(\d+)\s*頁\s*/\s*共\s*(\d+)\s*頁",
    "en": r"Page (\d+) of (\d+)",
}


@pytest.mark.django_db
@pytest.mark.parametrize("language", FOOTERS)
def test_page_footer_speaks_the_documents_language(case, tmp_path, language):
    content = pdf.render_pdf(
        services.document_html(case=case, creditor=ready_lender(case), kind=DocumentKind.PROPOSAL, language=language)
    )
    text = pdf_text(content, tmp_path)
    pages = re.findall(FOOTERS[language], text)
    assert len(pages) >= 2 and pages[0][0] == "1"
    assert [number for number, _ in pages] == [str(n) for n in range(1, len(pages) + 1)]
    assert {total for _, total in pages} == {str(len(pages))}
    for other, footer in FOOTERS.items():
        if other != language:
            assert not re.search(footer, text), other


def test_footer_words_come_from_the_catalogue_as_a_css_string():
    from django.utils import translation

    from cases.services import documents

    with translation.override("en"):
        assert documents.page_footer_content() == '"Page " counter(page) " of " counter(pages)'
    assert documents._css_string('a"b\\c</style>') == '"a\\22 b\\5c c\\3c /style\\3e "'


@pytest.mark.django_db
@pytest.mark.parametrize("route", ["compact", "public"], indirect=True)
def test_a_character_outside_the_subset_prints_from_the_full_face(case, tmp_path, route):
    """𠮷 and 䶮 are in neither subset: the full Noto Sans CJK SC, named after the subset in print.css, draws them."""
    html = services.document_html(
        case=case, creditor=ready_lender(case), kind=DocumentKind.HARDSHIP_LETTER, language="zh-hans"
    )
    assert html.count("张三") >= 1
    content = pdf.render_pdf(html.replace("张三", "张𠮷䶮"))
    assert "张𠮷䶮" in pdf_text(content, tmp_path)
    fonts = pdf_fonts(content, tmp_path)
    assert "Noto-Sans-CJK-SC" in {row[0].split("+", 1)[1] for row in fonts}
    assert all(row[-5:-3] == ["yes", "yes"] for row in fonts), fonts


def page_images(content: bytes, directory: Path) -> list[bytes]:
    directory.mkdir()
    (directory / "doc.pdf").write_bytes(content)
    subprocess.run(["pdftoppm", "-r", "60", "-gray", str(directory / "doc.pdf"), str(directory / "page")], check=True)
    return [page.read_bytes() for page in sorted(directory.glob("page-*.pgm"))]


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", DocumentKind.values)
def test_pages_look_as_stock_weasyprint_draws_them(case, tmp_path, kind, language):
    """The subset faces, the compact fonts, the trimmed default stylesheet and the stylesheet parsed once change no
    pixel: both routes against stock WeasyPrint with the system's full faces, on the same HTML."""
    html = services.document_html(case=case, creditor=ready_lender(case), kind=kind, language=language)
    stock = stock_pdf(html)
    theirs = page_images(stock, tmp_path / "stock")
    assert len(theirs) >= 1
    public = pdf.render_pdf(html)
    assert page_images(public, tmp_path / "public") == theirs
    assert pdf_compact_fonts.apply()
    try:
        compact = pdf.render_pdf(html)
    finally:
        pdf_compact_fonts.remove()
    assert page_images(compact, tmp_path / "compact") == theirs
    assert len(compact) < len(public) < len(stock)


@pytest.mark.django_db
def test_no_text_is_laid_out_with_opentype_features(case, monkeypatch):
    """WeasyPrint never frees the Pango attribute list of a text laid out with a feature such as tnum switched on."""
    requested = []
    font_features = line_break.font_features

    def recording(*args, **kwargs):
        features = font_features(*args, **kwargs)
        if features:
            requested.append(features)
        return features

    monkeypatch.setattr(line_break, "font_features", recording)
    for kind in DocumentKind.values:
        pdf.render_pdf(services.document_html(case=case, creditor=ready_lender(case), kind=kind, language="en"))
    assert requested == []


def name_keyed_cff() -> bytes:
    builder = FontBuilder(1000, isTTF=False)
    builder.setupGlyphOrder([".notdef", "A"])
    builder.setupCharacterMap({ord("A"): "A"})
    pen = T2CharStringPen(500, None)
    pen.moveTo((0, 0))
    pen.lineTo((250, 700))
    pen.lineTo((500, 0))
    pen.closePath()
    glyph = pen.getCharString()
    builder.setupCFF("Test-Regular", {"FullName": "Test Regular"}, {".notdef": glyph, "A": glyph}, {})
    builder.setupHorizontalMetrics({".notdef": (500, 0), "A": (500, 0)})
    builder.setupHorizontalHeader(ascent=800, descent=-200)
    builder.setupNameTable({"familyName": "Test", "styleName": "Regular"})
    builder.setupOS2()
    builder.setupPost()
    return builder.font.getTableData("CFF ")


def test_only_cid_keyed_cff_fonts_are_renumbered():
    """A name-keyed CFF font finds glyphs by their ids, so it must keep them: WeasyPrint's own subsetting."""
    assert pdf_compact_fonts.first_dict_operator(name_keyed_cff()) == bytes([2])  # FullName
    assert pdf_compact_fonts.first_dict_operator(b"\x01\x00\x04") is None


def test_fetcher_refuses_files_and_network():
    fetcher = pdf.StaticOnlyFetcher()
    for url in ("file:///etc/passwd", "https://example.com/x.css", pdf.BASE_URL + "static/../settings.py"):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    response = fetcher.fetch(pdf.BASE_URL + "static/css/app.css")
    assert b"Bootstrap" in response.read()
    font = fetcher.fetch(pdf.BASE_URL + "static/documents/fonts/NotoSansCJKsc-Regular-documents.woff2")
    assert font.read(4) == b"wOF2"  # made by scripts/subset-fonts (make test)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_generate_to_download_through_redis_and_a_worker(owner_client, case, media, celery_worker):
    lender = ready_lender(case)
    response = owner_client.post(reverse("cases:document_generate", args=[case.code, lender.code, "proposal"]))
    assert response.status_code == 302
    document = GeneratedDocument.objects.get(case=case)
    deadline = time.monotonic() + 60
    while document.status not in (DocumentStatus.READY, DocumentStatus.FAILED) and time.monotonic() < deadline:
        time.sleep(0.2)
        document.refresh_from_db()
    assert document.status == DocumentStatus.READY, document.error
    page = owner_client.get(reverse("cases:detail", args=[case.code])).content.decode()
    download = reverse("cases:document_download", args=[case.code, document.code])
    assert download in page
    response = owner_client.get(download)
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert body.startswith(b"%PDF")
    assert "attachment" in response["Content-Disposition"]
    assert "v1.pdf" in response["Content-Disposition"]
    assert {"no-store", "private"} <= set(response["Cache-Control"].split(", "))
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_a_version_is_followed_at_once_with_htmx_and_by_refreshing_without_js(owner_client, case, media, monkeypatch):
    monkeypatch.setattr(services.documents, "_queue_render", lambda document_id: None)
    status = reverse("cases:document_status", args=[case.code])
    generate = reverse("cases:document_generate", args=[case.code, ready_lender(case).code, "proposal"])
    section = owner_client.post(generate, HTTP_HX_REQUEST="true").content.decode()
    assert section.lstrip().startswith('<section id="documents"')  # the section at once, with the new version in it
    assert 'hx-trigger="load delay:300ms"' in section and 'data-status="pending"' in section
    detail = reverse("cases:detail", args=[case.code])
    page = owner_client.get(detail).content.decode()
    # Without JS, the page asks for itself again, at an address that changes, so that #documents does not stop it.
    refresh = rf'<noscript><meta http-equiv="refresh" content="2; url={detail}\?refreshed=\d+#documents"></noscript>'
    assert re.search(refresh, page)
    assert f'<a href="{status}">刷新</a>' in page  # and its link sends a request, unlike one to #documents
    services.document_render(document_id=GeneratedDocument.objects.get(case=case).pk)
    section = owner_client.get(status, HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in section and "http-equiv" not in section and "下载 PDF" in section
    assert owner_client.get(status).status_code == 302  # without htmx: the case page


@pytest.mark.django_db
def test_preview_is_the_same_template(owner_client, case):
    preview = reverse("cases:document_preview", args=[case.code, ready_lender(case).code, "proposal"])
    response = owner_client.get(preview)
    assert response.status_code == 200
    html = response.content.decode()
    assert "张三" in html and '<link rel="icon" href="/static/favicon' in html
    back = reverse("cases:detail", args=[case.code]) + "#documents"
    assert f'<nav class="preview-bar"><a href="{back}">' in html
    # The page footer's <style> carries the nonce that the preview's CSP names, and nothing else inline is let in.
    nonce = re.search(r'<style nonce="([^"]+)">@page', html).group(1)
    assert f"style-src 'self' 'nonce-{nonce}'" in response["Content-Security-Policy"]
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    printed = services.document_html(
        case=case, creditor=ready_lender(case), kind=DocumentKind.PROPOSAL, language="zh-hans"
    )
    assert "preview-bar" not in printed and "<style>@page" in printed
    nope = reverse("cases:document_preview", args=[case.code, ready_lender(case).code, "nope"])
    assert owner_client.get(nope).status_code == 404


@pytest.mark.django_db
def test_outsiders_get_404(outsider_client, anonymous_client, case, media, monkeypatch):
    monkeypatch.setattr(services.documents, "_queue_render", lambda document_id: None)
    document = services.document_request(case=case, creditor=ready_lender(case), kind=DocumentKind.PROPOSAL)
    services.document_render(document_id=document.pk)
    urls = [
        reverse("cases:document_preview", args=[case.code, ready_lender(case).code, "proposal"]),
        reverse("cases:document_status", args=[case.code]),
        reverse("cases:document_download", args=[case.code, document.code]),
    ]
    for url in urls:
        assert outsider_client.get(url, HTTP_HX_REQUEST="true").status_code == 404, url
    # Pages send a visitor to log in; the file itself answers 404, as to anyone else.
    for url in urls[:2]:
        assert anonymous_client.get(url).status_code == 302, url
    assert anonymous_client.get(urls[2]).status_code == 404
    generate = reverse("cases:document_generate", args=[case.code, ready_lender(case).code, "proposal"])
    assert outsider_client.post(generate).status_code == 404
    assert GeneratedDocument.objects.filter(case=case).count() == 1


@pytest.mark.django_db
def test_a_version_made_before_the_case_changed_is_marked_out_of_date(owner_client, case, media, monkeypatch):
    monkeypatch.setattr(services.documents, "_queue_render", lambda document_id: None)
    document = services.document_request(case=case, creditor=ready_lender(case), kind=DocumentKind.PROPOSAL)
    services.document_render(document_id=document.pk)
    detail = reverse("cases:detail", args=[case.code])

    def outdated() -> set[int]:
        case.refresh_from_db()
        return selectors.outdated_documents(case, selectors.case_documents(case))

    assert outdated() == set()
    services.contact_log_create(
        case=case, creditor=case.creditors.first(), occurred_at=timezone.now(), channel="app_chat", summary="问了停息"
    )
    services.case_mark_step(case=case, step="review")
    assert outdated() == set()  # neither a call nor moving through the wizard changes what the documents print
    assert "内容已变动" not in owner_client.get(detail).content.decode()

    item = case.evidence.first()
    services.evidence_upload(evidence=item, files=[SimpleUploadedFile("id.pdf", tiny_pdf())])
    assert outdated() == {document.pk}
    page = owner_client.get(detail).content.decode()
    assert "内容已变动，请重新生成" in page and 'id="bundle-outdated"' in page

    newer = services.document_request(case=case, creditor=ready_lender(case), kind=DocumentKind.PROPOSAL)
    services.document_render(document_id=newer.pk)
    assert outdated() == set()
    services.debt_update(debt=case.debts.first(), principal="12500")
    assert outdated() == {newer.pk}
