"""The intake's questions: in which order they are asked, when they apply, and how an answer
becomes a slot value.

A parser returns the value to store, or raises `AnswerError`; its code names the message the
person gets (`error_<code>`) before the question is asked again. Questions that do not apply
to a person (the kind of Duldung for someone without one) hold `SKIPPED`, so that Rasa's form,
which asks for empty slots in domain order, never asks them.
"""
from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from actions.answers import Answer
from bot.deployment import Deployment
from bot.i18n import SUPPORTED_LANGUAGES, localise
from bot.intake.answers import SKIPPED
from bot.intake.fields import SLOT_FIELD
from bot.messages import known_responses
from bot.parsing import AnswerError
from bot.parsing.choices import parse_language
from bot.parsing.countries import STATELESS, country_codes, guess_nationality, parse_nationality
from bot.parsing.dates import parse_birth_date, parse_partial_date
from bot.parsing.names import parse_first_name
from bot.parsing.negation import denies
from bot.parsing.numbers import parse_count, parse_phone
from bot.parsing.options import match_level, match_option, match_title
from bot.parsing.places import match_municipality
from bot.parsing.residence import RESIDENCE_STATUS_CODES, parse_residence_status
from bot.parsing.slots import question_of
from bot.parsing.spoken import parse_spoken_languages
from bot.parsing.understanding import Reading, answer_models

UNKNOWN = "unknown"
# An answer awaiting "Did you mean …?": {"slot", "value", "label"} (actions/intake_form.py).
PENDING_ANSWER = "pending_answer"
NONE = "none"
MAX_SCHOOL_YEARS = 25
_YES_NO = {"affirm": "yes", "deny": "no", "dont_know": UNKNOWN}


@dataclass(frozen=True)
class Context:
    today: datetime.date
    deployment: Deployment
    language: str
    slots: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Parsed:
    value: Any
    extra: dict[str, Any] | None = None  # further slots the answer fills (e.g. a stated age)
    # Not sure enough to store: the person is asked "Did you mean …?" and stores it with one tap.
    confirm: bool = False


Parser = Callable[[Answer, Context], Parsed]
Condition = Callable[[dict[str, Any]], bool]


def _always(slots: dict[str, Any]) -> bool:
    return True


@dataclass(frozen=True)
class Question:
    slot: str
    parse: Parser
    applies: Condition = _always


# --- helpers ------------------------------------------------------------------------------------
def _button_value(answer: Answer, slot: str) -> Any:
    return answer.value if answer.slot == slot else None


def _offered(value: Any, choices: Any) -> Any:
    """A button's value, if it is one of the question's choices; a value the bot never offered
    (a forged or outdated payload) is asked again like any unclear answer."""
    if value not in choices:
        raise AnswerError("choice_unclear")
    return value


def has_choices(slot: str) -> bool:
    """Whether the slot's question offers buttons to choose from (dates and names do not)."""
    responses = known_responses()
    asks = [f"ask_{slot}", f"ask_{slot}_duldung", f"ask_{slot}_permit"]
    return any(name in responses and (responses.get(name).dynamic_buttons or any(
        button.payload != "/dont_know" for button in responses.get(name).buttons)) for name in asks)


def option_values(response: str) -> set[str]:
    """The values of a question's fixed buttons."""
    return {button.value for button in known_responses().get(response).buttons if button.value is not None}


def option_titles(response: str, language: str) -> dict[str, list[str]]:
    """value → its button's title in the person's language, in English and in German."""
    titles: dict[str, list[str]] = {}
    for button in known_responses().get(response).buttons:
        value = button.value
        if value is not None:
            titles.setdefault(value, []).extend({button.title, localise(button.title, language), localise(button.title, "de")})
    return titles


def answers_directly(slot: str, text: str, language: str, today: datetime.date, status: Any = None) -> bool:
    """Whether the text answers the slot's question whatever the intent model makes of it: a
    button title typed out ("Nachmittags", afternoons, is no goodbye; "Keine Angabe" no refusal),
    a date for a date question ("sanadkii hore", last year, is no "go back"), or an answer the
    question's own classifier is sure of ("je voudrais apprendre un métier" asks for no person;
    that classifier learnt such requests as "not an answer")."""
    if slot in ("birth_date", "arrival_date"):
        try:
            return parse_partial_date(text, today) is not None
        except AnswerError:
            return True  # a date, if an impossible one: the question's own message explains
    if _read(question_of(slot, status), text).sure:
        return True
    response = f"ask_{slot}"
    if response not in known_responses():
        return False
    titles = option_titles(response, language)
    return bool(titles) and match_title(text, titles) is not None


