"""Limits on what one user may hold and ask for (cases/services/limits.py): cases, debts, evidence items, stored bytes,
generations per hour, versions kept; pressing "generate" again while a version is on its way returns that one. Each
refusal is a sentence in the user's language and leaves everything already saved as it was."""

import time

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone, translation

from cases import selectors, services
from cases.models import Case, Debt, DocumentKind, DocumentStatus, Evidence, EvidenceFile, GeneratedDocument
from cases.samples import sample_case
from cases.services import limits

from .builders import make_case, make_debt, pdf, photo, ready_lender, upload
from .checks import assert_refused, database_state

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready_case(owner):
    case = sample_case(owner=owner, title="花呗和信用卡协商", reasons=("unemployment",))
    return selectors.case_with_parts(case.pk)


def generate_url(case, creditor, kind="proposal"):
    return reverse("cases:document_generate", args=[case.code, creditor.code, kind])


# --- coalescing -------------------------------------------------------------------------------------------------


def test_presses_while_a_version_waits_return_that_version(owner_client, ready_case):
    """Fifty presses in a row make one version: the first is pending (not taken by a worker in this test, which
    queues nothing before commit), the others find it."""
    lender = ready_lender(ready_case)
    for _ in range(50):
        response = owner_client.post(generate_url(ready_case, lender))
        assert response.status_code == 302
    versions = GeneratedDocument.objects.filter(case=ready_case, creditor=lender, kind=DocumentKind.PROPOSAL)
    assert list(versions.values_list("version", "status")) == [(1, DocumentStatus.PENDING)]
    page = owner_client.get(reverse("cases:detail", args=[ready_case.code])).content.decode()
    assert "第 1 版" in page


def test_a_running_version_is_returned_until_the_case_changes(ready_case):
    lender = ready_lender(ready_case)
    first = services.document_request(case=ready_case, creditor=lender, kind=DocumentKind.PROPOSAL)
    GeneratedDocument.objects.filter(pk=first.pk).update(status=DocumentStatus.RUNNING, started_at=timezone.now())
    again = services.document_request(case=ready_case, creditor=lender, kind=DocumentKind.PROPOSAL)
    assert again.pk == first.pk
    # The other kind, another language: documents of their own.
    letter = services.document_request(case=ready_case, creditor=lender, kind=DocumentKind.HARDSHIP_LETTER)
    english = services.document_request(case=ready_case, creditor=lender, kind=DocumentKind.PROPOSAL, language="en")
    assert len({first.pk, letter.pk, english.pk}) == 3
    # The case changed after the render started: that render prints the old figures, so a new version is made.
    time.sleep(0.01)
    services.case_update(case=ready_case, contact_phone="13900001111")
    ready_case.refresh_from_db()
    newer = services.document_request(case=ready_case, creditor=lender, kind=DocumentKind.PROPOSAL)
    assert newer.version == english.version + 1
    # A finished version is never returned: pressing again then asks for a new one.
    GeneratedDocument.objects.filter(pk=newer.pk).update(status=DocumentStatus.FAILED)
    assert services.document_request(case=ready_case, creditor=lender, kind=DocumentKind.PROPOSAL).pk != newer.pk


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_presses_through_the_worker_never_make_two_versions_at_once(owner_client, ready_case, media, celery_worker):
    """Ten quick presses with a real worker rendering: a new version only ever starts once the one before is
    finished (the worker may well finish one while the presses go on)."""
    lender = ready_lender(ready_case)
    for _ in range(10):
        owner_client.post(generate_url(ready_case, lender), HTTP_HX_REQUEST="true")
    versions = GeneratedDocument.objects.filter(case=ready_case, creditor=lender, kind=DocumentKind.PROPOSAL)
    deadline = time.monotonic() + 60
    while versions.exclude(status=DocumentStatus.READY).exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    made = list(versions.order_by("version"))
    assert all(d.status == DocumentStatus.READY for d in made), [(d.version, d.status, d.error) for d in made]
    assert len(made) < 10
    for earlier, later in zip(made, made[1:], strict=False):
        assert later.created_at >= earlier.finished_at
    assert len(list((media / "documents").iterdir())) == len(made)


