"""The evidence pages of cases/views/evidence.py: real multipart uploads into a temporary MEDIA_ROOT, downloads, the ZIP
bundle, status tracking, and a 404 for anyone but the owner on every evidence URL."""

import html
import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from cases import services, uploads
from cases.models import (
    Case,
    Evidence,
    EvidenceFile,
    EvidenceKind,
    EvidenceStatus,
    HardshipReason,
)

from . import files, recordings
from .builders import pdf, photo

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
STORED_NAME = re.compile(r"^evidence/[0-9a-f]{32}\.(?:jpg|png|webp|pdf)$")
THUMBNAIL_NAME = re.compile(r"^evidence/thumbnails/[0-9a-f]{32}\.jpg$")
HTMX = {"HX-Request": "true"}


# --- helpers ----------------------------------------------------------------------------------------------------


def bad_upload(bad: files.Refused) -> SimpleUploadedFile:
    return SimpleUploadedFile(bad.name, bad.build())


def url(name: str, case: Case, item: Evidence | None = None, stored: EvidenceFile | None = None) -> str:
    args = [case.code] + ([item.code] if item else []) + ([stored.code] if stored else [])
    return reverse(f"cases:{name}", args=args)


def post_upload(client, case: Case, item: Evidence, *chosen, headers=None, **fields):
    return client.post(url("evidence_upload", case, item), {"files": list(chosen), **fields}, headers=headers)


def on_disk(media: Path) -> dict[str, bytes]:
    """Every stored file under MEDIA_ROOT, by its storage name, with its bytes."""
    return {path.relative_to(media).as_posix(): path.read_bytes() for path in media.rglob("*") if path.is_file()}


def upload_temporary_files(media: Path) -> list[Path]:
    return list((media.parent / "upload-tmp").iterdir())


def evidence_rows() -> list[tuple]:
    """Every evidence item and file as stored, so a refused request can be shown to have changed nothing."""
    items = Evidence.objects.order_by("pk").values_list("pk", "status", "status_changed_on", "note", "position")
    stored = EvidenceFile.objects.order_by("pk").values_list(
        "pk", "code", "evidence_id", "file", "thumbnail", "original_name", "content_type", "size", "pages", "position"
    )
    return [*items, *stored]


def status_of(item: Evidence) -> str:
    return Evidence.objects.values_list("status", flat=True).get(pk=item.pk)


def streamed(response) -> bytes:
    return b"".join(response.streaming_content)


def text(response) -> str:
    return response.content.decode()


# --- fixtures ---------------------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    """Real file storage in a fresh folder, and the upload handler's temporary files in another one, both watched."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "upload-tmp")
    (tmp_path / "media").mkdir()
    (tmp_path / "upload-tmp").mkdir()
    return tmp_path / "media"


@pytest.fixture
def case(owner) -> Case:
    """A case whose hardship (job loss) gives the checklist: ID card, statement, income, unemployment, bank."""
    case = services.case_create(owner=owner, title="花呗逾期协商")
    services.hardship_save(case=case, reasons=[HardshipReason.UNEMPLOYMENT])
    return case


@pytest.fixture
def id_card(case) -> Evidence:
    return Evidence.objects.get(case=case, kind=EvidenceKind.ID_CARD)


@pytest.fixture
def statement(case) -> Evidence:
    return Evidence.objects.get(case=case, kind=EvidenceKind.STATEMENT)


@pytest.fixture
def stored_photo(id_card) -> EvidenceFile:
    """A photo uploaded earlier to the ID card item (through the service, which the upload view calls)."""
    return services.evidence_upload(evidence=id_card, files=[photo()])[0]


@pytest.fixture
def stored_pdf(statement) -> EvidenceFile:
    return services.evidence_upload(evidence=statement, files=[pdf()])[0]


@pytest.fixture
def foreign_file(outsider) -> EvidenceFile:
    """A file in another user's case."""
    other = services.case_create(owner=outsider, title="别人的案件")
    item = services.evidence_create(case=other, kind=EvidenceKind.ID_CARD)
    return services.evidence_upload(evidence=item, files=[photo("别人的身份证.jpg")])[0]


def test_the_checklist_fixture_has_five_items_in_order(case):
    kinds = list(Evidence.objects.filter(case=case).order_by("position").values_list("kind", "position"))
    assert kinds == [
        ("id_card", 1),
        ("statement", 2),
        ("income_proof", 3),
        ("unemployment_certificate", 4),
        ("bank_statement", 5),
    ]


# --- uploading --------------------------------------------------------------------------------------------------


def test_upload_one_photo_from_the_item_page(owner_client, case, id_card, media):
    response = post_upload(owner_client, case, id_card, photo("身份证正面.jpg"))
    assert response.status_code == 302
    assert response["Location"] == url("evidence_detail", case, id_card)
    [stored] = id_card.files.all()
    assert STORED_NAME.match(stored.file.name) and stored.extension == "jpg"
    assert THUMBNAIL_NAME.match(stored.thumbnail.name)
    assert (stored.original_name, stored.content_type, stored.pages, stored.position) == (
        "身份证正面.jpg",
        "image/jpeg",
        1,
        1,
    )
    assert on_disk(media).keys() == {stored.file.name, stored.thumbnail.name}
    assert stored.size == len(on_disk(media)[stored.file.name])
    # Readable by the app's own user only (FILE_UPLOAD_PERMISSIONS, FILE_UPLOAD_DIRECTORY_PERMISSIONS).
    assert (media / stored.file.name).stat().st_mode & 0o777 == 0o600
    assert (media / "evidence").stat().st_mode & 0o777 == 0o700
    id_card.refresh_from_db()
    assert (id_card.status, id_card.status_changed_on) == (EvidenceStatus.UPLOADED, TODAY)
    page = text(owner_client.get(response["Location"]))
    assert "已上传 1 个文件：身份证。" in page and "身份证正面.jpg" in page
    assert upload_temporary_files(media) == []


