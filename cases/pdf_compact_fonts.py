"""What the renderer needs from WeasyPrint's internals, in one place, applied only on the version it was written for.

WeasyPrint's public interface (cases/pdf.py with the subset faces of static/documents/print.css) already renders
every document correctly. On WeasyPrint 70 the worker also applies this module when it starts
(huabei_negotiate/celery.py); on any other version `apply()` logs a warning and changes nothing, so an upgrade costs
speed and size, never a document. Importing this module changes nothing either.

What it buys, measured by `make bench` on the 4-page proposal, one render of each in turn (README, "What `make
bench` shows"): 201 ms and 59 KB against 314 ms and 98 KB for the public route alone, and 421 ms and 273 KB for
stock WeasyPrint with the system's full faces. Where it goes:
- Compact font subsets. WeasyPrint subsets a font keeping every glyph id up to the highest one used, so that the
  ids in the page content stay valid; even the 9,600-glyph subset faces then embed thousands of empty slots (hmtx,
  vmtx, the CFF's offsets), in two subsetting passes. Noto Sans CJK's outlines are CID-keyed CFF: a PDF viewer finds
  a glyph by CID through the CFF's charset, and HarfBuzz keeps the original CIDs in the charset when it renumbers
  the glyphs. So the subset leaves the empty slots out and goes into the PDF as a bare CFF (FontFile3
  /CIDFontType0C, readable by every viewer since PDF 1.3) while the page content stays as WeasyPrint wrote it and
  the widths and the ToUnicode map keep its glyph codes. This holds for a face whose CIDs are its glyph ids, as in
  Noto Sans CJK itself and in the subsets scripts/subset-fonts makes (it renumbers the CIDs for this); the pixel
  tests check it.
- Shorter widths and ToUnicode maps for those faces (1.3 KB of the proposal's PDF). /W leaves out the glyphs 1000
  units wide, the width a viewer gives any glyph /W does not list, and nearly every glyph of a Chinese document;
  the ToUnicode map lists the glyphs in order, a run of consecutive glyphs for consecutive characters as one range.
- No copy of each face. WeasyPrint's Font copies its whole font file when it is made, at the first glyph drawn in
  it: fresh memory every render. Only the ways of embedding other than the compact one read that copy, so the fonts
  bound for those get it when the fonts dictionary is built, and none is made before.
- A default stylesheet without its footnote and note rules. WeasyPrint styles five pseudo-elements
  (::footnote-call, ::footnote-marker, ::note-call, ::note-marker, ::note-callback) with selectors that match every
  element, so each element gets five more computed styles whether or not the document has a footnote: 8 % of the
  proposal's render. The documents have neither (a template that adds some must style them itself).

Proposed to WeasyPrint itself, as a pull request would describe it:
  "Embed CID-keyed CFF fonts as compact subsets. For a CID-keyed CFF font, subset without
  HB_SUBSET_FLAGS_RETAIN_GIDS and embed the CFF table alone as FontFile3 /CIDFontType0C: the content stream's
  glyph codes are CIDs, which the subset's charset keeps, so /W and /ToUnicode need no change. With Noto Sans CJK
  this divides the size of a PDF by up to six and spares the second subsetting pass. Leave the glyphs as wide as
  the default (DW, 1000) out of /W, and write ToUnicode's runs as bfrange. Also read a face's data
  lazily in Font (only the fontTools paths need it), and add the footnote/note pseudo-element rules to the user
  agent stylesheet only when a document uses float: footnote or notes."
Once WeasyPrint does this itself, the module has nothing left to do and goes away.
"""

import functools
import logging
import threading

import weasyprint

logger = logging.getLogger(__name__)

WRITTEN_FOR = "70"  # WeasyPrint's major version whose internals this module knows
_CFF_TAG = "CFF "
_ROS_OPERATOR = b"\x0c\x1e"  # the first operator of a CID-keyed font's Top DICT, and found in no other
_DEFAULT_WIDTH = 1000  # a CIDFont's DW when its dictionary gives none (PDF 32000-1, 9.7.4.3)

_originals: dict[str, object] = {}  # "module:name" -> what WeasyPrint had there, while applied
_document_class = None


def apply(*, version: str | None = None) -> bool:
    """Use the internals below if WeasyPrint is the version they were written for; say so and do nothing otherwise.

    Returns whether they are in use. `version` is WeasyPrint's own unless given (the tests give another).
    """
    version = weasyprint.__version__ if version is None else version
    if version.split(".")[0] != WRITTEN_FOR:
        logger.warning(
            "WeasyPrint %s is not the version cases/pdf_compact_fonts.py was written for (%s.x): documents are "
            "rendered through WeasyPrint's public interface only, correct but larger and slower.",
            version,
            WRITTEN_FOR,
        )
        return False
    if is_applied():
        return True
    try:
        replacements = _replacements()
    except (ImportError, AttributeError) as error:  # a patch release that moved something
        logger.warning("WeasyPrint %s lacks what cases/pdf_compact_fonts.py replaces (%s): not applied", version, error)
        return False
    global _document_class
    for (module, name), replacement in replacements.items():
        _originals[f"{module.__name__}:{name}"] = getattr(module, name)
        setattr(module, name, replacement)
    _document_class = _trimmed_document_class()
    return True