def is_request(answer: Answer, slot: str, language: str, today: datetime.date, status: Any = None,
               repeated: bool = False) -> bool:
    """Whether the message is a request to the bot (help, back, a person …) rather than an answer
    to the slot's question: the intent model says so, the text does not answer directly, and, for
    a request the person may not have meant (a greeting, a correction naming no other field), the
    question's classifier finds no answer plausible."""
    return contested(answer, slot, language, today, status, repeated) and not (
        answer.yields_to_answer(slot, SLOT_FIELD.get(slot)) and _read(question_of(slot, status), answer.text).plausible)


def contested(answer: Answer, slot: str, language: str, today: datetime.date, status: Any = None,
              repeated: bool = False) -> bool:
    """Whether the intent model reads the message as a request and the text does not answer
    the question directly: if it is taken as an answer, that answer is to be confirmed."""
    return answer.interrupts(slot, repeated) and not answers_directly(slot, answer.text, language, today, status)


def _read(question: str, text: str) -> Reading:
    return answer_models().read(question, text)


def _sure(question: str, text: str) -> Parsed | None:
    """The answer the question's classifier is sure of, to be stored."""
    reading = _read(question, text)
    return Parsed(reading.value) if reading.sure else None


def _proposal(question: str, text: str, error: AnswerError) -> Parsed:
    """The answer the classifier finds plausible, to be confirmed; else the question again."""
    reading = _read(question, text)
    if reading.plausible:
        return Parsed(reading.value, confirm=True)
    raise error


def _intent_checked(question: str, text: str, value: str) -> Parsed:
    """The intent model's yes, no or "I don't know" — unless the question's classifier finds
    another answer plausible: "qet, tu peyvekê jî nizanim" (not one word) is "not at all" rather
    than "I don't know", "evet Almancam iyi değil" a yes. Then that answer is proposed."""
    reading = _read(question, text)
    if reading.plausible and reading.value != value:
        return Parsed(reading.value, confirm=True)
    return Parsed(value)


def _classifier_then_rules(question: str, answer: Answer, rules: Callable[[str], str]) -> Parsed:
    """What the classifier is sure of; else what the rules find (names, paragraphs); else
    "I don't know"; else a proposal to confirm; else the question again. When the classifier
    is sure and the rules find another value, the classifier's is proposed, not stored; when
    the rules find a value and the classifier finds another plausible, the rules' is proposed:
    two readers that disagree are no ground to store ("Guinea" or "Guinea-Bissau")."""
    if sure := _sure(question, answer.text):
        return _unless_rules_disagree(sure, answer.text, rules)
    try:
        return _unless_classifier_disagrees(question, answer.text, rules(answer.text))
    except AnswerError as error:
        if answer.is_dont_know:
            return _intent_checked(question, answer.text, UNKNOWN)
        return _proposal(question, answer.text, error)


def _unless_classifier_disagrees(question: str, text: str, ruled: Any) -> Parsed:
    """What the rules found, proposed rather than stored if the classifier finds another answer plausible."""
    reading = _read(question, text)
    return Parsed(ruled, confirm=reading.plausible and reading.value != ruled)


def _unless_rules_disagree(sure: Parsed, text: str, rules: Callable[[str], Any]) -> Parsed:
    try:
        ruled = rules(text)
    except AnswerError:
        return sure
    return sure if ruled == sure.value else replace(sure, confirm=True)


def _choice(response: str) -> Parser:
    """A closed question: a button, "I don't know", or words naming an option."""

    slot = response.removeprefix("ask_")

    def parse(answer: Answer, context: Context) -> Parsed:
        pressed = _button_value(answer, slot)
        titles = option_titles(response, context.language)
        if pressed is not None:
            return Parsed(_offered(pressed, titles))
        # A typed title first: the model may read "Piştî nîvro" (afternoons) as "I don't know".
        titled = match_title(answer.text, titles)
        if titled is not None:
            return Parsed(titled)
        # Before "I don't know": "Almanca bilmiyorum" (I know no German) is an answer.
        if sure := _sure(slot, answer.text):
            return _unless_rules_disagree(sure, answer.text, lambda text: match_option(text, titles, slot))
        if answer.is_dont_know:
            # "I don't know yet" to a question whose own choice says so (the goal: "not sure yet").
            return _intent_checked(slot, answer.text, "unsure" if UNKNOWN not in titles and "unsure" in titles else UNKNOWN)
        try:
            return _unless_classifier_disagrees(slot, answer.text, match_option(answer.text, titles, slot))
        except AnswerError as error:
            return _proposal(slot, answer.text, error)

    return parse