def test_upload_several_files_at_once(owner_client, case, id_card, media):
    chosen = [photo("正面.jpg"), SimpleUploadedFile("photo.jpg", files.png_as_jpeg_name()), pdf("反面.pdf", pages=2)]
    response = post_upload(owner_client, case, id_card, *chosen)
    assert response.status_code == 302
    stored = list(id_card.files.order_by("position"))
    assert [(f.original_name, f.content_type, f.extension, f.pages, f.position) for f in stored] == [
        ("正面.jpg", "image/jpeg", "jpg", 1, 1),
        ("photo.jpg", "image/png", "png", 1, 2),
        ("反面.pdf", "application/pdf", "pdf", 2, 3),
    ]
    assert all(STORED_NAME.match(f.file.name) for f in stored)
    assert [bool(f.thumbnail) for f in stored] == [True, True, False]
    assert len(on_disk(media)) == 5  # three files and two thumbnails
    assert on_disk(media)[stored[2].file.name] == files.tiny_pdf(pages=2)
    assert "已上传 3 个文件：身份证。" in text(owner_client.get(response["Location"]))


def test_stored_names_are_random_and_never_the_users(owner_client, case, id_card, media):
    long_name = "长" * 300 + ".jpg"
    post_upload(owner_client, case, id_card, photo("..身份证正面.jpg"), photo(long_name))
    first, second = id_card.files.order_by("position")
    assert first.original_name == "身份证正面.jpg"
    assert len(second.original_name) <= 120 and second.original_name.endswith(".jpg")
    for stored in (first, second):
        assert STORED_NAME.match(stored.file.name)
        assert ".." not in stored.file.name and "身份证" not in stored.file.name and "长" not in stored.file.name
        assert (media / stored.file.name).resolve().is_relative_to((media / "evidence").resolve())
    assert first.file.name != second.file.name


def test_upload_from_the_wizard_returns_to_the_checklist(owner_client, case, id_card):
    checklist_url = reverse("cases:wizard_step", args=[case.code, "evidence"])
    checklist = text(owner_client.get(checklist_url))
    assert f'id="upload-{id_card.code}"' in checklist and 'name="return" value="wizard"' in checklist
    response = post_upload(owner_client, case, id_card, photo(), pdf(), **{"return": "wizard"})
    assert response.status_code == 302 and response["Location"] == checklist_url
    assert id_card.files.count() == 2 and status_of(id_card) == EvidenceStatus.UPLOADED
    checklist = text(owner_client.get(checklist_url))
    assert "已上传 2 个文件：身份证。" in checklist and "2 个文件" in checklist


def test_upload_from_the_case_page_returns_to_the_case_page(owner_client, case, statement):
    response = post_upload(owner_client, case, statement, pdf(), **{"return": "case"})
    assert response["Location"] == reverse("cases:detail", args=[case.code]) + "#evidence"


# --- refused uploads --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", files.REFUSED, ids=str)
def test_bad_file_is_refused_and_nothing_is_stored(owner_client, case, id_card, stored_photo, media, bad):
    before_rows, before_disk = evidence_rows(), on_disk(media)
    response = post_upload(owner_client, case, id_card, bad_upload(bad))
    assert response.status_code == 200
    assert f"“{bad.name}”没有保存：{bad.reason}" in text(response)
    assert evidence_rows() == before_rows
    assert on_disk(media) == before_disk  # the earlier photo of the same case is still there, byte for byte
    assert upload_temporary_files(media) == []


def test_one_bad_file_among_several_stores_none(owner_client, case, statement, media):
    elf = files.REFUSED[0]
    response = post_upload(owner_client, case, statement, photo(), pdf(), bad_upload(elf))
    page = text(response)
    assert response.status_code == 200
    assert "“setup.jpg”没有保存：只能上传 PDF 或照片" in page
    assert "这次选择的文件都没有保存，请去掉上面的文件后重新上传。" in page
    assert not EvidenceFile.objects.exists() and on_disk(media) == {}
    assert status_of(statement) == EvidenceStatus.MISSING


def test_16_mb_upload_is_stopped_by_the_upload_handler(owner_client, case, id_card, stored_photo, media, monkeypatch):
    def must_not_run(**kwargs):
        raise AssertionError("a file past 15 MB reached the upload service")

    monkeypatch.setattr(services, "evidence_upload", must_not_run)
    before_disk = on_disk(media)
    big = SimpleUploadedFile("扫描件.pdf", files.sixteen_megabytes())
    response = post_upload(owner_client, case, id_card, big, pdf("small.pdf"))
    assert response.status_code == 200
    assert "“扫描件.pdf”没有保存：文件超过 15 MB。请压缩后或分成几份再上传。" in text(response)
    assert id_card.files.count() == 1 and on_disk(media) == before_disk
    assert upload_temporary_files(media) == []  # neither the cut-off 16 MB file nor the small one is left behind


def test_case_size_limit_refuses_what_would_pass_it(owner_client, case, statement, stored_photo, media, monkeypatch):
    monkeypatch.setattr(uploads, "MAX_CASE_BYTES", stored_photo.size + 100)
    assert len(files.tiny_pdf()) > 100
    before_disk = on_disk(media)
    response = post_upload(owner_client, case, statement, pdf())
    assert response.status_code == 200
    assert "一个案件的材料合计不能超过" in text(response)
    assert not statement.files.exists() and on_disk(media) == before_disk


def test_replacing_a_file_counts_the_space_the_old_one_frees(
    owner_client, case, id_card, stored_photo, media, monkeypatch
):
    monkeypatch.setattr(uploads, "MAX_CASE_BYTES", stored_photo.size + 100)
    response = owner_client.post(url("evidence_file_replace", case, id_card, stored_photo), {"files": photo("新.jpg")})
    assert response.status_code == 302
    assert EvidenceFile.objects.get(pk=stored_photo.pk).original_name == "新.jpg"


def test_more_than_ten_files_at_once_are_refused(owner_client, case, statement, media):
    chosen = [pdf(f"第{n}页.pdf") for n in range(uploads.MAX_FILES_PER_UPLOAD + 1)]
    response = post_upload(owner_client, case, statement, *chosen)
    assert response.status_code == 200 and "一次最多上传 10 个文件。" in text(response)
    assert not EvidenceFile.objects.exists() and on_disk(media) == {}


def test_upload_without_a_file_asks_for_one(owner_client, case, statement):
    response = owner_client.post(url("evidence_upload", case, statement), {"return": ""})
    assert response.status_code == 200 and "请选择要上传的文件。" in text(response)


@pytest.mark.parametrize("name", ["收入证明100%.jpg", "a%d.jpg"])
def test_refused_file_with_a_percent_sign_in_its_name_gets_a_page_not_an_error(owner_client, case, statement, name):
    response = post_upload(owner_client, case, statement, SimpleUploadedFile(name, files.elf_executable()))
    assert response.status_code == 200
    assert f"“{name}”没有保存：只能上传 PDF 或照片" in text(response)