def remove() -> None:
    """Give WeasyPrint its own functions back (the bench and the tests compare both routes in one process)."""
    global _document_class
    import importlib

    for key, original in _originals.items():
        module_name, name = key.split(":")
        setattr(importlib.import_module(module_name), name, original)
    _originals.clear()
    _document_class = None


def is_applied() -> bool:
    return bool(_originals)


def document_class() -> type[weasyprint.HTML]:
    """The HTML class to render with: WeasyPrint's own unless this module is applied."""
    return _document_class or weasyprint.HTML


def _replacements() -> dict:
    import weasyprint.pdf
    import weasyprint.pdf.fonts
    import weasyprint.pdf.stream
    from weasyprint.html import UA, UA_FORM_STYLESHEET  # noqa: F401 (checked here, used by the document class)
    from weasyprint.pdf.fonts import Font
    from weasyprint.text.ffi import harfbuzz, harfbuzz_subset  # noqa: F401
    from weasyprint.text.fonts import get_hb_object_data

    weasyprint_fonts_dictionary = weasyprint.pdf.build_fonts_dictionary
    making_font = threading.local()

    def fonts_dictionary(pdf, fonts, compress, subset, options):
        """WeasyPrint's fonts dictionary, with CID-keyed CFF faces subset compactly and embedded as bare CFF, their
        widths less the default ones and their ToUnicode maps with ranges."""
        bare_cff = {}  # font hash -> the CFF table of its compact subset

        def compact_subset(font, to_unicode, hinting):
            subset_font = _compact_cid_subset(font, to_unicode, hinting) if to_unicode else None
            if subset_font is None:
                load_file(font)
                Font.subset(font, to_unicode, hinting)
            else:
                font.file_content, bare_cff[font.hash] = subset_font

        compact = subset and harfbuzz_subset is not None and harfbuzz.hb_version_atleast(4, 1, 0)
        for font in fonts.values():
            if compact and not font.used_in_forms and _is_cid_keyed_cff(font):
                font.subset = functools.partial(compact_subset, font)
            else:
                load_file(font)
        dictionary = weasyprint_fonts_dictionary(pdf, fonts, compress, subset, options)
        to_unicode_of = {font.hash: font.to_unicode for font in fonts.values()}
        for font_hash, cff in bare_cff.items():
            type0 = _resolve(pdf, dictionary[font_hash])
            descendant = _resolve(pdf, type0["DescendantFonts"][0])
            font_file = _resolve(pdf, _resolve(pdf, descendant["FontDescriptor"])["FontFile3"])
            font_file.stream = [cff]
            font_file.extra["Subtype"] = "/CIDFontType0C"
            descendant["W"] = _widths_without_default(descendant["W"])
            cmap = _resolve(pdf, type0["ToUnicode"])
            cmap.stream = _with_ranges(cmap.stream, to_unicode_of[font_hash])
        return dictionary

    def face_data(hb_object, ot_color=None, glyph=None):
        """get_hb_object_data as WeasyPrint's fonts module calls it: no copy of the face for a Font being made."""
        if ot_color is None and getattr(making_font, "active", False):
            return b""
        return get_hb_object_data(hb_object, ot_color, glyph)

    class LazyFont(Font):
        def __init__(self, pango_font, description, font_size):
            making_font.active = True
            try:
                super().__init__(pango_font, description, font_size)
            finally:
                making_font.active = False

    def load_file(font) -> None:
        if not font.file_content:
            font.file_content = get_hb_object_data(font.hb_face)

    return {
        (weasyprint.pdf, "build_fonts_dictionary"): fonts_dictionary,
        (weasyprint.pdf.fonts, "get_hb_object_data"): face_data,
        (weasyprint.pdf.stream, "Font"): LazyFont,
    }


def _trimmed_document_class() -> type[weasyprint.HTML]:
    from weasyprint import CSS
    from weasyprint.html import UA, UA_FORM_STYLESHEET

    ua_stylesheet = CSS(string=_without_notes(UA))

    class DocumentHTML(weasyprint.HTML):
        def _ua_stylesheets(self, forms=False):
            return [ua_stylesheet, UA_FORM_STYLESHEET] if forms else [ua_stylesheet]

    return DocumentHTML


