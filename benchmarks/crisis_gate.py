"""A gate on crisis signals, measured (`make safety-report ARGS="--summary --gate"`, and on the
training data `ARGS="--cross-validate-only --gate"`): should a signal of the classifier alone
yield when the message is a sure answer to the question the person was asked?

The classifier takes some ordinary intake answers for a crisis ("yes, two kids and a baby" to
the childcare question); the person then gets help numbers instead of the next question. The
gate would let such a message go on as the answer when no lexicon matched, the question's answer
classifier (bot/parsing/understanding.py) is sure of an answer that is not "I don't know", and
the classifier's crisis probability is below a ceiling. Lexicon matches always win. It may land
only if not one crisis message more is missed at the worst-case question (nobody knows which
question a person in crisis is answering). Decision 7, "A sure answer to the open question",
has the figures and why it did not land. Counts only: no held-out text is ever printed.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass

import yaml

from benchmarks.safety_report import HELDOUT_DIR, nlu_messages, rate
from bot.i18n import SUPPORTED_LANGUAGES
from bot.parsing.understanding import ACCEPT, QUESTIONS, Reading, answer_models
from bot.safety import MODEL, detect_crisis, normalize
from bot.safety.classifier import crisis_classifier

# "I don't know" says nothing of what else the message says: it never outweighs a signal.
NO_ANSWER = frozenset({"unknown", "unsure"})


@dataclass(frozen=True)
class Gate:
    questions: frozenset[str] = frozenset(QUESTIONS)  # the answer classifiers' questions it applies at
    crisis_ceiling: float = 1.0  # only a crisis probability below this yields
    answer_floor: float = ACCEPT  # how sure the question's classifier must be (ACCEPT stores the value)

    def applies(self, crisis_probability: float, question: str) -> bool:
        return question in self.questions and crisis_probability < self.crisis_ceiling

    def outweighs(self, reading: Reading) -> bool:
        return reading.value is not None and reading.value not in NO_ANSWER and reading.probability >= self.answer_floor


# Cross-validation's choice: the setting with no crisis example let through at any question that
# spares the most ordinary answers, every question alike (the held-out sets then checked it once).
PROPOSED = Gate(frozenset(QUESTIONS), crisis_ceiling=0.7, answer_floor=0.98)


def candidate_gates() -> list[Gate]:
    """No gate, a grid over the crisis probability ceiling and the answer floor at every
    question, and the settings the per-question figures of cross-validation suggested."""
    every = frozenset(QUESTIONS)
    return [Gate(frozenset()),
            *(Gate(every, ceiling, floor) for ceiling in (1.0, 0.9, 0.8, 0.7, 0.6) for floor in (0.9, 0.95, 0.98, 0.99)),
            Gate(every - {"contact_time"}, 0.7, 0.95), Gate(frozenset({"childcare_needed"}), 0.7, 0.95)]


def described(gate: Gate) -> str:
    """A gate's setting in one column: its questions (all, all but some, or which), ceiling, floor."""
    left_out = set(QUESTIONS) - gate.questions
    questions = ("all" if not left_out else "none" if not gate.questions
                 else "all but " + " ".join(sorted(left_out)) if len(left_out) < len(gate.questions)
                 else " ".join(sorted(gate.questions)))
    return f"{questions:12} {gate.crisis_ceiling:4.2f} {gate.answer_floor:4.2f}"


# A message as the gate's report sees it: None when it is no crisis, else the classifier's crisis
# probability and the answer classifiers' readings at the questions that matter.
Flagged = tuple[float, dict[str, Reading]] | None
LEXICON: Flagged = (float("inf"), {})  # a lexicon's signal: no gate applies to it


def flag(text: str, questions: list[str]) -> Flagged:
    """None: no crisis; LEXICON; else the classifier's crisis probability and the readings at `questions`."""
    signal = detect_crisis(text)
    if signal is None:
        return None
    if signal.language != MODEL:
        return LEXICON
    _, probability = crisis_classifier().classify(normalize(text))
    return probability, {question: answer_models().read(question, text) for question in questions}


def passes(gate: Gate, flagged: Flagged, questions: list[str]) -> bool:
    """Whether the gate lets a flagged message through at one of `questions`."""
    if flagged is None:
        return False
    probability, readings = flagged
    return any(q in readings and gate.applies(probability, q) and gate.outweighs(readings[q]) for q in questions)


