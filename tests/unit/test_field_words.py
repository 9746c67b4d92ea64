"""The `field` entity of corrections: which words of a text name a field, with spans as annotated.

The matching (nlu_data/components/field_words.py) has no Rasa in it and is tested here; the Rasa
component around it (field_lookup.py) is checked once in the Rasa environment, on Python 3.10.
"""
from __future__ import annotations

import json
import os
import subprocess

import pytest

from bot.config import PROJECT_ROOT
from nlu_data.components.field_words import FieldWords, comparable

WORDS = {
    "date of birth": "birth_date", "name": "first_name", "city": "municipality",
    "date d'arrivée": "arrival_date", "arrivée en Allemagne": "arrival_date", "adresse": "municipality",
    "dîroka jidayikbûnê": "birth_date", "nav": "first_name", "bajar": "municipality", "bajarê": "municipality",
    "ziman": "languages", "zimanê": "languages",
    "تاريخ الوصول": "arrival_date", "المدرسة": "school", "الجنس": "gender", "الجنسية": "nationality",
    "Deutsch": "german_level", "Niveau": "german_level", "doğum tarihi": "birth_date",
    "زبان‌ها": "languages",
}


def spans(text: str, words: dict[str, str] = WORDS) -> list[tuple[str, str]]:
    return [(text[e["start"]:e["end"]], e["value"]) for e in FieldWords(words).find(text)]


@pytest.mark.parametrize("text", ["İstanbul ŞEHİR", "Дата Ё й", "إذن الشغل", "ناو‌ەکەم", "dîroka jidayikbûnê", "l’adresse"])
def test_comparable_text_keeps_every_letter_in_its_place(text: str) -> None:
    assert len(comparable(text)) == len(text)


def test_a_word_as_annotated_and_its_span() -> None:
    assert spans("my date of birth is wrong") == [("date of birth", "birth_date")]
    assert spans("Nothing to see here") == []


def test_accents_and_case_as_people_type_them() -> None:
    assert spans("DIROKA JIDAYIKBUNE şaş e") == [("DIROKA JIDAYIKBUNE", "birth_date")]
    assert spans("dogum tarihimi yanlış girdim") == [("dogum tarihimi", "birth_date")]


def test_endings_the_annotations_show() -> None:
    # "bajar"/"bajarê" and "ziman"/"zimanê" teach the ending "ê"; "nav" was annotated bare only.
    assert spans("navê min şaş e") == [("navê", "first_name")]


def test_arabic_proclitics_stay_outside_and_the_article_is_optional() -> None:
    assert spans("غلطت بتاريخ الوصول") == [("تاريخ الوصول", "arrival_date")]
    assert spans("صحح مدرسة") == [("مدرسة", "school")]
    # A word as annotated wins over a shorter form of a longer one.
    assert spans("الجنس غلط") == [("الجنس", "gender")]
    assert spans("الجنسية غلط") == [("الجنسية", "nationality")]


def test_french_elision_stays_outside() -> None:
    assert spans("je veux corriger l'adresse") == [("adresse", "municipality")]


def test_persian_plural_with_its_joiner() -> None:
    assert spans("زبان‌ها رو درست کن") == [("زبان‌ها", "languages")]


def test_phrases_join_what_the_annotations_show() -> None:
    assert spans("ma date d'arrivée en Allemagne est fausse") == [("date d'arrivée en Allemagne", "arrival_date")]
    assert spans("mein Deutsch Niveau ist falsch") == [("Deutsch Niveau", "german_level")]


def test_a_field_word_after_the_head_of_another_fields_phrase() -> None:
    words = {"dîroka jidayikbûnê": "birth_date", "roja hatinê": "arrival_date"}
    assert spans("dîroka hatinê şaş e", words) == [("dîroka hatinê", "arrival_date")]


def test_compounds_and_readings_by_stem_only() -> None:
    words = {"heim": "in_reception_facility", "Nummer": "contact", "deutsch": "german_level", "Einreise": "arrival_date"}
    assert spans("meine Telefonnummer ist neu", words) == [("Telefonnummer", "contact")]
    assert spans("nach Deutschland kam ich 2019, Einreise ändern", words) == [("Einreise", "arrival_date")]


def test_one_field_per_text_the_first_named() -> None:
    assert spans("my name and my city are wrong") == [("name", "first_name")]


RASA_PYTHON = PROJECT_ROOT / ".venvs" / "rasa" / "bin" / "python"
IN_RASA = """
import json, sys
from nlu_data.components.field_lookup import FieldLookupExtractor
extractor = FieldLookupExtractor({}, None, None, json.loads(sys.argv[1]))
print(json.dumps(extractor.find(sys.argv[2]), ensure_ascii=False))
"""


@pytest.mark.skipif(not RASA_PYTHON.exists(), reason="no Rasa environment")
def test_the_rasa_component_finds_the_same_on_python_3_10() -> None:
    words = {comparable(word): value for word, value in WORDS.items()}
    result = subprocess.run([str(RASA_PYTHON), "-c", IN_RASA, json.dumps(words), "غلطت بتاريخ الوصول"], check=True,
                            capture_output=True, text=True, cwd=PROJECT_ROOT,
                            env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)})
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [
        {"entity": "field", "start": 6, "end": 18, "value": "arrival_date", "confidence_entity": 1.0}]
