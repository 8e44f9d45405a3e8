"""The upload check in cases/uploads.py, without a database: what each real file is stored as, what is refused, why."""

import functools
import hashlib
import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.utils import translation
from PIL import Image
from pypdf import PdfReader, PdfWriter

from cases import audio, uploads

from . import files, recordings

CJK = re.compile(r"[\u4e00-\u9fff]")


def check(name: str, content: bytes, *, recordings: bool = False) -> uploads.CheckedFile:
    return uploads.check_upload(SimpleUploadedFile(name, content), recordings=recordings)


def refused(name: str, content: bytes, *, recordings: bool = False) -> ValidationError:
    with translation.override("zh-hans"), pytest.raises(ValidationError) as excinfo:
        check(name, content, recordings=recordings)
    return excinfo.value


def opened(content: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(content))
    image.load()
    return image


# --- accepted files ---------------------------------------------------------------------------------------------


def test_jpeg_is_accepted_and_re_encoded_as_jpeg():
    original = files.image_bytes("JPEG", size=(64, 48))
    checked = check("身份证正面.jpg", original)
    assert (checked.extension, checked.content_type, checked.pages) == ("jpg", "image/jpeg", 1)
    assert checked.original_name == "身份证正面.jpg"
    assert checked.content != original  # re-encoded, not copied
    image = opened(checked.content)
    assert (image.format, image.size) == ("JPEG", (64, 48))


@pytest.mark.parametrize(("image_format", "name", "extension", "content_type"), [
    ("PNG", "截图.png", "png", "image/png"),
    ("WEBP", "聊天记录.webp", "webp", "image/webp"),
])  # fmt: skip
def test_png_and_webp_keep_their_format(image_format, name, extension, content_type):
    checked = check(name, files.image_bytes(image_format, size=(30, 20)))
    assert (checked.extension, checked.content_type) == (extension, content_type)
    assert opened(checked.content).format == image_format
    assert opened(checked.content).size == (30, 20)


def test_the_content_decides_the_type_not_the_name():
    checked = check("photo.jpg", files.png_as_jpeg_name())
    assert (checked.extension, checked.content_type) == ("png", "image/png")
    assert opened(checked.content).format == "PNG"
    assert checked.original_name == "photo.jpg"


@pytest.fixture(scope="module")
def heic() -> bytes:
    try:
        return files.heic_photo(size=(64, 48))
    except (OSError, RuntimeError, ValueError) as error:  # libheif built without an HEVC encoder
        pytest.skip(f"this libheif cannot encode HEIC, so no HEIC test file can be made: {error}")


def test_heic_photo_is_stored_as_jpeg(heic):
    assert heic[4:12] == b"ftypheic"
    checked = check("IMG_0001.HEIC", heic)
    assert (checked.extension, checked.content_type, checked.pages) == ("jpg", "image/jpeg", 1)
    image = opened(checked.content)
    assert (image.format, image.size) == ("JPEG", (64, 48))
    assert opened(checked.thumbnail).format == "JPEG"


def test_pdf_is_kept_as_it_is_with_its_pages_counted():
    original = files.tiny_pdf(pages=3)
    checked = check("银行流水.pdf", original)
    assert (checked.extension, checked.content_type, checked.pages) == ("pdf", "application/pdf", 3)
    assert checked.content == original
    assert checked.thumbnail is None


def test_gps_position_is_removed_from_the_stored_photo():
    original = files.jpeg_with_gps()
    assert opened(original).getexif().get_ifd(files.GPS_IFD)  # the test photo does carry a position
    checked = check("门口.jpg", original)
    exif = opened(checked.content).getexif()
    assert not exif.get_ifd(files.GPS_IFD)
    assert b"PhoneMaker" not in checked.content
    assert not opened(checked.thumbnail).getexif().get_ifd(files.GPS_IFD)


def test_exif_orientation_is_applied_to_the_pixels_and_dropped():
    checked = check("竖拍.jpg", files.jpeg_with_gps(size=(64, 48), orientation=6))
    image = opened(checked.content)
    assert image.size == (48, 64)
    # The tag is gone too, or a viewer would turn the already upright photo a second time.
    assert files.ORIENTATION not in image.getexif()
    assert opened(checked.thumbnail).size == (48, 64)