def gate_report() -> None:
    """What the gate costs and spares on the held-out sets: each crisis message the classifier
    alone finds counts as missed if the gate lets it through at ANY question (the worst case);
    each look-alike and ordinary NLU message as spared if it passes at any question (the best
    case); each intake answer of tests/answers/ at its own question. Counts only."""
    from benchmarks.answers_report import load_cases
    from bot.parsing.slots import question_of

    every = list(QUESTIONS)
    crises: dict[str, list[Flagged]] = {}
    lookalikes: dict[str, list[Flagged]] = {}
    ordinary: dict[str, list[Flagged]] = {}
    for language in SUPPORTED_LANGUAGES:
        path = HELDOUT_DIR / f"{language}.yml"
        if path.exists():
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            crises[language] = [flag(text, every) for texts in (data.get("crisis") or {}).values() for text in texts or []]
            lookalikes[language] = [flag(text, every) for text in data.get("lookalike") or []]
            ordinary[language] = [flag(text, every) for text in nlu_messages(language)]
    answers: dict[str, list[tuple[str, Flagged]]] = {}  # per language: the case's question, the answer
    for case in load_cases():
        question = question_of(case.question, case.slots.get("residence_status"))
        answers.setdefault(case.language, []).append((question, flag(case.text, [question])))

    def counts(gate: Gate, language: str) -> tuple[int, int, int, int, int, int, int]:
        """Crises found, of them let through; look-alikes flagged, of them spared; the same for
        NLU messages; answers still taken for a crisis at their own question."""
        found = crises[language]
        return (sum(f is not None for f in found), sum(passes(gate, f, every) for f in found),
                sum(f is not None for f in lookalikes[language]), sum(passes(gate, f, every) for f in lookalikes[language]),
                sum(f is not None for f in ordinary[language]), sum(passes(gate, f, every) for f in ordinary[language]),
                sum(f is not None and not passes(gate, f, [q]) for q, f in answers.get(language, [])))

    print("\nthe gate: a classifier-only signal yields to a sure answer to the open question (counts; worst case for "
          "crises, best case for look-alikes)")
    print(f"proposed gate: {described(PROPOSED)}")
    print(f"{'lang':5} {'crisis':>6} {'recall':>6} {'gated':>6} {'lost':>4} {'looks':>5} {'FP':>6} {'gated':>6} "
          f"{'nlu':>5} {'FP':>6} {'gated':>6} {'answers':>7} {'taken':>5} {'gated':>5}")
    rows = []
    for language, found in crises.items():
        hit, lost, look_fp, look_spared, nlu_fp, nlu_spared, still = counts(PROPOSED, language)
        taken = sum(f is not None for _, f in answers.get(language, []))
        n, looks, nlu = len(found), len(lookalikes[language]), len(ordinary[language])
        rows.append((hit / n, (hit - lost) / n, look_fp / looks, (look_fp - look_spared) / looks))
        print(f"{language:5} {n:6} {rate(hit, n)} {rate(hit - lost, n)} {lost:4} {looks:5} {rate(look_fp, looks)} "
              f"{rate(look_fp - look_spared, looks)} {nlu:5} {rate(nlu_fp, nlu)} {rate(nlu_fp - nlu_spared, nlu)} "
              f"{len(answers.get(language, [])):7} {taken:5} {still:5}")
    macro = [statistics.mean(column) for column in zip(*rows, strict=True)]
    print(f"{'macro':5} {'':6} {macro[0]:6.3f} {macro[1]:6.3f} {'':4} {'':5} {macro[2]:6.3f} {macro[3]:6.3f}")
    print("\nper question (proposed gate): crisis messages it lets through there · intake answers taken for a crisis "
          "there, without the gate → with it")
    for question in every:
        let = sum(passes(PROPOSED, f, [question]) for found in crises.values() for f in found)
        taken = sum(q == question and f is not None for cases in answers.values() for q, f in cases)
        spared = sum(q == question and passes(PROPOSED, f, [q]) for cases in answers.values() for q, f in cases)
        print(f"  {question:26} {let:4} · {taken:3} → {taken - spared:3}")
    print("\nper setting: questions, crisis probability below, answer at least → crises let through (languages) · "
          "look-alikes spared · answers still taken")
    for gate in candidate_gates():
        per_language = [counts(gate, language) for language in crises]
        print(f"  {described(gate)} → "
              f"{sum(c[1] for c in per_language)} ({sum(c[1] > 0 for c in per_language)}) · "
              f"{sum(c[3] for c in per_language)} · {sum(c[6] for c in per_language)}")


def readings_of(texts: list[str], questions: list[str]) -> dict[str, list[Reading]]:
    """The answer classifiers' readings, many texts at once: AnswerModels.read, batched (a
    unit of work per text and question would take minutes here)."""
    from bot.parsing.text import fold
    from bot.parsing.understanding import OTHER, answer_models

    models = answer_models()
    folded = [fold(text) for text in texts]
    features = models.features.transform(folded)
    readings: dict[str, list[Reading]] = {}
    for question in questions:
        probabilities = models.heads[question].predict_proba(features)
        best = probabilities.argmax(axis=1)
        classes = models.heads[question].classes_
        readings[question] = [
            Reading(None, 0.0) if not text else Reading(None if classes[b] == OTHER else str(classes[b]), float(row[b]))
            for text, row, b in zip(folded, probabilities, best, strict=True)]
    return readings


