"""The proposal and the letter in each language, rendered by the real WeasyPrint and read back with pdftotext:
Taiwan's wording and face for zh-hant, an English letter in a lender's register, one name per document. Page images
of each are left in test-output/documents-languages/ for a person to look at."""

import os
import re
import subprocess
from pathlib import Path

import pytest
from weasyprint import HTML

from cases import pdf, presenters, selectors, services
from cases.models import DocumentKind
from cases.samples import SAMPLE_NARRATIVE, sample_case
from tests.test_translations import find_wrong_forms

from .builders import ready_lender

OUTPUT = Path(os.environ.get("TEST_OUTPUT_DIR", "test-output")) / "documents-languages"
LANGUAGES = ["zh-hans", "zh-hant", "en"]
FACES = {"zh-hans": "Noto-Sans-CJK-SC", "zh-hant": "Noto-Sans-CJK-TC", "en": "Noto-Sans-CJK-SC"}
TITLES = {
    "zh-hans": {DocumentKind.PROPOSAL: "协商还款申请书", DocumentKind.HARDSHIP_LETTER: "困难情况说明"},
    "zh-hant": {DocumentKind.PROPOSAL: "協商還款申請書", DocumentKind.HARDSHIP_LETTER: "困難情況說明"},
    "en": {DocumentKind.PROPOSAL: "Repayment Proposal", DocumentKind.HARDSHIP_LETTER: "Hardship Letter"},
}
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
CURLY_QUOTES = re.compile("[\u2018\u2019\u201c\u201d]")


@pytest.fixture
def case(owner):
    case = sample_case(owner=owner, title="花呗和信用卡协商", reasons=("unemployment", "illness"))
    return selectors.case_with_parts(case.pk)


def rendered(case, kind: str, language: str) -> tuple[str, list[str]]:
    """The document's text (pdftotext -layout) and the faces embedded in it; its PDF and page images are kept."""
    content = pdf.render_pdf(
        services.document_html(case=case, creditor=ready_lender(case), kind=kind, language=language)
    )
    OUTPUT.mkdir(parents=True, exist_ok=True)
    name = f"{kind}-{language}"
    for old in OUTPUT.glob(f"{name}-*.png"):
        old.unlink()
    pdf_path = OUTPUT / f"{name}.pdf"
    pdf_path.write_bytes(content)
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf_path), str(OUTPUT / name)], check=True)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf_path), "-"], capture_output=True, text=True, check=True
    ).stdout
    fonts = subprocess.run(["pdffonts", str(pdf_path)], capture_output=True, text=True, check=True).stdout
    # A face may come as a subset made ahead of time: what counts here is which family, and Regular and Bold.
    faces = sorted(line.split()[0].split("+", 1)[-1].replace("-Subset", "") for line in fonts.splitlines()[2:] if line)
    return text, faces


def user_text(case) -> list[str]:
    """What the sample's owner typed or accepted, in Simplified Chinese: the only Chinese an English document holds."""
    typed = [case.debtor_name, SAMPLE_NARRATIVE, presenters.first_two_sentences(SAMPLE_NARRATIVE)]
    typed += [value for creditor in case.creditors.all() for value in (creditor.name, creditor.legal_name)]
    typed += [value for debt in case.debts.all() for value in (debt.lender_name, debt.account_label)]
    typed += [item.title for item in case.evidence.all()]
    return [value for value in typed if value]


def without(text: str, typed: list[str]) -> str:
    """`text` less the `typed` values, whitespace ignored (pdftotext wraps and spaces them)."""
    text = "".join(text.split())
    for value in sorted(typed, key=len, reverse=True):
        text = text.replace("".join(value.split()), "")
    return text


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", DocumentKind.values)
def test_each_document_in_each_language(case, kind, language):
    text, faces = rendered(case, kind, language)
    assert faces == [FACES[language], FACES[language] + "-Bold"]
    assert text.lstrip().startswith(TITLES[language][kind])
    if language != "zh-hans":  # the list is of Traditional forms, and of mainland terms that Simplified uses
        assert find_wrong_forms(text) == []
    assert sorted(OUTPUT.glob(f"{kind}-{language}-*.png"))