# --- the hourly allowance ---------------------------------------------------------------------------------------


def test_new_versions_beyond_the_allowance_are_refused_in_the_users_language(owner_client, ready_case, monkeypatch):
    monkeypatch.setattr(limits, "GENERATION_RATE", "2/h")
    lender = ready_lender(ready_case)
    services.document_request(case=ready_case, creditor=lender, kind=DocumentKind.PROPOSAL)
    services.document_request(case=ready_case, creditor=lender, kind=DocumentKind.HARDSHIP_LETTER)
    # Pressing again for one already on its way is not a new version: it counts nothing and is never refused.
    services.document_request(case=ready_case, creditor=lender, kind=DocumentKind.PROPOSAL)
    before = database_state()
    response = owner_client.post(generate_url(ready_case, lender), HTTP_ACCEPT_LANGUAGE="en")
    page = owner_client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert database_state() == before  # the English version was not made
    with translation.override("zh-hans"):
        refusal = assert_refused(
            "__all__", services.document_request, case=ready_case, creditor=lender, kind="proposal", language="en"
        )
    assert refusal == ["这一小时里生成的文书太多了，请过一会儿再生成。已经生成的文书都还在，可以下载。"]
    assert "Too many documents were generated in the last hour" in page


def test_the_allowance_is_per_user(owner, outsider, monkeypatch):
    monkeypatch.setattr(limits, "GENERATION_RATE", "1/h")
    assert limits.generation_allowed(owner_id=owner.pk)
    assert not limits.generation_allowed(owner_id=owner.pk)
    assert limits.generation_allowed(owner_id=outsider.pk)


def test_without_the_cache_generating_still_works(ready_case, settings):
    settings.CACHES = {
        **settings.CACHES,
        "default": {**settings.CACHES["default"], "LOCATION": "redis://127.0.0.1:1/0"},  # nothing listens there
    }
    document = services.document_request(case=ready_case, creditor=ready_lender(ready_case), kind="proposal")
    assert document.status == DocumentStatus.PENDING


# --- versions kept ----------------------------------------------------------------------------------------------


def test_versions_beyond_the_latest_five_go_with_their_files(ready_case, media, django_capture_on_commit_callbacks):
    lender = ready_lender(ready_case)
    storage = GeneratedDocument._meta.get_field("file").storage
    made = []
    for version in range(1, 7):  # six finished versions, as earlier renders left them
        name = storage.save(f"documents/v{version}.pdf", ContentFile(b"%PDF-1.7 earlier"))
        made.append(
            GeneratedDocument.objects.create(
                case=ready_case, creditor=lender, kind="proposal", version=version, status="ready", file=name
            )
        )
    # The oldest one still waiting for a worker is kept whatever its age; the letter's versions are counted apart.
    GeneratedDocument.objects.filter(pk=made[0].pk).update(status=DocumentStatus.PENDING, file="", language="en")
    storage.delete(made[0].file.name)
    letter = services.document_request(case=ready_case, creditor=lender, kind=DocumentKind.HARDSHIP_LETTER)
    Case.objects.filter(pk=ready_case.pk).update(last_proposal_version=6)
    newest = services.document_request(case=ready_case, creditor=lender, kind="proposal", language="zh-hans")
    with django_capture_on_commit_callbacks(execute=True):
        rendered = services.document_render(document_id=newest.pk)
    assert rendered.status == DocumentStatus.READY and rendered.version == 7
    proposals = GeneratedDocument.objects.filter(case=ready_case, kind="proposal").order_by("version")
    assert list(proposals.values_list("version", flat=True)) == [1, 3, 4, 5, 6, 7]
    assert not storage.exists(made[1].file.name)  # version 2's file left with its row
    assert all(storage.exists(d.file.name) for d in proposals if d.file)
    assert GeneratedDocument.objects.filter(pk=letter.pk).exists()


