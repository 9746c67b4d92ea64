"""`make answers-report`: every held-out answer (tests/answers/<lang>.yml) through the code the
intake uses — the gateway's crisis check, Rasa's NLU for the intent, the form's interruption
check, the question's parser —
counted per question and per language as understood, confirmed, asked again, kept as written
(free text the team reads, e.g. a certificate's own name) or stored wrongly.

Prints; asserts nothing. Today is fixed to the date the answers were written for (relative dates
such as "last year"). The NLU parses are cached by the model's fingerprint in var/answers-report/.
"""
from __future__ import annotations

import argparse
import datetime
import json
import subprocess
import sys
import zlib
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from actions.answers import read_answer
from actions.intake_form import ValidateIntakeForm
from actions.questions import Context, Parsed, is_request
from bot.config import PROJECT_ROOT, load_settings
from bot.deployment import load_deployment
from bot.i18n import SUPPORTED_LANGUAGES
from bot.parsing.proposals import proposal_for
from bot.parsing.slots import question_of
from bot.rasa_model import model_path, rasa_environment, train_model
from bot.safety import MODEL, detect_crisis

ANSWERS_DIR = PROJECT_ROOT / "tests" / "answers"
OUT = PROJECT_ROOT / "var" / "answers-report"
TODAY = datetime.date(2026, 12, 6)
BIRTH_DATE = "1990-01-01"  # the arrival date is checked against it
OUTCOMES = ("understood", "confirmed", "asked_again", "kept_as_written", "stored_wrongly")


@dataclass(frozen=True)
class Case:
    language: str
    question: str
    text: str
    expected: str
    slots: dict[str, Any]


def load_cases() -> list[Case]:
    cases = []
    for language in SUPPORTED_LANGUAGES:
        data = yaml.safe_load((ANSWERS_DIR / f"{language}.yml").read_text(encoding="utf-8"))
        for question, answers in data["answers"].items():
            for item in answers:
                slots = {"language": language, "birth_date": BIRTH_DATE}
                if "residence_status" in item:
                    slots["residence_status"] = item["residence_status"]
                cases.append(Case(language, question, str(item["text"]), str(item["value"]), slots))
    return cases