# --- htmx -------------------------------------------------------------------------------------------------------


def test_htmx_upload_redirects_the_browser_itself(owner_client, case, id_card):
    response = post_upload(owner_client, case, id_card, photo(), headers=HTMX, **{"return": "wizard"})
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("cases:wizard_step", args=[case.code, "evidence"])
    assert id_card.files.count() == 1


def test_htmx_upload_from_the_case_page_reloads_it(owner_client, case, id_card):
    """Going "back" to the page the form is on, with only "#evidence" added, would not reload it: refresh instead."""
    current = "http://testserver" + reverse("cases:detail", args=[case.code]) + "#evidence"
    headers = {**HTMX, "HX-Current-URL": current}
    response = post_upload(owner_client, case, id_card, photo(), headers=headers, **{"return": "case"})
    assert response.status_code == 200
    assert response["HX-Refresh"] == "true" and "HX-Redirect" not in response
    assert id_card.files.count() == 1


def test_htmx_upload_failure_returns_the_form_with_its_errors(owner_client, case, id_card, media):
    response = post_upload(owner_client, case, id_card, bad_upload(files.REFUSED[0]), headers=HTMX)
    page = text(response)
    assert response.status_code == 200 and "HX-Redirect" not in response
    # The page holds the form htmx swaps in (hx-select), with the error inside it and the field marked invalid.
    marker = f'id="upload-{id_card.code}"'
    form = page[page.rindex("<form", 0, page.index(marker)) :]
    form = form[: form.index("</form>")]
    assert marker in form
    assert "“setup.jpg”没有保存：只能上传 PDF 或照片" in form and "is-invalid" in form
    assert on_disk(media) == {}


# --- download and thumbnail -------------------------------------------------------------------------------------


def test_owner_downloads_the_cleaned_photo(owner_client, case, id_card, stored_photo, media):
    response = owner_client.get(url("evidence_file_download", case, id_card, stored_photo))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert {"no-store", "private"} <= set(response["Cache-Control"].split(", "))
    assert response["Content-Type"] == "image/jpeg"
    content = streamed(response)
    assert content == on_disk(media)[stored_photo.file.name]
    assert not Image.open(io.BytesIO(content)).getexif().get_ifd(files.GPS_IFD)


def test_owner_downloads_a_pdf_as_it_was_uploaded(owner_client, case, statement, stored_pdf):
    response = owner_client.get(url("evidence_file_download", case, statement, stored_pdf))
    assert response["Content-Type"] == "application/pdf"
    assert streamed(response) == files.tiny_pdf()


@pytest.mark.parametrize(("name", "content", "offered"), [
    ("IMG_0001.HEIC", files.heic_photo, "IMG_0001.jpg"),
    ("photo.jpg", files.png_as_jpeg_name, "photo.png"),
])  # fmt: skip
def test_download_name_has_the_extension_of_the_stored_type(owner_client, case, id_card, name, content, offered):
    """A HEIC photo is kept as a JPEG: offered back as .HEIC, the phone or PC would not open it as a photo."""
    [stored] = services.evidence_upload(evidence=id_card, files=[SimpleUploadedFile(name, content())])
    response = owner_client.get(url("evidence_file_download", case, id_card, stored))
    assert response["Content-Disposition"] == f'attachment; filename="{offered}"'


def test_thumbnail_of_a_photo_is_a_small_jpeg(owner_client, case, id_card, media):
    [stored] = services.evidence_upload(evidence=id_card, files=[photo(size=(2000, 1500))])
    response = owner_client.get(url("evidence_file_thumbnail", case, id_card, stored))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert {"no-store", "private"} <= set(response["Cache-Control"].split(", "))
    image = Image.open(io.BytesIO(streamed(response)))
    assert image.format == "JPEG" and image.size == (uploads.THUMBNAIL_EDGE, 240)


def test_pdf_has_no_thumbnail(owner_client, case, statement, stored_pdf):
    assert owner_client.get(url("evidence_file_thumbnail", case, statement, stored_pdf)).status_code == 404


# --- ownership --------------------------------------------------------------------------------------------------


def status_form(status: str = EvidenceStatus.SENT) -> dict:
    return {"status": status, "on": TODAY.isoformat(), "note": "外人改的"}


# (URL name, what it needs: "case", "item" or "file", method, a function giving the POST data)
EVIDENCE_URLS = [
    ("evidence_detail", "item", "get", None),
    ("evidence_upload", "item", "post", lambda: {"files": [photo("外人.jpg")]}),
    ("evidence_status", "item", "post", status_form),
    ("evidence_delete", "item", "get", None),
    ("evidence_delete", "item", "post", dict),
    ("evidence_file_download", "file", "get", None),
    ("evidence_file_thumbnail", "file", "get", None),
    ("evidence_file_replace", "file", "get", None),
    ("evidence_file_replace", "file", "post", lambda: {"files": pdf("外人.pdf")}),
    ("evidence_file_delete", "file", "get", None),
    ("evidence_file_delete", "file", "post", dict),
    ("bundle", "case", "get", None),
    ("bundle", "case", "post", dict),
]
URL_IDS = [f"{method}-{name}" for name, _level, method, _data in EVIDENCE_URLS]


def evidence_url(name: str, level: str, case: Case, stored: EvidenceFile) -> str:
    item = stored.evidence
    return url(name, case, item if level != "case" else None, stored if level == "file" else None)


def send(client, method: str, target: str, data):
    return client.post(target, data()) if method == "post" else client.get(target)


@pytest.mark.parametrize(("name", "level", "method", "data"), EVIDENCE_URLS, ids=URL_IDS)
def test_outsider_gets_404_on_every_evidence_url_and_nothing_changes(
    outsider_client, case, stored_photo, media, name, level, method, data
):
    before_rows, before_disk = evidence_rows(), on_disk(media)
    response = send(outsider_client, method, evidence_url(name, level, case, stored_photo), data)
    assert response.status_code == 404
    assert evidence_rows() == before_rows and on_disk(media) == before_disk


# A file URL answers an anonymous visitor as it answers a stranger; a page sends them to log in first.
FILE_VIEWS = {"evidence_file_download", "evidence_file_thumbnail"}


