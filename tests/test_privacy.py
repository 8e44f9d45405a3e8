"""The privacy rights: the export of everything (a ZIP: the rows as JSON, a README, every stored file), deleting the
account (every row and every file gone, on disk and through the storage API), withdrawing the separate consent
(the sensitive data deleted, the cases no longer processed), and no personal data in logs or error reports."""

import io
import json
import logging
import sys
import zipfile
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from axes.models import AccessFailureLog
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import models
from django.test import RequestFactory
from django.urls import reverse
from django.views.debug import get_exception_reporter_class

from accounts import privacy, services
from accounts.models import User
from cases import services as case_services
from cases.models import (
    Case,
    DocumentKind,
    DocumentStatus,
    Evidence,
    EvidenceFile,
    EvidenceKind,
    GeneratedDocument,
    Hardship,
)
from core.logging import RedactPersonalData

from .builders import (
    PASSWORD,
    VALID_ID,
    case_with_debts,
    make_agreement,
    make_case,
    make_contact,
    make_hardship,
    pdf,
    photo,
    ready_lender,
    today,
    upload,
)
from .files import tiny_pdf
from .recordings import m4a
from .recordings import upload as recording

NARRATIVE = "2024年3月公司裁员，我失去了唯一的收入来源，母亲同时住院。"
OWNER_PHONE = "13812345678"


@dataclass
class World:
    """A user's data as the app builds it: two cases, debts, hardship, evidence with photos (and thumbnails) and
    PDFs, a call with its recording, an offer, an agreement with a payment, its receipt and a reminder, and generated
    documents."""

    user: User
    case: Case
    second_case: Case


def make_everything(user: User, *, title: str = "花呗逾期协商") -> World:
    case = case_with_debts(
        user, "8000", "12000", title=title, debtor_name="张三", id_number=VALID_ID, contact_phone=OWNER_PHONE
    )
    make_hardship(case, narrative=NARRATIVE)
    id_card = Evidence.objects.get(case=case, kind=EvidenceKind.ID_CARD)
    statement = Evidence.objects.get(case=case, kind=EvidenceKind.STATEMENT)
    upload(id_card, photo(f"{title}-身份证正面.jpg"), photo(f"{title}-身份证反面.jpg"))
    upload(statement, pdf("账单.pdf", pages=2))
    make_contact(
        case, summary="客服王女士说可以申请停息挂账", agent_name="王女士", files=[recording("95188 通话.m4a", m4a)]
    )
    agreement = make_agreement(case, [case.debts.first()])
    case_services.payment_record(agreement=agreement, paid_on=today(), amount="100", receipt=statement)
    case_services.offer_create(
        creditor=agreement.creditor, received_on=today(), kind="installments", total_to_repay="9000", months=12
    )
    case_services.reminders_create(today=agreement.first_due_date - timedelta(days=3))
    case_services.reminder_preference_set(user=user, email_enabled=True)
    for kind in (DocumentKind.PROPOSAL, DocumentKind.HARDSHIP_LETTER):
        finished_by_the_worker(case_services.document_request(case=case, creditor=ready_lender(case), kind=kind))
    bundle = case_services.bundle_request(case=case)
    bundle.file.save("bundle.zip", ContentFile(b"PK\x05\x06" + bytes(18)), save=False)
    bundle.status = DocumentStatus.READY
    bundle.save()
    second = make_case(user, title=f"{title}-信用卡")
    return World(user=user, case=case, second_case=second)


def finished_by_the_worker(document: GeneratedDocument) -> None:
    """A requested version as the worker leaves it, holding a small real PDF (WeasyPrint is tested elsewhere)."""
    document.file.save(f"{document.kind}-v{document.version}.pdf", ContentFile(tiny_pdf()), save=False)
    document.status = DocumentStatus.READY
    document.save()


def case_models() -> list[type[models.Model]]:
    """Every model of the cases app, including those added after this test was written."""
    return [model for model in apps.get_app_config("cases").get_models() if not model._meta.auto_created]


def all_rows() -> dict[str, set]:
    return {model._meta.label_lower: set(model.objects.values_list("pk", flat=True)) for model in case_models()}


