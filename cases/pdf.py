"""HTML -> PDF bytes with WeasyPrint: one font configuration reused, only the app's static files fetched.

Written against WeasyPrint 70 (pinned in requirements.txt), some of whose internals it replaces for speed, size and
memory; tests/test_documents.py checks that the pages still come out as WeasyPrint alone draws them.
No storage and no ORM here; saving the bytes is the service's job.
"""

import functools
import gc
import mimetypes
import re
import signal
import threading
from contextlib import contextmanager
from html import unescape
from pathlib import Path
from urllib.parse import urljoin

import tinycss2
import weasyprint.pdf
import weasyprint.pdf.fonts
import weasyprint.pdf.stream
from django.conf import settings
from django.contrib.staticfiles import finders
from weasyprint import CSS, HTML
from weasyprint.html import UA, UA_FORM_STYLESHEET
from weasyprint.pdf.fonts import Font
from weasyprint.text.ffi import ffi, harfbuzz, harfbuzz_subset
from weasyprint.text.fonts import FontConfiguration, get_hb_object_data
from weasyprint.urls import URLFetcher, URLFetcherResponse

# Documents are parsed against this origin so that "/static/..." becomes an absolute URL the fetcher can recognise;
# the .invalid top-level domain can never resolve, so nothing could leave the machine even by mistake.
BASE_URL = "https://documents.invalid/"
RENDER_TIME_LIMIT_SECONDS = 60

# Building a font configuration reads fontconfig's cache; one per process keeps warm renders fast.
_FONT_CONFIG = FontConfiguration()


class RenderTimeout(Exception):
    """The renderer took longer than RENDER_TIME_LIMIT_SECONDS."""


class StaticOnlyFetcher(URLFetcher):
    """Serves the app's own static files and refuses everything else: no file://, no network, no data: tricks."""

    def __init__(self):
        super().__init__(timeout=5, allowed_protocols=["https"], allow_redirects=False, fail_on_errors=False)

    def fetch(self, url, headers=None):
        path = self.static_path(url)
        mime_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime_type})

    def static_path(self, url: str) -> Path:
        """The file behind an absolute URL of one of the app's static files; ValueError for any other URL."""
        prefix = BASE_URL.rstrip("/") + "/" + settings.STATIC_URL.strip("/") + "/"
        if not url.startswith(prefix):
            raise ValueError(f"only the app's static files may be fetched, not {url}")
        relative = url[len(prefix) :].split("?", 1)[0].split("#", 1)[0]
        if not relative or ".." in Path(relative).parts:
            raise ValueError(f"bad static path: {url}")
        path = finders.find(relative) or _collected(relative)
        if path is None:
            raise ValueError(f"no such static file: {relative}")
        return Path(path)


def _collected(relative: str) -> str | None:
    candidate = Path(settings.STATIC_ROOT) / relative
    return str(candidate) if candidate.is_file() else None


@functools.cache
def _fetcher() -> StaticOnlyFetcher:
    """One per process: building a URLFetcher loads the system's CA certificates (~20 ms), which it never uses here.

    It keeps no state between fetches, so renders in several threads may share it.
    """
    return StaticOnlyFetcher()


@contextmanager
def _time_limit(seconds: int):
    """An alarm in the main thread (a prefork worker's child renders there); elsewhere Celery's limits apply."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum, frame):
        raise RenderTimeout(f"rendering took more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# --- Memory ------------------------------------------------------------------------------------------------------


@contextmanager
def _collect_once_afterwards():
    """No cyclic garbage collection during a render, one collection of what it left behind just after it.

    A render allocates hundreds of thousands of objects that all live until it ends, so the collections that their
    allocation triggers free nothing, yet promote them to the old generation, whose full collections then walk the
    whole process (Django included): 10-100 ms per render. The document is dropped before this exits, so the young
    generation then holds just the render's leftover cycles (~30,000 objects for the proposal).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
    if enabled:
        gc.collect(0)