def gate_cross_validated(texts: list[str], probabilities: list[float]) -> None:
    """The gate's settings on the training data, out of fold (`probabilities`: each example's
    crisis probability from the classifier trained without its fold, in load_examples' order):
    the crisis examples no lexicon matches that the classifier finds, let through at ANY
    question; the look-alikes spared at any question; the ordinary intake answers of
    training/ordinary/ (never trained on) still taken for a crisis at their own question.
    Choosing the gate here keeps the held-out sets for the one check at the end. `texts`: the
    examples' normalised texts, to hold the order to load_examples'."""
    from bot.parsing.slots import question_of
    from bot.parsing.understanding import QUESTIONS
    from bot.safety import MIN_LETTERS_FOR_MODEL, lexicon_signal, normalize
    from bot.safety.classifier import CRISIS_PROBABILITY, crisis_files, ordinary_answers, ordinary_files

    # The raw texts in load_examples' order: crisis examples and look-alikes file by file, then
    # the ordinary answers (the answer classifiers read raw text, the crisis classifier normalised).
    crises: list[str] = []
    lookalikes: list[str] = []
    order: list[str] = []
    in_order: list[str] = []
    for path in crisis_files():
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for messages in (data.get("crisis") or {}).values():
            crises += messages
            order += ["crisis"] * len(messages)
            in_order += messages
        lookalikes += data.get("lookalike") or []
        order += ["lookalike"] * len(data.get("lookalike") or [])
        in_order += data.get("lookalike") or []
    ordinary = [(question_of(question), text) for path in ordinary_files()
                for question, texts in ordinary_answers(path).items() for text in texts]
    in_order += [text for _, text in ordinary]
    if [normalize(text) for text in in_order] != texts[:len(in_order)]:
        raise RuntimeError("the training examples are no longer loaded in the order read here")
    own = {"crisis": iter(range(len(crises))), "lookalike": iter(range(len(lookalikes)))}
    probability = {(kind, next(own[kind])): p for kind, p in zip(order, probabilities, strict=False)}
    offset = len(order)
    probability.update({("ordinary", i): probabilities[offset + i] for i in range(len(ordinary))})

    def model_only(kind: str, i: int, text: str) -> bool | None:
        """True: the classifier alone flags it; False: a lexicon does; None: neither."""
        normalised = normalize(text)
        if lexicon_signal(normalised) is not None:
            return False
        letters = sum(character.isalpha() for character in normalised)
        return True if letters >= MIN_LETTERS_FOR_MODEL and probability[kind, i] >= CRISIS_PROBABILITY else None

    every = list(QUESTIONS)
    flagged_crises = [i for i, text in enumerate(crises) if model_only("crisis", i, text)]
    flagged_looks = [i for i, text in enumerate(lookalikes) if model_only("lookalike", i, text)]
    taken = {i: by_model for i, (_, text) in enumerate(ordinary) if (by_model := model_only("ordinary", i, text)) is not None}
    crisis_readings = readings_of([crises[i] for i in flagged_crises], every)
    look_readings = readings_of([lookalikes[i] for i in flagged_looks], every)
    gated_answers = [i for i, by_model in taken.items() if by_model and ordinary[i][0] in QUESTIONS]
    answer_readings = {i: readings_of([ordinary[i][1]], [ordinary[i][0]])[ordinary[i][0]][0] for i in gated_answers}

    def let_through(gate: Gate, i: int, row: int, readings: dict[str, list[Reading]], kind: str) -> bool:
        return any(gate.applies(probability[kind, i], q) and gate.outweighs(readings[q][row]) for q in every)

    print(f"\nthe gate on the training data, out of fold: {len(crises)} crisis examples, {len(flagged_crises)} of them "
          f"found by the classifier alone; {len(lookalikes)} look-alikes, {len(flagged_looks)} so flagged; "
          f"{len(ordinary)} ordinary answers, {len(taken)} taken for a crisis ({sum(taken.values())} by the classifier)")
    print("questions, crisis probability below, answer at least → crises let through (worst case) · look-alikes "
          "spared (best case) · ordinary answers still taken (own question)")
    for gate in candidate_gates():
        lost = sum(let_through(gate, i, row, crisis_readings, "crisis") for row, i in enumerate(flagged_crises))
        spared = sum(let_through(gate, i, row, look_readings, "lookalike") for row, i in enumerate(flagged_looks))
        still = len(taken) - sum(gate.applies(probability["ordinary", i], ordinary[i][0]) and gate.outweighs(reading)
                                 for i, reading in answer_readings.items())
        print(f"  {described(gate)} → {lost} · {spared} · {still}"
              + ("  (proposed)" if gate == PROPOSED else ""))
    print("per question: crises let through there / ordinary answers spared there, at crisis probability below "
          "(rows of three: answer at least 0.9, 0.95, 0.98)")
    for ceiling in (1.0, 0.9, 0.8, 0.7):
        print(f"  below {ceiling:4.2f}")
        for question in every:
            cells = []
            for floor in (0.9, 0.95, 0.98):
                gate = Gate(frozenset([question]), ceiling, floor)
                lost = sum(let_through(gate, i, row, crisis_readings, "crisis") for row, i in enumerate(flagged_crises))
                spared = sum(ordinary[i][0] == question and gate.applies(probability["ordinary", i], question)
                             and gate.outweighs(reading) for i, reading in answer_readings.items())
                cells.append(f"{lost:3}/{spared:<3}")
            print(f"    {question:26} " + " ".join(cells))
