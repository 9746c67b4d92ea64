"""A person who goes through the whole intake, in any language, answering in words where the
question allows and by button where it is closed; and the transcript of that conversation.

Which question the bot asks is recognised from the catalogs (the translated question texts),
so the same driver serves every language and notices when a translation is missing.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from babel import Locale

from bot.config import PROJECT_ROOT
from bot.i18n import language_name, localise
from bot.messages import known_responses
from tests.e2e.fake_telegram import BotMessage, TelegramUser

# Digits as people type them: Arabic-Indic in Arabic, Persian in Persian, Pashto and Sorani.
_DIGITS = {"ar": "٠١٢٣٤٥٦٧٨٩", "fa": "۰۱۲۳۴۵۶۷۸۹", "ps": "۰۱۲۳۴۵۶۷۸۹", "ckb": "٠١٢٣٤٥٦٧٨٩"}
PROFESSION = {
    "de": "Schneiderin, 3 Jahre", "en": "tailor, 3 years", "ar": "خياطة، ٣ سنوات", "fa": "خیاطی، ۳ سال",
    "ps": "خیاطي، ۳ کاله", "ku": "terzî, 3 sal", "ckb": "بەرگدروو، ٣ ساڵ", "ti": "ሰፋይት 3 ዓመት",
    "so": "dawaarle, 3 sano", "tr": "terzi, 3 yıl", "uk": "кравчиня, 3 роки", "ru": "швея, 3 года",
    "fr": "couturière, 3 ans",
}


def local_digits(text: str, language: str) -> str:
    digits = _DIGITS.get(language)
    return text.translate({ord(str(i)): d for i, d in enumerate(digits)}) if digits else text


def first_example(language: str, intent: str) -> str:
    """A word the NLU model was trained on for the intent, in the language ("نعم", "nein")."""
    data = yaml.safe_load((PROJECT_ROOT / "nlu_data" / "data" / "nlu" / f"{language}.yml").read_text())
    block = next(item["examples"] for item in data["nlu"] if item.get("intent") == intent)
    return block.strip().splitlines()[0].lstrip("- ").strip()


_ASK_RESPONSE = {"residence_kind": "ask_residence_kind_duldung"}


def question_text(slot: str, language: str) -> str:
    """The first sentence of the question as the person sees it (enough to recognise it)."""
    text = localise(known_responses().get(_ASK_RESPONSE.get(slot, f"ask_{slot}")).text, language)
    return text.split("\n")[0][:25]


@dataclass
class Turn:
    person: str
    bot: list[BotMessage]


@dataclass
class IntakeRun:
    user: TelegramUser
    language: str
    name: str
    prefer_buttons: bool = False
    turns: list[Turn] = field(default_factory=list)

    def say(self, text: str) -> list[BotMessage]:
        replies = self.user.say(text)
        self.turns.append(Turn(text, replies))
        return replies

    def press(self, title: str, replies: list[BotMessage]) -> list[BotMessage]:
        new = self.user.press(title, replies)
        self.turns.append(Turn(f"[{title}]", new))
        return new

    def button(self, message: str) -> str:
        return localise(message, self.language)

    def answers(self) -> dict[str, Callable[[list[BotMessage]], list[BotMessage]]]:
        lang, say, press, button = self.language, self.say, self.press, self.button
        territories = Locale.parse(lang).territories
        languages = Locale.parse(lang).languages
        yes, no = first_example(lang, "affirm"), first_example(lang, "deny")
        if self.prefer_buttons:
            return self.button_answers()
        return {
            "consent": lambda r: press(button("Yes, I agree"), r),
            "consent_statistics": lambda r: say(yes),
            "first_name": lambda r: say(self.name),
            "birth_date": lambda r: say(local_digits("17.04.2001", lang)),
            "gender": lambda r: say(button("Female")),
            "nationality": lambda r: say(territories["SY"]),
            "municipality": lambda r: say("Moers"),
            "in_reception_facility": lambda r: say(no),
            "residence_status": lambda r: say("Duldung"),
            "residence_kind": lambda r: say("Ausbildungsduldung"),
            "employment_permitted": lambda r: say(yes),
            "arrival_date": lambda r: say(local_digits("03.2022", lang)),
            "languages": lambda r: say(f"{languages['ar']}, {languages['en']}"),
            "german_level": lambda r: say("A2"),
            "school_years": lambda r: say(local_digits("9", lang)),
            "school_certificate": lambda r: say(button("Middle school (about 9–10 years)")),
            "vocational_qualification": lambda r: say(PROFESSION[lang]),
            "qualification_recognised": lambda r: press(button("No"), r),
            "work_experience": lambda r: say(PROFESSION[lang]),
            "goal": lambda r: say(button("A job")),
            "childcare_needed": lambda r: say(no),
            "contact_method": lambda r: say(button("By phone")),
            "phone": lambda r: say(local_digits("0176 1234567", lang)),
            "contact_language": lambda r: press(language_name(lang), r),
            "interpreter_needed": lambda r: say(yes),
            "contact_time": lambda r: say(button("Afternoons")),
            "consent_sharing": lambda r: say(no),
            "confirmed": lambda r: press(button("Everything is correct"), r),
        }

    def button_answers(self) -> dict[str, Callable[[list[BotMessage]], list[BotMessage]]]:
        """Every closed question answered by pressing its button."""
        press, say, button = self.press, self.say, self.button

        def pressing(title: str) -> Callable[[list[BotMessage]], list[BotMessage]]:
            return lambda r: press(button(title), r)

        return {
            "consent": pressing("Yes, I agree"),
            "consent_statistics": pressing("Yes, count it"),
            "first_name": lambda r: say(self.name),
            "birth_date": lambda r: say("17.04.2001"),
            "gender": pressing("Female"),
            "nationality": lambda r: press(Locale.parse(self.language).territories["AF"], r),
            "municipality": lambda r: press("Moers", r),
            "in_reception_facility": pressing("No"),
            "residence_status": pressing("Duldung"),
            "residence_kind": pressing("Ausbildungsduldung (for training)"),
            "employment_permitted": pressing("Yes, work is allowed"),
            "arrival_date": lambda r: say("03.2022"),
            "languages": lambda r: press(language_name(self.language), r),
            "german_level": pressing("A2 – simple sentences"),
            "school_years": pressing("I did not go to school"),
            "school_certificate": pressing("None"),
            "vocational_qualification": pressing("No training, no studies"),
            "work_experience": pressing("No work experience"),
            "goal": pressing("Vocational training (Ausbildung)"),
            "childcare_needed": pressing("Yes"),
            "contact_method": pressing("Here on Telegram"),
            "contact_language": lambda r: press(language_name(self.language), r),
            "interpreter_needed": pressing("No"),
            "contact_time": pressing("Mornings"),
            "consent_sharing": pressing("Yes, they may"),
            "confirmed": pressing("Everything is correct"),
        }

    def asked(self, replies: list[BotMessage]) -> str | None:
        """Which question the bot's latest messages ask."""
        text = "\n".join(m.text for m in replies[-2:])
        for slot in self.answers():
            if question_text(slot, self.language) in text:
                return slot
        return None

    def start(self) -> list[BotMessage]:
        replies = self.say("/start")
        return self.press(language_name(self.language), replies)

    def answer_until(self, slot: str, replies: list[BotMessage], max_turns: int = 40) -> list[BotMessage]:
        """Answer every question until `slot` is asked; returns the messages asking it."""
        answers = self.answers()
        for _ in range(max_turns):
            asked = self.asked(replies)
            if asked == slot:
                return replies
            assert asked is not None, f"{self.language}: no known question in {[m.text for m in replies]}"
            replies = answers[asked](replies)
        raise AssertionError(f"{self.language}: {slot} was not asked within {max_turns} turns")

    def complete(self, max_turns: int = 40) -> list[BotMessage]:
        return self.finish(self.start(), max_turns)

    def finish(self, replies: list[BotMessage], max_turns: int = 40) -> list[BotMessage]:
        """Answer every question from the one `replies` ask until the intake is complete."""
        answers = self.answers()
        done = localise(known_responses().get("intake_complete").text, self.language, first_name=self.name)[:15]
        for _ in range(max_turns):
            if any(done in m.text for m in replies):
                return replies
            slot = self.asked(replies)
            assert slot is not None, f"{self.language}: no known question in {[m.text for m in replies]}"
            replies = answers[slot](replies)
        last = [(t.person, [m.text[:80] for m in t.bot]) for t in self.turns[-4:]]
        raise AssertionError(f"{self.language}: the intake did not finish in {max_turns} turns; last: {last}")

    def transcript(self) -> str:
        lines = [f"# Transcript: {language_name(self.language)} ({self.language})", "",
                 "Generated by `tests/e2e/test_languages.py` from a real run (fake Telegram, real Rasa and actions).",
                 "Do not edit by hand.", ""]
        for turn in self.turns:
            lines += [f"**Person:** {turn.person}", ""]
            for message in turn.bot:
                text = message.text.replace("\n", "  \n")
                lines += [f"**Lotse:** {text}", ""]
                if message.buttons:
                    lines += ["    " + " · ".join(f"[{b['text']}]" for b in message.buttons), ""]
        return "\n".join(lines)


def write_transcript(run: IntakeRun) -> Path:
    path = PROJECT_ROOT / "docs" / "transcripts" / f"{run.language}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(run.transcript(), encoding="utf-8")
    return path