# --- what one user may hold -------------------------------------------------------------------------------------


def test_an_eleventh_case_is_refused_on_the_first_step(owner, owner_client):
    for number in range(limits.MAX_CASES_PER_USER):
        make_case(owner, title=f"案件 {number}")
    situation = {"title": "再来一个", "overdue_products": ["huabei"], "overdue_since": "2026-05-10"}
    response = owner_client.post(reverse("cases:new"), situation)
    assert response.status_code == 200
    assert "每个账号最多保存 10 个案件" in response.content.decode()
    assert Case.objects.filter(owner=owner).count() == limits.MAX_CASES_PER_USER
    refusal = assert_refused("__all__", services.case_create, owner=owner, title="又一个")
    assert refusal == ["每个账号最多保存 10 个案件。请先删掉不再需要的案件，再新建。"]


def test_the_case_limit_is_per_user(owner, outsider):
    for number in range(limits.MAX_CASES_PER_USER):
        make_case(owner, title=f"案件 {number}")
    assert make_case(outsider).owner == outsider


def test_a_thirty_first_debt_is_refused_in_the_wizard(owner_client, case):
    for _ in range(limits.MAX_DEBTS_PER_CASE):
        make_debt(case)
    debt = {"lender": "huabei", "principal": "100", "daily_rate_percent": "0.05", "action": "add"}
    response = owner_client.post(reverse("cases:wizard_step", args=[case.code, "debts"]), debt)
    assert response.status_code == 200
    assert "一个案件最多记 30 笔欠款" in response.content.decode()
    assert Debt.objects.filter(case=case).count() == limits.MAX_DEBTS_PER_CASE
    assert_refused("__all__", services.debt_create, case=case, principal="100")


def test_items_beyond_the_limit_are_refused_but_the_checklist_still_syncs(case):
    for number in range(limits.MAX_EVIDENCE_PER_CASE):
        services.evidence_create(case=case, kind="other", title=f"材料 {number}")
    refusal = assert_refused("__all__", services.evidence_create, case=case, kind="other", title="再一项")
    assert refusal == ["一个案件最多列 40 项材料。请删掉不需要的项目，或把同类文件上传到同一项里。"]
    services.hardship_save(case=case, reasons=["unemployment"], monthly_income="6000", household_expenses="3500")
    assert Evidence.objects.filter(case=case).count() > limits.MAX_EVIDENCE_PER_CASE  # the checklist's own items


def test_storage_is_counted_over_all_of_a_users_cases(owner, media, monkeypatch):
    first, second = make_case(owner, title="一"), make_case(owner, title="二")
    kept = upload(services.evidence_create(case=first, kind="other", title="照片"), photo("a.jpg"))[0]
    monkeypatch.setattr(limits, "MAX_USER_BYTES", kept.size + 100)
    item = services.evidence_create(case=second, kind="other", title="流水")
    stored_before = sorted(p.name for p in (media / "evidence").rglob("*"))
    refusal = assert_refused("files", services.evidence_upload, evidence=item, files=[pdf()])
    assert refusal[0].startswith("您所有案件的材料合计不能超过")
    assert sorted(p.name for p in (media / "evidence").rglob("*")) == stored_before
    assert EvidenceFile.objects.filter(evidence__case__owner=owner).count() == 1
    # Replacing a file frees its own bytes first.
    services.evidence_file_replace(evidence_file=kept, upload=photo("b.jpg"))
    assert limits.user_evidence_bytes(owner.pk) <= limits.MAX_USER_BYTES


def test_another_users_files_do_not_count(owner, outsider, media, monkeypatch):
    theirs = upload(services.evidence_create(case=make_case(outsider), kind="other", title="照片"), photo("a.jpg"))[0]
    monkeypatch.setattr(limits, "MAX_USER_BYTES", theirs.size + 100)
    mine = services.evidence_create(case=make_case(owner), kind="other", title="照片")
    assert upload(mine, photo("a.jpg"))