def test_long_edge_is_capped_at_max_edge():
    checked = check("长截图.jpg", files.image_bytes("JPEG", size=(uploads.MAX_EDGE * 2, 1000)))
    assert opened(checked.content).size == (uploads.MAX_EDGE, 500)


def test_thumbnail_is_a_small_jpeg_even_for_a_transparent_png():
    out = io.BytesIO()
    Image.new("RGBA", (1000, 500), (255, 0, 0, 0)).save(out, "PNG")
    checked = check("透明.png", out.getvalue())
    thumbnail = opened(checked.thumbnail)
    assert thumbnail.format == "JPEG" and thumbnail.mode == "RGB"
    assert max(thumbnail.size) <= uploads.THUMBNAIL_EDGE
    assert thumbnail.size == (uploads.THUMBNAIL_EDGE, uploads.THUMBNAIL_EDGE // 2)
    assert thumbnail.getpixel((10, 10)) == pytest.approx((255, 255, 255), abs=3)  # flattened on white, not black


def test_16_bit_grayscale_scan_keeps_its_grey():
    """Scanner apps save 16-bit grey PNGs (Pillow mode I;16): 20000 of 65535 is a mid-dark grey, about 78 of 255."""
    out = io.BytesIO()
    Image.new("I;16", (40, 30), 20000).save(out, "PNG")
    checked = check("扫描件.png", out.getvalue())
    stored = opened(checked.content).convert("L").getpixel((5, 5))
    thumbnail = opened(checked.thumbnail).convert("L").getpixel((5, 5))
    assert stored == pytest.approx(78, abs=3), "the scan was stored blank"
    assert thumbnail == pytest.approx(78, abs=3), "the thumbnail is blank"


def test_checksum_is_of_the_bytes_as_uploaded():
    original = files.jpeg_with_gps()
    assert check("门口.jpg", original).upload_checksum == hashlib.sha256(original).hexdigest()


def test_data_appended_after_a_photo_is_not_stored():
    original = files.jpeg_with_zip_appended()
    checked = check("收据.jpg", original)
    assert b"PK\x03\x04" not in checked.content and b"hidden payload" not in checked.content
    assert checked.content.endswith(b"\xff\xd9")  # ends where the JPEG ends


def test_comment_of_a_jpeg_is_not_copied_into_the_stored_photo():
    """Pillow carries a JPEG's comment segment into the JPEGs it writes from it, unless told not to."""
    checked = check("备注.jpg", files.image_bytes("JPEG", comment=b"taken at home, Room 301"))
    assert b"Room 301" not in checked.content and b"Room 301" not in checked.thumbnail
    assert "comment" not in opened(checked.content).info


# --- refused files ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", files.REFUSED, ids=str)
def test_bad_file_is_refused_with_its_code_and_a_message_naming_it(bad):
    error = refused(bad.name, bad.build())
    assert error.code == bad.code
    [message] = error.messages
    assert message.startswith(f"“{bad.name}”没有保存：{bad.reason}")
    assert CJK.search(message)


def test_script_in_a_compressed_object_stream_is_found_by_walking_the_objects():
    content = files.pdf_with_compressed_javascript()
    assert uploads.PDF_ACTIVE_TOKENS.search(content) is None  # a plain byte search sees nothing
    assert len(PdfReader(io.BytesIO(content)).pages) == 1  # and the file is a PDF a reader opens
    assert refused("hidden.pdf", content).code == "active_pdf"


def test_script_spelled_with_escaped_names_is_found():
    content = files.pdf_with_compressed_javascript(escaped_names=True)
    assert refused("escaped.pdf", content).code == "active_pdf"


def test_photo_over_the_pixel_limit_is_refused_with_its_size():
    out = io.BytesIO()
    Image.new("1", (8000, 8000)).save(out, "PNG")  # 64 megapixels: past MAX_PIXELS, below Pillow's own bomb check
    error = refused("全景.png", out.getvalue())
    assert error.code == "too_many_pixels"
    assert "8000 × 8000" in error.messages[0]


def test_pdf_over_the_page_limit_is_refused(monkeypatch):
    monkeypatch.setattr(uploads, "MAX_PDF_PAGES", 2)
    error = refused("三页.pdf", files.tiny_pdf(pages=3))
    assert error.code == "too_many_pages"
    assert "PDF 超过 2 页" in error.messages[0]


def test_pdf_without_pages_is_refused():
    out = io.BytesIO()
    PdfWriter().write(out)
    assert refused("空白.pdf", out.getvalue()).code == "broken_pdf"


def test_file_larger_than_its_declared_size_is_still_cut_at_the_limit():
    upload = SimpleUploadedFile("big.pdf", files.sixteen_megabytes())
    upload.size = 1000  # a handler that reported the wrong size must not let the bytes through
    with pytest.raises(ValidationError) as excinfo:
        uploads.check_upload(upload)
    assert excinfo.value.code == "too_large"


def test_refusal_names_the_cleaned_file_name():
    error = refused("../../tmp/setup.jpg", files.elf_executable())
    assert error.messages[0].startswith("“setup.jpg”没有保存：")


@pytest.mark.parametrize("name", ["收入证明100%.jpg", "a%d.jpg", "%(name)s.jpg"])
def test_file_name_with_a_percent_sign_is_shown_as_it_is(name):
    """The name is already in the message: formatting it a second time crashes (or rewrites the name)."""
    error = refused(name, files.elf_executable())
    assert error.messages[0].startswith(f"“{name}”没有保存：只能上传 PDF 或照片")


def test_refusal_message_is_the_chinese_source_text():
    error = refused("setup.jpg", files.elf_executable())
    assert error.messages == [
        "“setup.jpg”没有保存：只能上传 PDF 或照片（JPG、PNG、WebP、HEIC）。"
        "这个文件的内容不是其中任何一种，与文件名无关。"
    ]


# --- markup in images: searched where a reader could take it for text, not in the pixels --------------------------


def jpeg_scan_data(content: bytes) -> bytes:
    """A baseline JPEG's entropy-coded data: from the end of its SOS segment to its end-of-image marker."""
    sos = content.index(b"\xff\xda")
    start = sos + 2 + int.from_bytes(content[sos + 2 : sos + 4], "big")
    return content[start : content.index(b"\xff\xd9", start)]


def test_photo_whose_compressed_pixels_happen_to_hold_svg_is_accepted():
    """Compressed pixels are as good as random bytes: `<svg` and a byte that is no letter or digit turn up in them
    about once in 700 million bytes, in one 15 MB photo in 45. The search leaves them out."""
    content = files.noise_jpeg_with_svg_in_its_pixels()
    found = uploads.ACTIVE_CONTENT.search(content)
    assert found, "Pillow now writes other bytes for the seeded noise: find a new files.NOISE_SEED_WITH_SVG"
    assert found.group() in jpeg_scan_data(content) and found.start() > content.index(b"\xff\xda")
    checked = check("发票.jpg", content)
    assert (checked.content_type, opened(checked.content).size) == ("image/jpeg", (512, 512))


def test_second_view_whose_pixels_hold_svg_is_accepted():
    """A phone's JPEG followed by another (an MPO's second view, an HDR gain map): its pixels are left out too."""
    content = files.image_bytes("JPEG") + files.noise_jpeg_with_svg_in_its_pixels()
    assert check("双摄.jpg", content).content_type == "image/jpeg"


def test_png_whose_pixel_data_holds_svg_is_accepted():
    content = files.png_with_svg_in_its_pixels()
    idat = content.index(b"IDAT")
    assert content.index(b"<svg ") > idat  # in the IDAT chunk, as the pixel values stored uncompressed
    checked = check("截图.png", content)
    assert opened(checked.content).size == (16, 4)
    assert b"<svg" not in checked.content  # stored compressed


@pytest.mark.parametrize(("mime", "image_format", "save"), [
    ("image/jpeg", "JPEG", {}),
    ("image/jpeg", "JPEG", {"progressive": True}),
    ("image/jpeg", "JPEG", {"restart_marker_blocks": 4}),
    ("image/png", "PNG", {}),
    ("image/webp", "WEBP", {}),
    ("image/webp", "WEBP", {"lossless": True}),
    ("image/webp", "WEBP", {"mode": "RGBA"}),
    ("image/heic", "HEIF", {}),
], ids=["jpeg", "jpeg-progressive", "jpeg-restarts", "png", "webp", "webp-lossless", "webp-alpha", "heic"])  # fmt: skip
def test_the_pixels_of_each_format_are_found(request, mime, image_format, save):
    """Where the layout is followed, only the framing and metadata are left to search: a few hundred bytes."""
    if image_format == "HEIF":
        request.getfixturevalue("heic")  # skips where libheif has no HEVC encoder
    content = files.noise_image(image_format, **save)
    pixels, texts = uploads._pixel_layout(content, mime)
    outside = len(content) - sum(end - start for start, end in pixels)
    assert 0 < outside < 1000 and texts == []
    assert check("噪点", content).pages == 1


POLYGLOTS = [
    ("备注.jpg", files.jpeg_with_web_page_in_its_comment),
    ("相机.jpg", files.jpeg_with_web_page_in_its_exif),
    ("编辑过.jpg", files.jpeg_with_web_page_in_its_xmp),
    ("收据.jpg", files.jpeg_with_web_page_after_its_end),
    ("收据2.jpg", files.jpeg_with_web_page_before_a_second_end),
    ("渐进.jpg", files.progressive_jpeg_with_web_page_between_its_scans),
    ("双摄.jpg", files.jpeg_with_web_page_in_a_second_view),
    ("说明.png", files.png_with_text_chunk),
    ("压缩说明.png", functools.partial(files.png_with_text_chunk, compressed=True)),
    ("国际说明.png", functools.partial(files.png_with_text_chunk, international=True)),
    ("国际压缩.png", functools.partial(files.png_with_text_chunk, international=True, compressed=True)),
    ("私有块.png", files.png_with_private_chunk),
    ("screenshot.png", files.png_polyglot),
    ("相机.webp", functools.partial(files.webp_with, exif=b"Exif\x00\x00" + files.WEB_PAGE)),
    ("编辑过.webp", functools.partial(files.webp_with, xmp=files.xmp_packet_with_web_page())),
    ("聊天.webp", functools.partial(files.webp_with, after=files.WEB_PAGE)),
]
POLYGLOT_IDS = [
    "jpeg-com",
    "jpeg-exif",
    "jpeg-xmp",
    "jpeg-after-eoi",
    "jpeg-before-second-eoi",
    "jpeg-between-scans",
    "jpeg-second-view",
    "png-text",
    "png-ztxt",
    "png-itxt",
    "png-itxt-compressed",
    "png-private-chunk",
    "png-after-iend",
    "webp-exif",
    "webp-xmp",
    "webp-after-riff",
]


@pytest.mark.parametrize(("name", "build"), POLYGLOTS, ids=POLYGLOT_IDS)
def test_image_that_is_also_a_web_page_is_refused(name, build):
    content = build()
    assert opened(content).size  # a picture that any viewer shows
    error = refused(name, content)
    assert error.code == "active_content"
    assert error.messages == [f"“{name}”没有保存：图片里夹带了网页或脚本代码。请重新拍照或截图后上传。"]


def test_compressed_text_chunk_is_searched_once_decompressed():
    content = files.png_with_text_chunk(compressed=True)
    assert b"<script" not in content  # a plain search of the file sees nothing
    assert refused("压缩说明.png", content).code == "active_content"


@pytest.mark.parametrize(
    ("exif", "xmp", "after"),
    [
        (b"Exif\x00\x00MM\x00\x2a" + files.WEB_PAGE, None, b""),
        (None, files.xmp_packet_with_web_page(), b""),
        (None, None, files.WEB_PAGE),
    ],
    ids=["exif", "xmp", "after-the-last-box"],
)
def test_heic_that_is_also_a_web_page_is_refused(heic, exif, xmp, after):
    """The Exif and XMP items lie in the mdat box beside the coded pixels (the heic fixture skips where libheif has
    no HEVC encoder)."""
    content = files.heic_with(exif=exif, xmp=xmp, after=after)
    assert files.WEB_PAGE in content
    assert opened(content).size == (64, 48)
    assert refused("IMG_0002.HEIC", content).code == "active_content"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("截断.jpg", files.noise_jpeg_with_svg_in_its_pixels()[:-2]),  # no end-of-image marker: where do pixels end?
        ("截断.png", files.png_with_svg_in_its_pixels()[:-12]),  # no IEND chunk
    ],
    ids=["jpeg-without-eoi", "png-without-iend"],
)
def test_image_whose_layout_cannot_be_followed_is_searched_whole(name, content):
    assert refused(name, content).code == "active_content"


