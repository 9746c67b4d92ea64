import pytest

from bot.deployment import Municipality
from bot.parsing import AnswerError
from bot.parsing.choices import parse_language
from bot.parsing.names import parse_first_name
from bot.parsing.places import match_municipality
from bot.parsing.residence import parse_residence_status
from bot.parsing.text import clean, fold

MUNICIPALITIES = (
    Municipality("05170024", "Moers", ("Mörs",)),
    Municipality("05170020", "Kamp-Lintfort", ("Kamp Lintfort",)),
    Municipality("05170028", "Neukirchen-Vluyn", ("Neukirchen",)),
    Municipality("05170048", "Wesel"),
)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Ahmad", "Ahmad"),
        ("My name is Sara", "Sara"),
        ("ich heiße Amina.", "Amina"),
        ("Mohammed Ali", "Mohammed Ali"),
        ("اسمي أحمد", "أحمد"),
        ("نام من سارا است", "سارا"),
        ("Меня зовут Олена", "Олена"),
        ("je m'appelle Fatou", "Fatou"),
        ("Imran", "Imran"),
    ],
)
def test_first_names(text: str, name: str) -> None:
    assert parse_first_name(text) == name


@pytest.mark.parametrize(("text", "code"), [("123", "name_unparsed"), ("!!", "name_unparsed"),
                                            ("a b c d e f", "name_too_long"), ("x" * 60, "name_too_long")])
def test_unusable_names(text: str, code: str) -> None:
    with pytest.raises(AnswerError) as error:
        parse_first_name(text)
    assert error.value.code == code


@pytest.mark.parametrize(
    ("text", "ags"),
    [
        ("Moers", "05170024"),
        ("moers", "05170024"),
        ("I live in Moers.", "05170024"),
        ("Mores", "05170024"),  # a typo
        ("Kamp Lintfort", "05170020"),
        ("kamp-lintfort", "05170020"),
        ("Neukirchen-Vluyn", "05170028"),
        ("ich wohne in wesel", "05170048"),
    ],
)
def test_municipalities(text: str, ags: str) -> None:
    assert match_municipality(text, MUNICIPALITIES).ags == ags


@pytest.mark.parametrize("text", ["Berlin", "", "Duisburg", "12345"])
def test_places_outside_the_region_are_not_guessed(text: str) -> None:
    with pytest.raises(AnswerError) as error:
        match_municipality(text, MUNICIPALITIES)
    assert error.value.code == "municipality_unknown"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Ich habe eine Duldung", "duldung"),
        ("Ausbildungsduldung", "duldung_ausbildung"),
        ("§ 60c", "duldung_ausbildung"),
        ("Beschäftigungsduldung", "duldung_beschaeftigung"),
        ("Aufenthaltsgestattung", "gestattung"),
        ("§ 25 Abs. 2", "ae_schutz"),
        ("§ 25 Abs. 3 AufenthG", "ae_abschiebungsverbot"),
        ("25 Abs 5", "ae_25_5"),
        ("I have a residence permit", "ae_sonstige"),
        ("§ 24 Ukraine", "ae_24"),
        ("Niederlassungserlaubnis", "niederlassungserlaubnis"),
        ("Fiktionsbescheinigung", "fiktionsbescheinigung"),
        ("§ 104c", "ae_104c"),
    ],
)
def test_residence_documents(text: str, code: str) -> None:
    assert parse_residence_status(text) == code


def test_unknown_document() -> None:
    with pytest.raises(AnswerError):
        parse_residence_status("a green paper")


@pytest.mark.parametrize(
    ("text", "code"),
    [("Deutsch", "de"), ("english please", "en"), ("العربية", "ar"), ("Dari", "fa"), ("فارسی", "fa"),
     ("Türkçe", "tr"), ("українська", "uk"), ("Kurmancî", "ku"), ("Soomaali", "so"), ("ትግርኛ", "ti")],
)
def test_languages_by_name(text: str, code: str) -> None:
    assert parse_language(text) == code


def test_digits_and_bidi_marks_are_normalised() -> None:
    assert clean("\u200f١٢ ۳۴\u200e") == "12 34"
    assert fold("Hünxe  ß") == "hunxe ss"


def test_every_language_typed_by_its_picker_name_is_recognised() -> None:
    from bot.i18n import SUPPORTED_LANGUAGES, language_name

    for code in SUPPORTED_LANGUAGES:
        for shown_in in ("en", "de", "ar", "ti", code):
            name = language_name(code, shown_in)
            if code == "ku" and shown_in in ("ar", "ckb"):
                continue  # Arabic-script "Kurdish" is read as Sorani, which is written that way
            assert parse_language(name) == code, (code, shown_in, name)