def _yes_no(slot: str, allow_unknown: bool = True) -> Parser:
    allowed = ("yes", "no", UNKNOWN) if allow_unknown else ("yes", "no")

    def parse(answer: Answer, context: Context) -> Parsed:
        if answer.slot is not None:  # a button: the confirmation's Yes, or an earlier question's
            return Parsed(_offered(answer.value, allowed))
        # A sentence first ("yes, my German is not good" is a yes to an interpreter), then the
        # intent model's yes, no or "I don't know".
        if (sure := _sure(slot, answer.text)) and sure.value in allowed:
            return sure
        value = _YES_NO.get(answer.intent or "")
        if value is not None and value in allowed:
            checked = _intent_checked(slot, answer.text, value)
            if checked.value in allowed:
                return checked
        proposal = _proposal(slot, answer.text, AnswerError("yes_no_unclear"))
        if proposal.value not in allowed:
            raise AnswerError("yes_no_unclear")
        return proposal

    return parse


def _free_text(slot: str) -> Parser:
    """Words the team reads (a profession, work experience); "no"/"none" means none."""

    def parse(answer: Answer, context: Context) -> Parsed:
        pressed = _button_value(answer, slot)
        if pressed is not None:
            return Parsed(_offered(pressed, option_values(f"ask_{slot}")))
        if answer.intent == "deny":
            return Parsed(pressed or NONE)
        if answer.is_dont_know:
            return Parsed(UNKNOWN)
        if not any(ch.isalnum() for ch in answer.text):
            raise AnswerError("text_unparsed")
        return Parsed(answer.text.strip())

    return parse


# --- the questions ------------------------------------------------------------------------------
def language(answer: Answer, context: Context) -> Parsed:
    pressed = _button_value(answer, "language")
    return Parsed(_offered(pressed, SUPPORTED_LANGUAGES) if pressed is not None else parse_language(answer.text))


def consent(answer: Answer, context: Context) -> Parsed:
    if answer.slot is None and answer.intent in ("affirm", "deny"):
        return Parsed(_YES_NO[answer.intent])
    raise AnswerError("consent_unclear")


def optional_consent(answer: Answer, context: Context) -> Parsed:
    """Statistics or sharing: only a clear yes is a yes; "I don't know" and anything unclear are a
    no, which changes nothing for the person (and /privacy can change it later)."""
    return Parsed("yes" if answer.slot is None and answer.intent == "affirm" else "no")


def first_name(answer: Answer, context: Context) -> Parsed:
    return Parsed(parse_first_name(answer.text))


def _typed_or_confirmed(answer: Answer, slot: str) -> str:
    """The text to read a date from: what the person typed, or the date they confirmed."""
    return str(answer.value) if answer.slot == slot and answer.value else answer.text


def birth_date(answer: Answer, context: Context) -> Parsed:
    try:
        parsed = parse_birth_date(_typed_or_confirmed(answer, "birth_date"), context.today)
    except AnswerError:
        # "Born in 1984, I don't know the exact date" is a year; "I don't know" alone is not.
        if answer.is_dont_know:
            return Parsed(UNKNOWN, {"stated_age": None})
        raise
    converted = parsed.date is not None and parsed.date.calendar is not None
    return Parsed(parsed.record_value(context.today), {"stated_age": parsed.stated_age}, confirm=converted)


def birth_date_exact(answer: Answer, context: Context) -> Parsed:
    value = _yes_no("birth_date_exact", allow_unknown=False)(answer, context).value
    # "Yes, I know it": ask for the date once more. The question is not asked a second time.
    return Parsed(value, {"birth_date": None} if value == "yes" else None)