# --- Fonts -------------------------------------------------------------------------------------------------------
#
# WeasyPrint subsets a font keeping every glyph id up to the highest one used, so that the ids in the page content
# stay valid. Noto Sans CJK holds 65,535 glyphs and Chinese text uses ids across that range, so each embedded face
# kept ~770 KB of empty slots (hmtx, vmtx, the CFF's offsets) and took two subsetting passes.
# Its outlines are CID-keyed CFF: a PDF viewer finds a glyph by CID through the CFF's charset, and HarfBuzz keeps the
# original CIDs in the charset when it renumbers the glyphs. So the subset can leave the empty slots out and go into
# the PDF as a bare CFF (FontFile3 /CIDFontType0C, the form every viewer has read since PDF 1.3) while the page
# content, the widths and the ToUnicode map stay as WeasyPrint wrote them.

_CFF_TAG = "CFF "
_ROS_OPERATOR = b"\x0c\x1e"  # the first operator of a CID-keyed font's Top DICT, and found in no other
_weasyprint_fonts_dictionary = weasyprint.pdf.build_fonts_dictionary


def _fonts_dictionary(pdf, fonts, compress, subset, options):
    """WeasyPrint's fonts dictionary, with CID-keyed CFF faces subset compactly and embedded as bare CFF."""
    bare_cff = {}  # font hash -> the CFF table of its compact subset

    def compact_subset(font, to_unicode, hinting):
        subset_font = _compact_cid_subset(font, to_unicode, hinting) if to_unicode else None
        if subset_font is None:
            _load_file(font)
            Font.subset(font, to_unicode, hinting)
        else:
            font.file_content, bare_cff[font.hash] = subset_font

    compact = subset and harfbuzz_subset is not None and harfbuzz.hb_version_atleast(4, 1, 0)
    for font in fonts.values():
        if compact and not font.used_in_forms and _is_cid_keyed_cff(font):
            font.subset = functools.partial(compact_subset, font)
        else:
            _load_file(font)
    dictionary = _weasyprint_fonts_dictionary(pdf, fonts, compress, subset, options)
    for font_hash, cff in bare_cff.items():
        font_file = _font_file(pdf, dictionary[font_hash])
        font_file.stream = [cff]
        font_file.extra["Subtype"] = "/CIDFontType0C"
    return dictionary


# WeasyPrint's Font copies its whole font file when it is made, at the first glyph drawn in it: 20 MB for each Noto
# CJK collection, fresh memory every render, 15 ms a proposal. Only the ways of embedding other than the compact one
# above read that copy, so the fonts bound for those get it in _fonts_dictionary, and none is made before.
_making_font = threading.local()


def _face_data(hb_object, ot_color=None, glyph=None):
    """get_hb_object_data as WeasyPrint's fonts module calls it: no copy of the face for a Font being made."""
    if ot_color is None and getattr(_making_font, "active", False):
        return b""
    return get_hb_object_data(hb_object, ot_color, glyph)


class _Font(Font):
    def __init__(self, pango_font, description, font_size):
        _making_font.active = True
        try:
            super().__init__(pango_font, description, font_size)
        finally:
            _making_font.active = False


def _load_file(font: Font) -> None:
    if not font.file_content:
        font.file_content = get_hb_object_data(font.hb_face)


weasyprint.pdf.build_fonts_dictionary = _fonts_dictionary
weasyprint.pdf.fonts.get_hb_object_data = _face_data
weasyprint.pdf.stream.Font = _Font


def _is_cid_keyed_cff(font: Font) -> bool:
    if font.bitmap or font.png or font.svg or font.colr or "fvar" in font.tables or _CFF_TAG not in font.tables:
        return False
    blob = harfbuzz.hb_face_reference_table(font.hb_face, harfbuzz.hb_tag_from_string(_CFF_TAG.encode(), -1))
    try:
        length = ffi.new("unsigned int *")
        data = harfbuzz.hb_blob_get_data(blob, length)
        # The header, the font's name and the Top DICT come first: a few hundred bytes, not the 16 MB outlines.
        return data != ffi.NULL and _first_dict_operator(ffi.unpack(data, min(length[0], 1024))) == _ROS_OPERATOR
    finally:
        harfbuzz.hb_blob_destroy(blob)


