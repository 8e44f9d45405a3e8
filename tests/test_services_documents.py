"""The document services (cases/services/documents.py): a version requested, claimed and rendered once, a failure
kept with a message the user can read, the sweep that re-queues what a dead worker left and fails it after three
tries; an unknown kind is refused."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cases import pdf, selectors, services
from cases.models import DocumentKind, DocumentStatus, GeneratedDocument
from cases.samples import sample_case

from .builders import make_case, make_debt, ready_lender
from .checks import assert_refused

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(owner):
    case = sample_case(owner=owner, title="花呗和信用卡协商", reasons=("unemployment", "illness"))
    return selectors.case_with_parts(case.pk)


def test_render_twice_makes_one_file(case, media):
    document = services.document_request(case=case, creditor=ready_lender(case), kind=DocumentKind.PROPOSAL)
    first = services.document_render(document_id=document.pk)
    second = services.document_render(document_id=document.pk)
    assert first.status == DocumentStatus.READY and second is None
    assert GeneratedDocument.objects.filter(case=case).count() == 1
    assert len(list((media / "documents").iterdir())) == 1
    assert len(first.checksum) == 64


def test_versions_are_never_reused(case, media):
    first = services.document_request(case=case, creditor=ready_lender(case), kind=DocumentKind.PROPOSAL)
    first.delete()
    second = services.document_request(case=case, creditor=ready_lender(case), kind=DocumentKind.PROPOSAL)
    letter = services.document_request(case=case, creditor=ready_lender(case), kind=DocumentKind.HARDSHIP_LETTER)
    assert (second.version, letter.version) == (2, 1)


def test_a_render_failure_is_recorded_with_a_message(case, media, monkeypatch):
    def broken(html, **kwargs):
        raise RuntimeError("layout exploded")

    monkeypatch.setattr(pdf, "render_pdf", broken)
    document = services.document_request(case=case, creditor=ready_lender(case), kind=DocumentKind.PROPOSAL)
    result = services.document_render(document_id=document.pk)
    assert result.status == DocumentStatus.FAILED
    assert "生成失败" in result.error and "layout exploded" not in result.error
    assert not result.file


def test_sweep_requeues_then_fails_after_three_tries(case, media, monkeypatch):
    queued = []
    monkeypatch.setattr(services.documents, "_queue_render", queued.append)
    document = services.document_request(case=case, creditor=ready_lender(case), kind=DocumentKind.PROPOSAL)
    old = timezone.now() - timedelta(hours=1)
    GeneratedDocument.objects.filter(pk=document.pk).update(status=DocumentStatus.RUNNING, started_at=old, attempts=1)
    assert services.document_sweep() == {"requeued": 1, "failed": 0}
    document.refresh_from_db()
    assert document.status == DocumentStatus.PENDING and queued[-1] == document.pk
    GeneratedDocument.objects.filter(pk=document.pk).update(status=DocumentStatus.RUNNING, started_at=old, attempts=3)
    assert services.document_sweep() == {"requeued": 0, "failed": 1}
    document.refresh_from_db()
    assert document.status == DocumentStatus.FAILED and "3" in document.error


@pytest.mark.parametrize("kind", ["contract", "", "PROPOSAL"])
def test_an_unknown_kind_is_refused(case, kind):
    lender = ready_lender(case)
    refusal = assert_refused("kind", services.document_request, case=case, creditor=lender, kind=kind)
    assert refusal == ["未知的文书类型。"]


def test_an_incomplete_case_is_refused_naming_what_is_missing(owner):
    case = make_case(owner, title="才开始")
    creditor = make_debt(case).creditor
    refusal = assert_refused("creditor", services.document_request, case=case, creditor=creditor, kind="proposal")
    assert refusal == ["还不能生成，请先补上：您的姓名、身份证号、联系电话、每月收入和支出、向蚂蚁花呗申请的方案。"]
    assert not GeneratedDocument.objects.exists()


def test_another_cases_lender_is_refused(case, owner):
    other = make_case(owner, title="另一个")
    lender = ready_lender(other)
    refusal = assert_refused("creditor", services.document_request, case=case, creditor=lender, kind="proposal")
    assert refusal == ["这家机构不属于这个案件。"]


def test_each_lender_gets_its_own_documents(case):
    make_debt(case, lender="credit_card", lender_name="招商银行")
    huabei = ready_lender(case)
    card = case.creditors.get(kind="credit_card")
    first = services.document_request(case=case, creditor=huabei, kind=DocumentKind.PROPOSAL)
    second = services.document_request(case=case, creditor=card, kind=DocumentKind.PROPOSAL)
    assert (first.creditor, second.creditor) == (huabei, card)
    assert second.download_name.startswith("协商还款申请书-招商银行-v")


def test_a_request_numbers_the_version_and_waits_for_the_worker(case, django_capture_on_commit_callbacks, monkeypatch):
    queued = []
    monkeypatch.setattr(services.documents, "_queue_render", queued.append)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        document = services.document_request(
            case=case, creditor=ready_lender(case), kind=DocumentKind.HARDSHIP_LETTER, language="en"
        )
    assert (document.version, document.status, document.language) == (1, DocumentStatus.PENDING, "en")
    assert queued == []  # nothing is queued before the row is committed
    for callback in callbacks:
        callback()
    assert queued == [document.pk]


def test_rendering_an_unknown_or_finished_document_does_nothing(case, media):
    assert services.document_render(document_id=0) is None
    document = services.document_request(case=case, creditor=ready_lender(case), kind=DocumentKind.PROPOSAL)
    GeneratedDocument.objects.filter(pk=document.pk).update(status=DocumentStatus.FAILED)
    assert services.document_render(document_id=document.pk) is None
    assert not media.exists() or not any(media.rglob("*.pdf"))


def test_the_sweep_leaves_recent_and_finished_documents_alone(case, monkeypatch):
    queued = []
    monkeypatch.setattr(services.documents, "_queue_render", queued.append)
    fresh = services.document_request(case=case, creditor=ready_lender(case), kind=DocumentKind.PROPOSAL)
    done = services.document_request(case=case, creditor=ready_lender(case), kind=DocumentKind.HARDSHIP_LETTER)
    old = timezone.now() - timedelta(hours=1)
    GeneratedDocument.objects.filter(pk=done.pk).update(status=DocumentStatus.READY, created_at=old, started_at=old)
    assert services.document_sweep() == {"requeued": 0, "failed": 0}
    assert queued == []
    assert GeneratedDocument.objects.get(pk=fresh.pk).status == DocumentStatus.PENDING
