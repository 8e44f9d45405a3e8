"""The case bundle (cases/bundle.py): one ZIP with the latest ready version of each document and every evidence file
under its attachment number, the bytes exactly as stored, from real uploads and a real rendered document."""

import io
import logging
import zipfile

import pytest
from django.utils import timezone, translation
from PIL import Image

from cases import bundle, selectors, services
from cases.models import Case, DocumentKind, DocumentStatus, EvidenceKind
from cases.samples import sample_case

from .builders import make_document, pdf, photo, ready_lender, upload
from .files import tiny_pdf

pytestmark = pytest.mark.django_db


def write(case: Case) -> tuple[list[str], zipfile.ZipFile]:
    out = io.BytesIO()
    names = bundle.write_bundle(case, out)
    archive = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    assert archive.testzip() is None
    return names, archive


@pytest.fixture
def filled_case(case, media) -> Case:
    """Four items, three of them with files (two on the ID card), and documents in every state."""
    id_card = services.evidence_create(case=case, kind=EvidenceKind.ID_CARD)
    statement = services.evidence_create(case=case, kind=EvidenceKind.STATEMENT)
    lease = services.evidence_create(case=case, kind=EvidenceKind.OTHER, title="租房合同/2024: 第1页?")
    services.evidence_create(case=case, kind=EvidenceKind.INCOME_PROOF)  # nothing uploaded yet
    upload(id_card, photo("正面.jpg"), pdf("反面.pdf", pages=2))
    upload(statement, photo("账单截图.jpg"))
    upload(lease, pdf("合同.pdf", pages=3))
    make_document(case, 1)
    make_document(case, 2)
    make_document(case, 3, status=DocumentStatus.PENDING)
    make_document(case, 1, kind=DocumentKind.HARDSHIP_LETTER)
    make_document(case, 2, kind=DocumentKind.HARDSHIP_LETTER, status=DocumentStatus.FAILED)
    return case


EXPECTED_NAMES = [
    "协商还款申请书-v2.pdf",
    "困难情况说明-v1.pdf",
    "附件01-身份证-1.jpg",
    "附件01-身份证-2.pdf",
    "附件02-账单或欠款明细.jpg",
    "附件03-租房合同_2024_ 第1页_.pdf",
]


def test_names_follow_the_documents_then_the_attachment_numbers(filled_case):
    names, archive = write(filled_case)
    assert names == archive.namelist() == EXPECTED_NAMES


def test_each_entry_holds_the_stored_bytes(filled_case, media):
    _, archive = write(filled_case)
    documents = selectors.case_documents(filled_case)
    proposal = next(d for d in documents[DocumentKind.PROPOSAL] if d.version == 2)
    [letter] = [d for d in documents[DocumentKind.HARDSHIP_LETTER] if d.status == DocumentStatus.READY]
    items = selectors.case_evidence(filled_case)
    front, back = selectors.evidence_files(items[0])
    [bill] = selectors.evidence_files(items[1])
    [lease] = selectors.evidence_files(items[2])
    sources = [proposal, letter, front, back, bill, lease]
    for name, stored in zip(EXPECTED_NAMES, sources, strict=True):
        assert archive.read(name) == (media / stored.file.name).read_bytes(), name
    assert archive.read("协商还款申请书-v2.pdf") == tiny_pdf(pages=2)
    assert archive.read("附件01-身份证-2.pdf") == tiny_pdf(pages=2)
    assert Image.open(io.BytesIO(archive.read("附件01-身份证-1.jpg"))).format == "JPEG"


def test_entries_are_compressed_and_dated_today(filled_case):
    _, archive = write(filled_case)
    today = timezone.localdate()
    for entry in archive.infolist():
        assert entry.compress_type == zipfile.ZIP_DEFLATED
        assert entry.date_time[:3] == (today.year, today.month, today.day)


def test_a_case_without_files_or_documents_makes_an_empty_zip(case, media):
    services.evidence_create(case=case, kind=EvidenceKind.ID_CARD)
    make_document(case, 1, status=DocumentStatus.FAILED)
    names, archive = write(case)
    assert names == archive.namelist() == []


def test_a_file_missing_from_storage_is_left_out_and_logged(filled_case, media, caplog):
    [front, _back] = selectors.evidence_files(selectors.case_evidence(filled_case)[0])
    (media / front.file.name).unlink()
    with caplog.at_level(logging.ERROR, logger="cases.bundle"):
        names, archive = write(filled_case)
    assert names == archive.namelist() == [name for name in EXPECTED_NAMES if name != "附件01-身份证-1.jpg"]
    assert front.file.name in caplog.text


def test_names_speak_the_users_language(filled_case):
    with translation.override("en"):
        names, _ = write(filled_case)
    assert len(names) == len(EXPECTED_NAMES)
    assert [name for name in names if name.startswith("Attachment")] == names[2:]
    assert not any("附件" in name for name in names)


def test_a_rendered_proposal_goes_in_as_the_worker_stored_it(owner, media):
    case = sample_case(owner=owner, title="花呗和信用卡协商")
    id_card = selectors.case_evidence(case)[0]
    upload(id_card, photo())
    document = services.document_request(case=case, creditor=ready_lender(case), kind=DocumentKind.PROPOSAL)
    rendered = services.document_render(document_id=document.pk)
    assert rendered.status == DocumentStatus.READY, rendered.error
    names, archive = write(case)
    assert names == ["协商还款申请书-蚂蚁花呗-v1.pdf", f"附件01-{id_card.display_title}.jpg"]
    content = archive.read("协商还款申请书-蚂蚁花呗-v1.pdf")
    assert content.startswith(b"%PDF") and content == (media / rendered.file.name).read_bytes()
