"""The case bundle: the ZIP (cases/bundle.py), one file with the latest ready version of each document and every
evidence file under its attachment number, the bytes exactly as stored, from real uploads and a real rendered
document; and the job (cases/services/bundle.py) from the button to the download through Redis and a real worker."""

import io
import logging
import re
import time
import zipfile
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone, translation
from PIL import Image

from cases import bundle, selectors, services
from cases.models import Case, CaseBundle, DocumentKind, DocumentStatus, EvidenceKind
from cases.samples import sample_case

from . import recordings
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


def test_a_call_recording_goes_in_as_it_was_recorded(case, media):
    """Kept byte for byte, under its attachment number with the extension of its format."""
    call_record = services.evidence_create(case=case, kind=EvidenceKind.CALL_RECORD)
    upload(call_record, recordings.upload("新录音.m4a", recordings.m4a), recordings.upload(), photo("短信.jpg"))
    names, archive = write(case)
    assert names == [
        "附件01-通话录音或短信截图-1.m4a",
        "附件01-通话录音或短信截图-2.amr",
        "附件01-通话录音或短信截图-3.jpg",
    ]
    assert archive.read(names[0]) == recordings.m4a() and archive.read(names[1]) == recordings.amr()


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


# --- the job ----------------------------------------------------------------------------------------------------


def streamed(response) -> bytes:
    return b"".join(response.streaming_content)


def wait_until_finished(made: CaseBundle, seconds: float = 60) -> CaseBundle:
    deadline = time.monotonic() + seconds
    while not made.is_finished and time.monotonic() < deadline:
        time.sleep(0.1)
        made.refresh_from_db()
    return made


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_bundle_from_the_button_to_the_download_through_a_worker(
    owner_client, outsider_client, anonymous_client, filled_case, media, celery_worker
):
    page = reverse("cases:bundle", args=[filled_case.code])
    response = owner_client.post(page)
    assert response.status_code == 302 and response["Location"] == page  # without JS: the page that refreshes itself
    made = wait_until_finished(CaseBundle.objects.get(case=filled_case))
    assert made.status == DocumentStatus.READY, made.error
    assert made.entries == len(EXPECTED_NAMES) and made.file.name.startswith("bundles/")
    download = reverse("cases:bundle_download", args=[filled_case.code, made.code])
    assert download in owner_client.get(reverse("cases:detail", args=[filled_case.code])).content.decode()
    response = owner_client.get(download)
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith("attachment;")
    assert {"no-store", "private"} <= set(response["Cache-Control"].split(", "))
    assert response["X-Content-Type-Options"] == "nosniff"
    body = streamed(response)
    assert len(body) == made.size
    archive = zipfile.ZipFile(io.BytesIO(body))
    assert archive.namelist() == EXPECTED_NAMES
    assert archive.read("协商还款申请书-v2.pdf") == tiny_pdf(pages=2)

    # Anyone else: 404 for the page, the button and the file, and nothing made or changed.
    stored = sorted(path.name for path in media.rglob("*") if path.is_file())
    for client in (outsider_client, anonymous_client):
        assert client.get(download).status_code == 404
    assert outsider_client.get(page).status_code == 404
    assert outsider_client.post(page).status_code == 404
    assert anonymous_client.post(page).status_code == 302  # to the sign-in page
    assert list(CaseBundle.objects.values_list("pk", flat=True)) == [made.pk]
    assert sorted(path.name for path in media.rglob("*") if path.is_file()) == stored


@pytest.mark.django_db
def test_pressing_again_while_one_is_made_queues_nothing_more(filled_case, monkeypatch):
    monkeypatch.setattr(services.bundle, "_queue_build", lambda bundle_id: None)
    first = services.bundle_request(case=filled_case)
    assert services.bundle_request(case=filled_case) == first
    services.bundle_build(bundle_id=first.pk)
    assert services.bundle_build(bundle_id=first.pk) is None  # a task run twice does nothing twice
    second = services.bundle_request(case=filled_case)
    assert second != first and CaseBundle.objects.filter(case=filled_case).count() == 2


@pytest.mark.django_db
def test_the_page_refreshes_itself_without_js_and_polls_with_htmx_while_the_bundle_is_made(
    owner_client, filled_case, monkeypatch
):
    monkeypatch.setattr(services.bundle, "_queue_build", lambda bundle_id: None)
    page = reverse("cases:bundle", args=[filled_case.code])
    made = services.bundle_request(case=filled_case)
    body = owner_client.get(page).content.decode()
    assert re.search(rf'<noscript><meta http-equiv="refresh" content="2; url={page}\?refreshed=\d+"></noscript>', body)
    assert f'<a href="{page}">刷新</a>' in body  # a link that sends a request, unlike one to #bundle
    fragment = owner_client.post(page, HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="load delay:300ms"' in fragment and "<html" not in fragment
    assert CaseBundle.objects.filter(case=filled_case).count() == 1
    services.bundle_build(bundle_id=made.pk)
    body = owner_client.get(page).content.decode()
    assert "http-equiv" not in body and "hx-trigger" not in body
    assert reverse("cases:bundle_download", args=[filled_case.code, made.code]) in body


@pytest.mark.django_db
def test_a_bundle_that_cannot_be_built_says_so(filled_case, monkeypatch):
    monkeypatch.setattr(services.bundle, "_queue_build", lambda bundle_id: None)

    def broken(case, out):
        raise OSError("storage unreachable")

    monkeypatch.setattr(bundle, "write_bundle", broken)
    made = services.bundle_build(bundle_id=services.bundle_request(case=filled_case, language="en").pk)
    assert made.status == DocumentStatus.FAILED and made.error and not made.file
    assert "材料包" not in made.error  # in the language it was asked in


@pytest.mark.django_db
def test_the_sweep_removes_day_old_bundles_and_their_files_and_takes_up_lost_jobs(
    filled_case, media, monkeypatch, django_capture_on_commit_callbacks
):
    queued = []
    monkeypatch.setattr(services.bundle, "_queue_build", queued.append)
    old = services.bundle_build(bundle_id=services.bundle_request(case=filled_case).pk)
    old_file = media / old.file.name
    lost = services.bundle_request(case=filled_case)
    storage = old.file.storage
    orphan = storage.save("bundles/left-behind.zip", ContentFile(b"PK"))
    later = timezone.now() + services.BUNDLE_KEPT_FOR + timedelta(minutes=1)
    CaseBundle.objects.filter(pk=lost.pk).update(created_at=later - timedelta(minutes=5))
    with django_capture_on_commit_callbacks(execute=True):
        result = services.bundle_sweep(now=later)
    assert result == {"removed": 2, "requeued": 1, "failed": 0}  # the old bundle and the orphan; the lost one again
    assert not old_file.exists() and not storage.exists(orphan)
    assert list(CaseBundle.objects.values_list("pk", "status")) == [(lost.pk, DocumentStatus.PENDING)]
    assert queued[-1] == lost.pk


@pytest.mark.django_db
def test_deleting_the_case_removes_its_bundles_files(
    filled_case, media, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(services.bundle, "_queue_build", lambda bundle_id: None)
    made = services.bundle_build(bundle_id=services.bundle_request(case=filled_case).pk)
    assert (media / made.file.name).exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.case_delete(case=filled_case)
    assert not (media / made.file.name).exists()
