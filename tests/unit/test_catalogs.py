"""Every text exists in every language, with the same placeholders, and the template is current."""
from __future__ import annotations

from functools import cache, lru_cache

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from bot.config import PROJECT_ROOT
from bot.i18n import SUPPORTED_LANGUAGES
from bot.i18n.text import placeholder_names

LOCALES = PROJECT_ROOT / "locales"
# Written by non-native authors; every entry must say so until a native speaker has reviewed it.
REVIEW_LANGUAGES = ("ps", "ku", "ckb", "ti", "so")
REVIEW_MARK = "needs-native-review"


@cache
def catalog(language: str):
    with (LOCALES / language / "LC_MESSAGES" / "lotse.po").open("rb") as handle:
        return read_po(handle, locale=language)


@lru_cache(maxsize=1)
def template_ids() -> frozenset[str]:
    with (LOCALES / "lotse.pot").open("rb") as handle:
        return frozenset(str(m.id) for m in read_po(handle) if m.id)


def test_template_holds_every_text_in_the_sources() -> None:
    with (PROJECT_ROOT / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    found = {message for _, _, message, *_ in extract_from_dir(str(PROJECT_ROOT), method_map, options_map)}
    missing = sorted(str(m) for m in found if m and str(m) not in template_ids())
    assert not missing, f"run `make catalogs`; not in locales/lotse.pot: {missing[:5]}"


@pytest.mark.parametrize("language", [lang for lang in SUPPORTED_LANGUAGES if lang != "en"])
def test_every_text_is_translated_with_the_same_placeholders(language: str) -> None:
    entries = {str(m.id): m for m in catalog(language) if m.id}
    untranslated = sorted(i for i in template_ids() if i not in entries or not entries[i].string or entries[i].fuzzy)
    assert not untranslated, f"{language}: {len(untranslated)} untranslated, e.g. {untranslated[:3]}"
    wrong = [i for i in template_ids() if placeholder_names(i) != placeholder_names(str(entries[i].string))]
    assert not wrong, f"{language}: placeholders differ in {wrong[:3]}"


@pytest.mark.parametrize("language", REVIEW_LANGUAGES)
def test_non_native_translations_are_marked_for_review(language: str) -> None:
    unmarked = [str(m.id) for m in catalog(language) if m.id and REVIEW_MARK not in " ".join(m.user_comments)]
    assert not unmarked, f"{language}: entries without '{REVIEW_MARK}': {unmarked[:3]}"
