"""Right-to-left text, locale formatting and language tags."""
import datetime

from bot.i18n import format_date_for, isolate, localise, normalise_language_code
from bot.i18n.text import bidi_safe

FSI, PDI = "\u2068", "\u2069"


def test_values_in_rtl_text_are_isolated() -> None:
    text = localise("Thank you, {first_name}. I have saved your answers. A person from the integration team will contact you.",
                    "ar", first_name="John")
    assert isolate("John") in text


def test_latin_words_commands_and_paragraphs_in_rtl_text_are_isolated_whole() -> None:
    text = bidi_safe("إجراءات اللجوء (Aufenthaltsgestattung) عبر /delete و (§ 24)", "ar")
    assert f"({FSI}Aufenthaltsgestattung{PDI})" in text
    assert f"{FSI}/delete{PDI}" in text
    assert f"({FSI}§ 24{PDI})" in text


def test_ltr_text_is_left_alone() -> None:
    assert FSI not in localise("Thank you, {first_name}. I have saved your answers. A person from the integration team will contact you.",
                               "de", first_name="John")


def test_dates_are_formatted_for_the_locale() -> None:
    day = datetime.date(2001, 4, 17)
    assert format_date_for(day, "de") == "17. April 2001"
    assert format_date_for(day, "ru") == "17 апреля 2001\u202fг."


def test_client_language_tags() -> None:
    assert normalise_language_code("de-AT") == "de"
    assert normalise_language_code("prs") == "fa"
    assert normalise_language_code("es") is None
    assert normalise_language_code(None) is None