def test_a_photo_followed_by_thousands_of_empty_jpegs_is_searched_whole_not_walked():
    """Each empty JPEG (SOI, EOI) after a photo is a JPEG to walk; past as many as a photo's parts it is searched
    whole instead (a 15 MB file of them took seconds to walk), here finding the <svg in the first one's pixels."""
    content = files.noise_jpeg_with_svg_in_its_pixels() + b"\xff\xd8\xff\xd9" * (uploads.MAX_LAYOUT_PARTS + 1)
    with pytest.raises(ValueError, match="more images"):
        uploads._jpeg_pixels(content)
    assert refused("很多张.jpg", content).code == "active_content"


def test_a_heif_location_box_counts_its_extents_across_items():
    """Extents with offsets and lengths of 0 bytes take no room: two items of 6,000 each are refused like 12,000."""
    item = (1).to_bytes(2, "big") + (0).to_bytes(2, "big") + (6000).to_bytes(2, "big")
    iloc = bytes(4) + (0).to_bytes(2, "big") + (2).to_bytes(2, "big") + item + item
    with pytest.raises(ValueError, match="more extents"):
        uploads._heif_extents(iloc, 0, len(iloc))


# --- file names ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "cleaned"), [
    ("../../etc/passwd.jpg", "passwd.jpg"),
    ("..\\..\\x.png", "x.png"),
    ("C:\\Users\\张三\\Desktop\\身份证.jpg", "身份证.jpg"),
    ("bad\x00na\x1bme\x7f.jpg", "badname.jpg"),
    ("invoice\u202egpj.exe", "invoicegpj.exe"),  # the right-to-left override that disguises an extension
    ("  ..hidden.pdf.. ", "hidden.pdf"),
    ("", "未命名文件"),
    ("...", "未命名文件"),
    ("../", "未命名文件"),
    ("cafe\u0301.jpg", "caf\u00e9.jpg"),  # NFC: one code point for é, as the user typed it
])  # fmt: skip
def test_clean_original_name(name, cleaned):
    with translation.override("zh-hans"):
        assert uploads.clean_original_name(name) == cleaned