@pytest.mark.parametrize(("name", "level", "method", "data"), EVIDENCE_URLS, ids=URL_IDS)
def test_anonymous_visitor_never_gets_a_file_or_changes_anything(
    anonymous_client, case, stored_photo, media, name, level, method, data
):
    before_rows, before_disk = evidence_rows(), on_disk(media)
    response = send(anonymous_client, method, evidence_url(name, level, case, stored_photo), data)
    if name in FILE_VIEWS:
        assert response.status_code == 404
    else:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login") + "?next=")
    assert not response.streaming
    assert all(content not in response.content for content in before_disk.values())
    assert evidence_rows() == before_rows and on_disk(media) == before_disk


@pytest.mark.parametrize(("name", "level"), sorted({(name, level) for name, level, _m, _d in EVIDENCE_URLS}))
def test_owner_opens_every_evidence_page(owner_client, case, stored_photo, name, level):
    """The other side of the two tests above: the same URLs work for the owner, so their 404s mean something."""
    if name == "evidence_upload" or name == "evidence_status":
        response = owner_client.post(evidence_url(name, level, case, stored_photo), {})
    else:
        response = owner_client.get(evidence_url(name, level, case, stored_photo))
    assert response.status_code == 200


FILE_URLS = ["evidence_file_download", "evidence_file_thumbnail", "evidence_file_replace", "evidence_file_delete"]


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("name", FILE_URLS)
def test_file_of_another_users_case_is_404_under_the_owners_own_codes(
    owner_client, case, id_card, stored_photo, foreign_file, media, name, method
):
    before_rows, before_disk = evidence_rows(), on_disk(media)
    target = url(name, case, id_card, foreign_file)
    response = owner_client.post(target, {"files": photo()}) if method == "post" else owner_client.get(target)
    assert response.status_code == 404
    assert evidence_rows() == before_rows and on_disk(media) == before_disk


def test_item_of_another_case_of_the_same_owner_is_404(owner_client, owner, case, stored_photo):
    second = services.case_create(owner=owner, title="信用卡协商")
    for name in ("evidence_detail", "evidence_delete"):
        assert owner_client.get(url(name, second, stored_photo.evidence)).status_code == 404
    assert (
        owner_client.get(url("evidence_file_download", second, stored_photo.evidence, stored_photo)).status_code == 404
    )


def test_file_of_another_item_of_the_same_case_is_404(owner_client, case, statement, stored_photo):
    assert owner_client.get(url("evidence_file_download", case, statement, stored_photo)).status_code == 404


def test_malformed_and_unknown_codes_give_404(owner_client, case, id_card, stored_photo):
    item = f"/cases/{case.code}/evidence/{id_card.code}"
    for path in [
        f"/cases/not-a-uuid/evidence/{id_card.code}/",
        f"/cases/{case.pk}/evidence/{id_card.code}/",
        f"/cases/{case.code}/evidence/{id_card.pk}/",
        f"/cases/{case.code}/evidence/{str(id_card.code)[:-1]}/",
        f"{item}/files/{stored_photo.pk}/",
        f"{item}/files/{stored_photo.code}x/",
        f"{item}/files/../../../../private-media-not-served/{stored_photo.file.name}",
        f"/cases/{case.code}/evidence/00000000-0000-0000-0000-000000000000/",
        f"{item}/files/00000000-0000-0000-0000-000000000000/",
    ]:
        assert owner_client.get(path).status_code == 404, path


def test_stored_files_are_not_served_under_media_or_static_urls(owner_client, anonymous_client, settings, stored_photo):
    for name in (stored_photo.file.name, stored_photo.thumbnail.name):
        for client in (owner_client, anonymous_client):
            assert client.get(settings.MEDIA_URL + name).status_code == 404
            assert client.get("/static/" + name).status_code == 404
            assert client.get("/" + name).status_code == 404
    stored_at = Path(stored_photo.file.path).resolve()
    for public in [Path(settings.STATIC_ROOT), *map(Path, settings.STATICFILES_DIRS)]:
        assert not stored_at.is_relative_to(public.resolve())
    assert not stored_photo.file.url.startswith(settings.STATIC_URL)


# --- replacing a file -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [files.REFUSED[0], files.REFUSED[7], files.REFUSED[-1]], ids=str)
def test_bad_replacement_leaves_the_old_file_and_row(owner_client, case, id_card, stored_photo, media, bad):
    before_rows, before_disk = evidence_rows(), on_disk(media)
    response = owner_client.post(url("evidence_file_replace", case, id_card, stored_photo), {"files": bad_upload(bad)})
    assert response.status_code == 200
    assert f"“{bad.name}”没有保存：{bad.reason}" in text(response)
    assert evidence_rows() == before_rows and on_disk(media) == before_disk


def test_16_mb_replacement_is_refused_and_the_old_file_kept(owner_client, case, id_card, stored_photo, media):
    before_rows, before_disk = evidence_rows(), on_disk(media)
    big = SimpleUploadedFile("扫描件.pdf", files.sixteen_megabytes())
    target = url("evidence_file_replace", case, id_card, stored_photo)
    response = owner_client.post(target, {"files": big, "csrfmiddlewaretoken": "as a browser sends it"})
    assert response.status_code == 200
    assert "“扫描件.pdf”没有保存：文件超过 15 MB" in text(response)
    assert evidence_rows() == before_rows and on_disk(media) == before_disk
    assert upload_temporary_files(media) == []


def test_16_mb_replacement_with_nothing_else_in_the_form_is_refused(owner_client, case, id_card, stored_photo):
    """The form holds only the file (no other field): the request is still answered with the refusal."""
    big = SimpleUploadedFile("扫描件.pdf", files.sixteen_megabytes())
    response = owner_client.post(url("evidence_file_replace", case, id_card, stored_photo), {"files": big})
    assert response.status_code == 200
    assert "“扫描件.pdf”没有保存：文件超过 15 MB" in text(response)


def test_replace_page_names_the_file(owner_client, case, id_card, stored_photo):
    response = owner_client.get(url("evidence_file_replace", case, id_card, stored_photo))
    assert response.status_code == 200 and "替换“身份证正面.jpg”" in text(response)


