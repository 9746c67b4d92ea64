"""Whole intakes answered only in sentences, as people write them, in four scripts (Latin,
Arabic, Cyrillic, Ge'ez): through the fake Bot API, the gateway, Rasa and the actions, with every
"Did you mean …?" confirmed by its button. The stored record is checked field by field.

The sentences are not in the held-out answers (tests/answers/) nor in the training examples.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from bot.i18n import localise
from bot.messages import known_responses
from tests.e2e.conftest import Harness
from tests.e2e.fake_telegram import BotMessage
from tests.e2e.intake_driver import IntakeRun

Answers = dict[str, Callable[[list[BotMessage]], list[BotMessage]]]

SENTENCES: dict[str, dict[str, str]] = {
    "fr": {
        "consent_statistics": "oui, pas de problème", "first_name": "Awa",
        "birth_date": "je suis née le 3 mars 1995", "gender": "Femme",
        "nationality": "je suis sénégalaise", "municipality": "j'habite à Moers",
        "in_reception_facility": "non, maintenant j'ai mon propre appartement",
        "residence_status": "j'ai une Duldung", "residence_kind": "c'est une Duldung pour faire une formation",
        "employment_permitted": "oui, j'ai le droit de travailler", "arrival_date": "je suis arrivée en septembre 2021",
        "languages": "wolof et français", "german_level": "je ne parle pas du tout l'allemand",
        "school_years": "10", "school_certificate": "j'ai terminé le collège au Sénégal",
        "vocational_qualification": "coiffeuse, sans diplôme", "qualification_recognised": "non, pas reconnu",
        "work_experience": "coiffeuse pendant 4 ans", "goal": "je voudrais apprendre un métier",
        "childcare_needed": "oui, j'ai un bébé de un an", "contact_method": "appelez-moi au téléphone",
        "phone": "0176 5556667", "contact_language": "en français", "interpreter_needed": "oui, j'ai besoin d'un interprète",
        "contact_time": "plutôt le matin", "consent_sharing": "oui, d'accord",
    },
    "fa": {
        "consent_statistics": "بله، مشکلی نیست", "first_name": "Zahra",
        "birth_date": "متولد ۱۵ حمل ۱۳۷۴ هستم", "gender": "زن",
        "nationality": "من افغانستانی هستم", "municipality": "Moers",
        "in_reception_facility": "نه، الان در خانه خودمان زندگی می‌کنیم",
        "residence_status": "هنوز در پروسه پناهندگی هستم، گشتاتونگ دارم",
        "employment_permitted": "بله، اجازه کار دارم", "arrival_date": "آبان ۱۴۰۰ به آلمان رسیدم",
        "languages": "دری و انگلیسی", "german_level": "آلمانی اصلاً بلد نیستم",
        "school_years": "۱۲", "school_certificate": "از لیسه فارغ شدم، بکلوریا دارم",
        "vocational_qualification": "معلم", "qualification_recognised": "نه، هنوز تایید نشده",
        "work_experience": "سه سال معلم بودم", "goal": "اول می‌خواهم زبان آلمانی یاد بگیرم",
        "childcare_needed": "نه، بچه ندارم", "contact_method": "همینجا در تلگرام",
        "contact_language": "به فارسی", "interpreter_needed": "بله، مترجم لازم دارم",
        "contact_time": "بعد از ظهر بهتر است", "consent_sharing": "بله",
    },
    "ru": {
        "consent_statistics": "да, можно", "first_name": "Olena",
        "birth_date": "я родилась 12 октября 1988 года", "gender": "Женский",
        "nationality": "я из Украины", "municipality": "Moers",
        "in_reception_facility": "нет, мы снимаем квартиру",
        "residence_status": "у меня защита по параграфу 24, я из Украины",
        "employment_permitted": "да, работать разрешено", "arrival_date": "приехала в апреле 2022",
        "languages": "русский и украинский", "german_level": "немецкий пока совсем не знаю",
        "school_years": "11", "school_certificate": "окончила 11 классов, есть аттестат",
        "vocational_qualification": "бухгалтер, диплом", "qualification_recognised": "документы на признание подала, жду ответа",
        "work_experience": "бухгалтер 10 лет", "goal": "хочу найти работу как можно скорее",
        "childcare_needed": "да, нужен детский сад для сына", "contact_method": "лучше по телефону",
        "phone": "0176 5556668", "contact_language": "русский", "interpreter_needed": "нет, переводчик не нужен",
        "contact_time": "в любое время", "consent_sharing": "да",
    },
    "ti": {
        "consent_statistics": "እወ", "first_name": "Selam",
        "birth_date": "ብ 20 ጥሪ 1993 ተወሊደ", "gender": "ኣንስታይ",
        "nationality": "ኤርትራዊት እየ", "municipality": "ኣብ Moers እቕመጥ",
        "in_reception_facility": "ኣይፋል፣ ሕጂ ናይ ባዕለይ ገዛ ኣለኒ",
        "residence_status": "ዑቕባ ተቐቢሎም፣ ስደተኛ እየ",
        "employment_permitted": "እወ፣ ክሰርሕ ይፍቀደለይ", "arrival_date": "ብ 2019 ጀርመን ኣቲወ",
        "languages": "ትግርኛ", "german_level": "ጀርመንኛ ቁሩብ ቃላት ጥራይ፣ A1",
        "school_years": "12", "school_certificate": "ክሳብ 12 ክፍሊ ተማሂረ፣ ማትሪክ ኣለኒ",
        "vocational_qualification": "የብለይን", "work_experience": "ኣብ ቤት መግቢ ሰሪሐ",
        "goal": "ስራሕ ክረክብ እደሊ", "childcare_needed": "ኣይፋል",
        "contact_method": "ኣብዚ ብቴሌግራም", "contact_language": "ትግርኛ",
        "interpreter_needed": "እወ፣ ተርጓሚ የድልየኒ", "contact_time": "ንግሆ", "consent_sharing": "እወ",
    },
}

EXPECTED: dict[str, dict[str, Any]] = {
    "fr": {"birth_date": "1995-03-03", "nationality": "SN", "in_reception_facility": False,
           "residence_status": "duldung_ausbildung", "employment_permitted": "yes", "arrival_date": "2021-09",
           "german_level": "none", "school_certificate": {"code": "lower_secondary", "text": None},
           "goal": "ausbildung", "childcare_needed": True},
    "fa": {"birth_date": "1995-04-04", "nationality": "AF", "in_reception_facility": False,
           "residence_status": "gestattung", "employment_permitted": "yes", "arrival_date": "2021-11",
           "german_level": "none", "school_certificate": {"code": "upper_secondary", "text": None},
           "goal": "german_course", "childcare_needed": False},
    "ru": {"birth_date": "1988-10-12", "nationality": "UA", "in_reception_facility": False,
           "residence_status": "ae_24", "employment_permitted": "yes", "arrival_date": "2022-04",
           "german_level": "none", "school_certificate": {"code": "upper_secondary", "text": None},
           "goal": "job", "childcare_needed": True},
    "ti": {"birth_date": "1993-01-20", "nationality": "ER", "in_reception_facility": False,
           "residence_status": "ae_schutz", "employment_permitted": "yes", "arrival_date": "2019",
           "german_level": "A1", "school_certificate": {"code": "upper_secondary", "text": None},
           "goal": "job", "childcare_needed": False},
}
# Questions whose answer lands in the record under another name.
CONTACT = {"fr": ("phone", "morning"), "fa": ("telegram", "afternoon"), "ru": ("phone", "any"), "ti": ("telegram", "morning")}


class SentenceRun(IntakeRun):
    """Answers every question in words; a "Did you mean …?" is confirmed with its Yes button."""

    def answers(self) -> Answers:
        sentences = SENTENCES[self.language]
        by_buttons = super().answers()
        typed: Answers = {slot: self._saying(text) for slot, text in sentences.items()}
        return {**by_buttons, **typed}

    def _saying(self, text: str) -> Callable[[list[BotMessage]], list[BotMessage]]:
        return lambda _replies: self.say(text)

    def step(self, replies: list[BotMessage]) -> list[BotMessage]:
        """Confirm a proposal, or answer the question asked."""
        template = localise(known_responses().get("confirm_answer").text, self.language)
        proposal = max(re.split(r"\{[^}]*\}", template), key=len).strip()  # its words without the answer
        if proposal in replies[-1].text:
            return self.press(localise("Yes", self.language), replies)
        slot = self.asked(replies)
        assert slot is not None, f"{self.language}: no known question in {[m.text for m in replies]}"
        return self.answers()[slot](replies)

    def answer_until(self, slot: str, replies: list[BotMessage], max_turns: int = 60) -> list[BotMessage]:
        for _ in range(max_turns):
            if self.asked(replies) == slot:
                return replies
            replies = self.step(replies)
        raise AssertionError(f"{self.language}: {slot} was not asked; last: {[t.person for t in self.turns[-6:]]}")

    def finish(self, replies: list[BotMessage], max_turns: int = 60) -> list[BotMessage]:
        done = localise(known_responses().get("intake_complete").text, self.language, first_name=self.name)[:15]
        for _ in range(max_turns):
            if any(done in m.text for m in replies):
                return replies
            replies = self.step(replies)
        raise AssertionError(f"{self.language}: the intake did not finish; last: {[t.person for t in self.turns[-6:]]}")


@pytest.mark.parametrize("language", sorted(SENTENCES))
def test_an_intake_answered_in_sentences_is_stored_field_by_field(harness: Harness, language: str) -> None:
    user = harness.user(language_code=language, first_name=SENTENCES[language]["first_name"])
    run = SentenceRun(user, language, SENTENCES[language]["first_name"])
    run.finish(run.start())
    intake = harness.intake_of(user)
    assert intake is not None and intake["status"] == "handed_off", [t.person for t in run.turns]
    stored = {field: intake.get(field) for field in EXPECTED[language]}
    assert stored == EXPECTED[language]
    method, times = CONTACT[language]
    assert (intake["contact"]["method"], intake["contact"]["times"]) == (method, times)


CORRECTIONS = {"fr": "ma date de naissance est fausse", "fa": "تاریخ تولدم اشتباه است", "ru": "дата рождения неправильная",
               "ti": "ዕለት ልደተይ ጌጋ እዩ"}


@pytest.mark.parametrize("language", sorted(CORRECTIONS))
def test_a_correction_in_words_asks_that_question_again(harness: Harness, language: str) -> None:
    user = harness.user(language_code=language)
    run = SentenceRun(user, language, SENTENCES[language]["first_name"])
    replies = run.answer_until("confirmed", run.start())
    replies = run.say(CORRECTIONS[language])
    assert run.asked(replies) == "birth_date", [m.text for m in replies]
    replies = run.say("12.05.1990")
    assert run.asked(replies) == "confirmed"
    intake = harness.intake_of(user)
    assert intake is not None and intake["birth_date"] == "1990-05-12"