@pytest.mark.parametrize("stem", ["长" * 300, "a" * 300, "医院 发票 " * 40])
def test_long_name_is_cut_to_120_characters_keeping_the_extension(stem):
    cleaned = uploads.clean_original_name(stem + ".jpeg")
    assert len(cleaned) <= 120
    assert cleaned.endswith(".jpeg")
    assert cleaned[:50] == (stem + ".jpeg")[:50]


def test_long_name_without_extension_is_cut_to_120_characters():
    assert uploads.clean_original_name("x" * 300) == "x" * 119


# --- the upload handler -------------------------------------------------------------------------------------------


def test_upload_handler_skips_a_file_past_20_mb_and_remembers_its_name(settings, tmp_path):
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    small = SimpleUploadedFile("small.pdf", files.tiny_pdf())
    big = SimpleUploadedFile("big.mp3", recordings.twenty_one_megabytes())
    request = RequestFactory().post("/upload/", {"files": [small, big]})
    kept = request.FILES.getlist("files")
    assert [item.name for item in kept] == ["small.pdf"]
    assert request.oversized_uploads == ["big.mp3"]
    # The 21 MB file was dropped part-way: the only temporary file left is the small one's.
    assert [path.stat().st_size for path in tmp_path.iterdir()] == [len(files.tiny_pdf())]
    with translation.override("zh-hans"):
        [error] = uploads.oversized_refusals(request, kept, recordings=True)
        [for_photos] = uploads.oversized_refusals(request, kept, recordings=False)
    for item in kept:
        item.close()
    assert list(tmp_path.iterdir()) == []
    assert error.code == "too_large"
    assert error.messages == [
        "“big.mp3”没有保存：文件太大：录音每个不超过 20 MB，照片和 PDF 每个不超过 15 MB。"
        "长录音可以在手机上剪成几段再上传。"
    ]
    assert for_photos.messages == ["“big.mp3”没有保存：文件超过 15 MB。请压缩后或分成几份再上传。"]