def test_good_replacement_keeps_the_old_file_until_the_new_one_is_committed(
    owner_client, case, id_card, stored_photo, media, django_capture_on_commit_callbacks
):
    old_names = {stored_photo.file.name, stored_photo.thumbnail.name}
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = owner_client.post(
            url("evidence_file_replace", case, id_card, stored_photo), {"files": pdf("身份证复印件.pdf", pages=2)}
        )
    assert response.status_code == 302 and response["Location"] == url("evidence_detail", case, id_card)
    replaced = EvidenceFile.objects.get(pk=stored_photo.pk)
    assert (replaced.code, replaced.position) == (stored_photo.code, stored_photo.position)
    assert (replaced.original_name, replaced.content_type, replaced.pages, replaced.thumbnail.name) == (
        "身份证复印件.pdf",
        "application/pdf",
        2,
        "",
    )
    assert STORED_NAME.match(replaced.file.name) and replaced.file.name not in old_names
    # Until the transaction commits, both are on disk: a rollback would still find the old file.
    assert on_disk(media).keys() == old_names | {replaced.file.name}
    for callback in callbacks:
        callback()
    assert on_disk(media) == {replaced.file.name: files.tiny_pdf(pages=2)}


def test_replacement_of_a_rejected_file_makes_the_item_uploaded(
    owner_client, case, id_card, stored_photo, media, django_capture_on_commit_callbacks
):
    services.evidence_set_status(evidence=id_card, status=EvidenceStatus.SENT)
    services.evidence_set_status(evidence=id_card, status=EvidenceStatus.REJECTED, note="照片模糊")
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(
            url("evidence_file_replace", case, id_card, stored_photo), {"files": photo("清楚的照片.jpg")}
        )
    assert response.status_code == 302
    assert status_of(id_card) == EvidenceStatus.UPLOADED
    replaced = EvidenceFile.objects.get(pk=stored_photo.pk)
    assert on_disk(media).keys() == {replaced.file.name, replaced.thumbnail.name}


def test_new_file_for_a_rejected_item_makes_it_uploaded(owner_client, case, id_card, stored_photo):
    services.evidence_set_status(evidence=id_card, status=EvidenceStatus.SENT)
    services.evidence_set_status(evidence=id_card, status=EvidenceStatus.REJECTED)
    response = post_upload(owner_client, case, id_card, photo("清楚的照片.jpg"))
    assert response.status_code == 302
    id_card.refresh_from_db()
    assert (id_card.status, id_card.status_changed_on, id_card.files.count()) == (EvidenceStatus.UPLOADED, TODAY, 2)


def test_new_file_for_a_sent_item_leaves_it_sent(owner_client, case, id_card, stored_photo):
    services.evidence_set_status(evidence=id_card, status=EvidenceStatus.SENT)
    post_upload(owner_client, case, id_card, photo("补充.jpg"))
    assert status_of(id_card) == EvidenceStatus.SENT


# --- deleting ---------------------------------------------------------------------------------------------------


def test_file_delete_page_asks_first_and_deletes_nothing(owner_client, case, id_card, stored_photo, media):
    before_rows, before_disk = evidence_rows(), on_disk(media)
    response = owner_client.get(url("evidence_file_delete", case, id_card, stored_photo))
    assert response.status_code == 200 and "确定删除“身份证正面.jpg”吗？" in text(response)
    assert evidence_rows() == before_rows and on_disk(media) == before_disk