def _without_notes(stylesheet: str) -> str:
    """A stylesheet less its rules for the ::footnote-* and ::note-* pseudo-elements."""
    import tinycss2

    kept = []
    for rule in tinycss2.parse_stylesheet(stylesheet, skip_comments=True, skip_whitespace=True):
        selector = tinycss2.serialize(rule.prelude).strip() if rule.type == "qualified-rule" else ""
        if not selector.startswith(("::footnote-", "::note-")):
            kept.append(rule.serialize())
    return "\n".join(kept)


# --- CID-keyed CFF ---------------------------------------------------------------------------------------------


def _is_cid_keyed_cff(font) -> bool:
    from weasyprint.text.ffi import ffi, harfbuzz

    if font.bitmap or font.png or font.svg or font.colr or "fvar" in font.tables or _CFF_TAG not in font.tables:
        return False
    blob = harfbuzz.hb_face_reference_table(font.hb_face, harfbuzz.hb_tag_from_string(_CFF_TAG.encode(), -1))
    try:
        length = ffi.new("unsigned int *")
        data = harfbuzz.hb_blob_get_data(blob, length)
        # The header, the font's name and the Top DICT come first: a few hundred bytes, not the megabytes of outlines.
        return data != ffi.NULL and first_dict_operator(ffi.unpack(data, min(length[0], 1024))) == _ROS_OPERATOR
    finally:
        harfbuzz.hb_blob_destroy(blob)


def first_dict_operator(cff: bytes) -> bytes | None:
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


def _compact_cid_subset(font, to_unicode: dict, hinting: bool) -> tuple[bytes, bytes] | None:
    """The used glyphs of `font`, renumbered: (an OpenType font holding only its CFF table, that CFF table)."""
    from weasyprint.text.ffi import ffi, harfbuzz, harfbuzz_subset
    from weasyprint.text.fonts import get_hb_object_data

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


def _resolve(pdf, reference: bytes):
    return pdf.objects[int(reference.split()[0])]


def _widths_without_default(widths):
    """A CIDFont's /W array less the glyphs as wide as the default, 1000 units (the PDF's DW when none is given).

    WeasyPrint lists every glyph used, as `first [w1 w2 ...]` for each run of consecutive glyph ids; nearly all the
    glyphs of a Chinese document are full-width, 1000 units, which a viewer assumes for a glyph the array leaves out.
    """
    import pydyf

    kept = {}
    for first, run in zip(widths[::2], widths[1::2], strict=True):
        for offset, width in enumerate(run):
            if width != _DEFAULT_WIDTH:
                kept[first + offset] = width
    compact = pydyf.Array()
    for glyph, width in sorted(kept.items()):
        if glyph - 1 not in kept:
            compact.extend((glyph, pydyf.Array()))
        compact[-1].append(width)
    return compact


def _with_ranges(lines: list[bytes], to_unicode: dict[int, str]) -> list[bytes]:
    """WeasyPrint's ToUnicode CMap (`lines`, one PostScript line each) with its mappings in glyph order, each run of
    consecutive glyph ids mapped to consecutive characters written as one bfrange instead of a bfchar line apiece.

    The subset faces keep the fonts' glyph order, in which much of Han and all of ASCII follow Unicode's: a tenth
    fewer lines, and the rest compress better in order. Within a range only the last byte of the glyph id and of the
    character may change (PDF 32000-1, 9.10.3).
    """
    runs: list[list] = []  # [first glyph, last glyph, the first's text]
    for glyph, text in sorted(to_unicode.items()):
        if runs and len(text) == 1 and len(runs[-1][2]) == 1:
            first, last, first_text = runs[-1]
            code, first_code = ord(text), ord(first_text)
            if (
                glyph == last + 1
                and code == first_code + glyph - first
                and glyph >> 8 == first >> 8
                and code >> 8 == first_code >> 8
                and code <= 0xFFFF
            ):
                runs[-1][1] = glyph
                continue
        runs.append([glyph, glyph, text])

    def utf16(text: str) -> str:
        return text.encode("utf-16-be").hex()

    singles = [f"<{first:04x}> <{utf16(text)}>".encode() for first, last, text in runs if first == last]
    ranges = [f"<{first:04x}> <{last:04x}> <{utf16(text)}>".encode() for first, last, text in runs if first != last]
    body = []
    for entries, operator in ((singles, b"bfchar"), (ranges, b"bfrange")):
        for start in range(0, len(entries), 100):  # at most 100 to a block
            batch = entries[start : start + 100]
            body += [b"%d begin%s" % (len(batch), operator), *batch, b"end" + operator]
    header_end = lines.index(b"endcodespacerange") + 1
    return [*lines[:header_end], *body, *lines[lines.index(b"endcmap") :]]