def test_a_16_mb_file_passes_the_handler_and_is_refused_where_no_recording_may_go(settings, tmp_path):
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    request = RequestFactory().post("/upload/", {"files": [SimpleUploadedFile("big.pdf", files.sixteen_megabytes())]})
    kept = request.FILES.getlist("files")
    assert [item.name for item in kept] == ["big.pdf"] and not hasattr(request, "oversized_uploads")
    with translation.override("zh-hans"):
        [error] = uploads.oversized_refusals(request, kept)
        assert uploads.oversized_refusals(request, kept, recordings=True) == []  # a recording may be 20 MB there
    assert error.messages == ["“big.pdf”没有保存：文件超过 15 MB。请压缩后或分成几份再上传。"]
    for item in kept:
        item.close()


def test_upload_handler_lets_a_file_of_exactly_20_mb_through(settings, tmp_path):
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    exact = SimpleUploadedFile("exact.mp3", bytes(uploads.MAX_RECORDING_BYTES))
    request = RequestFactory().post("/upload/", {"files": [exact]})
    [kept] = request.FILES.getlist("files")
    assert kept.size == uploads.MAX_RECORDING_BYTES
    assert not hasattr(request, "oversized_uploads")
    kept.close()


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "“empty.pdf” was not saved: the file is empty."),
        ("zh-hant", "「empty.pdf」沒有儲存：檔案是空的。"),
    ],
)
def test_refusals_speak_the_users_language(language, expected):
    with translation.override(language), pytest.raises(ValidationError) as excinfo:
        check("empty.pdf", b"")
    assert excinfo.value.messages[0].startswith(expected)