def stored_names(rows) -> set[str]:
    return {name for _storage, name in services.stored_files(rows)}


def on_disk(media: Path) -> dict[str, bytes]:
    return {path.relative_to(media).as_posix(): path.read_bytes() for path in media.rglob("*") if path.is_file()}


def exported(user: User) -> tuple[list[str], zipfile.ZipFile]:
    out = io.BytesIO()
    names = privacy.write_export(user, out)
    archive = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    assert archive.testzip() is None
    return names, archive


def exported_rows(archive: zipfile.ZipFile) -> dict[str, set]:
    rows: dict[str, set] = {}
    for record in json.loads(archive.read(privacy.DATA_NAME)):
        rows.setdefault(record["model"], set()).add(record["pk"])
    return rows


@pytest.fixture
def world(owner, media) -> World:
    return make_everything(owner)


@pytest.fixture
def other_world(outsider, media) -> World:
    return make_everything(outsider, title="别人的案件")


# --- export -----------------------------------------------------------------------------------------------------


def test_export_holds_every_row_of_the_user_and_none_of_anyone_else(world, other_world):
    """Generic over the models: the two users' exports split every row of every case table between them."""
    _, mine = exported(world.user)
    _, theirs = exported(other_world.user)
    my_rows, their_rows = exported_rows(mine), exported_rows(theirs)
    for label, pks in all_rows().items():
        assert pks, f"the test world has no {label}: build one in make_everything"
        assert my_rows.get(label, set()) | their_rows.get(label, set()) == pks, label
        assert not my_rows.get(label, set()) & their_rows.get(label, set()), label
    assert my_rows["accounts.user"] == {world.user.pk}


def test_export_data_is_readable_and_complete(world):
    names, archive = exported(world.user)
    assert names == archive.namelist()
    assert names[:2] == [privacy.README_NAME, privacy.DATA_NAME]
    records = json.loads(archive.read(privacy.DATA_NAME))
    [user] = [r for r in records if r["model"] == "accounts.user"]
    assert user["fields"]["email"] == world.user.email and "password" not in user["fields"]
    [case] = [r for r in records if r["model"] == "cases.case" and r["pk"] == world.case.pk]
    assert case["fields"]["id_number"] == VALID_ID  # decrypted: it is the user's own
    assert case["fields"]["contact_phone"] == OWNER_PHONE
    [hardship] = [r for r in records if r["model"] == "cases.hardship"]
    assert hardship["fields"]["narrative"] == NARRATIVE
    readme = archive.read(privacy.README_NAME).decode()
    assert privacy.DATA_NAME in readme and privacy.FILES_FOLDER in readme


def test_export_holds_every_stored_file_with_its_bytes(world, other_world, media):
    names, archive = exported(world.user)
    mine = stored_names(services.user_rows(world.user))
    assert len(mine) >= 7  # two photos with their thumbnails, a PDF, two documents
    assert {name for name in names if name.startswith("files/")} == {f"files/{name}" for name in mine}
    for name in mine:
        assert archive.read(f"files/{name}") == (media / name).read_bytes(), name


def test_export_holds_the_call_recording_as_it_was_recorded(world, media):
    names, archive = exported(world.user)
    [stored] = EvidenceFile.objects.filter(evidence__case=world.case, content_type="audio/mp4")
    assert f"files/{stored.file.name}" in names
    assert archive.read(f"files/{stored.file.name}") == m4a()
    [record] = [r for r in json.loads(archive.read(privacy.DATA_NAME)) if r["model"] == "cases.evidencefile"
                and r["pk"] == stored.pk]  # fmt: skip
    assert (record["fields"]["original_name"], record["fields"]["content_type"]) == ("95188 通话.m4a", "audio/mp4")