def nationality(answer: Answer, context: Context) -> Parsed:
    pressed = _button_value(answer, "nationality")
    if pressed in country_codes() or pressed == STATELESS:
        return Parsed(pressed)
    try:
        return _unless_denied(_classifier_then_rules("nationality", answer, parse_nationality), answer, context)
    except AnswerError:
        # An inflected name no list holds ("из Казахстана"): proposed, never stored.
        if guessed := guess_nationality(answer.text):
            return Parsed(guessed, confirm=True)
        raise


def municipality(answer: Answer, context: Context) -> Parsed:
    if answer.is_dont_know:
        return Parsed(UNKNOWN)
    pressed = _button_value(answer, "municipality")
    if pressed and context.deployment.municipality(pressed):
        return Parsed(pressed)
    return Parsed(match_municipality(answer.text, context.deployment.municipalities).ags)


def residence_status(answer: Answer, context: Context) -> Parsed:
    pressed = _button_value(answer, "residence_status")
    if pressed in RESIDENCE_STATUS_CODES:
        return Parsed(pressed)
    parsed = _unless_denied(_classifier_then_rules("residence_status", answer, parse_residence_status), answer, context)
    if parsed.value in ("duldung", "ae_sonstige"):
        # The kind may be in the same words ("آوسبیلدونگس دولدونگ", a Duldung for training).
        kind = _read(question_of("residence_kind", parsed.value), answer.text)
        if kind.sure and kind.value not in (UNKNOWN, parsed.value):
            return Parsed(kind.value, confirm=parsed.confirm)
    return parsed


def _unless_denied(parsed: Parsed, answer: Answer, context: Context) -> Parsed:
    """A status or a nationality named in a sentence with a negation ("I have no Duldung") is
    proposed, not stored: the readers take the sentence for what it names."""
    if parsed.value != UNKNOWN and not parsed.confirm and denies(answer.text, context.language):
        return replace(parsed, confirm=True)
    return parsed


def residence_kind(answer: Answer, context: Context) -> Parsed:
    """Refines a Duldung or Aufenthaltserlaubnis; "I don't know" keeps the general code."""
    question = question_of("residence_kind", context.slots.get("residence_status"))
    response = f"ask_{question}"
    pressed = _button_value(answer, "residence_kind")
    confirm = False
    if pressed is None and (sure := _sure(question, answer.text)):
        pressed = sure.value
    if pressed is None and not answer.is_dont_know:
        try:
            pressed = parse_residence_status(answer.text)
            reading = _read(question, answer.text)
            if pressed == context.slots.get("residence_status") and reading.plausible and reading.value != UNKNOWN:
                # The document's name again ("une Duldung pour faire une formation"): its kind,
                # if the words say it, is proposed rather than the general name stored.
                pressed, confirm = reading.value, reading.value != pressed
        except AnswerError:
            try:
                pressed = match_option(answer.text, option_titles(response, context.language))
            except AnswerError as error:
                pressed, confirm = _proposal(question, answer.text, error).value, True
    kind = pressed if pressed in RESIDENCE_STATUS_CODES and pressed != UNKNOWN else None
    return Parsed(kind or UNKNOWN, {"residence_status": kind} if kind else None, confirm=confirm)


def arrival_date(answer: Answer, context: Context) -> Parsed:
    date = parse_partial_date(_typed_or_confirmed(answer, "arrival_date"), context.today)
    if date is None:
        if answer.is_dont_know:
            return Parsed(UNKNOWN)
        raise AnswerError("date_unparsed")
    if date.earliest > context.today:
        raise AnswerError("date_in_future")
    birth = str(context.slots.get("birth_date") or "")
    if birth[:4].isdigit() and date.iso() < birth[: len(date.iso())]:
        raise AnswerError("date_before_birth")
    return Parsed(date.iso(), confirm=date.calendar is not None)


def languages(answer: Answer, context: Context) -> Parsed:
    pressed = _button_value(answer, "languages")
    return Parsed([_offered(pressed, SUPPORTED_LANGUAGES)] if pressed is not None else parse_spoken_languages(answer.text))


def german_level(answer: Answer, context: Context) -> Parsed:
    level = match_level(answer.text) if answer.slot is None else None
    return Parsed(level) if level else _choice("ask_german_level")(answer, context)


def school_years(answer: Answer, context: Context) -> Parsed:
    pressed = _button_value(answer, "school_years")
    if pressed is not None:
        return Parsed(int(_offered(pressed, option_values("ask_school_years"))))
    if answer.is_dont_know:
        return Parsed(UNKNOWN)
    if answer.intent == "deny":
        return Parsed(0)
    return Parsed(parse_count(answer.text, MAX_SCHOOL_YEARS))


