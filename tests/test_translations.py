"""The catalogues: every message translated and none fuzzy, zh_Hant free of the forms a Taiwan reader takes for
mistakes (locale/zh_Hant/wrong-forms.tsv), machine drafts marked as such and counted."""

import csv
import re
import warnings
from pathlib import Path

import polib
import pytest

LOCALE = Path(__file__).resolve().parent.parent / "locale"
SOURCE_LANGUAGE = "zh_Hans"  # msgids are written in it: an empty msgstr there means "as written"
LANGUAGES = ["zh_Hans", "zh_Hant", "en"]
# The translator comment scripts/fill-zh-hant puts on what it drafts; a reviewer deletes it.
DRAFT_MARK = "machine draft:"
PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[sdifr]")
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


def read_tsv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file, delimiter="\t", quoting=csv.QUOTE_NONE))


def wrong_forms() -> list[dict[str, str]]:
    return read_tsv(LOCALE / "zh_Hant" / "wrong-forms.tsv")


def find_wrong_forms(text: str) -> list[str]:
    """The known-wrong forms in `text`, each reported with what it should be; allowed phrases (a statute's name that
    holds 信息) are blanked out first."""
    found = []
    for row in wrong_forms():
        checked = text
        for phrase in filter(None, row["allowed_in"].split("|")):
            checked = checked.replace(phrase, " ")
        if row["wrong"] in checked:
            found.append(f"{row['wrong']} -> {row['right']}")
    return found


def catalogue(language: str) -> list[polib.POEntry]:
    return [entry for entry in polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po")) if not entry.obsolete]


def translations(entry: polib.POEntry) -> list[str]:
    return list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]


def label(entry: polib.POEntry) -> str:
    return f"{entry.msgctxt}|{entry.msgid}" if entry.msgctxt else entry.msgid


def is_draft(entry: polib.POEntry) -> bool:
    return DRAFT_MARK in (entry.tcomment or "")


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_entry_is_fuzzy(language):
    """Django leaves fuzzy entries out of the compiled catalogue: the page would fall back to the source text."""
    assert [label(entry) for entry in catalogue(language) if "fuzzy" in entry.flags] == []


@pytest.mark.parametrize("language", [language for language in LANGUAGES if language != SOURCE_LANGUAGE])
def test_every_entry_is_translated(language):
    untranslated = [label(entry) for entry in catalogue(language) if not all(translations(entry))]
    assert untranslated == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_use_only_the_sources_placeholders(language):
    """A placeholder the source lacks raises KeyError when the page renders."""
    wrong = []
    for entry in catalogue(language):
        allowed = set(PLACEHOLDER.findall(entry.msgid + (entry.msgid_plural or "")))
        for text in translations(entry):
            if set(PLACEHOLDER.findall(text)) - allowed:
                wrong.append(label(entry))
    assert wrong == []


def test_zh_hant_has_no_known_wrong_form():
    wrong = {}
    for entry in catalogue("zh_Hant"):
        found = sorted({form for text in translations(entry) for form in find_wrong_forms(text)})
        if found:
            wrong[label(entry)] = found
    assert wrong == {}


def test_the_check_finds_what_a_character_conversion_writes():
    """Forms a character-only conversion (OpenCC s2t) wrote and mainland terms it kept; and phrases the list allows."""
    written = "平臺 審覈 覈對 爲 最多隻能 隻填 籤協議 90天后 纔 信息 賬戶 登錄 文件 郵箱"
    for text in written.split():
        assert find_wrong_forms(text), text
    assert find_wrong_forms("依照《個人信息保護法》，標籤與簽名") == []


def test_machine_drafts_are_real_translations_and_are_counted():
    drafts = [entry for entry in catalogue("zh_Hant") if is_draft(entry)]
    for entry in drafts:
        assert all(translations(entry)) and "fuzzy" not in entry.flags, label(entry)
    if drafts:
        warnings.warn(f"zh_Hant: {len(drafts)} machine drafts not yet reviewed by a native reader", stacklevel=1)
    for language in ("zh_Hans", "en"):
        assert not [label(entry) for entry in catalogue(language) if is_draft(entry)], language


def test_document_strings_are_reviewed():
    """Whatever the proposal and the letter print has been read by a person, in every language."""
    drafts = [
        label(entry)
        for entry in catalogue("zh_Hant")
        if is_draft(entry) and any(path.startswith("templates/documents/") for path, _ in entry.occurrences)
    ]
    assert drafts == []


def test_english_has_no_chinese_left():
    assert [label(entry) for entry in catalogue("en") if any(CJK.search(text) for text in translations(entry))] == []


def test_glossary_terms_are_not_known_wrong_forms():
    rows = read_tsv(LOCALE / "zh_Hant" / "glossary.tsv")
    assert rows and all(row["zh_Hans"] and row["zh_Hant"] and row["en"] for row in rows)
    assert {row["zh_Hant"]: find_wrong_forms(row["zh_Hant"]) for row in rows if find_wrong_forms(row["zh_Hant"])} == {}
