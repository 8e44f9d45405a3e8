"""cases/pdf_compact_fonts.py: applied only on the WeasyPrint version it was written for, and then only when asked;
refused, it changes nothing and the renderer still makes a correct PDF through WeasyPrint's public interface."""

import gc
import logging
import re
import subprocess
import sys

import pydyf
import pytest
import weasyprint
import weasyprint.pdf
import weasyprint.pdf.fonts
import weasyprint.pdf.stream
import weasyprint.text.fonts

from cases import pdf, pdf_compact_fonts, selectors, services
from cases.models import DocumentKind
from cases.samples import sample_case

from .builders import ready_lender
from .test_documents import page_images, pdf_fonts, pdf_text, stock_pdf


def weasyprints_own() -> dict:
    return {
        "build_fonts_dictionary": weasyprint.pdf.build_fonts_dictionary,
        "get_hb_object_data": weasyprint.pdf.fonts.get_hb_object_data,
        "Font": weasyprint.pdf.stream.Font,
    }


@pytest.fixture(autouse=True)
def stock_weasyprint():
    """Every test starts and ends with WeasyPrint as it is shipped."""
    pdf_compact_fonts.remove()
    assert weasyprints_own() == {
        "build_fonts_dictionary": weasyprint.pdf.fonts.build_fonts_dictionary,
        "get_hb_object_data": weasyprint.text.fonts.get_hb_object_data,
        "Font": weasyprint.pdf.fonts.Font,
    }
    yield
    pdf_compact_fonts.remove()


def test_importing_the_renderer_changes_nothing_in_weasyprint():
    """A fresh interpreter: `import cases.pdf` leaves WeasyPrint's functions as they are."""
    code = (
        "import django; django.setup(); import weasyprint.pdf, weasyprint.pdf.fonts, weasyprint.pdf.stream;"
        "import cases.pdf;"
        "assert weasyprint.pdf.build_fonts_dictionary is weasyprint.pdf.fonts.build_fonts_dictionary;"
        "assert weasyprint.pdf.stream.Font is weasyprint.pdf.fonts.Font;"
        "assert not cases.pdf_compact_fonts.is_applied(); print('unchanged')"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "unchanged"


def test_on_its_own_version_it_is_applied_and_removed_cleanly():
    before = weasyprints_own()
    assert weasyprint.__version__.split(".")[0] == pdf_compact_fonts.WRITTEN_FOR
    assert pdf_compact_fonts.apply()
    assert pdf_compact_fonts.is_applied() and pdf_compact_fonts.apply()  # twice is once
    assert all(weasyprints_own()[name] is not original for name, original in before.items())
    assert pdf_compact_fonts.document_class() is not weasyprint.HTML
    pdf_compact_fonts.remove()
    assert weasyprints_own() == before and pdf_compact_fonts.document_class() is weasyprint.HTML


@pytest.mark.parametrize("version", ["69.2", "71.0", "100.0b1"])
def test_any_other_version_is_refused_with_a_warning(caplog, version):
    before = weasyprints_own()
    with caplog.at_level(logging.WARNING, logger="cases.pdf_compact_fonts"):
        assert pdf_compact_fonts.apply(version=version) is False
    assert f"WeasyPrint {version} is not the version" in caplog.text
    assert weasyprints_own() == before and not pdf_compact_fonts.is_applied()
    assert pdf_compact_fonts.document_class() is weasyprint.HTML


@pytest.mark.django_db
@pytest.mark.parametrize("kind", DocumentKind.values)
def test_refused_the_worker_still_renders_a_correct_pdf(owner, tmp_path, kind):
    """As a worker on an unknown WeasyPrint version starts: the module refused, then the same render call."""
    from huabei_negotiate.celery import prepare_renderer

    case = selectors.case_with_parts(sample_case(owner=owner, title="花呗和信用卡协商").pk)
    html = services.document_html(case=case, creditor=ready_lender(case), kind=kind, language="zh-hans")
    assert pdf_compact_fonts.apply(version="69.0") is False
    content = pdf.render_pdf(html)
    text = pdf_text(content, tmp_path)
    assert "张三" in text and re.search(r"第\s*1\s*页\s*/\s*共", text)
    for item in selectors.case_evidence(case):
        assert item.display_title in text
    fonts = pdf_fonts(content, tmp_path)
    faces = sorted(row[0].split("+", 1)[1] for row in fonts)
    assert faces == ["Noto-Sans-CJK-SC-Subset", "Noto-Sans-CJK-SC-Subset-Bold"]
    assert all(row[-5:-3] == ["yes", "yes"] for row in fonts), fonts  # embedded subsets
    assert page_images(content, tmp_path / "refused") == page_images(stock_pdf(html), tmp_path / "stock")
    assert len(content) < 170 * 1024

    thresholds = gc.get_threshold()
    prepare_renderer()  # what the worker runs at start, here on the version the module knows
    try:
        assert pdf_compact_fonts.is_applied()
        compact = pdf.render_pdf(html)
        assert len(compact) < len(content) and pdf_text(compact, tmp_path) == text
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)