def _first_dict_operator(cff: bytes) -> bytes | None:
    """The first operator of the Top DICT of a CFF table (Adobe TN 5176), or None when it cannot be read."""
    try:
        position = _after_index(cff, cff[2])  # the header's size, then the Name INDEX
        count, offset_size = int.from_bytes(cff[position : position + 2], "big"), cff[position + 2]
        if count == 0:
            return None
        first_offset = int.from_bytes(cff[position + 3 : position + 3 + offset_size], "big")
        position += 3 + (count + 1) * offset_size + first_offset - 1
        while True:  # skip the operands before the first operator
            byte = cff[position]
            if byte <= 21:
                return cff[position : position + 2] if byte == 12 else cff[position : position + 1]
            if byte == 28:
                position += 3
            elif byte == 29:
                position += 5
            elif byte == 30:  # a real number: nibbles up to the one that is 0xf
                position += 1
                while cff[position] >> 4 != 0xF and cff[position] & 0xF != 0xF:
                    position += 1
                position += 1
            elif byte <= 246:
                position += 1
            elif byte <= 254:
                position += 2
            else:
                return None
    except IndexError:
        return None


def _after_index(cff: bytes, position: int) -> int:
    count = int.from_bytes(cff[position : position + 2], "big")
    if count == 0:
        return position + 2
    offset_size = cff[position + 2]
    last = position + 3 + count * offset_size
    return last + offset_size - 1 + int.from_bytes(cff[last : last + offset_size], "big")


def _compact_cid_subset(font: Font, to_unicode: dict, hinting: bool) -> tuple[bytes, bytes] | None:
    """The used glyphs of `font`, renumbered: (an OpenType font holding only its CFF table, that CFF table)."""
    subset_input = harfbuzz_subset.hb_subset_input_create_or_fail()
    if subset_input == ffi.NULL:
        return None
    subset_input = ffi.gc(subset_input, harfbuzz_subset.hb_subset_input_destroy)
    glyphs = sorted(to_unicode)
    harfbuzz.hb_set_add_sorted_array(
        harfbuzz_subset.hb_subset_input_glyph_set(subset_input), ffi.new("hb_codepoint_t[]", glyphs), len(glyphs)
    )
    flags = harfbuzz_subset.HB_SUBSET_FLAGS_DESUBROUTINIZE
    if not hinting:
        flags |= harfbuzz_subset.HB_SUBSET_FLAGS_NO_HINTING
    if font.missing:
        flags |= harfbuzz_subset.HB_SUBSET_FLAGS_NOTDEF_OUTLINE
    harfbuzz_subset.hb_subset_input_set_flags(subset_input, flags)
    # Every other table (metrics, cmap, layout, names) would be subset only to be thrown away: the PDF carries the
    # widths and the text itself. Dropping GSUB also spares the closure over its substitutions.
    tags = sorted(harfbuzz.hb_tag_from_string(tag.encode(), -1) for tag in font.tables if tag != _CFF_TAG)
    harfbuzz.hb_set_add_sorted_array(
        harfbuzz_subset.hb_subset_input_set(subset_input, harfbuzz_subset.HB_SUBSET_SETS_DROP_TABLE_TAG),
        ffi.new("hb_codepoint_t[]", tags),
        len(tags),
    )
    face = harfbuzz_subset.hb_subset_or_fail(font.hb_face, subset_input)
    if face == ffi.NULL:
        return None
    face = ffi.gc(face, harfbuzz.hb_face_destroy)
    opentype = get_hb_object_data(face)
    table = harfbuzz.hb_face_reference_table(face, harfbuzz.hb_tag_from_string(_CFF_TAG.encode(), -1))
    try:
        length = ffi.new("unsigned int *")
        data = harfbuzz.hb_blob_get_data(table, length)
        cff = ffi.unpack(data, length[0]) if data != ffi.NULL else b""
    finally:
        harfbuzz.hb_blob_destroy(table)
    if not opentype or opentype[:4] != b"OTTO" or not cff:
        return None
    return opentype, cff