def nlu_parses(texts: list[str]) -> dict[str, dict]:
    """Rasa's parse of each text, from the trained model (cached by its fingerprint)."""
    settings = load_settings()
    model = train_model(settings)
    OUT.mkdir(parents=True, exist_ok=True)
    cache = OUT / f"parses-{model_path().name.removesuffix('.tar.gz')}.json"
    parsed: dict[str, dict] = json.loads(cache.read_text(encoding="utf-8")) if cache.exists() else {}
    missing = sorted(set(texts) - parsed.keys())
    if missing:
        source, target = OUT / "to-parse.json", OUT / "parsed.json"
        source.write_text(json.dumps(missing, ensure_ascii=False), encoding="utf-8")
        python = Path(settings.rasa_bin).parent / "python"
        print(f"parsing {len(missing)} answers with the trained model …", file=sys.stderr)
        subprocess.run([str(python), str(PROJECT_ROOT / "nlu_data" / "parse_texts.py"), str(model), str(source),
                        str(target)], check=True, cwd=PROJECT_ROOT, env=rasa_environment(),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        parsed.update(json.loads(target.read_text(encoding="utf-8")))
        cache.write_text(json.dumps(parsed, ensure_ascii=False), encoding="utf-8")
    return parsed


def outcome(case: Case, parse: dict, deployment: Any) -> tuple[str, str]:
    """What the intake does with the answer: (outcome, what it stored or proposed)."""
    if detect_crisis(case.text):
        # The gateway reads every message for danger first: such an answer gets help, not stored.
        # The person (these are ordinary answers) declines the offer of a person, and the gateway
        # proposes what the message answers, if anything (decision 9).
        proposal = proposal_for(case.text, case.question, case.slots.get("residence_status"), case.language)
        if proposal is None:
            return "asked_again", "taken as a crisis"
        if proposal["value"] == case.expected:
            return "confirmed", f"taken as a crisis, help declined, proposed {proposal['value']}"
        return "asked_again", "taken as a crisis, help declined, proposed wrong"
    answer = read_answer({**parse, "text": case.text})
    slot = "residence_kind" if case.question == "residence_kind" else case.question
    if is_request(answer, slot, case.language, TODAY, case.slots.get("residence_status")):
        return "asked_again", f"taken as a request: {answer.intent}"
    context = Context(TODAY, deployment, case.language, case.slots)
    result = ValidateIntakeForm._parse(slot, answer, context)
    if not isinstance(result, Parsed):
        return "asked_again", f"error_{result.code}"
    value = str(result.value)
    if result.confirm:
        return ("confirmed" if value == case.expected else "asked_again"), f"proposed {value}"
    if value == case.expected:
        return "understood", value
    if value == case.text.strip():
        # Kept for the team to read (a school certificate by its own name): nothing invented.
        return "kept_as_written", value
    return "stored_wrongly", value


def cross_validate(folds: int = 3) -> None:
    """The thresholds' trade-off on our own training examples (never the held-out answers): each
    written example is read by models trained without its fold. Per (accept, propose): stored
    correctly, proposed correctly, stored wrongly, proposed wrongly (asked again after "No")."""
    from bot.parsing.understanding import QUESTIONS, Examples, fold, load_examples, train_models, written_examples

    written = {q: [(fold(t), v) for v, ts in written_examples().get(q, {}).items() for t in ts] for q in QUESTIONS}
    full = {question: load_examples(question) for question in QUESTIONS}
    readings: list[tuple[str, str | None, float]] = []  # (expected, read, probability)
    for k in range(folds):
        held = {q: {t for t, _ in items if zlib.crc32(t.encode()) % folds == k} for q, items in written.items()}
        training = {}
        for question, examples in full.items():
            keep = [(t, label) for t, label in zip(examples.texts, examples.labels, strict=True) if t not in held[question]]
            training[question] = Examples([t for t, _ in keep], [label for _, label in keep])
        models = train_models(training)
        for question, items in written.items():
            for text, value in items:
                if text in held[question]:
                    reading = models.read(question, text)
                    readings.append((value, reading.value, reading.probability))
        print(f"fold {k + 1}/{folds} done", file=sys.stderr)
    print(f"\n{len(readings)} written examples, {folds}-fold")
    print(f"{'accept':>7} {'propose':>8} {'stored ok':>10} {'proposed ok':>12} {'stored wrong':>13} {'proposed wrong':>15}")
    for accept in (0.6, 0.7, 0.8, 0.9):
        for propose in (0.3, 0.4, 0.5):
            counts: Counter[str] = Counter()
            for expected, read, probability in readings:
                if read is None or probability < propose:
                    continue
                kind = "stored" if probability >= accept else "proposed"
                counts[f"{kind} {'ok' if read == expected else 'wrong'}"] += 1
            n = len(readings)
            print(f"{accept:>7} {propose:>8} " + " ".join(f"{counts[c] / n:>{w}.1%}" for c, w in (
                ("stored ok", 10), ("proposed ok", 12), ("stored wrong", 13), ("proposed wrong", 15))))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--show", choices=("wrong", "missed", "all", "none"), default="wrong",
                        help="which answers to list after the tables (default: the wrongly stored)")
    parser.add_argument("--reasons", action="store_true",
                        help="why answers were asked again or stored wrongly, counted per question and language "
                             "(prints no texts)")
    parser.add_argument("--cross-validate", action="store_true",
                        help="the thresholds' trade-off on the training examples instead (takes minutes)")
    parser.add_argument("--crisis-only", action="store_true",
                        help="only the answers taken as a crisis, counted (no Rasa, no texts): seconds")
    args = parser.parse_args()
    if args.cross_validate:
        cross_validate()
        return 0
    cases = load_cases()
    print_crises(cases)
    if args.crisis_only:
        return 0
    parses = nlu_parses([case.text for case in cases])
    deployment = load_deployment(load_settings().deployment_file)
    by_question: dict[str, Counter[str]] = defaultdict(Counter)
    by_language: dict[str, Counter[str]] = defaultdict(Counter)
    reasons_by_question: dict[str, Counter[str]] = defaultdict(Counter)
    reasons_by_language: dict[str, Counter[str]] = defaultdict(Counter)
    listed = []
    for case in cases:
        result, detail = outcome(case, parses[case.text], deployment)
        by_question[case.question][result] += 1
        by_language[case.language][result] += 1
        if (why := reason(result, detail, case, parses[case.text])) is not None:
            reasons_by_question[case.question][why] += 1
            reasons_by_language[case.language][why] += 1
        if args.show == "all" or (args.show == "wrong" and result == "stored_wrongly") or (
                args.show == "missed" and result in ("asked_again", "stored_wrongly")):
            listed.append(f"  [{case.language}] {case.question}: {case.text!r} → {result} ({detail}; expected {case.expected})")
    total: Counter[str] = sum(by_language.values(), Counter())
    print_table("question", by_question)
    print_table("language", by_language)
    print_table("all", {"all": total})
    if args.reasons:
        print_reasons("question", reasons_by_question, by_question)
        print_reasons("language", reasons_by_language, by_language)
    if listed:
        print(f"\n{args.show} answers:")
        print("\n".join(listed))
    return 0


