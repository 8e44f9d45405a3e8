"""Checking uploaded proof documents: the type from the content, limits, images re-encoded, PDFs inspected, call
recordings checked (cases/audio.py) and kept as they are.

Nothing here touches storage or the database: `check_upload` turns an uploaded file into bytes that are safe to keep,
or raises a ValidationError whose message tells the user what to do instead.
"""

import hashlib
import io
import re
import struct
import unicodedata
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

import filetype
import pillow_heif
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import SkipFile, TemporaryFileUploadHandler
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, PngImagePlugin, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.errors import PdfReadError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

from . import audio
from .models import EvidenceKind

pillow_heif.register_heif_opener()

MAX_FILE_BYTES = 15 * 1024 * 1024
# A call of half an hour or more, as phones record it (AMR at 12.2 kbit/s, AAC at 64 to 96 kbit/s).
MAX_RECORDING_BYTES = 20 * 1024 * 1024
# The upload handler stops reading a file past the larger limit; the check of the file's type applies its own.
MAX_UPLOAD_BYTES = max(MAX_FILE_BYTES, MAX_RECORDING_BYTES)
MAX_CASE_BYTES = 100 * 1024 * 1024
MAX_FILES_PER_UPLOAD = 10
# A 50-megapixel phone photo passes; a 20000 x 20000 "image" (a few KB of PNG, 1.6 GB once decoded) does not.
MAX_PIXELS = 60_000_000
# Long edge of a stored photo: an A4 page at about 350 dpi, sharp enough for any document a lender reads.
MAX_EDGE = 4096
THUMBNAIL_EDGE = 320
MAX_PDF_PAGES = 300
MAX_PDF_OBJECTS = 200_000

# Content type -> (Pillow format names it must decode as, stored format, stored extension, stored content type).
IMAGE_TYPES = {
    "image/jpeg": ({"JPEG", "MPO"}, "JPEG", "jpg", "image/jpeg"),
    "image/png": ({"PNG"}, "PNG", "png", "image/png"),
    "image/webp": ({"WEBP"}, "WEBP", "webp", "image/webp"),
    # Browsers and most lenders' systems cannot show HEIC: a phone's HEIC photo is kept as a JPEG.
    "image/heic": ({"HEIF"}, "JPEG", "jpg", "image/jpeg"),
    "image/heif": ({"HEIF"}, "JPEG", "jpg", "image/jpeg"),
}
PDF_TYPE = "application/pdf"
ACCEPT_ATTRIBUTE = "image/jpeg,image/png,image/webp,image/heic,image/heif,.heic,.heif,application/pdf"
# Where a recording may go too: phones give AMR and M4A files types that browsers do not all know, hence the names.
RECORDING_ACCEPT_ATTRIBUTE = ACCEPT_ATTRIBUTE + ",audio/*,.mp3,.m4a,.amr,.awb,.3gp,.wav,.aac,.ogg,.opus"
# Only the first bytes: where a browser that guesses a type looks, and where a tag could hide a page.
RECORDING_HEAD_BYTES = 8192
_MB = 1024 * 1024