def _font_file(pdf, font_reference: bytes):
    """The stream of the font program behind a Type0 font: font -> descendant CIDFont -> descriptor -> FontFile3."""

    def resolve(reference):
        return pdf.objects[int(reference.split()[0])]

    descendant = resolve(resolve(font_reference)["DescendantFonts"][0])
    return resolve(resolve(descendant["FontDescriptor"])["FontFile3"])


# --- Rendering ---------------------------------------------------------------------------------------------------


def _without_notes(stylesheet: str) -> str:
    """A stylesheet less its rules for the ::footnote-* and ::note-* pseudo-elements."""
    kept = []
    for rule in tinycss2.parse_stylesheet(stylesheet, skip_comments=True, skip_whitespace=True):
        selector = tinycss2.serialize(rule.prelude).strip() if rule.type == "qualified-rule" else ""
        if not selector.startswith(("::footnote-", "::note-")):
            kept.append(rule.serialize())
    return "\n".join(kept)


# WeasyPrint's default stylesheet styles five pseudo-elements (::footnote-call, ::footnote-marker, ::note-call,
# ::note-marker, ::note-callback) with selectors that match every element, so each element gets five more computed
# styles whether or not the document has a footnote: 4,000 for the proposal, 8 % of its render. The documents have
# neither footnotes nor notes (a template that adds some must style them itself); the rest of the stylesheet stays.
_UA_STYLESHEET = CSS(string=_without_notes(UA))


class _DocumentHTML(HTML):
    def _ua_stylesheets(self, forms=False):
        return [_UA_STYLESHEET, UA_FORM_STYLESHEET] if forms else [_UA_STYLESHEET]


_STYLESHEET_LINK = re.compile(r'<link rel="stylesheet" href="([^"]+)">')


def _split_stylesheets(html: str) -> tuple[str, list[CSS]]:
    """The document less its links to the app's stylesheets, and those stylesheets, each parsed once per version.

    Parsing the print stylesheet took 5 % of a render, for the same file every time. The stylesheets go to
    WeasyPrint as the user's rather than the author's, a difference that shows only against author styles, which
    the documents do not have (the CSP would refuse them in the preview). A link that is not to a static file stays
    for WeasyPrint to fetch, and so to refuse.
    """
    stylesheets = []

    def parsed(link: re.Match) -> str:
        url = urljoin(BASE_URL, unescape(link.group(1)))
        try:
            path = _fetcher().static_path(url)
            modified = path.stat().st_mtime_ns
        except (ValueError, OSError):
            return link.group(0)
        stylesheets.append(_stylesheet(url, modified))
        return ""

    return _STYLESHEET_LINK.sub(parsed, html), stylesheets


@functools.lru_cache(maxsize=16)
def _stylesheet(url: str, modified: int) -> CSS:
    """`modified` is in the key so that a changed file is parsed again (the development server's workers live on)."""
    return CSS(url=url, url_fetcher=_fetcher(), font_config=_FONT_CONFIG)


def render_pdf(html: str, *, time_limit: int = RENDER_TIME_LIMIT_SECONDS) -> bytes:
    """Lay out `html` (with its print stylesheet) and return the PDF, fonts subset and embedded."""
    with _collect_once_afterwards(), _time_limit(time_limit):
        return _render(html)


def _render(html: str) -> bytes:
    """In a function of its own so that the document is gone when the collection after it runs."""
    html, stylesheets = _split_stylesheets(html)
    document = _DocumentHTML(string=html, base_url=BASE_URL, url_fetcher=_fetcher())
    return document.write_pdf(stylesheets=stylesheets, font_config=_FONT_CONFIG)