def school_certificate(answer: Answer, context: Context) -> Parsed:
    try:
        return _choice("ask_school_certificate")(answer, context)
    except AnswerError:
        return _free_text("school_certificate")(answer, context)  # "Tawjihi", "9th grade", …


def contact_language(answer: Answer, context: Context) -> Parsed:
    pressed = _button_value(answer, "contact_language")
    if pressed is not None:
        return Parsed(_offered(pressed, SUPPORTED_LANGUAGES))
    codes = parse_spoken_languages(answer.text)
    return Parsed(codes[0])


def phone(answer: Answer, context: Context) -> Parsed:
    return Parsed(parse_phone(answer.text))


def confirmed(answer: Answer, context: Context) -> Parsed:
    if answer.slot is None and answer.intent == "affirm":
        return Parsed("yes")
    raise AnswerError("choice_unclear")


def _is(slot: str, *values: Any) -> Condition:
    return lambda slots: slots.get(slot) in values


def _not(slot: str, *values: Any) -> Condition:
    return lambda slots: slots.get(slot) not in values


def _year_only(slots: dict[str, Any]) -> bool:
    value = str(slots.get("birth_date") or "")
    return len(value) == 4 and slots.get("stated_age") is None


_NEEDS_NO_PERMIT = ("german_citizen", "eu_citizen")

# The order in which questions are asked; the domain's `required_slots` lists the same slots.
QUESTIONS: tuple[Question, ...] = (
    Question("language", language),
    Question("consent", consent),
    # Right after consent: the dashboard counts drop-off per question only with this consent.
    Question("consent_statistics", optional_consent),
    Question("first_name", first_name),
    Question("birth_date", birth_date),
    Question("birth_date_exact", birth_date_exact, _year_only),
    Question("gender", _choice("ask_gender")),
    Question("nationality", nationality),
    Question("municipality", municipality),
    Question("in_reception_facility", _yes_no("in_reception_facility"), _not("nationality", "DE")),
    Question("residence_status", residence_status, _not("nationality", "DE")),
    Question("residence_kind", residence_kind, _is("residence_status", "duldung", "ae_sonstige")),
    Question("employment_permitted", _yes_no("employment_permitted"),
             _not("residence_status", *_NEEDS_NO_PERMIT, "niederlassungserlaubnis", SKIPPED, None)),
    Question("arrival_date", arrival_date, _not("residence_status", "german_citizen")),
    Question("languages", languages),
    Question("german_level", german_level),
    Question("school_years", school_years),
    Question("school_certificate", school_certificate),
    Question("vocational_qualification", _free_text("vocational_qualification")),
    Question("qualification_recognised", _choice("ask_qualification_recognised"),
             _not("vocational_qualification", NONE, UNKNOWN, None)),
    Question("work_experience", _free_text("work_experience")),
    Question("goal", _choice("ask_goal")),
    Question("childcare_needed", _yes_no("childcare_needed", allow_unknown=False)),
    Question("contact_method", _choice("ask_contact_method")),
    Question("phone", phone, _is("contact_method", "phone")),
    Question("contact_language", contact_language),
    Question("interpreter_needed", _yes_no("interpreter_needed"), _not("contact_language", "de")),
    Question("contact_time", _choice("ask_contact_time")),
    # Where it matters: just before the summary, when the person knows what would be passed on.
    Question("consent_sharing", optional_consent),
    Question("confirmed", confirmed),
)
QUESTION_BY_SLOT = {question.slot: question for question in QUESTIONS}
FORM_SLOTS = tuple(QUESTION_BY_SLOT)


def skip_updates(slots: dict[str, Any]) -> dict[str, Any]:
    """Slot changes so that exactly the questions that apply are asked: questions that stopped
    applying are marked skipped, skipped ones that apply again are emptied to be asked."""
    updates: dict[str, Any] = {}
    current = dict(slots)
    for question in QUESTIONS:
        applies = question.applies(current)
        value = current.get(question.slot)
        if not applies and value is None:
            updates[question.slot] = current[question.slot] = SKIPPED
        elif applies and value == SKIPPED:
            updates[question.slot] = current[question.slot] = None
    return updates