# --- call recordings ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "build", "stored_as"), recordings.ACCEPTED, ids=lambda value: str(value)[:14])
def test_call_recording_is_kept_byte_for_byte_where_recordings_go(name, build, stored_as):
    original = build()
    checked = check(name, original, recordings=True)
    assert (checked.extension, checked.content_type) == stored_as
    assert checked.content == original  # not re-encoded
    assert (checked.pages, checked.thumbnail, checked.is_recording) == (0, None, True)
    assert checked.original_name == name
    assert checked.upload_checksum == hashlib.sha256(original).hexdigest()


def test_the_content_decides_a_recording_s_type_not_the_name():
    checked = check("录音.mp3", recordings.amr(), recordings=True)  # an AMR file renamed by the user
    assert (checked.extension, checked.content_type) == ("amr", "audio/amr")


@pytest.mark.parametrize(
    "build", [recordings.wav, recordings.mp3, recordings.amr, recordings.m4a], ids=lambda build: build.__name__
)
def test_recording_is_refused_where_recordings_do_not_go_saying_where_they_do(build):
    error = refused("通话.mp3", build())
    assert error.code == "recording_not_here"
    assert error.messages == [
        "“通话.mp3”没有保存：这是一段录音。录音只能上传到“通话录音或短信截图”这一项，或者在记沟通时附上。"
    ]


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "“call.m4a” was not saved: this is a recording. Recordings can only be uploaded to"),
        ("zh-hant", "「call.m4a」沒有儲存：這是一段錄音。錄音只能上傳到"),
    ],
)
def test_recording_refused_elsewhere_is_told_in_the_users_language(language, expected):
    with translation.override(language), pytest.raises(ValidationError) as excinfo:
        check("call.m4a", recordings.m4a())
    assert excinfo.value.messages[0].startswith(expected)