def test_widths_leave_out_the_full_width_glyphs_a_viewer_assumes():
    """/W keeps only the glyphs that are not 1000 units wide, the default width of a CIDFont without DW."""
    widths = pydyf.Array([13, [325], 15, [325, 1000, 590, 590], 780, [1000, 1000], 1269, [1000], 1300, [500]])
    compact = pdf_compact_fonts._widths_without_default(widths)
    assert compact.data == b"[13 [325] 15 [325] 17 [590 590] 1300 [500]]"
    assert pdf_compact_fonts._widths_without_default(pydyf.Array([780, [1000, 1000]])).data == b"[]"


def cmap_mappings(lines: list[bytes]) -> dict[int, str]:
    """Glyph id -> text, read back from a ToUnicode CMap's bfchar and bfrange blocks, each block's count checked."""
    mappings: dict[int, str] = {}
    block: list[bytes] | None = None
    for line in lines:
        if line.endswith((b"beginbfchar", b"beginbfrange")):
            count, block = int(line.split()[0]), []
        elif line in (b"endbfchar", b"endbfrange"):
            assert block is not None and len(block) == count <= 100
            block = None
        elif block is not None:
            block.append(line)
            codes = [int(code, 16) for code in re.findall(rb"<([0-9a-f]+)>", line)]
            if len(codes) == 2:
                glyph, text = codes[0], bytes.fromhex(line.split()[1].strip(b"<>").decode()).decode("utf-16-be")
                mappings[glyph] = text
            else:
                first, last, start = codes
                assert first >> 8 == last >> 8 and start >> 8 == (start + last - first) >> 8, line  # last bytes only
                mappings |= {glyph: chr(start + glyph - first) for glyph in range(first, last + 1)}
    return mappings


def test_to_unicode_writes_runs_as_ranges_and_maps_every_glyph_as_before():
    """Runs of glyph ids and characters become bfrange lines, never across a change of the first byte; a glyph for
    two characters (a ligature) or for one outside the BMP stays a bfchar line."""
    to_unicode = {0x20: "1", 0x11: "0", 0x12: "1", 0x13: "2", 0xFE: "a", 0xFF: "b", 0x100: "c"}
    to_unicode |= {0x500: "\u4eff", 0x501: "\u4f00", 0x600: "fi", 0x601: "g", 0x700: "𠮷", 0x701: "𠮸"}
    header = [b"1 begincodespacerange", b"<0000> <ffff>", b"endcodespacerange"]
    footer = [b"endcmap", b"CMapName currentdict /CMap defineresource pop", b"end", b"end"]
    weasyprints = [*header, b"1 beginbfchar", b"<0011> <0030>", b"endbfchar", *footer]
    lines = pdf_compact_fonts._with_ranges(weasyprints, to_unicode)
    assert lines[:3] == header and lines[-4:] == footer
    assert b"<0011> <0013> <0030>" in lines and b"<00fe> <00ff> <0061>" in lines and b"<0100> <0063>" in lines
    assert cmap_mappings(lines) == to_unicode