# Markup and script that have no business inside a photo: their presence means the file is also a web page.
ACTIVE_CONTENT = re.compile(rb"<\s*(?:script|html|body|iframe|svg|object|embed|!doctype)\b|<\?php", re.IGNORECASE)
# In a JPEG's entropy-coded data a 0xFF is followed by 0x00 (a stuffed byte) or a restart marker: anything else
# after one ends the scan (another segment, the next scan, the end of the image). Fill bytes (0xFF 0xFF) may precede it.
JPEG_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")
JPEG_FILL = re.compile(rb"\xff+")  # where a segment starts: its marker's 0xFF, after any fill bytes
# Markers without a length: TEM and the restart markers.
JPEG_STANDALONE_MARKERS = frozenset({0x01, *range(0xD0, 0xD8)})
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_PIXEL_CHUNKS = frozenset({b"IDAT", b"fdAT"})  # the image, and an animated PNG's further frames
WEBP_PIXEL_CHUNKS = frozenset({b"VP8 ", b"VP8L", b"ALPH", b"ANMF"})  # lossy, lossless, alpha, animation frames
HEIF_CODED_ITEMS = frozenset({b"hvc1", b"av01"})  # HEVC and AV1 coded images (and their tiles)
# A photo has tens of JPEG segments, HEIF boxes, items or extents, a PNG of 15 MB some 2,000 chunks: a file with more
# parts than this is searched whole (in one pass, as fast as ever) instead of walked part by part in Python.
MAX_LAYOUT_PARTS = 10_000
PDF_ACTIVE_NAMES = {"/JS", "/JavaScript", "/Launch", "/EmbeddedFiles", "/EmbeddedFile", "/RichMedia", "/XFA"}
# Actions that run code, start programs, or send the reader's data somewhere (a plain link to a web page is fine).
PDF_ACTIVE_ACTIONS = {"/JavaScript", "/Launch", "/SubmitForm", "/ImportData", "/Rendition"}
PDF_ACTIVE_TOKENS = re.compile(rb"/(?:JS|JavaScript|Launch|EmbeddedFiles?|RichMedia)(?![A-Za-z0-9])")


@dataclass(frozen=True)
class CheckedFile:
    """An upload that passed every check, with the bytes to store (re-encoded for images); a recording has 0 pages."""

    original_name: str
    content: bytes
    extension: str
    content_type: str
    pages: int
    thumbnail: bytes | None
    upload_checksum: str

    @property
    def is_recording(self) -> bool:
        return self.content_type.startswith("audio/")


def refusal(name: str, reason: str, code: str) -> ValidationError:
    # Formatted once, by Django from the params: formatted here as well, a "%" in the file name would crash the page.
    return ValidationError(_("“%(name)s”没有保存：%(reason)s"), code=code, params={"name": name, "reason": reason})