# A file named as a recording, what it really is, the code of the refusal and the start of its reason.
DISGUISED = [
    ("通话.mp3", files.html_page, "unsupported_type", "只能上传通话录音（MP3、M4A、AMR、WAV、AAC、OGG/Opus）"),
    ("通话.mp3", recordings.zip_archive, "unsupported_type", "只能上传通话录音"),
    ("通话.mp3", recordings.windows_executable, "unsupported_type", "只能上传通话录音"),
    ("通话.amr", files.elf_executable, "unsupported_type", "只能上传通话录音"),
    ("通话.mp3", recordings.id3_then_web_page, "broken_audio", "录音文件无法识别"),
    ("通话.mp3", recordings.mp3_with_web_page_in_its_tag, "active_content", "录音文件里夹带了网页或脚本代码"),
    ("通话.m4a", recordings.video, "video_not_audio", "这是视频，不是录音"),
    ("通话.m4a", recordings.m4a_cut_off, "broken_audio", "录音文件无法识别"),
    ("通话.amr", recordings.amr_of_noise, "broken_audio", "录音文件无法识别"),
]


@pytest.mark.parametrize(("name", "build", "code", "reason"), DISGUISED, ids=[bad[1].__name__ for bad in DISGUISED])
def test_file_dressed_up_as_a_recording_is_refused(name, build, code, reason):
    error = refused(name, build(), recordings=True)
    assert error.code == code
    assert error.messages[0].startswith(f"“{name}”没有保存：{reason}")


def test_disguised_recording_elsewhere_is_refused_as_not_a_photo_or_pdf():
    for build in (recordings.video, recordings.id3_then_web_page, recordings.zip_archive):
        error = refused("通话.mp3", build())
        assert error.code == "unsupported_type"
        assert error.messages[0].startswith("“通话.mp3”没有保存：只能上传 PDF 或照片")


def test_recording_past_20_mb_is_refused_with_the_limits():
    error = refused("长通话.mp3", recordings.twenty_one_megabytes(), recordings=True)
    assert error.code == "too_large"
    assert "录音每个不超过 20 MB，照片和 PDF 每个不超过 15 MB" in error.messages[0]


def test_recording_between_15_and_20_mb_is_kept_where_recordings_go():
    content = recordings.mp3(frames=16 * 1024 * 1024 // recordings.MP3_FRAME_BYTES)
    assert uploads.MAX_FILE_BYTES < len(content) <= uploads.MAX_RECORDING_BYTES
    checked = check("一小时通话.mp3", content, recordings=True)
    assert (checked.content_type, len(checked.content)) == ("audio/mpeg", len(content))


def test_photo_past_15_mb_is_refused_even_where_recordings_go():
    error = refused("截图.pdf", files.sixteen_megabytes(), recordings=True)
    assert error.code == "too_large"
    assert error.messages[0].startswith("“截图.pdf”没有保存：文件超过 15 MB")


def test_photos_and_pdfs_are_checked_as_before_where_recordings_go():
    photo = check("短信截图.png", files.image_bytes("PNG"), recordings=True)
    assert (photo.content_type, photo.is_recording) == ("image/png", False)
    assert refused("screenshot.png", files.png_polyglot(), recordings=True).code == "active_content"


def test_mp3_recording_with_a_checksum_header_filetype_does_not_list():
    """Frames with a CRC (0xFFFA) or of MPEG 2.5 (0xFFE3), and no ID3 tag: filetype names neither."""
    for header in (b"\xff\xfa\x50\xc4", b"\xff\xe3\x18\xc4"):
        length, _stream = audio._mp3_frame(header, 0) or (0, None)
        content = (header + bytes(length - 4)) * 10
        assert check("rec.mp3", content, recordings=True).content_type == "audio/mpeg"


def test_a_single_stray_frame_header_is_not_a_recording():
    content = recordings.MP3_FRAME_HEADER + bytes(100) + b"<html><body>not sound</body></html>"
    assert refused("通话.mp3", content, recordings=True).code == "broken_audio"