def test_export_view_sends_the_zip_to_its_owner_only(owner_client, world, other_world):
    response = owner_client.post(reverse("data_export"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "no-store" in response["Cache-Control"]
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert exported_rows(archive)["cases.case"] == {world.case.pk, world.second_case.pk}
    assert owner_client.get(reverse("data_export")).status_code == 405


def test_export_needs_a_signed_in_user(client, world):
    response = client.post(reverse("data_export"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_data_page_offers_every_right(owner_client):
    body = owner_client.get(reverse("my_data")).content.decode()
    for name in ("data_export", "account_delete", "consent_withdraw"):
        assert reverse(name) in body
    assert reverse("my_data") in owner_client.get(reverse("privacy")).content.decode()


# --- deleting the account ---------------------------------------------------------------------------------------


def delete_account(client, password: str = PASSWORD, **extra):
    return client.post(reverse("account_delete"), {"password": password, "confirm": "on", **extra})


def test_wrong_password_deletes_nothing(owner_client, world, media):
    before_rows, before_disk = all_rows(), on_disk(media)
    response = delete_account(owner_client, "not-my-password")
    assert response.status_code == 200
    assert "密码不正确" in response.content.decode()
    response = owner_client.post(reverse("account_delete"), {"password": PASSWORD})
    assert response.status_code == 200 and "请勾选确认" in response.content.decode()
    assert all_rows() == before_rows and on_disk(media) == before_disk
    assert User.objects.filter(pk=world.user.pk).exists()


def test_deleting_the_account_removes_every_row_and_every_file(
    owner_client, world, other_world, media, django_capture_on_commit_callbacks
):
    mine = stored_names(services.user_rows(world.user))
    theirs = on_disk(media).keys() - mine
    _, their_export = exported(other_world.user)
    AccessFailureLog.objects.create(username=world.user.email, ip_address="203.0.113.9", user_agent="x")
    LogEntry.objects.log_actions(
        user_id=other_world.user.pk, queryset=[world.case], action_flag=CHANGE, change_message="改了标题"
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = delete_account(owner_client)
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert "_auth_user_id" not in owner_client.session
    assert not User.objects.filter(pk=world.user.pk).exists()
    # Every row left in every case table is the other user's.
    assert all_rows() == {label: exported_rows(their_export).get(label, set()) for label in all_rows()}
    assert not AccessFailureLog.objects.exists()
    assert not LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(Case)).exists()
    # The files: through the storage API (as S3 would be asked) and on disk; the other user's are untouched.
    for name in mine:
        assert not default_storage.exists(name), name
    assert on_disk(media).keys() == theirs
    assert owner_client.get(reverse("home")).status_code == 200


def test_account_delete_asks_for_the_password(owner_client):
    body = owner_client.get(reverse("account_delete")).content.decode()
    assert 'type="password"' in body and "永久删除" in body


def test_password_guesses_on_the_delete_page_are_limited(owner_client, world):
    for _ in range(5):
        assert delete_account(owner_client, "guess").status_code == 200
    assert delete_account(owner_client).status_code == 429
    assert User.objects.filter(pk=world.user.pk).exists()


# --- withdrawing the consent ------------------------------------------------------------------------------------


def test_the_confirmation_says_what_is_deleted(owner_client):
    body = owner_client.get(reverse("consent_withdraw")).content.decode()
    for words in ("身份证号", "困难情况", "证明材料", "永久删除"):
        assert words in body


def test_withdrawing_without_confirming_changes_nothing(owner_client, world, media):
    before_rows, before_disk = all_rows(), on_disk(media)
    response = owner_client.post(reverse("consent_withdraw"), {})
    assert response.status_code == 200 and "请勾选确认" in response.content.decode()
    assert all_rows() == before_rows and on_disk(media) == before_disk


def test_withdrawing_deletes_the_sensitive_data_and_its_files(
    owner_client, world, other_world, media, django_capture_on_commit_callbacks
):
    sensitive_rows = [
        *EvidenceFile.objects.filter(evidence__case__owner=world.user),
        *GeneratedDocument.objects.filter(case__owner=world.user),
    ]
    sensitive_files = stored_names(sensitive_rows)
    theirs = {name: data for name, data in on_disk(media).items() if name not in sensitive_files}
    debts_before = world.case.debts.count()
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(reverse("consent_withdraw"), {"confirm": "on"})
    assert response.status_code == 302
    for case in Case.objects.filter(owner=world.user):
        assert case.id_number is None
    assert not Hardship.objects.filter(case__owner=world.user).exists()
    assert not Evidence.objects.filter(case__owner=world.user).exists()
    assert not GeneratedDocument.objects.filter(case__owner=world.user).exists()
    for name in sensitive_files:
        assert not default_storage.exists(name), name
    assert on_disk(media) == theirs
    # What is not sensitive stays: the debts, the calls, the agreement and its payments.
    assert world.case.debts.count() == debts_before
    assert world.case.contacts.exists() and world.case.agreements.get().payments.exists()
    user = User.objects.get(pk=world.user.pk)
    assert user.has_withdrawn_consent and user.sensitive_consent_at is None
    # The other user's case keeps everything.
    assert Case.objects.get(pk=other_world.case.pk).id_number == VALID_ID
    assert Hardship.objects.filter(case=other_world.case).exists()


def test_after_withdrawing_no_case_is_processed_until_the_consent_is_given_again(owner_client, world):
    services.user_withdraw_consent(user=world.user)
    detail = reverse("cases:detail", args=[world.case.code])
    step = reverse("cases:wizard_step", args=[world.case.code, "hardship"])
    for url in (detail, step, reverse("cases:new")):
        response = owner_client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("consent_give")), url
    response = owner_client.post(step, {"reasons": ["illness"], "narrative": NARRATIVE})
    assert response.status_code == 302 and not Hardship.objects.filter(case=world.case).exists()
    assert owner_client.get(reverse("home")).status_code == 200  # the list of cases still opens
    # Giving it again, the user goes back where they were.
    response = owner_client.post(reverse("consent_give"), {"next": detail})
    assert response.status_code == 200 and "单独同意" in response.content.decode()
    response = owner_client.post(reverse("consent_give"), {"consent_sensitive": "on", "next": detail})
    assert response.status_code == 302 and response["Location"] == detail
    assert owner_client.get(detail).status_code == 200
    user = User.objects.get(pk=world.user.pk)
    assert not user.has_withdrawn_consent and user.sensitive_consent_at is not None


def test_consent_page_never_sends_a_user_elsewhere(owner_client, owner):
    services.user_withdraw_consent(user=owner)
    response = owner_client.post(
        reverse("consent_give"), {"consent_sensitive": "on", "next": "https://evil.example.com/"}
    )
    assert response["Location"] == reverse("home")


# --- logs and error reports -------------------------------------------------------------------------------------


def test_the_console_log_masks_phone_numbers_id_numbers_and_emails(settings):
    logging_settings = settings.LOGGING
    assert logging_settings["filters"]["personal_data"]["()"] == "core.logging.RedactPersonalData"
    assert logging_settings["root"]["handlers"] == ["console"]
    assert "personal_data" in logging_settings["handlers"]["console"]["filters"]
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.addFilter(RedactPersonalData())
    logger = logging.getLogger("tests.privacy")
    logger.addHandler(handler)
    try:
        logger.warning("login %s from %s, id %s", OWNER_PHONE, "owner@example.com", VALID_ID)
        try:
            raise ValueError(f"bad phone +86{OWNER_PHONE}")
        except ValueError:
            logger.exception("failed")
    finally:
        logger.removeHandler(handler)
    text = buffer.getvalue()
    assert OWNER_PHONE not in text and VALID_ID not in text and "owner@example.com" not in text
    assert "138****5678" in text and "ValueError" in text


def test_an_error_report_carries_no_personal_data(owner):
    request = RequestFactory().post(
        "/cases/new/?phone=" + OWNER_PHONE,
        {"id_number": VALID_ID, "narrative": NARRATIVE, "contact_phone": OWNER_PHONE},
    )
    request.user = owner
    try:
        id_number = VALID_ID  # noqa: F841 (a local variable the report would otherwise show)
        raise RuntimeError(f"could not save {OWNER_PHONE}")
    except RuntimeError:
        reporter = get_exception_reporter_class(request)(request, *sys.exc_info())
    for report in (reporter.get_traceback_text(), reporter.get_traceback_html()):
        for value in (VALID_ID, NARRATIVE, OWNER_PHONE, owner.email):
            assert value not in report, value
        assert "RuntimeError" in report