@pytest.mark.django_db
def test_zh_hant_documents_read_as_taiwan_writes(case):
    letter, _ = rendered(case, DocumentKind.HARDSHIP_LETTER, "zh-hant")
    for taiwan in ["敬啟者：", "身分證號碼", "帳戶", "停止計收利息和遲延利息", "還款計畫表", "此致", "敬禮"]:
        assert taiwan in "".join(letter.split()), taiwan
    assert re.search(r"第\s*1\s*頁\s*/\s*共", letter)
    proposal, _ = rendered(case, DocumentKind.PROPOSAL, "zh-hant")
    for taiwan in ["申請人資料", "以人民幣計", "遲延利息", "五、還款計畫表", "期次", "需扶養的人數", "緊急預備金"]:
        assert taiwan in "".join(proposal.split()), taiwan
    # The lender is still the mainland entity, and the amounts still yuan.
    assert "致：重庆蚂蚁消费金融有限公司" in proposal and "¥12,450.50" in proposal


@pytest.mark.django_db
@pytest.mark.parametrize("kind", DocumentKind.values)
def test_english_documents_hold_no_chinese_but_the_owners_own_words(case, kind):
    text, _ = rendered(case, kind, "en")
    assert CJK.findall(without(text, user_text(case))) == []
    assert CURLY_QUOTES.findall(text) == []  # the CJK faces set them full width, with a gap on each side
    words = " ".join(text.split())
    other = "Hardship Letter" if kind == DocumentKind.PROPOSAL else "Repayment Proposal"
    assert other in words  # each document names the other, by the other's title
    for wrong_name in ["Repayment proposal", "Negotiation Request", "Hardship letter", "Statement of Financial"]:
        assert wrong_name not in words, wrong_name


@pytest.mark.django_db
def test_english_letter_reads_as_a_formal_hardship_letter(case):
    text, _ = rendered(case, DocumentKind.HARDSHIP_LETTER, "en")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    assert lines[1] == "To: " + ready_lender(case).addressee
    assert lines[2] == "Dear Sir or Madam,"
    assert lines.index("Yours faithfully,") > lines.index("Thank you for considering my request.")
    for wrong in ["I hope this", "finds you well", "I remain", "Yours sincerely", "Dear Huabei"]:
        assert wrong not in text, wrong


@pytest.mark.django_db
def test_english_schedule_numbers_its_installments(case):
    text, _ = rendered(case, DocumentKind.PROPOSAL, "en")
    headers = [line.split() for line in text.splitlines() if "Due date" in line]
    assert headers and all(header[0] == "No." for header in headers)  # on every page the table runs onto
    assert "Months" not in text
    numbers = [int(line.split()[0]) for line in text.splitlines() if re.match(r"\s+\d+\s+[A-Z][a-z]+ \d+, \d{4}", line)]
    assert numbers == list(range(1, 37))


def title_letter_spacing(html: str):
    document = HTML(string=html, base_url=pdf.BASE_URL, url_fetcher=pdf.StaticOnlyFetcher()).render(
        font_config=pdf._FONT_CONFIG
    )
    boxes = [document.pages[0]._page_box]
    while boxes:
        box = boxes.pop()
        if box.element_tag == "h1":
            return box.style["letter_spacing"]
        boxes.extend(getattr(box, "children", []))
    raise AssertionError("no title")


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_only_a_chinese_title_is_letter_spaced(case, language):
    spacing = title_letter_spacing(
        services.document_html(case=case, creditor=ready_lender(case), kind=DocumentKind.PROPOSAL, language=language)
    )
    if language == "en":
        assert spacing == "normal"
    else:
        assert spacing != "normal" and spacing > 0