def clean_original_name(name: str | None) -> str:
    """The user's file name made safe to show and to offer back: no folders, no control characters, not too long."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().strip(".") or _("未命名文件")
    if len(name) > 120:
        stem, dot, suffix = name.rpartition(".")
        suffix = suffix[:10] if dot and stem else ""
        name = name[: 120 - len(suffix) - 1].rstrip() + ("." + suffix if suffix else "")
    return name


def too_large(name: str, *, recordings: bool = False) -> ValidationError:
    """A file past the limit of where it was going, before its type is known."""
    if not recordings:
        return refusal(name, _("文件超过 15 MB。请压缩后或分成几份再上传。"), "too_large")
    reason = _(
        "文件太大：录音每个不超过 %(recording)s MB，照片和 PDF 每个不超过 %(file)s MB。"
        "长录音可以在手机上剪成几段再上传。"
    ) % {"recording": MAX_RECORDING_BYTES // _MB, "file": MAX_FILE_BYTES // _MB}
    return refusal(name, reason, "too_large")


def check_upload(upload: UploadedFile, *, recordings: bool = False) -> CheckedFile:
    """Decide what the file is from its bytes, enforce the limits, and return what may be stored.

    `recordings`: the file goes where a call recording may (Evidence.accepts_recordings); anywhere else one is
    refused with a message that says where it goes.
    """
    name = clean_original_name(upload.name)
    if upload.size == 0:
        raise refusal(name, _("文件是空的。请重新选择或重新拍照。"), "empty")
    limit = MAX_UPLOAD_BYTES if recordings else MAX_FILE_BYTES
    # A size not given is checked on the bytes read below.
    if upload.size is not None and upload.size > limit:
        raise too_large(name, recordings=recordings)
    upload.seek(0)
    content = upload.read(limit + 1)
    if len(content) > limit:
        raise too_large(name, recordings=recordings)
    kind = filetype.guess(content)
    mime = kind.mime if kind else ""
    checksum = hashlib.sha256(content).hexdigest()
    if (mime == PDF_TYPE or mime in IMAGE_TYPES) and len(content) > MAX_FILE_BYTES:
        raise refusal(name, _("文件超过 15 MB。请压缩后或分成几份再上传。"), "too_large")
    if mime == PDF_TYPE:
        return _check_pdf(name, content, checksum)
    if mime in IMAGE_TYPES:
        return _check_image(name, content, mime, checksum)
    if recordings:
        return _check_recording(name, content, checksum)
    try:
        found = audio.recording_format(content)
    except audio.NotAudio:
        found = None
    if found is not None:
        raise refusal(
            name,
            _("这是一段录音。录音只能上传到“%(kind)s”这一项，或者在记沟通时附上。")
            % {"kind": EvidenceKind.CALL_RECORD.label},
            "recording_not_here",
        )
    raise refusal(
        name,
        _("只能上传 PDF 或照片（JPG、PNG、WebP、HEIC）。这个文件的内容不是其中任何一种，与文件名无关。"),
        "unsupported_type",
    )


def _check_recording(name: str, content: bytes, checksum: str) -> CheckedFile:
    """A call recording is kept byte for byte (re-encoding would lose what was said and prove nothing)."""
    try:
        found = audio.recording_format(content)
    except audio.NotAudio as error:
        if error.code == "video_not_audio":
            raise refusal(
                name, _("这是视频，不是录音。请只上传通话录音文件（例如 M4A、AMR 或 MP3）。"), "video_not_audio"
            ) from None
        raise refusal(
            name, _("录音文件无法识别，可能已损坏或不完整。请从手机的录音文件夹里重新选择原文件。"), "broken_audio"
        ) from None
    if found is None:
        raise refusal(
            name,
            _(
                "只能上传通话录音（MP3、M4A、AMR、WAV、AAC、OGG/Opus）、照片（JPG、PNG、WebP、HEIC）或 PDF。"
                "这个文件的内容不是其中任何一种，与文件名无关。"
            ),
            "unsupported_type",
        )
    if ACTIVE_CONTENT.search(content[:RECORDING_HEAD_BYTES]):
        reason = _("录音文件里夹带了网页或脚本代码。请从手机的录音文件夹里重新选择原文件。")
        raise refusal(name, reason, "active_content")
    return CheckedFile(
        original_name=name,
        content=content,
        extension=found.extension,
        content_type=found.content_type,
        pages=0,
        thumbnail=None,
        upload_checksum=checksum,
    )


def _check_image(name: str, content: bytes, mime: str, checksum: str) -> CheckedFile:
    if _markup_outside_pixels(content, mime):
        raise refusal(name, _("图片里夹带了网页或脚本代码。请重新拍照或截图后上传。"), "active_content")
    formats, stored_format, extension, content_type = IMAGE_TYPES[mime]
    try:
        with Image.open(io.BytesIO(content)) as image:
            if image.format not in formats:
                raise refusal(name, _("文件内容与图片格式不符，可能已损坏。"), "mismatched_type")
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise refusal(
                    name,
                    _("图片尺寸过大（%(width)s × %(height)s 像素）。请用手机的“截图”或“压缩”功能缩小后再上传。")
                    % {"width": width, "height": height},
                    "too_many_pixels",
                )
            image.load()
            upright = _eight_bit(ImageOps.exif_transpose(image))
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise refusal(name, _("图片尺寸过大，无法处理。"), "too_many_pixels") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise refusal(name, _("图片无法打开，可能已损坏。请重新拍照后上传。"), "broken_image") from None
    upright.thumbnail((MAX_EDGE, MAX_EDGE))
    return CheckedFile(
        original_name=name,
        content=_encode(upright, stored_format),
        extension=extension,
        content_type=content_type,
        pages=1,
        thumbnail=_thumbnail(upright),
        upload_checksum=checksum,
    )


def _markup_outside_pixels(content: bytes, mime: str) -> bool:
    """Whether markup or script sits where a browser or another program could read an image as text: its
    metadata (a JPEG's segments, a PNG's chunks with their compressed text, a WebP's chunks, a HEIF's boxes and
    metadata items), the framing between its parts, and whatever follows the image's end.

    The coded pixels are not searched. They are compressed data, as good as random bytes, in which `<svg` followed
    by a byte that is not a letter or digit turns up by chance about once in 700 million positions: searched, about
    one 15 MB photo in 45 was refused. Markup among them reaches nobody: what is stored is a new image encoded from
    the decoded pixels (`_encode`), none of the uploaded pixel data, and a browser that guesses whether a file is a
    page looks for a tag at its very start, where the image's signature and header are. A file whose layout cannot
    be followed here (Pillow may still open it) is searched whole: nothing then tells its pixels from anything else.
    """
    try:
        pixels, texts = _pixel_layout(content, mime)
    except (ValueError, IndexError, KeyError, struct.error):
        return ACTIVE_CONTENT.search(content) is not None
    start = 0
    for pixel_start, pixel_end in pixels:
        if ACTIVE_CONTENT.search(content, start, pixel_start):
            return True
        start = pixel_end
    return ACTIVE_CONTENT.search(content, start) is not None or any(ACTIVE_CONTENT.search(text) for text in texts)


def _pixel_layout(content: bytes, mime: str) -> tuple[list[tuple[int, int]], list[bytes]]:
    """Where the coded pixels are, as sorted byte ranges that do not overlap, and the text that a format keeps
    compressed (a PNG's zTXt and iTXt chunks). Raises ValueError (or an error of reading past the end) for a
    layout that cannot be followed."""
    texts: list[bytes] = []
    if mime == "image/jpeg":
        ranges = _jpeg_pixels(content)
    elif mime == "image/png":
        ranges, texts = _png_pixels(content)
    elif mime == "image/webp":
        ranges = _webp_pixels(content)
    else:
        ranges = _heif_pixels(content)
    merged: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        elif start < end:
            merged.append((start, end))
    return merged, texts


def _jpeg_pixels(content: bytes) -> list[tuple[int, int]]:
    """The entropy-coded data of each scan, in this JPEG and in the JPEGs that follow its end directly (an MPO's
    other views, a phone's depth map or HDR gain map); bytes after them that are not a JPEG are trailing data."""
    ranges, end = _jpeg_scans(content, 0)
    # Bounded like the segments: millions of empty JPEGs (SOI, EOI) after a photo would otherwise cost seconds.
    for _image in range(MAX_LAYOUT_PARTS):
        if not content.startswith(b"\xff\xd8\xff", end):
            return ranges
        try:
            more, end = _jpeg_scans(content, end)
        except (ValueError, IndexError, struct.error):
            return ranges
        ranges += more
    raise ValueError("more images than a photo holds")


def _jpeg_scans(content: bytes, start: int) -> tuple[list[tuple[int, int]], int]:
    """Walks one JPEG's segments from its SOI to its EOI, the segments between scans included; returns the ranges
    of entropy-coded data and where the image ends."""
    ranges: list[tuple[int, int]] = []
    at = start + 2
    for _segment in range(MAX_LAYOUT_PARTS):
        fill = JPEG_FILL.match(content, at)
        if fill is None:
            raise ValueError("no marker where a segment should start")
        marker = content[fill.end()]
        at = fill.end() + 1
        if marker == 0xD9:
            return ranges, at
        if marker in JPEG_STANDALONE_MARKERS:
            continue
        if marker in (0x00, 0xD8):
            raise ValueError("not a segment")
        (length,) = struct.unpack_from(">H", content, at)
        if length < 2 or at + length > len(content):
            raise ValueError("a segment past the end of the file")
        at += length
        if marker == 0xDA:
            scan_end = JPEG_MARKER.search(content, at)
            if scan_end is None:
                raise ValueError("a scan without an end")
            ranges.append((at, scan_end.start()))
            at = scan_end.start()
    raise ValueError("more segments than a photo has")


def _png_pixels(content: bytes) -> tuple[list[tuple[int, int]], list[bytes]]:
    """The data of the IDAT and fdAT chunks, and the text of the compressed text chunks, each cut at Pillow's own
    limit for one chunk and all of them at its limit for a file (past those Pillow refuses the file anyway)."""
    if not content.startswith(PNG_SIGNATURE):
        raise ValueError("no PNG signature")
    ranges, texts = [], []
    budget = PngImagePlugin.MAX_TEXT_MEMORY
    at = len(PNG_SIGNATURE)
    for _chunk in range(MAX_LAYOUT_PARTS):
        length, kind = struct.unpack_from(">I4s", content, at)
        data_start = at + 8
        data_end = data_start + length
        if data_end + 4 > len(content):
            raise ValueError("a chunk past the end of the file")
        if kind in PNG_PIXEL_CHUNKS:
            ranges.append((data_start, data_end))
        elif kind in (b"zTXt", b"iTXt") and budget > 0:
            text = _png_text(content[data_start:data_end], kind, min(budget, PngImagePlugin.MAX_TEXT_CHUNK))
            budget -= len(text)
            texts.append(text)
        at = data_end + 4  # past the CRC
        if kind == b"IEND":
            return ranges, texts
    raise ValueError("more chunks than a photo has")


def _png_text(chunk: bytes, kind: bytes, limit: int) -> bytes:
    """The text of a compressed zTXt or iTXt chunk, at most `limit` bytes; b"" for one stored plain (its bytes are
    searched as they are) or that does not decompress."""
    keyword_end = chunk.find(b"\0")
    if keyword_end < 0:
        return b""
    if kind == b"zTXt":
        compressed = chunk[keyword_end + 2 :]
    else:
        if chunk[keyword_end + 1 : keyword_end + 2] != b"\x01":
            return b""
        language_end = chunk.find(b"\0", keyword_end + 3)
        translated_end = chunk.find(b"\0", language_end + 1) if language_end >= 0 else -1
        if translated_end < 0:
            return b""
        compressed = chunk[translated_end + 1 :]
    try:
        return zlib.decompressobj().decompress(compressed, limit)
    except zlib.error:
        return b""


def _webp_pixels(content: bytes) -> list[tuple[int, int]]:
    """The image chunks inside the RIFF container; what follows the size the container declares is trailing data."""
    riff, size, webp = struct.unpack_from("<4sI4s", content, 0)
    riff_end = 8 + size
    if riff != b"RIFF" or webp != b"WEBP" or riff_end > len(content):
        raise ValueError("not a whole RIFF WEBP container")
    ranges: list[tuple[int, int]] = []
    at = 12
    for _chunk in range(MAX_LAYOUT_PARTS):
        if at >= riff_end:
            return ranges
        kind, length = struct.unpack_from("<4sI", content, at)
        data_end = at + 8 + length
        if data_end > riff_end:
            raise ValueError("a chunk past the end of the container")
        if kind in WEBP_PIXEL_CHUNKS:
            ranges.append((at + 8, data_end))
        at = data_end + (length & 1)  # chunks are padded to an even length
    raise ValueError("more chunks than a photo has")


def _heif_pixels(content: bytes) -> list[tuple[int, int]]:
    """The extents of the coded image items, found through the meta box's item list (iinf) and item locations
    (iloc). Everything else is searched: the boxes, the metadata items (Exif, XMP) that share the mdat box with the
    pixels, and bytes after the last box (which make the box walk fail, so the file is searched whole)."""
    meta = next(((start, end) for kind, start, end in _boxes(content, 0, len(content)) if kind == b"meta"), None)
    if meta is None:
        raise ValueError("no meta box")
    meta_start, meta_end = meta
    children = {kind: (start, end) for kind, start, end in _boxes(content, meta_start + 4, meta_end)}
    item_types = _heif_item_types(content, *children[b"iinf"])
    return [
        extent
        for item, extent in _heif_extents(content, *children[b"iloc"])
        if item_types.get(item) in HEIF_CODED_ITEMS and extent[1] <= len(content)
    ]


def _boxes(content: bytes, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """The ISO base media boxes from `start` to `end`: (type, where its payload starts, where it ends)."""
    at = start
    for _box in range(MAX_LAYOUT_PARTS):
        if at >= end:
            return
        size, kind = struct.unpack_from(">I4s", content, at)
        header = 8
        if size == 1:
            (size,) = struct.unpack_from(">Q", content, at + 8)
            header = 16
        elif size == 0:
            size = end - at
        if size < header or at + size > end:
            raise ValueError("a box past the end of its container")
        yield kind, at + header, at + size
        at += size
    raise ValueError("more boxes than a photo has")


def _heif_item_types(content: bytes, start: int, end: int) -> dict[int, bytes]:
    """Item id -> item type, from the item information box (iinf) and its entries (infe, versions 2 and 3)."""
    count_bytes = 2 if content[start] == 0 else 4
    types = {}
    for kind, entry, _entry_end in _boxes(content, start + 4 + count_bytes, end):
        if kind != b"infe" or content[entry] < 2:
            continue
        version = content[entry]
        if version == 2:
            (item,) = struct.unpack_from(">H", content, entry + 4)
            types[item] = content[entry + 8 : entry + 12]
        else:
            (item,) = struct.unpack_from(">I", content, entry + 4)
            types[item] = content[entry + 10 : entry + 14]
    return types


def _heif_extents(content: bytes, start: int, end: int) -> list[tuple[int, tuple[int, int]]]:
    """(item id, (start, end)) of each extent that the item location box (iloc) places in this file by offset."""
    version = content[start]
    at = start + 4

    def number(size: int) -> int:
        nonlocal at
        if at + size > end:
            raise ValueError("iloc past its end")
        value = int.from_bytes(content[at : at + size], "big")
        at += size
        return value

    sizes = number(2)
    offset_size, length_size, base_offset_size = sizes >> 12, (sizes >> 8) & 15, (sizes >> 4) & 15
    index_size = sizes & 15 if version in (1, 2) else 0
    extents = []
    counted = 0
    items = number(2 if version < 2 else 4)
    if items > MAX_LAYOUT_PARTS:
        raise ValueError("more items than a photo has")
    for _item in range(items):
        item = number(2 if version < 2 else 4)
        construction = number(2) & 15 if version in (1, 2) else 0
        data_reference = number(2)
        base = number(base_offset_size)
        extent_count = number(2)
        # Counted across the items: with offsets and lengths of 0 bytes an extent takes no room in the box, and
        # 10,000 items of 10,000 extents each would take minutes to walk.
        counted += extent_count
        if counted > MAX_LAYOUT_PARTS:
            raise ValueError("more extents than a photo has")
        for _extent in range(extent_count):
            number(index_size)
            offset, length = base + number(offset_size), number(length_size)
            # Construction 1 and 2 point into the idat box or another item, 0 with a data reference into another
            # file; a length of 0 means "the rest of the file". None of them is excluded from the search.
            if construction == 0 and data_reference == 0 and length:
                extents.append((item, (offset, offset + length)))
    return extents


def _eight_bit(image: Image.Image) -> Image.Image:
    """Scanner apps save 16-bit and float greys; converted naively they clip to white and the page is lost."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I;16N"):
        return image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    if image.mode in ("I", "F"):
        low, high = image.getextrema()
        if isinstance(low, tuple) or isinstance(high, tuple):  # one band: (lowest, highest)
            raise TypeError(f"a {image.mode} image has one band")
        scale = 255 / (high - low) if high > low else 0
        return image.point(lambda value: (value - low) * scale).convert("L")
    return image


def _encode(image: Image.Image, image_format: str) -> bytes:
    """Write the pixels alone: no EXIF (so no GPS position), no text chunks, nothing appended after the image."""
    out = io.BytesIO()
    if image_format == "JPEG":
        # Pillow copies a JPEG's comment segment into the JPEG it writes unless told otherwise.
        _flattened(image).save(out, "JPEG", quality=88, optimize=True, comment=b"")
    elif image_format == "PNG":
        keep = image if image.mode in ("1", "L", "LA", "P", "RGB", "RGBA") else image.convert("RGBA")
        keep.save(out, "PNG", optimize=True)
    else:
        keep = image if image.mode in ("RGB", "RGBA") else image.convert("RGBA")
        keep.save(out, "WEBP", quality=88)
    return out.getvalue()


def _flattened(image: Image.Image) -> Image.Image:
    if image.mode == "RGB":
        return image
    if image.mode in ("RGBA", "LA", "P"):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, "white")
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def _thumbnail(image: Image.Image) -> bytes:
    small = _flattened(image.copy())
    small.thumbnail((THUMBNAIL_EDGE, THUMBNAIL_EDGE))
    out = io.BytesIO()
    small.save(out, "JPEG", quality=80, comment=b"")
    return out.getvalue()


def _check_pdf(name: str, content: bytes, checksum: str) -> CheckedFile:
    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        if reader.is_encrypted:
            raise refusal(
                name,
                _("PDF 设有密码或加密。请去掉密码后再上传（例如用“打印”→“存储为 PDF”另存一份）。"),
                "encrypted_pdf",
            )
        pages = len(reader.pages)
        has_active = PDF_ACTIVE_TOKENS.search(content) is not None or _has_active_content(reader)
    except ValidationError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError, OSError):
        raise refusal(name, _("PDF 无法打开，可能已损坏。请重新导出或重新下载后上传。"), "broken_pdf") from None
    if pages == 0:
        raise refusal(name, _("PDF 里没有页面。"), "broken_pdf")
    if pages > MAX_PDF_PAGES:
        raise refusal(
            name, _("PDF 超过 %(pages)s 页，请只上传需要的部分。") % {"pages": MAX_PDF_PAGES}, "too_many_pages"
        )
    if has_active:
        raise refusal(
            name,
            _("PDF 里带有脚本、自动动作或嵌入的其他文件，平台不会接受。请用“打印”→“存储为 PDF”另存一份再上传。"),
            "active_pdf",
        )
    return CheckedFile(
        original_name=name,
        content=content,
        extension="pdf",
        content_type=PDF_TYPE,
        pages=pages,
        thumbnail=None,
        upload_checksum=checksum,
    )


def _has_active_content(reader: PdfReader) -> bool:
    """Walk every object reachable from the trailer (compressed object streams included) for script or actions."""
    seen: set[tuple[int, int]] = set()
    pending: list = [reader.trailer]
    visited = 0
    while pending:
        node = pending.pop()
        if isinstance(node, IndirectObject):
            key = (node.idnum, node.generation)
            if key in seen:
                continue
            seen.add(key)
            node = node.get_object()
        visited += 1
        if visited > MAX_PDF_OBJECTS:
            raise ValueError("too many objects")
        if isinstance(node, DictionaryObject):
            if PDF_ACTIVE_NAMES & set(node.keys()) or node.get("/S") in PDF_ACTIVE_ACTIONS:
                return True
            pending.extend(value for key, value in node.items() if key != "/Parent")
        elif isinstance(node, ArrayObject):
            pending.extend(node)
    return False


class SizeLimitedUploadHandler(TemporaryFileUploadHandler):
    """Streams uploads to a temporary file and stops reading one as soon as it passes the largest per-file limit.

    The names of the files refused this way are left on the request, so the view can say which ones were too large
    without a 20 MB+ file ever being kept.
    """

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.received > MAX_UPLOAD_BYTES:
            vars(self.request).setdefault("oversized_uploads", []).append(clean_original_name(self.file_name))
            raise SkipFile
        return super().receive_data_chunk(raw_data, start)


def oversized_refusals(request, uploads: list[UploadedFile], *, recordings: bool = False) -> list[ValidationError]:
    """The files too large for where they were going: those the handler dropped, and, where no recording may go,
    those past the limit of photos and PDFs (the handler lets them through for the places recordings may go)."""
    names = list(getattr(request, "oversized_uploads", []))
    if not recordings:
        names += [clean_original_name(upload.name) for upload in uploads if (upload.size or 0) > MAX_FILE_BYTES]
    return [too_large(name, recordings=recordings) for name in names]