def print_crises(cases: list[Case]) -> None:
    """How many ordinary answers the crisis check takes for a crisis, by language, question, kind
    and whether a lexicon or the classifier found it: counts only, never the answers."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for case in cases:
        signal = detect_crisis(case.text)
        if signal is not None:
            counts["language"][case.language] += 1
            counts["question"][case.question] += 1
            counts["kind"][signal.kind] += 1
            counts["by"]["classifier" if signal.language == MODEL else "lexicon"] += 1
            proposal = proposal_for(case.text, case.question, case.slots.get("residence_status"), case.language)
            counts["help declined"][
                "nothing proposed" if proposal is None else
                "proposed right" if proposal["value"] == case.expected else "proposed wrong"] += 1
    total = sum(counts["language"].values())
    print(f"taken as a crisis: {total} of {len(cases)} answers ({total / len(cases):.1%})")
    for label in ("by", "kind", "language", "question", "help declined"):
        print(f"  {label + ':':<14} " + ", ".join(f"{name} {n}" for name, n in counts[label].most_common()))


def reason(result: str, detail: str, case: Case, parse: dict) -> str | None:
    """Why an answer was not understood or confirmed, without its text or value: a crisis, a
    request (with the intent), the error message's code, a wrong proposal; or stored wrongly, by
    which reader (the question's classifier sure of it, the intent model's yes/no, or the rules)."""
    if result == "stored_wrongly":
        from actions.questions import _read

        reading = _read(question_of(case.question, case.slots.get("residence_status")), case.text)
        if reading.sure and reading.value == detail:
            return "stored wrongly: classifier"
        intent = (parse.get("intent") or {}).get("name")
        said = {"affirm": ("yes",), "deny": ("no", "none", "0"), "dont_know": ("unknown", "unsure")}.get(intent or "", ())
        return f"stored wrongly: {'intent ' + str(intent) if detail in said else 'rules'}"
    if result != "asked_again":
        return None
    return "proposed wrong" if detail.startswith("proposed ") else detail.removesuffix(", help declined, proposed wrong")


def print_reasons(label: str, rows: dict[str, Counter[str]], outcomes: dict[str, Counter[str]]) -> None:
    """Per row: how many answers were asked again or stored wrongly, and why (commonest first)."""
    print(f"\nwhy asked again or stored wrongly, by {label} (counts)")
    for name in outcomes:
        counts = rows.get(name, Counter())
        n = sum(outcomes[name].values())
        print(f"{name:<26} {n:>5} {sum(counts.values()):>4}  " + " · ".join(f"{why} {k}" for why, k in counts.most_common()))
    total: Counter[str] = sum(rows.values(), Counter())
    n = sum(sum(o.values()) for o in outcomes.values())
    print(f"{'all':<26} {n:>5} {sum(total.values()):>4}  " + " · ".join(f"{why} {k}" for why, k in total.most_common()))


def print_table(label: str, rows: dict[str, Counter[str]]) -> None:
    widths = (11, 10, 12, 16, 15)
    print(f"\n{label:<26} {'n':>5} {'understood':>11} {'confirmed':>10} {'asked again':>12} {'kept as written':>16} "
          f"{'stored wrongly':>15} {'ok':>7}")
    for name, counts in rows.items():
        n = sum(counts.values())
        ok = (counts["understood"] + counts["confirmed"]) / n
        print(f"{name:<26} {n:>5} " + " ".join(f"{counts[o] / n:>{w}.1%}" for o, w in zip(OUTCOMES, widths, strict=True))
              + f" {ok:>7.1%}")


if __name__ == "__main__":
    sys.exit(main())