def test_deleting_the_last_file_removes_it_from_disk_and_makes_the_item_missing(
    owner_client, case, id_card, stored_photo, media, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(url("evidence_file_delete", case, id_card, stored_photo))
    assert response.status_code == 302 and response["Location"] == url("evidence_detail", case, id_card)
    assert not EvidenceFile.objects.exists()
    assert on_disk(media) == {}
    assert status_of(id_card) == EvidenceStatus.MISSING
    assert "已删除“身份证正面.jpg”。" in text(owner_client.get(response["Location"]))


def test_deleting_one_of_three_files_renumbers_the_rest(
    owner_client, case, id_card, media, django_capture_on_commit_callbacks
):
    first, second, third = services.evidence_upload(
        evidence=id_card, files=[photo("1.jpg"), pdf("2.pdf", pages=2), pdf("3.pdf", pages=3)]
    )
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(url("evidence_file_delete", case, id_card, first))
    assert list(id_card.files.order_by("position").values_list("original_name", "position")) == [
        ("2.pdf", 1),
        ("3.pdf", 2),
    ]
    assert on_disk(media).keys() == {second.file.name, third.file.name}
    assert status_of(id_card) == EvidenceStatus.UPLOADED


@pytest.mark.parametrize("status", [EvidenceStatus.SENT, EvidenceStatus.ACCEPTED])
def test_only_file_of_an_item_the_lender_has_cannot_be_deleted(
    owner_client, case, id_card, stored_photo, media, django_capture_on_commit_callbacks, status
):
    services.evidence_set_status(evidence=id_card, status=EvidenceStatus.SENT)
    if status == EvidenceStatus.ACCEPTED:
        services.evidence_set_status(evidence=id_card, status=EvidenceStatus.ACCEPTED)
    before_rows, before_disk = evidence_rows(), on_disk(media)
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(url("evidence_file_delete", case, id_card, stored_photo), follow=True)
    assert response.status_code == 200
    assert "不能删掉唯一的文件；如需更换，请用“替换”。" in text(response)
    assert evidence_rows() == before_rows and on_disk(media) == before_disk


def test_item_delete_page_asks_first_and_deletes_nothing(owner_client, case, id_card, stored_photo, media):
    before_rows, before_disk = evidence_rows(), on_disk(media)
    response = owner_client.get(url("evidence_delete", case, id_card))
    page = text(response)
    assert response.status_code == 200 and "确定删除“身份证”吗？" in page and "身份证正面.jpg" in page
    assert evidence_rows() == before_rows and on_disk(media) == before_disk


def test_deleting_an_item_removes_its_files_and_renumbers_the_others(
    owner_client, case, id_card, statement, stored_photo, stored_pdf, media, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(url("evidence_delete", case, id_card))
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:detail", args=[case.code]) + "#evidence"
    assert not Evidence.objects.filter(pk=id_card.pk).exists()
    assert on_disk(media).keys() == {stored_pdf.file.name}
    assert list(Evidence.objects.filter(case=case).order_by("position").values_list("kind", "position")) == [
        ("statement", 1),
        ("income_proof", 2),
        ("unemployment_certificate", 3),
        ("bank_statement", 4),
    ]


def test_deleting_the_case_removes_every_stored_file(
    owner_client, case, stored_photo, stored_pdf, media, django_capture_on_commit_callbacks
):
    assert len(on_disk(media)) == 3
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(reverse("cases:delete", args=[case.code]))
    assert response.status_code == 302
    assert on_disk(media) == {} and not EvidenceFile.objects.exists()


# --- status tracking --------------------------------------------------------------------------------------------


def post_status(client, case: Case, item: Evidence, status: str, on=None, note: str = ""):
    data = {"status": status, "on": on.isoformat() if on else "", "note": note}
    return client.post(url("evidence_status", case, item), data)


def test_item_goes_uploaded_sent_accepted(owner_client, case, id_card, stored_photo):
    sent_on = TODAY - timedelta(days=3)
    response = post_status(owner_client, case, id_card, EvidenceStatus.SENT, on=sent_on, note=" 已发给客服邮箱 ")
    assert response.status_code == 302 and response["Location"] == url("evidence_detail", case, id_card)
    id_card.refresh_from_db()
    assert (id_card.status, id_card.status_changed_on, id_card.note) == (EvidenceStatus.SENT, sent_on, "已发给客服邮箱")
    page = text(owner_client.get(response["Location"]))
    assert "已记录：身份证 已提交给平台。" in page and sent_on.strftime("%Y-%m-%d") in page
    response = post_status(owner_client, case, id_card, EvidenceStatus.ACCEPTED)
    assert response.status_code == 302
    id_card.refresh_from_db()
    assert (id_card.status, id_card.status_changed_on) == (EvidenceStatus.ACCEPTED, TODAY)


def test_rejected_item_is_listed_as_missing_on_the_case_page(owner_client, case, id_card, stored_photo):
    post_status(owner_client, case, id_card, EvidenceStatus.SENT)
    response = post_status(owner_client, case, id_card, EvidenceStatus.REJECTED, note="照片不清楚")
    assert response.status_code == 302
    assert status_of(id_card) == EvidenceStatus.REJECTED
    page = text(owner_client.get(reverse("cases:detail", args=[case.code])))
    assert "附件1：身份证（平台未认可，需要重新提供）" in page
    assert "还缺 5 份材料" in page


def test_future_status_date_is_refused(owner_client, case, id_card, stored_photo):
    before_rows = evidence_rows()
    response = post_status(owner_client, case, id_card, EvidenceStatus.SENT, on=TODAY + timedelta(days=1))
    assert response.status_code == 200 and "这个日期还没到，请检查年份和月份。" in text(response)
    assert evidence_rows() == before_rows


def test_transition_not_allowed_is_refused(owner_client, case, id_card, stored_photo):
    before_rows = evidence_rows()
    response = post_status(owner_client, case, id_card, EvidenceStatus.ACCEPTED)
    assert response.status_code == 200 and "选择一个有效的选项" in text(response)
    assert evidence_rows() == before_rows and status_of(id_card) == EvidenceStatus.UPLOADED


def test_item_without_a_file_offers_no_status_to_record(owner_client, case, statement):
    page = text(owner_client.get(url("evidence_detail", case, statement)))
    assert "上传文件后，才能记录提交和审核结果。" in page and 'name="status"' not in page
    response = post_status(owner_client, case, statement, EvidenceStatus.UPLOADED)
    assert response.status_code == 200 and "上传文件后，才能记录提交和审核结果。" in text(response)
    assert status_of(statement) == EvidenceStatus.MISSING and not statement.events.exists()


def test_the_history_keeps_every_step_with_its_date_and_note(owner_client, case, id_card, stored_photo):
    sent_on, rejected_on = TODAY - timedelta(days=4), TODAY - timedelta(days=1)
    post_status(owner_client, case, id_card, EvidenceStatus.SENT, on=sent_on, note="发到客服邮箱")
    post_status(owner_client, case, id_card, EvidenceStatus.REJECTED, on=rejected_on, note="照片不清楚")
    history = [(e.status, e.on, e.note) for e in id_card.events.order_by("created_at", "id")]
    assert history == [
        (EvidenceStatus.UPLOADED, TODAY, ""),
        (EvidenceStatus.SENT, sent_on, "发到客服邮箱"),
        (EvidenceStatus.REJECTED, rejected_on, "照片不清楚"),
    ]
    page = text(owner_client.get(url("evidence_detail", case, id_card)))
    listed = page[page.index('id="evidence-history"') :]
    assert listed.index("照片不清楚") < listed.index("发到客服邮箱")  # newest first
    # A new file after the rejection: uploaded again, and the case page no longer shows the rejection's note.
    owner_client.post(url("evidence_upload", case, id_card), {"files": photo("清楚的.jpg")})
    id_card.refresh_from_db()
    assert (id_card.status, id_card.note) == (EvidenceStatus.UPLOADED, "")
    assert id_card.events.count() == 4


def test_status_choices_put_the_next_step_first_and_preselect_nothing(owner_client, case, id_card, stored_photo):
    post_status(owner_client, case, id_card, EvidenceStatus.SENT)
    page = text(owner_client.get(url("evidence_detail", case, id_card)))
    select = page[page.index('name="status"') :]
    select = select[: select.index("</select>")]
    values = re.findall(r'<option value="([a-z]*)"', select)
    assert values == ["", EvidenceStatus.ACCEPTED, EvidenceStatus.REJECTED, EvidenceStatus.UPLOADED]
    assert re.findall(r'<option value="([a-z]*)" selected', select) == [""]  # the placeholder, not a step


def test_case_page_shows_each_status_and_what_is_missing(owner_client, case, id_card, statement, stored_photo):
    post_status(owner_client, case, id_card, EvidenceStatus.SENT)
    page = text(owner_client.get(reverse("cases:detail", args=[case.code])))
    missing = page[page.index('id="evidence-missing"') :]
    missing = missing[: missing.index("</div>")]
    assert "还缺 4 份材料" in missing
    assert "附件2：账单或欠款明细" in missing and "附件1：身份证" not in missing
    assert "已提交给平台" in page and "待上传" in page


# --- the case bundle --------------------------------------------------------------------------------------------


def test_case_page_offers_an_upload_form_for_each_item_not_yet_accepted(owner_client, case, id_card, stored_photo):
    post_status(owner_client, case, id_card, EvidenceStatus.SENT)
    page = text(owner_client.get(reverse("cases:detail", args=[case.code])))
    items = list(case.evidence.order_by("position"))
    for item in items:
        assert f'id="upload-{item.code}"' in page
    assert 'name="return" value="case"' in page
    post_status(owner_client, case, id_card, EvidenceStatus.ACCEPTED)
    page = text(owner_client.get(reverse("cases:detail", args=[case.code])))
    assert f'id="upload-{id_card.code}"' not in page
    assert all(f'id="upload-{item.code}"' in page for item in items if item.pk != id_card.pk)


def test_upload_from_the_case_page_returns_to_it(owner_client, case, statement, media):
    response = owner_client.post(
        reverse("cases:evidence_upload", args=[case.code, statement.code]), {"files": pdf(), "return": "case"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:detail", args=[case.code]) + "#evidence"


def test_more_files_than_a_request_may_carry_get_a_page_in_the_users_language(owner_client, case, statement, media):
    chosen = [pdf(f"第{n}页.pdf") for n in range(25)]
    response = post_upload(owner_client, case, statement, *chosen)
    assert response.status_code == 400
    assert "一次最多 10 个" in text(response)
    assert not EvidenceFile.objects.exists() and on_disk(media) == {}


# --- call recordings --------------------------------------------------------------------------------------------

RECORDING_NAME = re.compile(r"^evidence/[0-9a-f]{32}\.m4a$")


@pytest.fixture
def call_record(case) -> Evidence:
    return services.evidence_create(case=case, kind=EvidenceKind.CALL_RECORD)


@pytest.fixture
def stored_recording(call_record) -> EvidenceFile:
    """An iPhone's recording of the call with 95188, uploaded earlier to the call record."""
    return services.evidence_upload(evidence=call_record, files=[recordings.upload("新录音 3.m4a", recordings.m4a)])[0]


def test_upload_a_recording_and_a_screenshot_to_the_call_record(owner_client, case, call_record, media):
    response = post_upload(owner_client, case, call_record, recordings.upload("新录音 3.m4a", recordings.m4a), photo())
    assert response.status_code == 302
    recording, screenshot = call_record.files.order_by("position")
    assert (recording.content_type, recording.original_name, recording.pages) == ("audio/mp4", "新录音 3.m4a", 0)
    assert RECORDING_NAME.match(recording.file.name) and not recording.thumbnail
    assert on_disk(media)[recording.file.name] == recordings.m4a()  # byte for byte
    assert screenshot.content_type == "image/jpeg"
    assert status_of(call_record) == EvidenceStatus.UPLOADED


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("zh-hans", "“通话.amr”没有保存：这是一段录音。录音只能上传到“通话录音或短信截图”这一项，或者在记沟通时附上。"),
        (
            "zh-hant",
            "「通話.amr」沒有儲存：這是一段錄音。錄音只能上傳到「通話錄音或簡訊截圖」這一項，或在記錄溝通時附上。",
        ),
        (
            "en",
            "“通话.amr” was not saved: this is a recording. Recordings can only be uploaded to “Call recordings or "
            "text message screenshots”, or attached when you log a call.",
        ),
    ],
)
def test_a_recording_for_another_item_is_refused_in_the_users_language(
    owner_client, case, id_card, stored_photo, media, language, message
):
    before_rows, before_disk = evidence_rows(), on_disk(media)
    name = "通話.amr" if language == "zh-hant" else "通话.amr"
    response = owner_client.post(
        url("evidence_upload", case, id_card), {"files": [recordings.upload(name)]}, HTTP_ACCEPT_LANGUAGE=language
    )
    assert response.status_code == 200
    assert html.unescape(text(response)).count(message) == 1
    assert evidence_rows() == before_rows and on_disk(media) == before_disk
    assert upload_temporary_files(media) == []


@pytest.mark.parametrize("build", [recordings.zip_archive, recordings.windows_executable, files.html_page])
def test_a_file_named_as_a_recording_is_refused_and_nothing_is_stored(owner_client, case, call_record, media, build):
    response = post_upload(owner_client, case, call_record, SimpleUploadedFile("通话录音.mp3", build()), photo())
    assert response.status_code == 200
    assert "“通话录音.mp3”没有保存：只能上传通话录音（MP3、M4A、AMR、WAV、AAC、OGG/Opus）" in text(response)
    assert "这次选择的文件都没有保存" in text(response)
    assert not EvidenceFile.objects.exists() and on_disk(media) == {}
    assert status_of(call_record) == EvidenceStatus.MISSING


def test_21_mb_recording_is_stopped_by_the_upload_handler(owner_client, case, call_record, media, monkeypatch):
    def must_not_run(**kwargs):
        raise AssertionError("a file past 20 MB reached the upload service")

    monkeypatch.setattr(services, "evidence_upload", must_not_run)
    big = SimpleUploadedFile("一小时通话.mp3", recordings.twenty_one_megabytes())
    response = post_upload(owner_client, case, call_record, big)
    assert response.status_code == 200
    assert (
        "“一小时通话.mp3”没有保存：文件太大：录音每个不超过 20 MB，照片和 PDF 每个不超过 15 MB。"
        "长录音可以在手机上剪成几段再上传。" in text(response)
    )
    assert not EvidenceFile.objects.exists() and on_disk(media) == {}
    assert upload_temporary_files(media) == []


def test_a_16_mb_recording_is_kept_in_the_call_record(owner_client, case, call_record, media):
    content = recordings.mp3(frames=16 * 1024 * 1024 // recordings.MP3_FRAME_BYTES)
    response = post_upload(owner_client, case, call_record, SimpleUploadedFile("长通话.mp3", content))
    assert response.status_code == 302
    [stored] = call_record.files.all()
    assert (stored.content_type, stored.size) == ("audio/mpeg", len(content))
    assert upload_temporary_files(media) == []


def test_a_16_mb_recording_is_stopped_before_the_service_where_no_recording_may_go(
    owner_client, case, id_card, media, monkeypatch
):
    monkeypatch.setattr(services, "evidence_upload", lambda **kwargs: pytest.fail("reached the upload service"))
    content = recordings.mp3(frames=16 * 1024 * 1024 // recordings.MP3_FRAME_BYTES)
    response = post_upload(owner_client, case, id_card, SimpleUploadedFile("长通话.mp3", content))
    assert "“长通话.mp3”没有保存：文件超过 15 MB。" in text(response)
    assert on_disk(media) == {} and upload_temporary_files(media) == []


def test_the_call_record_s_upload_form_offers_recordings_and_says_how_large(owner_client, case, call_record, id_card):
    page = text(owner_client.get(url("evidence_detail", case, call_record)))
    assert f'accept="{uploads.RECORDING_ACCEPT_ATTRIBUTE}"' in page
    assert "通话录音（MP3、M4A、AMR、WAV、AAC、OGG/Opus）每个不超过 20 MB" in page
    other = text(owner_client.get(url("evidence_detail", case, id_card)))
    assert f'accept="{uploads.ACCEPT_ATTRIBUTE}"' in other and "audio/" not in other
    # The case page's list and the wizard's checklist: only the call record's own form offers recordings.
    for listing in (
        reverse("cases:detail", args=[case.code]),
        reverse("cases:wizard_step", args=[case.code, "evidence"]),
    ):
        listed = text(owner_client.get(listing))
        assert listed.count(f'accept="{uploads.RECORDING_ACCEPT_ATTRIBUTE}"') == 1
        assert listed.count("每个不超过 20 MB") == 1


def test_the_item_page_plays_the_recording_without_script(owner_client, case, call_record, stored_recording):
    response = owner_client.get(url("evidence_detail", case, call_record))
    page = text(response)
    play = url("evidence_file_play", case, call_record, stored_recording)
    assert re.search(rf'<audio controls preload="metadata" class="[^"]*" src="{re.escape(play)}"', page)
    assert "新录音 3.m4a" in page and url("evidence_file_download", case, call_record, stored_recording) in page
    assert "<script>" not in page.split("<audio", 1)[1].split("</audio>", 1)[0]
    assert "unsafe-inline" not in response["Content-Security-Policy"]


def test_an_amr_recording_is_offered_for_download_with_a_word_on_how_to_listen(owner_client, case, call_record):
    [stored] = services.evidence_upload(evidence=call_record, files=[recordings.upload("Call_95188.amr")])
    page = text(owner_client.get(url("evidence_detail", case, call_record)))
    assert "<audio" not in page
    assert "浏览器不能直接播放 AMR 格式的录音，请下载后用手机或电脑上的播放器收听。" in page
    assert url("evidence_file_download", case, call_record, stored) in page


def test_owner_plays_the_recording_whole(owner_client, case, call_record, stored_recording):
    response = owner_client.get(url("evidence_file_play", case, call_record, stored_recording))
    assert response.status_code == 200
    assert response["Content-Type"] == "audio/mp4"
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Disposition"].startswith("inline;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert {"no-store", "private"} <= set(response["Cache-Control"].split(", "))
    assert streamed(response) == recordings.m4a()


@pytest.mark.parametrize(
    ("asked", "start", "end"),
    [("bytes=0-1", 0, 1), ("bytes=100-", 100, None), ("bytes=-10", -10, None), ("bytes=50-99999999", 50, None)],
)
def test_owner_plays_the_recording_in_the_ranges_a_player_asks_for(
    owner_client, case, call_record, stored_recording, asked, start, end
):
    """Safari plays only from a server that answers a range with that range; every player seeks with them."""
    whole = recordings.m4a()
    response = owner_client.get(url("evidence_file_play", case, call_record, stored_recording), HTTP_RANGE=asked)
    assert response.status_code == 206
    part = whole[start : None if end is None else end + 1]
    first = start if start >= 0 else len(whole) + start
    assert response["Content-Range"] == f"bytes {first}-{first + len(part) - 1}/{len(whole)}"
    assert response["Content-Length"] == str(len(part))
    assert (response["Content-Type"], response["X-Content-Type-Options"]) == ("audio/mp4", "nosniff")
    assert streamed(response) == part


def test_a_range_past_the_end_is_refused_and_a_range_it_does_not_read_gets_the_whole(
    owner_client, case, call_record, stored_recording
):
    target = url("evidence_file_play", case, call_record, stored_recording)
    size = len(recordings.m4a())
    past = owner_client.get(target, HTTP_RANGE=f"bytes={size}-")
    assert (past.status_code, past["Content-Range"]) == (416, f"bytes */{size}")
    for unread in ("bytes=0-1,5-6", "bytes=9-3", "lines=1-2", "bytes=" + "9" * 30 + "-"):
        response = owner_client.get(target, HTTP_RANGE=unread)
        assert response.status_code == 200, unread
        assert streamed(response) == recordings.m4a()


def test_owner_downloads_the_recording_under_its_own_name(owner_client, case, call_record, stored_recording):
    response = owner_client.get(url("evidence_file_download", case, call_record, stored_recording))
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''%E6%96%B0%E5%BD%95%E9%9F%B3%203.m4a" in response["Content-Disposition"]
    assert response["Content-Type"] == "audio/mp4"
    assert streamed(response) == recordings.m4a()


def test_a_photo_is_not_played(owner_client, case, id_card, stored_photo):
    assert owner_client.get(url("evidence_file_play", case, id_card, stored_photo)).status_code == 404


@pytest.mark.parametrize("name", ["evidence_file_play", "evidence_file_download"])
@pytest.mark.parametrize("ranged", [False, True])
def test_another_user_and_a_visitor_get_404_for_a_recording(
    outsider_client, anonymous_client, case, call_record, stored_recording, media, name, ranged
):
    before_rows, before_disk = evidence_rows(), on_disk(media)
    headers = {"HTTP_RANGE": "bytes=0-"} if ranged else {}
    for client in (outsider_client, anonymous_client):
        response = client.get(url(name, case, call_record, stored_recording), **headers)
        assert response.status_code == 404
        assert not response.streaming and recordings.m4a()[:64] not in response.content
    assert evidence_rows() == before_rows and on_disk(media) == before_disk


def test_a_recording_of_another_users_case_is_404_under_the_owners_own_codes(owner_client, case, call_record, outsider):
    elsewhere = services.case_create(owner=outsider, title="别人的案件")
    theirs = services.evidence_create(case=elsewhere, kind=EvidenceKind.CALL_RECORD)
    [foreign] = services.evidence_upload(evidence=theirs, files=[recordings.upload()])
    assert owner_client.get(url("evidence_file_play", case, call_record, foreign)).status_code == 404


def test_the_replace_page_of_the_call_record_offers_recordings(owner_client, case, call_record, stored_recording):
    page = text(owner_client.get(url("evidence_file_replace", case, call_record, stored_recording)))
    assert f'accept="{uploads.RECORDING_ACCEPT_ATTRIBUTE}"' in page
    assert "通话录音（MP3、M4A、AMR、WAV、AAC、OGG/Opus）不超过 20 MB" in page
    response = owner_client.post(
        url("evidence_file_replace", case, call_record, stored_recording), {"files": recordings.upload()}
    )
    assert response.status_code == 302
    assert EvidenceFile.objects.get(pk=stored_recording.pk).content_type == "audio/amr"
